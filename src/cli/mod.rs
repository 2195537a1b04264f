//! The command-line shell around the library: flags, file discovery and
//! exit codes. Problems in `.pipe` source are diagnostics; problems outside
//! it (unreadable files, bad flags) are reported with miette.

mod compile_dir;
mod completions;
mod diff;
mod errors;
mod explain;
mod export;
mod files;
mod fmt;
mod github_actions;
mod graph;
mod init;
mod output;
mod plan_writer;
mod report;
mod run;
mod simulate;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use pipec::diagnostics::formats::{self, Format};
use pipec::diagnostics::render::ColorChoice;
use pipec::workspace;
use std::panic::UnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when the input has errors.
pub(crate) const EXIT_ERRORS: u8 = 1;
/// Exit code for usage, I/O and internal errors.
pub(crate) const EXIT_FAILURE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "pipec",
    version,
    about = "Compiler for .pipe deployment pipelines",
    long_about = "Compiler for .pipe: a language describing how a change travels from commit to every production region safely."
)]
struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,

    /// `--today` and `--profile` written before the subcommand, as
    /// earlier versions took them everywhere: still read, not shown in
    /// help; the subcommand's own flags win.
    #[command(flatten)]
    leading: LeadingMeaningArgs,

    #[command(subcommand)]
    command: Command,
}

/// [`MeaningArgs`] before the subcommand, hidden.
#[derive(clap::Args, Debug, Clone, Default)]
struct LeadingMeaningArgs {
    /// Read as a date only by a command that compiles: before one that
    /// compiles nothing it means nothing, and is not checked either.
    #[arg(long = "today", id = "leading_today", value_name = "DATE", hide = true)]
    today: Option<String>,
    #[arg(
        long = "profile",
        id = "leading_profile",
        value_name = "NAME",
        hide = true
    )]
    profile: Option<String>,
}

/// The flags that change what a `.pipe` file means: only the commands
/// that compile one take them.
#[derive(clap::Args, Debug, Clone, Default)]
struct MeaningArgs {
    /// The date checks are made from, `YYYY-MM-DD` (windows must open
    /// within a year of it). Default: today's date in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<jiff::civil::Date>,

