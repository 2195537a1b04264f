//! `pipec run`'s state under deletion and tampering: where it lives by
//! default, a journal deleted under a running run, a plan edited between
//! invocations, and journals whose records do not add up.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod run_support;

use pipec::diagnostics::formats::fingerprint::fnv1a64;
use pipec::run::state::journal::{Entry, Record, StepOutcome};
use run_support::*;

/// A build and a deploy after it, each recording itself in `effects.txt`;
/// the build runs `build`.
fn two_steps(build: &str) -> String {
    format!(
        r#"{LAB}
pipeline orders {{
  platform = ecs
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{ run = "{build}" }}
  stage beta {{
    regions = [lab-east-1]
    deploy bundle {{ run = "./scripts/effect.sh" }}
  }}
}}
"#
    )
}

/// `workspace` after a run of [`two_steps`] whose build failed: the build
/// fails until `fixed` exists.
fn failed_at_the_build(workspace: Workspace) -> Workspace {
    workspace.script(
        "scripts/flaky.sh",
        "#!/bin/sh\n./scripts/effect.sh\n[ -e fixed ]\n",
    );
    workspace.file("pipeline.pipe", &two_steps("./scripts/flaky.sh"));
    let output = workspace.run(&["run", "pipeline.pipe"]);
    assert_exit(&output, 1);
    workspace
}

/// What `git clean -fdx` does to the workspace: everything but the
/// files a repository would track goes.
const CLEAN_SCRIPT: &str = r#"#!/bin/sh
set -eu
./scripts/effect.sh
for entry in .[!.]* *; do
  case "$entry" in
    scripts|pipeline.pipe|pipec.toml|effects.txt|'.[!.]*') ;;
    *) rm -rf "$entry" ;;
  esac
done
"#;

#[test]
fn the_default_state_is_outside_the_work_tree_so_cleaning_it_keeps_the_journal() {
    let workspace = Workspace::new("clean");
    workspace.script("scripts/clean.sh", CLEAN_SCRIPT);
    workspace.file("pipeline.pipe", &two_steps("./scripts/clean.sh"));
    let output = workspace.run(&["run", "pipeline.pipe"]);
    assert_exit(&output, 0);
    let state = workspace.state("orders");
    assert!(!state.starts_with(&workspace.dir), "{}", state.display());
    // The run says where its state is, once, at the start.
    let err = stderr(&output);
    let line = format!("state: {}", state.display());
    assert!(err.lines().any(|l| l == line), "{err}");
    assert_eq!(err.matches("state: ").count(), 1, "{err}");
    assert_eq!(
        workspace.effects(),
        vec!["build/bundle", "beta/lab-east-1/deploy"]
    );
    assert_dependency_order(&state);
    // `--state DIR` still chooses.
    let chosen = workspace.state_home().join("chosen");
    let output = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--state"])
        .arg(&chosen)
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert!(chosen.join("journal").is_file());
}

#[test]
fn a_step_that_deletes_the_state_stops_the_run_before_anything_else_starts() {
    let workspace = Workspace::new("wipe");
    workspace.script(
        "scripts/wipe.sh",
        "#!/bin/sh\nset -eu\n./scripts/effect.sh\nrm -rf \"$STATE_TO_WIPE\"\n",
    );
    workspace.file("pipeline.pipe", &two_steps("./scripts/wipe.sh"));
    let state = workspace.state("orders");
    let output = workspace
        .pipec()
        .args(["run", "pipeline.pipe"])
        .env("STATE_TO_WIPE", &state)
        .output()
        .unwrap();
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains("journal was deleted or replaced while this run was using it"),
        "{err}"
    );
    // The build's end could not be recorded: it is not shown as succeeded,
    // and the deploy after it never starts.
    assert!(!err.contains("succeeded  build/bundle"), "{err}");
    assert!(!err.contains("beta/lab-east-1/deploy"), "{err}");
    assert_eq!(workspace.effects(), vec!["build/bundle"]);
}

