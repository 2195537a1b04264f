//! The execution plan, format version 1 (`format_version` `"1.3"`; plans
//! of `"1.2"`, which write each step's parameters, gates and field
//! provenance whole, of `"1.1"`, which also write every provenance whole,
//! and of `"1.0"`, which also lack 1.1's optional fields, read the same).
//!
//! A plan is what an engine runs: the artifacts, the gates, and a DAG of
//! steps, each with its target, its parameters, the alarm that rolls it
//! back, the ids of the gates before it and its provenance. Everything is
//! explicit: an engine needs no knowledge of inheritance, registries,
//! profiles or defaults. Gates are listed once, at the top, because one
//! gate (a window with a year of closed dates) usually guards dozens of
//! steps.
//!
//! These types are the producer's side of a contract. The JSON they
//! serialize to is described in `docs/plan-format.md` and constrained by
//! `schemas/plan-v1.schema.json`; `tests/plan_contract.rs` validates output
//! against the schema and round-trips it through independent mirror types.
//! So a change here is a change of the format: additions need a schema and
//! doc change, and anything an engine could trip over needs a new version.
//!
//! Output is deterministic: objects keep the field order of these structs,
//! lists keep the order the compiler gives them, absent options are left
//! out, and [`to_json`] always formats the same way.
//!
//! The same types are the consumer's side: [`from_json`] reads a plan back
//! (the simulator reads nothing else). Reading is strict where the schema
//! is: closed objects refuse unknown fields, a step holds exactly the
//! parameter object its kind names, percents have at most two decimals,
//! every value has the form the schema gives it, ids name what the plan
//! holds, and a plan of a `format_version` other than [`READ_VERSIONS`] is
//! refused before anything else is read. `from_json(&to_json(plan))` is
//! `plan`.

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// The value of `format_version` for plans this module writes.
pub const FORMAT_VERSION: &str = "1.3";

/// An id or a name that many places of a plan repeat (a step's id in the
/// `needs` of the steps after it, a region in every step of it, a gate's
/// id in every step it guards): shared, not copied, and written as a
/// plain string.
pub type Name = std::sync::Arc<str>;

/// The values of `format_version` [`from_json`] reads: 1.1 only added
/// optional fields (`field_provenance`, `not_scaled`, `dropped`), so a
/// 1.0 plan is a 1.1 plan without them and means what it meant; 1.2 only
/// lets a provenance be written as its number in the plan's
/// `provenances` table, and 1.3 a step's parameters, gates and field
/// provenance as their numbers in the plan's `parameters`, `gate_lists`
/// and `field_provenances`: each reads back to the same plan.
pub const READ_VERSIONS: &[&str] = &["1.0", "1.1", "1.2", FORMAT_VERSION];

/// The `file` of a provenance whose file is not known (with line and
/// column 1); the compiler only writes it if it has lost track of a file.
pub const UNKNOWN_FILE: &str = "<unknown>";

/// Renders a plan as compact JSON: one line without spaces, fields in
/// struct order, and a trailing newline. The same plan always gives the
/// same bytes. What `pipec compile` writes by default: the plans of a large
/// workspace are half the size and twice as fast to write as pretty ones.
pub fn to_json_compact(plan: &PlanV1) -> String {
    let mut out = Vec::new();
    write_compact(&mut out, plan);
    out.push(b'\n');
    super::utf8(out)
}

/// Appends a plan's compact JSON, without the newline, to `out`.
pub fn write_compact(out: &mut Vec<u8>, plan: &PlanV1) {
    if let Err(error) = crate::export::compact_json::write(out, plan) {
        // As for `to_json`: nothing for serde_json to refuse.
        unreachable!("a plan always serializes: {error}")
    }
}

/// The plan with every provenance made one and the same: what runs, and
/// nothing of where in the sources each part was written or how the
/// entry file was named. The runner's identity of a plan is taken from
/// it, so that a plan compiled from another directory, or from sources
/// whose comments moved a line, resumes a run of the same steps.
pub fn without_provenance(plan: &PlanV1) -> PlanV1 {
    let mut plan = plan.clone();
    for provenance in table::in_order_mut(&mut plan) {
        *provenance = Provenance {
            file: std::sync::Arc::from(UNKNOWN_FILE),
            line: 1,
            column: 1,
            how: How::Set,
            overrides: Vec::new(),
            not_scaled: None,
        };
    }
    plan
}

