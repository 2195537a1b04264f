//! Lowering a resolved pipeline to its plan: sources, builds, every stage
//! (per region, one-box first), then production wave by wave (per region,
//! one-box, then each AZ or cell, or the region whole), with bakes, gates
//! and rollback alarms. Values of the wrong type are reported here.

use super::commands::DeployCommands;
use super::gates::*;
use super::values::*;
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::semantics::merge::head_span;
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::regions::{Placement, Registry};
use crate::semantics::scope::Scopes;
use crate::syntax::ast::{ExprKind, LiteralValue, MemberKind};

/// The default timeout of a test.
pub const DEFAULT_TEST_TIMEOUT_SECONDS: u64 = 3_600;

/// Builds plans, reporting type errors.
pub struct Lowerer<'a, 'w> {
    /// The workspace.
    pub workspace: &'w Workspace,
    /// Names.
    pub scopes: &'a Scopes<'w>,
    /// Where problems go.
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// The pipeline's top-level fields with plain values, for `${name}`.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The pipeline's abstract fields left unbound (reported once, at the
    /// pipeline): `${...}` of one is that mistake's consequence, not another.
    pub unbound_fields: std::collections::BTreeSet<String>,
    /// The pipeline's top-level fields whose values cannot be interpolated
    /// (a list, a duration), with what each is, for the message.
    pub unplain_fields: std::collections::BTreeMap<String, &'static str>,
    /// The selected profile and what it does besides overriding members.
    pub profile: Option<(String, crate::semantics::merge::ProfileEffects<'w>)>,
    /// The bake floors of the policies that govern the pipeline.
    pub floors: Vec<crate::semantics::policies::Floor>,
}

/// Gates and rollback that apply to a scope (a stage, production, a wave).
///
/// The gates are references into the plan's gate table, where each
/// distinct gate is interned once: a scope's gates are copied to every
/// deploy step in it, and copying references instead of gates (a window
/// holds a year of closed dates) keeps that cheap.
/// What the deploy steps of a scope deploy, how, and with which commands.
struct Deployment {
    artifacts: Vec<String>,
    platform: Platform,
    strategy: Strategy,
    commands: DeployCommands,
    /// Where the platform and strategy are set, when they are.
    traces: Vec<(Field, Trace)>,
}

impl Deployment {
    /// Where every value its deploy steps share is set.
    fn traces(&self) -> Vec<(Field, Trace)> {
        let mut traces = self.traces.clone();
        traces.extend(self.commands.traces.iter().cloned());
        traces
    }
}

/// What a pipeline's stages and waves inherit unless they say otherwise.
struct Defaults {
    /// The platform, `ecs` standing in when none is given.
    platform: Platform,
    /// The platform as given, if it is.
    known_platform: Option<Platform>,
    /// Production's strategy, the default of every stage and wave.
    strategy: Strategy,
    /// Where the platform is set.
    platform_trace: Option<Trace>,
    /// Where production's strategy is set, when it is.
    strategy_trace: Option<Trace>,
}

impl Defaults {
    /// Where a scope's platform and strategy are set (`strategy`: the
    /// scope's own, or production's it fell back to).
    fn traces(&self, strategy: Option<Trace>) -> Vec<(Field, Trace)> {
        let platform = self
            .platform_trace
            .clone()
            .map(|trace| (Field::Platform, trace));
        let strategy = strategy.map(|trace| (Field::Strategy, trace));
        platform.into_iter().chain(strategy).collect()
    }
}

/// What a bake step waits for: `bake` (its duration and where it is set,
/// if the body has one), its data points, and the step's trace when only
/// data points are awaited (the scope's member).
type BakeParts = (Option<(u64, Trace)>, Vec<(DataPoints, Trace)>, Trace);

/// A bake step of [`BakeParts`].
fn bake_step(
    id: &str,
    needs: Vec<String>,
    target: Target,
    (bake, points, fallback): BakeParts,
    rollback_alarm: Option<AlarmRef>,
) -> Step {
    let mut fields = Vec::new();
    let (duration_seconds, trace) = match bake {
        Some((seconds, trace)) => {
            fields.push((Field::Duration, trace.clone()));
            (seconds, trace)
        }
        None => (0, fallback),
    };
    let mut data_points = Vec::new();
    for (index, (points, trace)) in points.into_iter().enumerate() {
        data_points.push(points);
        fields.push((Field::DataPoints(index), trace));
    }
    Step {
        id: id.to_string(),
        needs,
        target,
        params: Params::Bake {
            duration_seconds,
            data_points,
        },
        rollback_alarm,
        gates: Vec::new(),
        trace,
        fields,
    }
}

#[derive(Clone, Default)]
pub(super) struct Safety {
    pub(super) gates: Vec<GateRef>,
    pub(super) rollback: Option<AlarmRef>,
}

impl<'w> Lowerer<'_, 'w> {
    /// The plan of one pipeline.
    pub fn lower(
        &mut self,
        name: &str,
        block: &ResolvedBlock<'w>,
        placement: Option<&Placement>,
    ) -> Plan {
        let mut plan = Plan {
            pipeline: name.to_string(),
            profile: self.profile.as_ref().map(|(name, _)| name.clone()),
            artifacts: Vec::new(),
            gates: Vec::new(),
            alarms: Vec::new(),
            regions: Vec::new(),
            alarm_command: None,
            production: None,
            steps: Vec::new(),
            dropped: Vec::new(),
            rollback_unresolved: false,
        };
        // An unknown platform (none given: reported where the pipeline is
        // declared) skips the strategy × platform check instead of
        // checking against a guess.
        let known_platform = self.platform(block);
        let platform = known_platform.unwrap_or(Platform::Ecs);
        // Production's strategy is the default of every stage and wave.
        let production_body = block
            .get(&Key::Single("production"))
            .and_then(|production| production.body.as_ref());
        let production_strategy =
            production_body.and_then(|body| self.strategy(body, known_platform));
        let defaults = Defaults {
            platform,
            known_platform,
            strategy: production_strategy.unwrap_or(Strategy::InPlace),
            platform_trace: known_platform.and_then(|_| self.field_trace(block, "platform")),
            strategy_trace: production_strategy
                .and(production_body)
                .and_then(|body| self.field_trace(body, "strategy")),
        };
        self.fields = block
            .members
            .iter()
            .filter_map(|(key, member)| {
                let Key::Field(name) = key else { return None };
                let (expr, _) = self.value_of(member)?;
                let value = match &expr.kind {
                    ExprKind::Literal(literal) => match &literal.value {
                        LiteralValue::String(string) => string.as_plain()?,
                        LiteralValue::Count(count) => count.to_string(),
                        _ => return None,
                    },
                    ExprKind::Path(path) => path.to_dotted(),
                    _ => return None,
                };
                Some((name.clone(), value))
            })
            .collect();
        self.unbound_fields = block
            .members
            .iter()
            .filter_map(|(key, member)| match key {
                Key::Field(name) if member.abstract_at.is_some() => Some(name.clone()),
                _ => None,
            })
            .collect();
        self.unplain_fields = block
            .members
            .iter()
            .filter_map(|(key, member)| {
                let Key::Field(name) = key else { return None };
                if self.fields.contains_key(name) {
                    return None;
                }
                let (expr, _) = self.value_of(member)?;
                Some((name.clone(), describe_value(expr)))
            })
            .collect();
        // Sources and builds.
        let builds: Vec<&str> = block
            .members
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Named("build", build) => Some(build.as_str()),
                _ => None,
            })
            .collect();
        for (key, member) in &block.members {
            match key {
                Key::Named("source", source) => self.source(&mut plan, source, member),
                Key::Named("build", build) => self.build(&mut plan, build, member, &builds),
                _ => {}
            }
        }
        let mut previous: Vec<String> = plan
            .steps
            .iter()
            .filter(|step| matches!(step.params, Params::Build { .. }))
            .map(|step| step.id.clone())
            .collect();
        let registry = placement.map(|placement| &*placement.registry);
        for (key, member) in &block.members {
            if let Key::Named("stage", stage) = key {
                previous = self.stage(
                    &mut plan, block, stage, member, &defaults, registry, previous,
                );
            }
        }
        if let (Some(production), Some(placement)) =
            (block.get(&Key::Single("production")), placement)
        {
            self.production(&mut plan, block, production, placement, &defaults, previous);
        }
        tables_in_first_use_order(&mut plan);
        plan.regions = regions_in_first_use_order(&plan.steps, registry);
        plan
    }

    fn source(&mut self, plan: &mut Plan, name: &str, member: &Resolved<'w>) {
        let MemberKind::Source { origin, .. } = &member.member.kind else {
            return;
        };
        let file = member.base.map_or(member.origin.file, |(_, file)| file);
        let origin = match &origin.kind {
            ExprKind::Call { callee, args }
                if matches!(callee.to_dotted().as_str(), "git" | "store") =>
            {
                let positional = args
                    .iter()
                    .find(|arg| arg.name.is_none())
                    .and_then(|arg| string_literal(&arg.value));
                let branch = args
                    .iter()
                    .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == "branch"))
                    .and_then(|arg| string_literal(&arg.value));
                match (callee.to_dotted().as_str(), positional) {
                    ("git", Some(url)) => SourceOrigin::Git {
                        url: self.interpolate(url, file),
                        branch: branch.map_or_else(
                            || "main".to_string(),
                            |branch| self.interpolate(branch, file),
                        ),
                    },
                    ("store", Some(url)) => SourceOrigin::ArtifactStore {
                        url: self.interpolate(url, file),
                    },
                    _ => {
                        self.mismatch(
                            file,
                            origin,
                            "`git(\"repository\", branch: \"main\")` or `store(\"location\")`",
                        );
                        return;
                    }
                }
            }
            _ => {
                self.mismatch(
                    file,
                    origin,
                    "`git(\"repository\", branch: \"main\")` or `store(\"location\")`",
                );
                return;
            }
        };
        let require_review = member.body.as_ref().is_some_and(|body| {
            body.collection
                .iter()
                .any(|(item, _)| is_requirement(item, "review"))
        });
        plan.steps.push(Step {
            id: format!("source/{name}"),
            needs: Vec::new(),
            target: Target {
                stage: "source".to_string(),
                ..Target::default()
            },
            params: Params::Source {
                name: name.to_string(),
                origin,
                require_review,
            },
            rollback_alarm: None,
            gates: Vec::new(),
            trace: self.trace(member),
            fields: Vec::new(),
        });
    }

    /// A build step; `builds` names every build of the pipeline, in order.
    fn build(&mut self, plan: &mut Plan, name: &str, member: &Resolved<'w>, builds: &[&str]) {
        let MemberKind::Build { inputs, .. } = &member.member.kind else {
            return;
        };
        let empty = ResolvedBlock::default();
        let body = member.body.as_ref().unwrap_or(&empty);
        let run = self.run(body);
        // The artifact is what the command makes: a build without one
        // would produce nothing, and the plan format needs its command. A
        // `run` that is there but wrong is reported where it is read.
        if self.field(body, "run").is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::BUILD_WITHOUT_COMMAND,
                    format!("build `{name}` has no `run` command"),
                )
                .primary(
                    member.origin.file,
                    head_span(member.member),
                    "nothing says how the artifact is made",
                )
                .help(format!(
                    "give the command that produces `{name}`, e.g. `build {name} {{ run = \"make release\" }}`"
                )),
            );
        }
        let mut fields = self.run_traces(body, run.as_ref());
        let sign = match self.boolean(body, "sign") {
            Some(sign) => {
                fields.extend(
                    self.field_trace(body, "sign")
                        .map(|trace| (Field::Sign, trace)),
                );
                sign
            }
            None => false,
        };
        fields.sort_by(|(a, _), (b, _)| a.cmp(b));
        let sources: Vec<String> = inputs.iter().map(|path| path.to_dotted()).collect();
        let mut needs = Vec::new();
        for (input, path) in sources.iter().zip(inputs) {
            let as_source = format!("source/{input}");
            let as_build = format!("build/{input}");
            match plan
                .steps
                .iter()
                .find(|step| step.id == as_source || step.id == as_build)
            {
                Some(step) => needs.push(step.id.clone()),
                None => {
                    let later = builds.contains(&input.as_str());
                    self.unknown_build_input(plan, input, later, (member.origin.file, path.span));
                }
            }
        }
        let id = format!("build/{name}");
        plan.artifacts.push(Artifact {
            name: name.to_string(),
            produced_by: id.clone(),
            signed: sign,
            trace: self.trace(member),
        });
        plan.steps.push(Step {
            id,
            needs,
            target: Target {
                stage: "build".to_string(),
                ..Target::default()
            },
            params: Params::Build {
                artifact: name.to_string(),
                sources,
                run,
                sign,
            },
            rollback_alarm: None,
            gates: Vec::new(),
            trace: self.trace(member),
            fields,
        });
    }

    /// A build reads something that is neither a source nor the artifact of
    /// an earlier build: it would consume what nothing produced before it.
    /// `later` says whether a build of that name follows.
    fn unknown_build_input(
        &mut self,
        plan: &Plan,
        input: &str,
        later: bool,
        (file, span): (FileId, Span),
    ) {
        let known = plan.steps.iter().filter_map(|step| match &step.params {
            Params::Source { name, .. } => Some(name.as_str()),
            Params::Build { artifact, .. } => Some(artifact.as_str()),
            _ => None,
        });
        let diagnostic = Diagnostic::error(
            Code::UNKNOWN_ARTIFACT,
            format!("no source or earlier build named `{input}`"),
        )
        .primary(file, span, "builds from something nothing produces first");
        if later {
            self.diagnostics.push(diagnostic.help(format!(
                "`{input}` is built further down: declare its build above this one"
            )));
            return;
        }
        self.diagnostics
            .push(match crate::names::closest(input, known) {
            Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.help(
                "build from a `source`, or from the artifact of a `build` declared above this one",
            ),
        });
    }

    /// The artifacts a body deploys, from its `deploy` members. Each must
    /// be produced by a build of the pipeline: builds come first in every
    /// plan, so one that exists is produced before it is consumed.
    fn deployed(&mut self, plan: &Plan, body: &ResolvedBlock<'w>) -> Vec<String> {
        let mut artifacts = Vec::new();
        for (key, member) in &body.members {
            let Key::Deploy(names) = key else { continue };
            for name in names {
                if plan.artifacts.iter().any(|artifact| artifact.name == *name) {
                    artifacts.push(name.clone());
                    continue;
                }
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_ARTIFACT,
                    format!("no build produces `{name}`"),
                )
                .primary(
                    member.origin.file,
                    head_span(member.member),
                    "deploys an artifact nothing builds",
                );
                diagnostic = match crate::names::closest(
                    name,
                    plan.artifacts.iter().map(|artifact| artifact.name.as_str()),
                ) {
                    Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                    None => diagnostic
                        .help("declare a `build` of that name, whose artifact this deploys"),
                };
                self.diagnostics.push(diagnostic);
            }
        }
        artifacts.sort();
        artifacts.dedup();
        artifacts
    }
}

