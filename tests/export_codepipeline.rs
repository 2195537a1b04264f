//! `compile --target codepipeline`: every example, under every profile,
//! exports to a CreatePipeline input that botocore (its model and its
//! validator) and cfn-lint accept; hand-broken inputs are refused by the
//! validator that should refuse them, so each is known to be able to fail;
//! lossy mappings warn with their codes, and `--deny-lossy` makes them
//! errors.
//!
//! The validators are installed by `scripts/test.sh`, which passes the
//! venv's interpreter in `PIPEC_VALIDATORS_PYTHON`. When it is set the
//! interpreter must be there; when it is not (a plain `cargo test`), the
//! validation tests say they did not run.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;
mod support;

use pipec::diagnostics::Code;
use pipec::export::codepipeline;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const PYTHON_VARIABLE: &str = "PIPEC_VALIDATORS_PYTHON";
const TODAY: &str = "2026-11-22";

/// Settings for every example: the sample's `[codepipeline]` table.
fn settings() -> pipec::settings::CodePipelineSettings {
    let text = std::fs::read_to_string("examples/sample/pipec.toml").unwrap();
    pipec::settings::parse(&text).unwrap().codepipeline
}

fn python() -> Option<PathBuf> {
    let Some(path) = std::env::var_os(PYTHON_VARIABLE) else {
        processes::not_run(
            "CodePipeline validation",
            &format!("{PYTHON_VARIABLE} unset"),
        );
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{PYTHON_VARIABLE} names {}, which does not exist",
        path.display()
    );
    Some(path)
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("pipec-codepipeline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the validator on files; the problems it lists and its exit status.
fn validate(python: &Path, files: &[PathBuf]) -> (Vec<Value>, bool) {
    let output = Command::new(python)
        .arg("tools/validators/codepipeline_check.py")
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let problems: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "the validator wrote no JSON ({error}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (problems, output.status.success())
}

/// Writes `input` to `path` and asserts that the validators accept it,
/// when they are installed.
fn assert_validators_accept(path: &Path, input: &impl serde::Serialize) {
    let Some(python) = python() else { return };
    std::fs::write(path, serde_json::to_string_pretty(input).unwrap()).unwrap();
    let (problems, passed) = validate(&python, &[path.to_path_buf()]);
    assert!(
        problems.is_empty() && passed,
        "{}",
        serde_json::to_string_pretty(&problems).unwrap()
    );
}

fn pipe_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pipe_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "pipe") {
            out.push(path);
        }
    }
}

/// The plans of every example file, under no profile and `emergency`, as
/// `pipec compile` writes them.
fn example_plans() -> Vec<(String, pipec::export::plan_v1::PlanV1)> {
    let mut files = Vec::new();
    pipe_files(Path::new("examples"), &mut files);
    let mut plans = Vec::new();
    for file in files {
        for profile in [None, Some("emergency")] {
            let file_arg = file.to_str().unwrap();
            let mut args = vec!["--today", TODAY, "compile", file_arg];
            if let Some(profile) = profile {
                args.extend(["--profile", profile]);
            }
            let output = pipec(&args);
            if !output.status.success() {
                // Files without pipelines, and profiles a file does not
                // declare, have no plans to export.
                continue;
            }
            let json: Value = serde_json::from_slice(&output.stdout).unwrap();
            let list = match json {
                Value::Array(list) => list,
                one => vec![one],
            };
            for plan in list {
                let plan = pipec::export::plan_v1::from_json(&plan.to_string()).unwrap();
                let label = format!("{} ({})", file.display(), profile.unwrap_or("no profile"));
                plans.push((label, plan));
            }
        }
    }
    plans
}

