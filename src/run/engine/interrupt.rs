//! A signal to the runner: every running command is stopped (its whole
//! process group), each recorded as failed by the interruption, so that
//! `--resume` runs it again; steps not begun are told not to start. The
//! run then ends with [`Outcome::Interrupted`], recorded by `run_stopped`.

use super::{Engine, append};
use crate::run::signals::Interruption;
use crate::run::state::journal::{Record, StepOutcome};
use crate::run::worker::Message;
use crate::run::{Outcome, RunError};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

impl Engine<'_> {
    pub(super) fn interrupt(&mut self, signal: Interruption) -> Result<Outcome, RunError> {
        let running: Vec<String> = self
            .active
            .iter()
            .filter(|(_, active)| active.begun)
            .map(|(&position, _)| self.id(position))
            .collect();
        self.say(&format!(
            "{} received: stopping {}",
            signal.name(),
            if running.is_empty() {
                "(nothing was running)".to_string()
            } else {
                running.join(", ")
            }
        ));
        for active in self.active.values() {
            active.stop.store(true, Ordering::SeqCst);
        }
        while !self.active.is_empty() {
            let message = match self.receiver.recv_timeout(Duration::from_millis(200)) {
                Ok(message) => message,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.progress.tick();
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            match message {
                Message::Begin { reply, .. } => {
                    let _ = reply.send(None);
                }
                Message::Finished { position, .. } => {
                    let begun = self
                        .active
                        .remove(&position)
                        .is_some_and(|active| active.begun);
                    self.progress.done(position);
                    if begun {
                        let step = self.id(position);
                        append(
                            &mut self.journal,
                            Record::StepFinished {
                                step: step.clone(),
                                outcome: StepOutcome::Failed,
                                detail: Some(format!("stopped by {}", signal.name())),
                            },
                        )?;
                        self.say(&format!("stopped    {step}: {}", signal.name()));
                    }
                }
                Message::Waiting { .. } | Message::Overridden { .. } => {}
            }
        }
        Ok(Outcome::Interrupted { signal, running })
    }
}
