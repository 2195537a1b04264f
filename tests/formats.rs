//! `pipec check --format`: every machine format on a fixture whose
//! offending lines hold non-ASCII text, so that byte, character and UTF-16
//! columns differ; paths, escaping, fingerprints and determinism.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pipec::diagnostics::formats::{self, Format, Report};
use pipec::diagnostics::{Code, Diagnostic};
use pipec::source::{SourceFile, SourceMap, Span};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const FIXTURE: &str = "tests/fixtures/unicode.pipe";
const FORMATS: [&str; 5] = ["short", "json", "sarif", "github", "gitlab"];

fn pipec_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .args(["--today", "2026-11-22", "--color", "never"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that exits before reading closes the pipe first.
    if let Err(error) = input.write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn pipec(args: &[&str]) -> Output {
    pipec_in(Path::new("."), args, None)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn check_fixture(format: &str) -> Output {
    let output = pipec(&["check", FIXTURE, "--format", format]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    output
}

/// The SARIF log names the crate's version; snapshots should not change
/// with it.
fn without_version(text: &str) -> String {
    text.replace(
        &format!("\"semanticVersion\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"semanticVersion\": \"[version]\"",
    )
}

#[test]
fn snapshots_of_every_format() {
    for format in FORMATS {
        let output = check_fixture(format);
        insta::with_settings!({ omit_expression => true, snapshot_suffix => format }, {
            insta::assert_snapshot!(without_version(&stdout(&output)));
        });
    }
}

/// `singed` on line 8 follows `🚀 日本 é` in a string: character column 62,
/// UTF-16 column 63 (the rocket is two units), byte column 70.
#[test]
fn columns_count_characters_except_in_sarif() {
    let short = stdout(&check_fixture("short"));
    assert!(
        short.starts_with(
            "tests/fixtures/unicode.pipe:8:62: error[P0105]: a build has no field `singed`\n"
        ),
        "{short}"
    );

    let json: Value = serde_json::from_str(&stdout(&check_fixture("json"))).unwrap();
    let label = &json["diagnostics"][0]["labels"][0];
    assert_eq!(json["diagnostics"][0]["code"], "P0105");
    assert_eq!(label["start"]["line"], 8);
    assert_eq!(label["start"]["column"], 62);
    assert_eq!(label["end"]["column"], 68);
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let line_start = text.match_indices('\n').nth(6).unwrap().0 + 1;
    let singed = text.find("singed").unwrap();
    assert_eq!(singed - line_start + 1, 70, "the byte column differs");
    assert_eq!(label["start"]["offset"], singed);
    assert_eq!(label["end"]["offset"], singed + "singed".len());

    let sarif: Value = serde_json::from_str(&stdout(&check_fixture("sarif"))).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let region = &run["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(run["results"][0]["ruleId"], "P0105");
    assert_eq!(region["startLine"], 8);
    assert_eq!(region["startColumn"], 63);
    assert_eq!(region["endLine"], 8);
    assert_eq!(region["endColumn"], 69, "exclusive");

    let github = stdout(&check_fixture("github"));
    assert!(
        github.starts_with(
            "::error file=tests/fixtures/unicode.pipe,line=8,endLine=8,col=62,endColumn=67,title=P0105 unknown-field::"
        ),
        "endColumn is the last character: {github}"
    );
}

#[test]
fn sarif_lists_every_code_as_a_rule_and_points_results_at_them() {
    let sarif: Value = serde_json::from_str(&stdout(&check_fixture("sarif"))).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "pipec");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), pipec::diagnostics::ALL_CODES.len());
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], result["ruleId"]);
    }
    let policy = rules.iter().find(|rule| rule["id"] == "P0801").unwrap();
    assert_eq!(policy["name"], "Policy");
    assert_eq!(policy["defaultConfiguration"]["level"], "warning");
    let unknown_field = rules.iter().find(|rule| rule["id"] == "P0105").unwrap();
    assert_eq!(unknown_field["defaultConfiguration"]["level"], "error");
    assert!(
        unknown_field["help"]["text"]
            .as_str()
            .unwrap()
            .contains("regoins"),
        "the help carries the code's example"
    );
    // P0402 points at the second wave and relates the first.
    let placed_twice = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "P0402")
        .unwrap();
    let related = &placed_twice["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 21);
    assert_eq!(related["message"]["text"], "wave `first` places it first");
}

