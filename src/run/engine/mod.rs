//! The engine: replays the journal, and runs the plan: starts each ready
//! step's worker (in plan order, at most `--jobs` commands at once),
//! records every transition before acting on it, rolls back on an alarm,
//! and says how the run ended.

mod consistency;
#[cfg(test)]
mod disk_full_tests;
mod interrupt;
mod replay;
mod start;
mod undo;

pub use start::run;

use super::progress::Progress;
use super::scheduler::{Status, runs_command};
use super::state::journal::{Journal, Record, StepOutcome};
use super::worker::{self, Answer, Message, StepResult};
use super::{Options, Outcome, RunError, Shared};
use crate::export::plan_v1::{Gate, Params};
use replay::{Replay, Rollback};
use start::append;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

/// An active step: its worker's stop flag, whether it has begun, and
/// whether it holds a job slot. A step that runs a command takes a job when
/// its worker starts, gives it back while its gates make it wait (a window,
/// an alarm blocker), and takes one again before it starts.
struct Active {
    stop: Arc<AtomicBool>,
    begun: bool,
    slot: bool,
    /// Whether the step has asked to begin or said it waits: until then,
    /// steps after it in plan order are held back (see `parked`).
    settled: bool,
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
    /// Steps whose alarm is recorded, told by [`Message::Alarmed`], that
    /// have not finished yet.
    alarmed: BTreeSet<usize>,
    blocked: Vec<String>,
    /// Steps whose gates passed while every job was taken, by plan
    /// position, each with the answer it waits for.
    queued: BTreeMap<usize, Sender<Answer>>,
    /// Asks to begin, and waits, of steps that a step before them in plan
    /// order has not yet settled, by position and arrival: handled once
    /// it has, so that steps ready together start, and are shown, in plan
    /// order however their workers' gate checks race.
    parked: BTreeMap<(usize, u64), Message>,
    arrivals: u64,
}

