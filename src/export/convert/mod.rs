//! The one conversion from the compiler's internal plan to the public plan
//! format: spans become file, line and column; gate references become
//! gate ids; internal enums become the format's; fields whose provenance a
//! step records become JSON Pointers into the step.

use super::plan_v1 as v1;
use crate::hashing::FastHashMap;
use crate::plan::{self, Field, GateKind, NotScaled, Params, Trace};
use crate::semantics::merge::How;
use crate::source::FileId;
use crate::source::SourceMap;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

mod tabled;

pub(crate) use tabled::into_tabled;

/// Converts a plan, resolving provenance through `sources`.
pub fn to_v1(plan: &plan::Plan, sources: &SourceMap) -> v1::PlanV1 {
    let tables = Tables::of(plan, sources);
    let steps = plan
        .steps
        .iter()
        .map(|step| convert_step(step, &tables))
        .collect();
    tables.plan(plan, steps)
}

/// [`to_v1`] of a plan not needed afterwards: each step's id, needs and
/// target move into the format's step instead of being shared with it,
/// which would count every name up now and down again when the plan is
/// dropped (a plan names each step's stage, wave, region and AZ).
pub fn into_v1(mut plan: plan::Plan, sources: &SourceMap) -> v1::PlanV1 {
    let tables = Tables::of(&plan, sources);
    let steps = std::mem::take(&mut plan.steps)
        .into_iter()
        .map(|step| into_step(step, &tables))
        .collect();
    tables.plan(&plan, steps)
}

/// What converting each step of a plan refers to: the ids of its gates
/// and alarms tables, by position, and where its places are.
struct Tables<'s> {
    ids: Vec<v1::Name>,
    alarm_ids: Vec<v1::Name>,
    sources: Locator<'s>,
}

impl<'s> Tables<'s> {
    fn of(plan: &plan::Plan, sources: &'s SourceMap) -> Self {
        // The tables are in first-use order, so ids are numbered in that
        // order.
        Tables {
            ids: numbered_ids(plan.gates.iter().map(|gate| base_id(&gate.kind))),
            alarm_ids: numbered_ids(
                plan.alarms
                    .iter()
                    .map(|alarm| sanitized_key(alarm.name.as_deref().unwrap_or("inline"))),
            ),
            sources: Locator::new(sources),
        }
    }

    /// The plan in the format, with its steps already converted.
    fn plan(&self, plan: &plan::Plan, steps: Vec<v1::Step>) -> v1::PlanV1 {
        let (ids, alarm_ids, sources) = (&self.ids, &self.alarm_ids, &self.sources);
        v1::PlanV1 {
            format_version: v1::FORMAT_VERSION.to_string(),
            pipeline: plan.pipeline.clone(),
            compiler: v1::Compiler::pipec(),
            profile: plan.profile.clone(),
            artifacts: plan
                .artifacts
                .iter()
                .map(|artifact| v1::Artifact {
                    name: artifact.name.clone(),
                    produced_by: artifact.produced_by.clone(),
                    signed: artifact.signed,
                    provenance: provenance(&artifact.trace, sources),
                })
                .collect(),
            regions: plan
                .regions
                .iter()
                .map(|region| convert_region(region))
                .collect(),
            gates: plan
                .gates
                .iter()
                .zip(ids)
                .map(|(gate, id)| v1::GateEntry {
                    id: id.clone(),
                    gate: convert_gate(gate, sources),
                })
                .collect(),
            alarms: plan
                .alarms
                .iter()
                .zip(alarm_ids)
                .map(|(alarm, id)| v1::AlarmEntry {
                    id: id.clone(),
                    name: alarm.name.clone(),
                    alarm: alarm.alarm.clone(),
                    provenance: provenance(&alarm.trace, sources),
                })
                .collect(),
            alarm_command: plan
                .alarm_command
                .as_ref()
                .map(|(line, trace)| v1::AlarmCommand {
                    command: line.command.clone(),
                    argv: line.argv.clone().unwrap_or_default(),
                    provenance: provenance(trace, sources),
                }),
            steps,
            dropped: plan
                .dropped
                .iter()
                .map(|dropped| v1::Dropped {
                    target: convert_target(&dropped.target),
                    member: dropped.member.clone(),
                    reason: dropped.reason.clone(),
                    provenance: provenance(&dropped.trace, sources),
                })
                .collect(),
        }
    }
}

