//! Scenarios: what happens around a rollout that the plan cannot know.
//! Which changes merge and when, which alarms fire where, who approves,
//! which gates an operator overrides, how long steps take and how much
//! traffic each region serves. Described for people in
//! `docs/simulation.md` and for machines by
//! `schemas/scenario-v1.schema.json`; read strictly (unknown fields are
//! errors) so that a misspelt key is never silently ignored.

use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The value of `format_version` this module reads.
pub const FORMAT_VERSION: &str = "1.0";

/// A whole scenario. Every list may be absent; an empty scenario is one
/// change with no alarms, approvals or overrides, and default durations
/// and traffic.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Always [`FORMAT_VERSION`].
    pub format_version: String,
    /// The changes, in any order; none means one change merged at the
    /// start.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Alarm states over time; an alarm not listed is `OK` throughout.
    #[serde(default)]
    pub alarms: Vec<AlarmSpan>,
    /// When approvals are given.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Gates an operator overrides; only overridable gates may be.
    #[serde(default)]
    pub overrides: Vec<GateOverride>,
    /// Durations instead of the defaults.
    #[serde(default)]
    pub durations: Durations,
    /// Traffic instead of the defaults.
    #[serde(default)]
    pub traffic: Traffic,
    /// What [`read`] set aside (fields that no type has, entries without
    /// a field they need), listed first among [`Scenario::problems`].
    #[serde(skip)]
    pub set_aside: Vec<String>,
}

/// A change (a merged commit) that travels the pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The change's id, unique in the scenario: `c1`, `fix-1234`; no
    /// control characters.
    pub id: String,
    /// When it was merged; absent means at the start (`--start`).
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub merged_at: Option<Time>,
    /// Package versions its artifact contains (`libjson@2.3.1`), for
    /// artifact blockers.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Git refs it was built from (`refs/tags/v4.2.0`), for artifact
    /// blockers.
    #[serde(default)]
    pub git_refs: Vec<String>,
}

/// An alarm in the `ALARM` state from `from` until just before `to`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpan {
    /// The CloudWatch alarm's name, as `ALARM("...")` names it.
    pub alarm: String,
    /// The region it fires in; absent means every region, and region-less
    /// steps.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub region: Option<String>,
    /// The first instant in alarm.
    pub from: Time,
    /// The first instant back to `OK`; absent means never.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub to: Option<Time>,
}

/// An approval: by role (every approval of the role) or for one step.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The role that approves: every approval step and approval gate of
    /// that role.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub role: Option<String>,
    /// Or one step: its approval step, or the approval gates before it.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub step: Option<String>,
    /// Only for this change; absent means every change.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub change: Option<String>,
    /// When the approval is given; an approval asked later is approved
    /// when asked.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub at: Option<Time>,
    /// Or how long after it is asked.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub after_seconds: Option<u64>,
}

/// An operator's override of a gate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateOverride {
    /// The gate's id in the plan's `gates`: `alarm:aws.large_scale_event`.
    pub gate: String,
    /// Only before this step; absent means before every step that checks
    /// the gate.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub step: Option<String>,
    /// Only for this change; absent means every change.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub change: Option<String>,
}

/// Durations in seconds, instead of the defaults: per step id first, then
/// per kind.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Durations {
    /// By kind of step.
    #[serde(default)]
    pub kinds: KindDurations,
    /// By step id. A bake's entry replaces its `duration_seconds`; its data
    /// points are still awaited.
    #[serde(default)]
    pub steps: BTreeMap<String, u64>,
}

/// Durations by kind of step, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDurations {
    /// Every source step.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub source: Option<u64>,
    /// Every build step.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub build: Option<u64>,
    /// Every test step (a test longer than its timeout fails).
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub test: Option<u64>,
    /// Every deploy step except one-box deploys, whatever its scope.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub deploy: Option<u64>,
    /// Every one-box deploy step.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub onebox_deploy: Option<u64>,
}

/// Data points per minute that a region serves, for bakes' data-point
/// requirements.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// By the region's `traffic` attribute (`high`, `medium`, `low`).
    #[serde(default)]
    pub tiers: BTreeMap<String, u64>,
    /// By region; wins over the tier.
    #[serde(default)]
    pub regions: BTreeMap<String, u64>,
    /// For a region with no `traffic` attribute.
    #[serde(
        default,
        deserialize_with = "crate::export::plan_v1::left_out_not_null"
    )]
    pub untiered: Option<u64>,
}

