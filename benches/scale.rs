//! Benchmark: how the cost per pipeline and the peak memory of `check`,
//! `compile` and `simulate` change from 100 to 100,000 pipelines.
//!
//! Each size is a workspace of the sample's org → team → service chain
//! with that many services (126 steps each, over the 34 commercial
//! regions). `check DIR` and `compile` of the services into one JSON
//! document run the release binary, timed with `/usr/bin/time` (wall,
//! CPU, peak memory) when it is there: each figure is the median of
//! `PIPEC_SCALE_RUNS` samples (default 5), and a sample runs the command
//! enough times over for 2,000 pipelines, since `/usr/bin/time` reads CPU
//! time in hundredths of a second. `simulate` runs in this process: the
//! workspace is compiled streaming, each plan simulated from a Monday
//! morning as it is built and dropped, and only the simulations are timed
//! (the median of as many samples, one at 100,000).
//!
//! A process has a fixed start (itself, the standard library's modules,
//! the templates, its threads), measured on a workspace of two services;
//! the last six columns are the cost per pipeline beyond it (wall, CPU
//! and user time), which is what grows or does not with the workspace.
//! User time is the compiler's own work: writing a document larger than
//! the page cache holds dirty (5.0 GB at 100,000 pipelines) also costs
//! system time, and wall time waiting for the disk. So the last two
//! columns are compile's floor, `cat` of the same document into a file
//! (beyond its own start, per pipeline), and compile's cost beyond its
//! start less that floor: what the disk charges any writer of those
//! bytes, taken out.
//!
//! Run with `cargo bench --bench scale`; `PIPEC_SCALE_SIZES=100,1000`
//! picks the sizes (default 100, 1,000, 10,000 and 100,000; the largest
//! writes about 5.0 GB of plans per run, removed afterwards). It prints a
//! table and the spread of each column (largest cost per pipeline over
//! smallest); it is a measurement, not a test.

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

/// Microseconds per pipeline beyond the fixed start: what `count`
/// pipelines cost over what [`FIXED`] cost (`fixed`), per pipeline added;
/// not a number when either is unknown.
fn beyond(time: Option<Duration>, fixed: Option<Duration>, count: usize) -> f64 {
    match (time, fixed) {
        (Some(time), Some(fixed)) => {
            (time.as_secs_f64() - fixed.as_secs_f64()) * 1e6 / (count - FIXED) as f64
        }
        _ => f64::NAN,
    }
}

/// The floor of writing `plans` (compile's document, which this removes):
/// `cat` of it into a file, removed before each run as compile's is, so
/// that both pay the page cache and the disk for the same bytes.
fn write_floor(plans: &std::path::Path, runs: usize, times: usize) -> services::Run {
    let source = plans.with_extension("floor.json");
    std::fs::rename(plans, &source).unwrap();
    let written =
        services::command_median("cat", &[source.to_str().unwrap()], Some(plans), runs, times);
    std::fs::remove_file(plans).unwrap();
    std::fs::remove_file(&source).unwrap();
    written
}

/// Milliseconds, or not a number when unknown.
fn millis(time: Option<Duration>) -> f64 {
    time.map_or(f64::NAN, |time| time.as_secs_f64() * 1e3)
}

/// The services of the workspace that measures the fixed start: two, so
/// that it starts the threads a larger workspace starts.
const FIXED: usize = 2;

