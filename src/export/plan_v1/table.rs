//! The provenance table of format 1.2: each distinct provenance written
//! once, in the plan's `provenances`, and referred to by its index
//! wherever it applies (a step's `provenance`, each entry of its
//! `field_provenance`, a gate's, an alarm's, ...). One template line
//! usually sets a value of every production step, so a plan of 126 steps
//! holds a few dozen distinct provenances among several hundred uses.
//!
//! In memory a provenance is always whole ([`Provenance`]): the table
//! exists only in the JSON. Writing finds the table first (every
//! provenance in document order, each distinct one numbered at its first
//! use), then serializes the plan while a provenance known to the table
//! writes its number; reading puts each numbered provenance back whole.

use super::{PlanV1, Provenance};
use std::cell::RefCell;
use std::collections::HashMap;

/// The first format version that writes the table.
pub(super) const SINCE: &str = "1.2";

/// Whether a plan of `version` writes (and may read) provenances by
/// number. Versions are `1.MINOR`; anything this module reads from 1.2 on
/// has the table.
pub(super) fn has_table(version: &str) -> bool {
    !matches!(version, "1.0" | "1.1")
}

/// Every provenance of `plan`, in the order a reader meets them in its
/// JSON: artifacts, gates, alarms, the alarm command, steps (each its
/// `provenance`, then its `field_provenance` in key order), dropped
/// values.
pub(super) fn in_order(plan: &PlanV1) -> Vec<&Provenance> {
    let mut found = Vec::with_capacity(plan.steps.len() * 4);
    found.extend(plan.artifacts.iter().map(|artifact| &artifact.provenance));
    found.extend(plan.gates.iter().map(|entry| entry.gate.provenance()));
    found.extend(plan.alarms.iter().map(|alarm| &alarm.provenance));
    found.extend(plan.alarm_command.iter().map(|command| &command.provenance));
    for step in &plan.steps {
        found.push(&step.provenance);
        found.extend(step.field_provenance.values());
    }
    found.extend(plan.dropped.iter().map(|dropped| &dropped.provenance));
    found
}

/// [`in_order`], to change them.
pub(super) fn in_order_mut(plan: &mut PlanV1) -> Vec<&mut Provenance> {
    let mut found = Vec::with_capacity(plan.steps.len() * 4);
    found.extend(
        plan.artifacts
            .iter_mut()
            .map(|artifact| &mut artifact.provenance),
    );
    found.extend(
        plan.gates
            .iter_mut()
            .map(|entry| entry.gate.provenance_mut()),
    );
    found.extend(plan.alarms.iter_mut().map(|alarm| &mut alarm.provenance));
    found.extend(
        plan.alarm_command
            .iter_mut()
            .map(|command| &mut command.provenance),
    );
    for step in &mut plan.steps {
        found.push(&mut step.provenance);
        found.extend(step.field_provenance.values_mut());
    }
    found.extend(
        plan.dropped
            .iter_mut()
            .map(|dropped| &mut dropped.provenance),
    );
    found
}

thread_local! {
    /// While a plan is being written: the number of each of its
    /// provenances, by address. Addresses are stable while the plan is
    /// borrowed for writing, and a number is only looked up for a
    /// provenance of that plan.
    static NUMBERS: RefCell<Option<HashMap<usize, u32>>> = const { RefCell::new(None) };
}

fn address(provenance: &Provenance) -> usize {
    std::ptr::from_ref(provenance) as usize
}

/// The number [`Provenance`]'s serialization writes instead of the whole
/// provenance, while a plan with a table is being written.
pub(super) fn number_of(provenance: &Provenance) -> Option<u32> {
    NUMBERS.with(|numbers| {
        numbers
            .borrow()
            .as_ref()
            .and_then(|numbers| numbers.get(&address(provenance)).copied())
    })
}

/// Serializes `plan` with its provenances numbered: `write` gets the
/// table (each distinct provenance once, in order of first use), and
/// while it runs every provenance of the plan serializes as its number.
/// The table's own entries, written by `write`, are whole: they are not
/// the plan's provenances but the first of each kind, and serialize
/// through [`Whole`].
pub(super) fn numbered<R>(plan: &PlanV1, write: impl FnOnce(&[&Provenance]) -> R) -> R {
    let all = in_order(plan);
    let mut distinct: HashMap<&Provenance, u32> = HashMap::with_capacity(all.len() / 4);
    let mut table: Vec<&Provenance> = Vec::new();
    let mut numbers: HashMap<usize, u32> = HashMap::with_capacity(all.len());
    for provenance in all {
        let next = u32::try_from(table.len()).unwrap_or(u32::MAX);
        let number = *distinct.entry(provenance).or_insert_with(|| {
            table.push(provenance);
            next
        });
        numbers.insert(address(provenance), number);
    }
    /// Clears the numbers however `write` ends, a panic included.
    struct Reset(Option<HashMap<usize, u32>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let before = self.0.take();
            NUMBERS.with(|numbers| *numbers.borrow_mut() = before);
        }
    }
    let before = NUMBERS.with(|cell| cell.borrow_mut().replace(numbers));
    let _reset = Reset(before);
    write(&table)
}

/// A provenance written whole, even while its plan is being written with
/// numbers (the table's entries).
pub(super) struct Whole<'a>(pub &'a Provenance);

/// A reference found while reading, before the table is known: the
/// number, in a provenance no source can have (column 0).
pub(super) fn placeholder(number: u32) -> Provenance {
    Provenance {
        file: String::new(),
        line: number,
        column: 0,
        how: super::How::Set,
        overrides: Vec::new(),
        not_scaled: None,
    }
}

/// The number a placeholder holds, if `provenance` is one.
fn placeholder_number(provenance: &Provenance) -> Option<u32> {
    (provenance.column == 0).then_some(provenance.line)
}

/// Puts each numbered provenance of a plan just read back whole, from the
/// table read with it. A number outside the table, a number in a plan
/// without one, and a table entry that is itself a number are errors.
pub(super) fn resolve(
    plan: &mut PlanV1,
    table: Vec<Provenance>,
    version: &str,
) -> Result<(), String> {
    if let Some(entry) = table
        .iter()
        .position(|entry| placeholder_number(entry).is_some())
    {
        return Err(format!(
            "`provenances` entry {entry} is a number; the table holds whole provenances"
        ));
    }
    if !has_table(version) && !table.is_empty() {
        return Err(format!(
            "`provenances` is a field of format {SINCE} and later; the plan is {version}"
        ));
    }
    for provenance in in_order_mut(plan) {
        let Some(number) = placeholder_number(provenance) else {
            continue;
        };
        if !has_table(version) {
            return Err(format!(
                "a provenance is the number {number}; plans of format {version} write provenances whole"
            ));
        }
        let Some(entry) = usize::try_from(number)
            .ok()
            .and_then(|index| table.get(index))
        else {
            return Err(format!(
                "provenance {number} is not in the plan's `provenances`, which has {} entries",
                table.len()
            ));
        };
        provenance.clone_from(entry);
    }
    Ok(())
}
