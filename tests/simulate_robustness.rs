//! Nothing the simulator reads makes it panic or loop: mutated plan and
//! scenario files, plans that break the format's cross-references,
//! absurd numbers, and a window that never opens are errors or halts.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim;

use pipec::export::plan_v1::{self, Gate, Params, PlanV1, Strategy};
use pipec::sim::report::Outcome;
use pipec::sim::{Options, scenario};
use sim::generate::Rng;
use sim::{TINY, at, compile};

/// Mutants of each file. Most mutants of a plan are refused (a date or an
/// id broken); 400 leave a score of them readable for the simulator, the
/// plan's numbers changed mostly.
const MUTATIONS: u64 = 400;

fn options() -> Options {
    Options {
        start: Some(at("2027-01-25T09:00:00-08:00")),
        auto_approve: true,
    }
}

/// Replaces, inserts or deletes a few bytes, favouring JSON's own
/// characters so that many mutants still parse.
fn mutate(rng: &mut Rng, text: &str, edits: u64) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let alphabet = b"{}[]\",:0123456789-.aeEtfn \\/#";
    for _ in 0..edits {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len() as u64) as usize;
        match rng.below(3) {
            0 => bytes[at] = alphabet[rng.below(alphabet.len() as u64) as usize],
            1 => bytes.insert(at, alphabet[rng.below(alphabet.len() as u64) as usize]),
            _ => {
                let end = (at + 1 + rng.below(40) as usize).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Replaces one digit of `text` with another digit: a duration, a count,
/// a percent, a line or a provenance's number changed, which the reader
/// often takes (and a name or id with a digit, which it often refuses).
fn mutate_digit(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let digits: Vec<usize> = (0..bytes.len())
        .filter(|&at| bytes[at].is_ascii_digit())
        .collect();
    if !digits.is_empty() {
        let at = digits[rng.below(digits.len() as u64) as usize];
        bytes[at] = b'0' + rng.below(10) as u8;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_plan_files_are_read_or_refused_never_a_panic() {
    let plan = compile(TINY);
    let json = plan_v1::to_json(&plan);
    let mut rng = Rng::new(1);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..MUTATIONS {
        // The reader refuses a plan whose ids or names break, as most
        // byte edits do; half the mutants change a number instead.
        let mutant = if rng.below(2) == 0 {
            mutate_digit(&mut rng, &json)
        } else {
            let edits = 1 + rng.below(4);
            mutate(&mut rng, &json, edits)
        };
        match plan_v1::from_json(&mutant) {
            Ok(plan) => {
                read += 1;
                let _ = pipec::sim::simulate(&plan, &scenario::Scenario::empty(), &options());
            }
            Err(error) => {
                refused += 1;
                assert!(!error.to_string().is_empty());
            }
        }
    }
    assert!(read > 10 && refused > 10, "{read} read, {refused} refused");
}

#[test]
fn mutated_scenario_files_are_read_or_refused_never_a_panic() {
    let plan = compile(TINY);
    let text = std::fs::read_to_string("examples/scenarios/busy_week.json").unwrap();
    let text = text
        .replace("AWS_Large_Scale_Event", "Lab_Event")
        .replace("OrdersApi_High_P99_Latency", "Tiny_High_Severity")
        .replace("eu-west-1", "lab-west-1")
        .replace("alarm:aws.large_scale_event", "alarm:lab_event")
        .replace("gamma/test/load", "production/first/bake")
        .replace("ap-east-1", "lab-east-1");
    let original = scenario::from_json(&text).unwrap();
    assert!(pipec::sim::simulate(&plan, &original, &options()).is_ok());
    let mut rng = Rng::new(2);
    let mut ran = 0;
    for _ in 0..MUTATIONS {
        let mutant = mutate(&mut rng, &text, 1);
        if let Ok(scenario) = scenario::from_json(&mutant)
            && pipec::sim::simulate(&plan, &scenario, &options()).is_ok()
        {
            ran += 1;
        }
    }
    assert!(ran > 10, "only {ran} mutants ran");
}

fn refused(plan: &PlanV1) -> String {
    pipec::sim::simulate(plan, &scenario::Scenario::empty(), &options())
        .unwrap_err()
        .to_string()
}

#[test]
fn plans_that_break_cross_references_are_refused_with_every_problem() {
    let plan = compile(TINY);

    let mut broken = plan.clone();
    broken.steps[1].needs = vec!["production/rest/bake".into(), "nowhere".into()];
    broken.steps[2].gates.push("window:elsewhere".into());
    broken.steps[3].rollback_alarm = Some("missing".into());
    let message = refused(&broken);
    for expected in [
        "step `build/bundle` needs `production/rest/bake`, which comes after it",
        "step `build/bundle` needs `nowhere`, which is not a step",
        "checks gate `window:elsewhere`, which is not in `gates`",
        "rolls back on alarm `missing`, which is not in `alarms`",
    ] {
        assert!(message.contains(expected), "{message}");
    }

    let mut broken = plan.clone();
    broken.steps[1].id = "source/code".into();
    broken.alarms[0].alarm = "ALARM(\"A\") OR".to_string();
    for entry in &mut broken.gates {
        if let Gate::Window(window) = &mut entry.gate {
            window.zone = "Mars/Olympus_Mons".to_string();
        }
    }
    let message = refused(&broken);
    for expected in [
        "two steps have the id `source/code`",
        "its expression: expected an alarm, `NOT` or `(`, found the end",
        "unknown time zone `Mars/Olympus_Mons`",
    ] {
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn absurd_numbers_saturate_and_stop_at_the_horizon() {
    let mut plan = compile(TINY);
    for step in &mut plan.steps {
        match &mut step.params {
            Params::Bake(bake) => {
                bake.duration_seconds = u64::MAX;
                if let Some(points) = bake.data_points.first_mut() {
                    points.count = u64::MAX;
                }
            }
            Params::Deploy(deploy) => {
                deploy.strategy = Strategy::Linear {
                    step_percent: plan_v1::Percent::from_hundredths(0),
                    interval_seconds: u64::MAX,
                };
            }
            _ => {}
        }
    }
    let simulation = pipec::sim::simulate(&plan, &scenario::Scenario::empty(), &options()).unwrap();
    assert_eq!(simulation.outcome, Outcome::Halted);
    assert_eq!(simulation.finished_at, at("2028-01-26T17:00:00Z"));
}

#[test]
fn a_window_that_never_opens_halts_the_change() {
    let mut plan = compile(TINY);
    for entry in &mut plan.gates {
        if let Gate::Window(window) = &mut entry.gate {
            window.allow.clear();
        }
    }
    let simulation = pipec::sim::simulate(&plan, &scenario::Scenario::empty(), &options()).unwrap();
    assert_eq!(simulation.outcome, Outcome::Halted);
    assert_eq!(
        simulation.changes[0].reason.as_deref(),
        Some("window:office does not open within a year")
    );
    // It halted when the first production step was ready, not a year later.
    assert_eq!(simulation.finished_at, at("2027-01-25T17:11:00Z"));
}
