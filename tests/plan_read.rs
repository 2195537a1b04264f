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
    serde_json::from_str(&plan_v1::to_json(plan)).unwrap()
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
        "this pipec reads plan formats 1.0, 1.1 and 1.2; the file is 2.0"
    );
    plan.as_object_mut().unwrap().remove("format_version");
    assert_eq!(
        read_error(&plan),
        "this pipec reads plan formats 1.0, 1.1 and 1.2; the file has no `format_version`"
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
        error.contains("is a bake step without its `bake` object"),
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
