//! Lowering a resolved pipeline to its plan: the platform and production's
//! strategy every deploy defaults to, sources and builds, then the stages
//! and production (`plan::steps`), and the plan's tables. Values of the
//! wrong type are reported where they are read.

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
    /// The pipeline's top-level fields with plain values, for `${name}`
    /// (read from the pipeline by [`Lowerer::lower`]).
    pub(super) fields: std::collections::BTreeMap<&'w str, String>,
    /// The pipeline's abstract fields left unbound (reported once, at the
    /// pipeline): `${...}` of one is that mistake's consequence, not another.
    pub(super) unbound_fields: std::collections::BTreeSet<&'w str>,
    /// The pipeline's top-level fields whose values cannot be interpolated
    /// (a list, a duration), with what each is, for the message.
    pub(super) unplain_fields: std::collections::BTreeMap<&'w str, &'static str>,
    /// The selected profile and what it does besides overriding members.
    pub profile: Option<(String, crate::semantics::merge::ProfileEffects<'w>)>,
    /// The bake floors of the policies that govern the pipeline.
    pub floors: Vec<crate::semantics::policies::Floor>,
    /// Whether the plan is to be written out (or shown), and not only
    /// checked: only a written plan shows what each value replaced, where
    /// each field of a step is set (a checked one, only a rolling deploy's
    /// strategy, which a policy may point at), the regions it deploys to, what each
    /// step needs and a deploy step's artifacts and commands, so a plan
    /// built to be checked and dropped goes without
    /// ([`Lowerer::for_checking`]).
    pub(super) written: bool,
    /// Alarm expressions of the pipeline rendered so far
    /// ([`Lowerer::alarm_text`]).
    pub(super) alarm_texts: RenderedAlarms,
    /// The times of the windows read so far, shared with the lowering of
    /// every other pipeline of the workspace ([`Lowerer::sharing_windows`]).
    pub(super) windows: Option<&'a Windows>,
    /// Where the plan's bakes and production's approvals are, when they
    /// are recorded ([`Lowerer::recording_profile_sites`]).
    pub(super) profile_sites: Option<super::profile_view::ProfileSites>,
}

/// A window's zone, open slots and closed days, as its block gives them.
#[derive(Clone)]
pub(super) struct WindowTimes {
    pub(super) zone: String,
    pub(super) allow: Arc<[(Vec<u8>, u16, u16)]>,
    pub(super) closed_dates: Arc<[String]>,
}

impl WindowTimes {
    /// A window's times from its zone, its slots and its closed days in
    /// any order: the days are sorted as dates and written once
    /// (`YYYY-MM-DD` sorts as the dates do, and a calendar of holidays is
    /// hundreds of them).
    pub(super) fn new(
        zone: String,
        allow: Vec<(Vec<u8>, u16, u16)>,
        mut closed: Vec<crate::syntax::ast::Date>,
    ) -> WindowTimes {
        closed.sort_unstable();
        closed.dedup();
        WindowTimes {
            zone,
            allow: allow.into(),
            closed_dates: closed.into_iter().map(super::gates::format_date).collect(),
        }
    }
}

/// The times of every window block read while lowering the pipelines of
/// one workspace, by the block (its address) and the file it is written
/// in: the same for every pipeline a window gates, whose plans share
/// them instead of reading the window's calendars, sorting and writing
/// its dates again. Only for blocks of one workspace, which outlives it.
#[derive(Default)]
pub struct Windows(std::sync::Mutex<crate::hashing::FastHashMap<(usize, FileId), WindowTimes>>);

impl Windows {
    /// The times of `block`, read by `read` the first time.
    pub(super) fn times(
        &self,
        block: &crate::syntax::ast::Block,
        file: FileId,
        read: impl FnOnce() -> WindowTimes,
    ) -> WindowTimes {
        let key = (std::ptr::from_ref(block) as usize, file);
        // Read under the lock, so that pipelines lowered at once on other
        // cores wait for the one reading and then share what it read.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_insert_with(read)
            .clone()
    }
}

