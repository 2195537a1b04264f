//! The race against Jsonnet (benches/peers/) compares like with like:
//! the Jsonnet it writes gives, under go-jsonnet and C++ jsonnet, the
//! same steps as pipec's plans (ids, kinds, regions, AZs, one-boxes,
//! bakes, rollback alarms, needs), and the comparison catches a
//! difference.
//!
//! The Jsonnet implementations come from PyPI (benches/peers/
//! requirements.txt), in the virtualenv whose Python `PIPEC_PEERS_PYTHON`
//! names; scripts/test.sh always sets it, and a set variable naming
//! nothing fails. Unset, the test says so and passes.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

fn peers_python() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("PIPEC_PEERS_PYTHON").map(PathBuf::from) else {
        eprintln!(
            "PIPEC_PEERS_PYTHON is not set: not comparing with Jsonnet (scripts/test.sh sets it)"
        );
        return None;
    };
    assert!(
        path.is_file(),
        "PIPEC_PEERS_PYTHON is set to {} which does not exist; run scripts/test.sh",
        path.display()
    );
    Some(path)
}

/// Runs `race.py same` on `count` services, with the race's Jsonnet
/// changed by `edit` (Python code run on the module before the
/// comparison).
fn same(python: &PathBuf, count: usize, edit: &str) -> std::process::Output {
    let program = format!(
        "import sys; sys.path.insert(0, 'benches/peers'); import race\n{edit}\n\
         sys.argv = ['race.py', 'same', '{count}', sys.argv[1], sys.argv[2]]\nrace.main()"
    );
    Command::new("python3")
        .args(["-c", &program, env!("CARGO_BIN_EXE_pipec")])
        .arg(python)
        .output()
        .unwrap()
}

#[test]
fn jsonnet_and_pipec_give_the_same_steps() {
    let Some(python) = peers_python() else {
        return;
    };
    let output = same(&python, 3, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("same steps: 3 pipelines, 378 steps"),
        "{stdout}"
    );

    // A Jsonnet that bakes the first wave 12h instead of the service's
    // 24h is caught, at that step.
    let output = same(
        &python,
        2,
        "race.SERVICE_LIBSONNET = race.SERVICE_LIBSONNET.replace('24 * 3600', '12 * 3600')",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("differ") && stderr.contains("production/first/bake"),
        "{stderr}"
    );
}