/// Renders a plan as pretty JSON: two-space indent, fields in struct order,
/// and a trailing newline. The same plan always gives the same bytes.
pub fn to_json(plan: &PlanV1) -> String {
    match serde_json::to_string_pretty(plan) {
        Ok(mut json) => {
            json.push('\n');
            json
        }
        // The plan holds only strings, integers, finite numbers, lists and
        // objects with string keys, and writes into memory: serde_json has
        // nothing to refuse.
        Err(error) => unreachable!("a plan always serializes: {error}"),
    }
}

/// A whole execution plan.
///
/// Serialized in field order; from format 1.2 on, each provenance is
/// written as its number in a `provenances` table that ends the document
/// (see `table`), and from 1.3 on (as [`FORMAT_VERSION`] is) each step's
/// parameters, gates and field provenance as their numbers in the tables
/// before it (see `step_tables`). Read back by [`from_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanV1 {
    /// Always [`FORMAT_VERSION`].
    pub format_version: String,
    /// The name of the compiled pipeline.
    pub pipeline: String,
    /// The compiler that wrote the plan.
    pub compiler: Compiler,
    /// The profile the pipeline was compiled with (`--profile`), or `null`.
    /// Always present, so that a plan says explicitly that no profile applied.
    pub profile: Option<String>,
    /// Every artifact a build step produces, in the order of the builds.
    pub artifacts: Vec<Artifact>,
    /// Every region some step targets, each once, in the order steps first
    /// target them, with what the region registry says of it.
    pub regions: Vec<Region>,
    /// Every gate some step checks, each once, with a unique id, in the
    /// order steps first check them (see [`GateEntry`]).
    pub gates: Vec<GateEntry>,
    /// Every rollback alarm some step watches, each once, in the order
    /// steps first watch them (see [`AlarmEntry`]).
    pub alarms: Vec<AlarmEntry>,
    /// The command that evaluates alarms when the plan is run locally
    /// (`pipec run`); absent when the pipeline names none.
    pub alarm_command: Option<AlarmCommand>,
    /// Every step, in an order where each step comes after all the steps it
    /// needs.
    pub steps: Vec<Step>,
    /// Values written in source that no step carries, with why (such as a
    /// `by az` on Lambda, which has no AZs); left out when there are none.
    /// Since 1.1.
    pub dropped: Vec<Dropped>,
}

/// A value written in source that no step carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dropped {
    /// The scope it was written for: the stage and wave, and the region
    /// when only that region lacks what the value needs.
    pub target: Target,
    /// The member as written: `by az`, `by cell`, `bake`, `wait for`.
    pub member: String,
    /// Why nothing carries it, for people: `platform lambda has no AZs`.
    pub reason: String,
    /// Where it was written.
    pub provenance: Provenance,
}

/// A gate of the plan's gate table: its id, then the gate's own fields.
///
/// Ids are `KIND:KEY`, readable and stable: `window:business_hours`
/// (`window:inline` for an inline window), `alarm:high_severity`
/// (`alarm:expr` for an unnamed expression), `package:libjson@2.3.1`,
/// `git:refs/tags/bad`, `approval:senior-engineer`. The key has no
/// whitespace or `#`. Different gates with the same id get `#2`, `#3`, ...
/// appended, in the order of the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GateEntry {
    /// The gate's id, unique in the plan, as steps' `gates` refer to it.
    pub id: Name,
    /// The gate; serialized inline after `id`, starting with its `type`.
    #[serde(flatten)]
    pub gate: Gate,
}

/// A rollback alarm of the plan's alarm table.
///
/// The id is the alarm's name as written (`high_severity`), or `inline` for
/// an expression written in place, with `#2`, `#3`, ... appended to later
/// different alarms that would share one, as for gates. Steps'
/// `rollback_alarm` refers to it: one alarm usually guards every
/// production step, and its expanded expression is long.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmEntry {
    /// The alarm's id, unique in the table.
    pub id: Name,
    /// The alarm's name as written, absent for an inline expression.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub name: Option<String>,
    /// The expression, CloudWatch composite syntax, every named alarm
    /// expanded: `ALARM("A") OR ALARM("B")`.
    pub alarm: String,
    /// The `rollback on` that chose it.
    pub provenance: Provenance,
}

