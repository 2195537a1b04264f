//! One step, on a thread of its own: its gates (waiting for a window,
//! polling alarm blockers, asking for approvals), then what it does
//! (a command, a bake, nothing), watched by its rollback alarm. The engine
//! decides; the worker reports.

use super::Shared;
use super::alarms::{Answer, Question};
use super::process::{self, Ended, Invocation, Log, Spec};
use crate::export::plan_v1::{AlarmEntry, Env, EnvValue, Gate, Params, Step, StepKind};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// What a worker tells the engine.
#[derive(Debug)]
pub enum Message {
    /// The step waits before it can start, and why.
    Waiting {
        /// The step's position in the plan.
        position: usize,
        /// Why, for people.
        why: String,
    },
    /// An overridable gate was passed because of `--override`.
    Overridden {
        /// The step's position.
        position: usize,
        /// The gate's id.
        gate: String,
    },
    /// The gates passed: may the step start? The engine records the start
    /// and answers with the attempt number, or `None` when nothing may
    /// start any more.
    Begin {
        /// The step's position.
        position: usize,
        /// Where the answer goes.
        reply: Sender<Option<u32>>,
    },
    /// The worker is done.
    Finished {
        /// The step's position.
        position: usize,
        /// How it went.
        result: StepResult,
    },
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
    let result = match shared.plan.steps.get(position) {
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
    };
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
        if let Err(result) = self.pass_gates(&log) {
            return result;
        }
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
        let Some(attempt) = asked.ok().and_then(|()| answer.recv().ok()).flatten() else {
            return StepResult::NotStarted;
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
        let end = jiff::SignedDuration::try_from(duration)
            .ok()
            .and_then(|span| clock.now().checked_add(span).ok())
            .unwrap_or(Timestamp::MAX);
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

    fn pass_gates(&self, log: &Log) -> Result<(), StepResult> {
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
            if self.shared.overrides.contains(gate_id) {
                log.line(&format!("gate {gate_id}: overridden (--override)"));
                let _ = self.engine.send(Message::Overridden {
                    position: self.position,
                    gate: gate_id.clone(),
                });
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
        gate: &crate::export::plan_v1::WindowGate,
    ) -> Result<(), StepResult> {
        let window = super::window::Window::from_gate(gate)
            .map_err(|error| StepResult::Failed(format!("window `{gate_id}`: {error}")))?;
        let clock = &self.shared.clock;
        loop {
            let now = clock.now();
            if window.is_open(now) {
                log.line(&format!("gate {gate_id}: open at {now} (run clock)"));
                return Ok(());
            }
            let Some(opening) = window.next_opening(now) else {
                return Err(StepResult::Blocked(format!(
                    "window `{gate_id}` does not open in the next 400 days"
                )));
            };
            let local = opening.to_zoned(
                jiff::tz::TimeZone::get(window.zone_name()).unwrap_or(jiff::tz::TimeZone::UTC),
            );
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
        let regions = vec![self.step.target.region.clone()];
        let context = context(self.shared, self.step, None);
        let mut said = String::new();
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
            let why = format!("alarm blocker `{gate_id}` is in alarm: {}", answer.detail);
            if why != said {
                let _ = self.engine.send(Message::Waiting {
                    position: self.position,
                    why: why.clone(),
                });
                said = why;
            }
            if !self.shared.clock.sleep(self.shared.alarm_poll, self.stop) {
                return Err(StepResult::NotStarted);
            }
        }
    }
}

/// Watching a running step's rollback alarm: a check at the start, one
/// every poll interval of run time, and one at the end.
struct Watch<'a, 'w> {
    worker: &'a Worker<'w>,
    log: &'a Log,
    alarm: Option<&'w AlarmEntry>,
    regions: Vec<Option<String>>,
    context: Vec<(String, String)>,
    /// When the next check is due (run clock).
    next: Timestamp,
    fired: Option<Answer>,
    error: Option<String>,
}

impl<'a, 'w> Watch<'a, 'w> {
    fn new(worker: &'a Worker<'w>, log: &'a Log) -> Watch<'a, 'w> {
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
            fired: None,
            error: None,
        }
    }

    /// Called often: `Some` when the step must stop (the engine's stop, an
    /// alarm, an alarm command that cannot run).
    fn tick(&mut self) -> Option<String> {
        if self.worker.stop.load(Ordering::SeqCst) {
            return Some("stopped".to_string());
        }
        if self.worker.shared.clock.now() < self.next {
            return None;
        }
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
    fn last_check(&mut self, done: StepResult) -> StepResult {
        if self.worker.stop.load(Ordering::SeqCst) {
            return StepResult::Stopped;
        }
        match self.check() {
            Some(_) => self.outcome(),
            None => done,
        }
    }

    /// Why a watched step stopped.
    fn outcome(&mut self) -> StepResult {
        if let Some(answer) = self.fired.take() {
            let alarm = self
                .alarm
                .map_or_else(String::new, |alarm| alarm.id.clone());
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
        StepResult::Stopped => "stopped for a rollback".to_string(),
        StepResult::Blocked(why) => format!("blocked: {why}"),
        StepResult::NotStarted => "not started".to_string(),
    }
}

/// The step's context, as environment variables for its commands:
/// `PIPEC_PIPELINE`, `PIPEC_STEP_ID`, `PIPEC_STEP_KIND`, `PIPEC_STAGE`,
/// and, where they apply, `PIPEC_WAVE`, `PIPEC_REGION`, `PIPEC_AZ`,
/// `PIPEC_CELL`, `PIPEC_ONEBOX` (`true`), `PIPEC_ARTIFACTS` (comma
/// separated), `PIPEC_ATTEMPT`.
pub fn context(shared: &Shared, step: &Step, attempt: Option<u32>) -> Vec<(String, String)> {
    let target = &step.target;
    let mut context = vec![
        ("PIPEC_PIPELINE".to_string(), shared.plan.pipeline.clone()),
        ("PIPEC_STEP_ID".to_string(), step.id.clone()),
        (
            "PIPEC_STEP_KIND".to_string(),
            kind_name(step.kind()).to_string(),
        ),
        ("PIPEC_STAGE".to_string(), target.stage.clone()),
    ];
    let optional = [
        ("PIPEC_WAVE", target.wave.clone()),
        ("PIPEC_REGION", target.region.clone()),
        ("PIPEC_AZ", target.az.clone()),
        ("PIPEC_CELL", target.cell.clone()),
        ("PIPEC_ONEBOX", target.onebox.then(|| "true".to_string())),
        (
            "PIPEC_ARTIFACTS",
            match &step.params {
                Params::Deploy(deploy) => Some(deploy.artifacts.join(",")),
                Params::Build(build) => Some(build.artifact.clone()),
                _ => None,
            },
        ),
        ("PIPEC_ATTEMPT", attempt.map(|attempt| attempt.to_string())),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            context.push((name.to_string(), value));
        }
    }
    context
}

/// The context variables a step does not have, so that the runner's own
/// environment cannot fill them in.
pub const CONTEXT_VARIABLES: &[&str] = &[
    "PIPEC_PIPELINE",
    "PIPEC_STEP_ID",
    "PIPEC_STEP_KIND",
    "PIPEC_STAGE",
    "PIPEC_WAVE",
    "PIPEC_REGION",
    "PIPEC_AZ",
    "PIPEC_CELL",
    "PIPEC_ONEBOX",
    "PIPEC_ARTIFACTS",
    "PIPEC_ATTEMPT",
    "PIPEC_ROLLBACK",
    "PIPEC_ALARM",
    "PIPEC_ALARM_ID",
    "PIPEC_ALARM_EXPRESSION",
    "PIPEC_ALARM_PURPOSE",
];

/// Everything a step's command gets set: its context, then its `env`
/// (secrets read from the runner's environment).
pub fn command_env(shared: &Shared, step: &Step, attempt: u32, env: &Env) -> Vec<(String, String)> {
    let mut set = context(shared, step, Some(attempt));
    for (name, value) in env {
        let value = match value {
            EnvValue::Text(text) => text.clone(),
            EnvValue::Secret(secret) => shared
                .secrets
                .value(&secret.secret)
                .unwrap_or_default()
                .to_string(),
        };
        set.push((name.clone(), value));
    }
    set
}

fn kind_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Source => "source",
        StepKind::Build => "build",
        StepKind::Test => "test",
        StepKind::Deploy => "deploy",
        StepKind::Bake => "bake",
        StepKind::Approval => "approval",
        StepKind::Gate => "gate",
    }
}
