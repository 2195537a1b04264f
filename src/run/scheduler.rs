//! The plan as a graph to run: which steps are ready, which hold a job
//! slot, and which steps and regions an alarm concerns. No I/O and no
//! clock: the engine asks, this answers, in plan order.

use crate::export::plan_v1::{Params, PlanV1, Step};
use std::collections::BTreeMap;

/// Where a step stands in this invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not started, or to start again (after a crash or a failure).
    Pending,
    /// A worker has it: checking its gates, or running.
    Active,
    /// Done.
    Succeeded,
    /// Its command failed; the run stops promoting.
    Failed,
    /// An alarm rolled it back.
    RolledBack,
    /// It cannot start in this invocation: an approval is missing, an
    /// artifact blocker holds, a window does not open.
    Blocked(String),
}

/// A step's stage and wave: the "slot" an alarm rolls back in. `gamma` in
/// `us-east-1` and production in `us-east-1` are different slots.
pub type Slot = (String, Option<String>);

/// The plan's steps as a graph.
#[derive(Debug, Clone)]
pub struct Topology {
    index: BTreeMap<String, usize>,
    needs: Vec<Vec<usize>>,
    slots: Vec<Slot>,
    slot_regions: BTreeMap<Slot, Vec<String>>,
}

impl Topology {
    /// The graph of a plan; an error when ids repeat or a step needs one
    /// that is not an earlier step (so the graph is acyclic).
    pub fn new(plan: &PlanV1) -> Result<Topology, String> {
        let mut index = BTreeMap::new();
        let mut needs = Vec::new();
        let mut slots = Vec::new();
        let mut slot_regions: BTreeMap<Slot, Vec<String>> = BTreeMap::new();
        for (position, step) in plan.steps.iter().enumerate() {
            let mut step_needs = Vec::new();
            for need in &step.needs {
                match index.get(&**need) {
                    Some(&earlier) => step_needs.push(earlier),
                    None => {
                        return Err(format!(
                            "step `{}` needs `{need}`, which is not an earlier step of the plan",
                            step.id
                        ));
                    }
                }
            }
            if index.insert(step.id.to_string(), position).is_some() {
                return Err(format!("step `{}` appears twice in the plan", step.id));
            }
            needs.push(step_needs);
            let slot = slot_of(step);
            if let Some(region) = &step.target.region {
                let regions = slot_regions.entry(slot.clone()).or_default();
                if !regions.iter().any(|known| **known == **region) {
                    regions.push(region.to_string());
                }
            }
            slots.push(slot);
        }
        Ok(Topology {
            index,
            needs,
            slots,
            slot_regions,
        })
    }

    /// The position of the step with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The steps ready to start, in plan order: pending, every need
    /// succeeded.
    pub fn ready(&self, statuses: &[Status]) -> Vec<usize> {
        (0..statuses.len())
            .filter(|&position| statuses.get(position) == Some(&Status::Pending))
            .filter(|&position| {
                self.needs.get(position).is_some_and(|needs| {
                    needs
                        .iter()
                        .all(|need| statuses.get(*need) == Some(&Status::Succeeded))
                })
            })
            .collect()
    }

    /// The step's slot.
    pub fn slot(&self, position: usize) -> Option<&Slot> {
        self.slots.get(position)
    }

    /// Where a step's alarms are evaluated: its region, or every region of
    /// its slot (a wave's bake watches the wave), or nowhere in particular
    /// (`None`) for a slot without regions.
    pub fn watched_regions(&self, step: &Step) -> Vec<Option<String>> {
        if let Some(region) = &step.target.region {
            return vec![Some(region.to_string())];
        }
        match self.slot_regions.get(&slot_of(step)) {
            Some(regions) if !regions.is_empty() => regions.iter().cloned().map(Some).collect(),
            _ => vec![None],
        }
    }

    /// Whether the step at `position` is in the part of the plan an alarm
    /// rolls back: the same slot, and one of `regions` (or no region).
    pub fn rolled_back_with(
        &self,
        plan: &PlanV1,
        position: usize,
        slot: &Slot,
        regions: &[String],
    ) -> bool {
        let Some(step) = plan.steps.get(position) else {
            return false;
        };
        self.slots.get(position) == Some(slot)
            && step
                .target
                .region
                .as_ref()
                .is_none_or(|region| regions.iter().any(|known| **known == **region))
    }
}

