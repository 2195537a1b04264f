//! Reading plans back: every example's compiled plan round-trips through
//! `plan_v1::from_json`, and the reader refuses what the format forbids
//! with a message that names the problem.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::export::convert;
use pipec::export::plan_v1::{self, Percent, ReadError};
use pipec::modules::Entry;
use pipec::workspace;
use std::path::PathBuf;

fn example_plans() -> Vec<(String, plan_v1::PlanV1)> {
    let mut files = Vec::new();
    for dir in ["examples/sample/services", "examples/concepts"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    let mut plans = Vec::new();
    for file in files {
        let entries = vec![Entry {
            path: PathBuf::from(&file),
            bytes: None,
            name: None,
        }];
        let compiled = workspace::compile_workspace(entries, &support::FsLoader, support::TODAY);
        assert!(!compiled.has_errors(), "{}", file.display());
        for plan in &compiled.plans {
            plans.push((
                format!("{} ({})", file.display(), plan.pipeline),
                convert::to_v1(plan, &compiled.sources),
            ));
        }
    }
    plans
}

/// Every `.pipe` file under `dir`, at any depth, sorted.
fn pipe_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from(dir)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "pipe") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What `pipec` writes, `pipec` reads: every plan that any case or example
/// file compiles to (the odd corners of the language included) is read
/// back by the reader, whole, and written again byte for byte.
#[test]
fn every_plan_the_cases_compile_to_reads_back() {
    let mut read_back = 0;
    for file in ["tests/cases", "tests/fixtures", "examples"]
        .into_iter()
        .flat_map(pipe_files)
    {
        let entries = vec![Entry {
            path: file.clone(),
            bytes: None,
            name: None,
        }];
        let compiled = workspace::compile_workspace(entries, &support::FsLoader, support::TODAY);
        if compiled.has_errors() {
            continue;
        }
        for plan in &compiled.plans {
            let plan = convert::to_v1(plan, &compiled.sources);
            let json = plan_v1::to_json(&plan);
            let read = plan_v1::from_json(&json)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            assert_eq!(read, plan, "{}", file.display());
            assert_eq!(plan_v1::to_json(&read), json, "{}", file.display());
            read_back += 1;
        }
    }
    assert!(read_back >= 20, "only {read_back} plans read back");
}

/// A value many steps hold is written once: the sample's 80 deploy steps
/// name 2 parameter objects, its 126 steps 2 gate lists, and each entry
/// is what the steps that name it hold.
#[test]
fn repeated_step_values_are_written_once() {
    let plans = example_plans();
    let (_, plan) = plans
        .iter()
        .find(|(name, _)| name.contains("orders_api"))
        .unwrap();
    let written: serde_json::Value = serde_json::from_str(&plan_v1::to_json_compact(plan)).unwrap();
    let deploys: Vec<&plan_v1::Step> = plan
        .steps
        .iter()
        .filter(|step| step.kind() == plan_v1::StepKind::Deploy)
        .collect();
    assert_eq!(deploys.len(), 80);
    let table = written["parameters"]["deploy"].as_array().unwrap();
    assert_eq!(table.len(), 2, "{table:?}");
    assert_eq!(written["gate_lists"].as_array().unwrap().len(), 2);
    for (step, json) in plan.steps.iter().zip(written["steps"].as_array().unwrap()) {
        let plan_v1::Params::Deploy(deploy) = &step.params else {
            continue;
        };
        let number = usize::try_from(json["deploy"].as_u64().unwrap()).unwrap();
        assert_eq!(
            table[number],
            serde_json::to_value(deploy).unwrap(),
            "{}",
            step.id
        );
    }
}

#[test]
fn every_example_plan_round_trips() {
    let plans = example_plans();
    assert!(plans.len() >= 4, "{} plans", plans.len());
    for (name, plan) in plans {
        let json = plan_v1::to_json(&plan);
        let read = plan_v1::from_json(&json).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(read, plan, "{name}");
        assert_eq!(plan_v1::to_json(&read), json, "{name}");
    }
}

