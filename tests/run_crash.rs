//! Crash safety of `pipec run`: a run killed with SIGKILL at seeded random
//! moments, and resumed each time until it completes, ends with every
//! step finished and the same side effects as a run never killed. A step
//! may have run twice only if it was running when a kill came (its
//! commands must be idempotent); nothing else runs twice, nothing is
//! lost, and the state parses after every kill.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod run_support;

use pipec::run::state::journal::StepOutcome;
use run_support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Twenty-odd steps, thirteen of them commands that each append a line to
/// `effects.txt` and take about 10 ms; bakes of an hour take a tenth of a
/// second at the speed used. A whole run takes about half a second.
fn pipeline() -> String {
    format!(
        r#"{LAB}
pipeline orders {{
  platform = ecs
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{ run = "./scripts/slow-effect.sh" }}
  build assets from bundle {{ run = "./scripts/slow-effect.sh" }}
  stage beta {{
    regions = [lab-east-1, lab-west-1]
    deploy bundle, assets {{ run = "./scripts/slow-effect.sh" }}
    test integration {{ run = "./scripts/slow-effect.sh" }}
    test smoke {{ run = "./scripts/slow-effect.sh" }}
    bake = 1h
  }}
  production {{
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    onebox {{ bake = 1h }}
    deploy bundle, assets {{ run = "./scripts/slow-effect.sh" }}
    wave first {{ regions = [lab-east-1]; by az; bake = 1h }}
    wave rest  {{ regions = rest; bake = 1h }}
  }}
}}
"#
    )
}

const SLOW_EFFECT: &str =
    "#!/bin/sh\nset -eu\necho \"$PIPEC_STEP_ID\" >> effects.txt\nsleep 0.01\n";

const SPEED: &str = "36000";

/// A small deterministic generator (xorshift64*), so that a failure
/// replays with its seed.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

fn workspace(name: &str) -> Workspace {
    let workspace = Workspace::new(name);
    workspace.file("pipeline.pipe", &pipeline());
    workspace.script("scripts/slow-effect.sh", SLOW_EFFECT);
    workspace
}

/// The plan compiled once, so that every run starts at once.
fn compile(workspace: &Workspace) {
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plan.json"]);
    assert_exit(&output, 0);
}

#[test]
fn killed_at_random_moments_and_resumed_a_run_ends_as_if_never_killed() {
    // The reference: a run never killed.
    let reference = workspace("crash-reference");
    compile(&reference);
    let output = reference.run(&["run", "plan.json", "--speed", SPEED]);
    assert_exit(&output, 0);
    let expected: BTreeSet<String> = reference.effects().into_iter().collect();
    assert_eq!(expected.len(), 13, "{expected:?}");
    assert_eq!(
        reference.effects().len(),
        13,
        "a run never killed runs each command once"
    );
    let steps = plan(&reference.state("orders")).steps.len();

    let started_at = Instant::now();
    let mut kills = 0;
    let mut seed = 0u64;
    let mut runs_per_scenario = Vec::new();
    while kills < 60 {
        seed += 1;
        let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x1000_0000_01B3));
        let scenario = workspace("crash");
        compile(&scenario);
        let state = scenario.state("orders");
        // Steps that were running when a kill came: the only ones allowed
        // to have run twice.
        let mut interrupted: BTreeSet<String> = BTreeSet::new();
        let mut runs = 0;
        loop {
            runs += 1;
            assert!(runs < 40, "seed {seed}: no end after {runs} runs");
            let mut args = vec!["run", "plan.json", "--speed", SPEED];
            // A run killed before it journaled its start ran nothing, and
            // `--resume` refuses an empty journal: start it again instead.
            let journaled =
                std::fs::metadata(state.join("journal")).is_ok_and(|journal| journal.len() > 0);
            if runs > 1 && journaled {
                args.push("--resume");
            }
            let mut child = scenario
                .pipec()
                .args(&args)
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let delay = Duration::from_millis(random.below(300));
            std::thread::sleep(delay);
            if let Some(status) = child.try_wait().unwrap() {
                assert_eq!(
                    status.code(),
                    Some(0),
                    "seed {seed}, run {runs} ended on its own"
                );
                break;
            }
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
            // The state parses after every kill (a torn last record is
            // dropped), and says which steps were running.
            let entries = journal(&state);
            interrupted.extend(unfinished(&entries));
        }
        runs_per_scenario.push(runs);
        // Every step finished, and succeeded.
        let entries = journal(&state);
        let outcomes = outcomes(&entries);
        assert_eq!(outcomes.len(), steps, "seed {seed}");
        assert!(
            outcomes
                .values()
                .all(|outcome| *outcome == StepOutcome::Succeeded),
            "seed {seed}: {outcomes:?}"
        );
        assert_dependency_order(&state);
        // The same effects as the reference, as a set; repeats only of
        // steps a kill interrupted.
        let effects = scenario.effects();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for effect in &effects {
            *counts.entry(effect.as_str()).or_default() += 1;
        }
        let seen: BTreeSet<String> = counts.keys().map(|effect| effect.to_string()).collect();
        assert_eq!(seen, expected, "seed {seed}");
        for (effect, count) in counts {
            assert!(
                count == 1 || interrupted.contains(effect),
                "seed {seed}: {effect} ran {count} times but no kill interrupted it"
            );
        }
    }
    eprintln!(
        "{kills} kills over {} scenarios (runs each: {runs_per_scenario:?}) in {:?}",
        runs_per_scenario.len(),
        started_at.elapsed()
    );
}
