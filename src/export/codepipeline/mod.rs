//! `compile --target codepipeline`: a plan as the input of AWS
//! CodePipeline's `CreatePipeline` (a V2 pipeline).
//!
//! Like every exporter, this one reads only the plan ([`PlanV1`]) and the
//! account settings; it never sees the source. What the target cannot
//! express, and every setting it needs but lacks, is a [`Finding`] placed
//! by the provenance of the step concerned. The mapping is documented,
//! row by row, in `docs/targets/codepipeline.md`.
//!
//! - [`layout`] cuts the steps into stages so that each bake ends one;
//! - [`actions`] turns source, build, test, deploy and approval steps into
//!   actions;
//! - [`conditions`] turns gates into `beforeEntry` and bakes into
//!   `onSuccess` conditions, with [`rules`];
//! - [`model`] holds the API's types and [`names`] makes names it accepts.

mod actions;
mod conditions;
mod layout;
pub mod model;
mod names;
mod rules;

use crate::diagnostics::{Code, Diagnostic};
use crate::export::findings::Finding;
use crate::export::plan_v1::{PlanV1, Provenance, Step};
use crate::settings::CodePipelineSettings;
use model::{
    ArtifactStore, CreatePipelineInput, FailureConditions, PipelineDeclaration, StageDeclaration,
};
use std::collections::{BTreeMap, BTreeSet};

/// CodePipeline's quota of stages in a pipeline (AWS CodePipeline User
/// Guide, "Quotas in AWS CodePipeline").
pub const MAX_STAGES: usize = 50;
/// CodePipeline's quota of actions in a stage (same page).
pub const MAX_ACTIONS_PER_STAGE: usize = 50;
/// The largest `runOrder` the API model accepts.
pub const MAX_RUN_ORDER: u32 = 999;
/// The most rules a condition holds (the API model's `RuleDeclarationList`).
pub const MAX_RULES: usize = 5;

/// An export: the `CreatePipeline` input, and what could not be carried
/// over exactly. Errors among the findings mean the input must not be used.
#[derive(Debug, Clone)]
pub struct Export {
    /// The input for `aws codepipeline create-pipeline --cli-input-json`.
    pub value: CreatePipelineInput,
    /// Lossy mappings (warnings) and missing settings or exceeded quotas
    /// (errors), in the order found.
    pub findings: Vec<Finding>,
}

impl Export {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.diagnostic.is_error())
    }
}

/// Exports a plan.
pub fn export(plan: &PlanV1, settings: &CodePipelineSettings) -> Export {
    let mut context = Context {
        plan,
        settings,
        findings: Vec::new(),
        reported: BTreeSet::new(),
        artifacts: actions::artifact_names(plan),
        missing: Vec::new(),
        missing_at: None,
        unbucketed: Vec::new(),
    };
    let home_region = context.setting("region", settings.region.as_ref(), first_step(plan));
    let role_arn = context.setting("role_arn", settings.role_arn.as_ref(), first_step(plan));
    let layouts = layout::layout(plan);
    let mut stage_names = names::Unique::default();
    let mut stages: Vec<StageDeclaration> = Vec::new();
    let mut pending_gates: Vec<usize> = Vec::new();
    for stage_layout in &layouts {
        if stage_layout.actions.is_empty() {
            // Nothing to run: gates wait for the next stage, and a bake
            // holds the stage before.
            pending_gates.extend(&stage_layout.gated);
            if let Some(previous) = stages.last_mut() {
                conditions::add_bakes(&mut context, previous, &stage_layout.bakes);
            }
            continue;
        }
        let name = stage_names.give(names::entity_name(&stage_layout.name));
        let mut stage = StageDeclaration {
            name,
            actions: Vec::new(),
            before_entry: None,
            on_success: None,
            on_failure: None,
        };
        let mut gated = std::mem::take(&mut pending_gates);
        gated.extend(&stage_layout.gated);
        let approvals = conditions::entry(&mut context, &mut stage, &gated, &stage_layout.actions);
        actions::add(&mut context, &mut stage, &stage_layout.actions, approvals);
        conditions::add_bakes(&mut context, &mut stage, &stage_layout.bakes);
        if stage
            .actions
            .iter()
            .any(|action| action.action_type_id.category == "Deploy")
        {
            stage.on_failure = Some(FailureConditions {
                result: "ROLLBACK".to_string(),
            });
        }
        check_stage_quotas(&mut context, &stage, stage_layout);
        stages.push(stage);
    }
    if stages.len() > MAX_STAGES {
        let diagnostic = Diagnostic::error(
            Code::CODEPIPELINE_QUOTA,
            format!(
                "the export has {} stages; CodePipeline allows {MAX_STAGES} per pipeline",
                stages.len()
            ),
        )
        .help(
            "split the pipeline (one per group of waves), or use fewer waves; a quota \
             increase can be requested from AWS",
        );
        context.report_once("stages".to_string(), diagnostic, first_step(plan));
    }
    let (artifact_store, artifact_stores) = artifact_stores(&mut context, &stages, &home_region);
    let pipeline = PipelineDeclaration {
        name: names::entity_name(&plan.pipeline),
        role_arn,
        artifact_store,
        artifact_stores,
        stages,
        execution_mode: "QUEUED".to_string(),
        pipeline_type: "V2".to_string(),
    };
    context.report_missing_settings();
    Export {
        value: CreatePipelineInput { pipeline },
        findings: context.findings,
    }
}

