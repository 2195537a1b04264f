//! Settings read from the workspace's `pipec.toml`: account values for
//! exporters, and what a directory walk leaves out.
//!
//! `pipec.toml` marks the workspace root (see [`crate::modules`]); the
//! compiler itself never reads it, and the CLI hands its text to [`parse`]
//! (the core does no I/O). Exporters need values that a pipeline
//! does not and should not hold — an IAM role, bucket names, the names of
//! deploy applications — and they take them from one table per target.
//! Each table is optional and read strictly (an unknown key is an error, so
//! that a typo is not silently ignored); a target adds its table as one
//! more field of [`Settings`].

use std::collections::BTreeMap;

/// Everything `pipec.toml` can hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[codepipeline]`: settings of `compile --target codepipeline`.
    #[serde(default)]
    pub codepipeline: CodePipelineSettings,
    /// `[check]`: which files a directory walk leaves out.
    #[serde(default)]
    pub check: CheckSettings,
}

/// `[check]`: what `pipec check DIR` (and every command that searches a
/// directory, and the language server) leaves out of a walk of the
/// workspace, beyond what `.gitignore` and hidden names already hide.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// Globs to leave out, in place of [`DEFAULT_EXCLUDES`].
    pub exclude: Option<Vec<String>>,
    /// Globs to leave out in addition to `exclude` (or the defaults).
    #[serde(default, rename = "extend-exclude")]
    pub extend_exclude: Vec<String>,
}

/// What a walk leaves out unless `exclude` says otherwise: directories
/// that hold other tools' copies of files (dependencies, build output),
/// which are never a workspace's own pipelines.
pub const DEFAULT_EXCLUDES: &[&str] = &["node_modules", "target"];

impl CheckSettings {
    /// Every glob to leave out: `exclude` (or the defaults), then
    /// `extend-exclude`.
    pub fn effective_excludes(&self) -> Vec<String> {
        let base: Vec<String> = match &self.exclude {
            Some(exclude) => exclude.clone(),
            None => DEFAULT_EXCLUDES
                .iter()
                .map(|glob| glob.to_string())
                .collect(),
        };
        base.into_iter()
            .chain(self.extend_exclude.iter().cloned())
            .collect()
    }
}

/// `[codepipeline]`: the account values an AWS CodePipeline export needs.
///
/// Every name may be a pattern with `{placeholders}` (see
/// `docs/targets/codepipeline.md`). A value the export needs but cannot
/// find is an error that names its key; nothing is made up.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePipelineSettings {
    /// The pipeline's own region, where build, test and approval actions
    /// run and where its artifact store is.
    pub region: Option<String>,
    /// The service role CodePipeline assumes.
    pub role_arn: Option<String>,
    /// The CodeConnections connection git sources use.
    pub connection_arn: Option<String>,
    /// The artifact bucket of each region, by region code.
    #[serde(default)]
    pub artifact_buckets: BTreeMap<String, String>,
    /// A pattern for regions `artifact_buckets` does not list.
    pub artifact_bucket: Option<String>,
    /// CodeBuild project of build and test steps.
    pub codebuild_project: Option<String>,
    /// CodeDeploy application of deploy steps (EC2, on-premises, Lambda,
    /// ECS blue/green and traffic shifting).
    pub codedeploy_application: Option<String>,
    /// CodeDeploy deployment group of deploy steps.
    pub codedeploy_deployment_group: Option<String>,
    /// ECS cluster of plain ECS deploys.
    pub ecs_cluster: Option<String>,
    /// ECS service of plain ECS deploys.
    pub ecs_service: Option<String>,
    /// A CloudWatch alarm standing for a plan alarm, by the plan alarm's
    /// id or a blocker's name: a composite alarm is one rule where the
    /// expression's alarms would be several.
    #[serde(default)]
    pub composite_alarms: BTreeMap<String, String>,
}

/// Reads settings from the text of a `pipec.toml`. An empty file (the
/// usual root marker) has no settings.
pub fn parse(text: &str) -> Result<Settings, String> {
    toml::from_str(text).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_has_no_settings() {
        assert_eq!(parse(""), Ok(Settings::default()));
    }

    #[test]
    fn the_codepipeline_table_is_read_and_unknown_keys_are_refused() {
        let settings = parse(
            "[codepipeline]\nregion = \"us-east-1\"\nartifact_buckets = { \"eu-west-1\" = \"b\" }\n",
        );
        let Ok(settings) = settings else {
            panic!("{settings:?}");
        };
        assert_eq!(settings.codepipeline.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            settings.codepipeline.artifact_buckets.get("eu-west-1"),
            Some(&"b".to_string())
        );
        assert!(parse("[codepipeline]\nrole = \"x\"\n").is_err());
    }

    #[test]
    fn check_excludes_replace_or_extend_the_defaults() {
        let defaults = parse("").map(|settings| settings.check.effective_excludes());
        assert_eq!(defaults, Ok(vec!["node_modules".into(), "target".into()]));
        let extended = parse("[check]\nextend-exclude = [\"tests/cases\"]\n")
            .map(|settings| settings.check.effective_excludes());
        assert_eq!(
            extended,
            Ok(vec![
                "node_modules".into(),
                "target".into(),
                "tests/cases".into()
            ])
        );
        let replaced = parse("[check]\nexclude = [\"a\"]\nextend-exclude = [\"b\"]\n")
            .map(|settings| settings.check.effective_excludes());
        assert_eq!(replaced, Ok(vec!["a".into(), "b".into()]));
        assert!(parse("[check]\nextend_exclude = []\n").is_err());
    }
}
