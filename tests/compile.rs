//! Compiling real pipelines: every example's plan validates against the
//! committed schema and lists each gate once, the sample's plan has the
//! shape its source says, the output is deterministic, provenance files
//! are relative however the entry file is named, a region added to the
//! registry lands only in the `rest` wave, and pipelines of one template
//! place their own regions when they change them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::export::{convert, plan_v1};
use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::workspace::{self, Compiled};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn compile_file(path: &str) -> Compiled {
    compile_files(&[path])
}

fn compile_files(paths: &[&str]) -> Compiled {
    let entries = paths
        .iter()
        .map(|path| Entry {
            path: PathBuf::from(path),
            bytes: None,
            name: None,
        })
        .collect();
    workspace::compile_workspace(entries, &support::FsLoader, support::TODAY)
}

/// The sample's two services, compiled together.
fn compile_sample_services() -> Compiled {
    compile_files(&[
        "examples/sample/services/orders_api.pipe",
        "examples/sample/services/payments_worker.pipe",
    ])
}

fn plan_json(compiled: &Compiled, name: &str) -> Value {
    assert!(
        !compiled.has_errors(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    let plan = compiled
        .plans
        .iter()
        .find(|plan| plan.pipeline == name)
        .unwrap();
    support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/plan-v1.schema.json").unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn steps(plan: &Value) -> &Vec<Value> {
    plan["steps"].as_array().unwrap()
}

/// What the schema cannot check about gates: the table's ids are unique,
/// every id a step lists is in it, and it holds exactly the gates steps
/// list, in the order they are first listed.
fn assert_gate_table(plan: &Value, what: &str) {
    let table: Vec<&str> = plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gate| gate["id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = table.iter().copied().collect();
    assert_eq!(unique.len(), table.len(), "{what}: a gate id twice");
    let mut first_used: Vec<&str> = Vec::new();
    for step in steps(plan) {
        for id in step["gates"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            assert!(unique.contains(id), "{what}: {} lists {id}", step["id"]);
            if !first_used.contains(&id) {
                first_used.push(id);
            }
        }
    }
    assert_eq!(first_used, table, "{what}: gates not in first-use order");
}

#[test]
fn every_example_pipeline_compiles_to_a_valid_plan() {
    let validator = validator();
    let mut files = Vec::new();
    for dir in ["examples/sample/services", "examples/concepts"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    let mut compiled_plans = 0;
    for file in files {
        let compiled = compile_file(file.to_str().unwrap());
        assert!(
            !compiled.has_errors(),
            "{}",
            pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
        );
        for plan in &compiled.plans {
            let json: Value =
                support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)));
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|error| format!("{} at {}", error, error.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{} ({}): {errors:#?}",
                file.display(),
                plan.pipeline
            );
            assert_gate_table(&json, &format!("{} ({})", file.display(), plan.pipeline));
            compiled_plans += 1;
        }
    }
    assert!(
        compiled_plans >= 4,
        "expected the sample's services and the concept pipelines, got {compiled_plans}"
    );
}

#[test]
fn the_sample_plan_has_five_waves_over_every_region_once() {
    let compiled = compile_file("examples/sample/services/orders_api.pipe");
    let plan = plan_json(&compiled, "orders_api");
    let mut waves: Vec<String> = Vec::new();
    let mut region_wave: BTreeMap<String, String> = BTreeMap::new();
    for step in steps(&plan) {
        let target = &step["target"];
        let (Some(wave), Some(region)) = (target["wave"].as_str(), target["region"].as_str())
        else {
            continue;
        };
        if !waves.contains(&wave.to_string()) {
            waves.push(wave.to_string());
        }
        let previous = region_wave.insert(region.to_string(), wave.to_string());
        assert!(
            previous.is_none() || previous.as_deref() == Some(wave),
            "{region} in two waves"
        );
    }
    assert_eq!(waves, ["first", "second", "third", "fourth", "rest"]);
    // The figure the README gives.
    assert_eq!(steps(&plan).len(), 126);
    // Each gate is written once and named by every production deploy: the
    // org's blockers and window, and the service's artifact blocker.
    let gate_ids: Vec<&str> = plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gate| gate["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        gate_ids,
        [
            "alarm:high_severity",
            "alarm:aws.large_scale_event",
            "package:libjson@2.3.1",
            "window:business_hours"
        ]
    );
    for step in steps(&plan) {
        if step["target"]["stage"] == "production" && step["kind"] == "deploy" {
            assert_eq!(step["gates"], serde_json::json!(gate_ids), "{}", step["id"]);
        }
    }
    // All 34 regions of std/aws are deployed, each in exactly one wave.
    assert_eq!(region_wave.len(), 34);
    let per_wave = |wave: &str| region_wave.values().filter(|w| *w == wave).count();
    assert_eq!(
        (
            per_wave("first"),
            per_wave("second"),
            per_wave("third"),
            per_wave("fourth")
        ),
        (1, 1, 3, 12)
    );
    // Every production region starts with a one-box deploy and its bake.
    for region in region_wave.keys() {
        let wave = &region_wave[region];
        for suffix in ["onebox/deploy", "onebox/bake"] {
            let id = format!("production/{wave}/{region}/{suffix}");
            assert!(
                steps(&plan).iter().any(|step| step["id"] == id.as_str()),
                "missing {id}"
            );
        }
    }
    // The first two waves go one AZ at a time: ap-east-1 has three AZs.
    let first_azs: Vec<&str> = steps(&plan)
        .iter()
        .filter(|step| step["target"]["wave"] == "first" && step["kind"] == "deploy")
        .filter_map(|step| step["target"]["az"].as_str())
        .collect();
    assert_eq!(first_azs, ["ape1-az1", "ape1-az2", "ape1-az3"]);
    // Each wave waits for the previous wave's bake.
    let second_onebox = steps(&plan)
        .iter()
        .find(|step| step["id"] == "production/second/us-east-1/onebox/deploy")
        .unwrap();
    assert_eq!(
        second_onebox["needs"],
        serde_json::json!(["production/first/bake"])
    );
    // Two rollback alarms, each written once: one-box steps watch the
    // org's one-box alarm, every other production deploy and bake the
    // aggregate one.
    let alarm_ids: Vec<&str> = plan["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alarm| alarm["id"].as_str().unwrap())
        .collect();
    assert_eq!(alarm_ids, ["onebox", "high_severity"]);
    for step in steps(&plan) {
        let target = &step["target"];
        if target["stage"] == "production" && step["kind"] == "deploy" {
            let expected = if target["onebox"] == true {
                "onebox"
            } else {
                "high_severity"
            };
            assert_eq!(step["rollback_alarm"], expected, "{}", step["id"]);
        }
    }
    // The regions table describes every region from the registry: the
    // 34 production regions and the pre-production ones, each once.
    let regions = plan["regions"].as_array().unwrap();
    let codes: BTreeSet<&str> = regions
        .iter()
        .map(|region| region["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), regions.len(), "a region listed twice");
    assert!(
        region_wave
            .keys()
            .all(|region| codes.contains(region.as_str()))
    );
    let us_east_1 = regions
        .iter()
        .find(|region| region["code"] == "us-east-1")
        .unwrap();
    assert_eq!(us_east_1["registry"], "aws");
    assert_eq!(us_east_1["attributes"]["traffic"], "high");
    assert_eq!(us_east_1["azs"].as_array().unwrap().len(), 6);
}

#[test]
fn the_childs_bake_override_carries_its_provenance() {
    let compiled = compile_file("examples/sample/services/orders_api.pipe");
    let plan = plan_json(&compiled, "orders_api");
    let bake = steps(&plan)
        .iter()
        .find(|step| step["id"] == "production/first/bake")
        .unwrap();
    assert_eq!(bake["bake"]["duration_seconds"], 24 * 3600);
    assert_eq!(bake["bake"]["data_points"][0]["count"], 100);
    let provenance = &bake["provenance"];
    assert_eq!(
        provenance["file"],
        "examples/sample/services/orders_api.pipe"
    );
    let overridden = &provenance["overrides"][0];
    assert_eq!(overridden["file"], "examples/sample/team/service.pipe");
    assert_eq!(overridden["value"], "12h");
    // The line really holds the parent's 12h bake.
    let team = std::fs::read_to_string("examples/sample/team/service.pipe").unwrap();
    let line = team
        .lines()
        .nth(overridden["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert!(line.contains("bake = 12h"), "{line}");
}

/// An override's `value` is the replaced value as written, for members
/// that set one without `=` too: `rollback on hs` and `window bh`.
#[test]
fn overrides_of_a_rollback_alarm_and_a_window_carry_the_replaced_value() {
    let plan = compile_text(
        r#"import "std/aws"
window bh { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
window bh2 { zone = "UTC"; allow = [mon..thu 09:00..17:00] }
template Base {
  abstract alarm hs
  alarm hs2 = ALARM("Api_High_Latency")
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = aws
    deploy bundle
    window bh overridable
    rollback on hs
    wave first { regions = [us-east-1] }
    wave rest  { regions = rest }
  }
}
pipeline orders_api extends Base {
  platform = ecs
  alarm hs = ALARM("Api_High_Severity")
  production { rollback on hs2; window bh2 }
}
"#,
    );
    // Every override in the plan, wherever its provenance is written.
    fn collect(value: &Value, found: &mut BTreeSet<(u64, String)>) {
        match value {
            Value::Object(object) => {
                for replaced in object
                    .get("overrides")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let value = replaced["value"].as_str().unwrap_or("(none)");
                    found.insert((replaced["line"].as_u64().unwrap(), value.to_string()));
                }
                object.values().for_each(|inner| collect(inner, found));
            }
            Value::Array(items) => items.iter().for_each(|inner| collect(inner, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    collect(&plan, &mut found);
    let expected: BTreeSet<(u64, String)> = [(12, "bh".to_string()), (13, "hs".to_string())].into();
    assert_eq!(found, expected);
}

#[test]
fn compiling_twice_gives_identical_bytes() {
    let first = compile_file("examples/sample/services/payments_worker.pipe");
    let second = compile_file("examples/sample/services/payments_worker.pipe");
    let render = |compiled: &Compiled| {
        compiled
            .plans
            .iter()
            .map(|plan| plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
            .collect::<String>()
    };
    assert!(!render(&first).is_empty());
    assert_eq!(render(&first), render(&second));
    assert!(
        !render(&first).contains("/work/"),
        "no absolute paths in the plan"
    );
}

/// `compile` converts each plan by moving its steps' names out
/// (`into_v1`); the result is the plan every other command converts by
/// sharing them (`to_v1`), steps whose target another step shares
/// included.
#[test]
fn a_plan_converted_by_moving_equals_one_converted_by_sharing() {
    let compiled = compile_sample_services();
    assert!(!compiled.has_errors());
    assert_eq!(compiled.plans.len(), 2);
    let mut azs = 0;
    for plan in &compiled.plans {
        let shared = convert::to_v1(plan, &compiled.sources);
        let moved = convert::into_v1(plan.clone(), &compiled.sources);
        azs += moved
            .steps
            .iter()
            .filter(|step| step.target.az.is_some())
            .count();
        assert_eq!(moved, shared, "{}", plan.pipeline);
    }
    assert!(azs > 0, "an AZ's deploy and bake share a target");
}

/// Every pipeline a window gates reads it alike: the plans of the
/// sample's two services share one list of the window's closed days (read
/// once for the workspace), and it is the window's, calendar included.
#[test]
fn pipelines_gated_by_one_window_share_its_days() {
    let compiled = compile_sample_services();
    assert!(!compiled.has_errors());
    let closed: Vec<&std::sync::Arc<[String]>> = compiled
        .plans
        .iter()
        .map(|plan| {
            plan.gates
                .iter()
                .find_map(|gate| match &gate.kind {
                    pipec::plan::GateKind::Window { closed_dates, .. } => Some(closed_dates),
                    _ => None,
                })
                .unwrap()
        })
        .collect();
    assert_eq!(closed.len(), 2);
    assert!(std::sync::Arc::ptr_eq(closed[0], closed[1]));
    // The holidays of `std/calendars` the window excepts, sorted.
    assert!(
        closed[0].contains(&"2026-11-26".to_string()),
        "{:?}",
        closed[0]
    );
    assert!(closed[0].windows(2).all(|pair| pair[0] < pair[1]));
}

/// The entry file named by an absolute path, or with `./`: the plan still
/// names files relatively, as the format requires.
#[test]
fn provenance_files_are_relative_however_the_entry_is_named() {
    let validator = validator();
    let absolute = std::fs::canonicalize("examples/sample/services/orders_api.pipe").unwrap();
    for path in [
        absolute.to_str().unwrap(),
        "./examples/sample/services/orders_api.pipe",
    ] {
        let compiled = compile_file(path);
        let plan = plan_json(&compiled, "orders_api");
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        let text = plan.to_string();
        assert!(!text.contains("\"file\":\"/"), "{path}: an absolute file");
        assert!(!text.contains("\"file\":\"./"), "{path}: a `./` file");
        let bake = steps(&plan)
            .iter()
            .find(|step| step["id"] == "production/first/bake")
            .unwrap();
        assert!(
            bake["provenance"]["file"]
                .as_str()
                .unwrap()
                .ends_with("examples/sample/services/orders_api.pipe"),
            "{path}: {}",
            bake["provenance"]["file"]
        );
    }
}

/// A workspace with the sample's waves over the standard registry, or over
/// a registry that extends it with one more region.
fn waves_workspace(extra_region: bool) -> Compiled {
    let registry = if extra_region {
        "registry target extends aws {\n  new region xx-new-1 { traffic = low; geo = eu; azs = [xxn1-az1, xxn1-az2] }\n}\n"
    } else {
        // Same number of lines, so that provenance lines stay put.
        "registry target extends aws {\n  // no new region\n}\n"
    };
    let text = format!(
        r#"import "std/aws"
{registry}
pipeline orders_api {{
  platform = ecs
  source code = git("orders-api", branch: "mainline") {{ require review }}
  build bundle from code {{ run = "make" }}
  production {{
    registry = target
    rollback on ALARM("OrdersApi_High_Severity")
    deploy bundle
    onebox {{ traffic <= 10%; bake = 1h }}
    wave first  {{ regions = target where traffic == low take 1; by az; bake = 12h }}
    wave second {{ regions = target where traffic == high take 1; by az; bake = 4h }}
    wave third  {{ regions = [us-west-2, eu-west-1, ap-northeast-1]; bake = 4h }}
    wave fourth {{ regions = target where traffic in [high, medium] take 12; bake = 2h }}
    wave rest   {{ regions = rest; bake = 2h }}
  }}
}}
"#
    );
    support::compile_main(&text, true)
}

#[test]
fn a_new_region_changes_only_the_rest_wave() {
    let before = plan_json(&waves_workspace(false), "orders_api");
    let after = plan_json(&waves_workspace(true), "orders_api");
    let by_id = |plan: &Value| -> BTreeMap<String, Value> {
        steps(plan)
            .iter()
            .map(|step| (step["id"].as_str().unwrap().to_string(), step.clone()))
            .collect()
    };
    let (before, after) = (by_id(&before), by_id(&after));
    let added: BTreeSet<&String> = after
        .keys()
        .filter(|id| !before.contains_key(*id))
        .collect();
    let removed: BTreeSet<&String> = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .collect();
    assert!(removed.is_empty(), "{removed:?}");
    assert!(!added.is_empty());
    for id in &added {
        assert!(
            id.starts_with("production/rest/xx-new-1/"),
            "{id} added outside the rest wave"
        );
    }
    for (id, step) in &before {
        let changed = after[id] != *step;
        if changed {
            // Only the rest wave's bake, which now also waits for the new region.
            assert_eq!(id, "production/rest/bake", "{id} changed");
        }
    }
}

/// A list attribute of a region that a registry extending another edits
/// with `+=` and `-=` (RFC 0001, R17, R18, R46) holds the edited items, in
/// the plan's regions table and for filters: the edits are not dropped.
#[test]
fn a_registrys_list_attribute_edits_reach_the_plan_and_filters() {
    let text = r#"registry base {
  region r1 { traffic = low; tags = [a, b]; azs = [r1-a] }
  region r2 { traffic = high; tags = [a]; azs = [r2-a] }
}
registry mine extends base {
  region r1 { tags += [c]; tags -= [a] }
}
pipeline api {
  platform = ecs
  source code = git("api", branch: "main") { require review }
  build bundle from code { run = "make" }
  production {
    registry = mine
    rollback on ALARM("Api_High_Severity")
    wave first { regions = mine where tags == "[b, c]" }
    wave rest { regions = rest }
  }
}
"#;
    let plan = plan_json(&support::compile_main(text, true), "api");
    let tags: BTreeMap<&str, &str> = plan["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|region| {
            (
                region["code"].as_str().unwrap(),
                region["attributes"]["tags"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(tags, BTreeMap::from([("r1", "[b, c]"), ("r2", "[a]")]));
    let waves = wave_regions(&plan);
    assert_eq!(waves["first"], ["r1"], "{waves:?}");
    assert_eq!(waves["rest"], ["r2"], "{waves:?}");
}

/// The regions of each production wave of a plan, in rollout order, by
/// wave.
fn wave_regions(plan: &Value) -> BTreeMap<String, Vec<String>> {
    let mut waves: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for step in steps(plan) {
        let target = &step["target"];
        if let (Some(wave), Some(region)) = (target["wave"].as_str(), target["region"].as_str()) {
            let regions = waves.entry(wave.to_string()).or_default();
            if !regions.iter().any(|known| known == region) {
                regions.push(region.to_string());
            }
        }
    }
    waves
}

/// Pipelines of one template that read the same wave regions place
/// alike, and one that changes a wave's regions places on its own, in
/// whatever order they are placed: placements are shared between
/// pipelines only when they read the very same members.
#[test]
fn pipelines_place_their_own_regions_when_they_change_them() {
    let text = r#"import "std/aws"
template Service {
  platform = ecs
  source code = git("svc", branch: "mainline") { require review }
  build bundle from code { run = "make"; sign = true }
  production {
    registry = aws
    rollback on ALARM("Svc_High_Severity")
    deploy bundle
    wave first { regions = aws where traffic == low take 1; bake = 12h }
    wave third { regions = [us-west-2, eu-west-1, ap-northeast-1]; bake = 4h }
    wave rest  { regions = rest; bake = 2h }
  }
}
pipeline same_a extends Service { production { wave first { bake = 24h } } }
pipeline moved extends Service { production { wave third { regions -= [eu-west-1] } } }
pipeline same_b extends Service { production { wave third { bake = 6h } } }
"#;
    let compiled = support::compile_main(text, false);
    let same_a = wave_regions(&plan_json(&compiled, "same_a"));
    let moved = wave_regions(&plan_json(&compiled, "moved"));
    let same_b = wave_regions(&plan_json(&compiled, "same_b"));
    assert_eq!(same_a, same_b);
    assert_eq!(
        same_a["third"],
        ["us-west-2", "eu-west-1", "ap-northeast-1"]
    );
    assert_eq!(moved["third"], ["us-west-2", "ap-northeast-1"]);
    assert!(
        moved["rest"].iter().any(|region| region == "eu-west-1"),
        "{moved:?}"
    );
    assert!(
        !same_b["rest"].iter().any(|region| region == "eu-west-1"),
        "{same_b:?}"
    );
}

/// An approval role is free text; its step id is still a path of plain
/// names, so the plan stays valid.
#[test]
fn approval_roles_with_spaces_give_valid_step_ids() {
    let text = r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make"; sign = true }
  stage gamma { deploy bundle; require approval("qa lead") }
}
"#;
    let compiled = support::compile_main(text, false);
    let plan = plan_json(&compiled, "orders_api");
    let approval = steps(&plan)
        .iter()
        .find(|step| step["kind"] == "approval")
        .unwrap();
    assert_eq!(approval["id"], "gamma/approval/qa-lead");
    assert_eq!(approval["approval"]["role"], "qa lead");
    let errors: Vec<String> = validator()
        .iter_errors(&plan)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The same approval in a profile of the same name along the chain is one
/// approval, as a repeated item of any collection is (R22): one step, set
/// where it was written last, the ancestor's place among what it overrides.
#[test]
fn a_profile_approval_written_again_along_the_chain_is_one_step() {
    let text = r#"import "std/aws"
template Org {
  build bundle { run = "make" }
  stage gamma { regions = [us-east-1]; deploy bundle { run = "d" } }
  production { registry = aws; rollback on ALARM("X"); wave all { regions = rest } }
  profile e { require approval("senior") }
}
pipeline r extends Org {
  platform = ecs
  profile e { require approval("senior"); require approval("oncall") }
}
"#;
    let entries = vec![Entry {
        path: PathBuf::from("chain.pipe"),
        bytes: Some(text.as_bytes().to_vec()),
        name: None,
    }];
    let compiled =
        workspace::compile_workspace_with(entries, &support::FsLoader, support::TODAY, Some("e"));
    let plan = plan_json(&compiled, "r");
    let approvals: Vec<&Value> = steps(&plan)
        .iter()
        .filter(|step| {
            step["id"]
                .as_str()
                .unwrap()
                .starts_with("production/approval/")
        })
        .collect();
    let ids: Vec<&str> = approvals
        .iter()
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["production/approval/senior", "production/approval/oncall"]
    );
    let provenance = &approvals[0]["provenance"];
    assert_eq!(
        (&provenance["line"], &provenance["how"]),
        (&serde_json::json!(10), &serde_json::json!("profile"))
    );
    assert_eq!(provenance["overrides"][0]["line"], 6);
}

/// `--profile emergency` on the sample: bakes scaled to a quarter with the
/// scale in their provenance, the final one-box bake kept, and the senior
/// engineer's approval before production.
#[test]
fn the_emergency_profile_scales_bakes_and_adds_an_approval() {
    let entries = vec![Entry {
        path: PathBuf::from("examples/sample/services/orders_api.pipe"),
        bytes: None,
        name: None,
    }];
    let compiled = workspace::compile_workspace_with(
        entries,
        &support::FsLoader,
        support::TODAY,
        Some("emergency"),
    );
    let plan = plan_json(&compiled, "orders_api");
    assert_eq!(plan["profile"], "emergency");
    let step = |id: &str| {
        steps(&plan)
            .iter()
            .find(|step| step["id"] == id)
            .unwrap()
            .clone()
    };
    let bake = step("production/first/bake");
    assert_eq!(bake["bake"]["duration_seconds"], 6 * 3600);
    assert_eq!(bake["provenance"]["how"], "bake_scale");
    assert_eq!(bake["provenance"]["overrides"][0]["value"], "24h");
    // The org declares the one-box final: `bake scale` leaves it alone.
    assert_eq!(
        step("production/first/ap-east-1/onebox/bake")["bake"]["duration_seconds"],
        3600
    );
    let approval = step("production/approval/senior-engineer");
    assert_eq!(approval["approval"]["role"], "senior-engineer");
    let first_onebox = step("production/first/ap-east-1/onebox/deploy");
    assert_eq!(
        first_onebox["needs"],
        serde_json::json!(["production/approval/senior-engineer"])
    );
    let errors: Vec<String> = validator()
        .iter_errors(&plan)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let unknown = workspace::compile_workspace_with(
        vec![Entry {
            path: PathBuf::from("examples/sample/services/orders_api.pipe"),
            bytes: None,
            name: None,
        }],
        &support::FsLoader,
        support::TODAY,
        Some("emergncy"),
    );
    let codes: Vec<&str> = unknown
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["P0312"]);
}

/// `remove profile NAME` drops the inherited profile (R36): selecting it
/// is then P0312 for that pipeline, with `check` as with `compile`, as for
/// any pipeline without it; and a profile declared again after its
/// removal is only the new declaration, none of the removed body.
#[test]
fn a_removed_profile_is_not_applied() {
    let text = r#"registry lab { region lab-1 { } }
template Base {
  platform = ecs
  source code = git("https://git.example.com/p.git") { require review }
  build bundle from code { run = "make" }
  stage beta { bake = 3h }
  production { registry = lab; rollback on ALARM("X"); wave w { regions = rest; bake = 12h } }
  profile em { stage beta { bake = 1h } }
}
pipeline kept extends Base { }
pipeline dropped extends Base { remove profile em }
pipeline renewed extends Base {
  remove profile em
  new profile em { require approval("boss") }
}
"#;
    let entries = || main_entry(text);
    let loader = MemoryLoader::in_dir("/workspace");
    let errors = |diagnostics: &[pipec::diagnostics::Diagnostic]| -> Vec<(String, String)> {
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| {
                (
                    diagnostic.code.as_str().to_string(),
                    diagnostic.message.clone(),
                )
            })
            .collect()
    };
    let expected = [(
        "P0312".to_string(),
        "pipeline `dropped` has no profile `em`".to_string(),
    )];
    let checked = workspace::check_workspace_with(entries(), &loader, support::TODAY, Some("em"));
    assert_eq!(errors(&checked.diagnostics), expected);
    let compiled =
        workspace::compile_workspace_with(entries(), &loader, support::TODAY, Some("em"));
    assert_eq!(errors(&compiled.diagnostics), expected);
    // Without `--profile` nothing is wrong: the pipeline simply has no `em`.
    let unselected = workspace::check_workspace_with(entries(), &loader, support::TODAY, None);
    assert_eq!(errors(&unselected.diagnostics), []);
    let plan = |name: &str| {
        let plan = compiled
            .plans
            .iter()
            .find(|plan| plan.pipeline == name)
            .unwrap();
        support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
    };
    let beta_bake =
        |plan: &Value| steps_by_id(plan)["beta/bake"]["bake"]["duration_seconds"].clone();
    let approvals = |plan: &Value| -> Vec<String> {
        steps(plan)
            .iter()
            .filter(|step| step["kind"] == "approval")
            .map(|step| step["id"].as_str().unwrap().to_string())
            .collect()
    };
    let kept = plan("kept");
    assert_eq!(beta_bake(&kept), 3_600);
    assert!(approvals(&kept).is_empty());
    let renewed = plan("renewed");
    assert_eq!(beta_bake(&renewed), 3 * 3_600);
    assert_eq!(approvals(&renewed), ["production/approval/boss"]);
}

/// A profile the chain refuses (`P0303`: a pipeline's own profile under
/// `extends` written without `new`, also after its template's was removed)
/// is that one error (R13): selecting it with `--profile` is not also
/// `P0312`, which would say the pipeline declares no profile of that name.
/// A pipeline that declares none still gets `P0312`.
#[test]
fn selecting_a_refused_profile_is_one_error() {
    let text = r#"registry lab { region lab-1 { } }
template Base {
  platform = ecs
  source code = git("https://git.example.com/p.git") { require review }
  build bundle from code { run = "make" }
  stage beta { bake = 3h }
  production { registry = lab; rollback on ALARM("X"); wave w { regions = rest; bake = 12h } }
  profile other { stage beta { bake = 2h } }
}
pipeline unmarked extends Base { profile em { stage beta { bake = 1h } } }
pipeline readded extends Base {
  remove profile other
  profile other { stage beta { bake = 1h } }
}
pipeline plain extends Base { }
"#;
    let loader = MemoryLoader::in_dir("/workspace");
    let errors = |profile: Option<&str>| -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> =
            workspace::check_workspace_with(main_entry(text), &loader, support::TODAY, profile)
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.is_error())
                .map(|diagnostic| {
                    (
                        diagnostic.code.as_str().to_string(),
                        diagnostic.message.clone(),
                    )
                })
                .collect();
        found.sort();
        found
    };
    let refused = [
        ("P0303", "profile `em` overrides nothing"),
        ("P0303", "profile `other` overrides nothing"),
    ]
    .map(|(code, message)| (code.to_string(), message.to_string()));
    assert_eq!(errors(None), refused);
    let mut em = refused.to_vec();
    em.push((
        "P0312".to_string(),
        "pipeline `plain` has no profile `em`".to_string(),
    ));
    em.push((
        "P0312".to_string(),
        "pipeline `readded` has no profile `em`".to_string(),
    ));
    em.sort();
    assert_eq!(errors(Some("em")), em);
    let mut other = refused.to_vec();
    other.sort();
    assert_eq!(errors(Some("other")), other);
}

/// An inheritance cycle across files is named from its member that comes
/// first, files in path order (R4): from `a.pipe` whichever file the check
/// starts from, with the primary label there and the other `extends`
/// labelled in `b.pipe`.
#[test]
fn an_inheritance_cycle_is_named_from_the_first_file_by_path() {
    let mut loader = MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    loader.add("a.pipe", "import \"./b.pipe\"\ntemplate Z extends Y { }\n");
    loader.add("b.pipe", "import \"./a.pipe\"\ntemplate Y extends Z { }\n");
    for entry in ["b.pipe", "a.pipe"] {
        let checked = workspace::check_workspace(
            vec![Entry {
                path: PathBuf::from(entry),
                bytes: None,
                name: None,
            }],
            &loader,
            support::TODAY,
        );
        let cycles: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code.as_str() == "P0301")
            .collect();
        assert_eq!(cycles.len(), 1, "from {entry}");
        let cycle = cycles[0];
        assert_eq!(
            cycle.message, "inheritance cycle: Z → Y → Z",
            "from {entry}"
        );
        let file_of = |label: &pipec::diagnostics::Label| {
            checked.sources.get(label.file).unwrap().name.clone()
        };
        assert_eq!(
            file_of(cycle.primary_label().unwrap()),
            "a.pipe",
            "from {entry}"
        );
        let others: Vec<String> = cycle
            .labels
            .iter()
            .filter(|label| !label.primary)
            .map(file_of)
            .collect();
        assert_eq!(others, ["b.pipe"], "from {entry}");
    }
}

/// A final profile is frozen (R32, R33): a pipeline that removes it, or
/// changes or adds to it, is an override of a final member, and that
/// change is skipped (R13). Selecting the profile then applies the
/// template's body alone, and is no P0312 for the pipeline that tried to
/// remove it. A final `bake scale` likewise keeps its factor.
#[test]
fn a_final_profile_keeps_its_body_and_its_bake_scale() {
    let text = r#"registry lab { region lab-1 { } }
template Base {
  platform = ecs
  source code = git("https://git.example.com/p.git") { require review }
  build bundle from code { run = "make" }
  stage beta { bake = 4h }
  production { registry = lab; rollback on ALARM("X"); wave w { regions = rest; bake = 12h } }
  final profile em { stage beta { bake = 1h } }
  profile fast { final bake scale 50% }
}
pipeline dropped extends Base { remove profile em }
pipeline changed extends Base {
  profile em { stage beta { bake = 2h }; require approval("boss") }
  profile fast { bake scale 25% }
}
"#;
    let loader = MemoryLoader::in_dir("/workspace");
    let errors = |profile: Option<&str>| -> Vec<(String, String)> {
        workspace::check_workspace_with(main_entry(text), &loader, support::TODAY, profile)
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| {
                (
                    diagnostic.code.as_str().to_string(),
                    diagnostic.message.clone(),
                )
            })
            .collect()
    };
    let overrides = [
        ("P0305", "this removes a final member (profile `em`)"),
        ("P0305", "this overrides a final member (field `bake`)"),
        ("P0305", "this changes a final member (profile `em`)"),
        ("P0305", "this overrides a final member (`bake scale`)"),
    ]
    .map(|(code, message)| (code.to_string(), message.to_string()));
    for profile in [None, Some("em"), Some("fast")] {
        let mut found = errors(profile);
        found.sort();
        let mut expected = overrides.to_vec();
        expected.sort();
        assert_eq!(found, expected, "with --profile {profile:?}");
    }
    // What each pipeline's plan would be, with its own overrides gone:
    // the template's profile alone.
    let without_overrides = text
        .replace("pipeline dropped extends Base { remove profile em }", "pipeline dropped extends Base { }")
        .replace(
            "  profile em { stage beta { bake = 2h }; require approval(\"boss\") }\n  profile fast { bake scale 25% }\n",
            "",
        );
    assert_ne!(without_overrides, text);
    for (profile, bake) in [("em", 3_600), ("fast", 2 * 3_600)] {
        let compiled = workspace::compile_workspace_with(
            main_entry(text),
            &loader,
            support::TODAY,
            Some(profile),
        );
        let expected = workspace::compile_workspace_with(
            main_entry(&without_overrides),
            &loader,
            support::TODAY,
            Some(profile),
        );
        for name in ["dropped", "changed"] {
            let plan = |compiled: &Compiled| {
                compiled
                    .plans
                    .iter()
                    .find(|plan| plan.pipeline == name)
                    .map(|plan| {
                        let value = support::plan_value(&plan_v1::to_json(&convert::to_v1(
                            plan,
                            &compiled.sources,
                        )));
                        let steps = steps_by_id(&value);
                        let approvals = steps
                            .keys()
                            .filter(|id| id.contains("approval"))
                            .cloned()
                            .collect::<Vec<_>>();
                        (
                            steps["beta/bake"]["bake"]["duration_seconds"].clone(),
                            approvals,
                        )
                    })
            };
            let wanted = plan(&expected).unwrap();
            assert_eq!(wanted.0, bake, "{name} with --profile {profile}");
            assert_eq!(
                plan(&compiled).unwrap(),
                wanted,
                "{name} with --profile {profile}"
            );
        }
    }
}

/// A region of a registry that extends another may add and remove AZs
/// and cells with `+=` and `-=` (R20): the plan deploys to the AZs as
/// edited, in order, not to the inherited list.
#[test]
fn a_registry_edits_an_inherited_regions_azs_and_cells() {
    let registries = "registry base { region r1 { azs = [r1-az1, r1-az2]; cells = [c1] } }
registry more extends base { region r1 { azs += [r1-az3]; azs -= [r1-az1]; cells += [c2] } }";
    assert_eq!(
        deploys_through(registries, "az"),
        [
            "production/first/r1/az/r1-az2/deploy",
            "production/first/r1/az/r1-az3/deploy"
        ]
    );
    assert_eq!(
        deploys_through(registries, "cell"),
        [
            "production/first/r1/cell/c1/deploy",
            "production/first/r1/cell/c2/deploy"
        ]
    );
}

/// The deploy steps of a pipeline over the registry `more` (declared in
/// `registries`), in one wave of every region, `by` AZ or cell.
fn deploys_through(registries: &str, by: &str) -> Vec<String> {
    let text = format!(
        r#"{registries}
pipeline orders {{
  platform = ecs
  build bundle {{ run = "make" }}
  production {{ registry = more; rollback on ALARM("X"); wave first {{ regions = rest; by {by} }} }}
}}
"#
    );
    steps(&compile_text(&text))
        .iter()
        .filter(|step| step["kind"] == "deploy")
        .map(|step| step["id"].as_str().unwrap().to_string())
        .collect()
}

/// A region's `azs` and `cells` default to `[]` (R19): a registry that
/// extends another may edit them with `+=` and `-=` where no ancestor set
/// them, and the plan deploys to the AZs and cells so edited.
#[test]
fn a_registry_edits_a_regions_default_azs_and_cells() {
    let registries = "registry base { region r1 { traffic = low } }
registry more extends base { region r1 { azs += [r1-az1, r1-az2]; azs -= [r1-az1]; cells += [c1] } }";
    assert_eq!(
        deploys_through(registries, "az"),
        ["production/first/r1/az/r1-az2/deploy"]
    );
    assert_eq!(
        deploys_through(registries, "cell"),
        ["production/first/r1/cell/c1/deploy"]
    );
}

/// A final block freezes everything in it (R33), so a bake inside one is a
/// final bake, which `bake scale` leaves alone (R35, R41) and says so;
/// bakes outside final blocks are scaled.
#[test]
fn bake_scale_leaves_bakes_in_final_blocks_alone() {
    let plan = compile_text_with(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  final stage beta { regions = [us-east-1]; deploy bundle; bake = 2h }
  stage gamma { regions = [us-east-1]; deploy bundle; bake = 2h }
  production {
    registry = aws
    rollback on ALARM("Orders")
    final wave first {
      regions = [us-west-2]
      bake = 12h
      onebox { bake = 1h }
    }
    wave second { regions = [eu-west-1]; bake = 4h; final onebox { bake = 1h } }
    wave rest { regions = rest; bake = 2h; onebox { bake = 1h } }
  }
  profile fast { bake scale 50% }
}
"#,
        Some("fast"),
    );
    let by_id = steps_by_id(&plan);
    let bake = |id: &str| {
        let step = by_id[id];
        (
            step["bake"]["duration_seconds"].as_u64().unwrap(),
            step["provenance"]["not_scaled"]["reason"].clone(),
        )
    };
    let final_ = serde_json::json!("final");
    let scaled = Value::Null;
    assert_eq!(bake("beta/bake"), (7200, final_.clone()));
    assert_eq!(bake("gamma/bake"), (3600, scaled.clone()));
    assert_eq!(bake("production/first/bake"), (12 * 3600, final_.clone()));
    // Inside the final wave, so final too.
    assert_eq!(
        bake("production/first/us-west-2/onebox/bake"),
        (3600, final_.clone())
    );
    assert_eq!(bake("production/second/bake"), (2 * 3600, scaled.clone()));
    assert_eq!(
        bake("production/second/eu-west-1/onebox/bake"),
        (3600, final_)
    );
    assert_eq!(bake("production/rest/bake"), (3600, scaled.clone()));
    assert_eq!(
        bake("production/rest/ap-east-1/onebox/bake"),
        (1800, scaled)
    );
}

/// A profile's body overrides the resolved pipeline (R40): its `+=` edits
/// the pipeline's list, even where no ancestor's profile of that name
/// has the field, and is applied only when the profile is.
#[test]
fn a_profile_edits_the_pipelines_lists() {
    let text = r#"import "std/aws"
template Service {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma {
    regions = [us-east-1]
    deploy bundle
    bake = 1h
    window {
      zone = "UTC"
      allow = [mon..fri 09:00..17:00]
      blackout = [2027-12-24]
    }
  }
}
pipeline orders_api extends Service {
  new profile late {
    stage gamma {
      regions += [us-west-2]
      window { blackout += [2027-12-31] }
    }
  }
}
"#;
    let gamma_regions = |plan: &Value| -> Vec<String> {
        let mut regions: Vec<String> = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|step| step["target"]["stage"] == "gamma" && step["kind"] == "deploy")
            .map(|step| step["target"]["region"].as_str().unwrap().to_string())
            .collect();
        regions.sort();
        regions
    };
    let closed = |plan: &Value| -> Vec<Value> {
        plan["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|gate| gate["type"] == "window")
            .map(|gate| gate["closed_dates"].as_array().unwrap().clone())
            .unwrap_or_default()
    };
    let plain = compile_text_with(text, None);
    assert_eq!(gamma_regions(&plain), ["us-east-1"]);
    assert_eq!(closed(&plain), [serde_json::json!("2027-12-24")]);
    let late = compile_text_with(text, Some("late"));
    assert_eq!(gamma_regions(&late), ["us-east-1", "us-west-2"]);
    assert_eq!(
        closed(&late),
        [
            serde_json::json!("2027-12-24"),
            serde_json::json!("2027-12-31")
        ]
    );
}

#[test]
fn several_plans_are_written_as_serde_writes_an_array_of_them() {
    let compiled = compile_sample_services();
    assert!(!compiled.has_errors());
    let plans: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
    assert_eq!(plans.len(), 2);
    let exported: Vec<plan_v1::PlanV1> = plans
        .iter()
        .map(|plan| convert::to_v1(plan, &compiled.sources))
        .collect();
    use pipec::export::Layout;
    assert_eq!(
        pipec::export::plans_to_v1(&plans, &compiled.sources),
        exported
    );
    let pretty = serde_json::to_string_pretty(&exported).unwrap() + "\n";
    assert_eq!(
        pipec::export::plans_to_json(&exported, Layout::Pretty),
        pretty
    );
    let compact = serde_json::to_string(&exported).unwrap() + "\n";
    assert_eq!(
        pipec::export::plans_to_json(&exported, Layout::Compact),
        compact
    );
    // One plan is the plan object itself.
    assert_eq!(
        pipec::export::plans_to_json(&exported[..1], Layout::Pretty),
        plan_v1::to_json(&exported[0])
    );
    assert_eq!(
        pipec::export::plans_to_json(&exported[..1], Layout::Compact),
        plan_v1::to_json_compact(&exported[0])
    );
    // Both layouts are the same JSON.
    let read = support::plan_value;
    assert_eq!(read(&pretty), read(&compact));
}

/// The steps of `plan` by id.
fn steps_by_id(plan: &Value) -> BTreeMap<String, &Value> {
    steps(plan)
        .iter()
        .map(|step| (step["id"].as_str().unwrap().to_string(), step))
        .collect()
}

#[test]
fn parallel_limits_how_many_regions_of_a_wave_deploy_at_once() {
    let text = |parallel: &str| {
        format!(
            r#"import "std/aws"
pipeline orders_api {{
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code {{ run = "make" }}
  production {{
    registry = aws
    deploy bundle
    onebox {{ bake = 1h }}
    wave first {{ regions = [us-east-1, us-west-2, eu-west-1, eu-central-1, ap-northeast-1]; {parallel} bake = 2h }}
    wave rest {{ regions = rest }}
  }}
}}
"#
        )
    };
    let compile = |text: String| {
        let entries = vec![Entry {
            path: PathBuf::from("orders.pipe"),
            bytes: Some(text.into_bytes()),
            name: None,
        }];
        let loader = MemoryLoader::in_dir("/workspace");
        workspace::compile_workspace(entries, &loader, support::TODAY)
    };
    // This small pipeline breaks best-practice policies (P0801), which do
    // not concern `parallel`; any other problem fails the test.
    let other_codes = |compiled: &Compiled| -> Vec<String> {
        compiled
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code.as_str().to_string())
            .filter(|code| code != "P0801")
            .collect()
    };
    let plan_of = |compiled: &Compiled| -> Value {
        assert_eq!(other_codes(compiled), Vec::<String>::new());
        let plan = compiled.plans.first().unwrap();
        support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
    };
    let regions = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-northeast-1",
    ];
    // With `parallel = 2`, region i starts after region i - 2 has finished:
    // two chains, so never more than two regions at once.
    let limited = plan_of(&compile(text("parallel = 2;")));
    let by_id = steps_by_id(&limited);
    for (index, region) in regions.iter().enumerate() {
        let first = by_id[&format!("production/first/{region}/onebox/deploy")];
        let needs: Vec<&str> = first["needs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|need| need.as_str().unwrap())
            .collect();
        let earlier = index
            .checked_sub(2)
            .map(|earlier| format!("production/first/{}/deploy", regions[earlier]));
        match earlier {
            Some(earlier) => assert_eq!(needs, ["build/bundle", earlier.as_str()], "{region}"),
            None => assert_eq!(needs, ["build/bundle"], "{region}"),
        }
    }
    // Without it, every region of the wave starts together.
    let unlimited = plan_of(&compile(text("")));
    let by_id = steps_by_id(&unlimited);
    for region in regions {
        assert_eq!(
            by_id[&format!("production/first/{region}/onebox/deploy")]["needs"],
            serde_json::json!(["build/bundle"])
        );
    }
    // Zero is no limit at all, and is refused.
    assert_eq!(other_codes(&compile(text("parallel = 0;"))), ["P0701"]);
    assert_eq!(other_codes(&compile(text("parallel = 2h;"))), ["P0701"]);
}

#[test]
fn an_entry_that_cannot_be_read_is_an_error_not_an_empty_file() {
    let entries = vec![Entry {
        path: PathBuf::from("services/missing.pipe"),
        bytes: None,
        name: None,
    }];
    let loader = MemoryLoader::in_dir("/workspace");
    let compiled = workspace::compile_workspace(entries, &loader, support::TODAY);
    let found: Vec<(&str, String)> = compiled
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let file = diagnostic.primary_label().map(|label| {
                compiled
                    .sources
                    .get(label.file)
                    .map(|source| source.name.clone())
            });
            (diagnostic.code.as_str(), format!("{file:?}"))
        })
        .collect();
    assert_eq!(
        found,
        [("P0201", "Some(Some(\"services/missing.pipe\"))".to_string())]
    );
}

/// One in-memory entry file, `main.pipe`, holding `text`.
fn main_entry(text: &str) -> Vec<Entry> {
    vec![Entry {
        path: PathBuf::from("main.pipe"),
        bytes: Some(text.as_bytes().to_vec()),
        name: None,
    }]
}

/// Compiles one in-memory file; any diagnostic but a policy finding (the
/// small pipelines of these tests skip best practices) fails the test.
fn compile_text(text: &str) -> Value {
    compile_text_with(text, None)
}

/// [`compile_text`] with a profile selected.
fn compile_text_with(text: &str, profile: Option<&str>) -> Value {
    let entries = main_entry(text);
    let loader = MemoryLoader::in_dir("/workspace");
    let compiled = workspace::compile_workspace_with(entries, &loader, support::TODAY, profile);
    let problems: Vec<&pipec::diagnostics::Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code.as_str() != "P0801")
        .collect();
    assert!(
        problems.is_empty(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    let plan = compiled.plans.first().unwrap();
    let plan: Value =
        support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)));
    let errors: Vec<String> = validator()
        .iter_errors(&plan)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_gate_table(&plan, "main.pipe");
    plan
}

