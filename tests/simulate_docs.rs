//! The simulator's documentation is real: every scenario shown in
//! docs/simulation.md, the README and examples/scenarios/ is valid against
//! the schema and runs; every output shown is what the simulator prints;
//! the schema and the reader agree; and the seed comparison's figures are
//! recomputed from a simulation of the sample.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim;
mod support;

use pipec::export::{convert, plan_v1::PlanV1};
use pipec::modules::Entry;
use pipec::sim::report::{RunEnding, Simulation};
use pipec::sim::{Options, output, scenario};
use pipec::workspace;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

const SAMPLE: &str = "examples/sample/services/orders_api.pipe";
const SEED_START: &str = "2027-01-25T09:00:00-08:00";

fn sample_plan(profile: Option<&str>) -> PlanV1 {
    let entries = vec![Entry {
        path: PathBuf::from(SAMPLE),
        bytes: None,
        name: None,
    }];
    let compiled =
        workspace::compile_workspace_with(entries, &support::FsLoader, support::TODAY, profile);
    assert!(!compiled.has_errors());
    convert::to_v1(&compiled.plans[0], &compiled.sources)
}

/// The plan a block's tag names.
fn plan_named(name: &str) -> PlanV1 {
    match name {
        "sample" | "sample-seed" => sample_plan(None),
        "sample-emergency" => sample_plan(Some("emergency")),
        "tiny" => sim::compile(sim::TINY),
        other => panic!("unknown plan `{other}` in a block's tag"),
    }
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/scenario-v1.schema.json").unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(text).unwrap();
    validator
        .iter_errors(&value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

struct Block {
    language: String,
    tags: Vec<String>,
    text: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut current: Option<Block> = None;
    for (idx, line) in markdown.lines().enumerate() {
        match &mut current {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut words = info.split_whitespace().map(str::to_string);
                    current = Some(Block {
                        language: words.next().unwrap_or_default(),
                        tags: words.collect(),
                        text: String::new(),
                        line: idx + 1,
                    });
                }
            }
            Some(_) if line.starts_with("```") => found.extend(current.take()),
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
        }
    }
    found
}

fn simulate(plan: &PlanV1, scenario_text: Option<&str>, start: Option<&str>) -> Simulation {
    let scenario = scenario_text.map_or_else(scenario::Scenario::empty, |text| {
        scenario::from_json(text).unwrap()
    });
    let options = Options {
        start: start.map(sim::at),
        auto_approve: false,
    };
    pipec::sim::simulate(plan, &scenario, &options).unwrap()
}

fn render(language: &str, simulation: &Simulation) -> String {
    match language {
        "text" => output::text::render(simulation),
        "json" => output::json::render(simulation),
        "mermaid" => output::mermaid::render(simulation),
        other => panic!("no output in {other}"),
    }
}

