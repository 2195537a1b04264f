//! The diagnostics as a versioned JSON document: everything the human
//! report shows, with places spelled out in lines, character columns and
//! byte offsets. These types are the format's contract; they are written
//! only from the internal [`Diagnostic`](crate::diagnostics::Diagnostic).
//!
//! Lines and columns count from 1; a column counts characters (Unicode
//! scalar values). Offsets count bytes from 0. `end` is exclusive: the
//! place just past the last character of the label.

use super::Report;
use super::located::{Located, LocatedLabel, locate, severity_word};
use crate::diagnostics::Severity;
use crate::source::Position;
use serde::Serialize;

/// The version of this document's shape. It changes only when a field is
/// removed or its meaning changes; new fields may be added within a
/// version.
pub const FORMAT_VERSION: &str = "1";

/// The whole document.
#[derive(Debug, Serialize)]
pub struct JsonReport {
    /// [`FORMAT_VERSION`].
    pub format_version: &'static str,
    /// Every diagnostic, sorted by file, position and code.
    pub diagnostics: Vec<JsonDiagnostic>,
    /// How many diagnostics of each severity there are.
    pub summary: JsonSummary,
}

/// One diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// The code, e.g. `P0401`.
    pub code: String,
    /// The code's kebab-case name, e.g. `unknown-region`.
    pub name: String,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// The title.
    pub message: String,
    /// Every place, in the diagnostic's order.
    pub labels: Vec<JsonLabel>,
    /// Extra facts, each a sentence.
    pub notes: Vec<String>,
    /// What to do about it, or `null`.
    pub help: Option<String>,
}

/// One place of a diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// The file, relative to the current directory when under it, with `/`.
    pub file: String,
    /// Whether this is the place the diagnostic is about.
    pub primary: bool,
    /// What is wrong there, or why that place matters.
    pub message: String,
    /// The first character.
    pub start: JsonPosition,
    /// Just past the last character.
    pub end: JsonPosition,
}

/// A place in a file.
#[derive(Debug, Serialize)]
pub struct JsonPosition {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// Byte offset from the start of the file, from 0.
    pub offset: usize,
}

/// Counts by severity.
#[derive(Debug, Serialize)]
pub struct JsonSummary {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

/// The document as pretty-printed JSON with a final line break.
pub fn render(report: &Report<'_>) -> String {
    let document = to_document(report);
    // Serializing plain structs of strings and numbers cannot fail; if it
    // ever did, an empty object is still valid JSON.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// The document as data.
pub fn to_document(report: &Report<'_>) -> JsonReport {
    let located = locate(report);
    let count = |severity| {
        report
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    };
    JsonReport {
        format_version: FORMAT_VERSION,
        diagnostics: located.iter().map(to_json_diagnostic).collect(),
        summary: JsonSummary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
        },
    }
}

fn to_json_diagnostic(located: &Located<'_>) -> JsonDiagnostic {
    let diagnostic = located.diagnostic;
    JsonDiagnostic {
        code: diagnostic.code.to_string(),
        name: diagnostic
            .code
            .doc()
            .map_or_else(String::new, |doc| doc.name.to_string()),
        severity: severity_word(diagnostic.severity),
        message: diagnostic.message.clone(),
        labels: located.labels.iter().map(to_json_label).collect(),
        notes: diagnostic.notes.clone(),
        help: diagnostic.help.clone(),
    }
}

fn to_json_label(label: &LocatedLabel<'_>) -> JsonLabel {
    JsonLabel {
        file: label.path.clone(),
        primary: label.label.primary,
        message: label.label.message.clone(),
        start: to_json_position(label.start),
        end: to_json_position(label.end),
    }
}

fn to_json_position(position: Position) -> JsonPosition {
    JsonPosition {
        line: position.line,
        column: position.column,
        offset: position.offset,
    }
}
