//! A plan in the form format 1.3 writes it, its tables found while it is
//! converted rather than in a converted plan: `compile` converts each
//! distinct parameters object, gate list and provenance of a plan once
//! (a service's 126 steps hold a dozen parameters objects and a few dozen
//! provenances among several hundred uses), where converting every step
//! whole and then finding the tables made and dropped each use.
//!
//! A [`Tabled`] writes the bytes its plan converted whole would: its
//! tables are numbered by the same rule (each distinct entry, as the
//! format compares them, numbered at its first use in document order),
//! and it is written by the same code (`table::serialize_plan`).

use super::super::table::{self, Whole};
use super::super::{Name, Params, PlanV1, Provenance, Region, StepKind, Target};
use super::write::{
    ByKind, ParametersTable, StepHead, StepNumbers, WrittenTables, serialize_numbered_fields,
};
use serde::ser::{Serialize, Serializer};
use std::borrow::Cow;
use std::hash::BuildHasher;
use std::sync::Arc;

/// A plan as format 1.3 writes it: every part but the steps whole
/// (`head`), each step with its numbers, and the tables.
pub struct Tabled {
    head: PlanV1,
    regions: Arc<[Region]>,
    head_numbers: Vec<u32>,
    steps: Vec<TabledStep>,
    tables: OwnedTables,
    provenances: Vec<Provenance>,
}

/// A step of a [`Tabled`] plan: its names, and the numbers of the rest.
pub struct TabledStep {
    /// As [`super::super::Step::id`].
    pub id: Name,
    /// As [`super::super::Step::needs`]; most steps need one or two.
    pub needs: smallvec::SmallVec<[Name; 2]>,
    /// As [`super::super::Step::target`].
    pub target: Target,
    /// The kind of its parameters.
    pub kind: StepKind,
    /// As [`super::super::Step::rollback_alarm`].
    pub rollback_alarm: Option<Name>,
    /// Its numbers in the tables, from [`TableBuilder`].
    pub numbers: StepNumbers,
}

/// A step's field provenance's pointers, in order, with their hash: the
/// steps of one shape (most of a plan's) share one list, hashed once
/// rather than at each step.
pub struct FieldPointers {
    pointers: Vec<Cow<'static, str>>,
    hash: u64,
}

impl FieldPointers {
    pub fn new(pointers: Vec<Cow<'static, str>>) -> FieldPointers {
        let hash = foldhash::fast::FixedState::default().hash_one(&pointers);
        FieldPointers { pointers, hash }
    }
}

/// The step tables of a [`Tabled`] plan.
#[derive(Default)]
struct OwnedTables {
    parameters: ByKind<Interned<Params>>,
    gate_lists: Interned<Vec<Name>>,
    field_provenances: Interned<NumberedFields>,
}

/// A field provenance as its table holds it: each pointer, with the
/// number of its provenance.
struct NumberedFields {
    pointers: Vec<Cow<'static, str>>,
    numbers: Vec<u32>,
}

/// Entries numbered at their first use, and found again by a hash the
/// caller gives (so that a key need not be built to look one up).
struct Interned<T> {
    entries: Vec<T>,
    /// The entries with each hash. A plan's tables have a few dozen
    /// entries each, so the buckets are short.
    by_hash: crate::hashing::FastHashMap<u64, smallvec::SmallVec<[u32; 1]>>,
}

impl<T> Default for Interned<T> {
    fn default() -> Self {
        Interned {
            entries: Vec::new(),
            by_hash: Default::default(),
        }
    }
}

impl<T> Interned<T> {
    /// The number of the entry with `hash` that `is` holds of, if there
    /// is one.
    fn find(&self, hash: u64, is: impl Fn(&T) -> bool) -> Option<u32> {
        self.by_hash
            .get(&hash)?
            .iter()
            .copied()
            .find(|&number| self.entries.get(number as usize).is_some_and(&is))
    }

    /// Adds `entry`, whose hash is `hash`, and gives its number.
    fn add(&mut self, hash: u64, entry: T) -> u32 {
        let next = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push(entry);
        self.by_hash.entry(hash).or_default().push(next);
        next
    }

    /// The number of `entry`, added if it is not there yet.
    fn number(&mut self, hash: u64, entry: T) -> u32
    where
        T: PartialEq,
    {
        match self.find(hash, |known| *known == entry) {
            Some(number) => number,
            None => self.add(hash, entry),
        }
    }
}

/// Numbers a plan's tables as it is converted. Its calls follow the
/// order in which a reader meets each value in the plan's JSON (the
/// order of `table::in_order`): [`TableBuilder::new`] numbers the
/// provenances before the steps, then each step's provenance and then its
/// field provenance's (in pointer order) are numbered, then
/// [`TableBuilder::finish`] numbers those after the steps.
pub struct TableBuilder {
    hasher: foldhash::fast::FixedState,
    provenances: Interned<Provenance>,
    head_numbers: Vec<u32>,
    tables: OwnedTables,
}

