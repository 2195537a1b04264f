//! What nodes say: plain text, one entry per line; the drawing formats
//! escape it.

use super::Shape;
use crate::export::plan_v1::{
    BakeParams, Blocked, Gate, Measure, Params, SourceOrigin, Step, StepKind,
};

/// A duration as `.pipe` writes it, in hours, minutes and seconds:
/// `24h`, `1h30m`, `45s`.
pub(super) fn duration(seconds: u64) -> String {
    let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    for (amount, unit) in [(hours, "h"), (minutes, "m"), (rest, "s")] {
        if amount > 0 {
            out.push_str(&format!("{amount}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// A node of one step.
pub(super) fn step(step: &Step) -> (Vec<String>, Shape) {
    match &step.params {
        Params::Source(source) => {
            let origin = match &source.origin {
                SourceOrigin::Git { branch, .. } => format!("branch {branch}"),
                SourceOrigin::ArtifactStore { .. } => "artifact store".to_string(),
            };
            (vec![format!("source {}", source.name), origin], Shape::Step)
        }
        Params::Build(build) => {
            let mut lines = vec![format!("build {}", build.artifact)];
            if build.sign {
                lines.push("signed".to_string());
            }
            (lines, Shape::Step)
        }
        Params::Test(test) => (vec![format!("test {}", test.name)], Shape::Test),
        Params::Deploy(_) => (vec![format!("deploy {}", step.target.stage)], Shape::Step),
        Params::Bake(bake) => (bake_lines(bake), Shape::Bake),
        Params::Approval(approval) => (
            vec!["approval".to_string(), approval.role.clone()],
            Shape::Approval,
        ),
        Params::Gate(gate) => (vec!["gate".to_string(), gate.reason.clone()], Shape::Step),
    }
}

fn bake_lines(bake: &BakeParams) -> Vec<String> {
    let mut lines = vec![format!("bake {}", duration(bake.duration_seconds))];
    for points in &bake.data_points {
        let measure = match points.measure {
            Measure::Requests => "requests",
            Measure::Datapoints => "data points",
        };
        lines.push(format!("and {} {measure} of {}", points.count, points.name));
    }
    lines
}

/// A region's node: its name, then what happens there, in order: the
/// one-box and its bake, the AZs or cells one at a time with their bakes,
/// a deploy of the whole region, a bake of it, its tests.
pub(super) fn region(region: &str, steps: &[&Step]) -> Vec<String> {
    let mut phases: Vec<String> = Vec::new();
    let onebox_bakes = bakes(steps.iter().filter(|step| step.target.onebox));
    if steps
        .iter()
        .any(|step| step.target.onebox && step.kind() == StepKind::Deploy)
    {
        phases.push(match onebox_bakes.as_str() {
            "" => "onebox".to_string(),
            bakes => format!("onebox, bake {bakes}"),
        });
    }
    for (unit, units, part) in [
        (
            "AZ",
            "AZs",
            (|step: &Step| step.target.az.as_deref().map(str::to_string))
                as fn(&Step) -> Option<String>,
        ),
        ("cell", "cells", |step: &Step| {
            step.target.cell.as_deref().map(str::to_string)
        }),
    ] {
        let mut names: Vec<String> = Vec::new();
        for name in steps.iter().filter_map(|step| part(step)) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.is_empty() {
            continue;
        }
        let count = names.len();
        let mut phase = format!("{count} {}", if count == 1 { unit } else { units });
        let each = bakes(steps.iter().filter(|step| part(step).is_some()));
        if !each.is_empty() {
            phase.push_str(&format!(", bake {each} each"));
        }
        phases.push(phase);
    }
    let whole = |step: &&&Step| {
        !step.target.onebox && step.target.az.is_none() && step.target.cell.is_none()
    };
    if steps
        .iter()
        .filter(whole)
        .any(|step| step.kind() == StepKind::Deploy)
    {
        phases.push("deploy".to_string());
    }
    let region_bakes = bakes(steps.iter().filter(whole));
    if !region_bakes.is_empty() {
        phases.push(format!("bake {region_bakes}"));
    }
    for step in steps.iter().filter(whole) {
        match &step.params {
            Params::Test(test) => phases.push(format!("test {}", test.name)),
            Params::Approval(approval) => phases.push(format!("approval {}", approval.role)),
            Params::Gate(gate) => phases.push(format!("gate {}", gate.reason)),
            _ => {}
        }
    }
    vec![region.to_string(), phases.join(" → ")]
}

/// The durations of the bake steps among `steps`, each once, in order,
/// joined by `/`: `1h`, or `30m/1h` when they differ.
fn bakes<'a>(steps: impl Iterator<Item = &'a &'a Step>) -> String {
    let mut durations: Vec<String> = Vec::new();
    for step in steps {
        if let Params::Bake(bake) = &step.params {
            let text = duration(bake.duration_seconds);
            if !durations.contains(&text) {
                durations.push(text);
            }
        }
    }
    durations.join("/")
}

/// One gate, in a few words.
pub(super) fn gate(gate: &Gate) -> String {
    let (text, overridable) = match gate {
        Gate::Window(window) => (
            match &window.window {
                Some(name) => format!("window {name}"),
                None => format!("window in {}", window.zone),
            },
            window.overridable,
        ),
        Gate::Alarm(alarm) => (
            format!(
                "not in alarm: {}",
                alarm.name.as_deref().unwrap_or(&alarm.alarm)
            ),
            alarm.overridable,
        ),
        Gate::Artifact(artifact) => (
            match &artifact.blocked {
                Blocked::Package(package) => format!("no package {package}"),
                Blocked::GitRef(reference) => format!("no git ref {reference}"),
            },
            artifact.overridable,
        ),
        Gate::Approval(approval) => (
            format!("approval by {}", approval.role),
            approval.overridable,
        ),
    };
    if overridable {
        format!("{text} (overridable)")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_pipe_durations() {
        assert_eq!(duration(86_400), "24h");
        assert_eq!(duration(5_400), "1h30m");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(3_661), "1h1m1s");
        assert_eq!(duration(0), "0s");
    }
}
