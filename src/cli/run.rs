//! `pipec run`: the plan of a `.pipe` file (compiled here) or a plan file,
//! executed by `pipec::run`. Exit status 0 when the change reached every
//! target; 1 when a step failed, an alarm rolled the change back, or the
//! run halted (an approval, a blocker, a window); 2 for usage and state
//! errors (nothing ran, or the state could not be kept).

use super::{EXIT_ERRORS, EXIT_FAILURE, files};
use miette::{IntoDiagnostic, WrapErr};
use pipec::diagnostics::render::{self, ColorChoice};
use pipec::export::convert;
use pipec::plan::words::{self, Piece};
use pipec::run::{self, Options, Outcome, plan_source};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The flags of `pipec run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// A `.pipe` file (compiled first) or a plan file (`PLAN.json`).
    file: PathBuf,
    /// The pipeline to run, when the file declares several.
    #[arg(short, long, value_name = "NAME")]
    pipeline: Option<String>,
    /// The state directory (journal, logs, lock). Default:
    /// `$XDG_STATE_HOME/pipec/runs/PIPELINE-HASH/` (or under
    /// `~/.local/state`), HASH naming the workspace root of FILE or the
    /// directory of PLAN.json: outside the work tree, which steps may clean.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Continue the run recorded in the state directory: finished steps
    /// are not run again; steps that were running, or failed, run again.
    #[arg(long)]
    resume: bool,
    /// Run time goes N times faster than real time: bakes, window waits
    /// and alarm polling shrink N-fold (commands still take real time).
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = positive_speed)]
    speed: f64,
    /// The instant the run clock starts at (RFC 3339, e.g.
    /// `2027-01-25T17:00:00Z`), for trying windows; default: now.
    #[arg(long, value_name = "TIME")]
    start_at: Option<jiff::Timestamp>,
    /// The command that says whether an alarm is in alarm (exit 0 OK, 1
    /// ALARM); replaces the plan's `alarm_command`. Run without a shell.
    #[arg(long, value_name = "CMD")]
    alarm_command: Option<String>,
    /// How many commands run at once.
    #[arg(long, value_name = "N", default_value_t = run::DEFAULT_JOBS, value_parser = positive)]
    jobs: usize,
    /// Approve for ROLE (repeatable); recorded, so it holds on resume.
    #[arg(long = "approve", value_name = "ROLE")]
    approve: Vec<String>,
    /// Approve every approval, in this invocation only.
    #[arg(long)]
    auto_approve: bool,
    /// Pass an overridable gate (a window, an alarm or artifact blocker) by
    /// its id, such as `window:business_hours` (repeatable).
    #[arg(long = "override", value_name = "GATE")]
    overrides: Vec<String>,
    /// How long a rollback command may run (real time) before it is
    /// stopped, such as `10m`; the undo is then recorded as failed.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = duration)]
    rollback_timeout: std::time::Duration,
}

/// The command that continues an interrupted run: the same file, and the
/// flags that choose its plan (`--pipeline`, `--profile`) and watch it
/// (`--alarm-command`), so that it resumes the same plan, watched the same
/// way, rather than being refused or running unwatched.
fn resume_command(args: &RunArgs, profile: Option<&str>, state_dir: &std::path::Path) -> String {
    let mut line = vec![
        "pipec".to_string(),
        "run".to_string(),
        args.file.display().to_string(),
    ];
    let flags = [
        ("--pipeline", args.pipeline.as_deref()),
        ("--profile", profile),
        ("--alarm-command", args.alarm_command.as_deref()),
    ];
    for (flag, value) in flags {
        if let Some(value) = value {
            line.push(flag.to_string());
            line.push(value.to_string());
        }
    }
    line.push("--state".to_string());
    line.push(state_dir.display().to_string());
    line.push("--resume".to_string());
    line.iter()
        .map(|word| words::quote(word))
        .collect::<Vec<_>>()
        .join(" ")
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    let span: jiff::Span = text
        .parse()
        .map_err(|error| format!("expected a duration such as 30m or 1h30m: {error}"))?;
    let seconds = span
        .total((jiff::Unit::Second, jiff::civil::date(2000, 1, 1)))
        .map_err(|error| error.to_string())?;
    if seconds.is_finite() && seconds > 0.0 {
        Ok(std::time::Duration::from_secs_f64(seconds))
    } else {
        Err("expected a positive duration".to_string())
    }
}

pub(crate) fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err("expected a whole number, at least 1".to_string()),
    }
}

/// A speed the run clock can go at: refused with the other flags, before
/// anything is compiled or a state directory named.
fn positive_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err("expected a positive number, such as 36000".to_string()),
    }
}

pub fn run(
    args: RunArgs,
    color: ColorChoice,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> miette::Result<u8> {
    // Commands run in the file's workspace, and the default state is named
    // after it: standard input has neither.
    if args.file.as_os_str() == "-" {
        return Err(miette::miette!(
            code = "P1003",
            help = "save the pipeline to a file and run that: commands run in its workspace",
            "`run` takes a file, not standard input"
        ));
    }
    super::simulate::require_file(&args.file, "run")?;
    let plan = if plan_source::is_plan_file(&args.file) {
        if profile.is_some() {
            return Err(miette::miette!(
                code = "P1003",
                help = "a plan file is already compiled; compile with `--profile` instead",
                "--profile applies to `.pipe` files only"
            ));
        }
        // A plan file that is not there, or cannot be read, is the file's
        // problem (`P1001`, `P1002`), as for `graph` and `simulate`; one
        // that is read but is no plan is the plan's (`P1006`).
        let text = pipec::disk::read_data_file(&args.file)
            .into_diagnostic()
            .wrap_err_with(|| format!("could not read {}", args.file.display()))?;
        let plans = plan_source::read_plan_text(&args.file, &text).map_err(|error| {
            miette::miette!(
                code = "P1006",
                help = "pass a plan written by `pipec compile`, or the .pipe file itself",
                "{error}"
            )
        })?;
        plan_source::choose(plans, args.pipeline.as_deref(), &args.file)
            .map_err(|error| miette::miette!(code = "P1003", "{error}"))?
    } else {
        let entries = files::collect_entries(std::slice::from_ref(&args.file), None)?;
        let compiled =
            pipec::workspace::compile_workspace_with(entries, &files::FsLoader, today, profile);
        // Errors stop the run; warnings (policy findings, mostly) are
        // `check`'s business and would bury the run's progress. With
        // `--pipeline`, a policy finding about another pipeline (a `deny`
        // rule it breaks) is not this run's.
        let about_this_run = |diagnostic: &&pipec::diagnostics::Diagnostic| match (
            &args.pipeline,
            &diagnostic.finding,
        ) {
            (Some(wanted), Some(finding)) => finding.pipelines.iter().any(|p| p == wanted),
            _ => true,
        };
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .filter(about_this_run)
            .cloned()
            .collect();
        render::to_stderr(&errors, &compiled.sources, color);
        let warnings = compiled
            .diagnostics
            .iter()
            .filter(|diagnostic| !diagnostic.is_error())
            .count();
        if warnings > 0 {
            note!(
                "{} has {}; `pipec check` shows them",
                args.file.display(),
                pipec::diagnostics::counted(warnings, "warning")
            );
        }
        if !errors.is_empty() {
            return Err(miette::miette!(
                code = "P1009",
                help = "fix the errors above; `pipec check` shows the warnings too",
                "{} does not compile: nothing ran",
                args.file.display()
            ));
        }
        let plans = compiled
            .plans
            .iter()
            .map(|plan| convert::to_v1(plan, &compiled.sources))
            .collect();
        plan_source::choose(plans, args.pipeline.as_deref(), &args.file)
            .map_err(|error| miette::miette!(code = "P1003", "{error}"))?
    };
    let base_dir = plan_source::base_dir(&args.file)
        .map_err(|error| miette::miette!(code = "P1002", "{error}"))?;
    let alarm_command = match &args.alarm_command {
        Some(text) => Some(words::split(&[Piece::Text(text)]).map_err(|error| {
            miette::miette!(
                code = "P1003",
                help = "the alarm command runs without a shell; quote arguments with spaces",
                "--alarm-command: {error}"
            )
        })?),
        None => None,
    };
    let state_dir = match args.state.clone() {
        Some(dir) => dir,
        None => plan_source::default_state_dir(&base_dir, &plan.pipeline, |name| {
            std::env::var(name).ok()
        })
        .map_err(|error| miette::miette!(code = "P1009", "{error}"))?,
    };
    // One line, so that people find the journal and the logs.
    note!("state: {}", state_dir.display());
    // What runs is argv: say so when a command's text shows other words.
    for disagreement in run::command_text::disagreements(&plan) {
        note!("warning: {disagreement}");
        note!(
            "help: what runs is argv; a plan file is trusted like code, so read what it runs before running it"
        );
    }
    // Said when a signal stops the run: what continues it.
    let resume = resume_command(&args, profile, &state_dir);
    let options = Options {
        state_dir: state_dir.clone(),
        resume: args.resume,
        speed: args.speed,
        start_at: args.start_at,
        alarm_command,
        jobs: args.jobs,
        approve: args.approve,
        auto_approve: args.auto_approve,
        overrides: args.overrides,
        base_dir,
        terminal: std::io::stderr().is_terminal(),
        rollback_timeout: args.rollback_timeout,
    };
    // Ctrl-C and SIGTERM stop the run through the engine, which records
    // them; without the handlers they would kill the runner and leave its
    // commands running.
    if let Err(error) = run::signals::install() {
        return Err(miette::miette!(
            code = "P1002",
            "cannot handle SIGINT and SIGTERM: {error}"
        ));
    }
    match run::run(plan, &options) {
        Ok(Outcome::Completed { steps }) => {
            note!("completed: {steps} steps; state in {}", state_dir.display());
            Ok(0)
        }
        Ok(Outcome::Failed(why)) => {
            note!("failed: {why}; promoted no further (fix it, then `--resume`)");
            Ok(EXIT_ERRORS)
        }
        Ok(Outcome::RolledBack(why)) => {
            note!("rolled back: {why}; promoted no further");
            Ok(EXIT_ERRORS)
        }
        Ok(Outcome::Halted(why)) => {
            note!("halted: {why}");
            Ok(EXIT_ERRORS)
        }
        Ok(Outcome::Interrupted { signal, running }) => {
            let stopped = if running.is_empty() {
                "nothing was running".to_string()
            } else {
                format!("stopped {}", running.join(", "))
            };
            note!(
                "interrupted by {}: {stopped}; recorded in {}",
                signal.name(),
                state_dir.display()
            );
            note!("help: `{resume}` continues: the stopped steps run again");
            Ok(signal.exit_status())
        }
        Err(error) => {
            // As every error the command line prints; never wrapped, so
            // paths and step ids stay whole for people to copy and scripts
            // to match.
            super::errors::print_error(
                pipec::diagnostics::Code::CLI_RUN_REFUSED,
                &error.message,
                error.help.as_deref(),
                color,
            );
            Ok(EXIT_FAILURE)
        }
    }
}
