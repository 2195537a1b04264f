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
    let json = match (values.as_slice(), pretty) {
        ([one], true) => serde_json::to_string_pretty(one),
        ([one], false) => serde_json::to_string(one),
        (_, true) => serde_json::to_string_pretty(&values),
        (_, false) => serde_json::to_string(&values),
    }
    .map_err(|error| miette::miette!(code = "P1002", "could not write the export: {error}"))?
        + "\n";
    match out {
        Some(path) => output::write_atomically(path, json.as_bytes())?,
        None => output::write_stdout(&json)?,
    }
    Ok(0)
}
