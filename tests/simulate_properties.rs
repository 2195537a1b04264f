//! Properties of the simulator over generated pipelines and scenarios
//! (`tests/sim/generate.rs`, a seeded generator: the same 64 cases on
//! every run). Each property is checked against an oracle written here,
//! not against the engine's own bookkeeping: window membership from the
//! gate's fields, alarm states from the scenario's spans, bake lengths
//! from the documented traffic rates.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim;

use jiff::Timestamp;
use pipec::export::plan_v1::{Gate, Params, PlanV1, Step, Weekday, WindowGate};
use pipec::sim::alarm_expr::{self, AlarmState};
use pipec::sim::report::{RegionStatus, RunEnding, Simulation};
use pipec::sim::scenario::{self, Scenario};
use pipec::sim::{Options, output};
use sim::generate;
use std::collections::BTreeMap;

const CASES: u64 = 64;

struct Case {
    plan: PlanV1,
    waves: Vec<(String, String)>,
    scenario: Scenario,
    options: Options,
    simulation: Simulation,
}

fn case(seed: u64) -> Case {
    let generated = generate::plan(seed);
    let (json, start, auto_approve) = generate::scenario(seed, &generated.plan);
    let scenario =
        scenario::from_json(&json).unwrap_or_else(|error| panic!("seed {seed}: {error}\n{json}"));
    let options = Options {
        start: Some(start),
        auto_approve,
    };
    let simulation = pipec::sim::simulate(&generated.plan, &scenario, &options)
        .unwrap_or_else(|error| panic!("seed {seed}: {error}"));
    Case {
        plan: generated.plan,
        waves: generated.waves,
        scenario,
        options,
        simulation,
    }
}

fn step_index(plan: &PlanV1, id: &str) -> usize {
    plan.steps.iter().position(|step| *step.id == *id).unwrap()
}

/// Whether a window gate admits a start at `at`, from its fields alone.
fn window_admits(gate: &WindowGate, at: Timestamp) -> bool {
    let zone = jiff::tz::TimeZone::get(&gate.zone).unwrap();
    let local = at.to_zoned(zone);
    if gate.closed_dates.contains(&local.date().to_string()) {
        return false;
    }
    let day = match local.weekday() {
        jiff::civil::Weekday::Monday => Weekday::Mon,
        jiff::civil::Weekday::Tuesday => Weekday::Tue,
        jiff::civil::Weekday::Wednesday => Weekday::Wed,
        jiff::civil::Weekday::Thursday => Weekday::Thu,
        jiff::civil::Weekday::Friday => Weekday::Fri,
        jiff::civil::Weekday::Saturday => Weekday::Sat,
        jiff::civil::Weekday::Sunday => Weekday::Sun,
    };
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    let minutes = |text: &str| {
        let (hours, mins) = text.split_once(':').unwrap();
        hours.parse::<i32>().unwrap() * 60 + mins.parse::<i32>().unwrap()
    };
    gate.allow.iter().any(|slot| {
        slot.days.contains(&day) && minutes(&slot.start) <= minute && minute < minutes(&slot.end)
    })
}

/// Whether an alarm is in ALARM at `at` in `region` (`None`: globally),
/// straight from the scenario's spans.
fn firing(scenario: &Scenario, alarm: &str, region: Option<&str>, at: Timestamp) -> bool {
    scenario.alarms.iter().any(|span| {
        span.alarm == alarm
            && match (&span.region, region) {
                (None, _) => true,
                (Some(span_region), Some(here)) => span_region == here,
                (Some(_), None) => false,
            }
            && span.from.0 <= at
            && span.to.is_none_or(|to| at < to.0)
    })
}

fn expression_true(
    scenario: &Scenario,
    expression: &str,
    region: Option<&str>,
    at: Timestamp,
) -> bool {
    alarm_expr::parse(expression)
        .unwrap()
        .evaluate(&mut |name| {
            if firing(scenario, name, region, at) {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            }
        })
}

/// Where a step's rollback alarm is watched: its region, or the regions
/// of its stage and wave, or (none) globally.
fn watched(plan: &PlanV1, step: &Step) -> Vec<Option<String>> {
    if let Some(region) = &step.target.region {
        return vec![Some(region.to_string())];
    }
    let mut regions: Vec<Option<String>> = Vec::new();
    for other in &plan.steps {
        if other.target.stage == step.target.stage
            && other.target.wave == step.target.wave
            && let Some(region) = &other.target.region
            && !regions.contains(&Some(region.to_string()))
        {
            regions.push(Some(region.to_string()));
        }
    }
    if regions.is_empty() {
        vec![None]
    } else {
        regions
    }
}

