//! Ending steps: normal ends, failures, halts, and freeing stage slots
//! for the changes waiting on them.

use super::{Action, Engine, Status, StepState};
use crate::export::plan_v1::Params;
use crate::sim::durations;
use crate::sim::report::{EventKind, RunEnding};
use jiff::Timestamp;

impl Engine<'_> {
    pub(super) fn finish(&mut self, change: usize, step: usize) {
        let Some(StepState::Running { start }) = self.state(change, step).cloned() else {
            return;
        };
        self.set_state(
            change,
            step,
            StepState::Ended {
                start,
                end: self.now,
                ending: RunEnding::Finished,
            },
        );
        let reason = self.finish_reason(step, start);
        self.log(change, step, EventKind::Finished, reason);
        let Some(info) = self.model.steps.get(step) else {
            return;
        };
        let slot = info.slot;
        let active = self.is_active(change);
        let mut ready = Vec::new();
        if let Some(run) = self.changes.get_mut(change) {
            run.finished_steps += 1;
            if let Some(running) = run.slot_running.get_mut(slot) {
                *running = running.saturating_sub(1);
            }
            if let Some(left) = run.slot_unfinished.get_mut(slot) {
                *left = left.saturating_sub(1);
            }
            if active {
                for &dependent in &info.dependents {
                    if let Some(unmet) = run.unmet.get_mut(dependent) {
                        *unmet = unmet.saturating_sub(1);
                        if *unmet == 0 {
                            ready.push(dependent);
                        }
                    }
                }
            }
        }
        for dependent in ready {
            self.make_ready(change, dependent);
        }
        let all_done = self
            .changes
            .get(change)
            .is_some_and(|run| run.finished_steps == run.steps.len());
        if active && all_done {
            self.complete(change);
        }
        self.release_slot(slot);
    }

    pub(super) fn finish_reason(&self, step: usize, start: Timestamp) -> String {
        let took =
            durations::human(u64::try_from(self.now.as_second() - start.as_second()).unwrap_or(0));
        let Some(plan_step) = self.model.plan.steps.get(step) else {
            return took;
        };
        let why = self.estimates.get(step).map_or("", |e| e.why.as_str());
        match &plan_step.params {
            Params::Approval(approval) => format!("approved by {}", approval.role),
            Params::Gate(_) => "gates passed".to_string(),
            Params::Bake(bake) if bake.data_points.is_empty() => format!("baked {took} ({why})"),
            Params::Bake(_) => format!(
                "baked {took}, data points in: {}",
                self.data_point_text(step)
            ),
            _ => format!("took {took} ({why})"),
        }
    }

    pub(super) fn bake_time_over(&mut self, change: usize, step: usize) {
        if !matches!(self.state(change, step), Some(StepState::Running { .. })) {
            return;
        }
        let reason = format!(
            "bake duration over; waiting for {}",
            self.data_point_text(step)
        );
        self.log(change, step, EventKind::Waiting, reason);
    }

    pub(super) fn fail(&mut self, change: usize, step: usize) {
        let Some(StepState::Running { start }) = self.state(change, step).cloned() else {
            return;
        };
        self.end_running(change, step, start, RunEnding::Stopped);
        let reason = match self.model.plan.steps.get(step).map(|s| &s.params) {
            Some(Params::Test(test)) => format!(
                "the test ran past its timeout of {}",
                durations::human(test.timeout_seconds)
            ),
            _ => format!(
                "{} can never arrive: no traffic reaches this step",
                self.data_point_text(step)
            ),
        };
        self.halt(change, step, Status::Halted, reason);
        if let Some(slot) = self.model.steps.get(step).map(|info| info.slot) {
            self.release_slot(slot);
        }
    }

    /// Ends a running step early (rolled back or stopped).
    pub(super) fn end_running(
        &mut self,
        change: usize,
        step: usize,
        start: Timestamp,
        ending: RunEnding,
    ) {
        self.set_state(
            change,
            step,
            StepState::Ended {
                start,
                end: self.now,
                ending,
            },
        );
        let Some(slot) = self.model.steps.get(step).map(|info| info.slot) else {
            return;
        };
        if let Some(running) = self
            .changes
            .get_mut(change)
            .and_then(|run| run.slot_running.get_mut(slot))
        {
            *running = running.saturating_sub(1);
        }
    }

    pub(super) fn complete(&mut self, change: usize) {
        let now = self.now;
        if let Some(run) = self.changes.get_mut(change) {
            run.status = Status::Completed;
            run.finished_at = Some(now);
        }
        self.wake_all();
    }

    /// Stops a change: it is promoted no further. Its running steps go on
    /// to their end (and stay watched by their rollback alarms).
    pub(super) fn halt(&mut self, change: usize, step: usize, status: Status, reason: String) {
        if !self.is_active(change) {
            return;
        }
        let now = self.now;
        if let Some(run) = self.changes.get_mut(change) {
            run.status = status;
            run.reason = Some(reason.clone());
            run.finished_at = Some(now);
        }
        self.log(change, step, EventKind::Halted, reason);
        for slot in 0..self.holders.len() {
            self.release_slot(slot);
        }
        self.wake_all();
    }

    /// Frees a slot whose holder is done with it: every step of the slot
    /// finished, or the change stopped and nothing of it runs there.
    pub(super) fn release_slot(&mut self, slot: usize) {
        let Some(Some(holder)) = self.holders.get(slot).copied() else {
            return;
        };
        let done = self.changes.get(holder).is_none_or(|run| {
            let unfinished = run.slot_unfinished.get(slot).copied().unwrap_or(0);
            let running = run.slot_running.get(slot).copied().unwrap_or(0);
            unfinished == 0 || (run.status != Status::Active && running == 0)
        });
        if done {
            if let Some(holder) = self.holders.get_mut(slot) {
                *holder = None;
            }
            self.wake(slot);
        }
    }

    pub(super) fn wake(&mut self, slot: usize) {
        let waiters = self
            .slot_waiters
            .get_mut(slot)
            .map(std::mem::take)
            .unwrap_or_default();
        for (change, step) in waiters {
            self.push(self.now, Action::Try { change, step });
        }
    }

    pub(super) fn wake_all(&mut self) {
        for slot in 0..self.slot_waiters.len() {
            self.wake(slot);
        }
    }
}