#[test]
fn github_prints_annotations_then_the_human_report() {
    let output = check_fixture("github");
    let annotations = stdout(&output);
    assert_eq!(annotations.lines().count(), 5, "{annotations}");
    assert_eq!(
        annotations
            .lines()
            .filter(|line| line.starts_with("::warning "))
            .count(),
        2
    );
    assert!(annotations.contains("title=P0402 region-placed-twice::`ap-east-1` is deployed by waves `first` and `second`%0Awave `second` places it again%0Ahelp: each production region"), "{annotations}");
    let human = stderr(&output);
    assert!(
        human.contains("error[P0105]: a build has no field `singed`"),
        "{human}"
    );
    assert!(
        human.contains("error: checked 1 file: 3 errors, 2 warnings"),
        "{human}"
    );
}

#[test]
fn gitlab_maps_severities_and_fingerprints_every_finding_once() {
    let issues: Value = serde_json::from_str(&stdout(&check_fixture("gitlab"))).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 5);
    let severities: Vec<&str> = issues
        .iter()
        .map(|issue| issue["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["major", "major", "minor", "major", "minor"]);
    assert_eq!(issues[0]["check_name"], "P0105");
    assert_eq!(issues[0]["location"]["path"], FIXTURE);
    assert_eq!(issues[0]["location"]["lines"]["begin"], 8);
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 5, "unique per finding");
}

/// Fingerprints are the same on every run, differ between findings, and
/// survive the finding moving to another line.
#[test]
fn fingerprints_are_stable_and_distinct() {
    let sarif_hashes = |text: &str| -> Vec<String> {
        let sarif: Value = serde_json::from_str(text).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| {
                result["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let gitlab_prints = |text: &str| -> Vec<String> {
        let issues: Value = serde_json::from_str(text).unwrap();
        issues
            .as_array()
            .unwrap()
            .iter()
            .map(|issue| issue["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let first = sarif_hashes(&stdout(&check_fixture("sarif")));
    let second = sarif_hashes(&stdout(&check_fixture("sarif")));
    assert_eq!(first, second);
    assert_eq!(first.len(), 5);
    // Hashes are 16 hex digits, `:`, the occurrence. Two findings of one
    // code on one line (wave `second`'s) share the hash and differ in it.
    assert!(
        first.iter().all(|hash| hash.len() == 18
            && hash
                .get(..16)
                .is_some_and(|hex| hex.chars().all(|c| c.is_ascii_hexdigit()))),
        "{first:?}"
    );
    assert_eq!(
        first.iter().filter(|hash| hash.ends_with(":2")).count(),
        1,
        "{first:?}"
    );
    let mut distinct = first.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "{first:?}");
    let gitlab_first = gitlab_prints(&stdout(&check_fixture("gitlab")));
    assert_eq!(
        gitlab_first,
        gitlab_prints(&stdout(&check_fixture("gitlab")))
    );

    // Two blank lines at the top move every finding down two lines; the
    // fingerprints stay, though the lines change.
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let moved = pipec_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            FIXTURE,
            "--format",
            "sarif",
        ],
        Some(&format!("\n\n{text}")),
    );
    let moved_sarif: Value = serde_json::from_str(&stdout(&moved)).unwrap();
    assert_eq!(
        moved_sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        10
    );
    assert_eq!(sarif_hashes(&stdout(&moved)), first);
    let moved_gitlab = pipec_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            FIXTURE,
            "--format",
            "gitlab",
        ],
        Some(&format!("\n\n{text}")),
    );
    assert_eq!(gitlab_prints(&stdout(&moved_gitlab)), gitlab_first);
}