impl<'o> Engine<'o> {
    fn new(
        shared: Arc<Shared>,
        journal: Journal,
        replay: Replay,
        options: &'o Options,
    ) -> Engine<'o> {
        let (sender, receiver) = mpsc::channel();
        let clock = shared.clock;
        Engine {
            shared,
            journal,
            replay,
            options,
            progress: Progress::new(options.terminal, clock),
            active: BTreeMap::new(),
            sender,
            receiver,
            stopping: None,
            stopping_for_undo: BTreeSet::new(),
            alarmed: BTreeSet::new(),
            blocked: Vec::new(),
            queued: BTreeMap::new(),
            parked: BTreeMap::new(),
            arrivals: 0,
        }
    }

    fn now(&self) -> String {
        self.shared
            .clock
            .now()
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// Shows a progress line of the runner's own words (its verbs, the
    /// plan's step ids, gates and alarms: a plan never holds a secret's
    /// value) and of text masked already, whole.
    fn say(&mut self, own: &str) {
        self.say_quoting(own, "");
    }

    /// Shows a progress line whose end, `quoted`, comes from elsewhere (a
    /// log's lines) and so is masked; `own` is shown whole, as
    /// [`Self::say`] shows it. Masking only what is quoted keeps the
    /// runner's words readable when a secret is a short, common string.
    fn say_quoting(&mut self, own: &str, quoted: &str) {
        let now = self.now();
        let text = format!("{own}{}", self.shared.secrets.mask(quoted));
        self.progress.event(&now, &text);
    }

    fn id(&self, position: usize) -> String {
        self.shared
            .plan
            .steps
            .get(position)
            .map_or_else(String::new, |step| step.id.to_string())
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
        let short: Vec<String> = self
            .shared
            .secrets
            .short()
            .into_iter()
            .map(str::to_string)
            .collect();
        for name in short {
            self.say(&format!(
                "warning: secret `{name}` is shorter than {} characters: every occurrence in command output is masked, which garbles the logs; use a longer secret",
                super::secrets::SHORT_SECRET
            ));
        }
        if let Some(rollback) = self.replay.rollbacks.first().cloned() {
            // The change was rolled back before: finish undoing, start
            // nothing.
            self.stopping = Some(Outcome::RolledBack(rollback.why));
            self.undo()?;
        }
        loop {
            if let Some(signal) = super::signals::received() {
                return self.interrupt(signal);
            }
            if self.stopping.is_none() {
                self.grant_queued();
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
            let mut messages = messages.into_iter();
            while let Some(message) = messages.next() {
                if let Err(error) = self.handle_in_order(message) {
                    return Err(self.abandon(error, messages.collect()));
                }
            }
            if self.stopping_for_undo.is_empty()
                && self.undo_pending()
                && let Err(error) = self.undo()
            {
                return Err(self.abandon(error, Vec::new()));
            }
        }
        Ok(self.outcome())
    }

    /// How many jobs no step holds.
    fn free_jobs(&self) -> usize {
        let held = self.active.values().filter(|active| active.slot).count();
        self.options.jobs.max(1).saturating_sub(held)
    }

    /// Gives the jobs that are free to the steps that wait for one, in plan
    /// order: each checks its gates again, then asks to begin.
    fn grant_queued(&mut self) {
        while self.free_jobs() > 0 {
            let Some((position, reply)) = self.queued.pop_first() else {
                break;
            };
            if let Some(active) = self.active.get_mut(&position) {
                active.slot = true;
            }
            let _ = reply.send(Answer::Recheck);
        }
    }

    /// Tells every step waiting for a job, or held back behind an earlier
    /// one, that nothing starts any more.
    fn refuse_queued(&mut self) {
        for (_, reply) in std::mem::take(&mut self.queued) {
            let _ = reply.send(Answer::Stop);
        }
        for (_, message) in std::mem::take(&mut self.parked) {
            if let Message::Begin { reply, .. } = message {
                let _ = reply.send(Answer::Stop);
            }
        }
    }

    /// Whether a step before `position` in plan order is active and has
    /// neither asked to begin nor said it waits.
    fn unsettled_before(&self, position: usize) -> bool {
        self.active
            .range(..position)
            .any(|(_, active)| !active.settled)
    }

    /// Handles `message`, holding back an ask to begin or a wait behind
    /// an unsettled step before it, then whatever held back it released.
    fn handle_in_order(&mut self, message: Message) -> Result<(), RunError> {
        match &message {
            Message::Begin { position, .. } | Message::Waiting { position, .. } => {
                let position = *position;
                if let Some(active) = self.active.get_mut(&position) {
                    active.settled = true;
                }
                if self.unsettled_before(position) {
                    self.arrivals += 1;
                    self.parked.insert((position, self.arrivals), message);
                    return Ok(());
                }
                self.handle(message)?;
            }
            _ => self.handle(message)?,
        }
        // Held back behind a step is everything after it too: released
        // from the first, until one is still held back.
        while let Some(&(position, arrival)) = self.parked.keys().next() {
            if self.unsettled_before(position) {
                break;
            }
            if let Some(message) = self.parked.remove(&(position, arrival)) {
                self.handle(message)?;
            }
        }
        Ok(())
    }

    fn start_ready(&mut self) {
        let ready = self.shared.topology.ready(&self.replay.statuses);
        let mut free = self.free_jobs();
        for position in ready {
            let Some(step) = self.shared.plan.steps.get(position) else {
                continue;
            };
            let slot = runs_command(step);
            if slot && free == 0 {
                continue;
            }
            if slot {
                free -= 1;
            }
            let stop = Arc::new(AtomicBool::new(false));
            self.active.insert(
                position,
                Active {
                    stop: stop.clone(),
                    begun: false,
                    slot,
                    settled: false,
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
                // Waiting at a gate holds no job.
                if let Some(active) = self.active.get_mut(&position)
                    && !active.begun
                {
                    active.slot = false;
                }
                let id = self.id(position);
                self.progress.status(position, &id, "waiting", None);
                self.say(&format!("waiting    {id}: {why}"));
            }
            Message::Overridden { position, gate } => {
                let step = self.id(position);
                let shown = format!("override   {step}: gate {gate}");
                append(&mut self.journal, Record::Overridden { step, gate })?;
                self.say(&shown);
            }
            Message::Begin { position, reply } => {
                let needs_job = self
                    .shared
                    .plan
                    .steps
                    .get(position)
                    .is_some_and(runs_command);
                if self.stopping.is_none() && needs_job {
                    let holds = self.active.get(&position).is_some_and(|active| active.slot);
                    if !holds && self.free_jobs() == 0 {
                        // Answered when a job is free.
                        self.queued.insert(position, reply);
                        return Ok(());
                    }
                    if let Some(active) = self.active.get_mut(&position) {
                        active.slot = true;
                    }
                }
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
                    let (what, lasts) =
                        match self.shared.plan.steps.get(position).map(|s| &s.params) {
                            Some(Params::Bake(bake)) => {
                                ("baking", Some(Duration::from_secs(bake.duration_seconds)))
                            }
                            _ => ("running", None),
                        };
                    self.progress.status(position, &step, what, lasts);
                    let again = if attempt > 1 {
                        format!(" (attempt {attempt})")
                    } else {
                        String::new()
                    };
                    self.say(&format!("started    {step}{again}"));
                    Some(attempt)
                };
                // A worker that is gone has nothing to start.
                let _ = reply.send(attempt.map_or(Answer::Stop, Answer::Start));
            }
            Message::Alarmed {
                position,
                alarm,
                regions,
                detail,
            } => {
                // Recorded before the step's command is stopped; undoing
                // waits for that step too, whose process group may take
                // its grace period to go.
                if self.alarmed.insert(position) {
                    self.alarm(position, &alarm, &regions, &detail)?;
                    self.stopping_for_undo.insert(position);
                }
            }
            Message::Finished { position, result } => self.finished(position, result)?,
        }
        Ok(())
    }

    fn finished(&mut self, position: usize, result: StepResult) -> Result<(), RunError> {
        // A failure's reason can quote what the runner did not write (an
        // error of the system's, a command as the plan or a flag gave
        // it): masked once, here, it is masked alike in the progress
        // line, the journal and the run's last line. The rest of what a
        // step's end says is the runner's words and the plan's names
        // (a note, which alarm is in alarm where), shown whole.
        let result = match result {
            StepResult::Failed(why) => StepResult::Failed(self.shared.secrets.mask(&why)),
            other => other,
        };
        self.active.remove(&position);
        self.progress.done(position);
        self.stopping_for_undo.remove(&position);
        // Whatever the step's end (its command may have failed as the
        // alarm fired), an alarm recorded early is not recorded again.
        let alarm_recorded = self.alarmed.remove(&position);
        let step = self.id(position);
        // What progress shows is shown only once its record is on disk: a
        // step shown `succeeded` is never run again by `--resume`.
        let (status, record, shown) = match &result {
            StepResult::Succeeded(note) => {
                let note = note
                    .as_ref()
                    .map_or_else(String::new, |note| format!(" ({note})"));
                (
                    Status::Succeeded,
                    Some((StepOutcome::Succeeded, None)),
                    format!("succeeded  {step}{note}"),
                )
            }
            StepResult::Failed(why) => {
                if self.stopping.is_none() {
                    self.stopping = Some(Outcome::Failed(format!("`{step}` failed: {why}")));
                    self.stop_waiting_steps();
                }
                (
                    Status::Failed,
                    Some((StepOutcome::Failed, Some(why.clone()))),
                    format!("failed     {step}: {why}"),
                )
            }
            StepResult::Alarm {
                alarm,
                regions,
                detail,
            } => {
                if !alarm_recorded {
                    self.alarm(position, alarm, regions, detail)?;
                }
                (
                    Status::RolledBack,
                    Some((
                        StepOutcome::RolledBack,
                        Some(format!("alarm `{alarm}`: {detail}")),
                    )),
                    format!("alarm      {step}: `{alarm}` in alarm: {detail}"),
                )
            }
            StepResult::Stopped => (
                Status::RolledBack,
                Some((
                    StepOutcome::RolledBack,
                    Some("stopped by a rollback".to_string()),
                )),
                format!("stopped    {step}: rolled back"),
            ),
            StepResult::Blocked(why) => {
                // One approval often gates many steps: say it once.
                if !self.blocked.contains(why) {
                    self.blocked.push(why.clone());
                }
                (
                    Status::Blocked(why.clone()),
                    None,
                    format!("blocked    {step}: {why}"),
                )
            }
            StepResult::NotStarted => {
                if let Some(current) = self.replay.statuses.get_mut(position) {
                    *current = Status::Pending;
                }
                return Ok(());
            }
        };
        if let Some((outcome, detail)) = record {
            // The record of the alarm (if any) is written first: a resume
            // must know the change was rolled back.
            append(
                &mut self.journal,
                Record::StepFinished {
                    step: step.clone(),
                    outcome,
                    detail,
                },
            )?;
        }
        self.say(&shown);
        if matches!(result, StepResult::Failed(_)) {
            self.show_log_tail(&step);
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
        let shared = self.shared.clone();
        let topology = &shared.topology;
        let slot = topology.slot(position).cloned().unwrap_or_default();
        // The step's region; for a step without one, every region of its
        // slot (a wave's bake undoes the wave).
        let regions: Vec<String> = match self.shared.plan.steps.get(position) {
            Some(watched) if watched.target.region.is_some() => watched
                .target
                .region
                .iter()
                .map(|region| region.to_string())
                .collect(),
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
                && topology.rolled_back_with(&shared.plan, other, &slot, &regions)
            {
                active.stop.store(true, Ordering::SeqCst);
                self.stopping_for_undo.insert(other);
            }
        }
        Ok(())
    }

    /// The journal cannot be written (a full disk, the state directory
    /// deleted): nothing more may happen that a `--resume` would not know
    /// of. Every active step is stopped (a running command is killed, as
    /// a rollback stops it), and the engine waits for every worker before
    /// giving up with `error`. `pending` are messages already received.
    fn abandon(&mut self, error: RunError, pending: Vec<Message>) -> RunError {
        // Whatever a step's end, nothing more can be recorded.
        let _ = self.stop_all_and_wait(pending, |_, _, _| Ok(()));
        self.progress.finish();
        error
    }

    /// Stops every active step (a running command's whole process group,
    /// as a rollback stops it) and waits for every worker: a step asking
    /// to begin is told not to, and each step that ends is handed to
    /// `ended` with whether it had begun. `pending` are messages already
    /// received. The first error of `ended` is returned once all are
    /// waited for: no worker outlives the engine's decision.
    fn stop_all_and_wait(
        &mut self,
        pending: Vec<Message>,
        mut ended: impl FnMut(&mut Self, usize, bool) -> Result<(), RunError>,
    ) -> Result<(), RunError> {
        for active in self.active.values() {
            active.stop.store(true, Ordering::SeqCst);
        }
        self.refuse_queued();
        let mut first_error = None;
        let mut pending = pending.into_iter();
        while !self.active.is_empty() {
            let message = match pending.next() {
                Some(message) => message,
                None => match self.receiver.recv_timeout(Duration::from_millis(200)) {
                    Ok(message) => message,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        self.progress.tick();
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
            };
            match message {
                Message::Begin { reply, .. } => {
                    let _ = reply.send(Answer::Stop);
                }
                Message::Finished { position, .. } => {
                    let begun = self
                        .active
                        .remove(&position)
                        .is_some_and(|active| active.begun);
                    self.progress.done(position);
                    if first_error.is_none()
                        && let Err(error) = ended(self, position, begun)
                    {
                        first_error = Some(error);
                    }
                }
                Message::Waiting { .. } | Message::Overridden { .. } | Message::Alarmed { .. } => {}
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Once nothing more may start, steps still waiting for their gates
    /// or for a job are told to give up; steps that began run to their end.
    fn stop_waiting_steps(&mut self) {
        for active in self.active.values() {
            if !active.begun {
                active.stop.store(true, Ordering::SeqCst);
            }
        }
        self.refuse_queued();
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
        let mut quoted = String::new();
        for line in tail {
            quoted.push_str("\n    ");
            quoted.push_str(line);
        }
        self.say_quoting(&format!("last lines of {}:", path.display()), &quoted);
    }

    fn outcome(&self) -> Outcome {
        if let Some(stopping) = &self.stopping {
            return stopping.clone();
        }
        let total = self.replay.statuses.len();
        if self.replay.finished() == total {
            return Outcome::Completed { steps: total };
        }
        match self.blocked.len() {
            0 => Outcome::Halted("steps remain that cannot start".to_string()),
            1..=3 => Outcome::Halted(self.blocked.join("; ")),
            more => Outcome::Halted(format!(
                "{}; and {} more (see above)",
                self.blocked
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
                more - 3
            )),
        }
    }
}

fn message_position(message: &Message) -> usize {
    match message {
        Message::Waiting { position, .. }
        | Message::Overridden { position, .. }
        | Message::Begin { position, .. }
        | Message::Alarmed { position, .. }
        | Message::Finished { position, .. } => *position,
    }
}
