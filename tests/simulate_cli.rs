//! `pipec simulate` as users run it: a `.pipe` file and the plan JSON that
//! `compile -o` writes simulate identically in every format; bad
//! scenarios, bad plans and missing starts exit 2 with a message that says
//! what is wrong.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim;

use std::process::{Command, Output};

const SAMPLE: &str = "examples/sample/services/orders_api.pipe";
const START: &str = "2027-01-25T09:00:00-08:00";

fn pipec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .args(["--today", "2026-11-22", "--color", "never"])
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Standard error with miette's line wrapping and borders undone, so that
/// a message can be searched whole.
fn stderr(output: &Output) -> String {
    let text = String::from_utf8(output.stderr.clone()).unwrap();
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|word| !matches!(*word, "│" | "×" | "╰─▶" | "├─▶"))
        .collect();
    words.join(" ")
}

/// Asserts that a run exited 2 (a bad input) and said `said` on standard
/// error.
fn assert_refused(output: &Output, said: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(said), "{}", stderr(output));
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_pipe_file_and_its_compiled_plan_simulate_identically_in_every_format() {
    let dir = scratch_dir("same");
    let plan = dir.join("orders_api.json");
    let compiled = pipec(&["compile", SAMPLE, "-o", plan.to_str().unwrap()]);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    for format in ["text", "json", "mermaid"] {
        for scenario in [None, Some("examples/scenarios/busy_week.json")] {
            let mut args = vec!["simulate", "--format", format, "--start", START];
            if let Some(scenario) = scenario {
                args.extend(["--scenario", scenario]);
            }
            let from_source = pipec(&[&["simulate", SAMPLE][..], &args[1..]].concat());
            let from_plan =
                pipec(&[&["simulate", plan.to_str().unwrap()][..], &args[1..]].concat());
            assert_eq!(
                from_source.status.code(),
                Some(0),
                "{}",
                stderr(&from_source)
            );
            assert_eq!(from_plan.status.code(), Some(0), "{}", stderr(&from_plan));
            assert!(!stdout(&from_source).is_empty());
            assert_eq!(
                stdout(&from_source),
                stdout(&from_plan),
                "{format} {scenario:?}"
            );
        }
    }
}

#[test]
fn the_three_formats_say_the_same_thing() {
    let args = [
        "simulate",
        SAMPLE,
        "--scenario",
        "examples/scenarios/onebox_alarm.json",
    ];
    let text = stdout(&pipec(&[&args[..], &["--format", "text"]].concat()));
    assert!(text.starts_with(
        "Simulation of orders_api from 2027-01-25T17:00:00Z; local times in America/Los_Angeles\n"
    ));
    assert!(text.contains("  outcome    rolled_back\n"), "{text}");
    assert!(
        text.contains("rolled_back production/second/us-east-1/onebox/bake  rollback alarm onebox fires in us-east-1: OrdersApi_OneBox_High_Fault_Rate"),
        "{text}"
    );

    let json: serde_json::Value = serde_json::from_str(&stdout(&pipec(
        &[&args[..], &["--format", "json"]].concat(),
    )))
    .unwrap();
    assert_eq!(json["summary"]["outcome"], "rolled_back");
    assert_eq!(json["summary"]["started_at"], "2027-01-25T17:00:00Z");
    assert_eq!(json["summary"]["finished_at"], "2027-01-26T20:30:00Z");
    assert_eq!(json["summary"]["total_seconds"], 99_000);
    assert_eq!(json["summary"]["rolled_back"][0]["region"], "us-east-1");
    let events = json["events"].as_array().unwrap();
    assert!(
        events.iter().all(|event| event.get("change").is_none()),
        "one change: no ids"
    );
    let last = events.last().unwrap();
    assert_eq!(last["event"], "halted");
    assert_eq!(last["step"], "production/second/us-east-1/onebox/bake");

    let mermaid = stdout(&pipec(&[&args[..], &["--format", "mermaid"]].concat()));
    assert!(mermaid.starts_with("gantt\n    title orders_api rollout, times in UTC\n"));
    assert!(mermaid.contains("    section production/first\n    ap-east-1 :t9, 2027-01-25 18:56:00, 2027-01-25 20:21:00\n    bake :t10, 2027-01-25 20:21:00, 2027-01-26 20:21:00\n"), "{mermaid}");
    assert!(
        mermaid.contains("    us-east-1 :crit, t11, 2027-01-26 20:21:00, 2027-01-26 20:30:00\n"),
        "{mermaid}"
    );
}

