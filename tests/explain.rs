//! `pipec explain`: every code and every policy rule has an explanation
//! and an example, each example really produces what it illustrates, and
//! the command finds, suggests and lists.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::diagnostics::{ALL_CODES, Code};
use pipec::explain::{self, Topic};
use pipec::semantics::policies::RULES;
use std::collections::BTreeSet;
use std::process::Command;

/// Codes whose example cannot be checked as one file's text, with why.
/// Their examples are comments that describe the situation.
const NOT_CHECKABLE: &[(Code, &str)] = &[
    (Code::FILE_TOO_LARGE, "needs a file over 8 MiB"),
    (Code::NOT_UTF8, "needs bytes that are not UTF-8"),
    (
        Code::NUL_IN_STRING,
        "needs a NUL byte, which an example cannot show",
    ),
    (
        Code::IMPORT_ESCAPES_ROOT,
        "needs a file outside the workspace",
    ),
    (Code::AMBIGUOUS_NAME, "needs two imported files"),
    // Exporter findings come from `compile --target`, not from checking a
    // file; tests/export_codepipeline.rs and tests/export_github_actions.rs
    // produce each one.
    (Code::GHA_DATA_POINTS_DROPPED, "needs an export"),
    (Code::GHA_ALARM_APPROXIMATED, "needs an export"),
    (Code::GHA_TIMEOUT_SHORTENED, "needs an export"),
    (Code::GHA_REVIEW_NOT_ENFORCED, "needs an export"),
    (Code::GHA_ENV_DROPPED, "needs an export"),
    (Code::CODEPIPELINE_SETTING_MISSING, "needs an export"),
    (Code::CODEPIPELINE_WINDOW_APPROXIMATED, "needs an export"),
    (Code::CODEPIPELINE_BAKE_APPROXIMATED, "needs an export"),
    (Code::CODEPIPELINE_BLOCKER_DROPPED, "needs an export"),
    (Code::CODEPIPELINE_ALARM_APPROXIMATED, "needs an export"),
    (Code::CODEPIPELINE_QUOTA, "needs an export"),
    (Code::CODEPIPELINE_DEPLOY_APPROXIMATED, "needs an export"),
    (Code::CODEPIPELINE_ENV_DROPPED, "needs an export"),
    // Errors of the command line come from running `pipec`, not from a
    // file; tests/cli.rs produces them.
    (Code::CLI_NO_SUCH_FILE, "needs a command line"),
    (Code::CLI_CANNOT_READ_OR_WRITE, "needs a command line"),
    (Code::CLI_USAGE, "needs a command line"),
    (Code::CLI_SETTINGS_INVALID, "needs a command line"),
    (Code::CLI_GIT_FAILED, "needs a command line"),
    (Code::CLI_INPUT_INVALID, "needs a command line"),
    (Code::CLI_OUTSIDE_WORKSPACE, "needs a command line"),
    (Code::CLI_WOULD_OVERWRITE, "needs a command line"),
    (Code::CLI_RUN_REFUSED, "needs a command line"),
];

/// Codes whose example needs a command-line flag: the profile to select.
const WITH_PROFILE: &[(Code, &str)] = &[(Code::UNKNOWN_PROFILE, "emergancy")];

/// Checks an example as the only file of a workspace. An example whose
/// first line is `// In NAME:` is checked as a file called NAME (an import
/// cycle names the file itself); any other as `example.pipe`.
fn check_example(source: &str, profile: Option<&str>) -> pipec::workspace::Checked {
    let name = source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("// In "))
        .and_then(|rest| rest.strip_suffix(':'))
        .unwrap_or("example.pipe");
    let mut loader = pipec::loader::MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    loader.add(name, source.as_bytes());
    let entries = vec![pipec::modules::Entry {
        path: name.into(),
        bytes: None,
        name: None,
    }];
    pipec::workspace::check_workspace_with(entries, &loader, support::TODAY, profile)
}