/// A region some step targets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// The region's code, as steps' targets name it: `us-east-1`.
    pub code: String,
    /// The registry that lists it, production's; absent when the pipeline
    /// has no production, and so no registry.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub registry: Option<String>,
    /// The registry's attributes of the region (`traffic`, `geo`,
    /// `partition`, ...), as text, by name; empty when not listed.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Its availability-zone ids, in registry order; empty when not listed.
    pub azs: Vec<String>,
}

/// The compiler that wrote a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compiler {
    /// `pipec`.
    pub name: String,
    /// The compiler's version, e.g. `0.1.0`.
    pub version: String,
}

impl Compiler {
    /// This compiler: `pipec` at the crate's version.
    pub fn pipec() -> Compiler {
        Compiler {
            name: "pipec".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// An artifact a build produces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// The artifact's name, as deploy steps refer to it.
    pub name: String,
    /// The id of the build step that produces it.
    pub produced_by: String,
    /// Whether the build signs it.
    pub signed: bool,
    /// Where the build is declared.
    pub provenance: Provenance,
}

/// One step of the DAG.
///
/// Serialized as `id`, `kind`, `needs`, `target`, then one object holding
/// the kind's parameters under the kind's name (`"bake": {...}` for a
/// bake), then `rollback_alarm` (an alarm id, when there is one), `gates`
/// (gate ids) and
/// `provenance`. So a step is written on its own and in plans before 1.3;
/// a 1.3 plan writes its steps with their parameters, gates and field
/// provenance as numbers in its tables (see `step_tables`). The kind is
/// not stored: it is the kind of [`Step::params`], so the two cannot
/// disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// A stable path naming the step, unique in the plan, such as
    /// `production/first/eu-south-2/az/eus2-az1/deploy`.
    pub id: Name,
    /// Ids of the steps that must finish before this one starts.
    pub needs: Vec<Name>,
    /// Where the step acts.
    pub target: Target,
    /// What the step does; decides its kind.
    pub params: Params,
    /// The id (in [`PlanV1::alarms`]) of the alarm that rolls the step
    /// back while it runs. Only deploy, test and bake steps have one.
    pub rollback_alarm: Option<Name>,
    /// The ids of the gates (in [`PlanV1::gates`]) that must pass before the
    /// step starts, in the order they are checked.
    pub gates: Vec<Name>,
    /// Where the step comes from.
    pub provenance: Provenance,
    /// Where each of the step's values that was set in source was set, by
    /// the value's JSON Pointer in the step (`/deploy/strategy`,
    /// `/bake/data_points/0`, `/target/region`); empty (and left out) when
    /// none was. Since 1.1.
    pub field_provenance: FieldProvenance,
}

impl Step {
    /// The step's kind, which is its parameters' kind.
    pub fn kind(&self) -> StepKind {
        self.params.kind()
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let field_count = 7
            + usize::from(self.rollback_alarm.is_some())
            + usize::from(!self.field_provenance.is_empty());
        let mut step = serializer.serialize_struct("Step", field_count)?;
        step.serialize_field("id", &self.id)?;
        step.serialize_field("kind", &self.kind())?;
        step.serialize_field("needs", &self.needs)?;
        step.serialize_field("target", &self.target)?;
        match &self.params {
            Params::Source(params) => step.serialize_field("source", params)?,
            Params::Build(params) => step.serialize_field("build", params)?,
            Params::Test(params) => step.serialize_field("test", params)?,
            Params::Deploy(params) => step.serialize_field("deploy", params)?,
            Params::Bake(params) => step.serialize_field("bake", params)?,
            Params::Approval(params) => step.serialize_field("approval", params)?,
            Params::Gate(params) => step.serialize_field("gate", params)?,
        }
        if let Some(alarm) = &self.rollback_alarm {
            step.serialize_field("rollback_alarm", alarm)?;
        }
        step.serialize_field("gates", &self.gates)?;
        step.serialize_field("provenance", &self.provenance)?;
        if !self.field_provenance.is_empty() {
            step.serialize_field("field_provenance", &self.field_provenance)?;
        }
        step.end()
    }
}

/// What a step does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Picks up a revision from a source.
    Source,
    /// Builds and packages an artifact.
    Build,
    /// Runs a test.
    Test,
    /// Deploys artifacts.
    Deploy,
    /// Waits while watching the rollback alarm, and for data points.
    Bake,
    /// Waits for a person's approval.
    Approval,
    /// Does nothing but wait for its gates.
    Gate,
}

