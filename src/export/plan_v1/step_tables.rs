//! The step tables of format 1.3: a step's parameters, its list of gate
//! ids and its field provenance written once each, in the plan's
//! `parameters`, `gate_lists` and `field_provenances`, and named by their
//! index. The 80 deploy steps of a service over the 34 commercial regions
//! hold two distinct deploy objects among them, its 126 steps two gate
//! lists and a score of field provenances: written where they apply, they
//! were a third of the plan's bytes.
//!
//! In memory every step holds its own values ([`Step`]): the tables exist
//! only in the JSON, as the provenance table does. Writing finds them
//! (each distinct entry numbered at its first use, walking the steps)
//! and writes each step with its numbers; reading reads each step's
//! fields in either form ([`Written`]) and puts the numbered ones back
//! whole once the tables are read.

use super::{
    ApprovalParams, BakeParams, BuildParams, DeployParams, FieldProvenance, GateParams, Name,
    Params, PlanV1, Provenance, SourceParams, Step, StepKind, Target, TestParams,
};
use crate::hashing::FastHashMap;
use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// The first format version that writes the step tables.
pub(super) const SINCE: &str = "1.3";

/// Whether a plan of `version` writes (and may read) steps' parameters,
/// gates and field provenance by number. Versions are `1.MINOR`.
pub(super) fn has_step_tables(version: &str) -> bool {
    !matches!(version, "1.0" | "1.1" | "1.2")
}

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
struct ByKind<T> {
    source: T,
    build: T,
    test: T,
    deploy: T,
    bake: T,
    approval: T,
    gate: T,
}

impl<T> ByKind<T> {
    fn get(&self, kind: StepKind) -> &T {
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

    fn get_mut(&mut self, kind: StepKind) -> &mut T {
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

/// The numbers a step is written with.
struct StepNumbers {
    params: u32,
    gates: u32,
    provenance: u32,
    field_provenance: Option<u32>,
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
pub(super) struct StepTables<'a> {
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
pub(super) fn find<'a>(plan: &'a PlanV1, provenance_numbers: &'a [u32]) -> StepTables<'a> {
    let mut tables = StepTables {
        parameters: Default::default(),
        gate_lists: Vec::new(),
        field_provenances: Vec::new(),
        steps: Vec::with_capacity(plan.steps.len()),
    };
    let mut params_seen: FastHashMap<&Params, u32> = FastHashMap::default();
    let mut gates_seen: FastHashMap<&[Name], u32> = FastHashMap::default();
    let mut fields_seen: FastHashMap<FieldsKey<'_>, u32> = FastHashMap::default();
    let mut at = super::table::before_steps(plan);
    for step in &plan.steps {
        let own = provenance_numbers.get(at).copied().unwrap_or_default();
        let count = step.field_provenance.values().count();
        let numbers = provenance_numbers
            .get(at + 1..at + 1 + count)
            .unwrap_or_default();
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
    pub(super) fn steps(&'a self, steps: &'a [Step]) -> NumberedSteps<'a> {
        NumberedSteps {
            steps,
            numbers: &self.steps,
        }
    }

    /// Whether the plan writes `field_provenances`.
    pub(super) fn has_field_provenances(&self) -> bool {
        !self.field_provenances.is_empty()
    }

    /// The `parameters` table.
    pub(super) fn parameters(&self) -> impl Serialize + '_ {
        ParametersTable(&self.parameters)
    }

    /// The `gate_lists` table.
    pub(super) fn gate_lists(&self) -> &[&'a [Name]] {
        &self.gate_lists
    }

    /// The `field_provenances` table.
    pub(super) fn field_provenances(&self) -> impl Serialize + '_ {
        FieldsTable(&self.field_provenances)
    }
}

/// Steps written with their numbers.
pub(super) struct NumberedSteps<'a> {
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
        let field_count = 7
            + usize::from(step.rollback_alarm.is_some())
            + usize::from(numbers.field_provenance.is_some());
        let kind = step.kind();
        let mut out = serializer.serialize_struct("Step", field_count)?;
        out.serialize_field("id", &step.id)?;
        out.serialize_field("kind", &kind)?;
        out.serialize_field("needs", &step.needs)?;
        out.serialize_field("target", &step.target)?;
        out.serialize_field(kind.name(), &numbers.params)?;
        if let Some(alarm) = &step.rollback_alarm {
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
pub(super) struct ParamsObject<'a>(pub &'a Params);

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

struct ParametersTable<'a, 'b>(&'b ByKind<Vec<&'a Params>>);

impl Serialize for ParametersTable<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let written = KINDS
            .iter()
            .filter(|kind| !self.0.get(**kind).is_empty())
            .count();
        let mut out = serializer.serialize_struct("Parameters", written)?;
        for kind in KINDS {
            let table = self.0.get(kind);
            if !table.is_empty() {
                let objects: Vec<ParamsObject<'_>> =
                    table.iter().map(|params| ParamsObject(params)).collect();
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
        let mut map = serializer.serialize_map(Some(numbers.len()))?;
        for ((pointer, _), number) in fields.iter().zip(numbers) {
            map.serialize_entry(pointer, number)?;
        }
        map.end()
    }
}

/// A value a 1.3 step may write whole or as its number in a table.
pub(super) enum Written<T> {
    /// The value itself, as every version writes it.
    Whole(T),
    /// Its index in the plan's table (1.3).
    Number(u32),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Written<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WrittenVisitor(std::marker::PhantomData))
    }
}

