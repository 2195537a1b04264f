//! `pipec compile --target github-actions`: a GitHub Actions workflow that
//! runs a plan (format 1.3). Like every exporter it reads only the plan
//! ([`PlanV1`]), never the compiler's internals.
//!
//! One job per plan step, with `needs` mirroring the plan's DAG; a step's
//! approval gates become jobs in a protected environment before it, its
//! other gates a job that waits for them just before it, a bake a chain of
//! jobs each short enough for GitHub's six-hour job limit, and each region
//! of each wave gets a rollback job that runs when one of its jobs fails.
//! docs/targets/github-actions.md maps every plan concept to what the
//! workflow does and how faithfully; whatever the workflow only
//! approximates is a [`Finding`].

mod alarm_expr;
pub mod findings;
mod gates;
pub mod job_ids;
mod jobs;
mod rollback;
pub mod workflow;

pub use findings::{Finding, to_diagnostic};
pub use gates::config_of;
pub use rollback::CONDITION as ROLLBACK_CONDITION;
pub use workflow::Workflow;

use crate::export::plan_v1::PlanV1;

/// The longest a job may run on GitHub-hosted runners, in minutes.
pub const MAX_JOB_MINUTES: u64 = 360;

/// The longest a job waits (for gates, or baking), in seconds: 5 h 50 min,
/// leaving ten minutes of the job limit for the runner to start and the
/// checks to run.
pub const MAX_WAIT_SECONDS: u64 = 350 * 60;

/// What the workflow assumes about the repository. Defaults only: the
/// values are documented in docs/targets/github-actions.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The runner label of every job.
    pub runs_on: String,
    /// The repository's script that deploys, rolls back and answers
    /// questions about artifacts (see the docs for its arguments).
    pub hook: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            runs_on: "ubuntu-latest".to_string(),
            hook: ".pipec/hook".to_string(),
        }
    }
}

/// A workflow and what it could not express.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The workflow.
    pub workflow: Workflow,
    /// The lossy mappings, in plan order.
    pub findings: Vec<Finding>,
}

impl Export {
    /// The workflow as JSON (which is YAML too), compact or indented, with
    /// a trailing newline. The same plan always gives the same bytes.
    pub fn to_json(&self, pretty: bool) -> String {
        let written = if pretty {
            serde_json::to_string_pretty(&self.workflow)
        } else {
            serde_json::to_string(&self.workflow)
        };
        match written {
            Ok(mut json) => {
                json.push('\n');
                json
            }
            // Strings, integers, booleans, lists and string-keyed maps:
            // nothing for serde_json to refuse.
            Err(error) => unreachable!("a workflow always serializes: {error}"),
        }
    }
}

/// Exports a plan as a workflow.
pub fn export(plan: &PlanV1, settings: &Settings) -> Export {
    let mut builder = jobs::Builder::new(plan, settings);
    for step in &plan.steps {
        builder.add_step(step);
    }
    let mut built = builder.finish();
    let mut jobs = built.jobs;
    jobs.0.extend(rollback::jobs(
        plan,
        settings,
        &built.rollback_members,
        &mut built.ids,
    ));
    let workflow = workflow::Workflow {
        name: workflow::literal(&format!("pipec: {}", plan.pipeline)),
        on: jobs::triggers(plan),
        permissions: [("contents".to_string(), "read".to_string())].into(),
        concurrency: workflow::Concurrency {
            group: workflow::literal(&format!("pipec-{}", plan.pipeline)),
            cancel_in_progress: false,
        },
        env: [
            ("PIPEC_HOOK".to_string(), workflow::literal(&settings.hook)),
            (
                "PIPEC_PIPELINE".to_string(),
                workflow::literal(&plan.pipeline),
            ),
            (
                "PIPEC_WAIT_PROGRAM".to_string(),
                gates::WAIT_PROGRAM.to_string(),
            ),
            (
                gates::DATA_VARIABLE.to_string(),
                workflow::literal(&gates::wait_data(plan).to_string()),
            ),
        ]
        .into(),
        jobs,
    };
    Export {
        workflow,
        findings: built.findings,
    }
}