/// A step's target, moved when the step is the last of those that share
/// it (the steps that act in one place), else copied.
fn into_target(target: Arc<plan::Target>) -> v1::Target {
    match Arc::try_unwrap(target) {
        Ok(target) => v1::Target {
            stage: target.stage,
            wave: target.wave,
            region: target.region,
            az: target.az,
            cell: target.cell,
            onebox: target.onebox,
        },
        Err(shared) => convert_target(&shared),
    }
}

fn convert_target(target: &plan::Target) -> v1::Target {
    v1::Target {
        stage: target.stage.clone(),
        wave: target.wave.clone(),
        region: target.region.clone(),
        az: target.az.clone(),
        cell: target.cell.clone(),
        onebox: target.onebox,
    }
}

/// The JSON Pointer, in a step of kind `kind`, of the value `field` is
/// the provenance of (RFC 6901: `~` and `/` in a key are escaped). Those
/// of nearly every deploy and bake step are written out, not made for
/// each ([`joined_pointer`] is the rule).
fn pointer(kind: &str, field: &Field) -> Cow<'static, str> {
    let fixed = match (kind, field) {
        (_, Field::Region) => "/target/region",
        (_, Field::Parallel) => "/needs",
        ("deploy", Field::Platform) => "/deploy/platform",
        ("deploy", Field::Strategy) => "/deploy/strategy",
        ("deploy", Field::Traffic) => "/deploy/traffic_percent",
        ("deploy", Field::Command) => "/deploy/command",
        ("deploy", Field::Rollback) => "/deploy/rollback",
        ("bake", Field::Duration) => "/bake/duration_seconds",
        _ => return Cow::Owned(joined_pointer(kind, field)),
    };
    Cow::Borrowed(fixed)
}

/// [`pointer`], made: `/KIND/NAME` for a parameter of the step's kind.
fn joined_pointer(kind: &str, field: &Field) -> String {
    // Joined by hand, not formatted.
    let param = |name: &str| {
        let mut pointer = String::with_capacity(kind.len() + name.len() + 2);
        pointer.push('/');
        pointer.push_str(kind);
        pointer.push('/');
        pointer.push_str(name);
        pointer
    };
    match field {
        Field::Platform => param("platform"),
        Field::Strategy => param("strategy"),
        Field::Traffic => param("traffic_percent"),
        Field::Command => param("command"),
        Field::Shell => param("shell"),
        Field::Env(name) => param(&format!(
            "env/{}",
            name.replace('~', "~0").replace('/', "~1")
        )),
        Field::Rollback => param("rollback"),
        Field::Sign => param("sign"),
        Field::Timeout => param("timeout_seconds"),
        Field::Duration => param("duration_seconds"),
        Field::DataPoints(index) => param(&format!("data_points/{index}")),
        Field::Region => "/target/region".to_string(),
        Field::Parallel => "/needs".to_string(),
    }
}

/// Ids from base ids, by position: the base id, with `#2`, `#3`, ... on
/// the second and later entries that share one (see [`v1::GateEntry`]).
fn numbered_ids(bases: impl Iterator<Item = String>) -> Vec<v1::Name> {
    // Entries sharing a base id so far. Keys hold no `#`, so a numbered id
    // can never equal another entry's base id.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    bases
        .map(|base| {
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                v1::Name::from(base)
            } else {
                v1::Name::from(format!("{base}#{count}"))
            }
        })
        .collect()
}