fn sample_json() -> serde_json::Value {
    let plans = example_plans();
    let (_, plan) = plans
        .iter()
        .find(|(name, _)| name.contains("orders_api"))
        .unwrap();
    // Steps whole, so that their values can be changed where they apply:
    // a 1.3 plan may write them either way.
    let mut plan = serde_json::from_str(&plan_v1::to_json(plan)).unwrap();
    support::step_tables_inline(&mut plan);
    plan
}

fn read_error(value: &serde_json::Value) -> String {
    plan_v1::from_json(&value.to_string())
        .map(|_| "read".to_string())
        .unwrap_or_else(|error| error.to_string())
}

#[test]
fn another_format_version_is_refused_by_name() {
    let mut plan = sample_json();
    plan["format_version"] = "2.0".into();
    // A field this version does not know must not hide the version.
    plan["novel"] = true.into();
    let error = plan_v1::from_json(&plan.to_string()).unwrap_err();
    assert!(matches!(error, ReadError::Version { .. }));
    assert_eq!(
        error.to_string(),
        "this pipec reads plan formats 1.0, 1.1, 1.2 and 1.3; the file is 2.0"
    );
    // A version written as a number is not the version.
    plan["format_version"] = serde_json::json!(1.2);
    assert_eq!(
        read_error(&plan),
        "this pipec reads plan formats 1.0, 1.1, 1.2 and 1.3; the file is 1.2 (a JSON number, not a string)"
    );
    plan.as_object_mut().unwrap().remove("format_version");
    assert_eq!(
        read_error(&plan),
        "this pipec reads plan formats 1.0, 1.1, 1.2 and 1.3; the file has no `format_version`"
    );
}

#[test]
fn unknown_fields_are_refused_where_objects_are_closed() {
    let mut plan = sample_json();
    plan["steps"][0]["target"]["zone"] = "x".into();
    assert!(
        read_error(&plan).contains("unknown field `zone`"),
        "{}",
        read_error(&plan)
    );

    let mut plan = sample_json();
    plan["gates"][0]["colour"] = "red".into();
    assert!(
        read_error(&plan).contains("unknown field `colour`"),
        "{}",
        read_error(&plan)
    );

    let mut plan = sample_json();
    plan["steps"][20]["deploy"]["strategy"]["speed"] = 3.into();
    assert!(
        read_error(&plan).contains("unknown field `speed`"),
        "{}",
        read_error(&plan)
    );
}

#[test]
fn a_step_holds_exactly_its_kinds_parameters() {
    let mut plan = sample_json();
    let bake = plan["steps"][13].clone();
    assert_eq!(bake["kind"], "bake");
    plan["steps"][13]["gate"] = serde_json::json!({"reason": "x"});
    let error = read_error(&plan);
    assert!(
        error.contains("is a bake step but holds `gate` parameters"),
        "{error}"
    );
    let mut plan = sample_json();
    plan["steps"][13].as_object_mut().unwrap().remove("bake");
    let error = read_error(&plan);
    assert!(
        error.contains("is a bake step without its `bake` parameters"),
        "{error}"
    );
}

#[test]
fn percents_read_back_exactly_and_refuse_a_third_decimal() {
    let read = |text: &str| serde_json::from_str::<Percent>(text);
    assert_eq!(read("33").unwrap(), Percent::from_hundredths(3_300));
    assert_eq!(read("2.5").unwrap(), Percent::from_hundredths(250));
    assert_eq!(read("0.25").unwrap(), Percent::from_hundredths(25));
    assert_eq!(read("99.99").unwrap(), Percent::from_hundredths(9_999));
    assert!(
        read("0.125")
            .unwrap_err()
            .to_string()
            .contains("more than two decimals")
    );
    assert!(read("101").unwrap_err().to_string().contains("over 100%"));
    assert!(read("-1").unwrap_err().to_string().contains("negative"));
    for hundredths in 0..=10_000 {
        let percent = Percent::from_hundredths(hundredths);
        let text = serde_json::to_string(&percent).unwrap();
        assert_eq!(read(&text).unwrap(), percent, "{text}");
    }
}

