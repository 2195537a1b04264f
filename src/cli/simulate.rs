//! `pipec simulate`: reads or compiles the plan, reads the scenario, runs
//! the simulator and prints the result. Everything else lives in
//! `pipec::sim`.

use super::{Compilation, compile_plans};
use clap::ValueEnum;
use miette::{IntoDiagnostic, WrapErr, miette};
use pipec::export::plan_v1::{self, PlanV1};
use pipec::sim::{self, Options, scenario};
use std::path::Path;

/// How the result is printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A readable timeline, then a summary.
    Text,
    /// `events` and `summary` as JSON.
    Json,
    /// A Mermaid Gantt chart.
    Mermaid,
}

/// What `simulate` was asked.
pub struct Request<'a> {
    pub input: &'a Path,
    pub pipeline: Option<&'a str>,
    pub start: Option<jiff::Timestamp>,
    pub scenario: Option<&'a Path>,
    pub format: Format,
    pub auto_approve: bool,
    pub compile: Compilation<'a>,
}

/// Runs `simulate`; the exit code is 0 whatever the rollout's outcome
/// (the outcome is data), 1 when a `.pipe` file has errors, 2 for
/// unreadable or invalid plans and scenarios.
pub fn run(request: &Request<'_>) -> miette::Result<u8> {
    let plan = match load_plan(request.input, request.pipeline, request.compile, "simulate")? {
        Ok(plan) => plan,
        Err(code) => return Ok(code),
    };
    let scenario = match request.scenario {
        Some(path) => read_scenario(path)?,
        None => scenario::Scenario::empty(),
    };
    let fail = |error: sim::SimError| {
        let help = match error {
            sim::SimError::NoStart | sim::SimError::LateStart(_) => {
                "for example: --start 2027-01-25T09:00:00-08:00"
            }
            sim::SimError::NoDefaultStart(_) => {
                "give --start, such as --start 2027-01-25T09:00:00-08:00"
            }
            sim::SimError::Scenario(_) => "see docs/simulation.md for the scenario format",
            sim::SimError::Plan(_) => "compile the plan again with this pipec",
        };
        miette!(code = "P1006", help = help, "{error}")
    };
    // A plan the simulator cannot read (a window in a zone the time-zone
    // database does not know) says so, with or without a start.
    if let Err(problems) = sim::model::prepare(&plan) {
        return Err(fail(sim::SimError::Plan(problems)));
    }
    // Without `--start` or a merge time, the rollout starts where `diff`
    // starts it, and says so: a timeline is read against its start.
    let start = match request.start {
        None if !sim::scenario_has_start(&scenario) => {
            let (start, zone) =
                sim::default_start_or_why(&plan, request.compile.today).map_err(fail)?;
            let local = start
                .to_zoned(jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC))
                .strftime("%Y-%m-%dT%H:%M:%S%:z");
            // A note, not an error: `--quiet` reports errors only.
            if !request.compile.filter.quiet() {
                note!(
                    "simulating from {local} ({zone}): the first Monday on or after {}, 09:00; --start changes it",
                    request.compile.today
                );
            }
            Some(start)
        }
        start => start,
    };
    let options = Options {
        start,
        auto_approve: request.auto_approve,
    };
    let simulation = sim::simulate(&plan, &scenario, &options).map_err(fail)?;
    let text = match request.format {
        Format::Text => sim::output::text::render(&simulation),
        Format::Json => sim::output::json::render(&simulation),
        Format::Mermaid => sim::output::mermaid::render(&simulation),
    };
    super::output::write_stdout(&text)?;
    Ok(0)
}

/// The one plan `command` works on: read from a `.json` file (one plan,
/// or the array `compile` writes), or compiled from a `.pipe` file, and
/// picked by `pipeline` when there are several. `Ok(Err(code))` when the
/// source has errors. `--profile` with a plan file is refused, as `run`
/// refuses it.
pub(crate) fn load_plan(
    path: &Path,
    pipeline: Option<&str>,
    compile: Compilation<'_>,
    command: &str,
) -> miette::Result<Result<PlanV1, u8>> {
    require_file(path, command)?;
    let plans = if pipec::run::plan_source::is_plan_file(path) {
        // A plan is already compiled: a profile cannot change it, and
        // ignoring one would answer another question than the one asked.
        if compile.profile.is_some() {
            return Err(miette!(
                code = "P1003",
                help = "a plan file is already compiled; compile with `--profile` instead",
                "--profile applies to `.pipe` files only"
            ));
        }
        read_plans(path)?
    } else {
        match compile_plans(path, pipeline, command, compile)? {
            Ok(plans) => plans,
            Err(code) => return Ok(Err(code)),
        }
    };
    if plans.is_empty() {
        return Err(miette!(
            code = "P1006",
            help = "pass a plan written by `pipec compile`, or the .pipe file itself",
            "{} holds no plan: its array is empty",
            path.display()
        ));
    }
    let names: Vec<&str> = plans.iter().map(|plan| plan.pipeline.as_str()).collect();
    let chosen = match pipeline {
        Some(wanted) => plans.iter().find(|plan| plan.pipeline == wanted),
        None if plans.len() == 1 => plans.first(),
        None => {
            return Err(miette!(
                code = "P1003",
                help = format!("pick one with --pipeline: {}", names.join(", ")),
                "{} holds {} pipelines; `{command}` takes one",
                path.display(),
                plans.len()
            ));
        }
    };
    match chosen {
        Some(plan) => Ok(Ok(plan.clone())),
        None => Err(miette!(
            code = "P1003",
            help = super::pipelines_help(path, &names),
            "no pipeline `{}` in {}",
            pipeline.unwrap_or_default(),
            path.display()
        )),
    }
}

/// A command that works on one pipeline takes the file that declares it
/// (or its plan), not a directory of them; and one that is not there is
/// refused with a help that says so, rather than the help of the commands
/// that search directories.
pub(crate) fn require_file(path: &Path, command: &str) -> miette::Result<()> {
    if path.as_os_str() != "-" && !path.exists() && !path.is_symlink() {
        return Err(miette!(
            code = "P1001",
            help = "pass the .pipe file that declares the pipeline, a plan written by `pipec compile`, or - for standard input",
            "no such file or directory: {}",
            path.display()
        ));
    }
    if path.is_dir() {
        return Err(miette!(
            code = "P1003",
            help = format!(
                "name the .pipe file that declares the pipeline (or a plan file); `pipec check {}` checks the whole directory",
                path.display()
            ),
            "`{command}` takes a file, and {} is a directory",
            path.display()
        ));
    }
    Ok(())
}

/// Reads a plan file: one plan, or an array of plans as `compile` writes
/// for a file with several pipelines.
fn read_plans(path: &Path) -> miette::Result<Vec<PlanV1>> {
    let text = pipec::disk::read_data_file(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read {}", path.display()))?;
    plan_v1::plans_from_json(&text).map_err(|error| {
        miette!(
            code = "P1006",
            help = "pass a plan written by `pipec compile`, or the .pipe file itself",
            "could not read the plan {}: {error}",
            path.display()
        )
    })
}

fn read_scenario(path: &Path) -> miette::Result<scenario::Scenario> {
    let text = pipec::disk::read_data_file(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read {}", path.display()))?;
    // Its problems are listed with those against the plan, when the
    // simulation is asked for.
    scenario::read(&text).map_err(|error| {
        miette!(
            code = "P1006",
            help = "the scenario format is described in docs/simulation.md and schemas/scenario-v1.schema.json",
            "could not read the scenario {}: {error}",
            path.display()
        )
    })
}
