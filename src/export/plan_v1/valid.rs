//! What `schemas/plan-v1.schema.json` says of a plan's values beyond
//! their types, checked on a plan just read: names and ids of their
//! forms, lists without repeats, strings that may not be empty, bounds of
//! durations and counts, the fields that go (or never go) together, and
//! the files of provenances. A plan the schema refuses is refused here
//! too, with what is wrong and where, so that a reader is never looser
//! than the format it reads.

use super::{
    Artifact, BakeParams, BuildParams, DeployParams, Dropped, Env, EnvValue, FieldProvenance, Gate,
    GateEntry, Name, Params, Percent, PlanV1, Provenance, Region, SourceOrigin, SourceParams, Step,
    StepKind, Strategy, Target, TestParams,
};
use std::collections::BTreeSet;

/// The longest duration, in seconds: 100 years.
const MAX_SECONDS: u64 = 3_155_760_000;

/// The largest count, 2^53, which every JSON parser reads exactly.
const MAX_COUNT: u64 = 9_007_199_254_740_992;

/// What a name is, for messages.
const NAME_FORM: &str =
    "letters, digits and `_`, not starting with a digit, with single `-` between them";

/// Checks every value of `plan` the schema constrains and its types do
/// not; the first problem found, for people.
pub(super) fn plan(plan: &PlanV1) -> Result<(), String> {
    name(&plan.pipeline, "the pipeline's name")?;
    if plan.compiler.name != "pipec" {
        return Err(format!(
            "`compiler.name` is `{}`; it is always `pipec`",
            plan.compiler.name.escape_debug()
        ));
    }
    not_empty(&plan.compiler.version, "`compiler.version`")?;
    if let Some(profile) = &plan.profile {
        name(profile, "the profile")?;
    }
    for artifact in &plan.artifacts {
        self::artifact(artifact)?;
    }
    let mut listed = BTreeSet::new();
    for region in &plan.regions {
        self::region(region)?;
        // Steps name a region by its code: one listed twice, perhaps with
        // other attributes, would leave which one they mean to chance.
        if !listed.insert(&*region.code) {
            return Err(format!(
                "the `regions` table lists `{}` twice",
                region.code.escape_debug()
            ));
        }
    }
    for entry in &plan.gates {
        gate(entry)?;
    }
    for alarm in &plan.alarms {
        let what = format!("alarm `{}`", alarm.id.escape_debug());
        alarm_id(&alarm.id, &what)?;
        if let Some(name) = &alarm.name {
            path(name, &format!("{what}: its `name`"))?;
        }
        alarm_expression(&alarm.alarm, &what)?;
    }
    if let Some(command) = &plan.alarm_command {
        not_empty(&command.command, "`alarm_command.command`")?;
        if command.argv.is_empty() {
            return Err("`alarm_command.argv` is empty; it holds the program at least".to_string());
        }
    }
    for step in &plan.steps {
        self::step(step)?;
    }
    for dropped in &plan.dropped {
        self::dropped(dropped)?;
    }
    Ok(())
}

