//! Writing the step tables: each distinct parameter object, gate list and
//! field provenance of a plan numbered at its first use, walking the
//! steps, and each step written with its numbers.

use super::super::{FieldProvenance, Name, Params, PlanV1, Step, StepKind, Target};
use crate::hashing::FastHashMap;
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// The kinds in the order `parameters` writes them, which is the order of
/// [`StepKind`].
const KINDS: [StepKind; 7] = [
    StepKind::Source,
    StepKind::Build,
    StepKind::Test,
    StepKind::Deploy,
    StepKind::Bake,
    StepKind::Approval,
    StepKind::Gate,
];

/// One value for each kind of step.
#[derive(Default)]
pub(super) struct ByKind<T> {
    source: T,
    build: T,
    test: T,
    deploy: T,
    bake: T,
    approval: T,
    gate: T,
}

impl<T> ByKind<T> {
    pub(super) fn get(&self, kind: StepKind) -> &T {
        match kind {
            StepKind::Source => &self.source,
            StepKind::Build => &self.build,
            StepKind::Test => &self.test,
            StepKind::Deploy => &self.deploy,
            StepKind::Bake => &self.bake,
            StepKind::Approval => &self.approval,
            StepKind::Gate => &self.gate,
        }
    }

    /// Each kind's value, made by `make` from this one's.
    pub(super) fn map<'a, U>(&'a self, make: impl Fn(&'a T) -> U) -> ByKind<U> {
        ByKind {
            source: make(&self.source),
            build: make(&self.build),
            test: make(&self.test),
            deploy: make(&self.deploy),
            bake: make(&self.bake),
            approval: make(&self.approval),
            gate: make(&self.gate),
        }
    }

    pub(super) fn get_mut(&mut self, kind: StepKind) -> &mut T {
        match kind {
            StepKind::Source => &mut self.source,
            StepKind::Build => &mut self.build,
            StepKind::Test => &mut self.test,
            StepKind::Deploy => &mut self.deploy,
            StepKind::Bake => &mut self.bake,
            StepKind::Approval => &mut self.approval,
            StepKind::Gate => &mut self.gate,
        }
    }
}

/// The numbers a step is written with: of its parameters in its kind's
/// table, of its gate list, of its provenance, and of its field
/// provenance (none when it has none).
pub(crate) struct StepNumbers {
    pub params: u32,
    pub gates: u32,
    pub provenance: u32,
    pub field_provenance: Option<u32>,
}

/// A step's field provenance as a key of its table: its pointers, and
/// the numbers its provenances are written as.
#[derive(Clone, Copy)]
struct FieldsKey<'a> {
    fields: &'a FieldProvenance,
    numbers: &'a [u32],
}

impl std::hash::Hash for FieldsKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for (pointer, _) in self.fields {
            state.write(pointer.as_bytes());
            state.write_u8(0xff);
        }
        self.numbers.hash(state);
    }
}

impl PartialEq for FieldsKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.numbers == other.numbers
            && self
                .fields
                .iter()
                .map(|(pointer, _)| pointer)
                .eq(other.fields.iter().map(|(pointer, _)| pointer))
    }
}

impl Eq for FieldsKey<'_> {}

/// The step tables of a plan being written, and each step's numbers.
pub(in super::super) struct StepTables<'a> {
    parameters: ByKind<Vec<&'a Params>>,
    gate_lists: Vec<&'a [Name]>,
    field_provenances: Vec<FieldsKey<'a>>,
    steps: Vec<StepNumbers>,
}

/// Numbers `value` in `table` at its first use: its number if it is
/// there, else the next one, with `value` added.
fn number<K: std::hash::Hash + Eq + Copy>(
    seen: &mut FastHashMap<K, u32>,
    table: &mut Vec<K>,
    value: K,
) -> u32 {
    let next = u32::try_from(table.len()).unwrap_or(u32::MAX);
    *seen.entry(value).or_insert_with(|| {
        table.push(value);
        next
    })
}

