//! The engine: opens the state, replays the journal, and runs the plan:
//! starts each ready step's worker (in plan order, at most `--jobs`
//! commands at once), records every transition before acting on it, rolls
//! back on an alarm, and says how the run ended.

use super::alarms::AlarmCommand;
use super::clock::Clock;
use super::progress::Progress;
use super::scheduler::{Slot, Status, Topology, runs_command};
use super::secrets::Secrets;
use super::state::StateDir;
use super::state::journal::{JOURNAL_FORMAT, Journal, Record, StepOutcome};
use super::state::lock::Lock;
use super::worker::{self, Message, StepResult};
use super::{Options, Outcome, RunError, Shared};
use crate::export::plan_v1::{self, Gate, Params, PlanV1};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

/// The plan's identity, as the journal records it: FNV-1a (64-bit) of the
/// plan's canonical JSON. It tells plans apart; it is not a signature.
pub fn plan_identity(plan: &PlanV1) -> String {
    let json = plan_v1::to_json(plan);
    format!(
        "fnv1a64:{:016x}",
        crate::diagnostics::formats::fingerprint::fnv1a64(json.as_bytes())
    )
}

/// Runs `plan` as `options` say. `Err` is a problem with the inputs or the
/// state (exit status 2); every other ending is an [`Outcome`].
pub fn run(plan: PlanV1, options: &Options) -> Result<Outcome, RunError> {
    let topology = Topology::new(&plan)
        .map_err(|error| RunError::new(format!("the plan cannot run: {error}")))?;
    check_overrides(&plan, &options.overrides)?;
    let secrets = Secrets::read(&plan, |name| std::env::var(name).ok()).map_err(|missing| {
        RunError::new(format!(
            "the plan's secrets are not all set: {} missing from the environment",
            missing.join(", ")
        ))
        .help("each `secret(\"NAME\")` is read from the environment variable NAME of `pipec run`")
    })?;
    if !(options.speed.is_finite() && options.speed > 0.0) {
        return Err(RunError::new("--speed must be a positive number"));
    }
    let state = StateDir::create(&options.state_dir).map_err(|error| {
        RunError::new(format!(
            "cannot create the state directory {}: {error}",
            options.state_dir.display()
        ))
    })?;
    let _lock = Lock::acquire(&state.lock_path()).map_err(|error| {
        RunError::new(error.to_string()).help(
            "wait for it to finish, or give this run another `--state DIR`; a run that was killed \
             holds no lock",
        )
    })?;
    let (mut journal, entries) = Journal::open(&state.journal_path())
        .map_err(|error| RunError::new(format!("cannot read the run's journal: {error}")))?;
    let identity = plan_identity(&plan);
    let mut replay = Replay::new(&plan, &topology);
    match entries.first().map(|entry| &entry.record) {
        None => {
            super::state::write_atomically(&state.plan_path(), plan_v1::to_json(&plan).as_bytes())
                .map_err(|error| RunError::new(format!("cannot write the plan's copy: {error}")))?;
            append(
                &mut journal,
                Record::RunStarted {
                    journal_format: JOURNAL_FORMAT,
                    pipeline: plan.pipeline.clone(),
                    plan: identity,
                    steps: plan.steps.len(),
                },
            )?;
        }
        Some(Record::RunStarted {
            journal_format,
            pipeline,
            plan: recorded,
            ..
        }) => {
            if *journal_format != JOURNAL_FORMAT {
                return Err(RunError::new(format!(
                    "{} was written by a runner with journal format {journal_format}; this one reads {JOURNAL_FORMAT}",
                    state.journal_path().display()
                )));
            }
            if *recorded != identity {
                return Err(RunError::new(format!(
                    "{} holds a run of a different plan (pipeline `{pipeline}`, {recorded}); this plan (pipeline `{}`) is {identity}",
                    state.root().display(),
                    plan.pipeline
                ))
                .help("resume with the plan the run started with, or start this one with another `--state DIR`"));
            }
            if !options.resume {
                return Err(RunError::new(format!(
                    "{} already holds a run of pipeline `{pipeline}`",
                    state.root().display()
                ))
                .help("add `--resume` to continue it, or give a new run another `--state DIR`"));
            }
            for entry in &entries {
                replay.apply(&entry.record);
            }
            append(
                &mut journal,
                Record::Resumed {
                    finished: replay.finished(),
                },
            )?;
        }
        Some(_) => {
            return Err(RunError::new(format!(
                "{} does not start with the run's identity",
                state.journal_path().display()
            )));
        }
    }
    for role in &options.approve {
        if replay.approvals.insert(role.clone()) {
            append(&mut journal, Record::Approved { role: role.clone() })?;
        }
    }
    let alarm_command = options
        .alarm_command
        .clone()
        .or_else(|| {
            plan.alarm_command
                .as_ref()
                .map(|command| command.argv.clone())
        })
        .filter(|argv| !argv.is_empty())
        .map(|argv| AlarmCommand {
            argv,
            dir: options.base_dir.clone(),
            remove: secrets
                .names()
                .map(str::to_string)
                .chain(
                    worker::CONTEXT_VARIABLES
                        .iter()
                        .map(|name| name.to_string()),
                )
                .collect(),
        });
    let clock = Clock::new(
        options.start_at.unwrap_or_else(jiff::Timestamp::now),
        options.speed,
    );
    let shared = Arc::new(Shared {
        topology,
        clock,
        secrets: Arc::new(secrets),
        base_dir: options.base_dir.clone(),
        state,
        alarm_command,
        alarm_poll: super::ALARM_POLL,
        approvals: replay.approvals.clone(),
        auto_approve: options.auto_approve,
        overrides: options.overrides.iter().cloned().collect(),
        plan,
    });
    let mut engine = Engine::new(shared, journal, replay, options);
    let outcome = engine.drive()?;
    engine.progress.finish();
    let (name, detail) = match &outcome {
        Outcome::Completed { steps } => ("completed", format!("{steps} steps")),
        Outcome::Failed(why) => ("failed", why.clone()),
        Outcome::RolledBack(why) => ("rolled_back", why.clone()),
        Outcome::Halted(why) => ("halted", why.clone()),
    };
    append(
        &mut engine.journal,
        Record::RunStopped {
            outcome: name.to_string(),
            detail,
        },
    )?;
    Ok(outcome)
}

