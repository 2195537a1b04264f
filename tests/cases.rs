//! Data-driven cases: every `tests/cases/**/*.pipe` is checked; its
//! `// expect:` header must match the codes and places produced, and the
//! rendered diagnostics are snapshotted next to the source. Policy findings
//! (`P0801`) are asserted only by the cases under `tests/cases/policies/`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::diagnostics::Code;
use std::collections::BTreeSet;

#[test]
fn cases() {
    let mut mismatches: Vec<String> = Vec::new();
    insta::glob!("cases/**/*.pipe", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut checked = support::check_fixture(&name, &text);
        // Policy findings are the subject of `tests/cases/policies/` only:
        // every pipeline meets the default-level rules, and elsewhere they
        // would bury what a case is about.
        if !path.components().any(|part| part.as_os_str() == "policies") {
            checked
                .diagnostics
                .retain(|diagnostic| diagnostic.code != Code::POLICY);
        }
        let expected = support::expectations(&text);
        assert!(
            !expected.is_empty(),
            "{} has no `// expect:` line (write `// expect: ok` for a valid case)",
            path.display()
        );
        let produced = support::produced(&checked);
        if produced != expected {
            mismatches.push(format!(
                "{}\n  expected: {expected:?}\n  produced: {produced:?}\n{}",
                path.display(),
                support::rendered(&checked)
            ));
        }
        let rendered = support::rendered(&checked);
        let shown = if rendered.is_empty() {
            "(no diagnostics)\n".to_string()
        } else {
            rendered
        };
        let snapshot = format!("{text}\n~~~~ diagnostics ~~~~\n{shown}");
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(snapshot);
        });
    });
    assert!(
        mismatches.is_empty(),
        "{} case(s) differ from their `// expect:` lines:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Each diagnostic of every case names its code, points at the place,
/// and ends with a help line (docs/language.md, Diagnostics).
#[test]
fn every_diagnostic_has_a_place_and_a_help_line() {
    let mut missing = Vec::new();
    for path in support::pipe_files_below(std::path::Path::new("tests/cases")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for diagnostic in support::check_fixture(&name, &text).diagnostics {
            let lacks = match (diagnostic.primary_label(), &diagnostic.help) {
                (None, _) => "place",
                (_, None) => "help line",
                _ => continue,
            };
            missing.push(format!(
                "{}: {} `{}` has no {lacks}",
                path.display(),
                diagnostic.code.as_str(),
                diagnostic.message
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every registered code is expected by at least one case, so every code
/// is known to be reachable and its message is on record.
#[test]
fn every_code_has_a_case() {
    let mut expected_codes = BTreeSet::new();
    for entry in support::pipe_files_below(std::path::Path::new("tests/cases")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for expectation in support::expectations(&text) {
            if let Some(code) = expectation.split_whitespace().next() {
                expected_codes.insert(code.to_string());
            }
        }
    }
    // Codes that need bytes a text fixture cannot hold, asserted by
    // tests/robustness.rs (`non_utf8_names_the_byte_offset`,
    // `files_over_the_size_limit_are_refused`,
    // `a_nul_byte_in_a_string_is_an_error_at_the_byte`), and one that needs the
    // `--profile` flag, asserted by tests/compile.rs
    // (`the_emergency_profile_scales_bakes_and_adds_an_approval`).
    let binary_only = [
        Code::NOT_UTF8,
        Code::FILE_TOO_LARGE,
        Code::NUL_IN_STRING,
        Code::UNKNOWN_PROFILE,
    ];
    // Findings of `compile --target`, which `check` never makes:
    // tests/export_codepipeline.rs and tests/export_github_actions.rs
    // produce each one.
    let export_only = [
        Code::CODEPIPELINE_SETTING_MISSING,
        Code::CODEPIPELINE_WINDOW_APPROXIMATED,
        Code::CODEPIPELINE_BAKE_APPROXIMATED,
        Code::CODEPIPELINE_BLOCKER_DROPPED,
        Code::CODEPIPELINE_ALARM_APPROXIMATED,
        Code::CODEPIPELINE_QUOTA,
        Code::CODEPIPELINE_DEPLOY_APPROXIMATED,
        Code::CODEPIPELINE_ENV_DROPPED,
        Code::GHA_DATA_POINTS_DROPPED,
        Code::GHA_ALARM_APPROXIMATED,
        Code::GHA_TIMEOUT_SHORTENED,
        Code::GHA_REVIEW_NOT_ENFORCED,
        Code::GHA_ENV_DROPPED,
    ];
    // Errors of the command line itself: tests/cli.rs produces each one.
    let command_line_only = [
        Code::CLI_NO_SUCH_FILE,
        Code::CLI_CANNOT_READ_OR_WRITE,
        Code::CLI_USAGE,
        Code::CLI_SETTINGS_INVALID,
        Code::CLI_GIT_FAILED,
        Code::CLI_INPUT_INVALID,
        Code::CLI_OUTSIDE_WORKSPACE,
        Code::CLI_WOULD_OVERWRITE,
        Code::CLI_RUN_REFUSED,
    ];
    let missing: Vec<&str> = pipec::diagnostics::ALL_CODES
        .iter()
        .map(|doc| doc.code)
        .filter(|code| {
            !binary_only.contains(code)
                && !export_only.contains(code)
                && !command_line_only.contains(code)
                && !expected_codes.contains(code.as_str())
        })
        .map(Code::as_str)
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case in tests/cases: {missing:?}"
    );
}

/// A strategy's help names the parameter at fault: a rolling batch over
/// 100% is the batch's mistake, even though the rollback batch, left
/// unwritten, defaults to it and is over 100% too. One error, blaming
/// `batch`.
#[test]
fn a_batch_over_the_fleet_is_blamed_on_the_batch() {
    let text = std::fs::read_to_string("tests/cases/types/batch_over_the_fleet.pipe").unwrap();
    let checked = support::check_fixture("batch_over_the_fleet.pipe", &text);
    let strategies: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == Code::INVALID_STRATEGY)
        .collect();
    assert_eq!(strategies.len(), 1, "{}", support::rendered(&checked));
    assert_eq!(
        strategies[0].help.as_deref(),
        Some("`batch` is a share of the fleet: at most 100%"),
        "{}",
        support::rendered(&checked)
    );
    assert!(
        !support::rendered(&checked).contains("rollback_batch"),
        "{}",
        support::rendered(&checked)
    );
}
