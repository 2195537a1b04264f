//! Plan steps to jobs. Each step gets one main job (a bake a chain of
//! jobs); a step's approval gates get a job each before it, and its other
//! gates one job that waits for them just before it. `needs` are the
//! plan's `needs`, each pointing at the last job of the step needed.

use super::findings::Finding;
use super::gates;
use super::job_ids::JobIds;
use super::workflow::{Job, JobStep, Jobs, PushTrigger, Triggers, literal};
use super::{MAX_JOB_MINUTES, MAX_WAIT_SECONDS, Settings};
use crate::diagnostics::Code;
use crate::export::findings::DroppedEnvWording;
use crate::export::plan_v1::{
    Blocked, DeployParams, Env, EnvValue, Gate, GateEntry, Params, PlanV1, SourceOrigin, Step,
    declared_env, exported_command,
};
use std::collections::{BTreeMap, BTreeSet};

/// The jobs built so far and what they could not express.
pub struct Built {
    /// Every step's jobs, in plan order.
    pub jobs: Jobs,
    /// Per step id, the jobs whose failure means the step's change must be
    /// rolled back (its main job and every bake part; not its gate jobs:
    /// a gate that stays closed stops the rollout, it does not undo it).
    pub rollback_members: BTreeMap<String, Vec<String>>,
    /// The lossy mappings, in plan order.
    pub findings: Vec<Finding>,
    /// Every job id handed out, for jobs added after the steps'.
    pub ids: JobIds,
}

/// How `P0955` words the `env` entries a workflow cannot set.
const ENV_DROPPED: DroppedEnvWording = DroppedEnvWording {
    setter: "the workflow",
    one: "an entry of its `env`",
    several: "entries of its `env`",
    note_one: "the step's command runs without it",
    note_several: "the step's command runs without them",
};

/// Builds jobs step by step, in plan order.
pub struct Builder<'p> {
    plan: &'p PlanV1,
    settings: &'p Settings,
    /// The job that finishes each step, by step id.
    last_job: BTreeMap<String, String>,
    gates_by_id: BTreeMap<&'p str, &'p GateEntry>,
    /// Alarm blockers already reported as approximated.
    reported_alarms: BTreeSet<String>,
    built: Built,
}