/// An instant written in RFC 3339 with an offset, in whole seconds:
/// `2027-01-25T09:00:00-08:00`, `2027-01-25T17:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub Timestamp);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_time(&text)
            .map(Time)
            .map_err(serde::de::Error::custom)
    }
}

/// Reads an instant: RFC 3339 with an offset (`Z` or `±HH:MM`), whole
/// seconds. The message says what was expected.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let expected = "a time such as 2027-01-25T09:00:00-08:00";
    if !has_rfc3339_shape(text) {
        return Err(format!(
            "`{text}` is not {expected} (RFC 3339: a date, `T`, a time, and `Z` or an offset)"
        ));
    }
    let at: Timestamp = text
        .parse()
        .map_err(|error| format!("`{text}` is not {expected}: {error}"))?;
    // `.000` too: the schema's times have no fraction written at all.
    if at.subsec_nanosecond() != 0 || text.contains('.') {
        return Err(format!(
            "`{text}` has a fraction of a second; times are whole seconds"
        ));
    }
    Ok(at)
}

/// Whether `text` is `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`, an offset at most
/// 23:59 (fractions are
/// refused later, with their own message), the shape the schema allows.
/// The time parser alone would also take a space for the `T`, lowercase
/// letters and a bracketed zone name.
fn has_rfc3339_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let at = |idx: usize, byte: u8| bytes.get(idx) == Some(&byte);
    let date_time = digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16);
    if !date_time {
        return false;
    }
    let mut rest = bytes.get(16..).unwrap_or_default();
    if rest.first() == Some(&b':') {
        let seconds = rest
            .get(1..3)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit));
        if !seconds {
            return false;
        }
        rest = rest.get(3..).unwrap_or_default();
        // A fraction is left to the parser, which reads it and is refused
        // for it with a clearer message.
        if rest.first() == Some(&b'.') {
            let end = rest
                .iter()
                .skip(1)
                .position(|byte| !byte.is_ascii_digit())
                .map_or(rest.len(), |idx| idx + 1);
            rest = rest.get(end..).unwrap_or_default();
        }
    }
    match rest {
        [b'Z'] => true,
        // RFC 3339 offsets are -23:59 to +23:59; the parser would also take
        // up to 25 hours.
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-')
                && matches!((h1, h2), (b'0' | b'1', b'0'..=b'9') | (b'2', b'0'..=b'3'))
                && matches!((m1, m2), (b'0'..=b'5', b'0'..=b'9'))
        }
        _ => false,
    }
}

/// Why a scenario could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Not JSON, or not a scenario: serde's message with line and column.
    Json(serde_json::Error),
    /// No `format_version`, or one this module does not read.
    Version {
        /// The version found, or `None` when absent.
        found: Option<String>,
    },
    /// A field holds a value the format refuses (two ids alike, an
    /// approval with both `at` and `after_seconds`, ...).
    Invalid(Vec<String>),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Json(error) => write!(f, "{error}"),
            ReadError::Version { found: Some(found) } => write!(
                f,
                "this pipec reads scenario format {FORMAT_VERSION}; the file is {found}"
            ),
            ReadError::Version { found: None } => write!(
                f,
                "this pipec reads scenario format {FORMAT_VERSION}; the file has no `format_version`"
            ),
            ReadError::Invalid(problems) => write!(f, "{}", problems.join("; ")),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads a scenario, checking its version first and then what the types
/// cannot say (see [`Scenario::problems`]): every problem at once.
pub fn from_json(json: &str) -> Result<Scenario, ReadError> {
    let scenario = read(json)?;
    let problems = scenario.problems();
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(ReadError::Invalid(problems))
    }
}