/// Alarm expressions of one pipeline's body rendered (by the expression's
/// address and the file it is written in; `None` where one does not
/// render): by the check of the body's alarms
/// (`semantics::check_alarms_of`), then by lowering it. A text
/// depends only on the body's `alarm` members and the workspace's
/// top-level alarms, so texts rendered for a body serve the lowering of
/// that body, and of a copy of it that nothing has changed since (a
/// profile that only scales bakes or adds approvals,
/// [`Lowerer::lower_rendered`]).
#[derive(Clone, Default)]
pub struct RenderedAlarms(pub(super) crate::hashing::FastHashMap<(usize, FileId), Option<String>>);

impl RenderedAlarms {
    /// Records what `expr`, written in `file`, renders to.
    pub fn insert(&mut self, expr: &crate::syntax::ast::Expr, file: FileId, text: Option<String>) {
        self.0.insert(Self::key(expr, file), text);
    }

    /// What `expr`, written in `file`, was recorded to render to.
    pub(super) fn get(
        &self,
        expr: &crate::syntax::ast::Expr,
        file: FileId,
    ) -> Option<&Option<String>> {
        self.0.get(&Self::key(expr, file))
    }

    fn key(expr: &crate::syntax::ast::Expr, file: FileId) -> (usize, FileId) {
        (std::ptr::from_ref(expr) as usize, file)
    }
}