/// Writes `records` as the journal of `state`, numbered from 1, each line
/// with its correct checksum: what someone who can write the state
/// directory can do.
fn write_journal(state: &std::path::Path, records: &[Record]) {
    let mut text = String::new();
    for (index, record) in records.iter().enumerate() {
        let entry = Entry {
            seq: index as u64 + 1,
            at: "2027-01-25T17:00:00Z".to_string(),
            record: record.clone(),
        };
        let json = serde_json::to_string(&entry).unwrap();
        text.push_str(&format!("{:016x} {json}\n", fnv1a64(json.as_bytes())));
    }
    std::fs::write(state.join("journal"), text).unwrap();
}

fn started(step: &str, attempt: u32) -> Record {
    Record::StepStarted {
        step: step.to_string(),
        attempt,
    }
}

fn finished(step: &str, outcome: StepOutcome) -> Record {
    Record::StepFinished {
        step: step.to_string(),
        outcome,
        detail: None,
    }
}

#[test]
fn resume_refuses_a_journal_whose_records_do_not_add_up() {
    let workspace = failed_at_the_build(Workspace::new("inconsistent"));
    let state = workspace.state("orders");
    let recorded: Vec<Record> = journal(&state).into_iter().map(|e| e.record).collect();
    assert_eq!(
        recorded[..5],
        [
            recorded[0].clone(),
            started("source/code", 1),
            finished("source/code", StepOutcome::Succeeded),
            started("build/bundle", 1),
            Record::StepFinished {
                step: "build/bundle".to_string(),
                outcome: StepOutcome::Failed,
                detail: Some("exit status 1".to_string()),
            },
        ]
    );
    assert!(matches!(recorded[5], Record::RunStopped { .. }));
    let resumed = Record::Resumed { finished: 1 };
    let deploy = "beta/lab-east-1/deploy";
    let with = |extra: &[Record]| [&recorded[..], extra].concat();
    let cases: Vec<(Vec<Record>, usize, &str)> = vec![
        // The failed build marked succeeded by a record appended by hand.
        (
            with(&[
                resumed.clone(),
                finished("build/bundle", StepOutcome::Succeeded),
            ]),
            8,
            "`build/bundle` finishes, but it is not running",
        ),
        // Without `resumed` after `run_stopped`.
        (
            with(&[finished("build/bundle", StepOutcome::Succeeded)]),
            7,
            "a record after `run_stopped` that is not `resumed`",
        ),
        (
            with(&[resumed.clone(), recorded[0].clone()]),
            8,
            "a second `run_started`",
        ),
        (
            with(&[resumed.clone(), started("build/elsewhere", 1)]),
            8,
            "`build/elsewhere` is not a step of the plan",
        ),
        (
            with(&[resumed.clone(), started("build/bundle", 3)]),
            8,
            "`build/bundle` starts attempt 3 where attempt 2 was due",
        ),
        (
            with(&[resumed.clone(), started(deploy, 1)]),
            8,
            "`beta/lab-east-1/deploy` starts before `build/bundle`, which it needs, succeeded",
        ),
        (
            with(&[resumed.clone(), started("source/code", 2)]),
            8,
            "`source/code` starts again after it succeeded",
        ),
        (
            with(&[
                resumed.clone(),
                started("build/bundle", 2),
                started("build/bundle", 3),
            ]),
            9,
            "`build/bundle` starts while it runs",
        ),
        (
            with(&[
                resumed.clone(),
                Record::UndoFinished {
                    step: deploy.to_string(),
                    ok: true,
                    detail: None,
                },
            ]),
            8,
            "finishes an undo that did not start",
        ),
        (
            with(&[
                resumed.clone(),
                Record::UndoStarted {
                    step: deploy.to_string(),
                },
            ]),
            8,
            "is undone, but no alarm fired",
        ),
        (
            with(&[
                resumed.clone(),
                started("build/bundle", 2),
                Record::RunStopped {
                    outcome: "completed".to_string(),
                    detail: String::new(),
                },
            ]),
            9,
            "the run stops while `build/bundle` runs",
        ),
    ];
    for (records, line, why) in cases {
        write_journal(&state, &records);
        workspace.file("fixed", "");
        let output = workspace.run(&["run", "pipeline.pipe", "--resume"]);
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert!(
            err.contains(&format!("journal does not add up at line {line}: ")),
            "{why}: {err}"
        );
        assert!(err.contains(why), "{why}: {err}");
        // Nothing ran, nothing was appended.
        assert!(!workspace.effects().iter().any(|e| e == deploy), "{err}");
        assert_eq!(journal(&state).len(), records.len());
    }
    // Sequence numbers with a gap are damage, named by line too.
    write_journal(&state, &recorded);
    let text = std::fs::read_to_string(state.join("journal")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let json = r#"{"seq":7,"at":"2027-01-25T17:00:00Z","event":"resumed","finished":1}"#;
    let skipped = format!("{:016x} {json}\n", fnv1a64(json.as_bytes()));
    let mut gap = lines[..4].join("\n") + "\n" + &skipped;
    gap.push_str(&(lines[4..].join("\n") + "\n"));
    std::fs::write(state.join("journal"), gap).unwrap();
    let output = workspace.run(&["run", "pipeline.pipe", "--resume"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("damaged at line 5 (record 7 where 5 was due)"),
        "{}",
        stderr(&output)
    );
    // The journal as the runner wrote it still resumes: the build runs
    // again, then the deploy.
    write_journal(&state, &recorded);
    let output = workspace.run(&["run", "pipeline.pipe", "--resume"]);
    assert_exit(&output, 0);
    assert_eq!(
        workspace.effects(),
        vec!["build/bundle", "build/bundle", deploy]
    );
    assert_dependency_order(&state);
}

#[test]
fn resume_refuses_a_plan_file_whose_command_was_edited_but_not_one_only_reformatted() {
    let workspace = Workspace::new("edited-plan");
    workspace.script(
        "plans/scripts/flaky.sh",
        "#!/bin/sh\n./scripts/effect.sh\n[ -e fixed ]\n",
    );
    workspace.script("plans/scripts/effect.sh", EFFECT_SCRIPT);
    workspace.file("pipeline.pipe", &two_steps("./scripts/flaky.sh"));
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plans/orders.json"]);
    assert_exit(&output, 0);
    let output = workspace.run(&["run", "plans/orders.json"]);
    assert_exit(&output, 1);
    let path = workspace.dir.join("plans/orders.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // Reformatted by hand: the same plan, whose identity is that of its
    // canonical form (as a `.pipe` file and its compiled plan share one).
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let output = workspace.run(&["run", "plans/orders.json", "--resume"]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("failed     build/bundle"),
        "{}",
        stderr(&output)
    );
    // The build's command edited, in its text and its words: another plan.
    let edited = text.replace("./scripts/flaky.sh", "./scripts/effect.sh");
    assert_ne!(edited, text);
    std::fs::write(&path, &edited).unwrap();
    let output = workspace.run(&["run", "plans/orders.json", "--resume"]);
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains("holds a run of a different plan (pipeline `orders`, fnv1a64:"),
        "{err}"
    );
    assert!(
        err.contains("resume with the plan the run started with"),
        "{err}"
    );
    // Only the argv edited (the text left as it was) is another plan too.
    let words_only = text.replace(
        "\"argv\":[\"./scripts/flaky.sh\"]",
        "\"argv\":[\"./scripts/effect.sh\"]",
    );
    assert_ne!(words_only, text);
    std::fs::write(&path, &words_only).unwrap();
    let output = workspace.run(&["run", "plans/orders.json", "--resume"]);
    assert_exit(&output, 2);
    // The build ran in the first run and the reformatted resume only.
    let effects = std::fs::read_to_string(workspace.dir.join("plans/effects.txt")).unwrap();
    assert_eq!(effects, "build/bundle\nbuild/bundle\n");
}

#[test]
fn a_command_whose_text_and_argv_disagree_is_warned_about_before_it_runs() {
    let workspace = Workspace::new("argv");
    workspace.script("plans/scripts/effect.sh", EFFECT_SCRIPT);
    // A value with a blank and a quote: the text shows it unquoted, argv
    // keeps it one word; they agree.
    let source = two_steps("./scripts/effect.sh ${note}").replace(
        "  platform = ecs\n",
        "  platform = ecs\n  note : string = \"it's done\"\n",
    );
    workspace.file("pipeline.pipe", &source);
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plans/orders.json"]);
    assert_exit(&output, 0);
    let text = std::fs::read_to_string(workspace.dir.join("plans/orders.json")).unwrap();
    assert!(
        text.contains(r#""command":"./scripts/effect.sh it's done","argv":["./scripts/effect.sh","it's done"]"#),
        "{text}"
    );
    workspace.file("plans/agreeing.json", &text);
    let output = workspace.run(&["run", "plans/agreeing.json", "--state", "agreeing"]);
    assert_exit(&output, 0);
    assert!(!stderr(&output).contains("warning:"), "{}", stderr(&output));
    // argv edited by hand, the text left as it was: what runs is argv.
    let edited = text.replace(
        r#""argv":["./scripts/effect.sh","it's done"]"#,
        r#""argv":["./scripts/effect.sh","injected"]"#,
    );
    assert_ne!(edited, text);
    workspace.file("plans/edited.json", &edited);
    let output = workspace.run(&["run", "plans/edited.json", "--state", "edited"]);
    assert_exit(&output, 0);
    let err = stderr(&output);
    let warning = "warning: step `build/bundle`: its command does not say what runs\n  \
                   command: ./scripts/effect.sh it's done\n  \
                   argv:    [\"./scripts/effect.sh\", \"injected\"]\n\
                   help: what runs is argv";
    let at = err.find(warning).unwrap_or_else(|| panic!("{err}"));
    assert!(at < err.find("started    build/bundle").unwrap(), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    let effects = std::fs::read_to_string(workspace.dir.join("plans/effects.txt")).unwrap();
    assert!(effects.contains("build/bundle injected\n"), "{effects}");
}

#[test]
fn a_step_that_deletes_the_state_stops_the_steps_running_beside_it() {
    let workspace = Workspace::new("wipe-parallel");
    // Two regions deploy at once: one deletes the state once the other
    // has started; the other would record itself only much later.
    workspace.script(
        "scripts/region.sh",
        r#"#!/bin/sh
set -eu
case "$PIPEC_REGION" in
  lab-east-1) ./scripts/effect.sh ;;
  lab-west-1)
    tries=0
    while [ ! -e north-started ] && [ "$tries" -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
    rm -rf "$STATE_TO_WIPE" ;;
  *)
    touch north-started
    sleep 5
    ./scripts/effect.sh ;;
esac
"#,
    );
    workspace.file(
        "pipeline.pipe",
        &format!(
            r#"{LAB}
pipeline orders {{
  platform = ecs
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{ run = "./scripts/effect.sh" }}
  production {{
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    deploy bundle {{ run = "./scripts/region.sh" }}
    wave first {{ regions = [lab-east-1]; bake = 1h }}
    wave rest  {{ regions = rest; bake = 1h }}
  }}
}}
"#
        ),
    );
    let state = workspace.state("orders");
    let output = workspace
        .pipec()
        .args(["run", "pipeline.pipe", "--speed", "36000"])
        .env("STATE_TO_WIPE", &state)
        .output()
        .unwrap();
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("was deleted or replaced"), "{err}");
    assert!(workspace.dir.join("north-started").exists(), "{err}");
    // The north deploy was stopped, not waited for: it never recorded
    // itself (it would have, five seconds in).
    std::thread::sleep(std::time::Duration::from_secs(6));
    assert_eq!(
        workspace.effects(),
        vec!["build/bundle", "production/first/lab-east-1/deploy"],
        "{err}"
    );
}

/// A run resumes whatever the entry file is called: from another directory
/// (here, by its absolute path) the plan's provenance names its file
/// differently, but what runs is the same, and the identity is of that.
/// An edit to what runs still refuses the run.
#[test]
fn resume_takes_the_same_plan_however_its_file_is_named() {
    let workspace = failed_at_the_build(Workspace::new("renamed"));
    workspace.file("fixed", "");
    let absolute = workspace.dir.join("pipeline.pipe");
    let absolute = absolute.to_str().unwrap();
    let output = workspace.run(&["run", absolute, "--resume"]);
    assert_exit(&output, 0);
    assert_eq!(
        workspace.effects(),
        ["build/bundle", "build/bundle", "beta/lab-east-1/deploy"]
    );
    // Another command for the build is another plan.
    workspace.file("pipeline.pipe", &two_steps("./scripts/effect.sh"));
    let output = workspace.run(&["run", absolute, "--resume"]);
    assert_exit(&output, 2);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("holds a run of a different plan"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