/// The same finding twice on identical lines: the hash is the same, the
/// occurrence tells them apart.
#[test]
fn identical_findings_differ_by_occurrence() {
    let output = pipec_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            "twice.pipe",
            "--format",
            "sarif",
        ],
        Some("template A { stage beta { bak = 1h } }\ntemplate A { stage beta { bak = 1h } }\n"),
    );
    let sarif: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let hashes: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|result| result["ruleId"] == "P0105")
        .map(|result| {
            result["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(hashes.len(), 2, "{}", stdout(&output));
    assert_eq!(hashes[0][..16], hashes[1][..16]);
    assert!(
        hashes[0].ends_with(":1") && hashes[1].ends_with(":2"),
        "{hashes:?}"
    );
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in FORMATS {
        let first = check_fixture(format);
        let second = check_fixture(format);
        assert_eq!(first.stdout, second.stdout, "{format}");
        assert_eq!(first.stderr, second.stderr, "{format}");
    }
}

/// Absolute paths under the current directory are shown relative to it;
/// paths are relative to where the command runs.
#[test]
fn paths_are_relative_to_the_current_directory() {
    let absolute = std::fs::canonicalize(FIXTURE).unwrap();
    let cwd = std::fs::canonicalize(".").unwrap();
    for format in FORMATS {
        let relative_run = check_fixture(format);
        let absolute_run = pipec_in(
            &cwd,
            &["check", absolute.to_str().unwrap(), "--format", format],
            None,
        );
        assert_eq!(stdout(&absolute_run), stdout(&relative_run), "{format}");
    }
    let from_tests = pipec_in(
        &cwd.join("tests"),
        &["check", "fixtures/unicode.pipe", "--format", "short"],
        None,
    );
    assert!(
        stdout(&from_tests).starts_with("fixtures/unicode.pipe:8:62: error[P0105]"),
        "{}",
        stdout(&from_tests)
    );
}

#[test]
fn standard_input_is_named_by_stdin_filename_or_stdin() {
    let broken = "window w {\n  zone: \"UTC\"\n  allow = [mon]\n}\n";
    let named = pipec_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            "./ci/w.pipe",
            "--format",
            "short",
        ],
        Some(broken),
    );
    assert_eq!(
        stdout(&named),
        "ci/w.pipe:2:7: error[P0010]: `key: value` is YAML; `.pipe` assigns with `=`\n"
    );
    let unnamed = pipec_in(
        Path::new("."),
        &["check", "-", "--format", "sarif"],
        Some(broken),
    );
    let sarif: Value = serde_json::from_str(&stdout(&unnamed)).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "%3Cstdin%3E"
    );
    let github = pipec_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            "a:b,c%.pipe",
            "--format",
            "github",
        ],
        Some(broken),
    );
    assert!(
        stdout(&github).starts_with("::error file=a%3Ab%2Cc%25.pipe,line=2,endLine=2,col=7,endColumn=7,title=P0010 yaml-habit::"),
        "{}",
        stdout(&github)
    );
}

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    for format in FORMATS {
        let clean = pipec_in(
            Path::new("."),
            &["check", "-", "--format", format],
            Some("alarm a = ALARM(\"A\")\n"),
        );
        assert_eq!(clean.status.code(), Some(0), "{format}: {}", stderr(&clean));
        assert_eq!(check_fixture(format).status.code(), Some(1));
    }
    let clean_sarif = pipec_in(
        Path::new("."),
        &["check", "-", "--format", "sarif"],
        Some("alarm a = ALARM(\"A\")\n"),
    );
    let sarif: Value = serde_json::from_str(&stdout(&clean_sarif)).unwrap();
    assert_eq!(sarif["runs"][0]["results"], Value::Array(Vec::new()));
    let gitlab = pipec_in(
        Path::new("."),
        &["check", "-", "--format", "gitlab"],
        Some("alarm a = ALARM(\"A\")\n"),
    );
    assert_eq!(stdout(&gitlab), "[]\n");
    let bad = pipec(&["check", FIXTURE, "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Shapes the compiler does not produce today, built by hand: a label over
/// several lines (GitHub takes columns only within one line) and a
/// diagnostic without any label.
#[test]
fn multi_line_labels_and_diagnostics_without_a_place() {
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new(
        "multi.pipe",
        "template T {\n  stage 🚀 {\n  }\n}\n",
    ));
    let diagnostics = vec![
        Diagnostic::error(Code::SYNTAX, "spans lines").primary(file, Span::new(15, 31), "here"),
        Diagnostic::warning(Code::POLICY, "nowhere"),
    ];
    let report = Report {
        diagnostics: &diagnostics,
        sources: &sources,
        base_dir: None,
    };

    let github = formats::render(Format::Github, &report);
    assert_eq!(
        github,
        "::error file=multi.pipe,line=2,endLine=3,title=P0001 syntax-error::spans lines%0Ahere\n::warning title=P0801 policy::nowhere\n"
    );
    let short = formats::render(Format::Short, &report);
    assert_eq!(
        short,
        "multi.pipe:2:3: error[P0001]: spans lines\nwarning[P0801]: nowhere\n"
    );
    let sarif: Value = serde_json::from_str(&formats::render(Format::Sarif, &report)).unwrap();
    let results = &sarif["runs"][0]["results"];
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        (region["endLine"].as_u64(), region["endColumn"].as_u64()),
        (Some(3), Some(4))
    );
    assert!(results[1].get("locations").is_none());
    assert!(results[1].get("partialFingerprints").is_none());
    let gitlab: Value = serde_json::from_str(&formats::render(Format::Gitlab, &report)).unwrap();
    assert_eq!(gitlab[1]["location"]["path"], "");
    assert_eq!(gitlab[1]["severity"], "minor");
}

