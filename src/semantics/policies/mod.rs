//! Best-practice policies: a catalogue of rules over each pipeline's plan,
//! the levels organisations set for them (`deny`, `warn`, `allow`), and
//! exemptions, which stop counting after their `expires` day. A finding is
//! a diagnostic like any other: an error under `deny`, a warning under
//! `warn`, nothing under `allow`.

use super::scope::{DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::plan::Plan;
use crate::source::{FileId, Span};
use crate::syntax::ast::{ItemKind, LiteralValue, MemberKind, PolicyLevel};
use rules::{Found, evaluate};

mod rules;

/// A rule of the catalogue.
#[derive(Debug)]
pub struct Rule {
    /// Its kebab-case name, used in `deny`, `warn`, `allow` and `exempt`.
    pub name: &'static str,
    /// Its level where no policy mentions it.
    pub default: PolicyLevel,
    /// What it asks, in one line.
    pub summary: &'static str,
    /// Why, and what to do.
    pub explanation: &'static str,
}

/// Every rule, in the order findings are reported.
pub static RULES: &[Rule] = &[
    Rule {
        name: "code-review",
        default: PolicyLevel::Deny,
        summary: "every source requires review",
        explanation: "A change starts as a code review approved by a team member; the pipeline refuses unreviewed commits. Write `require review` in every source.",
    },
    Rule {
        name: "signed-artifacts",
        default: PolicyLevel::Warn,
        summary: "every build signs its artifact",
        explanation: "Packages are immutable and integrity-checked; a signed artifact proves it is the one the build produced. Write `sign = true` in every build.",
    },
    Rule {
        name: "onebox-first",
        default: PolicyLevel::Warn,
        summary: "every production wave starts with a one-box",
        explanation: "A one-box takes a small share of traffic first; if it misbehaves the deployment rolls back before the fleet is touched. Give `production` (or each wave) a `onebox`.",
    },
    Rule {
        name: "onebox-bake",
        default: PolicyLevel::Warn,
        summary: "every production one-box bakes at least 1h",
        explanation: "A one-box serves little traffic; problems take time to show. Bake it at least an hour: `onebox { bake = 1h }`.",
    },
    Rule {
        name: "first-wave-bake",
        default: PolicyLevel::Warn,
        summary: "the first production wave bakes at least 12h",
        explanation: "The first region is where slow-burning problems must surface before they spread. Bake it 12 hours or more.",
    },
    Rule {
        name: "later-wave-bake",
        default: PolicyLevel::Warn,
        summary: "every later production wave bakes at least 2h",
        explanation: "Each wave should watch its alarms before the next, larger one starts. Bake every wave after the first at least two hours.",
    },
    Rule {
        name: "small-first-waves",
        default: PolicyLevel::Warn,
        summary: "the first two production waves deploy one region each",
        explanation: "A problem that reaches production should hurt one region at a time while confidence is lowest: one small region, then one large one.",
    },
    Rule {
        name: "first-wave-by-az",
        default: PolicyLevel::Warn,
        summary: "the first two production waves deploy one AZ (or cell) at a time",
        explanation: "Inside the first regions, deploy `by az` (or `by cell`) so that no deployment hurts several availability zones of a region at once. (Lambda, which has no AZ targets, is exempt.)",
    },
    Rule {
        name: "growing-waves",
        default: PolicyLevel::Warn,
        summary: "production waves never shrink",
        explanation: "Waves grow as confidence grows; a wave smaller than the one before it usually means a region list went wrong.",
    },
    Rule {
        name: "rollback-alarm",
        default: PolicyLevel::Deny,
        summary: "every production deploy and bake rolls back on an alarm",
        explanation: "Without a rollback alarm a bad deployment stays until a person notices. Write `rollback on ALARM` in `production` (and for one-box metrics in `onebox`).",
    },
    Rule {
        name: "weekend-window",
        default: PolicyLevel::Warn,
        summary: "production deploys start only in a window that excludes weekends",
        explanation: "Deployments should start when the team is there to watch them: give production a `window` whose `allow` slots leave out Saturday and Sunday.",
    },
    Rule {
        name: "gamma-multi-region",
        default: PolicyLevel::Warn,
        summary: "a `gamma` stage deploys to at least two regions",
        explanation: "Gamma mirrors production; deploying it in several regions catches regional differences before production does.",
    },
    Rule {
        name: "integration-tests",
        default: PolicyLevel::Warn,
        summary: "integration tests run before production",
        explanation: "Some pre-production stage should run an integration test (`test integration`, or any test with `kind = integration`) so that end-to-end behaviour is proven before customers see it.",
    },
    Rule {
        name: "load-test",
        default: PolicyLevel::Warn,
        summary: "a load test runs before production",
        explanation: "A short load test in a pre-production stage (`test load`, or any test with `kind = load`) catches capacity regressions.",
    },
    Rule {
        name: "rolling-healthy",
        default: PolicyLevel::Warn,
        summary: "production's rolling deployments keep at least 66% healthy",
        explanation: "Every service is sized to survive the loss of one AZ; a rolling deployment in production must not take down more than a third of the fleet at once: `rolling(batch: 33%, min_healthy: 66%)`. Pre-production stages, which serve no customers, are not held to it.",
    },
    Rule {
        name: "manual-approval",
        default: PolicyLevel::Allow,
        summary: "production requires a manual approval",
        explanation: "Continuous delivery keeps a person's approval before production (`require approval(\"role\")`); continuous deployment does not, so the rule is off unless a policy turns it on.",
    },
];

/// The rule with this name.
pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.name == name)
}