#[test]
fn onebox_false_and_half_artifact_gates_are_refused() {
    let mut plan = sample_json();
    plan["steps"][0]["target"]["onebox"] = false.into();
    assert!(read_error(&plan).contains("`onebox` is `true` when present"));

    let mut plan = sample_json();
    let gates = plan["gates"].as_array_mut().unwrap();
    let artifact = gates
        .iter_mut()
        .find(|gate| gate["type"] == "artifact")
        .unwrap();
    artifact["git_ref"] = "refs/tags/bad".into();
    assert!(read_error(&plan).contains("needs exactly one of `package` and `git_ref`"));
}

/// The plan of docs/plan-format.md's example: every kind of step `pipec`
/// writes, gates of every kind but approval, an alarm command, commands
/// with an environment and a rollback.
fn documented_plan() -> serde_json::Value {
    let text = std::fs::read_to_string("docs/plan-format.md").unwrap();
    let block = text
        .split("```json\n")
        .last()
        .and_then(|rest| rest.split("\n```").next())
        .unwrap();
    // Steps whole, so that their values can be changed where they apply:
    // a 1.3 plan may write them either way.
    let mut plan = serde_json::from_str(block).unwrap();
    support::step_tables_inline(&mut plan);
    plan
}

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/plan-v1.schema.json").unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// `plan` with the value at `pointer` replaced by `value`, or removed
/// when `value` is `None`.
fn changed(
    plan: &serde_json::Value,
    pointer: &str,
    value: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut plan = plan.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = plan.pointer_mut(parent).unwrap();
    match (value, parent) {
        (Some(value), serde_json::Value::Array(items)) => {
            items[key.parse::<usize>().unwrap()] = value;
        }
        (Some(value), parent) => {
            parent
                .as_object_mut()
                .unwrap()
                .insert(key.to_string(), value);
        }
        (None, parent) => {
            parent.as_object_mut().unwrap().remove(key).unwrap();
        }
    }
    plan
}