fn append(journal: &mut Journal, record: Record) -> Result<(), RunError> {
    journal
        .append(record)
        .map(|_| ())
        .map_err(|error| RunError::new(format!("cannot record the run's progress: {error}")))
}

/// `--override` names gates of the plan that may be overridden.
fn check_overrides(plan: &PlanV1, overrides: &[String]) -> Result<(), RunError> {
    for id in overrides {
        let Some(entry) = plan.gates.iter().find(|gate| gate.id == *id) else {
            let ids: Vec<&str> = plan.gates.iter().map(|gate| gate.id.as_str()).collect();
            return Err(
                RunError::new(format!("--override {id}: the plan has no such gate"))
                    .help(format!("the plan's gates are: {}", ids.join(", "))),
            );
        };
        let overridable = match &entry.gate {
            Gate::Window(gate) => gate.overridable,
            Gate::Alarm(gate) => gate.overridable,
            Gate::Artifact(gate) => gate.overridable,
            Gate::Approval(gate) => gate.overridable,
        };
        if !overridable {
            return Err(RunError::new(format!(
                "--override {id}: the gate is not overridable"
            )));
        }
    }
    Ok(())
}

/// What the journal says so far.
struct Replay {
    statuses: Vec<Status>,
    attempts: Vec<u32>,
    /// Whether each step has ever started (so a rollback may undo it).
    began: Vec<bool>,
    approvals: BTreeSet<String>,
    rollbacks: Vec<Rollback>,
    undone: BTreeSet<usize>,
    positions: BTreeMap<String, usize>,
    slots: Vec<Slot>,
}

