//! Writing to standard output, where machine-readable results go.

use miette::{IntoDiagnostic, WrapErr};
use std::io::Write;

/// Writes all of `text` to standard output and flushes it; a failure (a
/// closed pipe, a full disk) is an I/O error of the command.
pub fn write_stdout(text: &str) -> miette::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .into_diagnostic()
        .wrap_err("could not write to standard output")
}
