//! Lowering a resolved pipeline to its plan: sources, builds, every stage
//! (per region, one-box first), then production wave by wave (per region,
//! one-box, then each AZ or cell, or the region whole), with bakes, gates
//! and rollback alarms. Values of the wrong type are reported here.

use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::semantics::alarms::AlarmRenderer;
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::regions::{Placement, Registry};
use crate::semantics::scope::{DeclKind, Scopes};
use crate::syntax::ast::{
    ArtifactKind, Expr, ExprKind, ItemKind, LiteralValue, Member, MemberKind, WindowUse,
};

/// The default timeout of a test.
pub const DEFAULT_TEST_TIMEOUT_SECONDS: u64 = 3_600;

/// Builds plans, reporting type errors.
pub struct Lowerer<'a, 'w> {
    /// The workspace.
    pub workspace: &'w Workspace,
    /// Names.
    pub scopes: &'a Scopes<'w>,
    /// Where problems go.
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// The pipeline's top-level fields with plain values, for `${name}`.
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Gates and rollback that apply to a scope (a stage, production, a wave).
///
/// The gates are references into the plan's gate table, where each
/// distinct gate is interned once: a scope's gates are copied to every
/// deploy step in it, and copying references instead of gates (a window
/// holds a year of closed dates) keeps that cheap.
#[derive(Clone, Default)]
struct Safety {
    gates: Vec<GateRef>,
    rollback: Option<String>,
}

/// The reference to `gate` in `plan.gates`, adding it if no equal gate is
/// there yet. A plan has a handful of distinct gates, so a linear search is
/// cheaper than hashing them (and `Gate` has no `Hash`).
fn intern(plan: &mut Plan, gate: Gate) -> GateRef {
    if let Some(index) = plan.gates.iter().position(|known| *known == gate) {
        return GateRef(index);
    }
    plan.gates.push(gate);
    GateRef(plan.gates.len() - 1)
}

/// Renumbers `plan.gates` in first-use order (walking the steps in order,
/// each step's gates in order) and drops the gates no step uses: scopes
/// intern their gates before knowing which of them become approval steps,
/// and in an order that is not the steps' order.
fn gates_in_first_use_order(plan: &mut Plan) {
    // Old index to new index, for the gates seen so far.
    let mut renumbered: Vec<Option<usize>> = vec![None; plan.gates.len()];
    let mut order = Vec::new();
    for step in &mut plan.steps {
        // Every reference came from `intern`; one that did not would point
        // at nothing, so it is dropped rather than renumbered.
        step.gates.retain_mut(|gate| {
            let Some(slot) = renumbered.get_mut(gate.0) else {
                return false;
            };
            let new = *slot.get_or_insert_with(|| {
                order.push(gate.0);
                order.len() - 1
            });
            *gate = GateRef(new);
            true
        });
    }
    let mut old: Vec<Option<Gate>> = std::mem::take(&mut plan.gates)
        .into_iter()
        .map(Some)
        .collect();
    plan.gates = order
        .into_iter()
        .filter_map(|index| old.get_mut(index).and_then(Option::take))
        .collect();
}

impl<'w> Lowerer<'_, 'w> {
    /// The plan of one pipeline.
    pub fn lower(
        &mut self,
        name: &str,
        block: &ResolvedBlock<'w>,
        placement: Option<&Placement>,
    ) -> Plan {
        let mut plan = Plan {
            pipeline: name.to_string(),
            profile: None,
            artifacts: Vec::new(),
            gates: Vec::new(),
            steps: Vec::new(),
        };
        let platform = self.platform(block);
        self.fields = block
            .members
            .iter()
            .filter_map(|(key, member)| {
                let Key::Field(name) = key else { return None };
                let (expr, _) = self.value_of(member)?;
                let value = match &expr.kind {
                    ExprKind::Literal(literal) => match &literal.value {
                        LiteralValue::String(string) => string.as_plain()?,
                        LiteralValue::Count(count) => count.to_string(),
                        _ => return None,
                    },
                    ExprKind::Path(path) => path.to_dotted(),
                    _ => return None,
                };
                Some((name.clone(), value))
            })
            .collect();
        // Sources and builds.
        for (key, member) in &block.members {
            match key {
                Key::Named("source", source) => self.source(&mut plan, source, member),
                Key::Named("build", build) => self.build(&mut plan, build, member),
                _ => {}
            }
        }
        let mut previous: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| matches!(step.params, Params::Build { .. }))
            .map(|step| step.id.clone())
            .collect();
        let registry = placement.map(|placement| &placement.registry);
        for (key, member) in &block.members {
            if let Key::Named("stage", stage) = key {
                previous = self.stage(
                    &mut plan, block, stage, member, platform, registry, previous,
                );
            }
        }
        if let (Some(production), Some(placement)) =
            (block.get(&Key::Single("production")), placement)
        {
            self.production(&mut plan, block, production, placement, platform, previous);
        }
        gates_in_first_use_order(&mut plan);
        plan
    }

    fn trace(&self, member: &Resolved<'_>) -> Trace {
        Trace {
            at: Place {
                file: member.origin.file,
                span: member.origin.span,
            },
            how: member.origin.how,
            overrides: member
                .history
                .iter()
                .map(|origin| {
                    (
                        Place {
                            file: origin.file,
                            span: origin.span,
                        },
                        origin.how,
                        self.written_value(origin.file, origin.span),
                    )
                })
                .collect(),
        }
    }

    /// The value a field member wrote, as written (`12h` of `bake = 12h`);
    /// `None` for blocks.
    fn written_value(&self, file: FileId, span: Span) -> Option<String> {
        let text = crate::semantics::source_text(self.workspace, file, span);
        if text.contains('{') {
            return None;
        }
        let (_, value) = text.split_once('=')?;
        let value = value.trim();
        (!value.is_empty()).then(|| value.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn value_of<'b>(&self, member: &'b Resolved<'w>) -> Option<(&'w Expr, FileId)> {
        let (base, file) = member.base?;
        let expr = match &base.kind {
            MemberKind::FieldAssign { value, .. } => value,
            MemberKind::FieldDecl { value, .. } => value.as_ref()?,
            MemberKind::TrafficLimit { share } => share,
            _ => return None,
        };
        Some((expr, file))
    }

    fn field<'b>(&self, block: &'b ResolvedBlock<'w>, name: &str) -> Option<&'b Resolved<'w>> {
        block.get(&Key::Field(name.to_string()))
    }

    fn mismatch(&mut self, file: FileId, expr: &Expr, expected: &str) {
        // An unreadable value was reported where it was read.
        if matches!(expr.kind, ExprKind::Invalid) {
            return;
        }
        let found = describe_value(expr);
        self.diagnostics.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("expected {expected}, found {found}"),
            )
            .primary(file, expr.span, format!("this is {found}"))
            .help(type_help(expected)),
        );
    }

    fn duration<'b>(
        &mut self,
        block: &'b ResolvedBlock<'w>,
        name: &str,
    ) -> Option<(u64, &'b Resolved<'w>)> {
        let member = block.get(&Key::Field(name.to_string()))?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind {
            match literal.value {
                LiteralValue::Duration(seconds) if seconds > 0 => return Some((seconds, member)),
                LiteralValue::Duration(_) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            format!("`{name}` must be longer than zero"),
                        )
                        .primary(file, expr.span, "a zero duration")
                        .help(format!("remove `{name}` for none at all")),
                    );
                    return None;
                }
                _ => {}
            }
        }
        self.mismatch(file, expr, "a duration");
        None
    }

    fn string(&mut self, block: &ResolvedBlock<'w>, name: &str) -> Option<String> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind
            && let LiteralValue::String(string) = &literal.value
        {
            return Some(self.interpolate(string, file));
        }
        self.mismatch(file, expr, "a string");
        None
    }

    fn boolean(&mut self, block: &ResolvedBlock<'w>, name: &str) -> Option<bool> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind
            && let LiteralValue::Bool(value) = literal.value
        {
            return Some(value);
        }
        self.mismatch(file, expr, "`true` or `false`");
        None
    }

    /// The text of a string with `${name}` replaced by the pipeline's field
    /// of that name; an unknown name is reported and left as written.
    fn interpolate(&mut self, string: &crate::syntax::ast::StringLit, file: FileId) -> String {
        let mut out = String::new();
        for part in &string.parts {
            match part {
                crate::syntax::ast::StringPart::Text(text) => out.push_str(text),
                crate::syntax::ast::StringPart::Interpolation(path) => {
                    let name = path.to_dotted();
                    match self.fields.get(&name) {
                        Some(value) => out.push_str(value),
                        None => {
                            let mut diagnostic = Diagnostic::error(
                                Code::UNKNOWN_NAME,
                                format!("no field `{name}` to interpolate"),
                            )
                            .primary(
                                file,
                                path.span,
                                "not a field of the pipeline with a plain value",
                            );
                            diagnostic = match crate::names::closest(&name, self.fields.keys().map(String::as_str)) {
                                Some(suggestion) => diagnostic.help(format!("did you mean `${{{suggestion}}}`?")),
                                None => diagnostic.help("`${name}` inserts a top-level field of the pipeline, such as `service`; write `\\$` for a literal dollar sign"),
                            };
                            self.diagnostics.push(diagnostic);
                            out.push_str("${");
                            out.push_str(&name);
                            out.push('}');
                        }
                    }
                }
            }
        }
        out
    }

    fn platform(&mut self, block: &ResolvedBlock<'w>) -> Platform {
        let Some(member) = self.field(block, "platform") else {
            return Platform::Ecs;
        };
        let Some((expr, file)) = self.value_of(member) else {
            return Platform::Ecs;
        };
        if let ExprKind::Path(path) = &expr.kind
            && let Some(platform) = Platform::from_name(&path.to_dotted())
        {
            return platform;
        }
        self.diagnostics.push(
            Diagnostic::error(Code::TYPE_MISMATCH, "expected a platform")
                .primary(file, expr.span, "not a platform")
                .help("the platforms are `ecs`, `lambda`, `ec2` and `on_premises`"),
        );
        Platform::Ecs
    }

    fn source(&mut self, plan: &mut Plan, name: &str, member: &Resolved<'w>) {
        let MemberKind::Source { origin, .. } = &member.member.kind else {
            return;
        };
        let file = member.base.map_or(member.origin.file, |(_, file)| file);
        let origin = match &origin.kind {
            ExprKind::Call { callee, args }
                if matches!(callee.to_dotted().as_str(), "git" | "store") =>
            {
                let positional = args
                    .iter()
                    .find(|arg| arg.name.is_none())
                    .and_then(|arg| string_literal(&arg.value));
                let branch = args
                    .iter()
                    .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == "branch"))
                    .and_then(|arg| string_literal(&arg.value));
                match (callee.to_dotted().as_str(), positional) {
                    ("git", Some(url)) => SourceOrigin::Git {
                        url: self.interpolate(url, file),
                        branch: branch.map_or_else(
                            || "main".to_string(),
                            |branch| self.interpolate(branch, file),
                        ),
                    },
                    ("store", Some(url)) => SourceOrigin::ArtifactStore {
                        url: self.interpolate(url, file),
                    },
                    _ => {
                        self.mismatch(
                            file,
                            origin,
                            "`git(\"repository\", branch: \"main\")` or `store(\"location\")`",
                        );
                        return;
                    }
                }
            }
            _ => {
                self.mismatch(
                    file,
                    origin,
                    "`git(\"repository\", branch: \"main\")` or `store(\"location\")`",
                );
                return;
            }
        };
        let require_review = member.body.as_ref().is_some_and(|body| {
            body.collection
                .iter()
                .any(|(item, _)| is_requirement(item, "review"))
        });
        plan.steps.push(Step {
            id: format!("source/{name}"),
            needs: Vec::new(),
            target: Target {
                stage: "source".to_string(),
                ..Target::default()
            },
            params: Params::Source {
                name: name.to_string(),
                origin,
                require_review,
            },
            rollback_alarm: None,
            gates: Vec::new(),
            trace: self.trace(member),
        });
    }

    fn build(&mut self, plan: &mut Plan, name: &str, member: &Resolved<'w>) {
        let MemberKind::Build { inputs, .. } = &member.member.kind else {
            return;
        };
        let empty = ResolvedBlock::default();
        let body = member.body.as_ref().unwrap_or(&empty);
        let command = self.string(body, "run").unwrap_or_default();
        let sign = self.boolean(body, "sign").unwrap_or(false);
        let sources: Vec<String> = inputs.iter().map(|path| path.to_dotted()).collect();
        let needs = sources
            .iter()
            .filter_map(|input| {
                let as_source = format!("source/{input}");
                let as_build = format!("build/{input}");
                plan.steps
                    .iter()
                    .find(|step| step.id == as_source || step.id == as_build)
                    .map(|step| step.id.clone())
            })
            .collect();
        let id = format!("build/{name}");
        plan.artifacts.push(Artifact {
            name: name.to_string(),
            produced_by: id.clone(),
            signed: sign,
            trace: self.trace(member),
        });
        plan.steps.push(Step {
            id,
            needs,
            target: Target {
                stage: "build".to_string(),
                ..Target::default()
            },
            params: Params::Build {
                artifact: name.to_string(),
                sources,
                command,
                sign,
            },
            rollback_alarm: None,
            gates: Vec::new(),
            trace: self.trace(member),
        });
    }

    /// The artifacts a body deploys, from its `deploy` members.
    fn deployed(&self, body: &ResolvedBlock<'w>) -> Vec<String> {
        let mut artifacts: Vec<String> = body
            .members
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Deploy(names) => Some(names.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        artifacts.sort();
        artifacts.dedup();
        artifacts
    }

    /// The gates and rollback of a scope: `inherited` with the scope's own
    /// blockers and approvals added (interned into `plan.gates`), its window
    /// replacing any inherited one, and its rollback alarm replacing the
    /// inherited one.
    fn safety(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        body: &ResolvedBlock<'w>,
        inherited: &Safety,
    ) -> Safety {
        let mut safety = inherited.clone();
        let mut renderer = AlarmRenderer {
            scopes: self.scopes,
            pipeline,
            diagnostics: &mut Vec::new(),
            reported_cycles: Default::default(),
        };
        if let Some(rollback) = body.get(&Key::Single("rollback on"))
            && let Some((base, file)) = rollback.base
            && let MemberKind::Rollback { alarm } = &base.kind
        {
            safety.rollback = renderer.render(alarm, file);
        }
        for (item, places) in &body.collection {
            let file = places.first().map_or(FileId(0), |(file, _)| *file);
            let trace = Trace {
                at: Place {
                    file,
                    span: item.span,
                },
                how: crate::semantics::merge::How::Set,
                overrides: Vec::new(),
            };
            match &item.kind {
                MemberKind::BlockOn { blockers } => {
                    for blocker in blockers {
                        if let Some(alarm) = renderer.render(&blocker.alarm, file) {
                            let name = match &blocker.alarm.kind {
                                ExprKind::Path(path) => Some(path.to_dotted()),
                                _ => None,
                            };
                            safety.gates.push(intern(
                                plan,
                                Gate {
                                    kind: GateKind::Alarm { name, alarm },
                                    overridable: blocker.overridable,
                                    trace: trace.clone(),
                                },
                            ));
                        }
                    }
                }
                MemberKind::BlockArtifact(blocker) => {
                    let pattern = blocker.pattern.as_plain().unwrap_or_default();
                    let kind = match blocker.kind {
                        ArtifactKind::Package => GateKind::Package(pattern),
                        ArtifactKind::Git => GateKind::GitRef(pattern),
                    };
                    safety.gates.push(intern(
                        plan,
                        Gate {
                            kind,
                            overridable: blocker.overridable,
                            trace,
                        },
                    ));
                }
                MemberKind::Require { requirement } => {
                    if let Some(role) = approval_role(requirement) {
                        safety.gates.push(intern(
                            plan,
                            Gate {
                                kind: GateKind::Approval { role },
                                overridable: false,
                                trace,
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        if let Some(window) = body.get(&Key::Single("window"))
            && let Some(gate) = self.window_gate(window)
        {
            // A scope has one window: its own replaces the inherited one.
            safety.gates.retain(|known| {
                !matches!(
                    plan.gate(*known).map(|known| &known.kind),
                    Some(GateKind::Window { .. })
                )
            });
            safety.gates.push(intern(plan, gate));
        }
        safety
    }

    fn window_gate(&mut self, member: &Resolved<'w>) -> Option<Gate> {
        let (base, file) = (member.member, member.origin.file);
        let MemberKind::WindowUse(window_use) = &base.kind else {
            return None;
        };
        let (name, overridable, block, block_file) = match window_use {
            WindowUse::Named {
                window,
                overridable,
            } => {
                let (decl, _) = self
                    .scopes
                    .resolve(file, window, &[DeclKind::Window])
                    .ok()?;
                let item = self.scopes.item(decl)?;
                let ItemKind::Window(window_decl) = &item.kind else {
                    return None;
                };
                (
                    Some(window_decl.name.name.clone()),
                    *overridable,
                    &window_decl.body,
                    decl.file,
                )
            }
            WindowUse::Inline(block) => (None, false, block, file),
        };
        let mut zone = String::new();
        let mut allow = Vec::new();
        let mut closed: Vec<String> = Vec::new();
        for window_member in &block.members {
            let MemberKind::FieldAssign {
                name: field, value, ..
            } = &window_member.kind
            else {
                continue;
            };
            match field.name.as_str() {
                "zone" => {
                    zone = string_literal(value)
                        .and_then(|s| s.as_plain())
                        .unwrap_or_default()
                }
                "allow" => allow = slots(value),
                "except" => closed.extend(self.calendar_dates(value, block_file)),
                "blackout" => closed.extend(dates(value)),
                _ => {}
            }
        }
        closed.sort();
        closed.dedup();
        Some(Gate {
            kind: GateKind::Window {
                name,
                zone,
                allow,
                closed_dates: closed,
            },
            overridable,
            trace: self.trace(member),
        })
    }

    fn calendar_dates(&self, value: &Expr, file: FileId) -> Vec<String> {
        let paths: Vec<&crate::syntax::ast::Path> = match &value.kind {
            ExprKind::Path(path) => vec![path],
            ExprKind::List(items) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    ExprKind::Path(path) => Some(path),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        let mut pending: Vec<(FileId, &crate::syntax::ast::Path)> =
            paths.into_iter().map(|path| (file, path)).collect();
        let mut seen = std::collections::BTreeSet::new();
        while let Some((file, path)) = pending.pop() {
            let Ok((decl, _)) = self.scopes.resolve(file, path, &[DeclKind::Calendar]) else {
                continue;
            };
            if !seen.insert(decl) {
                continue;
            }
            let Some(item) = self.scopes.item(decl) else {
                continue;
            };
            let ItemKind::Calendar(calendar) = &item.kind else {
                continue;
            };
            for member in &calendar.body.members {
                match &member.kind {
                    MemberKind::Holiday { date, .. } => out.extend(literal_dates(&date.value)),
                    MemberKind::Include { calendar } => pending.push((decl.file, calendar)),
                    _ => {}
                }
            }
        }
        out
    }
}

impl<'w> Lowerer<'_, 'w> {
    #[allow(clippy::too_many_arguments)]
    fn stage(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        name: &str,
        member: &Resolved<'w>,
        platform: Platform,
        registry: Option<&Registry>,
        previous: Vec<String>,
    ) -> Vec<String> {
        let empty = ResolvedBlock::default();
        let body = member.body.as_ref().unwrap_or(&empty);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        let entry = self.approvals(plan, &mut safety, name, None, previous, member);
        let regions = self.stage_regions(body, registry);
        let artifacts = self.deployed(body);
        let strategy = self.strategy(body, platform).unwrap_or(Strategy::InPlace);
        let onebox = body.get(&Key::Single("onebox")).map(|onebox| {
            let onebox_safety = self.onebox_safety(plan, pipeline, onebox, &safety);
            (onebox, onebox_safety)
        });
        let mut terminals = Vec::new();
        for region in &regions {
            let prefix = match region {
                Some(region) => format!("{name}/{region}"),
                None => name.to_string(),
            };
            let target = Target {
                stage: name.to_string(),
                region: region.clone(),
                ..Target::default()
            };
            let mut chain = entry.clone();
            if let Some((onebox, onebox_safety)) = &onebox {
                chain = self.onebox(
                    plan,
                    onebox,
                    &prefix,
                    &target,
                    &artifacts,
                    platform,
                    strategy,
                    onebox_safety,
                    chain,
                );
            }
            if !artifacts.is_empty() {
                let id = format!("{prefix}/deploy");
                plan.steps.push(self.deploy_step(
                    &id,
                    chain,
                    target.clone(),
                    &artifacts,
                    platform,
                    strategy,
                    None,
                    &safety,
                    member,
                ));
                chain = vec![id];
            }
            terminals.extend(chain);
        }
        terminals.sort();
        terminals.dedup();
        // Tests run once the stage's deployments are done.
        let mut tests = Vec::new();
        for (key, test) in &body.members {
            let Key::Named("test", test_name) = key else {
                continue;
            };
            let test_body = test.body.as_ref().unwrap_or(&empty);
            let command = self.string(test_body, "run");
            let timeout = self
                .duration(test_body, "timeout")
                .map_or(DEFAULT_TEST_TIMEOUT_SECONDS, |(seconds, _)| seconds);
            let id = format!("{name}/test/{test_name}");
            plan.steps.push(Step {
                id: id.clone(),
                needs: terminals.clone(),
                target: Target {
                    stage: name.to_string(),
                    ..Target::default()
                },
                params: Params::Test {
                    name: test_name.clone(),
                    command,
                    timeout_seconds: timeout,
                },
                rollback_alarm: None,
                gates: Vec::new(),
                trace: self.trace(test),
            });
            tests.push(id);
        }
        let mut done = if tests.is_empty() { terminals } else { tests };
        let data_points = self.data_points(body);
        let bake = self
            .duration(body, "bake")
            .map(|(seconds, field)| (seconds, self.trace(field)));
        if bake.is_some() || !data_points.is_empty() {
            let (seconds, trace) = bake.unwrap_or((0, self.trace(member)));
            let id = format!("{name}/bake");
            plan.steps.push(Step {
                id: id.clone(),
                needs: done,
                target: Target {
                    stage: name.to_string(),
                    ..Target::default()
                },
                params: Params::Bake {
                    duration_seconds: seconds,
                    data_points,
                },
                rollback_alarm: safety.rollback.clone(),
                gates: Vec::new(),
                trace,
            });
            done = vec![id];
        }
        done
    }

    /// Approval gates of a scope become approval steps that its first steps
    /// need; the remaining gates stay on the deploy steps.
    fn approvals(
        &mut self,
        plan: &mut Plan,
        safety: &mut Safety,
        stage: &str,
        wave: Option<&str>,
        previous: Vec<String>,
        member: &Resolved<'w>,
    ) -> Vec<String> {
        // The role and where it is required, of each approval gate.
        let mut approvals: Vec<(String, Trace)> = Vec::new();
        safety.gates.retain(|gate| match plan.gate(*gate) {
            Some(Gate {
                kind: GateKind::Approval { role },
                trace,
                ..
            }) => {
                approvals.push((role.clone(), trace.clone()));
                false
            }
            _ => true,
        });
        if approvals.is_empty() {
            return previous;
        }
        let mut entry = Vec::new();
        for (role, trace) in approvals {
            let id = format!("{stage}/approval/{}", id_segment(&role));
            plan.steps.push(Step {
                id: id.clone(),
                needs: previous.clone(),
                target: Target {
                    stage: stage.to_string(),
                    wave: wave.map(str::to_string),
                    ..Target::default()
                },
                params: Params::Approval { role },
                rollback_alarm: None,
                gates: Vec::new(),
                trace,
            });
            entry.push(id);
        }
        let _ = member;
        entry
    }

    fn stage_regions(
        &mut self,
        body: &ResolvedBlock<'w>,
        registry: Option<&Registry>,
    ) -> Vec<Option<String>> {
        let Some(field) = self.field(body, "regions") else {
            return vec![
                registry
                    .and_then(|registry| registry.regions.first())
                    .map(|region| region.code.clone()),
            ];
        };
        let Some((expr, file)) = self.value_of(field) else {
            return vec![None];
        };
        let ExprKind::List(items) = &expr.kind else {
            self.mismatch(file, expr, "a list of regions");
            return vec![None];
        };
        let mut regions = Vec::new();
        for item in items {
            let ExprKind::Path(path) = &item.kind else {
                self.mismatch(file, item, "a region name");
                continue;
            };
            let code = path.to_dotted();
            if let Some(registry) = registry
                && registry.region(&code).is_none()
            {
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_REGION,
                    format!("`{code}` is not a region of `{}`", registry.name),
                )
                .primary(file, item.span, "unknown region");
                if let Some(suggestion) = crate::names::closest(
                    &code,
                    registry.regions.iter().map(|region| region.code.as_str()),
                ) {
                    diagnostic = diagnostic.help(format!("did you mean `{suggestion}`?"));
                }
                self.diagnostics.push(diagnostic);
                continue;
            }
            regions.push(Some(code));
        }
        // Items added or removed below are applied on top.
        if let Some(items) = &field.items {
            let listed: Vec<Option<String>> = items
                .iter()
                .map(|(text, _, _)| Some(text.clone()))
                .collect();
            if !listed.is_empty() {
                regions = listed;
            }
        }
        regions
    }

    fn data_points(&mut self, body: &ResolvedBlock<'w>) -> Vec<DataPoints> {
        let mut points = Vec::new();
        for (item, places) in &body.collection {
            let MemberKind::WaitFor { count, metric } = &item.kind else {
                continue;
            };
            let file = places.first().map_or(FileId(0), |(file, _)| *file);
            let LiteralValue::Count(count) = count.value else {
                self.diagnostics.push(
                    Diagnostic::error(Code::TYPE_MISMATCH, "expected a count of data points")
                        .primary(file, count.span, "not a count")
                        .help("write a whole number: `wait for 100 requests(\"CreateApi\")`"),
                );
                continue;
            };
            let ExprKind::Call { callee, args } = &metric.kind else {
                self.mismatch(
                    file,
                    metric,
                    "`requests(\"Api\")` or `datapoints(\"Metric\")`",
                );
                continue;
            };
            let measure = callee.to_dotted();
            let name = args
                .first()
                .and_then(|arg| string_literal(&arg.value))
                .map(|string| self.interpolate(string, file));
            match (measure.as_str(), name) {
                ("requests" | "datapoints", Some(name)) => points.push(DataPoints {
                    count,
                    measure,
                    name,
                }),
                _ => self.mismatch(
                    file,
                    metric,
                    "`requests(\"Api\")` or `datapoints(\"Metric\")`",
                ),
            }
        }
        points
    }

    /// The safety of a one-box under `inherited`. It is the same in every
    /// region of a stage or wave, so callers work it out once for all of
    /// them rather than rendering its alarms again per region.
    fn onebox_safety(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        onebox: &Resolved<'w>,
        inherited: &Safety,
    ) -> Safety {
        let empty = ResolvedBlock::default();
        let body = onebox.body.as_ref().unwrap_or(&empty);
        self.safety(plan, pipeline, body, inherited)
    }

    /// The one-box steps of one region, with `onebox_safety` from
    /// [`Self::onebox_safety`].
    #[allow(clippy::too_many_arguments)]
    fn onebox(
        &mut self,
        plan: &mut Plan,
        onebox: &Resolved<'w>,
        prefix: &str,
        target: &Target,
        artifacts: &[String],
        platform: Platform,
        strategy: Strategy,
        onebox_safety: &Safety,
        chain: Vec<String>,
    ) -> Vec<String> {
        let empty = ResolvedBlock::default();
        let body = onebox.body.as_ref().unwrap_or(&empty);
        let traffic = self
            .field(body, "traffic")
            .and_then(|field| self.value_of(field))
            .and_then(|(expr, file)| match &expr.kind {
                ExprKind::Literal(literal) => match literal.value {
                    LiteralValue::Percent(hundredths) => Some(hundredths),
                    _ => {
                        self.mismatch(file, expr, "a percent");
                        None
                    }
                },
                _ => {
                    self.mismatch(file, expr, "a percent");
                    None
                }
            });
        let target = Target {
            onebox: true,
            ..target.clone()
        };
        let deploy_id = format!("{prefix}/onebox/deploy");
        plan.steps.push(self.deploy_step(
            &deploy_id,
            chain,
            target.clone(),
            artifacts,
            platform,
            strategy,
            traffic,
            onebox_safety,
            onebox,
        ));
        let mut chain = vec![deploy_id];
        if let Some((seconds, field)) = self.duration(body, "bake") {
            let trace = self.trace(field);
            let data_points = self.data_points(body);
            let id = format!("{prefix}/onebox/bake");
            plan.steps.push(Step {
                id: id.clone(),
                needs: chain,
                target,
                params: Params::Bake {
                    duration_seconds: seconds,
                    data_points,
                },
                rollback_alarm: onebox_safety.rollback.clone(),
                gates: Vec::new(),
                trace,
            });
            chain = vec![id];
        }
        chain
    }

    #[allow(clippy::too_many_arguments)]
    fn deploy_step(
        &self,
        id: &str,
        needs: Vec<String>,
        target: Target,
        artifacts: &[String],
        platform: Platform,
        strategy: Strategy,
        traffic: Option<u32>,
        safety: &Safety,
        member: &Resolved<'w>,
    ) -> Step {
        Step {
            id: id.to_string(),
            needs,
            target,
            params: Params::Deploy {
                artifacts: artifacts.to_vec(),
                platform,
                strategy,
                traffic_hundredths: traffic,
            },
            rollback_alarm: safety.rollback.clone(),
            gates: safety.gates.clone(),
            trace: self.trace(member),
        }
    }

    /// The strategy of a body, checked against the platform; `None` if the
    /// body sets none (or it is wrong, which is reported).
    fn strategy(&mut self, body: &ResolvedBlock<'w>, platform: Platform) -> Option<Strategy> {
        let field = self.field(body, "strategy")?;
        let (expr, file) = self.value_of(field)?;
        let strategy = self.parse_strategy(expr, file)?;
        let supported = match platform {
            Platform::Ecs => true,
            Platform::Lambda => !matches!(strategy, Strategy::Rolling { .. }),
            Platform::Ec2 => matches!(
                strategy,
                Strategy::InPlace | Strategy::Rolling { .. } | Strategy::BlueGreen
            ),
            Platform::OnPremises => {
                matches!(strategy, Strategy::InPlace | Strategy::Rolling { .. })
            }
        };
        if !supported {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::STRATEGY_PLATFORM,
                    format!("`{}` deployments are not supported on `{}`", strategy.name(), platform.name()),
                )
                .primary(file, expr.span, format!("not available on {}", platform.name()))
                .note("ECS supports every strategy; Lambda shifts traffic (in place, blue/green, canary, linear, all at once) and has no boxes to roll; EC2 supports in place, rolling and blue/green; on-premises servers in place and rolling")
                .help("choose a strategy the platform supports"),
            );
            return None;
        }
        Some(strategy)
    }

    fn parse_strategy(&mut self, expr: &Expr, file: FileId) -> Option<Strategy> {
        let (name, args) = match &expr.kind {
            ExprKind::Path(path) => (path.to_dotted(), &[][..]),
            ExprKind::Call { callee, args } => (callee.to_dotted(), args.as_slice()),
            _ => {
                self.mismatch(file, expr, "a strategy");
                return None;
            }
        };
        let arg = |wanted: &str, position: usize| {
            args.iter()
                .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == wanted))
                .or_else(|| args.iter().filter(|arg| arg.name.is_none()).nth(position))
                .map(|arg| &arg.value)
        };
        let percent = |expr: Option<&Expr>| match expr.map(|expr| &expr.kind) {
            Some(ExprKind::Literal(literal)) => match literal.value {
                LiteralValue::Percent(hundredths) => Some(hundredths),
                _ => None,
            },
            _ => None,
        };
        let duration = |expr: Option<&Expr>| match expr.map(|expr| &expr.kind) {
            Some(ExprKind::Literal(literal)) => match literal.value {
                LiteralValue::Duration(seconds) => Some(seconds),
                _ => None,
            },
            _ => None,
        };
        let strategy = match name.as_str() {
            "in_place" => Strategy::InPlace,
            "blue_green" => Strategy::BlueGreen,
            "all_at_once" => Strategy::AllAtOnce,
            _ if matches!(expr.kind, ExprKind::Invalid) => return None,
            "rolling" => {
                let Some(batch) = percent(arg("batch", 0)) else {
                    return self.bad_strategy(file, expr, "`rolling` needs `batch: P%`, e.g. `rolling(batch: 33%, min_healthy: 66%)`");
                };
                let min_healthy = percent(arg("min_healthy", 1)).unwrap_or(10_000u32.saturating_sub(batch));
                let rollback_batch = percent(arg("rollback_batch", 2)).unwrap_or(batch);
                if batch == 0 || rollback_batch == 0 {
                    return self.bad_strategy(file, expr, "a rolling batch must be more than 0%");
                }
                if batch + min_healthy > 10_000 {
                    return self.bad_strategy(file, expr, "`batch` plus `min_healthy` must be at most 100%: replacing a batch must leave the healthy minimum standing");
                }
                Strategy::Rolling {
                    batch,
                    min_healthy,
                    rollback_batch,
                }
            }
            "canary" => match (percent(arg("percent", 0)), duration(arg("wait", 1))) {
                (Some(percent), Some(wait)) if percent > 0 && percent < 10_000 => Strategy::Canary { percent, wait_seconds: wait },
                _ => return self.bad_strategy(file, expr, "`canary` takes a share between 0% and 100% and a wait: `canary(10%, wait: 10m)`"),
            },
            "linear" => match (percent(arg("percent", 0)), duration(arg("every", 1))) {
                (Some(step), Some(every)) if step > 0 && step <= 10_000 => Strategy::Linear { step, interval_seconds: every },
                _ => return self.bad_strategy(file, expr, "`linear` takes a step and an interval: `linear(10%, every: 1m)`"),
            },
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(Code::INVALID_STRATEGY, format!("unknown strategy `{name}`"))
                        .primary(file, expr.span, "not a deployment strategy")
                        .help("the strategies are `in_place`, `rolling(...)`, `blue_green`, `canary(...)`, `linear(...)` and `all_at_once`"),
                );
                return None;
            }
        };
        Some(strategy)
    }

    fn bad_strategy(&mut self, file: FileId, expr: &Expr, help: &str) -> Option<Strategy> {
        self.diagnostics.push(
            Diagnostic::error(Code::INVALID_STRATEGY, "invalid strategy parameters")
                .primary(file, expr.span, "these parameters cannot work")
                .help(help.to_string()),
        );
        None
    }

    fn production(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        production: &Resolved<'w>,
        placement: &Placement,
        platform: Platform,
        previous: Vec<String>,
    ) {
        let empty = ResolvedBlock::default();
        let body = production.body.as_ref().unwrap_or(&empty);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        let mut chain = self.approvals(plan, &mut safety, "production", None, previous, production);
        let production_strategy = self.strategy(body, platform).unwrap_or(Strategy::InPlace);
        let artifacts = {
            let own = self.deployed(body);
            if own.is_empty() {
                plan.artifacts
                    .iter()
                    .map(|artifact| artifact.name.clone())
                    .collect()
            } else {
                own
            }
        };
        for wave in &placement.waves {
            let Some(wave_member) = body.get(&Key::Named("wave", wave.wave.clone())) else {
                continue;
            };
            let wave_body = wave_member.body.as_ref().unwrap_or(&empty);
            let wave_safety = self.safety(plan, pipeline, wave_body, &safety);
            let strategy = self
                .strategy(wave_body, platform)
                .unwrap_or(production_strategy);
            let onebox = wave_body
                .get(&Key::Single("onebox"))
                .or_else(|| body.get(&Key::Single("onebox")))
                .map(|onebox| {
                    let onebox_safety = self.onebox_safety(plan, pipeline, onebox, &wave_safety);
                    (onebox, onebox_safety)
                });
            let scope = wave_body.get(&Key::Single("by"));
            let unit = scope.and_then(|scope| match &scope.member.kind {
                MemberKind::Scope { unit, .. } => Some(unit.name.clone()),
                _ => None,
            });
            let scope_body = scope.and_then(|scope| scope.body.as_ref());
            let mut terminals = Vec::new();
            for code in &wave.regions {
                let prefix = format!("production/{}/{code}", wave.wave);
                let target = Target {
                    stage: "production".to_string(),
                    wave: Some(wave.wave.clone()),
                    region: Some(code.clone()),
                    ..Target::default()
                };
                let mut region_chain = chain.clone();
                if let Some((onebox, onebox_safety)) = &onebox {
                    region_chain = self.onebox(
                        plan,
                        onebox,
                        &prefix,
                        &target,
                        &artifacts,
                        platform,
                        strategy,
                        onebox_safety,
                        region_chain,
                    );
                }
                let region = placement.registry.region(code);
                // Lambda shifts traffic per region: AZs and cells are not
                // deployment targets there.
                let parts: Vec<(&str, String)> = match (unit.as_deref(), region, platform) {
                    (_, _, Platform::Lambda) => Vec::new(),
                    (Some("az"), Some(region), _) => {
                        region.azs.iter().map(|az| ("az", az.clone())).collect()
                    }
                    (Some("cell"), Some(region), _) => region
                        .cells
                        .iter()
                        .map(|cell| ("cell", cell.clone()))
                        .collect(),
                    _ => Vec::new(),
                };
                if parts.is_empty() {
                    let id = format!("{prefix}/deploy");
                    plan.steps.push(self.deploy_step(
                        &id,
                        region_chain,
                        target.clone(),
                        &artifacts,
                        platform,
                        strategy,
                        None,
                        &wave_safety,
                        wave_member,
                    ));
                    region_chain = vec![id];
                }
                for (kind, part) in parts {
                    let part_target = Target {
                        az: (kind == "az").then(|| part.clone()),
                        cell: (kind == "cell").then(|| part.clone()),
                        ..target.clone()
                    };
                    let id = format!("{prefix}/{kind}/{part}/deploy");
                    plan.steps.push(self.deploy_step(
                        &id,
                        region_chain,
                        part_target.clone(),
                        &artifacts,
                        platform,
                        strategy,
                        None,
                        &wave_safety,
                        wave_member,
                    ));
                    region_chain = vec![id];
                    if let Some(scope_body) = scope_body
                        && let Some((seconds, field)) = self.duration(scope_body, "bake")
                    {
                        let data_points = self.data_points(scope_body);
                        let bake_id = format!("{prefix}/{kind}/{part}/bake");
                        plan.steps.push(Step {
                            id: bake_id.clone(),
                            needs: region_chain,
                            target: part_target,
                            params: Params::Bake {
                                duration_seconds: seconds,
                                data_points,
                            },
                            rollback_alarm: wave_safety.rollback.clone(),
                            gates: Vec::new(),
                            trace: self.trace(field),
                        });
                        region_chain = vec![bake_id];
                    }
                }
                terminals.extend(region_chain);
            }
            let data_points = self.data_points(wave_body);
            let bake = self
                .duration(wave_body, "bake")
                .map(|(seconds, field)| (seconds, self.trace(field)));
            if bake.is_some() || !data_points.is_empty() {
                let (seconds, trace) = bake.unwrap_or((0, self.trace(wave_member)));
                let id = format!("production/{}/bake", wave.wave);
                plan.steps.push(Step {
                    id: id.clone(),
                    needs: terminals,
                    target: Target {
                        stage: "production".to_string(),
                        wave: Some(wave.wave.clone()),
                        ..Target::default()
                    },
                    params: Params::Bake {
                        duration_seconds: seconds,
                        data_points,
                    },
                    rollback_alarm: wave_safety.rollback.clone(),
                    gates: Vec::new(),
                    trace,
                });
                chain = vec![id];
            } else if !terminals.is_empty() {
                chain = terminals;
            }
        }
    }
}

