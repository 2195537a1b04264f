//! What the journal of earlier invocations says: each step's status and
//! attempts, approvals, and the rollbacks to finish.

use crate::export::plan_v1::PlanV1;
use crate::run::scheduler::{Slot, Status, Topology};
use crate::run::state::journal::{Record, StepOutcome};
use std::collections::{BTreeMap, BTreeSet};

/// What the journal says so far.
pub(super) struct Replay {
    pub(super) statuses: Vec<Status>,
    pub(super) attempts: Vec<u32>,
    /// Whether each step has ever started (so a rollback may undo it).
    pub(super) began: Vec<bool>,
    pub(super) approvals: BTreeSet<String>,
    pub(super) rollbacks: Vec<Rollback>,
    pub(super) undone: BTreeSet<usize>,
    pub(super) positions: BTreeMap<String, usize>,
    pub(super) slots: Vec<Slot>,
}

/// An alarm's rollback: which slot and regions it undoes, and why.
#[derive(Debug, Clone)]
pub(super) struct Rollback {
    pub(super) slot: Slot,
    pub(super) regions: Vec<String>,
    pub(super) why: String,
}

impl Replay {
    pub(super) fn new(plan: &PlanV1, topology: &Topology) -> Replay {
        let count = plan.steps.len();
        Replay {
            statuses: vec![Status::Pending; count],
            attempts: vec![0; count],
            began: vec![false; count],
            approvals: BTreeSet::new(),
            rollbacks: Vec::new(),
            undone: BTreeSet::new(),
            positions: plan
                .steps
                .iter()
                .enumerate()
                .map(|(position, step)| (step.id.to_string(), position))
                .collect(),
            slots: (0..count)
                .map(|position| topology.slot(position).cloned().unwrap_or_default())
                .collect(),
        }
    }

    /// Applies a record of an earlier invocation. A step it started and
    /// did not finish, or that failed, is pending again: it runs again.
    pub(super) fn apply(&mut self, record: &Record) {
        let position = |step: &str| self.positions.get(step).copied();
        match record {
            Record::StepStarted { step, attempt } => {
                if let Some(position) = position(step) {
                    if let Some(attempts) = self.attempts.get_mut(position) {
                        *attempts = (*attempts).max(*attempt);
                    }
                    if let Some(began) = self.began.get_mut(position) {
                        *began = true;
                    }
                }
            }
            Record::StepFinished { step, outcome, .. } => {
                if let Some(status) = position(step).and_then(|p| self.statuses.get_mut(p)) {
                    *status = match outcome {
                        StepOutcome::Succeeded => Status::Succeeded,
                        StepOutcome::Failed => Status::Pending,
                        StepOutcome::RolledBack => Status::RolledBack,
                    };
                }
            }
            Record::AlarmFired {
                step,
                alarm,
                regions,
            } => {
                if let Some(position) = position(step) {
                    self.rollbacks.push(Rollback {
                        slot: self.slots.get(position).cloned().unwrap_or_default(),
                        regions: regions.clone(),
                        // Said as the invocation that saw it fire said it:
                        // the record holds `ID: DETAIL`.
                        why: match alarm.split_once(": ") {
                            Some((id, detail)) => {
                                format!("alarm `{id}` during `{step}` ({detail})")
                            }
                            None => format!("alarm `{alarm}` during `{step}`"),
                        },
                    });
                }
            }
            Record::UndoFinished { step, .. } => {
                if let Some(position) = position(step) {
                    self.undone.insert(position);
                }
            }
            Record::Approved { role } => {
                self.approvals.insert(role.clone());
            }
            Record::RunStarted { .. }
            | Record::Resumed { .. }
            | Record::Overridden { .. }
            | Record::UndoStarted { .. }
            | Record::RunStopped { .. } => {}
        }
    }

    pub(super) fn finished(&self) -> usize {
        self.statuses
            .iter()
            .filter(|status| **status == Status::Succeeded)
            .count()
    }
}