impl StepKind {
    /// The kind as the plan writes it (`kind`, and the key of its
    /// parameters).
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Source => "source",
            StepKind::Build => "build",
            StepKind::Test => "test",
            StepKind::Deploy => "deploy",
            StepKind::Bake => "bake",
            StepKind::Approval => "approval",
            StepKind::Gate => "gate",
        }
    }
}

/// Where a step acts. Fields that do not apply are left out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `source` for source steps, `build` for build steps, the stage's name
    /// for pre-production steps, `production` for production steps.
    pub stage: Name,
    /// The production wave.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub wave: Option<Name>,
    /// The region.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub region: Option<Name>,
    /// The availability zone (AZ id), in `by az` waves.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub az: Option<Name>,
    /// The cell, in `by cell` waves.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub cell: Option<Name>,
    /// Whether the step acts on the one-box only; written only when true.
    #[serde(
        skip_serializing_if = "is_false",
        default,
        deserialize_with = "only_true"
    )]
    pub onebox: bool,
}

/// An optional field as read: left out, or present with a value. The
/// format writes no `null` but the top-level `profile` (which is read
/// apart), so a reader that took `null` for "left out" would take plans
/// the schema refuses.
pub(crate) fn left_out_not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(de::Error::custom(
            "an optional field is `null`; one that does not apply is left out, never written `null`",
        )),
    }
}

// serde's `skip_serializing_if` passes a reference.
fn is_false(value: &bool) -> bool {
    !*value
}

// `onebox` is absent or `true`: the format never writes `false`.
fn only_true<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    if bool::deserialize(deserializer)? {
        Ok(true)
    } else {
        Err(de::Error::custom(
            "`onebox` is `true` when present; leave it out otherwise",
        ))
    }
}

// `shell` is absent or `true`, like `onebox`.
fn only_true_shell<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    if bool::deserialize(deserializer)? {
        Ok(true)
    } else {
        Err(de::Error::custom(
            "`shell` is `true` when present; leave it out otherwise",
        ))
    }
}

/// The command that evaluates alarms in local runs: run without a shell,
/// exit status 0 for OK, 1 for ALARM (see `docs/execution.md`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmCommand {
    /// The command as written, values put in, for people.
    pub command: String,
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Where `alarm_command` is set.
    pub provenance: Provenance,
}

/// A command line: what people read, and what runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandLine {
    /// Without a shell, the command as written with its values put in, for
    /// people; with one, the shell code that runs, which refers to its
    /// values in the step's `env` (`PIPEC_VALUE_1`, ...).
    pub command: String,
    /// The program and its arguments, each interpolated value inside one
    /// argument; absent when the command runs in a shell.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub argv: Option<Vec<String>>,
}

/// The value of an environment variable of a command: a string, or
/// `{"secret": "NAME"}`, a secret the runner reads from its own
/// environment variable `NAME` (the plan never holds a secret's value).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum EnvValue {
    /// A plain value.
    Text(String),
    /// A secret, by name.
    Secret(SecretRef),
}

/// A secret, by the name of the environment variable that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// The environment variable's name.
    pub secret: String,
}

/// Environment variables of a command, by name.
pub type Env = std::collections::BTreeMap<String, EnvValue>;

/// The entries of `env` that carry a shell command's interpolated values
/// (`PIPEC_VALUE_1`, ...), which the command's code refers to: whatever
/// runs the command elsewhere must set them.
pub fn value_variables(env: &Env) -> impl Iterator<Item = (&str, &str)> {
    env.iter().filter_map(|(name, value)| match value {
        EnvValue::Text(text) if name.starts_with(crate::plan::shell::VALUE_VARIABLE_PREFIX) => {
            Some((name.as_str(), text.as_str()))
        }
        _ => None,
    })
}

/// The entries of `env` the pipeline declares for a step's commands: all
/// but the [`value_variables`] of a shell command, which its
/// [`exported_command`] carries. What an export sets for a command, or
/// reports it cannot.
pub fn declared_env(env: &Env) -> impl Iterator<Item = (&String, &EnvValue)> {
    env.iter()
        .filter(|(name, _)| !name.starts_with(crate::plan::shell::VALUE_VARIABLE_PREFIX))
}