fn check_document(path: &str) -> usize {
    let validator = validator();
    let markdown = std::fs::read_to_string(path).unwrap();
    let mut scenarios: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;
    for block in blocks(&markdown) {
        let place = format!("{path}:{}", block.line);
        let tags: Vec<&str> = block.tags.iter().map(String::as_str).collect();
        match (block.language.as_str(), tags.as_slice()) {
            ("json", ["scenario", plan, rest @ ..]) => {
                let errors = schema_errors(&validator, &block.text);
                assert!(errors.is_empty(), "{place}: {errors:#?}");
                let scenario = scenario::from_json(&block.text)
                    .unwrap_or_else(|error| panic!("{place}: {error}"));
                let options = Options {
                    start: Some(sim::at(SEED_START)),
                    auto_approve: false,
                };
                let result = pipec::sim::simulate(&plan_named(plan), &scenario, &options);
                assert_eq!(result.is_err(), rest == ["refused"], "{place}: {result:?}");
                scenarios.insert(
                    format!("{plan} {}", rest.join(" ")).trim().to_string(),
                    block.text.clone(),
                );
            }
            ("text", ["output", "sample", "refused"]) => {
                let scenario_path = std::env::temp_dir()
                    .join(format!("pipec-docs-refused-{}.json", std::process::id()));
                std::fs::write(&scenario_path, &scenarios["sample refused"]).unwrap();
                let output = std::process::Command::new(env!("CARGO_BIN_EXE_pipec"))
                    .args(["simulate", SAMPLE, "--start", SEED_START, "--scenario"])
                    .arg(&scenario_path)
                    .output()
                    .unwrap();
                assert_eq!(output.status.code(), Some(2), "{place}");
                let expected: String = block
                    .text
                    .lines()
                    .skip(1)
                    .map(|line| format!("{line}\n"))
                    .collect();
                let actual = String::from_utf8(output.stderr).unwrap();
                assert_eq!(actual.trim_end(), expected.trim_end(), "{place}");
            }
            (language, ["output", plan, rest @ ..]) => {
                let simulation = if *plan == "sample-seed" {
                    simulate(&plan_named(plan), None, Some(SEED_START))
                } else {
                    simulate(&plan_named(plan), Some(&scenarios[*plan]), None)
                };
                let actual = render(language, &simulation);
                if rest == ["excerpt"] {
                    let mut lines = actual.lines();
                    for wanted in block.text.lines() {
                        assert!(
                            lines.any(|line| line == wanted),
                            "{place}: `{wanted}` is not in the output, in this order:\n{actual}"
                        );
                    }
                } else {
                    assert_eq!(block.text, actual, "{place}");
                }
            }
            ("json", _) => panic!(
                "{place}: a JSON block must say what it is (`scenario PLAN` or `output PLAN`)"
            ),
            ("pipe", _) if path == "docs/simulation.md" => {
                assert_eq!(
                    block.text,
                    sim::TINY,
                    "{place}: the worked example is the tests' pipeline"
                );
            }
            _ => continue,
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_scenario_and_output_in_the_simulation_docs_is_real() {
    let checked = check_document("docs/simulation.md");
    assert!(checked >= 9, "only {checked} blocks checked");
}

#[test]
fn the_readme_simulation_excerpt_is_real() {
    assert_eq!(check_document("README.md"), 1);
}

#[test]
fn every_example_scenario_is_valid_and_runs() {
    let validator = validator();
    let docs = std::fs::read_to_string("docs/simulation.md").unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir("examples/scenarios").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        let plan = if path.ends_with("emergency_fix.json") {
            plan_named("sample-emergency")
        } else {
            plan_named("sample")
        };
        let simulation = simulate(&plan, Some(&text), None);
        assert!(!simulation.events.is_empty());
        count += 1;
        if !path.ends_with("onebox_alarm.json") {
            assert!(
                docs.contains(&text),
                "{} is shown in docs/simulation.md as it is",
                path.display()
            );
        }
    }
    assert_eq!(count, 3);
}

#[test]
fn the_schema_and_the_reader_agree() {
    let validator = validator();
    let valid = [
        r#"{"format_version": "1.0"}"#,
        r#"{"format_version": "1.0", "approvals": [{"step": "x/y", "change": "c1", "at": "2027-01-25T09:00:00Z"}], "changes": [{"id": "c1"}]}"#,
        r#"{"format_version": "1.0", "alarms": [{"alarm": "A", "from": "2027-01-25T09:00:00+01:00"}], "traffic": {"untiered": 0}}"#,
        r#"{"format_version": "1.0", "alarms": [{"alarm": "A", "from": "2027-01-25T09:00Z", "to": "2027-01-25T10:00-08:00"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00+23:59"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00-19:30"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "fix 1234 é"}, {"id": " c2 "}]}"#,
    ];
    for text in valid {
        assert!(schema_errors(&validator, text).is_empty(), "{text}");
        assert!(scenario::from_json(text).is_ok(), "{text}");
    }
    let invalid = [
        r#"{"format_version": "2.0"}"#,
        r#"{}"#,
        r#"{"format_version": "1.0", "extra": 1}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged": "2027-01-25T09:00:00Z"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25 09:00"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25 09:00:00Z"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25t09:00:00z"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00+01:00[Europe/Paris]"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00+25:00"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00-08:60"}]}"#,
        r#"{"format_version": "1.0", "approvals": [{"role": "r", "at": "2027-01-25T09:00:00Z", "after_seconds": 5}]}"#,
        r#"{"format_version": "1.0", "approvals": [{"role": "r", "step": "s", "after_seconds": 5}]}"#,
        r#"{"format_version": "1.0", "approvals": [{"role": "r"}]}"#,
        r#"{"format_version": "1.0", "durations": {"kinds": {"bake": 5}}}"#,
        r#"{"format_version": "1.0", "durations": {"steps": {"a": -1}}}"#,
        r#"{"format_version": "1.0", "traffic": {"regions": {"a": 1.5}}}"#,
        r#"{"format_version": "1.0", "overrides": [{"step": "s"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": " "}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1\nc2"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c1\n"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "\tc1"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c\u0000"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c\u007f"}]}"#,
        r#"{"format_version": "1.0", "changes": [{"id": "c\u0085"}]}"#,
    ];
    for text in invalid {
        assert!(
            !schema_errors(&validator, text).is_empty(),
            "the schema accepts {text}"
        );
        assert!(
            scenario::from_json(text).is_err(),
            "the reader accepts {text}"
        );
    }
}

/// A misspelt field is set aside and listed with the other problems; every
/// field the types have is known where it is, so that one misspelling
/// never makes the reader set aside a correct field with it.
#[test]
fn the_reader_sets_aside_only_unknown_fields() {
    let every_field = r#"{"format_version": "1.0", "colour": 1,
      "changes": [{"id": "c1", "merged_at": "2027-01-25T09:00:00Z", "packages": [], "git_refs": []}],
      "alarms": [{"alarm": "A", "region": "r", "from": "2027-01-25T09:00:00Z", "to": "2027-01-25T10:00:00Z"}],
      "approvals": [{"role": "r", "change": "c1", "at": "2027-01-25T09:00:00Z"}, {"step": "s", "after_seconds": 5}],
      "overrides": [{"gate": "g", "step": "s", "change": "c1"}],
      "durations": {"kinds": {"source": 1, "build": 1, "test": 1, "deploy": 1, "onebox_deploy": 1}, "steps": {"s": 1}},
      "traffic": {"tiers": {"low": 1}, "regions": {"r": 1}, "untiered": 1}}"#;
    let read = scenario::read(every_field).unwrap();
    assert_eq!(
        read.set_aside,
        [
            "unknown field `colour`, expected one of `format_version`, `changes`, `alarms`, `approvals`, `overrides`, `durations`, `traffic`"
        ]
    );
    assert_eq!(read.problems(), read.set_aside);
    let message = scenario::from_json(every_field).unwrap_err().to_string();
    assert_eq!(message.matches("unknown field").count(), 1, "{message}");
    assert!(scenario::from_json(&every_field.replace(r#""colour": 1,"#, "")).is_ok());
}

/// `73h25m`: hours and minutes, as the docs' table writes them.
fn hours(seconds: i64) -> String {
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    match (hours, minutes) {
        (0, minutes) => format!("{minutes}m"),
        (hours, 0) => format!("{hours}h"),
        (hours, minutes) => format!("{hours}h{minutes}m"),
    }
}

#[test]
fn the_seed_comparison_is_recomputed_from_the_sample() {
    let plan = plan_named("sample");
    let simulation = simulate(&plan, None, Some(SEED_START));
    let runs: BTreeMap<usize, (i64, i64)> = simulation
        .runs
        .iter()
        .filter(|run| run.ending == RunEnding::Finished)
        .map(|run| {
            (
                run.step,
                (run.start.as_second(), run.end.unwrap().as_second()),
            )
        })
        .collect();
    let merged = simulation.changes[0].merged_at.as_second();
    let index = |id: &str| plan.steps.iter().position(|step| *step.id == *id).unwrap();

    // Walk back from the last production deploy along the need that
    // finished last, and sort the time into the table's rows.
    let last = runs
        .iter()
        .filter(|(step, _)| {
            let step = &plan.steps[**step];
            &*step.target.stage == "production"
                && matches!(step.params, pipec::export::plan_v1::Params::Deploy(_))
        })
        .max_by_key(|(step, (_, end))| (*end, std::cmp::Reverse(**step)))
        .map(|(step, _)| *step)
        .unwrap();
    let (mut pre, mut deploys, mut onebox_bakes, mut wave_bakes, mut waiting) = (0, 0, 0, 0, 0);
    let mut current = Some(last);
    while let Some(step_idx) = current {
        let step = &plan.steps[step_idx];
        let (start, end) = runs[&step_idx];
        let previous = step
            .needs
            .iter()
            .map(|need| index(need))
            .max_by_key(|need| (runs[need].1, std::cmp::Reverse(*need)));
        let ready = previous.map_or(merged, |need| runs[&need].1);
        let production = &*step.target.stage == "production";
        match (&step.params, production) {
            (_, false) => pre += end - ready,
            (pipec::export::plan_v1::Params::Bake(_), true) if step.target.onebox => {
                onebox_bakes += end - start
            }
            (pipec::export::plan_v1::Params::Bake(_), true) => wave_bakes += end - start,
            (_, true) => deploys += end - start,
        }
        if production {
            waiting += start - ready;
        }
        current = previous;
    }
    let rows = [
        (pre, "1h56m"),
        (deploys, "2h5m"),
        (onebox_bakes, "5h"),
        (wave_bakes, "34h"),
        (waiting, "30h24m"),
        (
            pre + deploys + onebox_bakes + wave_bakes + waiting,
            "73h25m",
        ),
    ];
    let docs = std::fs::read_to_string("docs/simulation.md").unwrap();
    for (seconds, expected) in rows {
        assert_eq!(hours(seconds), expected);
        assert!(
            docs.contains(&format!("| {expected} |")),
            "the table shows {expected}"
        );
    }
    assert_eq!(
        simulation.changes[0].lead_time_seconds(),
        Some(pre + deploys + onebox_bakes + wave_bakes + waiting)
    );

    // The merge-time table.
    let zone = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
    for start in [
        "2027-01-25T09:00:00-08:00",
        "2027-01-25T14:00:00-08:00",
        "2027-01-27T09:00:00-08:00",
        "2027-01-28T14:00:00-08:00",
        "2027-01-29T09:00:00-08:00",
    ] {
        let simulation = simulate(&plan, None, Some(start));
        let change = &simulation.changes[0];
        let local = |at: jiff::Timestamp| {
            at.to_zoned(zone.clone())
                .strftime("%a %Y-%m-%d %H:%M")
                .to_string()
        };
        let row = format!(
            "| {} | {} | {} |",
            local(change.merged_at),
            local(change.last_region_at.unwrap()),
            pipec::sim::durations::human(change.lead_time_seconds().unwrap() as u64)
        );
        assert!(
            docs.contains(&row),
            "docs/simulation.md lacks the row {row}"
        );
    }
}