/// `KIND:KEY` for a gate, before collisions are numbered.
fn base_id(kind: &GateKind) -> String {
    let (kind, key) = match kind {
        GateKind::Window { name, .. } => ("window", name.as_deref().unwrap_or("inline")),
        GateKind::Alarm { name, .. } => ("alarm", name.as_deref().unwrap_or("expr")),
        GateKind::Package(package) => ("package", package.as_str()),
        GateKind::GitRef(git_ref) => ("git", git_ref.as_str()),
        GateKind::Approval { role } => ("approval", role.as_str()),
    };
    format!("{kind}:{}", sanitized_key(key))
}

/// `key` made fit for an id: whitespace would make ids awkward to grep and
/// quote, and `#` is the collision suffix's; a key that would be empty
/// still needs a body.
fn sanitized_key(key: &str) -> String {
    let key: String = key
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || c == '#' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if key.is_empty() { "_".to_string() } else { key }
}

fn convert_region(region: &plan::PlanRegion) -> v1::Region {
    let plan::PlanRegion {
        code,
        registry,
        attributes,
        azs,
    } = region;
    v1::Region {
        code: code.clone(),
        registry: registry.clone(),
        // The code is the region's own field; repeating it among the
        // attributes would say it twice.
        attributes: attributes
            .iter()
            .filter(|(name, _)| name.as_str() != "code")
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        azs: azs.clone(),
    }
}

fn convert_step(step: &plan::Step, tables: &Tables<'_>) -> v1::Step {
    let names = StepNames {
        id: step.id.clone(),
        needs: step.needs.to_vec(),
        target: convert_target(&step.target),
    };
    finish_step(names, StepRest::of(step), tables)
}

/// [`convert_step`] of a step not needed afterwards: its names move.
fn into_step(step: plan::Step, tables: &Tables<'_>) -> v1::Step {
    let plan::Step {
        id,
        needs,
        target,
        params,
        rollback_alarm,
        gates,
        trace,
        fields,
    } = step;
    let names = StepNames {
        id,
        target: into_target(target),
        needs: needs.into_vec(),
    };
    let rest = StepRest {
        params: &params,
        rollback_alarm,
        gates: &gates,
        trace: &trace,
        fields: &fields,
    };
    finish_step(names, rest, tables)
}

/// A step's names in the format: its id, what it needs and where it acts.
struct StepNames {
    id: v1::Name,
    needs: Vec<v1::Name>,
    target: v1::Target,
}

/// The rest of a step, which converts alike whether the step is kept.
struct StepRest<'p> {
    params: &'p Params,
    rollback_alarm: Option<plan::AlarmRef>,
    gates: &'p plan::GateRefs,
    trace: &'p Trace,
    fields: &'p [(Field, Trace)],
}

impl<'p> StepRest<'p> {
    fn of(step: &'p plan::Step) -> Self {
        StepRest {
            params: &step.params,
            rollback_alarm: step.rollback_alarm,
            gates: &step.gates,
            trace: &step.trace,
            fields: &step.fields,
        }
    }
}

/// The format's step, from its names and the rest.
fn finish_step(names: StepNames, rest: StepRest<'_>, tables: &Tables<'_>) -> v1::Step {
    let sources = &tables.sources;
    v1::Step {
        id: names.id,
        needs: names.needs,
        target: names.target,
        params: params(rest.params),
        rollback_alarm: rest
            .rollback_alarm
            .and_then(|alarm| tables.alarm_ids.get(alarm.0).cloned()),
        gates: rest
            .gates
            .iter()
            .filter_map(|gate| tables.ids.get(gate.0).cloned())
            .collect(),
        provenance: provenance(rest.trace, sources),
        field_provenance: rest
            .fields
            .iter()
            .map(|(field, trace)| {
                (
                    pointer(kind_name(rest.params), field),
                    provenance(trace, sources),
                )
            })
            .collect(),
    }
}