/// The references docs/plan-format.md lists among what the schema
/// cannot say, which a plan's engine relies on: ids are unique; a step
/// needs only earlier steps, and checks and watches gates and alarms of
/// the plan's tables; artifacts come from the build steps that say so
/// and are listed where deployed; windows list their days, dates and
/// slots forward. A step whose rollback alarm named nothing would run
/// unwatched.
pub(super) fn references(plan: &PlanV1) -> Result<(), String> {
    let mut steps: std::collections::BTreeMap<&str, &Step> = std::collections::BTreeMap::new();
    for step in &plan.steps {
        for need in &step.needs {
            if !steps.contains_key(&**need) {
                let found_later = plan.steps.iter().any(|later| later.id == *need);
                return Err(if *need == step.id {
                    format!("step `{}` needs itself", step.id)
                } else if found_later {
                    format!(
                        "step `{}` needs `{need}`, which comes after it: steps must be in an order where each comes after what it needs",
                        step.id
                    )
                } else {
                    format!("step `{}` needs `{need}`, which is not a step", step.id)
                });
            }
        }
        if steps.insert(&step.id, step).is_some() {
            return Err(format!("two steps have the id `{}`", step.id));
        }
    }
    let gates = unique(plan.gates.iter().map(|entry| &*entry.id), "gate")?;
    let alarms = unique(plan.alarms.iter().map(|alarm| &*alarm.id), "alarm")?;
    for step in &plan.steps {
        if let Some(id) = step.gates.iter().find(|id| !gates.contains(&***id)) {
            return Err(format!(
                "step `{}` checks gate `{id}`, which is not in `gates`",
                step.id
            ));
        }
        if let Some(id) = &step.rollback_alarm
            && !alarms.contains(&**id)
        {
            return Err(format!(
                "step `{}` rolls back on alarm `{id}`, which is not in `alarms`",
                step.id
            ));
        }
    }
    let artifacts = unique(
        plan.artifacts.iter().map(|artifact| artifact.name.as_str()),
        "artifact",
    )?;
    for artifact in &plan.artifacts {
        let build = steps
            .get(artifact.produced_by.as_str())
            .and_then(|step| match &step.params {
                Params::Build(build) if build.artifact == artifact.name => Some(build),
                _ => None,
            });
        match build {
            None => {
                return Err(format!(
                    "artifact `{}` is produced by `{}`, which is not a build step of that artifact",
                    artifact.name, artifact.produced_by
                ));
            }
            Some(build) if build.sign != artifact.signed => {
                return Err(format!(
                    "artifact `{}` says `signed` is {}, and its build step `{}` says `sign` is {}",
                    artifact.name, artifact.signed, artifact.produced_by, build.sign
                ));
            }
            Some(_) => {}
        }
    }
    for step in &plan.steps {
        if let Params::Deploy(deploy) = &step.params
            && let Some(name) = deploy
                .artifacts
                .iter()
                .find(|name| !artifacts.contains(&***name))
        {
            return Err(format!(
                "step `{}` deploys `{name}`, which is not in `artifacts`",
                step.id
            ));
        }
    }
    for entry in &plan.gates {
        let Gate::Window(window) = &entry.gate else {
            continue;
        };
        let what = format!("gate `{}`", entry.id);
        if window.closed_dates.windows(2).any(|pair| match pair {
            [earlier, later] => earlier >= later,
            _ => false,
        }) {
            return Err(format!("{what}: `closed_dates` are not ascending"));
        }
        for slot in &window.allow {
            if slot.days.windows(2).any(|pair| match pair {
                [earlier, later] => earlier >= later,
                _ => false,
            }) {
                return Err(format!("{what}: a slot's `days` are not Monday first"));
            }
            if slot.start >= slot.end {
                return Err(format!(
                    "{what}: a slot starts at {} and ends at {}; it starts before its end",
                    slot.start, slot.end
                ));
            }
        }
    }
    Ok(())
}

/// The ids of a table, each once.
fn unique<'a>(ids: impl Iterator<Item = &'a str>, what: &str) -> Result<BTreeSet<&'a str>, String> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(format!("two {what}s have the id `{id}`"));
        }
    }
    Ok(seen)
}

fn artifact(artifact: &Artifact) -> Result<(), String> {
    name(&artifact.name, "an artifact's name")?;
    let what = format!("artifact `{}`", artifact.name);
    step_id(&artifact.produced_by, &format!("{what}: its `produced_by`"))
}

fn region(region: &Region) -> Result<(), String> {
    name(&region.code, "a region's `code`")?;
    let what = format!("region `{}`", region.code);
    if let Some(registry) = &region.registry {
        name(registry, &format!("{what}: its `registry`"))?;
    }
    for az in &region.azs {
        name(az, &format!("{what}: an AZ id"))?;
    }
    no_repeats(region.azs.iter(), &format!("{what}: `azs`"))
}

