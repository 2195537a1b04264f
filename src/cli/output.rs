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
    // P1002 whatever the refusal: a missing directory here is no path
    // the user named as an input (P1001).
    pipec::disk::write_atomically(path, bytes).map_err(|error| {
        miette::miette!(
            code = "P1002",
            "could not write {}: {error}",
            path.display()
        )
    })
}

/// Runs `write` with the directory `dir` in place, creating it and any
/// missing directory above it first (`-o .github/workflows/x.yml` in a
/// fresh checkout). Unless `write` succeeds (exit code 0), the directories
/// created are removed again, deepest first, each only if still empty:
/// a command that writes nothing leaves nothing behind, and nothing of
/// anyone else's is removed.
pub fn with_directory(
    dir: &std::path::Path,
    write: impl FnOnce() -> miette::Result<u8>,
) -> miette::Result<u8> {
    let missing: Vec<&std::path::Path> = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .collect();
    std::fs::create_dir_all(dir).map_err(|error| {
        miette::miette!(
            code = "P1002",
            "could not create {}: {error}",
            dir.display()
        )
    })?;
    let result = write();
    if !matches!(result, Ok(0)) {
        for created in missing {
            let _ = std::fs::remove_dir(created);
        }
    }
    result
}
