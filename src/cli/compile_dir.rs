//! `pipec compile DIR -o OUTDIR`: every pipeline of a workspace compiled in
//! one process, one plan file per pipeline (`OUTDIR/PIPELINE.json`).
//!
//! Nothing is written unless the whole workspace compiles (its errors, and
//! warnings under `--deny-warnings`, are reported first). Then each plan is
//! converted, serialized and written by one of `--jobs` threads and
//! dropped before the next, so memory holds the workspace and a plan per
//! thread, not every plan at once; each file is written atomically, and
//! its bytes do not depend on the number of threads.

use super::{Compilation, EXIT_ERRORS, Takes, compile_file, output};
use std::collections::BTreeMap;
use std::path::Path;

/// Compiles `dir` and writes one plan per pipeline into `out`.
pub fn run(
    dir: &Path,
    pipeline: Option<&str>,
    out: &Path,
    layout: pipec::export::Layout,
    jobs: usize,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let chosen = match compile_file(dir, pipeline, ("compile", Takes::Every), how)? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(code),
    };
    let plans = chosen.plans();
    // Two files may declare pipelines of one name; their plans would share
    // a file.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for plan in &plans {
        *seen.entry(plan.pipeline.as_str()).or_default() += 1;
    }
    if let Some((name, _)) = seen.iter().find(|(_, count)| **count > 1) {
        return Err(miette::miette!(
            code = "P1003",
            help = "rename one of them, or compile each file on its own",
            "two pipelines in {} are named `{name}`, and each plan is written to PIPELINE.json",
            dir.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|error| {
        miette::miette!(
            code = "P1002",
            "could not create {}: {error}",
            out.display()
        )
    })?;
    let write = match layout {
        pipec::export::Layout::Compact => pipec::export::plan_v1::to_json_compact,
        pipec::export::Layout::Pretty => pipec::export::plan_v1::to_json,
    };
    let sources = &chosen.compiled.sources;
    let results = pipec::parallel::map_in_order_on(jobs, plans, |plan| {
        let exported = pipec::export::convert::to_v1(plan, sources);
        let text = write(&exported);
        let path = out.join(format!("{}.json", plan.pipeline));
        output::write_atomically(&path, text.as_bytes())
    });
    let written = results.len();
    for result in results {
        result?;
    }
    if !how.filter.quiet() {
        eprintln!(
            "compiled {}: {} written to {}",
            dir.display(),
            pipec::diagnostics::counted(written, "plan"),
            out.display()
        );
    }
    Ok(if written == 0 { EXIT_ERRORS } else { 0 })
}
