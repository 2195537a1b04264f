//! `pipec completions`: shell completion scripts generated from the
//! command-line definition, so they never fall behind it.

use super::CompletionShell;
use super::output::write_stdout;
use miette::IntoDiagnostic;

/// `pipec completions SHELL`: the completion script on standard output.
pub fn run(shell: CompletionShell, mut command: clap::Command) -> miette::Result<u8> {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "pipec", &mut script);
    let script = String::from_utf8(script).into_diagnostic()?;
    write_stdout(&script)?;
    Ok(0)
}
