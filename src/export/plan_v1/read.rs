//! Reading plans: the consumer's side of the contract. As strict as the
//! schema: closed objects, one parameter object per step kind, percents of
//! at most two decimals, optional lists and objects left out rather than
//! written empty, every value of its form (`valid`), and another
//! `format_version` refused by name before any field is read.

use super::step_tables::{ReadParameters, ReadStep, ReadTables};
use super::*;
use serde::de::{self, Deserialize, Deserializer};

/// Why [`from_json`] could not read a plan.
#[derive(Debug)]
pub enum ReadError {
    /// The text is not JSON, or not a plan of a format it reads: the message says
    /// what and where (line and column).
    Json(serde_json::Error),
    /// The document has no `format_version`, or one this module does not read.
    Version {
        /// The version found, as written (`"2.0"`), or `None` when absent.
        found: Option<String>,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Json(error) => write!(f, "not a plan of format {}: {error}", versions("or")),
            ReadError::Version { found: Some(found) } => write!(
                f,
                "this pipec reads plan formats {}; the file is {found}",
                versions("and")
            ),
            ReadError::Version { found: None } => write!(
                f,
                "this pipec reads plan formats {}; the file has no `format_version`",
                versions("and")
            ),
        }
    }
}

/// The versions read, for people: `1.0, 1.1, 1.2 and 1.3`.
fn versions(last: &str) -> String {
    match READ_VERSIONS.split_last() {
        Some((newest, [])) => (*newest).to_string(),
        Some((newest, older)) => format!("{} {last} {newest}", older.join(", ")),
        None => String::new(),
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Json(error) => Some(error),
            ReadError::Version { .. } => None,
        }
    }
}

/// Reads a plan written by [`to_json`] (or by any producer of format 1.3,
/// 1.2, 1.1 or 1.0: 1.0 plans are 1.1 plans without 1.1's optional
/// fields, 1.1 plans are 1.2 plans that write every provenance whole, and
/// 1.2 plans are 1.3 plans that write every step's parameters, gates and
/// field provenance whole).
///
/// The version is checked first, so that a plan of another version is
/// refused for what it is rather than for a field this version lacks.
pub fn from_json(json: &str) -> Result<PlanV1, ReadError> {
    match crate::export::version::check(json, READ_VERSIONS) {
        Ok(()) => {}
        Err(crate::export::version::VersionMismatch::Json(error)) => {
            return Err(ReadError::Json(error));
        }
        Err(crate::export::version::VersionMismatch::Other(found)) => {
            return Err(ReadError::Version { found });
        }
    }
    serde_json::from_str(json).map_err(ReadError::Json)
}

/// Reads a plan file's text: one plan, or an array of plans as `pipec
/// compile` writes for a file that declares several pipelines, each read
/// as [`from_json`] reads one.
pub fn plans_from_json(json: &str) -> Result<Vec<PlanV1>, ReadError> {
    if !json.trim_start().starts_with('[') {
        return from_json(json).map(|plan| vec![plan]);
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(json).map_err(ReadError::Json)?;
    items
        .iter()
        .map(|item| from_json(&item.to_string()))
        .collect()
}

/// A plan as written: the fields of [`PlanV1`], from format 1.2 on the
/// provenance table its provenances may refer to by number, and from 1.3
/// on the step tables its steps may refer to by number.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    format_version: String,
    pipeline: String,
    compiler: Compiler,
    /// Always present: `null` when no profile was selected.
    #[serde(deserialize_with = "present_or_null")]
    profile: Option<String>,
    artifacts: Vec<Artifact>,
    regions: Vec<Region>,
    gates: Vec<GateEntry>,
    alarms: Vec<AlarmEntry>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    alarm_command: Option<AlarmCommand>,
    steps: Vec<ReadStep>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    dropped: Option<Vec<Dropped>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    parameters: Option<ReadParameters>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    gate_lists: Option<Vec<Vec<Name>>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    field_provenances: Option<Vec<FieldProvenance>>,
    #[serde(default, deserialize_with = "left_out_not_null")]
    provenances: Option<Vec<Provenance>>,
}

/// A field that is always written, its value possibly `null`: unlike a
/// plain `Option`, a missing one is an error.
fn present_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Option::deserialize(deserializer)
}

/// An optional list is left out rather than written empty.
fn not_written_empty<T, E: de::Error>(list: Option<Vec<T>>, field: &str) -> Result<Vec<T>, E> {
    match list {
        Some(list) if list.is_empty() => Err(E::custom(format!(
            "`{field}` is empty; an optional list is left out rather than written empty"
        ))),
        list => Ok(list.unwrap_or_default()),
    }
}

impl<'de> Deserialize<'de> for PlanV1 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawPlan::deserialize(deserializer)?;
        let dropped = not_written_empty(raw.dropped, "dropped")?;
        let provenances = not_written_empty(raw.provenances, "provenances")?;
        let tables = ReadTables {
            parameters: raw.parameters.map(ReadParameters::by_kind),
            gate_lists: raw.gate_lists,
            field_provenances: raw.field_provenances,
        };
        tables
            .check(&raw.format_version)
            .and_then(|()| tables.check_entries(provenances.len(), &raw.format_version))
            .map_err(de::Error::custom)?;
        let steps = raw
            .steps
            .into_iter()
            .map(|step| step.resolve(&tables, &raw.format_version))
            .collect::<Result<Vec<Step>, String>>()
            .map_err(de::Error::custom)?;
        let mut plan = PlanV1 {
            format_version: raw.format_version,
            pipeline: raw.pipeline,
            compiler: raw.compiler,
            profile: raw.profile,
            artifacts: raw.artifacts,
            regions: raw.regions,
            gates: raw.gates,
            alarms: raw.alarms,
            alarm_command: raw.alarm_command,
            steps,
            dropped,
        };
        let version = plan.format_version.clone();
        super::table::resolve(&mut plan, provenances, &version).map_err(de::Error::custom)?;
        super::valid::plan(&plan).map_err(de::Error::custom)?;
        super::valid::references(&plan).map_err(de::Error::custom)?;
        Ok(plan)
    }
}

