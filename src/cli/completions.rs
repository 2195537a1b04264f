//! `pipec completions` and `pipec man`: shell completion scripts and man
//! pages generated from the command-line definition, so they never fall
//! behind it.

use super::CompletionShell;
use super::output::write_stdout;
use miette::IntoDiagnostic;

/// `pipec completions SHELL`: the completion script on standard output.
pub fn run(shell: CompletionShell, mut command: clap::Command) -> miette::Result<u8> {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
        CompletionShell::Powershell => clap_complete::Shell::PowerShell,
        CompletionShell::Elvish => clap_complete::Shell::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "pipec", &mut script);
    let script = String::from_utf8(script).into_diagnostic()?;
    write_stdout(&script)?;
    Ok(0)
}

/// `pipec man [DIR]`: the man page `pipec(1)` on standard output; with a
/// directory, `pipec.1` and one page per subcommand (`pipec-check.1`,
/// ...) written there.
pub fn man(command: clap::Command, dir: Option<&std::path::Path>) -> miette::Result<u8> {
    // `pipec help` prints the other pages' text, and has no page of its
    // own: `pipec.1` lists only the subcommands that have one.
    let command = command.name("pipec").disable_help_subcommand(true);
    let Some(dir) = dir else {
        write_stdout(&render_page(command)?)?;
        return Ok(0);
    };
    std::fs::create_dir_all(dir).into_diagnostic()?;
    let mut pages = vec![("pipec.1".to_string(), render_page(command.clone())?)];
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("pipec-{}", sub.get_name());
        // The page's title names the command as typed.
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("pipec {}", sub.get_name()));
        pages.push((format!("{name}.1"), render_page(page)?));
    }
    for (file, text) in pages {
        super::output::write_atomically(&dir.join(file), text.as_bytes())?;
    }
    Ok(0)
}

fn render_page(command: clap::Command) -> miette::Result<String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut roff)
        .into_diagnostic()?;
    String::from_utf8(roff).into_diagnostic()
}
