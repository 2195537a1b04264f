//! Benchmark: how the cost per pipeline and the peak memory of `check`,
//! `compile` and `simulate` change from 100 to 100,000 pipelines.
//!
//! Each size is a workspace of the sample's org → team → service chain
//! with that many services (126 steps each, over the 34 commercial
//! regions). `check DIR` and `compile` of the services into one JSON
//! document run the release binary, timed with `/usr/bin/time` (wall,
//! CPU, peak memory) when it is there. `simulate` runs in this process: the workspace is compiled
//! streaming, each plan simulated from a Monday morning as it is built
//! and dropped, and only the simulations are timed.
//!
//! Run with `cargo bench --bench scale`; `PIPEC_SCALE_SIZES=100,1000`
//! picks the sizes (default 100, 1,000, 10,000 and 100,000; the largest
//! writes about 7.6 GB of plans, removed afterwards). It prints a table and
//! the spread of each column (largest cost per pipeline over smallest);
//! it is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

#[path = "support/services.rs"]
mod services;

use pipec::export::convert;
use pipec::modules::Entry;
use pipec::sim::{self, Options, scenario};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Simulates each plan handed over, adding up the time spent simulating.
struct Simulate {
    options: Options,
    scenario: scenario::Scenario,
    nanos: AtomicU64,
    plans: AtomicU64,
}

impl pipec::workspace::PlanSink for Simulate {
    fn expect(&self, _: &[String]) {}

    fn accept(&self, _: usize, plan: pipec::plan::Plan, sources: &pipec::source::SourceMap) {
        let exported = convert::to_v1(&plan, sources);
        drop(plan);
        let begun = Instant::now();
        let simulation = sim::simulate(&exported, &self.scenario, &self.options).unwrap();
        let elapsed = begun.elapsed();
        assert!(!simulation.events.is_empty());
        self.nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        self.plans.fetch_add(1, Ordering::Relaxed);
    }
}

fn simulate_all(files: &[std::path::PathBuf]) -> Duration {
    let entries = files
        .iter()
        .map(|path| Entry {
            path: path.clone(),
            bytes: None,
            name: None,
        })
        .collect();
    let sink = Simulate {
        options: Options {
            start: Some("2027-01-25T09:00:00-08:00".parse().unwrap()),
            auto_approve: true,
        },
        scenario: scenario::Scenario::empty(),
        nanos: AtomicU64::new(0),
        plans: AtomicU64::new(0),
    };
    let compiled = pipec::workspace::compile_workspace_into(
        entries,
        &services::FsLoader,
        jiff::civil::date(2026, 11, 22),
        None,
        &sink,
        pipec::workspace::Afterwards::Free,
    );
    assert!(!compiled.has_errors());
    assert_eq!(sink.plans.load(Ordering::Relaxed), files.len() as u64);
    Duration::from_nanos(sink.nanos.load(Ordering::Relaxed))
}

fn per_pipeline(time: Duration, count: usize) -> f64 {
    time.as_secs_f64() * 1e6 / count as f64
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PIPEC_SCALE_SIZES")
        .unwrap_or_else(|_| "100,1000,10000,100000".to_string())
        .split(',')
        .map(|size| size.trim().parse().unwrap())
        .collect();
    let root = std::env::temp_dir().join(format!("pipec-bench-scale-{}", std::process::id()));
    println!(
        "{:>8} | {:>10} {:>10} {:>9} | {:>10} {:>10} {:>9} | {:>10}",
        "services",
        "check µs/p",
        "cpu µs/p",
        "peak MiB",
        "compile µs/p",
        "cpu µs/p",
        "peak MiB",
        "simulate µs/p"
    );
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); 5];
    for &count in &sizes {
        let files = services::workspace(&root, count);
        let dir = root.to_str().unwrap();
        let check = services::pipec(&["check", dir]);
        // One document of every plan, as `compile FILE > plans.json`
        // writes: the compiler's cost, not the file system's cost of
        // creating a file per plan (see `cargo bench --bench compile_dir`).
        let out =
            std::env::temp_dir().join(format!("pipec-bench-scale-{}.json", std::process::id()));
        let services_dir = root.join("services");
        let compile = services::pipec_to(&["compile", services_dir.to_str().unwrap()], Some(&out));
        assert!(std::fs::metadata(&out).unwrap().len() > count as u64 * 1000);
        std::fs::remove_file(&out).unwrap();
        let simulate = simulate_all(&files);
        let cpu = |run: &services::Run| run.cpu.map_or(f64::NAN, |cpu| per_pipeline(cpu, count));
        let row = [
            per_pipeline(check.wall, count),
            cpu(&check),
            per_pipeline(compile.wall, count),
            cpu(&compile),
            per_pipeline(simulate, count),
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
        println!(
            "{count:>8} | {:>10.0} {:>10.0} {:>9} | {:>12.0} {:>10.0} {:>9} | {:>13.0}",
            row[0],
            row[1],
            services::mib(check.peak_kib),
            row[2],
            row[3],
            services::mib(compile.peak_kib),
            row[4],
        );
    }
    let spread = |column: &[f64]| {
        let max = column.iter().copied().fold(f64::MIN, f64::max);
        let min = column.iter().copied().fold(f64::MAX, f64::min);
        max / min
    };
    println!(
        "spread (largest µs per pipeline / smallest): check {:.2} (cpu {:.2}), compile {:.2} (cpu {:.2}), simulate {:.2}",
        spread(&columns[0]),
        spread(&columns[1]),
        spread(&columns[2]),
        spread(&columns[3]),
        spread(&columns[4]),
    );
    let _ = std::fs::remove_dir_all(&root);
}