fn strictness(level: PolicyLevel) -> u8 {
    match level {
        PolicyLevel::Allow => 0,
        PolicyLevel::Warn => 1,
        PolicyLevel::Deny => 2,
    }
}

/// A rule's level as one policy sets it.
struct Level {
    rule: &'static str,
    level: PolicyLevel,
    file: FileId,
    /// The policy that sets it (its declaration's place), so that a level
    /// under a profile replaces only that policy's own level.
    policy: (FileId, Span),
    /// `Some` for a level inside `under PROFILE { ... }`: the profile, and
    /// the block's reason, which findings under it quote.
    under: Option<(String, String)>,
}

/// An exemption that still counts.
struct Exemption {
    pipeline: String,
    rule: &'static str,
    file: FileId,
}

/// The levels and exemptions of every policy in the workspace. A policy
/// governs the pipelines of its own file and of every file that imports
/// its file, directly or through other imports: an organisation's policy
/// sits beside the template every service extends.
pub struct Policies {
    levels: Vec<Level>,
    exemptions: Vec<Exemption>,
    /// Where an exemption can be added to each policy, by the policy's
    /// place: for the fix that exempts a pipeline from a finding.
    hosts: Vec<((FileId, Span), Host)>,
}

/// Where a new member goes in a policy's body: before its closing brace,
/// on a line of its own, indented one step deeper than the brace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Host {
    file: FileId,
    /// The bytes the member replaces: nothing before a brace on its own
    /// line, else the blanks between the last member and the brace.
    at: usize,
    end: usize,
    /// The brace's indentation.
    indent: String,
    /// Whether the brace shares its line with other text, so the member
    /// starts a new line.
    newline: bool,
}

impl Host {
    fn of(text: &str, file: FileId, body: Span) -> Option<Host> {
        let brace = body.end.checked_sub(1)? as usize;
        if text.get(brace..=brace)? != "}" {
            return None;
        }
        let line_start = text.get(..brace)?.rfind('\n').map_or(0, |idx| idx + 1);
        let before = text.get(line_start..brace)?;
        if before.trim().is_empty() {
            Some(Host {
                file,
                at: line_start,
                end: line_start,
                indent: before.to_string(),
                newline: false,
            })
        } else {
            let indent: String = before
                .chars()
                .take_while(|ch| *ch == ' ' || *ch == '\t')
                .collect();
            let at = line_start + before.trim_end().len();
            Some(Host {
                file,
                at,
                end: brace,
                indent,
                newline: true,
            })
        }
    }