fn gate(entry: &GateEntry) -> Result<(), String> {
    let what = format!("gate `{}`", entry.id.escape_debug());
    gate_id(&entry.id, &what)?;
    let (kinds, expected): (&[&str], &str) = match &entry.gate {
        Gate::Window(_) => (&["window"], "`window:`"),
        Gate::Alarm(_) => (&["alarm"], "`alarm:`"),
        Gate::Artifact(artifact) => match artifact.blocked {
            super::Blocked::Package(_) => (&["package"], "`package:`, as it blocks a package"),
            super::Blocked::GitRef(_) => (&["git"], "`git:`, as it blocks a git ref"),
        },
        Gate::Approval(_) => (&["approval"], "`approval:`"),
    };
    let kind = entry.id.split(':').next().unwrap_or_default();
    if !kinds.contains(&kind) {
        return Err(format!(
            "{what} is of type `{}`, whose id starts with {expected}",
            gate_type(&entry.gate)
        ));
    }
    match &entry.gate {
        Gate::Window(window) => {
            if let Some(name) = &window.window {
                path(name, &format!("{what}: its `window`"))?;
            }
            zone(&window.zone, &what)?;
            if window.allow.is_empty() {
                return Err(format!(
                    "{what}: `allow` is empty; a window allows one slot at least"
                ));
            }
            for slot in &window.allow {
                if slot.days.is_empty() {
                    return Err(format!(
                        "{what}: a slot of `allow` has no `days`; it has one at least"
                    ));
                }
                no_repeats(slot.days.iter(), &format!("{what}: a slot's `days`"))?;
                time(&slot.start, &what)?;
                time(&slot.end, &what)?;
            }
            for date in &window.closed_dates {
                self::date(date, &what)?;
            }
            no_repeats(
                window.closed_dates.iter(),
                &format!("{what}: `closed_dates`"),
            )
        }
        Gate::Alarm(alarm) => {
            if let Some(name) = &alarm.name {
                path(name, &format!("{what}: its `name`"))?;
            }
            alarm_expression(&alarm.alarm, &what)
        }
        Gate::Artifact(artifact) => match &artifact.blocked {
            super::Blocked::Package(package) => {
                let form = package
                    .rsplit_once('@')
                    .is_some_and(|(name, version)| !name.is_empty() && !version.is_empty())
                    && !package.chars().any(is_space);
                if form {
                    Ok(())
                } else {
                    Err(format!(
                        "{what}: `package` `{}` is not `NAME@VERSION` (no whitespace)",
                        package.escape_debug()
                    ))
                }
            }
            super::Blocked::GitRef(git_ref) => not_empty(git_ref, &format!("{what}: `git_ref`")),
        },
        Gate::Approval(approval) => not_empty(&approval.role, &format!("{what}: `role`")),
    }
}

fn gate_type(gate: &Gate) -> &'static str {
    match gate {
        Gate::Window(_) => "window",
        Gate::Alarm(_) => "alarm",
        Gate::Artifact(_) => "artifact",
        Gate::Approval(_) => "approval",
    }
}

fn step(step: &Step) -> Result<(), String> {
    step_id(&step.id, "a step's `id`")?;
    let what = format!("step `{}`", step.id);
    for need in &step.needs {
        step_id(need, &format!("{what}: an id of `needs`"))?;
    }
    no_repeats(step.needs.iter(), &format!("{what}: `needs`"))?;
    target(&step.target, &what)?;
    params(&step.params, &what)?;
    if let Some(alarm) = &step.rollback_alarm {
        alarm_id(alarm, &format!("{what}: its `rollback_alarm`"))?;
        if !matches!(
            step.kind(),
            StepKind::Deploy | StepKind::Test | StepKind::Bake
        ) {
            return Err(format!(
                "{what} is of kind `{}` and has a `rollback_alarm`, which only deploy, test and bake steps have",
                step.kind().name()
            ));
        }
    }
    for id in &step.gates {
        gate_id(id, &format!("{what}: a gate id of `gates`"))?;
    }
    field_provenance(&step.field_provenance, &what)
}

