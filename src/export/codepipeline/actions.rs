//! Actions: what each source, build, test, deploy and approval step runs.
//!
//! | step | action (category / provider) |
//! |---|---|
//! | git source | Source / `CodeStarSourceConnection` |
//! | artifact-store source | Source / `S3` |
//! | build, test | Build or Test / `CodeBuild`, the command in `PIPEC_COMMAND` (a test without one: empty, and the suite's name in `PIPEC_SUITE`), the step's `env` as environment variables |
//! | deploy on ECS, in place, rolling, all at once | Deploy / `ECS` |
//! | deploy on ECS, blue/green, canary, linear | Deploy / `CodeDeployToECS` |
//! | deploy on EC2, on-premises, Lambda | Deploy / `CodeDeploy` |
//! | approval | Approval / `Manual` |

use super::model::{ActionDeclaration, ActionTypeId, ArtifactRef, StageDeclaration};
use super::{Context, Placeholders, expand, names};
use crate::diagnostics::{Code, Diagnostic};
use crate::export::findings::DroppedEnvWording;
use crate::export::plan_v1::{
    DeployParams, Env, EnvValue, Params, PlanV1, Platform, SourceOrigin, Step, Strategy,
    declared_env,
};
use std::collections::BTreeMap;

/// Artifact names the API accepts, unique in the pipeline: one per source
/// and one per build artifact.
#[derive(Debug, Default)]
pub(crate) struct ArtifactNames {
    sources: BTreeMap<String, String>,
    builds: BTreeMap<String, String>,
}

impl ArtifactNames {
    /// What a build's `from` names: a source, else a build artifact.
    fn input(&self, name: &str) -> Option<&String> {
        self.sources.get(name).or_else(|| self.builds.get(name))
    }
}

/// Names every source and build artifact of the plan.
pub(crate) fn artifact_names(plan: &PlanV1) -> ArtifactNames {
    let mut unique = names::Unique::default();
    let mut artifact_names = ArtifactNames::default();
    for step in &plan.steps {
        match &step.params {
            Params::Source(source) => {
                let name = unique.give(names::artifact_name(&source.name));
                artifact_names.sources.insert(source.name.clone(), name);
            }
            Params::Build(build) => {
                let name = unique.give(names::artifact_name(&build.artifact));
                artifact_names.builds.insert(build.artifact.clone(), name);
            }
            _ => {}
        }
    }
    artifact_names
}

/// Adds the actions of `steps` (plan indexes with run orders) to a stage,
/// after one `Manual` approval per approval gate (`approvals`: role and
/// gate id) when there are any.
pub(crate) fn add(
    context: &mut Context<'_>,
    stage: &mut StageDeclaration,
    steps: &[(usize, u32)],
    approvals: Vec<(String, String)>,
) {
    let mut action_names = names::Unique::default();
    let shift = u32::from(!approvals.is_empty());
    for (gate_id, role) in approvals {
        stage.actions.push(ActionDeclaration {
            name: action_names.give(names::entity_name(&format!("approve.{role}"))),
            action_type_id: ActionTypeId::aws("Approval", "Manual"),
            run_order: 1,
            configuration: BTreeMap::from([(
                "CustomData".to_string(),
                format!("Approval by the role `{role}` (gate `{gate_id}`)"),
            )]),
            output_artifacts: Vec::new(),
            input_artifacts: Vec::new(),
            region: None,
        });
    }
    let plan = context.plan;
    for (index, run_order) in steps {
        let Some(step) = plan.steps.get(*index) else {
            continue;
        };
        let name = action_names.give(names::entity_name(&local_name(step).replace('/', ".")));
        let action = action(context, step, name, run_order + shift);
        check_configuration(context, step, &action);
        stage.actions.push(action);
    }
}