/// The alarm gates of a plan, by alarm expression.
fn alarm_gates(plan: &Value) -> Vec<&Value> {
    plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|gate| gate["type"] == "alarm")
        .collect()
}

/// An alarm expression is written as CloudWatch reads it whatever the
/// precedence: an `and` inside an `or` (or the reverse) is parenthesised,
/// as written or not, and a `not` of an `ALARM(...)` is not.
#[test]
fn alarm_expressions_parenthesise_every_mixed_operator() {
    let plan = compile_text(
        r#"import "std/aws"
template Base {
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make"; sign = true }
  production {
    registry = aws
    deploy bundle
    block on ALARM("A") or (ALARM("B") and not ALARM("C"))
    block on ALARM("D") or ALARM("E") and ALARM("F")
    block on (ALARM("G") or ALARM("H")) and ALARM("I")
    wave first { regions = [us-east-1] }
    wave rest  { regions = rest }
  }
}
pipeline orders_api extends Base {
  platform = ecs
}
"#,
    );
    let written: Vec<&str> = alarm_gates(&plan)
        .iter()
        .map(|gate| gate["alarm"].as_str().unwrap())
        .collect();
    assert_eq!(
        written,
        [
            r#"ALARM("A") OR (ALARM("B") AND NOT ALARM("C"))"#,
            r#"ALARM("D") OR (ALARM("E") AND ALARM("F"))"#,
            r#"(ALARM("G") OR ALARM("H")) AND ALARM("I")"#,
        ]
    );
}

