//! `pipec run` and the processes it starts: a command is stopped with its
//! whole process group (a wrapper script's children too) before anything
//! else happens (a rollback, the end of the run); SIGINT and SIGTERM to the
//! runner stop the running groups, are recorded, and `--resume` continues;
//! a rollback that hangs is stopped by its timeout; output without
//! newlines costs bounded memory.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;
mod run_support;

use pipec::run::state::journal::{Record, StepOutcome};
use run_support::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A pipeline of one build, a beta test and a production deploy with a
/// rollback; `test` and `deploy` are the commands of the test and deploy.
fn pipeline(test: &str, deploy: &str) -> String {
    format!(
        r#"{LAB}
pipeline orders {{
  platform = ecs
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{ run = "./scripts/effect.sh" }}
  stage beta {{
    regions = [lab-east-1]
    deploy bundle {{ run = "./scripts/effect.sh" }}
    test integration {{ {test} }}
  }}
  production {{
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    deploy bundle {{ {deploy}; rollback = "./scripts/rollback.sh" }}
    wave first {{ regions = [lab-east-1]; bake = 1h }}
    wave rest  {{ regions = rest; bake = 1h }}
  }}
}}
"#
    )
}

/// A scratch workspace named `name` holding `pipeline.pipe` with these
/// test and deploy commands, and a rollback that does nothing (tests that
/// need another write their own over it).
fn workspace_with(name: &str, test: &str, deploy: &str) -> Workspace {
    let workspace = Workspace::new(name);
    workspace.file("pipeline.pipe", &pipeline(test, deploy));
    workspace.script("scripts/rollback.sh", "#!/bin/sh\n");
    workspace
}

/// An alarm command in alarm for a deploy once `started.txt` exists:
/// as soon as the production deploy's command runs.
const ALARM_ONCE_THE_DEPLOY_STARTED: &str = "#!/bin/sh\nif [ \"${PIPEC_STEP_KIND:-}\" = deploy ] && [ -e started.txt ]; then exit 1; fi\nexit 0\n";

/// A wrapper that leaves a child behind: the child writes `marker` after
/// `delay` seconds unless it is stopped first; the wrapper itself waits.
fn wrapper(marker: &str, delay: &str) -> String {
    format!(
        "#!/bin/sh\necho started >> started.txt\n(sleep {delay}; echo late >> {marker}) &\nsleep 30\n"
    )
}

/// Waits `delay`, then says whether `path` exists in the workspace.
fn appears_within(workspace: &Workspace, path: &str, delay: Duration) -> bool {
    std::thread::sleep(delay);
    workspace.dir.join(path).exists()
}

/// A command that exits while a process it left behind holds its output
/// open: what that process writes after the command ended (and its output
/// was waited for) is not logged, even while the run goes on.
#[test]
fn output_a_leftover_process_writes_after_its_command_ended_is_not_logged() {
    let workspace = workspace_with(
        "leftover-output",
        r#"run = "./scripts/leaves-child.sh""#,
        // The run is still going when the leftover writes.
        r#"run = "sleep 4""#,
    );
    workspace.script(
        "scripts/leaves-child.sh",
        "#!/bin/sh\n(sleep 3; echo late-output) &\necho early-output\n",
    );
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 0);
    let log = std::fs::read_to_string(
        workspace
            .state("orders")
            .join("logs/beta/test/integration.log"),
    )
    .unwrap();
    assert!(log.contains("early-output"), "{log}");
    assert!(
        log.contains("(output still open after the command ended; the rest is not logged)"),
        "{log}"
    );
    assert!(!log.contains("late-output"), "{log}");
    assert!(
        log.trim_end()
            .ends_with("--- beta/test/integration: succeeded ---"),
        "{log}"
    );
}

#[test]
fn a_timeout_stops_the_children_of_a_wrapper_script_too() {
    let workspace = workspace_with(
        "group-timeout",
        r#"run = "./scripts/wrapper.sh"; timeout = 1s"#,
        r#"run = "./scripts/effect.sh""#,
    );
    workspace.script("scripts/wrapper.sh", &wrapper("late-child.txt", "3"));
    let begun = Instant::now();
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("ran past its timeout of 1s"),
        "{}",
        stderr(&output)
    );
    assert!(begun.elapsed() < Duration::from_secs(20));
    // The child would have written its marker 3 s after it started.
    assert!(
        !appears_within(&workspace, "late-child.txt", Duration::from_secs(4)),
        "the wrapper's child outlived it"
    );
}

