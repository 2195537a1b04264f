//! The discrete-event engine: a queue of timed actions on a virtual clock.
//!
//! Nothing sleeps and nothing polls. Time jumps from one action to the
//! next: a merge, a step's end, an alarm's edge, a gate's next chance
//! (a window's exact opening, an alarm blocker's clearing, an approval).
//! Actions at the same instant run in a fixed order (step ends, then
//! "bake time over" notes, then alarm edges, then merges, then start
//! attempts) and, within that, in the order they were queued, so the same
//! inputs always give the same timeline.

use super::alarm_timeline::{AlarmTimeline, Place};
use super::durations::{self, Estimate};
use super::gates::{self, ChangeView, GateContext, Verdict};
use super::model::Model;
use super::report::{
    ChangeSummary, Event, EventKind, Outcome, RegionStatus, RegionSummary, Run, RunEnding,
    Simulation,
};
use super::scenario::Scenario;
use super::traffic::{self, Rates};
use crate::export::plan_v1::{Measure, Params};
use jiff::{SignedDuration, Timestamp};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

/// How far the simulation looks: a year and a day from the start.
pub const HORIZON_DAYS: i64 = 366;

/// A change to simulate, resolved from the scenario.
#[derive(Debug, Clone)]
pub struct ChangeInput {
    /// Its id.
    pub id: String,
    /// When it merges.
    pub merged_at: Timestamp,
    /// Package versions its artifact contains.
    pub packages: Vec<String>,
    /// Git refs it was built from.
    pub git_refs: Vec<String>,
}

/// Runs the changes (sorted by merge time) through the plan, from `start`.
pub fn run(
    model: &Model<'_>,
    scenario: &Scenario,
    changes: Vec<ChangeInput>,
    start: Timestamp,
    auto_approve: bool,
) -> Simulation {
    let timeline = AlarmTimeline::new(&scenario.alarms);
    let rates = Rates::new(
        model.plan.regions.iter().map(|region| {
            (
                region.code.as_str(),
                region.attributes.get("traffic").map(String::as_str),
            )
        }),
        &scenario.traffic,
    );
    let horizon = start
        .checked_add(SignedDuration::from_hours(24 * HORIZON_DAYS))
        .unwrap_or(Timestamp::MAX);
    let estimates = model
        .plan
        .steps
        .iter()
        .zip(&model.steps)
        .map(|(step, info)| durations::estimate(step, info.scope, &scenario.durations))
        .collect();
    let slot_count = model.slots.len();
    let step_count = model.plan.steps.len();
    let mut slot_sizes = vec![0usize; slot_count];
    for info in &model.steps {
        if let Some(size) = slot_sizes.get_mut(info.slot) {
            *size += 1;
        }
    }
    let runs = changes
        .into_iter()
        .map(|input| ChangeRun {
            steps: vec![StepState::Pending; step_count],
            unmet: model.steps.iter().map(|info| info.needs.len()).collect(),
            slot_unfinished: slot_sizes.clone(),
            slot_running: vec![0; slot_count],
            finished_steps: 0,
            status: Status::Active,
            reason: None,
            awaiting_approval: BTreeSet::new(),
            finished_at: None,
            input,
        })
        .collect();
    let mut engine = Engine {
        model,
        context: GateContext {
            model,
            scenario,
            timeline: &timeline,
            auto_approve,
        },
        rates,
        estimates,
        start,
        horizon,
        now: start,
        queue: BinaryHeap::new(),
        next_seq: 0,
        changes: runs,
        holders: vec![None; slot_count],
        slot_waiters: vec![BTreeSet::new(); slot_count],
        events: Vec::new(),
        rolled_back: Vec::new(),
    };
    engine.run();
    engine.into_simulation()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Completed,
    RolledBack,
    Halted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StepState {
    /// Some need has not finished.
    Pending,
    /// Needs finished at `since`; waiting to start.
    Ready {
        since: Timestamp,
        /// The last waiting note logged, so that a retry with the same
        /// reason logs nothing.
        note: Option<String>,
        /// Whether an alarm blocker held it at the last attempt.
        blocked: bool,
    },
    Running {
        start: Timestamp,
    },
    Ended {
        start: Timestamp,
        end: Timestamp,
        ending: RunEnding,
    },
}

#[derive(Debug)]
struct ChangeRun {
    input: ChangeInput,
    status: Status,
    reason: Option<String>,
    steps: Vec<StepState>,
    /// Per step: needs not finished yet.
    unmet: Vec<usize>,
    /// Per slot: steps not finished yet.
    slot_unfinished: Vec<usize>,
    /// Per slot: steps running now.
    slot_running: Vec<usize>,
    finished_steps: usize,
    /// Steps waiting for an approval the scenario never gives.
    awaiting_approval: BTreeSet<usize>,
    finished_at: Option<Timestamp>,
}

/// What happens at a queued instant. The variant order is the order of
/// actions at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// A running step ends normally.
    Finish { change: usize, step: usize },
    /// A running step fails (a test past its timeout, data points that
    /// can never arrive).
    Fail { change: usize, step: usize },
    /// A bake's duration is over but its data points are not in yet.
    BakeTimeOver { change: usize, step: usize },
    /// Some alarm changes state.
    AlarmEdge,
    /// A change is merged: its first steps become ready.
    Merge { change: usize },
    /// A ready step tries to start.
    Try { change: usize, step: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    at: Timestamp,
    class: u8,
    seq: u64,
    action: Action,
}

struct Engine<'a> {
    model: &'a Model<'a>,
    context: GateContext<'a>,
    rates: Rates,
    estimates: Vec<Estimate>,
    start: Timestamp,
    horizon: Timestamp,
    now: Timestamp,
    queue: BinaryHeap<Reverse<Queued>>,
    next_seq: u64,
    changes: Vec<ChangeRun>,
    /// Per slot: the change inside it.
    holders: Vec<Option<usize>>,
    /// Per slot: ready steps waiting for it.
    slot_waiters: Vec<BTreeSet<(usize, usize)>>,
    events: Vec<Event>,
    /// Each rollback: change, slot, region, when.
    rolled_back: Vec<(usize, usize, String, Timestamp)>,
}

