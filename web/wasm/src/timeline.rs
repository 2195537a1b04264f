//! `simulate`: the rollout laid out for a Gantt chart, with the hours
//! the plan's window is closed, weekends and holidays.

use crate::compile::{Planned, plans};
use crate::request::{Refusal, Request};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use pipec::export::plan_v1::{Gate, PlanV1, WindowGate};
use pipec::sim::report::{RunEnding, Simulation};
use pipec::sim::{self, Options, scenario::Scenario, window::Window};

/// How many days a timeline shades at most: a rollout held by a window
/// that never opens runs to the simulator's horizon.
const MAX_DAYS: i64 = 400;

/// The answer to `simulate`.
#[derive(Debug, serde::Serialize)]
pub struct Timeline {
    ok: bool,
    pipeline: String,
    /// The zone local times are shown in: the first window's, else UTC.
    zone: String,
    start: String,
    /// The start in `zone`, `YYYY-MM-DDTHH:MM` (a date and time picker's
    /// value).
    start_local: String,
    /// When the last step ended: `summary.finished_at` of `pipec
    /// simulate --format json`.
    end: String,
    total_seconds: i64,
    /// `total_seconds` for people: `3d 3h 25m`.
    lead_time: String,
    outcome: &'static str,
    rows: Vec<Row>,
    days: Vec<Day>,
    /// When the plan's first window is closed, between start and end.
    closed: Vec<Span>,
}

/// One region of one stage or wave, or one step of no region.
#[derive(Debug, serde::Serialize)]
struct Row {
    label: String,
    region: Option<String>,
    slot: String,
    bars: Vec<Bar>,
    /// The first step's place in the plan, to keep plan order.
    #[serde(skip)]
    order: usize,
}

#[derive(Debug, serde::Serialize)]
struct Bar {
    step: String,
    kind: &'static str,
    start: String,
    end: String,
    ending: &'static str,
}

/// A local day of the timeline.
#[derive(Debug, serde::Serialize)]
struct Day {
    date: String,
    start: String,
    end: String,
    weekend: bool,
    holiday: bool,
}

#[derive(Debug, serde::Serialize)]
struct Span {
    start: String,
    end: String,
}

/// Simulates the chosen pipeline with no scenario, as `pipec simulate
/// FILE --pipeline NAME [--start START]` does.
pub fn simulate(request: &Request) -> Result<Timeline, Refusal> {
    let Planned { plans, chosen, .. } = plans(request, "simulate")?;
    let Some(plan) = plans.get(chosen) else {
        return Err(Refusal::new("no plan"));
    };
    let window = first_window(plan);
    // The zone `pipec simulate` shows local times in (an unknown one is
    // refused by the simulation, naming it), and where it starts.
    let zone_name = sim::local_zone_name(plan);
    let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
    let start = match request.start.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => start_at(text, &zone)?,
        None => {
            sim::default_start_or_why(plan, request.today()?)
                .map_err(|error| Refusal::new(error.to_string()))?
                .0
        }
    };
    let simulation = sim::simulate(
        plan,
        &Scenario::empty(),
        &Options {
            start: Some(start),
            auto_approve: false,
        },
    )
    .map_err(|error| Refusal::new(error.to_string()))?;
    let total_seconds = simulation.finished_at.as_second() - simulation.started_at.as_second();
    Ok(Timeline {
        ok: true,
        pipeline: plan.pipeline.clone(),
        start: simulation.started_at.to_string(),
        start_local: simulation
            .started_at
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        end: simulation.finished_at.to_string(),
        total_seconds,
        lead_time: sim::durations::human(u64::try_from(total_seconds).unwrap_or(0)),
        outcome: simulation.outcome.as_str(),
        rows: rows(plan, &simulation),
        days: days(&simulation, &zone, window),
        closed: window
            .and_then(|gate| Window::from_gate(gate).ok())
            .map(|window| closed(&window, simulation.started_at, simulation.finished_at))
            .unwrap_or_default(),
        zone: zone_name,
    })
}

/// The start asked for: an instant, or a local time in the plan's zone.
fn start_at(text: &str, zone: &TimeZone) -> Result<Timestamp, Refusal> {
    if let Ok(at) = sim::scenario::parse_time(text) {
        return Ok(at);
    }
    text.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|local| local.to_zoned(zone.clone()).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            Refusal::new(format!(
                "start `{text}` is not a time such as 2027-01-25T09:00 or 2027-01-25T09:00:00-08:00"
            ))
        })
}

