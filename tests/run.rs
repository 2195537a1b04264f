//! `pipec run`: real processes in dependency order, exit codes, the lock,
//! secrets, injection, alarms and rollback, `--speed`, windows, approvals,
//! blockers, and plan files.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod run_support;

use pipec::run::state::journal::{Record, StepOutcome};
use run_support::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A pipeline whose every command records its step in `effects.txt`: a
/// build, a beta stage with a test, and production in two waves with
/// one-hour bakes; `extra` goes into `production`.
fn basic(extra: &str) -> String {
    format!(
        r#"{LAB}
pipeline orders {{
  platform = ecs
  service : string = "orders-api"
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{ run = "./scripts/effect.sh" }}
  stage beta {{
    regions = [lab-east-1]
    deploy bundle {{ run = "./scripts/effect.sh" }}
    test integration {{ run = "./scripts/effect.sh" }}
  }}
  production {{
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    deploy bundle {{ run = "./scripts/effect.sh"; rollback = "./scripts/effect.sh undo" }}
    {extra}
    wave first {{ regions = [lab-east-1]; bake = 1h }}
    wave rest  {{ regions = rest; bake = 1h }}
  }}
}}
"#
    )
}

/// The commands of `basic`, as `effects.txt` records them.
const BASIC_EFFECTS: &[&str] = &[
    "build/bundle",
    "beta/lab-east-1/deploy",
    "beta/test/integration",
    "production/first/lab-east-1/deploy",
    "production/rest/lab-west-1/deploy",
    "production/rest/lab-north-1/deploy",
];

fn set(lines: &[String]) -> BTreeSet<&str> {
    lines.iter().map(String::as_str).collect()
}

/// `pipec run` of examples/run/pipeline.pipe at 36000x, its state in
/// `state`, with the secret it needs.
fn run_example(state: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pipec"));
    command
        .args([
            "run",
            "examples/run/pipeline.pipe",
            "--speed",
            "36000",
            "--state",
        ])
        .arg(state)
        .env("DEPLOY_TOKEN", "local-token");
    command
}

