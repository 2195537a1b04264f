//! The steps that make gates and bakes hold on GitHub: a Python program
//! ([`WAIT_PROGRAM`], run by the runner's own Python with its AWS CLI)
//! that waits for windows and alarm blockers, or bakes while watching a
//! rollback alarm. The program is written once, in the workflow's
//! `PIPEC_WAIT_PROGRAM`, and so is every window and alarm it may watch, in
//! the workflow's `PIPEC_WAIT_DATA` ([`wait_data`]); each step gives it
//! what to do as JSON in the step's `PIPEC_WAIT_CONFIG`, naming windows
//! and alarms by id. So the workflow carries no code taken from the plan,
//! and one alarm that guards every production step is written once, not
//! in every job.

use super::alarm_expr::{self, AlarmTree};
use super::workflow::JobStep;
use crate::export::plan_v1::{AlarmGate, Gate, Name, PlanV1, Weekday, WindowGate};
use serde_json::{Value, json};

/// The program, for the workflow's `env`.
pub const WAIT_PROGRAM: &str = include_str!("wait_program.py");

/// The step variable holding a step's data.
pub const CONFIG_VARIABLE: &str = "PIPEC_WAIT_CONFIG";

/// The workflow variable holding every window and alarm, by id.
pub const DATA_VARIABLE: &str = "PIPEC_WAIT_DATA";

/// Every window gate, alarm blocker and rollback alarm of the plan, each
/// once, by id: `{"windows": {ID: WINDOW}, "alarms": {ID: ALARM}}`. Gate
/// ids (`alarm:NAME`) and rollback alarm ids (`NAME`, no colon) do not
/// meet.
pub fn wait_data(plan: &PlanV1) -> Value {
    let mut windows = serde_json::Map::new();
    let mut alarms = serde_json::Map::new();
    for entry in &plan.gates {
        match &entry.gate {
            Gate::Window(gate) => {
                windows.insert(entry.id.to_string(), window(&entry.id, gate));
            }
            Gate::Alarm(gate) => {
                alarms.insert(entry.id.to_string(), alarm_gate(&entry.id, gate).config);
            }
            Gate::Artifact(_) | Gate::Approval(_) => {}
        }
    }
    for entry in &plan.alarms {
        alarms.insert(entry.id.to_string(), alarm(&entry.id, &entry.alarm).config);
    }
    json!({"windows": windows, "alarms": alarms})
}

/// An alarm as the program reads it, and whether it had to be
/// approximated (the expression could not be read).
pub struct Alarm {
    /// `{"id", "names", "tree"}`.
    pub config: Value,
    /// Whether any quoted name in ALARM stands in for the expression.
    pub approximated: bool,
}

/// An alarm expression for the program.
pub fn alarm(id: &str, expression: &str) -> Alarm {
    let (AlarmTree { tree, names }, approximated) = match alarm_expr::parse(expression) {
        Some(tree) => (tree, false),
        None => (alarm_expr::any_quoted_name(expression), true),
    };
    Alarm {
        config: json!({"id": id, "names": names, "tree": tree}),
        approximated,
    }
}

/// An alarm blocker for the program.
pub fn alarm_gate(id: &str, gate: &AlarmGate) -> Alarm {
    alarm(id, &gate.alarm)
}

/// A window for the program.
pub fn window(id: &str, gate: &WindowGate) -> Value {
    let allow: Vec<Value> = gate
        .allow
        .iter()
        .map(|slot| {
            let days: Vec<u8> = slot.days.iter().map(|day| iso_weekday(*day)).collect();
            json!({"days": days, "start": slot.start, "end": slot.end})
        })
        .collect();
    json!({"id": id, "zone": gate.zone, "allow": allow, "closed": gate.closed_dates})
}

// Python's `isoweekday`: Monday is 1.
fn iso_weekday(day: Weekday) -> u8 {
    match day {
        Weekday::Mon => 1,
        Weekday::Tue => 2,
        Weekday::Wed => 3,
        Weekday::Thu => 4,
        Weekday::Fri => 5,
        Weekday::Sat => 6,
        Weekday::Sun => 7,
    }
}

/// A step waiting up to `seconds` until every window is open and every
/// alarm blocker quiet at once (each named by its id in [`wait_data`]).
/// Its name lists the gate ids.
pub fn wait_for_gates(
    gate_ids: &[Name],
    windows: Vec<Name>,
    alarms: Vec<Name>,
    regions: &[String],
    seconds: u64,
) -> JobStep {
    let config = json!({
        "mode": "gates", "seconds": seconds, "regions": regions,
        "windows": windows, "alarms": alarms,
    });
    run_program(format!("Wait for gates: {}", gate_ids.join(", ")), &config)
}

/// A step baking for `seconds` while watching `alarm` (its id in
/// [`wait_data`]; none: only waiting); with 0 seconds, one check of the
/// alarm.
pub fn bake(name: String, alarm: Option<String>, regions: &[String], seconds: u64) -> JobStep {
    let config = json!({
        "mode": "bake", "seconds": seconds, "regions": regions,
        "windows": [], "alarms": alarm.into_iter().collect::<Vec<_>>(),
    });
    run_program(name, &config)
}

fn run_program(name: String, config: &Value) -> JobStep {
    let mut step = JobStep::bash(name, "python3 -c \"$PIPEC_WAIT_PROGRAM\"");
    step.env.insert(
        CONFIG_VARIABLE.to_string(),
        super::workflow::literal(&config.to_string()),
    );
    step
}

/// The data a step written by [`wait_for_gates`] or [`bake`] gives the
/// program, read back: for tests and tools that check a workflow's waits.
pub fn config_of(step_env: &serde_json::Map<String, Value>) -> Option<Value> {
    let text = step_env.get(CONFIG_VARIABLE)?.as_str()?;
    serde_json::from_str(text).ok()
}
