//! External programs the tests drive: finding Neovim, and waiting for a
//! child with a bound so that a hang fails a test instead of the run.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The Neovim to run: `PIPEC_NVIM`, which must then exist, else `nvim` if
/// it is on the PATH.
pub fn nvim() -> Option<PathBuf> {
    if let Some(program) = std::env::var_os("PIPEC_NVIM") {
        return Some(PathBuf::from(program));
    }
    let found = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    found.then(|| PathBuf::from("nvim"))
}

/// Waits for a child, killing it after `limit`.
pub fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Says that a check was not run because what it needs is missing, where
/// people see it: straight to the standard error stream, which the test
/// harness does not capture (it captures only `print!` and `eprint!`), so
/// that a plain `cargo test` shows every skipped validation.
pub fn not_run(what: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "note: {what}: not run ({why}; ./scripts/test.sh sets it)"
    );
}
