//! One rollback job per region of each stage or wave, run when one of the
//! jobs that changed or watched that region failed.
//!
//! GitHub's `failure()` is true when any *ancestor* job failed, which
//! would roll back regions a failure elsewhere merely stopped; so the
//! condition looks only at the direct `needs`: the region's deploy, test
//! and bake jobs, and the stage's or wave's own tests and bakes (whose
//! alarms watch every region of it).

use super::Settings;
use super::jobs::{aws_credentials, deploy_environment};
use super::workflow::{Job, JobStep, literal};
use crate::export::plan_v1::{PlanV1, StepKind};
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
        let needs: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| {
                matches!(
                    step.kind(),
                    StepKind::Deploy | StepKind::Test | StepKind::Bake
                ) && step.target.stage == target.stage
                    && step.target.wave == target.wave
                    && step.target.region.as_deref().is_none_or(|r| r == region)
            })
            .flat_map(|step| members.get(&*step.id).cloned().unwrap_or_default())
            .collect();
        let scope = match &target.wave {
            Some(wave) => format!("{}/{wave}/{region}", target.stage),
            None => format!("{}/{region}", target.stage),
        };
        let id = ids.allocate(&format!("rollback/{scope}"));
        let mut env = BTreeMap::new();
        env.insert("PIPEC_STAGE".to_string(), literal(&target.stage));
        if let Some(wave) = &target.wave {
            env.insert("PIPEC_WAVE".to_string(), literal(wave));
        }
        env.insert("PIPEC_REGION".to_string(), literal(region));
        env.insert("AWS_REGION".to_string(), literal(region));
        env.extend(aws_credentials());
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
                steps: vec![
                    JobStep::checkout(),
                    JobStep::bash("Roll back", "\"$PIPEC_HOOK\" rollback"),
                ],
            },
        ));
    }
    rollbacks
}
