//! A signal to the runner: every running command is stopped (its whole
//! process group), each recorded as failed by the interruption, so that
//! `--resume` runs it again; steps not begun are told not to start. The
//! run then ends with [`Outcome::Interrupted`], recorded by `run_stopped`.

use super::{Engine, append};
use crate::run::signals::Interruption;
use crate::run::state::journal::{Record, StepOutcome};
use crate::run::{Outcome, RunError};

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
        self.stop_all_and_wait(Vec::new(), |engine, position, begun| {
            if !begun {
                return Ok(());
            }
            let step = engine.id(position);
            append(
                &mut engine.journal,
                Record::StepFinished {
                    step: step.clone(),
                    outcome: StepOutcome::Failed,
                    detail: Some(format!("stopped by {}", signal.name())),
                },
            )?;
            engine.say(&format!("stopped    {step}: {}", signal.name()));
            Ok(())
        })?;
        Ok(Outcome::Interrupted { signal, running })
    }
}