/// A step's slot.
pub fn slot_of(step: &Step) -> Slot {
    (
        step.target.stage.to_string(),
        step.target.wave.as_deref().map(str::to_string),
    )
}

/// Whether a step runs a command, and so holds one of the `--jobs` slots
/// while it runs. Waiting (bakes, windows, approvals) holds none.
pub fn runs_command(step: &Step) -> bool {
    match &step.params {
        Params::Build(build) => !build.command.is_empty(),
        Params::Test(test) => test.command.is_some(),
        Params::Deploy(deploy) => deploy.command.is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::export::plan_v1::{from_json, to_json};

    fn plan() -> PlanV1 {
        let text = r#"{
  "format_version": "1.0", "pipeline": "p", "compiler": { "name": "pipec", "version": "0" },
  "profile": null, "artifacts": [], "regions": [], "gates": [], "alarms": [],
  "steps": [
    { "id": "a", "kind": "gate", "needs": [], "target": { "stage": "production" }, "gate": { "reason": "entry" }, "gates": [],
      "provenance": { "file": "p.pipe", "line": 1, "column": 1, "how": "set", "overrides": [] } },
    { "id": "b", "kind": "gate", "needs": ["a"], "target": { "stage": "production", "wave": "w", "region": "r1" }, "gate": { "reason": "x" }, "gates": [],
      "provenance": { "file": "p.pipe", "line": 1, "column": 1, "how": "set", "overrides": [] } },
    { "id": "c", "kind": "gate", "needs": ["a"], "target": { "stage": "production", "wave": "w", "region": "r2" }, "gate": { "reason": "x" }, "gates": [],
      "provenance": { "file": "p.pipe", "line": 1, "column": 1, "how": "set", "overrides": [] } },
    { "id": "d", "kind": "gate", "needs": ["b", "c"], "target": { "stage": "production", "wave": "w" }, "gate": { "reason": "x" }, "gates": [],
      "provenance": { "file": "p.pipe", "line": 1, "column": 1, "how": "set", "overrides": [] } }
  ]
}"#;
        let plan = from_json(text).unwrap();
        // The fixture is a plan as `to_json` writes it.
        assert!(from_json(&to_json(&plan)).is_ok());
        plan
    }

    #[test]
    fn ready_steps_have_every_need_succeeded() {
        let plan = plan();
        let topology = Topology::new(&plan).unwrap();
        let mut statuses = vec![Status::Pending; 4];
        assert_eq!(topology.ready(&statuses), [0]);
        statuses[0] = Status::Succeeded;
        assert_eq!(topology.ready(&statuses), [1, 2]);
        statuses[1] = Status::Succeeded;
        statuses[2] = Status::Failed;
        assert!(topology.ready(&statuses).is_empty());
    }

    #[test]
    fn a_wave_step_without_a_region_watches_the_wave() {
        let plan = plan();
        let topology = Topology::new(&plan).unwrap();
        assert_eq!(
            topology.watched_regions(&plan.steps[3]),
            [Some("r1".to_string()), Some("r2".to_string())]
        );
        assert_eq!(topology.watched_regions(&plan.steps[0]), [None]);
        let slot = topology.slot(1).unwrap().clone();
        assert!(topology.rolled_back_with(&plan, 1, &slot, &["r1".to_string()]));
        assert!(!topology.rolled_back_with(&plan, 2, &slot, &["r1".to_string()]));
        assert!(topology.rolled_back_with(&plan, 3, &slot, &["r1".to_string()]));
        assert!(!topology.rolled_back_with(&plan, 0, &slot, &["r1".to_string()]));
    }

    #[test]
    fn a_need_that_is_not_earlier_is_refused() {
        let mut plan = plan();
        plan.steps.swap(0, 1);
        assert!(
            Topology::new(&plan)
                .unwrap_err()
                .contains("not an earlier step")
        );
    }
}
