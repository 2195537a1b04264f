//! `check --format sarif` output passes the SARIF Multitool's `validate`
//! (the SARIF 2.1.0 schema and its rules, GitHub's included), and a broken
//! log fails the same check, so the check is known to be able to fail.
//!
//! The tool is installed by `scripts/test.sh`, which passes its path in
//! `PIPEC_SARIF_MULTITOOL`. When the variable is set the tool must be
//! there; when it is not (a plain `cargo test`), the test says it did not
//! run.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOOL_VARIABLE: &str = "PIPEC_SARIF_MULTITOOL";

fn multitool() -> Option<PathBuf> {
    let Some(path) = std::env::var_os(TOOL_VARIABLE) else {
        processes::not_run("SARIF validation", &format!("{TOOL_VARIABLE} unset"));
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{TOOL_VARIABLE} names {}, which does not exist",
        path.display()
    );
    Some(path)
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-sarif-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sarif_of(path: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["check", path, "--format", "sarif", "--today", "2026-11-22"])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// One finding of the validator.
#[derive(Debug)]
struct Finding {
    rule: String,
    level: String,
    text: String,
}

/// Runs `validate` on a log and reads the validator's own SARIF log: the
/// tool exits 0 whether or not it finds problems, so its verdict is in the
/// results. A result's level is its own `level`, else its rule's default,
/// else SARIF's default, `warning`.
fn validate(tool: &Path, sarif: &str, dir: &Path, name: &str) -> Vec<Finding> {
    let input = dir.join(format!("{name}.sarif"));
    let verdict = dir.join(format!("{name}.validation.sarif"));
    std::fs::write(&input, sarif).unwrap();
    let output = Command::new(tool)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&verdict)
        .args(["--log", "ForceOverwrite", "--rule-kind", "Gh;Sarif"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "the validator itself failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&verdict).unwrap()).unwrap();
    let run = &log["runs"][0];
    assert_eq!(
        run["invocations"][0]["executionSuccessful"], true,
        "{log:#}"
    );
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results = run["results"].as_array().cloned().unwrap_or_default();
    results
        .iter()
        .map(|result| {
            let rule = rules.iter().find(|rule| rule["id"] == result["ruleId"]);
            let level = result["level"]
                .as_str()
                .or_else(|| rule.and_then(|rule| rule["defaultConfiguration"]["level"].as_str()))
                .unwrap_or("warning");
            Finding {
                rule: result["ruleId"].as_str().unwrap_or_default().to_string(),
                level: level.to_string(),
                text: result["message"].to_string(),
            }
        })
        .collect()
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|finding| finding.level == "error")
        .collect()
}

#[test]
fn our_sarif_passes_the_multitool_and_a_broken_log_does_not() {
    let Some(tool) = multitool() else { return };
    let dir = scratch_dir("validate");

    let broken_fixture = sarif_of("tests/fixtures/unicode.pipe");
    let findings = validate(&tool, &broken_fixture, &dir, "fixture");
    assert!(errors(&findings).is_empty(), "{findings:#?}");

    let examples = sarif_of("examples");
    let log: Value = serde_json::from_str(&examples).unwrap();
    assert!(
        !log["runs"][0]["results"].as_array().unwrap().is_empty(),
        "the examples draw policy warnings, so results are validated too"
    );
    let findings = validate(&tool, &examples, &dir, "examples");
    assert!(errors(&findings).is_empty(), "{findings:#?}");

    // The same check on a log without `version` and with a column written
    // as a string must fail.
    let mut broken: Value = serde_json::from_str(&broken_fixture).unwrap();
    broken.as_object_mut().unwrap().remove("version");
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["endColumn"] =
        Value::String("69".to_string());
    let findings = validate(&tool, &broken.to_string(), &dir, "broken");
    let found = errors(&findings);
    assert_eq!(found.len(), 2, "{findings:#?}");
    assert!(
        found
            .iter()
            .any(|finding| finding.rule == "JSON1002" && finding.text.contains("version")),
        "{findings:#?}"
    );
    assert!(
        found
            .iter()
            .any(|finding| finding.rule == "JSON1001" && finding.text.contains("endColumn")),
        "{findings:#?}"
    );
}
