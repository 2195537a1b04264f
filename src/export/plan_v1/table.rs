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
//! So this module holds how a [`Provenance`] and a [`PlanV1`] are
//! serialized, and how a provenance is read.

use super::step_tables::{self, StepTables, WrittenTables};
use super::{How, NotScaled, Override, PlanV1, Provenance, Region};
use crate::hashing::FastHashMap;
use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::cell::RefCell;

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

/// How many of [`in_order`]'s provenances come before the first step's:
/// those of the artifacts, the gates, the alarms and the alarm command.
pub(super) fn before_steps(plan: &PlanV1) -> usize {
    plan.artifacts.len()
        + plan.gates.len()
        + plan.alarms.len()
        + usize::from(plan.alarm_command.is_some())
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
    /// provenances, in the order [`in_order`] finds them.
    static NUMBERS: RefCell<Option<Numbers>> = const { RefCell::new(None) };
}

fn address(provenance: &Provenance) -> usize {
    std::ptr::from_ref(provenance) as usize
}

/// Each provenance of the plan being written, by address, with its
/// number, in document order. Serializing meets the provenances in that
/// order, so each is the one after the last found and is found without
/// hashing; one met out of order (nothing writes one so) is searched
/// for, and the order taken up again after it. Addresses are stable
/// while the plan is borrowed for writing.
struct Numbers {
    in_order: Vec<(usize, u32)>,
    next: usize,
}

impl Numbers {
    fn number(&mut self, provenance: &Provenance) -> Option<u32> {
        let address = address(provenance);
        if let Some(&(at, number)) = self.in_order.get(self.next)
            && at == address
        {
            self.next += 1;
            return Some(number);
        }
        let index = self.in_order.iter().position(|(at, _)| *at == address)?;
        self.next = index + 1;
        self.in_order.get(index).map(|&(_, number)| number)
    }
}

/// The number [`Provenance`]'s serialization writes instead of the whole
/// provenance, while a plan with a table is being written.
pub(super) fn number_of(provenance: &Provenance) -> Option<u32> {
    NUMBERS.with(|numbers| {
        numbers
            .borrow_mut()
            .as_mut()
            .and_then(|numbers| numbers.number(provenance))
    })
}

/// Serializes `plan` with its provenances numbered: `write` gets the
/// table (each distinct provenance once, in order of first use), and
/// while it runs every provenance of the plan serializes as its number.
/// The table's own entries, written by `write`, are whole: they are not
/// the plan's provenances but the first of each kind, and serialize
/// through [`Whole`].
pub(super) fn numbered<R>(plan: &PlanV1, write: impl FnOnce(&[&Provenance], &[u32]) -> R) -> R {
    let all = in_order(plan);
    let mut distinct: FastHashMap<Key<'_>, u32> =
        FastHashMap::with_capacity_and_hasher(all.len() / 4, Default::default());
    let mut table: Vec<&Provenance> = Vec::new();
    let mut in_order = Vec::with_capacity(all.len());
    let mut numbers = Vec::with_capacity(all.len());
    for provenance in all {
        let next = u32::try_from(table.len()).unwrap_or(u32::MAX);
        let number = *distinct.entry(Key(provenance)).or_insert_with(|| {
            table.push(provenance);
            next
        });
        in_order.push((address(provenance), number));
        numbers.push(number);
    }
    numbering(in_order, || write(&table, &numbers))
}

/// Runs `write` with the provenances of `plan` written as `numbers` says,
/// in the order [`in_order`] finds them: for a plan whose table was found
/// elsewhere (`step_tables::Tabled`).
pub(super) fn with_numbers<R>(plan: &PlanV1, numbers: &[u32], write: impl FnOnce() -> R) -> R {
    let in_order = in_order(plan)
        .into_iter()
        .map(address)
        .zip(numbers.iter().copied())
        .collect();
    numbering(in_order, write)
}

/// Runs `write` while each provenance at one of `in_order`'s addresses
/// writes its number.
fn numbering<R>(in_order: Vec<(usize, u32)>, write: impl FnOnce() -> R) -> R {
    let by_address = Numbers { in_order, next: 0 };
    /// Clears the numbers however `write` ends, a panic included.
    struct Reset(Option<Numbers>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let before = self.0.take();
            NUMBERS.with(|numbers| *numbers.borrow_mut() = before);
        }
    }
    let before = NUMBERS.with(|cell| cell.borrow_mut().replace(by_address));
    let _reset = Reset(before);
    write()
}

