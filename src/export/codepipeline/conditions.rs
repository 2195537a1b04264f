//! Stage conditions: gates before a stage starts, bakes after it ends.
//!
//! A stage holds one `beforeEntry` and one `onSuccess` condition of at most
//! five rules, all of which must pass. Windows become `DeploymentWindow`
//! rules and alarm blockers `CloudWatchAlarm` rules (result `FAIL`);
//! approval gates become `Manual` approval actions at the head of the
//! stage; artifact blockers have no rule and are reported. A bake becomes
//! `CloudWatchAlarm` rules on its rollback alarm, waiting the bake's
//! duration (`WaitTime`), with result `ROLLBACK`.

use super::model::{Condition, Conditions, RuleDeclaration, StageDeclaration};
use super::{Context, MAX_RULES, names, rules};
use crate::diagnostics::{Code, Diagnostic};
use crate::export::plan_v1::{Gate, Params, Step};

/// Sets the stage's `beforeEntry` from the gates of the `gated` steps and
/// returns the approvals to run first (role and gate id).
pub(crate) fn entry(
    context: &mut Context<'_>,
    stage: &mut StageDeclaration,
    gated: &[usize],
    actions: &[(usize, u32)],
) -> Vec<(String, String)> {
    let plan = context.plan;
    // Tests and approvals run in the pipeline's region wherever the stage
    // deploys: only the deploys say where its alarms are.
    let region = DeployRegion::of(
        actions
            .iter()
            .filter_map(|(index, _)| plan.steps.get(*index))
            .filter(|step| matches!(step.params, Params::Deploy(_)))
            .map(|step| step.target.region.as_deref()),
    );
    let mut seen: Vec<&str> = Vec::new();
    let mut owners: Vec<&Step> = Vec::new();
    for step in gated.iter().filter_map(|index| plan.steps.get(*index)) {
        for gate in &step.gates {
            if !seen.contains(&gate.as_ref()) {
                seen.push(gate);
                owners.push(step);
            }
        }
    }
    let mut rule_names = names::Unique::default();
    let mut entry_rules: Vec<(RuleDeclaration, &Step)> = Vec::new();
    let mut approvals = Vec::new();
    for (gate_id, step) in seen.into_iter().zip(owners) {
        let Some(entry) = plan.gates.iter().find(|entry| *entry.id == *gate_id) else {
            continue;
        };
        match &entry.gate {
            Gate::Window(window) => {
                if !window.closed_dates.is_empty() {
                    let diagnostic = Diagnostic::warning(
                        Code::CODEPIPELINE_WINDOW_APPROXIMATED,
                        format!(
                            "window `{gate_id}` of step `{}` closes on {} (holidays, blackouts), \
                             which a DeploymentWindow cron cannot express: {} dropped",
                            step.id,
                            crate::diagnostics::counted(window.closed_dates.len(), "date"),
                            if window.closed_dates.len() == 1 {
                                "it is"
                            } else {
                                "they are"
                            }
                        ),
                    )
                    .note(format!(
                        "first closed date dropped: {}",
                        window
                            .closed_dates
                            .first()
                            .map(String::as_str)
                            .unwrap_or_default()
                    ))
                    .help("disable the stage transition by hand on those days, or accept the loss");
                    context.report_once(format!("closed:{gate_id}"), diagnostic, Some(step));
                }
                match rules::window_cron(&window.allow) {
                    Some((cron, exact)) => {
                        if !exact {
                            let diagnostic = Diagnostic::warning(
                                Code::CODEPIPELINE_WINDOW_APPROXIMATED,
                                format!(
                                    "window `{gate_id}` of step `{}` has slots one cron cannot join; \
                                     it is narrowed to `{cron}`, inside the window",
                                    step.id
                                ),
                            )
                            .help("use the same whole hours on every day of the window to map it exactly");
                            context.report_once(format!("slots:{gate_id}"), diagnostic, Some(step));
                        }
                        let name =
                            rule_names.give(names::entity_name(&format!("window.{gate_id}")));
                        entry_rules.push((rules::window_rule(name, cron, &window.zone), step));
                    }
                    None => {
                        let diagnostic = Diagnostic::warning(
                            Code::CODEPIPELINE_WINDOW_APPROXIMATED,
                            format!(
                                "window `{gate_id}` of step `{}` has no whole hour a cron can hold: \
                                 it is dropped",
                                step.id
                            ),
                        )
                        .help(
                            "give the window at least one whole hour (`09:00..10:00`), or disable \
                             the stage transition by hand outside it",
                        );
                        context.report_once(format!("slots:{gate_id}"), diagnostic, Some(step));
                    }
                }
            }
            Gate::Alarm(alarm) => {
                let key = alarm.name.clone().unwrap_or_else(|| gate_id.to_string());
                for name in alarm_names(context, &key, &alarm.alarm, step) {
                    let rule_name = rule_names.give(names::entity_name(&format!("blocker.{name}")));
                    let rule = rules::alarm_rule(rule_name, &name, None, region.rule_region());
                    entry_rules.push((rule, step));
                }
            }
            Gate::Artifact(_) => {
                let diagnostic = Diagnostic::warning(
                    Code::CODEPIPELINE_BLOCKER_DROPPED,
                    format!(
                        "blocker `{gate_id}` of step `{}` has no CodePipeline rule: it is dropped",
                        step.id
                    ),
                )
                .help(
                    "stop such artifacts in the build (a CodeBuild check that fails), \
                     which CodePipeline does enforce",
                );
                context.report_once(format!("blocker:{gate_id}"), diagnostic, Some(step));
            }
            Gate::Approval(approval) => {
                approvals.push((gate_id.to_string(), approval.role.clone()))
            }
        }
    }
    if region == DeployRegion::Several && entry_rules.iter().any(|(rule, _)| is_alarm(rule)) {
        warn_home_region(context, stage, entry_rules.first().map(|(_, step)| *step));
    }
    let kept = keep_five(context, stage, "beforeEntry", entry_rules);
    if !kept.is_empty() {
        stage.before_entry = Some(Conditions {
            conditions: vec![Condition {
                result: "FAIL".to_string(),
                rules: kept,
            }],
        });
    }
    approvals
}