/// RFC 0001, R22: a blocker on the same alarm declared twice, in one body
/// or along the chain, is one gate, overridable only if every declaration
/// says so, with every declaration in its provenance.
#[test]
fn a_repeated_alarm_blocker_is_one_gate_with_the_strictest_override() {
    let plan = compile_text(
        r#"import "std/aws"
template Base {
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = aws
    deploy bundle
    block on ALARM( "Api_High_Severity" )   overridable
    block on ALARM("OrdersDb_Lag")
    block on ALARM("OrdersDb_Lag") overridable
    wave first { regions = [us-east-1] }
    wave rest  { regions = rest }
  }
}
pipeline orders_api extends Base {
  production {
    block on ALARM("Api_High_Severity")
  }
  platform = ecs
}
"#,
    );
    let gates = alarm_gates(&plan);
    let by_alarm = |alarm: &str| -> Vec<&Value> {
        gates
            .iter()
            .copied()
            .filter(|gate| gate["alarm"] == alarm)
            .collect()
    };
    // Along the chain: the pipeline's repeat drops the template's
    // `overridable`; its provenance is the pipeline's, then the template's,
    // whose value is written with its blanks tidied as any value's are.
    let high = by_alarm("ALARM(\"Api_High_Severity\")");
    assert_eq!(high.len(), 1, "{gates:#?}");
    assert_eq!(high[0]["overridable"], false);
    assert_eq!(high[0]["provenance"]["line"], 17);
    let merged = high[0]["provenance"]["overrides"].as_array().unwrap();
    assert_eq!(merged.len(), 1, "{merged:#?}");
    assert_eq!(merged[0]["line"], 8);
    assert_eq!(
        merged[0]["value"],
        "block on ALARM(\"Api_High_Severity\") overridable"
    );
    // In one body: one gate, not overridable since one declaration says so.
    let lag = by_alarm("ALARM(\"OrdersDb_Lag\")");
    assert_eq!(lag.len(), 1, "{gates:#?}");
    assert_eq!(lag[0]["overridable"], false);
    assert_eq!(lag[0]["provenance"]["line"], 10);
    assert_eq!(lag[0]["provenance"]["overrides"][0]["line"], 9);
    // Every step checks each alarm once.
    for step in steps(&plan) {
        let alarms: Vec<&str> = step["gates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap())
            .filter(|id| id.starts_with("alarm:"))
            .collect();
        let distinct: BTreeSet<&str> = alarms
            .iter()
            .map(|id| {
                gates.iter().find(|gate| gate["id"] == *id).unwrap()["alarm"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(distinct.len(), alarms.len(), "{}: {alarms:?}", step["id"]);
    }
    assert_eq!(gates.len(), 2, "{gates:#?}");
}

/// A wave deploys its regions in its region set's order, which is the
/// author's for a literal list, the set's for a filter or `take`, and the
/// registry's for the registry, set operations and `rest`
/// (docs/language.md, "Region sets").
#[test]
fn each_form_of_region_set_gives_its_documented_order() {
    let plan = compile_text(
        r#"registry lab {
  region north-1 { tier = high }
  region south-1 { tier = low }
  region east-1  { tier = high }
  region west-1  { tier = low }
  region mid-1   { tier = medium }
  region far-1   { tier = medium }
  region edge-1  { tier = low }
  region core-1  { tier = medium }
  region deep-1  { tier = high }
  region high-1  { tier = high }
  region spare-1 { tier = low }
  region extra-1 { tier = low }
}
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = lab
    deploy bundle
    wave list      { regions = [east-1, north-1] }
    wave filter    { regions = [edge-1, west-1, mid-1] where tier == low }
    wave joined    { regions = [far-1] union [south-1] }
    wave taken     { regions = [deep-1, core-1, mid-1] take 2 }
    wave mixed     { regions = [high-1] union (lab where tier == medium) }
    wave rest      { regions = rest }
  }
}
"#,
    );
    let mut waves: Vec<(String, Vec<String>)> = Vec::new();
    for step in steps(&plan) {
        let (Some(wave), Some(region)) = (
            step["target"]["wave"].as_str(),
            step["target"]["region"].as_str(),
        ) else {
            continue;
        };
        if waves.last().is_none_or(|(last, _)| last != wave) {
            waves.push((wave.to_string(), Vec::new()));
        }
        let regions = &mut waves.last_mut().unwrap().1;
        if !regions.iter().any(|known| known == region) {
            regions.push(region.to_string());
        }
    }
    let expected: Vec<(&str, Vec<&str>)> = vec![
        // As written, though the registry lists north-1 first.
        ("list", vec!["east-1", "north-1"]),
        // A filter keeps the order of the list it filters.
        ("filter", vec!["edge-1", "west-1"]),
        // Set operations are in registry order, whatever their operands'.
        ("joined", vec!["south-1", "far-1"]),
        // `take` takes the first regions of its set, in its order.
        ("taken", vec!["deep-1", "core-1"]),
        ("mixed", vec!["mid-1", "high-1"]),
        ("rest", vec!["spare-1", "extra-1"]),
    ];
    let found: Vec<(&str, Vec<&str>)> = waves
        .iter()
        .map(|(wave, regions)| {
            (
                wave.as_str(),
                regions.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(found, expected);
}

/// In a wave deployed `by az`, each region has one one-box, before its
/// first AZ, and walks its own AZs one after another, side by side with
/// the other regions and not in lockstep with them (docs/language.md,
/// "Steps" and "by az").
#[test]
fn a_by_az_wave_has_one_onebox_per_region_and_each_region_walks_its_own_azs() {
    let plan = compile_text(
        r#"registry lab {
  region lab-east-1 { azs = [labe1-az1, labe1-az2, labe1-az3] }
  region lab-west-1 { azs = [labw1-az1, labw1-az2] }
}
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = lab
    deploy bundle
    onebox { traffic <= 10%; bake = 1h }
    wave first { regions = rest; by az { bake = 30m }; bake = 12h }
  }
}
"#,
    );
    let by_id = steps_by_id(&plan);
    let needs = |id: &str| -> Vec<&str> {
        by_id[id]["needs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|need| need.as_str().unwrap())
            .collect()
    };
    let oneboxes: Vec<&str> = steps(&plan)
        .iter()
        .filter(|step| step["target"]["onebox"] == true && step["kind"] == "deploy")
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        oneboxes,
        [
            "production/first/lab-east-1/onebox/deploy",
            "production/first/lab-west-1/onebox/deploy"
        ]
    );
    for (region, azs) in [
        ("lab-east-1", &["labe1-az1", "labe1-az2", "labe1-az3"][..]),
        ("lab-west-1", &["labw1-az1", "labw1-az2"][..]),
    ] {
        let prefix = format!("production/first/{region}");
        let onebox = &by_id[&format!("{prefix}/onebox/deploy")];
        assert!(onebox["target"].get("az").is_none(), "{onebox}");
        assert_eq!(needs(&format!("{prefix}/onebox/deploy")), ["build/bundle"]);
        // The one-box and its bake, then each AZ after the previous one of
        // the same region, and nothing of the other region.
        let mut previous = format!("{prefix}/onebox/bake");
        for az in azs {
            let deploy = format!("{prefix}/az/{az}/deploy");
            assert_eq!(needs(&deploy), [previous.as_str()], "{deploy}");
            assert_eq!(by_id[&deploy]["target"]["az"], *az);
            let bake = format!("{prefix}/az/{az}/bake");
            assert_eq!(needs(&bake), [deploy.as_str()], "{bake}");
            previous = bake;
        }
    }
    assert_eq!(
        needs("production/first/bake"),
        [
            "production/first/lab-east-1/az/labe1-az3/bake",
            "production/first/lab-west-1/az/labw1-az2/bake"
        ]
    );
}

