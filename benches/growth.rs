//! Benchmark: how `check` and `fmt` grow with the size of shapes that were
//! once quadratic (or worse), a chain of imported files among them. For each shape it times an input of n items and one of
//! 8n, and prints the ratio: about 8 is linear, about 64 quadratic.
//!
//! Run with `cargo bench --bench growth`, or `cargo bench --bench growth --
//! WORDS` for only the shapes whose name contains WORDS (e.g. `distinct`).
//! It is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used, missing_docs)]

mod support;

use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use std::path::PathBuf;
use std::time::Duration;
use support::time;

// The allocator the `pipec` binary uses, so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A shape: its name, and the text of an input of n items.
type Shape = (&'static str, fn(usize) -> String);

const SHAPES: &[Shape] = &[
    ("fields in one body", |n| {
        let fields: String = (0..n)
            .map(|i| format!("  f{i} : string = \"x\"\n"))
            .collect();
        format!("template T {{\n{fields}}}\n")
    }),
    ("stages in one template", |n| {
        let stages: String = (0..n).map(|i| format!("  stage s{i} {{ }}\n")).collect();
        format!("template T {{\n{stages}}}\n")
    }),
    ("regions in one registry", |n| {
        let regions: String = (0..n)
            .map(|i| format!("  region r{i} {{ traffic = low }}\n"))
            .collect();
        format!("registry R {{\n{regions}}}\n")
    }),
    ("alarms, each after a comment", |n| {
        (0..n)
            .map(|i| format!("// c{i}\nalarm a{i} = ALARM(\"x{i}\")\n"))
            .collect()
    }),
    ("uses of one unknown name", |n| {
        (0..n)
            .map(|i| format!("template T{i} extends Missing {{ }}\n"))
            .collect()
    }),
    ("distinct unknown names", |n| {
        (0..n)
            .map(|i| format!("template T{i} extends Missing{i} {{ }}\n"))
            .collect()
    }),
];

const N: usize = 2_000;

fn check(text: &str) -> Duration {
    let mut loader = MemoryLoader::in_dir("/growth");
    loader.add("shape.pipe", text.to_string());
    let entries = vec![Entry {
        path: PathBuf::from("shape.pipe"),
        bytes: None,
        name: None,
    }];
    time(|| {
        pipec::workspace::check_workspace(entries.clone(), &loader, jiff::civil::date(2026, 12, 1))
    })
}

/// A chain of `n` files, each importing the next.
fn check_chain(n: usize) -> Duration {
    let mut loader = MemoryLoader::in_dir("/growth");
    for index in 0..n {
        let import = if index + 1 < n {
            format!("import \"f{}.pipe\"\n", index + 1)
        } else {
            String::new()
        };
        loader.add(
            format!("f{index}.pipe"),
            format!("{import}alarm a{index} = ALARM(\"x{index}\")\n"),
        );
    }
    let entries = vec![Entry {
        path: PathBuf::from("f0.pipe"),
        bytes: None,
        name: None,
    }];
    time(|| {
        pipec::workspace::check_workspace(entries.clone(), &loader, jiff::civil::date(2026, 12, 1))
    })
}

fn format(text: &str) -> Duration {
    time(|| pipec::syntax::format::format(text, pipec::source::FileId(0)))
}

fn main() {
    // Cargo passes `--bench` itself; the words after `--` choose shapes.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let chosen = |name: &str| filter.is_empty() || filter.iter().any(|word| name.contains(word));
    println!("n = {N}, 8n = {}", 8 * N);
    for (name, make) in SHAPES.iter().filter(|(name, _)| chosen(name)) {
        let (small, large) = (make(N), make(8 * N));
        let (a, b) = (check(&small), check(&large));
        println!(
            "check, {name}: {:.1} ms, {:.1} ms, ratio {:.1}",
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64()
        );
    }
    if chosen("a chain of imported files") {
        let (a, b) = (check_chain(N), check_chain(8 * N));
        println!(
            "check, a chain of imported files: {:.1} ms, {:.1} ms, ratio {:.1}",
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64()
        );
    }
    if !chosen("fmt, alarms") {
        return;
    }
    let make = SHAPES[3].1;
    let (a, b) = (format(&make(N)), format(&make(8 * N)));
    println!(
        "fmt, alarms, each after a comment: {:.1} ms, {:.1} ms, ratio {:.1}",
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        b.as_secs_f64() / a.as_secs_f64()
    );
}