impl TableBuilder {
    /// A builder for the plan whose parts but its steps are `head`,
    /// which has no steps: its provenances before the steps are numbered.
    pub fn new(head: &PlanV1) -> TableBuilder {
        let mut builder = TableBuilder {
            hasher: foldhash::fast::FixedState::default(),
            provenances: Interned::default(),
            head_numbers: Vec::new(),
            tables: OwnedTables::default(),
        };
        let before = table::in_order(head);
        let count = table::before_steps(head);
        for provenance in before.into_iter().take(count) {
            let number = builder.provenance(provenance.clone());
            builder.head_numbers.push(number);
        }
        builder
    }

    /// The number of a provenance in the plan's `provenances`.
    pub fn provenance(&mut self, provenance: Provenance) -> u32 {
        // Hashed by line and column, as `table::Key` is.
        let hash = self.hasher.hash_one((provenance.line, provenance.column));
        self.provenances.number(hash, provenance)
    }

    /// The number of a parameters object in its kind's table.
    pub fn params(&mut self, params: Params) -> u32 {
        let hash = self.hasher.hash_one(&params);
        self.tables
            .parameters
            .get_mut(params.kind())
            .number(hash, params)
    }

    /// The number of a list of gate ids in `gate_lists`.
    pub fn gate_list(&mut self, gates: Vec<Name>) -> u32 {
        let hash = self.hasher.hash_one(&gates);
        self.tables.gate_lists.number(hash, gates)
    }

    /// The number in `field_provenances` of a field provenance: its
    /// pointers, in order, each with the number of its provenance.
    pub fn field_provenance(&mut self, pointers: &FieldPointers, numbers: &[u32]) -> u32 {
        let hash = self.hasher.hash_one((pointers.hash, numbers));
        let pointers = pointers.pointers.as_slice();
        let table = &mut self.tables.field_provenances;
        // Looked up by the slices, so that a key is built only when added.
        let found = table.find(hash, |entry| {
            entry.pointers == pointers && entry.numbers == numbers
        });
        found.unwrap_or_else(|| {
            let entry = NumberedFields {
                pointers: pointers.to_vec(),
                numbers: numbers.to_vec(),
            };
            table.add(hash, entry)
        })
    }

    /// The plan: `head`, which [`TableBuilder::new`] was given, with
    /// `regions` (`head`'s own are left empty: a plan's regions are
    /// usually the last plan's) and `steps`. The provenances after the
    /// steps are numbered here.
    pub fn finish(
        mut self,
        head: PlanV1,
        regions: Arc<[Region]>,
        steps: Vec<TabledStep>,
    ) -> Tabled {
        let all = table::in_order(&head);
        let count = table::before_steps(&head);
        for provenance in all.into_iter().skip(count) {
            let number = self.provenance(provenance.clone());
            self.head_numbers.push(number);
        }
        Tabled {
            head,
            regions,
            head_numbers: self.head_numbers,
            steps,
            tables: self.tables,
            provenances: self.provenances.entries,
        }
    }
}

impl WrittenTables for OwnedTables {
    fn parameters(&self) -> impl Serialize + '_ {
        ParametersTable(self.parameters.map(|table| table.entries.as_slice()))
    }

    fn gate_lists(&self) -> impl Serialize + '_ {
        &self.gate_lists.entries
    }

    fn field_provenances(&self) -> Option<impl Serialize + '_> {
        let entries = &self.field_provenances.entries;
        (!entries.is_empty()).then_some(entries.as_slice())
    }
}

impl Serialize for NumberedFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pointers = self.pointers.iter().map(|pointer| &**pointer);
        serialize_numbered_fields(pointers, &self.numbers, serializer)
    }
}

impl Serialize for Tabled {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // As a converted plan is written: no step tables without steps,
        // and no provenance table without provenances.
        let step_tables = (!self.steps.is_empty()).then_some(&self.tables);
        let whole: Vec<Whole<'_>> = self.provenances.iter().map(Whole).collect();
        let table = Some(whole.as_slice()).filter(|whole| !whole.is_empty());
        table::with_numbers(&self.head, &self.head_numbers, || {
            let body = (&*self.regions, &self.steps);
            table::serialize_plan(&self.head, serializer, body, step_tables, table)
        })
    }
}

impl Serialize for TabledStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let head = StepHead {
            id: &self.id,
            kind: self.kind,
            needs: &self.needs,
            target: &self.target,
            rollback_alarm: self.rollback_alarm.as_ref(),
        };
        head.serialize_with(&self.numbers, serializer)
    }
}
