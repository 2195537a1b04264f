//! `compile`: the plan document, the chosen plan, its graph and exports.

use crate::check::{Shown, errors_first, shown};
use crate::request::{Refusal, Request};
use pipec::diagnostics::{Diagnostic, render};
use pipec::export::graph::{self, Shape};
use pipec::export::plan_v1::PlanV1;
use pipec::export::{Layout, codepipeline, findings, github_actions};
use pipec::source::SourceMap;

/// The answer to `compile`.
#[derive(Debug, serde::Serialize)]
pub struct Compiled {
    ok: bool,
    /// What `pipec compile FILE` writes.
    document: String,
    /// What `pipec compile FILE --pipeline NAME --pretty` writes.
    plan: String,
    /// The pipeline chosen.
    pipeline: String,
    /// What `pipec graph` draws, before it is drawn.
    graph: Graph,
    exports: Exports,
}

/// A collapsed plan ([`graph::Graph`]) in the page's terms.
#[derive(Debug, serde::Serialize)]
struct Graph {
    pipeline: String,
    nodes: Vec<Node>,
    clusters: Vec<Cluster>,
    edges: Vec<(usize, usize)>,
}

#[derive(Debug, serde::Serialize)]
struct Node {
    key: String,
    lines: Vec<String>,
    shape: &'static str,
    cluster: Option<usize>,
    region: Option<String>,
    steps: Vec<String>,
}

#[derive(Debug, serde::Serialize)]
struct Cluster {
    key: String,
    label: String,
    parent: Option<usize>,
    /// Whether it is a production wave (`production/WAVE`), not a stage.
    wave: bool,
}

#[derive(Debug, serde::Serialize)]
struct Exports {
    codepipeline: Export,
    github_actions: Export,
}

/// One target's output and what the export lost or lacks.
#[derive(Debug, serde::Serialize)]
struct Export {
    /// The name to save it under.
    file: String,
    /// What `compile --target ... --pretty` writes (when it writes).
    json: String,
    findings: Vec<Shown>,
    /// The findings as the command line prints them.
    text: String,
}

/// Compiles the file that declares the chosen pipeline, as `pipec
/// compile FILE` does.
pub fn compile(request: &Request) -> Result<Compiled, Refusal> {
    let Planned {
        plans,
        chosen,
        sources,
    } = plans(request, "compile")?;
    let Some(chosen) = plans.get(chosen) else {
        return Err(Refusal::new("no plan"));
    };
    Ok(Compiled {
        ok: true,
        document: pipec::export::plans_to_json(&plans, Layout::Compact),
        plan: Layout::Pretty.write(chosen),
        pipeline: chosen.pipeline.clone(),
        graph: graph_of(chosen),
        exports: Exports {
            codepipeline: codepipeline_export(request, chosen, &sources),
            github_actions: github_actions_export(chosen, &sources),
        },
    })
}

/// The plans of the chosen file, which one was chosen, and the sources
/// their provenance points into.
pub struct Planned {
    pub plans: Vec<PlanV1>,
    pub chosen: usize,
    pub sources: SourceMap,
}

/// Compiles the chosen file and picks the chosen pipeline's plan (the
/// first, when none is named); the diagnostics' text when it has errors.
/// `command` is the command line's name for the work, for its refusals.
pub fn plans(request: &Request, command: &str) -> Result<Planned, Refusal> {
    let today = request.today()?;
    let Some(file) = request.file.as_deref() else {
        return Err(Refusal::new("no file chosen"));
    };
    let compiled = pipec::workspace::compile_workspace_with(
        Request::entries([file]),
        &request.loader(),
        today,
        request.profile(),
    );
    if compiled.has_errors() {
        let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(Refusal::new(format!(
            "{}error: could not compile {file}: {}\n",
            render::to_plain_string(&errors_first(&compiled.diagnostics), &compiled.sources),
            pipec::diagnostics::counted(errors, "error")
        )));
    }
    let plans: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
    let plans = pipec::export::plans_to_v1(&plans, &compiled.sources);
    // Refused as `pipec compile` and `pipec simulate` refuse it, to the
    // blank line after the report.
    let chosen = match request.pipeline.as_deref() {
        Some(wanted) => {
            let names: Vec<&str> = plans.iter().map(|plan| plan.pipeline.as_str()).collect();
            names
                .iter()
                .position(|name| *name == wanted)
                .ok_or_else(|| {
                    Refusal::new(format!(
                        "error[P1003]: no pipeline `{wanted}` in {file}\n = help: the pipelines of {file} are: {}\n\n",
                        names.join(", ")
                    ))
                })?
        }
        None if plans.is_empty() => {
            return Err(Refusal::new(format!(
                "error[P1003]: {file} declares no pipeline\n = help: `{command}` works on the plans of the pipelines a file declares; templates have none\n\n"
            )));
        }
        None => 0,
    };
    Ok(Planned {
        plans,
        chosen,
        sources: compiled.sources,
    })
}

fn graph_of(plan: &PlanV1) -> Graph {
    let graph = graph::from_plan(plan);
    Graph {
        pipeline: graph.pipeline,
        nodes: graph
            .nodes
            .into_iter()
            .map(|node| Node {
                key: node.key,
                lines: node.lines,
                shape: match node.shape {
                    Shape::Step => "step",
                    Shape::Region => "region",
                    Shape::Bake => "bake",
                    Shape::Test => "test",
                    Shape::Approval => "approval",
                    Shape::Gates => "gates",
                },
                cluster: node.cluster,
                region: node.region,
                steps: node.steps,
            })
            .collect(),
        clusters: graph
            .clusters
            .into_iter()
            .map(|cluster| Cluster {
                wave: cluster.parent.is_some() && cluster.key.starts_with("production/"),
                key: cluster.key,
                label: cluster.label,
                parent: cluster.parent,
            })
            .collect(),
        edges: graph.edges,
    }
}

/// `compile --target codepipeline --pretty` with the workspace's
/// `pipec.toml`.
fn codepipeline_export(request: &Request, plan: &PlanV1, sources: &SourceMap) -> Export {
    let file = format!("{}.codepipeline.json", plan.pipeline);
    let settings = match request.settings() {
        Ok(settings) => settings,
        Err(problem) => {
            return Export {
                file,
                json: String::new(),
                findings: Vec::new(),
                text: format!("error[P1004]: {problem}\n"),
            };
        }
    };
    let export = codepipeline::export(plan, &settings.codepipeline);
    let found = findings::to_diagnostics(&export.findings, sources, false);
    let json = if found.iter().any(Diagnostic::is_error) {
        // The command writes nothing then; neither does the page.
        String::new()
    } else {
        serde_json::to_string_pretty(&export.value)
            .map_or_else(|error| error.to_string(), |json| json + "\n")
    };
    Export {
        file,
        json,
        findings: shown(&found, sources),
        text: render::to_plain_string(&found, sources),
    }
}

/// `compile --target github-actions --pretty`.
fn github_actions_export(plan: &PlanV1, sources: &SourceMap) -> Export {
    let export = github_actions::export(plan, &github_actions::Settings::default());
    let found: Vec<Diagnostic> = export
        .findings
        .iter()
        .map(|finding| github_actions::to_diagnostic(finding, sources, false))
        .collect();
    Export {
        file: format!("{}.yml", plan.pipeline),
        json: export.to_json(true),
        findings: shown(&found, sources),
        text: render::to_plain_string(&found, sources),
    }
}
