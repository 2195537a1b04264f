//! Checking a step's gates at one instant: windows, alarm blockers,
//! artifact blockers and approvals, with the scenario's overrides and
//! approvals. Pure: the answer depends only on its arguments.

use super::alarm_timeline::{AlarmTimeline, Place};
use super::model::{GateCheck, Model};
use super::scenario::Scenario;
use crate::export::plan_v1::Blocked;
use jiff::{SignedDuration, Timestamp};

/// What the engine knows of a change when it checks gates.
#[derive(Debug, Clone, Copy)]
pub struct ChangeView<'a> {
    /// The change's id.
    pub id: &'a str,
    /// Package versions its artifact contains.
    pub packages: &'a [String],
    /// Git refs it was built from.
    pub git_refs: &'a [String],
}

/// Everything gates are checked against.
#[derive(Debug, Clone, Copy)]
pub struct GateContext<'a> {
    /// The plan.
    pub model: &'a Model<'a>,
    /// Overrides and approvals.
    pub scenario: &'a Scenario,
    /// Alarm states.
    pub timeline: &'a AlarmTimeline,
    /// `--auto-approve`: an approval the scenario does not give is given
    /// when asked.
    pub auto_approve: bool,
}

/// The answer for one step at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every gate passes; `notes` says which were overridden.
    Pass {
        /// `window:business_hours overridden`, ...
        notes: Vec<String>,
    },
    /// Some gate fails now but may pass at `until` (no earlier).
    Wait {
        /// The latest of the failing gates' next chances.
        until: Timestamp,
        /// Why, one per failing gate.
        reasons: Vec<String>,
        /// Whether an alarm blocker is among them.
        blocked: bool,
    },
    /// An approval that the scenario never gives: the change waits for good.
    NoApproval {
        /// Who is asked.
        reason: String,
    },
    /// The step can never start: the change halts.
    Halt {
        /// Why.
        reason: String,
        /// Whether a blocker (rather than a window) stops it.
        blocked: bool,
    },
}

/// Checks the gates of `step` for `change` at `at`; `asked` is when the step
/// became ready (approvals given "after N seconds" count from it).
pub fn check(
    context: &GateContext<'_>,
    change: ChangeView<'_>,
    step: usize,
    asked: Timestamp,
    at: Timestamp,
) -> Verdict {
    let model = context.model;
    let (Some(plan_step), Some(info)) = (model.plan.steps.get(step), model.steps.get(step)) else {
        return Verdict::Pass { notes: Vec::new() };
    };
    let place = match &plan_step.target.region {
        Some(region) => Place::Region(region),
        None => Place::Global,
    };
    let mut notes = Vec::new();
    let mut waits: Vec<(Timestamp, String)> = Vec::new();
    let mut blocked = false;
    let mut no_approval: Option<String> = None;
    for &gate_idx in &info.gates {
        let Some(gate) = model.gates.get(gate_idx) else {
            continue;
        };
        if gate.overridable && overridden(context.scenario, &gate.id, &plan_step.id, change.id) {
            notes.push(format!("{} overridden", gate.id));
            continue;
        }
        match &gate.check {
            GateCheck::Window(window) => {
                if window.is_open(at) {
                    continue;
                }
                match window.next_opening(at) {
                    Some(opens) => waits.push((opens, format!("{} closed until {opens}", gate.id))),
                    None => {
                        return Verdict::Halt {
                            reason: format!("{} does not open within a year", gate.id),
                            blocked: false,
                        };
                    }
                }
            }
            GateCheck::Alarm(expr) => {
                if !context.timeline.is_true(expr, place, at) {
                    continue;
                }
                let firing = firing_names(context.timeline, expr, place, at);
                match context.timeline.clears_at(expr, place, at) {
                    Some(clears) => {
                        blocked = true;
                        waits.push((
                            clears,
                            format!("blocker {} fires ({firing}) until {clears}", gate.id),
                        ));
                    }
                    None => {
                        return Verdict::Halt {
                            reason: format!(
                                "blocker {} fires ({firing}) for the rest of the scenario",
                                gate.id
                            ),
                            blocked: true,
                        };
                    }
                }
            }
            GateCheck::Artifact(blocked_item) => {
                let contained = match blocked_item {
                    Blocked::Package(package) => change.packages.contains(package),
                    Blocked::GitRef(git_ref) => change.git_refs.contains(git_ref),
                };
                if contained {
                    let what = match blocked_item {
                        Blocked::Package(package) => format!("contains {package}"),
                        Blocked::GitRef(git_ref) => format!("was built from {git_ref}"),
                    };
                    return Verdict::Halt {
                        reason: format!(
                            "blocker {}: the artifact {what}, which waiting cannot change",
                            gate.id
                        ),
                        blocked: true,
                    };
                }
            }
            GateCheck::Approval(role) => {
                match approval_time(context, change.id, &plan_step.id, role, asked) {
                    Some(given) if given <= at => {}
                    Some(given) => waits.push((
                        given,
                        format!("approval by {role} ({}) given at {given}", gate.id),
                    )),
                    None => {
                        no_approval.get_or_insert(format!(
                            "approval by {role} ({}): the scenario gives none",
                            gate.id
                        ));
                    }
                }
            }
        }
    }
    if let Some(reason) = no_approval {
        return Verdict::NoApproval { reason };
    }
    match waits.iter().map(|(until, _)| *until).max() {
        Some(until) => Verdict::Wait {
            until,
            reasons: waits.into_iter().map(|(_, reason)| reason).collect(),
            blocked,
        },
        None => Verdict::Pass { notes },
    }
}

