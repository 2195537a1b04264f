//! Ending the server when the editor that started it is gone. LSP clients
//! pass their process id in `initialize`; an editor that crashes never
//! sends `exit`, and a server left reading a pipe nobody writes to would
//! live on. On Linux the process's `/proc` entry says whether it still
//! runs; elsewhere the server ends when its input closes, as before.

use std::time::Duration;

/// How often the client's process is looked for.
const EVERY: Duration = Duration::from_secs(2);

/// Watches process `pid` on a thread of its own and ends this process
/// (status 1, as `exit` without `shutdown`) once it has gone.
pub fn watch(pid: u32) {
    let entry = std::path::PathBuf::from(format!("/proc/{pid}"));
    if !cfg!(target_os = "linux") || !entry.exists() {
        // Not a process this machine shows: nothing to watch.
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("pipec-lsp-client-watch".to_string())
        .spawn(move || {
            while entry.exists() {
                std::thread::sleep(EVERY);
            }
            log_line!("pipec lsp: the client (process {pid}) has gone; exiting");
            std::process::exit(1);
        });
    if let Err(error) = spawned {
        log_line!("pipec lsp: cannot watch the client process: {error}");
    }
}
