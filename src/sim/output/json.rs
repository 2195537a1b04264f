//! The simulation as JSON: `events` (the timeline) and `summary`. Times
//! are RFC 3339 in UTC (`2027-01-25T17:00:00Z`); `change` appears only
//! when the scenario has several changes. Described in
//! `docs/simulation.md`, "JSON output".

use crate::sim::report::Simulation;
use serde::Serialize;

/// Renders the simulation as pretty JSON with a trailing newline.
pub fn render(simulation: &Simulation) -> String {
    let several = simulation.several_changes();
    let change = |id: &str| several.then(|| id.to_string());
    let document = Document {
        pipeline: &simulation.pipeline,
        events: simulation
            .events
            .iter()
            .map(|event| EventOut {
                at: event.at.to_string(),
                change: change(&event.change),
                step: &event.step,
                event: event.kind.as_str(),
                reason: &event.reason,
            })
            .collect(),
        summary: Summary {
            outcome: simulation.outcome.as_str(),
            started_at: simulation.started_at.to_string(),
            finished_at: simulation.finished_at.to_string(),
            total_seconds: simulation.finished_at.as_second() - simulation.started_at.as_second(),
            regions: simulation
                .regions
                .iter()
                .map(|region| RegionOut {
                    region: &region.region,
                    wave: region.wave.as_deref(),
                    status: region.status.as_str(),
                    change: region.change.as_deref().and_then(change),
                    deployed_at: region.deployed_at.map(|at| at.to_string()),
                    rolled_back_at: region.rolled_back_at.map(|at| at.to_string()),
                })
                .collect(),
            rolled_back: simulation
                .rolled_back
                .iter()
                .map(|rollback| RollbackOut {
                    region: &rollback.region,
                    stage: &rollback.stage,
                    change: change(&rollback.change),
                    at: rollback.at.to_string(),
                })
                .collect(),
            changes: simulation
                .changes
                .iter()
                .map(|summary| ChangeOut {
                    id: &summary.id,
                    merged_at: summary.merged_at.to_string(),
                    outcome: summary.outcome.as_str(),
                    reason: summary.reason.as_deref(),
                    finished_at: summary.finished_at.map(|at| at.to_string()),
                    last_region_at: summary.last_region_at.map(|at| at.to_string()),
                    lead_time_seconds: summary.lead_time_seconds(),
                })
                .collect(),
            deployments_per_day: simulation.deployments_per_day().filter(|_| several),
        },
    };
    match serde_json::to_string_pretty(&document) {
        Ok(mut json) => {
            json.push('\n');
            json
        }
        // Strings, integers and finite numbers only, written to memory.
        Err(error) => unreachable!("a simulation always serializes: {error}"),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    pipeline: &'a str,
    events: Vec<EventOut<'a>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct EventOut<'a> {
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<String>,
    step: &'a str,
    event: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    outcome: &'static str,
    started_at: String,
    finished_at: String,
    total_seconds: i64,
    regions: Vec<RegionOut<'a>>,
    rolled_back: Vec<RollbackOut<'a>>,
    changes: Vec<ChangeOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployments_per_day: Option<f64>,
}

#[derive(Serialize)]
struct RegionOut<'a> {
    region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    wave: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rolled_back_at: Option<String>,
}

#[derive(Serialize)]
struct RollbackOut<'a> {
    region: &'a str,
    stage: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<String>,
    at: String,
}

#[derive(Serialize)]
struct ChangeOut<'a> {
    id: &'a str,
    merged_at: String,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_region_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead_time_seconds: Option<i64>,
}