/// Adds the bakes' waits to the stage's `onSuccess`: every rollback alarm
/// the bakes watch, each waiting the longest bake, after any wait the
/// stage's `onSuccess` already holds.
pub(crate) fn add_bakes(context: &mut Context<'_>, stage: &mut StageDeclaration, bakes: &[usize]) {
    let plan = context.plan;
    let bake_steps: Vec<&Step> = bakes
        .iter()
        .filter_map(|index| plan.steps.get(*index))
        .collect();
    let Some(first) = bake_steps.first().copied() else {
        return;
    };
    let mut wait_seconds = 0u64;
    let mut alarm_ids: Vec<&str> = Vec::new();
    for step in &bake_steps {
        let Params::Bake(bake) = &step.params else {
            continue;
        };
        wait_seconds = wait_seconds.max(bake.duration_seconds);
        if !bake.data_points.is_empty() {
            let wanted: Vec<String> = bake
                .data_points
                .iter()
                .map(|points| format!("{} {}", points.count, points.name))
                .collect();
            let diagnostic = Diagnostic::warning(
                Code::CODEPIPELINE_BAKE_APPROXIMATED,
                format!(
                    "bake `{}` waits for data points ({}), which CodePipeline cannot count: \
                     only its duration and alarms are kept",
                    step.id,
                    wanted.join(", ")
                ),
            )
            .help("make the bake long enough for the traffic to arrive, or add an alarm on low traffic");
            context.report_once(format!("points:{}", step.id), diagnostic, Some(step));
        }
        if let Some(alarm) = &step.rollback_alarm
            && !alarm_ids.contains(&alarm.as_ref())
        {
            alarm_ids.push(alarm);
        }
    }
    let wait_minutes = wait_seconds.div_ceil(60).max(1);
    if alarm_ids.is_empty() {
        let diagnostic = Diagnostic::warning(
            Code::CODEPIPELINE_BAKE_APPROXIMATED,
            format!(
                "bake `{}` watches no alarm; CodePipeline waits only through an alarm rule, \
                 so the {wait_minutes}-minute wait is dropped",
                first.id
            ),
        )
        .help("give the stage a rollback alarm (`rollback on`)");
        context.report_once(format!("no-alarm:{}", first.id), diagnostic, Some(first));
        return;
    }
    // A bake of a whole wave has no region; the stage's deploys tell.
    let region = match single_region(context, bakes.iter().copied()) {
        Some(region) => DeployRegion::One(region),
        None => stage_region(stage),
    };
    let mut rule_names = names::Unique::default();
    let mut existing: Vec<(RuleDeclaration, &Step)> = Vec::new();
    if let Some(success) = stage.on_success.take() {
        for condition in success.conditions {
            for rule in condition.rules {
                rule_names.give(rule.name.clone());
                existing.push((rule, first));
            }
        }
    }
    // Bakes with no action between them and the stage's own bakes (a
    // wave's bake after its last AZ's) come after those: the rules of a
    // condition are evaluated together, so their wait starts where the
    // longest wait already there ends, and an alarm already watched is
    // watched that much longer rather than by a second rule.
    let earlier = existing
        .iter()
        .filter_map(|(rule, _)| rule.configuration.get("WaitTime")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let wait_minutes = earlier + wait_minutes;
    let mut watched = false;
    for alarm_id in alarm_ids {
        let Some(entry) = plan.alarms.iter().find(|entry| *entry.id == *alarm_id) else {
            continue;
        };
        let key = entry.name.clone().unwrap_or_else(|| alarm_id.to_string());
        for name in alarm_names(context, &key, &entry.alarm, first) {
            watched = true;
            let rule_region = region.rule_region();
            let same = existing.iter_mut().find(|(rule, _)| {
                is_alarm(rule)
                    && rule.configuration.get("AlarmName") == Some(&name)
                    && rule.region == rule_region
            });
            if let Some((rule, _)) = same {
                rule.configuration
                    .insert("WaitTime".to_string(), wait_minutes.to_string());
                continue;
            }
            let rule_name = rule_names.give(names::entity_name(&format!("bake.{name}")));
            existing.push((
                rules::alarm_rule(rule_name, &name, Some(wait_minutes), rule_region),
                first,
            ));
        }
    }
    // Only alarms that got a rule are checked anywhere; an alarm with none
    // was reported as not watched at all.
    if region == DeployRegion::Several && watched {
        warn_home_region(context, stage, Some(first));
    }
    let kept = keep_five(context, stage, "onSuccess", existing);
    if !kept.is_empty() {
        stage.on_success = Some(Conditions {
            conditions: vec![Condition {
                result: "ROLLBACK".to_string(),
                rules: kept,
            }],
        });
    }
}

/// Where a stage deploys, which is where its alarms are watched from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DeployRegion {
    /// In the pipeline's region, or nowhere: builds, tests and approvals
    /// run there.
    Home,
    /// In this one region.
    One(String),
    /// In several regions: a rule checks in one only.
    Several,
}