#[test]
fn an_alarm_stops_the_deploys_whole_group_before_the_rollback_runs() {
    let workspace = workspace_with(
        "group-alarm",
        r#"run = "./scripts/effect.sh""#,
        r#"run = "./scripts/deploy.sh""#,
    );
    // The deploy's own child would finish the deployment 2 s in: after
    // the rollback, had it survived.
    workspace.script("scripts/deploy.sh", &wrapper("deployed.txt", "2"));
    // The rollback records whether the deploy's child is still at work.
    workspace.script(
        "scripts/rollback.sh",
        "#!/bin/sh\nsleep 3\nif [ -e deployed.txt ]; then echo after >> rollback.txt; else echo clean >> rollback.txt; fi\n",
    );
    // In alarm as soon as the production deploy runs.
    workspace.script("scripts/check-alarm.sh", ALARM_ONCE_THE_DEPLOY_STARTED);
    let output = workspace.run(RUN_WATCHING_ALARMS);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("rolled back"), "{err}");
    let rollback = std::fs::read_to_string(workspace.dir.join("rollback.txt")).unwrap();
    assert_eq!(rollback, "clean\n", "{err}");
    assert!(!appears_within(
        &workspace,
        "deployed.txt",
        Duration::from_secs(1)
    ));
}

#[test]
fn an_alarm_is_recorded_before_the_command_it_stops_is_gone() {
    let workspace = workspace_with(
        "alarm-first",
        r#"run = "./scripts/effect.sh""#,
        r#"run = "./scripts/deploy.sh""#,
    );
    let journal = workspace.state("orders").join("journal");
    // The deploy outlives SIGTERM (the runner's grace period, then
    // SIGKILL): a second after SIGTERM it looks whether the alarm is on
    // record already, as it must be before the runner waits for it.
    workspace.script(
        "scripts/deploy.sh",
        &format!(
            "#!/bin/sh\necho $$ > deploy.pid\n\
             trap 'sleep 1; if grep -q alarm_fired \"{}\"; then echo recorded > at-term.txt; else echo missing > at-term.txt; fi' TERM\n\
             echo started >> started.txt\n\
             while :; do sleep 1; done\n",
            journal.display()
        ),
    );
    // The rollback says whether the deploy was still alive when it ran.
    workspace.script(
        "scripts/rollback.sh",
        "#!/bin/sh\nif kill -0 \"$(cat deploy.pid)\" 2>/dev/null; then echo early >> rollback.txt; else echo after >> rollback.txt; fi\n",
    );
    workspace.script("scripts/check-alarm.sh", ALARM_ONCE_THE_DEPLOY_STARTED);
    let output = workspace.run(RUN_WATCHING_ALARMS);
    assert_exit(&output, 1);
    let err = stderr(&output);
    let at_term = std::fs::read_to_string(workspace.dir.join("at-term.txt")).unwrap();
    assert_eq!(at_term, "recorded\n", "{err}");
    let rollback = std::fs::read_to_string(workspace.dir.join("rollback.txt")).unwrap();
    assert_eq!(rollback, "after\n", "{err}");
    let entries = journal_entries(&workspace);
    let alarm = entries
        .iter()
        .position(|entry| matches!(entry.record, Record::AlarmFired { .. }))
        .unwrap();
    // Nothing started once the alarm was on record.
    assert!(
        !entries[alarm..]
            .iter()
            .any(|entry| matches!(entry.record, Record::StepStarted { .. })),
        "{err}"
    );
}

fn journal_entries(workspace: &Workspace) -> Vec<pipec::run::state::journal::Entry> {
    journal(&workspace.state("orders"))
}