impl<'p> Builder<'p> {
    /// A builder for `plan`.
    pub fn new(plan: &'p PlanV1, settings: &'p Settings) -> Builder<'p> {
        Builder {
            plan,
            settings,
            last_job: BTreeMap::new(),
            gates_by_id: plan
                .gates
                .iter()
                .map(|gate| (gate.id.as_ref(), gate))
                .collect(),
            reported_alarms: BTreeSet::new(),
            built: Built {
                jobs: Jobs::default(),
                rollback_members: BTreeMap::new(),
                findings: Vec::new(),
                ids: JobIds::default(),
            },
        }
    }

    /// The jobs and findings.
    pub fn finish(self) -> Built {
        self.built
    }

    /// Adds the jobs of one step. Steps come in plan order, so every step
    /// needed has its jobs already; a need the plan does not list is
    /// left out rather than named as an unknown job.
    pub fn add_step(&mut self, step: &Step) {
        let mut needs: Vec<String> = step
            .needs
            .iter()
            .filter_map(|need| self.last_job.get(&**need).cloned())
            .collect();
        needs.dedup();
        needs = self.add_approval_gates(step, needs);
        needs = self.add_waiting_gates(step, needs);
        let members = match &step.params {
            Params::Bake(params) => self.add_bake(step, params, needs),
            _ => {
                let id = self.built.ids.allocate(&step.id);
                let job = self.main_job(step, needs);
                self.push(id.clone(), job);
                vec![id]
            }
        };
        if let Some(last) = members.last() {
            self.last_job.insert(step.id.to_string(), last.clone());
        }
        self.built
            .rollback_members
            .insert(step.id.to_string(), members);
    }

    fn push(&mut self, id: String, job: Job) {
        self.built.jobs.0.push((id, job));
    }

    fn job(&self, step: &Step, name: String, needs: Vec<String>) -> Job {
        Job {
            name: literal(&name),
            needs,
            condition: None,
            runs_on: self.settings.runs_on.clone(),
            environment: None,
            timeout_minutes: MAX_JOB_MINUTES,
            env: step_env(step),
            steps: Vec::new(),
        }
    }

    fn gates_of(&self, step: &Step) -> Vec<&'p GateEntry> {
        step.gates
            .iter()
            .filter_map(|id| self.gates_by_id.get(id.as_ref()).copied())
            .collect()
    }

    /// One job per approval gate, each in the environment of its role,
    /// one after the other in the plan's order.
    fn add_approval_gates(&mut self, step: &Step, mut needs: Vec<String>) -> Vec<String> {
        for entry in self.gates_of(step) {
            let Gate::Approval(gate) = &entry.gate else {
                continue;
            };
            let id = self.built.ids.allocate(&format!("{}/approval", step.id));
            let mut job = self.job(
                step,
                format!("{} (approval: {})", step.id, gate.role),
                needs,
            );
            job.environment = Some(approval_environment(&gate.role));
            job.steps.push(JobStep::bash(
                format!("Approved by a reviewer for {}", gate.role),
                format!("echo {}", shell_quote(&format!("{} approved", entry.id))),
            ));
            self.push(id.clone(), job);
            needs = vec![id];
        }
        needs
    }

    /// One job checking artifact blockers and waiting for windows and
    /// alarm blockers, just before the step.
    fn add_waiting_gates(&mut self, step: &Step, needs: Vec<String>) -> Vec<String> {
        let mut ids = Vec::new();
        let mut windows = Vec::new();
        let mut alarms = Vec::new();
        let mut blockers = Vec::new();
        for entry in self.gates_of(step) {
            match &entry.gate {
                Gate::Approval(_) => continue,
                Gate::Window(_) => windows.push(entry.id.clone()),
                Gate::Alarm(gate) => {
                    let alarm = gates::alarm_gate(&entry.id, gate);
                    if alarm.approximated && self.reported_alarms.insert(entry.id.to_string()) {
                        self.built.findings.push(alarm_finding(step, &entry.id));
                    }
                    alarms.push(entry.id.clone());
                }
                Gate::Artifact(gate) => blockers.push(artifact_check(&entry.id, &gate.blocked)),
            }
            ids.push(entry.id.clone());
        }
        if ids.is_empty() {
            return needs;
        }
        let id = self.built.ids.allocate(&format!("{}/gates", step.id));
        let mut job = self.job(step, format!("{} (gates)", step.id), needs);
        if !blockers.is_empty() {
            job.steps.push(JobStep::checkout());
            job.steps.extend(blockers);
        }
        if !windows.is_empty() || !alarms.is_empty() {
            if !alarms.is_empty() {
                job.env.extend(aws_credentials());
            }
            let regions = self.alarm_regions(step);
            job.steps.push(gates::wait_for_gates(
                &ids,
                windows,
                alarms,
                &regions,
                MAX_WAIT_SECONDS,
            ));
        }
        self.push(id.clone(), job);
        vec![id]
    }

    /// The regions whose alarms guard a step: its own, or for a step of a
    /// whole wave or stage, those its deploys target.
    fn alarm_regions(&self, step: &Step) -> Vec<String> {
        if let Some(region) = &step.target.region {
            return vec![region.to_string()];
        }
        let mut regions: Vec<String> = Vec::new();
        for other in &self.plan.steps {
            if other.target.stage == step.target.stage
                && other.target.wave == step.target.wave
                && let Some(region) = &other.target.region
                && !regions.iter().any(|known| **known == **region)
            {
                regions.push(region.to_string());
            }
        }
        regions
    }

    /// The id of the step's rollback alarm, in the workflow's wait data.
    fn rollback_alarm(&self, step: &Step) -> Option<String> {
        let id = step.rollback_alarm.as_ref()?;
        self.plan
            .alarms
            .iter()
            .any(|alarm| &alarm.id == id)
            .then(|| id.to_string())
    }

    fn main_job(&mut self, step: &Step, needs: Vec<String>) -> Job {
        let mut job = self.job(step, step.id.to_string(), needs);
        let hook = "\"$PIPEC_HOOK\"";
        match &step.params {
            Params::Source(params) => {
                job.steps.push(JobStep::checkout());
                job.steps.push(JobStep::bash(
                    format!("Revision of source {}", params.name),
                    "git log -1 --format='%H %s'",
                ));
                if params.require_review {
                    self.built.findings.push(Finding {
                        code: Code::GHA_REVIEW_NOT_ENFORCED,
                        step: step.id.to_string(),
                        message: format!(
                            "step `{}`: the workflow cannot refuse commits without an approved review",
                            step.id
                        ),
                        note: "GitHub enforces reviews before a merge with branch protection \
                               on the source branch; configure it there"
                            .to_string(),
                        provenance: step.provenance.clone(),
                    });
                }
            }
            Params::Build(params) => {
                job.steps.push(JobStep::checkout());
                let (build, dropped) = plan_command_step(
                    format!("Build {}", params.artifact),
                    &params.command,
                    params.argv.as_ref(),
                    params.shell,
                    &params.env,
                    command_context(step),
                );
                self.report_dropped_env(step, dropped);
                job.steps.push(build);
                if params.sign {
                    job.steps.push(JobStep::bash(
                        format!("Sign {}", params.artifact),
                        format!("{hook} sign {}", shell_quote(&params.artifact)),
                    ));
                }
            }
            Params::Test(params) => {
                job.steps.push(JobStep::checkout());
                let (mut run, dropped) = match &params.command {
                    Some(command) => plan_command_step(
                        format!("Test {}", params.name),
                        command,
                        params.argv.as_ref(),
                        params.shell,
                        &params.env,
                        command_context(step),
                    ),
                    None => command_step(
                        format!("Test {} (a suite the environment runs)", params.name),
                        &format!("{hook} suite {}", shell_quote(&params.name)),
                        &[],
                        &params.env,
                    ),
                };
                self.report_dropped_env(step, dropped);
                let minutes = params.timeout_seconds.div_ceil(60).max(1);
                if minutes > MAX_JOB_MINUTES - 10 {
                    self.built.findings.push(Finding {
                        code: Code::GHA_TIMEOUT_SHORTENED,
                        step: step.id.to_string(),
                        message: format!(
                            "step `{}`: its {minutes}-minute timeout is longer than a GitHub job leaves a test ({} minutes)",
                            step.id,
                            MAX_JOB_MINUTES - 10
                        ),
                        note: format!(
                            "the test is given {} minutes, the most a job on a hosted runner leaves it",
                            MAX_JOB_MINUTES - 10
                        ),
                        provenance: step.provenance.clone(),
                    });
                }
                run.timeout_minutes = Some(minutes.min(MAX_JOB_MINUTES - 10));
                job.steps.push(run);
                self.push_alarm_check(step, &mut job);
            }
            Params::Deploy(params) => {
                job.environment = Some(deploy_environment(step));
                job.env.extend(aws_credentials());
                job.env.extend(deploy_variables(params));
                job.steps.push(JobStep::checkout());
                // The plan's deploy command when it has one, as `pipec run`
                // runs it; otherwise the hook deploys.
                let (deploy, dropped) = match &params.command {
                    Some(command) => plan_command_step(
                        "Deploy".to_string(),
                        command,
                        params.argv.as_ref(),
                        params.shell,
                        &params.env,
                        command_context(step),
                    ),
                    None => command_step(
                        "Deploy".to_string(),
                        &format!("{hook} deploy"),
                        &[],
                        &params.env,
                    ),
                };
                self.report_dropped_env(step, dropped);
                job.steps.push(deploy);
                self.push_alarm_check(step, &mut job);
            }
            Params::Approval(params) => {
                job.environment = Some(approval_environment(&params.role));
                job.steps.push(JobStep::bash(
                    format!("Approved by a reviewer for {}", params.role),
                    format!("echo {}", shell_quote(&format!("{} approved", step.id))),
                ));
            }
            Params::Gate(params) => {
                job.steps.push(JobStep::bash(
                    format!("Gates passed: {}", params.reason),
                    format!("echo {}", shell_quote(&params.reason)),
                ));
            }
            Params::Bake(_) => {}
        }
        job
    }

    /// One finding for the `env` entries of a step the workflow cannot set.
    fn report_dropped_env(&mut self, step: &Step, dropped: Vec<String>) {
        let Some((message, note)) = ENV_DROPPED.message_and_note(&step.id, &dropped) else {
            return;
        };
        self.built.findings.push(Finding {
            code: Code::GHA_ENV_DROPPED,
            step: step.id.to_string(),
            message,
            note: note.to_string(),
            provenance: step.provenance.clone(),
        });
    }

    /// After a deploy or test: the step's rollback alarm, once.
    fn push_alarm_check(&self, step: &Step, job: &mut Job) {
        if let Some(alarm) = self.rollback_alarm(step) {
            job.env.extend(aws_credentials());
            let regions = self.alarm_regions(step);
            job.steps.push(gates::bake(
                format!(
                    "Rollback alarm {} is quiet",
                    step.rollback_alarm.clone().unwrap_or_default()
                ),
                Some(alarm),
                &regions,
                0,
            ));
        }
    }

    /// A bake as a chain of jobs, each waiting at most
    /// [`MAX_WAIT_SECONDS`] while watching the rollback alarm.
    fn add_bake(
        &mut self,
        step: &Step,
        params: &crate::export::plan_v1::BakeParams,
        mut needs: Vec<String>,
    ) -> Vec<String> {
        if !params.data_points.is_empty() {
            let wanted: Vec<String> = params
                .data_points
                .iter()
                .map(|points| {
                    let measure = match points.measure {
                        crate::export::plan_v1::Measure::Requests => "requests",
                        crate::export::plan_v1::Measure::Datapoints => "datapoints",
                    };
                    format!("{} {measure}(\"{}\")", points.count, points.name)
                })
                .collect();
            self.built.findings.push(Finding {
                code: Code::GHA_DATA_POINTS_DROPPED,
                step: step.id.to_string(),
                message: format!(
                    "step `{}`: the bake does not wait for {}",
                    step.id,
                    wanted.join(", ")
                ),
                note: "the workflow bakes for the duration only, watching the rollback alarm"
                    .to_string(),
                provenance: step.provenance.clone(),
            });
        }
        let parts = bake_parts(params.duration_seconds);
        let alarm = self.rollback_alarm(step);
        let regions = self.alarm_regions(step);
        let count = parts.len();
        let mut members = Vec::new();
        for (index, seconds) in parts.into_iter().enumerate() {
            let (wanted, name) = if count == 1 {
                (step.id.to_string(), step.id.to_string())
            } else {
                (
                    format!("{}/part{}", step.id, index + 1),
                    format!("{} (part {} of {count})", step.id, index + 1),
                )
            };
            let id = self.built.ids.allocate(&wanted);
            let mut job = self.job(step, name, needs);
            job.timeout_minutes = seconds.div_ceil(60) + 10;
            if alarm.is_some() {
                job.env.extend(aws_credentials());
            }
            job.steps.push(gates::bake(
                format!("Bake {} s", seconds),
                alarm.clone(),
                &regions,
                seconds,
            ));
            self.push(id.clone(), job);
            needs = vec![id.clone()];
            members.push(id);
        }
        members
    }
}

