//! Helpers for the tests of `pipec run`: scratch workspaces with small
//! scripts, running the binary, and reading a run's state.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use pipec::export::plan_v1::{self, PlanV1};
use pipec::run::state::journal::{self, Entry, Record, StepOutcome};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The registry every fixture deploys to.
pub const LAB: &str = r#"registry lab {
  partition = "lab"
  region lab-east-1  { traffic = low;  azs = [labe1-az1, labe1-az2] }
  region lab-west-1  { traffic = high; azs = [labw1-az1] }
  region lab-north-1 { traffic = high; azs = [labn1-az1] }
}
"#;

/// `pipec run` of the workspace's `pipeline.pipe` at 36000x, its alarms
/// asked of `scripts/check-alarm.sh`.
pub const RUN_WATCHING_ALARMS: &[&str] = &[
    "run",
    "pipeline.pipe",
    "--speed",
    "36000",
    "--alarm-command",
    "./scripts/check-alarm.sh",
];

/// Appends the step's id (and its first argument, if any) to
/// `effects.txt`: the side effect the tests count. Appending one line is
/// idempotent enough for the tests, which compare sets of lines.
pub const EFFECT_SCRIPT: &str = r#"#!/bin/sh
set -eu
echo "${PIPEC_STEP_ID}${1:+ $1}" >> effects.txt
"#;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch workspace, removed when dropped.
pub struct Workspace {
    pub dir: PathBuf,
}

impl Workspace {
    /// An empty workspace (a `pipec.toml`, `scripts/effect.sh`) named
    /// after the test.
    pub fn new(name: &str) -> Workspace {
        let dir = std::env::temp_dir().join(format!(
            "pipec-run-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let workspace = Workspace { dir };
        workspace.file("pipec.toml", "");
        workspace.script("scripts/effect.sh", EFFECT_SCRIPT);
        workspace
    }

    /// Writes a file.
    pub fn file(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Writes an executable script.
    pub fn script(&self, path: &str, text: &str) {
        self.file(path, text);
        let path = self.dir.join(path);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Where the runs of this workspace keep their state by default: a
    /// directory of its own outside the work tree (`XDG_STATE_HOME`).
    pub fn state_home(&self) -> PathBuf {
        let mut name = self.dir.as_os_str().to_owned();
        name.push(".state");
        PathBuf::from(name)
    }

    /// The workspace's default state directory for `pipeline`, of a run
    /// whose base directory is the workspace.
    pub fn state(&self, pipeline: &str) -> PathBuf {
        self.state_of(&self.dir, pipeline)
    }

    /// The default state directory for `pipeline` run from `base_dir`.
    pub fn state_of(&self, base_dir: &Path, pipeline: &str) -> PathBuf {
        let home = self.state_home();
        pipec::run::plan_source::default_state_dir(
            &std::fs::canonicalize(base_dir).unwrap(),
            pipeline,
            |name| (name == "XDG_STATE_HOME").then(|| home.to_string_lossy().into_owned()),
        )
        .unwrap()
    }

    /// `pipec` in the workspace, with a clean environment for the runner's
    /// own variables.
    pub fn pipec(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pipec"));
        command
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .env("XDG_STATE_HOME", self.state_home());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PIPEC_") {
                command.env_remove(name);
            }
        }
        command
    }

    /// Runs `pipec` with `args` and waits.
    pub fn run(&self, args: &[&str]) -> Output {
        self.pipec().args(args).output().unwrap()
    }

    /// The lines of `effects.txt`, in order.
    pub fn effects(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("effects.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(self.state_home());
    }
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code, with the output when it is not the one expected.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    );
}

/// The journal's records (which must parse).
pub fn journal(state: &Path) -> Vec<Entry> {
    match journal::read(&state.join("journal")) {
        Ok((entries, _)) => entries,
        Err(error) => panic!("the journal does not parse: {error}"),
    }
}

/// The plan the state holds.
pub fn plan(state: &Path) -> PlanV1 {
    plan_v1::from_json(&std::fs::read_to_string(state.join("plan.json")).unwrap()).unwrap()
}

/// Each step's last recorded outcome.
pub fn outcomes(entries: &[Entry]) -> BTreeMap<String, StepOutcome> {
    let mut outcomes = BTreeMap::new();
    for entry in entries {
        if let Record::StepFinished { step, outcome, .. } = &entry.record {
            outcomes.insert(step.clone(), *outcome);
        }
    }
    outcomes
}

/// The steps started, in the order they started (repeats included).
pub fn started(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|entry| match &entry.record {
            Record::StepStarted { step, .. } => Some(step.clone()),
            _ => None,
        })
        .collect()
}

/// Steps started and not finished at the end of the journal.
pub fn unfinished(entries: &[Entry]) -> BTreeSet<String> {
    let mut running = BTreeSet::new();
    for entry in entries {
        match &entry.record {
            Record::StepStarted { step, .. } => {
                running.insert(step.clone());
            }
            Record::StepFinished { step, .. } => {
                running.remove(step);
            }
            _ => {}
        }
    }
    running
}

/// Every start in the journal comes after each of the step's needs
/// succeeded, and the journal's sequence numbers run 1, 2, 3, ...
pub fn assert_dependency_order(state: &Path) {
    let plan = plan(state);
    let entries = journal(state);
    for (index, entry) in entries.iter().enumerate() {
        assert_eq!(entry.seq, index as u64 + 1);
    }
    let mut succeeded: BTreeSet<String> = BTreeSet::new();
    for entry in &entries {
        match &entry.record {
            Record::StepStarted { step, .. } => {
                let needs = &plan.steps.iter().find(|s| *s.id == **step).unwrap().needs;
                for need in needs {
                    assert!(
                        succeeded.contains(&**need),
                        "{step} started before {need} succeeded"
                    );
                }
            }
            Record::StepFinished {
                step,
                outcome: StepOutcome::Succeeded,
                ..
            } => {
                succeeded.insert(step.clone());
            }
            _ => {}
        }
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