/// The step's id without its stage and wave: `us-east-1/onebox/deploy`.
fn local_name(step: &Step) -> &str {
    let mut rest = step.id.as_ref();
    rest = rest
        .strip_prefix(step.target.stage.as_ref())
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(rest);
    if let Some(wave) = &step.target.wave {
        rest = rest
            .strip_prefix(wave.as_ref())
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(rest);
    }
    rest
}

fn action(
    context: &mut Context<'_>,
    step: &Step,
    name: String,
    run_order: u32,
) -> ActionDeclaration {
    let mut action = ActionDeclaration {
        name,
        action_type_id: ActionTypeId::aws("Approval", "Manual"),
        run_order,
        configuration: BTreeMap::new(),
        output_artifacts: Vec::new(),
        input_artifacts: Vec::new(),
        region: None,
    };
    let placeholders = placeholders(context.plan, step);
    match &step.params {
        Params::Source(source) => {
            action.output_artifacts = artifact_refs(context.artifacts.sources.get(&source.name));
            match &source.origin {
                SourceOrigin::Git { url, branch } => {
                    action.action_type_id = ActionTypeId::aws("Source", "CodeStarSourceConnection");
                    let connection = context.setting(
                        "connection_arn",
                        context.settings.connection_arn.as_ref(),
                        Some(step),
                    );
                    action.configuration = BTreeMap::from([
                        ("ConnectionArn".to_string(), connection),
                        ("FullRepositoryId".to_string(), repository_id(url)),
                        ("BranchName".to_string(), branch.clone()),
                        ("OutputArtifactFormat".to_string(), "CODE_ZIP".to_string()),
                    ]);
                }
                SourceOrigin::ArtifactStore { url } => {
                    action.action_type_id = ActionTypeId::aws("Source", "S3");
                    let (bucket, key) = s3_location(url);
                    action.configuration = BTreeMap::from([
                        ("S3Bucket".to_string(), bucket),
                        ("S3ObjectKey".to_string(), key),
                    ]);
                }
            }
        }
        Params::Build(build) => {
            action.action_type_id = ActionTypeId::aws("Build", "CodeBuild");
            let inputs: Vec<String> = build
                .sources
                .iter()
                .filter_map(|source| context.artifacts.input(source).cloned())
                .collect();
            let command = crate::export::plan_v1::exported_command(
                &build.command,
                build.argv.as_ref(),
                build.shell,
                &build.env,
            );
            action.configuration =
                codebuild(context, step, &placeholders, &command, &build.env, &inputs);
            action.input_artifacts = inputs
                .into_iter()
                .map(|name| ArtifactRef { name })
                .collect();
            action.output_artifacts = artifact_refs(context.artifacts.builds.get(&build.artifact));
        }
        Params::Test(test) => {
            action.action_type_id = ActionTypeId::aws("Test", "CodeBuild");
            // Tests run from the sources, as the plan's commands expect.
            let inputs: Vec<String> = context.artifacts.sources.values().cloned().collect();
            let command = match &test.command {
                Some(command) => crate::export::plan_v1::exported_command(
                    command,
                    test.argv.as_ref(),
                    test.shell,
                    &test.env,
                ),
                // A suite the environment runs: no command, and its name
                // for the buildspec to run it by.
                None => crate::export::plan_v1::ExportedCommand {
                    script: String::new(),
                    variables: vec![(SUITE_VARIABLE.to_string(), test.name.clone())],
                },
            };
            action.configuration =
                codebuild(context, step, &placeholders, &command, &test.env, &inputs);
            action.input_artifacts = inputs
                .into_iter()
                .map(|name| ArtifactRef { name })
                .collect();
        }
        Params::Deploy(deploy) => deploy_action(context, step, deploy, &placeholders, &mut action),
        Params::Approval(approval) => {
            action.configuration = BTreeMap::from([(
                "CustomData".to_string(),
                format!(
                    "Approval by the role `{}` (step `{}`)",
                    approval.role, step.id
                ),
            )]);
        }
        // Layout never hands bakes or gates here; an approval-shaped
        // action is the harmless fallback.
        Params::Bake(_) | Params::Gate(_) => {}
    }
    action
}