/// A bake's duration in parts of at most [`MAX_WAIT_SECONDS`], as equal
/// as whole seconds allow; one part of 0 seconds for a zero bake.
pub fn bake_parts(duration_seconds: u64) -> Vec<u64> {
    let count = duration_seconds.div_ceil(MAX_WAIT_SECONDS).max(1);
    let base = duration_seconds / count;
    let extra = duration_seconds % count;
    (0..count)
        .map(|index| base + u64::from(index < extra))
        .collect()
}

fn alarm_finding(step: &Step, gate_id: &str) -> Finding {
    Finding {
        code: Code::GHA_ALARM_APPROXIMATED,
        step: step.id.to_string(),
        message: format!(
            "step `{}`: the expression of alarm blocker `{gate_id}` cannot be evaluated on GitHub",
            step.id
        ),
        note: "the workflow waits while any alarm the expression names is in ALARM".to_string(),
        provenance: step.provenance.clone(),
    }
}

/// A bash step failing when the revision contains what a blocker stops.
fn artifact_check(id: &str, blocked: &Blocked) -> JobStep {
    match blocked {
        Blocked::GitRef(git_ref) => {
            let quoted = shell_quote(git_ref);
            JobStep::bash(
                format!("Blocker {id}"),
                format!(
                    "if git rev-parse -q --verify {quoted}'^{{commit}}' >/dev/null \\\n  \
                     && git merge-base --is-ancestor {quoted} HEAD; then\n  \
                     echo {msg}\n  exit 1\nfi",
                    msg = shell_quote(&format!("::error::the revision contains {git_ref}")),
                ),
            )
        }
        Blocked::Package(package) => JobStep::bash(
            format!("Blocker {id}"),
            format!(
                "if \"$PIPEC_HOOK\" contains {quoted}; then\n  echo {msg}\n  exit 1\nfi",
                quoted = shell_quote(package),
                msg = shell_quote(&format!("::error::the artifact contains {package}")),
            ),
        ),
    }
}

