//! Benchmark: compiling a workspace of 1,000 service pipelines (the
//! sample's org → team → service chain, a thousand times) with the `pipec`
//! binary, as a CI job would: one process for the directory (`compile DIR
//! -o OUTDIR`, on one core and on all) against one process per service
//! file; with each run's peak memory when `/usr/bin/time` is there.
//!
//! Run with `cargo bench --bench compile_dir`. It prints times, ratios and
//! peak memory; it is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

#[path = "support/services.rs"]
mod services;

use std::time::Instant;

const SERVICES: usize = 1_000;

fn main() {
    let root = std::env::temp_dir().join(format!("pipec-bench-compile-dir-{}", std::process::id()));
    let files = services::workspace(&root, SERVICES);
    let dir = root.to_str().unwrap();
    let mut one_process = Vec::new();
    for jobs in ["1", "0"] {
        let out = root.join(format!("out-{jobs}"));
        let mut args = vec!["compile", dir, "-o", out.to_str().unwrap()];
        let cores = pipec::parallel::cores().to_string();
        if jobs == "1" {
            args.extend(["--jobs", "1"]);
        } else {
            args.extend(["--jobs", &cores]);
        }
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let services::Run { wall, peak_kib, .. } = services::pipec(&args);
        let written = std::fs::read_dir(&out).unwrap().count();
        assert_eq!(written, SERVICES);
        println!(
            "compile DIR -o OUTDIR, {SERVICES} pipelines, --jobs {}: {:.2} s, peak {} MiB",
            if jobs == "1" {
                "1".to_string()
            } else {
                pipec::parallel::cores().to_string()
            },
            wall.as_secs_f64(),
            services::mib(peak_kib)
        );
        one_process.push(wall);
    }
    let out = root.join("out-each");
    std::fs::create_dir_all(&out).unwrap();
    let begun = Instant::now();
    let mut peak_each = 0;
    for file in &files {
        let target = out.join(file.file_stem().unwrap()).with_extension("json");
        let run = services::pipec(&[
            "compile",
            file.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ]);
        peak_each = peak_each.max(run.peak_kib.unwrap_or(0));
    }
    let each = begun.elapsed();
    println!(
        "compile FILE -o FILE, one process per file, {SERVICES} files: {:.2} s (peak per process {} MiB)",
        each.as_secs_f64(),
        peak_each / 1024
    );
    println!(
        "one process for the directory is {:.1}x faster than a process per file (all cores)",
        each.as_secs_f64() / one_process[1].as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
}