/// A `wait for` without a `bake` gives a bake of 0 s that waits for its
/// data points, wherever a bake stands: a stage, a wave, a one-box, a `by`
/// scope (docs/language.md, "`wait for`"). The step is placed at its
/// scope and each data point where it is written.
#[test]
fn a_wait_for_without_a_bake_bakes_0_s_in_every_scope() {
    let text = r#"registry lab { region lab-east-1 { azs = [labe1-az1, labe1-az2] } }
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma {
    regions = [lab-east-1]
    deploy bundle
    onebox { wait for 100 requests("OneboxGamma") }
    wait for 10 requests("Gamma")
  }
  production {
    registry = lab
    deploy bundle
    onebox { wait for 200 requests("OneboxProduction") }
    wave first { regions = rest; by az { wait for 50 datapoints("PerAz") }; wait for 7 requests("Wave") }
  }
}
"#;
    let plan = compile_text(text);
    let by_id = steps_by_id(&plan);
    for (id, scope, count, kind, name) in [
        (
            "gamma/lab-east-1/onebox/bake",
            "onebox {",
            100,
            "requests",
            "OneboxGamma",
        ),
        ("gamma/bake", "stage gamma", 10, "requests", "Gamma"),
        (
            "production/first/lab-east-1/onebox/bake",
            "onebox { wait for 200",
            200,
            "requests",
            "OneboxProduction",
        ),
        (
            "production/first/lab-east-1/az/labe1-az1/bake",
            "by az",
            50,
            "datapoints",
            "PerAz",
        ),
        (
            "production/first/lab-east-1/az/labe1-az2/bake",
            "by az",
            50,
            "datapoints",
            "PerAz",
        ),
        ("production/first/bake", "wave first", 7, "requests", "Wave"),
    ] {
        let Some(step) = by_id.get(id) else {
            panic!("no step {id}: {:#?}", by_id.keys().collect::<Vec<_>>());
        };
        assert_eq!(step["kind"], "bake", "{id}");
        assert_eq!(
            step["bake"],
            serde_json::json!({
                "duration_seconds": 0,
                "data_points": [{ "count": count, "type": kind, "name": name }]
            }),
            "{id}"
        );
        let (line, column) = place_of(text, scope, scope.split(' ').next().unwrap());
        assert_eq!(
            where_set(&step["provenance"]),
            (line, column, "set"),
            "{id}"
        );
        let quoted = format!("\"{name}\"");
        let wait = text[..text.find(&quoted).unwrap()]
            .rfind("wait for")
            .unwrap();
        let (line, column) = place_of(text, &text[wait..], "wait for");
        assert_eq!(
            where_set(&step["field_provenance"]["/bake/data_points/0"]),
            (line, column, "set"),
            "{id}"
        );
        assert!(
            step["field_provenance"]
                .get("/bake/duration_seconds")
                .is_none(),
            "{id}"
        );
    }
    // Each waits for the step before it and is waited for by the next.
    let needs = |id: &str| by_id[id]["needs"].clone();
    assert_eq!(
        needs("gamma/lab-east-1/deploy"),
        serde_json::json!(["gamma/lab-east-1/onebox/bake"])
    );
    assert_eq!(
        needs("production/first/lab-east-1/az/labe1-az1/deploy"),
        serde_json::json!(["production/first/lab-east-1/onebox/bake"])
    );
    assert_eq!(
        needs("production/first/lab-east-1/az/labe1-az2/deploy"),
        serde_json::json!(["production/first/lab-east-1/az/labe1-az1/bake"])
    );
    assert_eq!(
        needs("production/first/bake"),
        serde_json::json!(["production/first/lab-east-1/az/labe1-az2/bake"])
    );
}