#[test]
fn bad_scenarios_exit_2_and_say_why() {
    let dir = scratch_dir("bad");
    let cases = [
        (
            r#"{"format_version": "1.0", "alarm": []}"#,
            "unknown field `alarm`, expected one of `format_version`, `changes`, `alarms`",
        ),
        (
            r#"{"format_version": "2.0"}"#,
            "this pipec reads scenario format 1.0; the file is 2.0",
        ),
        (
            r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "next monday"}]}"#,
            "`next monday` is not a time such as 2027-01-25T09:00:00-08:00",
        ),
        (
            r#"{"format_version": "1.0", "overrides": [{"gate": "alarm:high_severity"}]}"#,
            "override of `alarm:high_severity`, which is not overridable",
        ),
        (
            r#"{"format_version": "1.0", "durations": {"steps": {"production/first/bak": 60}}}"#,
            "`durations.steps` names `production/first/bak`, which is not a step of the plan",
        ),
        (
            r#"{"format_version": "1.0", "alarms": [{"alarm": "OrdersApi_High_Fault_Rate", "region": "mars-1", "from": "2027-01-25T09:00:00Z"}]}"#,
            "alarm `OrdersApi_High_Fault_Rate` fires in `mars-1`, which no step of the plan targets",
        ),
        (
            r#"{"format_version": "1.0", "approvals": [{"role": "release-manager"}]}"#,
            "approval `release-manager` gives exactly one of `at` and `after_seconds`",
        ),
        (
            r#"{"format_version": "1.0", "approvals": [{"after_seconds": 60}]}"#,
            "an approval names neither `role` nor `step`; it names exactly one of them",
        ),
        (
            "{\"format_version\": \"1.0\",",
            "EOF while parsing a value at line 1 column 25",
        ),
        (
            r#"{"format_version": "1.0", "alarms": [{"alarm": "OrdersApi_High_Fault_Rate", "from": "2027-01-25T09:00:00Z", "to": "2027-01-25T00:00:00-09:00"}]}"#,
            "alarm `OrdersApi_High_Fault_Rate` lasts no time: it ends (`to`) when it starts (`from`)",
        ),
        (
            r#"{"format_version": "1.0", "alarms": [{"alarm": "OrdersApi_High_Fault_Rate", "from": "2027-01-25T09:00:00Z", "to": "2027-01-25T08:59:59Z"}]}"#,
            "alarm `OrdersApi_High_Fault_Rate` ends (`to`) before it starts (`from`)",
        ),
    ];
    for (idx, (text, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("scenario{idx}.json"));
        std::fs::write(&path, text).unwrap();
        let output = simulate_with_scenario(&path, &[]);
        assert_eq!(output.status.code(), Some(2), "{text}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(message),
            "{text}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
    let missing = pipec(&["simulate", SAMPLE, "--scenario", "no/such/scenario.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("could not read no/such/scenario.json"));
}

/// A scenario may replace any step's duration, but an approval lasts until
/// it is given and a gate takes no time: a duration for one would be read
/// and ignored, so it is a problem of the scenario (exit 2).
#[test]
fn a_duration_for_an_approval_step_is_refused() {
    let dir = scratch_dir("timeless");
    let path = dir.join("scenario.json");
    std::fs::write(
        &path,
        r#"{"format_version": "1.0", "durations": {"steps": {"production/approval/senior-engineer": 60}}}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &["--profile", "emergency"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "`durations.steps` names `production/approval/senior-engineer`, an approval, which lasts until it is given"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_default_start_is_diffs_and_a_start_must_have_an_offset() {
    // `pipec()` passes `--today 2026-11-22`, a Sunday: the rollout starts
    // the next day at 09:00 in the sample's window zone, as `diff` does,
    // and says so.
    let output = pipec(&["simulate", SAMPLE, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "simulating from 2026-11-23T09:00:00-08:00 (America/Los_Angeles): the first Monday on or after 2026-11-22"
        ),
        "{}",
        stderr(&output)
    );
    let defaulted: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let explicit = pipec(&[
        "simulate",
        SAMPLE,
        "--format",
        "json",
        "--start",
        "2026-11-23T09:00:00-08:00",
    ]);
    let explicit: serde_json::Value = serde_json::from_slice(&explicit.stdout).unwrap();
    assert_eq!(defaulted, explicit);
    // `--quiet` reports errors only: the same rollout, and no note.
    for quiet in ["-q", "--quiet"] {
        let output = pipec(&["simulate", SAMPLE, "--format", "json", quiet]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stderr(&output), "", "{quiet}");
        let quieted: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(quieted, explicit, "{quiet}");
    }
    let output = pipec(&["simulate", SAMPLE, "--start", "2027-01-25T09:00:00"]);
    assert_refused(&output, "is not a time such as");
}

#[test]
fn plans_of_another_version_or_shape_exit_2() {
    let dir = scratch_dir("plans");
    let plan_path = dir.join("plan.json");
    let output = pipec(&[
        "compile",
        SAMPLE,
        "--pretty",
        "-o",
        plan_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&plan_path).unwrap();
    // Each edit below must change the plan, or it would test nothing.
    let edited = |from: &str, to: &str| {
        assert!(text.contains(from), "the plan has no {from:?}");
        text.replacen(from, to, 1)
    };

    let future = dir.join("future.json");
    std::fs::write(
        &future,
        edited("\"format_version\": \"1.3\"", "\"format_version\": \"2.0\""),
    )
    .unwrap();
    let output = pipec(&["simulate", future.to_str().unwrap(), "--start", START]);
    assert_refused(
        &output,
        "this pipec reads plan formats 1.0, 1.1, 1.2 and 1.3; the file is 2.0",
    );

    let dangling = dir.join("dangling.json");
    std::fs::write(
        &dangling,
        edited(
            "\"needs\": [\n        \"source/code\"",
            "\"needs\": [\n        \"source/kode\"",
        ),
    )
    .unwrap();
    let output = pipec(&["simulate", dangling.to_str().unwrap(), "--start", START]);
    assert_refused(
        &output,
        "step `build/bundle` needs `source/kode`, which is not a step",
    );
}

#[test]
fn a_file_with_several_pipelines_needs_pipeline() {
    let file = "examples/concepts/strategies.pipe";
    let output = pipec(&["simulate", file, "--start", START]);
    assert_refused(&output, "pick one with --pipeline");

    let output = pipec(&[
        "simulate",
        file,
        "--start",
        START,
        "--pipeline",
        "image_resizer",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Linear, 10% every 60 seconds: 10 steps.
    assert!(
        stdout(&output).contains(
            "finished    production/first/ap-east-1/deploy  took 10m (linear 10%: 10 steps × 1m)"
        ),
        "{}",
        stdout(&output)
    );

    // An array of plans, as `compile` writes for such a file.
    let dir = scratch_dir("array");
    let plans = dir.join("plans.json");
    let output = pipec(&["compile", file, "-o", plans.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let from_array = pipec(&[
        "simulate",
        plans.to_str().unwrap(),
        "--start",
        START,
        "--pipeline",
        "image_resizer",
    ]);
    let from_source = pipec(&[
        "simulate",
        file,
        "--start",
        START,
        "--pipeline",
        "image_resizer",
    ]);
    assert_eq!(stdout(&from_array), stdout(&from_source));
}

#[test]
fn a_pipe_file_with_errors_exits_1_with_diagnostics() {
    let dir = scratch_dir("broken");
    let file = dir.join("broken.pipe");
    std::fs::write(
        &file,
        "pipeline p { production { wave w { bake = 12 } } }\n",
    )
    .unwrap();
    let output = pipec(&["simulate", file.to_str().unwrap(), "--start", START]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("error["), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}

/// With `--deny-warnings`, a `.pipe` file with warnings exits 1 as one
/// with errors does, and simulates nothing; a plan file, already
/// compiled, has no warnings to deny.
#[test]
fn denied_warnings_exit_1_and_simulate_nothing() {
    let dir = scratch_dir("denied");
    let file = dir.join("tiny.pipe");
    std::fs::write(&file, sim::TINY).unwrap();
    std::fs::write(dir.join("pipec.toml"), "").unwrap();
    let file = file.to_str().unwrap();
    let allowed = pipec(&["simulate", file, "--start", START]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    assert!(
        stderr(&allowed).contains("warning["),
        "{}",
        stderr(&allowed)
    );
    let denied = pipec(&["simulate", file, "--start", START, "--deny-warnings"]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(stdout(&denied).is_empty());
    let plan = dir.join("tiny.json");
    let compiled = pipec(&["compile", file, "-o", plan.to_str().unwrap()]);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    let from_plan = pipec(&[
        "simulate",
        plan.to_str().unwrap(),
        "--start",
        START,
        "--deny-warnings",
    ]);
    assert_eq!(from_plan.status.code(), Some(0), "{}", stderr(&from_plan));
    assert_eq!(stdout(&from_plan), stdout(&allowed));
}

/// A start so late that the horizon, or a window's next opening after it,
/// runs past the last time there is, is refused with the latest start
/// there can be; it does not print times with fractions of a second and
/// steps that take no time.
#[test]
fn a_start_too_late_to_simulate_from_exits_2() {
    for args in [
        &["simulate", SAMPLE, "--start", "9999-06-01T00:00:00Z"][..],
        &["diff", SAMPLE, SAMPLE, "--start", "9999-06-01T00:00:00Z"][..],
    ] {
        let output = pipec(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("is too late to start a simulation")
                && stderr(&output).contains("start at 9997-12-18T22:00:00Z at the latest"),
            "{}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
    }
    // The latest start itself runs, in whole seconds.
    let output = pipec(&[
        "simulate",
        SAMPLE,
        "--start",
        "9997-12-18T22:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stdout(&output).contains(".999"), "{}", stdout(&output));
    // A scenario's first merge is the start; the same limit holds.
    let dir = scratch_dir("late");
    let scenario = dir.join("late.json");
    std::fs::write(
        &scenario,
        r#"{"format_version": "1.0", "changes": [{"id": "c1", "merged_at": "9999-12-30T09:00:00Z"}]}"#,
    )
    .unwrap();
    let output = pipec(&["simulate", SAMPLE, "--scenario", scenario.to_str().unwrap()]);
    assert_refused(
        &output,
        "9999-12-30T09:00:00Z is too late to start a simulation",
    );
    // RFC 3339 offsets stop at 23:59.
    let output = pipec(&["simulate", SAMPLE, "--start", "2027-01-25T09:00:00+25:00"]);
    assert_refused(&output, "is not a time such as");
    // Whole seconds, with no fraction written, not even `.000`.
    for start in ["2027-01-25T09:00:00.5Z", "2027-01-25T09:00:00.000Z"] {
        let output = pipec(&["simulate", SAMPLE, "--start", start]);
        assert_refused(&output, "has a fraction of a second");
    }
}

/// `simulate` of the sample from [`START`] with the scenario at `path`,
/// and `extra` arguments.
fn simulate_with_scenario(path: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "simulate",
        SAMPLE,
        "--start",
        START,
        "--scenario",
        path.to_str().unwrap(),
    ];
    args.extend(extra);
    pipec(&args)
}

/// A scenario refused (exit status 2, nothing on standard output) with
/// every one of `problems` listed.
fn assert_scenario_problems(output: &std::process::Output, problems: &[&str]) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    let text = stderr(output);
    for problem in problems {
        assert!(text.contains(problem), "{problem}: {text}");
    }
    assert!(stdout(output).is_empty());
}

/// As in a plan, an optional field is left out, never `null`, and a
/// change's packages and git refs are not blank: each is listed, with the
/// scenario's other problems, as its JSON Schema refuses it.
#[test]
fn a_null_field_and_a_blank_package_are_refused() {
    let dir = scratch_dir("nulls");
    let path = dir.join("scenario.json");
    std::fs::write(
        &path,
        r#"{"format_version": "1.0",
  "changes": [{"id": "c1", "merged_at": null, "packages": ["", "libjson@2.3.1"], "git_refs": [" "]}],
  "alarms": [{"alarm": "OrdersApi_High_Fault_Rate", "region": null, "from": "2027-01-25T10:00:00Z", "to": null}],
  "overrides": [{"gate": "alarm:aws.large_scale_event", "step": null}],
  "traffic": {"untiered": null}}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &[]);
    assert_scenario_problems(
        &output,
        &[
            "`merged_at` in an entry of `changes` is `null`",
            "`region` in an entry of `alarms` is `null`",
            "`to` in an entry of `alarms` is `null`",
            "`step` in an entry of `overrides` is `null`",
            "`untiered` in `traffic` is `null`",
            "change `c1` has an empty entry in `packages`",
            "change `c1` has an empty entry in `git_refs`",
        ],
    );
}

/// Without `changes` the one change is `c1`, which approvals and
/// overrides may name; any other name is refused.
#[test]
fn without_changes_the_one_change_c1_may_be_named() {
    let dir = scratch_dir("default-change");
    let path = dir.join("scenario.json");
    let scenario = |change: &str| {
        format!(
            r#"{{"format_version": "1.0", "approvals": [{{"role": "senior-engineer", "change": "{change}", "after_seconds": 60}}]}}"#
        )
    };
    let run = |change: &str| {
        std::fs::write(&path, scenario(change)).unwrap();
        simulate_with_scenario(&path, &["--profile", "emergency"])
    };
    let output = run("c1");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("approved by senior-engineer"),
        "{}",
        stdout(&output)
    );
    assert_refused(&run("c2"), "no change `c2` in `changes`");
}

/// Every problem of a scenario is listed at once: a misspelt field, a
/// mistake of the scenario alone and one against the plan, whichever comes
/// first in the file.
#[test]
fn every_problem_of_a_scenario_is_listed_together() {
    let dir = scratch_dir("together");
    let path = dir.join("scenario.json");
    std::fs::write(
        &path,
        r#"{"format_version": "1.0",
  "changes": [{"id": "c1"}, {"id": "c1", "merge_at": "2027-01-25T09:00:00Z"}],
  "overrides": [{"gate": "alarm:high_severity", "change": "c9"}],
  "alarms": [{"alarm": "Nope\nline", "from": "2027-01-25T10:00:00Z"}],
  "durations": {"kinds": {"bake": 60}, "steps": {"production/first/bak": 60}}}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &[]);
    assert_scenario_problems(
        &output,
        &[
            "unknown field `merge_at` in an entry of `changes`, expected one of `id`, `merged_at`, `packages`, `git_refs`",
            "unknown field `bake` in `durations.kinds`, expected one of `source`, `build`, `test`, `deploy`, `onebox_deploy`",
            "change `c1` is listed 2 times",
            "no change `c9` in `changes`",
            "override of `alarm:high_severity`, which is not overridable",
            "`durations.steps` names `production/first/bak`, which is not a step of the plan",
            // A name is written escaped: a line break in it would split the line.
            "alarm `Nope\\nline` is not read by any rollback alarm or blocker of the plan",
        ],
    );
    // A value of the wrong type still stops the reading, where it is.
    std::fs::write(
        &path,
        r#"{"format_version": "1.0", "durations": {"kinds": {"bake": 60, "build": "ten"}}}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &[]);
    assert_refused(&output, "at line 1 column");
}

/// An entry without a field it needs (a change without `id`, an alarm
/// without `from`, an override without `gate`) is one more problem,
/// listed with the others rather than stopping the reading alone.
#[test]
fn an_entry_without_a_field_it_needs_is_listed_with_the_other_problems() {
    let dir = scratch_dir("missing");
    let path = dir.join("scenario.json");
    std::fs::write(
        &path,
        r#"{"format_version": "1.0",
  "changes": [{"merged_at": "2027-01-25T09:00:00Z"}, {"id": "c2", "merge_at": "2027-01-25T09:00:00Z"}],
  "alarms": [{"alarm": "AWS_Large_Scale_Event", "to": "2027-01-25T10:00:00Z"}, {"alarm": "Nope", "from": "2027-01-25T10:00:00Z"}],
  "overrides": [{"step": "build/bundle"}]}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &[]);
    assert_scenario_problems(
        &output,
        &[
            "missing field `id` in an entry of `changes`",
            "unknown field `merge_at` in an entry of `changes`",
            "missing field `from` in an entry of `alarms`",
            "missing field `gate` in an entry of `overrides`",
            "alarm `Nope` is not read by any rollback alarm or blocker of the plan",
        ],
    );
    let text = stderr(&output);
    assert!(!text.contains("line 1 column"), "{text}");
}

/// A plan whose window is in a zone the time-zone database does not know
/// is refused for that, naming the zone, with or without `--start`; and a
/// `--today` whose next Monday is past the last time there is says so
/// rather than blaming the zone.
#[test]
fn an_unknown_zone_and_an_unreachable_default_start_say_what_is_wrong() {
    let dir = scratch_dir("zone");
    let plan_path = dir.join("plan.json");
    let output = pipec(&["compile", SAMPLE, "-o", plan_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&plan_path).unwrap();
    assert!(text.contains("America/Los_Angeles"));
    let mars = dir.join("mars.json");
    std::fs::write(
        &mars,
        text.replace("America/Los_Angeles", "Mars/Olympus_Mons"),
    )
    .unwrap();
    for start in [None, Some(START)] {
        let mut args = vec!["simulate", mars.to_str().unwrap()];
        args.extend(start.iter().flat_map(|start| ["--start", start]));
        let output = pipec(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("unknown time zone `Mars/Olympus_Mons`"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // Without a window the rollout starts on a Monday at 09:00 UTC; after
    // 9999-12-31 there is none.
    let source = dir.join("no_window.pipe");
    std::fs::write(
        &source,
        r#"registry lab {
  region r1 { traffic = high }
}

pipeline plain {
  platform = ecs
  source code = git("https://git.example.com/plain.git", branch: "main") { require review }
  build bundle from code { run = "make"; sign = true }
  production {
    registry = lab
    rollback on ALARM("Plain_High_Severity")
    wave first { regions = [r1]; bake = 1h }
  }
}
"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["simulate", "-q", "--today", "9999-12-31"])
        .arg(&source)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("no start: the first Monday on or after 9999-12-31")
            && !message.contains("time-zone database"),
        "{message}"
    );
}

/// Files that are JSON but not a plan say what a plan is, in the words of
/// the format rather than of this program's types.
#[test]
fn json_that_is_not_a_plan_says_what_a_plan_is() {
    let dir = scratch_dir("not-a-plan");
    for (text, said) in [
        ("[]", "holds no plan: its array is empty"),
        ("[1]", "expected a JSON object with a `format_version`"),
        ("\"plan\"", "expected a JSON object with a `format_version`"),
        ("{\"steps\": []}", "the file has no `format_version`"),
    ] {
        let path = dir.join("plan.json");
        std::fs::write(&path, text).unwrap();
        for pipeline in [None, Some("orders_api")] {
            let mut args = vec!["simulate", path.to_str().unwrap(), "--start", START];
            args.extend(pipeline.iter().flat_map(|name| ["--pipeline", name]));
            let output = pipec(&args);
            assert_eq!(output.status.code(), Some(2), "{text}");
            let message = stderr(&output);
            assert!(message.contains(said), "{text}: {message}");
            assert!(!message.contains("VersionProbe"), "{text}: {message}");
        }
    }
}

/// A `.pipe` file without a pipeline is refused by the command that was
/// run, not by another one.
#[test]
fn a_file_without_a_pipeline_is_refused_by_simulate_itself() {
    let dir = scratch_dir("no-pipeline");
    let path = dir.join("registry.pipe");
    std::fs::write(&path, "registry lab {\n  region r1 { traffic = high }\n}\n").unwrap();
    let output = pipec(&["simulate", path.to_str().unwrap(), "--start", START]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("declares no pipeline") && message.contains("`simulate` works on"),
        "{message}"
    );
}

/// A `--pipeline` that names nothing in a file without pipelines says the
/// file has none, for `simulate` and `compile` alike, rather than listing
/// no names.
#[test]
fn a_pipeline_named_in_a_file_without_one_says_it_has_none() {
    let dir = scratch_dir("no-pipeline-named");
    let path = dir.join("team.pipe");
    std::fs::write(&path, "template Team {\n  platform = ecs\n}\n").unwrap();
    for command in ["simulate", "compile"] {
        let output = pipec(&[command, path.to_str().unwrap(), "-p", "orders"]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let message = stderr(&output);
        assert!(
            message.contains("no pipeline `orders`")
                && message.contains("team.pipe declares no pipeline (a template has no plan)")
                && !message.contains("are: \n"),
            "{command}: {message}"
        );
    }
}

/// With several changes, the chart has the bars of each change, named
/// after it, as docs/simulation.md says.
#[test]
fn with_several_changes_each_bar_is_named_after_its_change() {
    let mermaid = stdout(&pipec(&[
        "simulate",
        SAMPLE,
        "--scenario",
        "examples/scenarios/busy_week.json",
        "--format",
        "mermaid",
    ]));
    assert!(
        mermaid.contains("    section beta\n    feature-1 us-east-1 :t9, 2027-01-25 17:16:00, 2027-01-25 17:36:00\n    feature-1 test integration :t10,"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    hotfix eu-west-1 :crit, "),
        "{mermaid}"
    );
}

/// A change rolled back in one region of a wave and then, by a one-box
/// still running, in another keeps the reason it halted with: the first
/// rollback. Both rollbacks are listed.
#[test]
fn a_second_rollback_keeps_the_reason_the_change_halted_with() {
    let dir = scratch_dir("second-rollback");
    let path = dir.join("scenario.json");
    std::fs::write(
        &path,
        r#"{"format_version": "1.0", "alarms": [
  {"alarm": "OrdersApi_High_P99_Latency", "region": "eu-west-1", "from": "2027-01-27T17:20:00Z", "to": "2027-01-27T17:30:00Z"},
  {"alarm": "OrdersApi_High_P99_Latency", "region": "us-west-2", "from": "2027-01-27T17:40:00Z", "to": "2027-01-27T17:50:00Z"}]}"#,
    )
    .unwrap();
    let output = simulate_with_scenario(&path, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("halted      production/third/eu-west-1/onebox/bake  promoted no further: rolled back in eu-west-1\n"),
        "{text}"
    );
    assert!(
        text.contains("  change c1: merged 2027-01-25T17:00:00Z, rolled_back; promoted no further: rolled back in eu-west-1\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  rolled back: in eu-west-1 (production/third) at 2027-01-27T17:20:00Z\n  rolled back: in us-west-2 (production/third) at 2027-01-27T17:40:00Z\n"
        ),
        "{text}"
    );
}
