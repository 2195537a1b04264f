//! A step's gates, checked in order before it starts: windows waited for
//! in run time, alarm blockers polled, artifact blockers and approvals
//! halting unless overridden or given.

use super::{Message, StepResult, Worker, approval_needed};
use crate::export::plan_v1::{Gate, WindowGate};
use crate::run::alarms::Question;
use crate::run::context::context;
use crate::run::process::Log;
use crate::sim::window::Window;

impl Worker<'_> {
    /// Waits until every gate of the step passes, or says why it cannot
    /// start. `first`: the first check of this step's gates in this
    /// invocation, the one whose overrides are recorded.
    pub(super) fn pass_gates(&self, log: &Log, first: bool) -> Result<(), StepResult> {
        for gate_id in &self.step.gates {
            let Some(entry) = self
                .shared
                .plan
                .gates
                .iter()
                .find(|gate| gate.id == *gate_id)
            else {
                return Err(StepResult::Failed(format!(
                    "its gate `{gate_id}` is not in the plan"
                )));
            };
            if self.shared.overrides.contains(&**gate_id) {
                log.line(&format!("gate {gate_id}: overridden (--override)"));
                if first {
                    let _ = self.engine.send(Message::Overridden {
                        position: self.position,
                        gate: gate_id.to_string(),
                    });
                }
                continue;
            }
            match &entry.gate {
                Gate::Window(window) => self.wait_for_window(log, gate_id, window)?,
                Gate::Alarm(alarm) => self.wait_for_alarm(log, gate_id, &alarm.alarm)?,
                Gate::Artifact(artifact) => {
                    let fix = if artifact.overridable {
                        format!(
                            "if the artifacts are known to be free of it, rerun with `--resume --override {gate_id}`"
                        )
                    } else {
                        "the blocker is not overridable".to_string()
                    };
                    return Err(StepResult::Blocked(format!(
                        "artifact blocker `{gate_id}`: `pipec run` cannot look inside artifacts; {fix}"
                    )));
                }
                Gate::Approval(approval) => {
                    if !self.shared.approved(&approval.role) {
                        return Err(StepResult::Blocked(approval_needed(
                            &approval.role,
                            &self.step.id,
                        )));
                    }
                    log.line(&format!("gate {gate_id}: approved"));
                }
            }
        }
        Ok(())
    }

    fn wait_for_window(
        &self,
        log: &Log,
        gate_id: &str,
        gate: &WindowGate,
    ) -> Result<(), StepResult> {
        let window = Window::from_gate(gate)
            .map_err(|error| StepResult::Failed(format!("window `{gate_id}`: {error}")))?;
        let clock = &self.shared.clock;
        loop {
            let now = clock.now();
            if window.is_open(now) {
                log.line(&format!("gate {gate_id}: open at {now} (run clock)"));
                return Ok(());
            }
            let Some(opening) = window.next_opening(now) else {
                // Halting says what to do, as for approvals and blockers.
                let fix = if gate.overridable {
                    format!("rerun with `--resume --override {gate_id}` to pass it")
                } else {
                    "it is not overridable: change the window, or start the run clock elsewhere with `--start-at`".to_string()
                };
                return Err(StepResult::Blocked(format!(
                    "window `{gate_id}` does not open within a year; {fix}"
                )));
            };
            let local = opening.to_zoned(window.zone().clone());
            let why = format!(
                "window `{gate_id}` is closed; it opens {} ({})",
                local.strftime("%a %Y-%m-%d %H:%M %Z"),
                opening
            );
            log.line(&why);
            let _ = self.engine.send(Message::Waiting {
                position: self.position,
                why,
            });
            if !clock.sleep_until(opening, self.stop) {
                return Err(StepResult::NotStarted);
            }
        }
    }

    fn wait_for_alarm(&self, log: &Log, gate_id: &str, expression: &str) -> Result<(), StepResult> {
        let Some(command) = &self.shared.alarm_command else {
            log.line(&format!("gate {gate_id}: no alarm command, not checked"));
            return Ok(());
        };
        let regions = vec![self.step.target.region.as_deref().map(str::to_string)];
        let context = context(self.shared, self.step, None);
        let mut said: Option<String> = None;
        loop {
            let question = Question {
                id: gate_id,
                expression,
                purpose: "blocker",
                regions: &regions,
                context: &context,
            };
            let answer = command.ask(&question, log).map_err(StepResult::Failed)?;
            if !answer.in_alarm {
                return Ok(());
            }
            if said.as_ref() != Some(&answer.detail) {
                let _ = self.engine.send(Message::Waiting {
                    position: self.position,
                    why: format!("alarm blocker `{gate_id}` is in alarm: {}", answer.detail),
                });
                said = Some(answer.detail);
            }
            if !self.shared.clock.sleep(self.shared.alarm_poll, self.stop) {
                return Err(StepResult::NotStarted);
            }
        }
    }
}
