//! `compile --target github-actions`: compiles one pipeline and writes it
//! as a GitHub Actions workflow, reporting what the workflow cannot express
//! as warnings at the source of the steps concerned (errors with
//! `--deny-lossy`, and then nothing is written).

use super::{Compilation, EXIT_ERRORS, Takes, compile_file, output};
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
    let chosen = match compile_file(
        file,
        request.pipeline,
        ("compile --target github-actions", Takes::One),
        how,
    )? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(code),
    };
    let compiled = &chosen.compiled;
    let plans = pipec::export::plans_to_v1(&chosen.plans(), &compiled.sources);
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
    let reported = how.filter.apply(&diagnostics, None);
    reported.to_stderr(&compiled.sources, how.color);
    if request.deny_lossy && !diagnostics.is_empty() {
        note!(
            "error: {} in the GitHub Actions export of `{}`; nothing written",
            pipec::diagnostics::counted(diagnostics.len(), "lossy mapping"),
            plan.pipeline
        );
        return Ok(EXIT_ERRORS);
    }
    if reported.failed() {
        note!(
            "error: the GitHub Actions export of `{}`: {}; nothing written",
            plan.pipeline,
            reported.counts()
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
