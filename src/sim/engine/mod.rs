//! The discrete-event engine: a queue of timed actions on a virtual clock.
//!
//! Nothing sleeps and nothing polls. Time jumps from one action to the
//! next: a merge, a step's end, an alarm's edge, a gate's next chance
//! (a window's exact opening, an alarm blocker's clearing, an approval).
//! Actions at the same instant run in a fixed order (step ends, then
//! "bake time over" notes, then alarm edges, then merges, then start
//! attempts) and, within that, in the order they were queued, so the same
//! inputs always give the same timeline.

use super::alarm_timeline::AlarmTimeline;
use super::durations::{self, Estimate};
use super::gates::GateContext;
use super::model::Model;
use super::report::{Event, EventKind, RunEnding, Simulation};
use super::scenario::Scenario;
use super::traffic::Rates;
use jiff::{SignedDuration, Timestamp};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

mod finish;
mod rollback;
mod start;
mod summary;

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
        reached_horizon: false,
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
    /// Whether some action fell past the horizon.
    reached_horizon: bool,
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
                self.reached_horizon = true;
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
        if self.reached_horizon {
            self.halt_left_behind();
        }
    }

    pub(super) fn push(&mut self, at: Timestamp, action: Action) {
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
    pub(super) fn after(&self, at: Timestamp, seconds: u64) -> Timestamp {
        let past_horizon = self
            .horizon
            .checked_add(SignedDuration::from_secs(1))
            .unwrap_or(Timestamp::MAX);
        i64::try_from(seconds)
            .ok()
            .and_then(|seconds| at.checked_add(SignedDuration::from_secs(seconds)).ok())
            .map_or(past_horizon, |end| end.min(past_horizon))
    }

    pub(super) fn log(&mut self, change: usize, step: usize, kind: EventKind, reason: String) {
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

    pub(super) fn step_id(&self, step: usize) -> &str {
        self.model
            .plan
            .steps
            .get(step)
            .map_or("", |step| step.id.as_ref())
    }

    pub(super) fn state(&self, change: usize, step: usize) -> Option<&StepState> {
        self.changes.get(change).and_then(|c| c.steps.get(step))
    }

    pub(super) fn set_state(&mut self, change: usize, step: usize, state: StepState) {
        if let Some(slot) = self
            .changes
            .get_mut(change)
            .and_then(|c| c.steps.get_mut(step))
        {
            *slot = state;
        }
    }

    pub(super) fn is_active(&self, change: usize) -> bool {
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

    pub(super) fn make_ready(&mut self, change: usize, step: usize) {
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
}
