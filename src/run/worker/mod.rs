//! One step, on a thread of its own: its gates (waiting for a window,
//! polling alarm blockers, asking for approvals), then what it does
//! (a command, a bake, nothing), watched by its rollback alarm. The engine
//! decides; the worker reports.

mod gates;
mod watch;

use super::Shared;
use super::context::command_env;
use super::process::{self, Ended, Invocation, Log, Spec};
use crate::export::plan_v1::{Env, Params, Step};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::Duration;
use watch::Watch;

/// What a worker tells the engine.
#[derive(Debug)]
pub enum Message {
    /// The step waits before it can start, and why.
    Waiting {
        /// The step's position in the plan.
        position: usize,
        /// Why, for people, in the runner's words and the plan's names
        /// (a window's opening, which alarms are in alarm where).
        why: String,
    },
    /// An overridable gate was passed because of `--override`.
    Overridden {
        /// The step's position.
        position: usize,
        /// The gate's id.
        gate: String,
    },
    /// The gates passed: may the step start? The engine answers when it
    /// can (a step that runs a command may have to wait for a job).
    Begin {
        /// The step's position.
        position: usize,
        /// Where the answer goes.
        reply: Sender<Answer>,
    },
    /// The step's rollback alarm fired: told at once, before its command
    /// is stopped (which may take the command's grace period), so that
    /// the alarm is recorded and nothing new starts meanwhile. The step's
    /// [`Message::Finished`] follows, with [`StepResult::Alarm`].
    Alarmed {
        /// The step's position.
        position: usize,
        /// The alarm's id.
        alarm: String,
        /// Where it fired (empty: no region in particular).
        regions: Vec<String>,
        /// What is in alarm where.
        detail: String,
    },
    /// The worker is done.
    Finished {
        /// The step's position.
        position: usize,
        /// How it went.
        result: StepResult,
    },
}

/// The engine's answer to [`Message::Begin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The start is recorded: run this attempt.
    Start(u32),
    /// A job is now held for the step, which waited for one after its
    /// gates passed: check the gates again (time went by), then ask again.
    Recheck,
    /// Nothing may start any more.
    Stop,
}

/// How a worker's step went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    /// Done; a note for people, if any.
    Succeeded(Option<String>),
    /// Its command failed, timed out or could not start, or the step
    /// could not be watched.
    Failed(String),
    /// Its rollback alarm fired while it ran.
    Alarm {
        /// The alarm's id.
        alarm: String,
        /// Where it fired (empty: no region in particular).
        regions: Vec<String>,
        /// What is in alarm where.
        detail: String,
    },
    /// The engine stopped it while it ran (a rollback).
    Stopped,
    /// It cannot start in this invocation, and why.
    Blocked(String),
    /// It did not start: the engine said no, or stopped it while it waited.
    NotStarted,
}

/// Runs the step at `position` and reports to `engine`.
pub fn work(shared: Arc<Shared>, position: usize, stop: Arc<AtomicBool>, engine: Sender<Message>) {
    // A worker that panicked (a bug) must still report, or the engine
    // would wait for it forever.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match shared.plan.steps.get(position) {
            Some(step) => {
                let worker = Worker {
                    shared: &shared,
                    step,
                    position,
                    stop: &stop,
                    engine: &engine,
                };
                worker.run()
            }
            None => StepResult::Failed(format!("no step at position {position}")),
        }
    }))
    .unwrap_or_else(|_| StepResult::Failed("internal error: its worker panicked".to_string()));
    let _ = engine.send(Message::Finished { position, result });
}

struct Worker<'a> {
    shared: &'a Shared,
    step: &'a Step,
    position: usize,
    stop: &'a AtomicBool,
    engine: &'a Sender<Message>,
}