/// A step's command as shell code another engine runs (a workflow's
/// `run`, a buildspec's command), with the variables it needs set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedCommand {
    /// The shell code.
    pub script: String,
    /// Environment variables the code refers to, by name.
    pub variables: Vec<(String, String)>,
}

/// The prefix of the variables that carry the words of a command run
/// without a shell, in an export (`PIPEC_ARG_1`, ...).
pub const ARG_VARIABLE_PREFIX: &str = "PIPEC_ARG_";

/// How another engine runs a step's command, which it runs in a shell.
/// Shell code stays as it is, its values in their `PIPEC_VALUE_N`
/// variables. A command without a shell becomes its words: a word that no
/// shell or engine reads specially (letters, digits, `-_./:,+=@%`, and not
/// first a reserved word or an assignment) as it is, any other in a
/// variable of its own, referred to quoted; a command whose program bash
/// has a builtin of (`echo`, `eval`) run through `env`. So neither
/// the shell nor the engine's own expressions (`${{ ... }}` in a GitHub
/// workflow, `#{...}` in CodePipeline) ever see a value's text as code.
pub fn exported_command(
    command: &str,
    argv: Option<&Vec<String>>,
    shell: bool,
    env: &Env,
) -> ExportedCommand {
    if shell {
        return ExportedCommand {
            script: command.to_string(),
            variables: value_variables(env)
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        };
    }
    let words = match argv {
        Some(argv) if !argv.is_empty() => argv.clone(),
        _ => crate::plan::words::split(&[crate::plan::words::Piece::Text(command)])
            .unwrap_or_else(|_| vec![command.to_string()]),
    };
    let mut variables = Vec::new();
    let script = words
        .iter()
        .enumerate()
        .map(|(index, word)| {
            let quoted = crate::plan::words::quote(word);
            if quoted == *word && !(index == 0 && shell_reads_first_word(word)) {
                quoted
            } else {
                let name = format!("{ARG_VARIABLE_PREFIX}{}", variables.len() + 1);
                let reference = format!("\"${{{name}}}\"");
                variables.push((name, word.clone()));
                reference
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    // Quoting keeps bash from reading a word as a keyword, not from
    // running its own builtin of that name (`eval`, `source`, `test`),
    // which may read a value as code; `env` runs the program instead.
    let script = match words.first() {
        Some(first) if BASH_BUILTINS.contains(&first.as_str()) => format!("env -- {script}"),
        _ => script,
    };
    ExportedCommand { script, variables }
}

/// The builtins of bash (5.2, `compgen -b`), which it runs in place of a
/// program of the same name however the name is quoted.
const BASH_BUILTINS: &[&str] = &[
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "compopt",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
];

/// Whether a shell reads `word`, first in a command, as something other
/// than the program to run: a reserved word (`time`, `if`) or a variable
/// assignment (`LEVEL=1`, `PATH+=:bin`). A command run without a shell
/// runs the program of that name, so the export puts such a word in a
/// variable too.
fn shell_reads_first_word(word: &str) -> bool {
    const RESERVED: &[&str] = &[
        "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if",
        "in", "select", "then", "time", "until", "while",
    ];
    RESERVED.contains(&word)
        || word.split_once('=').is_some_and(|(name, _)| {
            crate::plan::shell::is_variable_name(name.strip_suffix('+').unwrap_or(name))
        })
}

/// The kind-specific parameters of a step; the variant is the step's kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Params {
    /// A source step.
    Source(SourceParams),
    /// A build step.
    Build(BuildParams),
    /// A test step.
    Test(TestParams),
    /// A deploy step.
    Deploy(DeployParams),
    /// A bake step.
    Bake(BakeParams),
    /// An approval step.
    Approval(ApprovalParams),
    /// A gate step.
    Gate(GateParams),
}

impl Params {
    /// The kind of step these parameters belong to.
    pub fn kind(&self) -> StepKind {
        match self {
            Params::Source(_) => StepKind::Source,
            Params::Build(_) => StepKind::Build,
            Params::Test(_) => StepKind::Test,
            Params::Deploy(_) => StepKind::Deploy,
            Params::Bake(_) => StepKind::Bake,
            Params::Approval(_) => StepKind::Approval,
            Params::Gate(_) => StepKind::Gate,
        }
    }
}

/// Parameters of a source step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SourceParams {
    /// The source's name, as build steps refer to it.
    pub name: String,
    /// Where revisions come from; serialized inline as `type`, `url` and,
    /// for git, `branch`.
    #[serde(flatten)]
    pub origin: SourceOrigin,
    /// Whether commits without an approved code review are refused.
    pub require_review: bool,
}

/// Where a source's revisions come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceOrigin {
    /// A branch of a git repository.
    Git {
        /// The repository's URL.
        url: String,
        /// The branch.
        branch: String,
    },
    /// A location in an artifact store.
    ArtifactStore {
        /// The location, such as `s3://bucket/path/`.
        url: String,
    },
}