    /// Apply this profile (e.g. `emergency`) to every pipeline.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

impl MeaningArgs {
    /// `--today`, or today's date in UTC.
    fn today(&self) -> jiff::civil::Date {
        self.today.unwrap_or_else(|| {
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// How `check` reports diagnostics.
#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Source excerpts with labels, on standard error (also `human`).
    #[value(alias = "human")]
    Text,
    /// `path:line:col: severity[CODE]: message`, one per line.
    Short,
    /// A versioned JSON document with every label, note and help.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations, then the human report.
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
}

/// How `graph` draws.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// What `compile` writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Target {
    /// The execution plan (format 1.3).
    Plan,
    /// An AWS CodePipeline `CreatePipeline` input (docs/targets/codepipeline.md).
    Codepipeline,
    /// A GitHub Actions workflow (see docs/targets/github-actions.md).
    GithubActions,
}

/// A shell to complete `pipec` in.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check `.pipe` files; directories are searched recursively.
    ///
    /// Machine formats are written to standard output; the human report
    /// and the closing count go to standard error.
    Check {
        /// Files or directories; `-` reads standard input. Default: the
        /// current directory.
        paths: Vec<PathBuf>,
        /// The name to report for standard input.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
        /// How to report diagnostics (see docs/code-review.md).
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        #[command(flatten)]
        meaning: MeaningArgs,
        #[command(flatten)]
        report: report::ReportArgs,
    },
    /// Explain a diagnostic code (`P0401`) or a policy rule
    /// (`onebox-first`), with an example.
    Explain {
        /// A code, a code's name or a policy rule's name.
        #[arg(required_unless_present = "list")]
        topic: Option<String>,
        /// List every code and rule with a one-line summary.
        #[arg(long, conflicts_with = "topic")]
        list: bool,
    },
    /// Print the man page `pipec(1)`, or write it and one page per
    /// subcommand into a directory.
    Man {
        /// Where to write `pipec.1` and `pipec-SUBCOMMAND.1`; without it,
        /// `pipec(1)` goes to standard output.
        dir: Option<PathBuf>,
    },
    /// Create a new workspace: `pipec.toml`, an organisation template
    /// with its policy, a service pipeline and a `.gitignore`.
    ///
    /// The pipeline is named after the directory. Nothing is overwritten:
    /// when any of the files exists, nothing is written (exit status 2).
    Init {
        /// Where to create it (created when missing). Default: the
        /// current directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print a shell completion script for `pipec`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Rewrite `.pipe` files in the canonical layout; directories are
    /// searched recursively.
    ///
    /// Files with syntax errors are reported and left alone (exit status
    /// 2). With `--check`, nothing is written: the files that would change
    /// are listed on standard output and the exit status is 1; `--diff`
    /// prints how they would change instead.
    Fmt {
        /// Files or directories; `-` alone formats standard input to
        /// standard output. Default: the current directory.
        paths: Vec<PathBuf>,
        /// List the files that are not formatted instead of rewriting them.
        #[arg(long)]
        check: bool,
        /// Print a unified diff of each change instead of rewriting
        /// (exit status 1 when there is one).
        #[arg(long)]
        diff: bool,
        /// The name to report standard input under (`fmt -`).
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
    },
    /// Draw a pipeline's plan as a Mermaid flowchart or a Graphviz digraph.
    ///
    /// Each region's steps in a stage or wave are collapsed to one node,
    /// and gates shown once per stage or wave (see docs/graph.md).
    Graph {
        /// The `.pipe` file declaring the pipeline, or a plan file
        /// (`*.json`, as `compile` writes it).
        file: PathBuf,
        /// The pipeline to draw; needed when the file declares several.
        #[arg(short, long, value_name = "NAME")]
        pipeline: Option<String>,
        /// The drawing format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        #[command(flatten)]
        meaning: MeaningArgs,
        #[command(flatten)]
        report: report::ReportArgs,
    },
    /// Check a file and write the execution plan of its pipelines as JSON.
    ///
    /// With one pipeline (or `--pipeline NAME`) the output is one plan
    /// object; with several, a JSON array of plans in declaration order.
    /// A file with errors writes nothing: a file that standard output is
    /// redirected to (`> FILE`) is cut back to its length before the run.
    Compile {
        /// The `.pipe` file declaring the pipeline(s); a directory
        /// compiles every pipeline its `.pipe` files declare (found as
        /// `check` finds them): as one array, or with `-o OUTDIR` one file
        /// per pipeline.
        file: PathBuf,
        /// Compile only this pipeline.
        #[arg(short, long, value_name = "NAME")]
        pipeline: Option<String>,
        /// The name to give standard input (`compile -`) in messages and in
        /// the plan's provenance; it also places it, for its imports.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
        /// Write the plan here instead of standard output (atomically: the
        /// file is replaced only by a complete plan; missing directories
        /// above it are created, and removed again when nothing is
        /// written). For a directory
        /// FILE, a directory to write one file per pipeline into, once the
        /// whole workspace compiles: `OUT/PIPELINE.json` (the plan, or its
        /// CodePipeline export), `OUT/PIPELINE.yml` for
        /// `--target github-actions`.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// How many threads compile at once: parse, check and build and
        /// write plans (at most the machine's cores). Default: the
        /// machine's cores; the output is the same for any number.
        #[arg(long, value_name = "N", value_parser = run::positive)]
        jobs: Option<usize>,
        /// Indent the JSON for people to read (default: compact, each
        /// document on one line, an array of plans too: half the size and
        /// faster to write and parse).
        #[arg(long)]
        pretty: bool,
        /// What to write: the plan, or an export of it for another engine.
        #[arg(long, value_enum, default_value_t = Target::Plan)]
        target: Target,
        /// Refuse an export that loses anything of the plan: every lossy
        /// mapping is an error, and nothing is written.
        #[arg(long)]
        deny_lossy: bool,
        #[command(flatten)]
        meaning: MeaningArgs,
        #[command(flatten)]
        report: report::ReportArgs,
    },
    /// Compare the effective pipelines of two versions of a workspace.
    ///
    /// Compiles every concrete pipeline on both sides and reports steps
    /// added or removed, regions moved between waves, changed bakes,
    /// strategies, gates and alarms (each with the file and line of the new
    /// value), policy results, and the change in simulated rollout time.
    Diff {
        /// The base: a file or directory (with `--git`, the path to
        /// compare; default `.`).
        base: Option<PathBuf>,
        /// The head: a file or directory.
        head: Option<PathBuf>,
        /// Compare the path at this git revision with the working tree.
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = diff::Format::Text)]
        format: diff::Format,
        /// Exit with 1 when there are changes (like `git diff --exit-code`).
        #[arg(long)]
        exit_code: bool,
        /// When the simulated rollouts start, RFC 3339 with an offset.
        /// Default: the first Monday on or after `--today`, 09:00 in the
        /// zone of the first window in each plan's gate table (UTC without
        /// one).
        #[arg(long, value_name = "RFC3339", value_parser = parse_start)]
        start: Option<jiff::Timestamp>,
        #[command(flatten)]
        meaning: MeaningArgs,
    },
    /// Simulate a rollout of a plan on a virtual clock.
    ///
    /// Reads a plan as `compile` writes it (a `.json` file), or compiles a
    /// `.pipe` file first; either way only the plan is simulated. Prints a
    /// timeline and a summary.
    Simulate {
        /// A plan (`*.json`, as `compile -o` writes it) or a `.pipe` file.
        input: PathBuf,
        /// The pipeline to simulate, when the file holds several.
        #[arg(short, long, value_name = "NAME")]
        pipeline: Option<String>,
        /// When the first change is merged, RFC 3339 with an offset
        /// (`2027-01-25T09:00:00-08:00`). Default: the scenario's earliest
        /// `merged_at`, else the first Monday on or after `--today`, 09:00
        /// in the zone of the first window in the plan's gate table, which
        /// may be a pre-production stage's (UTC without one; as `diff`).
        #[arg(long, value_name = "RFC3339", value_parser = parse_start)]
        start: Option<jiff::Timestamp>,
        /// A scenario file (format 1.0): changes, alarms, approvals,
        /// overrides, durations, traffic.
        #[arg(long, value_name = "S.json")]
        scenario: Option<PathBuf>,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t = simulate::Format::Text)]
        format: simulate::Format,
        /// Approve every approval the scenario does not give as soon as it
        /// is asked.
        #[arg(long)]
        auto_approve: bool,
        #[command(flatten)]
        meaning: MeaningArgs,
        #[command(flatten)]
        report: report::ReportArgs,
    },
    /// Run a pipeline's commands as real processes, in dependency order,
    /// crash-safely (see docs/execution.md).
    ///
    /// Progress goes to standard error; each step's output to its log in
    /// the state directory. Exit status: 0 the change reached every target,
    /// 1 a step failed, an alarm rolled the change back or the run halted,
    /// 2 usage or state error.
    Run {
        #[command(flatten)]
        args: run::RunArgs,
        #[command(flatten)]
        meaning: MeaningArgs,
    },
    /// Serve the Language Server Protocol over standard input and output
    /// (see docs/editors.md).
    ///
    /// Diagnostics as `check` reports them, hover, go to definition,
    /// references, rename, quick fixes, completion, symbols, folding,
    /// inlay hints, semantic tokens and formatting. `--today` and
    /// `--profile` are the defaults of the `today` and `profile` settings.
    Lsp {
        #[command(flatten)]
        meaning: MeaningArgs,
    },
}

