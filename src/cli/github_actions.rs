//! `compile --target github-actions`: compiles one pipeline and writes it
//! as a GitHub Actions workflow (or, for a directory with `-o`, every
//! pipeline, each to `OUT/PIPELINE.yml`), reporting what the workflow
//! cannot express as warnings at the source of the steps concerned (errors
//! with `--deny-lossy`, and then nothing is written).

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
    // A directory with `-o` gets a workflow per pipeline, as it gets a
    // plan per pipeline; otherwise the one workflow is the output.
    let each_into = request.output.filter(|_| file.is_dir());
    let takes = if each_into.is_some() {
        Takes::Every
    } else {
        Takes::One
    };
    let chosen = match compile_file(
        file,
        request.pipeline,
        ("compile --target github-actions", takes),
        how,
    )? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(code),
    };
    let compiled = &chosen.compiled;
    let plans = pipec::export::plans_to_v1(&chosen.plans(), &compiled.sources);
    let exports: Vec<_> = plans
        .iter()
        .map(|plan| github_actions::export(plan, &Settings::default()))
        .collect();
    let what = match plans.as_slice() {
        [plan] => format!("`{}`", plan.pipeline),
        _ => file.display().to_string(),
    };
    let Some(first) = exports.first() else {
        return Ok(EXIT_ERRORS);
    };
    let diagnostics: Vec<_> = exports
        .iter()
        .flat_map(|export| &export.findings)
        .map(|finding| {
            github_actions::to_diagnostic(finding, &compiled.sources, request.deny_lossy)
        })
        .collect();
    let reported = how.filter.apply(&diagnostics, None);
    reported.to_stderr(&compiled.sources, how.color);
    if request.deny_lossy && !diagnostics.is_empty() {
        note!(
            "error: {} in the GitHub Actions export of {what}; nothing written",
            pipec::diagnostics::counted(diagnostics.len(), "lossy mapping"),
        );
        return Ok(EXIT_ERRORS);
    }
    if reported.failed() {
        note!(
            "error: the GitHub Actions export of {what}: {}; nothing written",
            reported.counts()
        );
        return Ok(EXIT_ERRORS);
    }
    if let Some(out) = each_into {
        let documents = plans
            .iter()
            .zip(&exports)
            .map(|(plan, export)| (plan.pipeline.clone(), export.to_json(request.pretty)))
            .collect();
        return super::compile_dir::write_exports(file, out, ("yml", "workflow"), documents, how);
    }
    let json = first.to_json(request.pretty);
    match request.output {
        Some(path) => output::write_atomically(path, json.as_bytes())?,
        None => output::write_stdout(&json)?,
    }
    Ok(0)
}