#[test]
fn every_code_has_an_explanation_and_an_example_that_produces_it() {
    let mut problems = Vec::new();
    for doc in ALL_CODES {
        assert!(
            doc.explanation.len() > 40,
            "{}: explanation too short",
            doc.code
        );
        let Some(example) = explain::code_example(doc.code) else {
            problems.push(format!("{}: no example", doc.code));
            continue;
        };
        if NOT_CHECKABLE.iter().any(|(code, _)| *code == doc.code) {
            assert!(
                example.starts_with("//"),
                "{}: an unchecked example describes its situation in a comment",
                doc.code
            );
            continue;
        }
        let profile = WITH_PROFILE
            .iter()
            .find(|(code, _)| *code == doc.code)
            .map(|(_, profile)| *profile);
        let checked = check_example(example, profile);
        // Policy findings are left out unless the example is about them:
        // short examples need not meet every release practice.
        let produced: BTreeSet<&str> = checked
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code)
            .filter(|code| *code == doc.code || *code != Code::POLICY)
            .map(Code::as_str)
            .collect();
        if produced != BTreeSet::from([doc.code.as_str()]) {
            problems.push(format!(
                "{}: the example produces {produced:?}\n{}",
                doc.code,
                pipec::diagnostics::render::to_plain_string(&checked.diagnostics, &checked.sources)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Comment examples whose indented lines are not `.pipe` text, with why.
const NOT_PIPE_TEXT: &[(Code, &str)] = &[(
    Code::GHA_ALARM_APPROXIMATED,
    "shows a plan's JSON, which only another tool writes",
)];

/// The `.pipe` text of a comment example: each run of lines indented
/// under `//` (`//   stage beta { ... }`), without the comment marks.
fn quoted_pipe_text(example: &str) -> Vec<String> {
    let mut snippets = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in example.lines() {
        match line
            .strip_prefix("//  ")
            .filter(|rest| rest.starts_with(' '))
        {
            Some(rest) => current.push(rest),
            None if !current.is_empty() => snippets.push(std::mem::take(&mut current).join("\n")),
            None => {}
        }
    }
    if !current.is_empty() {
        snippets.push(current.join("\n"));
    }
    snippets
}

#[test]
fn the_pipe_text_quoted_in_comment_examples_is_written_as_pipe_reads_it() {
    // A fragment is a declaration or a member of a pipeline, a stage or
    // production: it is sound if, put where it belongs, it has no syntax or
    // shape error (`P00xx`, `P01xx`). Names it uses may be declared
    // elsewhere, so other codes do not count.
    let places: [(&str, &str); 4] = [
        ("", ""),
        ("pipeline p {\n", "\n}\n"),
        ("pipeline p {\n  stage beta {\n", "\n  }\n}\n"),
        ("pipeline p {\n  production {\n", "\n  }\n}\n"),
    ];
    let mut problems = Vec::new();
    let mut fragments = 0;
    for doc in ALL_CODES {
        let Some(example) = explain::code_example(doc.code) else {
            continue;
        };
        if !example.starts_with("//") || NOT_PIPE_TEXT.iter().any(|(code, _)| *code == doc.code) {
            continue;
        }
        for snippet in quoted_pipe_text(example) {
            fragments += 1;
            let sound = places.iter().any(|(before, after)| {
                let source = format!("{before}{snippet}{after}");
                let checked = check_example(&source, None);
                !checked.diagnostics.iter().any(|diagnostic| {
                    let code = diagnostic.code.as_str();
                    code.starts_with("P00") || code.starts_with("P01")
                })
            });
            if !sound {
                let checked = check_example(&snippet, None);
                problems.push(format!(
                    "{}: `{snippet}` is not .pipe text in any place it could stand\n{}",
                    doc.code,
                    pipec::diagnostics::render::to_plain_string(
                        &checked.diagnostics,
                        &checked.sources
                    )
                ));
            }
        }
    }
    assert!(fragments >= 8, "only {fragments} fragments found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_policy_rule_has_an_explanation_and_an_example_that_breaks_it() {
    let mut problems = Vec::new();
    for rule in RULES {
        assert!(rule.explanation.len() > 40, "{}", rule.name);
        let Some(example) = explain::rule_example(rule.name) else {
            problems.push(format!("{}: no example", rule.name));
            continue;
        };
        let checked = check_example(example, None);
        let prefix = format!("[{}] ", rule.name);
        let found = checked.diagnostics.iter().any(|diagnostic| {
            diagnostic.code == Code::POLICY && diagnostic.message.starts_with(&prefix)
        });
        let other_codes: BTreeSet<&str> = checked
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code)
            .filter(|code| *code != Code::POLICY)
            .map(Code::as_str)
            .collect();
        if !found || !other_codes.is_empty() {
            problems.push(format!(
                "{}: finding of the rule: {found}; other codes: {other_codes:?}\n{}",
                rule.name,
                pipec::diagnostics::render::to_plain_string(&checked.diagnostics, &checked.sources)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn pipec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn lookup_takes_codes_in_any_case_code_names_and_rule_names() {
    for query in ["P0401", "p0401", "unknown-region"] {
        let Ok(Topic::Code(doc)) = explain::lookup(query) else {
            panic!("{query} is not found as a code");
        };
        assert_eq!(doc.code, Code::UNKNOWN_REGION);
    }
    let Ok(Topic::Rule(rule)) = explain::lookup("onebox-first") else {
        panic!("onebox-first is not found as a rule");
    };
    assert_eq!(rule.name, "onebox-first");
    let unknown = explain::lookup("onebox-frist").unwrap_err();
    assert_eq!(unknown.suggestion, Some("onebox-first"));
    assert_eq!(
        explain::lookup("P04O1").unwrap_err().suggestion,
        Some("P0401")
    );
    assert_eq!(explain::lookup("zzzzzz").unwrap_err().suggestion, None);
}

#[test]
fn explain_prints_the_code_its_explanation_and_its_example() {
    let output = pipec(&["explain", "P0401"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("P0401 unknown-region: A region name is not in the target registry.\n\nWaves, stages and exclusions"),
        "{text}"
    );
    assert!(
        text.contains("\nExample:\n\n    import \"std/aws\"\n"),
        "{text}"
    );
    assert!(text.contains("us-esat-1"), "{text}");
    assert!(
        text.lines()
            .all(|line| line.chars().count() <= 76 || line.starts_with("    ")),
        "{text}"
    );
}

#[test]
fn explain_prints_a_policy_rule_with_its_code_and_level() {
    let output = pipec(&["explain", "rollback-alarm"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(
            "rollback-alarm: every production deploy and bake rolls back on an alarm\n"
        ),
        "{text}"
    );
    assert!(text.contains("findings are P0801 (policy)"), "{text}");
    assert!(text.contains("Its level is `deny`"), "{text}");
    assert!(text.contains("Without a rollback alarm"), "{text}");
    assert!(text.contains("    pipeline orders_api {"), "{text}");
}

#[test]
fn unknown_topics_exit_2_with_a_suggestion() {
    let output = pipec(&["explain", "onebox-frist"]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(
        error.contains("no diagnostic code or policy rule `onebox-frist`"),
        "{error}"
    );
    assert!(error.contains("did you mean `onebox-first`?"), "{error}");
    assert!(output.stdout.is_empty());

    let far = pipec(&["explain", "zzzzzz"]);
    assert_eq!(far.status.code(), Some(2));
    let error = String::from_utf8(far.stderr).unwrap();
    assert!(error.contains("pipec explain --list"), "{error}");

    assert_eq!(pipec(&["explain"]).status.code(), Some(2));
}

#[test]
fn list_has_one_line_per_code_and_rule() {
    let output = pipec(&["explain", "--list"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), ALL_CODES.len() + RULES.len());
    for (line, doc) in lines.iter().zip(ALL_CODES) {
        assert!(line.starts_with(doc.code.as_str()), "{line}");
        assert!(
            line.contains(doc.name) && line.ends_with(doc.summary),
            "{line}"
        );
    }
    for (line, rule) in lines[ALL_CODES.len()..].iter().zip(RULES) {
        assert!(line.starts_with(rule.name), "{line}");
        assert!(line.ends_with(rule.summary), "{line}");
    }
    let manual = lines
        .iter()
        .find(|line| line.starts_with("manual-approval"))
        .unwrap();
    assert!(manual.contains("P0801 rule, allow"), "{manual}");
    // Summaries start in one column.
    let column = |line: &str| line.find(ALL_CODES[0].summary);
    assert_eq!(
        column(lines[0]),
        lines
            .last()
            .and_then(|line| line.find(RULES.last().unwrap().summary))
    );
}