/// Runs `command` (the CLI) and returns its exit code. A panic is a bug,
/// never an answer to any input; should one happen, the exit status is
/// still one the README promises (2, an internal error), after the
/// panic's own message and a line saying what it is. Unwinding drops what
/// was being written, so no output is left half-written.
pub fn exit_status_even_on_a_bug(command: impl FnOnce() -> ExitCode + UnwindSafe) -> ExitCode {
    match std::panic::catch_unwind(command) {
        Ok(code) => code,
        Err(_) => {
            note!(
                "error: internal error: pipec {} stopped on a bug (the panic above); please report it with the input that caused it",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Runs the CLI and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() => {
            errors::print_clap_error(&error, color_from_args());
            return ExitCode::from(EXIT_FAILURE);
        }
        Err(error) => {
            // Help and version go to standard output.
            let _ = error.print();
            return ExitCode::from(0);
        }
    };
    let color = match cli.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    let result = dispatch(cli.command, color, &cli.leading);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            errors::print_report(&report, color);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

impl Command {
    /// The `--today` and `--profile` of a command that compiles.
    fn meaning_mut(&mut self) -> Option<&mut MeaningArgs> {
        match self {
            Command::Check { meaning, .. }
            | Command::Diff { meaning, .. }
            | Command::Graph { meaning, .. }
            | Command::Compile { meaning, .. }
            | Command::Simulate { meaning, .. }
            | Command::Run { meaning, .. }
            | Command::Lsp { meaning } => Some(meaning),
            Command::Explain { .. }
            | Command::Completions { .. }
            | Command::Fmt { .. }
            | Command::Init { .. }
            | Command::Man { .. } => None,
        }
    }
}

/// Runs one subcommand.
fn dispatch(
    mut command: Command,
    color: ColorChoice,
    leading: &LeadingMeaningArgs,
) -> miette::Result<u8> {
    if let Some(meaning) = command.meaning_mut() {
        if let (None, Some(text)) = (meaning.today, &leading.today) {
            meaning.today = Some(parse_date(text).map_err(|error| {
                miette::miette!(
                    code = "P1003",
                    help = "write the date as YYYY-MM-DD, e.g. `--today 2026-11-22`",
                    "invalid value '{text}' for '--today <DATE>': {error}"
                )
            })?);
        }
        if meaning.profile.is_none() {
            meaning.profile.clone_from(&leading.profile);
        }
    }
    // Before a command that compiles nothing they mean nothing, and are
    // left alone: a wrapper may put them before every command.
    match command {
        Command::Check {
            paths,
            stdin_filename,
            format,
            meaning,
            report,
        } => {
            let filter = report::Filter::new(&report)?;
            run_check(
                paths,
                stdin_filename,
                format,
                Compilation::new(color, &meaning, &filter),
            )
        }
        Command::Explain { topic, list } => explain::run(topic.as_deref(), list),
        Command::Completions { shell } => completions::run(shell, Cli::command()),
        Command::Init { dir } => init::run(&dir),
        Command::Man { dir } => completions::man(Cli::command(), dir.as_deref()),
        Command::Fmt {
            paths,
            check,
            diff,
            stdin_filename,
        } => fmt::run(&fmt::Request {
            paths: &paths,
            check,
            diff,
            stdin_filename: stdin_filename.as_deref(),
            color,
        }),
        Command::Diff {
            base,
            head,
            git,
            format,
            exit_code,
            start,
            meaning,
        } => {
            let filter = report::Filter::default();
            diff::run(&diff::Request {
                base: base.as_deref(),
                head: head.as_deref(),
                git: git.as_deref(),
                format,
                exit_code,
                start,
                compile: Compilation::new(color, &meaning, &filter),
            })
        }
        Command::Graph {
            file,
            pipeline,
            format,
            meaning,
            report,
        } => {
            let filter = report::Filter::new(&report)?;
            graph::run(
                &file,
                pipeline.as_deref(),
                format,
                Compilation::new(color, &meaning, &filter),
            )
        }
        Command::Compile {
            file,
            pipeline,
            stdin_filename,
            output,
            jobs,
            pretty,
            target,
            deny_lossy,
            meaning,
            report,
        } => {
            let filter = report::Filter::new(&report)?;
            let how =
                Compilation::new(color, &meaning, &filter).naming_stdin(stdin_filename.as_deref());
            let threads = jobs.unwrap_or_else(pipec::parallel::cores);
            // One document written to a file: a missing directory above it
            // is created (as `-o OUTDIR` is for a workspace).
            let parent = output
                .as_deref()
                .filter(|_| !file.is_dir())
                .and_then(std::path::Path::parent)
                .filter(|parent| !parent.as_os_str().is_empty());
            let compile = || match target {
                Target::GithubActions => github_actions::run(
                    &file,
                    &github_actions::Request {
                        pipeline: pipeline.as_deref(),
                        output: output.as_deref(),
                        pretty,
                        deny_lossy,
                    },
                    how,
                ),
                Target::Codepipeline => export::run_codepipeline(
                    &file,
                    pipeline.as_deref(),
                    output.as_deref(),
                    pretty,
                    deny_lossy,
                    how,
                ),
                Target::Plan => {
                    let layout = if pretty {
                        pipec::export::Layout::Pretty
                    } else {
                        pipec::export::Layout::Compact
                    };
                    match output.as_deref() {
                        Some(out) if file.is_dir() => {
                            compile_dir::run(&file, pipeline.as_deref(), out, layout, how)
                        }
                        _ => {
                            run_compile(&file, pipeline.as_deref(), output.as_deref(), layout, how)
                        }
                    }
                }
            };
            pipec::parallel::with_threads(threads, || match parent {
                Some(parent) => output::with_directory(parent, compile),
                None => compile(),
            })
        }
        Command::Simulate {
            input,
            pipeline,
            start,
            scenario,
            format,
            auto_approve,
            meaning,
            report,
        } => {
            let filter = report::Filter::new(&report)?;
            simulate::run(&simulate::Request {
                input: &input,
                pipeline: pipeline.as_deref(),
                start,
                scenario: scenario.as_deref(),
                format,
                auto_approve,
                compile: Compilation::new(color, &meaning, &filter),
            })
        }
        Command::Run { args, meaning } => {
            run::run(args, color, meaning.today(), meaning.profile.as_deref())
        }
        Command::Lsp { meaning } => Ok(pipec::lsp::serve_stdio(
            pipec::lsp::Settings::started_with(meaning.today, meaning.profile.clone()),
        )),
    }
}

/// `--color` as written, for an error found before the flags could be
/// parsed: the flag parser's own error is coloured as asked.
fn color_from_args() -> ColorChoice {
    let args: Vec<String> = std::env::args().collect();
    let value = args.iter().enumerate().find_map(|(index, arg)| {
        arg.strip_prefix("--color=")
            .map(str::to_string)
            .or_else(|| {
                (arg == "--color").then(|| args.get(index + 1).cloned().unwrap_or_default())
            })
    });
    match value.as_deref() {
        Some("always") => ColorChoice::Always,
        Some("never") => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

fn parse_start(text: &str) -> Result<jiff::Timestamp, String> {
    let start = pipec::sim::scenario::parse_time(text)?;
    pipec::sim::check_start(start)?;
    Ok(start)
}

fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse::<jiff::civil::Date>()
        .map_err(|error| format!("expected a date such as 2026-11-22: {error}"))
}

fn run_check(
    paths: Vec<PathBuf>,
    stdin_filename: Option<String>,
    format: OutputFormat,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let loader = pipec::loader::Remembering::new(&files::FsLoader);
    let entries = files::collect_entries_with(&paths, stdin_filename.as_deref(), &loader)?;
    let file_count = entries.len();
    let checked = workspace::check_workspace_before_exit(entries, &loader, how.today, how.profile);
    let reported = how.filter.apply(&checked.diagnostics, None);
    let machine_format = match format {
        OutputFormat::Text => None,
        OutputFormat::Short => Some(Format::Short),
        OutputFormat::Json => Some(Format::Json),
        OutputFormat::Sarif => Some(Format::Sarif),
        OutputFormat::Github => Some(Format::Github),
        OutputFormat::Gitlab => Some(Format::Gitlab),
    };
    if let Some(machine_format) = machine_format {
        // Paths in machine formats are relative to where the command runs.
        let base_dir = std::env::current_dir().ok();
        // Machine formats keep place order: tools sort as they like.
        let mut diagnostics = reported.owned();
        pipec::diagnostics::sort_by_name(&mut diagnostics, &checked.sources);
        let report = formats::Report {
            diagnostics: &diagnostics,
            sources: &checked.sources,
            base_dir: base_dir.as_deref(),
        };
        output::write_stdout(&formats::render(machine_format, &report))?;
    }
    // GitHub shows only the first annotations of each kind, so the human
    // report follows them with everything.
    if matches!(format, OutputFormat::Text | OutputFormat::Github) {
        reported.to_stderr(&checked.sources, how.color);
    }
    let code = if reported.failed() {
        note!("{}", reported.check_closing_line(file_count));
        EXIT_ERRORS
    } else {
        if !how.filter.quiet() {
            note!("{}", reported.check_closing_line(file_count));
        }
        0
    };
    drop(reported);
    exiting_with(checked);
    Ok(code)
}

/// Leaves `workspace` to the operating system, which takes a process's
/// memory back at once when it ends: freeing a large workspace node by node
/// is a few per cent of a `check` or `compile`, on one thread, after all
/// the output is written. Only the commands that end right after call it.
fn exiting_with<T>(workspace: T) {
    std::mem::forget(workspace);
}

/// How `.pipe` files are compiled and their diagnostics reported: the
/// flags of the command.
#[derive(Clone, Copy)]
pub(crate) struct Compilation<'a> {
    color: ColorChoice,
    today: jiff::civil::Date,
    profile: Option<&'a str>,
    filter: &'a report::Filter,
    /// What standard input (`-`) is called, when a flag names it.
    stdin_filename: Option<&'a str>,
}

impl<'a> Compilation<'a> {
    fn new(color: ColorChoice, meaning: &'a MeaningArgs, filter: &'a report::Filter) -> Self {
        Compilation {
            color,
            today: meaning.today(),
            profile: meaning.profile.as_deref(),
            filter,
            stdin_filename: None,
        }
    }

    /// The compilation with standard input called `name`.
    fn naming_stdin(self, name: Option<&'a str>) -> Self {
        Compilation {
            stdin_filename: name,
            ..self
        }
    }
}

/// `compile FILE`: the plans written as they are built, one JSON document
/// put in place only once the whole file has compiled.
fn run_compile(
    file: &std::path::Path,
    pipeline: Option<&str>,
    output: Option<&std::path::Path>,
    layout: pipec::export::Layout,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let document = plan_writer::OneDocument::new(output, layout, pipeline)?;
    let request = ("compile", Takes::Every);
    match compile_file_into(file, pipeline, request, how, Some(&document))? {
        Ok(chosen) => {
            document.finish()?;
            exiting_with(chosen);
        }
        Err(code) => return Ok(code),
    }
    Ok(0)
}

/// Compiles a `.pipe` file and exports the plans of its pipelines (or of
/// the one `pipeline` names), reporting diagnostics. `Ok(Err(code))` when
/// the source has errors, or warnings that `--deny-warnings` refuses.
fn compile_plans(
    file: &std::path::Path,
    pipeline: Option<&str>,
    command: &str,
    how: Compilation<'_>,
) -> miette::Result<Result<Vec<pipec::export::plan_v1::PlanV1>, u8>> {
    let chosen = match compile_file(file, pipeline, (command, Takes::Every), how)? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(Err(code)),
    };
    Ok(Ok(pipec::export::plans_to_v1(
        &chosen.plans(),
        &chosen.compiled.sources,
    )))
}

/// A compiled file and the plans a command works on.
pub(crate) struct Chosen {
    /// Everything compiled.
    pub compiled: workspace::Compiled,
    /// Indices into `compiled.pipelines` (and `compiled.plans`, when the
    /// plans were kept) of the plans chosen.
    pub chosen: Vec<usize>,
}

impl Chosen {
    /// The chosen plans.
    pub fn plans(&self) -> Vec<&pipec::plan::Plan> {
        self.chosen
            .iter()
            .filter_map(|&index| self.compiled.plans.get(index))
            .collect()
    }
}

/// Compiles `file` and what it imports, picks the plans `pipeline` names
/// (all, without it) and reports the diagnostics on standard error: every
/// error but policy findings about other pipelines, and the warnings about
/// the chosen pipelines that the flags let through, errors first. `Ok(Err(code))` when there are errors, or
/// warnings that `--deny-warnings` refuses (already reported).
pub(crate) fn compile_file(
    file: &std::path::Path,
    pipeline: Option<&str>,
    request: (&str, Takes),
    how: Compilation<'_>,
) -> miette::Result<Result<Chosen, u8>> {
    compile_file_into(file, pipeline, request, how, None)
}

/// [`compile_file`] that hands the plans to `sink` as they are built
/// instead of keeping them, when there is one.
pub(crate) fn compile_file_into(
    file: &std::path::Path,
    pipeline: Option<&str>,
    (command, takes): (&str, Takes),
    how: Compilation<'_>,
    sink: Option<&dyn workspace::PlanSink>,
) -> miette::Result<Result<Chosen, u8>> {
    let loader = pipec::loader::Remembering::new(&files::FsLoader);
    let entries = files::collect_entries_with(&[file.to_path_buf()], how.stdin_filename, &loader)?;
    let compiled = match sink {
        // Only `compile` streams its plans, and it ends once they are written.
        Some(sink) => workspace::compile_workspace_into(
            entries,
            &loader,
            how.today,
            how.profile,
            sink,
            workspace::Afterwards::Leave,
        ),
        None => workspace::compile_workspace_with(entries, &loader, how.today, how.profile),
    };
    // An error stops the command before a pipeline is chosen, unless it is
    // a policy finding: those are reported for the chosen pipelines only,
    // so a `deny` rule another pipeline of the file breaks does not stop
    // `-p` from working on this one.
    if compiled
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.is_error() && diagnostic.finding.is_none())
    {
        let reported = how.filter.apply(&compiled.diagnostics, None);
        reported.to_stderr(&compiled.sources, how.color);
        note!(
            "error: could not compile {}: {}",
            file.display(),
            pipec::diagnostics::counted(reported.errors, "error")
        );
        return Ok(Err(EXIT_ERRORS));
    }
    // The choice is made before warnings are shown: a command that
    // cannot go on says so first, not after a screenful of findings.
    let chosen = select_plans(&compiled, file, pipeline, (command, takes))?;
    let names: Vec<&str> = chosen
        .iter()
        .filter_map(|&index| compiled.pipelines.get(index))
        .map(String::as_str)
        .collect();
    let reported = how.filter.apply(&compiled.diagnostics, Some(&names));
    reported.to_stderr(&compiled.sources, how.color);
    if reported.failed() {
        note!(
            "error: could not compile {}: {}",
            file.display(),
            reported.counts()
        );
        return Ok(Err(EXIT_ERRORS));
    }
    drop(reported);
    Ok(Ok(Chosen { compiled, chosen }))
}

/// How many pipelines a command works on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// Every pipeline of the file, or the one `--pipeline` names.
    Every,
    /// One: a file declaring several needs `--pipeline`.
    One,
}

