//! Starting a run: checking the inputs, taking the lock, opening the
//! journal and checking it belongs to this plan, then handing over to the
//! engine.

use super::Engine;
use super::replay::Replay;
use crate::export::plan_v1::{self, Gate, PlanV1};
use crate::run::alarms::AlarmCommand;
use crate::run::clock::Clock;
use crate::run::scheduler::Topology;
use crate::run::secrets::Secrets;
use crate::run::state::StateDir;
use crate::run::state::journal::{JOURNAL_FORMAT, Journal, Record};
use crate::run::state::lock::Lock;
use crate::run::{Options, Outcome, RunError, Shared, context};
use std::sync::Arc;

/// The plan's identity, as the journal records it: FNV-1a (64-bit) of the
/// canonical JSON of what runs, the plan without its provenance. It tells
/// plans apart; it is not a signature.
fn plan_identity(plan: &PlanV1) -> String {
    let json = plan_v1::to_json(&plan_v1::without_provenance(plan));
    format!(
        "fnv1a64:{:016x}",
        crate::diagnostics::formats::fingerprint::fnv1a64(json.as_bytes())
    )
}

/// `--resume` where `root` holds no run: not a fresh start, since deploys
/// that succeeded would run twice.
fn nothing_to_resume(root: &std::path::Path) -> RunError {
    RunError::new(format!(
        "nothing to resume: {} holds no journal",
        root.display()
    ))
    .help("start the run without `--resume`, or name the state directory it ran with in `--state DIR`")
}

