//! `pipec graph`: a pipeline's plan drawn for people.

use super::{Compilation, EXIT_ERRORS, GraphFormat, compile_file, output};
use pipec::export::{convert, graph};

/// Compiles `file` and draws the plan of its pipeline (the one `pipeline`
/// names, when it declares several) on standard output.
pub fn run(
    file: &std::path::Path,
    pipeline: Option<&str>,
    format: GraphFormat,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    let chosen = match compile_file(file, pipeline, "graph", how)? {
        Ok(chosen) => chosen,
        Err(code) => return Ok(code),
    };
    let [plan] = chosen.plans()[..] else {
        return Ok(EXIT_ERRORS);
    };
    let drawing = graph::from_plan(&convert::to_v1(plan, &chosen.compiled.sources));
    let format = match format {
        GraphFormat::Mermaid => graph::Format::Mermaid,
        GraphFormat::Dot => graph::Format::Dot,
    };
    output::write_stdout(&graph::render(&drawing, format))?;
    Ok(0)
}