/// The kind of step parameters make.
fn step_kind(params: &Params) -> v1::StepKind {
    match params {
        Params::Source { .. } => v1::StepKind::Source,
        Params::Build { .. } => v1::StepKind::Build,
        Params::Test { .. } => v1::StepKind::Test,
        Params::Deploy { .. } => v1::StepKind::Deploy,
        Params::Bake { .. } => v1::StepKind::Bake,
        Params::Approval { .. } => v1::StepKind::Approval,
        Params::Gate { .. } => v1::StepKind::Gate,
    }
}

/// The name of a step's kind, which is its parameter object's key.
fn kind_name(params: &Params) -> &'static str {
    step_kind(params).name()
}

/// An environment variable's value as the plan format writes it.
fn env_value(value: &plan::EnvValue) -> v1::EnvValue {
    match value {
        plan::EnvValue::Text(text) => v1::EnvValue::Text(text.clone()),
        plan::EnvValue::Secret(secret) => v1::EnvValue::Secret(v1::SecretRef {
            secret: secret.clone(),
        }),
    }
}

/// The command fields a build, test or deploy step writes.
struct RunFields {
    command: Option<String>,
    argv: Option<Vec<String>>,
    shell: bool,
    env: v1::Env,
}

impl RunFields {
    fn of(run: Option<&plan::Run>) -> RunFields {
        match run {
            Some(run) => RunFields {
                command: Some(run.line.command.clone()),
                argv: run.line.argv.clone(),
                shell: run.shell,
                env: run
                    .env
                    .iter()
                    .map(|(name, value)| (name.clone(), env_value(value)))
                    .chain(value_variables(&run.line))
                    .collect(),
            },
            None => RunFields {
                command: None,
                argv: None,
                shell: false,
                env: v1::Env::new(),
            },
        }
    }
}

/// The variables carrying a shell command's values (`PIPEC_VALUE_N`),
/// which go into its step's `env`.
fn value_variables(line: &plan::CommandLine) -> impl Iterator<Item = (String, v1::EnvValue)> + '_ {
    line.values
        .iter()
        .map(|(name, value)| (name.clone(), v1::EnvValue::Text(value.clone())))
}

fn command_line(line: &plan::CommandLine) -> v1::CommandLine {
    v1::CommandLine {
        command: line.command.clone(),
        argv: line.argv.clone(),
    }
}

fn percent(hundredths: u32) -> v1::Percent {
    v1::Percent::from_hundredths(hundredths)
}

