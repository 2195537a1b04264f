//! `pipec diff` on real workspaces: a change to a shared template reaches
//! every pipeline that inherits it, with the provenance of the new value;
//! policy results and rollout times are compared; `--git` compares a
//! revision with the working tree; exit codes follow `git diff`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pipec(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .current_dir(dir)
        .args(["--today", "2026-11-22", "--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A scratch directory holding `base/` and `head/`, two copies of the
/// sample workspace.
fn two_samples(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for side in ["base", "head"] {
        copy_dir(Path::new("examples/sample"), &dir.join(side));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Replaces `from` with `to` in `file`, which must contain it.
fn edit(file: &Path, from: &str, to: &str) {
    let source = std::fs::read_to_string(file).unwrap();
    assert!(source.contains(from), "{} has no {from:?}", file.display());
    std::fs::write(file, source.replacen(from, to, 1)).unwrap();
}

/// Two regions in the second wave of the sample in `side` break
/// `small-first-waves` (the second high-traffic region leaves the third
/// wave for it).
fn break_small_first_waves(side: &Path) {
    let team = side.join("team/service.pipe");
    edit(
        &team,
        "regions = aws where traffic == high take 1; by az; bake = 4h",
        "regions = aws where traffic == high take 2; by az; bake = 4h",
    );
    edit(
        &team,
        "[us-west-2, eu-west-1, ap-northeast-1]",
        "[us-west-2, ap-northeast-1]",
    );
}

/// The `load-test` findings a JSON diff report lists as `side` (`added`
/// or `removed`).
fn load_test_findings<'r>(report: &'r Value, side: &str) -> impl Iterator<Item = &'r Value> {
    report["policy"][side]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            finding["message"]
                .as_str()
                .unwrap()
                .starts_with("[load-test]")
        })
}

