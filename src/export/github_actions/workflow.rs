//! The subset of the GitHub Actions workflow syntax the exporter writes,
//! as typed values: fields serialize in the order a person reads a
//! workflow (name, trigger, permissions, then jobs in plan order), absent
//! options are left out, and the same workflow always gives the same bytes.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::BTreeMap;

/// A whole workflow file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workflow {
    /// Shown in the Actions tab.
    pub name: String,
    /// What starts a run.
    pub on: Triggers,
    /// The token's permissions, for every job.
    pub permissions: BTreeMap<String, String>,
    /// At most one run of the pipeline at a time.
    pub concurrency: Concurrency,
    /// Variables every job sees.
    pub env: BTreeMap<String, String>,
    /// The jobs, in the order they were added.
    pub jobs: Jobs,
}

/// The workflow's triggers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triggers {
    /// A push to one of the sources' branches; absent when no source is a
    /// git branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushTrigger>,
    /// A run started by hand (an empty object: no inputs).
    pub workflow_dispatch: BTreeMap<String, String>,
}

/// `on.push`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushTrigger {
    /// The branches whose pushes start a run.
    pub branches: Vec<String>,
}

/// A concurrency group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concurrency {
    /// The group's name.
    pub group: String,
    /// Whether a new run cancels the one in progress (never, for a
    /// deployment: a half-done deploy is worse than a queued one).
    #[serde(rename = "cancel-in-progress")]
    pub cancel_in_progress: bool,
}

/// The jobs of a workflow by id, kept in insertion order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Jobs(pub Vec<(String, Job)>);

impl Serialize for Jobs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, job) in &self.0 {
            map.serialize_entry(id, job)?;
        }
        map.end()
    }
}

/// One job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Shown in the run's graph: the plan step's id.
    pub name: String,
    /// Ids of the jobs that must finish first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// When the job runs; absent for "when every need succeeded".
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The runner label.
    #[serde(rename = "runs-on")]
    pub runs_on: String,
    /// The environment whose protection rules (reviewers, branches) hold
    /// the job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The longest the job may run, in minutes (at most 360 on hosted
    /// runners).
    #[serde(rename = "timeout-minutes")]
    pub timeout_minutes: u64,
    /// Variables the job's steps see.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The steps.
    pub steps: Vec<JobStep>,
}

/// One step of a job: an action (`uses`) or a script (`run`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobStep {
    /// Shown in the job's log.
    pub name: String,
    /// When the step runs; absent for "when every step before succeeded".
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// An action, `owner/repo@ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    /// The action's inputs.
    #[serde(rename = "with", skip_serializing_if = "BTreeMap::is_empty")]
    pub with: BTreeMap<String, serde_json::Value>,
    /// Variables the step sees, besides the job's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The shell running the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// The longest the step may run, in minutes.
    #[serde(rename = "timeout-minutes", skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u64>,
}

impl JobStep {
    /// A script run by bash (with `-e` and `pipefail`).
    pub fn bash(name: impl Into<String>, script: impl AsRef<str>) -> JobStep {
        JobStep {
            name: literal(name.into().as_str()),
            condition: None,
            uses: None,
            with: BTreeMap::new(),
            env: BTreeMap::new(),
            run: Some(literal(script.as_ref())),
            shell: Some("bash".to_string()),
            timeout_minutes: None,
        }
    }

    /// Checks the repository out, with its whole history so that git ref
    /// blockers can be checked.
    pub fn checkout() -> JobStep {
        let mut with = BTreeMap::new();
        with.insert("fetch-depth".to_string(), serde_json::Value::from(0));
        JobStep {
            name: "Check out the revision".to_string(),
            condition: None,
            uses: Some("actions/checkout@v4".to_string()),
            with,
            env: BTreeMap::new(),
            run: None,
            shell: None,
            timeout_minutes: None,
        }
    }
}

/// `text` as GitHub shows it: GitHub expands `${{ ... }}` in names,
/// scripts and variables before anything runs, so a plan's text holding
/// one would run as an expression. Each opening is written as an
/// expression that yields the opening itself.
pub fn literal(text: &str) -> String {
    text.replace("${{", "${{ '${{' }}")
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn expression_openings_are_quoted() {
        assert_eq!(literal("echo ${{ x }}"), "echo ${{ '${{' }} x }}");
        assert_eq!(literal("make release"), "make release");
    }
}
