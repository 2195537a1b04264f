//! Benchmark: simulate 1,000 plans of the sample's shape (126 steps over
//! 34 regions, five waves, one-boxes, AZs, a business-hours window with
//! holidays) from a Monday morning, with a scenario that fires a one-box
//! alarm late in the rollout. The sample is compiled once and renamed a
//! thousand times; only simulation is timed.
//!
//! Run with `cargo bench --bench simulate`. It prints the median time; it
//! is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod support;

use pipec::export::{convert, plan_v1::PlanV1};
use pipec::modules::Entry;
use pipec::sim::{self, Options, scenario};
use pipec::workspace;
use std::path::PathBuf;
use support::{RUNS, time};

const PLANS: usize = 1_000;

fn main() {
    let entries = vec![Entry {
        path: PathBuf::from("examples/sample/services/orders_api.pipe"),
        bytes: None,
        name: None,
    }];
    let compiled =
        workspace::compile_workspace(entries, &FsLoader, jiff::civil::date(2026, 11, 22));
    assert!(!compiled.has_errors());
    let sample = convert::to_v1(&compiled.plans[0], &compiled.sources);
    let plans: Vec<PlanV1> = (0..PLANS)
        .map(|idx| {
            let mut plan = sample.clone();
            plan.pipeline = format!("service_{idx:04}");
            for alarm in &mut plan.alarms {
                alarm.alarm = alarm
                    .alarm
                    .replace("OrdersApi_", &format!("Service{idx:04}_"));
            }
            plan
        })
        .collect();
    let scenarios: Vec<scenario::Scenario> = (0..PLANS)
        .map(|idx| {
            scenario::from_json(&format!(
                r#"{{"format_version": "1.0", "alarms": [{{"alarm": "Service{idx:04}_OneBox_High_Fault_Rate", "region": "eu-north-1", "from": "2027-01-28T17:30:00Z", "to": "2027-01-28T18:00:00Z"}}]}}"#
            ))
            .unwrap()
        })
        .collect();
    let options = Options {
        start: Some("2027-01-25T09:00:00-08:00".parse().unwrap()),
        auto_approve: false,
    };

    let mut events = 0;
    let median = time(|| {
        events = 0;
        for (plan, scenario) in plans.iter().zip(&scenarios) {
            let simulation = sim::simulate(plan, scenario, &options).unwrap();
            events += simulation.events.len();
        }
    });
    println!(
        "simulate {PLANS} plans of {} steps: median {:.1} ms over {RUNS} runs ({:.1} µs a plan, {events} events)",
        sample.steps.len(),
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / PLANS as f64
    );
}

/// The file system as a loader.
struct FsLoader;

impl pipec::loader::Loader for FsLoader {
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn canonicalize(&self, path: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &std::path::Path) -> bool {
        path.is_file()
    }
}
