//! One rollback job per region of each stage or wave, run when one of the
//! jobs that changed or watched that region failed.
//!
//! GitHub's `failure()` is true when any *ancestor* job failed, which
//! would roll back regions a failure elsewhere merely stopped; so the
//! condition looks only at the direct `needs`: the region's deploy, test
//! and bake jobs, and the stage's or wave's own tests and bakes (whose
//! alarms watch every region of it).
//!
//! What the job runs follows `pipec run`: every deploy of the region that
//! ran a plan's deploy command and started, latest first, is undone by its
//! `rollback` command, with the deploy's environment and
//! `PIPEC_ROLLBACK=true` (a deploy without a rollback command has nothing
//! to undo); deploys the hook made are undone by `HOOK rollback`, once,
//! told the step, artifacts, platform and strategy of the last of them
//! that started (a step for each, run only for that one).
//! A region with nothing to undo gets no job.

use super::Settings;
use super::jobs::{
    aws_credentials, command_context, command_step, deploy_environment, deploy_variables,
    plan_command_step, step_env,
};
use super::workflow::{Job, JobStep, literal};
use crate::export::plan_v1::{Params, PlanV1, Step, StepKind};
use std::collections::BTreeMap;

/// The condition of every rollback job.
pub const CONDITION: &str = "${{ !cancelled() && contains(needs.*.result, 'failure') }}";

/// The rollback jobs, in the order the plan first deploys each region of
/// each stage and wave. `members` are the jobs of each step (see
/// `jobs::Built::rollback_members`); `ids` holds every id already taken.
pub fn jobs(
    plan: &PlanV1,
    settings: &Settings,
    members: &BTreeMap<String, Vec<String>>,
    ids: &mut super::job_ids::JobIds,
) -> Vec<(String, Job)> {
    let mut rollbacks = Vec::new();
    let mut seen: Vec<(&str, Option<&str>, &str)> = Vec::new();
    for deploy in plan
        .steps
        .iter()
        .filter(|step| step.kind() == StepKind::Deploy)
    {
        let target = &deploy.target;
        let Some(region) = target.region.as_deref() else {
            continue;
        };
        let key = (target.stage.as_ref(), target.wave.as_deref(), region);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let in_region = |step: &&Step| {
            step.target.stage == target.stage
                && step.target.wave == target.wave
                && step.target.region.as_deref().is_none_or(|r| r == region)
        };
        let needs: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| {
                matches!(
                    step.kind(),
                    StepKind::Deploy | StepKind::Test | StepKind::Bake
                )
            })
            .filter(in_region)
            .flat_map(|step| members.get(&*step.id).cloned().unwrap_or_default())
            .collect();
        let scope = match &target.wave {
            Some(wave) => format!("{}/{wave}/{region}", target.stage),
            None => format!("{}/{region}", target.stage),
        };
        let mut env = BTreeMap::new();
        env.insert("PIPEC_STAGE".to_string(), literal(&target.stage));
        if let Some(wave) = &target.wave {
            env.insert("PIPEC_WAVE".to_string(), literal(wave));
        }
        env.insert("PIPEC_REGION".to_string(), literal(region));
        env.insert("AWS_REGION".to_string(), literal(region));
        env.extend(aws_credentials());
        let deploys: Vec<&Step> = plan
            .steps
            .iter()
            .filter(|step| step.kind() == StepKind::Deploy && step.target.region.is_some())
            .filter(in_region)
            .collect();
        let undos = undo_steps(&deploys, members, &env);
        if undos.is_empty() {
            continue;
        }
        let id = ids.allocate(&format!("rollback/{scope}"));
        let mut steps = vec![JobStep::checkout()];
        steps.extend(undos);
        rollbacks.push((
            id,
            Job {
                name: literal(&format!("rollback {scope}")),
                needs,
                condition: Some(CONDITION.to_string()),
                runs_on: settings.runs_on.clone(),
                environment: Some(deploy_environment(deploy)),
                timeout_minutes: super::MAX_JOB_MINUTES,
                env,
                steps,
            },
        ));
    }
    rollbacks
}

/// The steps undoing a region's deploys (`deploys`, in plan order), latest
/// first: a deploy that ran the plan's command is undone by its `rollback`
/// command if it started (its job neither skipped nor never reached), each
/// whatever became of the undos before it; the deploys the hook made by
/// one `HOOK rollback`, told of the last of them that started. `job_env`
/// is the job's own environment, which the steps do not repeat.
fn undo_steps(
    deploys: &[&Step],
    members: &BTreeMap<String, Vec<String>>,
    job_env: &BTreeMap<String, String>,
) -> Vec<JobStep> {
    let job_of = |deploy: &Step| {
        members
            .get(&*deploy.id)
            .and_then(|jobs| jobs.first())
            .cloned()
    };
    // The jobs of the hook's deploys after the one being undone: its
    // `HOOK rollback` runs only when none of them started.
    let mut later_hook_jobs: Vec<String> = Vec::new();
    let mut steps = Vec::new();
    for deploy in deploys.iter().rev() {
        let Params::Deploy(params) = &deploy.params else {
            continue;
        };
        if params.command.is_none() {
            let (mut step, _) = command_step(
                format!("Roll back to before {}", deploy.id),
                "\"$PIPEC_HOOK\" rollback",
                &[],
                &params.env,
            );
            // What the hook was told when it made the region's last
            // deploy: which step, which artifacts, on what platform,
            // with what strategy. The rollback undoes the whole region,
            // so no one-box traffic share.
            let mut told = deploy_variables(params);
            told.remove("PIPEC_TRAFFIC_PERCENT");
            told.insert("PIPEC_STEP".to_string(), literal(&deploy.id));
            told.append(&mut step.env);
            step.env = told;
            step.env
                .retain(|name, value| job_env.get(name) != Some(value));
            // One `HOOK rollback` for the region, told of the last of its
            // deploys that started: this one, when it started and no later
            // one did.
            let mut condition = vec!["!cancelled()".to_string()];
            if let Some(job) = job_of(deploy) {
                condition.push(format!("needs['{job}'].result != 'skipped'"));
            }
            condition.extend(
                later_hook_jobs
                    .iter()
                    .map(|job| format!("needs['{job}'].result == 'skipped'")),
            );
            step.condition = Some(format!("${{{{ {} }}}}", condition.join(" && ")));
            steps.push(step);
            later_hook_jobs.extend(job_of(deploy));
            continue;
        }
        let Some(rollback) = &params.rollback else {
            continue;
        };
        let Some(job) = job_of(deploy) else {
            continue;
        };
        let mut context = step_env(deploy);
        context.extend(deploy_variables(params));
        context.extend(command_context(deploy));
        context.insert("PIPEC_ROLLBACK".to_string(), "true".to_string());
        context.retain(|name, value| job_env.get(name) != Some(value));
        // The env entries GitHub cannot set were reported with the deploy.
        let (mut step, _) = plan_command_step(
            format!("Roll back {}", deploy.id),
            &rollback.command,
            rollback.argv.as_ref(),
            params.shell,
            &params.env,
            context,
        );
        step.condition = Some(format!(
            "${{{{ !cancelled() && needs['{job}'].result != 'skipped' }}}}"
        ));
        steps.push(step);
    }
    steps
}