fn params(params: &Params) -> v1::Params {
    match params {
        Params::Source {
            name,
            origin,
            require_review,
        } => v1::Params::Source(v1::SourceParams {
            name: name.clone(),
            origin: match origin {
                plan::SourceOrigin::Git { url, branch } => v1::SourceOrigin::Git {
                    url: url.clone(),
                    branch: branch.clone(),
                },
                plan::SourceOrigin::ArtifactStore { url } => {
                    v1::SourceOrigin::ArtifactStore { url: url.clone() }
                }
            },
            require_review: *require_review,
        }),
        Params::Build {
            artifact,
            sources,
            run,
            sign,
        } => {
            let run = RunFields::of(run.as_deref());
            v1::Params::Build(v1::BuildParams {
                artifact: artifact.clone(),
                sources: sources.clone(),
                // A build without `run` has an empty command, as it always had.
                command: run.command.unwrap_or_default(),
                argv: run.argv,
                shell: run.shell,
                env: run.env,
                sign: *sign,
            })
        }
        Params::Test {
            name,
            run,
            timeout_seconds,
            kind: _,
        } => {
            let run = RunFields::of(run.as_deref());
            v1::Params::Test(v1::TestParams {
                name: name.clone(),
                command: run.command,
                argv: run.argv,
                shell: run.shell,
                env: run.env,
                timeout_seconds: *timeout_seconds,
            })
        }
        Params::Deploy {
            artifacts,
            platform,
            strategy,
            traffic_hundredths,
            run,
            rollback,
            rollback_env,
        } => {
            let fields = RunFields::of(run.as_deref());
            // Without a deploy command, the rollback says whether the
            // step's commands are shell code.
            let shell = fields.shell
                || (run.is_none() && rollback.as_ref().is_some_and(|line| line.argv.is_none()));
            v1::Params::Deploy(v1::DeployParams {
                artifacts: artifacts.to_vec(),
                platform: match platform {
                    plan::Platform::Ecs => v1::Platform::Ecs,
                    plan::Platform::Lambda => v1::Platform::Lambda,
                    plan::Platform::Ec2 => v1::Platform::Ec2,
                    plan::Platform::OnPremises => v1::Platform::OnPremises,
                },
                strategy: match *strategy {
                    plan::Strategy::InPlace => v1::Strategy::InPlace,
                    plan::Strategy::Rolling {
                        batch,
                        min_healthy,
                        rollback_batch,
                    } => v1::Strategy::Rolling {
                        batch_percent: percent(batch),
                        min_healthy_percent: percent(min_healthy),
                        rollback_batch_percent: percent(rollback_batch),
                    },
                    plan::Strategy::BlueGreen => v1::Strategy::BlueGreen,
                    plan::Strategy::Canary {
                        percent: share,
                        wait_seconds,
                    } => v1::Strategy::Canary {
                        canary_percent: percent(share),
                        wait_seconds,
                    },
                    plan::Strategy::Linear {
                        step,
                        interval_seconds,
                    } => v1::Strategy::Linear {
                        step_percent: percent(step),
                        interval_seconds,
                    },
                    plan::Strategy::AllAtOnce => v1::Strategy::AllAtOnce,
                },
                traffic_percent: traffic_hundredths.map(percent),
                command: fields.command,
                argv: fields.argv,
                shell,
                // A rollback without a deploy command still needs its values.
                env: fields
                    .env
                    .into_iter()
                    .chain(
                        rollback_env
                            .iter()
                            .map(|(name, value)| (name.clone(), env_value(value))),
                    )
                    .chain(rollback.as_deref().into_iter().flat_map(value_variables))
                    .collect(),
                rollback: rollback.as_deref().map(command_line),
            })
        }
        Params::Bake {
            duration_seconds,
            data_points,
        } => v1::Params::Bake(v1::BakeParams {
            duration_seconds: *duration_seconds,
            data_points: data_points
                .iter()
                .map(|points| v1::DataPoints {
                    count: points.count,
                    measure: if points.measure == "requests" {
                        v1::Measure::Requests
                    } else {
                        v1::Measure::Datapoints
                    },
                    name: points.name.clone(),
                })
                .collect(),
        }),
        Params::Approval { role } => {
            v1::Params::Approval(v1::ApprovalParams { role: role.clone() })
        }
        Params::Gate { reason } => v1::Params::Gate(v1::GateParams {
            reason: reason.clone(),
        }),
    }
}