#[test]
fn every_example_under_every_profile_exports_and_validates() {
    let plans = example_plans();
    assert!(
        plans.len() >= 10,
        "expected the examples to hold many pipelines, found {}",
        plans.len()
    );
    let dir = scratch_dir("examples");
    let mut files = Vec::new();
    for (index, (label, plan)) in plans.iter().enumerate() {
        let export = codepipeline::export(plan, &settings());
        let errors: Vec<_> = export
            .findings
            .iter()
            .filter(|f| f.diagnostic.is_error())
            .collect();
        assert!(errors.is_empty(), "{label}: {errors:#?}");
        let path = dir.join(format!("{index}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&export.value).unwrap()).unwrap();
        files.push(path);
    }
    let Some(python) = python() else { return };
    let (problems, passed) = validate(&python, &files);
    assert!(
        problems.is_empty() && passed,
        "{}",
        serde_json::to_string_pretty(&problems).unwrap()
    );
}

fn sample_plan() -> pipec::export::plan_v1::PlanV1 {
    example_plans()
        .into_iter()
        .find(|(label, plan)| plan.pipeline == "orders_api" && label.ends_with("(no profile)"))
        .map(|(_, plan)| plan)
        .unwrap()
}

#[test]
fn the_sample_fits_the_quotas_and_its_export_is_on_record() {
    let export = codepipeline::export(&sample_plan(), &settings());
    let stages = export.value.pipeline.stages.len();
    assert!(stages <= codepipeline::MAX_STAGES, "{stages} stages");
    for stage in &export.value.pipeline.stages {
        assert!(stage.actions.len() <= codepipeline::MAX_ACTIONS_PER_STAGE);
    }
    let json = serde_json::to_string_pretty(&export.value).unwrap();
    insta::assert_snapshot!("codepipeline_sample", json);
}

/// A test without a command, a suite the environment runs (the sample's
/// canary), leaves `PIPEC_COMMAND` empty and names the suite in
/// `PIPEC_SUITE`, for the buildspec to run; a test with a command has no
/// suite.
#[test]
fn a_test_without_a_command_names_its_suite_for_the_buildspec() {
    let export = codepipeline::export(&sample_plan(), &settings());
    let plain = |variables: Vec<(String, String, String)>| -> Vec<(String, String)> {
        variables
            .into_iter()
            .filter(|(name, ..)| name.starts_with("PIPEC_"))
            .map(|(name, kind, value)| {
                assert_eq!(kind, "PLAINTEXT", "{name}");
                (name, value)
            })
            .collect()
    };
    let pair = |name: &str, value: &str| (name.to_string(), value.to_string());
    assert_eq!(
        plain(codebuild_variables(&export, "gamma/test/canary")),
        [
            pair("PIPEC_STEP", "gamma/test/canary"),
            pair("PIPEC_COMMAND", ""),
            pair("PIPEC_SUITE", "canary"),
        ]
    );
    let integration = plain(codebuild_variables(&export, "beta/test/integration"));
    assert!(
        integration
            .iter()
            .any(|(name, value)| name == "PIPEC_COMMAND" && !value.is_empty()),
        "{integration:?}"
    );
    assert!(
        !integration.iter().any(|(name, _)| name == "PIPEC_SUITE"),
        "{integration:?}"
    );
}

#[test]
fn the_samples_calendar_and_data_points_warn_naming_their_steps() {
    let export = codepipeline::export(&sample_plan(), &settings());
    let messages = |code: Code| -> Vec<String> {
        export
            .findings
            .iter()
            .filter(|f| f.diagnostic.code == code)
            .map(|f| f.diagnostic.message.clone())
            .collect()
    };
    let window = messages(Code::CODEPIPELINE_WINDOW_APPROXIMATED);
    assert!(
        window
            .iter()
            .any(|m| m.contains("window:business_hours") && m.contains("closes on")),
        "{window:?}"
    );
    assert!(
        window.iter().any(|m| m.contains("step `production/first/")),
        "{window:?}"
    );
    let points = messages(Code::CODEPIPELINE_BAKE_APPROXIMATED);
    assert!(
        points
            .iter()
            .any(|m| m.contains("`production/first/bake`") && m.contains("CreateOrder")),
        "{points:?}"
    );
    assert!(
        messages(Code::CODEPIPELINE_BLOCKER_DROPPED)
            .iter()
            .any(|m| m.contains("libjson@2.3.1"))
    );
    assert!(
        export
            .findings
            .iter()
            .filter(|f| f.is_lossy())
            .all(|f| f.at.is_some())
    );
}

fn pipec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .output()
        .unwrap()
}

/// The command line that exports `pipe` for CodePipeline, on [`TODAY`].
fn export_args(pipe: &str) -> Vec<&str> {
    vec![
        "--color",
        "never",
        "--today",
        TODAY,
        "compile",
        pipe,
        "--target",
        "codepipeline",
    ]
}

#[test]
fn the_cli_exports_warns_and_deny_lossy_makes_the_warnings_errors() {
    let sample = "examples/sample/services/orders_api.pipe";
    let args = export_args(sample);
    let output = pipec(&args);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning[P0902]"), "{stderr}");
    assert!(stderr.contains("warning[P0903]"), "{stderr}");
    // Placed in the source by the step's provenance.
    assert!(stderr.contains("services/orders_api.pipe:25:"), "{stderr}");
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["pipeline"]["pipelineType"], "V2");

    let mut denied = args.to_vec();
    denied.push("--deny-lossy");
    let output = pipec(&denied);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[P0902]") && stderr.contains("error[P0903]"),
        "{stderr}"
    );
}