/// Finds the step tables of `plan`. `provenance_numbers` are the numbers
/// of its provenances in the provenance table's walk (`table::in_order`:
/// artifacts, gates, alarms, the alarm command, then each step's own and
/// its field provenance's), which a step's provenance and field
/// provenance are written with.
pub(in super::super) fn find<'a>(
    plan: &'a PlanV1,
    provenance_numbers: &'a [u32],
) -> StepTables<'a> {
    let mut tables = StepTables {
        parameters: Default::default(),
        gate_lists: Vec::new(),
        field_provenances: Vec::new(),
        steps: Vec::with_capacity(plan.steps.len()),
    };
    let mut params_seen: FastHashMap<&Params, u32> = FastHashMap::default();
    let mut gates_seen: FastHashMap<&[Name], u32> = FastHashMap::default();
    let mut fields_seen: FastHashMap<FieldsKey<'_>, u32> = FastHashMap::default();
    let mut at = super::super::table::before_steps(plan);
    for step in &plan.steps {
        let own = provenance_numbers.get(at).copied().unwrap_or_default();
        let count = step.field_provenance.values().count();
        let numbers = provenance_numbers
            .get(at + 1..at + 1 + count)
            .unwrap_or_default();
        // The walk of `table::in_order` numbers a step's own provenance,
        // then its field provenance's: the two walks must agree.
        debug_assert_eq!(numbers.len(), count, "step {}", step.id);
        debug_assert!(at < provenance_numbers.len(), "step {}", step.id);
        at += 1 + count;
        let kind_table = tables.parameters.get_mut(step.kind());
        // Parameters of different kinds never compare equal, so one map
        // serves every kind's table.
        let params = match params_seen.get(&step.params) {
            Some(&number) => number,
            None => {
                let next = u32::try_from(kind_table.len()).unwrap_or(u32::MAX);
                kind_table.push(&step.params);
                params_seen.insert(&step.params, next);
                next
            }
        };
        let gates = number(&mut gates_seen, &mut tables.gate_lists, &step.gates);
        let field_provenance = (!step.field_provenance.is_empty()).then(|| {
            let key = FieldsKey {
                fields: &step.field_provenance,
                numbers,
            };
            number(&mut fields_seen, &mut tables.field_provenances, key)
        });
        tables.steps.push(StepNumbers {
            params,
            gates,
            provenance: own,
            field_provenance,
        });
    }
    tables
}

impl<'a> StepTables<'a> {
    /// The plan's steps, each with its numbers.
    pub(in super::super) fn steps(&'a self, steps: &'a [Step]) -> NumberedSteps<'a> {
        NumberedSteps {
            steps,
            numbers: &self.steps,
        }
    }
}

/// The step tables of a plan being written, whichever way they were
/// found: each writes as the other would.
pub(in super::super) trait WrittenTables {
    /// The `parameters` table.
    fn parameters(&self) -> impl Serialize + '_;
    /// The `gate_lists` table.
    fn gate_lists(&self) -> impl Serialize + '_;
    /// The `field_provenances` table, if the plan writes one.
    fn field_provenances(&self) -> Option<impl Serialize + '_>;
}

impl WrittenTables for StepTables<'_> {
    fn parameters(&self) -> impl Serialize + '_ {
        ParametersTable(self.parameters.map(Vec::as_slice))
    }

    fn gate_lists(&self) -> impl Serialize + '_ {
        &self.gate_lists
    }

    fn field_provenances(&self) -> Option<impl Serialize + '_> {
        (!self.field_provenances.is_empty()).then_some(FieldsTable(&self.field_provenances))
    }
}

/// Steps written with their numbers.
pub(in super::super) struct NumberedSteps<'a> {
    steps: &'a [Step],
    numbers: &'a [StepNumbers],
}

impl Serialize for NumberedSteps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.steps
                .iter()
                .zip(self.numbers)
                .map(|(step, numbers)| NumberedStep { step, numbers }),
        )
    }
}

