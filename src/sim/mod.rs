//! The simulator: runs an execution plan (format 1.3, 1.2, 1.1 or 1.0) on a virtual clock,
//! under a scenario of merges, alarms, approvals and overrides, and says
//! when each step would start and end, what waits for what, and which
//! regions end up on the new version.
//!
//! It reads only the plan ([`crate::export::plan_v1`]), never `.pipe`
//! source. Windows ([`window`]) and alarm expressions ([`alarm_expr`]) are
//! pure functions, independent of the virtual clock, so that an engine on
//! the real clock can use them as they are. The semantics are described
//! in `docs/simulation.md`.

pub mod alarm_expr;
pub mod alarm_timeline;
pub mod check;
pub mod durations;
pub mod engine;
pub mod gates;
pub mod model;
pub mod output;
pub mod report;
pub mod scenario;
pub mod traffic;
pub mod window;

use crate::export::plan_v1::PlanV1;
use jiff::Timestamp;
use report::Simulation;
use scenario::Scenario;

/// The id of the one change simulated when a scenario lists none.
pub const DEFAULT_CHANGE_ID: &str = "c1";

/// How a simulation is run, beyond the plan and the scenario.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// When the simulation starts (`--start`): the merge time of changes
    /// the scenario gives none; default, the scenario's first merge.
    pub start: Option<Timestamp>,
    /// `--auto-approve`: approvals the scenario does not give are given as
    /// soon as they are asked.
    pub auto_approve: bool,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The plan breaks a rule of its format; every problem is listed.
    Plan(Vec<String>),
    /// The scenario does not fit the plan or the options; every problem is
    /// listed.
    Scenario(Vec<String>),
    /// Neither `--start` nor a merge time in the scenario says when to
    /// start.
    NoStart,
    /// The start is so late that the times the simulation may compute
    /// run past the last one it can write ([`check_start`]).
    LateStart(String),
    /// Nothing says when to start, and the default start after this day
    /// ([`default_start`]) is past the last instant there is.
    NoDefaultStart(jiff::civil::Date),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Plan(problems) => {
                write!(f, "the plan cannot be simulated: {}", problems.join("; "))
            }
            SimError::Scenario(problems) => {
                write!(f, "the scenario does not fit: {}", problems.join("; "))
            }
            SimError::NoStart => f.write_str(
                "no start time: give --start (such as 2027-01-25T09:00:00-08:00) or a scenario whose changes have `merged_at`",
            ),
            SimError::LateStart(message) => f.write_str(message),
            SimError::NoDefaultStart(today) => write!(
                f,
                "no start: the first Monday on or after {today}, 09:00, is past the last time this pipec can write"
            ),
        }
    }
}

impl std::error::Error for SimError {}

/// Simulates `plan` under `scenario`. The same inputs always give the same
/// result.
pub fn simulate(
    plan: &PlanV1,
    scenario: &Scenario,
    options: &Options,
) -> Result<Simulation, SimError> {
    let model = model::prepare(plan).map_err(SimError::Plan)?;
    // Every problem of the scenario at once: its own, those against the
    // plan, and merges before the start.
    let mut problems = scenario.problems();
    problems.extend(check::scenario_against_plan(&model, scenario));
    let resolved = resolve_changes(scenario, options.start);
    if let Err(SimError::Scenario(more)) = &resolved {
        problems.extend(more.iter().cloned());
    }
    if !problems.is_empty() {
        return Err(SimError::Scenario(problems));
    }
    let (start, changes) = resolved?;
    Ok(engine::run(
        &model,
        scenario,
        changes,
        start,
        options.auto_approve,
    ))
}

/// Where a rollout starts when nothing says: the first Monday on or after
/// `today`, 09:00 in the zone of the plan's first window (UTC without
/// one), so that a default run meets the working week as people plan it.
/// Returns the instant and the zone's name; `None` for a zone the
/// time-zone database does not know, and for a Monday past the last
/// instant a timestamp holds.
pub fn default_start(plan: &PlanV1, today: jiff::civil::Date) -> Option<(Timestamp, String)> {
    let zone_name = local_zone_name(plan);
    let zone = jiff::tz::TimeZone::get(&zone_name).ok()?;
    let days = (7 - i32::from(today.weekday().to_monday_zero_offset())) % 7;
    let monday = today.checked_add(jiff::Span::new().days(days)).ok()?;
    let start = monday.at(9, 0, 0, 0).to_zoned(zone).ok()?.timestamp();
    Some((start, zone_name))
}

