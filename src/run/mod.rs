//! `pipec run`: executing a plan's commands as real processes, in
//! dependency order, crash-safely. See `docs/execution.md`.
//!
//! The engine (`engine`) owns the state and the journal and decides what
//! starts; each active step has a worker thread (`worker`) that waits for
//! its gates, runs its command or bake under its rollback alarm, and
//! reports. Everything a later invocation needs is in the journal before
//! the runner acts on it, so `--resume` after a `kill -9` picks up where
//! the journal ends.
//!
//! This is the one part of the library that does I/O beyond reading
//! sources: it never reads `.pipe` text, only a [`PlanV1`].

pub mod alarms;
pub mod clock;
pub mod command_text;
mod context;
mod engine;
pub mod plan_source;
pub mod process;
mod progress;
pub mod scheduler;
pub mod secrets;
pub mod signals;
pub mod state;
mod worker;

use crate::export::plan_v1::PlanV1;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use engine::run;

/// How often a rollback alarm or an alarm blocker is checked, in run time
/// (so `--speed` shortens it).
pub const ALARM_POLL: Duration = Duration::from_secs(60);

/// How long a rollback command may run by default: a rollback that hangs
/// must not hold the run (and the region's state) forever.
pub const DEFAULT_ROLLBACK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The default number of commands that run at once.
pub const DEFAULT_JOBS: usize = 4;

/// What `pipec run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The state directory.
    pub state_dir: PathBuf,
    /// Continue the run recorded there.
    pub resume: bool,
    /// Run time goes this many times faster than real time.
    pub speed: f64,
    /// The instant the run clock starts at; default: now.
    pub start_at: Option<jiff::Timestamp>,
    /// The alarm command from `--alarm-command`, which wins over the plan's.
    pub alarm_command: Option<Vec<String>>,
    /// How many commands run at once.
    pub jobs: usize,
    /// Roles approved with `--approve`.
    pub approve: Vec<String>,
    /// Approve everything, in this invocation only.
    pub auto_approve: bool,
    /// Overridable gates passed with `--override`.
    pub overrides: Vec<String>,
    /// Where commands run.
    pub base_dir: PathBuf,
    /// Whether standard error is a terminal (status lines) or not.
    pub terminal: bool,
    /// How long a rollback command may run (real time) before it is
    /// stopped and the undo recorded as failed.
    pub rollback_timeout: Duration,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step finished: the change reached every target.
    Completed {
        /// How many steps the plan has.
        steps: usize,
    },
    /// A step failed; the change was promoted no further.
    Failed(String),
    /// An alarm rolled the change back; it is promoted no further.
    RolledBack(String),
    /// Steps cannot start in this invocation (an approval, a blocker, a
    /// window); `--resume` continues once that changes.
    Halted(String),
    /// A signal stopped the run: the commands running were stopped (their
    /// whole process groups) and recorded as failed, so that `--resume`
    /// runs them again.
    Interrupted {
        /// The signal.
        signal: signals::Interruption,
        /// The steps that were running.
        running: Vec<String>,
    },
}

/// A problem with the run's inputs or its state: nothing ran, or the
/// state could not be kept. Exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl RunError {
    fn new(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> RunError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

/// What every worker of a run reads.
#[derive(Debug)]
struct Shared {
    plan: PlanV1,
    topology: scheduler::Topology,
    clock: clock::Clock,
    secrets: Arc<secrets::Secrets>,
    base_dir: PathBuf,
    state: state::StateDir,
    alarm_command: Option<alarms::AlarmCommand>,
    alarm_poll: Duration,
    approvals: BTreeSet<String>,
    auto_approve: bool,
    overrides: BTreeSet<String>,
}

impl Shared {
    fn approved(&self, role: &str) -> bool {
        self.auto_approve || self.approvals.contains(role)
    }

    /// The runner's variables no command may inherit: the secrets (a
    /// command gets those its `env` names, under their names there) and
    /// the context variables (set per step).
    fn removed_env(&self) -> Vec<String> {
        self.secrets
            .names()
            .map(str::to_string)
            .chain(
                context::CONTEXT_VARIABLES
                    .iter()
                    .map(|name| name.to_string()),
            )
            .collect()
    }
}
