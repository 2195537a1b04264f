//! One diagnostic type for every problem the compiler finds in `.pipe`
//! source, independent of how it is shown. [`render`] turns it into text
//! through codespan-reporting; nothing else builds codespan types.
//! [`formats`] writes the same values in machine-readable formats.

mod codes;
mod elide;
pub mod formats;
pub mod render;

pub use codes::{ALL_CODES, Code, CodeDoc};
pub use elide::thousands;

use crate::source::{FileId, Span};
use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is wrong; no plan is produced.
    Error,
    /// Suspicious, but a plan can still be produced.
    Warning,
    /// Extra information.
    Note,
}

/// A span in a file with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The file the span is in.
    pub file: FileId,
    /// The bytes the label points at.
    pub span: Span,
    /// What is wrong there (primary) or why that place matters (secondary).
    pub message: String,
    /// Whether this is the place the diagnostic is about.
    pub primary: bool,
}

/// A problem found in the source, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The registered code, e.g. `P0001`.
    pub code: Code,
    /// Error, warning or note.
    pub severity: Severity,
    /// A short title.
    pub message: String,
    /// Places in the source; the first primary label is the main location.
    pub labels: Vec<Label>,
    /// Extra facts, each a sentence.
    pub notes: Vec<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Edits that fix it, for editors (the language server's quick fixes).
    /// Never rendered: the help line says the same in words. Boxed, since
    /// few diagnostics have any and a diagnostic is the error of many
    /// `Result`s; read it with [`Diagnostic::suggestions`].
    #[serde(skip)]
    pub fixes: Option<Box<Vec<Suggestion>>>,
    /// For a policy finding, its rule and the pipelines it is about, so
    /// that the CLI can select findings by rule and by pipeline. Never
    /// rendered (the message names both); boxed like `fixes`.
    #[serde(skip)]
    pub finding: Option<Box<Finding>>,
}

/// What a policy finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's name, such as `onebox-first`.
    pub rule: &'static str,
    /// The pipelines the finding holds for, sorted.
    pub pipelines: Vec<String>,
}

/// A fix a tool can apply without asking: replace the bytes of `span` in
/// `file` with `replacement`. Only attached where the fix is certain to
/// remove the diagnostic it belongs to (a name that resolves, an operator
/// the grammar accepts), so that an editor may offer it as a quick fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the fix does, as a command: "Change to `beta`".
    pub message: String,
    /// The file the edit is in (not always the diagnostic's).
    pub file: FileId,
    /// The bytes replaced; empty to insert.
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

impl Diagnostic {
    /// An error with a code and a title; add labels and help with the
    /// builder methods.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            fixes: None,
            finding: None,
        }
    }

    /// A warning with a code and a title.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label.
    pub fn primary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a machine-applicable fix.
    pub fn suggest(
        mut self,
        message: impl Into<String>,
        file: FileId,
        span: Span,
        replacement: impl Into<String>,
    ) -> Diagnostic {
        self.add_suggestion(Suggestion {
            message: message.into(),
            file,
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// Adds a machine-applicable fix built elsewhere.
    pub fn add_suggestion(&mut self, suggestion: Suggestion) {
        self.fixes.get_or_insert_default().push(suggestion);
    }

    /// The machine-applicable fixes, in the order they were added.
    pub fn suggestions(&self) -> &[Suggestion] {
        self.fixes.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Whether this diagnostic stops compilation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Moves every label to `file`: for diagnostics of a single file found
    /// before the file had its final id.
    pub fn in_file(mut self, file: FileId) -> Diagnostic {
        for label in &mut self.labels {
            label.file = file;
        }
        for suggestion in self.fixes.iter_mut().flat_map(|fixes| fixes.iter_mut()) {
            suggestion.file = file;
        }
        self
    }

    /// The main location: the first primary label, else the first label.
    pub fn primary_label(&self) -> Option<&Label> {
        self.labels
            .iter()
            .find(|label| label.primary)
            .or_else(|| self.labels.first())
    }
}

/// Sorts diagnostics by file name (in `sources`), position and code, so
/// that output depends neither on the order in which passes found them
/// nor on the order the files were named or loaded in (`pipec check
/// b.pipe a.pipe`).
pub fn sort_by_name(diagnostics: &mut [Diagnostic], sources: &crate::source::SourceMap) {
    diagnostics.sort_by(|left, right| {
        let key = |diagnostic: &Diagnostic| {
            diagnostic.primary_label().map(|label| {
                (
                    sources.get(label.file).map(|file| file.name.as_str()),
                    label.span.start,
                    label.span.end,
                )
            })
        };
        key(left)
            .cmp(&key(right))
            .then_with(|| left.code.cmp(&right.code))
            .then_with(|| left.message.cmp(&right.message))
    });
}

/// Cuts long quotes of source text out of every diagnostic's texts (see
/// `elide`), so that a report's size depends on the number of problems
/// rather than on the length of a token.
pub fn shorten(diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        elide::shorten(diagnostic);
    }
}

/// Errors first, then the rest, each in the order given: the order the
/// command line reports diagnostics in.
pub fn errors_first<'d>(
    diagnostics: impl IntoIterator<Item = &'d Diagnostic>,
) -> Vec<&'d Diagnostic> {
    let (mut errors, rest): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        diagnostics.into_iter().partition(|d| d.is_error());
    errors.extend(rest);
    errors
}

/// What was found, as closing lines say it: `2 errors, 1 warning`, and
/// why it failed when warnings alone made it (`--deny-warnings`).
pub fn counts(errors: usize, warnings: usize, warnings_denied: bool) -> String {
    let counts = format!(
        "{}, {}",
        counted(errors, "error"),
        counted(warnings, "warning")
    );
    if warnings_denied && errors == 0 && warnings > 0 {
        format!("{counts} (denied by --deny-warnings)")
    } else {
        counts
    }
}

/// The line `pipec check` closes with (the playground prints it too).
pub fn check_closing_line(
    file_count: usize,
    errors: usize,
    warnings: usize,
    warnings_denied: bool,
) -> String {
    let files = counted(file_count, "file");
    if errors > 0 || (warnings_denied && warnings > 0) {
        format!(
            "error: checked {files}: {}",
            counts(errors, warnings, warnings_denied)
        )
    } else {
        format!(
            "checked {files}: no errors, {}",
            counted(warnings, "warning")
        )
    }
}

/// `count` and the noun in the number it takes: "1 error", "3 regions".
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