/// A free-text name (an approval role) as a step-id segment: characters
/// outside `[A-Za-z0-9_.-]` become `-`, so ids stay paths of plain names.
fn id_segment(text: &str) -> String {
    let segment: String = text
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-') {
                ch
            } else {
                '-'
            }
        })
        .collect();
    if segment.is_empty() {
        "-".to_string()
    } else {
        segment
    }
}

fn string_literal(expr: &Expr) -> Option<&crate::syntax::ast::StringLit> {
    match &expr.kind {
        ExprKind::Literal(literal) => match &literal.value {
            LiteralValue::String(string) => Some(string),
            _ => None,
        },
        _ => None,
    }
}

fn is_requirement(member: &Member, what: &str) -> bool {
    matches!(&member.kind, MemberKind::Require { requirement } if matches!(&requirement.kind, ExprKind::Path(path) if path.to_dotted() == what))
}

/// The role of `approval("role")`.
fn approval_role(expr: &Expr) -> Option<String> {
    let ExprKind::Call { callee, args } = &expr.kind else {
        return None;
    };
    if callee.to_dotted() != "approval" {
        return None;
    }
    args.first()
        .and_then(|arg| string_literal(&arg.value))
        .and_then(|string| string.as_plain())
}

fn slots(value: &Expr) -> Vec<(Vec<u8>, u16, u16)> {
    let items: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ExprKind::Literal(literal) => match &literal.value {
                LiteralValue::WeekdaySlot { first, last, hours } => {
                    let first = *first as u8;
                    let last = last.map_or(first, |last| last as u8);
                    let mut days = Vec::new();
                    let mut day = first;
                    loop {
                        days.push(day);
                        if day == last || days.len() > 7 {
                            break;
                        }
                        day = (day + 1) % 7;
                    }
                    let (start, end) =
                        hours.map_or((0, 1_440), |(start, end)| (start.minutes, end.minutes));
                    Some((days, start, end))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn dates(value: &Expr) -> Vec<String> {
    let items: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ExprKind::Literal(literal) => Some(literal_dates(&literal.value)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The days of a date or an inclusive date range, `YYYY-MM-DD`.
fn literal_dates(value: &LiteralValue) -> Vec<String> {
    match value {
        LiteralValue::Date(date) => vec![format_date(*date)],
        LiteralValue::DateRange(first, last) => {
            let mut out = Vec::new();
            let mut day = *first;
            while day <= *last && out.len() <= 3_660 {
                out.push(format_date(day));
                day = next_day(day);
            }
            out
        }
        _ => Vec::new(),
    }
}

fn format_date(date: crate::syntax::ast::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

fn next_day(date: crate::syntax::ast::Date) -> crate::syntax::ast::Date {
    let days = crate::syntax::days_in_month(date.year, date.month);
    if date.day < days {
        crate::syntax::ast::Date {
            day: date.day + 1,
            ..date
        }
    } else if date.month < 12 {
        crate::syntax::ast::Date {
            month: date.month + 1,
            day: 1,
            ..date
        }
    } else {
        crate::syntax::ast::Date {
            year: date.year.saturating_add(1),
            month: 1,
            day: 1,
        }
    }
}

/// "a percent", "a string": what an expression is, for messages.
pub fn describe_value(expr: &Expr) -> &'static str {
    match &expr.kind {
        ExprKind::Literal(literal) => match literal.value {
            LiteralValue::String(_) => "a string",
            LiteralValue::Count(_) => "a count",
            LiteralValue::Percent(_) => "a percent",
            LiteralValue::Duration(_) => "a duration",
            LiteralValue::Bool(_) => "a boolean",
            LiteralValue::Time(_) => "a time of day",
            LiteralValue::TimeRange(..) => "a time range",
            LiteralValue::Date(_) => "a date",
            LiteralValue::DateRange(..) => "a date range",
            LiteralValue::WeekdaySlot { .. } => "a weekday slot",
        },
        ExprKind::Path(_) => "a name",
        ExprKind::List(_) => "a list",
        ExprKind::Call { .. } => "a call",
        ExprKind::Rest => "`rest`",
        ExprKind::Or(_) | ExprKind::And(_) | ExprKind::Not(_) => "an alarm expression",
        ExprKind::Compare { .. } => "a comparison",
        ExprKind::SetOps { .. } | ExprKind::Postfix { .. } => "a region set",
        ExprKind::Invalid => "an unreadable value",
    }
}

fn type_help(expected: &str) -> String {
    match expected {
        "a duration" => "durations are written with units: `30m`, `1h`, `12h`, `2d`".to_string(),
        "a percent" => "percents are written `33%`".to_string(),
        "a string" => "strings are written in double quotes: \"make release\"".to_string(),
        "a count" => "counts are whole numbers: `3`, `100`".to_string(),
        other => format!("write {other} here"),
    }
}