/// [`default_start`], or why there is none, as `simulate` and the
/// playground say it: a zone the time-zone database does not know is the
/// plan's problem ([`SimError::Plan`]); otherwise the Monday is past the
/// last instant there is ([`SimError::NoDefaultStart`]).
pub fn default_start_or_why(
    plan: &PlanV1,
    today: jiff::civil::Date,
) -> Result<(Timestamp, String), SimError> {
    if let Some(found) = default_start(plan, today) {
        return Ok(found);
    }
    model::prepare(plan).map_err(SimError::Plan)?;
    Err(SimError::NoDefaultStart(today))
}

/// The zone a simulation of `plan` shows local times in and starts by
/// default in: the first window's of the plan's `gates` table, else UTC.
pub fn local_zone_name(plan: &PlanV1) -> String {
    plan.gates
        .iter()
        .find_map(|gate| match &gate.gate {
            crate::export::plan_v1::Gate::Window(window) => Some(window.zone.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "UTC".to_string())
}

/// How many days past its start a simulation may compute a time: up to
/// its horizon, and from there a window's next opening, looked for a year
/// and a week ahead, with a day to spare for local dates.
const LOOKAHEAD_DAYS: i64 =
    engine::HORIZON_DAYS + crate::semantics::windows::SEARCH_DAYS as i64 + 3;

/// Whether a simulation can start at `start`: every time it may compute
/// must come before the last instant a timestamp holds (the end of the
/// year 9999, less a day), or else it would write times that are not
/// whole seconds and steps that take no time. The message names the
/// latest start.
pub fn check_start(start: Timestamp) -> Result<(), String> {
    let lookahead = jiff::SignedDuration::from_hours(24 * LOOKAHEAD_DAYS);
    let latest = Timestamp::MAX
        .checked_sub(lookahead)
        .map_or(Timestamp::MAX, |latest| {
            Timestamp::from_second(latest.as_second()).unwrap_or(latest)
        });
    if start <= latest {
        return Ok(());
    }
    Err(format!(
        "{start} is too late to start a simulation: it looks up to {LOOKAHEAD_DAYS} days ahead (its horizon, then a window's next opening), and times end with the year 9999; start at {latest} at the latest"
    ))
}

/// Whether a scenario says when its first change is merged (then that is
/// the start when `--start` is not given).
pub fn scenario_has_start(scenario: &Scenario) -> bool {
    scenario
        .changes
        .iter()
        .any(|change| change.merged_at.is_some())
}

/// The start and the changes in merge order (ties in scenario order).
fn resolve_changes(
    scenario: &Scenario,
    start: Option<Timestamp>,
) -> Result<(Timestamp, Vec<engine::ChangeInput>), SimError> {
    let first_merge = scenario
        .changes
        .iter()
        .filter_map(|change| change.merged_at.map(|at| at.0))
        .min();
    let Some(start) = start.or(first_merge) else {
        return Err(SimError::NoStart);
    };
    check_start(start).map_err(SimError::LateStart)?;
    let mut problems = Vec::new();
    let mut changes: Vec<engine::ChangeInput> = scenario
        .changes
        .iter()
        .map(|change| {
            let merged_at = change.merged_at.map_or(start, |at| at.0);
            if merged_at < start {
                problems.push(format!(
                    "change `{}` is merged at {merged_at}, before the start ({start})",
                    change.id
                ));
            }
            engine::ChangeInput {
                id: change.id.clone(),
                merged_at,
                packages: change.packages.clone(),
                git_refs: change.git_refs.clone(),
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(SimError::Scenario(problems));
    }
    if changes.is_empty() {
        changes.push(engine::ChangeInput {
            id: DEFAULT_CHANGE_ID.to_string(),
            merged_at: start,
            packages: Vec::new(),
            git_refs: Vec::new(),
        });
    }
    // Stable: equal merge times keep the scenario's order.
    changes.sort_by_key(|change| change.merged_at);
    Ok((start, changes))
}