    /// The fix that exempts `pipeline` from `rule` here.
    fn exemption(&self, pipeline: &str, rule: &str) -> crate::diagnostics::Suggestion {
        let outer = &self.indent;
        let inner = format!("{outer}  ");
        let start = if self.newline { "\n" } else { "" };
        let end = if self.newline { outer.as_str() } else { "" };
        crate::diagnostics::Suggestion {
            message: format!("Exempt `{pipeline}` from `{rule}` (give the reason)"),
            file: self.file,
            span: Span {
                start: u32::try_from(self.at).unwrap_or(u32::MAX),
                end: u32::try_from(self.end).unwrap_or(u32::MAX),
            },
            replacement: format!(
                "{start}{inner}exempt {pipeline} from {rule} {{\n{inner}  reason = \"TODO: why {pipeline} is exempt\"\n{inner}}}\n{end}"
            ),
        }
    }
}

impl Policies {
    /// Reads every `policy` of the workspace; reports unknown rules,
    /// exemptions without a reason, and expired exemptions.
    pub fn collect(
        scopes: &Scopes<'_>,
        today: jiff::civil::Date,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Policies {
        let mut policies = Policies {
            levels: Vec::new(),
            exemptions: Vec::new(),
            hosts: Vec::new(),
        };
        let profiles = profile_names(scopes);
        for (decl, kind, item) in scopes.all() {
            let (DeclKind::Policy, ItemKind::Policy(policy)) = (kind, &item.kind) else {
                continue;
            };
            let file = decl.file;
            let policy_at = (file, policy.name.span);
            if let Some(host) = scopes
                .workspace()
                .sources
                .get(file)
                .and_then(|source| Host::of(&source.text, file, policy.body.span))
            {
                policies.hosts.push((policy_at, host));
            }
            for member in &policy.body.members {
                match &member.kind {
                    MemberKind::Level { level, rules } => {
                        for name in rules {
                            let Some(rule) = known_rule(&name.name, file, name.span, diagnostics)
                            else {
                                continue;
                            };
                            policies.levels.push(Level {
                                rule: rule.name,
                                level: *level,
                                file,
                                policy: policy_at,
                                under: None,
                            });
                        }
                    }
                    MemberKind::Under { profile, body } => {
                        policies.collect_under(
                            (profile, body, member.span),
                            policy_at,
                            &profiles,
                            today,
                            diagnostics,
                        );
                    }
                    MemberKind::Exempt {
                        pipeline,
                        rule: rule_name,
                        body,
                    } => {
                        let Some(rule) =
                            known_rule(&rule_name.name, file, rule_name.span, diagnostics)
                        else {
                            continue;
                        };
                        let (reason, expires) = reason_and_expiry(body, file, diagnostics);
                        if reason.is_none() {
                            diagnostics.push(
                                Diagnostic::error(Code::EXEMPTION_WITHOUT_REASON, "an exemption needs a reason")
                                    .primary(file, member.span, "no `reason = \"...\"`")
                                    .help("say why the rule does not apply, so that reviewers can tell when it will"),
                            );
                            continue;
                        }
                        if let Some((last_day, span)) = expires
                            && last_day < today
                        {
                            diagnostics.push(
                                Diagnostic::warning(
                                    Code::EXEMPTION_EXPIRED,
                                    format!("the exemption of `{}` from `{}` expired", pipeline.to_dotted(), rule.name),
                                )
                                .primary(file, span, format!("its last day was {last_day}; today is {today}"))
                                .help("fix what the rule asks for, or renew the exemption with a new date and a reason"),
                            );
                            continue;
                        }
                        policies.exemptions.push(Exemption {
                            pipeline: pipeline.to_dotted(),
                            rule: rule.name,
                            file,
                        });
                    }
                    _ => {}
                }
            }
        }
        policies
    }

    /// Reads `under PROFILE { ... }`: its profile must be declared
    /// somewhere in the workspace, it needs a reason, and after its
    /// `expires` day its levels stop counting.
    fn collect_under(
        &mut self,
        (profile, body, span): (&crate::syntax::ast::Ident, &crate::syntax::ast::Block, Span),
        policy_at: (FileId, Span),
        profiles: &std::collections::BTreeSet<String>,
        today: jiff::civil::Date,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let file = policy_at.0;
        let mut usable = true;
        if !profiles.contains(&profile.name) {
            diagnostics.push(unknown_profile(
                Code::UNKNOWN_POLICY_PROFILE,
                profile,
                file,
                profiles,
            ));
            usable = false;
        }
        let (reason, expires) = reason_and_expiry(body, file, diagnostics);
        let Some(reason) = reason else {
            diagnostics.push(
                Diagnostic::error(
                    Code::EXEMPTION_WITHOUT_REASON,
                    format!("the levels under profile `{}` need a reason", profile.name),
                )
                .primary(file, head_span(span, body), "no `reason = \"...\"`")
                .help("say why the profile changes these rules, so that reviewers can judge it"),
            );
            return;
        };
        if let Some((last_day, expires_at)) = expires
            && last_day < today
        {
            diagnostics.push(
                Diagnostic::warning(
                    Code::EXEMPTION_EXPIRED,
                    format!("the levels under profile `{}` expired", profile.name),
                )
                .primary(file, expires_at, format!("its last day was {last_day}; today is {today}"))
                .help("the policy's own levels apply under the profile again; renew it with a new date and a reason, or remove it"),
            );
            return;
        }
        for member in &body.members {
            let MemberKind::Level { level, rules } = &member.kind else {
                continue;
            };
            for name in rules {
                let Some(rule) = known_rule(&name.name, file, name.span, diagnostics) else {
                    continue;
                };
                if !usable {
                    continue;
                }
                self.levels.push(Level {
                    rule: rule.name,
                    level: *level,
                    file,
                    policy: policy_at,
                    under: Some((profile.name.clone(), reason.clone())),
                });
            }
        }
    }

    /// Checks one pipeline's plan; `pipeline_at` labels findings about the
    /// pipeline as a whole, and `governed_by` says whether a policy in a
    /// given file governs this pipeline. Where policies disagree the
    /// strictest level wins; a rule no policy mentions has its default.
    /// Findings come back unrendered: [`report`] renders them once every
    /// pipeline is checked, so that one place seen through several
    /// pipelines is one diagnostic.
    pub fn check(
        &self,
        plan: &Plan,
        pipeline_at: (FileId, Span),
        governed_by: &dyn Fn(FileId) -> bool,
    ) -> Vec<Finding> {
        self.check_at_least(plan, pipeline_at, governed_by, PolicyLevel::Warn)
    }

    /// [`Self::check`]'s errors alone: the findings of denied rules.
    pub fn check_errors(
        &self,
        plan: &Plan,
        pipeline_at: (FileId, Span),
        governed_by: &dyn Fn(FileId) -> bool,
    ) -> Vec<Finding> {
        self.check_at_least(plan, pipeline_at, governed_by, PolicyLevel::Deny)
    }

    fn check_at_least(
        &self,
        plan: &Plan,
        pipeline_at: (FileId, Span),
        governed_by: &dyn Fn(FileId) -> bool,
        least: PolicyLevel,
    ) -> Vec<Finding> {
        // Each rule's level for this plan, worked out when the rule first
        // finds something; `None` for a rule whose findings are not kept
        // (allowed, exempted, or below `least`).
        type Decided = Option<(PolicyLevel, Option<(String, String)>)>;
        let mut decided: Vec<(&'static str, Decided)> = Vec::new();
        let mut keep = |rule_name: &'static str| {
            if let Some((_, level)) = decided.iter().find(|(known, _)| *known == rule_name) {
                return level.is_some();
            }
            let (level, relaxed) = self.level(rule_name, plan.profile.as_deref(), governed_by);
            let exempt = self.exemptions.iter().any(|exemption| {
                exemption.rule == rule_name
                    && exemption.pipeline == plan.pipeline
                    && governed_by(exemption.file)
            });
            let kept =
                !exempt && level != PolicyLevel::Allow && strictness(level) >= strictness(least);
            decided.push((rule_name, kept.then_some((level, relaxed))));
            kept
        };
        let mut found = Found {
            keep: &mut keep,
            list: Vec::new(),
        };
        evaluate(plan, pipeline_at, &mut found);
        let found = found.list;
        let mut findings = Vec::with_capacity(found.len());
        for (rule_name, message, (file, span)) in found {
            let Some((level, relaxed)) = decided
                .iter()
                .find(|(known, _)| *known == rule_name)
                .and_then(|(_, level)| level.clone())
            else {
                continue;
            };
            let exempt_in = self
                .host(rule_name, level, governed_by)
                .map(|host| host.exemption(&plan.pipeline, rule_name));
            findings.push(Finding {
                rule: rule_name,
                deny: level == PolicyLevel::Deny,
                message,
                file,
                span,
                pipeline: plan.pipeline.clone(),
                under: relaxed,
                exempt_in,
            });
        }
        findings
    }

    /// The policy an exemption from a finding goes in: one that gives the
    /// rule the level it has, else (a rule at its default level) the first
    /// policy governing the pipeline, by place.
    fn host(
        &self,
        rule_name: &str,
        level: PolicyLevel,
        governed_by: &dyn Fn(FileId) -> bool,
    ) -> Option<&Host> {
        let deciding = self
            .levels
            .iter()
            .filter(|found| {
                found.rule == rule_name && found.level == level && governed_by(found.file)
            })
            .map(|found| found.policy)
            .min();
        let governing = || {
            self.hosts
                .iter()
                .filter(|(_, host)| governed_by(host.file))
                .map(|(policy, _)| *policy)
                .min()
        };
        let policy = deciding.or_else(governing)?;
        self.hosts
            .iter()
            .find(|(at, _)| *at == policy)
            .map(|(_, host)| host)
    }

    /// A rule's level for a pipeline compiled under `profile`: each
    /// governing policy's level, its `under PROFILE` level replacing its
    /// own where it has one; the strictest of them; or the rule's default
    /// when no policy mentions it. The second value is the profile and
    /// reason when an `under` level decided it, for the finding to say so.
    fn level(
        &self,
        rule_name: &str,
        profile: Option<&str>,
        governed_by: &dyn Fn(FileId) -> bool,
    ) -> (PolicyLevel, Option<(String, String)>) {
        let governing: Vec<&Level> = self
            .levels
            .iter()
            .filter(|level| level.rule == rule_name && governed_by(level.file))
            .collect();
        let under_profile = |level: &Level| {
            level
                .under
                .as_ref()
                .is_some_and(|(name, _)| Some(name.as_str()) == profile)
        };
        let replaced: Vec<(FileId, Span)> = governing
            .iter()
            .filter(|level| under_profile(level))
            .map(|level| level.policy)
            .collect();
        governing
            .into_iter()
            .filter(|level| match level.under {
                Some(_) => under_profile(level),
                None => !replaced.contains(&level.policy),
            })
            .max_by_key(|level| (strictness(level.level), level.under.is_none()))
            .map(|level| (level.level, level.under.clone()))
            .or_else(|| rule(rule_name).map(|rule| (rule.default, None)))
            .unwrap_or((PolicyLevel::Warn, None))
    }
}

/// The name of every profile declared in a template or pipeline of the
/// workspace: what `under PROFILE` may name.
pub(crate) fn profile_names(scopes: &Scopes<'_>) -> std::collections::BTreeSet<String> {
    scopes
        .all()
        .filter_map(|(_, _, item)| match &item.kind {
            ItemKind::Template(decl) | ItemKind::Pipeline(decl) => Some(decl),
            _ => None,
        })
        .flat_map(|decl| decl.body.members.iter())
        .filter_map(|member| match &member.kind {
            MemberKind::Profile { name, .. } => Some(name.name.clone()),
            _ => None,
        })
        .collect()
}

/// The first line of a member with a body: what a label underlines.
fn head_span(span: Span, body: &crate::syntax::ast::Block) -> Span {
    Span {
        start: span.start,
        end: body.span.start.max(span.start),
    }
}

/// An exemption's or `under` block's `reason` (not blank) and `expires`
/// (the last day it counts, with its place). An `expires` that is not a
/// date is `P0701` at the value: read as no expiry, it would make a
/// temporary exemption permanent without a word.
fn reason_and_expiry(
    body: &crate::syntax::ast::Block,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<(jiff::civil::Date, Span)>) {
    let mut reason = None;
    let mut expires = None;
    for field in &body.members {
        let (name, value) = match &field.kind {
            MemberKind::FieldAssign { name, value, .. } => (name, value),
            // Given with a type, which is `P0701` where it is written: the
            // reason is given, and is not also missing.
            MemberKind::FieldDecl {
                name,
                value: Some(_),
                ..
            } => {
                if name.name == "reason" {
                    reason = Some(String::new());
                }
                continue;
            }
            _ => continue,
        };
        let literal = match &value.kind {
            crate::syntax::ast::ExprKind::Literal(literal) => Some(&literal.value),
            _ => None,
        };
        match (name.name.as_str(), literal) {
            ("reason", Some(LiteralValue::String(text))) => match text.as_plain() {
                Some(plain) => reason = Some(plain).filter(|text| !text.trim().is_empty()),
                // A reason is read by people, as written: there is no
                // pipeline here whose fields `${...}` could insert. It is
                // given, so it is not also missing.
                None => {
                    diagnostics.push(reason_not_plain(text.span, file));
                    reason = Some(String::new());
                }
            },
            ("reason", _) => {
                diagnostics.extend(crate::plan::mismatch(file, value, "a string"));
                reason = Some(String::new());
            }
            ("expires", Some(LiteralValue::Date(date))) => {
                // The reader only makes real dates; one that is not a
                // civil date is left without an expiry rather than guessed.
                let last_day = i16::try_from(date.year).ok().and_then(|year| {
                    let month = i8::try_from(date.month).ok()?;
                    let day = i8::try_from(date.day).ok()?;
                    jiff::civil::Date::new(year, month, day).ok()
                });
                if let Some(last_day) = last_day {
                    expires = Some((last_day, field.span));
                }
            }
            // A literal that could not be read is reported where it is.
            ("expires", _) if !matches!(value.kind, crate::syntax::ast::ExprKind::Invalid) => {
                diagnostics.push(crate::plan::not_a_date(
                    value,
                    file,
                    "`expires` takes a date",
                    "write the last day it counts, e.g. `expires = 2027-03-31`",
                ));
            }
            _ => {}
        }
    }
    (reason, expires)
}

/// `P0701` for a reason (an exemption's, an `under` block's, an
/// exclusion's) that interpolates: reasons are plain text, for people.
pub(crate) fn reason_not_plain(span: Span, file: FileId) -> Diagnostic {
    crate::plan::interpolated_where_plain(file, span, "a reason", "reason")
        .help("write the reason out; a `$` that is text is written `\\$`")
}

/// One pipeline's finding, before it is rendered.
#[derive(Debug, Clone)]
pub struct Finding {
    rule: &'static str,
    deny: bool,
    message: String,
    file: FileId,
    span: Span,
    pipeline: String,
    /// The profile and reason of the `under` level that decided it.
    under: Option<(String, String)>,
    /// The fix that exempts the pipeline, in the policy that decided the
    /// level (or one that governs it).
    exempt_in: Option<crate::diagnostics::Suggestion>,
}

impl Finding {
    /// Whether the finding is an error (its rule is denied).
    pub fn is_error(&self) -> bool {
        self.deny
    }

