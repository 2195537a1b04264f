//! `pipec graph`: a pipeline's plan drawn for people.

use super::{Compilation, EXIT_ERRORS, GraphFormat, Takes, compile_file, output};
use pipec::export::{convert, graph};

/// Compiles `file` (or reads it, a plan file) and draws the plan of its
/// pipeline (the one `pipeline` names, when it holds several) on standard
/// output.
pub fn run(
    file: &std::path::Path,
    pipeline: Option<&str>,
    format: GraphFormat,
    how: Compilation<'_>,
) -> miette::Result<u8> {
    super::simulate::require_file(file, "graph")?;
    // A plan file draws as the `.pipe` file it was compiled from does.
    let drawing = if pipec::run::plan_source::is_plan_file(file) {
        match super::simulate::load_plan(file, pipeline, how, "graph")? {
            Ok(plan) => graph::from_plan(&plan),
            Err(code) => return Ok(code),
        }
    } else {
        let chosen = match compile_file(file, pipeline, ("graph", Takes::One), how)? {
            Ok(chosen) => chosen,
            Err(code) => return Ok(code),
        };
        let [plan] = chosen.plans()[..] else {
            return Ok(EXIT_ERRORS);
        };
        graph::from_plan(&convert::to_v1(plan, &chosen.compiled.sources))
    };
    let format = match format {
        GraphFormat::Mermaid => graph::Format::Mermaid,
        GraphFormat::Dot => graph::Format::Dot,
    };
    output::write_stdout(&graph::render(&drawing, format))?;
    Ok(0)
}