#[test]
fn a_window_without_a_whole_hour_is_dropped_and_explained_so() {
    let mut plan = sample_plan();
    for entry in &mut plan.gates {
        if let pipec::export::plan_v1::Gate::Window(window) = &mut entry.gate {
            window.closed_dates.clear();
            for slot in &mut window.allow {
                slot.start = "09:10".to_string();
                slot.end = "09:50".to_string();
            }
        }
    }
    let export = codepipeline::export(&plan, &settings());
    let findings: Vec<_> = export
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::CODEPIPELINE_WINDOW_APPROXIMATED)
        .collect();
    // Like every diagnostic, it ends with a help line.
    assert!(
        findings.iter().all(|f| f.diagnostic.help.is_some()),
        "{findings:#?}"
    );
    let dropped: Vec<&str> = findings
        .iter()
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert!(
        !dropped.is_empty() && dropped.iter().all(|m| m.contains("it is dropped")),
        "{dropped:?}"
    );
    let value = serde_json::to_value(&export.value).unwrap();
    assert!(
        !value.to_string().contains("DeploymentWindow"),
        "no stage is gated by the window"
    );
    // `pipec explain P0902` says a window can go altogether.
    let explanation = Code::CODEPIPELINE_WINDOW_APPROXIMATED
        .doc()
        .unwrap()
        .explanation;
    assert!(
        explanation.contains("no whole hour") && explanation.contains("dropped"),
        "{explanation}"
    );
}

#[test]
fn one_closed_date_is_counted_in_the_singular() {
    let mut plan = sample_plan();
    for entry in &mut plan.gates {
        if let pipec::export::plan_v1::Gate::Window(window) = &mut entry.gate {
            window.closed_dates.truncate(1);
        }
    }
    let export = codepipeline::export(&plan, &settings());
    let messages: Vec<&str> = export
        .findings
        .iter()
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains(
            "closes on 1 date (holidays, blackouts), which a DeploymentWindow cron cannot \
             express: it is dropped"
        )),
        "{messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("1 dates")),
        "{messages:#?}"
    );
}

#[test]
fn missing_settings_are_errors_naming_the_key() {
    let export = codepipeline::export(&sample_plan(), &Default::default());
    let missing: Vec<&str> = export
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::CODEPIPELINE_SETTING_MISSING)
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert!(export.has_errors());
    // One error names them all, and no placeholder stands in for a region.
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(!missing[0].contains("MISSING"), "{missing:?}");
    for key in [
        "`artifact_bucket`",
        "`role_arn`",
        "`region`",
        "`connection_arn`",
        "`codebuild_project`",
        "`ecs_cluster`",
    ] {
        assert!(
            missing.iter().any(|m| m.contains(key)),
            "{key} not in {missing:?}"
        );
    }
}

/// A bucket for the pipeline's own region alone: the one error names the
/// regions without one and stands at the first step that runs in one of
/// them, not at the pipeline's first step.
#[test]
fn a_region_without_an_artifact_bucket_is_named_at_its_first_step() {
    let plan = sample_plan();
    let mut settings = settings();
    let home = settings.region.clone().unwrap();
    settings.artifact_bucket = None;
    settings.artifact_buckets = [(home.clone(), "shop-artifacts-home".to_string())].into();
    let export = codepipeline::export(&plan, &settings);
    let missing: Vec<_> = export
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::CODEPIPELINE_SETTING_MISSING)
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    let first_elsewhere = plan
        .steps
        .iter()
        .find(|step| {
            step.target
                .region
                .as_ref()
                .is_some_and(|region| **region != home)
        })
        .unwrap();
    let region = first_elsewhere.target.region.as_ref().unwrap().to_string();
    let message = &missing[0].diagnostic.message;
    assert!(
        message.contains(&format!("none for `{region}`")),
        "{message}"
    );
    assert!(!message.contains(&format!("`{home}`")), "{message}");
    let at = missing[0].at.as_ref().unwrap();
    assert_eq!(
        (u64::from(at.line), u64::from(at.column)),
        (
            u64::from(first_elsewhere.provenance.line),
            u64::from(first_elsewhere.provenance.column)
        )
    );
    assert_ne!(u64::from(at.line), u64::from(plan.steps[0].provenance.line));
}

#[test]
fn a_plain_or_of_too_many_alarms_and_a_multi_artifact_deploy_are_reported() {
    let mut plan = sample_plan();
    let mut settings = settings();
    // Without composite alarms, the one-box alarm is five alarms: with the
    // window and the blockers, more rules than one condition holds.
    settings.composite_alarms.clear();
    for step in &mut plan.steps {
        if let pipec::export::plan_v1::Params::Deploy(deploy) = &mut step.params {
            deploy.artifacts.push(deploy.artifacts[0].clone());
        }
    }
    let export = codepipeline::export(&plan, &settings);
    let codes: Vec<Code> = export.findings.iter().map(|f| f.diagnostic.code).collect();
    assert!(
        codes.contains(&Code::CODEPIPELINE_ALARM_APPROXIMATED),
        "{codes:?}"
    );
    assert!(
        codes.contains(&Code::CODEPIPELINE_DEPLOY_APPROXIMATED),
        "{codes:?}"
    );
    // The rules left out are named, with a verb that agrees with them.
    let mut counted = 0;
    for finding in &export.findings {
        let message = &finding.diagnostic.message;
        let Some((_, dropped)) = message.split_once("CodePipeline allows 5, so ") else {
            continue;
        };
        counted += 1;
        let verb = if dropped.contains(", ") {
            " are dropped"
        } else {
            " is dropped"
        };
        assert!(dropped.ends_with(verb), "{message}");
    }
    assert!(counted > 0, "{:#?}", export.findings);
}