impl Engine<'_> {
    fn run(&mut self) {
        for change in 0..self.changes.len() {
            let at = self
                .changes
                .get(change)
                .map_or(self.start, |c| c.input.merged_at);
            self.push(at, Action::Merge { change });
        }
        let edges: Vec<Timestamp> = self.context.timeline.edges().to_vec();
        for edge in edges {
            if edge > self.start {
                self.push(edge, Action::AlarmEdge);
            }
        }
        while let Some(Reverse(queued)) = self.queue.pop() {
            if queued.at > self.horizon {
                self.now = self.horizon;
                self.beyond_horizon(queued.action);
                continue;
            }
            self.now = queued.at;
            match queued.action {
                Action::Merge { change } => self.merge(change),
                Action::Try { change, step } => self.try_start(change, step),
                Action::Finish { change, step } => self.finish(change, step),
                Action::Fail { change, step } => self.fail(change, step),
                Action::BakeTimeOver { change, step } => self.bake_time_over(change, step),
                Action::AlarmEdge => self.check_rollbacks(),
            }
        }
    }

    fn push(&mut self, at: Timestamp, action: Action) {
        let class = match action {
            Action::Finish { .. } | Action::Fail { .. } => 0,
            Action::BakeTimeOver { .. } => 1,
            Action::AlarmEdge => 2,
            Action::Merge { .. } => 3,
            Action::Try { .. } => 4,
        };
        self.next_seq += 1;
        self.queue.push(Reverse(Queued {
            at,
            class,
            seq: self.next_seq,
            action,
        }));
    }

    /// `seconds` after `at`, saturating just past the horizon.
    fn after(&self, at: Timestamp, seconds: u64) -> Timestamp {
        let past_horizon = self
            .horizon
            .checked_add(SignedDuration::from_secs(1))
            .unwrap_or(Timestamp::MAX);
        i64::try_from(seconds)
            .ok()
            .and_then(|seconds| at.checked_add(SignedDuration::from_secs(seconds)).ok())
            .map_or(past_horizon, |end| end.min(past_horizon))
    }

    fn log(&mut self, change: usize, step: usize, kind: EventKind, reason: String) {
        let step_id = self.step_id(step).to_string();
        let change_id = self
            .changes
            .get(change)
            .map(|c| c.input.id.clone())
            .unwrap_or_default();
        self.events.push(Event {
            at: self.now,
            step: step_id,
            change: change_id,
            kind,
            reason,
        });
    }

    fn step_id(&self, step: usize) -> &str {
        self.model
            .plan
            .steps
            .get(step)
            .map_or("", |step| step.id.as_str())
    }

    fn state(&self, change: usize, step: usize) -> Option<&StepState> {
        self.changes.get(change).and_then(|c| c.steps.get(step))
    }

    fn set_state(&mut self, change: usize, step: usize, state: StepState) {
        if let Some(slot) = self
            .changes
            .get_mut(change)
            .and_then(|c| c.steps.get_mut(step))
        {
            *slot = state;
        }
    }

    fn is_active(&self, change: usize) -> bool {
        self.changes
            .get(change)
            .is_some_and(|c| c.status == Status::Active)
    }

    fn merge(&mut self, change: usize) {
        let roots: Vec<usize> = self
            .model
            .steps
            .iter()
            .enumerate()
            .filter(|(_, info)| info.needs.is_empty())
            .map(|(idx, _)| idx)
            .collect();
        for step in roots {
            self.make_ready(change, step);
        }
        if self.model.steps.is_empty() {
            self.complete(change);
        }
    }

    fn make_ready(&mut self, change: usize, step: usize) {
        self.set_state(
            change,
            step,
            StepState::Ready {
                since: self.now,
                note: None,
                blocked: false,
            },
        );
        self.push(self.now, Action::Try { change, step });
    }

    // -----------------------------------------------------------------
    // Starting

    fn try_start(&mut self, change: usize, step: usize) {
        if !self.is_active(change) {
            return;
        }
        let Some(StepState::Ready { since, blocked, .. }) = self.state(change, step).cloned()
        else {
            return;
        };
        let Some(slot) = self.model.steps.get(step).map(|info| info.slot) else {
            return;
        };
        if let Some(reason) = self.slot_busy(change, slot) {
            self.note_waiting(change, step, EventKind::Waiting, reason, false);
            if let Some(waiters) = self.slot_waiters.get_mut(slot) {
                waiters.insert((change, step));
            }
            return;
        }
        let verdict = {
            let Some(run) = self.changes.get(change) else {
                return;
            };
            let view = ChangeView {
                id: &run.input.id,
                packages: &run.input.packages,
                git_refs: &run.input.git_refs,
            };
            gates::check(&self.context, view, step, since, self.now)
        };
        match verdict {
            Verdict::Pass { notes } => {
                if blocked {
                    self.log(
                        change,
                        step,
                        EventKind::Unblocked,
                        "the alarm blocker cleared".to_string(),
                    );
                }
                self.start(change, step, notes);
            }
            Verdict::Wait {
                until,
                reasons,
                blocked: now_blocked,
            } => {
                if blocked && !now_blocked {
                    self.log(
                        change,
                        step,
                        EventKind::Unblocked,
                        "the alarm blocker cleared".to_string(),
                    );
                }
                let kind = if now_blocked {
                    EventKind::Blocked
                } else {
                    EventKind::Waiting
                };
                self.note_waiting(change, step, kind, reasons.join("; "), now_blocked);
                self.push(until, Action::Try { change, step });
            }
            Verdict::NoApproval { reason } => {
                self.note_waiting(change, step, EventKind::Waiting, reason, false);
                if let Some(run) = self.changes.get_mut(change) {
                    run.awaiting_approval.insert(step);
                }
            }
            Verdict::Halt {
                reason,
                blocked: by_blocker,
            } => {
                if by_blocker {
                    self.log(change, step, EventKind::Blocked, reason.clone());
                }
                self.halt(change, step, Status::Halted, reason);
            }
        }
    }

    /// Logs a waiting or blocked note unless the same note was logged at
    /// the step's last attempt.
    fn note_waiting(
        &mut self,
        change: usize,
        step: usize,
        kind: EventKind,
        reason: String,
        blocked: bool,
    ) {
        let Some(StepState::Ready { since, note, .. }) = self.state(change, step).cloned() else {
            return;
        };
        let text = format!("{}: {reason}", kind.as_str());
        if note.as_deref() != Some(text.as_str()) {
            self.log(change, step, kind, reason);
        }
        self.set_state(
            change,
            step,
            StepState::Ready {
                since,
                note: Some(text),
                blocked,
            },
        );
    }

    /// Why `change` may not enter `slot` now: another change is inside, or
    /// an older change still has to go through it (changes never overtake).
    fn slot_busy(&self, change: usize, slot: usize) -> Option<String> {
        let slot_name = self
            .model
            .slots
            .get(slot)
            .map(|s| s.name())
            .unwrap_or_default();
        if let Some(Some(holder)) = self.holders.get(slot)
            && *holder != change
        {
            let id = self
                .changes
                .get(*holder)
                .map_or("", |c| c.input.id.as_str());
            return Some(format!("{slot_name} holds change {id}"));
        }
        let older = self.changes.iter().take(change).find(|older| {
            older.status == Status::Active
                && older
                    .slot_unfinished
                    .get(slot)
                    .is_some_and(|left| *left > 0)
        })?;
        Some(format!(
            "change {} goes through {slot_name} first",
            older.input.id
        ))
    }

    fn start(&mut self, change: usize, step: usize, notes: Vec<String>) {
        let Some(info) = self.model.steps.get(step) else {
            return;
        };
        let slot = info.slot;
        if let Some(holder) = self.holders.get_mut(slot) {
            *holder = Some(change);
        }
        if let Some(running) = self
            .changes
            .get_mut(change)
            .and_then(|run| run.slot_running.get_mut(slot))
        {
            *running += 1;
        }
        self.set_state(change, step, StepState::Running { start: self.now });
        let mut reason = if info.needs.is_empty() {
            "merged".to_string()
        } else {
            "needs finished".to_string()
        };
        let passed = info.gates.len().saturating_sub(notes.len());
        if passed > 0 {
            reason.push_str(&format!(", {passed} gate(s) pass"));
        }
        for note in notes {
            reason.push_str(&format!(", {note}"));
        }
        self.log(change, step, EventKind::Started, reason);
        self.schedule_end(change, step);
        self.check_rollback(change, step);
    }

    /// Queues the end of a step that just started.
    fn schedule_end(&mut self, change: usize, step: usize) {
        let Some(plan_step) = self.model.plan.steps.get(step) else {
            return;
        };
        let seconds = self.estimates.get(step).map_or(0, |e| e.seconds);
        match &plan_step.params {
            Params::Approval(approval) => {
                let role = approval.role.clone();
                let change_id = self
                    .changes
                    .get(change)
                    .map(|c| c.input.id.clone())
                    .unwrap_or_default();
                match gates::approval_time(
                    &self.context,
                    &change_id,
                    &plan_step.id,
                    &role,
                    self.now,
                ) {
                    Some(given) => self.push(given.max(self.now), Action::Finish { change, step }),
                    None => {
                        self.log(
                            change,
                            step,
                            EventKind::Waiting,
                            format!("approval by {role}: the scenario gives none"),
                        );
                        if let Some(run) = self.changes.get_mut(change) {
                            run.awaiting_approval.insert(step);
                        }
                    }
                }
            }
            Params::Test(test) if seconds > test.timeout_seconds => {
                let at = self.after(self.now, test.timeout_seconds);
                self.push(at, Action::Fail { change, step });
            }
            Params::Bake(_) => {
                let shortest = self.after(self.now, seconds);
                match self.data_point_seconds(step) {
                    Some(data) if data <= seconds => {
                        self.push(shortest, Action::Finish { change, step })
                    }
                    Some(data) => {
                        self.push(shortest, Action::BakeTimeOver { change, step });
                        let end = self.after(self.now, data);
                        self.push(end, Action::Finish { change, step });
                    }
                    None => {
                        self.push(shortest, Action::BakeTimeOver { change, step });
                        self.push(shortest, Action::Fail { change, step });
                    }
                }
            }
            _ => {
                let end = self.after(self.now, seconds);
                self.push(end, Action::Finish { change, step });
            }
        }
    }

    /// Seconds until every data-point requirement of a bake is met in every
    /// region it watches; `None` if one never is.
    fn data_point_seconds(&self, step: usize) -> Option<u64> {
        let (Some(plan_step), Some(info)) =
            (self.model.plan.steps.get(step), self.model.steps.get(step))
        else {
            return Some(0);
        };
        let Params::Bake(bake) = &plan_step.params else {
            return Some(0);
        };
        let mut longest = 0u64;
        for requirement in &bake.data_points {
            let rates: Vec<u64> = if info.watch.is_empty() {
                vec![self.rates.untiered()]
            } else {
                info.watch
                    .iter()
                    .map(|region| self.rates.per_minute(region))
                    .collect()
            };
            for rate in rates {
                longest = longest.max(traffic::seconds_for(requirement.count, rate, info.share)?);
            }
        }
        Some(longest)
    }

    /// The slowest data-point requirement of a bake, for messages.
    fn data_point_text(&self, step: usize) -> String {
        let Some(Params::Bake(bake)) = self.model.plan.steps.get(step).map(|s| &s.params) else {
            return String::new();
        };
        let watch = self
            .model
            .steps
            .get(step)
            .map(|info| info.watch.clone())
            .unwrap_or_default();
        let place = if watch.is_empty() {
            "its stage".to_string()
        } else {
            watch.join(", ")
        };
        let wanted: Vec<String> = bake
            .data_points
            .iter()
            .map(|requirement| {
                let measure = match requirement.measure {
                    Measure::Requests => "requests",
                    Measure::Datapoints => "datapoints",
                };
                format!("{} {measure}(\"{}\")", requirement.count, requirement.name)
            })
            .collect();
        format!("{} in {place}", wanted.join(" and "))
    }

    // -----------------------------------------------------------------
    // Ending

    fn finish(&mut self, change: usize, step: usize) {
        let Some(StepState::Running { start }) = self.state(change, step).cloned() else {
            return;
        };
        self.set_state(
            change,
            step,
            StepState::Ended {
                start,
                end: self.now,
                ending: RunEnding::Finished,
            },
        );
        let reason = self.finish_reason(step, start);
        self.log(change, step, EventKind::Finished, reason);
        let Some(info) = self.model.steps.get(step) else {
            return;
        };
        let slot = info.slot;
        let active = self.is_active(change);
        let mut ready = Vec::new();
        if let Some(run) = self.changes.get_mut(change) {
            run.finished_steps += 1;
            if let Some(running) = run.slot_running.get_mut(slot) {
                *running = running.saturating_sub(1);
            }
            if let Some(left) = run.slot_unfinished.get_mut(slot) {
                *left = left.saturating_sub(1);
            }
            if active {
                for &dependent in &info.dependents {
                    if let Some(unmet) = run.unmet.get_mut(dependent) {
                        *unmet = unmet.saturating_sub(1);
                        if *unmet == 0 {
                            ready.push(dependent);
                        }
                    }
                }
            }
        }
        for dependent in ready {
            self.make_ready(change, dependent);
        }
        let all_done = self
            .changes
            .get(change)
            .is_some_and(|run| run.finished_steps == run.steps.len());
        if active && all_done {
            self.complete(change);
        }
        self.release_slot(slot);
    }

    fn finish_reason(&self, step: usize, start: Timestamp) -> String {
        let took =
            durations::human(u64::try_from(self.now.as_second() - start.as_second()).unwrap_or(0));
        let Some(plan_step) = self.model.plan.steps.get(step) else {
            return took;
        };
        let why = self.estimates.get(step).map_or("", |e| e.why.as_str());
        match &plan_step.params {
            Params::Approval(approval) => format!("approved by {}", approval.role),
            Params::Gate(_) => "gates passed".to_string(),
            Params::Bake(bake) if bake.data_points.is_empty() => format!("baked {took} ({why})"),
            Params::Bake(_) => format!(
                "baked {took}, data points in: {}",
                self.data_point_text(step)
            ),
            _ => format!("took {took} ({why})"),
        }
    }

    fn bake_time_over(&mut self, change: usize, step: usize) {
        if !matches!(self.state(change, step), Some(StepState::Running { .. })) {
            return;
        }
        let reason = format!(
            "bake duration over; waiting for {}",
            self.data_point_text(step)
        );
        self.log(change, step, EventKind::Waiting, reason);
    }

    fn fail(&mut self, change: usize, step: usize) {
        let Some(StepState::Running { start }) = self.state(change, step).cloned() else {
            return;
        };
        self.end_running(change, step, start, RunEnding::Stopped);
        let reason = match self.model.plan.steps.get(step).map(|s| &s.params) {
            Some(Params::Test(test)) => format!(
                "the test ran past its timeout of {}",
                durations::human(test.timeout_seconds)
            ),
            _ => format!(
                "{} can never arrive: no traffic reaches this step",
                self.data_point_text(step)
            ),
        };
        self.halt(change, step, Status::Halted, reason);
        if let Some(slot) = self.model.steps.get(step).map(|info| info.slot) {
            self.release_slot(slot);
        }
    }

    /// Ends a running step early (rolled back or stopped).
    fn end_running(&mut self, change: usize, step: usize, start: Timestamp, ending: RunEnding) {
        self.set_state(
            change,
            step,
            StepState::Ended {
                start,
                end: self.now,
                ending,
            },
        );
        let Some(slot) = self.model.steps.get(step).map(|info| info.slot) else {
            return;
        };
        if let Some(running) = self
            .changes
            .get_mut(change)
            .and_then(|run| run.slot_running.get_mut(slot))
        {
            *running = running.saturating_sub(1);
        }
    }

    fn complete(&mut self, change: usize) {
        let now = self.now;
        if let Some(run) = self.changes.get_mut(change) {
            run.status = Status::Completed;
            run.finished_at = Some(now);
        }
        self.wake_all();
    }

    /// Stops a change: it is promoted no further. Its running steps go on
    /// to their end (and stay watched by their rollback alarms).
    fn halt(&mut self, change: usize, step: usize, status: Status, reason: String) {
        if !self.is_active(change) {
            return;
        }
        let now = self.now;
        if let Some(run) = self.changes.get_mut(change) {
            run.status = status;
            run.reason = Some(reason.clone());
            run.finished_at = Some(now);
        }
        self.log(change, step, EventKind::Halted, reason);
        for slot in 0..self.holders.len() {
            self.release_slot(slot);
        }
        self.wake_all();
    }

    /// Frees a slot whose holder is done with it: every step of the slot
    /// finished, or the change stopped and nothing of it runs there.
    fn release_slot(&mut self, slot: usize) {
        let Some(Some(holder)) = self.holders.get(slot).copied() else {
            return;
        };
        let done = self.changes.get(holder).is_none_or(|run| {
            let unfinished = run.slot_unfinished.get(slot).copied().unwrap_or(0);
            let running = run.slot_running.get(slot).copied().unwrap_or(0);
            unfinished == 0 || (run.status != Status::Active && running == 0)
        });
        if done {
            if let Some(holder) = self.holders.get_mut(slot) {
                *holder = None;
            }
            self.wake(slot);
        }
    }

    fn wake(&mut self, slot: usize) {
        let waiters = self
            .slot_waiters
            .get_mut(slot)
            .map(std::mem::take)
            .unwrap_or_default();
        for (change, step) in waiters {
            self.push(self.now, Action::Try { change, step });
        }
    }

    fn wake_all(&mut self) {
        for slot in 0..self.slot_waiters.len() {
            self.wake(slot);
        }
    }

    // -----------------------------------------------------------------
    // Rollback

    /// At an alarm edge: every running step watched by a rollback alarm.
    fn check_rollbacks(&mut self) {
        for change in 0..self.changes.len() {
            for step in 0..self.model.steps.len() {
                if matches!(self.state(change, step), Some(StepState::Running { .. })) {
                    self.check_rollback(change, step);
                }
            }
        }
    }

    /// Rolls back if the step's rollback alarm is true where it watches.
    fn check_rollback(&mut self, change: usize, step: usize) {
        let (Some(info), Some(plan_step)) =
            (self.model.steps.get(step), self.model.plan.steps.get(step))
        else {
            return;
        };
        let Some(expr) = info.rollback.and_then(|alarm| self.model.alarms.get(alarm)) else {
            return;
        };
        let alarm_id = plan_step.rollback_alarm.clone().unwrap_or_default();
        let timeline = self.context.timeline;
        let firing: Vec<(Option<String>, String)> = if info.watch.is_empty() {
            timeline
                .is_true(expr, Place::Global, self.now)
                .then(|| {
                    (
                        None,
                        gates::firing_names(timeline, expr, Place::Global, self.now),
                    )
                })
                .into_iter()
                .collect()
        } else {
            info.watch
                .iter()
                .filter(|region| timeline.is_true(expr, Place::Region(region), self.now))
                .map(|region| {
                    (
                        Some(region.clone()),
                        gates::firing_names(timeline, expr, Place::Region(region), self.now),
                    )
                })
                .collect()
        };
        let Some((first_region, names)) = firing.first().cloned() else {
            return;
        };
        let where_text = first_region
            .as_deref()
            .map_or(String::new(), |region| format!(" in {region}"));
        let reason = format!("rollback alarm {alarm_id} fires{where_text}: {names}");
        // A step on a region rolls back its region; a step on a whole wave
        // (its bake) rolls back every region of the wave.
        let regions: Vec<String> = match &plan_step.target.region {
            Some(region) => vec![region.clone()],
            None => info.watch.clone(),
        };
        self.roll_back(change, step, &regions, reason);
    }

    /// Rolls back `change` in `regions` of the triggering step's slot:
    /// its running steps there (and the slot's region-less steps) stop,
    /// its finished deployments there are undone, and the change halts.
    fn roll_back(&mut self, change: usize, trigger: usize, regions: &[String], reason: String) {
        let Some(slot) = self.model.steps.get(trigger).map(|info| info.slot) else {
            return;
        };
        let slot_steps = self
            .model
            .slots
            .get(slot)
            .map(|s| s.steps.clone())
            .unwrap_or_default();
        let in_scope = |engine: &Self, step: usize| {
            engine.model.plan.steps.get(step).is_some_and(|s| {
                s.target
                    .region
                    .as_ref()
                    .is_none_or(|region| regions.contains(region))
            })
        };
        for &step in &slot_steps {
            if !in_scope(self, step) {
                continue;
            }
            if let Some(StepState::Running { start }) = self.state(change, step).cloned() {
                self.end_running(change, step, start, RunEnding::RolledBack);
                self.log(change, step, EventKind::RolledBack, reason.clone());
            }
        }
        for region in regions {
            let undone: Vec<usize> = slot_steps
                .iter()
                .copied()
                .filter(|&step| {
                    let is_deploy = self.model.plan.steps.get(step).is_some_and(|s| {
                        matches!(s.params, Params::Deploy(_))
                            && s.target.region.as_ref() == Some(region)
                    });
                    is_deploy
                        && matches!(
                            self.state(change, step),
                            Some(StepState::Ended {
                                ending: RunEnding::Finished,
                                ..
                            })
                        )
                })
                .collect();
            if let Some(&last) = undone.last() {
                self.log(
                    change,
                    last,
                    EventKind::RolledBack,
                    format!(
                        "{region} back on the previous version: {} finished deployment(s) undone",
                        undone.len()
                    ),
                );
            }
            self.mark_region_rolled_back(change, slot, region);
        }
        let halt_reason = if regions.is_empty() {
            format!("promoted no further: {reason}")
        } else {
            format!("promoted no further: rolled back in {}", regions.join(", "))
        };
        if self.is_active(change) {
            self.halt(change, trigger, Status::RolledBack, halt_reason);
        } else if let Some(run) = self.changes.get_mut(change) {
            // Already stopped for another reason: the rollback is the
            // weightier fact about it.
            run.status = Status::RolledBack;
            run.reason = Some(halt_reason);
        }
        self.release_slot(slot);
    }

    fn mark_region_rolled_back(&mut self, change: usize, slot: usize, region: &str) {
        let now = self.now;
        let known = self
            .rolled_back
            .iter()
            .any(|(known, known_slot, known_region, _)| {
                *known == change && *known_slot == slot && known_region == region
            });
        if !known {
            self.rolled_back
                .push((change, slot, region.to_string(), now));
        }
    }

    // -----------------------------------------------------------------
    // The horizon and the result

    /// An action past the horizon: a change still making progress stops
    /// there; alarm edges and the ends of steps of stopped changes are
    /// dropped.
    fn beyond_horizon(&mut self, action: Action) {
        let (change, step) = match action {
            Action::AlarmEdge => return,
            Action::Merge { change } => {
                let first = self
                    .model
                    .steps
                    .iter()
                    .position(|info| info.needs.is_empty())
                    .unwrap_or(0);
                (change, first)
            }
            Action::Try { change, step }
            | Action::Finish { change, step }
            | Action::Fail { change, step }
            | Action::BakeTimeOver { change, step } => (change, step),
        };
        let reason =
            format!("the simulation stops at its horizon, {HORIZON_DAYS} days after the start");
        self.halt(change, step, Status::Halted, reason);
    }

    fn into_simulation(self) -> Simulation {
        let plan = self.model.plan;
        let mut runs: Vec<Run> = Vec::new();
        for run in &self.changes {
            for (step, state) in run.steps.iter().enumerate() {
                let (start, end, ending) = match state {
                    StepState::Running { start } => (*start, None, RunEnding::Unfinished),
                    StepState::Ended { start, end, ending } => (*start, Some(*end), *ending),
                    StepState::Pending | StepState::Ready { .. } => continue,
                };
                runs.push(Run {
                    change: run.input.id.clone(),
                    step,
                    start,
                    end,
                    ending,
                });
            }
        }
        let last_event = self.events.iter().map(|event| event.at).max();
        let finished_at = last_event.unwrap_or(self.start).max(self.start);
        let changes: Vec<ChangeSummary> = self
            .changes
            .iter()
            .enumerate()
            .map(|(idx, run)| self.change_summary(idx, run))
            .collect();
        let regions = self.region_summaries();
        let outcome = if changes.iter().all(|c| c.outcome == Outcome::Completed) {
            Outcome::Completed
        } else if changes.iter().any(|c| c.outcome == Outcome::RolledBack) {
            Outcome::RolledBack
        } else if changes.iter().any(|c| c.outcome == Outcome::Halted) {
            Outcome::Halted
        } else {
            Outcome::Waiting
        };
        let local_zone = self.model.gates.iter().find_map(|gate| match &gate.check {
            super::model::GateCheck::Window(window) => {
                Some((window.zone_name().to_string(), window.zone().clone()))
            }
            _ => None,
        });
        let rolled_back = self
            .rolled_back
            .iter()
            .map(
                |(change, slot, region, at)| super::report::RollbackSummary {
                    region: region.clone(),
                    stage: self
                        .model
                        .slots
                        .get(*slot)
                        .map(|slot| slot.name())
                        .unwrap_or_default(),
                    change: self
                        .changes
                        .get(*change)
                        .map(|run| run.input.id.clone())
                        .unwrap_or_default(),
                    at: *at,
                },
            )
            .collect();
        Simulation {
            pipeline: plan.pipeline.clone(),
            started_at: self.start,
            finished_at,
            outcome,
            events: self.events,
            changes,
            regions,
            rolled_back,
            runs,
            slots: self.model.slots.iter().map(|slot| slot.name()).collect(),
            steps: plan
                .steps
                .iter()
                .zip(&self.model.steps)
                .map(|(step, info)| super::report::StepSummary {
                    id: step.id.clone(),
                    slot: info.slot,
                    region: step.target.region.clone(),
                })
                .collect(),
            local_zone,
        }
    }

    fn change_summary(&self, idx: usize, run: &ChangeRun) -> ChangeSummary {
        let last_event = self
            .events
            .iter()
            .filter(|event| event.change == run.input.id)
            .map(|event| event.at)
            .max();
        let (outcome, reason) = match run.status {
            Status::Completed => (Outcome::Completed, None),
            Status::RolledBack => (Outcome::RolledBack, run.reason.clone()),
            Status::Halted => (Outcome::Halted, run.reason.clone()),
            Status::Active => {
                let waiting: Vec<&str> = run
                    .awaiting_approval
                    .iter()
                    .map(|&step| self.step_id(step))
                    .collect();
                if waiting.is_empty() {
                    (
                        Outcome::Halted,
                        Some("no step can start any more".to_string()),
                    )
                } else {
                    (
                        Outcome::Waiting,
                        Some(format!("waiting for approval at {}", waiting.join(", "))),
                    )
                }
            }
        };
        let finished_at = run.finished_at.or(last_event);
        let deploys: Vec<usize> = self
            .model
            .steps
            .iter()
            .enumerate()
            .filter(|(_, info)| info.production_deploy)
            .map(|(step, _)| step)
            .collect();
        let rolled_back_anywhere = self.rolled_back.iter().any(|(change, ..)| *change == idx);
        let mut last_region_at: Option<Timestamp> = None;
        let mut every_region = !deploys.is_empty() && !rolled_back_anywhere;
        for &step in &deploys {
            match run.steps.get(step) {
                Some(StepState::Ended {
                    end,
                    ending: RunEnding::Finished,
                    ..
                }) => last_region_at = last_region_at.max(Some(*end)),
                _ => every_region = false,
            }
        }
        ChangeSummary {
            id: run.input.id.clone(),
            merged_at: run.input.merged_at,
            outcome,
            reason,
            finished_at,
            last_region_at: last_region_at.filter(|_| every_region),
        }
    }

    /// What each production region runs at the end: the newest change
    /// that deployed there, fully or partly (a one-box runs it); where
    /// every change that got there was rolled back, the newest rollback.
    fn region_summaries(&self) -> Vec<RegionSummary> {
        let plan = self.model.plan;
        self.model
            .production_regions
            .iter()
            .map(|(region, wave)| {
                let deploys: Vec<usize> = plan
                    .steps
                    .iter()
                    .zip(&self.model.steps)
                    .enumerate()
                    .filter(|(_, (step, info))| {
                        info.production_deploy && step.target.region.as_ref() == Some(region)
                    })
                    .map(|(idx, _)| idx)
                    .collect();
                let mut fallback: Option<RegionSummary> = None;
                for (idx, run) in self.changes.iter().enumerate().rev() {
                    let rolled_back_at = self
                        .rolled_back
                        .iter()
                        .find(|(change, slot, known, _)| {
                            *change == idx
                                && known == region
                                && self
                                    .model
                                    .slots
                                    .get(*slot)
                                    .is_some_and(|slot| slot.stage == "production")
                        })
                        .map(|(.., at)| *at);
                    let finished: Vec<Timestamp> = deploys
                        .iter()
                        .filter_map(|&step| match run.steps.get(step) {
                            Some(StepState::Ended {
                                end,
                                ending: RunEnding::Finished,
                                ..
                            }) => Some(*end),
                            _ => None,
                        })
                        .collect();
                    let status = if rolled_back_at.is_some() {
                        RegionStatus::RolledBack
                    } else if !deploys.is_empty() && finished.len() == deploys.len() {
                        RegionStatus::Deployed
                    } else if !finished.is_empty() {
                        RegionStatus::Partial
                    } else {
                        continue;
                    };
                    let summary = RegionSummary {
                        region: region.clone(),
                        wave: wave.clone(),
                        status,
                        change: Some(run.input.id.clone()),
                        deployed_at: finished
                            .iter()
                            .max()
                            .copied()
                            .filter(|_| status == RegionStatus::Deployed),
                        rolled_back_at,
                    };
                    if status != RegionStatus::RolledBack {
                        return summary;
                    }
                    fallback.get_or_insert(summary);
                }
                fallback.unwrap_or(RegionSummary {
                    region: region.clone(),
                    wave: wave.clone(),
                    status: RegionStatus::NotReached,
                    change: None,
                    deployed_at: None,
                    rolled_back_at: None,
                })
            })
            .collect()
    }
}
