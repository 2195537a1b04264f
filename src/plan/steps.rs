//! Lowering stages and production to steps: each stage per region (one-box
//! first), then production wave by wave (per region, one-box, then each AZ
//! or cell, or the region whole), with bakes, gates and rollback alarms.

use super::gates::*;
use super::lower::{
    DEFAULT_TEST_TIMEOUT_SECONDS, Defaults, Deployment, Lowerer, OneboxParts, Safety, StepIds,
    step_id,
};
use super::values::*;
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::head_span;
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::regions::{Placement, Registry};
use crate::syntax::ast::{ExprKind, LiteralValue, MemberKind};

impl<'w> Lowerer<'_, 'w> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn stage(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        name: &str,
        member: &Resolved<'w>,
        defaults: &Defaults,
        registry: Option<&Registry>,
        previous: Needs,
    ) -> Needs {
        let empty = ResolvedBlock::default();
        let body = member.body.as_deref().unwrap_or(&empty);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        let entry = self.approvals(plan, &mut safety, name, previous);
        let regions = self.stage_regions(body, registry);
        // The registry's first region stands in when the stage names none:
        // a default, with no place of its own.
        let region_trace = self
            .step_field_trace(body, "regions")
            .map(|trace| (Field::Region, trace));
        let artifacts = self.deployed(plan, body);
        let commands = self.deploy_commands(body);
        // The stage's `deploy` says how its artifacts deploy, over the
        // stage's `strategy`, over production's.
        let (strategy, strategy_trace) = match self.deploy_strategy(body, defaults.known_platform) {
            Some(given) => given,
            None => match self.strategy(body, defaults.known_platform) {
                Some(strategy) => (strategy, self.field_trace(body, "strategy")),
                None => (defaults.strategy, defaults.strategy_trace.clone()),
            },
        };
        let deployment = Deployment {
            artifacts,
            platform: defaults.platform,
            strategy,
            commands,
            traces: defaults.traces(strategy_trace),
        };
        // A one-box deploys the stage's artifacts to one box first; in a
        // stage that deploys nothing it would deploy nothing. A `deploy`
        // whose artifacts nothing builds is that mistake (`P0704`), once:
        // the one-box is left out without a second error.
        let names_a_deploy = body
            .members
            .iter()
            .any(|(key, _)| matches!(key, Key::Deploy(_)));
        let onebox = body.get(&Key::Single("onebox")).filter(|onebox| {
            if !deployment.artifacts.is_empty() {
                return true;
            }
            if names_a_deploy {
                return false;
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
        let mut onebox_parts = None;
        let mut terminals = Needs::new();
        let stage_name = Name::from(name);
        for region in &regions {
            let prefix = match region {
                Some(region) => step_id(&[name, region]),
                None => Name::clone(&stage_name),
            };
            let target = Arc::new(Target {
                region: region.clone(),
                ..Target::in_stage(Name::clone(&stage_name))
            });
            // A stage that names no region has steps without one.
            let placed_by: Vec<(Field, Trace)> = region
                .as_ref()
                .and(region_trace.clone())
                .into_iter()
                .collect();
            let mut chain = entry.clone();
            if let Some((onebox, onebox_safety)) = &onebox {
                let parts = onebox_parts
                    .get_or_insert_with(|| self.onebox_parts(onebox, member.final_at().is_some()));
                chain = self.onebox(
                    plan,
                    onebox,
                    parts,
                    (&StepIds::named(), &prefix),
                    &target,
                    &deployment,
                    onebox_safety,
                    chain,
                    placed_by.clone(),
                );
            }
            if !deployment.artifacts.is_empty() {
                let step = self.deploy_step(
                    step_id(&[&*prefix, "deploy"]),
                    chain,
                    Arc::clone(&target),
                    &deployment,
                    None,
                    &safety,
                    member,
                    placed_by,
                );
                chain = self.needs_after(&step);
                plan.steps.push(step);
            }
            terminals.extend(chain);
        }
        terminals.sort();
        terminals.dedup();
        // Tests run once the stage's deployments are done.
        let mut tests = Needs::new();
        for (key, test) in &body.members {
            let Key::Named("test", test_name) = key else {
                continue;
            };
            let test_body = test.body.as_deref().unwrap_or(&empty);
            let run = self.run(test_body);
            if self.field(test_body, "run").is_none() {
                self.env_without_command(test_body, &format!("test `{test_name}` has no `run`"));
            }
            let mut fields = self.run_traces(test_body, run.as_ref());
            let timeout = match self.duration(test_body, "timeout") {
                Some((seconds, field)) => {
                    fields.push((Field::Timeout, self.trace(field)));
                    seconds
                }
                None => DEFAULT_TEST_TIMEOUT_SECONDS,
            };
            fields.sort_by(|(a, _), (b, _)| a.cmp(b));
            let step = Step {
                id: step_id(&[name, "test", test_name]),
                needs: terminals.clone(),
                target: Arc::new(Target::in_stage(Name::clone(&stage_name))),
                params: Params::Test {
                    name: test_name.to_string(),
                    kind: self
                        .symbol(test_body, "kind")
                        .unwrap_or_else(|| test_name.to_string()),
                    run: run.map(Box::new),
                    timeout_seconds: timeout,
                },
                rollback_alarm: None,
                gates: GateRefs::new(),
                trace: self.trace(test),
                fields,
            };
            tests.extend(self.needs_after(&step));
            plan.steps.push(step);
        }
        let mut done = if tests.is_empty() { terminals } else { tests };
        if let Some(parts) = self.bake_parts(member, body, member.final_at().is_some()) {
            let target = Arc::new(Target::in_stage(stage_name));
            done = self.push_bake_step(
                plan,
                (step_id(&[name, "bake"]), done, target),
                parts,
                safety.rollback,
            );
        }
        done
    }

    pub(super) fn stage_regions(
        &mut self,
        body: &ResolvedBlock<'w>,
        registry: Option<&Registry>,
    ) -> Vec<Option<Name>> {
        let Some(field) = self.field(body, "regions") else {
            return vec![
                registry
                    .and_then(|registry| registry.regions.first())
                    .map(|region| Name::from(region.code.as_str())),
            ];
        };
        let Some((expr, file)) = self.value_of(field) else {
            return vec![None];
        };
        self.diagnostics
            .extend(super::stage_regions_problems(expr, file));
        let ExprKind::List(items) = &expr.kind else {
            return vec![None];
        };
        let mut regions = Vec::new();
        for item in items {
            let ExprKind::Path(path) = &item.kind else {
                continue;
            };
            let code = path.to_dotted();
            if let Some(registry) = registry
                && registry.region(&code).is_none()
            {
                self.diagnostics
                    .push(crate::semantics::regions::not_a_region(
                        file, item.span, &code, registry,
                    ));
                continue;
            }
            regions.push(Some(Name::from(code)));
        }
        // Items added or removed below are applied on top.
        if let Some(items) = &field.items {
            let listed: Vec<Option<Name>> = items
                .iter()
                .map(|(text, _, _)| Some(Name::from(text.as_str())))
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
    /// What a one-box's steps are the same in, in every region of its
    /// stage or wave: read once, at the first region, rather than once per
    /// region (its problems were reported once per region and then
    /// deduplicated; they are now reported once).
    /// `frozen`: the one-box is in a final block (its stage, production or
    /// its wave), so its bake is final (R33) as its own `final` would make
    /// it.
    pub(super) fn onebox_parts(&mut self, onebox: &Resolved<'w>, frozen: bool) -> OneboxParts {
        let empty = ResolvedBlock::default();
        let body = onebox.body.as_deref().unwrap_or(&empty);
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
        let traffic_trace = traffic.and_then(|_| self.step_field_trace(body, "traffic"));
        let bake = self.bake_parts(onebox, body, frozen || onebox.final_at().is_some());
        OneboxParts {
            traffic,
            traffic_trace,
            bake,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn onebox(
        &mut self,
        plan: &mut Plan,
        onebox: &Resolved<'w>,
        parts: &OneboxParts,
        (ids, prefix): (&StepIds, &str),
        target: &Target,
        deployment: &Deployment,
        onebox_safety: &Safety,
        chain: Needs,
        mut fields: Vec<(Field, Trace)>,
    ) -> Needs {
        if let Some(trace) = &parts.traffic_trace {
            fields.push((Field::Traffic, trace.clone()));
        }
        let target = Arc::new(Target {
            onebox: true,
            ..target.clone()
        });
        let step = self.deploy_step(
            ids.id(&[prefix, "onebox", "deploy"]),
            chain,
            Arc::clone(&target),
            deployment,
            parts.traffic,
            onebox_safety,
            onebox,
            fields,
        );
        let mut chain = self.needs_after(&step);
        plan.steps.push(step);
        if let Some(bake) = &parts.bake {
            chain = self.push_bake_step(
                plan,
                (ids.id(&[prefix, "onebox", "bake"]), chain, target),
                bake.clone(),
                onebox_safety.rollback,
            );
        }
        chain
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn deploy_step(
        &self,
        id: Name,
        needs: Needs,
        target: Arc<Target>,
        deployment: &Deployment,
        traffic: Option<u32>,
        safety: &Safety,
        member: &Resolved<'w>,
        own: Vec<(Field, Trace)>,
    ) -> Step {
        debug_assert!(
            safety.rollback.is_some() || !id.is_empty(),
            "a step no alarm rolls back is named"
        );
        let fields = if self.written {
            let mut fields = deployment.traces();
            fields.extend(own);
            fields.sort_by(|(a, _), (b, _)| a.cmp(b));
            fields
        } else if matches!(deployment.strategy, Strategy::Rolling { .. }) {
            // `rolling-healthy` points at the strategy it finds fault with.
            deployment
                .traces
                .iter()
                .filter(|(field, _)| *field == Field::Strategy)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        // What it deploys and with which commands no check reads: a plan
        // only checked leaves them out.
        let (artifacts, run, rollback, rollback_env) = if self.written {
            (
                deployment.artifacts.clone(),
                deployment.commands.run.clone(),
                deployment.commands.rollback.clone(),
                deployment.commands.rollback_env.clone(),
            )
        } else {
            (Artifacts::new(), None, None, Default::default())
        };
        Step {
            id,
            needs,
            target,
            params: Params::Deploy {
                artifacts,
                platform: deployment.platform,
                strategy: deployment.strategy,
                traffic_hundredths: traffic,
                run,
                rollback,
                rollback_env,
            },
            rollback_alarm: safety.rollback,
            // Copied whole: `clone` would copy one reference at a time.
            gates: GateRefs::from_slice(&safety.gates),
            trace: self.trace(member),
            fields,
        }
    }

    /// Records what a wave's `by az` or `by cell` loses where there is no
    /// AZ or cell to deploy to: on Lambda, which shifts traffic per region,
    /// the whole `by` member of every region; elsewhere, for a region whose
    /// registry entry lists none. The `by` member, its bake and its data
    /// points each say where they were written and why nothing runs them.
    pub(super) fn record_dropped(
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
            wave: Some(wave.wave.as_str().into()),
            ..Target::in_stage("production".into())
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
                            region: Some(code.as_str().into()),
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

    pub(super) fn production(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        production: &Resolved<'w>,
        placement: &Placement,
        defaults: &Defaults,
        previous: Needs,
    ) {
        let empty = ResolvedBlock::default();
        let body = production.body.as_deref().unwrap_or(&empty);
        // Its first line: a label over the whole block would underline
        // every line of it.
        let mut production_at = self.trace(production).at;
        if production.member.span == production_at.span {
            production_at.span = crate::semantics::merge::head_span(production.member);
        }
        plan.production = Some(production_at);
        let mut safety = self.safety(plan, pipeline, body, &Safety::default());
        // A profile's `require approval` gates production (R42).
        if let Some((_, effects)) = &self.profile {
            for (role, trace) in profile_approvals(effects) {
                let gate = Gate {
                    kind: GateKind::Approval { role },
                    overridable: false,
                    trace,
                };
                safety.gates.push(intern(plan, gate));
            }
        }
        let mut chain = self.approvals(plan, &mut safety, "production", previous);
        // A profile's approvals would come next (`super::profile_view`).
        if let Some(sites) = &mut self.profile_sites {
            sites.production_entry(plan.steps.len());
        }
        let platform = defaults.platform;
        // Production's `deploy` says how its artifacts deploy in every wave
        // that sets no `strategy` of its own, over production's `strategy`.
        let (production_strategy, production_strategy_trace) =
            match self.deploy_strategy(body, defaults.known_platform) {
                Some(given) => given,
                None => (defaults.strategy, defaults.strategy_trace.clone()),
            };
        let artifacts = {
            let own = self.deployed(plan, body);
            if own.is_empty() {
                plan.artifacts
                    .iter()
                    .map(|artifact| Name::from(artifact.name.as_str()))
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
        let stage = Name::from("production");
        for wave in &placement.waves {
            let Some(wave_member) = body.get(&Key::Named("wave", &wave.wave)) else {
                continue;
            };
            let wave_body = wave_member.body.as_deref().unwrap_or(&empty);
            let wave_safety = self.safety(plan, pipeline, wave_body, &safety);
            let (strategy, strategy_trace) = match self.strategy(wave_body, defaults.known_platform)
            {
                Some(strategy) => (strategy, self.field_trace(wave_body, "strategy")),
                None => (production_strategy, production_strategy_trace.clone()),
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
                .step_field_trace(wave_body, "regions")
                .map(|trace| (Field::Region, trace));
            // Bakes in a final block are final (R33): production's, then
            // the wave's.
            let production_frozen = production.final_at().is_some();
            let wave_frozen = production_frozen || wave_member.final_at().is_some();
            // The wave's one-box, else production's, and whether it is in a
            // final block.
            let (onebox, onebox_frozen) = match wave_body.get(&Key::Single("onebox")) {
                Some(own) => (Some(own), wave_frozen),
                None => (body.get(&Key::Single("onebox")), production_frozen),
            };
            let onebox = onebox.map(|onebox| {
                let onebox_safety = self.onebox_safety(plan, pipeline, onebox, &wave_safety);
                (onebox, onebox_safety)
            });
            // A wave whose every step an alarm rolls back goes unnamed in a
            // plan only checked.
            let rolled_back = wave_safety.rollback.is_some()
                && onebox
                    .as_ref()
                    .is_none_or(|(_, onebox_safety)| onebox_safety.rollback.is_some());
            let ids = if rolled_back {
                StepIds::for_rolled_back(self.written)
            } else {
                StepIds::named()
            };
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
                .and_then(|_| self.step_field_trace(wave_body, "parallel"))
                .map(|trace| (Field::Parallel, trace));
            self.record_dropped(plan, wave, unit.as_deref(), scope, platform, placement);
            // Read at the first region that needs them, once for the wave.
            let mut onebox_parts = None;
            let mut unit_bake = None;
            // Each region's last steps, by position in the wave.
            let mut region_ends: Vec<Needs> = Vec::new();
            let wave_name = Name::from(wave.wave.as_str());
            for (index, code) in wave.regions.iter().enumerate() {
                let prefix = ids.id(&["production", &wave.wave, code]);
                let target = Arc::new(Target {
                    wave: Some(Name::clone(&wave_name)),
                    region: Some(Name::from(code.as_str())),
                    ..Target::in_stage(Name::clone(&stage))
                });
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
                    let parts = onebox_parts
                        .get_or_insert_with(|| self.onebox_parts(onebox, onebox_frozen));
                    region_chain = self.onebox(
                        plan,
                        onebox,
                        parts,
                        (&ids, &prefix),
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
                let parts: Vec<(&str, &str)> = match (unit.as_deref(), region, platform) {
                    (_, _, Platform::Lambda) => Vec::new(),
                    (Some("az"), Some(region), _) => {
                        region.azs.iter().map(|az| ("az", az.as_str())).collect()
                    }
                    (Some("cell"), Some(region), _) => region
                        .cells
                        .iter()
                        .map(|cell| ("cell", cell.as_str()))
                        .collect(),
                    _ => Vec::new(),
                };
                // The region deploys whole, or one AZ or cell after another,
                // each then baking with the `by` bake.
                let units: Vec<(Name, Arc<Target>, bool)> = if parts.is_empty() {
                    vec![(prefix.clone(), Arc::clone(&target), false)]
                } else {
                    parts
                        .into_iter()
                        .map(|(kind, part)| {
                            let part_name = Name::from(part);
                            let unit_target = Arc::new(Target {
                                az: (kind == "az").then(|| Name::clone(&part_name)),
                                cell: (kind == "cell").then_some(part_name),
                                ..Target::clone(&target)
                            });
                            (ids.id(&[&prefix, kind, part]), unit_target, true)
                        })
                        .collect()
                };
                for (unit, part_target, scoped) in units {
                    // Every deploy step of the region was placed by the
                    // wave's `regions`; only the first was ordered by
                    // `parallel`.
                    let own = if first_fields.is_empty() {
                        region_trace.iter().cloned().collect()
                    } else {
                        std::mem::take(&mut first_fields)
                    };
                    let step = self.deploy_step(
                        ids.id(&[&unit, "deploy"]),
                        region_chain,
                        Arc::clone(&part_target),
                        &deployment,
                        None,
                        &wave_safety,
                        wave_member,
                        own,
                    );
                    region_chain = self.needs_after(&step);
                    plan.steps.push(step);
                    if scoped
                        && let Some(scope) = scope
                        && let Some(scope_body) = scope_body
                        && let Some(bake) = unit_bake.get_or_insert_with(|| {
                            let frozen = wave_frozen || scope.final_at().is_some();
                            self.bake_parts(scope, scope_body, frozen)
                        })
                    {
                        region_chain = self.push_bake_step(
                            plan,
                            (ids.id(&[&unit, "bake"]), region_chain, part_target),
                            bake.clone(),
                            wave_safety.rollback,
                        );
                    }
                }
                region_ends.push(region_chain);
            }
            let terminals: Needs = region_ends.into_iter().flatten().collect();
            if let Some(parts) = self.bake_parts(wave_member, wave_body, wave_frozen) {
                let target = Arc::new(Target {
                    wave: Some(wave_name),
                    ..Target::in_stage(Name::clone(&stage))
                });
                chain = self.push_bake_step(
                    plan,
                    (
                        ids.id(&["production", &wave.wave, "bake"]),
                        terminals,
                        target,
                    ),
                    parts,
                    wave_safety.rollback,
                );
            } else if !terminals.is_empty() {
                chain = terminals;
            }
        }
    }
}