/// Every instant in `[from, to)` where some alarm state may change, and
/// `from` itself.
fn instants(scenario: &Scenario, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    let mut found = vec![from];
    for span in &scenario.alarms {
        for edge in [Some(span.from.0), span.to.map(|to| to.0)]
            .into_iter()
            .flatten()
        {
            if from < edge && edge < to {
                found.push(edge);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn no_gated_step_starts_outside_its_windows() {
    let mut checked = 0;
    for seed in 0..CASES {
        let case = case(seed);
        let gates: BTreeMap<&str, &Gate> = case
            .plan
            .gates
            .iter()
            .map(|entry| (entry.id.as_ref(), &entry.gate))
            .collect();
        for run in &case.simulation.runs {
            let step = &case.plan.steps[run.step];
            for id in &step.gates {
                if let Gate::Window(window) = gates[id.as_ref()] {
                    assert!(
                        window_admits(window, run.start),
                        "seed {seed}: {} started at {} outside {id}",
                        step.id,
                        run.start
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} windowed starts were checked");
}

#[test]
fn no_step_starts_before_its_needs_finish() {
    for seed in 0..CASES {
        let case = case(seed);
        let runs: BTreeMap<(&str, usize), _> = case
            .simulation
            .runs
            .iter()
            .map(|run| ((run.change.as_str(), run.step), run))
            .collect();
        for run in &case.simulation.runs {
            for need in &case.plan.steps[run.step].needs {
                let needed = runs[&(run.change.as_str(), step_index(&case.plan, need))];
                assert_eq!(needed.ending, RunEnding::Finished, "seed {seed}");
                assert!(
                    needed.end.unwrap() <= run.start,
                    "seed {seed}: {need} ends after {} starts",
                    case.plan.steps[run.step].id
                );
            }
            let merged = case
                .simulation
                .changes
                .iter()
                .find(|c| c.id == run.change)
                .unwrap()
                .merged_at;
            assert!(merged <= run.start, "seed {seed}: a step before its merge");
        }
    }
}

#[test]
fn a_wave_never_starts_before_the_previous_waves_bake_ends() {
    let mut checked = 0;
    for seed in 0..CASES {
        let case = case(seed);
        for pair in case.waves.windows(2) {
            let (_, previous_bake) = &pair[0];
            let (wave, _) = &pair[1];
            let bake = step_index(&case.plan, previous_bake);
            for run in &case.simulation.runs {
                if case.plan.steps[run.step].target.wave.as_deref() != Some(wave) {
                    continue;
                }
                let baked = case
                    .simulation
                    .runs
                    .iter()
                    .find(|other| other.change == run.change && other.step == bake)
                    .unwrap_or_else(|| {
                        panic!("seed {seed}: wave {wave} ran before {previous_bake}")
                    });
                assert_eq!(baked.ending, RunEnding::Finished, "seed {seed}");
                assert!(
                    baked.end.unwrap() <= run.start,
                    "seed {seed}: {wave} started during {previous_bake}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} later-wave steps were checked");
}

/// Data points a step sees per minute, as hundredths of a data point, from
/// the documented defaults and the scenario.
fn per_minute(case: &Case, region: Option<&str>) -> u64 {
    let tiers = &case.scenario.traffic.tiers;
    let untiered = case.scenario.traffic.untiered.unwrap_or(10);
    let Some(region) = region else {
        return untiered;
    };
    if let Some(&rate) = case.scenario.traffic.regions.get(region) {
        return rate;
    }
    let tier = case
        .plan
        .regions
        .iter()
        .find(|known| known.code == region)
        .and_then(|known| known.attributes.get("traffic").cloned());
    match tier.as_deref() {
        None => untiered,
        Some(tier) => tiers.get(tier).copied().unwrap_or(match tier {
            "high" => 1_000,
            "medium" => 100,
            _ => 10,
        }),
    }
}

#[test]
fn every_bake_lasts_its_duration_and_until_its_data_points() {
    let mut with_data = 0;
    for seed in 0..CASES {
        let case = case(seed);
        for run in &case.simulation.runs {
            let step = &case.plan.steps[run.step];
            let Params::Bake(bake) = &step.params else {
                continue;
            };
            if run.ending != RunEnding::Finished {
                continue;
            }
            let duration = case
                .scenario
                .durations
                .steps
                .get(&*step.id)
                .copied()
                .unwrap_or(bake.duration_seconds);
            // The one-box's share, and the AZ's.
            let share_bp: u128 = if step.target.onebox {
                case.plan
                    .steps
                    .iter()
                    .find_map(|other| match &other.params {
                        Params::Deploy(deploy) if other.target == step.target => {
                            deploy.traffic_percent
                        }
                        _ => None,
                    })
                    .map_or(1_000, |percent| u128::from(percent.hundredths()))
            } else {
                10_000
            };
            let parts: u128 = match (&step.target.az, &step.target.region) {
                (Some(_), Some(region)) => case
                    .plan
                    .regions
                    .iter()
                    .find(|r| *r.code == **region)
                    .unwrap()
                    .azs
                    .len() as u128,
                _ => 1,
            };
            let mut data_seconds: u128 = 0;
            for requirement in &bake.data_points {
                for region in watched(&case.plan, step) {
                    let rate = u128::from(per_minute(&case, region.as_deref()));
                    let needed = u128::from(requirement.count) * 60 * 10_000 * parts;
                    let seconds = needed.div_ceil(rate * share_bp);
                    data_seconds = data_seconds.max(seconds);
                }
                with_data += 1;
            }
            let lasted = (run.end.unwrap().as_second() - run.start.as_second()) as u128;
            assert_eq!(
                lasted,
                u128::from(duration).max(data_seconds),
                "seed {seed}: {} lasted {lasted}s; duration {duration}s, data points {data_seconds}s",
                step.id
            );
        }
    }
    assert!(
        with_data > 20,
        "only {with_data} data-point bakes were checked"
    );
}

#[test]
fn an_alarm_during_a_deploy_or_bake_rolls_back_and_stops_promotion() {
    let (mut finished, mut rolled) = (0, 0);
    for seed in 0..CASES {
        let case = case(seed);
        let alarms: BTreeMap<&str, &str> = case
            .plan
            .alarms
            .iter()
            .map(|a| (a.id.as_ref(), a.alarm.as_str()))
            .collect();
        for run in &case.simulation.runs {
            let step = &case.plan.steps[run.step];
            let Some(alarm) = &step.rollback_alarm else {
                continue;
            };
            let Some(end) = run.end else { continue };
            let places = watched(&case.plan, step);
            let first_true = instants(&case.scenario, run.start, end.max(run.start))
                .into_iter()
                .chain((end == run.start).then_some(run.start))
                .find(|at| {
                    places.iter().any(|place| {
                        expression_true(
                            &case.scenario,
                            alarms[alarm.as_ref()],
                            place.as_deref(),
                            *at,
                        )
                    })
                });
            match run.ending {
                RunEnding::Finished => {
                    assert!(
                        end > run.start || first_true.is_none() || end == run.start,
                        "seed {seed}"
                    );
                    if end > run.start {
                        assert_eq!(
                            first_true, None,
                            "seed {seed}: {} finished through its rollback alarm",
                            step.id
                        );
                    }
                    finished += 1;
                }
                RunEnding::RolledBack => {
                    let change = case
                        .simulation
                        .changes
                        .iter()
                        .find(|c| c.id == run.change)
                        .unwrap();
                    assert_eq!(
                        change.outcome,
                        pipec::sim::report::Outcome::RolledBack,
                        "seed {seed}"
                    );
                    // Rolled back by its own alarm at its first true instant,
                    // or earlier by another step's rollback in its region.
                    if let Some(first_true) = first_true {
                        assert!(
                            end <= first_true,
                            "seed {seed}: {} rolled back late",
                            step.id
                        );
                    }
                    if let (Some(region), true) =
                        (&step.target.region, &*step.target.stage == "production")
                    {
                        assert!(
                            case.simulation
                                .rolled_back
                                .iter()
                                .any(|r| *r.region == **region && r.change == run.change),
                            "seed {seed}: {region} not reported rolled back"
                        );
                        let summary = case
                            .simulation
                            .regions
                            .iter()
                            .find(|r| *r.region == **region)
                            .unwrap();
                        assert!(
                            summary.status == RegionStatus::RolledBack
                                || summary.change.as_deref() != Some(run.change.as_str()),
                            "seed {seed}: {region} still runs {}",
                            run.change
                        );
                    }
                    // Promotion stops: nothing of this change starts later.
                    assert!(
                        !case
                            .simulation
                            .runs
                            .iter()
                            .any(|other| other.change == run.change && other.start > end),
                        "seed {seed}: {} promoted after its rollback",
                        run.change
                    );
                    rolled += 1;
                }
                RunEnding::Stopped | RunEnding::Unfinished => {}
            }
        }
    }
    assert!(
        finished > 100 && rolled > 5,
        "checked {finished} finished and {rolled} rolled-back runs"
    );
}

fn render_all(case: &Case, scenario: &Scenario) -> Vec<String> {
    let simulation = pipec::sim::simulate(&case.plan, scenario, &case.options).unwrap();
    vec![
        output::text::render(&simulation),
        output::json::render(&simulation),
        output::mermaid::render(&simulation),
    ]
}

#[test]
fn the_same_inputs_give_byte_identical_output() {
    for seed in 0..CASES {
        let case = case(seed);
        let once = render_all(&case, &case.scenario);
        let again = render_all(&case, &case.scenario);
        assert_eq!(once, again, "seed {seed}");
        // The order of alarm spans is not an input.
        let mut reversed = case.scenario.clone();
        reversed.alarms.reverse();
        assert_eq!(once, render_all(&case, &reversed), "seed {seed}");
        // Nor is a round trip of the plan through JSON.
        let plan = pipec::export::plan_v1::from_json(&pipec::export::plan_v1::to_json(&case.plan))
            .unwrap();
        let simulation = pipec::sim::simulate(&plan, &case.scenario, &case.options).unwrap();
        assert_eq!(once[1], output::json::render(&simulation), "seed {seed}");
    }
}