impl DeployRegion {
    /// The region of deploys, each `None` for the pipeline's own.
    fn of<'a>(mut regions: impl Iterator<Item = Option<&'a str>>) -> DeployRegion {
        let Some(first) = regions.next() else {
            return DeployRegion::Home;
        };
        if regions.any(|region| region != first) {
            return DeployRegion::Several;
        }
        first.map_or(DeployRegion::Home, |region| {
            DeployRegion::One(region.to_string())
        })
    }

    /// The `region` of a rule checking alarms there: absent for the
    /// pipeline's region, and where no one region is right.
    fn rule_region(&self) -> Option<String> {
        match self {
            DeployRegion::One(region) => Some(region.clone()),
            DeployRegion::Home | DeployRegion::Several => None,
        }
    }
}

/// Where the deploy actions of the stage run. Test, build and approval
/// actions have no region of their own (they run in the pipeline's), so
/// they do not count: a one-region stage with a test stays one-region.
fn stage_region(stage: &StageDeclaration) -> DeployRegion {
    DeployRegion::of(
        stage
            .actions
            .iter()
            .filter(|action| action.action_type_id.category == "Deploy")
            .map(|action| action.region.as_deref()),
    )
}

/// The CloudWatch alarm names standing for a plan alarm: its composite
/// alarm from the settings, else the alarms of a plain disjunction; else
/// nothing, reported.
fn alarm_names(context: &mut Context<'_>, key: &str, expression: &str, step: &Step) -> Vec<String> {
    if let Some(name) = context.settings.composite_alarms.get(key) {
        return vec![name.clone()];
    }
    if let Some(names) = rules::disjunction_names(expression) {
        return names;
    }
    let diagnostic = Diagnostic::warning(
        Code::CODEPIPELINE_ALARM_APPROXIMATED,
        format!(
            "alarm `{key}` of step `{}` is not a plain OR of alarms, which CodePipeline rules \
             cannot combine: it is not watched",
            step.id
        ),
    )
    .help(format!(
        "create a CloudWatch composite alarm with this rule and name it in \
         `composite_alarms.\"{key}\"` of `[codepipeline]` in pipec.toml"
    ));
    context.report_once(format!("expression:{key}"), diagnostic, Some(step));
    Vec::new()
}