/// Runs `plan` as `options` say. `Err` is a problem with the inputs or the
/// state (exit status 2); every other ending is an [`Outcome`].
pub fn run(plan: PlanV1, options: &Options) -> Result<Outcome, RunError> {
    let topology = Topology::new(&plan)
        .map_err(|error| RunError::new(format!("the plan cannot run: {error}")))?;
    check_overrides(&plan, &options.overrides)?;
    let secrets = Secrets::read(&plan, |name| std::env::var(name).ok()).map_err(|missing| {
        RunError::new(format!(
            "the plan's secrets are not all set: {} missing from the environment",
            missing.join(", ")
        ))
        .help("each `secret(\"NAME\")` is read from the environment variable NAME of `pipec run`")
    })?;
    if !(options.speed.is_finite() && options.speed > 0.0) {
        return Err(RunError::new("--speed must be a positive number"));
    }
    // A run with nothing to resume leaves no state directory or journal
    // behind where there was none.
    if options.resume
        && std::fs::symlink_metadata(StateDir::journal_in(&options.state_dir)).is_err()
    {
        return Err(nothing_to_resume(&options.state_dir));
    }
    let state = StateDir::create(&options.state_dir).map_err(|error| {
        RunError::new(format!(
            "cannot create the state directory {}: {error}",
            options.state_dir.display()
        ))
    })?;
    let _lock = Lock::acquire(&state.lock_path()).map_err(|error| {
        RunError::new(error.to_string()).help(
            "wait for it to finish, or give this run another `--state DIR`; a run that was killed \
             holds no lock",
        )
    })?;
    let (mut journal, entries) = Journal::open(&state.journal_path())
        .map_err(|error| RunError::new(format!("cannot read the run's journal: {error}")))?;
    let identity = plan_identity(&plan);
    let mut replay = Replay::new(&plan, &topology);
    match entries.first().map(|entry| &entry.record) {
        // `--resume` of a run whose journal is gone (a step that cleaned
        // the work tree, a wrong `--state`) must not start again from the
        // first step: deploys that succeeded would run twice.
        None if options.resume => return Err(nothing_to_resume(state.root())),
        None => {
            crate::run::state::write_atomically(
                &state.plan_path(),
                plan_v1::to_json(&plan).as_bytes(),
            )
            .map_err(|error| RunError::new(format!("cannot write the plan's copy: {error}")))?;
            append(
                &mut journal,
                Record::RunStarted {
                    journal_format: JOURNAL_FORMAT,
                    pipeline: plan.pipeline.clone(),
                    plan: identity,
                    steps: plan.steps.len(),
                },
            )?;
        }
        Some(Record::RunStarted {
            journal_format,
            pipeline,
            plan: recorded,
            ..
        }) => {
            if *journal_format != JOURNAL_FORMAT {
                return Err(RunError::new(format!(
                    "{} was written by a runner with journal format {journal_format}; this one reads {JOURNAL_FORMAT}",
                    state.journal_path().display()
                )));
            }
            if *recorded != identity {
                return Err(RunError::new(format!(
                    "{} holds a run of a different plan (pipeline `{pipeline}`, {recorded}); this plan (pipeline `{}`) is {identity}",
                    state.root().display(),
                    plan.pipeline
                ))
                .help("resume with the plan the run started with, or start this one with another `--state DIR`"));
            }
            if !options.resume {
                return Err(RunError::new(format!(
                    "{} already holds a run of pipeline `{pipeline}`",
                    state.root().display()
                ))
                .help("add `--resume` to continue it, or give a new run another `--state DIR`"));
            }
            // A checksum shows a line was written whole, not that the
            // runner wrote it: believe only records that add up.
            if let Err(inconsistency) = super::consistency::check(&plan, &entries) {
                return Err(RunError::new(format!(
                    "{} does not add up at line {}: {}",
                    state.journal_path().display(),
                    inconsistency.line,
                    inconsistency.why
                ))
                .help("`pipec run` never writes such a record: the journal was changed by something else; keep the state directory as safe as the plan, and start again with another `--state DIR` if its story cannot be trusted"));
            }
            for entry in &entries {
                replay.apply(&entry.record);
            }
            append(
                &mut journal,
                Record::Resumed {
                    finished: replay.finished(),
                },
            )?;
        }
        Some(_) => {
            return Err(RunError::new(format!(
                "{} does not start with the run's identity",
                state.journal_path().display()
            )));
        }
    }
    for role in &options.approve {
        if replay.approvals.insert(role.clone()) {
            append(&mut journal, Record::Approved { role: role.clone() })?;
        }
    }
    let alarm_command = options
        .alarm_command
        .clone()
        .or_else(|| {
            plan.alarm_command
                .as_ref()
                .map(|command| command.argv.clone())
        })
        .filter(|argv| !argv.is_empty())
        .map(|argv| AlarmCommand {
            argv,
            dir: options.base_dir.clone(),
            remove: secrets
                .names()
                .map(str::to_string)
                .chain(
                    context::CONTEXT_VARIABLES
                        .iter()
                        .map(|name| name.to_string()),
                )
                .collect(),
        });
    let clock = Clock::new(
        options.start_at.unwrap_or_else(jiff::Timestamp::now),
        options.speed,
    );
    let shared = Arc::new(Shared {
        topology,
        clock,
        secrets: Arc::new(secrets),
        base_dir: options.base_dir.clone(),
        state,
        alarm_command,
        alarm_poll: crate::run::ALARM_POLL,
        approvals: replay.approvals.clone(),
        auto_approve: options.auto_approve,
        overrides: options.overrides.iter().cloned().collect(),
        plan,
    });
    let mut engine = Engine::new(shared, journal, replay, options);
    let outcome = engine.drive()?;
    engine.progress.finish();
    let (name, detail) = match &outcome {
        Outcome::Completed { steps } => ("completed", format!("{steps} steps")),
        Outcome::Failed(why) => ("failed", why.clone()),
        Outcome::RolledBack(why) => ("rolled_back", why.clone()),
        Outcome::Halted(why) => ("halted", why.clone()),
        Outcome::Interrupted { signal, running } => (
            "interrupted",
            format!("{}; stopped: {}", signal.name(), running.join(", ")),
        ),
    };
    append(
        &mut engine.journal,
        Record::RunStopped {
            outcome: name.to_string(),
            detail,
        },
    )?;
    Ok(outcome)
}

pub(super) fn append(journal: &mut Journal, record: Record) -> Result<(), RunError> {
    journal.append(record).map(|_| ()).map_err(|error| {
        RunError::new(format!("cannot record the run's progress: {error}")).help(
            "the run stopped its steps, since what is not recorded would be run again or \
                 lost; make room (or restore the state directory), then `--resume`: a step not \
                 recorded as finished runs again",
        )
    })
}

/// `--override` names gates of the plan that may be overridden.
fn check_overrides(plan: &PlanV1, overrides: &[String]) -> Result<(), RunError> {
    for id in overrides {
        let Some(entry) = plan.gates.iter().find(|gate| *gate.id == **id) else {
            let ids: Vec<&str> = plan.gates.iter().map(|gate| gate.id.as_ref()).collect();
            let help = if ids.is_empty() {
                "the plan has no gates to override".to_string()
            } else {
                format!("the plan's gates are: {}", ids.join(", "))
            };
            return Err(
                RunError::new(format!("--override {id}: the plan has no such gate")).help(help),
            );
        };
        let overridable = match &entry.gate {
            Gate::Window(gate) => gate.overridable,
            Gate::Alarm(gate) => gate.overridable,
            Gate::Artifact(gate) => gate.overridable,
            Gate::Approval(gate) => gate.overridable,
        };
        if !overridable {
            return Err(RunError::new(format!(
                "--override {id}: the gate is not overridable"
            )));
        }
    }
    Ok(())
}