fn weekday(day: u8) -> v1::Weekday {
    match day {
        0 => v1::Weekday::Mon,
        1 => v1::Weekday::Tue,
        2 => v1::Weekday::Wed,
        3 => v1::Weekday::Thu,
        4 => v1::Weekday::Fri,
        5 => v1::Weekday::Sat,
        _ => v1::Weekday::Sun,
    }
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn convert_gate(gate: &plan::Gate, sources: &Locator<'_>) -> v1::Gate {
    let provenance = provenance(&gate.trace, sources);
    let overridable = gate.overridable;
    match &gate.kind {
        GateKind::Window {
            name,
            zone,
            allow,
            closed_dates,
        } => v1::Gate::Window(v1::WindowGate {
            window: name.clone(),
            zone: zone.clone(),
            allow: allow
                .iter()
                .map(|(days, start, end)| v1::WindowSlot {
                    days: days.iter().map(|day| weekday(*day)).collect(),
                    start: clock(*start),
                    end: clock(*end),
                })
                .collect(),
            closed_dates: closed_dates.to_vec(),
            overridable,
            provenance,
        }),
        GateKind::Alarm { name, alarm } => v1::Gate::Alarm(v1::AlarmGate {
            name: name.clone(),
            alarm: alarm.clone(),
            overridable,
            provenance,
        }),
        GateKind::Package(package) => v1::Gate::Artifact(v1::ArtifactGate {
            blocked: v1::Blocked::Package(package.clone()),
            overridable,
            provenance,
        }),
        GateKind::GitRef(git_ref) => v1::Gate::Artifact(v1::ArtifactGate {
            blocked: v1::Blocked::GitRef(git_ref.clone()),
            overridable,
            provenance,
        }),
        GateKind::Approval { role } => v1::Gate::Approval(v1::ApprovalGate {
            role: role.clone(),
            overridable,
            provenance,
        }),
    }
}

fn how(how: How) -> v1::How {
    match how {
        How::Set | How::Declared => v1::How::Set,
        How::Bind => v1::How::Bind,
        How::Append => v1::How::Append,
        How::Remove => v1::How::Remove,
        How::Profile => v1::How::Profile,
        How::BakeScale => v1::How::BakeScale,
        How::Floor => v1::How::Floor,
    }
}

/// Places in source as a plan's provenances give them, worked out once
/// per conversion: a plan's hundreds of provenances name a handful of
/// files and a few dozen places, so each file's name is made once and
/// shared, and each place's line and column counted once, both found
/// again by one lookup.
struct Locator<'s> {
    sources: &'s SourceMap,
    files: RefCell<Vec<(FileId, Arc<str>)>>,
    places: RefCell<FastHashMap<(FileId, usize), Located>>,
}

/// A place's file name, one-based line and one-based column.
type Located = (Arc<str>, u32, u32);

impl<'s> Locator<'s> {
    fn new(sources: &'s SourceMap) -> Self {
        Locator {
            sources,
            files: RefCell::new(Vec::new()),
            // A service's plan names a few dozen places.
            places: RefCell::new(FastHashMap::with_capacity_and_hasher(
                64,
                Default::default(),
            )),
        }
    }

    /// The file, line and column of a place; line and column are
    /// one-based, so at least 1, as the format requires.
    fn locate(&self, place: plan::Place) -> Located {
        let mut places = self.places.borrow_mut();
        let (name, line, column) = places
            .entry((place.file, place.span.start()))
            .or_insert_with(|| self.find(place));
        (Arc::clone(name), *line, *column)
    }

    /// [`Locator::locate`] of a place not met before.
    fn find(&self, place: plan::Place) -> Located {
        // Every place the lowering records is in a loaded file; if one is
        // not, the plan still says so in a valid form rather than with an
        // empty name and a line 0.
        let Some(file) = self.sources.get(place.file) else {
            return (Arc::from(v1::UNKNOWN_FILE), 1, 1);
        };
        let name = {
            let mut files = self.files.borrow_mut();
            match files.iter().find(|(id, _)| *id == place.file) {
                Some((_, name)) => Arc::clone(name),
                None => {
                    let name: Arc<str> = Arc::from(plan_file(&file.name));
                    files.push((place.file, Arc::clone(&name)));
                    name
                }
            }
        };
        let (line, column) = file.line_col(place.span.start());
        (
            name,
            u32::try_from(line).unwrap_or(u32::MAX).max(1),
            u32::try_from(column).unwrap_or(u32::MAX).max(1),
        )
    }
}

