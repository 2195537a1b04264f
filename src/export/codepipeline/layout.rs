//! How plan steps become CodePipeline stages.
//!
//! CodePipeline waits only at stage boundaries (a stage's `onSuccess`
//! condition can hold it for a time while watching alarms; there is no wait
//! action), so a bake must end a stage. Steps are grouped by plan stage and
//! wave; within a group, a step's *phase* is the number of bakes on the
//! longest path to it from the group's start, and each phase with actions
//! becomes one CodePipeline stage. The bakes that end a phase become that
//! stage's `onSuccess` condition. Inside a stage, actions run in the order
//! of their longest chain of needs (`runOrder`), so one-box before the
//! fleet, AZ after AZ, tests after deploys, and independent regions in
//! parallel. Regions of a wave move from phase to phase together: stricter
//! than the plan, which lets each region move on after its own one-box
//! bake, never looser.

use crate::export::plan_v1::{PlanV1, StepKind};
use std::collections::BTreeMap;

/// A CodePipeline stage to be: steps of the plan and where they go.
#[derive(Debug, Default)]
pub struct StageLayout {
    /// A name for the stage (not yet made valid or unique).
    pub name: String,
    /// Steps that become actions, as indexes into the plan's steps, with
    /// their run order (from 1).
    pub actions: Vec<(usize, u32)>,
    /// Bake steps whose wait ends the stage.
    pub bakes: Vec<usize>,
    /// Steps whose gates must pass before the stage starts: every action
    /// step, and gate steps that do nothing else.
    pub gated: Vec<usize>,
}

/// The plan's steps laid out into stages, in order: sources first, then
/// builds, then every plan stage and wave in the order the plan reaches it.
pub fn layout(plan: &PlanV1) -> Vec<StageLayout> {
    let index_of: BTreeMap<&str, usize> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| (step.id.as_ref(), index))
        .collect();
    // Group keys in order of first appearance; sources and builds have
    // their own groups, wherever the plan lists them.
    let mut group_order: Vec<String> = vec!["Source".to_string(), "Build".to_string()];
    let mut group_of = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        let key = match step.kind() {
            StepKind::Source => "Source".to_string(),
            StepKind::Build => "Build".to_string(),
            _ => match &step.target.wave {
                Some(wave) => format!("{}-{wave}", step.target.stage),
                None => step.target.stage.to_string(),
            },
        };
        if !group_order.contains(&key) {
            group_order.push(key.clone());
        }
        group_of.push(key);
    }
    // Phase and run order, in plan order (each step after what it needs).
    let mut phase = vec![0u32; plan.steps.len()];
    let mut reach = vec![0u32; plan.steps.len()];
    for (index, step) in plan.steps.iter().enumerate() {
        let group = group_of.get(index);
        let same_group: Vec<usize> = step
            .needs
            .iter()
            .filter_map(|need| index_of.get(need.as_ref()).copied())
            .filter(|need| *need < index && group_of.get(*need) == group)
            .collect();
        let my_phase = same_group
            .iter()
            .map(|need| {
                let ends_phase = plan
                    .steps
                    .get(*need)
                    .is_some_and(|need| need.kind() == StepKind::Bake);
                phase.get(*need).copied().unwrap_or(0) + u32::from(ends_phase)
            })
            .max()
            .unwrap_or(0);
        let before = same_group
            .iter()
            .filter(|need| phase.get(**need) == Some(&my_phase))
            .filter_map(|need| reach.get(*need).copied())
            .max()
            .unwrap_or(0);
        let is_action = is_action(step.kind());
        if let Some(slot) = phase.get_mut(index) {
            *slot = my_phase;
        }
        if let Some(slot) = reach.get_mut(index) {
            *slot = before.saturating_add(u32::from(is_action));
        }
    }
    let mut stages: BTreeMap<(usize, u32), StageLayout> = BTreeMap::new();
    let mut phases_of_group: BTreeMap<usize, u32> = BTreeMap::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let group = group_of
            .get(index)
            .and_then(|key| group_order.iter().position(|candidate| candidate == key))
            .unwrap_or(0);
        let my_phase = phase.get(index).copied().unwrap_or(0);
        let count = phases_of_group.entry(group).or_insert(0);
        *count = (*count).max(my_phase + 1);
        let stage = stages.entry((group, my_phase)).or_default();
        match step.kind() {
            StepKind::Bake => stage.bakes.push(index),
            StepKind::Gate => stage.gated.push(index),
            kind => {
                stage
                    .actions
                    .push((index, reach.get(index).copied().unwrap_or(1).max(1)));
                if is_action(kind) {
                    stage.gated.push(index);
                }
            }
        }
    }
    stages
        .into_iter()
        .map(|((group, my_phase), mut stage)| {
            let base = group_order.get(group).cloned().unwrap_or_default();
            stage.name = if phases_of_group.get(&group).copied().unwrap_or(1) > 1 {
                format!("{base}-{}", my_phase + 1)
            } else {
                base
            };
            stage
        })
        .collect()
}

/// Whether a step of this kind becomes an action (bakes and gates become
/// conditions).
fn is_action(kind: StepKind) -> bool {
    !matches!(kind, StepKind::Bake | StepKind::Gate)
}