/// Diagnostics are sorted by file name, position and code, so the order
/// the files are named in changes nothing, in any format.
#[test]
fn the_order_files_are_named_in_changes_no_report() {
    let files = [
        "examples/concepts/policies.pipe",
        "examples/concepts/strategies.pipe",
        FIXTURE,
    ];
    for format in ["text", "short", "json", "sarif", "github", "gitlab"] {
        let run = |order: [&str; 3]| {
            let mut args = vec!["check", "--format", format];
            args.extend(order);
            let output = pipec(&args);
            assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
            (output.stdout, output.stderr)
        };
        let forwards = run(files);
        let backwards = run([files[2], files[1], files[0]]);
        assert!(forwards == backwards, "{format}");
        // Both files with findings are in the report.
        let text = String::from_utf8_lossy(&forwards.0).into_owned()
            + &String::from_utf8_lossy(&forwards.1);
        assert!(
            text.contains("policies.pipe") && text.contains("unicode.pipe"),
            "{format}: {text}"
        );
    }
}

/// The codes docs/code-review.md says SARIF gives the default level
/// `warning` are exactly those it does.
#[test]
fn the_rules_that_warn_by_default_are_the_documented_ones() {
    let doc = std::fs::read_to_string("docs/code-review.md").unwrap();
    let start = doc.find("a default level (`warning` for").unwrap();
    let end = start + doc[start..].find("`error` otherwise").unwrap();
    let words: Vec<&str> = doc[start..end]
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '–'))
        .filter(|word| word.starts_with('P') && word.len() > 1)
        .collect();
    let number = |code: &str| code.trim_start_matches('P').parse::<u32>().unwrap();
    let mut documented = std::collections::BTreeSet::new();
    for word in words {
        match word.split_once('–') {
            Some((first, last)) => {
                for code in number(first)..=number(last) {
                    documented.insert(format!("P{code:04}"));
                }
            }
            None => {
                documented.insert(word.to_string());
            }
        }
    }
    let sarif: Value = serde_json::from_str(&stdout(&check_fixture("sarif"))).unwrap();
    let warning: std::collections::BTreeSet<String> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["defaultConfiguration"]["level"] == "warning")
        .map(|rule| rule["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(warning, documented);
}
