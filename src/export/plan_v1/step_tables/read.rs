//! Reading the step tables: a step's parameters, gates and field
//! provenance each whole or a number ([`Written`]), checked against the
//! step's kind where the step is read, and put back whole from the tables
//! once the whole plan is read.

use super::super::table::numbers_in_table;
use super::super::valid;
use super::super::{
    ApprovalParams, BakeParams, BuildParams, DeployParams, FieldProvenance, GateParams, Name,
    Params, Provenance, SourceParams, Step, StepKind, Target, TestParams, left_out_not_null,
};
use super::{SINCE, has_step_tables};
use serde::de::{self, Deserialize, Deserializer};

/// A value a 1.3 step may write whole or as its number in a table.
pub(in super::super) enum Written<T> {
    /// The value itself, as every version writes it.
    Whole(T),
    /// Its index in the plan's table (1.3).
    Number(u32),
}

impl<T> Written<T> {
    fn map<U>(self, whole: impl FnOnce(T) -> U) -> Written<U> {
        match self {
            Written::Whole(value) => Written::Whole(whole(value)),
            Written::Number(number) => Written::Number(number),
        }
    }
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
        f.write_str("the value, or (since format 1.3) its number in the plan's table")
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
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(in super::super) struct ReadParameters {
    #[serde(default, deserialize_with = "left_out_not_null")]
    source: Option<Vec<SourceParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    build: Option<Vec<BuildParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    test: Option<Vec<TestParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    deploy: Option<Vec<DeployParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    bake: Option<Vec<BakeParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    approval: Option<Vec<ApprovalParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    gate: Option<Vec<GateParams>>,
}

impl ReadParameters {
    /// Each kind's list that was written, in kind order, its entries as
    /// steps' parameters: what the rest of reading looks entries up in.
    pub(in super::super) fn by_kind(self) -> ParameterLists {
        fn list<T>(
            kind: StepKind,
            list: Option<Vec<T>>,
            wrap: fn(T) -> Params,
        ) -> Option<(StepKind, Vec<Params>)> {
            list.map(|list| (kind, list.into_iter().map(wrap).collect()))
        }
        [
            list(StepKind::Source, self.source, Params::Source),
            list(StepKind::Build, self.build, Params::Build),
            list(StepKind::Test, self.test, Params::Test),
            list(StepKind::Deploy, self.deploy, Params::Deploy),
            list(StepKind::Bake, self.bake, Params::Bake),
            list(StepKind::Approval, self.approval, Params::Approval),
            list(StepKind::Gate, self.gate, Params::Gate),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The lists of `parameters` that were written, by kind, in kind order.
pub(in super::super) type ParameterLists = Vec<(StepKind, Vec<Params>)>;

/// The list of `kind` in `parameters`, if the plan wrote one.
fn list_of(parameters: Option<&ParameterLists>, kind: StepKind) -> Option<&Vec<Params>> {
    parameters?
        .iter()
        .find(|(listed, _)| *listed == kind)
        .map(|(_, list)| list)
}

/// The step tables as read, each possibly absent.
pub(in super::super) struct ReadTables {
    pub parameters: Option<ParameterLists>,
    pub gate_lists: Option<Vec<Vec<Name>>>,
    pub field_provenances: Option<Vec<FieldProvenance>>,
}

impl ReadTables {
    /// Refuses tables a plan of `version` cannot have, and tables written
    /// empty.
    pub(in super::super) fn check(&self, version: &str) -> Result<(), String> {
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
        if let Some(lists) = &self.parameters {
            if lists.is_empty() {
                return Err(
                    "`parameters` is empty; an optional table is left out rather than written empty"
                        .to_string(),
                );
            }
            if let Some((kind, _)) = lists.iter().find(|(_, list)| list.is_empty()) {
                return Err(empty(&format!("parameters.{}", kind.name())));
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

    /// Holds every entry to what a step's own value is held to, whether
    /// or not a step names it, as the schema does: each parameter object's
    /// values, each gate list's ids, each field provenance's keys, and each provenance number
    /// of a field provenance to the `provenances` table of `entries`.
    pub(in super::super) fn check_entries(
        &self,
        provenances: usize,
        version: &str,
    ) -> Result<(), String> {
        for (kind, list) in self.parameters.iter().flatten() {
            for (index, params) in list.iter().enumerate() {
                valid::params(params, &format!("`parameters.{}[{index}]`", kind.name()))?;
            }
        }
        for (index, ids) in self.gate_lists.iter().flatten().enumerate() {
            valid::gate_ids(ids, &format!("`gate_lists[{index}]`"))?;
        }
        for (index, fields) in self.field_provenances.iter().flatten().enumerate() {
            let whose = format!("`field_provenances[{index}]`");
            valid::field_provenance(fields, &whose)?;
            numbers_in_table(fields.values(), provenances, version, &whose)?;
        }
        Ok(())
    }
}

/// A step's fields as written: one optional field per kind.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFields {
    id: Name,
    kind: StepKind,
    needs: Vec<Name>,
    target: Target,
    #[serde(default, deserialize_with = "left_out_not_null")]
    source: Option<Written<SourceParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    build: Option<Written<BuildParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    test: Option<Written<TestParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    deploy: Option<Written<DeployParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    bake: Option<Written<BakeParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    approval: Option<Written<ApprovalParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    gate: Option<Written<GateParams>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    rollback_alarm: Option<Name>,
    gates: Written<Vec<Name>>,
    provenance: Provenance,
    #[serde(default, deserialize_with = "left_out_not_null")]
    field_provenance: Option<Written<FieldProvenance>>,
}

/// A step as read: the parameters of its kind, its gates and its field
/// provenance each whole or a number, until the tables are read.
pub(in super::super) struct ReadStep {
    id: Name,
    kind: StepKind,
    needs: Vec<Name>,
    target: Target,
    params: Written<Params>,
    rollback_alarm: Option<Name>,
    gates: Written<Vec<Name>>,
    provenance: Provenance,
    field_provenance: Option<Written<FieldProvenance>>,
}

impl<'de> Deserialize<'de> for ReadStep {
    /// Refuses, where the step is, parameters of another kind than the
    /// step's, a step without its kind's, and a field provenance written
    /// empty.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = StepFields::deserialize(deserializer)?;
        let id = fields.id;
        if let Some(Written::Whole(written)) = &fields.field_provenance
            && written.is_empty()
        {
            return Err(de::Error::custom(format!(
                "step `{id}` has an empty `field_provenance`, which is left out rather than written empty"
            )));
        }
        let kind_name = fields.kind.name();
        let present = [
            ("source", fields.source.is_some()),
            ("build", fields.build.is_some()),
            ("test", fields.test.is_some()),
            ("deploy", fields.deploy.is_some()),
            ("bake", fields.bake.is_some()),
            ("approval", fields.approval.is_some()),
            ("gate", fields.gate.is_some()),
        ];
        if let Some((other, _)) = present
            .iter()
            .find(|(name, present)| *present && *name != kind_name)
        {
            return Err(de::Error::custom(format!(
                "step `{id}` is a {kind_name} step but holds `{other}` parameters"
            )));
        }
        let params = match fields.kind {
            StepKind::Source => fields.source.map(|params| params.map(Params::Source)),
            StepKind::Build => fields.build.map(|params| params.map(Params::Build)),
            StepKind::Test => fields.test.map(|params| params.map(Params::Test)),
            StepKind::Deploy => fields.deploy.map(|params| params.map(Params::Deploy)),
            StepKind::Bake => fields.bake.map(|params| params.map(Params::Bake)),
            StepKind::Approval => fields.approval.map(|params| params.map(Params::Approval)),
            StepKind::Gate => fields.gate.map(|params| params.map(Params::Gate)),
        };
        let Some(params) = params else {
            return Err(de::Error::custom(format!(
                "step `{id}` is a {kind_name} step without its `{kind_name}` parameters"
            )));
        };
        Ok(ReadStep {
            id,
            kind: fields.kind,
            needs: fields.needs,
            target: fields.target,
            params,
            rollback_alarm: fields.rollback_alarm,
            gates: fields.gates,
            provenance: fields.provenance,
            field_provenance: fields.field_provenance,
        })
    }
}

/// Why a step's `number` names nothing in its table.
/// `entries` is `None` when the plan has no such table.
fn not_in_table(id: &str, field: &str, number: u32, table: &str, entries: Option<usize>) -> String {
    match entries {
        Some(entries) => format!(
            "step `{id}`'s `{field}` is {number}, which is not in the plan's `{table}` ({entries} entries)"
        ),
        None => format!(
            "step `{id}`'s `{field}` is {number}, a number in the plan's `{table}`, which the plan does not have"
        ),
    }
}

/// The entry `number` of `table`, for the `field` of step `id`.
fn entry<T: Clone>(
    table: Option<&Vec<T>>,
    number: u32,
    (id, field, table_name): (&str, &str, &str),
) -> Result<T, String> {
    usize::try_from(number)
        .ok()
        .and_then(|index| table.and_then(|table| table.get(index)))
        .cloned()
        .ok_or_else(|| not_in_table(id, field, number, table_name, table.map(Vec::len)))
}

impl ReadStep {
    /// The step, each number put back whole from `tables`: a number in a
    /// plan of a version before 1.3, or one outside its table, is an
    /// error.
    pub(in super::super) fn resolve(
        self,
        tables: &ReadTables,
        version: &str,
    ) -> Result<Step, String> {
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
        let params = match self.params {
            Written::Whole(params) => params,
            Written::Number(number) => {
                let kind = self.kind.name();
                numbered(kind)?;
                let table = list_of(tables.parameters.as_ref(), self.kind);
                let table_name = format!("parameters.{kind}");
                entry(table, number, (&id, kind, &table_name))?
            }
        };
        let gates = match self.gates {
            Written::Whole(gates) => gates,
            Written::Number(number) => {
                numbered("gates")?;
                let table = tables.gate_lists.as_ref();
                entry(table, number, (&id, "gates", "gate_lists"))?
            }
        };
        let field_provenance = match self.field_provenance {
            None => FieldProvenance::default(),
            Some(Written::Whole(fields)) => fields,
            Some(Written::Number(number)) => {
                numbered("field_provenance")?;
                let table = tables.field_provenances.as_ref();
                entry(
                    table,
                    number,
                    (&id, "field_provenance", "field_provenances"),
                )?
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
