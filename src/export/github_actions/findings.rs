//! What the exporter could not express exactly. The exporter reads only
//! the plan, so a finding carries the plan's provenance of the step
//! concerned (file, line, column); [`to_diagnostic`] turns it into the
//! project's one diagnostic type by finding that place in the compiled
//! sources, so that it renders like any other warning.

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::export::findings::Position;
use crate::export::plan_v1::Provenance;
use crate::source::SourceMap;

/// One lossy mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The code, in `P0951`–`P0959`.
    pub code: Code,
    /// The plan step concerned.
    pub step: String,
    /// What was dropped or approximated, naming the step.
    pub message: String,
    /// What the workflow does instead.
    pub note: String,
    /// Where the step's value comes from in source.
    pub provenance: Provenance,
}

/// The finding as a diagnostic: a warning, or an error with
/// `--deny-lossy`, labelled at the provenance when the sources hold that
/// file (a plan written by another compiler run may not).
pub fn to_diagnostic(finding: &Finding, sources: &SourceMap, deny_lossy: bool) -> Diagnostic {
    let mut diagnostic = Diagnostic::warning(finding.code, finding.message.clone())
        .note(finding.note.clone())
        .help(if deny_lossy {
            "`--deny-lossy` refuses every lossy mapping; see docs/targets/github-actions.md"
        } else {
            "see docs/targets/github-actions.md; `--deny-lossy` makes this an error"
        });
    if deny_lossy {
        diagnostic.severity = Severity::Error;
    }
    match crate::export::findings::locate(&Position::of(&finding.provenance), sources) {
        Some((file, span)) => diagnostic.primary(file, span, format!("step `{}`", finding.step)),
        None => diagnostic.note(format!(
            "at {}:{}:{}",
            finding.provenance.file, finding.provenance.line, finding.provenance.column
        )),
    }
}