fn target(target: &Target, what: &str) -> Result<(), String> {
    name(&target.stage, &format!("{what}: `target.stage`"))?;
    let fields = [
        ("wave", &target.wave),
        ("region", &target.region),
        ("az", &target.az),
        ("cell", &target.cell),
    ];
    for (field, value) in fields {
        if let Some(value) = value {
            name(value, &format!("{what}: `target.{field}`"))?;
        }
    }
    if target.wave.is_some() && &*target.stage != "production" {
        return Err(format!(
            "{what}: `target` has a `wave` in stage `{}`; only `production` has waves",
            target.stage
        ));
    }
    if target.az.is_some() && target.cell.is_some() {
        return Err(format!(
            "{what}: `target` has both an `az` and a `cell`; a step acts in one at most"
        ));
    }
    if target.onebox && (target.az.is_some() || target.cell.is_some()) {
        return Err(format!(
            "{what}: `target` is a one-box in an AZ or cell; a region's one-box comes before its AZs and cells, in none of them"
        ));
    }
    if (target.az.is_some() || target.cell.is_some()) && target.region.is_none() {
        return Err(format!(
            "{what}: `target` has an `az` or `cell` but no `region`"
        ));
    }
    Ok(())
}

pub(super) fn params(params: &Params, what: &str) -> Result<(), String> {
    match params {
        Params::Source(source) => self::source(source, what),
        Params::Build(build) => self::build(build, what),
        Params::Test(test) => self::test(test, what),
        Params::Deploy(deploy) => self::deploy(deploy, what),
        Params::Bake(bake) => self::bake(bake, what),
        Params::Approval(approval) => {
            not_empty(&approval.role, &format!("{what}: `approval.role`"))
        }
        Params::Gate(gate) => not_empty(&gate.reason, &format!("{what}: `gate.reason`")),
    }
}

fn source(source: &SourceParams, what: &str) -> Result<(), String> {
    name(&source.name, &format!("{what}: `source.name`"))?;
    match &source.origin {
        SourceOrigin::Git { url, branch } => {
            not_empty(url, &format!("{what}: `source.url`"))?;
            not_empty(branch, &format!("{what}: `source.branch`"))
        }
        SourceOrigin::ArtifactStore { url } => not_empty(url, &format!("{what}: `source.url`")),
    }
}

fn build(build: &BuildParams, what: &str) -> Result<(), String> {
    name(&build.artifact, &format!("{what}: `build.artifact`"))?;
    for source in &build.sources {
        name(source, &format!("{what}: a name of `build.sources`"))?;
    }
    no_repeats(build.sources.iter(), &format!("{what}: `build.sources`"))?;
    not_empty(&build.command, &format!("{what}: `build.command`"))?;
    command_form(
        build.argv.as_ref(),
        build.shell,
        &env_of(&build.env),
        what,
        "build",
    )
}

fn test(test: &TestParams, what: &str) -> Result<(), String> {
    name(&test.name, &format!("{what}: `test.name`"))?;
    match &test.command {
        Some(command) => not_empty(command, &format!("{what}: `test.command`"))?,
        None => {
            let without = [
                ("argv", test.argv.is_some()),
                ("shell", test.shell),
                ("env", !test.env.is_empty()),
            ];
            if let Some((field, _)) = without.iter().find(|(_, present)| *present) {
                return Err(format!("{what}: `test.{field}` without a `test.command`"));
            }
        }
    }
    command_form(
        test.argv.as_ref(),
        test.shell,
        &env_of(&test.env),
        what,
        "test",
    )?;
    if test.timeout_seconds == 0 {
        return Err(format!(
            "{what}: `test.timeout_seconds` is 0; a test may run 1 second at least"
        ));
    }
    seconds(
        test.timeout_seconds,
        &format!("{what}: `test.timeout_seconds`"),
    )
}

