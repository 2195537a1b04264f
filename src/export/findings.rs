//! What an exporter reports: diagnostics placed by plan provenance.
//!
//! Exporters read only the plan, which knows where each step comes from as
//! file, line and column but holds no spans. They report
//! [`Finding`]s: a diagnostic without labels and the provenance it is
//! about. [`to_diagnostics`] places each one in the compiled sources
//! when the file is among them (a label at that line and column), and
//! otherwise says `file:line:column` in a note, so that a finding is never
//! without its place.

use crate::diagnostics::{Diagnostic, Severity};
use crate::export::plan_v1::Provenance;
use crate::source::{SourceMap, Span};

/// A diagnostic about an export and the source position it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The diagnostic, without labels.
    pub diagnostic: Diagnostic,
    /// Where the step (or gate) concerned is declared.
    pub at: Option<Position>,
}

/// A place in the source as the plan gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file, as in the plan's provenance.
    pub file: String,
    /// One-based line.
    pub line: u32,
    /// One-based column, in characters.
    pub column: u32,
}

impl Position {
    /// The position of a provenance.
    pub fn of(provenance: &Provenance) -> Position {
        Position {
            file: provenance.file.to_string(),
            line: provenance.line,
            column: provenance.column,
        }
    }
}

impl Finding {
    /// A finding about `provenance`.
    pub fn at(diagnostic: Diagnostic, provenance: &Provenance) -> Finding {
        Finding {
            diagnostic,
            at: Some(Position::of(provenance)),
        }
    }

    /// Whether the finding reports a mapping that loses meaning (a warning),
    /// as opposed to an export that cannot be made (an error).
    pub fn is_lossy(&self) -> bool {
        self.diagnostic.severity == Severity::Warning
    }
}

/// How an exporter words its finding about the `env` entries of a step it
/// cannot set (`P0908`, `P0955`): one entry or several, each described.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DroppedEnvWording {
    /// What cannot set them: `its CodeBuild action`, `the workflow`.
    pub setter: &'static str,
    /// One entry, as the object of "cannot set".
    pub one: &'static str,
    /// Several entries, likewise.
    pub several: &'static str,
    /// The note when one entry is dropped: what the command does without it.
    pub note_one: &'static str,
    /// The note when several are.
    pub note_several: &'static str,
}

impl DroppedEnvWording {
    /// The message and the note of the finding about step `step`'s
    /// `dropped` entries (their descriptions), or nothing when none is.
    pub(crate) fn message_and_note(
        &self,
        step: &str,
        dropped: &[String],
    ) -> Option<(String, &'static str)> {
        let (entries, note) = match dropped {
            [] => return None,
            [_] => (self.one, self.note_one),
            _ => (self.several, self.note_several),
        };
        let message = format!(
            "step `{step}`: {} cannot set {entries}: {}",
            self.setter,
            dropped.join("; ")
        );
        Some((message, note))
    }
}

/// The findings as diagnostics, placed in `sources` where their files are
/// loaded. With `deny_lossy`, lossy mappings are errors.
pub fn to_diagnostics(
    findings: &[Finding],
    sources: &SourceMap,
    deny_lossy: bool,
) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|finding| {
            let mut diagnostic = finding.diagnostic.clone();
            if deny_lossy && finding.is_lossy() {
                diagnostic.severity = Severity::Error;
                diagnostic = diagnostic.note("`--deny-lossy` makes lossy mappings errors");
            }
            let Some(at) = &finding.at else {
                return diagnostic;
            };
            match locate(at, sources) {
                Some((file, span)) => diagnostic.primary(file, span, "declared here"),
                None => diagnostic.note(format!("at {}:{}:{}", at.file, at.line, at.column)),
            }
        })
        .collect()
}

/// The file and a one-character span at a position, when the file is
/// loaded and the position inside it. Plan files are relative with `/`
/// separators and no `.` or `..` segments (an absolute path loses its
/// root); source names are as the files were loaded, so both are compared
/// in the plan's form. Every exporter places its findings through here.
pub fn locate(at: &Position, sources: &SourceMap) -> Option<(crate::source::FileId, Span)> {
    let (id, file) = sources
        .iter()
        .find(|(_, file)| plan_file_name(&file.name) == at.file)?;
    let line_index = usize::try_from(at.line).ok()?.checked_sub(1)?;
    let line_start = *file.line_starts().get(line_index)?;
    let line = file.line_text(line_index);
    let column = usize::try_from(at.column).ok()?.saturating_sub(1);
    let offset = line
        .char_indices()
        .nth(column)
        .map_or(line.len(), |(offset, _)| offset);
    let start = line_start + offset;
    let end = line
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    Some((id, Span::new(start, end)))
}

/// A loaded file's name as the plan writes it (`convert` names the
/// plan's files the same way).
fn plan_file_name(name: &str) -> String {
    crate::export::convert::plan_file(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    #[test]
    fn a_finding_is_placed_in_a_file_loaded_by_its_absolute_path() {
        let mut sources = SourceMap::new();
        let id = sources.add(crate::source::SourceFile::new(
            "/home/ci/shop/org.pipe",
            "pipeline a {\n  platform = ecs\n}\n",
        ));
        let at = Position {
            file: "home/ci/shop/org.pipe".to_string(),
            line: 2,
            column: 3,
        };
        let (file, span) = locate(&at, &sources).expect("the file is found");
        assert_eq!(file, id);
        assert_eq!(span, Span::new(15, 16));
        let finding = Finding {
            diagnostic: Diagnostic::warning(Code::CODEPIPELINE_BLOCKER_DROPPED, "dropped"),
            at: Some(at),
        };
        let placed = to_diagnostics(&[finding], &sources, false);
        let label = placed.first().and_then(Diagnostic::primary_label);
        assert!(label.is_some(), "{placed:?}");
    }
}
