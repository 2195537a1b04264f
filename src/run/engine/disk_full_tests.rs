//! A journal write that fails (a full disk) stops the run, exit status 2,
//! and progress never shows a transition whose record is not on disk.
//!
//! The failure is injected at one sequence number through the journal's
//! test seam (`FAIL_AT_SEQ`), in a child process running one test, so
//! that its standard error (the progress) can be read whole.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::export::plan_v1;
use crate::run::state::journal::{self, FAIL_AT_SEQ, Record};
use crate::run::{Options, Outcome};
use std::path::{Path, PathBuf};

/// Two builds, `b` after `a`, each appending its name to `effects.txt`.
const PLAN: &str = r#"{"format_version":"1.1","pipeline":"p","compiler":{"name":"pipec","version":"0"},
"profile":null,"artifacts":[],"regions":[],"gates":[],"alarms":[],"steps":[
{"id":"a","kind":"build","needs":[],"target":{"stage":"build"},"build":{"artifact":"a","sources":[],
 "command":"sh -c 'echo a >> effects.txt'","argv":["sh","-c","echo a >> effects.txt"],"sign":false},
 "gates":[],"provenance":{"file":"p.pipe","line":1,"column":1,"how":"set","overrides":[]}},
{"id":"b","kind":"build","needs":["a"],"target":{"stage":"build"},"build":{"artifact":"b","sources":[],
 "command":"sh -c 'echo b >> effects.txt'","argv":["sh","-c","echo b >> effects.txt"],"sign":false},
 "gates":[],"provenance":{"file":"p.pipe","line":1,"column":1,"how":"set","overrides":[]}}]}"#;

/// Set in the child: `DIR` (the base directory) and the sequence number
/// whose append fails, or `-` for none, and whether to resume.
const CHILD: &str = "PIPEC_DISK_FULL_TEST_CHILD";

const TEST: &str = "run::engine::disk_full_tests::a_failed_journal_write_stops_the_run_before_its_transition_shows";

fn options(dir: &Path, resume: bool) -> Options {
    Options {
        state_dir: dir.join("state"),
        resume,
        speed: 1.0,
        start_at: None,
        alarm_command: None,
        jobs: 1,
        approve: Vec::new(),
        auto_approve: false,
        overrides: Vec::new(),
        base_dir: dir.to_path_buf(),
        terminal: false,
        rollback_timeout: crate::run::DEFAULT_ROLLBACK_TIMEOUT,
    }
}

/// In the child: one invocation, its ending written last on stderr.
fn child(spec: &str) {
    let mut parts = spec.split('|');
    let dir = PathBuf::from(parts.next().unwrap());
    let fail_at = parts.next().unwrap().parse::<u64>().ok();
    let resume = parts.next() == Some("resume");
    FAIL_AT_SEQ.with(|cell| cell.set(fail_at));
    let plan = plan_v1::from_json(PLAN).unwrap();
    let ended = match crate::run::run(plan, &options(&dir, resume)) {
        Ok(Outcome::Completed { .. }) => "ENDED completed".to_string(),
        Ok(other) => format!("ENDED {other:?}"),
        Err(error) => format!("ENDED error: {}", error.message),
    };
    eprintln!("{ended}");
}

/// Runs this test's child; its standard error.
fn invoke(dir: &Path, fail_at: Option<u64>, resume: bool) -> String {
    let spec = format!(
        "{}|{}|{}",
        dir.display(),
        fail_at.map_or_else(|| "-".to_string(), |seq| seq.to_string()),
        if resume { "resume" } else { "new" }
    );
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, spec)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn effects(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("effects.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn records(dir: &Path) -> Vec<Record> {
    let (entries, _) = journal::read(&dir.join("state").join("journal")).unwrap();
    entries.into_iter().map(|entry| entry.record).collect()
}

#[test]
fn a_failed_journal_write_stops_the_run_before_its_transition_shows() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    let dir = std::env::temp_dir().join(format!("pipec-disk-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // Seq 1 is run_started, 2 a's start, 3 a's end: the disk fills there.
    let err = invoke(&dir, Some(3), false);
    assert!(
        err.contains("ENDED error: cannot record the run's progress:"),
        "{err}"
    );
    assert!(err.contains("journal: no storage space"), "{err}");
    assert!(err.contains("started    a"), "{err}");
    assert!(!err.contains("succeeded  a"), "{err}");
    assert!(!err.contains("started    b"), "{err}");
    assert_eq!(effects(&dir), ["a"]);
    // Not recorded, so not done: the resume runs `a` again, then `b`.
    let err = invoke(&dir, None, true);
    assert!(err.contains("ENDED completed"), "{err}");
    assert!(err.contains("started    a (attempt 2)"), "{err}");
    assert_eq!(effects(&dir), ["a", "a", "b"]);

    // Now the disk fills at b's start (seq 4): a's success is on disk,
    // shown, and never run again.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let err = invoke(&dir, Some(4), false);
    assert!(err.contains("succeeded  a"), "{err}");
    assert!(!err.contains("started    b"), "{err}");
    assert!(err.contains("ENDED error: cannot record"), "{err}");
    assert_eq!(effects(&dir), ["a"]);
    let err = invoke(&dir, None, true);
    assert!(err.contains("ENDED completed"), "{err}");
    assert!(!err.contains("started    a"), "{err}");
    assert_eq!(effects(&dir), ["a", "b"]);
    let starts_of_a = records(&dir)
        .iter()
        .filter(|record| matches!(record, Record::StepStarted { step, .. } if step == "a"))
        .count();
    assert_eq!(starts_of_a, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
