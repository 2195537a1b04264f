//! The part of the CodePipeline API's `CreatePipeline` input that exports
//! use, as serde types named and nested as in the service model
//! (`botocore/data/codepipeline/*/service-2.json`): camelCase fields,
//! optional fields and lists with a minimum length left out when empty,
//! configuration values as strings. Maps are `BTreeMap`s so that output
//! is deterministic.

use serde::Serialize;
use std::collections::BTreeMap;

/// The whole input: `{"pipeline": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatePipelineInput {
    /// The pipeline declaration.
    pub pipeline: PipelineDeclaration,
}

/// `PipelineDeclaration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineDeclaration {
    /// `PipelineName`: `[A-Za-z0-9.@\-_]+`, at most 100.
    pub name: String,
    /// The service role.
    pub role_arn: String,
    /// The one store, when every action runs in the pipeline's region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_store: Option<ArtifactStore>,
    /// A store per region, when actions run in several (exclusive with
    /// `artifact_store`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_stores: Option<BTreeMap<String, ArtifactStore>>,
    /// The stages, in order.
    pub stages: Vec<StageDeclaration>,
    /// `QUEUED`, `SUPERSEDED` or `PARALLEL`.
    pub execution_mode: String,
    /// `V2`: conditions need it.
    pub pipeline_type: String,
}

/// `ArtifactStore`: an S3 bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactStore {
    /// Always `S3`.
    #[serde(rename = "type")]
    pub store_type: String,
    /// The bucket.
    pub location: String,
}

/// `StageDeclaration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageDeclaration {
    /// `StageName`.
    pub name: String,
    /// At least one action.
    pub actions: Vec<ActionDeclaration>,
    /// Checked before the stage starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_entry: Option<Conditions>,
    /// Checked after every action succeeded: where bakes wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_success: Option<Conditions>,
    /// What happens when an action fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<FailureConditions>,
}

/// `BeforeEntryConditions` and `SuccessConditions`: exactly one condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conditions {
    /// One condition (the model allows one).
    pub conditions: Vec<Condition>,
}

/// `FailureConditions` with only a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureConditions {
    /// `ROLLBACK`.
    pub result: String,
}

/// `Condition`: a result and one to five rules, all of which must pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// What happens when a rule fails: `FAIL` before entry, `ROLLBACK` on
    /// success.
    pub result: String,
    /// One to five rules.
    pub rules: Vec<RuleDeclaration>,
}

/// `RuleDeclaration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleDeclaration {
    /// `RuleName`, unique in its condition.
    pub name: String,
    /// The rule's type.
    pub rule_type_id: RuleTypeId,
    /// The rule's configuration, values as strings.
    pub configuration: BTreeMap<String, String>,
    /// The region the rule checks in; absent: the pipeline's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `RuleTypeId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleTypeId {
    /// Always `Rule`.
    pub category: String,
    /// Always `AWS`.
    pub owner: String,
    /// `CloudWatchAlarm` or `DeploymentWindow`.
    pub provider: String,
    /// `1`.
    pub version: String,
}

impl RuleTypeId {
    /// An AWS rule of version 1.
    pub fn aws(provider: &str) -> RuleTypeId {
        RuleTypeId {
            category: "Rule".to_string(),
            owner: "AWS".to_string(),
            provider: provider.to_string(),
            version: "1".to_string(),
        }
    }
}

/// `ActionDeclaration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDeclaration {
    /// `ActionName`, unique in its stage.
    pub name: String,
    /// The action's type.
    pub action_type_id: ActionTypeId,
    /// 1..999; actions with the same number run in parallel.
    pub run_order: u32,
    /// The provider's configuration, values as strings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub configuration: BTreeMap<String, String>,
    /// Artifacts the action writes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_artifacts: Vec<ArtifactRef>,
    /// Artifacts the action reads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_artifacts: Vec<ArtifactRef>,
    /// The region the action runs in; absent: the pipeline's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `ActionTypeId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionTypeId {
    /// `Source`, `Build`, `Test`, `Deploy` or `Approval`.
    pub category: String,
    /// `AWS` for every action exports use.
    pub owner: String,
    /// The provider: `CodeBuild`, `CodeDeploy`, `ECS`, ...
    pub provider: String,
    /// `1`.
    pub version: String,
}

impl ActionTypeId {
    /// An AWS-owned action type of version 1.
    pub fn aws(category: &str, provider: &str) -> ActionTypeId {
        ActionTypeId {
            category: category.to_string(),
            owner: "AWS".to_string(),
            provider: provider.to_string(),
            version: "1".to_string(),
        }
    }
}

/// `InputArtifact` / `OutputArtifact`: a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactRef {
    /// `ArtifactName`: `[a-zA-Z0-9_\-]+`, at most 100.
    pub name: String,
}