/// The reader is as strict as the schema: each value below breaks a rule
/// of `schemas/plan-v1.schema.json` that serde's types alone let through,
/// and the reader refuses it, saying what is wrong.
#[test]
fn the_reader_refuses_what_the_schema_refuses() {
    use serde_json::json;
    let validator = schema_validator();
    let plan = documented_plan();
    assert!(validator.is_valid(&plan));
    plan_v1::from_json(&plan.to_string()).unwrap();
    let index = |id: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .position(|step| step["id"] == id)
            .unwrap()
    };
    let source = format!("/steps/{}", index("source/code"));
    let build = format!("/steps/{}", index("build/bundle"));
    let gamma = format!("/steps/{}", index("gamma/lab-east-1/deploy"));
    let canary = format!("/steps/{}", index("gamma/test/canary"));
    let approval = format!("/steps/{}", index("production/approval/release-manager"));
    let onebox = format!(
        "/steps/{}",
        index("production/first/lab-east-1/onebox/deploy")
    );
    let az = format!(
        "/steps/{}",
        index("production/first/lab-east-1/az/labe1-az1/deploy")
    );
    let wave_bake = format!("/steps/{}", index("production/first/bake"));
    let at = |step: &str, rest: &str| format!("{step}{rest}");
    let cases: Vec<(String, Option<serde_json::Value>, &str)> = vec![
        (
            "/pipeline".into(),
            Some(json!("orders api")),
            "the pipeline's name `orders api` is not an identifier",
        ),
        ("/profile".into(), None, "missing field `profile`"),
        (
            "/profile".into(),
            Some(json!("big one")),
            "the profile `big one` is not an identifier",
        ),
        (
            "/compiler/name".into(),
            Some(json!("other")),
            "`compiler.name` is `other`",
        ),
        (
            "/compiler/version".into(),
            Some(json!("")),
            "`compiler.version` is empty",
        ),
        (
            "/artifacts/0/name".into(),
            Some(json!("a b")),
            "an artifact's name `a b` is not an identifier",
        ),
        (
            "/artifacts/0/produced_by".into(),
            Some(json!("build bundle")),
            "is not a step id",
        ),
        (
            "/regions/0/code".into(),
            Some(json!("lab east")),
            "a region's `code` `lab east` is not an identifier",
        ),
        (
            "/regions/0/azs".into(),
            Some(json!(["labe1-az1", "labe1-az1"])),
            "`azs` repeats",
        ),
        (
            "/gates/0/id".into(),
            Some(json!("alarm:high severity")),
            "is not a gate id",
        ),
        (
            "/gates/0/id".into(),
            Some(json!("alarm:x#1")),
            "is not a gate id",
        ),
        (
            "/gates/0/id".into(),
            Some(json!("window:high_severity")),
            "whose id starts with `alarm:`",
        ),
        (
            "/gates/0/alarm".into(),
            Some(json!("X")),
            "is not an alarm expression",
        ),
        (
            "/gates/2/package".into(),
            Some(json!("libjson")),
            "is not `NAME@VERSION`",
        ),
        (
            "/gates/2/id".into(),
            Some(json!("git:libjson@2.3.1")),
            "whose id starts with `package:`",
        ),
        (
            "/gates/3/zone".into(),
            Some(json!("America Los Angeles")),
            "is not an IANA time zone",
        ),
        ("/gates/3/allow".into(), Some(json!([])), "`allow` is empty"),
        (
            "/gates/3/allow/0/days".into(),
            Some(json!([])),
            "has no `days`",
        ),
        (
            "/gates/3/allow/0/days".into(),
            Some(json!(["mon", "mon"])),
            "`days` repeats",
        ),
        (
            "/gates/3/allow/0/start".into(),
            Some(json!("9:00")),
            "`9:00` is not a time",
        ),
        (
            "/gates/3/allow/0/end".into(),
            Some(json!("24:30")),
            "`24:30` is not a time",
        ),
        (
            "/gates/3/closed_dates/0".into(),
            Some(json!("2026-13-01")),
            "is not a date",
        ),
        (
            "/gates/3/closed_dates".into(),
            Some(json!(["2026-12-25", "2026-12-25"])),
            "`closed_dates` repeats",
        ),
        (
            "/alarms/0/id".into(),
            Some(json!("high severity")),
            "is not an alarm id",
        ),
        (
            "/alarms/0/alarm".into(),
            Some(json!("")),
            "is not an alarm expression",
        ),
        (
            "/alarm_command/argv".into(),
            Some(json!([])),
            "`alarm_command.argv` is empty",
        ),
        (
            at(&source, "/id"),
            Some(json!("source code")),
            "is not a step id",
        ),
        (
            at(&source, "/rollback_alarm"),
            Some(json!("onebox")),
            "only deploy, test and bake steps have",
        ),
        (
            at(&source, "/source/url"),
            Some(json!("")),
            "`source.url` is empty",
        ),
        (
            at(&build, "/build/sources"),
            Some(json!(["code", "code"])),
            "`build.sources` repeats",
        ),
        (
            at(&build, "/build/argv"),
            Some(json!([])),
            "`build.argv` is empty",
        ),
        (
            at(&build, "/build/shell"),
            Some(json!(true)),
            "has both `argv` and `shell`",
        ),
        (
            at(&build, "/build/env"),
            Some(json!({"PIPEC_STEP": "x"})),
            "names `PIPEC_STEP`",
        ),
        (
            at(&build, "/build/env"),
            Some(json!({"KEY": {"secret": "a b"}})),
            "is the secret `a b`",
        ),
        (
            at(&build, "/field_provenance"),
            Some(json!({})),
            "empty `field_provenance`",
        ),
        (
            at(&build, "/field_provenance"),
            Some(json!({"/build/colour": 0})),
            "the key `/build/colour`",
        ),
        (
            at(&gamma, "/needs"),
            Some(json!(["build/bundle", "build/bundle"])),
            "`needs` repeats",
        ),
        (
            at(&gamma, "/target/wave"),
            Some(json!("first")),
            "only `production` has waves",
        ),
        (
            at(&gamma, "/deploy/artifacts"),
            Some(json!([])),
            "`deploy.artifacts` is empty",
        ),
        (
            at(&gamma, "/deploy/argv"),
            Some(json!(["x"])),
            "`deploy.argv` without a `deploy.command`",
        ),
        (
            at(&gamma, "/deploy/strategy"),
            Some(
                json!({"type": "canary", "canary_percent": 10, "wait_seconds": 3_155_760_001_u64}),
            ),
            "over 100 years",
        ),
        // A share that moves nothing would never finish.
        (
            at(&gamma, "/deploy/strategy"),
            Some(
                json!({"type": "rolling", "batch_percent": 0, "min_healthy_percent": 50, "rollback_batch_percent": 10}),
            ),
            "`batch_percent` is above 0",
        ),
        (
            at(&gamma, "/deploy/strategy"),
            Some(
                json!({"type": "rolling", "batch_percent": 10, "min_healthy_percent": 50, "rollback_batch_percent": 0}),
            ),
            "`rollback_batch_percent` is above 0",
        ),
        (
            at(&gamma, "/deploy/strategy"),
            Some(json!({"type": "linear", "step_percent": 0, "interval_seconds": 60})),
            "`step_percent` is above 0",
        ),
        (
            at(&gamma, "/deploy/strategy"),
            Some(json!({"type": "canary", "canary_percent": 100, "wait_seconds": 60})),
            "`canary_percent` is above 0 and below 100",
        ),
        (
            at(&canary, "/test/timeout_seconds"),
            Some(json!(0)),
            "`test.timeout_seconds` is 0",
        ),
        (
            at(&canary, "/test/env"),
            Some(json!({"A": "b"})),
            "`test.env` without a `test.command`",
        ),
        (
            at(&approval, "/approval/role"),
            Some(json!("")),
            "`approval.role` is empty",
        ),
        (
            at(&onebox, "/target/az"),
            Some(json!("labe1-az1")),
            "a one-box in an AZ or cell",
        ),
        (
            at(&onebox, "/deploy/rollback/command"),
            Some(json!("")),
            "`deploy.rollback.command` is empty",
        ),
        (
            at(&onebox, "/gates/0"),
            Some(json!("alarm:high severity")),
            "is not a gate id",
        ),
        (
            at(&az, "/target/cell"),
            Some(json!("c1")),
            "both an `az` and a `cell`",
        ),
        (
            at(&wave_bake, "/target/az"),
            Some(json!("labe1-az1")),
            "but no `region`",
        ),
        (
            at(&wave_bake, "/bake/duration_seconds"),
            Some(json!(3_155_760_001_u64)),
            "over 100 years",
        ),
        (
            at(&wave_bake, "/bake/data_points/0/count"),
            Some(json!(9_007_199_254_740_993_u64)),
            "over 2^53",
        ),
        (
            at(&wave_bake, "/bake/data_points/0/name"),
            Some(json!("")),
            "a data point's `name` is empty",
        ),
        (
            "/provenances/0/file".into(),
            Some(json!("/home/ci/x.pipe")),
            "file `/home/ci/x.pipe` is not a relative path",
        ),
        (
            "/provenances/0/file".into(),
            Some(json!("a/../x.pipe")),
            "is not a relative path",
        ),
        (
            "/provenances/13/overrides/0/line".into(),
            Some(json!(0)),
            "an override's line and column are one-based",
        ),
        (
            "/provenances".into(),
            Some(json!([])),
            "`provenances` is empty",
        ),
    ];
    for (pointer, value, expected) in cases {
        let what = format!("{pointer} = {value:?}");
        let broken = changed(&plan, &pointer, value);
        assert!(!validator.is_valid(&broken), "the schema accepts {what}");
        let error = read_error(&broken);
        assert!(error.contains(expected), "{what}: {error}");
    }

    // An empty `dropped` is refused as the schema refuses it.
    let mut with_dropped = plan.clone();
    with_dropped["dropped"] = json!([]);
    assert!(!validator.is_valid(&with_dropped));
    assert!(read_error(&with_dropped).contains("`dropped` is empty"));
}

