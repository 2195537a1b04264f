//! Writing results: to standard output, where machine-readable results go,
//! and to files, atomically.

use miette::{IntoDiagnostic, WrapErr};
use std::io::Write;

/// Writes all of `text` to standard output and flushes it. A reader that
/// closed the pipe is not an error; any other failure (a full disk) is an
/// I/O error of the command.
pub fn write_stdout(text: &str) -> miette::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that stops early (`pipec compile ... | head`) wants no
        // more; like other command-line tools, say nothing of it.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result
            .into_diagnostic()
            .wrap_err("could not write to standard output"),
    }
}

/// Writes a file so that readers see the old content or the whole new one
/// (see [`pipec::disk::write_atomically`]: a temporary file of an
/// unpredictable name beside it, created new, synced, then renamed over
/// it). A file replaced keeps its permissions.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> miette::Result<()> {
    pipec::disk::write_atomically(path, bytes)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not write {}", path.display()))
}
