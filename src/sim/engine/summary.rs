//! The horizon, and the result: runs, per-change and per-region
//! summaries.

use super::{Action, ChangeRun, Engine, HORIZON_DAYS, Status, StepState};
use crate::sim::model::GateCheck;
use crate::sim::report::{
    ChangeSummary, EventKind, Outcome, RegionStatus, RegionSummary, RollbackSummary, Run,
    RunEnding, Simulation, StepSummary,
};
use jiff::Timestamp;

impl Engine<'_> {
    /// An action past the horizon: a change still making progress stops
    /// there; alarm edges and the ends of steps of stopped changes are
    /// dropped.
    pub(super) fn beyond_horizon(&mut self, action: Action) {
        let (change, step) = match action {
            Action::AlarmEdge => return,
            Action::Merge { change } => {
                let first = self
                    .model
                    .steps
                    .iter()
                    .position(|info| info.needs.is_empty())
                    .unwrap_or(0);
                (change, first)
            }
            Action::Try { change, step }
            | Action::Finish { change, step }
            | Action::Fail { change, step }
            | Action::BakeTimeOver { change, step } => (change, step),
        };
        self.halt(change, step, Status::Halted, horizon_reason());
    }

    /// At the horizon, a change still waiting in a slot behind a change
    /// that stopped there (whose steps run on past it) halts as well: it
    /// was still rolling out, and what it waits for does not happen
    /// within the simulation. A change that waits, itself or through the
    /// slots ahead of it, for an approval never given stays waiting.
    pub(super) fn halt_left_behind(&mut self) {
        for change in 0..self.changes.len() {
            if !self.is_active(change) || self.waits_for_approval(change) {
                continue;
            }
            if let Some((_, step)) = self.slot_wait(change) {
                self.halt(change, step, Status::Halted, horizon_reason());
            }
        }
    }

    /// The first step of `change` waiting for a slot, with the slot.
    fn slot_wait(&self, change: usize) -> Option<(usize, usize)> {
        self.slot_waiters
            .iter()
            .enumerate()
            .find_map(|(slot, waiters)| {
                waiters
                    .iter()
                    .find(|(waiter, _)| *waiter == change)
                    .map(|&(_, step)| (slot, step))
            })
    }

    /// Whether `change` waits for an approval the scenario never gives,
    /// itself or behind the changes that keep it out of a slot.
    fn waits_for_approval(&self, change: usize) -> bool {
        let mut current = change;
        for _ in 0..=self.changes.len() {
            let Some(run) = self.changes.get(current) else {
                return false;
            };
            if run.status != Status::Active {
                return false;
            }
            if !run.awaiting_approval.is_empty() {
                return true;
            }
            let Some(next) = self
                .slot_wait(current)
                .and_then(|(slot, _)| self.slot_blocker(current, slot))
            else {
                return false;
            };
            current = next;
        }
        false
    }

    pub(super) fn into_simulation(self) -> Simulation {
        let plan = self.model.plan;
        let mut runs: Vec<Run> = Vec::new();
        for run in &self.changes {
            for (step, state) in run.steps.iter().enumerate() {
                let (start, end, ending) = match state {
                    StepState::Running { start } => (*start, None, RunEnding::Unfinished),
                    StepState::Ended { start, end, ending } => (*start, Some(*end), *ending),
                    StepState::Pending | StepState::Ready { .. } => continue,
                };
                runs.push(Run {
                    change: run.input.id.clone(),
                    step,
                    start,
                    end,
                    ending,
                });
            }
        }
        let last_event = self.events.iter().map(|event| event.at).max();
        let finished_at = last_event.unwrap_or(self.start).max(self.start);
        let changes: Vec<ChangeSummary> = self
            .changes
            .iter()
            .enumerate()
            .map(|(idx, run)| self.change_summary(idx, run))
            .collect();
        let regions = self.region_summaries();
        let outcome = if changes.iter().all(|c| c.outcome == Outcome::Completed) {
            Outcome::Completed
        } else if changes.iter().any(|c| c.outcome == Outcome::RolledBack) {
            Outcome::RolledBack
        } else if changes.iter().any(|c| c.outcome == Outcome::Halted) {
            Outcome::Halted
        } else {
            Outcome::Waiting
        };
        let local_zone = self.model.gates.iter().find_map(|gate| match &gate.check {
            GateCheck::Window(window) => {
                Some((window.zone_name().to_string(), window.zone().clone()))
            }
            _ => None,
        });
        let rolled_back = self
            .rolled_back
            .iter()
            .map(|(change, slot, region, at)| RollbackSummary {
                region: region.clone(),
                stage: self
                    .model
                    .slots
                    .get(*slot)
                    .map(|slot| slot.name())
                    .unwrap_or_default(),
                change: self
                    .changes
                    .get(*change)
                    .map(|run| run.input.id.clone())
                    .unwrap_or_default(),
                at: *at,
            })
            .collect();
        Simulation {
            pipeline: plan.pipeline.clone(),
            started_at: self.start,
            finished_at,
            outcome,
            events: self.events,
            changes,
            regions,
            rolled_back,
            runs,
            slots: self.model.slots.iter().map(|slot| slot.name()).collect(),
            steps: plan
                .steps
                .iter()
                .zip(&self.model.steps)
                .map(|(step, info)| StepSummary {
                    id: step.id.to_string(),
                    slot: info.slot,
                    region: step.target.region.as_deref().map(str::to_string),
                })
                .collect(),
            local_zone,
        }
    }

    pub(super) fn change_summary(&self, idx: usize, run: &ChangeRun) -> ChangeSummary {
        let last_event = self
            .events
            .iter()
            .filter(|event| event.change == run.input.id)
            .map(|event| event.at)
            .max();
        let (outcome, reason) = match run.status {
            Status::Completed => (Outcome::Completed, None),
            Status::RolledBack => (Outcome::RolledBack, run.reason.clone()),
            Status::Halted => (Outcome::Halted, run.reason.clone()),
            Status::Active => {
                let waiting: Vec<&str> = run
                    .awaiting_approval
                    .iter()
                    .map(|&step| self.step_id(step))
                    .collect();
                // With no approval of its own to wait for, a change left
                // active waits in a slot behind an older change that
                // waits for one (a change that stops leaves its slots):
                // it is waiting too, for what its last `waiting` said.
                let behind = || {
                    self.events.iter().rev().find(|event| {
                        event.change == run.input.id && event.kind == EventKind::Waiting
                    })
                };
                if !waiting.is_empty() {
                    (
                        Outcome::Waiting,
                        Some(format!("waiting for approval at {}", waiting.join(", "))),
                    )
                } else if let Some(event) = behind() {
                    (
                        Outcome::Waiting,
                        Some(format!("waiting at {}: {}", event.step, event.reason)),
                    )
                } else {
                    (
                        Outcome::Halted,
                        Some("no step can start any more".to_string()),
                    )
                }
            }
        };
        let finished_at = run.finished_at.or(last_event);
        let deploys: Vec<usize> = self
            .model
            .steps
            .iter()
            .enumerate()
            .filter(|(_, info)| info.production_deploy)
            .map(|(step, _)| step)
            .collect();
        let rolled_back_anywhere = self.rolled_back.iter().any(|(change, ..)| *change == idx);
        let mut last_region_at: Option<Timestamp> = None;
        let mut every_region = !deploys.is_empty() && !rolled_back_anywhere;
        for &step in &deploys {
            match run.steps.get(step) {
                Some(StepState::Ended {
                    end,
                    ending: RunEnding::Finished,
                    ..
                }) => last_region_at = last_region_at.max(Some(*end)),
                _ => every_region = false,
            }
        }
        ChangeSummary {
            id: run.input.id.clone(),
            merged_at: run.input.merged_at,
            outcome,
            reason,
            finished_at,
            last_region_at: last_region_at.filter(|_| every_region),
        }
    }

    /// What each production region runs at the end: the newest change
    /// that deployed there, fully or partly (a one-box runs it); where
    /// every change that got there was rolled back, the newest rollback.
    pub(super) fn region_summaries(&self) -> Vec<RegionSummary> {
        let plan = self.model.plan;
        self.model
            .production_regions
            .iter()
            .map(|(region, wave)| {
                let deploys: Vec<usize> = plan
                    .steps
                    .iter()
                    .zip(&self.model.steps)
                    .enumerate()
                    .filter(|(_, (step, info))| {
                        info.production_deploy && step.target.region.as_ref() == Some(region)
                    })
                    .map(|(idx, _)| idx)
                    .collect();
                let mut fallback: Option<RegionSummary> = None;
                for (idx, run) in self.changes.iter().enumerate().rev() {
                    let rolled_back_at = self
                        .rolled_back
                        .iter()
                        .find(|(change, slot, known, _)| {
                            *change == idx
                                && **known == **region
                                && self
                                    .model
                                    .slots
                                    .get(*slot)
                                    .is_some_and(|slot| &*slot.stage == "production")
                        })
                        .map(|(.., at)| *at);
                    let finished: Vec<Timestamp> = deploys
                        .iter()
                        .filter_map(|&step| match run.steps.get(step) {
                            Some(StepState::Ended {
                                end,
                                ending: RunEnding::Finished,
                                ..
                            }) => Some(*end),
                            _ => None,
                        })
                        .collect();
                    let status = if rolled_back_at.is_some() {
                        RegionStatus::RolledBack
                    } else if !deploys.is_empty() && finished.len() == deploys.len() {
                        RegionStatus::Deployed
                    } else if !finished.is_empty() {
                        RegionStatus::Partial
                    } else {
                        continue;
                    };
                    let summary = RegionSummary {
                        region: region.to_string(),
                        wave: wave.as_deref().map(str::to_string),
                        status,
                        change: Some(run.input.id.clone()),
                        deployed_at: finished
                            .iter()
                            .max()
                            .copied()
                            .filter(|_| status == RegionStatus::Deployed),
                        rolled_back_at,
                    };
                    if status != RegionStatus::RolledBack {
                        return summary;
                    }
                    fallback.get_or_insert(summary);
                }
                fallback.unwrap_or(RegionSummary {
                    region: region.to_string(),
                    wave: wave.as_deref().map(str::to_string),
                    status: RegionStatus::NotReached,
                    change: None,
                    deployed_at: None,
                    rolled_back_at: None,
                })
            })
            .collect()
    }
}

fn horizon_reason() -> String {
    format!("the simulation stops at its horizon, {HORIZON_DAYS} days after the start")
}
