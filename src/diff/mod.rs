//! Semantic differences between two compiled workspaces: for every
//! concrete pipeline, what changes in its *effective* plan (steps added or
//! removed, regions moved between waves, bakes, strategies, gates and
//! alarms changed), with the provenance of each new value, so that a change
//! to a shared template lists every pipeline it reaches; what changes in
//! the policy results; and, through the simulator, how the total rollout
//! time changes.
//!
//! Everything is compared on the public plans (`plan_v1`), ignoring
//! provenance: a line moved in a file is not a change of the pipeline.

pub mod render;

use crate::export::plan_v1::{self, GateEntry, PlanV1, Provenance, Step};
pub use crate::plan::format_seconds;
use std::collections::{BTreeMap, BTreeSet};

/// One side of a comparison: the plans of its concrete pipelines and its
/// policy findings.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Every concrete pipeline's plan.
    pub plans: Vec<PlanV1>,
    /// Every policy finding, as reported.
    pub findings: Vec<Finding>,
}

/// A policy finding, where it was reported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Finding {
    /// The code (`P0801`).
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The message, e.g. `[later-wave-bake] wave `second` bakes 30m, less than 2h`.
    pub message: String,
    /// The pipelines it holds for, sorted: the same message about another
    /// pipeline is another finding.
    pub pipelines: Vec<String>,
    /// Where: `file:line:column`.
    pub at: String,
}

/// A place in a file, from a plan's provenance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// The file, as the plan names it.
    pub file: String,
    /// One-based line.
    pub line: u32,
    /// One-based column.
    pub column: u32,
}