/// Parameters of a build step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildParams {
    /// The artifact the build produces (listed in the plan's `artifacts`).
    pub artifact: String,
    /// Names of the sources it builds from.
    pub sources: Vec<String>,
    /// The build command: for people when `argv` is present, the shell
    /// code when `shell` is.
    pub command: String,
    /// The program and its arguments, when the command runs without a
    /// shell.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub argv: Option<Vec<String>>,
    /// Whether the command runs as `sh -c COMMAND`; written only when true.
    #[serde(
        skip_serializing_if = "is_false",
        default,
        deserialize_with = "only_true_shell"
    )]
    pub shell: bool,
    /// Environment variables of the command.
    #[serde(skip_serializing_if = "Env::is_empty", default)]
    pub env: Env,
    /// Whether the artifact is signed.
    pub sign: bool,
}

/// Parameters of a test step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestParams {
    /// The test's name: `integration`, `canary`, `load`, or any other.
    pub name: String,
    /// The command; absent when the test names a suite the environment
    /// already runs, such as a continuous canary.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub command: Option<String>,
    /// The program and its arguments, when the command runs without a
    /// shell.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub argv: Option<Vec<String>>,
    /// Whether the command runs as `sh -c COMMAND`; written only when true.
    #[serde(
        skip_serializing_if = "is_false",
        default,
        deserialize_with = "only_true_shell"
    )]
    pub shell: bool,
    /// Environment variables of the command.
    #[serde(skip_serializing_if = "Env::is_empty", default)]
    pub env: Env,
    /// The longest the test may run before it fails, in seconds.
    pub timeout_seconds: u64,
}

/// Parameters of a deploy step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployParams {
    /// Names of the artifacts deployed.
    pub artifacts: Vec<Name>,
    /// The compute platform.
    pub platform: Platform,
    /// How the artifacts replace what runs.
    pub strategy: Strategy,
    /// For a one-box whose `traffic` is set (in production or in a
    /// stage): the largest share of the target's traffic it may take.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub traffic_percent: Option<Percent>,
    /// The deploy command, which `pipec run` and the GitHub Actions export
    /// run; absent when the pipeline gives none.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub command: Option<String>,
    /// The program and its arguments, when the command runs without a
    /// shell.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub argv: Option<Vec<String>>,
    /// Whether the deploy and rollback commands run as `sh -c COMMAND`;
    /// written only when true.
    #[serde(
        skip_serializing_if = "is_false",
        default,
        deserialize_with = "only_true_shell"
    )]
    pub shell: bool,
    /// Environment variables of the deploy and rollback commands.
    #[serde(skip_serializing_if = "Env::is_empty", default)]
    pub env: Env,
    /// The command that undoes this deployment when its rollback alarm
    /// fires, in the same shell setting and environment.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub rollback: Option<CommandLine>,
}

/// A compute platform.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Amazon ECS.
    Ecs,
    /// AWS Lambda.
    Lambda,
    /// Amazon EC2.
    Ec2,
    /// On-premises hosts.
    OnPremises,
}

/// A deployment strategy with every parameter resolved; serialized as an
/// object whose `type` names the strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// Stop, install, start and validate the whole fleet.
    InPlace,
    /// In place, a batch at a time.
    Rolling {
        /// Share of the fleet replaced at once.
        batch_percent: Percent,
        /// Share of the fleet that must stay healthy.
        min_healthy_percent: Percent,
        /// Share of the fleet rolled back at once.
        rollback_batch_percent: Percent,
    },
    /// Bring up a second environment and shift traffic to it.
    BlueGreen,
    /// Shift a share of the traffic, wait, then shift the rest.
    Canary {
        /// Share of the traffic shifted first.
        canary_percent: Percent,
        /// The wait before the rest, in seconds.
        wait_seconds: u64,
    },
    /// Shift an equal share every interval.
    Linear {
        /// Share of the traffic shifted each time.
        step_percent: Percent,
        /// Time between shifts, in seconds.
        interval_seconds: u64,
    },
    /// Shift all traffic at once.
    AllAtOnce,
}