fn deploy(deploy: &DeployParams, what: &str) -> Result<(), String> {
    if deploy.artifacts.is_empty() {
        return Err(format!(
            "{what}: `deploy.artifacts` is empty; a deploy deploys one artifact at least"
        ));
    }
    for artifact in &deploy.artifacts {
        name(artifact, &format!("{what}: a name of `deploy.artifacts`"))?;
    }
    no_repeats(
        deploy.artifacts.iter(),
        &format!("{what}: `deploy.artifacts`"),
    )?;
    // A share that moves nothing would never finish (the language refuses
    // it where the strategy is written).
    let moves = |share: Percent, field: &str, below_all: bool| {
        let all = Percent::from_hundredths(10_000);
        if share.hundredths() == 0 || (below_all && share == all) {
            let range = if below_all {
                "above 0 and below 100"
            } else {
                "above 0"
            };
            return Err(format!("{what}: the strategy's `{field}` is {range}"));
        }
        Ok(())
    };
    match deploy.strategy {
        Strategy::Canary {
            canary_percent,
            wait_seconds,
        } => {
            moves(canary_percent, "canary_percent", true)?;
            seconds(
                wait_seconds,
                &format!("{what}: the strategy's `wait_seconds`"),
            )?;
        }
        Strategy::Linear {
            step_percent,
            interval_seconds,
        } => {
            moves(step_percent, "step_percent", false)?;
            seconds(
                interval_seconds,
                &format!("{what}: the strategy's `interval_seconds`"),
            )?;
        }
        Strategy::Rolling {
            batch_percent,
            rollback_batch_percent,
            ..
        } => {
            moves(batch_percent, "batch_percent", false)?;
            moves(rollback_batch_percent, "rollback_batch_percent", false)?;
        }
        Strategy::InPlace | Strategy::BlueGreen | Strategy::AllAtOnce => {}
    }
    match &deploy.command {
        Some(command) => not_empty(command, &format!("{what}: `deploy.command`"))?,
        None if deploy.argv.is_some() => {
            return Err(format!("{what}: `deploy.argv` without a `deploy.command`"));
        }
        None => {}
    }
    command_form(
        deploy.argv.as_ref(),
        deploy.shell,
        &env_of(&deploy.env),
        what,
        "deploy",
    )?;
    if let Some(rollback) = &deploy.rollback {
        not_empty(
            &rollback.command,
            &format!("{what}: `deploy.rollback.command`"),
        )?;
        if rollback.argv.as_ref().is_some_and(Vec::is_empty) {
            return Err(format!(
                "{what}: `deploy.rollback.argv` is empty; it holds the program at least"
            ));
        }
        if deploy.shell && rollback.argv.is_some() {
            return Err(format!(
                "{what}: `deploy.rollback` has an `argv` while the step's `shell` is `true`; a shell command has no `argv`"
            ));
        }
    }
    Ok(())
}

fn bake(bake: &BakeParams, what: &str) -> Result<(), String> {
    seconds(
        bake.duration_seconds,
        &format!("{what}: `bake.duration_seconds`"),
    )?;
    for requirement in &bake.data_points {
        if requirement.count > MAX_COUNT {
            return Err(format!(
                "{what}: a data-point `count` of {} is over 2^53 ({MAX_COUNT})",
                requirement.count
            ));
        }
        not_empty(&requirement.name, &format!("{what}: a data point's `name`"))?;
    }
    Ok(())
}

/// An environment as the checks read it: each name and, for a secret,
/// the variable it is read from.
fn env_of(env: &Env) -> Vec<(&str, Option<&str>)> {
    env.iter()
        .map(|(name, value)| {
            let secret = match value {
                EnvValue::Text(_) => None,
                EnvValue::Secret(secret) => Some(secret.secret.as_str()),
            };
            (name.as_str(), secret)
        })
        .collect()
}

