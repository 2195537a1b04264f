//! `pipec fmt`: rewrites `.pipe` files in the canonical layout, or with
//! `--check` lists those that are not in it, or with `--diff` shows how
//! they would change.

use super::{EXIT_ERRORS, EXIT_FAILURE, files, output};
use pipec::diagnostics::render::{self, ColorChoice};
use pipec::source::{SourceFile, SourceMap};
use pipec::syntax::{self, format::FormatError};
use std::path::PathBuf;

/// What became of one file.
enum Outcome {
    /// The file in the canonical layout, and whether that differs from
    /// the file as it is.
    Formatted { text: String, changed: bool },
    /// Not formatted, for a reason already reported.
    Refused(Refusal),
}

/// Why a file was not formatted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// It is not UTF-8, or does not parse.
    Syntax,
    /// Formatting it could not be proved safe.
    Unsafe,
}

/// What `pipec fmt` is asked to do.
pub(crate) struct Request<'a> {
    /// Files, directories, or `-` alone.
    pub paths: &'a [PathBuf],
    /// Change nothing; list the files that would change.
    pub check: bool,
    /// Change nothing; print a unified diff of each change.
    pub diff: bool,
    /// The name standard input is reported under.
    pub stdin_filename: Option<&'a str>,
    pub color: ColorChoice,
}

/// Formats `paths` (files, directories, or `-` alone for standard input
/// to standard output). Exit code: 0 when every file is (now) formatted,
/// 1 when `--check` or `--diff` found files to reformat, 2 for files with
/// syntax errors, I/O problems and files the formatter could not format
/// safely.
pub fn run(request: &Request<'_>) -> miette::Result<u8> {
    let paths = request.paths;
    let color = request.color;
    let check = request.check || request.diff;
    if paths.iter().any(|path| path.as_os_str() == "-") {
        if paths.len() > 1 {
            return Err(miette::miette!(
                code = "P1003",
                help = "run `pipec fmt -` alone, or name the files",
                "`-` formats standard input to standard output and cannot be combined with paths"
            ));
        }
        return run_stdin(request);
    }
    if let Some(name) = request.stdin_filename {
        return Err(miette::miette!(
            code = "P1003",
            help = format!(
                "add `-` to format standard input as `{name}`, or leave out `--stdin-filename`"
            ),
            "`--stdin-filename` names standard input, which is read only for `-`"
        ));
    }
    let entries = files::collect_entries(paths, None)?;
    let total = entries.len();
    let mut exit = 0;
    let mut changed = 0;
    let mut refused_syntax = 0;
    let mut refused_unsafe = 0;
    for entry in entries {
        // Named as `check` names it: `a.pipe`, not `./a.pipe`.
        let name = pipec::diagnostics::formats::paths::report_path(
            &entry.path.display().to_string(),
            None,
        );
        let bytes = entry.bytes.unwrap_or_default();
        match format_bytes(&name, &bytes, color) {
            Outcome::Formatted { changed: false, .. } => {}
            Outcome::Formatted {
                text,
                changed: true,
            } => {
                changed += 1;
                if request.diff {
                    let before = String::from_utf8_lossy(&bytes);
                    output::write_stdout(&unified_diff(&name, &before, &text))?;
                    exit = exit.max(EXIT_ERRORS);
                } else if check {
                    output::write_stdout(&format!("{name}\n"))?;
                    exit = exit.max(EXIT_ERRORS);
                } else {
                    // Through a symbolic link, the file it points to is
                    // rewritten; the link stays.
                    let target =
                        std::fs::canonicalize(&entry.path).unwrap_or_else(|_| entry.path.clone());
                    output::write_atomically(&target, text.as_bytes())?;
                }
            }
            Outcome::Refused(refusal) => {
                exit = EXIT_FAILURE;
                match refusal {
                    Refusal::Syntax => refused_syntax += 1,
                    Refusal::Unsafe => refused_unsafe += 1,
                }
            }
        }
    }
    let files_word = if total == 1 { "file" } else { "files" };
    let summary = if check {
        format!("checked {total} {files_word}: {changed} would be reformatted")
    } else {
        format!("formatted {total} {files_word}: {changed} rewritten")
    };
    let mut skipped = Vec::new();
    if refused_syntax > 0 {
        skipped.push(format!("{refused_syntax} with syntax errors"));
    }
    if refused_unsafe > 0 {
        skipped.push(format!("{refused_unsafe} not provably safe to format"));
    }
    if skipped.is_empty() {
        note!("{summary}");
    } else {
        note!(
            "error: {summary}, {} skipped ({})",
            refused_syntax + refused_unsafe,
            skipped.join(", ")
        );
    }
    Ok(exit)
}

fn run_stdin(request: &Request<'_>) -> miette::Result<u8> {
    // Read as every command reads `-`: the `pipec.toml` of the workspace
    // of the file it is named after is read too, so that a typo in it is
    // reported here as it is by `check -`.
    let entries = files::collect_entries(&[std::path::PathBuf::from("-")], request.stdin_filename)?;
    let bytes = entries
        .into_iter()
        .next()
        .and_then(|entry| entry.bytes)
        .unwrap_or_default();
    let name = request.stdin_filename.unwrap_or("<stdin>");
    match format_bytes(name, &bytes, request.color) {
        Outcome::Refused(_) => Ok(EXIT_FAILURE),
        Outcome::Formatted { changed, text } if request.diff => {
            if changed {
                let before = String::from_utf8_lossy(&bytes);
                output::write_stdout(&unified_diff(name, &before, &text))?;
                Ok(EXIT_ERRORS)
            } else {
                Ok(0)
            }
        }
        Outcome::Formatted { changed, .. } if request.check => {
            if changed {
                output::write_stdout(&format!("{name}\n"))?;
                Ok(EXIT_ERRORS)
            } else {
                Ok(0)
            }
        }
        Outcome::Formatted { text, .. } => {
            output::write_stdout(&text)?;
            Ok(0)
        }
    }
}

/// A unified diff from the file as it is to its canonical layout, with
/// three lines of context, as `diff -u` and `git diff` print it.
fn unified_diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Formats one file's bytes, reporting why when it cannot.
fn format_bytes(name: &str, bytes: &[u8], color: ColorChoice) -> Outcome {
    let (text, decode_error) = syntax::decode(bytes.to_vec());
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new(name, text.clone()));
    if let Some(error) = decode_error {
        render::to_stderr(&[error.to_diagnostic(file)], &sources, color);
        return Outcome::Refused(Refusal::Syntax);
    }
    match syntax::format::format(&text, file) {
        Ok(formatted) => Outcome::Formatted {
            changed: formatted != text,
            text: formatted,
        },
        Err(FormatError::Syntax(diagnostics)) => {
            render::to_stderr(&diagnostics, &sources, color);
            note!("error: {name} has syntax errors and was not formatted");
            Outcome::Refused(Refusal::Syntax)
        }
        Err(FormatError::Unsafe(reason)) => {
            note!(
                "error: {name} was left unchanged: {reason} (a bug in `pipec fmt`; please report it with the file)"
            );
            Outcome::Refused(Refusal::Unsafe)
        }
    }
}