#[test]
fn a_wave_wider_than_a_stage_allows_is_a_quota_error() {
    let mut plan = sample_plan();
    let template = plan
        .steps
        .iter()
        .position(|s| &*s.id == "production/rest/eu-north-1/onebox/deploy")
        .unwrap();
    let mut extra = Vec::new();
    for index in 0..40 {
        let mut step = plan.steps[template].clone();
        step.id = format!("production/rest/extra-{index}/onebox/deploy").into();
        extra.push(step);
    }
    plan.steps.splice(template..template, extra);
    let export = codepipeline::export(&plan, &settings());
    assert!(
        export
            .findings
            .iter()
            .any(|f| f.diagnostic.code == Code::CODEPIPELINE_QUOTA && f.diagnostic.is_error()),
        "{:#?}",
        export.findings
    );
}

/// A valid export of the sample, as JSON, for breaking by hand.
fn valid_input() -> Value {
    serde_json::to_value(codepipeline::export(&sample_plan(), &settings()).value).unwrap()
}

#[test]
fn broken_exports_are_refused_by_the_right_validator() {
    let Some(python) = python() else { return };
    type Break = fn(&mut Value);
    let cases: [(&str, Break, &str); 7] = [
        (
            "stage name with a space",
            |v| v["pipeline"]["stages"][2]["name"] = json!("beta stage"),
            "model",
        ),
        (
            "runOrder 1000",
            |v| v["pipeline"]["stages"][2]["actions"][0]["runOrder"] = json!(1000),
            "model",
        ),
        (
            "artifact name with a dot",
            |v| {
                v["pipeline"]["stages"][0]["actions"][0]["outputArtifacts"][0]["name"] =
                    json!("code.zip")
            },
            "model",
        ),
        (
            "six rules in a condition",
            |v| {
                let rules = &mut v["pipeline"]["stages"][5]["onSuccess"]["conditions"][0]["rules"];
                let rule = rules[0].clone();
                for index in 0..5 {
                    let mut copy = rule.clone();
                    copy["name"] = json!(format!("extra-{index}"));
                    rules.as_array_mut().unwrap().push(copy);
                }
            },
            "model",
        ),
        (
            "an empty list of conditions",
            |v| v["pipeline"]["stages"][5]["onSuccess"]["conditions"] = json!([]),
            "botocore",
        ),
        (
            "a missing action type",
            |v| {
                v["pipeline"]["stages"][2]["actions"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("actionTypeId");
            },
            "botocore",
        ),
        (
            "a source action in the second stage",
            |v| {
                let source = v["pipeline"]["stages"][0]["actions"][0].clone();
                let mut moved = source;
                moved["name"] = json!("late-source");
                moved["outputArtifacts"][0]["name"] = json!("late");
                v["pipeline"]["stages"][1]["actions"]
                    .as_array_mut()
                    .unwrap()
                    .push(moved);
            },
            "cfn-lint",
        ),
    ];
    let dir = scratch_dir("broken");
    for (what, break_it, validator) in cases {
        let mut input = valid_input();
        break_it(&mut input);
        let path = dir.join("broken.json");
        std::fs::write(&path, serde_json::to_string_pretty(&input).unwrap()).unwrap();
        let (problems, passed) = validate(&python, &[path]);
        assert!(!passed, "{what}: accepted");
        assert!(
            problems.iter().any(|p| p["validator"] == validator),
            "{what}: not refused by {validator}: {}",
            serde_json::to_string_pretty(&problems).unwrap()
        );
    }
}

/// A value a shell would run, were it in the code.
const HOSTILE_VALUE: &str = "$(touch CANARY) `touch CANARY` '\" \\ #{codebuild.x}";

#[test]
fn shell_commands_carry_their_values_in_the_actions_variables() {
    let dir = scratch_dir("shell-values");
    let pipe = support::shell_values_pipe(&dir, HOSTILE_VALUE);
    let output = pipec(&["--today", TODAY, "compile", pipe.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let plan = pipec::export::plan_v1::from_json(&String::from_utf8_lossy(&output.stdout)).unwrap();
    let export = codepipeline::export(&plan, &settings());
    let value = serde_json::to_value(&export.value).unwrap();
    let mut ran = 0;
    for stage in value["pipeline"]["stages"].as_array().unwrap() {
        for action in stage["actions"].as_array().unwrap() {
            let Some(variables) = action["configuration"]["EnvironmentVariables"].as_str() else {
                continue;
            };
            let variables: Vec<Value> = serde_json::from_str(variables).unwrap();
            let variable = |name: &str| {
                variables
                    .iter()
                    .find(|variable| variable["name"] == name)
                    .map(|variable| variable["value"].as_str().unwrap().to_string())
            };
            let command = variable("PIPEC_COMMAND").unwrap();
            let carried = variable("PIPEC_VALUE_1").or_else(|| variable("PIPEC_ARG_1"));
            assert_eq!(carried.as_deref(), Some(HOSTILE_VALUE), "{command}");
            assert!(!command.contains("CANARY"), "{command}");
            // The project's buildspec runs the command with the action's
            // variables in its environment.
            let output = Command::new("sh")
                .args(["-c", &command])
                .env("PIPEC_VALUE_1", HOSTILE_VALUE)
                .env("PIPEC_ARG_1", HOSTILE_VALUE)
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            ran += 1;
        }
    }
    assert_eq!(ran, 3, "the build and the two tests");
    for file in ["build.out", "test.out", "argv.out"] {
        assert_eq!(
            std::fs::read_to_string(dir.join(file)).unwrap(),
            HOSTILE_VALUE
        );
    }
    assert!(!dir.join("CANARY").exists(), "a value ran");
    assert_validators_accept(&dir.join("shell.json"), &export.value);
}

/// The plan of `support::env_pipe` in `dir`, as `pipec compile` writes it.
fn env_plan(dir: &Path, build_env: &str) -> (PathBuf, pipec::export::plan_v1::PlanV1) {
    let pipe = support::env_pipe(dir, build_env);
    let output = pipec(&["--today", TODAY, "compile", pipe.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let plan = pipec::export::plan_v1::from_json(&String::from_utf8_lossy(&output.stdout)).unwrap();
    (pipe, plan)
}

/// The `EnvironmentVariables` of the action of the step whose
/// `PIPEC_STEP` is `step`, by name: (type, value).
fn codebuild_variables(export: &codepipeline::Export, step: &str) -> Vec<(String, String, String)> {
    let value = serde_json::to_value(&export.value).unwrap();
    for stage in value["pipeline"]["stages"].as_array().unwrap() {
        for action in stage["actions"].as_array().unwrap() {
            let Some(variables) = action["configuration"]["EnvironmentVariables"].as_str() else {
                continue;
            };
            let variables: Vec<Value> = serde_json::from_str(variables).unwrap();
            if !variables
                .iter()
                .any(|v| v["name"] == "PIPEC_STEP" && v["value"] == step)
            {
                continue;
            }
            return variables
                .iter()
                .map(|v| {
                    let text = |key: &str| v[key].as_str().unwrap().to_string();
                    (text("name"), text("type"), text("value"))
                })
                .collect();
        }
    }
    panic!("no CodeBuild action for {step}");
}

#[test]
fn env_values_are_codebuild_variables_and_what_is_not_carried_warns() {
    let dir = scratch_dir("env");
    let (pipe, plan) = env_plan(&dir, "");
    let export = codepipeline::export(&plan, &settings());
    let plain =
        |name: &str, value: &str| (name.to_string(), "PLAINTEXT".to_string(), value.to_string());
    let build = codebuild_variables(&export, "build/bundle");
    assert!(build.contains(&plain("LEVEL", "info")), "{build:?}");
    assert!(
        build.contains(&plain("NOTE", "${{ github.token }} it's")),
        "{build:?}"
    );
    assert!(
        !build.iter().any(|(name, ..)| name == "SIGNING"),
        "{build:?}"
    );
    let smoke = codebuild_variables(&export, "beta/test/smoke");
    assert!(smoke.contains(&plain("TARGET", "beta")), "{smoke:?}");

    let found: Vec<(Code, &str)> = export
        .findings
        .iter()
        .map(|f| (f.diagnostic.code, f.diagnostic.message.as_str()))
        .collect();
    // The build's secret: a variable of the runner's environment.
    let secret: Vec<_> = found
        .iter()
        .filter(|(code, _)| *code == Code::CODEPIPELINE_ENV_DROPPED)
        .collect();
    assert_eq!(secret.len(), 1, "{found:#?}");
    for name in ["`build/bundle`", "`SIGNING`", "`SIGNING_KEY`"] {
        assert!(secret[0].1.contains(name), "{}", secret[0].1);
    }
    // Each deploy's commands and their env: no deploy action runs them.
    let deploys: Vec<_> = found
        .iter()
        .filter(|(code, message)| {
            *code == Code::CODEPIPELINE_DEPLOY_APPROXIMATED && message.contains("`./undo.sh`")
        })
        .collect();
    assert_eq!(deploys.len(), 3, "{found:#?}");
    assert!(
        deploys[0].1.contains("`beta/lab-east-1/deploy`")
            && deploys[0].1.contains("`./deploy.sh 'beta box'`")
            && deploys[0].1.contains("2 `env` entries"),
        "{}",
        deploys[0].1
    );
    assert!(
        export
            .findings
            .iter()
            .filter(|f| f.is_lossy())
            .all(|f| f.at.is_some())
    );

    // On the command line: warnings at the steps' lines, errors with
    // `--deny-lossy`.
    let args = export_args(pipe.to_str().unwrap());
    let output = pipec(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[P0908]") && stderr.contains("env.pipe:8:3"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning[P0907]") && stderr.contains("env.pipe:9:3"),
        "{stderr}"
    );
    let mut denied = args.to_vec();
    denied.push("--deny-lossy");
    let output = pipec(&denied);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.contains("error[P0908]") && stderr.contains("error[P0907]"),
        "{stderr}"
    );

    assert_validators_accept(&dir.join("env.json"), &export.value);
}

#[test]
fn a_configuration_value_longer_than_the_api_takes_is_a_quota_error() {
    let dir = scratch_dir("env-long");
    let (_, mut plan) = env_plan(&dir, "");
    let mut with_pad = |pad: &str| {
        for step in &mut plan.steps {
            if let pipec::export::plan_v1::Params::Build(build) = &mut step.params {
                build.env.insert(
                    "PAD".to_string(),
                    pipec::export::plan_v1::EnvValue::Text(pad.to_string()),
                );
            }
        }
        codepipeline::export(&plan, &settings())
    };
    let length = |export: &codepipeline::Export| {
        serde_json::to_value(&export.value).unwrap()["pipeline"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|stage| stage["actions"].as_array().unwrap().clone())
            .filter_map(|action| {
                action["configuration"]["EnvironmentVariables"]
                    .as_str()
                    .map(|text| text.chars().count())
            })
            .max()
            .unwrap()
    };
    let quota = |export: &codepipeline::Export| {
        export
            .findings
            .iter()
            .filter(|f| f.diagnostic.code == Code::CODEPIPELINE_QUOTA)
            .map(|f| f.diagnostic.clone())
            .collect::<Vec<_>>()
    };
    let empty = length(&with_pad(""));
    // Exactly the limit: exported, and the model agrees.
    let at_limit = with_pad(&"é".repeat(1000 - empty));
    assert_eq!(length(&at_limit), 1000);
    assert!(quota(&at_limit).is_empty(), "{:#?}", quota(&at_limit));
    // One character more: an error naming the step and the key.
    let over = with_pad(&"é".repeat(1001 - empty));
    let errors = quota(&over);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].is_error());
    assert!(
        errors[0].message.contains("`build/bundle`")
            && errors[0]
                .message
                .contains("`EnvironmentVariables` is 1001 characters"),
        "{}",
        errors[0].message
    );
    // `pipec explain P0906` names this limit too.
    let explanation = Code::CODEPIPELINE_QUOTA.doc().unwrap().explanation;
    assert!(explanation.contains("1000 characters"), "{explanation}");
    let Some(python) = python() else { return };
    let fits = dir.join("fits.json");
    std::fs::write(&fits, serde_json::to_string(&at_limit.value).unwrap()).unwrap();
    let (problems, passed) = validate(&python, &[fits]);
    assert!(problems.is_empty() && passed, "{problems:#?}");
    let too_long = dir.join("too-long.json");
    std::fs::write(&too_long, serde_json::to_string(&over.value).unwrap()).unwrap();
    let (problems, passed) = validate(&python, &[too_long]);
    assert!(!passed);
    assert!(
        problems.iter().any(|p| p["validator"] == "model"),
        "{problems:#?}"
    );
}

/// A pipeline whose one-region `beta` stage deploys, tests and bakes
/// behind an alarm blocker, and whose one-region first wave asks for an
/// approval; `beta` deploys to `region`.
fn tested_and_approved_pipe(region: &str) -> String {
    format!(
        r#"import "std/aws"
pipeline st {{
  platform = ecs
  source code = git("https://example.com/shop/st.git", branch: "main") {{ require review }}
  build bundle from code {{ run = "make" }}
  stage beta {{
    regions = [{region}]
    rollback on ALARM("Beta_Errors")
    block on ALARM("Beta_Blocked")
    deploy bundle
    test integration {{ run = "make it" }}
    bake = 1h
  }}
  production {{
    registry = aws
    rollback on ALARM("Prod_Errors")
    onebox {{ bake = 1h }}
    wave first {{ regions = [ap-east-1]; by az; bake = 12h; require approval("qa") }}
    wave rest {{ regions = rest; bake = 2h }}
  }}
}}
"#
    )
}

/// Tests and approvals run in the pipeline's region, so they have no
/// region of their own: a stage that deploys to one region and also tests
/// or asks for an approval still deploys to one region. Its alarm rules
/// are checked there, and it is not reported as spanning regions.
#[test]
fn tests_and_approvals_leave_a_one_region_stage_one_region() {
    for region in ["eu-west-1", "us-east-1"] {
        let dir = scratch_dir(&format!("one-region-{region}"));
        std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
        let pipe = dir.join("st.pipe");
        std::fs::write(&pipe, tested_and_approved_pipe(region)).unwrap();
        let output = pipec(&export_args(pipe.to_str().unwrap()));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("P0901"), "{stderr}");
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        let stages = value["pipeline"]["stages"].as_array().unwrap();
        let stage = |name: &str| {
            stages
                .iter()
                .find(|stage| stage["name"] == name)
                .unwrap_or_else(|| panic!("no stage {name} in {stages:#?}"))
        };
        let rules = |name: &str, condition: &str| -> Vec<(String, Value)> {
            stage(name)[condition]["conditions"][0]["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|rule| {
                    (
                        rule["name"].as_str().unwrap().to_string(),
                        rule["region"].clone(),
                    )
                })
                .collect()
        };
        // The stages really hold actions without a region.
        let categories = |name: &str| -> Vec<String> {
            stage(name)["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|action| action["region"].is_null())
                .map(|action| {
                    action["actionTypeId"]["category"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        assert_eq!(categories("beta"), ["Test"]);
        assert_eq!(categories("production-first-2"), ["Approval"]);
        assert_eq!(
            rules("beta", "onSuccess"),
            [("bake.Beta_Errors".to_string(), json!(region))]
        );
        assert_eq!(
            rules("beta", "beforeEntry"),
            [("blocker.Beta_Blocked".to_string(), json!(region))]
        );
        assert_eq!(
            rules("production-first-2", "onSuccess"),
            [("bake.Prod_Errors".to_string(), json!("ap-east-1"))]
        );
        // Only the wave that does span regions is reported.
        let spanning: Vec<&str> = stderr
            .lines()
            .filter(|line| line.starts_with("warning[P0905]"))
            .collect();
        assert!(
            spanning
                .iter()
                .all(|line| line.contains("`production-rest-")),
            "{spanning:#?}"
        );
        assert!(!spanning.is_empty(), "{stderr}");
        assert_eq!(
            rules("production-rest-2", "onSuccess"),
            [("bake.Prod_Errors".to_string(), Value::Null)]
        );
        assert_validators_accept(&dir.join("st.json"), &value);
    }
}

/// A stage `beta` in us-east-1 whose rollback alarm and blocker are the
/// given expressions.
fn alarmed_pipe(rollback: &str, blocker: &str) -> String {
    format!(
        r#"import "std/aws"
pipeline al {{
  platform = ecs
  source code = git("https://example.com/shop/al.git", branch: "main") {{ require review }}
  build bundle from code {{ run = "make" }}
  stage beta {{
    regions = [us-east-1]
    rollback on {rollback}
    block on {blocker}
    deploy bundle
    bake = 1h
  }}
  production {{
    registry = aws
    rollback on ALARM("Prod_Errors")
    onebox {{ bake = 1h }}
    wave first {{ regions = [ap-east-1]; by az; bake = 12h }}
    wave rest {{ regions = rest; bake = 2h }}
  }}
}}
"#
    )
}

/// A stage whose `beforeEntry` and `onSuccess` both need more than five
/// rules is told of the rules each drops, not only the first's.
#[test]
fn rules_dropped_from_both_conditions_of_a_stage_are_each_reported() {
    let dir = scratch_dir("both-conditions-full");
    std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
    let pipe = dir.join("al.pipe");
    let alarms = |prefix: &str| -> String {
        (1..=6)
            .map(|n| format!("ALARM(\"{prefix}{n}\")"))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    std::fs::write(&pipe, alarmed_pipe(&alarms("Bake_"), &alarms("Block_"))).unwrap();
    let output = pipec(&export_args(pipe.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let beta: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning[P0905]: stage `beta` needs"))
        .collect();
    assert_eq!(beta.len(), 2, "{stderr}");
    assert!(
        beta[0].contains("`beforeEntry` condition")
            && beta[0].ends_with("blocker.Block_6 is dropped"),
        "{beta:#?}"
    );
    assert!(
        beta[1].contains("`onSuccess` condition") && beta[1].ends_with("bake.Bake_6 is dropped"),
        "{beta:#?}"
    );
}

/// As `pipec explain P0905` says: an alarm that is not a plain OR of
/// alarms gets no rule, so the whole alarm goes unwatched, not part of
/// it: the blocker holds nothing back, and a bake watching only that
/// alarm does not wait. A plain OR becomes one rule per alarm.
#[test]
fn an_alarm_that_is_not_a_plain_or_is_not_watched_at_all() {
    let export = |rollback: &str, blocker: &str| -> (Value, String) {
        let dir = scratch_dir("not-a-plain-or");
        std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
        let pipe = dir.join("al.pipe");
        std::fs::write(&pipe, alarmed_pipe(rollback, blocker)).unwrap();
        let output = pipec(&export_args(pipe.to_str().unwrap()));
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        let beta = value["pipeline"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|stage| stage["name"] == "beta")
            .unwrap_or_else(|| panic!("no stage beta in {value:#}"))
            .clone();
        (beta, stderr)
    };
    let rule_names = |stage: &Value, condition: &str| -> Vec<String> {
        stage[condition]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|condition| condition["rules"].as_array().unwrap().iter())
            .map(|rule| rule["name"].as_str().unwrap().to_string())
            .collect()
    };

    let (beta, stderr) = export(
        r#"ALARM("Beta_A") or ALARM("Beta_B")"#,
        r#"ALARM("Beta_C") or ALARM("Beta_D")"#,
    );
    assert!(!stderr.contains("not a plain OR"), "{stderr}");
    assert_eq!(
        rule_names(&beta, "beforeEntry"),
        ["blocker.Beta_C", "blocker.Beta_D"]
    );
    assert_eq!(
        rule_names(&beta, "onSuccess"),
        ["bake.Beta_A", "bake.Beta_B"]
    );

    let (beta, stderr) = export(
        r#"ALARM("Beta_A") and ALARM("Beta_B")"#,
        r#"ALARM("Beta_C") and not ALARM("Beta_D")"#,
    );
    let unwatched: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning[P0905]") && line.contains("not a plain OR"))
        .collect();
    assert_eq!(unwatched.len(), 2, "{stderr}");
    assert!(
        unwatched
            .iter()
            .all(|line| line.ends_with("it is not watched")),
        "{unwatched:#?}"
    );
    // Neither alarm has a rule: the stage is not held back, and its bake
    // has nothing to wait through.
    assert_eq!(rule_names(&beta, "beforeEntry"), Vec::<String>::new());
    assert_eq!(rule_names(&beta, "onSuccess"), Vec::<String>::new());
    assert!(!beta.to_string().contains("WaitTime"), "{beta:#}");

    let explanation = Code::CODEPIPELINE_ALARM_APPROXIMATED
        .doc()
        .unwrap()
        .explanation;
    assert!(
        explanation.contains("the whole alarm is unwatched")
            && explanation.contains("does not wait"),
        "{explanation}"
    );
}

/// A one-region first wave baking 30m after each AZ, then 2h as a wave,
/// and a wide last wave, all rolling back on `rollback`.
fn baked_after_each_az_pipe(rollback: &str) -> String {
    format!(
        r#"import "std/aws"
pipeline bk {{
  platform = ecs
  source code = git("https://example.com/shop/bk.git", branch: "main") {{ require review }}
  build bundle from code {{ run = "make" }}
  production {{
    registry = aws
    rollback on {rollback}
    wave first {{ regions = [ap-east-1]; by az {{ bake = 30m }}; bake = 2h }}
    wave rest {{ regions = rest; bake = 2h }}
  }}
}}
"#
    )
}

/// The wave's bake follows the last AZ's bake with nothing in between, so
/// it ends the last AZ's stage too. The rules of a condition are evaluated
/// together: the stage holds for both bakes, 30m and then 2h, only if its
/// rule waits 150 minutes, not if a second rule on the same alarm waits
/// 120 alongside the first one's 30.
#[test]
fn a_bake_right_after_another_adds_its_wait_to_the_stages() {
    let dir = scratch_dir("bake-after-bake");
    std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
    let pipe = dir.join("bk.pipe");
    std::fs::write(&pipe, baked_after_each_az_pipe(r#"ALARM("Prod_Errors")"#)).unwrap();
    let output = pipec(&export_args(pipe.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let stages = value["pipeline"]["stages"].as_array().unwrap();
    let waits = |name: &str| -> Vec<(String, String, Value)> {
        let stage = stages
            .iter()
            .find(|stage| stage["name"] == name)
            .unwrap_or_else(|| panic!("no stage {name} in {stages:#?}"));
        stage["onSuccess"]["conditions"][0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| {
                (
                    rule["configuration"]["AlarmName"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    rule["configuration"]["WaitTime"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    rule["region"].clone(),
                )
            })
            .collect()
    };
    let az = |minutes: &str| {
        vec![(
            "Prod_Errors".to_string(),
            minutes.to_string(),
            json!("ap-east-1"),
        )]
    };
    assert_eq!(waits("production-first-1"), az("30"));
    assert_eq!(waits("production-first-2"), az("30"));
    assert_eq!(waits("production-first-3"), az("150"));
    assert_eq!(
        stages
            .iter()
            .filter(|s| s["name"] == "production-first-4")
            .count(),
        0
    );
}

/// A wide wave whose rollback alarm gets no rule checks no alarm in any
/// region: the alarm is reported as not watched, and the stage is not also
/// reported as checking its alarms in the pipeline's region only.
#[test]
fn a_wide_wave_whose_alarm_gets_no_rule_is_not_said_to_check_it_elsewhere() {
    let dir = scratch_dir("wide-unwatched");
    std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
    let pipe = dir.join("bk.pipe");
    let rollback = r#"ALARM("Prod_A") and ALARM("Prod_B")"#;
    std::fs::write(&pipe, baked_after_each_az_pipe(rollback)).unwrap();
    let output = pipec(&export_args(pipe.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let p0905: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning[P0905]"))
        .collect();
    assert_eq!(p0905.len(), 1, "{stderr}");
    assert!(p0905[0].ends_with("it is not watched"), "{p0905:#?}");
    assert!(!stderr.contains("deploys to several regions"), "{stderr}");
}