/// The one artifact store when every action runs in the pipeline's
/// region, else a store for that region and every region an action names.
fn artifact_stores(
    context: &mut Context<'_>,
    stages: &[StageDeclaration],
    home_region: &str,
) -> (
    Option<ArtifactStore>,
    Option<BTreeMap<String, ArtifactStore>>,
) {
    let mut regions: BTreeSet<String> = stages
        .iter()
        .flat_map(|stage| &stage.actions)
        .filter_map(|action| action.region.clone())
        .collect();
    regions.remove(home_region);
    let mut store_of = |region: &str| ArtifactStore {
        store_type: "S3".to_string(),
        location: context.bucket(region, home_region),
    };
    if regions.is_empty() {
        return (Some(store_of(home_region)), None);
    }
    let mut stores = BTreeMap::new();
    stores.insert(home_region.to_string(), store_of(home_region));
    for region in regions {
        let store = store_of(&region);
        stores.insert(region, store);
    }
    (None, Some(stores))
}

fn check_stage_quotas(
    context: &mut Context<'_>,
    stage: &StageDeclaration,
    stage_layout: &layout::StageLayout,
) {
    let step = stage_layout
        .actions
        .first()
        .and_then(|(index, _)| context.plan.steps.get(*index));
    if stage.actions.len() > MAX_ACTIONS_PER_STAGE {
        let diagnostic = Diagnostic::error(
            Code::CODEPIPELINE_QUOTA,
            format!(
                "stage `{}` has {} actions; CodePipeline allows {MAX_ACTIONS_PER_STAGE} per stage",
                stage.name,
                stage.actions.len()
            ),
        )
        .help("split the wave into smaller waves (for instance `take N` regions at a time)");
        context.report_once(format!("actions:{}", stage.name), diagnostic, step);
    }
    if let Some(action) = stage.actions.iter().find(|a| a.run_order > MAX_RUN_ORDER) {
        let diagnostic = Diagnostic::error(
            Code::CODEPIPELINE_QUOTA,
            format!(
                "action `{}` of stage `{}` would run in place {}; the API allows up to {MAX_RUN_ORDER}",
                action.name, stage.name, action.run_order
            ),
        )
        .help("shorten the chain of steps inside one wave (fewer AZs or cells in sequence)");
        context.report_once(format!("run-order:{}", stage.name), diagnostic, step);
    }
}

/// The regions without a bucket, in the order their steps run: the first
/// three, and how many more.
fn unbucketed_regions(unbucketed: &[(usize, String)]) -> String {
    const NAMED: usize = 3;
    // The pipeline's own region, when not set, is no region to name.
    let mut regions: Vec<&(usize, String)> = unbucketed
        .iter()
        .filter(|(_, region)| !region.starts_with("MISSING-"))
        .collect();
    regions.sort();
    let named: Vec<String> = regions
        .iter()
        .take(NAMED)
        .map(|(_, region)| format!("`{region}`"))
        .collect();
    match regions.len().saturating_sub(NAMED) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

/// The first step, for findings about the whole pipeline.
fn first_step(plan: &PlanV1) -> Option<&Step> {
    plan.steps.first()
}

/// What the parts of an export share: the plan, the settings, the findings
/// so far and the artifact names.
pub(crate) struct Context<'p> {
    plan: &'p PlanV1,
    settings: &'p CodePipelineSettings,
    findings: Vec<Finding>,
    /// Keys of findings already made, so that one missing setting or one
    /// dropped gate is reported once, not once per step.
    reported: BTreeSet<String>,
    /// Artifact names, by source name and by build artifact name.
    artifacts: actions::ArtifactNames,
    /// Settings the export needs and `[codepipeline]` lacks, in the order
    /// first needed, with the first step that needs any: one error names
    /// them all (a bare table would otherwise give one per region).
    missing: Vec<String>,
    /// The first step, in the plan's order, that needs a missing setting.
    missing_at: Option<(usize, Provenance)>,
    /// The regions with no artifact bucket, with the position in the
    /// plan of the first step that needs one.
    unbucketed: Vec<(usize, String)>,
}