/// What the schema cannot say but the format does (docs/plan-format.md,
/// "What the schema cannot say"): ids name what the plan holds. A plan
/// whose step watched an alarm not in `alarms` would deploy unwatched;
/// the reader refuses it, and every other dangling or repeated id, before
/// `simulate`, `graph` or `run` sees it.
#[test]
fn the_reader_refuses_ids_that_do_not_resolve() {
    use serde_json::json;
    let validator = schema_validator();
    let plan = documented_plan();
    let index = |id: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .position(|step| step["id"] == id)
            .unwrap()
    };
    let build = format!("/steps/{}", index("build/bundle"));
    let gamma = format!("/steps/{}", index("gamma/lab-east-1/deploy"));
    let az = format!(
        "/steps/{}",
        index("production/first/lab-east-1/az/labe1-az1/deploy")
    );
    let at = |step: &str, rest: &str| format!("{step}{rest}");
    let cases: Vec<(String, serde_json::Value, &str)> = vec![
        (
            at(&gamma, "/needs"),
            json!(["build/bundel"]),
            "step `gamma/lab-east-1/deploy` needs `build/bundel`, which is not a step",
        ),
        (
            at(&build, "/needs"),
            json!(["production/first/bake"]),
            "step `build/bundle` needs `production/first/bake`, which comes after it",
        ),
        (
            at(&gamma, "/id"),
            json!("build/bundle"),
            "two steps have the id `build/bundle`",
        ),
        (
            at(&gamma, "/needs"),
            json!(["gamma/lab-east-1/deploy"]),
            "step `gamma/lab-east-1/deploy` needs itself",
        ),
        (
            at(&az, "/gates/0"),
            json!("alarm:nowhere"),
            "checks gate `alarm:nowhere`, which is not in `gates`",
        ),
        (
            at(&az, "/rollback_alarm"),
            json!("nowhere"),
            "rolls back on alarm `nowhere`, which is not in `alarms`",
        ),
        (
            "/gates/1/id".into(),
            json!("alarm:high_severity"),
            "two gates have the id `alarm:high_severity`",
        ),
        (
            "/alarms/1/id".into(),
            json!("high_severity"),
            "two alarms have the id `high_severity`",
        ),
        (
            "/regions".into(),
            {
                // The region again, with another traffic tier.
                let listed = plan["regions"][0].clone();
                let mut again = listed.clone();
                again["attributes"]["traffic"] = json!("high");
                json!([listed, again])
            },
            "the `regions` table lists `lab-east-1` twice",
        ),
        (
            at(&az, "/deploy/artifacts"),
            json!(["other"]),
            "deploys `other`, which is not in `artifacts`",
        ),
        (
            "/artifacts/0/produced_by".into(),
            json!("source/code"),
            "which is not a build step of that artifact",
        ),
        (
            "/artifacts/0/signed".into(),
            json!(false),
            "says `signed` is false",
        ),
        (
            "/gates/3/closed_dates".into(),
            json!(["2027-01-01", "2026-12-25"]),
            "`closed_dates` are not ascending",
        ),
        (
            "/gates/3/allow/0/days".into(),
            json!(["tue", "mon"]),
            "`days` are not Monday first",
        ),
        (
            "/gates/3/allow/0/start".into(),
            json!("16:00"),
            "a slot starts at 16:00 and ends at 16:00",
        ),
    ];
    for (pointer, value, expected) in cases {
        let what = format!("{pointer} = {value}");
        let broken = changed(&plan, &pointer, Some(value));
        // Beyond JSON Schema: valid there, refused by the reader.
        assert!(validator.is_valid(&broken), "the schema refuses {what}");
        let error = read_error(&broken);
        assert!(error.contains(expected), "{what}: {error}");
    }
}