/// `argv` (not empty) or `shell`, never both; the environment's names
/// and secrets.
fn command_form(
    argv: Option<&Vec<String>>,
    shell: bool,
    env: &[(&str, Option<&str>)],
    what: &str,
    kind: &str,
) -> Result<(), String> {
    if argv.is_some_and(Vec::is_empty) {
        return Err(format!(
            "{what}: `{kind}.argv` is empty; it holds the program at least"
        ));
    }
    if shell && argv.is_some() {
        return Err(format!(
            "{what}: `{kind}` has both `argv` and `shell`; a command runs without a shell (`argv`) or in one"
        ));
    }
    for (variable, secret) in env {
        if !(env_name(variable) || value_variable(variable)) {
            return Err(format!(
                "{what}: `{kind}.env` names `{}`, which is no variable name (letters, digits and `_`, not starting with a digit or with `PIPEC_`, but for `PIPEC_VALUE_N`)",
                variable.escape_debug()
            ));
        }
        if let Some(secret) = secret
            && !env_name(secret)
        {
            return Err(format!(
                "{what}: `{kind}.env.{variable}` is the secret `{}`, which is no variable name (letters, digits and `_`, not starting with a digit or with `PIPEC_`)",
                secret.escape_debug()
            ));
        }
    }
    Ok(())
}

pub(super) fn field_provenance(fields: &FieldProvenance, what: &str) -> Result<(), String> {
    for (pointer, _) in fields {
        if !field_pointer(pointer) {
            return Err(format!(
                "{what}: `field_provenance` has the key `{}`, which is no pointer to a value a step's source sets",
                pointer.escape_debug()
            ));
        }
    }
    Ok(())
}

/// The keys of `field_provenance` the schema allows.
fn field_pointer(pointer: &str) -> bool {
    let Some(rest) = pointer.strip_prefix('/') else {
        return false;
    };
    if rest == "target/region" || rest == "needs" {
        return true;
    }
    let Some((kind, field)) = rest.split_once('/') else {
        return false;
    };
    let kinds = [
        "source", "build", "test", "deploy", "bake", "approval", "gate",
    ];
    let fields = [
        "platform",
        "strategy",
        "traffic_percent",
        "command",
        "shell",
        "rollback",
        "sign",
        "timeout_seconds",
        "duration_seconds",
    ];
    kinds.contains(&kind)
        && (fields.contains(&field)
            || field.strip_prefix("env/").is_some_and(identifier_word)
            || field.strip_prefix("data_points/").is_some_and(|index| {
                index == "0"
                    || (!index.starts_with('0')
                        && !index.is_empty()
                        && index.bytes().all(|byte| byte.is_ascii_digit()))
            }))
}

fn dropped(dropped: &Dropped) -> Result<(), String> {
    let what = "a value of `dropped`";
    target(&dropped.target, what)?;
    if !["by az", "by cell", "bake", "wait for"].contains(&dropped.member.as_str()) {
        return Err(format!(
            "{what}: `member` is `{}`, not `by az`, `by cell`, `bake` or `wait for`",
            dropped.member.escape_debug()
        ));
    }
    not_empty(&dropped.reason, &format!("{what}: `reason`"))
}

/// A provenance's own checks, as it is read (whole, or as an entry of
/// the table): its files, and one-based lines and columns throughout.
pub(super) fn provenance(provenance: &Provenance) -> Result<(), String> {
    file(&provenance.file)?;
    for old in &provenance.overrides {
        file(&old.file)?;
        one_based(old.line, old.column, "an override's")?;
    }
    if let Some(skip) = &provenance.not_scaled {
        file(&skip.file)?;
        one_based(skip.line, skip.column, "a `not_scaled`'s")?;
    }
    Ok(())
}

fn one_based(line: u32, column: u32, whose: &str) -> Result<(), String> {
    if line == 0 || column == 0 {
        return Err(format!("{whose} line and column are one-based"));
    }
    Ok(())
}

