//! `pipec compile DIR -o OUTDIR`: every pipeline of a workspace compiled in
//! one process, one plan file per pipeline (`OUTDIR/PIPELINE.json`).
//!
//! Nothing is put in place unless the whole workspace compiles (its
//! errors, and warnings under `--deny-warnings`, are reported first). Each
//! plan is converted, serialized and written to a temporary file in
//! `OUTDIR` by the thread that built it, then dropped, so memory holds the
//! workspace and a plan per thread, not every plan at once; once all have
//! compiled, the files are renamed into place. Their bytes do not depend
//! on the number of threads.

use super::plan_writer::EachToDir;
use super::{Compilation, EXIT_ERRORS, Takes, compile_file_into};
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
    let created = !out.is_dir();
    std::fs::create_dir_all(out).map_err(|error| {
        miette::miette!(
            code = "P1002",
            "could not create {}: {error}",
            out.display()
        )
    })?;
    let result = compile_into(dir, pipeline, out, (layout, jobs), how);
    if created && !matches!(result, Ok(0)) {
        // Only if it is still empty: nothing of anyone else's is removed.
        let _ = std::fs::remove_dir(out);
    }
    result
}

fn compile_into(
    dir: &Path,
    pipeline: Option<&str>,
    out: &Path,
    (layout, jobs): (pipec::export::Layout, usize),
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let writer = EachToDir::new(out, layout, pipeline);
    let compiled = pipec::parallel::with_threads(jobs, || {
        compile_file_into(dir, pipeline, ("compile", Takes::Every), how, Some(&writer))
    })?;
    if let Err(code) = compiled {
        return Ok(code);
    }
    let staged = writer.finish()?;
    // Two files declaring pipelines of one name is an error of the check
    // (`P0103`), so the workspace does not compile and nothing reaches
    // here; this stays as the last guard against two plans sharing a file.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for name in staged.names() {
        *seen.entry(name).or_default() += 1;
    }
    if let Some((name, _)) = seen.iter().find(|(_, count)| **count > 1) {
        return Err(miette::miette!(
            code = "P1003",
            help = "rename one of them, or compile each file on its own",
            "two pipelines in {} are named `{name}`, and each plan is written to PIPELINE.json",
            dir.display()
        ));
    }
    let written = staged.commit()?;
    if !how.filter.quiet() {
        note!(
            "compiled {}: {} written to {}",
            dir.display(),
            pipec::diagnostics::counted(written, "plan"),
            out.display()
        );
    }
    Ok(if written == 0 { EXIT_ERRORS } else { 0 })
}