#[test]
fn the_example_runs_end_to_end_in_dependency_order() {
    let state = std::env::temp_dir().join(format!("pipec-run-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let started = Instant::now();
    let output = run_example(&state).output().unwrap();
    assert_exit(&output, 0);
    // Four one-hour bakes and a two-hour one take well under a second at
    // 36000x; the bound only catches a run that waits in real time.
    assert!(started.elapsed() < Duration::from_secs(30));
    let entries = journal(&state);
    let outcomes = outcomes(&entries);
    assert_eq!(outcomes.len(), 16);
    assert!(
        outcomes
            .values()
            .all(|outcome| *outcome == StepOutcome::Succeeded)
    );
    assert_dependency_order(&state);
    // Not a terminal: one plain line per transition, no escape codes.
    let err = stderr(&output);
    assert!(!err.contains('\x1b'), "{err}");
    assert!(err.contains("succeeded  production/rest/bake"));
    assert!(err.contains("completed: 16 steps"));
    // The token is used, and masked.
    let log =
        std::fs::read_to_string(state.join("logs/production/rest/lab-west-1/deploy.log")).unwrap();
    assert!(log.contains("using token ***"), "{log}");
    std::fs::remove_dir_all(&state).unwrap();
}

/// A reader of the progress that stops early (`2>&1 | head -2`) stops
/// nothing: the run goes on to the end and exits 0, instead of panicking
/// at the next line it cannot write.
#[test]
fn a_run_whose_progress_reader_has_gone_completes() {
    use std::io::BufRead as _;
    let state = std::env::temp_dir().join(format!("pipec-run-closed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let mut child = run_example(&state)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The pipe's only reader is dropped here.
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "after {first:?}");
    let outcomes = outcomes(&journal(&state));
    assert_eq!(outcomes.len(), 16);
    assert!(
        outcomes
            .values()
            .all(|outcome| *outcome == StepOutcome::Succeeded)
    );
    std::fs::remove_dir_all(&state).unwrap();
}

#[test]
fn a_failed_step_stops_promotion_and_resume_runs_it_again() {
    let workspace = Workspace::new("failure");
    workspace.file("pipeline.pipe", &basic(""));
    // The test fails until `fixed` exists.
    workspace.script(
        "scripts/flaky.sh",
        "#!/bin/sh\n./scripts/effect.sh\necho 'integration tests failed' >&2\n[ -e fixed ]\n",
    );
    let text = basic("").replace(
        "test integration { run = \"./scripts/effect.sh\" }",
        "test integration { run = \"./scripts/flaky.sh\" }",
    );
    workspace.file("pipeline.pipe", &text);
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("failed     beta/test/integration: exit status 1"),
        "{err}"
    );
    assert!(
        err.contains("integration tests failed"),
        "the log's tail: {err}"
    );
    assert!(
        err.contains("failed: `beta/test/integration` failed"),
        "{err}"
    );
    let effects = workspace.effects();
    assert!(!effects.iter().any(|line| line.starts_with("production/")));

    workspace.file("fixed", "");
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000", "--resume"]);
    assert_exit(&output, 0);
    let effects = workspace.effects();
    // Everything ran once, but the failed test, which ran twice.
    for line in BASIC_EFFECTS {
        let times = effects.iter().filter(|effect| effect == line).count();
        let expected = if *line == "beta/test/integration" {
            2
        } else {
            1
        };
        assert_eq!(times, expected, "{line}: {effects:?}");
    }
    assert_dependency_order(&workspace.state("orders"));
}

#[test]
fn a_denied_finding_about_another_pipeline_does_not_stop_the_chosen_one() {
    let workspace = Workspace::new("denied-elsewhere");
    let mut text = basic("");
    text.push_str(
        r#"
policy strict { deny signed-artifacts }

pipeline payments {
  platform = ecs
  source code = git("payments", branch: "main") { require review }
  build bundle from code { run = "./scripts/effect.sh" }
}
"#,
    );
    // `orders` signs its bundle, so only `payments` breaks the rule.
    let text = text.replacen(
        "build bundle from code { run = \"./scripts/effect.sh\" }",
        "build bundle from code { run = \"./scripts/effect.sh\"; sign = true }",
        1,
    );
    workspace.file("pipeline.pipe", &text);
    // `payments` breaks the denied rule; `orders` runs, `-p` as `--pipeline`.
    let output = workspace.run(&["run", "pipeline.pipe", "-p", "orders", "--speed", "36000"]);
    assert_exit(&output, 0);
    assert!(
        !stderr(&output).contains("[signed-artifacts]"),
        "{}",
        stderr(&output)
    );
    let output = workspace.run(&["run", "pipeline.pipe", "--pipeline", "payments"]);
    assert_exit(&output, 2);
    let text = stderr(&output);
    assert!(text.contains("error[P0801]: [signed-artifacts]"), "{text}");
    assert!(
        text.contains("error[P1009]") && text.contains(" = help: "),
        "{text}"
    );
    assert!(!workspace.state("payments").exists());
}

#[test]
fn usage_and_state_errors_exit_with_2() {
    let workspace = Workspace::new("errors");
    workspace.file("pipeline.pipe", &basic(""));
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "pipeline.pipe", "--speed", "0"],
            "expected a positive number",
        ),
        (
            &["run", "pipeline.pipe", "--speed", "inf"],
            "positive number",
        ),
        (&["run", "pipeline.pipe", "--jobs", "0"], "at least 1"),
        (&["run", "missing.pipe"], "missing.pipe"),
        (&["run", "-"], "`run` takes a file, not standard input"),
        (
            &["run", "pipeline.pipe", "--override", "window:nope"],
            "no such gate",
        ),
        // `basic` has no gates: the help says so rather than listing none.
        (
            &["run", "pipeline.pipe", "--override", "window:nope"],
            "help: the plan has no gates to override",
        ),
        (
            &["run", "pipeline.pipe", "--alarm-command", "./check 'x"],
            "never closed",
        ),
        (
            &["run", "pipeline.pipe", "--pipeline", "payments"],
            "no pipeline `payments`",
        ),
    ];
    for (args, expected) in cases {
        let output = workspace.run(args);
        assert_exit(&output, 2);
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        // Every one reads as the command line's errors do: a code first.
        assert!(
            stderr(&output)
                .lines()
                .any(|line| line.starts_with("error[P10")),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // A speed the clock cannot go at is a usage error, refused before a
    // state directory is named.
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "0"]);
    assert!(
        stderr(&output).starts_with("error[P1003]") && !stderr(&output).contains("state:"),
        "{}",
        stderr(&output)
    );
    // A plan file that is not a plan.
    workspace.file("plan.json", "{\"format_version\": \"2.0\"}");
    let output = workspace.run(&["run", "plan.json"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("plan formats 1.0, 1.1, 1.2 and 1.3"),
        "{}",
        stderr(&output)
    );
    // A source with errors runs nothing.
    workspace.file(
        "broken.pipe",
        "pipeline broken { stage beta { bake = 33% } }\n",
    );
    let output = workspace.run(&["run", "broken.pipe"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("P0701"), "{}", stderr(&output));
    assert!(!workspace.state("broken").exists());

    // A finished run's state: not again without --resume, and not for a
    // different plan.
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 0);
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("already holds a run of pipeline `orders`"));
    assert!(stderr(&output).contains("--resume"));
    workspace.file(
        "pipeline.pipe",
        &basic("").replace("bake = 1h }\n    wave rest", "bake = 2h }\n    wave rest"),
    );
    let output = workspace.run(&["run", "pipeline.pipe", "--resume"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("holds a run of a different plan"),
        "{}",
        stderr(&output)
    );
    // A damaged journal is refused, not repaired.
    let journal_path = workspace.state("orders").join("journal");
    let text = std::fs::read_to_string(&journal_path).unwrap();
    std::fs::write(
        &journal_path,
        text.replacen("step_started", "step_startet", 1),
    )
    .unwrap();
    workspace.file("pipeline.pipe", &basic(""));
    let output = workspace.run(&["run", "pipeline.pipe", "--resume"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("is damaged at line"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_second_run_on_the_same_state_is_refused_and_a_killed_run_holds_no_lock() {
    let workspace = Workspace::new("lock");
    workspace.file("pipeline.pipe", &basic(""));
    // At 1800x each one-hour bake takes two seconds: time to try a second run.
    let mut first = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--speed", "1800"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let state = workspace.state("orders");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !started(&journal(&state)).contains(&"production/first/bake".to_string()) {
        assert!(
            Instant::now() < deadline,
            "the first run never reached its bake"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = workspace.run(&["run", "pipeline.pipe", "--resume", "--speed", "36000"]);
    assert_exit(&second, 2);
    let err = stderr(&second);
    assert!(
        err.contains("another `pipec run` is using this state"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");

    // SIGKILL: the operating system releases the lock with the process.
    first.kill().unwrap();
    first.wait().unwrap();
    let resumed = workspace.run(&["run", "pipeline.pipe", "--resume", "--speed", "36000"]);
    assert_exit(&resumed, 0);
    let entries = journal(&state);
    assert!(
        entries.iter().any(|entry| matches!(
            &entry.record,
            Record::StepStarted { step, attempt: 2 } if step == "production/first/bake"
        )),
        "the bake that was running ran again"
    );
    assert_eq!(
        set(&workspace.effects()),
        BASIC_EFFECTS.iter().copied().collect()
    );
}

#[test]
fn a_secret_never_appears_in_output_logs_or_state() {
    const CANARY: &str = "canary-5ecret-v4lue";
    let workspace = Workspace::new("secrets");
    let text = basic("").replace(
        "build bundle from code { run = \"./scripts/effect.sh\" }",
        "build bundle from code { run = \"./scripts/leak.sh\"; env TOKEN = secret(\"CANARY_TOKEN\") }",
    );
    workspace.file("pipeline.pipe", &text);
    // The build uses the secret and prints it everywhere it can; the beta
    // deploy, which does not name it, must not see it.
    workspace.script(
        "scripts/leak.sh",
        "#!/bin/sh\n[ \"$TOKEN\" = canary-5ecret-v4lue ] && echo match > seen.txt\n\
         echo \"token: $TOKEN\"\necho \"token on stderr: $TOKEN\" >&2\n\
         echo \"twice $TOKEN$TOKEN\"\nexit 3\n",
    );
    workspace.script(
        "scripts/effect.sh",
        "#!/bin/sh\necho \"${CANARY_TOKEN:-unset}\" > inherited.txt\necho \"$PIPEC_STEP_ID\" >> effects.txt\n",
    );
    let output = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--speed", "36000"])
        .env("CANARY_TOKEN", CANARY)
        .output()
        .unwrap();
    assert_exit(&output, 1);
    assert_eq!(
        std::fs::read_to_string(workspace.dir.join("seen.txt")).unwrap(),
        "match\n"
    );
    let err = stderr(&output);
    // The failure shows the log's tail, masked.
    assert!(err.contains("token: ***"), "{err}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(CANARY));
    assert!(!err.contains(CANARY));
    let state = workspace.state("orders");
    let files = files_under(&state);
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(CANARY),
            "{} holds the secret",
            file.display()
        );
    }
    let log = std::fs::read_to_string(state.join("logs/build/bundle.log")).unwrap();
    assert!(
        log.contains("token on stderr: ***") && log.contains("twice ******"),
        "{log}"
    );

    // A step that does not name the secret does not inherit it.
    let text = basic("");
    workspace.file("pipeline.pipe", &text.replace(
        "deploy bundle { run = \"./scripts/effect.sh\" }\n    test",
        "deploy bundle { run = \"./scripts/effect.sh\"; env OTHER = secret(\"CANARY_TOKEN\") }\n    test",
    ));
    let output = workspace
        .pipec()
        .args([
            "run",
            "pipeline.pipe",
            "--speed",
            "36000",
            "--state",
            "other-state",
        ])
        .env("CANARY_TOKEN", CANARY)
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_eq!(
        std::fs::read_to_string(workspace.dir.join("inherited.txt")).unwrap(),
        "unset\n"
    );
    // Without the secret in the environment, nothing runs.
    let output = workspace.run(&["run", "pipeline.pipe", "--state", "third-state"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("CANARY_TOKEN missing"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn interpolated_values_cannot_inject_commands() {
    const HOSTILE: &str = r#"x; touch pwned; $(touch pwned2) `touch pwned3` 'q" \ end"#;
    let workspace = Workspace::new("injection");
    let escaped = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    let text = basic("")
        .replace("service : string = \"orders-api\"", &format!("region_name : string = \"{escaped}\""))
        .replace(
            "build bundle from code { run = \"./scripts/effect.sh\" }",
            "build bundle from code { run = \"./scripts/args.sh ${region_name} --name=${region_name}\" }",
        );
    workspace.file("pipeline.pipe", &text);
    workspace.script(
        "scripts/args.sh",
        "#!/bin/sh\nfor arg in \"$@\"; do printf '[%s]\\n' \"$arg\"; done > args.txt\n",
    );
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 0);
    assert_eq!(
        std::fs::read_to_string(workspace.dir.join("args.txt")).unwrap(),
        format!("[{HOSTILE}]\n[--name={HOSTILE}]\n")
    );
    for file in ["pwned", "pwned2", "pwned3"] {
        assert!(!workspace.dir.join(file).exists(), "{file} was created");
    }
}

#[test]
fn an_alarm_during_a_bake_rolls_back_and_promotes_no_further() {
    let workspace = Workspace::new("alarm");
    workspace.file("pipeline.pipe", &basic(""));
    // In alarm for the bake of the first wave (watched in lab-east-1).
    workspace.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\necho \"$PIPEC_ALARM_PURPOSE $PIPEC_ALARM in ${PIPEC_REGION:-none} for $PIPEC_STEP_ID\" >> alarm-calls.txt\n\
         if [ \"${PIPEC_REGION:-}\" = lab-east-1 ] && [ \"$PIPEC_STEP_KIND\" = bake ]; then exit 1; fi\nexit 0\n",
    );
    let output = workspace.run(RUN_WATCHING_ALARMS);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("rolled back: alarm `inline` during `production/first/bake`"),
        "{err}"
    );
    let effects = workspace.effects();
    assert!(
        effects.contains(&"production/first/lab-east-1/deploy undo".to_string()),
        "{effects:?}"
    );
    assert!(
        !effects
            .iter()
            .any(|line| line.starts_with("production/rest/")),
        "{effects:?}"
    );
    let entries = journal(&workspace.state("orders"));
    assert!(
        !started(&entries)
            .iter()
            .any(|step| step.starts_with("production/rest/"))
    );
    assert_eq!(
        outcomes(&entries)["production/first/bake"],
        StepOutcome::RolledBack
    );
    assert!(entries.iter().any(|entry| matches!(
        &entry.record,
        Record::AlarmFired { step, regions, .. } if step == "production/first/bake" && regions == &["lab-east-1".to_string()]
    )));
    // The alarm command was asked with the alarm's name and region.
    let calls = std::fs::read_to_string(workspace.dir.join("alarm-calls.txt")).unwrap();
    assert!(
        calls.contains("rollback Orders_High_Severity in lab-east-1 for production/first/bake"),
        "{calls}"
    );

    // A rolled-back run is over: resuming starts nothing and undoes nothing twice.
    let before = workspace.effects().len();
    let output = workspace.run(&[
        "run",
        "pipeline.pipe",
        "--resume",
        "--alarm-command",
        "./scripts/check-alarm.sh",
    ]);
    assert_exit(&output, 1);
    // ... and says why as the invocation that rolled back said it.
    let said = |text: &str| {
        text.lines()
            .find(|line| line.starts_with("rolled back: "))
            .map(str::to_string)
    };
    assert!(said(&err).is_some(), "{err}");
    assert_eq!(said(&stderr(&output)), said(&err), "{}", stderr(&output));
    assert_eq!(workspace.effects().len(), before);
}

#[test]
fn speed_compresses_an_hour_of_bake() {
    let workspace = Workspace::new("speed");
    workspace.file("pipeline.pipe", &basic(""));
    let started_at = Instant::now();
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 0);
    // Two one-hour bakes: a tenth of a second each at 36000x. Generous:
    // only a run that waited for real hours fails this.
    assert!(started_at.elapsed() < Duration::from_secs(30));
    let entries = journal(&workspace.state("orders"));
    let order = started(&entries);
    let position = |step: &str| order.iter().position(|s| s == step).unwrap();
    assert!(position("production/first/lab-east-1/deploy") < position("production/first/bake"));
    assert!(position("production/first/bake") < position("production/rest/lab-west-1/deploy"));
    let log = std::fs::read_to_string(
        workspace
            .state("orders")
            .join("logs/production/first/bake.log"),
    )
    .unwrap();
    assert!(log.contains("baking until"), "{log}");
}

/// `pipec run pipeline.pipe` at 100000x, its clock starting at `start`.
fn run_fast_from(workspace: &Workspace, start: &str) -> std::process::Output {
    workspace.run(&[
        "run",
        "pipeline.pipe",
        "--speed",
        "100000",
        "--start-at",
        start,
    ])
}

#[test]
fn a_bake_past_the_clocks_last_instant_fails_rather_than_passing_unbaked() {
    let workspace = Workspace::new("endoftime");
    workspace.file("pipeline.pipe", &basic(""));
    // An hour before the last instant a timestamp holds: the first
    // one-hour bake cannot end, and must not pass as if it had.
    let output = run_fast_from(&workspace, "9999-12-30T21:30:00Z");
    assert_exit(&output, 1);
    let outcomes = outcomes(&journal(&workspace.state("orders")));
    assert_eq!(
        outcomes.get("production/first/bake"),
        Some(&StepOutcome::Failed),
        "{outcomes:?}"
    );
    assert!(
        !outcomes.contains_key("production/rest/lab-west-1/deploy"),
        "{outcomes:?}"
    );
    let err = stderr(&output);
    assert!(
        err.contains("the last instant the run clock holds"),
        "{err}"
    );
}

#[test]
fn a_closed_window_waits_in_run_time() {
    let workspace = Workspace::new("window");
    let text = basic("window { zone = \"UTC\"; allow = [mon..fri 09:00..17:00] }");
    workspace.file("pipeline.pipe", &text);
    // Saturday 10:00 UTC: production waits until Monday 09:00, 47 hours of
    // run time, under two seconds at 100000x.
    let output = run_fast_from(&workspace, "2027-01-23T10:00:00Z");
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(
        err.contains("window `window:inline` is closed; it opens Mon 2027-01-25 09:00 UTC"),
        "{err}"
    );
    let log = std::fs::read_to_string(
        workspace
            .state("orders")
            .join("logs/production/first/lab-east-1/deploy.log"),
    )
    .unwrap();
    assert!(
        log.contains("gate window:inline: open at 2027-01-25T09:"),
        "{log}"
    );
}

#[test]
fn approvals_and_blockers_halt_until_given() {
    let workspace = Workspace::new("approval");
    let text = basic(
        "require approval(\"release-manager\")\n    block artifacts containing package \"libjson@2.3.1\" overridable",
    );
    workspace.file("pipeline.pipe", &text);
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("halted: waiting for approval by `release-manager` before `production/approval/release-manager`"),
        "{err}"
    );
    assert!(err.contains("--approve release-manager"));
    // Everything before production ran.
    assert!(
        workspace
            .effects()
            .contains(&"beta/test/integration".to_string())
    );

    let output = workspace.run(&[
        "run",
        "pipeline.pipe",
        "--speed",
        "36000",
        "--resume",
        "--approve",
        "release-manager",
    ]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("artifact blocker `package:libjson@2.3.1`"),
        "{err}"
    );
    assert!(err.contains("--override package:libjson@2.3.1"), "{err}");

    // The approval was recorded: only the override is needed now.
    let output = workspace.run(&[
        "run",
        "pipeline.pipe",
        "--speed",
        "36000",
        "--resume",
        "--override",
        "package:libjson@2.3.1",
    ]);
    assert_exit(&output, 0);
    assert_eq!(
        set(&workspace.effects()),
        BASIC_EFFECTS.iter().copied().collect()
    );
}

/// Waiting at a gate takes no job: with `--jobs 1`, a region whose alarm
/// blocker is in alarm does not keep the other region of its wave from
/// deploying. Here the blocker in lab-east-1 clears only once lab-west-1's
/// deploy has begun, so a runner whose waiting step held the only job
/// would wait forever. The blocker clears while lab-west-1 still runs:
/// lab-east-1 then waits for the job, and starts only once lab-west-1 is
/// done, so that one command runs at a time.
#[test]
fn a_step_waiting_at_a_gate_holds_no_job() {
    let workspace = Workspace::new("jobs");
    let text = basic("block on ALARM(\"Busy\")").replace(
        "wave first { regions = [lab-east-1]; bake = 1h }",
        "wave first { regions = [lab-east-1, lab-west-1]; bake = 1h }",
    );
    assert!(text.contains("[lab-east-1, lab-west-1]"));
    workspace.file("pipeline.pipe", &text);
    workspace.script(
        "scripts/effect.sh",
        "#!/bin/sh\nset -eu\n\
         if [ \"${PIPEC_REGION:-}\" = lab-west-1 ] && [ \"$PIPEC_STAGE\" = production ]; then touch west-begun; sleep 1; fi\n\
         echo \"${PIPEC_STEP_ID}${1:+ $1}\" >> effects.txt\n",
    );
    workspace.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\n\
         if [ \"$PIPEC_ALARM\" = Busy ] && [ \"${PIPEC_REGION:-}\" = lab-east-1 ] && [ ! -e west-begun ]; then exit 1; fi\n\
         exit 0\n",
    );
    let mut child = workspace
        .pipec()
        .args([
            "run",
            "pipeline.pipe",
            "--jobs",
            "1",
            "--speed",
            "36000",
            "--alarm-command",
            "./scripts/check-alarm.sh",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let output = child.wait_with_output().unwrap();
            panic!(
                "the run never finished: the waiting step kept the only job\n{}",
                stderr(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(
        err.contains(
            "waiting    production/first/lab-east-1/deploy: alarm blocker `alarm:expr` is in alarm: Busy in lab-east-1"
        ),
        "{err}"
    );
    let effects = workspace.effects();
    let position = |line: &str| effects.iter().position(|effect| effect == line).unwrap();
    assert!(
        position("production/first/lab-west-1/deploy")
            < position("production/first/lab-east-1/deploy"),
        "{effects:?}"
    );
    // One command at a time: each command step starts only after the one
    // before it finished.
    let entries = journal(&workspace.state("orders"));
    let mut running = 0;
    for entry in &entries {
        match &entry.record {
            Record::StepStarted { step, .. }
                if !step.ends_with("/bake") && step != "source/code" =>
            {
                running += 1;
                assert_eq!(running, 1, "{step} started while another command ran");
            }
            Record::StepFinished { step, .. }
                if !step.ends_with("/bake") && step != "source/code" =>
            {
                running -= 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        outcomes(&entries)["production/first/lab-east-1/deploy"],
        StepOutcome::Succeeded
    );
}

#[test]
fn a_plan_file_runs_like_its_source() {
    let workspace = Workspace::new("plan-file");
    workspace.file("pipeline.pipe", &basic(""));
    workspace.script("plans/scripts/effect.sh", EFFECT_SCRIPT);
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plans/orders.json"]);
    assert_exit(&output, 0);
    let output = workspace.run(&["run", "plans/orders.json", "--speed", "36000"]);
    assert_exit(&output, 0);
    // The state is keyed by the plan file's directory, where commands run.
    assert!(
        workspace
            .state_of(&workspace.dir.join("plans"), "orders")
            .join("journal")
            .is_file()
    );
    assert!(!workspace.state("orders").exists());
    assert!(workspace.dir.join("plans/effects.txt").is_file());
}

#[test]
fn a_plan_file_of_several_pipelines_runs_the_one_chosen() {
    let workspace = Workspace::new("plan-file-several");
    let mut text = basic("");
    text.push_str(
        r#"
pipeline payments {
  platform = ecs
  source code = git("payments", branch: "main") { require review }
  build bundle from code { run = "./scripts/effect.sh" }
}
"#,
    );
    workspace.file("pipeline.pipe", &text);
    workspace.script("plans/scripts/effect.sh", EFFECT_SCRIPT);
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plans/all.json"]);
    assert_exit(&output, 0);
    // `compile` writes both plans, as an array; `run` needs to be told which.
    let output = workspace.run(&["run", "plans/all.json", "--speed", "36000"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("choose one with --pipeline NAME"),
        "{}",
        stderr(&output)
    );
    let output = workspace.run(&["run", "plans/all.json", "-p", "nothing"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("no pipeline `nothing`"),
        "{}",
        stderr(&output)
    );
    let output = workspace.run(&[
        "run",
        "plans/all.json",
        "-p",
        "payments",
        "--speed",
        "36000",
    ]);
    assert_exit(&output, 0);
    let state = workspace.state_of(&workspace.dir.join("plans"), "payments");
    assert_eq!(plan(&state).pipeline, "payments");
    let outcomes = outcomes(&journal(&state));
    assert_eq!(outcomes.get("build/bundle"), Some(&StepOutcome::Succeeded));
    assert!(
        !workspace
            .state_of(&workspace.dir.join("plans"), "orders")
            .exists()
    );
}

#[test]
fn a_test_past_its_timeout_is_killed_and_fails() {
    let workspace = Workspace::new("timeout");
    let text = basic("").replace(
        "test integration { run = \"./scripts/effect.sh\" }",
        "test integration { run = \"./scripts/hang.sh\"; timeout = 1s }",
    );
    workspace.file("pipeline.pipe", &text);
    // `exec`, so that the process killed is the one that hangs.
    workspace.script(
        "scripts/hang.sh",
        "#!/bin/sh\necho hanging\nexec sleep 30\n",
    );
    let started_at = Instant::now();
    // The time limit is real time, whatever the speed.
    let output = workspace.run(&["run", "pipeline.pipe", "--speed", "36000"]);
    assert_exit(&output, 1);
    assert!(started_at.elapsed() < Duration::from_secs(20));
    let err = stderr(&output);
    assert!(
        err.contains("failed     beta/test/integration: ran past its timeout of 1s"),
        "{err}"
    );
    assert!(err.contains("hanging"), "{err}");
}

#[test]
fn resume_without_a_journal_is_an_error_not_a_fresh_start() {
    let workspace = Workspace::new("resume-nothing");
    workspace.file("pipeline.pipe", &basic(""));
    workspace.script("scripts/effect.sh", EFFECT_SCRIPT);
    let output = workspace.run(&["run", "pipeline.pipe", "--resume", "--speed", "36000"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("nothing to resume"),
        "{}",
        stderr(&output)
    );
    // Nothing ran.
    assert!(!workspace.dir.join("effects.txt").exists());
    // And nothing is left behind: no state directory where there was none.
    let state = workspace.dir.join("no-such-state");
    let output = workspace.run(&[
        "run",
        "pipeline.pipe",
        "--resume",
        "--state",
        "no-such-state",
        "--speed",
        "36000",
    ]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("nothing to resume"),
        "{}",
        stderr(&output)
    );
    assert!(!state.exists(), "{}", state.display());
}

#[test]
fn a_plan_whose_pipeline_name_is_a_path_is_refused() {
    let workspace = Workspace::new("plan-name");
    workspace.file("pipeline.pipe", &basic(""));
    workspace.script("plans/scripts/effect.sh", EFFECT_SCRIPT);
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plans/orders.json"]);
    assert_exit(&output, 0);
    let plan = std::fs::read_to_string(workspace.dir.join("plans/orders.json")).unwrap();
    let hostile = plan.replacen(
        "\"pipeline\":\"orders\"",
        "\"pipeline\":\"../../escaped\"",
        1,
    );
    assert_ne!(plan, hostile, "the plan names its pipeline");
    workspace.file("plans/hostile.json", &hostile);
    let output = workspace.run(&["run", "plans/hostile.json", "--speed", "36000"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("`../../escaped` is not an"),
        "{}",
        stderr(&output)
    );
    assert!(!workspace.dir.join("escaped").exists());
    assert!(!workspace.dir.join("plans/.pipec").exists());
    assert!(
        !workspace.state_home().exists(),
        "no state was created anywhere"
    );
}

/// `basic`, its build running `run` with the secret `LAB_TOKEN` as `TOKEN`.
fn basic_with_secret(run: &str) -> String {
    basic("").replace(
        "build bundle from code { run = \"./scripts/effect.sh\" }",
        &format!("build bundle from code {{ run = \"{run}\"; env TOKEN = secret(\"LAB_TOKEN\") }}"),
    )
}

/// A secret that is also part of the runner's own step ids (`lab`, in
/// `production/first/lab-east-1/deploy`) leaves those ids whole in the
/// progress lines, is still masked in what commands print, and, being
/// short, is warned about. A one-letter secret leaves the runner's verbs
/// and its own warning whole too.
#[test]
fn a_short_secret_masks_command_output_but_not_the_runners_own_words() {
    let workspace = Workspace::new("short-secret");
    let text = basic_with_secret("./scripts/say.sh");
    workspace.file("pipeline.pipe", &text);
    workspace.script(
        "scripts/say.sh",
        "#!/bin/sh\necho \"the token is $TOKEN\"\necho \"$PIPEC_STEP_ID\" >> effects.txt\n",
    );
    let output = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--speed", "36000"])
        .env("LAB_TOKEN", "lab")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(
        err.contains("succeeded  production/first/lab-east-1/deploy"),
        "{err}"
    );
    assert!(
        err.contains("secret `LAB_TOKEN` is shorter than 4 characters"),
        "{err}"
    );
    let log =
        std::fs::read_to_string(workspace.state("orders").join("logs/build/bundle.log")).unwrap();
    assert!(log.contains("the token is ***"), "{log}");

    let state = workspace.state_home().join("one-letter");
    let one_letter = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--speed", "36000", "--state"])
        .arg(&state)
        .env("LAB_TOKEN", "t")
        .output()
        .unwrap();
    assert_exit(&one_letter, 0);
    let err = stderr(&one_letter);
    assert!(
        err.contains("secret `LAB_TOKEN` is shorter than 4 characters: every occurrence in command output is masked"),
        "{err}"
    );
    assert!(err.contains("started    source/code"), "{err}");
    assert!(err.contains("succeeded  build/bundle"), "{err}");
    let log = std::fs::read_to_string(state.join("logs/build/bundle.log")).unwrap();
    assert!(log.contains("***he ***oken is ***"), "{log}");
    // A step's note is the runner's own words too.
    assert!(
        err.contains("succeeded  source/code (a source has nothing to run locally)"),
        "{err}"
    );
}

/// A failure's reason that quotes a secret's value (here the alarm
/// command, named by a flag, cannot start) is masked everywhere the run
/// writes it: its progress line, the run's last line and the journal.
/// What an alarm is in alarm, and where, is the plan's names, whole even
/// when a secret is part of a region's name.
#[test]
fn a_secret_in_a_failures_reason_is_masked_in_the_journal_and_the_last_line_too() {
    let workspace = Workspace::new("masked-failure");
    let text = basic_with_secret("./scripts/effect.sh");
    workspace.file("pipeline.pipe", &text);
    let output = workspace
        .pipec()
        .args([
            "run",
            "pipeline.pipe",
            "--speed",
            "36000",
            "--alarm-command",
            "./no-such-dir/open-sesame-42",
        ])
        .env("LAB_TOKEN", "open-sesame-42")
        .output()
        .unwrap();
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(!err.contains("open-sesame-42"), "{err}");
    assert!(
        err.lines()
            .any(|line| line.contains("failed     ") && line.contains("./no-such-dir/***")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|line| line.starts_with("failed: ") && line.contains("./no-such-dir/***")),
        "{err}"
    );
    let journal_text = std::fs::read_to_string(workspace.state("orders").join("journal")).unwrap();
    assert!(journal_text.contains("./no-such-dir/***"), "{journal_text}");
    assert!(!journal_text.contains("open-sesame-42"), "{journal_text}");

    let alarmed = Workspace::new("masked-alarm");
    alarmed.file("pipeline.pipe", &text);
    alarmed.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\nif [ \"${PIPEC_REGION:-}\" = lab-east-1 ] && [ \"$PIPEC_STEP_KIND\" = bake ]; then exit 1; fi\nexit 0\n",
    );
    let output = alarmed
        .pipec()
        .args(RUN_WATCHING_ALARMS)
        .env("LAB_TOKEN", "lab-east")
        .output()
        .unwrap();
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains(
            "alarm      production/first/bake: `inline` in alarm: Orders_High_Severity in lab-east-1"
        ),
        "{err}"
    );
}

/// A window that does not open within a year of the run clock halts the
/// run, saying what to do: an overridable one names the `--override` that
/// passes it, and with it the run completes.
#[test]
fn a_window_that_never_opens_halts_and_says_how_to_pass_it() {
    let workspace = Workspace::new("window-never");
    let text = basic("window closed overridable").replace(
        "pipeline orders {",
        "window closed { zone = \"UTC\"; allow = [mon..sun]; blackout = [2027-01-20..2028-06-01] }\npipeline orders {",
    );
    workspace.file("pipeline.pipe", &text);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "pipeline.pipe",
            "--today",
            "2026-06-01",
            "--speed",
            "36000",
            "--start-at",
            "2027-01-23T10:00:00Z",
        ];
        args.extend_from_slice(extra);
        workspace.run(&args)
    };
    let output = run(&[]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains(
            "halted: window `window:closed` does not open within a year; rerun with `--resume --override window:closed` to pass it"
        ),
        "{err}"
    );
    let output = run(&["--resume", "--override", "window:closed"]);
    assert_exit(&output, 0);
    assert_eq!(
        set(&workspace.effects()),
        BASIC_EFFECTS.iter().copied().collect()
    );
}

/// The step's `env` entries are for its command and its rollback: the
/// alarm command asked about the step gets the step's context, not its
/// `env`, and not the secret's variable of the runner either.
#[test]
fn the_alarm_command_sees_the_steps_context_but_not_its_env() {
    let workspace = Workspace::new("alarm-env");
    let text = basic("").replace(
        r#"deploy bundle { run = "./scripts/effect.sh"; rollback"#,
        r#"deploy bundle { run = "./scripts/seen.sh"; env FOO = "bar"; env TOKEN = secret("RUN_TOKEN"); rollback"#,
    );
    assert!(text.contains("seen.sh"));
    workspace.file("pipeline.pipe", &text);
    workspace.script(
        "scripts/seen.sh",
        "#!/bin/sh\necho \"deploy ${FOO:-unset} ${TOKEN:+token}\" >> seen.txt\n",
    );
    workspace.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\necho \"alarm ${PIPEC_STEP_KIND} ${FOO:-unset} ${TOKEN:-unset} ${RUN_TOKEN:-unset}\" >> seen.txt\nexit 0\n",
    );
    let output = workspace
        .pipec()
        .args(RUN_WATCHING_ALARMS)
        .env("RUN_TOKEN", "a-long-token-value")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let seen = std::fs::read_to_string(workspace.dir.join("seen.txt")).unwrap();
    let lines: BTreeSet<&str> = seen.lines().collect();
    assert_eq!(
        lines,
        [
            "alarm bake unset unset unset",
            "alarm deploy unset unset unset",
            "deploy bar token"
        ]
        .into_iter()
        .collect(),
        "{seen}"
    );
}

/// Steps ready together start in plan order, however long each one's
/// gates take to check: here the alarm blocker of the first region of the
/// wave is answered half a second after the second's.
#[test]
fn steps_ready_together_start_in_plan_order() {
    let workspace = Workspace::new("plan-order");
    workspace.file(
        "pipeline.pipe",
        &basic(r#"block on ALARM("Orders_Blocker")"#),
    );
    workspace.script(
        "scripts/check-alarm.sh",
        "#!/bin/sh\nif [ \"$PIPEC_ALARM_PURPOSE\" = blocker ] && [ \"$PIPEC_REGION\" = lab-west-1 ]; then sleep 0.5; fi\nexit 0\n",
    );
    let output = workspace
        .pipec()
        .args(RUN_WATCHING_ALARMS)
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let started = started(&journal(&workspace.state("orders")));
    let at = |id: &str| started.iter().position(|step| step == id).unwrap();
    assert!(
        at("production/rest/lab-west-1/deploy") < at("production/rest/lab-north-1/deploy"),
        "{started:?}"
    );
    let shown = stderr(&output);
    let line = |id: &str| shown.find(&format!("started    {id}")).unwrap();
    assert!(
        line("production/rest/lab-west-1/deploy") < line("production/rest/lab-north-1/deploy"),
        "{shown}"
    );
}