/// An alarm's rollback: which slot and regions it undoes, and why.
#[derive(Debug, Clone)]
struct Rollback {
    slot: Slot,
    regions: Vec<String>,
    why: String,
}

impl Replay {
    fn new(plan: &PlanV1, topology: &Topology) -> Replay {
        let count = plan.steps.len();
        Replay {
            statuses: vec![Status::Pending; count],
            attempts: vec![0; count],
            began: vec![false; count],
            approvals: BTreeSet::new(),
            rollbacks: Vec::new(),
            undone: BTreeSet::new(),
            positions: plan
                .steps
                .iter()
                .enumerate()
                .map(|(position, step)| (step.id.clone(), position))
                .collect(),
            slots: (0..count)
                .map(|position| topology.slot(position).cloned().unwrap_or_default())
                .collect(),
        }
    }

    /// Applies a record of an earlier invocation. A step it started and
    /// did not finish, or that failed, is pending again: it runs again.
    fn apply(&mut self, record: &Record) {
        let position = |step: &str| self.positions.get(step).copied();
        match record {
            Record::StepStarted { step, attempt } => {
                if let Some(position) = position(step) {
                    if let Some(attempts) = self.attempts.get_mut(position) {
                        *attempts = (*attempts).max(*attempt);
                    }
                    if let Some(began) = self.began.get_mut(position) {
                        *began = true;
                    }
                }
            }
            Record::StepFinished { step, outcome, .. } => {
                if let Some(status) = position(step).and_then(|p| self.statuses.get_mut(p)) {
                    *status = match outcome {
                        StepOutcome::Succeeded => Status::Succeeded,
                        StepOutcome::Failed => Status::Pending,
                        StepOutcome::RolledBack => Status::RolledBack,
                    };
                }
            }
            Record::AlarmFired {
                step,
                alarm,
                regions,
            } => {
                if let Some(position) = position(step) {
                    self.rollbacks.push(Rollback {
                        slot: self.slots.get(position).cloned().unwrap_or_default(),
                        regions: regions.clone(),
                        why: format!("alarm `{alarm}` during `{step}`"),
                    });
                }
            }
            Record::UndoFinished { step, .. } => {
                if let Some(position) = position(step) {
                    self.undone.insert(position);
                }
            }
            Record::Approved { role } => {
                self.approvals.insert(role.clone());
            }
            Record::RunStarted { .. }
            | Record::Resumed { .. }
            | Record::Overridden { .. }
            | Record::UndoStarted { .. }
            | Record::RunStopped { .. } => {}
        }
    }

    fn finished(&self) -> usize {
        self.statuses
            .iter()
            .filter(|status| **status == Status::Succeeded)
            .count()
    }
}

/// An active step: its worker's stop flag, whether it has begun, and
/// whether it holds a job slot.
struct Active {
    stop: Arc<AtomicBool>,
    begun: bool,
    slot: bool,
}

struct Engine<'o> {
    shared: Arc<Shared>,
    journal: Journal,
    replay: Replay,
    options: &'o Options,
    progress: Progress,
    active: BTreeMap<usize, Active>,
    sender: Sender<Message>,
    receiver: Receiver<Message>,
    /// Why nothing new may start, once something failed or rolled back.
    stopping: Option<Outcome>,
    /// Steps stopped for a rollback that have not reported yet: undoing
    /// waits for them.
    stopping_for_undo: BTreeSet<usize>,
    blocked: Vec<String>,
}

