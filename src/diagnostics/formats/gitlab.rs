//! A GitLab Code Quality report: a JSON array of findings, which GitLab
//! shows in merge requests when a job declares it under
//! `artifacts: reports: codequality:`.
//!
//! Severities: an error is `major`, a warning `minor`, a note `info`.
//! (`critical` and `blocker` are left to tools whose findings are security
//! or outage risks; a `.pipe` error stops the plan being built, which is
//! what `major` means for a merge request.)
//!
//! Fingerprints: FNV-1a 64 over the file's path, the code, the message
//! and the trimmed text of the main label's line, written in hex, then
//! `:` and the occurrence of that hash in the report (1 for the first).
//! Findings that only move to another line keep their fingerprint, and no
//! two findings of one report share one.

use super::Report;
use super::fingerprint::{Occurrences, fnv1a64_fields};
use super::located::{Located, locate};
use crate::diagnostics::Severity;
use serde::Serialize;

/// One finding.
#[derive(Debug, Serialize)]
pub struct Issue {
    /// The title, then the help line.
    pub description: String,
    /// The diagnostic code.
    pub check_name: String,
    /// Stable across runs, unique in the report.
    pub fingerprint: String,
    /// `major`, `minor` or `info`.
    pub severity: &'static str,
    /// Where it is.
    pub location: IssueLocation,
}

/// Where a finding is.
#[derive(Debug, Serialize)]
pub struct IssueLocation {
    /// The file, relative to the current directory when under it. Empty
    /// for a diagnostic without a place (the compiler emits none today).
    pub path: String,
    /// Its lines.
    pub lines: IssueLines,
}

/// The lines of a finding.
#[derive(Debug, Serialize)]
pub struct IssueLines {
    /// The first line, from 1.
    pub begin: usize,
}

/// The report as a pretty-printed JSON array with a final line break.
pub fn render(report: &Report<'_>) -> String {
    let issues = to_issues(report);
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    text.push('\n');
    text
}

/// The findings as data, in report order.
pub fn to_issues(report: &Report<'_>) -> Vec<Issue> {
    let mut occurrences = Occurrences::default();
    locate(report)
        .iter()
        .map(|located| to_issue(located, &mut occurrences))
        .collect()
}

fn to_issue(located: &Located<'_>, occurrences: &mut Occurrences) -> Issue {
    let diagnostic = located.diagnostic;
    let primary = located.primary();
    let path = primary.map_or_else(String::new, |primary| primary.path.clone());
    let line_text = primary.map_or("", |primary| primary.line_text.trim());
    let hash = fnv1a64_fields(&[
        &path,
        diagnostic.code.as_str(),
        &diagnostic.message,
        line_text,
    ]);
    let occurrence = occurrences.next("", hash);
    let mut description = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        description.push_str(" (help: ");
        description.push_str(help);
        description.push(')');
    }
    Issue {
        description,
        check_name: diagnostic.code.to_string(),
        fingerprint: format!("{hash:016x}:{occurrence}"),
        severity: severity(diagnostic.severity),
        location: IssueLocation {
            path,
            lines: IssueLines {
                begin: primary.map_or(1, |primary| primary.start.line),
            },
        },
    }
}

/// GitLab's severity for a diagnostic's.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Note => "info",
    }
}
