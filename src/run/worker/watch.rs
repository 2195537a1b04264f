//! Watching a running step's rollback alarm.

use super::{StepResult, Worker};
use crate::export::plan_v1::AlarmEntry;
use crate::run::alarms::{Answer, Question};
use crate::run::context::context;
use crate::run::process::Log;
use jiff::Timestamp;
use std::sync::atomic::Ordering;

/// Watching a running step's rollback alarm: a check at the start, one
/// every poll interval of run time, and one at the end.
pub(super) struct Watch<'a, 'w> {
    pub(super) worker: &'a Worker<'w>,
    pub(super) log: &'a Log,
    pub(super) alarm: Option<&'w AlarmEntry>,
    pub(super) regions: Vec<Option<String>>,
    pub(super) context: Vec<(String, String)>,
    /// When the next check is due (run clock).
    pub(super) next: Timestamp,
    /// When the last check started (real time): a large `--speed` still
    /// leaves `MIN_REAL_TICK` between checks.
    pub(super) last_real: Option<std::time::Instant>,
    pub(super) fired: Option<Answer>,
    pub(super) error: Option<String>,
}

impl<'a, 'w> Watch<'a, 'w> {
    pub(super) fn new(worker: &'a Worker<'w>, log: &'a Log) -> Watch<'a, 'w> {
        let shared = worker.shared;
        let alarm = worker
            .step
            .rollback_alarm
            .as_ref()
            .and_then(|id| shared.plan.alarms.iter().find(|alarm| alarm.id == *id));
        if let (Some(alarm), None) = (alarm, &shared.alarm_command) {
            log.line(&format!(
                "rollback alarm `{}`: no alarm command, not watched",
                alarm.id
            ));
        }
        Watch {
            worker,
            log,
            alarm,
            regions: shared.topology.watched_regions(worker.step),
            context: context(shared, worker.step, None),
            next: shared.clock.now(),
            last_real: None,
            fired: None,
            error: None,
        }
    }

    /// Called often: `Some` when the step must stop (the engine's stop, an
    /// alarm, an alarm command that cannot run).
    pub(super) fn tick(&mut self) -> Option<String> {
        if self.worker.stop.load(Ordering::SeqCst) {
            return Some("stopped".to_string());
        }
        if self.worker.shared.clock.now() < self.next
            || self
                .last_real
                .is_some_and(|at| at.elapsed() < crate::run::clock::MIN_REAL_TICK)
        {
            return None;
        }
        self.last_real = Some(std::time::Instant::now());
        self.next = self
            .worker
            .shared
            .clock
            .now()
            .checked_add(
                jiff::SignedDuration::try_from(self.worker.shared.alarm_poll).unwrap_or_default(),
            )
            .unwrap_or(Timestamp::MAX);
        self.check()
    }

    /// One check now, if the step is watched.
    fn check(&mut self) -> Option<String> {
        let (Some(alarm), Some(command)) = (self.alarm, &self.worker.shared.alarm_command) else {
            return None;
        };
        let question = Question {
            id: &alarm.id,
            expression: &alarm.alarm,
            purpose: "rollback",
            regions: &self.regions,
            context: &self.context,
        };
        match command.ask(&question, self.log) {
            Ok(answer) if answer.in_alarm => {
                let _ = self.worker.engine.send(super::Message::Alarmed {
                    position: self.worker.position,
                    alarm: alarm.id.to_string(),
                    regions: answer.regions.clone(),
                    detail: answer.detail.clone(),
                });
                self.fired = Some(answer);
                Some("alarm".to_string())
            }
            Ok(_) => None,
            Err(error) => {
                self.error = Some(error);
                Some("alarm command".to_string())
            }
        }
    }

    /// The check at the end of a step that went well.
    pub(super) fn last_check(&mut self, done: StepResult) -> StepResult {
        if self.worker.stop.load(Ordering::SeqCst) {
            return StepResult::Stopped;
        }
        match self.check() {
            Some(_) => self.outcome(),
            None => done,
        }
    }

    /// Why a watched step stopped.
    pub(super) fn outcome(&mut self) -> StepResult {
        if let Some(answer) = self.fired.take() {
            let alarm = self
                .alarm
                .map_or_else(String::new, |alarm| alarm.id.to_string());
            return StepResult::Alarm {
                alarm,
                regions: answer.regions,
                detail: answer.detail,
            };
        }
        if let Some(error) = self.error.take() {
            return StepResult::Failed(error);
        }
        StepResult::Stopped
    }
}
