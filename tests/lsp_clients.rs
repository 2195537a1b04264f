//! `pipec lsp` driven by real clients over stdio, as editors drive it:
//! pytest-lsp (tests/lsp_client/, a pygls client) and headless Neovim
//! (tests/lsp_client/nvim/client.lua). tests/lsp.rs covers the server in
//! process; these catch what only a real client sees: framing on stdio,
//! the JSON a client library parses, the exit status of the process.
//!
//! `PIPEC_LSP_PYTEST` names the pytest of the virtualenv scripts/test.sh
//! installs from tools/lsp/requirements.txt; when it is unset (a plain
//! `cargo test`) the pytest suite is skipped with a message. Neovim runs
//! when `PIPEC_NVIM` names it or `nvim` is on the PATH. scripts/test.sh
//! sets both, so CI runs both.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use processes::{nvim, wait_bounded};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const PIPEC: &str = env!("CARGO_BIN_EXE_pipec");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-lsp-client-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

#[test]
fn pytest_lsp_suite() {
    let Some(pytest) = std::env::var_os("PIPEC_LSP_PYTEST") else {
        processes::not_run("pytest-lsp suite", "PIPEC_LSP_PYTEST unset");
        return;
    };
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp_client");
    let child = Command::new(&pytest)
        // No cache directory written into the source tree.
        .args(["-p", "no:cacheprovider", "-q", "-rA"])
        .arg(&suite)
        .current_dir(&suite)
        .env("PIPEC_BIN", PIPEC)
        // Nor bytecode.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", Path::new(&pytest).display()));
    let status = wait_bounded(child, Duration::from_secs(300), "pytest");
    assert!(status.success(), "the pytest-lsp suite failed: {status}");
}

/// Runs tests/lsp_client/nvim/client.lua on `file` and returns its report.
fn run_nvim(nvim: &Path, file: &Path, hover: (u32, u32)) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp_client/nvim/client.lua");
    let out = file.with_extension("report.json");
    let child = Command::new(nvim)
        // No user configuration, plugins, shada or swap file.
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .arg(file)
        .current_dir(file.parent().unwrap())
        .env("PIPEC_BIN", PIPEC)
        .env("PIPEC_NVIM_OUT", &out)
        .env("PIPEC_NVIM_HOVER_LINE", hover.0.to_string())
        .env("PIPEC_NVIM_HOVER_CHARACTER", hover.1.to_string())
        // After the `12` of the mistake, where the fix is typed.
        .env("PIPEC_NVIM_EDIT_LINE", "2")
        .env("PIPEC_NVIM_EDIT_COLUMN", "13")
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", nvim.display()));
    let status = wait_bounded(child, Duration::from_secs(120), "nvim");
    let report = std::fs::read_to_string(&out)
        .unwrap_or_else(|error| panic!("nvim ({status}) wrote no report: {error}"));
    serde_json::from_str(&report).unwrap()
}

#[test]
fn neovim_shows_diagnostics_and_hover() {
    let Some(nvim) = nvim() else {
        processes::not_run("Neovim client", "no `nvim` on the PATH");
        return;
    };
    let dir = scratch("nvim");
    let file = dir.join("mistake.pipe");
    // A count where a duration belongs: P0701 at the `12`.
    std::fs::write(
        &file,
        "template T {\n  stage beta {\n    bake = 12\n  }\n}\n",
    )
    .unwrap();
    let report = run_nvim(&nvim, &file, (2, 5));
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["diagnostics_arrived"], true, "{report:#}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "P0701");
    // Neovim counts from zero; the `12` is at line 3, column 12.
    assert_eq!(
        (diagnostic["lnum"].as_u64(), diagnostic["col"].as_u64()),
        (Some(2), Some(11))
    );
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("expected a duration")
    );
    let hover = report["hover"][0].as_str().unwrap_or_default();
    assert!(hover.contains("effective value: `bake = 12`"), "{report:#}");
    assert!(hover.contains("**duration**"), "{report:#}");
    // The fix typed in the buffer reached the server as a ranged change
    // (sync kind 2) and cleared the diagnostic.
    assert_eq!(report["sync_change"], 2, "{report:#}");
    assert_eq!(report["cleared_after_edit"], true, "{report:#}");
    // Neovim's stop sends shutdown then exit: a clean end.
    assert_eq!(report["stopped"], true, "{report:#}");
    assert_eq!(report["exit_code"], 0, "{report:#}");
    let _ = std::fs::remove_dir_all(dir);
}
