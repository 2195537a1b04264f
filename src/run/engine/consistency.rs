//! Whether a journal's records add up, before `--resume` believes them.
//!
//! A checksum only shows that a line was written whole; anyone who can
//! write the state directory can append a well-formed line that marks a
//! failed build `succeeded`. Such a record rarely fits what the runner
//! itself writes, so replay checks the story the records tell, in order:
//!
//! - `run_started` comes first, once, for this plan's pipeline and steps;
//! - after `run_stopped`, the next invocation begins with `resumed`;
//! - every step named is a step of the plan;
//! - a step starts with the attempt after its last one, not while it
//!   runs, not once it succeeded, not after an alarm fired, and only when
//!   each step it needs has succeeded;
//! - a step finishes, or its alarm fires, only while it runs (a `resumed`
//!   closes what a crash left running: it runs again);
//! - `undo_started` follows an alarm, for a deploy step that began and is
//!   not undone yet, one at a time; `undo_finished` closes it;
//! - nothing runs or is being undone when an invocation stops.
//!
//! (Sequence numbers without gaps are checked when the journal is read.)
//! This is not a defence against someone who writes a consistent story:
//! the state directory must be protected like the plan.

use crate::export::plan_v1::{Params, PlanV1};
use crate::run::state::journal::{Entry, Record, StepOutcome};
use std::collections::{BTreeMap, BTreeSet};

/// The first record that does not fit: its line (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Inconsistency {
    pub(super) line: usize,
    pub(super) why: String,
}

/// What the records said so far of one step.
#[derive(Clone, Default)]
struct StepStory {
    attempts: u32,
    running: bool,
    last: Option<StepOutcome>,
    began: bool,
}

/// What the records said so far.
struct Story<'p> {
    plan: &'p PlanV1,
    positions: BTreeMap<&'p str, usize>,
    steps: Vec<StepStory>,
    alarmed: bool,
    undoing: Option<usize>,
    undone: BTreeSet<usize>,
    stopped: bool,
}

/// Checks `entries` (all of a journal's records, in order) against `plan`.
pub(super) fn check(plan: &PlanV1, entries: &[Entry]) -> Result<(), Inconsistency> {
    let mut story = Story {
        plan,
        positions: plan
            .steps
            .iter()
            .enumerate()
            .map(|(position, step)| (step.id.as_ref(), position))
            .collect(),
        steps: vec![StepStory::default(); plan.steps.len()],
        alarmed: false,
        undoing: None,
        undone: BTreeSet::new(),
        stopped: false,
    };
    for (index, entry) in entries.iter().enumerate() {
        story
            .apply(index == 0, &entry.record)
            .map_err(|why| Inconsistency {
                line: index + 1,
                why,
            })?;
    }
    Ok(())
}