/// A file as provenance names it: relative, `/` separators, no `.` or
/// `..` segment, no `\` or `:`.
fn file(file: &str) -> Result<(), String> {
    let form = !file.is_empty()
        && !file.starts_with('/')
        && !file.contains(['\\', ':'])
        && !file
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    if form {
        Ok(())
    } else {
        Err(format!(
            "a provenance's file `{}` is not a relative path with `/` separators, without `.` or `..` segments, `\\` or `:`",
            file.escape_debug()
        ))
    }
}

fn not_empty(text: &str, what: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    Ok(())
}

fn no_repeats<T: Ord + std::fmt::Debug>(
    items: impl Iterator<Item = T>,
    what: &str,
) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for item in items {
        if seen.contains(&item) {
            return Err(format!("{what} repeats {item:?}"));
        }
        seen.insert(item);
    }
    Ok(())
}

fn seconds(value: u64, what: &str) -> Result<(), String> {
    if value > MAX_SECONDS {
        return Err(format!(
            "{what} is {value} seconds, over 100 years ({MAX_SECONDS})"
        ));
    }
    Ok(())
}

/// ASCII letters, digits and `_`, not starting with a digit, not empty.
fn identifier_word(word: &str) -> bool {
    word.bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && word
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// A `.pipe` identifier: words of letters, digits and `_` joined by
/// single `-`, the first not starting with a digit.
fn is_name(text: &str) -> bool {
    let mut parts = text.split('-');
    parts.next().is_some_and(identifier_word)
        && parts.all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        })
}

fn name(text: &str, what: &str) -> Result<(), String> {
    if is_name(text) {
        return Ok(());
    }
    Err(format!(
        "{what} `{}` is not an identifier ({NAME_FORM})",
        text.escape_debug()
    ))
}

/// Names joined by `.`.
fn path(text: &str, what: &str) -> Result<(), String> {
    if text.split('.').all(is_name) {
        return Ok(());
    }
    Err(format!(
        "{what} `{}` is not identifiers joined by `.` ({NAME_FORM})",
        text.escape_debug()
    ))
}

/// Names joined by `/`.
fn step_id(text: &str, what: &str) -> Result<(), String> {
    if text.split('/').all(is_name) {
        return Ok(());
    }
    Err(format!(
        "{what} `{}` is not a step id: identifiers joined by `/` ({NAME_FORM})",
        text.escape_debug()
    ))
}

/// Whitespace as JSON Schema's `\s` reads it.
fn is_space(ch: char) -> bool {
    ch.is_whitespace() || ch == '\u{feff}'
}

/// `KEY`, then `#2`, `#3`, ... when it is not the first with it: the
/// form of alarm ids and of the part of gate ids after `KIND:`.
fn keyed(text: &str) -> bool {
    let (key, number) = match text.split_once('#') {
        Some((key, number)) => (key, Some(number)),
        None => (text, None),
    };
    let number_ok = number.is_none_or(|number| {
        !number.starts_with('0')
            && number != "1"
            && !number.is_empty()
            && number.bytes().all(|byte| byte.is_ascii_digit())
    });
    !key.is_empty() && !key.chars().any(is_space) && number_ok
}

/// Each id of a gate list, as a step's `gates` holds them.
pub(super) fn gate_ids(ids: &[Name], what: &str) -> Result<(), String> {
    ids.iter()
        .try_for_each(|id| gate_id(id, &format!("{what}: a gate id")))
}

fn gate_id(id: &str, what: &str) -> Result<(), String> {
    let form = id.split_once(':').is_some_and(|(kind, key)| {
        ["window", "alarm", "package", "git", "approval"].contains(&kind) && keyed(key)
    });
    if form {
        return Ok(());
    }
    Err(format!(
        "{what}: `{}` is not a gate id (`KIND:KEY`, KIND `window`, `alarm`, `package`, `git` or `approval`, KEY without whitespace or `#`, then `#2`, `#3`, ... for a later gate with the same)",
        id.escape_debug()
    ))
}

