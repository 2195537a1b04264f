//! A plan made ready to run: ids resolved to indices, expressions parsed,
//! windows read, and what the engine asks of every step computed once
//! (its stage slot, the regions it watches, its share of traffic).
//!
//! Everything here comes from the plan alone. A plan that breaks a rule of
//! the format the schema cannot check (an unknown id, a step that needs a
//! later one, an expression that does not parse) is refused with every
//! problem listed, never half-run.

use super::alarm_expr::{self, Expr};
use super::durations::Scope;
use super::traffic::Share;
use super::window::Window;
use crate::export::plan_v1::{Blocked, Gate, Name, Params, PlanV1, Step, StepKind};
use std::collections::{BTreeMap, BTreeSet};

/// The one-box share of traffic when the plan gives none (a pre-production
/// one-box): 10%, the domain's usual ceiling.
pub const DEFAULT_ONEBOX_HUNDREDTHS: u64 = 1_000;

/// A plan, indexed for the engine.
#[derive(Debug)]
pub struct Model<'p> {
    /// The plan itself.
    pub plan: &'p PlanV1,
    /// One entry per plan step, same order.
    pub steps: Vec<StepModel>,
    /// One entry per gate of the plan's gate table, same order.
    pub gates: Vec<GateModel>,
    /// The parsed expression of each entry of the plan's alarm table.
    pub alarms: Vec<Expr>,
    /// The stage slots, in the order steps first enter them.
    pub slots: Vec<Slot>,
    /// Step ids to indices.
    pub step_ids: BTreeMap<String, usize>,
    /// Gate ids to indices.
    pub gate_ids: BTreeMap<String, usize>,
    /// The regions production deploy steps target, in plan order, with
    /// their wave.
    pub production_regions: Vec<(Name, Option<Name>)>,
}

/// What the engine needs of one step.
#[derive(Debug, Clone)]
pub struct StepModel {
    /// Indices of the steps it needs.
    pub needs: Vec<usize>,
    /// Indices of the steps that need it.
    pub dependents: Vec<usize>,
    /// Indices of its gates, in the order they are checked.
    pub gates: Vec<usize>,
    /// Index of its rollback alarm in [`Model::alarms`].
    pub rollback: Option<usize>,
    /// Index of its slot in [`Model::slots`].
    pub slot: usize,
    /// Where its rollback alarm is watched and its data points counted:
    /// its own region, or for a step without one every region of its slot
    /// (empty: globally).
    pub watch: Vec<Name>,
    /// How much of its region it deploys to.
    pub scope: Scope,
    /// How much of its region's traffic it sees.
    pub share: Share,
    /// Whether it is a deploy step of the `production` stage.
    pub production_deploy: bool,
}

/// A stage slot: the steps of one pre-production stage, or of one
/// production wave (production steps outside any wave form their own
/// slot). A slot holds one change at a time.
#[derive(Debug, Clone)]
pub struct Slot {
    /// `target.stage`.
    pub stage: Name,
    /// `target.wave`, for production waves.
    pub wave: Option<Name>,
    /// Its steps, in plan order.
    pub steps: Vec<usize>,
    /// The regions its steps target, in plan order, once.
    pub regions: Vec<Name>,
}

impl Slot {
    /// `production/first`, `gamma`.
    pub fn name(&self) -> String {
        match &self.wave {
            Some(wave) => format!("{}/{wave}", self.stage),
            None => self.stage.to_string(),
        }
    }
}

/// A gate, ready to be checked.
#[derive(Debug, Clone)]
pub struct GateModel {
    /// The gate's id.
    pub id: String,
    /// Whether an operator may override it.
    pub overridable: bool,
    /// What it checks.
    pub check: GateCheck,
}

/// What a gate checks.
#[derive(Debug, Clone)]
pub enum GateCheck {
    /// Open only inside the window.
    Window(Window),
    /// Closed while the expression is in alarm.
    Alarm(Expr),
    /// Closed for a change whose artifact contains this.
    Artifact(Blocked),
    /// Closed until someone holding the role approves.
    Approval(String),
}

