//! Benchmark: `check` and `compile` of 1,000 service pipelines that extend
//! a three-level chain (org → team → service) over the 34 commercial
//! regions, with five waves, one-box and AZ steps: the sample pipeline,
//! a thousand times.
//!
//! Run with `cargo bench --bench compile`. It prints median times and the
//! size of the output; it is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod support;

use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::workspace;
use std::path::PathBuf;
use std::time::Duration;
use support::{RUNS, time};

const SERVICES: usize = 1_000;

// The allocator the `pipec` binary uses, so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let org = std::fs::read_to_string("examples/sample/org.pipe").unwrap();
    let team = std::fs::read_to_string("examples/sample/team/service.pipe").unwrap();
    let service = std::fs::read_to_string("examples/sample/services/orders_api.pipe").unwrap();
    let mut loader = MemoryLoader::in_dir("/bench");
    loader.add("pipec.toml", "");
    loader.add("org.pipe", org);
    loader.add("team/service.pipe", team);
    let mut entries = Vec::new();
    for idx in 0..SERVICES {
        let name = format!("services/service_{idx:04}.pipe");
        let text = service
            .replace("pipeline orders_api", &format!("pipeline service_{idx:04}"))
            .replace("orders-api", &format!("service-{idx:04}"))
            .replace("OrdersApi_", &format!("Service{idx:04}_"));
        loader.add(&name, text);
        entries.push(Entry {
            path: PathBuf::from(name),
            bytes: None,
            name: None,
        });
    }

    let check = time(|| {
        let checked =
            workspace::check_workspace(entries.clone(), &loader, jiff::civil::date(2026, 11, 22));
        assert!(
            !checked.has_errors(),
            "{}",
            pipec::diagnostics::render::to_plain_string(&checked.diagnostics, &checked.sources)
        );
        checked
    });
    println!(
        "check {SERVICES} pipelines: median {:.1} ms over {RUNS} runs",
        ms(check)
    );

    let mut steps = 0;
    let mut bytes = 0;
    let compile = time(|| {
        let compiled =
            workspace::compile_workspace(entries.clone(), &loader, jiff::civil::date(2026, 11, 22));
        assert!(!compiled.has_errors());
        assert_eq!(compiled.plans.len(), SERVICES);
        steps = compiled.plans.iter().map(|plan| plan.steps.len()).sum();
        // What `pipec compile` writes for them by default: an array of the
        // plans, compact.
        let plans: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
        let exported = pipec::export::plans_to_v1(&plans, &compiled.sources);
        bytes = pipec::export::plans_to_json(&exported, pipec::export::Layout::Compact).len();
        compiled
    });
    println!(
        "compile {SERVICES} pipelines to JSON: median {:.1} ms over {RUNS} runs: {steps} steps, {:.1} MB of JSON",
        ms(compile),
        bytes as f64 / 1e6
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
