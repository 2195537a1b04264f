//! What a simulation produces: the timeline of events and the summary.
//! Renderers (`sim::output`) turn it into text, JSON or a Mermaid chart.

use jiff::Timestamp;

/// Everything a simulation found.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The simulated pipeline.
    pub pipeline: String,
    /// When the simulation starts: the first merge.
    pub started_at: Timestamp,
    /// The last event's time (the start when nothing happened).
    pub finished_at: Timestamp,
    /// How the run ended, over all changes.
    pub outcome: Outcome,
    /// The timeline, in time order.
    pub events: Vec<Event>,
    /// Each change, in merge order.
    pub changes: Vec<ChangeSummary>,
    /// Each production region, in plan order.
    pub regions: Vec<RegionSummary>,
    /// Every rollback of a change in a region, in time order.
    pub rolled_back: Vec<RollbackSummary>,
    /// Each step run: when it started and how it ended.
    pub runs: Vec<Run>,
    /// The stage slots, in plan order: `production/first`.
    pub slots: Vec<String>,
    /// Each step of the plan, in plan order.
    pub steps: Vec<StepSummary>,
    /// The zone used to show local times (the first window's), if any.
    pub local_zone: Option<(String, jiff::tz::TimeZone)>,
}

impl Simulation {
    /// Whether the scenario has several changes, so that events and
    /// summaries name them.
    pub fn several_changes(&self) -> bool {
        self.changes.len() > 1
    }

    /// Completed changes per day over the simulated span, to three
    /// significant digits, so that a small frequency is not written as 0
    /// (one change over a year is 0.00273); `None` when no time passed.
    pub fn deployments_per_day(&self) -> Option<f64> {
        let span = self.finished_at.as_second() - self.started_at.as_second();
        if span <= 0 {
            return None;
        }
        let completed = self
            .changes
            .iter()
            .filter(|change| change.outcome == Outcome::Completed)
            .count();
        // Counts and spans are far below 2^52: the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let per_day = completed as f64 * 86_400.0 / span as f64;
        // Written with three significant digits and read back: the
        // nearest `f64` to that decimal, which prints as it.
        let rounded = format!("{per_day:.2e}").parse().unwrap_or(per_day);
        Some(rounded)
    }
}

/// A step of the plan, as renderers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSummary {
    /// Its id.
    pub id: String,
    /// Its slot's index in [`Simulation::slots`].
    pub slot: usize,
    /// The region it targets, if any.
    pub region: Option<String>,
}

/// How a change (or the whole run) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Every step finished.
    Completed,
    /// An alarm rolled a deployment back; the change went no further.
    RolledBack,
    /// Stopped for another reason: an artifact blocker, a window that
    /// never opens, an alarm blocker that never clears, a test that timed
    /// out, data points that never arrive, the horizon.
    Halted,
    /// Waiting for an approval the scenario never gives.
    Waiting,
}

impl Outcome {
    /// The word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled_back",
            Outcome::Halted => "halted",
            Outcome::Waiting => "waiting",
        }
    }
}

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// The step's id.
    pub step: String,
    /// The change's id.
    pub change: String,
    /// What happened.
    pub kind: EventKind,
    /// Why, for people.
    pub reason: String,
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Ready, but a window, an approval, data points or its stage hold it.
    Waiting,
    /// It started.
    Started,
    /// It finished.
    Finished,
    /// An alarm blocker or an artifact blocker holds it.
    Blocked,
    /// The alarm blocker that held it cleared.
    Unblocked,
    /// An alarm rolled it (or its region's deployments) back.
    RolledBack,
    /// The change stops here.
    Halted,
}

impl EventKind {
    /// The word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Waiting => "waiting",
            EventKind::Started => "started",
            EventKind::Finished => "finished",
            EventKind::Blocked => "blocked",
            EventKind::Unblocked => "unblocked",
            EventKind::RolledBack => "rolled_back",
            EventKind::Halted => "halted",
        }
    }
}

/// One change's fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Its id.
    pub id: String,
    /// When it was merged.
    pub merged_at: Timestamp,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it stopped, unless it completed.
    pub reason: Option<String>,
    /// When its last step ended.
    pub finished_at: Option<Timestamp>,
    /// When its last production region finished deploying, if it reached
    /// every one.
    pub last_region_at: Option<Timestamp>,
}

impl ChangeSummary {
    /// Merge to last region, in seconds.
    pub fn lead_time_seconds(&self) -> Option<i64> {
        self.last_region_at
            .map(|last| last.as_second() - self.merged_at.as_second())
    }
}

/// What a production region runs at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSummary {
    /// The region.
    pub region: String,
    /// Its wave.
    pub wave: Option<String>,
    /// Its state.
    pub status: RegionStatus,
    /// The change it concerns (the newest one that got there), if any.
    pub change: Option<String>,
    /// When that change finished deploying there.
    pub deployed_at: Option<Timestamp>,
    /// When that change was rolled back there.
    pub rolled_back_at: Option<Timestamp>,
}

/// A change rolled back in a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackSummary {
    /// The region.
    pub region: String,
    /// The stage slot it was rolled back in: `production/first`, `gamma`.
    pub stage: String,
    /// The change.
    pub change: String,
    /// When.
    pub at: Timestamp,
}

/// A production region's state at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionStatus {
    /// Every deployment of the change there finished.
    Deployed,
    /// Some did (say, the one-box) and the change stopped.
    Partial,
    /// An alarm rolled the change back there.
    RolledBack,
    /// No change reached it.
    NotReached,
}

impl RegionStatus {
    /// The word used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionStatus::Deployed => "deployed",
            RegionStatus::Partial => "partial",
            RegionStatus::RolledBack => "rolled_back",
            RegionStatus::NotReached => "not_reached",
        }
    }
}

/// One step run of one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The change.
    pub change: String,
    /// The step's index in the plan.
    pub step: usize,
    /// When it started.
    pub start: Timestamp,
    /// When it ended, if it did.
    pub end: Option<Timestamp>,
    /// How it ended.
    pub ending: RunEnding,
}

/// How a step run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnding {
    /// It finished.
    Finished,
    /// An alarm rolled it back.
    RolledBack,
    /// It failed or was stopped (a test timed out, data points never came).
    Stopped,
    /// It was still running (or waiting for an approval) at the end.
    Unfinished,
}
