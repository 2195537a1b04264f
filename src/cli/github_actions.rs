//! `compile --target github-actions`: compiles one pipeline and writes it
//! as a GitHub Actions workflow, reporting what the workflow cannot express
//! as warnings at the source of the steps concerned (errors with
//! `--deny-lossy`, and then nothing is written).

use super::{Compilation, EXIT_ERRORS, compile_file, output, select_plans};
use pipec::export::github_actions::{self, Settings};

/// The flags of the command.
pub(crate) struct Request<'a> {
    pub pipeline: Option<&'a str>,
    pub output: Option<&'a std::path::Path>,
    pub pretty: bool,
    pub deny_lossy: bool,
}

pub(crate) fn run(
    file: &std::path::Path,
    request: &Request<'_>,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let Some(compiled) = compile_file(file, how.color, how.today, how.profile)? else {
        return Ok(EXIT_ERRORS);
    };
    let chosen = select_plans(&compiled, file, request.pipeline, "compile")?;
    let [plan] = chosen.as_slice() else {
        let names: Vec<&str> = chosen.iter().map(|plan| plan.pipeline.as_str()).collect();
        return Err(miette::miette!(
            help = format!("choose one with --pipeline: {}", names.join(", ")),
            "a workflow runs one pipeline, and {} declares {}",
            file.display(),
            chosen.len()
        ));
    };
    let plans = pipec::export::plans_to_v1(&[*plan], &compiled.sources);
    let Some(plan) = plans.first() else {
        return Ok(EXIT_ERRORS);
    };
    let export = github_actions::export(plan, &Settings::default());
    let diagnostics: Vec<_> = export
        .findings
        .iter()
        .map(|finding| {
            github_actions::to_diagnostic(finding, &compiled.sources, request.deny_lossy)
        })
        .collect();
    pipec::diagnostics::render::to_stderr(&diagnostics, &compiled.sources, how.color);
    if request.deny_lossy && !diagnostics.is_empty() {
        eprintln!(
            "error: {} in the GitHub Actions export of `{}`; nothing written",
            pipec::diagnostics::counted(diagnostics.len(), "lossy mapping"),
            plan.pipeline
        );
        return Ok(EXIT_ERRORS);
    }
    let json = export.to_json(request.pretty);
    match request.output {
        Some(path) => output::write_atomically(path, json.as_bytes())?,
        None => output::write_stdout(&json)?,
    }
    Ok(0)
}
