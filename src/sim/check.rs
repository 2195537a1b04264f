//! A scenario checked against the plan it is run with: every step, gate,
//! role, region and alarm it names exists there, and it overrides only
//! overridable gates. A misspelt id would otherwise be silently ignored
//! and the simulation would answer another question.

use super::model::{GateCheck, Model};
use super::scenario::Scenario;
use crate::export::plan_v1::Params;
use std::collections::BTreeSet;

/// Every problem of the scenario against this plan, in scenario order.
/// Names from the scenario are written escaped: one with a line break is
/// no name of the plan, and would split its message over two lines.
pub fn scenario_against_plan(model: &Model<'_>, scenario: &Scenario) -> Vec<String> {
    let plan = model.plan;
    let mut problems = Vec::new();
    let step_exists = |id: &str| model.step_ids.contains_key(id);
    let regions: BTreeSet<&str> = plan
        .regions
        .iter()
        .map(|region| region.code.as_str())
        .chain(
            plan.steps
                .iter()
                .filter_map(|step| step.target.region.as_deref()),
        )
        .collect();
    let mut alarm_names: BTreeSet<&str> = BTreeSet::new();
    for expr in &model.alarms {
        alarm_names.extend(expr.names());
    }
    let mut roles: BTreeSet<&str> = BTreeSet::new();
    for gate in &model.gates {
        match &gate.check {
            GateCheck::Alarm(expr) => alarm_names.extend(expr.names()),
            GateCheck::Approval(role) => {
                roles.insert(role);
            }
            GateCheck::Window(_) | GateCheck::Artifact(_) => {}
        }
    }
    for step in &plan.steps {
        if let Params::Approval(approval) = &step.params {
            roles.insert(&approval.role);
        }
    }

    for id in scenario.durations.steps.keys() {
        if !step_exists(id) {
            problems.push(format!(
                "`durations.steps` names `{}`, which is not a step of the plan",
                id.escape_debug()
            ));
            continue;
        }
        // An approval lasts until it is given, and a gate takes no time:
        // a duration for either would be read and then ignored.
        let timeless = model
            .step_ids
            .get(id.as_str())
            .and_then(|&index| plan.steps.get(index))
            .and_then(|step| match step.params {
                Params::Approval(_) => {
                    Some("an approval, which lasts until it is given (see `approvals`)")
                }
                Params::Gate(_) => Some("a gate, which takes no time"),
                _ => None,
            });
        if let Some(what) = timeless {
            problems.push(format!(
                "`durations.steps` names `{}`, {what}",
                id.escape_debug()
            ));
        }
    }
    for span in &scenario.alarms {
        if !alarm_names.contains(span.alarm.as_str()) {
            problems.push(format!(
                "alarm `{}` is not read by any rollback alarm or blocker of the plan",
                span.alarm.escape_debug()
            ));
        }
        if let Some(region) = &span.region
            && !regions.contains(region.as_str())
        {
            problems.push(format!(
                "alarm `{}` fires in `{}`, which no step of the plan targets",
                span.alarm.escape_debug(),
                region.escape_debug()
            ));
        }
    }
    for approval in &scenario.approvals {
        if let Some(role) = &approval.role
            && !roles.contains(role.as_str())
        {
            problems.push(format!(
                "no approval of the plan asks role `{}`",
                role.escape_debug()
            ));
        }
        if let Some(step) = &approval.step
            && !asks_approval(model, step)
        {
            problems.push(format!(
                "approval for `{}`: the plan has no such step asking an approval",
                step.escape_debug()
            ));
        }
    }
    for entry in &scenario.overrides {
        let Some(&gate_idx) = model.gate_ids.get(&entry.gate) else {
            problems.push(format!(
                "override of `{}`, which is not a gate of the plan",
                entry.gate.escape_debug()
            ));
            continue;
        };
        if model
            .gates
            .get(gate_idx)
            .is_some_and(|gate| !gate.overridable)
        {
            problems.push(format!(
                "override of `{}`, which is not overridable",
                entry.gate
            ));
        }
        if let Some(step) = &entry.step {
            let checks = model
                .step_ids
                .get(step)
                .and_then(|&idx| model.steps.get(idx));
            if !checks.is_some_and(|info| info.gates.contains(&gate_idx)) {
                problems.push(format!(
                    "override of `{}` before `{}`, which does not check it",
                    entry.gate.escape_debug(),
                    step.escape_debug()
                ));
            }
        }
    }
    for region in scenario.traffic.regions.keys() {
        if !regions.contains(region.as_str()) {
            problems.push(format!(
                "`traffic.regions` names `{}`, which no step targets",
                region.escape_debug()
            ));
        }
    }
    problems
}

/// Whether `step` is an approval step or checks an approval gate.
fn asks_approval(model: &Model<'_>, step: &str) -> bool {
    let Some(&idx) = model.step_ids.get(step) else {
        return false;
    };
    let is_approval = model
        .plan
        .steps
        .get(idx)
        .is_some_and(|step| matches!(step.params, Params::Approval(_)));
    let gated = model.steps.get(idx).is_some_and(|info| {
        info.gates.iter().any(|&gate| {
            model
                .gates
                .get(gate)
                .is_some_and(|gate| matches!(gate.check, GateCheck::Approval(_)))
        })
    });
    is_approval || gated
}