impl Worker<'_> {
    fn run(&self) -> StepResult {
        let log = match Log::open(
            &self.shared.state.log_path(&self.step.id),
            self.shared.secrets.clone(),
        ) {
            Ok(log) => log,
            Err(error) => return StepResult::Failed(format!("cannot open its log: {error}")),
        };
        // The gates are checked right before the step starts: again when
        // it had to wait for a job after they passed.
        let mut first = true;
        let attempt = loop {
            if let Err(result) = self.pass_gates(&log, first) {
                return result;
            }
            first = false;
            if let Params::Approval(approval) = &self.step.params
                && !self.shared.approved(&approval.role)
            {
                return StepResult::Blocked(approval_needed(&approval.role, &self.step.id));
            }
            let (reply, answer) = std::sync::mpsc::channel();
            let asked = self.engine.send(Message::Begin {
                position: self.position,
                reply,
            });
            match asked.ok().and_then(|()| answer.recv().ok()) {
                Some(Answer::Start(attempt)) => break attempt,
                Some(Answer::Recheck) => {}
                Some(Answer::Stop) | None => return StepResult::NotStarted,
            }
        };
        log.line(&format!(
            "--- {} attempt {attempt}, run clock {} ---",
            self.step.id,
            self.shared.clock.now()
        ));
        let result = self.act(&log, attempt);
        log.line(&format!("--- {}: {} ---", self.step.id, describe(&result)));
        log.sync();
        result
    }

    fn act(&self, log: &Log, attempt: u32) -> StepResult {
        match &self.step.params {
            Params::Source(_) => {
                StepResult::Succeeded(Some("a source has nothing to run locally".to_string()))
            }
            Params::Gate(_) => StepResult::Succeeded(None),
            Params::Approval(approval) => {
                StepResult::Succeeded(Some(format!("approved for `{}`", approval.role)))
            }
            Params::Build(build) if build.command.is_empty() => {
                StepResult::Succeeded(Some("no command".to_string()))
            }
            Params::Build(build) => self.command(
                log,
                attempt,
                (&build.command, build.argv.as_ref(), build.shell, &build.env),
                None,
            ),
            Params::Test(test) => match &test.command {
                Some(command) => self.command(
                    log,
                    attempt,
                    (command, test.argv.as_ref(), test.shell, &test.env),
                    Some(Duration::from_secs(test.timeout_seconds)),
                ),
                None => self.watched_instant(log, "no command: the environment runs this suite"),
            },
            Params::Deploy(deploy) => match &deploy.command {
                Some(command) => self.command(
                    log,
                    attempt,
                    (command, deploy.argv.as_ref(), deploy.shell, &deploy.env),
                    None,
                ),
                None => self.watched_instant(log, "no command: nothing to deploy locally"),
            },
            Params::Bake(bake) => {
                for points in &bake.data_points {
                    log.line(&format!(
                        "waits for {} {:?} of {}: `pipec run` does not measure data points",
                        points.count, points.measure, points.name
                    ));
                }
                self.bake(log, Duration::from_secs(bake.duration_seconds))
            }
        }
    }

    /// Runs a command, watched; `timeout` is real time.
    fn command(
        &self,
        log: &Log,
        attempt: u32,
        (command, argv, shell, env): (&str, Option<&Vec<String>>, bool, &Env),
        timeout: Option<Duration>,
    ) -> StepResult {
        let invocation = match Invocation::of(command, argv, shell) {
            Ok(invocation) => invocation,
            Err(error) => return StepResult::Failed(format!("its command cannot run: {error}")),
        };
        log.line(&format!("$ {}", invocation.describe()));
        let spec = Spec {
            invocation,
            dir: self.shared.base_dir.clone(),
            set: command_env(self.shared, self.step, attempt, env),
            remove: self.shared.removed_env(),
            timeout,
        };
        let mut watch = Watch::new(self, log);
        let ended = process::run(&spec, log, || watch.tick());
        match ended {
            Ended::Exited(Some(0)) => watch.last_check(StepResult::Succeeded(None)),
            Ended::Exited(Some(code)) => StepResult::Failed(format!("exit status {code}")),
            Ended::Exited(None) => StepResult::Failed("ended by a signal".to_string()),
            Ended::TimedOut => StepResult::Failed(format!(
                "ran past its timeout of {}s",
                timeout.map_or(0, |limit| limit.as_secs())
            )),
            Ended::Stopped(_) => watch.outcome(),
            Ended::NotStarted(error) => StepResult::Failed(format!(
                "could not start `{}`: {error}",
                spec.invocation.describe()
            )),
        }
    }

    /// A step with nothing to run that is still watched once.
    fn watched_instant(&self, log: &Log, note: &str) -> StepResult {
        log.line(note);
        let mut watch = Watch::new(self, log);
        watch.last_check(StepResult::Succeeded(Some(note.to_string())))
    }

    /// Waits `duration` of run time, watching the rollback alarm.
    fn bake(&self, log: &Log, duration: Duration) -> StepResult {
        let clock = &self.shared.clock;
        // A bake that would end past the last instant the run clock holds
        // (the end of the year 9999) cannot be waited for: read as ending
        // there, it would pass at once, unbaked.
        let Some(end) = jiff::SignedDuration::try_from(duration)
            .ok()
            .and_then(|span| clock.now().checked_add(span).ok())
        else {
            return StepResult::Failed(format!(
                "its bake of {} would end after {}, the last instant the run clock holds: start the run earlier (`--start-at`)",
                crate::plan::format_seconds(duration.as_secs()),
                Timestamp::MAX
            ));
        };
        log.line(&format!("baking until {end} (run clock)"));
        let mut watch = Watch::new(self, log);
        loop {
            if watch.tick().is_some() {
                return watch.outcome();
            }
            if clock.now() >= end {
                return watch.last_check(StepResult::Succeeded(None));
            }
            let until = watch.next.min(end);
            if !clock.sleep_until(until, self.stop) {
                return StepResult::Stopped;
            }
        }
    }
}

fn approval_needed(role: &str, step: &str) -> String {
    format!(
        "waiting for approval by `{role}` before `{step}`: rerun with `--resume --approve {role}`"
    )
}

fn describe(result: &StepResult) -> String {
    match result {
        StepResult::Succeeded(_) => "succeeded".to_string(),
        StepResult::Failed(why) => format!("failed: {why}"),
        StepResult::Alarm { detail, .. } => format!("rollback alarm: {detail}"),
        // The worker is told to stop, not why: a rollback elsewhere or a
        // signal to the runner, which its progress and journal record.
        StepResult::Stopped => "stopped by the runner before it finished".to_string(),
        StepResult::Blocked(why) => format!("blocked: {why}"),
        StepResult::NotStarted => "not started".to_string(),
    }
}