impl Place {
    fn of(provenance: &Provenance) -> Place {
        Place {
            file: provenance.file.to_string(),
            line: provenance.line,
            column: provenance.column,
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One semantic change of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// What kind of change: `step-added`, `step-removed`, `step-changed`,
    /// `region-moved`, `region-added`, `region-removed`, `gate-changed`,
    /// `alarm-changed`.
    pub kind: &'static str,
    /// The step, gate, alarm or region it concerns.
    pub subject: String,
    /// What changed, for people: `bake 12h → 24h`.
    pub what: String,
    /// Where the new value comes from (absent for removals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Place>,
}

/// The changes of one pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PipelineDiff {
    /// The pipeline.
    pub pipeline: String,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    /// Every change, in plan order.
    pub changes: Vec<Change>,
    /// Total rollout time before and after, in seconds, when both sides
    /// could be simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

/// Rollout time on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rollout {
    /// Seconds from merge to the last event, before.
    pub before_seconds: i64,
    /// The same, after.
    pub after_seconds: i64,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Pipelines with changes, by name.
    pub pipelines: Vec<PipelineDiff>,
    /// Policy findings only the head side has.
    pub findings_added: Vec<Finding>,
    /// Policy findings only the base side has.
    pub findings_removed: Vec<Finding>,
}

impl Report {
    /// Whether anything changed.
    pub fn has_changes(&self) -> bool {
        !self.pipelines.is_empty()
            || !self.findings_added.is_empty()
            || !self.findings_removed.is_empty()
    }
}

/// Compares `base` with `head`. `rollout` simulates a plan and returns its
/// total rollout time in seconds (or `None` when it cannot); it is asked
/// only for pipelines that changed.
pub fn compare(base: &Side, head: &Side, rollout: &dyn Fn(&PlanV1) -> Option<i64>) -> Report {
    let before: BTreeMap<&str, &PlanV1> = base
        .plans
        .iter()
        .map(|p| (p.pipeline.as_str(), p))
        .collect();
    let after: BTreeMap<&str, &PlanV1> = head
        .plans
        .iter()
        .map(|p| (p.pipeline.as_str(), p))
        .collect();
    let names: BTreeSet<&str> = before.keys().chain(after.keys()).copied().collect();
    let mut pipelines = Vec::new();
    for name in names {
        let diff = match (before.get(name), after.get(name)) {
            (Some(old), Some(new)) => {
                let changes = plan_changes(old, new);
                if changes.is_empty() {
                    continue;
                }
                let rollout =
                    rollout(old)
                        .zip(rollout(new))
                        .map(|(before_seconds, after_seconds)| Rollout {
                            before_seconds,
                            after_seconds,
                        });
                PipelineDiff {
                    pipeline: name.to_string(),
                    status: "changed",
                    changes,
                    rollout,
                }
            }
            (None, Some(new)) => PipelineDiff {
                pipeline: name.to_string(),
                status: "added",
                changes: vec![Change {
                    kind: "pipeline-added",
                    subject: name.to_string(),
                    what: format!("new pipeline, {} steps", new.steps.len()),
                    provenance: None,
                }],
                rollout: None,
            },
            (Some(old), None) => PipelineDiff {
                pipeline: name.to_string(),
                status: "removed",
                changes: vec![Change {
                    kind: "pipeline-removed",
                    subject: name.to_string(),
                    what: format!("pipeline removed, {} steps", old.steps.len()),
                    provenance: None,
                }],
                rollout: None,
            },
            (None, None) => continue,
        };
        pipelines.push(diff);
    }
    let old_findings: BTreeSet<&Finding> = base.findings.iter().collect();
    let new_findings: BTreeSet<&Finding> = head.findings.iter().collect();
    // A finding that only moved lines is the same finding; one about
    // other pipelines is not, nor one whose rule's level changed (a `warn`
    // made `deny` now stops the build, which a reviewer must see).
    let key = |finding: &Finding| {
        (
            finding.code.clone(),
            finding.severity.clone(),
            finding.message.clone(),
            finding.pipelines.clone(),
        )
    };
    let old_keys: BTreeSet<_> = old_findings.iter().map(|f| key(f)).collect();
    let new_keys: BTreeSet<_> = new_findings.iter().map(|f| key(f)).collect();
    Report {
        pipelines,
        findings_added: new_findings
            .iter()
            .filter(|finding| !old_keys.contains(&key(finding)))
            .map(|finding| (*finding).clone())
            .collect(),
        findings_removed: old_findings
            .iter()
            .filter(|finding| !new_keys.contains(&key(finding)))
            .map(|finding| (*finding).clone())
            .collect(),
    }
}

/// The changes between two plans of one pipeline, in the head plan's step
/// order (removals after).
fn plan_changes(old: &PlanV1, new: &PlanV1) -> Vec<Change> {
    let mut changes = Vec::new();
    region_moves(old, new, &mut changes);
    // A moved region's steps are all new ids; its move says it once.
    let moved: BTreeSet<String> = changes
        .iter()
        .filter(|change| change.kind == "region-moved")
        .map(|change| change.subject.clone())
        .collect();
    let in_moved_region = |step: &Step| {
        step.target
            .region
            .as_ref()
            .is_some_and(|region| moved.contains(&**region))
    };
    let old_steps: BTreeMap<&str, &Step> = old.steps.iter().map(|s| (s.id.as_ref(), s)).collect();
    let new_ids: BTreeSet<&str> = new.steps.iter().map(|s| s.id.as_ref()).collect();
    for step in &new.steps {
        match old_steps.get(step.id.as_ref()) {
            None if in_moved_region(step) => {}
            None => changes.push(Change {
                kind: "step-added",
                subject: step.id.to_string(),
                what: format!("{} step added", kind_name(step)),
                provenance: Some(Place::of(&step.provenance)),
            }),
            Some(before) => {
                for (what, set_at) in step_differences(old, before, new, step) {
                    changes.push(Change {
                        kind: "step-changed",
                        subject: step.id.to_string(),
                        what,
                        provenance: Some(Place::of(set_at.unwrap_or(&step.provenance))),
                    });
                }
            }
        }
    }
    for step in &old.steps {
        if !new_ids.contains(step.id.as_ref()) && !in_moved_region(step) {
            changes.push(Change {
                kind: "step-removed",
                subject: step.id.to_string(),
                what: format!("{} step removed", kind_name(step)),
                provenance: None,
            });
        }
    }
    table_changes(old, new, &mut changes);
    changes
}

fn kind_name(step: &Step) -> String {
    json_text(&step.kind())
}

/// The wave each production region is deployed in.
fn region_waves(plan: &PlanV1) -> BTreeMap<&str, (&str, &Step)> {
    let mut waves = BTreeMap::new();
    for step in &plan.steps {
        if let (Some(wave), Some(region)) = (&step.target.wave, &step.target.region) {
            waves
                .entry(region.as_ref())
                .or_insert((wave.as_ref(), step));
        }
    }
    waves
}

fn region_moves(old: &PlanV1, new: &PlanV1, changes: &mut Vec<Change>) {
    let before = region_waves(old);
    let after = region_waves(new);
    for (region, (wave, step)) in &after {
        match before.get(region) {
            Some((old_wave, _)) if old_wave != wave => changes.push(Change {
                kind: "region-moved",
                subject: region.to_string(),
                what: format!("moved from wave `{old_wave}` to wave `{wave}`"),
                provenance: Some(Place::of(&step.provenance)),
            }),
            None => changes.push(Change {
                kind: "region-added",
                subject: region.to_string(),
                what: format!("now deployed in wave `{wave}`"),
                provenance: Some(Place::of(&step.provenance)),
            }),
            _ => {}
        }
    }
    for (region, (wave, _)) in &before {
        if !after.contains_key(region) {
            changes.push(Change {
                kind: "region-removed",
                subject: region.to_string(),
                what: format!("no longer deployed (was in wave `{wave}`)"),
                provenance: None,
            });
        }
    }
}

/// What differs between two versions of a step, provenance aside, each
/// with where the new value was set when the step records it
/// (`field_provenance`): an override in a service is named there, not at
/// the template member that made the step.
fn step_differences<'p>(
    old_plan: &PlanV1,
    old: &Step,
    new_plan: &'p PlanV1,
    new: &'p Step,
) -> Vec<(String, Option<&'p Provenance>)> {
    let mut out = Vec::new();
    let old_params = params_json(old);
    let new_params = params_json(new);
    let (old_json, new_json) = (step_json(old), step_json(new));
    // The first value under `prefix` that changed and has a provenance.
    let set_at = |prefix: &str| -> Option<&'p Provenance> {
        new.field_provenance
            .iter()
            .find(|(pointer, _)| {
                pointer
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                    && old_json.pointer(pointer) != new_json.pointer(pointer)
            })
            .map(|(_, provenance)| provenance)
    };
    if let (Some(old_bake), Some(new_bake)) = (bake_seconds(old), bake_seconds(new))
        && old_bake != new_bake
    {
        out.push((
            format!(
                "bake {} → {}",
                format_seconds(old_bake),
                format_seconds(new_bake)
            ),
            set_at("/bake/duration_seconds"),
        ));
    }
    // A bake whose duration alone changed was said above.
    if old_params != new_params && !only_duration_differs(old, new) {
        let kind = kind_name(new);
        out.push((
            format!(
                "{kind} {} → {}",
                compact(&old_params, &["duration_seconds"]),
                compact(&new_params, &["duration_seconds"])
            ),
            set_at(&format!("/{kind}")),
        ));
    }
    if old.needs != new.needs {
        out.push((
            list_change("needs", &old.needs, &new.needs),
            set_at("/needs"),
        ));
    }
    if old.target != new.target {
        out.push((
            format!(
                "target {} → {}",
                json_text(&old.target),
                json_text(&new.target)
            ),
            set_at("/target"),
        ));
    }
    let old_alarm = old
        .rollback_alarm
        .as_ref()
        .and_then(|id| alarm_expression(old_plan, id));
    let new_entry = new
        .rollback_alarm
        .as_ref()
        .and_then(|id| alarm_entry(new_plan, id));
    let new_alarm = new_entry.map(|entry| entry.alarm.as_str());
    if old_alarm != new_alarm {
        // Where it comes from is the `rollback on` that chose it (the
        // alarm's own provenance), not the step it guards.
        out.push((
            format!(
                "rollback alarm {} → {}",
                old_alarm.unwrap_or("none"),
                new_alarm.unwrap_or("none")
            ),
            new_entry.map(|entry| &entry.provenance),
        ));
    }
    if old.gates != new.gates {
        out.push((list_change("gates", &old.gates, &new.gates), None));
    }
    out
}

