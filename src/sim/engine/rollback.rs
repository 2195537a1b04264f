//! Rollback: a running step's rollback alarm fires, and the change is
//! rolled back where that step acts and promoted no further.

use super::{Engine, Status, StepState};
use crate::export::plan_v1::Params;
use crate::sim::alarm_timeline::Place;
use crate::sim::gates;
use crate::sim::report::{EventKind, RunEnding};

impl Engine<'_> {
    /// At an alarm edge: every running step watched by a rollback alarm.
    pub(super) fn check_rollbacks(&mut self) {
        for change in 0..self.changes.len() {
            for step in 0..self.model.steps.len() {
                if matches!(self.state(change, step), Some(StepState::Running { .. })) {
                    self.check_rollback(change, step);
                }
            }
        }
    }

    /// Rolls back if the step's rollback alarm is true where it watches.
    pub(super) fn check_rollback(&mut self, change: usize, step: usize) {
        let (Some(info), Some(plan_step)) =
            (self.model.steps.get(step), self.model.plan.steps.get(step))
        else {
            return;
        };
        let Some(expr) = info.rollback.and_then(|alarm| self.model.alarms.get(alarm)) else {
            return;
        };
        let alarm_id = plan_step.rollback_alarm.clone().unwrap_or_default();
        let timeline = self.context.timeline;
        let firing: Vec<(Option<String>, String)> = if info.watch.is_empty() {
            timeline
                .is_true(expr, Place::Global, self.now)
                .then(|| {
                    (
                        None,
                        gates::firing_names(timeline, expr, Place::Global, self.now),
                    )
                })
                .into_iter()
                .collect()
        } else {
            info.watch
                .iter()
                .filter(|region| timeline.is_true(expr, Place::Region(region), self.now))
                .map(|region| {
                    (
                        Some(region.to_string()),
                        gates::firing_names(timeline, expr, Place::Region(region), self.now),
                    )
                })
                .collect()
        };
        let Some((first_region, names)) = firing.first().cloned() else {
            return;
        };
        let where_text = first_region
            .as_deref()
            .map_or(String::new(), |region| format!(" in {region}"));
        let reason = format!("rollback alarm {alarm_id} fires{where_text}: {names}");
        // A step on a region rolls back its region; a step on a whole wave
        // (its bake) rolls back every region of the wave.
        let regions: Vec<String> = match &plan_step.target.region {
            Some(region) => vec![region.to_string()],
            None => info.watch.iter().map(|region| region.to_string()).collect(),
        };
        self.roll_back(change, step, &regions, reason);
    }

    /// Rolls back `change` in `regions` of the triggering step's slot:
    /// its running steps there (and the slot's region-less steps) stop,
    /// its finished deployments there are undone, and the change halts.
    pub(super) fn roll_back(
        &mut self,
        change: usize,
        trigger: usize,
        regions: &[String],
        reason: String,
    ) {
        let Some(slot) = self.model.steps.get(trigger).map(|info| info.slot) else {
            return;
        };
        let slot_steps = self
            .model
            .slots
            .get(slot)
            .map(|s| s.steps.clone())
            .unwrap_or_default();
        let in_scope = |engine: &Self, step: usize| {
            engine.model.plan.steps.get(step).is_some_and(|s| {
                s.target
                    .region
                    .as_ref()
                    .is_none_or(|region| regions.iter().any(|known| **known == **region))
            })
        };
        for &step in &slot_steps {
            if !in_scope(self, step) {
                continue;
            }
            if let Some(StepState::Running { start }) = self.state(change, step).cloned() {
                self.end_running(change, step, start, RunEnding::RolledBack);
                self.log(change, step, EventKind::RolledBack, reason.clone());
            }
        }
        for region in regions {
            let undone: Vec<usize> = slot_steps
                .iter()
                .copied()
                .filter(|&step| {
                    let is_deploy = self.model.plan.steps.get(step).is_some_and(|s| {
                        matches!(s.params, Params::Deploy(_))
                            && s.target.region.as_deref() == Some(region.as_str())
                    });
                    is_deploy
                        && matches!(
                            self.state(change, step),
                            Some(StepState::Ended {
                                ending: RunEnding::Finished,
                                ..
                            })
                        )
                })
                .collect();
            if let Some(&last) = undone.last() {
                self.log(
                    change,
                    last,
                    EventKind::RolledBack,
                    format!(
                        "{region} back on the previous version: {} finished deployment(s) undone",
                        undone.len()
                    ),
                );
            }
            self.mark_region_rolled_back(change, slot, region);
        }
        let halt_reason = if regions.is_empty() {
            format!("promoted no further: {reason}")
        } else {
            format!("promoted no further: rolled back in {}", regions.join(", "))
        };
        if self.is_active(change) {
            self.halt(change, trigger, Status::RolledBack, halt_reason);
        } else if let Some(run) = self.changes.get_mut(change)
            && run.status != Status::RolledBack
        {
            // Already stopped for another reason: the rollback is the
            // weightier fact about it. Rolled back already, it keeps the
            // reason its `halted` event gave.
            run.status = Status::RolledBack;
            run.reason = Some(halt_reason);
        }
        self.release_slot(slot);
    }

    pub(super) fn mark_region_rolled_back(&mut self, change: usize, slot: usize, region: &str) {
        let now = self.now;
        let known = self
            .rolled_back
            .iter()
            .any(|(known, known_slot, known_region, _)| {
                *known == change && *known_slot == slot && known_region == region
            });
        if !known {
            self.rolled_back
                .push((change, slot, region.to_string(), now));
        }
    }
}