fn alarm_id(id: &str, what: &str) -> Result<(), String> {
    if keyed(id) {
        return Ok(());
    }
    Err(format!(
        "{what}: `{}` is not an alarm id (a name or `inline`, without whitespace or `#`, then `#2`, `#3`, ... for a later alarm with the same)",
        id.escape_debug()
    ))
}

fn alarm_expression(expression: &str, what: &str) -> Result<(), String> {
    if expression.contains("ALARM(\"") {
        return Ok(());
    }
    Err(format!(
        "{what}: `{}` is not an alarm expression (`ALARM(\"NAME\")`, with `AND`, `OR`, `NOT` and parentheses)",
        expression.escape_debug()
    ))
}

fn zone(zone: &str, what: &str) -> Result<(), String> {
    let part = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"_+-".contains(&byte))
    };
    let form = zone
        .bytes()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && zone.split('/').all(part);
    if form {
        return Ok(());
    }
    Err(format!(
        "{what}: `zone` `{}` is not an IANA time zone's name",
        zone.escape_debug()
    ))
}

fn two_digits(text: &str) -> Option<u32> {
    (text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn time(time: &str, what: &str) -> Result<(), String> {
    let form = time.split_once(':').is_some_and(|(hours, minutes)| {
        match (two_digits(hours), two_digits(minutes)) {
            (Some(hours), Some(minutes)) => {
                (hours < 24 && minutes < 60) || (hours == 24 && minutes == 0)
            }
            _ => false,
        }
    });
    if form {
        return Ok(());
    }
    Err(format!(
        "{what}: `{}` is not a time `HH:MM` from `00:00` to `24:00`",
        time.escape_debug()
    ))
}

fn date(date: &str, what: &str) -> Result<(), String> {
    let mut parts = date.split('-');
    let form = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(year), Some(month), Some(day), None) => {
            year.len() == 4
                && year.bytes().all(|byte| byte.is_ascii_digit())
                && two_digits(month).is_some_and(|month| (1..=12).contains(&month))
                && two_digits(day).is_some_and(|day| (1..=31).contains(&day))
        }
        _ => false,
    };
    if form {
        return Ok(());
    }
    Err(format!(
        "{what}: `{}` is not a date `YYYY-MM-DD`",
        date.escape_debug()
    ))
}

fn env_name(name: &str) -> bool {
    identifier_word(name) && !name.starts_with("PIPEC_")
}

fn value_variable(name: &str) -> bool {
    name.strip_prefix("PIPEC_VALUE_").is_some_and(|number| {
        !number.starts_with('0')
            && !number.is_empty()
            && number.bytes().all(|byte| byte.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_follow_the_schema_patterns() {
        for good in ["orders_api", "us-east-1", "_x", "a1-b2"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "1a", "a--b", "a-", "-a", "a b", "é", "a.b"] {
            assert!(!is_name(bad), "{bad}");
        }
        assert!(keyed("high_severity#2") && keyed("x#10") && keyed("shared.onebox"));
        assert!(!keyed("x#1") && !keyed("x#02") && !keyed("a b") && !keyed("") && !keyed("x#"));
        assert!(time("24:00", "").is_ok() && time("00:00", "").is_ok());
        assert!(time("24:01", "").is_err() && time("9:00", "").is_err());
        assert!(date("2026-12-31", "").is_ok() && date("2026-13-01", "").is_err());
        assert!(field_pointer("/deploy/env/LOG_LEVEL") && field_pointer("/bake/data_points/10"));
        assert!(!field_pointer("/bake/data_points/01") && !field_pointer("/deploy/colour"));
        assert!(file("<unknown>").is_ok() && file("std/aws").is_ok());
        for bad in ["", "/a", "a/../b", "./a", "c:a", "a\\b", "a/."] {
            assert!(file(bad).is_err(), "{bad}");
        }
        assert!(value_variable("PIPEC_VALUE_1") && !value_variable("PIPEC_VALUE_0"));
        assert!(env_name("LOG_LEVEL") && !env_name("PIPEC_X") && !env_name("1X"));
    }
}
