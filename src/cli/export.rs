//! `compile --target codepipeline`: compile, export the plans, report
//! what the export lost, write the result.

use super::{Compilation, EXIT_ERRORS, Takes, compile_file, files, output};
use pipec::export::codepipeline;
use pipec::export::findings;
use std::path::Path;

/// Exports the plans of `file` for AWS CodePipeline. Findings are
/// rendered against the compiled sources; errors among them (or lossy
/// mappings, with `deny_lossy`) stop anything being written.
pub(crate) fn run_codepipeline(
    file: &Path,
    pipeline: Option<&str>,
    out: Option<&Path>,
    pretty: bool,
    deny_lossy: bool,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let chosen = match compile_file(file, pipeline, ("compile", Takes::Every), how)? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(code),
    };
    let compiled = &chosen.compiled;
    let plans = pipec::export::plans_to_v1(&chosen.plans(), &compiled.sources);
    // The settings of the workspace the compiled files belong to: that of
    // a directory named is at or above it, that of standard input where
    // `--stdin-filename` places it.
    let root = files::root_of_argument(file, how.stdin_filename, &files::FsLoader)
        .unwrap_or_else(|| Path::new(".").to_path_buf());
    let settings = match pipec::walk::read_settings(&root) {
        Ok(settings) => settings,
        Err(error) => {
            return Err(miette::miette!(
                code = "P1004",
                help = "docs/language.md lists every key of pipec.toml",
                "{error}"
            ));
        }
    };
    let mut values = Vec::new();
    let mut found = Vec::new();
    for plan in &plans {
        let export = codepipeline::export(plan, &settings.codepipeline);
        found.extend(export.findings);
        values.push(export.value);
    }
    let diagnostics = findings::to_diagnostics(&found, &compiled.sources, deny_lossy);
    let reported = how.filter.apply(&diagnostics, None);
    reported.to_stderr(&compiled.sources, how.color);
    if reported.failed() {
        note!(
            "error: could not export {} for CodePipeline: {}",
            file.display(),
            reported.counts()
        );
        return Ok(EXIT_ERRORS);
    }
    if let Some(out) = out.filter(|_| file.is_dir()) {
        // As the plans of a directory are: a file per pipeline.
        let mut documents = Vec::with_capacity(values.len());
        for (plan, value) in plans.iter().zip(&values) {
            documents.push((plan.pipeline.clone(), to_json(value, pretty)?));
        }
        return super::compile_dir::write_exports(
            file,
            out,
            ("json", "CodePipeline input"),
            documents,
            how,
        );
    }
    let json = match values.as_slice() {
        [one] => to_json(one, pretty)?,
        _ => to_json(&values, pretty)?,
    };
    match out {
        Some(path) => output::write_atomically(path, json.as_bytes())?,
        None => output::write_stdout(&json)?,
    }
    Ok(0)
}

/// One export as `compile FILE` writes it, with a trailing newline.
fn to_json(value: &impl serde::Serialize, pretty: bool) -> miette::Result<String> {
    if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .map(|json| json + "\n")
    .map_err(|error| miette::miette!(code = "P1002", "could not write the export: {error}"))
}