#[test]
fn a_rollback_that_hangs_is_stopped_by_its_timeout() {
    let workspace = workspace_with(
        "rollback-timeout",
        r#"run = "./scripts/effect.sh""#,
        r#"run = "./scripts/effect.sh""#,
    );
    workspace.script("scripts/rollback.sh", &wrapper("rolled-late.txt", "3"));
    // In alarm during the production bake.
    workspace.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\nif [ \"${PIPEC_STEP_KIND:-}\" = bake ]; then exit 1; fi\nexit 0\n",
    );
    let begun = Instant::now();
    let output = workspace.run(&[RUN_WATCHING_ALARMS, &["--rollback-timeout", "1s"]].concat());
    assert_exit(&output, 1);
    assert!(begun.elapsed() < Duration::from_secs(20));
    // The progress line says it too: the deploy was not undone.
    let err = stderr(&output);
    assert!(
        err.lines()
            .any(|line| line.contains("not undone ") && line.contains("ran past its timeout")),
        "{err}"
    );
    assert!(!err.contains("undone     "), "{err}");
    let entries = journal(&workspace.state("orders"));
    let undone = entries
        .iter()
        .find_map(|entry| match &entry.record {
            Record::UndoFinished { ok, detail, .. } => Some((*ok, detail.clone())),
            _ => None,
        })
        .unwrap();
    assert!(!undone.0, "{undone:?}");
    assert!(
        undone
            .1
            .as_deref()
            .unwrap_or_default()
            .contains("ran past its timeout of 1s"),
        "{undone:?}"
    );
    assert!(!appears_within(
        &workspace,
        "rolled-late.txt",
        Duration::from_secs(3)
    ));
}

/// Starts a run whose test hangs in a wrapper, waits until the test has
/// started, sends `signal`, and returns the workspace and the finished
/// run's output.
fn interrupted_run(name: &str, signal: &str) -> (Workspace, std::process::Output) {
    let workspace = workspace_with(
        name,
        r#"run = "./scripts/wrapper.sh""#,
        r#"run = "./scripts/effect.sh""#,
    );
    interrupted(
        workspace,
        &["run", "pipeline.pipe", "--speed", "36000"],
        signal,
    )
}