/// The plan's first window gate: the one `simulate` shows local times in.
fn first_window(plan: &PlanV1) -> Option<&WindowGate> {
    plan.gates.iter().find_map(|entry| match &entry.gate {
        Gate::Window(window) => Some(window),
        _ => None,
    })
}

/// One row per region of each slot and per step without a region, in
/// plan order; a bar per step run.
fn rows(plan: &PlanV1, simulation: &Simulation) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of: std::collections::BTreeMap<(usize, String), usize> =
        std::collections::BTreeMap::new();
    for run in &simulation.runs {
        let (Some(step), Some(plan_step)) =
            (simulation.steps.get(run.step), plan.steps.get(run.step))
        else {
            continue;
        };
        let slot = simulation.slots.get(step.slot).cloned().unwrap_or_default();
        let label = match &step.region {
            Some(region) => region.clone(),
            None => step
                .id
                .strip_prefix(&format!("{slot}/"))
                .unwrap_or(&step.id)
                .replace('/', " "),
        };
        let key = (
            step.slot,
            step.region.clone().unwrap_or_else(|| step.id.clone()),
        );
        let index = *row_of.entry(key).or_insert_with(|| {
            rows.push(Row {
                label,
                region: step.region.clone(),
                slot,
                bars: Vec::new(),
                order: run.step,
            });
            rows.len() - 1
        });
        if let Some(row) = rows.get_mut(index) {
            row.order = row.order.min(run.step);
            row.bars.push(Bar {
                step: step.id.clone(),
                kind: plan_step.kind().name(),
                start: run.start.to_string(),
                end: run
                    .end
                    .unwrap_or(simulation.finished_at)
                    .max(run.start)
                    .to_string(),
                ending: match run.ending {
                    RunEnding::Finished => "finished",
                    RunEnding::RolledBack => "rolled_back",
                    RunEnding::Stopped => "stopped",
                    RunEnding::Unfinished => "unfinished",
                },
            });
        }
    }
    rows.sort_by_key(|row| row.order);
    rows
}

/// Every local day the rollout touches, with weekends and the window's
/// closed dates (holidays and blackouts) marked.
fn days(simulation: &Simulation, zone: &TimeZone, window: Option<&WindowGate>) -> Vec<Day> {
    let closed_dates: Vec<&str> = window
        .map(|gate| gate.closed_dates.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let first = simulation.started_at.to_zoned(zone.clone()).date();
    let last = simulation.finished_at.to_zoned(zone.clone()).date();
    let mut days = Vec::new();
    let mut date = first;
    while date <= last && days.len() < MAX_DAYS as usize {
        let Ok(next) = date.tomorrow() else { break };
        let instant = |day: jiff::civil::Date| {
            day.to_zoned(zone.clone())
                .map(|zoned| zoned.timestamp().to_string())
                .unwrap_or_default()
        };
        let text = date.to_string();
        days.push(Day {
            weekend: matches!(
                date.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            ),
            holiday: closed_dates.contains(&text.as_str()),
            date: text,
            start: instant(date),
            end: instant(next),
        });
        date = next;
    }
    days
}

/// The spans between `start` and `end` when `window` is closed.
fn closed(window: &Window, start: Timestamp, end: Timestamp) -> Vec<Span> {
    let limit = end.min(
        start
            .checked_add(jiff::SignedDuration::from_hours(24 * MAX_DAYS))
            .unwrap_or(end),
    );
    let minute = jiff::SignedDuration::from_mins(1);
    let mut spans = Vec::new();
    let mut at = start;
    while at < limit {
        if window.is_open(at) {
            // Slots are whole minutes: walk to the first closed one.
            while at < limit && window.is_open(at) {
                at = at.checked_add(minute).unwrap_or(limit);
            }
        } else {
            let opens = window.next_opening(at).unwrap_or(limit).min(limit);
            if opens <= at {
                break;
            }
            spans.push(Span {
                start: at.to_string(),
                end: opens.to_string(),
            });
            at = opens;
        }
    }
    spans
}