impl<'w> Lowerer<'_, 'w> {
    #[allow(clippy::too_many_arguments)]
    fn stage(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        name: &str,
        member: &Resolved<'w>,
        defaults: &Defaults,
        registry: Option<&Registry>,
        previous: Vec<String>,
    ) -> Vec<String> {
        let empty = ResolvedBlock::default();
        let body = member.body.as_ref().unwrap_or(&empty);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        let entry = self.approvals(plan, &mut safety, name, previous);
        let regions = self.stage_regions(body, registry);
        // The registry's first region stands in when the stage names none:
        // a default, with no place of its own.
        let region_trace = self
            .field_trace(body, "regions")
            .map(|trace| (Field::Region, trace));
        let artifacts = self.deployed(plan, body);
        let commands = self.deploy_commands(body);
        let (strategy, strategy_trace) = match self.strategy(body, defaults.known_platform) {
            Some(strategy) => (strategy, self.field_trace(body, "strategy")),
            None => (defaults.strategy, defaults.strategy_trace.clone()),
        };
        let deployment = Deployment {
            artifacts,
            platform: defaults.platform,
            strategy,
            commands,
            traces: defaults.traces(strategy_trace),
        };
        // A one-box deploys the stage's artifacts to one box first; in a
        // stage that deploys nothing it would deploy nothing.
        let onebox = body.get(&Key::Single("onebox")).filter(|onebox| {
            if !deployment.artifacts.is_empty() {
                return true;
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::NOTHING_TO_DEPLOY,
                    format!("the one-box of stage `{name}` has nothing to deploy"),
                )
                .primary(
                    onebox.origin.file,
                    head_span(onebox.member),
                    "the stage deploys no artifact",
                )
                .help("add `deploy ARTIFACT` to the stage, or remove its `onebox`"),
            );
            false
        });
        let onebox = onebox.map(|onebox| {
            let onebox_safety = self.onebox_safety(plan, pipeline, onebox, &safety);
            (onebox, onebox_safety)
        });
        let mut terminals = Vec::new();
        for region in &regions {
            let prefix = match region {
                Some(region) => format!("{name}/{region}"),
                None => name.to_string(),
            };
            let target = Target {
                stage: name.to_string(),
                region: region.clone(),
                ..Target::default()
            };
            // A stage that names no region has steps without one.
            let placed_by: Vec<(Field, Trace)> = region
                .as_ref()
                .and(region_trace.clone())
                .into_iter()
                .collect();
            let mut chain = entry.clone();
            if let Some((onebox, onebox_safety)) = &onebox {
                chain = self.onebox(
                    plan,
                    onebox,
                    &prefix,
                    &target,
                    &deployment,
                    onebox_safety,
                    chain,
                    placed_by.clone(),
                );
            }
            if !deployment.artifacts.is_empty() {
                let id = format!("{prefix}/deploy");
                plan.steps.push(self.deploy_step(
                    &id,
                    chain,
                    target.clone(),
                    &deployment,
                    None,
                    &safety,
                    member,
                    placed_by,
                ));
                chain = vec![id];
            }
            terminals.extend(chain);
        }
        terminals.sort();
        terminals.dedup();
        // Tests run once the stage's deployments are done.
        let mut tests = Vec::new();
        for (key, test) in &body.members {
            let Key::Named("test", test_name) = key else {
                continue;
            };
            let test_body = test.body.as_ref().unwrap_or(&empty);
            let run = self.run(test_body);
            let mut fields = self.run_traces(test_body, run.as_ref());
            let timeout = match self.duration(test_body, "timeout") {
                Some((seconds, field)) => {
                    fields.push((Field::Timeout, self.trace(field)));
                    seconds
                }
                None => DEFAULT_TEST_TIMEOUT_SECONDS,
            };
            fields.sort_by(|(a, _), (b, _)| a.cmp(b));
            let id = format!("{name}/test/{test_name}");
            plan.steps.push(Step {
                id: id.clone(),
                needs: terminals.clone(),
                target: Target {
                    stage: name.to_string(),
                    ..Target::default()
                },
                params: Params::Test {
                    name: test_name.clone(),
                    run,
                    timeout_seconds: timeout,
                },
                rollback_alarm: None,
                gates: Vec::new(),
                trace: self.trace(test),
                fields,
            });
            tests.push(id);
        }
        let mut done = if tests.is_empty() { terminals } else { tests };
        let data_points = self.data_points(body);
        let bake = self.bake(body);
        if bake.is_some() || !data_points.is_empty() {
            let id = format!("{name}/bake");
            let target = Target {
                stage: name.to_string(),
                ..Target::default()
            };
            let fallback = self.trace(member);
            plan.steps.push(bake_step(
                &id,
                done,
                target,
                (bake, data_points, fallback),
                safety.rollback,
            ));
            done = vec![id];
        }
        done
    }

    fn stage_regions(
        &mut self,
        body: &ResolvedBlock<'w>,
        registry: Option<&Registry>,
    ) -> Vec<Option<String>> {
        let Some(field) = self.field(body, "regions") else {
            return vec![
                registry
                    .and_then(|registry| registry.regions.first())
                    .map(|region| region.code.clone()),
            ];
        };
        let Some((expr, file)) = self.value_of(field) else {
            return vec![None];
        };
        let ExprKind::List(items) = &expr.kind else {
            self.mismatch(file, expr, "a list of regions");
            return vec![None];
        };
        let mut regions = Vec::new();
        for item in items {
            let ExprKind::Path(path) = &item.kind else {
                self.mismatch(file, item, "a region name");
                continue;
            };
            let code = path.to_dotted();
            if let Some(registry) = registry
                && registry.region(&code).is_none()
            {
                let mut diagnostic = Diagnostic::error(
                    Code::UNKNOWN_REGION,
                    format!("`{code}` is not a region of `{}`", registry.name),
                )
                .primary(file, item.span, "unknown region");
                if let Some(suggestion) = crate::names::closest(
                    &code,
                    registry.regions.iter().map(|region| region.code.as_str()),
                ) {
                    diagnostic = diagnostic.help(format!("did you mean `{suggestion}`?"));
                }
                self.diagnostics.push(diagnostic);
                continue;
            }
            regions.push(Some(code));
        }
        // Items added or removed below are applied on top.
        if let Some(items) = &field.items {
            let listed: Vec<Option<String>> = items
                .iter()
                .map(|(text, _, _)| Some(text.clone()))
                .collect();
            if !listed.is_empty() {
                regions = listed;
            }
        }
        regions
    }

    /// The one-box steps of one region, with `onebox_safety` from
    /// [`Self::onebox_safety`].
    #[allow(clippy::too_many_arguments)]
    fn onebox(
        &mut self,
        plan: &mut Plan,
        onebox: &Resolved<'w>,
        prefix: &str,
        target: &Target,
        deployment: &Deployment,
        onebox_safety: &Safety,
        chain: Vec<String>,
        mut fields: Vec<(Field, Trace)>,
    ) -> Vec<String> {
        let empty = ResolvedBlock::default();
        let body = onebox.body.as_ref().unwrap_or(&empty);
        let traffic = self
            .field(body, "traffic")
            .and_then(|field| self.value_of(field))
            .and_then(|(expr, file)| match &expr.kind {
                ExprKind::Literal(literal) => match literal.value {
                    LiteralValue::Percent(hundredths) if hundredths <= 10_000 => Some(hundredths),
                    _ => {
                        self.diagnostics.extend(builtin_value_problem(
                            Builtin::Share,
                            "traffic",
                            expr,
                            file,
                        ));
                        None
                    }
                },
                _ => {
                    self.diagnostics.extend(builtin_value_problem(
                        Builtin::Share,
                        "traffic",
                        expr,
                        file,
                    ));
                    None
                }
            });
        if traffic.is_some() {
            fields.extend(
                self.field_trace(body, "traffic")
                    .map(|trace| (Field::Traffic, trace)),
            );
        }
        let target = Target {
            onebox: true,
            ..target.clone()
        };
        let deploy_id = format!("{prefix}/onebox/deploy");
        plan.steps.push(self.deploy_step(
            &deploy_id,
            chain,
            target.clone(),
            deployment,
            traffic,
            onebox_safety,
            onebox,
            fields,
        ));
        let mut chain = vec![deploy_id];
        if let Some(bake) = self.bake(body) {
            let data_points = self.data_points(body);
            let id = format!("{prefix}/onebox/bake");
            let fallback = bake.1.clone();
            plan.steps.push(bake_step(
                &id,
                chain,
                target,
                (Some(bake), data_points, fallback),
                onebox_safety.rollback,
            ));
            chain = vec![id];
        }
        chain
    }

    #[allow(clippy::too_many_arguments)]
    fn deploy_step(
        &self,
        id: &str,
        needs: Vec<String>,
        target: Target,
        deployment: &Deployment,
        traffic: Option<u32>,
        safety: &Safety,
        member: &Resolved<'w>,
        own: Vec<(Field, Trace)>,
    ) -> Step {
        let mut fields = deployment.traces();
        fields.extend(own);
        fields.sort_by(|(a, _), (b, _)| a.cmp(b));
        Step {
            id: id.to_string(),
            needs,
            target,
            params: Params::Deploy {
                artifacts: deployment.artifacts.clone(),
                platform: deployment.platform,
                strategy: deployment.strategy,
                traffic_hundredths: traffic,
                run: deployment.commands.run.clone(),
                rollback: deployment.commands.rollback.clone(),
            },
            rollback_alarm: safety.rollback,
            gates: safety.gates.clone(),
            trace: self.trace(member),
            fields,
        }
    }

    /// Records what a wave's `by az` or `by cell` loses where there is no
    /// AZ or cell to deploy to: on Lambda, which shifts traffic per region,
    /// the whole `by` member of every region; elsewhere, for a region whose
    /// registry entry lists none. The `by` member, its bake and its data
    /// points each say where they were written and why nothing runs them.
    fn record_dropped(
        &self,
        plan: &mut Plan,
        wave: &crate::semantics::regions::WaveRegions,
        unit: Option<&str>,
        scope: Option<&Resolved<'w>>,
        platform: Platform,
        placement: &Placement,
    ) {
        let (Some(unit), Some(scope)) = (unit, scope) else {
            return;
        };
        let units = match unit {
            "az" => "AZs",
            "cell" => "cells",
            _ => return,
        };
        let target = Target {
            stage: "production".to_string(),
            wave: Some(wave.wave.clone()),
            ..Target::default()
        };
        let mut lost: Vec<(Target, String)> = Vec::new();
        if platform == Platform::Lambda {
            lost.push((target, format!("platform lambda has no {units}")));
        } else {
            for code in &wave.regions {
                let listed = placement.registry.region(code).map(|region| {
                    if unit == "az" {
                        region.azs.is_empty()
                    } else {
                        region.cells.is_empty()
                    }
                });
                if listed == Some(true) {
                    lost.push((
                        Target {
                            region: Some(code.clone()),
                            ..target.clone()
                        },
                        format!("region {code} lists no {units}"),
                    ));
                }
            }
        }
        for (target, reason) in lost {
            let mut record = |member: String, trace: Trace| {
                plan.dropped.push(Dropped {
                    target: target.clone(),
                    member,
                    reason: reason.clone(),
                    trace,
                });
            };
            record(format!("by {unit}"), self.trace(scope));
            let Some(body) = scope.body.as_ref() else {
                continue;
            };
            if let Some(trace) = self.field_trace(body, "bake") {
                record("bake".to_string(), trace);
            }
            for (item, places) in &body.collection {
                if matches!(item.kind, MemberKind::WaitFor { .. }) {
                    record("wait for".to_string(), collection_trace(item, places));
                }
            }
        }
    }

    fn production(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        production: &Resolved<'w>,
        placement: &Placement,
        defaults: &Defaults,
        previous: Vec<String>,
    ) {
        let empty = ResolvedBlock::default();
        let body = production.body.as_ref().unwrap_or(&empty);
        // Its first line: a label over the whole block would underline
        // every line of it.
        let mut production_at = self.trace(production).at;
        if production.member.span == production_at.span {
            production_at.span = crate::semantics::merge::head_span(production.member);
        }
        plan.production = Some(production_at);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        // A profile's `require approval` gates production (R42).
        let profile_approvals: Vec<(&crate::syntax::ast::Member, FileId)> = self
            .profile
            .as_ref()
            .map_or_else(Vec::new, |(_, effects)| effects.approvals.clone());
        for (member, file) in profile_approvals {
            let MemberKind::Require { requirement } = &member.kind else {
                continue;
            };
            let Some(role) = approval_role(requirement) else {
                continue;
            };
            let gate = Gate {
                kind: GateKind::Approval { role },
                overridable: false,
                trace: Trace::at(
                    Place {
                        file,
                        span: member.span,
                    },
                    crate::semantics::merge::How::Profile,
                ),
            };
            safety.gates.push(intern(plan, gate));
        }
        let mut chain = self.approvals(plan, &mut safety, "production", previous);
        let (platform, production_strategy) = (defaults.platform, defaults.strategy);
        let artifacts = {
            let own = self.deployed(plan, body);
            if own.is_empty() {
                plan.artifacts
                    .iter()
                    .map(|artifact| artifact.name.clone())
                    .collect()
            } else {
                own
            }
        };
        // Every production deploy step deploys at least one artifact: with
        // no build there is nothing to roll out, and a plan that deploys
        // nothing to every region is refused (the format needs an artifact).
        if artifacts.is_empty() && placement.waves.iter().any(|wave| !wave.regions.is_empty()) {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::NOTHING_TO_DEPLOY,
                    // Not naming the pipeline: at a template's line the
                    // same mistake is one error for every pipeline (R14).
                    "production deploys, but no build makes an artifact",
                )
                .primary(
                    production.origin.file,
                    head_span(production.member),
                    "its waves have nothing to deploy",
                )
                .help(
                    "declare a `build` in the pipeline or its template, e.g. `build bundle from \
                     code { run = \"make release\" }`: production deploys every artifact built",
                ),
            );
        }
        let commands = self.deploy_commands(body);
        plan.alarm_command = self.alarm_command(body);
        for wave in &placement.waves {
            let Some(wave_member) = body.get(&Key::Named("wave", wave.wave.clone())) else {
                continue;
            };
            let wave_body = wave_member.body.as_ref().unwrap_or(&empty);
            let wave_safety = self.safety(plan, pipeline, wave_body, &safety);
            let (strategy, strategy_trace) = match self.strategy(wave_body, defaults.known_platform)
            {
                Some(strategy) => (strategy, self.field_trace(wave_body, "strategy")),
                None => (production_strategy, defaults.strategy_trace.clone()),
            };
            let deployment = Deployment {
                artifacts: artifacts.clone(),
                platform,
                strategy,
                commands: commands.clone(),
                traces: defaults.traces(strategy_trace),
            };
            // The wave's `regions` (with every `+=` and `-=` since its `=`)
            // placed each of its regions; `parallel` decides what each
            // region's first step waits for.
            let region_trace = self
                .field_trace(wave_body, "regions")
                .map(|trace| (Field::Region, trace));
            let onebox = wave_body
                .get(&Key::Single("onebox"))
                .or_else(|| body.get(&Key::Single("onebox")))
                .map(|onebox| {
                    let onebox_safety = self.onebox_safety(plan, pipeline, onebox, &wave_safety);
                    (onebox, onebox_safety)
                });
            let scope = wave_body.get(&Key::Single("by"));
            let unit = scope.and_then(|scope| match &scope.member.kind {
                MemberKind::Scope { unit, .. } => Some(unit.name.clone()),
                _ => None,
            });
            let scope_body = scope.and_then(|scope| scope.body.as_ref());
            // `parallel = N` deploys at most N regions at once: the regions
            // form N chains, each region waiting for the one N places
            // before it.
            let parallel = self
                .positive_count(wave_body, "parallel")
                .and_then(|count| usize::try_from(count).ok());
            let parallel_trace = parallel
                .and_then(|_| self.field_trace(wave_body, "parallel"))
                .map(|trace| (Field::Parallel, trace));
            self.record_dropped(plan, wave, unit.as_deref(), scope, platform, placement);
            // Each region's last steps, by position in the wave.
            let mut region_ends: Vec<Vec<String>> = Vec::new();
            for (index, code) in wave.regions.iter().enumerate() {
                let prefix = format!("production/{}/{code}", wave.wave);
                let target = Target {
                    stage: "production".to_string(),
                    wave: Some(wave.wave.clone()),
                    region: Some(code.clone()),
                    ..Target::default()
                };
                let mut region_chain = chain.clone();
                if let Some(earlier) = parallel
                    .and_then(|parallel| index.checked_sub(parallel))
                    .and_then(|earlier| region_ends.get(earlier))
                {
                    region_chain.extend(earlier.iter().cloned());
                }
                // The region's first step carries what placed and ordered it.
                let mut first_fields: Vec<(Field, Trace)> = region_trace
                    .iter()
                    .chain(parallel_trace.iter())
                    .cloned()
                    .collect();
                if let Some((onebox, onebox_safety)) = &onebox {
                    region_chain = self.onebox(
                        plan,
                        onebox,
                        &prefix,
                        &target,
                        &deployment,
                        onebox_safety,
                        region_chain,
                        std::mem::take(&mut first_fields),
                    );
                }
                let region = placement.registry.region(code);
                // Lambda shifts traffic per region: AZs and cells are not
                // deployment targets there.
                let parts: Vec<(&str, String)> = match (unit.as_deref(), region, platform) {
                    (_, _, Platform::Lambda) => Vec::new(),
                    (Some("az"), Some(region), _) => {
                        region.azs.iter().map(|az| ("az", az.clone())).collect()
                    }
                    (Some("cell"), Some(region), _) => region
                        .cells
                        .iter()
                        .map(|cell| ("cell", cell.clone()))
                        .collect(),
                    _ => Vec::new(),
                };
                // The region deploys whole, or one AZ or cell after another,
                // each then baking with the `by` bake.
                let units: Vec<(String, Target, bool)> = if parts.is_empty() {
                    vec![(prefix.clone(), target.clone(), false)]
                } else {
                    parts
                        .into_iter()
                        .map(|(kind, part)| {
                            let unit_target = Target {
                                az: (kind == "az").then(|| part.clone()),
                                cell: (kind == "cell").then(|| part.clone()),
                                ..target.clone()
                            };
                            (format!("{prefix}/{kind}/{part}"), unit_target, true)
                        })
                        .collect()
                };
                for (unit, part_target, scoped) in units {
                    let id = format!("{unit}/deploy");
                    // Every deploy step of the region was placed by the
                    // wave's `regions`; only the first was ordered by
                    // `parallel`.
                    let own = if first_fields.is_empty() {
                        region_trace.iter().cloned().collect()
                    } else {
                        std::mem::take(&mut first_fields)
                    };
                    plan.steps.push(self.deploy_step(
                        &id,
                        region_chain,
                        part_target.clone(),
                        &deployment,
                        None,
                        &wave_safety,
                        wave_member,
                        own,
                    ));
                    region_chain = vec![id];
                    if scoped
                        && let Some(scope_body) = scope_body
                        && let Some(bake) = self.bake(scope_body)
                    {
                        let data_points = self.data_points(scope_body);
                        let bake_id = format!("{unit}/bake");
                        let fallback = bake.1.clone();
                        plan.steps.push(bake_step(
                            &bake_id,
                            region_chain,
                            part_target,
                            (Some(bake), data_points, fallback),
                            wave_safety.rollback,
                        ));
                        region_chain = vec![bake_id];
                    }
                }
                region_ends.push(region_chain);
            }
            let terminals: Vec<String> = region_ends.into_iter().flatten().collect();
            let data_points = self.data_points(wave_body);
            let bake = self.bake(wave_body);
            if bake.is_some() || !data_points.is_empty() {
                let id = format!("production/{}/bake", wave.wave);
                let target = Target {
                    stage: "production".to_string(),
                    wave: Some(wave.wave.clone()),
                    ..Target::default()
                };
                let fallback = self.trace(wave_member);
                plan.steps.push(bake_step(
                    &id,
                    terminals,
                    target,
                    (bake, data_points, fallback),
                    wave_safety.rollback,
                ));
                chain = vec![id];
            } else if !terminals.is_empty() {
                chain = terminals;
            }
        }
    }
}

/// The regions `steps` target, each once, in the order steps first target
/// them, with what `registry` says of those it lists. Pre-production stages
/// may name regions outside the production registry; those carry only
/// their code.
fn regions_in_first_use_order(steps: &[Step], registry: Option<&Registry>) -> Vec<PlanRegion> {
    let mut seen = std::collections::BTreeSet::new();
    let mut regions = Vec::new();
    for code in steps.iter().filter_map(|step| step.target.region.as_ref()) {
        if !seen.insert(code.as_str()) {
            continue;
        }
        let listed = registry.and_then(|registry| {
            registry
                .region(code)
                .map(|region| (registry.name.clone(), region))
        });
        regions.push(match listed {
            Some((registry, region)) => PlanRegion {
                code: code.clone(),
                registry: Some(registry),
                attributes: region.attributes.clone(),
                azs: region.azs.clone(),
            },
            None => PlanRegion {
                code: code.clone(),
                registry: None,
                attributes: Default::default(),
                azs: Vec::new(),
            },
        });
    }
    regions
}