#[test]
fn a_stage_without_a_strategy_deploys_with_productions() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage beta { regions = [us-east-1]; deploy bundle }
  stage gamma { regions = [us-east-1]; strategy = all_at_once; deploy bundle }
  production {
    registry = aws
    strategy = blue_green
    deploy bundle
    wave first { regions = [us-west-2]; strategy = canary(10%, wait: 10m) }
    wave rest { regions = rest }
  }
}
"#,
    );
    let by_id = steps_by_id(&plan);
    let strategy = |id: &str| by_id[id]["deploy"]["strategy"]["type"].clone();
    assert_eq!(strategy("beta/us-east-1/deploy"), "blue_green");
    assert_eq!(strategy("gamma/us-east-1/deploy"), "all_at_once");
    assert_eq!(strategy("production/first/us-west-2/deploy"), "canary");
    assert_eq!(strategy("production/rest/eu-west-1/deploy"), "blue_green");
}

/// A `deploy` body's `strategy` is how those artifacts deploy there: over
/// its stage's `strategy`, and in production over production's, though a
/// wave's own `strategy` still decides that wave.
#[test]
fn a_deploys_strategy_wins_over_its_stages_and_productions() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage beta { regions = [us-east-1]; deploy bundle { strategy = all_at_once } }
  stage gamma { regions = [us-east-1]; strategy = all_at_once; deploy bundle { strategy = linear(10%, every: 1m) } }
  production {
    registry = aws
    strategy = in_place
    deploy bundle { strategy = blue_green }
    wave first { regions = [us-west-2]; strategy = canary(10%, wait: 10m) }
    wave rest { regions = rest }
  }
}
"#,
    );
    let by_id = steps_by_id(&plan);
    let strategy = |id: &str| by_id[id]["deploy"]["strategy"]["type"].clone();
    assert_eq!(strategy("beta/us-east-1/deploy"), "all_at_once");
    assert_eq!(strategy("gamma/us-east-1/deploy"), "linear");
    assert_eq!(strategy("production/first/us-west-2/deploy"), "canary");
    assert_eq!(strategy("production/rest/eu-west-1/deploy"), "blue_green");
    // Its provenance is the deploy's line.
    let line = |id: &str| by_id[id]["field_provenance"]["/deploy/strategy"]["line"].clone();
    assert_eq!(line("beta/us-east-1/deploy"), 6);
    assert_eq!(line("production/rest/eu-west-1/deploy"), 11);
}

/// `rolling`'s defaults: a batch of 33%, 66% kept healthy unless the batch
/// leaves less standing, the rollback batch the batch.
#[test]
fn rolling_defaults_are_the_documented_ones() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage a { regions = [us-east-1]; strategy = rolling; deploy bundle }
  stage b { regions = [us-east-1]; strategy = rolling(batch: 20%); deploy bundle }
  stage c { regions = [us-east-1]; strategy = rolling(batch: 50%); deploy bundle }
  stage d { regions = [us-east-1]; strategy = rolling(min_healthy: 50%, rollback_batch: 100%); deploy bundle }
  production { registry = aws; wave all { regions = rest } }
}
"#,
    );
    let by_id = steps_by_id(&plan);
    let strategy = |stage: &str| {
        let strategy = &by_id[format!("{stage}/us-east-1/deploy").as_str()]["deploy"]["strategy"];
        [
            &strategy["batch_percent"],
            &strategy["min_healthy_percent"],
            &strategy["rollback_batch_percent"],
        ]
        .map(|percent| percent.as_u64().unwrap())
    };
    assert_eq!(strategy("a"), [33, 66, 33]);
    assert_eq!(strategy("b"), [20, 66, 20]);
    assert_eq!(strategy("c"), [50, 50, 50]);
    assert_eq!(strategy("d"), [33, 50, 100]);
}

/// A source's body may give its branch, when `git(...)` does not.
#[test]
fn a_sources_branch_field_is_its_branch() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api") { branch = "release" }
  source docs = git("orders-docs")
  build bundle from code, docs { run = "make" }
  production { registry = aws; wave all { regions = rest } }
}
"#,
    );
    let by_id = steps_by_id(&plan);
    assert_eq!(by_id["source/code"]["source"]["branch"], "release");
    assert_eq!(by_id["source/docs"]["source"]["branch"], "main");
}

/// A slot's days are written Monday first, as the format promises, even
/// for a range that wraps over the weekend.
#[test]
fn a_window_slots_days_are_monday_first() {
    let plan = compile_text(
        r#"import "std/aws"
window late_week { zone = "UTC"; allow = [fri..mon 09:00..16:00, wed] }
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production { registry = aws; window late_week; wave all { regions = rest } }
}
"#,
    );
    let window = plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["type"] == "window")
        .unwrap();
    assert_eq!(
        window["allow"][0]["days"],
        serde_json::json!(["mon", "fri", "sat", "sun"])
    );
    assert_eq!(window["allow"][1]["days"], serde_json::json!(["wed"]));
}

/// `check` without `--profile` reports what `--profile emergency` reports
/// about that profile (R39: unselected profiles are checked), so a broken
/// profile is found in review.
#[test]
fn unselected_profiles_report_what_selecting_them_reports() {
    let text = std::fs::read_to_string("tests/cases/inheritance/profiles_checked_unselected.pipe")
        .unwrap();
    let check = |profile: Option<&str>| -> Vec<String> {
        let entries = vec![Entry {
            path: PathBuf::from("case.pipe"),
            bytes: Some(text.clone().into_bytes()),
            name: None,
        }];
        let loader = MemoryLoader::in_dir("/workspace");
        let checked = workspace::check_workspace_with(entries, &loader, support::TODAY, profile);
        checked
            .diagnostics
            .iter()
            // Policy findings under a profile are reported without it too,
            // but their message then says which profile they need, so
            // they are compared by tests/cases/policies instead.
            .filter(|diagnostic| diagnostic.is_error() && diagnostic.code.as_str() != "P0801")
            .map(|diagnostic| {
                let label = diagnostic.primary_label().unwrap();
                let file = checked.sources.get(label.file).unwrap();
                let (line, column) = file.line_col(label.span.start());
                format!("{} {line}:{column}", diagnostic.code)
            })
            .collect()
    };
    let unselected = check(None);
    assert_eq!(unselected.len(), 5, "{unselected:?}");
    assert_eq!(unselected, check(Some("emergency")));
}

// ---------------------------------------------------------------------------
// Provenance of each value (format 1.1): a template and a pipeline that
// overrides, appends and removes, compiled with and without a profile.

/// A template and a pipeline extending it, one member per line, so that
/// each value's place is found by its text.
const CHAIN: &str = r#"registry lab {
  region lab-east-1 { azs = [labe1-az1, labe1-az2] }
  region lab-west-1 { azs = [labw1-az1] }
  region lab-north-1 { azs = [labn1-az1] }
}
template service {
  abstract platform : platform
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma {
    regions = [lab-east-1]
    deploy bundle
    test load { run = "make load"; timeout = 30m }
  }
  production {
    registry = lab
    strategy = canary(10%, wait: 10m)
    deploy bundle
    onebox {
      traffic <= 10%
      final bake = 1h
    }
    wave first {
      regions = [lab-east-1, lab-west-1]
      by az { bake = 30m; wait for 10 requests("Ping") }
      bake = 12h
    }
    wave rest { regions = rest; parallel = 1; bake = 2h }
  }
  profile emergency { bake scale 50% }
}
pipeline orders_api extends service {
  platform = PLATFORM
  stage gamma {
    regions += [lab-west-1]
    test load { timeout = 45m }
  }
  production {
    wave first {
      regions += [lab-north-1]
      regions -= [lab-west-1]
    }
  }
}
"#;

