//! Rendering diagnostics as text with codespan-reporting. This is the only
//! module that knows codespan's types. Long quotes in messages are cut
//! (`super::elide`), and long lines are shown as a window around their
//! labels (`excerpt`), so that a report stays short whatever the input.

mod excerpt;

use super::elide::shortened;
use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor};
use excerpt::{Excerpts, Place};
use std::ops::Range;

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless `NO_COLOR` says not to
    /// (or `FORCE_COLOR` says to): see [`colour_enabled`].
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|file| file.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|file| file.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        self.get(id)
            .map(|file| file.line_index(byte_index))
            .ok_or(FilesError::FileMissing)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        // A leading byte-order mark is no part of the first line, so that
        // no column counts it and the line is shown without it.
        let start = if start == 0 && file.text.starts_with(crate::source::BOM) {
            crate::source::BOM.len().min(end)
        } else {
            start
        };
        Ok(start..end)
    }
}

/// A diagnostic in codespan's terms, with the excerpts its labels point
/// into when one of their lines is too long to show whole (then the
/// labels' ranges are the excerpts' offsets).
fn to_codespan<'s>(
    diagnostic: &Diagnostic,
    sources: &'s SourceMap,
) -> (cs::Diagnostic<FileId>, Option<Excerpts<'s>>) {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let places: Vec<Place> = diagnostic
        .labels
        .iter()
        .map(|label| {
            // Clamp to the file so that a stale span can never make the
            // renderer fail.
            let file = sources.get(label.file);
            let len = file.map_or(0, |file| file.text.len());
            // Nor start inside a leading byte-order mark, which the first
            // line does not hold (`line_range`).
            let first = file
                .filter(|file| file.text.starts_with(crate::source::BOM))
                .map_or(0, |_| crate::source::BOM.len());
            let start = label.span.start().clamp(first.min(len), len);
            let end = label.span.end().clamp(start, len);
            Place {
                file: label.file,
                range: start..end,
                primary: label.primary,
            }
        })
        .collect();
    let excerpts = Excerpts::new(sources, &places);
    let labels = diagnostic
        .labels
        .iter()
        .zip(places)
        .map(|(label, place)| {
            let style = if label.primary {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            let range = match &excerpts {
                Some(excerpts) => excerpts.map(place.file, place.range),
                None => place.range,
            };
            cs::Label::new(style, label.file, range).with_message(shortened(&label.message))
        })
        .collect();
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|note| shortened(note))
        .collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", shortened(help)));
    }
    let rendered = cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(shortened(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes);
    (rendered, excerpts)
}

/// Renders diagnostics as plain text, without colour: what tests snapshot.
pub fn to_plain_string(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let (cs_diagnostic, excerpts) = to_codespan(diagnostic, sources);
        let rendered = match &excerpts {
            Some(excerpts) => term::emit_into_string(&config, excerpts, &cs_diagnostic),
            None => term::emit_into_string(&config, sources, &cs_diagnostic),
        };
        match rendered {
            Ok(text) => out.push_str(&text),
            Err(error) => out.push_str(&format!(
                "{}[{}]: {} (could not show the source: {error})\n",
                severity_word(diagnostic.severity),
                diagnostic.code,
                shortened(&diagnostic.message)
            )),
        }
    }
    out
}

/// Whether output to a stream is coloured: `--color always` or `never`
/// as said; with `auto`, not when `NO_COLOR` is set to anything but the
/// empty string (no-color.org), else always when `FORCE_COLOR` or
/// `CLICOLOR_FORCE` is set to anything but the empty string or `0` (a CI
/// log that shows colours), else when the stream is a terminal whose
/// `TERM` is not `dumb`.
pub fn colour_enabled(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    let set =
        |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty() && value != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()) {
                false
            } else if set("FORCE_COLOR") || set("CLICOLOR_FORCE") {
                true
            } else {
                stream_is_terminal && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
            }
        }
    }
}

/// Writes diagnostics to standard error, coloured as `choice` says.
pub fn to_stderr(diagnostics: &[Diagnostic], sources: &SourceMap, choice: ColorChoice) {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // Once decided here, colour is forced on or off: termcolor's own
    // `Auto` would turn it off again for an empty `NO_COLOR`.
    let color = if colour_enabled(choice, terminal) {
        termcolor::ColorChoice::Always
    } else {
        termcolor::ColorChoice::Never
    };
    let stream = termcolor::StandardStream::stderr(color);
    let mut lock = stream.lock();
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let (cs_diagnostic, excerpts) = to_codespan(diagnostic, sources);
        // A failure to write to stderr leaves nothing better to report to.
        let _ = match &excerpts {
            Some(excerpts) => {
                term::emit_to_write_style(&mut lock, &config, excerpts, &cs_diagnostic)
            }
            None => term::emit_to_write_style(&mut lock, &config, sources, &cs_diagnostic),
        };
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}