/// A source name as the plan writes it: relative, with `/` separators and
/// no empty, `.` or `..` segments, as the format promises. Names are
/// usually already in that form (relative to where `pipec` ran, or
/// `std/NAME`) and are kept as they are; a name given as an absolute path,
/// or as `./x.pipe`, loses its root, drive and dot segments, lexically
/// (`..` drops the segment before it, and is dropped at the start); `:`,
/// which the format keeps for no file, becomes `_`. A name left empty is
/// [`v1::UNKNOWN_FILE`].
pub(crate) fn plan_file(name: &str) -> Cow<'_, str> {
    let clean = !name.is_empty()
        && !name.contains(['\\', ':'])
        && name
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."));
    if clean {
        return Cow::Borrowed(name);
    }
    let name = name.replace('\\', "/");
    // A drive (`C:` before the root) goes with the root.
    let name = match name.split_once(':') {
        Some((drive, rest))
            if drive.len() == 1
                && drive.chars().all(|c| c.is_ascii_alphabetic())
                && rest.starts_with('/') =>
        {
            rest
        }
        _ => name.as_str(),
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in name.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    if segments.is_empty() {
        return Cow::Borrowed(v1::UNKNOWN_FILE);
    }
    Cow::Owned(segments.join("/").replace(':', "_"))
}