/// A provenance as a key of the table: equal as provenances are, but
/// hashed by its line and column only, and its file compared by address
/// before by name. A plan's provenances share one copy of each file's
/// name, so the address spares hashing the name (and comparing it byte by
/// byte) for each of the several hundred provenances of a plan; two
/// places at the same line and column of different files are rare, and
/// then told apart by the comparison.
struct Key<'a>(&'a Provenance);

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0.line) << 32 | u64::from(self.0.column));
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        // Every field, named, so that a new one is not forgotten here.
        let Provenance {
            file,
            line,
            column,
            how,
            overrides,
            not_scaled,
        } = self.0;
        *line == other.0.line
            && *column == other.0.column
            && *how == other.0.how
            && (std::sync::Arc::ptr_eq(file, &other.0.file) || *file == other.0.file)
            && *overrides == other.0.overrides
            && *not_scaled == other.0.not_scaled
    }
}

impl Eq for Key<'_> {}

/// A provenance written whole, even while its plan is being written with
/// numbers (the table's entries).
pub(super) struct Whole<'a>(pub &'a Provenance);

/// A reference found while reading, before the table is known: the
/// number, in a provenance no source can have (column 0).
pub(super) fn placeholder(number: u32) -> Provenance {
    Provenance {
        file: "".into(),
        line: number,
        column: 0,
        how: How::Set,
        overrides: Vec::new(),
        not_scaled: None,
    }
}

/// The number a placeholder holds, if `provenance` is one.
fn placeholder_number(provenance: &Provenance) -> Option<u32> {
    (provenance.column == 0).then_some(provenance.line)
}

/// Refuses a provenance number of `provenances` past the end of a table
/// of `entries`, or in a plan of `version` without a table: for the
/// provenances of table entries no step names, which [`resolve`] does not
/// meet.
pub(super) fn numbers_in_table<'a>(
    provenances: impl Iterator<Item = &'a Provenance>,
    entries: usize,
    version: &str,
    whose: &str,
) -> Result<(), String> {
    for number in provenances.filter_map(placeholder_number) {
        if !has_table(version) {
            return Err(format!(
                "{whose}: a provenance is the number {number}; plans of format {version} write provenances whole"
            ));
        }
        if usize::try_from(number).map_or(true, |index| index >= entries) {
            return Err(format!(
                "{whose}: provenance {number} is not in the plan's `provenances`, which has {entries} entries"
            ));
        }
    }
    Ok(())
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

/// A provenance's fields, as a whole provenance is written and read.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceFields<F, O, N> {
    file: F,
    line: u32,
    column: u32,
    how: How,
    overrides: O,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default = "Option::default",
        deserialize_with = "super::left_out_not_null",
        bound(deserialize = "N: Deserialize<'de>")
    )]
    not_scaled: Option<N>,
}

impl Serialize for Whole<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let provenance = self.0;
        ProvenanceFields {
            file: &*provenance.file,
            line: provenance.line,
            column: provenance.column,
            how: provenance.how,
            overrides: provenance.overrides.as_slice(),
            not_scaled: provenance.not_scaled.as_ref(),
        }
        .serialize(serializer)
    }
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match number_of(self) {
            Some(number) => serializer.serialize_u32(number),
            None => Whole(self).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Provenance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProvenanceVisitor)
    }
}

/// Reads a whole provenance, or (format 1.2) a number in the plan's table,
/// kept as a placeholder until the table is read.
struct ProvenanceVisitor;