/// The variables every job of a step has: where it acts.
pub fn step_env(step: &Step) -> BTreeMap<String, String> {
    let target = &step.target;
    let mut env = BTreeMap::new();
    env.insert("PIPEC_STEP".to_string(), literal(&step.id));
    env.insert("PIPEC_STAGE".to_string(), literal(&target.stage));
    let optional = [
        ("PIPEC_WAVE", &target.wave),
        ("PIPEC_REGION", &target.region),
        ("AWS_REGION", &target.region),
        ("PIPEC_AZ", &target.az),
        ("PIPEC_CELL", &target.cell),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            env.insert(name.to_string(), literal(value));
        }
    }
    if target.onebox {
        env.insert("PIPEC_ONEBOX".to_string(), "true".to_string());
    }
    env
}

/// The variables carrying a shell command's values, for the step that runs
/// it, written so that GitHub evaluates no `${{` in them.
fn literal_env(variables: &[(String, String)]) -> BTreeMap<String, String> {
    variables
        .iter()
        .map(|(name, value)| (name.clone(), literal(value)))
        .collect()
}

/// A bash step running `script` with the variables carrying its command's
/// values and the step's `env` entries ([`carried_env`]); a secret is
/// checked to be set before the script runs, as `pipec run` refuses to
/// start without one (GitHub gives a secret it does not hold as an empty
/// string). Also the entries left out, described.
pub fn command_step(
    name: String,
    script: &str,
    variables: &[(String, String)],
    env: &Env,
) -> (JobStep, Vec<String>) {
    let carried = carried_env(env);
    let mut lines = carried.checks;
    lines.push(script.to_string());
    let mut step = JobStep::bash(name, lines.join("\n"));
    step.env = literal_env(variables);
    step.env.extend(carried.variables);
    (step, carried.dropped)
}