fn main() {
    let sizes: Vec<usize> = std::env::var("PIPEC_SCALE_SIZES")
        .unwrap_or_else(|_| "100,1000,10000,100000".to_string())
        .split(',')
        .map(|size| size.trim().parse().unwrap())
        .collect();
    let runs: usize =
        std::env::var("PIPEC_SCALE_RUNS").map_or(5, |runs| runs.trim().parse().unwrap());
    let root = std::env::temp_dir().join(format!("pipec-bench-scale-{}", std::process::id()));
    let out = std::env::temp_dir().join(format!("pipec-bench-scale-{}.json", std::process::id()));
    // The fixed start: the process, the standard library's modules, the
    // org and team templates and the threads, on a workspace of two
    // services, averaged over many runs.
    services::workspace(&root, FIXED);
    let dir = root.to_str().unwrap().to_string();
    let services_dir = root.join("services").to_str().unwrap().to_string();
    let fixed_check = services::pipec_median(&["check", &dir], None, runs, 50);
    let fixed_compile = services::pipec_median(&["compile", &services_dir], Some(&out), runs, 50);
    let fixed_write = write_floor(&out, runs, 50);
    println!(
        "fixed start ({FIXED} services, 50 runs): check {:.1} ms ({:.1} ms CPU), compile {:.1} ms ({:.1} ms CPU), writing its plans {:.1} ms",
        millis(Some(fixed_check.wall)),
        millis(fixed_check.cpu),
        millis(Some(fixed_compile.wall)),
        millis(fixed_compile.cpu),
        millis(Some(fixed_write.wall)),
    );
    println!(
        "check and compile: the median of {runs} samples, each of enough runs for 2,000 pipelines; µs per pipeline, then beyond the fixed start"
    );
    println!(
        "and the floor of compile: `cat` of its plans into a file, beyond its own start, and compile beyond its start less that"
    );
    println!(
        "{:>8} | {:>10} {:>10} {:>9} | {:>12} {:>10} {:>9} | {:>13} | {:>11} {:>11} {:>11} {:>13} {:>11} {:>11} | {:>11} {:>13}",
        "services",
        "check µs/p",
        "cpu µs/p",
        "peak MiB",
        "compile µs/p",
        "cpu µs/p",
        "peak MiB",
        "simulate µs/p",
        "check+",
        "cpu+",
        "user+",
        "compile+",
        "cpu+",
        "user+",
        "write+",
        "compile+ net"
    );
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); 13];
    for &count in &sizes {
        let files = services::workspace(&root, count);
        // Enough runs per sample for 2,000 pipelines: CPU time is read in
        // hundredths of a second.
        let times = (2_000 / count).max(1);
        let check = services::pipec_median(&["check", &dir], None, runs, times);
        // One document of every plan, as `compile FILE > plans.json`
        // writes: the compiler's cost, not the file system's cost of
        // creating a file per plan (see `cargo bench --bench compile_dir`).
        let compile = services::pipec_median(&["compile", &services_dir], Some(&out), runs, times);
        assert!(std::fs::metadata(&out).unwrap().len() > count as u64 * 1000);
        let write = write_floor(&out, runs, times);
        // In this process, so the first sample also loads what every
        // later one finds loaded (time zones); the median of a few is
        // the steady cost. One at 100,000, where a sample compiles the
        // whole workspace again.
        let samples = if count <= 10_000 { runs } else { 1 };
        let mut simulations: Vec<Duration> =
            (0..samples.max(1)).map(|_| simulate_all(&files)).collect();
        simulations.sort();
        let simulate = simulations[simulations.len() / 2];
        let cpu = |run: &services::Run| run.cpu.map_or(f64::NAN, |cpu| per_pipeline(cpu, count));
        let compile_beyond = beyond(Some(compile.wall), Some(fixed_compile.wall), count);
        let write_beyond = beyond(Some(write.wall), Some(fixed_write.wall), count);
        let row = [
            per_pipeline(check.wall, count),
            cpu(&check),
            per_pipeline(compile.wall, count),
            cpu(&compile),
            per_pipeline(simulate, count),
            beyond(Some(check.wall), Some(fixed_check.wall), count),
            beyond(check.cpu, fixed_check.cpu, count),
            beyond(check.user, fixed_check.user, count),
            compile_beyond,
            beyond(compile.cpu, fixed_compile.cpu, count),
            beyond(compile.user, fixed_compile.user, count),
            write_beyond,
            compile_beyond - write_beyond,
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
        println!(
            "{count:>8} | {:>10.0} {:>10.0} {:>9} | {:>12.0} {:>10.0} {:>9} | {:>13.0} | {:>11.0} {:>11.0} {:>11.0} {:>13.0} {:>11.0} {:>11.0} | {:>11.0} {:>13.0}",
            row[0],
            row[1],
            services::mib(check.peak_kib),
            row[2],
            row[3],
            services::mib(compile.peak_kib),
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            row[10],
            row[11],
            row[12],
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
    println!(
        "spread beyond the fixed start: check {:.2} (cpu {:.2}, user {:.2}), compile {:.2} (cpu {:.2}, user {:.2}; less the write floor {:.2})",
        spread(&columns[5]),
        spread(&columns[6]),
        spread(&columns[7]),
        spread(&columns[8]),
        spread(&columns[9]),
        spread(&columns[10]),
        spread(&columns[12]),
    );
    let _ = std::fs::remove_dir_all(&root);
}