/// The plans `--pipeline` picks, as indices into `compiled.plans`: the
/// one named, or every plan; an unknown name, or a file without
/// pipelines, is an error of `command`.
pub(crate) fn select_plans(
    compiled: &workspace::Compiled,
    file: &std::path::Path,
    pipeline: Option<&str>,
    (command, takes): (&str, Takes),
) -> miette::Result<Vec<usize>> {
    let names: Vec<&str> = compiled.pipelines.iter().map(String::as_str).collect();
    // Pipeline names are unique within a workspace, and a directory can
    // hold two workspaces that each have one of a name: `check` takes
    // both, but one command's plans name each pipeline once, or a reader
    // of them could not tell which is meant.
    let mut sorted = names.clone();
    sorted.sort_unstable();
    if let Some(pair) = sorted.windows(2).find(|pair| pair.first() == pair.last()) {
        let name = pair.first().copied().unwrap_or_default();
        return Err(miette::miette!(
            code = "P1003",
            help = "compile each workspace on its own",
            "two workspaces in {} declare a pipeline `{name}`, and `{command}` names each pipeline once",
            file.display()
        ));
    }
    let chosen: Vec<usize> = match pipeline {
        Some(wanted) => {
            let Some(index) = names.iter().position(|name| *name == wanted) else {
                return Err(miette::miette!(
                    code = "P1003",
                    help = pipelines_help(file, &names),
                    "no pipeline `{wanted}` in {}",
                    file.display()
                ));
            };
            vec![index]
        }
        None => (0..names.len()).collect(),
    };
    if chosen.is_empty() {
        return Err(miette::miette!(
            code = "P1003",
            help = format!(
                "`{command}` works on the plans of the pipelines a file declares; templates have none"
            ),
            "{} declares no pipeline",
            file.display()
        ));
    }
    if takes == Takes::One && chosen.len() > 1 {
        return Err(miette::miette!(
            code = "P1003",
            help = format!("choose one with --pipeline: {}", names.join(", ")),
            "{} declares {} pipelines and `{command}` takes one",
            file.display(),
            chosen.len()
        ));
    }
    Ok(chosen)
}

/// The help of a `--pipeline` that names no pipeline of `file`: the
/// pipelines it declares, or that it declares none.
fn pipelines_help(file: &std::path::Path, names: &[&str]) -> String {
    if names.is_empty() {
        format!(
            "{} declares no pipeline (a template has no plan)",
            file.display()
        )
    } else {
        format!(
            "the pipelines of {} are: {}",
            file.display(),
            names.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_exits_with_the_internal_error_status() {
        let code = exit_status_even_on_a_bug(|| panic!("a bug"));
        assert_eq!(code, ExitCode::from(EXIT_FAILURE));
        let code = exit_status_even_on_a_bug(|| ExitCode::from(EXIT_ERRORS));
        assert_eq!(code, ExitCode::from(EXIT_ERRORS));
    }
}