fn deploy_action(
    context: &mut Context<'_>,
    step: &Step,
    deploy: &DeployParams,
    placeholders: &Placeholders,
    action: &mut ActionDeclaration,
) {
    action.region = step.target.region.as_deref().map(str::to_string);
    let inputs: Vec<String> = deploy
        .artifacts
        .iter()
        .filter_map(|artifact| context.artifacts.builds.get(&**artifact).cloned())
        .collect();
    // Every deploy provider takes one input artifact.
    if inputs.len() > 1 {
        let diagnostic = Diagnostic::warning(
            Code::CODEPIPELINE_DEPLOY_APPROXIMATED,
            format!(
                "step `{}` deploys {} artifacts; the CodePipeline deploy action takes only the first, `{}`",
                step.id,
                inputs.len(),
                deploy.artifacts.first().map(|artifact| &**artifact).unwrap_or_default()
            ),
        )
        .help("package what is deployed together as one artifact");
        context.report_once(format!("artifacts:{}", step.id), diagnostic, Some(step));
    }
    action.input_artifacts = inputs
        .into_iter()
        .take(1)
        .map(|name| ArtifactRef { name })
        .collect();
    report_deploy_commands(context, step, deploy);
    let shifts_traffic = matches!(
        deploy.strategy,
        Strategy::BlueGreen | Strategy::Canary { .. } | Strategy::Linear { .. }
    );
    let settings = context.settings;
    match (deploy.platform, shifts_traffic) {
        (Platform::Ecs, false) => {
            action.action_type_id = ActionTypeId::aws("Deploy", "ECS");
            let cluster = context.setting("ecs_cluster", settings.ecs_cluster.as_ref(), Some(step));
            let service = context.setting("ecs_service", settings.ecs_service.as_ref(), Some(step));
            action.configuration = BTreeMap::from([
                ("ClusterName".to_string(), expand(&cluster, placeholders)),
                ("ServiceName".to_string(), expand(&service, placeholders)),
                ("FileName".to_string(), "imagedefinitions.json".to_string()),
            ]);
        }
        (platform, _) => {
            let provider = if platform == Platform::Ecs {
                "CodeDeployToECS"
            } else {
                "CodeDeploy"
            };
            action.action_type_id = ActionTypeId::aws("Deploy", provider);
            let application = context.setting(
                "codedeploy_application",
                settings.codedeploy_application.as_ref(),
                Some(step),
            );
            let group = context.setting(
                "codedeploy_deployment_group",
                settings.codedeploy_deployment_group.as_ref(),
                Some(step),
            );
            action.configuration = BTreeMap::from([
                (
                    "ApplicationName".to_string(),
                    expand(&application, placeholders),
                ),
                (
                    "DeploymentGroupName".to_string(),
                    expand(&group, placeholders),
                ),
            ]);
            if platform == Platform::Ecs {
                let artifact = action
                    .input_artifacts
                    .first()
                    .map(|artifact| artifact.name.clone())
                    .unwrap_or_default();
                action.configuration.insert(
                    "TaskDefinitionTemplateArtifact".to_string(),
                    artifact.clone(),
                );
                action
                    .configuration
                    .insert("AppSpecTemplateArtifact".to_string(), artifact);
            }
        }
    }
}