/// Runs `pipec` with `args` in `workspace` (whose test runs
/// `scripts/wrapper.sh`), waits until the test has started, sends
/// `signal`, and returns the workspace and the finished run's output.
fn interrupted(
    workspace: Workspace,
    args: &[&str],
    signal: &str,
) -> (Workspace, std::process::Output) {
    workspace.script("scripts/wrapper.sh", &wrapper("late-child.txt", "3"));
    let child = workspace
        .pipec()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !workspace.dir.join("started.txt").exists() {
        assert!(Instant::now() < deadline, "the test never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let begun = Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(
        begun.elapsed() < Duration::from_secs(15),
        "the runner did not stop"
    );
    (workspace, output)
}

#[test]
fn sigint_stops_the_running_groups_records_it_and_resume_continues() {
    let (workspace, output) = interrupted_run("sigint", "-INT");
    assert_exit(&output, 130);
    let err = stderr(&output);
    assert!(
        err.contains("interrupted by SIGINT: stopped beta/test/integration"),
        "{err}"
    );
    assert!(err.contains("--resume` continues"), "{err}");
    let state = workspace.state("orders");
    let entries = journal(&state);
    assert_eq!(
        outcomes(&entries)["beta/test/integration"],
        StepOutcome::Failed
    );
    assert!(entries.iter().any(|entry| matches!(
        &entry.record,
        Record::RunStopped { outcome, .. } if outcome == "interrupted"
    )));
    assert!(unfinished(&entries).is_empty(), "{entries:?}");
    assert!(!appears_within(
        &workspace,
        "late-child.txt",
        Duration::from_secs(4)
    ));

    // Resumed with a test that passes, the run completes; what succeeded
    // before is not run again.
    workspace.script(
        "scripts/wrapper.sh",
        "#!/bin/sh\necho passed >> tested.txt\n",
    );
    let before = workspace.effects();
    let output = workspace.run(&["run", "pipeline.pipe", "--resume", "--speed", "36000"]);
    assert_exit(&output, 0);
    let after = workspace.effects();
    for line in &before {
        assert_eq!(
            after.iter().filter(|other| *other == line).count(),
            1,
            "{line} ran twice: {after:?}"
        );
    }
    assert!(workspace.dir.join("tested.txt").exists());
}

/// The command an interrupted run says continues it does: for a file of
/// two pipelines it names the pipeline (without it, the file's plan could
/// not be chosen) and the alarm command the run was watched with.
#[test]
fn the_command_an_interruption_suggests_resumes_the_same_run() {
    let workspace = workspace_with(
        "sigint-suggests",
        r#"run = "./scripts/wrapper.sh""#,
        r#"run = "./scripts/effect.sh""#,
    );
    let text = pipeline(
        r#"run = "./scripts/wrapper.sh""#,
        r#"run = "./scripts/effect.sh""#,
    );
    let second = text
        .replace(LAB, "")
        .replace("pipeline orders", "pipeline billing");
    workspace.file("pipeline.pipe", &(text + &second));
    workspace.script("scripts/check-alarm.sh", "#!/bin/sh\nexit 0\n");
    let (workspace, output) = interrupted(
        workspace,
        &[
            "run",
            "pipeline.pipe",
            "--pipeline",
            "orders",
            "--alarm-command",
            "./scripts/check-alarm.sh --quiet",
            "--speed",
            "36000",
        ],
        "-INT",
    );
    assert_exit(&output, 130);
    let err = stderr(&output);
    let state = workspace.state("orders");
    let expected = format!(
        "help: `pipec run pipeline.pipe --pipeline orders --alarm-command './scripts/check-alarm.sh --quiet' --state {} --resume` continues",
        state.display()
    );
    assert!(err.contains(&expected), "{err}");
    // Run as suggested (faster), it continues the run to its end, watched.
    workspace.script(
        "scripts/wrapper.sh",
        "#!/bin/sh\necho passed >> tested.txt\n",
    );
    let output = workspace.run(&[
        "run",
        "pipeline.pipe",
        "--pipeline",
        "orders",
        "--alarm-command",
        "./scripts/check-alarm.sh --quiet",
        "--state",
        state.to_str().unwrap(),
        "--resume",
        "--speed",
        "36000",
    ]);
    assert_exit(&output, 0);
    assert!(workspace.dir.join("tested.txt").exists());
    let log = std::fs::read_to_string(state.join("logs/production/rest/bake.log")).unwrap();
    assert!(log.contains("alarm check: Orders_High_Severity"), "{log}");
}

#[test]
fn sigterm_is_recorded_and_exits_143() {
    let (workspace, output) = interrupted_run("sigterm", "-TERM");
    assert_exit(&output, 143);
    assert!(
        stderr(&output).contains("interrupted by SIGTERM"),
        "{}",
        stderr(&output)
    );
    assert!(!appears_within(
        &workspace,
        "late-child.txt",
        Duration::from_secs(4)
    ));
}

/// 64 MiB of output without a newline: the runner's peak memory stays far
/// below it, and the log holds every byte, in pieces.
#[test]
fn output_without_newlines_costs_bounded_memory() {
    let Ok(time) = which_time() else {
        processes::not_run("peak memory of a run", "no /usr/bin/time");
        return;
    };
    let workspace = workspace_with(
        "long-line",
        r#"run = "./scripts/flood.sh""#,
        r#"run = "./scripts/effect.sh""#,
    );
    workspace.script(
        "scripts/flood.sh",
        "#!/bin/sh\nhead -c 67108864 /dev/zero | tr '\\0' 'x'\n",
    );
    let output = std::process::Command::new(time)
        .args(["-f", "peak=%M"])
        .arg(env!("CARGO_BIN_EXE_pipec"))
        .args(["run", "pipeline.pipe", "--speed", "36000"])
        .current_dir(&workspace.dir)
        .env("XDG_STATE_HOME", workspace.state_home())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let peak_kib: u64 = err
        .lines()
        .find_map(|line| line.strip_prefix("peak="))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(peak_kib < 48 * 1024, "peak {peak_kib} KiB");
    let log = std::fs::read_to_string(
        workspace
            .state("orders")
            .join("logs/beta/test/integration.log"),
    )
    .unwrap();
    let xs: usize = log.lines().map(|line| line.matches('x').count()).sum();
    assert_eq!(xs, 64 * 1024 * 1024);
    assert!(log.lines().all(|line| line.len() <= 64 * 1024));
}

fn which_time() -> Result<&'static str, ()> {
    let path = "/usr/bin/time";
    if std::path::Path::new(path).is_file() {
        Ok(path)
    } else {
        Err(())
    }
}