/// The one-based line and column (in characters) of the first `needle`
/// after the first `after` in `text`.
fn place_of(text: &str, after: &str, needle: &str) -> (u64, u64) {
    let from = text.find(after).unwrap();
    let at = from + text[from..].find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

/// A provenance's (line, column, how).
fn where_set(provenance: &Value) -> (u64, u64, &str) {
    (
        provenance["line"].as_u64().unwrap(),
        provenance["column"].as_u64().unwrap(),
        provenance["how"].as_str().unwrap(),
    )
}

fn chain(platform: &str, profile: Option<&str>) -> (String, Value) {
    let text = CHAIN.replace("PLATFORM", platform);
    let plan = compile_text_with(&text, profile);
    (text, plan)
}

#[test]
fn an_overridden_test_timeout_says_where_each_value_was_set() {
    let (text, plan) = chain("ecs", None);
    let by_id = steps_by_id(&plan);
    let load = by_id["gamma/test/load"];
    assert_eq!(load["test"]["timeout_seconds"], 2_700);
    let timeout = &load["field_provenance"]["/test/timeout_seconds"];
    let (line, column) = place_of(&text, "test load { timeout", "timeout");
    assert_eq!(where_set(timeout), (line, column, "set"));
    let (line, column) = place_of(&text, "timeout = 30m", "timeout");
    assert_eq!(where_set(&timeout["overrides"][0]), (line, column, "set"));
    assert_eq!(timeout["overrides"][0]["value"], "30m");
    // The command is the template's, and the step itself the pipeline's
    // `test load`, which merged into the template's.
    let (line, column) = place_of(&text, "run = \"make load\"", "run");
    assert_eq!(
        where_set(&load["field_provenance"]["/test/command"]),
        (line, column, "set")
    );
    assert_eq!(
        load["field_provenance"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["/test/command", "/test/timeout_seconds"]
    );
}

#[test]
fn strategy_platform_and_traffic_say_where_they_were_set() {
    let (text, plan) = chain("ecs", None);
    let by_id = steps_by_id(&plan);
    let (strategy_line, strategy_column) = place_of(&text, "strategy = canary", "strategy");
    let (platform_line, platform_column) = place_of(&text, "platform = ecs", "platform");
    // Production's strategy is every stage's and wave's default: each
    // deploy step points at it.
    for id in [
        "gamma/lab-east-1/deploy",
        "production/first/lab-east-1/onebox/deploy",
        "production/first/lab-east-1/az/labe1-az2/deploy",
        "production/rest/lab-west-1/deploy",
    ] {
        let fields = &by_id[id]["field_provenance"];
        assert_eq!(
            where_set(&fields["/deploy/strategy"]),
            (strategy_line, strategy_column, "set"),
            "{id}"
        );
        // Bound where the template declared it abstract.
        let platform = &fields["/deploy/platform"];
        assert_eq!(
            where_set(platform),
            (platform_line, platform_column, "bind"),
            "{id}"
        );
        let (line, column) = place_of(&text, "abstract platform", "abstract");
        assert_eq!(where_set(&platform["overrides"][0]), (line, column, "set"));
    }
    let onebox = by_id["production/first/lab-east-1/onebox/deploy"];
    let (line, column) = place_of(&text, "traffic <= 10%", "traffic");
    assert_eq!(
        where_set(&onebox["field_provenance"]["/deploy/traffic_percent"]),
        (line, column, "set")
    );
    // The build's command; a default (the in-place strategy, a test's 1h)
    // has no entry.
    let (line, column) = place_of(&text, "run = \"make\"", "run");
    assert_eq!(
        where_set(&by_id["build/bundle"]["field_provenance"]["/build/command"]),
        (line, column, "set")
    );
    assert!(by_id["source/code"].get("field_provenance").is_none());
    // `parallel` orders the first step of each region of its wave.
    let (line, column) = place_of(&text, "parallel = 1", "parallel");
    assert_eq!(
        where_set(&by_id["production/rest/lab-west-1/onebox/deploy"]["field_provenance"]["/needs"]),
        (line, column, "set")
    );
    assert!(
        by_id["production/rest/lab-west-1/deploy"]["field_provenance"]
            .get("/needs")
            .is_none()
    );
}

#[test]
fn regions_say_each_append_and_removal_that_made_them() {
    let (text, plan) = chain("ecs", None);
    let by_id = steps_by_id(&plan);
    // A stage: the template's list, then the pipeline's `+=`.
    let region = &by_id["gamma/lab-west-1/deploy"]["field_provenance"]["/target/region"];
    let (line, column) = place_of(&text, "regions += [lab-west-1]", "regions");
    assert_eq!(where_set(region), (line, column, "append"));
    let (line, column) = place_of(&text, "regions = [lab-east-1]", "regions");
    assert_eq!(where_set(&region["overrides"][0]), (line, column, "set"));
    assert_eq!(region["overrides"][0]["value"], "[lab-east-1]");
    assert_eq!(region["overrides"].as_array().unwrap().len(), 1);

    // A wave: the template's `=`, the pipeline's `+=` and `-=`, newest
    // first; every region of the wave carries the whole history.
    let first: Vec<&str> = steps(&plan)
        .iter()
        .filter(|step| step["kind"] == "deploy" && step["target"]["wave"] == "first")
        .map(|step| step["target"]["region"].as_str().unwrap())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(first, ["lab-east-1", "lab-north-1"]);
    for id in [
        "production/first/lab-east-1/az/labe1-az1/deploy",
        "production/first/lab-north-1/onebox/deploy",
        "production/first/lab-north-1/az/labn1-az1/deploy",
    ] {
        let region = &by_id[id]["field_provenance"]["/target/region"];
        let (line, column) = place_of(&text, "regions -= [lab-west-1]", "regions");
        assert_eq!(where_set(region), (line, column, "remove"), "{id}");
        let edits: Vec<(u64, u64, &str)> = region["overrides"]
            .as_array()
            .unwrap()
            .iter()
            .map(where_set)
            .collect();
        let (append_line, append_column) = place_of(&text, "regions += [lab-north-1]", "regions");
        let (set_line, set_column) =
            place_of(&text, "regions = [lab-east-1, lab-west-1]", "regions");
        assert_eq!(
            edits,
            [
                (append_line, append_column, "append"),
                (set_line, set_column, "set")
            ],
            "{id}"
        );
        let values: Vec<&str> = region["overrides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edit| edit["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["[lab-north-1]", "[lab-east-1, lab-west-1]"]);
    }
}

#[test]
fn a_final_bake_records_that_bake_scale_skipped_it() {
    let (text, plan) = chain("ecs", Some("emergency"));
    let by_id = steps_by_id(&plan);
    let (scale_line, scale_column) = place_of(&text, "bake scale 50%", "bake scale");
    // The one-box's bake is final: 1h, set where it is written, and the
    // `bake scale` that did not apply, with why.
    let onebox = by_id["production/first/lab-east-1/onebox/bake"];
    assert_eq!(onebox["bake"]["duration_seconds"], 3_600);
    let (line, column) = place_of(&text, "final bake = 1h", "final");
    for provenance in [
        &onebox["provenance"],
        &onebox["field_provenance"]["/bake/duration_seconds"],
    ] {
        assert_eq!(where_set(provenance), (line, column, "set"));
        assert_eq!(
            provenance["not_scaled"],
            serde_json::json!({
                "reason": "final",
                "file": "main.pipe",
                "line": scale_line,
                "column": scale_column
            })
        );
    }
    // A bake the scale did scale names it as its source instead.
    let wave = by_id["production/first/bake"];
    assert_eq!(wave["bake"]["duration_seconds"], 21_600);
    assert_eq!(
        where_set(&wave["provenance"]),
        (scale_line, scale_column, "bake_scale")
    );
    assert!(wave["provenance"].get("not_scaled").is_none());
    // Without the profile nothing was skipped.
    let (_, plain) = chain("ecs", None);
    let onebox = steps_by_id(&plain)["production/first/lab-east-1/onebox/bake"].clone();
    assert!(onebox["provenance"].get("not_scaled").is_none());
}

#[test]
fn a_bake_the_profile_sets_is_not_scaled_and_says_so() {
    let text = CHAIN.replace("PLATFORM", "ecs").replace(
        "profile emergency { bake scale 50% }",
        "profile emergency {\n    bake scale 50%\n    production { wave rest { bake = 3h } }\n  }",
    );
    let plan = compile_text_with(&text, Some("emergency"));
    let rest = steps_by_id(&plan)["production/rest/bake"].clone();
    assert_eq!(rest["bake"]["duration_seconds"], 10_800);
    let (line, column) = place_of(&text, "bake = 3h", "bake");
    assert_eq!(where_set(&rest["provenance"]), (line, column, "profile"));
    assert_eq!(rest["provenance"]["not_scaled"]["reason"], "profile");
}

#[test]
fn what_the_profile_adds_is_set_by_the_profile() {
    // Gamma has no bake, and no wave `last` exists: the bakes the
    // profile writes there are its own, as much as one it overrides, so
    // its `bake scale` leaves them whole; so is the blocker it adds.
    let text = CHAIN.replace("PLATFORM", "ecs").replace(
        "profile emergency { bake scale 50% }",
        "profile emergency {\n    bake scale 50%\n    stage gamma { bake = 3h }\n    \
         production {\n      block on ALARM(\"Stop\")\n      \
         remove wave rest\n      new wave last { regions = rest; bake = 4h }\n    }\n  }",
    );
    let plan = compile_text_with(&text, Some("emergency"));
    let by_id = steps_by_id(&plan);
    for (id, seconds, written) in [
        ("gamma/bake", 10_800, "bake = 3h"),
        ("production/last/bake", 14_400, "bake = 4h"),
    ] {
        let step = by_id[id];
        assert_eq!(step["bake"]["duration_seconds"], seconds, "{id}");
        let (line, column) = place_of(&text, written, "bake");
        let provenance = &step["field_provenance"]["/bake/duration_seconds"];
        assert_eq!(where_set(provenance), (line, column, "profile"), "{id}");
        assert_eq!(provenance["not_scaled"]["reason"], "profile", "{id}");
    }
    let gate = plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|gate| gate["alarm"] == "ALARM(\"Stop\")")
        .unwrap();
    let (line, column) = place_of(&text, "block on ALARM(\"Stop\")", "block");
    assert_eq!(where_set(&gate["provenance"]), (line, column, "profile"));
}

#[test]
fn by_az_on_lambda_is_recorded_as_dropped() {
    let (text, plan) = chain("lambda", None);
    let by_id = steps_by_id(&plan);
    // No AZ steps and no AZ bake: each region deploys whole.
    assert!(by_id.keys().all(|id| !id.contains("/az/")), "{by_id:#?}");
    assert!(by_id.contains_key("production/first/lab-east-1/deploy"));
    let dropped: Vec<(&str, &str, (u64, u64, &str))> = plan["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(
                entry["target"],
                serde_json::json!({ "stage": "production", "wave": "first" })
            );
            (
                entry["member"].as_str().unwrap(),
                entry["reason"].as_str().unwrap(),
                where_set(&entry["provenance"]),
            )
        })
        .collect();
    let (by_line, by_column) = place_of(&text, "by az {", "by az");
    let (bake_line, bake_column) = place_of(&text, "by az {", "bake = 30m");
    let (wait_line, wait_column) = place_of(&text, "by az {", "wait for");
    let reason = "platform lambda has no AZs";
    assert_eq!(
        dropped,
        [
            ("by az", reason, (by_line, by_column, "set")),
            ("bake", reason, (bake_line, bake_column, "set")),
            ("wait for", reason, (wait_line, wait_column, "set")),
        ]
    );
    // On ECS nothing is dropped, and the plan says nothing of it.
    let (_, ecs) = chain("ecs", None);
    assert!(ecs.get("dropped").is_none());
    assert!(steps_by_id(&ecs).contains_key("production/first/lab-east-1/az/labe1-az1/bake"));
}

#[test]
fn a_by_az_region_whose_registry_lists_no_azs_is_recorded_as_dropped() {
    let text = CHAIN.replace("PLATFORM", "ecs").replace(
        "region lab-north-1 { azs = [labn1-az1] }",
        "region lab-north-1 { }",
    );
    let plan = compile_text_with(&text, None);
    let dropped = plan["dropped"].as_array().unwrap();
    let members: Vec<&str> = dropped
        .iter()
        .map(|entry| entry["member"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["by az", "bake", "wait for"]);
    for entry in dropped {
        assert_eq!(entry["target"]["region"], "lab-north-1");
        assert_eq!(entry["reason"], "region lab-north-1 lists no AZs");
    }
    assert!(steps_by_id(&plan).contains_key("production/first/lab-north-1/deploy"));
}

/// What an editor does with a plan: every place it names, indexed by
/// (file, line), answers "what does this line do in the plan?".
#[test]
fn provenance_can_be_looked_up_by_source_line() {
    let (text, plan) = chain("ecs", Some("emergency"));
    let plan = plan_v1::from_json(&plan.to_string()).unwrap();
    let mut by_line: BTreeMap<(String, u32), BTreeSet<String>> = BTreeMap::new();
    for step in &plan.steps {
        let mut index = |provenance: &plan_v1::Provenance, pointer: &str| {
            for (file, line, _) in provenance.places() {
                by_line
                    .entry((file.to_string(), line))
                    .or_default()
                    .insert(format!("{}#{pointer}", step.id));
            }
        };
        index(&step.provenance, "");
        for (pointer, provenance) in &step.field_provenance {
            index(provenance, pointer);
        }
    }
    let line_of = |needle: &str| place_of(&text, needle, needle).0 as u32;
    let at = |needle: &str| by_line[&("main.pipe".to_string(), line_of(needle))].clone();
    assert!(at("timeout = 45m").contains("gamma/test/load#/test/timeout_seconds"));
    assert!(at("timeout = 30m").contains("gamma/test/load#/test/timeout_seconds"));
    assert!(
        at("regions += [lab-north-1]")
            .contains("production/first/lab-north-1/onebox/deploy#/target/region")
    );
    assert!(
        at("bake scale 50%")
            .contains("production/first/lab-east-1/onebox/bake#/bake/duration_seconds")
    );
    assert!(at("strategy = canary").contains("production/rest/lab-west-1/deploy#/deploy/strategy"));
}

/// A policy's `under emergency { ... }` levels apply only when the
/// pipeline is compiled with `--profile emergency`: the same finding is an
/// error without the profile, a warning that says why with it, and an
/// error again once the levels expire.
#[test]
fn policy_levels_under_a_profile_apply_only_with_it() {
    let text = r#"import "std/aws"

policy org {
  deny  first-wave-bake
  allow integration-tests, load-test, weekend-window, code-review, signed-artifacts
  allow small-first-waves, first-wave-by-az, later-wave-bake, onebox-bake
  under emergency {
    warn first-wave-bake
    reason  = "security fixes ship after review (SEC-12)"
    expires = 2027-06-30
  }
}

pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    onebox { traffic <= 5%; bake = 1h }
    wave first { regions = aws where traffic == low take 1; by az; bake = 8h }
    wave rest  { regions = rest; bake = 2h }
  }
  profile emergency { bake scale 25% }
}
"#;
    let check = |profile: Option<&str>, today: jiff::civil::Date| {
        let entries = vec![Entry {
            path: PathBuf::from("case.pipe"),
            bytes: Some(text.as_bytes().to_vec()),
            name: None,
        }];
        let loader = MemoryLoader::in_dir("/workspace");
        let checked = workspace::check_workspace_with(entries, &loader, today, profile);
        let findings: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.message.starts_with("[first-wave-bake]"))
            .cloned()
            .collect();
        assert_eq!(
            checked.diagnostics.len(),
            findings.len(),
            "{}",
            pipec::diagnostics::render::to_plain_string(&checked.diagnostics, &checked.sources)
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        findings.into_iter().next().unwrap()
    };
    let normal = check(None, support::TODAY);
    assert!(normal.is_error(), "{normal:?}");
    assert!(normal.notes.is_empty(), "{normal:?}");
    assert_eq!(
        normal.message,
        "[first-wave-bake] wave `first` bakes 8h, less than 12h"
    );

    let relaxed = check(Some("emergency"), support::TODAY);
    assert!(!relaxed.is_error(), "{relaxed:?}");
    assert_eq!(
        relaxed.message,
        "[first-wave-bake] wave `first` bakes 2h, less than 12h"
    );
    assert_eq!(
        relaxed.notes,
        vec![
            "under profile `emergency` a policy makes `first-wave-bake` a warning: \
             security fixes ship after review (SEC-12)"
                .to_string()
        ]
    );

    // After its last day the levels stop counting (and P0804 says so).
    let expired = {
        let entries = vec![Entry {
            path: PathBuf::from("case.pipe"),
            bytes: Some(text.as_bytes().to_vec()),
            name: None,
        }];
        let loader = MemoryLoader::in_dir("/workspace");
        workspace::check_workspace_with(
            entries,
            &loader,
            jiff::civil::date(2027, 7, 1),
            Some("emergency"),
        )
    };
    let codes: Vec<(String, bool)> = expired
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.to_string(), diagnostic.is_error()))
        .collect();
    assert_eq!(
        codes,
        vec![("P0804".to_string(), false), ("P0801".to_string(), true)],
        "{}",
        pipec::diagnostics::render::to_plain_string(&expired.diagnostics, &expired.sources)
    );
}

