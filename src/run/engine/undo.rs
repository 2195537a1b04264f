//! Undoing what an alarm rolled back: each deployment that began in the
//! rolled-back regions of the stage or wave, latest first, by its
//! `rollback` command, each undo recorded as it starts and ends.

use super::Engine;
use super::start::append;
use crate::export::plan_v1::Params;
use crate::run::RunError;
use crate::run::context;
use crate::run::process::{self, Ended, Invocation, Log, Spec};
use crate::run::scheduler::Status;
use crate::run::state::journal::Record;

impl Engine<'_> {
    /// The deploy steps an alarm rolled back that began and are not undone
    /// yet, the latest first (reverse plan order: dependents before what
    /// they depend on).
    pub(super) fn to_undo(&self) -> Vec<usize> {
        let plan = &self.shared.plan;
        let mut steps: Vec<usize> = (0..plan.steps.len())
            .filter(|position| !self.replay.undone.contains(position))
            .filter(|position| self.replay.began.get(*position).copied().unwrap_or(false))
            .filter(|position| {
                matches!(
                    plan.steps.get(*position).map(|step| &step.params),
                    Some(Params::Deploy(_))
                )
            })
            .filter(|position| {
                self.replay.rollbacks.iter().any(|rollback| {
                    self.shared.topology.rolled_back_with(
                        plan,
                        *position,
                        &rollback.slot,
                        &rollback.regions,
                    )
                })
            })
            .collect();
        steps.reverse();
        steps
    }

    pub(super) fn undo_pending(&self) -> bool {
        !self.replay.rollbacks.is_empty() && !self.to_undo().is_empty()
    }

    /// Undoes every deployment an alarm rolled back, one after another.
    pub(super) fn undo(&mut self) -> Result<(), RunError> {
        for position in self.to_undo() {
            let step = self.id(position);
            append(
                &mut self.journal,
                Record::UndoStarted { step: step.clone() },
            )?;
            let (ok, detail) = self.undo_one(position);
            // Why a rollback failed can quote what the runner did not
            // write: masked once, in the journal as in the progress line.
            let detail = detail.map(|why| self.shared.secrets.mask(&why));
            // A rollback that failed or ran past its timeout undid nothing.
            let label = if ok { "undone    " } else { "not undone" };
            let why = detail
                .as_ref()
                .map_or_else(String::new, |why| format!(": {why}"));
            let shown = format!("{label} {step}{why}");
            // Shown once on disk, as every transition.
            append(&mut self.journal, Record::UndoFinished { step, ok, detail })?;
            self.say(&shown);
            self.replay.undone.insert(position);
            if let Some(status) = self.replay.statuses.get_mut(position) {
                *status = Status::RolledBack;
            }
        }
        Ok(())
    }

    fn undo_one(&self, position: usize) -> (bool, Option<String>) {
        let shared = &self.shared;
        let Some(step) = shared.plan.steps.get(position) else {
            return (false, Some("no such step".to_string()));
        };
        let Params::Deploy(deploy) = &step.params else {
            return (true, None);
        };
        let Some(rollback) = &deploy.rollback else {
            return (true, Some("no rollback command".to_string()));
        };
        let log = match Log::open(&shared.state.log_path(&step.id), shared.secrets.clone()) {
            Ok(log) => log,
            Err(error) => return (false, Some(format!("cannot open its log: {error}"))),
        };
        let invocation =
            match Invocation::of(&rollback.command, rollback.argv.as_ref(), deploy.shell) {
                Ok(invocation) => invocation,
                Err(error) => return (false, Some(format!("its rollback cannot run: {error}"))),
            };
        log.line(&format!("--- rollback of {} ---", step.id));
        log.line(&format!("$ {}", invocation.describe()));
        let attempt = self.replay.attempts.get(position).copied().unwrap_or(1);
        let mut set = context::command_env(shared, step, attempt, &deploy.env);
        set.push(("PIPEC_ROLLBACK".to_string(), "true".to_string()));
        let spec = Spec {
            invocation,
            dir: shared.base_dir.clone(),
            set,
            remove: shared.removed_env(),
            timeout: Some(self.options.rollback_timeout),
        };
        let ended = process::run(&spec, &log, || None);
        log.sync();
        match ended {
            Ended::Exited(Some(0)) => (true, None),
            Ended::Exited(code) => (
                false,
                Some(format!(
                    "its rollback failed ({})",
                    code.map_or_else(
                        || "a signal".to_string(),
                        |code| format!("exit status {code}")
                    )
                )),
            ),
            Ended::TimedOut => (
                false,
                Some(format!(
                    "its rollback ran past its timeout of {} and was stopped",
                    jiff::SignedDuration::try_from(self.options.rollback_timeout)
                        .map_or_else(|_| "?".to_string(), |limit| format!("{limit:#}"))
                )),
            ),
            other => (false, Some(format!("its rollback failed: {other:?}"))),
        }
    }
}