/// Parameters of a bake step. A bake ends when its duration has passed and
/// every data-point requirement is met, with its rollback alarm quiet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BakeParams {
    /// The shortest bake, in seconds (after profiles and floors).
    pub duration_seconds: u64,
    /// Data points the bake waits for, all of them.
    pub data_points: Vec<DataPoints>,
}

/// A data-point requirement: `wait for 100 requests("CreateApi")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataPoints {
    /// How many data points, at least.
    pub count: u64,
    /// What is counted.
    #[serde(rename = "type")]
    pub measure: Measure,
    /// The API (for requests) or metric (for data points).
    pub name: String,
}

/// What a data-point requirement counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Requests served by an API: `requests(API)`.
    Requests,
    /// Data points of a metric: `datapoints(METRIC)`.
    Datapoints,
}

/// Parameters of an approval step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalParams {
    /// The role whose holder approves.
    pub role: String,
}

/// Parameters of a gate step, which only waits for its gates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateParams {
    /// Why the pipeline waits here, for people: "production entry".
    pub reason: String,
}

/// A condition that must hold before a step starts; serialized as an object
/// whose `type` names the kind of gate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Gate {
    /// A time window.
    Window(WindowGate),
    /// An alarm blocker.
    Alarm(AlarmGate),
    /// An artifact blocker.
    Artifact(ArtifactGate),
    /// A manual approval.
    Approval(ApprovalGate),
}

/// The step starts only inside this window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WindowGate {
    /// The window declaration's name as written (`business_hours`,
    /// `shared.business_hours`); absent for an inline window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// The IANA time zone the slots are in.
    pub zone: String,
    /// When a step may start.
    pub allow: Vec<WindowSlot>,
    /// Days (`YYYY-MM-DD`, in the zone) when nothing starts: every calendar
    /// holiday and blackout day, ascending, without repeats.
    pub closed_dates: Vec<String>,
    /// Whether an operator may override the gate.
    pub overridable: bool,
    /// Where the window is applied.
    pub provenance: Provenance,
}

/// Some weekdays, each from a start time until just before an end time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSlot {
    /// The days, Monday first.
    pub days: Vec<Weekday>,
    /// First minute, `HH:MM`.
    pub start: String,
    /// End, excluded, `HH:MM`; `24:00` is the end of the day.
    pub end: String,
}

/// A day of the week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// The step does not start while this alarm is in alarm.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlarmGate {
    /// The alarm's name as written (`high_severity`,
    /// `aws.large_scale_event`); absent for an inline expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The expression, CloudWatch composite syntax, names expanded.
    pub alarm: String,
    /// Whether an operator may override the blocker.
    pub overridable: bool,
    /// Where the blocker is declared.
    pub provenance: Provenance,
}

/// The step does not start for an artifact containing this.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactGate {
    /// What is blocked; serialized inline as `package` or `git_ref`.
    #[serde(flatten)]
    pub blocked: Blocked,
    /// Whether an operator may override the blocker.
    pub overridable: bool,
    /// Where the blocker is declared.
    pub provenance: Provenance,
}

/// What an artifact blocker stops.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocked {
    /// A package version, `NAME@VERSION`.
    Package(String),
    /// A git ref, such as `refs/tags/v4.2.0`.
    GitRef(String),
}

/// The step starts only after someone holding the role approves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApprovalGate {
    /// The role.
    pub role: String,
    /// Whether an operator may override the gate.
    pub overridable: bool,
    /// Where the approval is required.
    pub provenance: Provenance,
}

/// Where a value was set, and what it replaced.
///
/// Serialized whole, or, while its plan is written with a provenance
/// table (format 1.2), as its number in the table; read either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Provenance {
    /// The file, relative, with `/` separators and no `.` or `..` segments:
    /// the name the file was loaded under, with any root, drive or leading
    /// `./` stripped (see `docs/plan-format.md`); standard-library modules
    /// are `std/NAME`; [`UNKNOWN_FILE`] if the file is not known. Shared:
    /// a plan's hundreds of provenances name a handful of files.
    pub file: std::sync::Arc<str>,
    /// One-based line.
    pub line: u32,
    /// One-based column, in characters.
    pub column: u32,
    /// How the current value came to be.
    pub how: How,
    /// The values it replaced, newest first.
    pub overrides: Vec<Override>,
    /// For a bake the profile's `bake scale` did not scale: why, and where
    /// the `bake scale` is. Since 1.1.
    pub not_scaled: Option<NotScaled>,
}

