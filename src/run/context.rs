//! A step's context as environment variables, for its commands, its
//! rollback and the alarm command.

use super::Shared;
use crate::export::plan_v1::{Env, EnvValue, Params, Step};

/// The step's context, as environment variables for its commands:
/// `PIPEC_PIPELINE`, `PIPEC_STEP_ID`, `PIPEC_STEP_KIND`, `PIPEC_STAGE`,
/// and, where they apply, `PIPEC_WAVE`, `PIPEC_REGION`, `PIPEC_AZ`,
/// `PIPEC_CELL`, `PIPEC_ONEBOX` (`true`), `PIPEC_ARTIFACTS` (comma
/// separated), `PIPEC_ATTEMPT`.
pub(super) fn context(shared: &Shared, step: &Step, attempt: Option<u32>) -> Vec<(String, String)> {
    let target = &step.target;
    let mut context = vec![
        ("PIPEC_PIPELINE".to_string(), shared.plan.pipeline.clone()),
        ("PIPEC_STEP_ID".to_string(), step.id.to_string()),
        (
            "PIPEC_STEP_KIND".to_string(),
            step.kind().name().to_string(),
        ),
        ("PIPEC_STAGE".to_string(), target.stage.to_string()),
    ];
    let optional = [
        ("PIPEC_WAVE", target.wave.as_deref().map(str::to_string)),
        ("PIPEC_REGION", target.region.as_deref().map(str::to_string)),
        ("PIPEC_AZ", target.az.as_deref().map(str::to_string)),
        ("PIPEC_CELL", target.cell.as_deref().map(str::to_string)),
        ("PIPEC_ONEBOX", target.onebox.then(|| "true".to_string())),
        (
            "PIPEC_ARTIFACTS",
            match &step.params {
                Params::Deploy(deploy) => Some(deploy.artifacts.join(",")),
                Params::Build(build) => Some(build.artifact.clone()),
                _ => None,
            },
        ),
        ("PIPEC_ATTEMPT", attempt.map(|attempt| attempt.to_string())),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            context.push((name.to_string(), value));
        }
    }
    context
}

/// The context variables a step does not have, so that the runner's own
/// environment cannot fill them in.
pub(super) const CONTEXT_VARIABLES: &[&str] = &[
    "PIPEC_PIPELINE",
    "PIPEC_STEP_ID",
    "PIPEC_STEP_KIND",
    "PIPEC_STAGE",
    "PIPEC_WAVE",
    "PIPEC_REGION",
    "PIPEC_AZ",
    "PIPEC_CELL",
    "PIPEC_ONEBOX",
    "PIPEC_ARTIFACTS",
    "PIPEC_ATTEMPT",
    "PIPEC_ROLLBACK",
    "PIPEC_ALARM",
    "PIPEC_ALARM_ID",
    "PIPEC_ALARM_EXPRESSION",
    "PIPEC_ALARM_PURPOSE",
];

/// Everything a step's command gets set: its context, then its `env`
/// (secrets read from the runner's environment).
pub(super) fn command_env(
    shared: &Shared,
    step: &Step,
    attempt: u32,
    env: &Env,
) -> Vec<(String, String)> {
    let mut set = context(shared, step, Some(attempt));
    for (name, value) in env {
        let value = match value {
            EnvValue::Text(text) => text.clone(),
            EnvValue::Secret(secret) => shared
                .secrets
                .value(&secret.secret)
                .unwrap_or_default()
                .to_string(),
        };
        set.push((name.clone(), value));
    }
    set
}