/// `needs +a -b`, or the order when only the order changed.
fn list_change(what: &str, old: &[plan_v1::Name], new: &[plan_v1::Name]) -> String {
    let added: Vec<&str> = new
        .iter()
        .filter(|item| !old.contains(item))
        .map(|item| &**item)
        .collect();
    let removed: Vec<&str> = old
        .iter()
        .filter(|item| !new.contains(item))
        .map(|item| &**item)
        .collect();
    if added.is_empty() && removed.is_empty() {
        return format!("{what} reordered: {}", new.join(", "));
    }
    let mut parts = vec![what.to_string()];
    parts.extend(added.iter().map(|item| format!("+{item}")));
    parts.extend(removed.iter().map(|item| format!("-{item}")));
    parts.join(" ")
}

fn bake_seconds(step: &Step) -> Option<u64> {
    match &step.params {
        plan_v1::Params::Bake(bake) => Some(bake.duration_seconds),
        _ => None,
    }
}

fn only_duration_differs(old: &Step, new: &Step) -> bool {
    match (&old.params, &new.params) {
        (plan_v1::Params::Bake(old), plan_v1::Params::Bake(new)) => {
            old.data_points == new.data_points
        }
        _ => false,
    }
}

fn alarm_expression<'p>(plan: &'p PlanV1, id: &str) -> Option<&'p str> {
    alarm_entry(plan, id).map(|alarm| alarm.alarm.as_str())
}

