//! `pipec compile DIR -o OUTDIR`: every pipeline of a workspace compiled in
//! one process, one plan file per pipeline (`OUTDIR/PIPELINE.json`); with
//! `--target`, one export per pipeline, laid out and put in place the same
//! way ([`write_exports`]).
//!
//! Nothing is put in place unless the whole workspace compiles (its
//! errors, and warnings under `--deny-warnings`, are reported first). Each
//! plan is converted, serialized and written to a temporary file in
//! `OUTDIR` by the thread that built it, then dropped, so memory holds the
//! workspace and a plan per thread, not every plan at once; once all have
//! compiled, the files are renamed into place. Their bytes do not depend
//! on the number of threads.

use super::output::with_directory;
use super::plan_writer::{EachToDir, Staged};
use super::{Compilation, EXIT_ERRORS, Takes, compile_file_into};
use std::collections::BTreeMap;
use std::path::Path;

/// Compiles `dir` and writes one plan per pipeline into `out`.
pub fn run(
    dir: &Path,
    pipeline: Option<&str>,
    out: &Path,
    layout: pipec::export::Layout,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    with_directory(out, || compile_into(dir, pipeline, out, layout, how))
}

/// `compile DIR -o OUTDIR --target ...`: writes the export of each
/// pipeline of `dir`, `(pipeline, document)` in order, to
/// `out/PIPELINE.EXTENSION`, each put in place only once all are written
/// (as the plans are); `what` names one document in the closing line.
pub fn write_exports(
    dir: &Path,
    out: &Path,
    (extension, what): (&str, &str),
    documents: Vec<(String, String)>,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    with_directory(out, || {
        let staged = Staged::write(out, extension, documents)?;
        put_in_place(dir, out, staged, (extension, what), how)
    })
}

fn compile_into(
    dir: &Path,
    pipeline: Option<&str>,
    out: &Path,
    layout: pipec::export::Layout,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let writer = EachToDir::new(out, layout, pipeline);
    let compiled = compile_file_into(dir, pipeline, ("compile", Takes::Every), how, Some(&writer))?;
    if let Err(code) = compiled {
        return Ok(code);
    }
    let staged = writer.finish()?;
    put_in_place(dir, out, staged, ("json", "plan"), how)
}

/// Puts the files of `staged` in place in `out`, `PIPELINE.EXTENSION` for
/// each pipeline of `dir`, and says how many (`what` names one); nothing
/// when two pipelines would share a file.
fn put_in_place(
    dir: &Path,
    out: &Path,
    staged: Staged,
    (extension, what): (&str, &str),
    how: Compilation<'_>,
) -> miette::Result<u8> {
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
            "two pipelines in {} are named `{name}`, and each {what} is written to PIPELINE.{extension}",
            dir.display()
        ));
    }
    let written = staged.commit()?;
    if !how.filter.quiet() {
        note!(
            "compiled {}: {} written to {}",
            dir.display(),
            pipec::diagnostics::counted(written, what),
            out.display()
        );
    }
    Ok(if written == 0 { EXIT_ERRORS } else { 0 })
}
