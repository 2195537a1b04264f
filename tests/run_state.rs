//! `pipec run`'s state under deletion and tampering: where it lives by
//! default, a journal deleted under a running run, a plan edited between
//! invocations, and journals whose records do not add up.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod run_support;

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