fn provenance(trace: &Trace, sources: &Locator<'_>) -> v1::Provenance {
    let (file, line, column) = sources.locate(trace.at);
    let not_scaled = trace.not_scaled.map(|(reason, place)| {
        let (file, line, column) = sources.locate(place);
        let file = file.to_string();
        v1::NotScaled {
            reason: match reason {
                NotScaled::Final => v1::NotScaledReason::Final,
                NotScaled::Profile => v1::NotScaledReason::Profile,
            },
            file,
            line,
            column,
        }
    });
    v1::Provenance {
        file,
        line,
        column,
        how: how(trace.how),
        overrides: trace
            .overrides
            .iter()
            .map(|(place, override_how, value)| {
                let (file, line, column) = sources.locate(*place);
                let file = file.to_string();
                v1::Override {
                    file,
                    line,
                    column,
                    how: how(*override_how),
                    value: value.clone(),
                }
            })
            .collect(),
        not_scaled,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::plan::{Gate, Place, Trace};
    use crate::source::{FileId, SourceFile, Span};

    #[test]
    fn written_out_pointers_are_the_joined_ones() {
        let kinds = [
            "source", "build", "test", "deploy", "bake", "approval", "gate",
        ];
        let fields = [
            Field::Platform,
            Field::Strategy,
            Field::Traffic,
            Field::Command,
            Field::Shell,
            Field::Env("A/B~C".to_string()),
            Field::Rollback,
            Field::Sign,
            Field::Timeout,
            Field::Duration,
            Field::DataPoints(2),
            Field::Region,
            Field::Parallel,
        ];
        let mut written_out = 0;
        for kind in kinds {
            for field in &fields {
                let pointer = pointer(kind, field);
                written_out += usize::from(matches!(pointer, Cow::Borrowed(_)));
                assert_eq!(pointer, joined_pointer(kind, field), "{kind} {field:?}");
            }
        }
        // Region and parallel for each kind, six deploy and bake ones.
        assert_eq!(written_out, 2 * kinds.len() + 6);
    }

    fn gate(kind: GateKind, line: u32) -> Gate {
        Gate {
            kind,
            overridable: false,
            trace: Trace {
                at: Place {
                    file: FileId(0),
                    span: Span::at(line as usize),
                },
                how: How::Set,
                overrides: Vec::new(),
                not_scaled: None,
            },
        }
    }

    #[test]
    fn gate_ids_are_readable_and_numbered_on_collisions() {
        let window = |name: Option<&str>, at| {
            gate(
                GateKind::Window {
                    name: name.map(str::to_string),
                    zone: "UTC".to_string(),
                    allow: Vec::new().into(),
                    closed_dates: Vec::new().into(),
                },
                at,
            )
        };
        let alarm = |name: Option<&str>, at| {
            gate(
                GateKind::Alarm {
                    name: name.map(str::to_string),
                    alarm: "ALARM(\"A\")".to_string(),
                },
                at,
            )
        };
        let gates = [
            window(Some("business_hours"), 1),
            alarm(Some("high_severity"), 2),
            window(Some("business_hours"), 3),
            window(None, 4),
            alarm(None, 5),
            alarm(None, 6),
            gate(GateKind::Package("libjson@2.3.1".to_string()), 7),
            gate(GateKind::GitRef("refs/tags/bad".to_string()), 8),
            gate(
                GateKind::Approval {
                    role: "senior-engineer".to_string(),
                },
                9,
            ),
            gate(
                GateKind::Approval {
                    role: "release manager #1".to_string(),
                },
                10,
            ),
            window(Some("business_hours"), 11),
            gate(GateKind::GitRef(String::new()), 12),
        ];
        let ids = numbered_ids(gates.iter().map(|gate| base_id(&gate.kind)));
        assert_eq!(
            ids.iter().map(|id| &**id).collect::<Vec<_>>(),
            [
                "window:business_hours",
                "alarm:high_severity",
                "window:business_hours#2",
                "window:inline",
                "alarm:expr",
                "alarm:expr#2",
                "package:libjson@2.3.1",
                "git:refs/tags/bad",
                "approval:senior-engineer",
                "approval:release_manager__1",
                "window:business_hours#3",
                "git:_",
            ]
        );
    }

    #[test]
    fn plan_files_are_relative_and_never_empty() {
        for (name, expected) in [
            ("examples/sample/org.pipe", "examples/sample/org.pipe"),
            ("std/aws", "std/aws"),
            ("<stdin>", "<stdin>"),
            ("./org.pipe", "org.pipe"),
            ("././team//service.pipe", "team/service.pipe"),
            ("/home/ci/shop/org.pipe", "home/ci/shop/org.pipe"),
            ("C:\\shop\\team\\service.pipe", "shop/team/service.pipe"),
            ("../shared/org.pipe", "shared/org.pipe"),
            ("team/../org.pipe", "org.pipe"),
            ("a:b.pipe", "a_b.pipe"),
            ("", "<unknown>"),
            ("/", "<unknown>"),
            ("./", "<unknown>"),
        ] {
            assert_eq!(plan_file(name), expected, "{name:?}");
        }
        // A clean name is not copied.
        assert!(matches!(plan_file("org.pipe"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_unknown_file_is_marked_at_line_one() {
        let place = Place {
            file: FileId(7),
            span: Span::at(0),
        };
        assert_eq!(
            Locator::new(&SourceMap::new()).locate(place),
            (Arc::from(v1::UNKNOWN_FILE), 1, 1)
        );
    }

    /// The place cache is by file and offset: two places at the same
    /// offset of different files, and two offsets of one file, are told
    /// apart, and a place asked for again gets the same answer.
    #[test]
    fn places_are_located_once_and_told_apart() {
        let mut sources = SourceMap::new();
        let first = sources.add(SourceFile::new("a.pipe", "one\ntwo\n  three\n"));
        let second = sources.add(SourceFile::new("./b.pipe", "x\n\ny\n"));
        let locator = Locator::new(&sources);
        let at = |file, offset| Place {
            file,
            span: Span::at(offset),
        };
        let expected: [(FileId, usize, &str, u32, u32); 6] = [
            (first, 10, "a.pipe", 3, 3),
            (second, 3, "b.pipe", 3, 1),
            (first, 4, "a.pipe", 2, 1),
            (second, 4, "b.pipe", 3, 2),
            (first, 10, "a.pipe", 3, 3),
            (second, 0, "b.pipe", 1, 1),
        ];
        for (file, offset, name, line, column) in expected {
            assert_eq!(
                locator.locate(at(file, offset)),
                (Arc::from(name), line, column),
                "{file:?} at {offset}"
            );
        }
    }
}