impl Context<'_> {
    /// Reports `diagnostic` about `step` unless a finding with `key` was
    /// made already; the message names the step.
    fn report_once(&mut self, key: String, diagnostic: Diagnostic, step: Option<&Step>) {
        if !self.reported.insert(key) {
            return;
        }
        self.report(diagnostic, step.map(|step| &step.provenance));
    }

    fn report(&mut self, diagnostic: Diagnostic, provenance: Option<&Provenance>) {
        self.findings.push(match provenance {
            Some(provenance) => Finding::at(diagnostic, provenance),
            None => Finding {
                diagnostic,
                at: None,
            },
        });
    }

    /// A setting's value, or a placeholder that cannot be mistaken for a
    /// real value, with its key recorded for the one error that names
    /// every missing setting.
    fn setting(&mut self, key: &str, value: Option<&String>, step: Option<&Step>) -> String {
        if let Some(value) = value {
            return value.clone();
        }
        if !self.missing.iter().any(|missing| missing == key) {
            self.missing.push(key.to_string());
        }
        let plan = self.plan;
        if let Some((index, step)) = step.and_then(|step| {
            plan.steps
                .iter()
                .position(|each| std::ptr::eq(each, step))
                .map(|index| (index, step))
        }) && self
            .missing_at
            .as_ref()
            .is_none_or(|(first, _)| index < *first)
        {
            self.missing_at = Some((index, step.provenance.clone()));
        }
        format!("MISSING-{key}")
    }

    /// One error naming every setting the export needs and lacks.
    fn report_missing_settings(&mut self) {
        if self.missing.is_empty() {
            return;
        }
        let keys: Vec<String> = self
            .missing
            .iter()
            .map(|key| match key.as_str() {
                // With some regions' buckets given, which lack one.
                "artifact_bucket" if !self.settings.artifact_buckets.is_empty() => format!(
                    "`artifact_bucket` (or `artifact_buckets` for each region; none for {})",
                    unbucketed_regions(&self.unbucketed)
                ),
                "artifact_bucket" => {
                    "`artifact_bucket` (or `artifact_buckets` for each region)".to_string()
                }
                key => format!("`{key}`"),
            })
            .collect();
        let diagnostic = Diagnostic::error(
            Code::CODEPIPELINE_SETTING_MISSING,
            format!(
                "the CodePipeline export needs {} in `[codepipeline]`: {}",
                if keys.len() == 1 {
                    "a setting"
                } else {
                    "settings"
                },
                keys.join(", ")
            ),
        )
        .help(
            "set them in the `[codepipeline]` table of the workspace's pipec.toml \
             (see docs/targets/codepipeline.md); the sample's pipec.toml has one of each",
        );
        let at = self.missing_at.take().map(|(_, provenance)| provenance);
        self.report(diagnostic, at.as_ref());
    }

    /// The artifact bucket of a region (`home_region` is the pipeline's
    /// own): `artifact_buckets`, else the `artifact_bucket` pattern.
    fn bucket(&mut self, region: &str, home_region: &str) -> String {
        if let Some(bucket) = self.settings.artifact_buckets.get(region) {
            return bucket.clone();
        }
        let pattern = self.settings.artifact_bucket.clone();
        let plan = self.plan;
        match pattern {
            Some(pattern) => expand(&pattern, &Placeholders::pipeline(plan).region(region)),
            // One key for every region: `artifact_bucket` is the pattern
            // that covers them all. Needed first by the region's first
            // step (the pipeline's own region: by its first step).
            None => {
                let index = plan
                    .steps
                    .iter()
                    .position(|step| step.target.region.as_deref() == Some(region))
                    .filter(|_| region != home_region)
                    .unwrap_or(0);
                if !self.unbucketed.iter().any(|(_, known)| known == region) {
                    self.unbucketed.push((index, region.to_string()));
                }
                self.setting("artifact_bucket", None, plan.steps.get(index))
            }
        }
    }
}

/// Values of the `{placeholders}` of a name pattern.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placeholders {
    values: BTreeMap<&'static str, String>,
}

impl Placeholders {
    fn pipeline(plan: &PlanV1) -> Placeholders {
        let mut placeholders = Placeholders::default();
        placeholders
            .values
            .insert("pipeline", plan.pipeline.clone());
        placeholders
    }

    fn region(mut self, region: &str) -> Placeholders {
        self.values.insert("region", region.to_string());
        self
    }

    fn set(mut self, name: &'static str, value: impl Into<String>) -> Placeholders {
        self.values.insert(name, value.into());
        self
    }
}

/// A pattern with each `{name}` replaced by its value; unknown names are
/// left as written, which the validators then refuse.
fn expand(pattern: &str, placeholders: &Placeholders) -> String {
    let mut out = pattern.to_string();
    for (name, value) in &placeholders.values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}