fn alarm_entry<'p>(plan: &'p PlanV1, id: &str) -> Option<&'p plan_v1::AlarmEntry> {
    plan.alarms.iter().find(|alarm| *alarm.id == *id)
}

/// Gates and rollback alarms whose content changed under the same id
/// (provenance aside), with the provenance of the new one.
fn table_changes(old: &PlanV1, new: &PlanV1, changes: &mut Vec<Change>) {
    let old_gates: BTreeMap<&str, &GateEntry> =
        old.gates.iter().map(|g| (g.id.as_ref(), g)).collect();
    for gate in &new.gates {
        if let Some(before) = old_gates.get(gate.id.as_ref()) {
            let (old_text, new_text) = (gate_json(before), gate_json(gate));
            if old_text != new_text {
                changes.push(Change {
                    kind: "gate-changed",
                    subject: gate.id.to_string(),
                    what: format!("{old_text} → {new_text}"),
                    provenance: gate_provenance(gate).map(Place::of),
                });
            }
        }
    }
    let old_alarms: BTreeMap<&str, &str> = old
        .alarms
        .iter()
        .map(|alarm| (alarm.id.as_ref(), alarm.alarm.as_str()))
        .collect();
    for alarm in &new.alarms {
        if let Some(before) = old_alarms.get(alarm.id.as_ref())
            && *before != alarm.alarm
        {
            changes.push(Change {
                kind: "alarm-changed",
                subject: alarm.id.to_string(),
                what: format!("{before} → {}", alarm.alarm),
                provenance: Some(Place::of(&alarm.provenance)),
            });
        }
    }
}

fn gate_provenance(gate: &GateEntry) -> Option<&Provenance> {
    Some(match &gate.gate {
        plan_v1::Gate::Window(window) => &window.provenance,
        plan_v1::Gate::Alarm(alarm) => &alarm.provenance,
        plan_v1::Gate::Artifact(artifact) => &artifact.provenance,
        plan_v1::Gate::Approval(approval) => &approval.provenance,
    })
}

/// A value as compact JSON, with `provenance` left out at any depth.
fn json_without_provenance(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .filter(|(key, _)| key != "provenance")
                .map(|(key, value)| (key, json_without_provenance(value)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(json_without_provenance).collect())
        }
        other => other,
    }
}

fn gate_json(gate: &GateEntry) -> String {
    let value = serde_json::to_value(gate).unwrap_or_default();
    json_without_provenance(value).to_string()
}

/// A step's parameter object as JSON.
fn params_json(step: &Step) -> serde_json::Value {
    let value = step_json(step);
    value
        .get(kind_name(step).as_str())
        .cloned()
        .unwrap_or_default()
}

/// The step as the plan writes it, for its values by JSON Pointer.
fn step_json(step: &Step) -> serde_json::Value {
    serde_json::to_value(step).unwrap_or_default()
}

/// `value` as compact JSON without the `skip` keys of its top object.
fn compact(value: &serde_json::Value, skip: &[&str]) -> String {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .filter(|(key, _)| !skip.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )
        .to_string(),
        other => other.to_string(),
    }
}

/// A serializable value as JSON text, without quotes for a plain string.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