/// A deploy's `run` and `rollback` commands, and the `env` they run with,
/// are what `pipec run` and the GitHub Actions workflow run; a CodePipeline
/// deploy action runs no command (ECS or CodeDeploy deploys the artifact,
/// and a failed stage rolls back), so they are reported (`P0907`).
fn report_deploy_commands(context: &mut Context<'_>, step: &Step, deploy: &DeployParams) {
    let mut dropped = Vec::new();
    if let Some(command) = &deploy.command {
        dropped.push(format!("its deploy command `{command}`"));
    }
    if let Some(rollback) = &deploy.rollback {
        dropped.push(format!("its rollback command `{}`", rollback.command));
    }
    if dropped.is_empty() {
        // Without a command, `env` has nothing to reach either.
        return;
    }
    let entries = declared_env(&deploy.env).count();
    match entries {
        0 => {}
        1 => dropped.push("the `env` entry they run with".to_string()),
        _ => dropped.push(format!("the {entries} `env` entries they run with")),
    }
    let diagnostic = Diagnostic::warning(
        Code::CODEPIPELINE_DEPLOY_APPROXIMATED,
        format!(
            "step `{}`: the CodePipeline deploy action does not run {}",
            step.id,
            and_list(&dropped)
        ),
    )
    .note("the ECS or CodeDeploy action deploys the artifact, and CodePipeline rolls a failed stage back")
    .help(
        "put what the commands do into the deployment's own configuration (the ECS service, \
         the CodeDeploy application's lifecycle hooks)",
    );
    context.report_once(format!("commands:{}", step.id), diagnostic, Some(step));
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The longest configuration value the API takes (the model's
/// `ActionConfigurationValue`).
const MAX_CONFIGURATION_VALUE: usize = 1000;

/// An action whose configuration value is longer than the API takes
/// cannot be created: reported as over a limit (`P0906`), naming the key.
fn check_configuration(context: &mut Context<'_>, step: &Step, action: &ActionDeclaration) {
    for (key, value) in &action.configuration {
        let length = value.chars().count();
        if length <= MAX_CONFIGURATION_VALUE {
            continue;
        }
        let diagnostic = Diagnostic::error(
            Code::CODEPIPELINE_QUOTA,
            format!(
                "step `{}`: its action's `{key}` is {length} characters; CodePipeline takes at most \
                 {MAX_CONFIGURATION_VALUE} per configuration value",
                step.id
            ),
        )
        .help(if key == "EnvironmentVariables" {
            "shorten the command or its `env` values, or give long values to the CodeBuild \
             project's environment instead"
        } else {
            "shorten the names in `[codepipeline]` or in the pipeline"
        });
        context.report_once(
            format!("configuration:{}:{key}", step.id),
            diagnostic,
            Some(step),
        );
    }
}

/// The variable that names the suite of a test without a command, whose
/// `PIPEC_COMMAND` is empty: the buildspec runs the suite it names.
const SUITE_VARIABLE: &str = "PIPEC_SUITE";

/// How `P0908` words the `env` entries a CodeBuild action cannot set.
const ENV_DROPPED: DroppedEnvWording = DroppedEnvWording {
    setter: "its CodeBuild action",
    one: "an `env` entry",
    several: "`env` entries",
    note_one: "the command runs without it unless the CodeBuild project sets it",
    note_several: "the command runs without them unless the CodeBuild project sets them",
};

/// A CodeBuild action's configuration: the project, the primary source
/// when there are several inputs, and the plan's command for the
/// project's buildspec to run, with the variables carrying its values and
/// the step's `env` entries (values as `PLAINTEXT`). A secret, or a name
/// CodeBuild keeps for itself, cannot be carried: reported (`P0908`).
fn codebuild(
    context: &mut Context<'_>,
    step: &Step,
    placeholders: &Placeholders,
    command: &crate::export::plan_v1::ExportedCommand,
    env: &Env,
    inputs: &[String],
) -> BTreeMap<String, String> {
    let project = context.setting(
        "codebuild_project",
        context.settings.codebuild_project.as_ref(),
        Some(step),
    );
    let mut variables = vec![
        serde_json::json!({"name": "PIPEC_STEP", "value": step.id, "type": "PLAINTEXT"}),
        serde_json::json!({"name": "PIPEC_COMMAND", "value": command.script, "type": "PLAINTEXT"}),
    ];
    variables.extend(command.variables.iter().map(
        |(name, value)| serde_json::json!({"name": name, "value": value, "type": "PLAINTEXT"}),
    ));
    let mut dropped = Vec::new();
    for (name, value) in declared_env(env) {
        match value {
            EnvValue::Text(text) if !name.starts_with("CODEBUILD_") => variables
                .push(serde_json::json!({"name": name, "value": text, "type": "PLAINTEXT"})),
            EnvValue::Text(_) => dropped.push(format!(
                "`{name}` (CodeBuild keeps the names starting with `CODEBUILD_` for itself)"
            )),
            EnvValue::Secret(secret) => dropped.push(format!(
                "`{name}` (the secret `{}` of the runner's environment)",
                secret.secret
            )),
        }
    }
    if let Some((message, note)) = ENV_DROPPED.message_and_note(&step.id, &dropped) {
        let diagnostic = Diagnostic::warning(Code::CODEPIPELINE_ENV_DROPPED, message)
            .note(note)
            .help(
                "give the CodeBuild project these variables (a secret as type `SECRETS_MANAGER` \
             or `PARAMETER_STORE`)",
            );
        context.report_once(format!("env:{}", step.id), diagnostic, Some(step));
    }
    let variables = serde_json::Value::Array(variables);
    let mut configuration = BTreeMap::from([
        ("ProjectName".to_string(), expand(&project, placeholders)),
        ("EnvironmentVariables".to_string(), variables.to_string()),
    ]);
    if inputs.len() > 1
        && let Some(primary) = inputs.first()
    {
        configuration.insert("PrimarySource".to_string(), primary.clone());
    }
    configuration
}

fn artifact_refs(name: Option<&String>) -> Vec<ArtifactRef> {
    name.map(|name| ArtifactRef { name: name.clone() })
        .into_iter()
        .collect()
}

/// The values of a step's name patterns.
fn placeholders(plan: &PlanV1, step: &Step) -> Placeholders {
    let target = &step.target;
    let scope = if target.onebox {
        "onebox".to_string()
    } else if let Some(az) = &target.az {
        az.to_string()
    } else if let Some(cell) = &target.cell {
        cell.to_string()
    } else {
        "fleet".to_string()
    };
    let step_name = match &step.params {
        Params::Build(build) => build.artifact.clone(),
        Params::Test(test) => test.name.clone(),
        _ => local_name(step).replace('/', "-"),
    };
    Placeholders::pipeline(plan)
        .region(target.region.as_deref().unwrap_or_default())
        .set("stage", target.stage.to_string())
        .set(
            "wave",
            target.wave.as_deref().unwrap_or(&target.stage).to_string(),
        )
        .set("scope", scope)
        .set("step", step_name)
}

/// `owner/name` of a repository URL: its last two path segments, without
/// `.git`.
fn repository_id(url: &str) -> String {
    let path = url.trim_end_matches('/').trim_end_matches(".git");
    let mut segments = path.rsplit(['/', ':']);
    let name = segments.next().unwrap_or_default();
    match segments.next() {
        Some(owner) if !owner.is_empty() => format!("{owner}/{name}"),
        _ => name.to_string(),
    }
}

/// Bucket and key of an `s3://bucket/key` location; a location ending in
/// `/` names the object `source.zip` under it.
fn s3_location(url: &str) -> (String, String) {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}source.zip")
    } else {
        key.to_string()
    };
    (bucket.to_string(), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_ids_are_owner_and_name() {
        assert_eq!(
            repository_id("https://git.example.com/shop/orders-api.git"),
            "shop/orders-api"
        );
        assert_eq!(repository_id("git@github.com:shop/api.git"), "shop/api");
    }

    #[test]
    fn s3_locations_split_bucket_and_key() {
        assert_eq!(
            s3_location("s3://drops/app/"),
            ("drops".to_string(), "app/source.zip".to_string())
        );
        assert_eq!(
            s3_location("s3://drops/app.zip"),
            ("drops".to_string(), "app.zip".to_string())
        );
    }
}