/// The line of `needle` in `file`, one-based.
fn line_of(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|line| line.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn a_template_change_is_reported_for_every_pipeline_that_inherits_it() {
    let dir = two_samples("template");
    let team = dir.join("head/team/service.pipe");
    edit(
        &team,
        "new wave second { regions = aws where traffic == high take 1; by az; bake = 4h }",
        "new wave second { regions = aws where traffic == high take 1; by az; bake = 6h }",
    );
    edit(
        &team,
        "[us-west-2, eu-west-1, ap-northeast-1]",
        "[us-west-2, ap-northeast-1]",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format_version"], "1");
    assert_eq!(report["changed"], true);
    let pipelines = report["pipelines"].as_array().unwrap();
    let names: Vec<&str> = pipelines
        .iter()
        .map(|pipeline| pipeline["pipeline"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders_api", "payments_worker"]);
    let bake_line = line_of(&team, "new wave second");
    for pipeline in pipelines {
        let changes = pipeline["changes"].as_array().unwrap();
        let bake = changes
            .iter()
            .find(|change| change["subject"] == "production/second/bake")
            .unwrap_or_else(|| panic!("no bake change in {pipeline}"));
        assert_eq!(bake["what"], "bake 4h → 6h");
        // The new value's provenance is the template, in the head tree.
        assert_eq!(bake["provenance"]["file"], "head/team/service.pipe");
        assert_eq!(bake["provenance"]["line"], bake_line);
        let moved = changes
            .iter()
            .find(|change| change["kind"] == "region-moved" && change["subject"] == "eu-west-1")
            .unwrap_or_else(|| panic!("eu-west-1 did not move in {pipeline}"));
        assert_eq!(moved["what"], "moved from wave `third` to wave `fourth`");
        // A moved region is one change, not a list of its steps.
        assert!(
            changes
                .iter()
                .all(|change| !change["subject"].as_str().unwrap().contains("/eu-west-1/")),
            "{changes:#?}"
        );
        // Both sides were simulated from the same start.
        let rollout = &pipeline["rollout"];
        assert!(rollout["before_seconds"].as_i64().unwrap() > 0);
        assert!(
            rollout["after_seconds"].as_i64().unwrap()
                >= rollout["before_seconds"].as_i64().unwrap()
        );
    }
    // `--exit-code` says there are changes; the Markdown names both.
    let output = pipec(
        &dir,
        &[
            "diff",
            "base",
            "head",
            "--format",
            "markdown",
            "--exit-code",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(markdown.starts_with("### pipec diff\n"));
    assert!(markdown.contains("| `orders_api` | changed |"));
    assert!(markdown.contains("| `payments_worker` | changed |"));
}

#[test]
fn a_steps_changed_rollback_alarm_comes_from_the_rollback_on_that_chose_it() {
    let dir = two_samples("rollback-alarm");
    let service = dir.join("head/services/orders_api.pipe");
    edit(
        &service,
        "ALARM(\"OrdersApi_High_Fault_Rate\")",
        "ALARM(\"OrdersApi_Fault_Rate\")",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let org = dir.join("head/org.pipe");
    let rollback_ons = [
        line_of(&org, "final rollback on high_severity"),
        line_of(&org, "rollback on onebox"),
    ];
    let pipelines = report["pipelines"].as_array().unwrap();
    let orders = pipelines
        .iter()
        .find(|pipeline| pipeline["pipeline"] == "orders_api")
        .unwrap();
    let steps: Vec<&Value> = orders["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| {
            change["kind"] == "step-changed"
                && change["what"]
                    .as_str()
                    .unwrap()
                    .starts_with("rollback alarm")
        })
        .collect();
    assert!(!steps.is_empty(), "{orders:#}");
    // Each step names the `rollback on` that guards it (production's, or
    // the one-box's, whose alarm includes the one changed), not the step
    // (its wave, its bake) nor the service binding the alarm.
    let mut lines = std::collections::BTreeSet::new();
    for change in &steps {
        assert_eq!(change["provenance"]["file"], "head/org.pipe", "{change:#}");
        lines.insert(change["provenance"]["line"].as_u64().unwrap() as usize);
    }
    assert_eq!(lines.into_iter().collect::<Vec<_>>(), rollback_ons);
}

#[test]
fn identical_workspaces_have_no_changes() {
    let dir = two_samples("same");
    // A comment and a blank line move every line below: still no change.
    let org = dir.join("head/org.pipe");
    let source = std::fs::read_to_string(&org).unwrap();
    std::fs::write(&org, format!("// moved down\n\n{source}")).unwrap();
    let output = pipec(&dir, &["diff", "base", "head", "--exit-code"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "no changes to any pipeline or policy result\n"
    );
}

#[test]
fn policy_results_are_compared() {
    let dir = two_samples("policy");
    break_small_first_waves(&dir.join("head"));
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let added = report["policy"]["added"].as_array().unwrap();
    assert!(
        added.iter().any(|finding| finding["code"] == "P0801"
            && finding["message"]
                .as_str()
                .unwrap()
                .contains("small-first-waves")),
        "{added:#?}"
    );
    assert_eq!(report["policy"]["removed"], serde_json::json!([]));
    // The text report lists them under their own heading, once.
    let output = pipec(&dir, &["diff", "base", "head"]);
    let report = text(&output.stdout);
    assert_eq!(report.matches("policy results\n").count(), 1, "{report}");
    assert!(
        report.contains("policy results\n  + warning[P0801] [small-first-waves]"),
        "{report}"
    );
}

#[test]
fn a_side_that_does_not_compile_is_an_error() {
    let dir = two_samples("broken");
    edit(&dir.join("head/org.pipe"), "bake = 1h", "bake = 33%");
    let output = pipec(&dir, &["diff", "base", "head"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("P0701"), "{stderr}");
    assert!(
        stderr.contains("the head side does not compile"),
        "{stderr}"
    );
}

/// Only findings (`P0801`) are compared, errors of `deny` rules included;
/// an error in a policy itself, such as a rule the catalogue does not have
/// (`P0802`), stops the side compiling like any other error.
#[test]
fn an_error_in_a_policy_is_not_a_finding() {
    let dir = two_samples("policy-error");
    let org = dir.join("head/org.pipe");
    edit(
        &org,
        "warn  gamma-multi-region, first-wave-by-az, load-test",
        "warn  gamma-multi-region, first-wave-by-az, load-test, onebox-firts",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("P0802"), "{stderr}");
    assert!(
        stderr.contains("the head side does not compile"),
        "{stderr}"
    );

    // A finding that `deny` makes an error is still a finding.
    let dir = two_samples("policy-deny");
    break_small_first_waves(&dir.join("head"));
    edit(
        &dir.join("head/org.pipe"),
        "deny  code-review,",
        "deny  small-first-waves, code-review,",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let added = report["policy"]["added"].as_array().unwrap();
    assert!(
        added.iter().any(|finding| finding["code"] == "P0801"
            && finding["severity"] == "error"
            && finding["message"]
                .as_str()
                .unwrap()
                .contains("small-first-waves")),
        "{added:#?}"
    );
}

#[test]
fn git_compares_a_revision_with_the_working_tree() {
    let dir = two_samples("git");
    let repo = dir.join("base");
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .current_dir(&repo)
            .args([
                "-c",
                "user.name=pipec",
                "-c",
                "user.email=pipec@example.com",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            text(&output.stderr)
        );
    };
    git(&["init", "--quiet"]);
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "sample"]);
    edit(&repo.join("org.pipe"), "bake = 1h", "bake = 2h");
    let output = pipec(&repo, &["diff", "--git", "HEAD", "--exit-code"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report = text(&output.stdout);
    assert!(report.contains("pipeline orders_api (changed)"), "{report}");
    assert!(report.contains("bake 1h → 2h"), "{report}");
    // File names are the same on both sides: the working tree's.
    assert!(report.contains("(org.pipe:"), "{report}");
    // An unknown revision is an error.
    let output = pipec(&repo, &["diff", "--git", "no-such-revision"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("revision `no-such-revision` not found"),
        "{}",
        text(&output.stderr)
    );
}

/// With colour, the text report colours lines as `git diff` does: a
/// change yellow, and the pipeline heading bold; without, no escapes.
#[test]
fn the_text_report_is_coloured_when_asked() {
    let dir = two_samples("colour");
    edit(
        &dir.join("head/team/service.pipe"),
        "new wave second { regions = aws where traffic == high take 1; by az; bake = 4h }",
        "new wave second { regions = aws where traffic == high take 1; by az; bake = 6h }",
    );
    let run = |color: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
            .current_dir(&dir)
            .args([
                "diff",
                "base",
                "head",
                "--today",
                "2026-11-22",
                "--color",
                color,
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    let coloured = run("always");
    assert!(
        coloured.contains("\u{1b}[33m  ~ production/second/bake: bake 4h → 6h"),
        "{coloured}"
    );
    assert!(
        coloured.contains("\u{1b}[1mpipeline orders_api (changed)\u{1b}[0m"),
        "{coloured}"
    );
    let plain = run("never");
    assert!(!plain.contains('\u{1b}'), "{plain}");
}

/// A whole pipeline added or removed is one change counting its steps,
/// with no place; the other changes carry the new value's place.
#[test]
fn a_pipeline_added_or_removed_is_one_change() {
    let dir = two_samples("whole");
    std::fs::remove_file(dir.join("base/services/payments_worker.pipe")).unwrap();
    std::fs::remove_file(dir.join("head/services/orders_api.pipe")).unwrap();
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let pipelines = report["pipelines"].as_array().unwrap();
    assert_eq!(pipelines.len(), 2, "{pipelines:#?}");
    for (name, status, kind, what) in [
        (
            "orders_api",
            "removed",
            "pipeline-removed",
            "pipeline removed, ",
        ),
        (
            "payments_worker",
            "added",
            "pipeline-added",
            "new pipeline, ",
        ),
    ] {
        let pipeline = pipelines
            .iter()
            .find(|pipeline| pipeline["pipeline"] == name)
            .unwrap_or_else(|| panic!("no {name} in {pipelines:#?}"));
        assert_eq!(pipeline["status"], status);
        let changes = pipeline["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0]["kind"], kind);
        assert_eq!(changes[0]["subject"], name);
        let described = changes[0]["what"].as_str().unwrap();
        assert!(
            described.starts_with(what) && described.ends_with(" steps"),
            "{described}"
        );
        assert!(changes[0].get("provenance").is_none(), "{changes:#?}");
    }
}

/// The same message about another pipeline is another finding: one
/// pipeline gaining a load test and another losing its exemption from
/// `load-test` removes one finding and adds one, each naming its pipeline.
#[test]
fn a_finding_about_another_pipeline_is_another_finding() {
    let dir = two_samples("other-pipeline");
    let base_orders = dir.join("base/services/orders_api.pipe");
    edit(
        &base_orders,
        "new test load { run = \"make load-test RATE=2x-peak\"; timeout = 30m }",
        "",
    );
    edit(
        &dir.join("head/org.pipe"),
        "exempt payments_worker from load-test",
        "exempt orders_api from load-test",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let load_test = |side: &str| -> Vec<Value> {
        load_test_findings(&report, side)
            .map(|finding| finding["pipelines"].clone())
            .collect()
    };
    assert_eq!(load_test("added"), [serde_json::json!(["payments_worker"])]);
    assert_eq!(load_test("removed"), [serde_json::json!(["orders_api"])]);
    let output = pipec(&dir, &["diff", "base", "head"]);
    let report = text(&output.stdout);
    assert!(
        report.contains(
            "  + warning[P0801] [load-test] no load test runs before production (pipeline `payments_worker`, head/services/payments_worker.pipe:"
        ),
        "{report}"
    );
}

/// A rule moved from `warn` to `deny` turns its finding into an error that
/// stops the build: the diff lists it, removed as a warning and added as
/// an error, though its message and place are the same.
#[test]
fn a_finding_whose_rule_became_deny_is_listed_at_both_severities() {
    let dir = two_samples("warn-to-deny");
    for side in ["base", "head"] {
        edit(
            &dir.join(side).join("services/orders_api.pipe"),
            "new test load { run = \"make load-test RATE=2x-peak\"; timeout = 30m }",
            "",
        );
    }
    edit(
        &dir.join("head/org.pipe"),
        "warn  gamma-multi-region, first-wave-by-az, load-test",
        "warn  gamma-multi-region, first-wave-by-az\n  deny  load-test",
    );
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let load_test = |side: &str| -> Vec<(String, Value)> {
        load_test_findings(&report, side)
            .map(|finding| {
                (
                    finding["severity"].as_str().unwrap().to_string(),
                    finding["pipelines"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        load_test("removed"),
        [("warning".to_string(), serde_json::json!(["orders_api"]))]
    );
    assert_eq!(
        load_test("added"),
        [("error".to_string(), serde_json::json!(["orders_api"]))]
    );
}

/// The README's `pipec diff` example, after the edit it describes, is what
/// `pipec diff` prints: each line it shows, in order, with `...` for any
/// run of lines and the rollout times (which depend on `--today`) left
/// open.
#[test]
fn the_readme_example_is_what_diff_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let marker = "$ pipec diff --git origin/main    # after editing the sample's team template\n";
    let start = readme.find(marker).unwrap() + marker.len();
    let shown: Vec<&str> = readme[start..start + readme[start..].find("```").unwrap()]
        .lines()
        .collect();
    let dir = two_samples("readme");
    let team = dir.join("head/team/service.pipe");
    edit(
        &team,
        "take 1; by az; bake = 4h }",
        "take 1; by az; bake = 6h }",
    );
    edit(
        &team,
        "[us-west-2, eu-west-1, ap-northeast-1]",
        "[us-west-2, ap-northeast-1]",
    );
    // From the head tree, as `--git` reports it: paths relative to it.
    let output = pipec(&dir.join("head"), &["diff", "../base", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    let actual: Vec<&str> = printed.lines().collect();
    fn matches(shown: &[&str], actual: &[&str]) -> bool {
        match shown.split_first() {
            None => actual.is_empty(),
            Some((first, rest)) if first.trim() == "..." => {
                (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
            }
            Some((first, rest)) => {
                actual.first().is_some_and(|line| {
                    line == first
                        || (first.starts_with("  rollout: <") && line.starts_with("  rollout: "))
                }) && matches(rest, &actual[1..])
            }
        }
    }
    assert!(
        matches(&shown, &actual),
        "README.md shows:\n{}\npipec diff printed:\n{printed}",
        shown.join("\n")
    );
}

/// A value a service overrides is reported where the service sets it, not
/// at the template member that made the step: the place of the new value.
#[test]
fn a_changed_value_is_reported_where_the_new_value_is_set() {
    let dir = two_samples("value-place");
    let service = dir.join("head/services/orders_api.pipe");
    edit(
        &service,
        "    wave first { bake = 24h }\n",
        "    wave first { bake = 24h }\n    strategy = rolling(batch: 25%, min_healthy: 75%)\n",
    );
    let line = line_of(&service, "strategy = rolling");
    let output = pipec(&dir, &["diff", "base", "head", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let orders = report["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pipeline| pipeline["pipeline"] == "orders_api")
        .unwrap();
    let deploys: Vec<&Value> = orders["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| {
            change["what"]
                .as_str()
                .unwrap()
                .contains("\"min_healthy_percent\":75")
        })
        .collect();
    assert!(!deploys.is_empty(), "{orders:#}");
    for change in deploys {
        assert_eq!(
            change["provenance"]["file"], "head/services/orders_api.pipe",
            "{change}"
        );
        assert_eq!(change["provenance"]["line"], line, "{change}");
    }
}