/// Integers are written without a fraction (docs/plan-format.md,
/// Conventions): the reader refuses `86400.0`, which JSON Schema's
/// `integer` would take; a percent may have one.
#[test]
fn integers_are_read_only_as_json_integers() {
    let text = documented_plan().to_string();
    for (integer, written) in [
        ("\"duration_seconds\":86400", "\"duration_seconds\":86400.0"),
        ("\"line\":25,", "\"line\":25.0,"),
        ("\"count\":100", "\"count\":1e2"),
    ] {
        assert!(text.contains(integer), "{integer}");
        let error = plan_v1::from_json(&text.replacen(integer, written, 1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid type: floating point"), "{error}");
    }
    let percent = text.replacen("\"traffic_percent\":10", "\"traffic_percent\":10.0", 1);
    assert_ne!(percent, text);
    plan_v1::from_json(&percent).unwrap();
}

/// A region's `attributes` and `azs` come from the plan's `registry`,
/// production's: without `production` there is none, and they are empty
/// even when a file declares a registry listing the region.
#[test]
fn regions_without_production_have_no_registry_attributes_or_azs() {
    let compiled = support::compile_main(
        "registry lab {\n\
         \x20 region lab-east-1 { geo = na; traffic = low; azs = [labe1-az1] }\n\
         }\n\
         pipeline nop {\n\
         \x20 platform = ecs\n\
         \x20 source code = git(\"https://x/y.git\", branch: \"main\") { require review }\n\
         \x20 build bundle from code { run = \"make\"; sign = true }\n\
         \x20 stage beta { regions = [lab-east-1]; deploy bundle }\n\
         }\n",
        true,
    );
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let plan = convert::to_v1(&compiled.plans[0], &compiled.sources);
    let [region] = &plan.regions[..] else {
        panic!("{:?}", plan.regions)
    };
    assert_eq!(region.code, "lab-east-1");
    assert_eq!(region.registry, None);
    assert!(region.attributes.is_empty() && region.azs.is_empty());
}

/// Absent, not null (docs/plan-format.md, Conventions): an optional field
/// that does not apply is left out, and only the top-level `profile` is
/// ever `null`. The reader refuses `null` wherever the schema does, and
/// reads the same plan with the field left out.
#[test]
fn optional_fields_are_left_out_never_null() {
    let plan = documented_plan();
    let step = |id: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .position(|step| step["id"] == id)
            .unwrap()
    };
    let build = step("build/bundle");
    let gamma = step("gamma/lab-east-1/deploy");
    let canary = step("gamma/test/canary");
    let onebox = step("production/first/lab-east-1/onebox/deploy");
    // Each optional field, by the JSON Pointer of the object holding it.
    let optional = [
        (String::new(), "alarm_command"),
        (String::new(), "dropped"),
        ("/regions/0".to_string(), "registry"),
        ("/gates/0".to_string(), "name"),
        ("/gates/2".to_string(), "git_ref"),
        ("/gates/3".to_string(), "window"),
        ("/alarms/0".to_string(), "name"),
        (format!("/steps/{build}"), "field_provenance"),
        (format!("/steps/{build}/build"), "argv"),
        (format!("/steps/{gamma}"), "gate"),
        (format!("/steps/{gamma}/target"), "wave"),
        (format!("/steps/{gamma}/target"), "az"),
        (format!("/steps/{canary}"), "rollback_alarm"),
        (format!("/steps/{canary}/test"), "command"),
        (format!("/steps/{onebox}/deploy"), "traffic_percent"),
        (format!("/steps/{onebox}/deploy/rollback"), "argv"),
        ("/steps/0/source".to_string(), "branch"),
        ("/provenances/0".to_string(), "not_scaled"),
        ("/provenances/13/overrides/0".to_string(), "value"),
    ];
    let validator = schema_validator();
    for (parent, field) in optional {
        let mut broken = plan.clone();
        broken
            .pointer_mut(&parent)
            .and_then(serde_json::Value::as_object_mut)
            .unwrap()
            .insert(field.to_string(), serde_json::Value::Null);
        let what = format!("{parent}/{field}: null");
        assert!(!validator.is_valid(&broken), "the schema takes {what}");
        let error = read_error(&broken);
        assert!(
            error.contains("an optional field is `null`"),
            "{what}: {error}"
        );
    }
    // The top-level `profile` is the one field written `null`.
    assert_eq!(plan["profile"], serde_json::Value::Null);
    assert_eq!(read_error(&plan), "read");
}
