//! `pipec fmt`: rewrites `.pipe` files in the canonical layout, or with
//! `--check` lists those that are not in it.

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
    /// Not formatted, for a reason already reported; the exit code says
    /// how bad.
    Refused(u8),
}

/// Formats `paths` (files, directories, or `-` alone for standard input
/// to standard output). Exit code: 0 when every file is (now) formatted,
/// 1 when `--check` found files to reformat or a file has syntax errors,
/// 2 for I/O problems and files the formatter could not format safely.
pub fn run(paths: &[PathBuf], check: bool, color: ColorChoice) -> miette::Result<u8> {
    if paths.iter().any(|path| path.as_os_str() == "-") {
        if paths.len() > 1 {
            return Err(miette::miette!(
                help = "run `pipec fmt -` alone, or name the files",
                "`-` formats standard input to standard output and cannot be combined with paths"
            ));
        }
        return run_stdin(check, color);
    }
    let entries = files::collect_entries(paths, None)?;
    let total = entries.len();
    let mut exit = 0;
    let mut changed = 0;
    for entry in entries {
        let name = entry.path.display().to_string();
        let bytes = entry.bytes.unwrap_or_default();
        match format_bytes(&name, &bytes, color) {
            Outcome::Formatted { changed: false, .. } => {}
            Outcome::Formatted {
                text,
                changed: true,
            } => {
                changed += 1;
                if check {
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
            Outcome::Refused(code) => exit = exit.max(code),
        }
    }
    let files_word = if total == 1 { "file" } else { "files" };
    if check {
        eprintln!("checked {total} {files_word}: {changed} would be reformatted");
    } else {
        eprintln!("formatted {total} {files_word}: {changed} rewritten");
    }
    Ok(exit)
}

fn run_stdin(check: bool, color: ColorChoice) -> miette::Result<u8> {
    let bytes = files::read_stdin()?;
    match format_bytes("<stdin>", &bytes, color) {
        Outcome::Refused(code) => Ok(code),
        Outcome::Formatted { changed, .. } if check => {
            if changed {
                output::write_stdout("<stdin>\n")?;
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

/// Formats one file's bytes, reporting why when it cannot.
fn format_bytes(name: &str, bytes: &[u8], color: ColorChoice) -> Outcome {
    let (text, decode_error) = syntax::decode(bytes);
    let mut sources = SourceMap::new();
    let file = sources.add(SourceFile::new(name, text.clone()));
    if let Some(error) = decode_error {
        render::to_stderr(&[error.to_diagnostic(file)], &sources, color);
        return Outcome::Refused(EXIT_ERRORS);
    }
    match syntax::format::format(&text, file) {
        Ok(formatted) => Outcome::Formatted {
            changed: formatted != text,
            text: formatted,
        },
        Err(FormatError::Syntax(diagnostics)) => {
            render::to_stderr(&diagnostics, &sources, color);
            eprintln!("error: {name} has syntax errors and was not formatted");
            Outcome::Refused(EXIT_ERRORS)
        }
        Err(FormatError::Unsafe(reason)) => {
            eprintln!(
                "error: {name} was left unchanged: {reason} (a bug in `pipec fmt`; please report it with the file)"
            );
            Outcome::Refused(EXIT_FAILURE)
        }
    }
}
