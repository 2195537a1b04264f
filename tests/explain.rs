//! `pipec explain`: every code and every policy rule has an explanation
//! and an example, and each example really produces what it illustrates.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::diagnostics::{ALL_CODES, Code};
use pipec::explain;
use pipec::semantics::policies::RULES;
use std::collections::BTreeSet;

/// Codes whose example cannot be checked as one file's text, with why.
/// Their examples are comments that describe the situation.
const NOT_CHECKABLE: &[(Code, &str)] = &[
    (Code::FILE_TOO_LARGE, "needs a file over 8 MiB"),
    (Code::NOT_UTF8, "needs bytes that are not UTF-8"),
    (
        Code::IMPORT_ESCAPES_ROOT,
        "needs a file outside the workspace",
    ),
    (Code::AMBIGUOUS_NAME, "needs two imported files"),
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
