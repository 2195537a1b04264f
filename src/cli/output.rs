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

/// Writes a file so that readers see the old content or the whole new one:
/// a temporary file beside it, synced, then renamed over it. A file
/// replaced keeps its permissions.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> miette::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path.file_name().map_or_else(
        || "output".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        // A file replaced keeps its permissions.
        if let Ok(metadata) = std::fs::metadata(path) {
            file.set_permissions(metadata.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
        .into_diagnostic()
        .wrap_err_with(|| format!("could not write {}", path.display()))
}
