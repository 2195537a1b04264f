//! Starting steps: readiness, stage slots, gates, and scheduling each
//! step's end (durations, approvals, bakes held by data points).

use super::{Action, Engine, Status, StepState};
use crate::export::plan_v1::{Measure, Params};
use crate::sim::gates::{self, ChangeView, Verdict};
use crate::sim::report::EventKind;
use crate::sim::traffic;

impl Engine<'_> {
    pub(super) fn try_start(&mut self, change: usize, step: usize) {
        if !self.is_active(change) {
            return;
        }
        let Some(StepState::Ready { since, blocked, .. }) = self.state(change, step).cloned()
        else {
            return;
        };
        let Some(slot) = self.model.steps.get(step).map(|info| info.slot) else {
            return;
        };
        if let Some(reason) = self.slot_busy(change, slot) {
            self.note_waiting(change, step, EventKind::Waiting, reason, false);
            if let Some(waiters) = self.slot_waiters.get_mut(slot) {
                waiters.insert((change, step));
            }
            return;
        }
        let verdict = {
            let Some(run) = self.changes.get(change) else {
                return;
            };
            let view = ChangeView {
                id: &run.input.id,
                packages: &run.input.packages,
                git_refs: &run.input.git_refs,
            };
            gates::check(&self.context, view, step, since, self.now)
        };
        match verdict {
            Verdict::Pass { notes } => {
                if blocked {
                    self.log(
                        change,
                        step,
                        EventKind::Unblocked,
                        "the alarm blocker cleared".to_string(),
                    );
                }
                self.start(change, step, notes);
            }
            Verdict::Wait {
                until,
                reasons,
                blocked: now_blocked,
            } => {
                if blocked && !now_blocked {
                    self.log(
                        change,
                        step,
                        EventKind::Unblocked,
                        "the alarm blocker cleared".to_string(),
                    );
                }
                let kind = if now_blocked {
                    EventKind::Blocked
                } else {
                    EventKind::Waiting
                };
                self.note_waiting(change, step, kind, reasons.join("; "), now_blocked);
                self.push(until, Action::Try { change, step });
            }
            Verdict::NoApproval { reason } => {
                self.note_waiting(change, step, EventKind::Waiting, reason, false);
                if let Some(run) = self.changes.get_mut(change) {
                    run.awaiting_approval.insert(step);
                }
            }
            Verdict::Halt {
                reason,
                blocked: by_blocker,
            } => {
                if by_blocker {
                    self.log(change, step, EventKind::Blocked, reason.clone());
                }
                self.halt(change, step, Status::Halted, reason);
            }
        }
    }

    /// Logs a waiting or blocked note unless the same note was logged at
    /// the step's last attempt.
    pub(super) fn note_waiting(
        &mut self,
        change: usize,
        step: usize,
        kind: EventKind,
        reason: String,
        blocked: bool,
    ) {
        let Some(StepState::Ready { since, note, .. }) = self.state(change, step).cloned() else {
            return;
        };
        let text = format!("{}: {reason}", kind.as_str());
        if note.as_deref() != Some(text.as_str()) {
            self.log(change, step, kind, reason);
        }
        self.set_state(
            change,
            step,
            StepState::Ready {
                since,
                note: Some(text),
                blocked,
            },
        );
    }

    /// Why `change` may not enter `slot` now: another change is inside, or
    /// an older change still has to go through it (changes never overtake).
    pub(super) fn slot_busy(&self, change: usize, slot: usize) -> Option<String> {
        let blocker = self.slot_blocker(change, slot)?;
        let slot_name = self
            .model
            .slots
            .get(slot)
            .map(|s| s.name())
            .unwrap_or_default();
        let id = self
            .changes
            .get(blocker)
            .map_or("", |c| c.input.id.as_str());
        if self.holders.get(slot) == Some(&Some(blocker)) {
            Some(format!("{slot_name} holds change {id}"))
        } else {
            Some(format!("change {id} goes through {slot_name} first"))
        }
    }

    /// The change that keeps `change` out of `slot` now: the one inside,
    /// or else an older one still rolling out that has steps there to
    /// finish.
    pub(super) fn slot_blocker(&self, change: usize, slot: usize) -> Option<usize> {
        if let Some(Some(holder)) = self.holders.get(slot)
            && *holder != change
        {
            return Some(*holder);
        }
        self.changes.iter().take(change).position(|older| {
            older.status == Status::Active
                && older
                    .slot_unfinished
                    .get(slot)
                    .is_some_and(|left| *left > 0)
        })
    }

    pub(super) fn start(&mut self, change: usize, step: usize, notes: Vec<String>) {
        let Some(info) = self.model.steps.get(step) else {
            return;
        };
        let slot = info.slot;
        if let Some(holder) = self.holders.get_mut(slot) {
            *holder = Some(change);
        }
        if let Some(running) = self
            .changes
            .get_mut(change)
            .and_then(|run| run.slot_running.get_mut(slot))
        {
            *running += 1;
        }
        self.set_state(change, step, StepState::Running { start: self.now });
        let mut reason = if info.needs.is_empty() {
            "merged".to_string()
        } else {
            "needs finished".to_string()
        };
        let passed = info.gates.len().saturating_sub(notes.len());
        if passed > 0 {
            reason.push_str(&format!(", {passed} gate(s) pass"));
        }
        for note in notes {
            reason.push_str(&format!(", {note}"));
        }
        self.log(change, step, EventKind::Started, reason);
        self.schedule_end(change, step);
        self.check_rollback(change, step);
    }

    /// Queues the end of a step that just started.
    pub(super) fn schedule_end(&mut self, change: usize, step: usize) {
        let Some(plan_step) = self.model.plan.steps.get(step) else {
            return;
        };
        let seconds = self.estimates.get(step).map_or(0, |e| e.seconds);
        match &plan_step.params {
            Params::Approval(approval) => {
                let role = approval.role.clone();
                let change_id = self
                    .changes
                    .get(change)
                    .map(|c| c.input.id.clone())
                    .unwrap_or_default();
                match gates::approval_time(
                    &self.context,
                    &change_id,
                    &plan_step.id,
                    &role,
                    self.now,
                ) {
                    Some(given) => self.push(given.max(self.now), Action::Finish { change, step }),
                    None => {
                        self.log(
                            change,
                            step,
                            EventKind::Waiting,
                            format!("approval by {role}: the scenario gives none"),
                        );
                        if let Some(run) = self.changes.get_mut(change) {
                            run.awaiting_approval.insert(step);
                        }
                    }
                }
            }
            Params::Test(test) if seconds > test.timeout_seconds => {
                let at = self.after(self.now, test.timeout_seconds);
                self.push(at, Action::Fail { change, step });
            }
            Params::Bake(_) => {
                let shortest = self.after(self.now, seconds);
                match self.data_point_seconds(step) {
                    Some(data) if data <= seconds => {
                        self.push(shortest, Action::Finish { change, step })
                    }
                    Some(data) => {
                        self.push(shortest, Action::BakeTimeOver { change, step });
                        let end = self.after(self.now, data);
                        self.push(end, Action::Finish { change, step });
                    }
                    None => {
                        self.push(shortest, Action::BakeTimeOver { change, step });
                        self.push(shortest, Action::Fail { change, step });
                    }
                }
            }
            _ => {
                let end = self.after(self.now, seconds);
                self.push(end, Action::Finish { change, step });
            }
        }
    }

    /// Seconds until every data-point requirement of a bake is met in every
    /// region it watches; `None` if one never is.
    pub(super) fn data_point_seconds(&self, step: usize) -> Option<u64> {
        let (Some(plan_step), Some(info)) =
            (self.model.plan.steps.get(step), self.model.steps.get(step))
        else {
            return Some(0);
        };
        let Params::Bake(bake) = &plan_step.params else {
            return Some(0);
        };
        let mut longest = 0u64;
        for requirement in &bake.data_points {
            let rates: Vec<u64> = if info.watch.is_empty() {
                vec![self.rates.untiered()]
            } else {
                info.watch
                    .iter()
                    .map(|region| self.rates.per_minute(region))
                    .collect()
            };
            for rate in rates {
                longest = longest.max(traffic::seconds_for(requirement.count, rate, info.share)?);
            }
        }
        Some(longest)
    }

    /// The slowest data-point requirement of a bake, for messages.
    pub(super) fn data_point_text(&self, step: usize) -> String {
        let Some(Params::Bake(bake)) = self.model.plan.steps.get(step).map(|s| &s.params) else {
            return String::new();
        };
        let watch = self
            .model
            .steps
            .get(step)
            .map(|info| info.watch.clone())
            .unwrap_or_default();
        let place = if watch.is_empty() {
            "its stage".to_string()
        } else {
            watch.join(", ")
        };
        let wanted: Vec<String> = bake
            .data_points
            .iter()
            .map(|requirement| {
                let measure = match requirement.measure {
                    Measure::Requests => "requests",
                    Measure::Datapoints => "datapoints",
                };
                format!("{} {measure}(\"{}\")", requirement.count, requirement.name)
            })
            .collect();
        format!("{} in {place}", wanted.join(" and "))
    }
}