impl Story<'_> {
    fn apply(&mut self, first: bool, record: &Record) -> Result<(), String> {
        if self.stopped && !matches!(record, Record::Resumed { .. }) {
            return Err(
                "a record after `run_stopped` that is not `resumed`, which every later invocation begins with"
                    .to_string(),
            );
        }
        match record {
            Record::RunStarted {
                pipeline, steps, ..
            } => {
                if !first {
                    return Err("a second `run_started`".to_string());
                }
                if *pipeline != self.plan.pipeline || *steps != self.plan.steps.len() {
                    return Err(format!(
                        "`run_started` is of pipeline `{pipeline}` with {steps} steps; the plan is `{}` with {}",
                        self.plan.pipeline,
                        self.plan.steps.len()
                    ));
                }
                return Ok(());
            }
            _ if first => return Err("the first record is not `run_started`".to_string()),
            Record::Resumed { .. } => {
                // What a crash left running runs again; an undo left open
                // is run again.
                self.steps.iter_mut().for_each(|step| step.running = false);
                self.undoing = None;
                self.stopped = false;
            }
            Record::Approved { .. } => {}
            Record::Overridden { step, .. } => {
                self.position(step)?;
            }
            Record::StepStarted { step, attempt } => self.started(step, *attempt)?,
            Record::StepFinished { step, outcome, .. } => {
                let story = self.running_step(step, "finishes")?;
                story.running = false;
                story.last = Some(*outcome);
            }
            Record::AlarmFired { step, .. } => {
                self.running_step(step, "has its alarm fire")?;
                self.alarmed = true;
            }
            Record::UndoStarted { step } => self.undo_started(step)?,
            Record::UndoFinished { step, .. } => {
                let position = self.position(step)?;
                if self.undoing != Some(position) {
                    return Err(format!("`{step}` finishes an undo that did not start"));
                }
                self.undoing = None;
                self.undone.insert(position);
            }
            Record::RunStopped { .. } => {
                if let Some(position) = self.steps.iter().position(|step| step.running) {
                    return Err(format!("the run stops while `{}` runs", self.id(position)));
                }
                if self.undoing.is_some() {
                    return Err("the run stops in the middle of an undo".to_string());
                }
                self.stopped = true;
            }
        }
        Ok(())
    }

    fn id(&self, position: usize) -> &str {
        self.plan
            .steps
            .get(position)
            .map_or("", |step| step.id.as_ref())
    }

    fn position(&self, step: &str) -> Result<usize, String> {
        self.positions
            .get(step)
            .copied()
            .filter(|position| *position < self.steps.len())
            .ok_or_else(|| format!("`{step}` is not a step of the plan"))
    }

    fn story(&mut self, step: &str) -> Result<&mut StepStory, String> {
        let position = self.position(step)?;
        self.steps
            .get_mut(position)
            .ok_or_else(|| format!("`{step}` is not a step of the plan"))
    }

    fn succeeded(&self, step: &str) -> bool {
        self.positions
            .get(step)
            .and_then(|position| self.steps.get(*position))
            .is_some_and(|story| story.last == Some(StepOutcome::Succeeded))
    }

    fn running_step(&mut self, step: &str, does: &str) -> Result<&mut StepStory, String> {
        let story = self.story(step)?;
        if !story.running {
            return Err(format!("`{step}` {does}, but it is not running"));
        }
        Ok(story)
    }

    fn started(&mut self, step: &str, attempt: u32) -> Result<(), String> {
        let position = self.position(step)?;
        if self.alarmed {
            return Err(format!(
                "`{step}` starts after an alarm rolled the change back"
            ));
        }
        let needs = self
            .plan
            .steps
            .get(position)
            .map(|planned| planned.needs.as_slice())
            .unwrap_or_default();
        if let Some(need) = needs.iter().find(|need| !self.succeeded(need)) {
            return Err(format!(
                "`{step}` starts before `{need}`, which it needs, succeeded"
            ));
        }
        let story = self.story(step)?;
        if story.running {
            return Err(format!("`{step}` starts while it runs"));
        }
        if story.last == Some(StepOutcome::Succeeded) {
            return Err(format!("`{step}` starts again after it succeeded"));
        }
        let due = story.attempts.saturating_add(1);
        if attempt != due {
            return Err(format!(
                "`{step}` starts attempt {attempt} where attempt {due} was due"
            ));
        }
        story.attempts = attempt;
        story.running = true;
        story.began = true;
        Ok(())
    }

    fn undo_started(&mut self, step: &str) -> Result<(), String> {
        let position = self.position(step)?;
        if !self.alarmed {
            return Err(format!("`{step}` is undone, but no alarm fired"));
        }
        let deploy = self
            .plan
            .steps
            .get(position)
            .is_some_and(|planned| matches!(planned.params, Params::Deploy(_)));
        if !deploy {
            return Err(format!("`{step}` is undone, but it is not a deployment"));
        }
        if !self.story(step)?.began {
            return Err(format!("`{step}` is undone, but it never started"));
        }
        if self.undone.contains(&position) {
            return Err(format!("`{step}` is undone twice"));
        }
        if let Some(other) = self.undoing {
            return Err(format!(
                "`{step}` is undone while `{}` is being undone",
                self.id(other)
            ));
        }
        self.undoing = Some(position);
        Ok(())
    }
}