    /// What makes two findings the same finding: the rule, the place and
    /// the message.
    pub fn identity(&self) -> (&'static str, FileId, Span, &str) {
        (self.rule, self.file, self.span, &self.message)
    }

    /// The finding as met in the plan of profile `profile`, which `check`
    /// builds without `--profile`: the message says so.
    pub fn under_profile(mut self, profile: &str) -> Finding {
        self.message = format!("with `--profile {profile}`: {}", self.message);
        self
    }
}

/// A profile name that no template or pipeline among the files checked
/// declares. Close to one that is declared, it is a typo: an error with the
/// suggestion. Otherwise the profile may be declared in a file not checked
/// this time (an organisation's policy file reviewed on its own names the
/// profiles of services it does not import): a warning, which says so.
pub(crate) fn unknown_profile(
    code: Code,
    profile: &crate::syntax::ast::Ident,
    file: FileId,
    profiles: &std::collections::BTreeSet<String>,
) -> Diagnostic {
    let message = format!("no profile `{}` among the files checked", profile.name);
    match closest(&profile.name, profiles.iter().map(String::as_str)) {
        Some(suggestion) => Diagnostic::error(code, message)
            .primary(file, profile.span, "no template or pipeline declares it")
            .help(format!("did you mean `{suggestion}`?")),
        None => Diagnostic::warning(code, message)
            .primary(file, profile.span, "no template or pipeline checked here declares it")
            .note("it applies only to pipelines that declare `profile NAME { ... }`")
            .help("check this file together with the templates or pipelines that declare the profile, or correct the name"),
    }
}

/// Renders every pipeline's findings. The same finding at the same place
/// (a template's line, seen through each pipeline that extends it) is one
/// diagnostic naming every pipeline it affects, as a template's other
/// problems are reported once (RFC 0001, R14); the pipelines are listed in
/// name order, so the output does not depend on the order of checking.
pub fn report(findings: Vec<Finding>) -> Vec<Diagnostic> {
    type Place = (
        FileId,
        u32,
        u32,
        &'static str,
        bool,
        String,
        Option<(String, String)>,
    );
    type Affected = (String, Option<crate::diagnostics::Suggestion>);
    let mut grouped: std::collections::BTreeMap<Place, Vec<Affected>> =
        std::collections::BTreeMap::new();
    for finding in findings {
        grouped
            .entry((
                finding.file,
                finding.span.start,
                finding.span.end,
                finding.rule,
                finding.deny,
                finding.message,
                finding.under,
            ))
            .or_default()
            .push((finding.pipeline, finding.exempt_in));
    }
    grouped
        .into_iter()
        .map(|((file, start, end, rule_name, deny, message, under), mut exemptions)| {
            exemptions.sort_by(|left, right| left.0.cmp(&right.0));
            exemptions.dedup_by(|left, right| left.0 == right.0);
            let pipelines: Vec<String> = exemptions.iter().map(|(name, _)| name.clone()).collect();
            // Exempting one of several pipelines would leave the finding
            // for the others: only a finding of one pipeline gets the fix.
            let fix = match exemptions.as_slice() {
                [(_, fix)] => fix.clone(),
                _ => None,
            };
            let span = Span { start, end };
            let summary = rule(rule_name).map_or("", |rule| rule.summary);
            let title = format!("[{rule_name}] {message}");
            let mut diagnostic = if deny {
                Diagnostic::error(Code::POLICY, title)
            } else {
                Diagnostic::warning(Code::POLICY, title)
            };
            // Say why the level differs from the usual one: a reader of a
            // warning under `--profile emergency` should know that the
            // same finding is an error without it.
            if let Some((profile, reason)) = under {
                let level = if deny { "an error" } else { "a warning" };
                diagnostic = diagnostic.note(format!(
                    "under profile `{profile}` a policy makes `{rule_name}` {level}: {reason}"
                ));
            }
            if let Some(fix) = fix {
                diagnostic.add_suggestion(fix);
            }
            diagnostic.finding = Some(Box::new(crate::diagnostics::Finding {
                rule: rule_name,
                pipelines: pipelines.clone(),
            }));
            match pipelines.as_slice() {
                [pipeline] => diagnostic
                    .primary(file, span, format!("pipeline `{pipeline}`: {summary}"))
                    .help(format!(
                        "`pipec` rule `{rule_name}`; fix it, or `exempt {pipeline} from {rule_name} {{ reason = \"...\" }}` in a policy"
                    )),
                _ => {
                    let names = pipelines
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    diagnostic
                        .primary(
                            file,
                            span,
                            format!("in {} pipelines: {names}", pipelines.len()),
                        )
                        .note(format!("`{rule_name}`: {summary}"))
                        .help(format!(
                            "`pipec` rule `{rule_name}`; fix it here for all of them, or exempt one in a policy: `exempt PIPELINE from {rule_name} {{ reason = \"...\" }}`"
                        ))
                }
            }
        })
        .collect()
}

fn known_rule(
    name: &str,
    file: FileId,
    span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<&'static Rule> {
    if let Some(rule) = rule(name) {
        return Some(rule);
    }
    let mut diagnostic = Diagnostic::error(
        Code::UNKNOWN_POLICY_RULE,
        format!("no policy rule `{name}`"),
    )
    .primary(file, span, "not in the catalogue");
    diagnostic = match closest(name, RULES.iter().map(|rule| rule.name)) {
        Some(suggestion) => diagnostic
            .help(format!("did you mean `{suggestion}`?"))
            .suggest(format!("Change to `{suggestion}`"), file, span, suggestion),
        None => diagnostic.help(format!(
            "the rules are {}",
            RULES
                .iter()
                .map(|rule| rule.name)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    diagnostics.push(diagnostic);
    None
}

/// A policy's `floor bake = DURATION`: the shortest bake allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    /// The floor in seconds.
    pub seconds: u64,
    /// The policy's file (it governs the pipelines that import it).
    pub file: FileId,
    /// The `floor` member.
    pub span: Span,
}

/// Every `floor` of every policy. Floors bound bakes (R43); a floor of
/// another field, or a value that is not a duration, is reported.
pub fn floors(scopes: &Scopes<'_>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Floor> {
    let mut found = Vec::new();
    for (decl, kind, item) in scopes.all() {
        let (DeclKind::Policy, ItemKind::Policy(policy)) = (kind, &item.kind) else {
            continue;
        };
        for member in &policy.body.members {
            let MemberKind::Floor { name, value } = &member.kind else {
                continue;
            };
            let seconds = match &value.kind {
                crate::syntax::ast::ExprKind::Literal(literal) => match literal.value {
                    LiteralValue::Duration(seconds) => Some(seconds),
                    _ => None,
                },
                _ => None,
            };
            match (name.name.as_str(), seconds) {
                // A floor of nothing raises nothing: a mistake, like a
                // built-in duration of zero.
                ("bake", Some(0)) => diagnostics.push(
                    Diagnostic::error(Code::TYPE_MISMATCH, "a `bake` floor of 0s raises no bake")
                        .primary(decl.file, value.span, "zero")
                        .help("give the shortest bake the policy allows, e.g. `floor bake = 30m`, or remove the floor"),
                ),
                ("bake", Some(seconds)) => found.push(Floor {
                    seconds,
                    file: decl.file,
                    span: member.span,
                }),
                ("bake", None) => diagnostics.push(
                    Diagnostic::error(Code::TYPE_MISMATCH, "a `bake` floor must be a duration")
                        .primary(decl.file, value.span, "not a duration")
                        .help("write e.g. `floor bake = 30m`"),
                ),
                _ => diagnostics.push(
                    Diagnostic::error(
                        Code::UNSUPPORTED_FLOOR,
                        format!("no floor for `{}`", name.name),
                    )
                    .primary(decl.file, name.span, "floors bound `bake`")
                    .help("write `floor bake = DURATION`; other fields cannot have floors yet"),
                ),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::Host;
    use crate::source::{FileId, Span};

    /// The text with the exemption fix of the policy whose body is the
    /// first `{` to the last `}` applied.
    fn with_exemption(text: &str) -> String {
        let start = text.find('{').unwrap_or(0);
        let end = text.rfind('}').map_or(0, |idx| idx + 1);
        let body = Span {
            start: u32::try_from(start).unwrap_or(0),
            end: u32::try_from(end).unwrap_or(0),
        };
        let Some(host) = Host::of(text, FileId(0), body) else {
            return String::from("no host");
        };
        let fix = host.exemption("svc", "load-test");
        let mut out = text.to_string();
        out.replace_range(fix.span.start()..fix.span.end(), &fix.replacement);
        out
    }

    #[test]
    fn an_exemption_goes_before_a_brace_on_its_own_line() {
        assert_eq!(
            with_exemption("policy p {\n  deny load-test\n}\n"),
            "policy p {\n  deny load-test\n  exempt svc from load-test {\n    reason = \"TODO: why svc is exempt\"\n  }\n}\n"
        );
        // Indented: one step deeper than the brace.
        assert_eq!(
            with_exemption("  policy p {\n  }"),
            "  policy p {\n    exempt svc from load-test {\n      reason = \"TODO: why svc is exempt\"\n    }\n  }"
        );
    }

    #[test]
    fn a_brace_sharing_its_line_gets_a_line_of_its_own() {
        assert_eq!(
            with_exemption("policy p { deny load-test }"),
            "policy p { deny load-test\n  exempt svc from load-test {\n    reason = \"TODO: why svc is exempt\"\n  }\n}"
        );
        assert_eq!(with_exemption("policy p { deny load-test ]"), "no host");
    }
}
