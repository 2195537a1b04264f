//! Helpers shared by the simulator's tests: compiling small pipelines in
//! memory, and running and reading simulations.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use jiff::Timestamp;
use pipec::export::{convert, plan_v1::PlanV1};
use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::sim::report::{Event, EventKind, Simulation};
use pipec::sim::{self, Options, scenario};
use pipec::workspace;

pub mod generate;

/// A small pipeline over a two-region lab registry: wave `first` is
/// lab-east-1 (low traffic, two AZs) by AZ with a 12h bake and 100
/// requests; wave `rest` is lab-west-1 (high traffic) with a 2h bake. Every
/// production deploy checks the `office` window (Los Angeles business
/// hours without US holidays), two alarm blockers and an artifact blocker;
/// rolling deploys of 25% take 4 batches of 5m: 20m a region, 10m an AZ.
pub const TINY: &str = r#"import "std/calendars"

registry lab {
  region lab-east-1 { traffic = low; azs = [labe1-az1, labe1-az2] }
  region lab-west-1 { traffic = high; azs = [labw1-az1] }
}

window office {
  zone   = "America/Los_Angeles"
  allow  = [mon..thu 09:00..16:00, fri 09:00..12:00]
  except = calendars.us_holidays
}

alarm high_severity = ALARM("Tiny_High_Severity")
alarm lab_event = ALARM("Lab_Event")

pipeline tiny {
  platform = ecs
  source code = git("https://git.example.com/tiny.git", branch: "main") { require review }
  build bundle from code { run = "make"; sign = true }
  production {
    registry = lab
    strategy = rolling(batch: 25%, min_healthy: 75%)
    rollback on high_severity
    block on high_severity
    block on lab_event overridable
    block artifacts containing package "libjson@2.3.1"
    window office
    onebox { traffic <= 10%; bake = 1h; rollback on high_severity or ALARM("Tiny_OneBox_Faults") }
    wave first { regions = [lab-east-1]; by az; bake = 12h; wait for 100 requests("Ping") }
    wave rest { regions = rest; bake = 2h }
  }
}
"#;

/// Compiles one pipeline file (with `pipec.toml` beside it) to its plan.
pub fn compile(source: &str) -> PlanV1 {
    compile_with_profile(source, None)
}

/// As [`compile`], with `--profile`.
pub fn compile_with_profile(source: &str, profile: Option<&str>) -> PlanV1 {
    let mut loader = MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    loader.add("pipeline.pipe", source);
    let entries = vec![Entry {
        path: "pipeline.pipe".into(),
        bytes: None,
        name: None,
    }];
    let compiled = workspace::compile_workspace_with(
        entries,
        &loader,
        jiff::civil::date(2026, 11, 22),
        profile,
    );
    let errors: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| diagnostic.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    convert::to_v1(&compiled.plans[0], &compiled.sources)
}

/// An instant from RFC 3339.
pub fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Simulates with a scenario (JSON, or none) from `start`.
pub fn simulate(plan: &PlanV1, scenario_json: Option<&str>, start: &str) -> Simulation {
    simulate_with(plan, scenario_json, Some(start), false)
}

/// As [`simulate`], with every option.
pub fn simulate_with(
    plan: &PlanV1,
    scenario_json: Option<&str>,
    start: Option<&str>,
    auto_approve: bool,
) -> Simulation {
    let scenario = match scenario_json {
        Some(json) => scenario::from_json(json).unwrap(),
        None => scenario::Scenario::empty(),
    };
    let options = Options {
        start: start.map(at),
        auto_approve,
    };
    sim::simulate(plan, &scenario, &options).unwrap()
}

/// The events of a step, in order.
pub fn events_of<'a>(simulation: &'a Simulation, step: &str) -> Vec<&'a Event> {
    simulation
        .events
        .iter()
        .filter(|event| event.step == step)
        .collect()
}

/// The first event of a kind for a step (of any change).
pub fn first(simulation: &Simulation, step: &str, kind: EventKind) -> Timestamp {
    simulation
        .events
        .iter()
        .find(|event| event.step == step && event.kind == kind)
        .unwrap_or_else(|| panic!("no {} event for {step}", kind.as_str()))
        .at
}

/// The first event of a kind for a step of one change.
pub fn first_of(simulation: &Simulation, change: &str, step: &str, kind: EventKind) -> Timestamp {
    simulation
        .events
        .iter()
        .find(|event| event.change == change && event.step == step && event.kind == kind)
        .unwrap_or_else(|| panic!("no {} event for {change} {step}", kind.as_str()))
        .at
}

/// `(at, step, event)` of every event, for comparing whole timelines.
pub fn timeline(simulation: &Simulation) -> Vec<(String, String, &'static str)> {
    simulation
        .events
        .iter()
        .map(|event| {
            (
                event.at.to_string(),
                event.step.clone(),
                event.kind.as_str(),
            )
        })
        .collect()
}