struct WrittenVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for WrittenVisitor<T> {
    type Value = Written<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the value, or its number in the plan's table")
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Written<T>, E> {
        u32::try_from(number)
            .map(Written::Number)
            .map_err(|_| E::custom(format!("table number {number} is out of range")))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Written<T>, E> {
        match u64::try_from(number) {
            Ok(number) => self.visit_u64(number),
            Err(_) => Err(E::custom(format!("table number {number} is negative"))),
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Written<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Written::Whole)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Written<T>, A::Error> {
        T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Written::Whole)
    }
}

/// The `parameters` table as read.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct ReadParameters {
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    source: Option<Vec<SourceParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    build: Option<Vec<BuildParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    test: Option<Vec<TestParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    deploy: Option<Vec<DeployParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    bake: Option<Vec<BakeParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    approval: Option<Vec<ApprovalParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    gate: Option<Vec<GateParams>>,
}

/// The step tables as read, each possibly absent.
pub(super) struct ReadTables {
    pub parameters: Option<ReadParameters>,
    pub gate_lists: Option<Vec<Vec<Name>>>,
    pub field_provenances: Option<Vec<FieldProvenance>>,
}

impl ReadTables {
    /// Refuses tables a plan of `version` cannot have, and tables written
    /// empty.
    pub(super) fn check(&self, version: &str) -> Result<(), String> {
        let present = [
            ("parameters", self.parameters.is_some()),
            ("gate_lists", self.gate_lists.is_some()),
            ("field_provenances", self.field_provenances.is_some()),
        ];
        if !has_step_tables(version)
            && let Some((table, _)) = present.iter().find(|(_, present)| *present)
        {
            return Err(format!(
                "`{table}` is a field of format {SINCE} and later; the plan is {version}"
            ));
        }
        let empty = |table: &str| {
            format!("`{table}` is empty; an optional list is left out rather than written empty")
        };
        if let Some(parameters) = &self.parameters {
            let lists = [
                (
                    "parameters.source",
                    parameters.source.as_ref().map(Vec::len),
                ),
                ("parameters.build", parameters.build.as_ref().map(Vec::len)),
                ("parameters.test", parameters.test.as_ref().map(Vec::len)),
                (
                    "parameters.deploy",
                    parameters.deploy.as_ref().map(Vec::len),
                ),
                ("parameters.bake", parameters.bake.as_ref().map(Vec::len)),
                (
                    "parameters.approval",
                    parameters.approval.as_ref().map(Vec::len),
                ),
                ("parameters.gate", parameters.gate.as_ref().map(Vec::len)),
            ];
            if lists.iter().all(|(_, len)| len.is_none()) {
                return Err(
                    "`parameters` is empty; an optional table is left out rather than written empty"
                        .to_string(),
                );
            }
            if let Some((table, _)) = lists.iter().find(|(_, len)| *len == Some(0)) {
                return Err(empty(table));
            }
        }
        if self.gate_lists.as_ref().is_some_and(Vec::is_empty) {
            return Err(empty("gate_lists"));
        }
        if self.field_provenances.as_ref().is_some_and(Vec::is_empty) {
            return Err(empty("field_provenances"));
        }
        if let Some(entry) = self
            .field_provenances
            .iter()
            .flatten()
            .position(FieldProvenance::is_empty)
        {
            return Err(format!(
                "`field_provenances` entry {entry} is empty; a step with no field provenance names none"
            ));
        }
        Ok(())
    }
}

