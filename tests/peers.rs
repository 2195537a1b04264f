//! The race against Jsonnet (benches/peers/) compares like with like:
//! the Jsonnet it writes gives, under go-jsonnet and C++ jsonnet, the
//! same steps as pipec's plans (ids, kinds, regions, AZs, one-boxes,
//! bakes, rollback alarms, needs), and the comparison catches a
//! difference.
//!
//! The Jsonnet implementations come from PyPI (benches/peers/
//! requirements.txt), in the virtualenv whose Python `PIPEC_PEERS_PYTHON`
//! names; scripts/test.sh always sets it, and a set variable naming
//! nothing fails. Unset, the test says so and passes. The race's own
//! options (which pipec it runs, who it leaves out) need only python3.

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

/// Runs `program` in a Python that has imported `benches/peers/race.py`
/// as `race`, with `CARGO_TARGET_DIR` set to `target` (or unset).
fn with_race(program: &str, target: Option<&str>) -> std::process::Output {
    let mut command = Command::new("python3");
    command.args([
        "-c",
        &format!("import sys; sys.path.insert(0, 'benches/peers'); import race\n{program}"),
    ]);
    match target {
        Some(target) => command.env("CARGO_TARGET_DIR", target),
        None => command.env_remove("CARGO_TARGET_DIR"),
    };
    command.output().unwrap()
}

/// `benches/peers/run` builds the release pipec with cargo, and the race
/// runs that build: the one under `CARGO_TARGET_DIR` when it is set, not
/// whatever `target/release/pipec` holds.
#[test]
fn the_race_runs_the_pipec_cargo_built() {
    let root = env!("CARGO_MANIFEST_DIR");
    let default = |target| {
        let output = with_race("print(race.default_pipec())", target);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
    };
    assert_eq!(
        default(None),
        PathBuf::from(root).join("target/release/pipec")
    );
    assert_eq!(
        default(Some("/elsewhere/build")),
        PathBuf::from("/elsewhere/build/release/pipec")
    );
    assert_eq!(
        default(Some("build")),
        PathBuf::from(root).join("build/release/pipec")
    );
    let run = std::fs::read_to_string("benches/peers/run").unwrap();
    assert!(
        !run.contains("target/release"),
        "benches/peers/run names target/release itself:\n{run}"
    );
}

/// `--skip` takes the contenders' names as the report prints them, and
/// refuses any other before anything is generated or timed.
#[test]
fn the_race_refuses_a_contender_it_does_not_know() {
    let output = with_race(
        "sys.argv = ['race.py', 'race', '--python', 'nowhere', '--skip', 'go-jsonet']\nrace.main()",
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid choice: 'go-jsonet'") && stderr.contains("'C++ jsonnet'"),
        "{stderr}"
    );
}