/// A bash step running the plan's `command` as `pipec run` runs it: as
/// exported ([`exported_command`]) in a [`command_step`], with `context`
/// before its own variables ([`with_context`]). Also the `env` entries
/// left out, described.
pub fn plan_command_step(
    name: String,
    command: &str,
    argv: Option<&Vec<String>>,
    shell: bool,
    env: &Env,
    context: BTreeMap<String, String>,
) -> (JobStep, Vec<String>) {
    let command = exported_command(command, argv, shell, env);
    let (mut step, dropped) = command_step(name, &command.script, &command.variables, env);
    with_context(&mut step, context);
    (step, dropped)
}

/// What `pipec run` tells a step's command about the step and the job
/// does not (docs/execution.md, "What a command sees"): `PIPEC_STEP_ID`,
/// `PIPEC_STEP_KIND`, `PIPEC_ATTEMPT` (the run's attempt, which a re-run
/// raises) and, for a build, `PIPEC_ARTIFACTS`.
pub fn command_context(step: &Step) -> BTreeMap<String, String> {
    let mut context = BTreeMap::new();
    context.insert("PIPEC_STEP_ID".to_string(), literal(&step.id));
    context.insert(
        "PIPEC_STEP_KIND".to_string(),
        step.kind().name().to_string(),
    );
    context.insert(
        "PIPEC_ATTEMPT".to_string(),
        "${{ github.run_attempt }}".to_string(),
    );
    if let Params::Build(params) = &step.params {
        context.insert("PIPEC_ARTIFACTS".to_string(), literal(&params.artifact));
    }
    context
}

/// Adds `context` to a step's variables, before its own (the plan's
/// `env` never names a `PIPEC_` variable).
fn with_context(job_step: &mut JobStep, mut context: BTreeMap<String, String>) {
    context.append(&mut job_step.env);
    job_step.env = context;
}

/// A step's `env` entries as a workflow step sets them.
pub struct CarriedEnv {
    /// The variables: a value written so that GitHub evaluates no `${{`
    /// in it, a secret as the expression `${{ secrets.NAME }}`.
    pub variables: BTreeMap<String, String>,
    /// Lines of bash failing the step when a secret's variable is empty.
    pub checks: Vec<String>,
    /// The entries GitHub cannot set, each described.
    pub dropped: Vec<String>,
}