struct NumberedStep<'a> {
    step: &'a Step,
    numbers: &'a StepNumbers,
}

impl Serialize for NumberedStep<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self { step, numbers } = self;
        let head = StepHead {
            id: &step.id,
            kind: step.kind(),
            needs: &step.needs,
            target: &step.target,
            rollback_alarm: step.rollback_alarm.as_ref(),
        };
        head.serialize_with(numbers, serializer)
    }
}

/// What a step writes besides its numbers.
pub(in super::super) struct StepHead<'a> {
    pub id: &'a Name,
    pub kind: StepKind,
    pub needs: &'a [Name],
    pub target: &'a Target,
    pub rollback_alarm: Option<&'a Name>,
}

impl StepHead<'_> {
    /// The step, written with `numbers`.
    pub(in super::super) fn serialize_with<S: Serializer>(
        &self,
        numbers: &StepNumbers,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let field_count = 7
            + usize::from(self.rollback_alarm.is_some())
            + usize::from(numbers.field_provenance.is_some());
        let kind = self.kind;
        let mut out = serializer.serialize_struct("Step", field_count)?;
        out.serialize_field("id", self.id)?;
        out.serialize_field("kind", &kind)?;
        out.serialize_field("needs", self.needs)?;
        out.serialize_field("target", self.target)?;
        out.serialize_field(kind.name(), &numbers.params)?;
        if let Some(alarm) = self.rollback_alarm {
            out.serialize_field("rollback_alarm", alarm)?;
        }
        out.serialize_field("gates", &numbers.gates)?;
        out.serialize_field("provenance", &numbers.provenance)?;
        if let Some(fields) = numbers.field_provenance {
            out.serialize_field("field_provenance", &fields)?;
        }
        out.end()
    }
}

/// A step's parameters object, without its kind.
struct ParamsObject<'a>(&'a Params);

impl Serialize for ParamsObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Params::Source(params) => params.serialize(serializer),
            Params::Build(params) => params.serialize(serializer),
            Params::Test(params) => params.serialize(serializer),
            Params::Deploy(params) => params.serialize(serializer),
            Params::Bake(params) => params.serialize(serializer),
            Params::Approval(params) => params.serialize(serializer),
            Params::Gate(params) => params.serialize(serializer),
        }
    }
}

/// The `parameters` table, of entries borrowed or owned.
pub(super) struct ParametersTable<'b, P>(pub ByKind<&'b [P]>);

impl<P: std::borrow::Borrow<Params>> Serialize for ParametersTable<'_, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let written = KINDS
            .iter()
            .filter(|kind| !self.0.get(**kind).is_empty())
            .count();
        let mut out = serializer.serialize_struct("Parameters", written)?;
        for kind in KINDS {
            let table = self.0.get(kind);
            if !table.is_empty() {
                let objects: Vec<ParamsObject<'_>> = table
                    .iter()
                    .map(|params| ParamsObject(params.borrow()))
                    .collect();
                out.serialize_field(kind.name(), &objects)?;
            }
        }
        out.end()
    }
}

struct FieldsTable<'a, 'b>(&'b [FieldsKey<'a>]);

impl Serialize for FieldsTable<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|key| NumberedFields(*key)))
    }
}

/// A field provenance whose provenances are written as their numbers.
struct NumberedFields<'a>(FieldsKey<'a>);

impl Serialize for NumberedFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let FieldsKey { fields, numbers } = self.0;
        let pointers = fields.iter().map(|(pointer, _)| pointer);
        serialize_numbered_fields(pointers, numbers, serializer)
    }
}

/// A field provenance written with its provenances' numbers: an object
/// from each pointer to its number.
pub(super) fn serialize_numbered_fields<'p, S: Serializer>(
    pointers: impl Iterator<Item = &'p str>,
    numbers: &[u32],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(numbers.len()))?;
    for (pointer, number) in pointers.zip(numbers) {
        map.serialize_entry(pointer, number)?;
    }
    map.end()
}
