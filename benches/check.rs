//! Benchmark: `check` over a generated workspace of about 100,000 lines.
//!
//! Run with `cargo bench --bench check`. It prints the median time of
//! several runs and the throughput in lines and megabytes per second.
//! It is a measurement, not a test: nothing here fails on a slow machine.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod support;

use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::workspace::{self, Input};
use std::time::Duration;
use support::{RUNS, time};

const TARGET_LINES: usize = 100_000;

fn template(idx: usize) -> String {
    format!(
        r#"// Team template {idx}: shared stages, waves and bakes.
import "std/aws"
import "std/calendars"

window business_hours_{idx} {{
  zone   = "America/Los_Angeles"
  allow  = [mon..thu 09:00..16:00, fri 09:00..12:00]
  except = calendars.us_holidays
  blackout = [2026-12-21..2027-01-04]
}}

template Team{idx} {{
  abstract service  : string
  abstract platform : platform
  abstract alarm high_severity
  abstract alarm onebox

  source code = git("git@example.com:team/${{service}}.git", branch: "mainline") {{ require review }}
  build bundle from code {{ run = "make release"; sign = true }}

  stage beta {{
    deploy bundle
    test integration {{ run = "make itest"; timeout = 30m }}
  }}
  stage gamma {{
    regions = [us-east-1, eu-west-1]
    onebox {{ bake = 30m }}
    deploy bundle
    test canary
    bake = 1h
  }}

  production {{
    registry = aws
    strategy = rolling(batch: 33%, min_healthy: 66%)
    rollback on high_severity
    block on high_severity overridable, aws.large_scale_event
    window business_hours_{idx} overridable
    onebox {{ traffic <= 10%; bake = 1h; rollback on onebox }}

    wave first  {{ regions = aws where traffic == low take 1; by az {{ bake = 1h }}; bake = 12h
                  wait for 100 requests("CreateApi") }}
    wave second {{ regions = aws where traffic == high take 1; by az; bake = 4h }}
    wave third  {{ regions = [us-west-2, eu-west-1, ap-northeast-1]; bake = 4h }}
    wave fourth {{ regions = aws where traffic in [high, medium] take 12; bake = 2h }}
    wave rest   {{ regions = rest; bake = 2h }}
  }}

  profile emergency {{ bake scale 25%; require approval("senior-engineer") }}
}}
"#
    )
}

fn service(team: usize, idx: usize) -> String {
    format!(
        r#"// Service {idx} of team {team}.
import "../../team{team}.pipe"

pipeline service_{team}_{idx} extends Team{team} {{
  service  = "service-{team}-{idx}"
  platform = ecs
  alarm high_severity = ALARM("Service{idx}_High_Fault_Rate")
                     or ALARM("Service{idx}_High_P99_Latency")
                     or ALARM("Service{idx}_Errors_In_Logs")
  alarm onebox = high_severity or ALARM("Service{idx}_OneBox_High_Fault_Rate")

  stage gamma {{
    new test load {{ run = "make load-test TARGET=${{service}}"; timeout = 15m }}
  }}

  production {{
    wave first {{ bake = 24h }}
    block artifacts containing package "libjson@2.3.1"
    block artifacts containing git "refs/tags/bad-{idx}" overridable
    exclude [me-south-1] because "not launched for this service"
  }}

  profile emergency {{ bake scale 10% }}
}}
"#
    )
}

fn workspace() -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut lines = 0;
    let mut team = 0;
    while lines < TARGET_LINES {
        let text = template(team);
        lines += text.lines().count();
        inputs.push(Input {
            name: format!("team{team}.pipe"),
            bytes: text.into_bytes(),
        });
        for idx in 0..20 {
            let text = service(team, idx);
            lines += text.lines().count();
            inputs.push(Input {
                name: format!("services/{team}/service_{idx}.pipe"),
                bytes: text.into_bytes(),
            });
        }
        team += 1;
    }
    inputs
}

fn main() {
    let inputs = workspace();
    let lines: usize = inputs
        .iter()
        .map(|input| input.bytes.iter().filter(|&&b| b == b'\n').count())
        .sum();
    let bytes: usize = inputs.iter().map(|input| input.bytes.len()).sum();
    println!(
        "workspace: {} files, {lines} lines, {:.1} MB",
        inputs.len(),
        bytes as f64 / 1e6
    );

    // Parsing and shape checks alone, each file on its own.
    let median = time(|| {
        let checked = workspace::check_inputs(inputs.clone());
        assert!(
            !checked.has_errors(),
            "the generated workspace must be valid"
        );
        checked
    });
    report("parse + shape", median, lines, bytes);

    // Everything `pipec check` does: imports, names, chains, merging.
    let mut loader = MemoryLoader::in_dir("/bench");
    loader.add("pipec.toml", "");
    for input in &inputs {
        loader.add(&input.name, input.bytes.clone());
    }
    let entries: Vec<Entry> = inputs
        .iter()
        .map(|input| Entry {
            path: input.name.clone().into(),
            bytes: None,
            name: None,
        })
        .collect();
    let median = time(|| {
        let checked =
            workspace::check_workspace(entries.clone(), &loader, jiff::civil::date(2026, 11, 22));
        assert!(
            !checked.has_errors(),
            "{}",
            pipec::diagnostics::render::to_plain_string(
                &checked.diagnostics[..checked.diagnostics.len().min(3)],
                &checked.sources
            )
        );
        checked
    });
    report("full check", median, lines, bytes);
}

fn report(what: &str, median: Duration, lines: usize, bytes: usize) {
    let seconds = median.as_secs_f64();
    println!(
        "{what}: median {:.1} ms over {RUNS} runs: {:.0} lines/s, {:.1} MB/s",
        seconds * 1e3,
        lines as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
}