/// Source parameters as written: the origin's fields inline.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSourceParams {
    name: String,
    #[serde(rename = "type")]
    origin_type: RawOriginType,
    url: String,
    #[serde(default, deserialize_with = "left_out_not_null")]
    branch: Option<String>,
    require_review: bool,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawOriginType {
    Git,
    ArtifactStore,
}

impl<'de> Deserialize<'de> for SourceParams {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawSourceParams::deserialize(deserializer)?;
        let origin = match (raw.origin_type, raw.branch) {
            (RawOriginType::Git, Some(branch)) => SourceOrigin::Git {
                url: raw.url,
                branch,
            },
            (RawOriginType::Git, None) => {
                return Err(de::Error::custom(format!(
                    "git source `{}` has no `branch`",
                    raw.name
                )));
            }
            (RawOriginType::ArtifactStore, None) => SourceOrigin::ArtifactStore { url: raw.url },
            (RawOriginType::ArtifactStore, Some(_)) => {
                return Err(de::Error::custom(format!(
                    "artifact-store source `{}` has a `branch`, which only git sources have",
                    raw.name
                )));
            }
        };
        Ok(SourceParams {
            name: raw.name,
            origin,
            require_review: raw.require_review,
        })
    }
}

/// A gate-table entry as written: the id and the gate's fields side by
/// side, the kind named by `type`.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RawGateEntry {
    Window {
        id: Name,
        #[serde(default, deserialize_with = "left_out_not_null")]
        window: Option<String>,
        zone: String,
        allow: Vec<WindowSlot>,
        closed_dates: Vec<String>,
        overridable: bool,
        provenance: Provenance,
    },
    Alarm {
        id: Name,
        #[serde(default, deserialize_with = "left_out_not_null")]
        name: Option<String>,
        alarm: String,
        overridable: bool,
        provenance: Provenance,
    },
    Artifact {
        id: Name,
        #[serde(default, deserialize_with = "left_out_not_null")]
        package: Option<String>,
        #[serde(default, deserialize_with = "left_out_not_null")]
        git_ref: Option<String>,
        overridable: bool,
        provenance: Provenance,
    },
    Approval {
        id: Name,
        role: String,
        overridable: bool,
        provenance: Provenance,
    },
}

impl<'de> Deserialize<'de> for GateEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (id, gate) = match RawGateEntry::deserialize(deserializer)? {
            RawGateEntry::Window {
                id,
                window,
                zone,
                allow,
                closed_dates,
                overridable,
                provenance,
            } => (
                id,
                Gate::Window(WindowGate {
                    window,
                    zone,
                    allow,
                    closed_dates,
                    overridable,
                    provenance,
                }),
            ),
            RawGateEntry::Alarm {
                id,
                name,
                alarm,
                overridable,
                provenance,
            } => (
                id,
                Gate::Alarm(AlarmGate {
                    name,
                    alarm,
                    overridable,
                    provenance,
                }),
            ),
            RawGateEntry::Artifact {
                id,
                package,
                git_ref,
                overridable,
                provenance,
            } => {
                let blocked = match (package, git_ref) {
                    (Some(package), None) => Blocked::Package(package),
                    (None, Some(git_ref)) => Blocked::GitRef(git_ref),
                    _ => {
                        return Err(de::Error::custom(format!(
                            "artifact gate `{id}` needs exactly one of `package` and `git_ref`"
                        )));
                    }
                };
                (
                    id,
                    Gate::Artifact(ArtifactGate {
                        blocked,
                        overridable,
                        provenance,
                    }),
                )
            }
            RawGateEntry::Approval {
                id,
                role,
                overridable,
                provenance,
            } => (
                id,
                Gate::Approval(ApprovalGate {
                    role,
                    overridable,
                    provenance,
                }),
            ),
        };
        Ok(GateEntry { id, gate })
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PercentVisitor)
    }
}

/// Reads the number form [`Percent`] writes: an integer, or a number with
/// one or two decimals, from 0 to 100.
struct PercentVisitor;

impl de::Visitor<'_> for PercentVisitor {
    type Value = Percent;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a percent: a number from 0 to 100 with at most two decimals")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Percent, E> {
        match u32::try_from(value) {
            Ok(whole) if whole <= 100 => Ok(Percent(whole * 100)),
            _ => Err(E::custom(format!("{value}% is over 100%"))),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Percent, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::custom(format!("{value}% is negative"))),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Percent, E> {
        if !(0.0..=100.0).contains(&value) {
            return Err(E::custom(format!(
                "{value}% is not a percent from 0 to 100"
            )));
        }
        let hundredths = (value * 100.0).round();
        // The writer prints the shortest form of `hundredths / 100`, which
        // reads back to within far less than this of a whole hundredth.
        if (value * 100.0 - hundredths).abs() > 1e-6 {
            return Err(E::custom(format!("{value}% has more than two decimals")));
        }
        // In range: 0 <= hundredths <= 10,000.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Percent(hundredths as u32))
    }
}