/// Indexes a plan; every problem the engine could trip over is listed.
pub fn prepare(plan: &PlanV1) -> Result<Model<'_>, Vec<String>> {
    let mut problems = Vec::new();
    let step_ids = index_ids(
        plan.steps.iter().map(|step| step.id.as_ref()),
        "step",
        &mut problems,
    );
    let gate_ids = index_ids(
        plan.gates.iter().map(|gate| gate.id.as_ref()),
        "gate",
        &mut problems,
    );
    let alarm_ids = index_ids(
        plan.alarms.iter().map(|alarm| alarm.id.as_ref()),
        "alarm",
        &mut problems,
    );

    let gates = plan
        .gates
        .iter()
        .filter_map(|entry| {
            let (overridable, check) = match &entry.gate {
                Gate::Window(window) => (
                    window.overridable,
                    Window::from_gate(window).map(GateCheck::Window),
                ),
                Gate::Alarm(alarm) => (
                    alarm.overridable,
                    alarm_expr::parse(&alarm.alarm)
                        .map(GateCheck::Alarm)
                        .map_err(|error| format!("its expression: {error}")),
                ),
                Gate::Artifact(artifact) => (
                    artifact.overridable,
                    Ok(GateCheck::Artifact(artifact.blocked.clone())),
                ),
                Gate::Approval(approval) => (
                    approval.overridable,
                    Ok(GateCheck::Approval(approval.role.clone())),
                ),
            };
            match check {
                Ok(check) => Some(GateModel {
                    id: entry.id.to_string(),
                    overridable,
                    check,
                }),
                Err(problem) => {
                    problems.push(format!("gate `{}`: {problem}", entry.id));
                    None
                }
            }
        })
        .collect::<Vec<_>>();
    let alarms = plan
        .alarms
        .iter()
        .filter_map(|entry| match alarm_expr::parse(&entry.alarm) {
            Ok(expr) => Some(expr),
            Err(error) => {
                problems.push(format!("alarm `{}`: its expression: {error}", entry.id));
                None
            }
        })
        .collect::<Vec<_>>();

    let slots = build_slots(plan);
    let slot_of = |step: &Step| {
        slots
            .iter()
            .position(|slot| slot.stage == step.target.stage && slot.wave == step.target.wave)
            .unwrap_or(0)
    };
    let counts = part_counts(plan);
    let mut steps: Vec<StepModel> = Vec::with_capacity(plan.steps.len());
    for (idx, step) in plan.steps.iter().enumerate() {
        let mut needs = Vec::new();
        for need in &step.needs {
            match step_ids.get(&**need) {
                Some(&found) if found < idx => needs.push(found),
                Some(_) => problems.push(format!(
                    "step `{}` needs `{need}`, which comes after it: steps must be in an order where each comes after what it needs",
                    step.id
                )),
                None => problems.push(format!("step `{}` needs `{need}`, which is not a step", step.id)),
            }
        }
        needs.sort_unstable();
        needs.dedup();
        let gate_indices = step
            .gates
            .iter()
            .filter_map(|id| {
                let found = gate_ids.get(&**id).copied();
                if found.is_none() {
                    problems.push(format!(
                        "step `{}` checks gate `{id}`, which is not in `gates`",
                        step.id
                    ));
                }
                found
            })
            .collect();
        let rollback = step.rollback_alarm.as_ref().and_then(|id| {
            let found = alarm_ids.get(&**id).copied();
            if found.is_none() {
                problems.push(format!(
                    "step `{}` rolls back on alarm `{id}`, which is not in `alarms`",
                    step.id
                ));
            }
            found
        });
        let slot = slot_of(step);
        let watch = match &step.target.region {
            Some(region) => vec![region.clone()],
            None => slots
                .get(slot)
                .map(|slot| slot.regions.clone())
                .unwrap_or_default(),
        };
        let parts = part_count(step, &counts, plan);
        let scope = if parts > 1 || step.target.az.is_some() || step.target.cell.is_some() {
            Scope::PartOf { count: parts }
        } else {
            Scope::Whole
        };
        let hundredths = if step.target.onebox {
            onebox_share(plan, step)
        } else {
            10_000
        };
        steps.push(StepModel {
            needs,
            dependents: Vec::new(),
            gates: gate_indices,
            rollback,
            slot,
            watch,
            scope,
            share: Share { parts, hundredths },
            production_deploy: &*step.target.stage == "production"
                && step.kind() == StepKind::Deploy,
        });
    }
    for idx in 0..steps.len() {
        let needs = steps
            .get(idx)
            .map(|step| step.needs.clone())
            .unwrap_or_default();
        for need in needs {
            if let Some(needed) = steps.get_mut(need) {
                needed.dependents.push(idx);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut production_regions: Vec<(Name, Option<Name>)> = Vec::new();
    for (step, info) in plan.steps.iter().zip(&steps) {
        if let (true, Some(region)) = (info.production_deploy, &step.target.region)
            && !production_regions.iter().any(|(known, _)| known == region)
        {
            production_regions.push((region.clone(), step.target.wave.clone()));
        }
    }
    Ok(Model {
        plan,
        steps,
        gates,
        alarms,
        slots,
        step_ids,
        gate_ids,
        production_regions,
    })
}

fn index_ids<'a>(
    ids: impl Iterator<Item = &'a str>,
    what: &str,
    problems: &mut Vec<String>,
) -> BTreeMap<String, usize> {
    let mut index = BTreeMap::new();
    for (idx, id) in ids.enumerate() {
        if index.insert(id.to_string(), idx).is_some() {
            problems.push(format!("two {what}s have the id `{id}`"));
        }
    }
    index
}

fn build_slots(plan: &PlanV1) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for (idx, step) in plan.steps.iter().enumerate() {
        let position = slots
            .iter()
            .position(|slot| slot.stage == step.target.stage && slot.wave == step.target.wave);
        let slot = match position {
            Some(position) => slots.get_mut(position),
            None => {
                slots.push(Slot {
                    stage: step.target.stage.clone(),
                    wave: step.target.wave.clone(),
                    steps: Vec::new(),
                    regions: Vec::new(),
                });
                slots.last_mut()
            }
        };
        if let Some(slot) = slot {
            slot.steps.push(idx);
            if let Some(region) = &step.target.region
                && !slot.regions.contains(region)
            {
                slot.regions.push(region.clone());
            }
        }
    }
    slots
}

