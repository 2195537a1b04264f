//! Fuzzing on stable Rust: each target runs seeded mutants of a seed
//! corpus for a few seconds (`PIPEC_FUZZ_SECONDS` for longer) and fails
//! with a saved, shrunk input on a panic, a non-deterministic check, a
//! formatting that is not stable or changes the meaning, or a reader that
//! panics instead of refusing. See `docs/testing.md`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod fuzzing;
mod sim;

use fuzzing::{corpus, mutate};
use pipec::diagnostics::Code;
use pipec::export::{convert, plan_v1};
use pipec::sim::{Options, scenario};
use pipec::source::FileId;
use pipec::workspace::{self, Checked, Input};

/// Every label lies inside its file.
fn assert_labels_in_bounds(checked: &Checked) {
    for diagnostic in &checked.diagnostics {
        let label = diagnostic
            .primary_label()
            .unwrap_or_else(|| panic!("diagnostic {} without a label", diagnostic.code));
        let len = checked.sources.get(label.file).unwrap().text.len() as u32;
        assert!(
            label.span.start <= label.span.end && label.span.end <= len,
            "{}: label {:?} outside a file of {len} bytes",
            diagnostic.code,
            label.span
        );
    }
}

#[test]
fn parse() {
    fuzzing::run("parse", &corpus::sources(), mutate::bytes, |bytes| {
        let parsed = pipec::syntax::parse_file(&String::from_utf8_lossy(bytes), FileId(0));
        let checked = workspace::check_inputs(vec![Input {
            name: "input.pipe".to_string(),
            bytes: bytes.to_vec(),
        }]);
        assert_labels_in_bounds(&checked);
        parsed.diagnostics.is_empty()
    });
}

#[test]
fn check() {
    fuzzing::run("check", &corpus::sources(), mutate::bytes, |bytes| {
        let first = corpus::check(bytes);
        assert_labels_in_bounds(&first);
        let second = corpus::check(bytes);
        assert_eq!(
            format!("{:?}", first.diagnostics),
            format!("{:?}", second.diagnostics),
            "two checks of one input differ"
        );
        !first.has_errors()
    });
}

fn codes(checked_diagnostics: &[pipec::diagnostics::Diagnostic]) -> Vec<Code> {
    let mut codes: Vec<Code> = checked_diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes
}

/// A plan as JSON without the source positions of its provenance, which
/// formatting moves.
fn plan_without_positions(plan: &pipec::plan::Plan, sources: &pipec::source::SourceMap) -> String {
    let json = plan_v1::to_json(&convert::to_v1(plan, sources));
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    strip_positions(&mut value);
    value.to_string()
}

fn strip_positions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("line");
            map.remove("column");
            map.values_mut().for_each(strip_positions);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_positions),
        _ => {}
    }
}

#[test]
fn format_round_trip() {
    let mutants = |rng: &mut sim::generate::Rng, seeds: &[Vec<u8>]| {
        if rng.chance(70) {
            mutate::layout(rng, seeds)
        } else {
            mutate::bytes(rng, seeds)
        }
    };
    fuzzing::run("format", &corpus::parsing_sources(), mutants, |bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        if !pipec::syntax::parse_file(text, FileId(0))
            .diagnostics
            .is_empty()
        {
            return false;
        }
        let once = match pipec::syntax::format::format(text, FileId(0)) {
            Ok(once) => once,
            Err(error) => panic!("a source that parses was not formatted: {error:?}"),
        };
        let twice = pipec::syntax::format::format(&once, FileId(0));
        assert_eq!(twice.ok().as_ref(), Some(&once), "formatting is not stable");
        let (before, after) = (corpus::compile(bytes), corpus::compile(once.as_bytes()));
        assert_eq!(
            codes(&before.diagnostics),
            codes(&after.diagnostics),
            "formatting changed the diagnostics"
        );
        let plans = |compiled: &workspace::Compiled| -> Vec<String> {
            compiled
                .plans
                .iter()
                .map(|plan| plan_without_positions(plan, &compiled.sources))
                .collect()
        };
        assert_eq!(plans(&before), plans(&after), "formatting changed the plan");
        true
    });
}

fn options() -> Options {
    Options {
        start: Some(sim::at("2027-01-25T09:00:00-08:00")),
        auto_approve: true,
    }
}

#[test]
fn plan_reader() {
    let seeds = corpus::plans();
    // The sample's services compile among the templates they import: the
    // largest plans of the repository are seeds too.
    let pipelines: Vec<String> = seeds
        .iter()
        .filter_map(|seed| serde_json::from_slice::<serde_json::Value>(seed).ok())
        .filter_map(|plan| plan["pipeline"].as_str().map(str::to_string))
        .collect();
    for pipeline in ["orders_api", "payments_worker"] {
        assert!(
            pipelines.iter().any(|name| name == pipeline),
            "no seed is the plan of `{pipeline}`: {pipelines:?}"
        );
    }
    fuzzing::run("plan", &seeds, mutate::json, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        match plan_v1::from_json(&text) {
            Ok(plan) => {
                // What `pipec simulate` does with a plan it read.
                let _ = pipec::sim::simulate(&plan, &scenario::Scenario::empty(), &options());
                true
            }
            Err(error) => {
                assert!(!error.to_string().is_empty(), "a refusal without a reason");
                false
            }
        }
    });
}

#[test]
fn scenario_reader() {
    let plan = sim::compile(sim::TINY);
    fuzzing::run("scenario", &corpus::scenarios(), mutate::json, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        match scenario::from_json(&text) {
            Ok(scenario) => {
                let _ = pipec::sim::simulate(&plan, &scenario, &options());
                true
            }
            Err(error) => {
                assert!(!error.to_string().is_empty(), "a refusal without a reason");
                false
            }
        }
    });
}

/// A sample of mutants through the binary: `check` and `fmt --check` end
/// with an exit status of 0, 1 or 2 (never a signal), and never panic.
#[test]
fn the_cli_exits_0_1_or_2_on_mutants() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let seeds = corpus::sources();
    let mut rng = sim::generate::Rng::new(11);
    for index in 0..24 {
        let path = dir.join(format!("mutant{index}.pipe"));
        std::fs::write(&path, mutate::bytes(&mut rng, &seeds)).unwrap();
        for args in [&["check"][..], &["fmt", "--check"][..]] {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_pipec"))
                .args(args)
                .arg(&path)
                .current_dir(&dir)
                .output()
                .unwrap();
            let status = output.status;
            assert!(
                matches!(status.code(), Some(0..=2)),
                "pipec {args:?} {} ended with {status}",
                path.display()
            );
            // A panic ends with status 2 too: its message tells it apart.
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                !stderr.contains("internal error") && !stderr.contains("panicked"),
                "pipec {args:?} {} panicked: {stderr}",
                path.display()
            );
        }
    }
}