/// The plan's `env` entries for a workflow step, those the pipeline
/// declares ([`declared_env`]): the values of a shell command
/// (`PIPEC_VALUE_N`) are left to its [`exported_command`]. GitHub
/// sets `GITHUB_*` and `RUNNER_*` variables itself (a workflow's own are
/// ignored), and stores no secret whose name starts with `GITHUB_`: those
/// entries are dropped, and described.
pub fn carried_env(env: &Env) -> CarriedEnv {
    let mut carried = CarriedEnv {
        variables: BTreeMap::new(),
        checks: Vec::new(),
        dropped: Vec::new(),
    };
    for (name, value) in declared_env(env) {
        if !crate::plan::shell::is_variable_name(name) {
            carried
                .dropped
                .push(format!("`{name}` is not a variable name"));
            continue;
        }
        if name.starts_with("GITHUB_") || name.starts_with("RUNNER_") {
            carried.dropped.push(format!(
                "`{name}` (GitHub sets the `GITHUB_*` and `RUNNER_*` variables itself)"
            ));
            continue;
        }
        match value {
            EnvValue::Text(text) => {
                carried.variables.insert(name.clone(), literal(text));
            }
            EnvValue::Secret(secret) => {
                let secret = &secret.secret;
                if !crate::plan::shell::is_variable_name(secret)
                    || secret.to_ascii_uppercase().starts_with("GITHUB_")
                {
                    carried.dropped.push(format!(
                        "`{name}` (GitHub stores no secret named `{secret}`: \
                         names are letters, digits and `_`, not starting with `GITHUB_`)"
                    ));
                    continue;
                }
                carried
                    .variables
                    .insert(name.clone(), format!("${{{{ secrets.{secret} }}}}"));
                carried.checks.push(format!(
                    "[ -n \"${{{name}:-}}\" ] || {{ echo '::error::the secret {secret} is not set'; exit 1; }}"
                ));
            }
        }
    }
    carried
}

/// What a deploy's hook or commands are told about the deployment:
/// `PIPEC_ARTIFACTS`, `PIPEC_PLATFORM`, `PIPEC_STRATEGY` and, for a
/// one-box, `PIPEC_TRAFFIC_PERCENT`.
pub fn deploy_variables(params: &DeployParams) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert(
        "PIPEC_ARTIFACTS".into(),
        literal(&params.artifacts.join(",")),
    );
    env.insert(
        "PIPEC_PLATFORM".into(),
        serde_json::to_value(params.platform)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default(),
    );
    env.insert(
        "PIPEC_STRATEGY".into(),
        literal(&serde_json::to_string(&params.strategy).unwrap_or_default()),
    );
    if let Some(percent) = params.traffic_percent {
        env.insert(
            "PIPEC_TRAFFIC_PERCENT".into(),
            serde_json::to_string(&percent).unwrap_or_default(),
        );
    }
    env
}

/// AWS credentials from the repository's secrets, for jobs that read
/// alarms or call the hook to deploy.
pub fn aws_credentials() -> BTreeMap<String, String> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .into_iter()
    .map(|name| (name.to_string(), format!("${{{{ secrets.{name} }}}}")))
    .collect()
}

/// The environment a deploy runs in: `STAGE-REGION` (`production-us-east-1`).
pub fn deploy_environment(step: &Step) -> String {
    let target = &step.target;
    let name = match &target.region {
        Some(region) => format!("{}-{region}", target.stage),
        None => target.stage.to_string(),
    };
    environment_name(&name)
}

/// The environment whose reviewers approve for a role.
fn approval_environment(role: &str) -> String {
    environment_name(&format!("approval-{role}"))
}

// Environment names: letters, digits, `-`, `_` and `.` are safe everywhere
// GitHub shows them; anything else becomes `-`.
fn environment_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Text as one bash word.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Push to every git source's branch, and runs started by hand.
pub fn triggers(plan: &PlanV1) -> Triggers {
    let mut branches: Vec<String> = Vec::new();
    for step in &plan.steps {
        if let Params::Source(params) = &step.params
            && let SourceOrigin::Git { branch, .. } = &params.origin
            && !branches.contains(branch)
        {
            branches.push(literal(branch));
        }
    }
    Triggers {
        push: (!branches.is_empty()).then_some(PushTrigger { branches }),
        workflow_dispatch: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bakes_are_split_into_parts_of_at_most_the_wait_limit() {
        assert_eq!(bake_parts(0), [0]);
        assert_eq!(bake_parts(3600), [3600]);
        assert_eq!(bake_parts(MAX_WAIT_SECONDS), [MAX_WAIT_SECONDS]);
        let day = bake_parts(86_400);
        assert_eq!(day.len(), 5);
        assert_eq!(day.iter().sum::<u64>(), 86_400);
        assert!(day.iter().all(|part| *part <= MAX_WAIT_SECONDS));
    }

    #[test]
    fn quoting_keeps_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