/// Whether the scenario overrides the gate before this step of this change.
pub fn overridden(scenario: &Scenario, gate: &str, step: &str, change: &str) -> bool {
    scenario.overrides.iter().any(|entry| {
        entry.gate == gate
            && entry.step.as_deref().is_none_or(|only| only == step)
            && entry.change.as_deref().is_none_or(|only| only == change)
    })
}

/// When an approval asked at `asked` is given: the scenario's most specific
/// entry (for the step before for the role, for the change before for every
/// change), else `--auto-approve`'s "at once", else never.
pub fn approval_time(
    context: &GateContext<'_>,
    change: &str,
    step: &str,
    role: &str,
    asked: Timestamp,
) -> Option<Timestamp> {
    let specificity = |entry: &super::scenario::Approval| {
        let for_step = entry.step.as_deref() == Some(step);
        let for_role = entry.role.as_deref() == Some(role);
        let for_change = match entry.change.as_deref() {
            None => Some(false),
            Some(only) if only == change => Some(true),
            Some(_) => None,
        };
        match (for_step || for_role, for_change) {
            (true, Some(for_change)) => Some((for_step, for_change)),
            _ => None,
        }
    };
    let best = context
        .scenario
        .approvals
        .iter()
        .filter_map(|entry| specificity(entry).map(|rank| (rank, entry)))
        .max_by_key(|(rank, _)| *rank)
        .map(|(rank, _)| rank);
    let given = context
        .scenario
        .approvals
        .iter()
        .filter(|entry| best.is_some() && specificity(entry) == best)
        .filter_map(|entry| match (entry.at, entry.after_seconds) {
            (Some(at), _) => Some(at.0.max(asked)),
            (None, Some(seconds)) => {
                let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
                Some(
                    asked
                        .checked_add(SignedDuration::from_secs(seconds))
                        .unwrap_or(Timestamp::MAX),
                )
            }
            (None, None) => None,
        })
        .min();
    given.or(context.auto_approve.then_some(asked))
}

/// The names in `expr` that are in alarm at `at` and `place`, for messages.
pub fn firing_names(
    timeline: &AlarmTimeline,
    expr: &super::alarm_expr::Expr,
    place: Place<'_>,
    at: Timestamp,
) -> String {
    let firing: Vec<&str> = expr
        .names()
        .into_iter()
        .filter(|name| timeline.state(name, place, at) == super::alarm_expr::AlarmState::Alarm)
        .collect();
    if firing.is_empty() {
        "the expression is true".to_string()
    } else {
        firing.join(", ")
    }
}
