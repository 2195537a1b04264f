//! What the exporter could not express exactly. The exporter reads only
//! the plan, so a finding carries the plan's provenance of the step
//! concerned (file, line, column); [`to_diagnostic`] turns it into the
//! project's one diagnostic type by finding that place in the compiled
//! sources, so that it renders like any other warning.

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::export::plan_v1::Provenance;
use crate::source::{SourceMap, Span};

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
    match locate(&finding.provenance, sources) {
        Some((file, span)) => diagnostic.primary(file, span, format!("step `{}`", finding.step)),
        None => diagnostic.note(format!(
            "at {}:{}:{}",
            finding.provenance.file, finding.provenance.line, finding.provenance.column
        )),
    }
}

/// The file and the (empty) span a provenance points at. Provenance files
/// are relative with `/` separators and no leading `./`; source names are
/// as the files were loaded, so both are compared in that form.
pub fn locate(
    provenance: &Provenance,
    sources: &SourceMap,
) -> Option<(crate::source::FileId, Span)> {
    let (id, file) = sources
        .iter()
        .find(|(_, file)| normalize(&file.name) == provenance.file)?;
    let line_index = usize::try_from(provenance.line).ok()?.checked_sub(1)?;
    let line_start = *file.line_starts().get(line_index)?;
    let line = file.line_text(line_index);
    let column = usize::try_from(provenance.column).ok()?.saturating_sub(1);
    let within: usize = line.chars().take(column).map(char::len_utf8).sum();
    Some((id, Span::at(line_start + within)))
}

fn normalize(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut rest = name.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    rest.to_string()
}