impl<'o> Engine<'o> {
    fn new(
        shared: Arc<Shared>,
        journal: Journal,
        replay: Replay,
        options: &'o Options,
    ) -> Engine<'o> {
        let (sender, receiver) = mpsc::channel();
        Engine {
            shared,
            journal,
            replay,
            options,
            progress: Progress::new(options.terminal),
            active: BTreeMap::new(),
            sender,
            receiver,
            stopping: None,
            stopping_for_undo: BTreeSet::new(),
            blocked: Vec::new(),
        }
    }

    fn now(&self) -> String {
        self.shared
            .clock
            .now()
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn say(&mut self, text: &str) {
        let now = self.now();
        let text = self.shared.secrets.mask(text);
        self.progress.event(&now, &text);
    }

    fn id(&self, position: usize) -> String {
        self.shared
            .plan
            .steps
            .get(position)
            .map_or_else(String::new, |step| step.id.clone())
    }

    fn drive(&mut self) -> Result<Outcome, RunError> {
        if self.shared.alarm_command.is_none()
            && (!self.shared.plan.alarms.is_empty()
                || self
                    .shared
                    .plan
                    .gates
                    .iter()
                    .any(|gate| matches!(gate.gate, Gate::Alarm(_))))
        {
            self.say("no alarm command (--alarm-command, or the plan's alarm_command): alarms are not checked");
        }
        if let Some(rollback) = self.replay.rollbacks.first().cloned() {
            // The change was rolled back before: finish undoing, start
            // nothing.
            self.stopping = Some(Outcome::RolledBack(rollback.why));
            self.undo()?;
        }
        loop {
            if self.stopping.is_none() {
                self.start_ready();
            }
            if self.active.is_empty() {
                break;
            }
            let Ok(first) = self.receiver.recv_timeout(Duration::from_millis(200)) else {
                self.progress.tick();
                continue;
            };
            // What arrived together is handled in plan order.
            let mut messages = vec![first];
            messages.extend(self.receiver.try_iter());
            messages.sort_by_key(message_position);
            for message in messages {
                self.handle(message)?;
            }
            if self.stopping_for_undo.is_empty() && self.undo_pending() {
                self.undo()?;
            }
        }
        Ok(self.outcome())
    }

    fn start_ready(&mut self) {
        let ready = self.shared.topology.ready(&self.replay.statuses);
        let mut commands = self.active.values().filter(|active| active.slot).count();
        for position in ready {
            let Some(step) = self.shared.plan.steps.get(position) else {
                continue;
            };
            let slot = runs_command(step);
            if slot && commands >= self.options.jobs.max(1) {
                continue;
            }
            if slot {
                commands += 1;
            }
            let stop = Arc::new(AtomicBool::new(false));
            self.active.insert(
                position,
                Active {
                    stop: stop.clone(),
                    begun: false,
                    slot,
                },
            );
            if let Some(status) = self.replay.statuses.get_mut(position) {
                *status = Status::Active;
            }
            let shared = self.shared.clone();
            let sender = self.sender.clone();
            std::thread::spawn(move || worker::work(shared, position, stop, sender));
        }
    }

    fn handle(&mut self, message: Message) -> Result<(), RunError> {
        match message {
            Message::Waiting { position, why } => {
                let id = self.id(position);
                self.progress.status(position, &id, "waiting");
                self.say(&format!("waiting    {id}: {why}"));
            }
            Message::Overridden { position, gate } => {
                let step = self.id(position);
                self.say(&format!("override   {step}: gate {gate}"));
                append(&mut self.journal, Record::Overridden { step, gate })?;
            }
            Message::Begin { position, reply } => {
                let attempt = if self.stopping.is_some() {
                    None
                } else {
                    let attempt = self.replay.attempts.get(position).copied().unwrap_or(0) + 1;
                    let step = self.id(position);
                    append(
                        &mut self.journal,
                        Record::StepStarted {
                            step: step.clone(),
                            attempt,
                        },
                    )?;
                    if let Some(slot) = self.replay.attempts.get_mut(position) {
                        *slot = attempt;
                    }
                    if let Some(began) = self.replay.began.get_mut(position) {
                        *began = true;
                    }
                    if let Some(active) = self.active.get_mut(&position) {
                        active.begun = true;
                    }
                    let what = match self.shared.plan.steps.get(position).map(|s| &s.params) {
                        Some(Params::Bake(_)) => "baking",
                        _ => "running",
                    };
                    self.progress.status(position, &step, what);
                    let again = if attempt > 1 {
                        format!(" (attempt {attempt})")
                    } else {
                        String::new()
                    };
                    self.say(&format!("started    {step}{again}"));
                    Some(attempt)
                };
                // A worker that is gone has nothing to start.
                let _ = reply.send(attempt);
            }
            Message::Finished { position, result } => self.finished(position, result)?,
        }
        Ok(())
    }

    fn finished(&mut self, position: usize, result: StepResult) -> Result<(), RunError> {
        self.active.remove(&position);
        self.progress.done(position);
        self.stopping_for_undo.remove(&position);
        let step = self.id(position);
        let (status, record) = match &result {
            StepResult::Succeeded(note) => {
                let note = note
                    .as_ref()
                    .map_or_else(String::new, |note| format!(" ({note})"));
                self.say(&format!("succeeded  {step}{note}"));
                (Status::Succeeded, Some((StepOutcome::Succeeded, None)))
            }
            StepResult::Failed(why) => {
                self.say(&format!("failed     {step}: {why}"));
                self.show_log_tail(&step);
                if self.stopping.is_none() {
                    self.stopping = Some(Outcome::Failed(format!("`{step}` failed: {why}")));
                    self.stop_waiting_steps();
                }
                (
                    Status::Failed,
                    Some((StepOutcome::Failed, Some(why.clone()))),
                )
            }
            StepResult::Alarm {
                alarm,
                regions,
                detail,
            } => {
                self.say(&format!("alarm      {step}: `{alarm}` in alarm: {detail}"));
                self.alarm(position, alarm, regions, detail)?;
                (
                    Status::RolledBack,
                    Some((
                        StepOutcome::RolledBack,
                        Some(format!("alarm `{alarm}`: {detail}")),
                    )),
                )
            }
            StepResult::Stopped => {
                self.say(&format!("stopped    {step}: rolled back"));
                (
                    Status::RolledBack,
                    Some((
                        StepOutcome::RolledBack,
                        Some("stopped by a rollback".to_string()),
                    )),
                )
            }
            StepResult::Blocked(why) => {
                self.say(&format!("blocked    {step}: {why}"));
                self.blocked.push(why.clone());
                (Status::Blocked(why.clone()), None)
            }
            StepResult::NotStarted => (Status::Pending, None),
        };
        if let Some((outcome, detail)) = record {
            // The record of the alarm (if any) is written first: a resume
            // must know the change was rolled back.
            append(
                &mut self.journal,
                Record::StepFinished {
                    step,
                    outcome,
                    detail,
                },
            )?;
        }
        if let Some(current) = self.replay.statuses.get_mut(position) {
            *current = status;
        }
        Ok(())
    }

    /// A rollback alarm fired while the step at `position` ran: record it,
    /// stop what runs in the same slot and regions, and stop promoting.
    fn alarm(
        &mut self,
        position: usize,
        alarm: &str,
        fired_in: &[String],
        detail: &str,
    ) -> Result<(), RunError> {
        let step = self.id(position);
        let topology = &self.shared.topology;
        let slot = topology.slot(position).cloned().unwrap_or_default();
        // The step's region; for a step without one, every region of its
        // slot (a wave's bake undoes the wave).
        let regions: Vec<String> = match self.shared.plan.steps.get(position) {
            Some(watched) if watched.target.region.is_some() => {
                watched.target.region.iter().cloned().collect()
            }
            Some(watched) => topology
                .watched_regions(watched)
                .into_iter()
                .flatten()
                .collect(),
            None => fired_in.to_vec(),
        };
        append(
            &mut self.journal,
            Record::AlarmFired {
                step: step.clone(),
                alarm: format!("{alarm}: {detail}"),
                regions: regions.clone(),
            },
        )?;
        let why = format!("alarm `{alarm}` during `{step}` ({detail})");
        self.replay.rollbacks.push(Rollback {
            slot: slot.clone(),
            regions: regions.clone(),
            why: why.clone(),
        });
        if !matches!(self.stopping, Some(Outcome::RolledBack(_))) {
            self.stopping = Some(Outcome::RolledBack(why));
        }
        self.stop_waiting_steps();
        for (&other, active) in &self.active {
            if other != position
                && active.begun
                && topology.rolled_back_with(&self.shared.plan, other, &slot, &regions)
            {
                active.stop.store(true, Ordering::SeqCst);
                self.stopping_for_undo.insert(other);
            }
        }
        Ok(())
    }

    /// Once nothing more may start, steps still waiting for their gates
    /// are told to give up; steps that began run to their end.
    fn stop_waiting_steps(&self) {
        for active in self.active.values() {
            if !active.begun {
                active.stop.store(true, Ordering::SeqCst);
            }
        }
    }

    /// The deploy steps an alarm rolled back that began and are not undone
    /// yet, the latest first (reverse plan order: dependents before what
    /// they depend on).
    fn to_undo(&self) -> Vec<usize> {
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

    fn undo_pending(&self) -> bool {
        !self.replay.rollbacks.is_empty() && !self.to_undo().is_empty()
    }

    /// Undoes every deployment an alarm rolled back, one after another.
    fn undo(&mut self) -> Result<(), RunError> {
        for position in self.to_undo() {
            let step = self.id(position);
            append(
                &mut self.journal,
                Record::UndoStarted { step: step.clone() },
            )?;
            let (ok, detail) = self.undo_one(position);
            self.say(&format!(
                "undone     {step}{}",
                detail
                    .as_ref()
                    .map_or_else(String::new, |why| format!(": {why}"))
            ));
            append(&mut self.journal, Record::UndoFinished { step, ok, detail })?;
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
        let log = match super::process::Log::open(
            &shared.state.log_path(&step.id),
            shared.secrets.clone(),
        ) {
            Ok(log) => log,
            Err(error) => return (false, Some(format!("cannot open its log: {error}"))),
        };
        let invocation = match super::process::Invocation::of(
            &rollback.command,
            rollback.argv.as_ref(),
            deploy.shell,
        ) {
            Ok(invocation) => invocation,
            Err(error) => return (false, Some(format!("its rollback cannot run: {error}"))),
        };
        log.line(&format!("--- rollback of {} ---", step.id));
        log.line(&format!("$ {}", invocation.describe()));
        let attempt = self.replay.attempts.get(position).copied().unwrap_or(1);
        let mut set = worker::command_env(shared, step, attempt, &deploy.env);
        set.push(("PIPEC_ROLLBACK".to_string(), "true".to_string()));
        let spec = super::process::Spec {
            invocation,
            dir: shared.base_dir.clone(),
            set,
            remove: shared.removed_env(),
            timeout: None,
        };
        let ended = super::process::run(&spec, &log, || None);
        log.sync();
        match ended {
            super::process::Ended::Exited(Some(0)) => (true, None),
            super::process::Ended::Exited(code) => (
                false,
                Some(format!(
                    "its rollback failed ({})",
                    code.map_or_else(
                        || "a signal".to_string(),
                        |code| format!("exit status {code}")
                    )
                )),
            ),
            other => (false, Some(format!("its rollback failed: {other:?}"))),
        }
    }

    fn show_log_tail(&mut self, step: &str) {
        let path = self.shared.state.log_path(step);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines
            .get(lines.len().saturating_sub(10)..)
            .unwrap_or_default();
        let mut shown = format!("last lines of {}:", path.display());
        for line in tail {
            shown.push_str("\n    ");
            shown.push_str(line);
        }
        self.say(&shown);
    }

    fn outcome(&self) -> Outcome {
        if let Some(stopping) = &self.stopping {
            return stopping.clone();
        }
        let total = self.replay.statuses.len();
        if self.replay.finished() == total {
            return Outcome::Completed { steps: total };
        }
        if self.blocked.is_empty() {
            Outcome::Halted("steps remain that cannot start".to_string())
        } else {
            Outcome::Halted(self.blocked.join("; "))
        }
    }
}

fn message_position(message: &Message) -> usize {
    match message {
        Message::Waiting { position, .. }
        | Message::Overridden { position, .. }
        | Message::Begin { position, .. }
        | Message::Finished { position, .. } => *position,
    }
}