/// Reads a scenario as far as it can be read, leaving its problems to be
/// listed with those against the plan (`simulate` does): a misspelt field,
/// and an entry of a list without a field it needs (a change without
/// `id`), are set aside and kept in [`Scenario::set_aside`], so that they
/// are listed with every other problem rather than alone. Only a file that
/// is not JSON, is not of this version, or holds a value of the wrong type
/// stops here, at its first error.
pub fn read(json: &str) -> Result<Scenario, ReadError> {
    match crate::export::version::check(json, &[FORMAT_VERSION]) {
        Ok(()) => {}
        Err(crate::export::version::VersionMismatch::Json(error)) => {
            return Err(ReadError::Json(error));
        }
        Err(crate::export::version::VersionMismatch::Other(found)) => {
            return Err(ReadError::Version { found });
        }
    }
    let error = match serde_json::from_str::<Scenario>(json) {
        Ok(scenario) => return Ok(scenario),
        Err(error) => error,
    };
    // Set the unknown fields and the incomplete entries aside and read
    // again: when that reads, they were the only thing serde refused.
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return Err(ReadError::Json(error));
    };
    let mut unknown = Vec::new();
    set_aside_fields(&mut value, "", &mut unknown);
    if unknown.is_empty() {
        return Err(ReadError::Json(error));
    }
    match Scenario::deserialize(value) {
        Ok(mut scenario) => {
            scenario.set_aside = unknown;
            Ok(scenario)
        }
        Err(_) => Err(ReadError::Json(error)),
    }
}

/// The fields an entry of each list cannot do without: those of the types
/// above that are neither optional nor defaulted.
const REQUIRED: &[(&str, &[&str])] = &[
    ("changes", &["id"]),
    ("alarms", &["alarm", "from"]),
    ("overrides", &["gate"]),
];

/// The fields each object of a scenario has, by where it is: the fields of
/// the types above (`tests/simulate_docs.rs` holds the two together).
const FIELDS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "format_version",
            "changes",
            "alarms",
            "approvals",
            "overrides",
            "durations",
            "traffic",
        ],
    ),
    ("changes", &["id", "merged_at", "packages", "git_refs"]),
    ("alarms", &["alarm", "region", "from", "to"]),
    (
        "approvals",
        &["role", "step", "change", "at", "after_seconds"],
    ),
    ("overrides", &["gate", "step", "change"]),
    ("durations", &["kinds", "steps"]),
    (
        "durations.kinds",
        &["source", "build", "test", "deploy", "onebox_deploy"],
    ),
    ("traffic", &["tiers", "regions", "untiered"]),
];

