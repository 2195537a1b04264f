//! The command-line shell around the library: flags, file discovery and
//! exit codes. Problems in `.pipe` source are diagnostics; problems outside
//! it (unreadable files, bad flags) are reported with miette.

mod files;

use clap::{Parser, Subcommand, ValueEnum};
use pipec::diagnostics::render::{self, ColorChoice};
use pipec::workspace;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when the input has errors.
const EXIT_ERRORS: u8 = 1;
/// Exit code for usage, I/O and internal errors.
const EXIT_FAILURE: u8 = 2;

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

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check `.pipe` files; directories are searched recursively.
    Check {
        /// Files or directories; `-` reads standard input. Default: the
        /// current directory.
        paths: Vec<PathBuf>,
        /// The name to report for standard input.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
    },
}

/// Runs the CLI and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_FAILURE } else { 0 };
            // Help and version go to stdout, usage errors to stderr.
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let color = match cli.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    let result = match cli.command {
        Command::Check {
            paths,
            stdin_filename,
        } => run_check(paths, stdin_filename, color),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run_check(
    paths: Vec<PathBuf>,
    stdin_filename: Option<String>,
    color: ColorChoice,
) -> miette::Result<u8> {
    let entries = files::collect_entries(&paths, stdin_filename.as_deref())?;
    let file_count = entries.len();
    let checked = workspace::check_workspace(entries, &files::FsLoader);
    render::to_stderr(&checked.diagnostics, &checked.sources, color);
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.diagnostics.len() - errors;
    let files_word = if file_count == 1 { "file" } else { "files" };
    if errors > 0 {
        eprintln!(
            "error: checked {file_count} {files_word}: {errors} error(s), {warnings} warning(s)"
        );
        Ok(EXIT_ERRORS)
    } else {
        eprintln!("checked {file_count} {files_word}: no errors, {warnings} warning(s)");
        Ok(0)
    }
}