/// RFC 0001, R22 for artifact blockers: the same package blocked by a
/// template and again by its pipeline is one gate, overridable only if both
/// say so, with both declarations in its provenance.
#[test]
fn a_repeated_artifact_blocker_is_one_gate() {
    let plan = compile_text(
        r#"import "std/aws"
template Base {
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = aws
    deploy bundle
    block artifacts containing package "libjson@2.3.1" overridable
    wave first { regions = [us-east-1] }
    wave rest  { regions = rest }
  }
}
pipeline orders_api extends Base {
  production {
    block artifacts containing package "libjson@2.3.1"
  }
  platform = ecs
}
"#,
    );
    let packages: Vec<&Value> = plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|gate| gate["type"] == "artifact")
        .collect();
    assert_eq!(packages.len(), 1, "{packages:#?}");
    assert_eq!(packages[0]["overridable"], false);
    assert_eq!(packages[0]["provenance"]["line"], 15);
    let merged = packages[0]["provenance"]["overrides"].as_array().unwrap();
    assert_eq!(merged.len(), 1, "{merged:#?}");
    assert_eq!(merged[0]["line"], 8);
}

/// RFC 0001, R22 for approvals: a role required again along the chain is
/// one approval, so the plan's step ids stay unique (docs/plan-format.md):
/// one approval step before a stage or production, one gate for a wave,
/// with both requirements in its provenance, the latest first. A
/// profile's approval of a role production requires is a step of its own,
/// its id numbered.
#[test]
fn a_repeated_approval_is_one_step_or_gate() {
    let text = r#"import "std/aws"
template Base {
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma { regions = [us-east-1]; deploy bundle; require approval("qa") }
  production {
    registry = aws
    deploy bundle
    require approval("release-manager")
    wave first { regions = [us-east-1]; require approval("owner") }
    wave rest  { regions = rest }
  }
  profile emergency { require approval("release-manager") }
}
pipeline orders_api extends Base {
  stage gamma { require approval("qa") }
  production {
    require approval("release-manager")
    wave first { require approval("owner") }
  }
  platform = ecs
}
"#;
    for profile in [None, Some("emergency")] {
        let plan = compile_text_with(text, profile);
        let steps = plan["steps"].as_array().unwrap();
        let ids: Vec<&str> = steps
            .iter()
            .map(|step| step["id"].as_str().unwrap())
            .collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "{profile:?}: {ids:#?}");
        let approvals: Vec<&Value> = steps
            .iter()
            .filter(|step| step["kind"] == "approval")
            .collect();
        let approval_ids: Vec<&str> = approvals
            .iter()
            .map(|step| step["id"].as_str().unwrap())
            .collect();
        let mut expected = vec!["gamma/approval/qa", "production/approval/release-manager"];
        if profile.is_some() {
            expected.push("production/approval/release-manager-2");
            assert_eq!(approvals[2]["provenance"]["line"], 13);
            assert_eq!(approvals[2]["provenance"]["how"], "profile");
        }
        assert_eq!(approval_ids, expected, "{profile:?}");
        // The stage's: the pipeline's requirement, over the template's.
        assert_eq!(approvals[0]["provenance"]["line"], 16);
        let merged = approvals[0]["provenance"]["overrides"].as_array().unwrap();
        assert_eq!(merged.len(), 1, "{merged:#?}");
        assert_eq!(merged[0]["line"], 5);
        assert_eq!(merged[0]["value"], "require approval(\"qa\")");
        // Production's: the pipeline's requirement, over the template's.
        let production = &approvals[1]["provenance"];
        let lines: Vec<&Value> = std::iter::once(&production["line"])
            .chain(
                production["overrides"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|old| &old["line"]),
            )
            .collect();
        assert_eq!(lines, [18, 9], "{production:#}");
        // The wave's approval is one gate, checked once by each deploy.
        let owners: Vec<&Value> = plan["gates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|gate| gate["type"] == "approval")
            .collect();
        assert_eq!(owners.len(), 1, "{owners:#?}");
        assert_eq!(owners[0]["id"], "approval:owner");
        assert_eq!(owners[0]["provenance"]["line"], 19);
        assert_eq!(owners[0]["provenance"]["overrides"][0]["line"], 10);
        let first = steps
            .iter()
            .find(|step| {
                step["id"] == "production/first/us-east-1/onebox/deploy"
                    || step["id"] == "production/first/us-east-1/deploy"
            })
            .unwrap();
        let approval_gates = first["gates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|id| id.as_str().unwrap().starts_with("approval:"))
            .count();
        assert_eq!(approval_gates, 1, "{first:#}");
    }
}

/// RFC 0001, R22 for `wait for`: a requirement written again along the
/// chain is one requirement of the bake (docs/plan-format.md, Field
/// provenance: "repeats of one requirement along the chain are its
/// overrides"), in the first one's place; another count or metric is
/// another requirement.
#[test]
fn a_repeated_wait_for_is_one_requirement() {
    let plan = compile_text(
        r#"import "std/aws"
template Base {
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = aws
    deploy bundle
    wave first { regions = [us-east-1]; bake = 1h; wait for 100 requests("CreateOrder") }
    wave rest  { regions = rest }
  }
}
pipeline orders_api extends Base {
  production {
    wave first { wait for 5 datapoints("Canary"); wait for 100 requests("CreateOrder"); wait for 50 requests("CreateOrder") }
  }
  platform = ecs
}
"#,
    );
    let bake = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "production/first/bake")
        .unwrap();
    assert_eq!(
        bake["bake"]["data_points"],
        serde_json::json!([
            {"count": 100, "type": "requests", "name": "CreateOrder"},
            {"count": 5, "type": "datapoints", "name": "Canary"},
            {"count": 50, "type": "requests", "name": "CreateOrder"},
        ])
    );
    let merged = &bake["field_provenance"]["/bake/data_points/0"];
    assert_eq!(merged["line"], 14, "{merged:#}");
    assert_eq!(merged["column"], 51, "{merged:#}");
    let overrides = merged["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1, "{merged:#}");
    assert_eq!(overrides[0]["line"], 8);
    assert_eq!(
        overrides[0]["value"],
        "wait for 100 requests(\"CreateOrder\")"
    );
    assert_eq!(bake["field_provenance"]["/bake/data_points/1"]["line"], 14);
    assert_eq!(
        bake["field_provenance"]["/bake/data_points/1"]["overrides"],
        serde_json::json!([])
    );
}

/// An approval step's id ends in its role written as a name, as every
/// segment of a step id is (docs/plan-format.md, Ids): other characters
/// are one `-` between words, a leading digit gets a `_`, and roles that
/// would share a segment are numbered.
#[test]
fn approval_step_ids_are_names_joined_by_slashes() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma {
    regions = [us-east-1]
    deploy bundle
    require approval("release.manager")
    require approval("qa lead")
    require approval("qa-lead")
    require approval(" 9ers  on call ")
  }
}
"#,
    );
    let approvals: Vec<(&str, &str)> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["kind"] == "approval")
        .map(|step| {
            (
                step["id"].as_str().unwrap(),
                step["approval"]["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        approvals,
        [
            ("gamma/approval/release-manager", "release.manager"),
            ("gamma/approval/qa-lead", "qa lead"),
            ("gamma/approval/qa-lead-2", "qa-lead"),
            ("gamma/approval/_9ers-on-call", " 9ers  on call "),
        ]
    );
}

/// `traffic_percent` is a one-box's `traffic`, in production or in a
/// stage (docs/plan-format.md, `deploy`): a one-box that sets none, in
/// production too, has none, and no other deploy has one.
#[test]
fn traffic_percent_is_written_only_for_a_one_box_that_sets_traffic() {
    let plan = compile_text(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  stage gamma { regions = [us-east-1]; deploy bundle; onebox { traffic <= 2.5% } }
  production {
    registry = aws
    deploy bundle
    onebox { bake = 1h }
    wave first { regions = [us-east-1] }
    wave rest  { regions = rest }
  }
}
"#,
    );
    let traffic: Vec<(&str, Option<&Value>)> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["kind"] == "deploy" && step["target"]["wave"] != "rest")
        .map(|step| {
            (
                step["id"].as_str().unwrap(),
                step["deploy"].get("traffic_percent"),
            )
        })
        .collect();
    let two_and_a_half = serde_json::json!(2.5);
    assert_eq!(
        traffic,
        [
            ("gamma/us-east-1/onebox/deploy", Some(&two_and_a_half)),
            ("gamma/us-east-1/deploy", None),
            ("production/first/us-east-1/onebox/deploy", None),
            ("production/first/us-east-1/deploy", None),
        ]
    );
}

/// Collects what `compile_workspace_into` hands over.
struct Collect(
    std::sync::Mutex<BTreeMap<usize, String>>,
    std::sync::OnceLock<usize>,
);

impl workspace::PlanSink for Collect {
    fn expect(&self, pipelines: &[String]) {
        self.1.set(pipelines.len()).unwrap();
    }

    fn accept(&self, rank: usize, plan: pipec::plan::Plan, sources: &pipec::source::SourceMap) {
        let text = plan_v1::to_json_compact(&convert::to_v1(&plan, sources));
        assert!(self.0.lock().unwrap().insert(rank, text).is_none());
    }
}

/// Streaming compilation hands over, one by one and by rank, exactly the
/// plans the kept compilation returns, and keeps none itself.
#[test]
fn streamed_plans_are_the_kept_plans() {
    let entries = || {
        ["examples/sample/services", "examples/concepts"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).unwrap())
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "pipe"))
            .map(|path| Entry {
                path,
                bytes: None,
                name: None,
            })
            .collect::<Vec<_>>()
    };
    let kept = workspace::compile_workspace(entries(), &support::FsLoader, support::TODAY);
    let sink = Collect(Default::default(), Default::default());
    let streamed = workspace::compile_workspace_into(
        entries(),
        &support::FsLoader,
        support::TODAY,
        None,
        &sink,
        workspace::Afterwards::Free,
    );
    assert!(streamed.plans.is_empty());
    assert_eq!(streamed.diagnostics, kept.diagnostics);
    let names: Vec<&str> = kept
        .plans
        .iter()
        .map(|plan| plan.pipeline.as_str())
        .collect();
    assert!(names.len() > 3, "{names:?}");
    assert_eq!(streamed.pipelines, names);
    assert_eq!(sink.1.get(), Some(&names.len()));
    let handed: Vec<String> = sink.0.into_inner().unwrap().into_values().collect();
    let expected: Vec<String> = kept
        .plans
        .iter()
        .map(|plan| plan_v1::to_json_compact(&convert::to_v1(plan, &kept.sources)))
        .collect();
    assert_eq!(handed, expected);
}

/// Pipelines nothing extends are merged where their plans are built and,
/// when streamed, dropped after: a wave's regions written by one of them
/// must not be taken for another's that happens to be allocated where the
/// first one was. Each of these pipelines writes its own regions for a
/// wave; streamed, each plan is the kept one.
#[test]
fn streamed_pipelines_that_write_their_own_regions_each_place_them() {
    let regions = [
        "[us-west-2]",
        "[eu-west-1, ap-northeast-1]",
        "[us-east-2, eu-central-1]",
        "[ap-southeast-2]",
    ];
    let mut text = String::from(
        r#"import "std/aws"
template Service {
  platform = ecs
  source code = git("svc", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = aws
    deploy bundle
    wave first { regions = aws where traffic == low take 1; bake = 1h }
    wave third { regions = [us-west-1]; bake = 1h }
    wave rest  { regions = rest; bake = 1h }
  }
}
"#,
    );
    for index in 0..64 {
        let written = regions[index % regions.len()];
        text.push_str(&format!(
            "pipeline p{index} extends Service {{ production {{ wave third {{ regions = {written} }} }} }}\n"
        ));
    }
    let mut loader = MemoryLoader::in_dir("/ws");
    loader.add("main.pipe", text);
    let entries = || {
        vec![Entry {
            path: "main.pipe".into(),
            bytes: None,
            name: None,
        }]
    };
    let kept = workspace::compile_workspace(entries(), &loader, support::TODAY);
    // The policies' findings (no alarms, no review) are beside the point.
    assert_eq!(kept.plans.len(), 64);
    let sink = Collect(Default::default(), Default::default());
    let streamed = workspace::compile_workspace_into(
        entries(),
        &loader,
        support::TODAY,
        None,
        &sink,
        workspace::Afterwards::Free,
    );
    assert!(streamed.diagnostics == kept.diagnostics);
    let handed: Vec<String> = sink.0.into_inner().unwrap().into_values().collect();
    assert_eq!(handed.len(), 64);
    for (index, (plan, text)) in kept.plans.iter().zip(&handed).enumerate() {
        let kept_text = plan_v1::to_json_compact(&convert::to_v1(plan, &kept.sources));
        assert!(
            kept_text == *text,
            "pipeline p{index} placed otherwise when streamed"
        );
        let third = &wave_regions(&serde_json::from_str(text).unwrap())["third"];
        let expected: Vec<&str> = regions[index % regions.len()]
            .trim_matches(['[', ']'])
            .split(", ")
            .collect();
        assert_eq!(third, &expected, "p{index}");
    }
}