impl<'a, 'w> Lowerer<'a, 'w> {
    /// A lowerer for one pipeline, with the profile applied to it (if
    /// any) and the floors of the policies that govern it.
    pub fn new(
        workspace: &'w Workspace,
        scopes: &'a Scopes<'w>,
        diagnostics: &'a mut Vec<Diagnostic>,
        profile: Option<(String, crate::semantics::merge::ProfileEffects<'w>)>,
        floors: Vec<crate::semantics::policies::Floor>,
    ) -> Lowerer<'a, 'w> {
        Lowerer {
            workspace,
            scopes,
            diagnostics,
            fields: Default::default(),
            unbound_fields: Default::default(),
            unplain_fields: Default::default(),
            profile,
            floors,
            written: true,
            alarm_texts: Default::default(),
            windows: None,
            profile_sites: None,
        }
    }

    /// Records where the plan's bakes and production's approvals are, so
    /// that the plan under a profile that only scales bakes or requires
    /// approvals can be had from it ([`Lowerer::take_profile_sites`]).
    pub fn recording_profile_sites(mut self) -> Self {
        self.profile_sites = Some(Default::default());
        self
    }

    /// What [`Lowerer::recording_profile_sites`] recorded of the last
    /// plan lowered, taken out.
    pub fn take_profile_sites(&mut self) -> Option<super::profile_view::ProfileSites> {
        self.profile_sites.take()
    }

    /// Shares the times of the windows it reads with the lowering of the
    /// workspace's other pipelines, through `windows`.
    pub fn sharing_windows(mut self, windows: &'a Windows) -> Self {
        self.windows = Some(windows);
        self
    }

    /// A lowerer for a plan that is only checked (by the policies, for
    /// the errors lowering finds) and then dropped. Its steps keep where
    /// they come from, which is all a diagnostic or a finding points at,
    /// and its gates and alarms; it leaves out what each value replaced,
    /// where each field is set and the regions table, which cost
    /// allocations per step and only a written plan shows, and what each
    /// step needs and what a deploy step deploys with which commands,
    /// which no check reads and which counted every step's id and
    /// artifacts up and down once more.
    pub fn for_checking(mut self) -> Self {
        self.written = false;
        self
    }
}

/// What a one-box's steps are the same in, in every region of its stage or
/// wave ([`Lowerer::onebox_parts`]).
pub(super) struct OneboxParts {
    /// Its share of traffic, in hundredths of a percent.
    pub(super) traffic: Option<u32>,
    /// Where the share is set, when it is valid (in a plan to be written).
    pub(super) traffic_trace: Option<Trace>,
    /// Its bake, and the data points it waits for: there is one when
    /// either is written ([`Lowerer::bake_parts`]).
    pub(super) bake: Option<BakeParts>,
}

/// What the deploy steps of a scope deploy, how, and with which commands.
pub(super) struct Deployment {
    pub(super) artifacts: Artifacts,
    pub(super) platform: Platform,
    pub(super) strategy: Strategy,
    pub(super) commands: DeployCommands,
    /// Where the platform and strategy are set, when they are.
    pub(super) traces: Vec<(Field, Trace)>,
}

impl Deployment {
    /// Where every value its deploy steps share is set.
    pub(super) fn traces(&self) -> Vec<(Field, Trace)> {
        let mut traces = self.traces.clone();
        traces.extend(self.commands.traces.iter().cloned());
        traces
    }
}

/// What a pipeline's stages and waves inherit unless they say otherwise.
pub(super) struct Defaults {
    /// The platform, `ecs` standing in when none is given.
    pub(super) platform: Platform,
    /// The platform as given, if it is.
    pub(super) known_platform: Option<Platform>,
    /// Production's strategy, the default of every stage and wave.
    pub(super) strategy: Strategy,
    /// Where the platform is set.
    pub(super) platform_trace: Option<Trace>,
    /// Where production's strategy is set, when it is.
    pub(super) strategy_trace: Option<Trace>,
}

impl Defaults {
    /// Where a scope's platform and strategy are set (`strategy`: the
    /// scope's own, or production's it fell back to).
    pub(super) fn traces(&self, strategy: Option<Trace>) -> Vec<(Field, Trace)> {
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
pub(super) type BakeParts = (Option<Bake>, Vec<(DataPoints, Trace)>, Trace);

/// Whether `field`, a member of `member`'s merged body, is written in the
/// body of `member` as written here, not inherited: what the source's own
/// checks (`origins`) already report.
fn written_in_own_body(member: &Resolved<'_>, field: &Resolved<'_>) -> bool {
    member.member.kind.body().is_some_and(|body| {
        body.members
            .iter()
            .any(|written| std::ptr::eq(written, field.member))
    })
}

/// A step id: `parts` joined with `/` (`production/first/ap-east-1/deploy`).
/// Written without the formatting machinery (every step has one), in a
/// buffer of the thread's, so that the id costs the one allocation of its
/// shared copy.
pub(super) fn step_id(parts: &[&str]) -> Name {
    thread_local! {
        static ID: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    ID.with_borrow_mut(|id| {
        id.clear();
        for (index, part) in parts.iter().enumerate() {
            if index > 0 {
                id.push('/');
            }
            id.push_str(part);
        }
        Name::from(id.as_str())
    })
}

/// How a run of steps gets its ids: built from their parts, or (in a plan
/// only checked, [`StepIds::for_rolled_back`]) one shared empty name.
pub(super) struct StepIds {
    unnamed: Option<Name>,
}

impl StepIds {
    /// Ids built from their parts.
    pub(super) fn named() -> StepIds {
        StepIds { unnamed: None }
    }

    /// Ids for steps that an alarm rolls back, every one: in a plan to be
    /// written they are built, in a plan only checked they are left out.
    /// No check reads such a step's id (the policies name a production
    /// step only for lacking a rollback alarm), and a wave's ids, with the
    /// region and AZ prefixes they are made from, are an allocation each.
    pub(super) fn for_rolled_back(written: bool) -> StepIds {
        StepIds {
            unnamed: (!written).then(|| Name::from("")),
        }
    }

    /// The id made of `parts` ([`step_id`]), unless these steps go unnamed.
    pub(super) fn id(&self, parts: &[&str]) -> Name {
        match &self.unnamed {
            Some(unnamed) => Name::clone(unnamed),
            None => step_id(parts),
        }
    }
}

impl Lowerer<'_, '_> {
    /// What the step after `step` needs: `step`'s id, in a plan to be
    /// written; nothing in a plan only checked ([`Lowerer::for_checking`]).
    pub(super) fn needs_after(&self, step: &Step) -> Needs {
        if self.written {
            smallvec::smallvec![Name::clone(&step.id)]
        } else {
            Needs::new()
        }
    }

    /// Adds a bake step of [`BakeParts`] to `plan`, and gives what the
    /// step after it needs. Where its duration and data points are set is
    /// kept only in a plan to be written, as for a deploy step
    /// ([`Self::deploy_step`]): the policies read none of it.
    pub(super) fn push_bake_step(
        &mut self,
        plan: &mut Plan,
        (id, needs, target): (Name, Needs, Arc<Target>),
        (bake, points, fallback): BakeParts,
        rollback_alarm: Option<AlarmRef>,
    ) -> Needs {
        debug_assert!(
            rollback_alarm.is_some() || !id.is_empty(),
            "a step no alarm rolls back is named"
        );
        let mut fields = Vec::new();
        let (duration_seconds, trace) = match bake {
            Some(bake) => {
                if let Some(sites) = &mut self.profile_sites {
                    sites.bake(plan.steps.len(), bake.set);
                }
                if self.written {
                    fields.push((Field::Duration, bake.trace.clone()));
                }
                (bake.seconds, bake.trace)
            }
            None => (0, fallback),
        };
        let mut data_points = Vec::new();
        for (index, (points, trace)) in points.into_iter().enumerate() {
            data_points.push(points);
            if self.written {
                fields.push((Field::DataPoints(index), trace));
            }
        }
        let step = Step {
            id,
            needs,
            target,
            params: Params::Bake {
                duration_seconds,
                data_points,
            },
            rollback_alarm,
            gates: GateRefs::new(),
            trace,
            fields,
        };
        let after = self.needs_after(&step);
        plan.steps.push(step);
        after
    }
}

/// Gates and rollback that apply to a scope (a stage, production, a wave).
///
/// The gates are references into the plan's gate table, where each
/// distinct gate is interned once: a scope's gates are copied to every
/// deploy step in it, and copying references instead of gates (a window
/// holds a year of closed dates) keeps that cheap.
#[derive(Clone, Default)]
pub(super) struct Safety {
    pub(super) gates: GateRefs,
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
        self.lower_rendered(name, block, placement, RenderedAlarms::default())
    }

    /// The plan of one pipeline, given alarm texts already rendered for
    /// `block`, or for the body `block` is an unchanged copy of
    /// ([`ResolvedBlock::unchanged_from`]: its members are that body's
    /// own, shared, so they render the same). Addresses are only known to
    /// mean the same thing for such a body, so texts rendered for any
    /// other must not be given.
    pub fn lower_rendered(
        &mut self,
        name: &str,
        block: &ResolvedBlock<'w>,
        placement: Option<&Placement>,
        rendered: RenderedAlarms,
    ) -> Plan {
        self.alarm_texts = rendered;
        self.lower_block(name, block, placement)
    }

    /// The alarms rendered by the last [`Self::lower`] or
    /// [`Self::lower_rendered`], taken out.
    pub fn rendered_alarms(&mut self) -> RenderedAlarms {
        std::mem::take(&mut self.alarm_texts)
    }

    fn lower_block(
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
            // Room for a deploy and a bake or two per region placed, so
            // that the steps are rarely moved as the list grows.
            steps: Vec::with_capacity(
                placement.map_or(0, |placement| {
                    placement
                        .waves
                        .iter()
                        .map(|wave| wave.regions.len())
                        .sum::<usize>()
                }) * 4
                    + 16,
            ),
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
                Some((*name, value))
            })
            .collect();
        // A field left without a value: abstract and unbound (P0306), or
        // declared without a value nor `abstract` (P0102). Either is
        // reported at its declaration; its `${...}` stays silent.
        self.unbound_fields = block
            .members
            .iter()
            .filter_map(|(key, member)| match key {
                Key::Field(name)
                    if member.abstract_at().is_some()
                        || matches!(
                            member.member.kind,
                            MemberKind::FieldDecl { value: None, .. }
                        ) =>
                {
                    Some(*name)
                }
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
                // A string is plain unless it interpolates in turn.
                let what = if string_literal(expr).is_some() {
                    "a string with a `${...}` of its own"
                } else {
                    describe_value(expr)
                };
                Some((*name, what))
            })
            .collect();
        // A top-level string field that interpolates is not inserted
        // anywhere, but its own `${...}` must still name fields.
        for (key, member) in &block.members {
            if let Key::Field(_) = key
                && let Some((expr, file)) = self.value_of(member)
                && let Some(string) = string_literal(expr)
                && string.as_plain_str().is_none()
            {
                self.interpolate(string, file);
            }
        }
        // Sources and builds.
        let builds: Vec<&str> = block
            .members
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Named("build", build) => Some(*build),
                _ => None,
            })
            .collect();
        let sources: Vec<&str> = block
            .members
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Named("source", source) => Some(*source),
                _ => None,
            })
            .collect();
        for (key, member) in &block.members {
            match key {
                Key::Named("source", source) => self.source(&mut plan, source, member),
                Key::Named("build", build) => {
                    self.build(&mut plan, build, member, (&builds, &sources));
                }
                _ => {}
            }
        }
        let mut previous: Needs = plan
            .steps
            .iter()
            .filter(|step| matches!(step.params, Params::Build { .. }))
            .flat_map(|step| self.needs_after(step))
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
        self.diagnostics.extend(repeated_step_ids(&plan));
        if self.written {
            plan.regions = regions_in_first_use_order(&plan.steps, registry);
        }
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
                let branch_arg = args
                    .iter()
                    .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == "branch"));
                let branch = branch_arg.and_then(|arg| string_literal(&arg.value));
                match (callee.to_dotted().as_str(), positional) {
                    ("git", Some(url)) => {
                        let url = self.interpolated_origin(url, file, "location");
                        // The body's `branch`, when `git(...)` gives none.
                        let field = member
                            .body
                            .as_ref()
                            .and_then(|body| self.text(body, "branch"));
                        let branch = match (branch, field) {
                            (Some(branch), field) => {
                                // Both in the source as written: reported
                                // there (`origins`).
                                if let (Some((_, field)), Some(arg)) = (field, branch_arg)
                                    && !written_in_own_body(member, field)
                                {
                                    self.diagnostics.push(branch_given_twice(
                                        (field.origin.file, head_span(field.member)),
                                        (file, arg),
                                    ));
                                }
                                self.interpolated_origin(branch, file, "branch")
                            }
                            // Interpolated again, as an origin: one that
                            // inserts nothing is an empty branch.
                            (None, Some((branch, field))) => match self
                                .value_of(field)
                                .and_then(|(expr, file)| string_literal(expr).map(|s| (s, file)))
                            {
                                Some((string, file)) => {
                                    self.interpolated_origin(string, file, "branch")
                                }
                                None => branch,
                            },
                            (None, None) => "main".to_string(),
                        };
                        SourceOrigin::Git { url, branch }
                    }
                    ("store", Some(url)) => {
                        // An inherited body's `branch` under a descendant's
                        // `store(...)` would be dropped without a word; one
                        // in the source as written is reported there.
                        if let Some((_, field)) = member
                            .body
                            .as_ref()
                            .and_then(|body| self.text(body, "branch"))
                            && !written_in_own_body(member, field)
                        {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Code::TYPE_MISMATCH,
                                    "a `store(...)` source has no branch",
                                )
                                .primary(
                                    field.origin.file,
                                    head_span(field.member),
                                    "a branch it would ignore",
                                )
                                .secondary(file, origin.span, "the source is a store here")
                                .help(
                                    "a branch belongs to a `git(...)` source: keep this one \
                                     a `git(...)` source, or add the store under a name of its own",
                                ),
                            );
                        }
                        SourceOrigin::ArtifactStore {
                            url: self.interpolated_origin(url, file, "location"),
                        }
                    }
                    // Reported where it is written (`origins`).
                    _ => return,
                }
            }
            _ => return,
        };
        let require_review = member.body.as_ref().is_some_and(|body| {
            body.collection
                .iter()
                .any(|(item, _)| is_requirement(item, "review"))
        });
        plan.steps.push(Step {
            id: step_id(&["source", name]),
            needs: Needs::new(),
            target: Arc::new(Target::in_stage("source".into())),
            params: Params::Source {
                name: name.to_string(),
                origin,
                require_review,
            },
            rollback_alarm: None,
            gates: GateRefs::new(),
            trace: self.trace(member),
            fields: Vec::new(),
        });
    }

    /// A build step; `builds` names every build of the pipeline, in order.
    fn build(
        &mut self,
        plan: &mut Plan,
        name: &str,
        member: &Resolved<'w>,
        (builds, declared_sources): (&[&str], &[&str]),
    ) {
        let MemberKind::Build { inputs, .. } = &member.member.kind else {
            return;
        };
        let empty = ResolvedBlock::default();
        let body = member.body.as_deref().unwrap_or(&empty);
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
        let mut needs = Needs::new();
        for (input, path) in sources.iter().zip(inputs) {
            let as_source = step_id(&["source", input]);
            let as_build = step_id(&["build", input]);
            match plan
                .steps
                .iter()
                .find(|step| step.id == as_source || step.id == as_build)
            {
                Some(step) => needs.extend(self.needs_after(step)),
                // A source whose origin is wrong has no step; that mistake
                // is reported where it is written, and this is not another.
                None if declared_sources.contains(&input.as_str()) => {}
                None => {
                    let later = builds.contains(&input.as_str());
                    self.unknown_build_input(plan, input, later, (member.origin.file, path.span));
                }
            }
        }
        let id = step_id(&["build", name]);
        plan.artifacts.push(Artifact {
            name: name.to_string(),
            produced_by: id.to_string(),
            signed: sign,
            trace: self.trace(member),
        });
        plan.steps.push(Step {
            id,
            needs,
            target: Arc::new(Target::in_stage("build".into())),
            params: Params::Build {
                artifact: name.to_string(),
                sources,
                run: run.map(Box::new),
                sign,
            },
            rollback_alarm: None,
            gates: GateRefs::new(),
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
    pub(super) fn deployed(&mut self, plan: &Plan, body: &ResolvedBlock<'w>) -> Artifacts {
        let mut artifacts = Artifacts::new();
        for (key, member) in &body.members {
            let Key::Deploy(names) = key else { continue };
            for name in names.iter() {
                if plan.artifacts.iter().any(|artifact| artifact.name == *name) {
                    artifacts.push(Name::from(name.as_str()));
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

/// The regions `steps` target, each once, in the order steps first target
/// them, with what `registry` says of those it lists. Pre-production stages
/// may name regions outside the production registry; those carry only
/// their code.
fn regions_in_first_use_order(steps: &[Step], registry: Option<&Registry>) -> Vec<Arc<PlanRegion>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut regions = Vec::new();
    for code in steps
        .iter()
        .filter_map(|step| step.target.region.as_deref())
    {
        if !seen.insert(code) {
            continue;
        }
        let listed = registry.and_then(|registry| registry.planned(code));
        regions.push(match listed {
            Some(region) => Arc::clone(region),
            None => Arc::new(PlanRegion {
                code: code.to_string(),
                registry: None,
                attributes: Default::default(),
                azs: Vec::new(),
            }),
        });
    }
    regions
}

/// `P0103` for each step id a plan gives two steps: ids are paths of names
/// (`gamma/test/deploy`), and a stage, region, test or approval role may be
/// named like a fixed segment of another step's path (a region `test`, a
/// test `deploy`, a stage `production`). The plan's readers refuse such a
/// plan, so it is not written; reported at the later step, once an id.
/// In a plan only checked, the steps an alarm rolls back have no id
/// ([`StepIds::for_rolled_back`]): two of those meeting is found when the
/// plan is compiled.
fn repeated_step_ids(plan: &Plan) -> Vec<Diagnostic> {
    let mut first: crate::hashing::FastHashMap<&str, &Step> =
        crate::hashing::FastHashMap::with_capacity_and_hasher(plan.steps.len(), Default::default());
    let mut reported: crate::hashing::FastHashSet<&str> = Default::default();
    let mut found = Vec::new();
    for step in &plan.steps {
        let id: &str = &step.id;
        if id.is_empty() {
            continue;
        }
        match first.get(id) {
            None => {
                first.insert(id, step);
            }
            // The same step twice (a region listed twice) is the repeated
            // item's mistake, reported where it is written (P0308).
            Some(earlier)
                if earlier.target == step.target
                    && std::mem::discriminant(&earlier.params)
                        == std::mem::discriminant(&step.params) => {}
            Some(earlier) if reported.insert(id) => found.push(
                Diagnostic::error(
                    Code::DUPLICATE_DEFINITION,
                    format!("two steps of pipeline `{}` have the id `{id}`", plan.pipeline),
                )
                .primary(step.trace.at.file, step.trace.at.span, "this step's id")
                .secondary(earlier.trace.at.file, earlier.trace.at.span, "is also this step's")
                .note("a step's id is the path of the names it is made of: a stage, region, test or approval role named like a fixed part of another step's path (`test`, `approval`, `deploy`, `bake`; a stage `source`, `build` or `production`) makes two paths meet")
                .help("rename the stage, region, test or role, so that every step keeps an id of its own"),
            ),
            Some(_) => {}
        }
    }
    found
}