/// Removes from `value`, the object found at `path`, the fields its type
/// does not have, saying so in `unknown` in serde's words, and goes on
/// into the objects and lists of objects it has, where it also removes
/// the entries without a field they need.
fn set_aside_fields(value: &mut serde_json::Value, path: &str, unknown: &mut Vec<String>) {
    let Some(fields) = FIELDS
        .iter()
        .find(|(at, _)| *at == path)
        .map(|(_, fields)| *fields)
    else {
        return;
    };
    let serde_json::Value::Object(object) = value else {
        return;
    };
    let expected = fields
        .iter()
        .map(|field| format!("`{field}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let place = if path.is_empty() {
        String::new()
    } else if matches!(path, "changes" | "alarms" | "approvals" | "overrides") {
        format!(" in an entry of `{path}`")
    } else {
        format!(" in `{path}`")
    };
    let required = REQUIRED
        .iter()
        .find(|(at, _)| *at == path)
        .map_or(&[][..], |(_, fields)| *fields);
    object.retain(|key, inner| {
        let known = fields.contains(&key.as_str());
        if !known {
            unknown.push(format!(
                "unknown field `{}`{place}, expected one of {expected}",
                key.escape_debug()
            ));
        }
        // An optional field written `null`: said, and read as left out.
        // (A needed one is left for serde to refuse as of the wrong type.)
        let null = known && inner.is_null() && !required.contains(&key.as_str());
        if null {
            unknown.push(format!(
                "`{key}`{place} is `null`; a field that does not apply is left out, never written `null`"
            ));
        }
        known && !null
    });
    for (key, inner) in object.iter_mut() {
        let inner_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match inner {
            serde_json::Value::Array(items) => {
                items.retain_mut(|item| {
                    set_aside_fields(item, &inner_path, unknown);
                    has_required_fields(item, &inner_path, unknown)
                });
            }
            other => set_aside_fields(other, &inner_path, unknown),
        }
    }
}

/// Whether `item`, an entry of the list at `path`, has the fields it needs;
/// each one missing is said in `missing`, in serde's words. An entry that
/// is not an object is left for serde to refuse.
fn has_required_fields(item: &serde_json::Value, path: &str, missing: &mut Vec<String>) -> bool {
    let serde_json::Value::Object(object) = item else {
        return true;
    };
    let required = REQUIRED
        .iter()
        .find(|(at, _)| *at == path)
        .map_or(&[][..], |(_, fields)| *fields);
    let mut complete = true;
    for field in required {
        if !object.contains_key(*field) {
            missing.push(format!("missing field `{field}` in an entry of `{path}`"));
            complete = false;
        }
    }
    complete
}

impl Scenario {
    /// An empty scenario of this version.
    pub fn empty() -> Scenario {
        Scenario {
            format_version: FORMAT_VERSION.to_string(),
            ..Scenario::default()
        }
    }

    /// What the types cannot say (and the fields they do not have, when
    /// [`read`] set some aside): change ids are unique, non-empty and free
    /// of control characters, an
    /// alarm span ends after it starts (not when it starts: it would last
    /// no time), an approval names exactly one of
    /// `role` and `step` and exactly one of `at` and `after_seconds`, and
    /// every `change` names a listed change (`c1`, without `changes`). Checks against a plan (step
    /// and gate ids, regions) come later, with the plan.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.set_aside.clone();
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for change in &self.changes {
            *ids.entry(change.id.as_str()).or_default() += 1;
            if change.id.trim().is_empty() {
                problems.push("a change has an empty `id`".to_string());
            }
            // An id is written on a line of the text output, and in the
            // Mermaid chart's task names: a line break would break them.
            if let Some(control) = change.id.chars().find(|c| c.is_control()) {
                problems.push(format!(
                    "change `{}` has a control character (U+{:04X}) in its `id`; ids are written on one line",
                    change.id.escape_debug(),
                    u32::from(control)
                ));
            }
        }
        for (id, count) in &ids {
            if *count > 1 {
                problems.push(format!("change `{id}` is listed {count} times"));
            }
        }
        for change in &self.changes {
            for (list, items) in [
                ("packages", &change.packages),
                ("git_refs", &change.git_refs),
            ] {
                if items.iter().any(|item| item.trim().is_empty()) {
                    problems.push(format!(
                        "change `{}` has an empty entry in `{list}`",
                        change.id.escape_debug()
                    ));
                }
            }
        }
        // Without `changes`, the one change there is may be named.
        if self.changes.is_empty() {
            ids.insert(super::DEFAULT_CHANGE_ID, 1);
        }
        for span in &self.alarms {
            match span.to {
                Some(to) if to < span.from => problems.push(format!(
                    "alarm `{}` ends (`to`) before it starts (`from`)",
                    span.alarm
                )),
                // In `ALARM` from `from` until just before `to`: never. An
                // alarm that never fires is a mistake in the times, not a
                // way to say that nothing happens.
                Some(to) if to == span.from => problems.push(format!(
                    "alarm `{}` lasts no time: it ends (`to`) when it starts (`from`)",
                    span.alarm
                )),
                _ => {}
            }
        }
        for approval in &self.approvals {
            // Named by its role or step, escaped (a line break would split
            // the message); one with neither is "an approval".
            let what = approval
                .role
                .as_deref()
                .or(approval.step.as_deref())
                .map_or("an approval".to_string(), |name| {
                    format!("approval `{}`", name.escape_debug())
                });
            match (&approval.role, &approval.step) {
                (Some(_), Some(_)) => {
                    problems.push(format!("{what} names exactly one of `role` and `step`"))
                }
                (None, None) => problems.push(
                    "an approval names neither `role` nor `step`; it names exactly one of them"
                        .to_string(),
                ),
                _ => {}
            }
            if approval.at.is_some() == approval.after_seconds.is_some() {
                problems.push(format!(
                    "{what} gives exactly one of `at` and `after_seconds`"
                ));
            }
        }
        let changes = self
            .approvals
            .iter()
            .filter_map(|approval| approval.change.as_deref())
            .chain(
                self.overrides
                    .iter()
                    .filter_map(|gate| gate.change.as_deref()),
            );
        for change in changes {
            if !ids.contains_key(change) {
                problems.push(format!("no change `{change}` in `changes`"));
            }
        }
        problems
    }
}