impl<'de> de::Visitor<'de> for ProvenanceVisitor {
    type Value = Provenance;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a provenance, or its number in the plan's `provenances`")
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Provenance, E> {
        u32::try_from(number)
            .map(placeholder)
            .map_err(|_| E::custom(format!("provenance number {number} is out of range")))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Provenance, E> {
        match u64::try_from(number) {
            Ok(number) => self.visit_u64(number),
            Err(_) => Err(E::custom(format!("provenance number {number} is negative"))),
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Provenance, A::Error> {
        let fields: ProvenanceFields<String, Vec<Override>, NotScaled> =
            Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        // Column 0 would read as a number of the table; no source has it.
        if fields.line == 0 || fields.column == 0 {
            return Err(de::Error::custom(
                "a provenance's line and column are one-based",
            ));
        }
        let provenance = Provenance {
            file: fields.file.into(),
            line: fields.line,
            column: fields.column,
            how: fields.how,
            overrides: fields.overrides,
            not_scaled: fields.not_scaled,
        };
        super::valid::provenance(&provenance).map_err(de::Error::custom)?;
        Ok(provenance)
    }
}

impl Serialize for PlanV1 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !has_table(&self.format_version) {
            let body = (self.regions.as_slice(), &self.steps);
            return serialize_plan::<_, _, StepTables<'_>>(self, serializer, body, None, None);
        }
        // A plan without provenances (no steps, say) has no table.
        numbered(self, |table, numbers| {
            let step_tables = (step_tables::has_step_tables(&self.format_version)
                && !self.steps.is_empty())
            .then(|| step_tables::find(self, numbers));
            let whole: Vec<Whole<'_>> = table.iter().map(|entry| Whole(entry)).collect();
            let provenances = Some(whole.as_slice()).filter(|whole| !whole.is_empty());
            let regions = self.regions.as_slice();
            match &step_tables {
                Some(tables) => {
                    let steps = tables.steps(&self.steps);
                    serialize_plan(
                        self,
                        serializer,
                        (regions, &steps),
                        Some(tables),
                        provenances,
                    )
                }
                None => serialize_plan::<_, _, StepTables<'_>>(
                    self,
                    serializer,
                    (regions, &self.steps),
                    None,
                    provenances,
                ),
            }
        })
    }
}

/// A plan's fields in order: those of `head` but its regions and steps,
/// `regions` and `steps` in their place, then the step tables and the
/// provenance table if there are any. Every plan is written through here,
/// whether its tables were found in it or while it was converted.
pub(super) fn serialize_plan<S: Serializer, St: Serialize, T: WrittenTables>(
    head: &PlanV1,
    serializer: S,
    (regions, steps): (&[Region], &St),
    step_tables: Option<&T>,
    table: Option<&[Whole<'_>]>,
) -> Result<S::Ok, S::Error> {
    let field_provenances = step_tables.and_then(|tables| tables.field_provenances());
    let count = 10
        + usize::from(head.alarm_command.is_some())
        + usize::from(!head.dropped.is_empty())
        + step_tables.map_or(0, |_| 2 + usize::from(field_provenances.is_some()))
        + usize::from(table.is_some());
    let mut plan = serializer.serialize_struct("PlanV1", count)?;
    plan.serialize_field("format_version", &head.format_version)?;
    plan.serialize_field("pipeline", &head.pipeline)?;
    plan.serialize_field("compiler", &head.compiler)?;
    plan.serialize_field("profile", &head.profile)?;
    plan.serialize_field("artifacts", &head.artifacts)?;
    plan.serialize_field("regions", regions)?;
    plan.serialize_field("gates", &head.gates)?;
    plan.serialize_field("alarms", &head.alarms)?;
    if let Some(command) = &head.alarm_command {
        plan.serialize_field("alarm_command", command)?;
    }
    plan.serialize_field("steps", steps)?;
    if !head.dropped.is_empty() {
        plan.serialize_field("dropped", &head.dropped)?;
    }
    if let Some(tables) = step_tables {
        plan.serialize_field("parameters", &tables.parameters())?;
        plan.serialize_field("gate_lists", &tables.gate_lists())?;
        if let Some(field_provenances) = &field_provenances {
            plan.serialize_field("field_provenances", field_provenances)?;
        }
    }
    if let Some(table) = table {
        plan.serialize_field("provenances", table)?;
    }
    plan.end()
}

#[cfg(test)]
mod tests {
    use super::{Numbers, address, placeholder};

    #[test]
    fn numbers_are_found_in_order_skipped_or_out_of_order() {
        // Placeholders are whole provenances; only their addresses matter.
        let provenances: Vec<_> = (0..4).map(placeholder).collect();
        let at = |index: usize| provenances.get(index).map(address).unwrap_or_default();
        let mut numbers = Numbers {
            in_order: vec![(at(0), 0), (at(1), 1), (at(2), 0), (at(3), 2)],
            next: 0,
        };
        let number = |numbers: &mut Numbers, index: usize| {
            provenances
                .get(index)
                .and_then(|provenance| numbers.number(provenance))
        };
        assert_eq!(number(&mut numbers, 0), Some(0));
        // One skipped: found by searching, and the order taken up after it.
        assert_eq!(number(&mut numbers, 2), Some(0));
        assert_eq!(numbers.next, 3);
        assert_eq!(number(&mut numbers, 3), Some(2));
        // One met again, or late.
        assert_eq!(number(&mut numbers, 0), Some(0));
        assert_eq!(number(&mut numbers, 1), Some(1));
        // A provenance of another plan has none.
        assert_eq!(numbers.number(&placeholder(9)), None);
    }
}
