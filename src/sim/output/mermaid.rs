//! The simulation as a Mermaid Gantt chart, which GitHub renders in
//! Markdown. One section per stage slot (`gamma`, `production/first`);
//! in each, one bar per region (from its first step's start to its last
//! step's end: one-box, AZs, cells and their bakes) and one per step that
//! targets no region (a wave's bake, a stage's tests, a build). Steps that
//! take no time are milestones. Rolled-back bars (a region whose
//! deployments were undone among them) are `crit`, bars still running at
//! the end `active`. Times are UTC.

use crate::sim::report::{RunEnding, Simulation};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the chart (without the surrounding Markdown fence).
pub fn render(simulation: &Simulation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "gantt");
    let _ = writeln!(
        out,
        "    title {}",
        escape(&format!("{} rollout, times in UTC", simulation.pipeline))
    );
    let _ = writeln!(out, "    dateFormat YYYY-MM-DD HH:mm:ss");
    let _ = writeln!(out, "    axisFormat %m-%d %H:%M");
    let several = simulation.several_changes();
    let mut task_count = 0usize;
    for (slot_idx, slot_name) in simulation.slots.iter().enumerate() {
        let bars = bars_of_slot(simulation, slot_idx);
        if bars.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    section {}", escape(slot_name));
        for bar in bars {
            task_count += 1;
            let label = if several {
                format!("{} {}", bar.change, bar.label)
            } else {
                bar.label.clone()
            };
            let mut data: Vec<String> = Vec::new();
            match bar.ending {
                RunEnding::RolledBack | RunEnding::Stopped => data.push("crit".to_string()),
                RunEnding::Unfinished => data.push("active".to_string()),
                RunEnding::Finished => {}
            }
            let end = bar.end.unwrap_or(simulation.finished_at).max(bar.start);
            if end == bar.start {
                data.push("milestone".to_string());
            }
            data.push(format!("t{task_count}"));
            data.push(mermaid_time(bar.start));
            data.push(if end == bar.start {
                "0s".to_string()
            } else {
                mermaid_time(end)
            });
            let _ = writeln!(out, "    {} :{}", escape(&label), data.join(", "));
        }
    }
    out
}

struct Bar {
    change: String,
    /// The change's place in merge order, then the first step's place in
    /// the plan: bars starting together keep the plan's order.
    order: (usize, usize),
    label: String,
    start: Timestamp,
    end: Option<Timestamp>,
    ending: RunEnding,
}

/// The bars of one slot: per change, one per region, then one per step
/// without a region, in the order they started.
fn bars_of_slot(simulation: &Simulation, slot: usize) -> Vec<Bar> {
    let slot_name = simulation.slots.get(slot).cloned().unwrap_or_default();
    let change_rank = |id: &str| {
        simulation
            .changes
            .iter()
            .position(|change| change.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut by_region: BTreeMap<(String, String), Bar> = BTreeMap::new();
    let mut bars: Vec<Bar> = Vec::new();
    for run in &simulation.runs {
        let Some(step) = simulation.steps.get(run.step) else {
            continue;
        };
        if step.slot != slot {
            continue;
        }
        match step.region.clone() {
            Some(region) => {
                let bar = by_region
                    .entry((run.change.clone(), region.clone()))
                    .or_insert_with(|| Bar {
                        change: run.change.clone(),
                        order: (change_rank(&run.change), run.step),
                        label: region.clone(),
                        start: run.start,
                        end: run.end,
                        ending: RunEnding::Finished,
                    });
                bar.start = bar.start.min(run.start);
                bar.order.1 = bar.order.1.min(run.step);
                bar.end = match (bar.end, run.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                bar.ending = worse(bar.ending, run.ending);
            }
            None => {
                let label = step
                    .id
                    .strip_prefix(&format!("{slot_name}/"))
                    .unwrap_or(&step.id)
                    .replace('/', " ");
                bars.push(Bar {
                    change: run.change.clone(),
                    order: (change_rank(&run.change), run.step),
                    label,
                    start: run.start,
                    end: run.end,
                    ending: run.ending,
                });
            }
        }
    }
    // A region whose deployments an alarm undid is rolled back, even when
    // every step of its bar had finished (a wave's bake fired).
    for bar in by_region.values_mut() {
        let undone = simulation.rolled_back.iter().any(|rollback| {
            rollback.change == bar.change
                && rollback.stage == slot_name
                && rollback.region == bar.label
        });
        if undone {
            bar.ending = worse(bar.ending, RunEnding::RolledBack);
        }
    }
    bars.extend(by_region.into_values());
    bars.sort_by_key(|bar| (bar.start, bar.order));
    bars
}

/// The more notable of two endings, for a bar that covers several runs.
fn worse(a: RunEnding, b: RunEnding) -> RunEnding {
    let rank = |ending: RunEnding| match ending {
        RunEnding::Finished => 0,
        RunEnding::Unfinished => 1,
        RunEnding::Stopped => 2,
        RunEnding::RolledBack => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn mermaid_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// Mermaid ends a task's name at `:` and reads `#` and `;` as the start of
/// an entity or a statement end: write them as entity codes.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            ':' => escaped.push_str("#58;"),
            '#' => escaped.push_str("#35;"),
            ';' => escaped.push_str("#59;"),
            '\n' | '\r' => escaped.push(' '),
            _ => escaped.push(ch),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn syntax_in_task_names_becomes_entity_codes() {
        assert_eq!(escape("c1 us-east-1"), "c1 us-east-1");
        assert_eq!(escape("a:b#c;d"), "a#58;b#35;c#59;d");
        assert_eq!(escape("two\nlines"), "two lines");
    }
}