/// The first five rules of a stage's `condition` (`beforeEntry` or
/// `onSuccess`); the rest are reported, once for each condition.
fn keep_five(
    context: &mut Context<'_>,
    stage: &StageDeclaration,
    condition: &str,
    all: Vec<(RuleDeclaration, &Step)>,
) -> Vec<RuleDeclaration> {
    if all.len() > MAX_RULES {
        let dropped: Vec<String> = all
            .iter()
            .skip(MAX_RULES)
            .map(|(rule, _)| rule.name.clone())
            .collect();
        let step = all.get(MAX_RULES).map(|(_, step)| *step);
        let diagnostic = Diagnostic::warning(
            Code::CODEPIPELINE_ALARM_APPROXIMATED,
            format!(
                "stage `{}` needs {} rules in its `{condition}` condition{}; CodePipeline \
                 allows {MAX_RULES}, so {} {} dropped",
                stage.name,
                all.len(),
                step.map(|step| format!(" (for step `{}`)", step.id))
                    .unwrap_or_default(),
                dropped.join(", "),
                if dropped.len() == 1 { "is" } else { "are" }
            ),
        )
        .help(
            "combine alarms into a CloudWatch composite alarm and name it in \
             `composite_alarms` of `[codepipeline]` in pipec.toml",
        );
        context.report_once(
            format!("rules:{}:{condition}", stage.name),
            diagnostic,
            step,
        );
    }
    all.into_iter()
        .take(MAX_RULES)
        .map(|(rule, _)| rule)
        .collect()
}

fn warn_home_region(context: &mut Context<'_>, stage: &StageDeclaration, step: Option<&Step>) {
    let diagnostic = Diagnostic::warning(
        Code::CODEPIPELINE_ALARM_APPROXIMATED,
        format!(
            "stage `{}` deploys to several regions{}, but a condition's alarm rules are checked \
             in the pipeline's region only: the alarms of the other regions are not watched",
            stage.name,
            step.map(|step| format!(" (step `{}`)", step.id))
                .unwrap_or_default()
        ),
    )
    .help("alarm on every region's metrics from the pipeline's region, or use one wave per region");
    context.report_once(format!("home-region:{}", stage.name), diagnostic, step);
}

fn is_alarm(rule: &RuleDeclaration) -> bool {
    rule.rule_type_id.provider == "CloudWatchAlarm"
}

/// The region every one of these steps targets, if there is exactly one.
fn single_region(context: &Context<'_>, steps: impl Iterator<Item = usize>) -> Option<String> {
    let mut region: Option<&str> = None;
    for step in steps.filter_map(|index| context.plan.steps.get(index)) {
        let step_region = step.target.region.as_deref()?;
        match region {
            Some(seen) if seen != step_region => return None,
            _ => region = Some(step_region),
        }
    }
    region.map(str::to_string)
}