/// For each (stage, wave, region): the distinct AZs and cells its steps
/// name, for regions whose AZ list the plan does not give.
type PartKey = (Name, Option<Name>, Name);

fn part_counts(plan: &PlanV1) -> BTreeMap<PartKey, (BTreeSet<Name>, BTreeSet<Name>)> {
    let mut counts: BTreeMap<PartKey, (BTreeSet<Name>, BTreeSet<Name>)> = BTreeMap::new();
    for step in &plan.steps {
        let Some(region) = &step.target.region else {
            continue;
        };
        let key = (
            step.target.stage.clone(),
            step.target.wave.clone(),
            region.clone(),
        );
        let entry = counts.entry(key).or_default();
        entry.0.extend(step.target.az.clone());
        entry.1.extend(step.target.cell.clone());
    }
    counts
}

/// Into how many parts the step's region is split: its AZ count (from the
/// region table, else the AZs the plan names there) for an AZ step, the
/// cells the plan names there for a cell step, 1 otherwise.
fn part_count(
    step: &Step,
    counts: &BTreeMap<PartKey, (BTreeSet<Name>, BTreeSet<Name>)>,
    plan: &PlanV1,
) -> u64 {
    let Some(region) = &step.target.region else {
        return 1;
    };
    let key = (
        step.target.stage.clone(),
        step.target.wave.clone(),
        region.clone(),
    );
    let named = counts.get(&key);
    let count = if step.target.az.is_some() {
        let listed = plan
            .regions
            .iter()
            .find(|known| *known.code == **region)
            .map_or(0, |known| known.azs.len());
        if listed > 0 {
            listed
        } else {
            named.map_or(1, |(azs, _)| azs.len())
        }
    } else if step.target.cell.is_some() {
        named.map_or(1, |(_, cells)| cells.len())
    } else {
        1
    };
    u64::try_from(count.max(1)).unwrap_or(u64::MAX)
}

/// A one-box step's share of traffic: the `traffic_percent` of the one-box
/// deploy step at the same place, else [`DEFAULT_ONEBOX_HUNDREDTHS`].
fn onebox_share(plan: &PlanV1, step: &Step) -> u64 {
    plan.steps
        .iter()
        .filter(|other| other.target == step.target)
        .find_map(|other| match &other.params {
            Params::Deploy(deploy) => deploy.traffic_percent,
            _ => None,
        })
        .map_or(DEFAULT_ONEBOX_HUNDREDTHS, |percent| {
            u64::from(percent.hundredths())
        })
}