/// The entry `number` of `table`, for a step's `field`.
fn entry<'t, T>(
    table: Option<&'t Vec<T>>,
    table_name: &str,
    number: u32,
    id: &str,
    field: &str,
) -> Result<&'t T, String> {
    let entries = table.map_or(0, Vec::len);
    usize::try_from(number)
        .ok()
        .and_then(|index| table.and_then(|table| table.get(index)))
        .ok_or_else(|| {
            format!(
                "step `{id}`'s `{field}` is {number}, which is not in the plan's `{table_name}` ({entries} entries)"
            )
        })
}

/// A step as written: its kind's parameters, its gates and its field
/// provenance each whole or a number.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReadStep {
    id: Name,
    kind: StepKind,
    needs: Vec<Name>,
    target: Target,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    source: Option<Written<SourceParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    build: Option<Written<BuildParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    test: Option<Written<TestParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    deploy: Option<Written<DeployParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    bake: Option<Written<BakeParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    approval: Option<Written<ApprovalParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    gate: Option<Written<GateParams>>,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    rollback_alarm: Option<Name>,
    gates: Written<Vec<Name>>,
    provenance: Provenance,
    #[serde(default, deserialize_with = "super::left_out_not_null")]
    field_provenance: Option<Written<FieldProvenance>>,
}

impl ReadStep {
    /// The step, each number put back whole from `tables`: a number in a
    /// plan of a version before 1.3, or one outside its table, is an
    /// error, as is a parameters object of another kind than the step's.
    pub(super) fn resolve(self, tables: &ReadTables, version: &str) -> Result<Step, String> {
        let id = self.id;
        let numbered = |field: &str| {
            if has_step_tables(version) {
                Ok(())
            } else {
                Err(format!(
                    "step `{id}`'s `{field}` is a number, which is a form of format {SINCE} and later; the plan is {version}"
                ))
            }
        };
        let kind_name = self.kind.name();
        let present = [
            ("source", self.source.is_some()),
            ("build", self.build.is_some()),
            ("test", self.test.is_some()),
            ("deploy", self.deploy.is_some()),
            ("bake", self.bake.is_some()),
            ("approval", self.approval.is_some()),
            ("gate", self.gate.is_some()),
        ];
        if let Some((other, _)) = present
            .iter()
            .find(|(name, present)| *present && *name != kind_name)
        {
            return Err(format!(
                "step `{id}` is a {kind_name} step but holds `{other}` parameters"
            ));
        }
        let parameters = tables.parameters.as_ref();
        macro_rules! params {
            ($written:expr, $variant:ident, $table:ident) => {
                match $written {
                    None => None,
                    Some(Written::Whole(params)) => Some(Params::$variant(params)),
                    Some(Written::Number(number)) => {
                        numbered(kind_name)?;
                        let table = parameters.and_then(|parameters| parameters.$table.as_ref());
                        let name = concat!("parameters.", stringify!($table));
                        Some(Params::$variant(
                            entry(table, name, number, &id, kind_name)?.clone(),
                        ))
                    }
                }
            };
        }
        let params = match self.kind {
            StepKind::Source => params!(self.source, Source, source),
            StepKind::Build => params!(self.build, Build, build),
            StepKind::Test => params!(self.test, Test, test),
            StepKind::Deploy => params!(self.deploy, Deploy, deploy),
            StepKind::Bake => params!(self.bake, Bake, bake),
            StepKind::Approval => params!(self.approval, Approval, approval),
            StepKind::Gate => params!(self.gate, Gate, gate),
        };
        let Some(params) = params else {
            return Err(format!(
                "step `{id}` is a {kind_name} step without its `{kind_name}` object"
            ));
        };
        let gates = match self.gates {
            Written::Whole(gates) => gates,
            Written::Number(number) => {
                numbered("gates")?;
                entry(
                    tables.gate_lists.as_ref(),
                    "gate_lists",
                    number,
                    &id,
                    "gates",
                )?
                .clone()
            }
        };
        let field_provenance = match self.field_provenance {
            None => FieldProvenance::default(),
            Some(Written::Whole(fields)) if fields.is_empty() => {
                return Err(format!(
                    "step `{id}` has an empty `field_provenance`, which is left out rather than written empty"
                ));
            }
            Some(Written::Whole(fields)) => fields,
            Some(Written::Number(number)) => {
                numbered("field_provenance")?;
                entry(
                    tables.field_provenances.as_ref(),
                    "field_provenances",
                    number,
                    &id,
                    "field_provenance",
                )?
                .clone()
            }
        };
        Ok(Step {
            id,
            needs: self.needs,
            target: self.target,
            params,
            rollback_alarm: self.rollback_alarm,
            gates,
            provenance: self.provenance,
            field_provenance,
        })
    }
}