/// Two windows, a template gating its stage with an inline window and
/// production with a named one, and a pipeline changing both: `STAGE` and
/// `PRODUCTION` are the pipeline's bodies.
const WINDOWS: &str = r#"import "std/aws"
window a { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
window b { zone = "Europe/Paris"; allow = [mon..fri 10:00..12:00] }
window on_call { zone = "UTC"; allow = [mon..sun] }
template W {
  platform = ecs
  source code = git("orders-api", branch: "main")
  build bundle from code { run = "make" }
  stage gamma {
    regions = [us-east-1]
    deploy bundle
    window { zone = "UTC"; allow = [mon..fri] }
  }
  production {
    registry = aws
    window a
    window on_call for profile emergency
    wave all { regions = rest }
  }
  profile emergency { bake scale 50% }
}
pipeline p extends W {
  stage gamma { STAGE }
  production { PRODUCTION }
}
"#;

fn windows_plan(stage: &str, production: &str, profile: Option<&str>) -> (String, Value) {
    let text = WINDOWS
        .replace("STAGE", stage)
        .replace("PRODUCTION", production);
    let plan = compile_text_with(&text, profile);
    (text, plan)
}

/// The window gate every step of a scope has (`prefix`: `gamma/`,
/// `production/`), the same for all of them.
fn window_of<'p>(plan: &'p Value, prefix: &str) -> &'p Value {
    let gates: BTreeSet<&str> = steps(plan)
        .iter()
        .filter(|step| step["id"].as_str().unwrap().starts_with(prefix))
        .filter(|step| step["kind"] == "deploy")
        .flat_map(|step| step["gates"].as_array().unwrap())
        .map(|gate| gate.as_str().unwrap())
        .filter(|gate| gate.starts_with("window:"))
        .collect();
    assert_eq!(gates.len(), 1, "{prefix}: {gates:?}");
    let id = gates.first().unwrap();
    plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|gate| gate["id"] == *id)
        .unwrap()
}

/// RFC 0001, R11 and R15: a named window written in a descendant replaces
/// the inherited one, and the gate says where it was set and what it
/// replaced.
#[test]
fn a_descendants_named_window_replaces_the_inherited_one() {
    let (text, plan) = windows_plan("", "window b", None);
    let gate = window_of(&plan, "production/");
    assert_eq!(gate["id"], "window:b");
    assert_eq!(gate["zone"], "Europe/Paris");
    assert_eq!(gate["allow"][0]["start"], "10:00");
    let (line, column) = place_of(&text, "pipeline p", "window b");
    assert_eq!(where_set(&gate["provenance"]), (line, column, "set"));
    let (line, column) = place_of(&text, "template W", "window a");
    assert_eq!(
        where_set(&gate["provenance"]["overrides"][0]),
        (line, column, "set")
    );
    // Over an inline window too.
    let (_, plan) = windows_plan("window b", "", None);
    assert_eq!(window_of(&plan, "gamma/")["id"], "window:b");
}

/// RFC 0001, R11: an inline window over an inline window merges field by
/// field, the descendant's fields winning; over a named one it replaces
/// it whole. The gate's provenance is the descendant's window.
#[test]
fn a_descendants_inline_window_merges_into_an_inline_one() {
    let (text, plan) = windows_plan(r#"window { zone = "Asia/Tokyo" }"#, "", None);
    let gate = window_of(&plan, "gamma/");
    assert_eq!(gate["zone"], "Asia/Tokyo");
    // The template's `allow`, kept.
    assert_eq!(
        gate["allow"],
        serde_json::json!([{ "days": ["mon", "tue", "wed", "thu", "fri"], "start": "00:00", "end": "24:00" }])
    );
    let (line, column) = place_of(&text, "pipeline p", "window {");
    assert_eq!(where_set(&gate["provenance"]), (line, column, "set"));
    let (line, column) = place_of(&text, "deploy bundle", "window {");
    assert_eq!(
        where_set(&gate["provenance"]["overrides"][0]),
        (line, column, "set")
    );
    // Both fields written: both the descendant's.
    let (_, plan) = windows_plan(
        r#"window { zone = "Europe/Paris"; allow = [sat..sun] }"#,
        "",
        None,
    );
    let gate = window_of(&plan, "gamma/");
    assert_eq!(gate["zone"], "Europe/Paris");
    assert_eq!(gate["allow"][0]["days"], serde_json::json!(["sat", "sun"]));
    // Over the named window: replaced whole, the inline window's own.
    let (_, plan) = windows_plan("", r#"window { zone = "Asia/Tokyo"; allow = [sat] }"#, None);
    let gate = window_of(&plan, "production/");
    assert!(
        gate["id"].as_str().unwrap().starts_with("window:inline"),
        "{gate}"
    );
    assert_eq!(gate["zone"], "Asia/Tokyo");
    assert_eq!(gate["allow"][0]["days"], serde_json::json!(["sat"]));
}

/// `window NAME for profile PROFILE` still gates the body under the
/// profile, standing in for the descendant's window, which it lists as
/// the window it replaces; and a descendant's own approval replaces the
/// inherited one.
#[test]
fn a_window_approved_for_a_profile_stands_in_for_the_merged_window() {
    let (text, plan) = windows_plan("", "window b", Some("emergency"));
    let gate = window_of(&plan, "production/");
    assert_eq!(gate["id"], "window:on_call");
    assert_eq!(gate["provenance"]["how"], "profile");
    let (line, column) = place_of(&text, "pipeline p", "window b");
    assert_eq!(
        where_set(&gate["provenance"]["overrides"][0]),
        (line, column, "set")
    );
    assert_eq!(gate["provenance"]["overrides"][0]["value"], "window b");
    let (text, plan) = windows_plan("", "window b for profile emergency", Some("emergency"));
    let gate = window_of(&plan, "production/");
    assert_eq!(gate["id"], "window:b");
    let (line, column) = place_of(&text, "pipeline p", "window b");
    assert_eq!(where_set(&gate["provenance"]), (line, column, "profile"));
    // Without the profile, the template's own window.
    let (_, plan) = windows_plan("", "window b for profile emergency", None);
    assert_eq!(window_of(&plan, "production/")["id"], "window:a");
}

/// RFC 0001, R38 and R13: `+=` or `-=` on a built-in field that holds one
/// value is a type error at the value, and is skipped: the plan keeps the
/// inherited value, with no edit in its provenance that never happened.
#[test]
fn a_list_edit_of_a_single_value_is_refused_and_leaves_no_trace() {
    let text = r#"import "std/aws"
template T {
  platform = ecs
  source code = git("orders-api", branch: "main")
  build bundle from code { run = "make" }
  production { registry = aws; wave all { regions = rest; bake = 12h } }
}
pipeline p extends T {
  platform -= [ecs]
  production { wave all { bake -= 12h } }
}
"#;
    let entries = main_entry(text);
    let loader = MemoryLoader::in_dir("/workspace");
    let compiled = workspace::compile_workspace_with(entries, &loader, support::TODAY, None);
    let errors: Vec<(&str, usize)> = compiled
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| {
            let span = diagnostic.primary_label().unwrap().span;
            (diagnostic.code.as_str(), span.start())
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("P0701", text.find("[ecs]").unwrap()),
            (
                "P0701",
                text.find("bake -= 12h").unwrap() + "bake -= ".len()
            ),
        ],
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    // The plan, had for its provenance: the template's values, as set.
    let plan = compiled.plans.first().unwrap();
    let plan: Value =
        support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)));
    let by_id = steps_by_id(&plan);
    let bake = by_id["production/all/bake"];
    assert_eq!(bake["bake"]["duration_seconds"], 43_200);
    let (line, column) = place_of(text, "wave all", "bake = 12h");
    let provenance = &bake["field_provenance"]["/bake/duration_seconds"];
    assert_eq!(where_set(provenance), (line, column, "set"));
    assert_eq!(
        provenance["overrides"],
        serde_json::json!([]),
        "{provenance}"
    );
    let deploy = steps(&plan)
        .iter()
        .find(|step| step["kind"] == "deploy")
        .unwrap();
    let platform = &deploy["field_provenance"]["/deploy/platform"];
    assert_eq!(deploy["deploy"]["platform"], "ecs");
    assert_eq!(where_set(platform), (3, 3, "set"));
    assert_eq!(platform["overrides"], serde_json::json!([]), "{platform}");
}

/// A pipeline whose region sets name one region bare, in every place a
/// region set stands (a wave's regions, an operand, an exclusion).
fn one_region_sets(bare: bool) -> Compiled {
    let one = |region: &str| {
        if bare {
            region.to_string()
        } else {
            format!("[{region}]")
        }
    };
    let text = format!(
        r#"import "std/aws"
pipeline orders_api {{
  platform = ecs
  source code = git("orders-api", branch: "mainline") {{ require review }}
  build bundle from code {{ run = "make" }}
  production {{
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    exclude {me} because "not offered there"
    wave first  {{ regions = {eu}; bake = 12h }}
    wave second {{ regions = [us-east-1] union {usw}; bake = 4h }}
    wave rest   {{ regions = rest minus {aps}; bake = 2h }}
    wave last   {{ regions = {aps}; bake = 2h }}
  }}
}}
"#,
        me = one("me-central-1"),
        eu = one("eu-west-1"),
        usw = one("us-west-2"),
        aps = one("ap-south-1"),
    );
    support::compile_main(&text, true)
}

/// A bare region is the region set of that one region, as docs/language.md's
/// table of region sets says: the plan is the one its one-item lists give.
#[test]
fn a_bare_region_is_the_set_of_that_region() {
    let bare = plan_json(&one_region_sets(true), "orders_api");
    let listed = plan_json(&one_region_sets(false), "orders_api");
    let waves = wave_regions(&bare);
    assert_eq!(waves["first"], ["eu-west-1"]);
    assert_eq!(waves["second"], ["us-east-1", "us-west-2"]);
    assert_eq!(waves["last"], ["ap-south-1"]);
    assert!(!waves["rest"].iter().any(|region| region == "ap-south-1"));
    assert!(
        !waves
            .values()
            .flatten()
            .any(|region| region == "me-central-1")
    );
    // Columns of provenance differ with the brackets; the steps do not.
    let shape = |plan: &Value| -> Vec<(Value, Value, Value)> {
        steps(plan)
            .iter()
            .map(|step| {
                (
                    step["id"].clone(),
                    step["target"].clone(),
                    step["needs"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&bare), shape(&listed));
}

/// A stage without a `strategy` deploys with production's `strategy`
/// field; a strategy production's `deploy` gives is for production's
/// waves (docs/language.md, Built-in fields).
#[test]
fn a_stage_defaults_to_productions_strategy_field_not_its_deploys() {
    let compiled = support::compile_main(
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make" }
  stage gamma { regions = [us-east-1]; deploy bundle }
  production {
    registry = aws
    strategy = rolling(batch: 25%, min_healthy: 75%)
    deploy bundle { strategy = blue_green }
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest; bake = 2h }
  }
}
"#,
        true,
    );
    let plan = plan_json(&compiled, "orders_api");
    let strategy_of = |id: &str| {
        steps(&plan)
            .iter()
            .find(|step| step["id"] == id)
            .map(|step| step["deploy"]["strategy"]["type"].clone())
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    assert_eq!(strategy_of("gamma/us-east-1/deploy"), "rolling");
    assert_eq!(strategy_of("production/all/us-east-1/deploy"), "blue_green");
}

/// `rest` is every region no other wave places, also inside a larger set
/// and in a wave written before others, such as a template's last wave
/// followed by a pipeline's new one (docs/language.md, "`rest`").
#[test]
fn rest_inside_a_set_resolves_after_every_other_wave() {
    let plan = compile_text(
        r#"registry lab {
  region r-a { tier = low }
  region r-b { tier = high }
  region r-c { tier = high }
  region r-d { tier = low }
  region r-e { tier = low }
}
template Service {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make" }
  production {
    registry = lab
    deploy bundle
    wave first { regions = [r-a] }
    wave rest  { regions = rest minus [r-e] }
  }
}
pipeline orders_api extends Service {
  production {
    new wave late { regions = [r-e, r-b] }
  }
}
"#,
    );
    let waves = wave_regions(&plan);
    assert_eq!(waves["first"], ["r-a"], "{waves:?}");
    assert_eq!(waves["rest"], ["r-c", "r-d"], "{waves:?}");
    assert_eq!(waves["late"], ["r-e", "r-b"], "{waves:?}");
    let order: Vec<&str> = steps(&plan)
        .iter()
        .filter_map(|step| step["target"]["wave"].as_str())
        .fold(Vec::new(), |mut order, wave| {
            if order.last() != Some(&wave) {
                order.push(wave);
            }
            order
        });
    assert_eq!(order, ["first", "rest", "late"]);
}

/// A wave's own `onebox` or `rollback on` written under a final one of
/// production's is refused (`P0305`) and not merged, whatever the wave's
/// body writes before it: the merged template keeps what it inherited, the
/// wave without a one-box or an alarm of its own, and takes the rest (its
/// bake).
#[test]
fn what_replaces_a_final_member_of_production_in_a_wave_is_refused_and_not_merged() {
    use pipec::semantics::merge::Key;
    let text = r#"
template Org {
  production {
    final rollback on ALARM("Org_Severe")
    final onebox { bake = 1h }
    wave first { bake = 12h }
  }
}
template Team extends Org {
  production {
    wave first { bake = 6h; new onebox { bake = 5m }; new rollback on ALARM("Quiet") }
  }
}
"#;
    let loader = MemoryLoader::in_dir("/workspace");
    let workspace = pipec::modules::load(main_entry(text), &loader);
    let analysis = pipec::semantics::analyze(
        &workspace,
        support::TODAY,
        None,
        pipec::semantics::Want::Diagnostics,
    );
    let refused: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code.as_str() == "P0305")
        .map(|diagnostic| diagnostic.message.as_str())
        .collect();
    assert_eq!(
        refused,
        [
            "this replaces, in wave `first`, a final member (`onebox`)",
            "this replaces, in wave `first`, a final member (`rollback on`)",
        ]
    );
    let (team, ..) = analysis
        .scopes
        .all()
        .find(|(_, _, item)| item.kind.name().is_some_and(|name| name.name == "Team"))
        .unwrap();
    let production = analysis.resolved[&team]
        .get(&Key::Single("production"))
        .and_then(|production| production.body.as_deref())
        .unwrap();
    let first = production
        .get(&Key::Named("wave", "first"))
        .and_then(|wave| wave.body.as_deref())
        .unwrap();
    assert!(first.get(&Key::Single("onebox")).is_none());
    assert!(first.get(&Key::Single("rollback on")).is_none());
    let (bake, _) = first.get_field("bake").unwrap().base_value().unwrap();
    assert_eq!(
        &text[bake.span.start as usize..bake.span.end as usize],
        "6h"
    );
}
