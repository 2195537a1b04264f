//! `pipec graph`: a pipeline's plan drawn for people.

use super::{EXIT_ERRORS, GraphFormat, compile_file, output, select_plans};
use pipec::diagnostics::render::ColorChoice;
use pipec::export::{convert, graph};

/// Compiles `file` and draws the plan of its pipeline (the one `pipeline`
/// names, when it declares several) on standard output.
pub fn run(
    file: &std::path::Path,
    pipeline: Option<&str>,
    format: GraphFormat,
    color: ColorChoice,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> miette::Result<u8> {
    let Some(compiled) = compile_file(file, color, today, profile)? else {
        return Ok(EXIT_ERRORS);
    };
    let plans = select_plans(&compiled, file, pipeline, "graph")?;
    let [plan] = plans.as_slice() else {
        let names: Vec<&str> = plans.iter().map(|plan| plan.pipeline.as_str()).collect();
        return Err(miette::miette!(
            help = format!("choose one with --pipeline: {}", names.join(", ")),
            "{} declares {} pipelines and `graph` draws one",
            file.display(),
            plans.len()
        ));
    };
    let drawing = graph::from_plan(&convert::to_v1(plan, &compiled.sources));
    let format = match format {
        GraphFormat::Mermaid => graph::Format::Mermaid,
        GraphFormat::Dot => graph::Format::Dot,
    };
    output::write_stdout(&graph::render(&drawing, format))?;
    Ok(0)
}
