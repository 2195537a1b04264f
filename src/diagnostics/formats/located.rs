//! Labels resolved to what the formats print: the file's report path and
//! the start and end positions. Every format goes through here, so the
//! conversion from byte offsets happens once, in
//! [`SourceFile::position`](crate::source::SourceFile::position).

use super::{Report, paths};
use crate::diagnostics::{Diagnostic, Label, Severity};
use crate::source::Position;

/// A diagnostic with its labels resolved.
#[derive(Debug)]
pub(super) struct Located<'a> {
    /// The diagnostic itself.
    pub diagnostic: &'a Diagnostic,
    /// Every label, in the diagnostic's order.
    pub labels: Vec<LocatedLabel<'a>>,
    /// Which of `labels` is the main location, if there is one: the first
    /// primary label, else the first label.
    pub primary_idx: Option<usize>,
}

/// A label with its place spelled out.
#[derive(Debug)]
pub(super) struct LocatedLabel<'a> {
    /// The label itself.
    pub label: &'a Label,
    /// The file's path as reports show it (see [`paths::report_path`]).
    pub path: String,
    /// The first character.
    pub start: Position,
    /// Just past the last character (equal to `start` for an empty span).
    pub end: Position,
    /// The text of the start line, without its line break.
    pub line_text: &'a str,
}

impl<'a> Located<'a> {
    /// The main location.
    pub fn primary(&self) -> Option<&LocatedLabel<'a>> {
        self.primary_idx.and_then(|idx| self.labels.get(idx))
    }

    /// Every label but the main location, in order.
    pub fn secondary(&self) -> impl Iterator<Item = &LocatedLabel<'a>> {
        self.labels
            .iter()
            .enumerate()
            .filter(move |(idx, _)| Some(*idx) != self.primary_idx)
            .map(|(_, label)| label)
    }
}

/// Resolves every diagnostic of a report, in order. A label whose file is
/// not in the source map (which the compiler never produces) is left out
/// rather than given an invented place.
pub(super) fn locate<'a>(report: &Report<'a>) -> Vec<Located<'a>> {
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let chosen = diagnostic.primary_label();
            let mut primary_idx = None;
            let mut labels = Vec::new();
            for label in &diagnostic.labels {
                let Some(located) = locate_label(report, label) else {
                    continue;
                };
                if primary_idx.is_none() && chosen.is_some_and(|chosen| std::ptr::eq(chosen, label))
                {
                    primary_idx = Some(labels.len());
                }
                labels.push(located);
            }
            Located {
                diagnostic,
                labels,
                primary_idx,
            }
        })
        .collect()
}

fn locate_label<'a>(report: &Report<'a>, label: &'a Label) -> Option<LocatedLabel<'a>> {
    let file = report.sources.get(label.file)?;
    let start = file.position(label.span.start());
    let end = file.position(label.span.end().max(start.offset));
    Some(LocatedLabel {
        label,
        path: paths::report_path(&file.name, report.base_dir),
        start,
        end,
        line_text: file.line_text(start.line.saturating_sub(1)),
    })
}

/// The lower-case word for a severity, as `short` and `json` print it.
pub(super) fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}
