//! Benchmark: compiling a workspace of 1,000 service pipelines (the
//! sample's org → team → service chain, a thousand times) with the `pipec`
//! binary, as a CI job would: one process for the directory (`compile DIR
//! -o OUTDIR`, on one core and on all) against one process per service
//! file; with each run's peak memory when `/usr/bin/time` is there.
//!
//! Run with `cargo bench --bench compile_dir`. It prints times, ratios and
//! peak memory; it is a measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SERVICES: usize = 1_000;

fn workspace(root: &Path) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root.join("team")).unwrap();
    std::fs::create_dir_all(root.join("services")).unwrap();
    std::fs::write(root.join("pipec.toml"), "").unwrap();
    std::fs::copy("examples/sample/org.pipe", root.join("org.pipe")).unwrap();
    std::fs::copy(
        "examples/sample/team/service.pipe",
        root.join("team/service.pipe"),
    )
    .unwrap();
    let service = std::fs::read_to_string("examples/sample/services/orders_api.pipe").unwrap();
    (0..SERVICES)
        .map(|idx| {
            let path = root.join(format!("services/service_{idx:04}.pipe"));
            let text = service
                .replace("pipeline orders_api", &format!("pipeline service_{idx:04}"))
                .replace("orders-api", &format!("service-{idx:04}"))
                .replace("OrdersApi_", &format!("Service{idx:04}_"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// Runs `pipec ARGS`, returning the wall time and the peak memory in KiB
/// (when `/usr/bin/time` can say).
fn run(args: &[&str]) -> (Duration, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let mut command = if time.is_file() {
        let mut command = Command::new(time);
        command
            .args(["-f", "peak=%M"])
            .arg(env!("CARGO_BIN_EXE_pipec"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_pipec"))
    };
    let begun = Instant::now();
    let output = command
        .args(args)
        .args(["--today", "2026-11-22", "--quiet"])
        .output()
        .unwrap();
    let elapsed = begun.elapsed();
    assert!(output.status.success(), "{output:?}");
    let peak = String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| line.strip_prefix("peak="))
        .and_then(|value| value.trim().parse().ok());
    (elapsed, peak)
}

fn main() {
    let root = std::env::temp_dir().join(format!("pipec-bench-compile-dir-{}", std::process::id()));
    let files = workspace(&root);
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
        let (wall, peak) = run(&args);
        let written = std::fs::read_dir(&out).unwrap().count();
        assert_eq!(written, SERVICES);
        println!(
            "compile DIR -o OUTDIR, {SERVICES} pipelines, --jobs {}: {:.2} s, peak {}",
            if jobs == "1" {
                "1".to_string()
            } else {
                pipec::parallel::cores().to_string()
            },
            wall.as_secs_f64(),
            peak.map_or_else(|| "?".to_string(), |kib| format!("{} MiB", kib / 1024))
        );
        one_process.push(wall);
    }
    let out = root.join("out-each");
    std::fs::create_dir_all(&out).unwrap();
    let begun = Instant::now();
    let mut peak_each = 0;
    for file in &files {
        let target = out.join(file.file_stem().unwrap()).with_extension("json");
        let (_, peak) = run(&[
            "compile",
            file.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ]);
        peak_each = peak_each.max(peak.unwrap_or(0));
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