/// A bake that `bake scale` left as it was (RFC 0001, R41).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotScaled {
    /// Why: the bake is `final`, or the profile sets it itself.
    pub reason: NotScaledReason,
    /// The file of the `bake scale`, as in [`Provenance::file`].
    pub file: String,
    /// One-based line of the `bake scale`.
    pub line: u32,
    /// One-based column of the `bake scale`, in characters.
    pub column: u32,
}

/// Why `bake scale` left a bake as it was.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum NotScaledReason {
    /// The bake is `final`.
    Final,
    /// The selected profile sets the bake itself.
    Profile,
}

/// A value that a later one replaced.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The file, as in [`Provenance::file`].
    pub file: String,
    /// One-based line.
    pub line: u32,
    /// One-based column, in characters.
    pub column: u32,
    /// How it was set.
    pub how: How,
    /// The value as written in source, e.g. `12h`, when it had one.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "left_out_not_null"
    )]
    pub value: Option<String>,
}

/// How a value was set (RFC 0001, R44).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Written with `=`.
    Set,
    /// Given to an abstract member.
    Bind,
    /// Items appended with `+=`.
    Append,
    /// Items removed with `-=`.
    Remove,
    /// Set by the selected profile, over an inherited value or not.
    Profile,
    /// Scaled by the profile's `bake scale`.
    BakeScale,
    /// Raised by a policy floor.
    Floor,
    /// A built-in default; the location is the member that took it.
    Default,
}

/// A percentage with at most two decimals, held as hundredths of a percent
/// (`2.5%` is 250), as `.pipe` literals are.
///
/// Serialized as a JSON number of percent: an integer when whole (`33`),
/// otherwise with its one or two decimals (`2.5`, `0.25`). The shortest
/// round-trip form of `hundredths / 100` is exactly that decimal, so the
/// text never depends on floating-point noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    /// A percent from hundredths of a percent: `from_hundredths(3_300)` is 33%.
    pub fn from_hundredths(hundredths: u32) -> Percent {
        Percent(hundredths)
    }

    /// The percent in hundredths of a percent.
    pub fn hundredths(self) -> u32 {
        self.0
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) {
            serializer.serialize_u32(self.0 / 100)
        } else {
            serializer.serialize_f64(f64::from(self.0) / 100.0)
        }
    }
}

mod fields;
mod read;
mod step_tables;
mod table;
mod valid;

pub use fields::FieldProvenance;
pub(crate) use fields::by_pointer as fields_by_pointer;
pub(crate) use step_tables::{FieldPointers, StepNumbers, TableBuilder, Tabled, TabledStep};

pub use read::{ReadError, from_json, plans_from_json};

impl Gate {
    /// Where the gate is applied or declared.
    pub fn provenance(&self) -> &Provenance {
        match self {
            Gate::Window(gate) => &gate.provenance,
            Gate::Alarm(gate) => &gate.provenance,
            Gate::Artifact(gate) => &gate.provenance,
            Gate::Approval(gate) => &gate.provenance,
        }
    }

    fn provenance_mut(&mut self) -> &mut Provenance {
        match self {
            Gate::Window(gate) => &mut gate.provenance,
            Gate::Alarm(gate) => &mut gate.provenance,
            Gate::Artifact(gate) => &mut gate.provenance,
            Gate::Approval(gate) => &mut gate.provenance,
        }
    }
}

impl Provenance {
    /// Every place this provenance names, with how it was used there: the
    /// current value's, each replaced value's, and the `bake scale` a bake
    /// escaped. What a tool indexes to answer "what does this line do in
    /// the plan" (see `docs/plan-format.md`).
    pub fn places(&self) -> impl Iterator<Item = (&str, u32, u32)> {
        std::iter::once((&*self.file, self.line, self.column))
            .chain(
                self.overrides
                    .iter()
                    .map(|old| (old.file.as_str(), old.line, old.column)),
            )
            .chain(
                self.not_scaled
                    .iter()
                    .map(|skip| (skip.file.as_str(), skip.line, skip.column)),
            )
    }
}
