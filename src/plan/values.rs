//! Reading resolved values for the plan: typed field accessors that report
//! type errors (P0701), strategies (P0702, P0703), data points, string
//! interpolation, and provenance traces.

use super::lower::Lowerer;
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::{How, Key, Origin, Resolved, ResolvedBlock};
use crate::syntax::ast::{Expr, ExprKind, LiteralValue, MemberKind};

impl<'w> Lowerer<'_, 'w> {
    /// A body's `bake`, with the selected profile's `bake scale` applied
    /// (R41): rounded down to whole seconds, at least one; final bakes and
    /// bakes the profile sets itself are not scaled. `frozen`: the body is
    /// in a final block (itself, or one enclosing it), which makes every
    /// bake inside it final (R33, R35).
    pub(super) fn bake(&mut self, block: &ResolvedBlock<'w>, frozen: bool) -> Option<Bake> {
        let (seconds, field) = self.duration(block, "bake")?;
        let trace = self.trace(field);
        // A bake the scale leaves alone says so, and which `bake scale`
        // it escaped (R41).
        let skipped = if frozen || field.final_at().is_some() {
            Some(NotScaled::Final)
        } else if field.origin.how == How::Profile {
            Some(NotScaled::Profile)
        } else {
            None
        };
        let set = BakeSource {
            seconds,
            at: trace.at,
            how: trace.how,
            skipped,
        };
        let scale = self
            .profile
            .as_ref()
            .and_then(|(_, effects)| effects.bake_scale);
        let written = |at: Place| self.written_value(at.file, at.span);
        let written: Option<&dyn Fn(Place) -> Option<String>> =
            if self.written { Some(&written) } else { None };
        let (seconds, trace) = scale_and_floor(set, trace, scale, &self.floors, written);
        Some(Bake {
            seconds,
            trace,
            set,
        })
    }

    /// The bake step of the scope `member` (a stage, a wave, a one-box, a
    /// `by` scope) whose body is `body`: its `bake` and its `wait for`s.
    /// A scope with either has one; a `wait for` without a `bake` bakes
    /// 0 s until its data points are in, the step then placed at the
    /// scope.
    pub(super) fn bake_parts(
        &mut self,
        member: &Resolved<'w>,
        body: &ResolvedBlock<'w>,
        frozen: bool,
    ) -> Option<super::lower::BakeParts> {
        let data_points = self.data_points(body);
        let bake = self.bake(body, frozen);
        (bake.is_some() || !data_points.is_empty()).then(|| (bake, data_points, self.trace(member)))
    }

    /// Where field `name` of `body` is set, if it is.
    pub(super) fn field_trace(&self, body: &ResolvedBlock<'w>, name: &str) -> Option<Trace> {
        self.field(body, name).map(|member| self.trace(member))
    }

    /// Where the field `name` of `body` is set, for a step's
    /// [`Step::fields`]: kept only in a plan to be written (a plan only
    /// checked keeps none), so not looked up for one that is not.
    pub(super) fn step_field_trace(&self, body: &ResolvedBlock<'w>, name: &str) -> Option<Trace> {
        if self.written {
            self.field_trace(body, name)
        } else {
            None
        }
    }

    pub(super) fn trace(&self, member: &Resolved<'_>) -> Trace {
        Trace {
            not_scaled: None,
            at: Place {
                file: member.origin.file,
                span: member.origin.span,
            },
            how: member.origin.how,
            // Only a written plan shows what a value replaced.
            overrides: if self.written {
                member
                    .history
                    .iter()
                    .map(|origin| {
                        (
                            Place {
                                file: origin.file,
                                span: origin.span,
                            },
                            origin.how,
                            self.written_value(origin.file, origin.span),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The value a member wrote, as written: `12h` of `bake = 12h`, `hs`
    /// of `rollback on hs`, `bh` of `window bh`; `None` for blocks.
    pub(super) fn written_value(&self, file: FileId, span: Span) -> Option<String> {
        let text = crate::semantics::source_text(self.workspace, file, span);
        if text.contains('{') {
            return None;
        }
        // The keyword forms first: an alarm's name may hold a `=`.
        let value = match keyword_member_value(&text) {
            Some(value) => value,
            None => text.split_once('=')?.1,
        }
        .trim();
        (!value.is_empty()).then(|| canonical_value_text(value))
    }

    pub(super) fn value_of<'b>(&self, member: &'b Resolved<'w>) -> Option<(&'w Expr, FileId)> {
        member.base_value()
    }

    pub(super) fn field<'b>(
        &self,
        block: &'b ResolvedBlock<'w>,
        name: &str,
    ) -> Option<&'b Resolved<'w>> {
        block.get_field(name)
    }

    pub(super) fn mismatch(&mut self, file: FileId, expr: &Expr, expected: &str) {
        self.diagnostics.extend(mismatch(file, expr, expected));
    }

    pub(super) fn duration<'b>(
        &mut self,
        block: &'b ResolvedBlock<'w>,
        name: &str,
    ) -> Option<(u64, &'b Resolved<'w>)> {
        let member = block.get_field(name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind {
            match literal.value {
                LiteralValue::Duration(seconds) if seconds > 0 => return Some((seconds, member)),
                _ => {}
            }
        }
        self.diagnostics
            .extend(builtin_value_problem(Builtin::Duration, name, expr, file));
        None
    }

    pub(super) fn boolean(&mut self, block: &ResolvedBlock<'w>, name: &str) -> Option<bool> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind
            && let LiteralValue::Bool(value) = literal.value
        {
            return Some(value);
        }
        self.diagnostics
            .extend(builtin_value_problem(Builtin::Bool, name, expr, file));
        None
    }

    /// A string field, with `${...}` replaced, and the member that sets it.
    pub(super) fn text<'b>(
        &mut self,
        block: &'b ResolvedBlock<'w>,
        name: &str,
    ) -> Option<(String, &'b Resolved<'w>)> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let Some(string) = string_literal(expr) {
            return Some((self.interpolate(string, file), member));
        }
        self.diagnostics
            .extend(builtin_value_problem(Builtin::String, name, expr, file));
        None
    }

    /// A symbol field (`kind = load`): its name.
    pub(super) fn symbol(&mut self, block: &ResolvedBlock<'w>, name: &str) -> Option<String> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Path(path) = &expr.kind
            && path.segments.len() == 1
        {
            return Some(path.to_dotted());
        }
        self.diagnostics
            .extend(builtin_value_problem(Builtin::Symbol, name, expr, file));
        None
    }

    /// A count field that must be at least 1, such as a wave's `parallel`.
    pub(super) fn positive_count(&mut self, block: &ResolvedBlock<'w>, name: &str) -> Option<u64> {
        let member = self.field(block, name)?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Literal(literal) = &expr.kind
            && let LiteralValue::Count(count) = literal.value
            && count > 0
        {
            return Some(count);
        }
        self.diagnostics
            .extend(builtin_value_problem(Builtin::Count, name, expr, file));
        None
    }

    /// The text of a string with `${name}` replaced by the pipeline's field
    /// of that name; an unknown name is reported and left as written.
    pub(super) fn interpolate(
        &mut self,
        string: &crate::syntax::ast::StringLit,
        file: FileId,
    ) -> String {
        self.interpolated_parts(string, file)
            .into_iter()
            .map(|(text, _)| text)
            .collect()
    }

    /// A source's location or branch, interpolated; one that interpolates
    /// to nothing is reported (one written `""` is reported where it is
    /// written, `origins`).
    pub(super) fn interpolated_origin(
        &mut self,
        string: &crate::syntax::ast::StringLit,
        file: FileId,
        what: &str,
    ) -> String {
        let text = self.interpolate(string, file);
        if text.trim().is_empty() && string.as_plain_str().is_none() {
            self.diagnostics.push(
                Diagnostic::error(Code::TYPE_MISMATCH, format!("the source's {what} is empty"))
                    .primary(
                        file,
                        string.span,
                        format!("this {what} interpolates to nothing"),
                    )
                    .help("give the field it interpolates a value that is not empty"),
            );
        }
        text
    }

    /// A string's pieces with `${name}` replaced, each interpolated value
    /// marked with the span of its `${...}` (commands keep values whole);
    /// an unknown name is reported and left as written, as text.
    pub(super) fn interpolated_parts(
        &mut self,
        string: &crate::syntax::ast::StringLit,
        file: FileId,
    ) -> Vec<(String, Option<crate::source::Span>)> {
        let mut out = Vec::new();
        for part in &string.parts {
            match part {
                crate::syntax::ast::StringPart::Text(text) => out.push((text.clone(), None)),
                crate::syntax::ast::StringPart::Interpolation(path) => {
                    let name = path.to_dotted();
                    match self.fields.get(name.as_str()) {
                        Some(value) => {
                            // `${` and `}` stand right around the path.
                            let span = crate::source::Span {
                                start: path.span.start.saturating_sub(2),
                                end: path.span.end.saturating_add(1),
                            };
                            out.push((value.clone(), Some(span)));
                        }
                        None if self.unbound_fields.contains(name.as_str()) => {
                            out.push((format!("${{{name}}}"), None));
                        }
                        None if self.unplain_fields.contains_key(name.as_str()) => {
                            let what = self
                                .unplain_fields
                                .get(name.as_str())
                                .copied()
                                .unwrap_or("a value");
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Code::TYPE_MISMATCH,
                                    format!("`{name}` is {what}, which cannot be interpolated"),
                                )
                                .primary(file, path.span, format!("`{name}` is {what}"))
                                .help("`${name}` inserts a string without `${...}`, a count or a name; write the value into the string, or declare a string field to insert"),
                            );
                            out.push((format!("${{{name}}}"), None));
                        }
                        None => {
                            let mut diagnostic = Diagnostic::error(
                                Code::UNKNOWN_NAME,
                                format!("no field `{name}` to interpolate"),
                            )
                            .primary(
                                file,
                                path.span,
                                "not a field of the pipeline with a plain value",
                            );
                            diagnostic = match crate::names::closest(&name, self.fields.keys().copied()) {
                                Some(suggestion) => diagnostic.help(format!("did you mean `${{{suggestion}}}`?")),
                                None => diagnostic.help("`${name}` inserts a top-level field of the pipeline, such as `service`; write `\\$` for a literal dollar sign"),
                            };
                            self.diagnostics.push(diagnostic);
                            out.push((format!("${{{name}}}"), None));
                        }
                    }
                }
            }
        }
        out
    }

    /// The pipeline's platform; `None` when it has none (reported where
    /// the pipeline is declared) or a wrong one (reported here).
    pub(super) fn platform(&mut self, block: &ResolvedBlock<'w>) -> Option<Platform> {
        let member = self.field(block, "platform")?;
        let (expr, file) = self.value_of(member)?;
        if let ExprKind::Path(path) = &expr.kind
            && let Some(platform) = Platform::from_name(&path.to_dotted())
        {
            return Some(platform);
        }
        self.diagnostics.extend(builtin_value_problem(
            Builtin::Platform,
            "platform",
            expr,
            file,
        ));
        None
    }

    /// The strategy of a body, checked against the platform when it is
    /// known; `None` if the body sets none (or it is wrong, which is
    /// reported).
    pub(super) fn strategy(
        &mut self,
        body: &ResolvedBlock<'w>,
        platform: Option<Platform>,
    ) -> Option<Strategy> {
        let field = self.field(body, "strategy")?;
        let (expr, file) = self.value_of(field)?;
        let strategy = self.parse_strategy(expr, file)?;
        let Some(platform) = platform else {
            return Some(strategy);
        };
        let supported = match platform {
            Platform::Ecs => true,
            Platform::Lambda => !matches!(strategy, Strategy::Rolling { .. }),
            Platform::Ec2 => matches!(
                strategy,
                Strategy::InPlace | Strategy::Rolling { .. } | Strategy::BlueGreen
            ),
            Platform::OnPremises => {
                matches!(strategy, Strategy::InPlace | Strategy::Rolling { .. })
            }
        };
        if !supported {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::STRATEGY_PLATFORM,
                    format!("`{}` deployments are not supported on `{}`", strategy.name(), platform.name()),
                )
                .primary(file, expr.span, format!("not available on {}", platform.name()))
                .note("ECS supports every strategy; Lambda shifts traffic (in place, blue/green, canary, linear, all at once) and has no boxes to roll; EC2 supports in place, rolling and blue/green; on-premises servers in place and rolling")
                .help("choose a strategy the platform supports"),
            );
            return None;
        }
        Some(strategy)
    }

    /// The strategy a `deploy` member of `body` gives its artifacts (how
    /// they deploy here, over the body's own `strategy`), checked as
    /// [`Lowerer::strategy`] checks one, with where it is set; `None` when
    /// no deploy member gives one. The artifacts of a body deploy in one
    /// step, so a second deploy member giving a strategy is `P0103`.
    pub(super) fn deploy_strategy(
        &mut self,
        body: &ResolvedBlock<'w>,
        platform: Option<Platform>,
    ) -> Option<(Strategy, Option<Trace>)> {
        let mut first: Option<&Resolved<'w>> = None;
        for (key, member) in &body.members {
            let (Key::Deploy(_), Some(deploy_body)) = (key, member.body.as_ref()) else {
                continue;
            };
            if self.field(deploy_body, "strategy").is_none() {
                continue;
            }
            match first {
                Some(first) => {
                    self.second_deploy_field(member, first, "strategy", "a `strategy`");
                }
                None => first = Some(member),
            }
        }
        let deploy_body = first?.body.as_ref()?;
        let strategy = self.strategy(deploy_body, platform)?;
        Some((strategy, self.field_trace(deploy_body, "strategy")))
    }

    pub(super) fn parse_strategy(&mut self, expr: &Expr, file: FileId) -> Option<Strategy> {
        parse_strategy(expr, file, self.diagnostics)
    }

    /// A body's `wait for` requirements, each with where it is written
    /// ([`collection_trace`]). One written otherwise than
    /// [`wait_for_parts`] reads is left out: it is reported where it is
    /// written ([`wait_for_problem`]). A requirement written again (along
    /// the chain, or by the selected profile) is one requirement (RFC 0001,
    /// R22): it keeps the first one's place, and its provenance is the
    /// latest, with the earlier ones, newest first, as its overrides, each
    /// with its `wait for` as written.
    pub(super) fn data_points(&mut self, body: &ResolvedBlock<'w>) -> Vec<(DataPoints, Trace)> {
        let mut points: Vec<(DataPoints, Trace)> = Vec::new();
        for (item, places) in &body.collection {
            let MemberKind::WaitFor { count, metric } = &item.kind else {
                continue;
            };
            let Some((count, measure, name)) = wait_for_parts(count, metric) else {
                continue;
            };
            let file = places.first().map_or(FileId(0), |place| place.file);
            let trace = collection_trace(item, places);
            let requirement = DataPoints {
                count,
                measure,
                name: self.interpolate(name, file),
            };
            match points.iter_mut().find(|(known, _)| *known == requirement) {
                Some((_, earlier)) => {
                    let at = earlier.at;
                    let written = canonical_value_text(&crate::semantics::source_text(
                        self.workspace,
                        at.file,
                        at.span,
                    ));
                    let mut overrides = vec![(at, earlier.how, Some(written))];
                    overrides.append(&mut earlier.overrides);
                    *earlier = Trace { overrides, ..trace };
                }
                None => points.push((requirement, trace)),
            }
        }
        points
    }
}

/// What `wait for COUNT METRIC` waits for, as lowering reads it: at least
/// one data point, of `requests(NAME)` or `datapoints(NAME)` with one name
/// given positionally (another argument would be ignored, and the bake
/// would wait for something else than what is written); `None` for
/// anything else.
fn wait_for_parts<'e>(
    count: &crate::syntax::ast::Literal,
    metric: &'e Expr,
) -> Option<(u64, String, &'e crate::syntax::ast::StringLit)> {
    let LiteralValue::Count(count @ 1..) = count.value else {
        return None;
    };
    let ExprKind::Call { callee, args } = &metric.kind else {
        return None;
    };
    let measure = callee.to_dotted();
    let name = match args.as_slice() {
        [arg] if arg.name.is_none() => string_literal(&arg.value)?,
        _ => return None,
    };
    matches!(measure.as_str(), "requests" | "datapoints").then_some((count, measure, name))
}

/// What is wrong with `wait for COUNT METRIC`, written in `file`, if
/// anything: `P0701` at the count or at the metric. Checked where it is
/// written, so that a template no pipeline extends is told too; lowering
/// reads only what passes ([`wait_for_parts`]).
pub fn wait_for_problem(
    count: &crate::syntax::ast::Literal,
    metric: &Expr,
    file: FileId,
) -> Option<Diagnostic> {
    match count.value {
        LiteralValue::Count(0) => {
            return Some(
                Diagnostic::error(Code::TYPE_MISMATCH, "`wait for` needs at least 1 data point")
                    .primary(file, count.span, "zero")
                    .help("remove the `wait for`, or wait for a number of data points: `wait for 100 requests(\"CreateApi\")`"),
            );
        }
        LiteralValue::Count(_) => {}
        _ => {
            return Some(
                Diagnostic::error(Code::TYPE_MISMATCH, "expected a count of data points")
                    .primary(file, count.span, "not a count")
                    .help("write a whole number: `wait for 100 requests(\"CreateApi\")`"),
            );
        }
    }
    if let Some((_, _, name)) = wait_for_parts(count, metric) {
        // A metric without a name is no metric: the bake would wait for
        // data points nothing ever sends.
        if name
            .as_plain_str()
            .is_some_and(|name| name.trim().is_empty())
        {
            return Some(
                Diagnostic::error(Code::TYPE_MISMATCH, "`wait for` names no metric")
                    .primary(file, name.span, "an empty name")
                    .help("name the API or metric: `wait for 100 requests(\"CreateApi\")`"),
            );
        }
        return None;
    }
    if let Some(problem) = metric_argument_problem(metric, file) {
        return Some(problem);
    }
    mismatch(
        file,
        metric,
        "`requests(\"Api\")` or `datapoints(\"Metric\")`",
    )
}

/// `P0701` at the argument at fault of a `requests(...)` or
/// `datapoints(...)` call that is not one plain name: a named argument,
/// a second name, a value that is no string, or none at all. A call of
/// anything else is left to the caller's mismatch, at the call.
fn metric_argument_problem(metric: &Expr, file: FileId) -> Option<Diagnostic> {
    let ExprKind::Call { callee, args } = &metric.kind else {
        return None;
    };
    let measure = callee.to_dotted();
    if !matches!(measure.as_str(), "requests" | "datapoints") {
        return None;
    }
    let example = match measure.as_str() {
        "requests" => "`wait for 100 requests(\"CreateApi\")`",
        _ => "`wait for 100 datapoints(\"Canary_Success\")`",
    };
    let problem = match args.as_slice() {
        [] => Diagnostic::error(Code::TYPE_MISMATCH, format!("`{measure}` names no metric"))
            .primary(file, metric.span, "no name given")
            .help(format!("name the API or metric: {example}")),
        [first, ..] if first.name.is_some() => {
            let name = first.name.as_ref()?;
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("`{measure}` takes no named argument"),
            )
            .primary(file, name.span, "a named argument")
            .help(format!("write the name alone: {example}"))
        }
        [first] => mismatch(file, &first.value, "a string")?,
        [_, second, ..] => {
            Diagnostic::error(Code::TYPE_MISMATCH, format!("`{measure}` takes one name"))
                .primary(
                    file,
                    second
                        .name
                        .as_ref()
                        .map_or(second.value.span, |name| name.span.to(second.value.span)),
                    "a second argument",
                )
                .help(format!("wait for each metric on its own line: {example}"))
        }
    };
    Some(problem)
}

/// Where a collection statement (`wait for`, `block`) is written: the
/// latest of the places that wrote it, the earlier ones as what it
/// replaced, newest first (as for merged alarm blockers, R22), each `set`
/// or, added by the selected profile, `profile`.
pub(super) fn collection_trace(item: &crate::syntax::ast::Member, places: &[Origin]) -> Trace {
    let mut written = places.iter().rev().map(|origin| {
        (
            Place {
                file: origin.file,
                span: origin.span,
            },
            origin.how,
        )
    });
    let (at, how) = written.next().unwrap_or((
        Place {
            file: FileId(0),
            span: item.span,
        },
        How::Set,
    ));
    Trace {
        overrides: written.map(|(place, how)| (place, how, None)).collect(),
        ..Trace::at(at, how)
    }
}

/// Reads a strategy written as `rolling(batch: 33%, min_healthy: 66%)`,
/// reporting a value that is not a strategy or parameters that cannot
/// work. The platform is not known here: lowering checks it.
pub fn parse_strategy(
    expr: &Expr,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Strategy> {
    let (name, args) = match &expr.kind {
        ExprKind::Path(path) => (path.to_dotted(), &[][..]),
        ExprKind::Call { callee, args } => (callee.to_dotted(), args.as_slice()),
        _ => {
            diagnostics.extend(mismatch(file, expr, "a strategy"));
            return None;
        }
    };
    // A parameter that could not be read was reported where it was read;
    // the strategy it belongs to is not judged on a guess (one mistake,
    // one error).
    if args
        .iter()
        .any(|arg| matches!(arg.value.kind, ExprKind::Invalid))
    {
        return None;
    }
    let arg = |wanted: &str, position: usize| {
        args.iter()
            .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == wanted))
            .or_else(|| args.iter().filter(|arg| arg.name.is_none()).nth(position))
            .map(|arg| &arg.value)
    };
    let percent = |expr: Option<&Expr>| match expr.map(|expr| &expr.kind) {
        Some(ExprKind::Literal(literal)) => match literal.value {
            LiteralValue::Percent(hundredths) => Some(hundredths),
            _ => None,
        },
        _ => None,
    };
    let duration = |expr: Option<&Expr>| match expr.map(|expr| &expr.kind) {
        Some(ExprKind::Literal(literal)) => match literal.value {
            LiteralValue::Duration(seconds) => Some(seconds),
            _ => None,
        },
        _ => None,
    };
    if let Some(parameters) = parameters_of(&name)
        && let Err(problem) = check_parameters(&name, expr.span, args, parameters)
    {
        diagnostics.push(
            Diagnostic::error(Code::INVALID_STRATEGY, problem.message)
                .primary(file, problem.at, problem.label)
                .help(problem.help),
        );
        return None;
    }
    let strategy = match name.as_str() {
        "in_place" => Strategy::InPlace,
        "blue_green" => Strategy::BlueGreen,
        "all_at_once" => Strategy::AllAtOnce,
        _ if matches!(expr.kind, ExprKind::Invalid) => return None,
        "rolling" => {
            let batch_given = arg("batch", 0);
            let Some(batch) = batch_given.map_or(Some(DEFAULT_BATCH), |given| percent(Some(given)))
            else {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`rolling` takes shares: `rolling(batch: 33%, min_healthy: 66%)`",
                );
            };
            // 66% stays healthy, unless the batch leaves less standing.
            let min_healthy = percent(arg("min_healthy", 1))
                .unwrap_or(DEFAULT_MIN_HEALTHY.min(10_000u32.saturating_sub(batch)));
            let rollback_batch = percent(arg("rollback_batch", 2)).unwrap_or(batch);
            // Shares of the fleet: none may pass 100% (the sum check
            // below covers `min_healthy`). The batch first: a rollback
            // batch left to default is the batch, and its mistake.
            if batch > 10_000 {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`batch` is a share of the fleet: at most 100%",
                );
            }
            if rollback_batch > 10_000 {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`rollback_batch` is a share of the fleet: at most 100%",
                );
            }
            if batch == 0 || rollback_batch == 0 {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "a rolling batch must be more than 0%",
                );
            }
            if batch + min_healthy > 10_000 {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`batch` plus `min_healthy` must be at most 100%: replacing a batch must leave the healthy minimum standing",
                );
            }
            Strategy::Rolling {
                batch,
                min_healthy,
                rollback_batch,
            }
        }
        "canary" => match (percent(arg("percent", 0)), duration(arg("wait", 1))) {
            // A wait of nothing shifts the rest at once: `all_at_once`
            // under another name.
            (Some(percent), Some(wait)) if percent > 0 && percent < 10_000 && wait > 0 => {
                Strategy::Canary {
                    percent,
                    wait_seconds: wait,
                }
            }
            _ => {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`canary` takes a share between 0% and 100% and a wait longer than zero: `canary(10%, wait: 10m)`",
                );
            }
        },
        "linear" => match (percent(arg("percent", 0)), duration(arg("every", 1))) {
            (Some(step), Some(every)) if step > 0 && step <= 10_000 && every > 0 => {
                Strategy::Linear {
                    step,
                    interval_seconds: every,
                }
            }
            _ => {
                return bad_strategy(
                    diagnostics,
                    file,
                    expr,
                    "`linear` takes a share above 0% and at most 100%, and an interval longer than zero: `linear(10%, every: 1m)`",
                );
            }
        },
        _ => {
            diagnostics.push(
                Diagnostic::error(Code::INVALID_STRATEGY, format!("unknown strategy `{name}`"))
                    .primary(file, expr.span, "not a deployment strategy")
                    .help("the strategies are `in_place`, `rolling(...)`, `blue_green`, `canary(...)`, `linear(...)` and `all_at_once`"),
            );
            return None;
        }
    };
    Some(strategy)
}

/// `rolling`'s batch when none is given: a third of the fleet, in
/// hundredths of a percent.
const DEFAULT_BATCH: u32 = 3_300;

/// `rolling`'s healthy minimum when none is given (at most what the batch
/// leaves standing), in hundredths of a percent.
const DEFAULT_MIN_HEALTHY: u32 = 6_600;

/// The parameters a strategy takes, in their positional order; `None` for
/// a name that is no strategy (reported as such).
fn parameters_of(strategy: &str) -> Option<&'static [&'static str]> {
    match strategy {
        "in_place" | "blue_green" | "all_at_once" => Some(&[]),
        "rolling" => Some(&["batch", "min_healthy", "rollback_batch"]),
        "canary" => Some(&["percent", "wait"]),
        "linear" => Some(&["percent", "every"]),
        _ => None,
    }
}

/// Why a strategy's arguments do not fit its parameters, and where.
struct ParameterProblem {
    message: String,
    at: Span,
    label: &'static str,
    help: String,
}

/// Checks that `args` fit `parameters`: no more positional arguments than
/// parameters, every name one of them, and none given twice (by name, or
/// by name and by position). A strategy's parameter that is silently
/// dropped would deploy otherwise than written.
fn check_parameters(
    strategy: &str,
    whole: Span,
    args: &[crate::syntax::ast::Arg],
    parameters: &[&str],
) -> Result<(), ParameterProblem> {
    let takes = if parameters.is_empty() {
        format!("`{strategy}` takes no parameters")
    } else {
        let mut names = String::new();
        for (index, name) in parameters.iter().enumerate() {
            if index > 0 {
                names.push_str(if index + 1 == parameters.len() {
                    " and "
                } else {
                    ", "
                });
            }
            names.push_str(&format!("`{name}`"));
        }
        format!("`{strategy}` takes {names}")
    };
    // Positional parameters come first: one after a named parameter would
    // be read by its position, which the reader cannot see.
    if let Some(late) = crate::syntax::ast::Arg::late_positional(args) {
        return Err(ParameterProblem {
            message: format!("a positional parameter of `{strategy}` after a named one"),
            at: late.value.span,
            label: "after a named parameter",
            help: format!("give positional parameters first, then named ones; {takes}"),
        });
    }
    let positional = args.iter().filter(|arg| arg.name.is_none()).count();
    if positional > parameters.len() {
        let extra = args
            .iter()
            .filter(|arg| arg.name.is_none())
            .nth(parameters.len());
        return Err(ParameterProblem {
            message: format!("too many parameters for `{strategy}`"),
            at: extra.map_or(whole, |arg| arg.value.span),
            label: "one parameter too many",
            help: takes,
        });
    }
    let mut seen: Vec<&str> = parameters.iter().take(positional).copied().collect();
    for name in args.iter().filter_map(|arg| arg.name.as_ref()) {
        if !parameters.contains(&name.name.as_str()) {
            return Err(ParameterProblem {
                message: format!("`{strategy}` has no parameter `{}`", name.name),
                at: name.span,
                label: "not a parameter of this strategy",
                help: takes,
            });
        }
        if seen.contains(&name.name.as_str()) {
            return Err(ParameterProblem {
                message: format!("`{}` is given twice", name.name),
                at: name.span,
                label: "given a second time",
                help: format!("give each parameter once; {takes}"),
            });
        }
        seen.push(&name.name);
    }
    Ok(())
}

fn bad_strategy(
    diagnostics: &mut Vec<Diagnostic>,
    file: FileId,
    expr: &Expr,
    help: &str,
) -> Option<Strategy> {
    diagnostics.push(
        Diagnostic::error(Code::INVALID_STRATEGY, "invalid strategy parameters")
            .primary(file, expr.span, "these parameters cannot work")
            .help(help.to_string()),
    );
    None
}

/// `P0701` at a string that interpolates where only plain text is read
/// (a reason, an approval's role, a registry's strings): "`subject` is
/// plain text", labelled "an interpolated `noun`". The caller says how to
/// write it instead.
pub fn interpolated_where_plain(file: FileId, span: Span, subject: &str, noun: &str) -> Diagnostic {
    Diagnostic::error(Code::TYPE_MISMATCH, format!("{subject} is plain text")).primary(
        file,
        span,
        format!("an interpolated {noun}"),
    )
}

/// "expected a duration, found a percent", at the value; `None` for an
/// unreadable value, which was reported where it was read.
pub fn mismatch(file: FileId, expr: &Expr, expected: &str) -> Option<Diagnostic> {
    if matches!(expr.kind, ExprKind::Invalid) {
        return None;
    }
    let found = describe_value(expr);
    Some(
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("expected {expected}, found {found}"),
        )
        .primary(file, expr.span, format!("this is {found}"))
        .help(type_help(expected)),
    )
}

/// The problems of a stage's `regions` value that need no registry: it is
/// a list of region names. Checked where the value is written (a template
/// no pipeline extends yet included) and where lowering reads it, which
/// then checks each name against the registry, as one diagnostic each.
pub fn stage_regions_problems(expr: &Expr, file: FileId) -> Vec<Diagnostic> {
    let mut problems = name_list_problems(expr, file, ("a list of regions", "a region name"));
    if let ExprKind::List(items) = &expr.kind {
        problems.extend(repeated_names(items, file, "region"));
    }
    problems
}

/// `P0308` at each name of a literal list that an earlier item already
/// names (`[us-east-1, us-east-1]`): the list would otherwise keep it
/// once, silently. `what` is what the list names (`region`, `cell`), for
/// the help line. Items that are not names are left to the type checks.
pub fn repeated_names(items: &[Expr], file: FileId, what: &str) -> Vec<Diagnostic> {
    let mut first: Vec<(String, Span)> = Vec::new();
    let mut found = Vec::new();
    for item in items {
        let ExprKind::Path(path) = &item.kind else {
            continue;
        };
        let name = path.to_dotted();
        match first.iter().find(|(earlier, _)| *earlier == name) {
            Some((_, earlier)) => found.push(
                Diagnostic::error(
                    Code::DUPLICATE_LIST_ITEM,
                    format!("`{name}` is listed twice"),
                )
                .primary(file, item.span, "listed again")
                .secondary(file, *earlier, "first listed here")
                .help(format!("remove the repeated {what}")),
            ),
            None => first.push((name, item.span)),
        }
    }
    found
}

/// The problems of a region's `azs` or `cells` (`field`) in a registry:
/// a list of names, the AZ ids or cell ids, each `P0701` at the value
/// naming what is expected. Checked where the registry is written; one
/// that is not a list, or an item that is no name, is then not read as an
/// AZ or a cell.
pub fn region_ids_problems(field: &str, expr: &Expr, file: FileId) -> Vec<Diagnostic> {
    if field != "cells" {
        // A repeated AZ id is `P0410`, checked across the registry's
        // regions (`Registry::check_azs`).
        return name_list_problems(expr, file, ("a list of AZ ids", "an AZ id"));
    }
    let mut problems = name_list_problems(expr, file, ("a list of cell ids", "a cell id"));
    if let ExprKind::List(items) = &expr.kind {
        problems.extend(repeated_names(items, file, "cell"));
    }
    problems
}

/// `expr` is a list (else a mismatch against `list`) of names (else a
/// mismatch against `item` at each item that is not).
fn name_list_problems(expr: &Expr, file: FileId, (list, item): (&str, &str)) -> Vec<Diagnostic> {
    let ExprKind::List(items) = &expr.kind else {
        return mismatch(file, expr, list).into_iter().collect();
    };
    items
        .iter()
        .filter(|value| !matches!(value.kind, ExprKind::Path(_)))
        .filter_map(|value| mismatch(file, value, item))
        .collect()
}

/// The type of a built-in field whose value is checked on its own,
/// wherever it is written (a template no pipeline uses yet, a profile not
/// selected) and again, with the same message, where lowering reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// A string.
    String,
    /// `true` or `false`.
    Bool,
    /// A duration longer than zero.
    Duration,
    /// A count of at least 1.
    Count,
    /// `ecs`, `lambda`, `ec2` or `on_premises`.
    Platform,
    /// A deployment strategy.
    Strategy,
    /// A one-box's share of traffic: a percent from 0% to 100%.
    Share,
    /// A name written bare, such as a test's `kind = load`.
    Symbol,
}

impl Builtin {
    /// The name a declaration writes this type with (`bake : duration`),
    /// where the language has one.
    pub fn type_name(self) -> Option<&'static str> {
        match self {
            Builtin::String => Some("string"),
            Builtin::Bool => Some("bool"),
            Builtin::Duration => Some("duration"),
            Builtin::Count => Some("count"),
            Builtin::Platform => Some("platform"),
            Builtin::Strategy => Some("strategy"),
            Builtin::Share => Some("percent"),
            Builtin::Symbol => None,
        }
    }
}

/// The problem with the value of built-in field `name`, if any.
pub fn builtin_value_problem(
    builtin: Builtin,
    name: &str,
    expr: &Expr,
    file: FileId,
) -> Option<Diagnostic> {
    let literal = match &expr.kind {
        ExprKind::Literal(literal) => Some(&literal.value),
        _ => None,
    };
    match (builtin, literal) {
        (Builtin::String, Some(LiteralValue::String(_)))
        | (Builtin::Bool, Some(LiteralValue::Bool(_))) => None,
        (Builtin::Duration, Some(LiteralValue::Duration(0))) => Some(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("`{name}` must be longer than zero"),
            )
            .primary(file, expr.span, "a zero duration")
            .help(format!("remove `{name}` for none at all")),
        ),
        (Builtin::Duration, Some(LiteralValue::Duration(_))) => None,
        (Builtin::Count, Some(LiteralValue::Count(0))) => Some(
            Diagnostic::error(Code::TYPE_MISMATCH, format!("`{name}` must be at least 1"))
                .primary(file, expr.span, "zero")
                .help(format!("remove `{name}` for no limit")),
        ),
        (Builtin::Count, Some(LiteralValue::Count(_))) => None,
        // A share of the traffic: more than all of it means nothing, and
        // the plan format holds 0% to 100%.
        (Builtin::Share, Some(LiteralValue::Percent(hundredths))) if *hundredths <= 10_000 => None,
        (Builtin::Share, Some(LiteralValue::Percent(_))) => Some(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                "a one-box's share of traffic is at most 100%",
            )
            .primary(file, expr.span, "more than all the traffic")
            .help("write a share from 0% to 100%, e.g. `traffic <= 10%`"),
        ),
        (Builtin::Share, _) => mismatch(file, expr, "a percent"),
        (Builtin::Platform, _) => match &expr.kind {
            ExprKind::Path(path) if Platform::from_name(&path.to_dotted()).is_some() => None,
            ExprKind::Invalid => None,
            _ => Some(
                Diagnostic::error(Code::TYPE_MISMATCH, "expected a platform")
                    .primary(file, expr.span, "not a platform")
                    .help("the platforms are `ecs`, `lambda`, `ec2` and `on_premises`"),
            ),
        },
        (Builtin::Strategy, _) => {
            let mut found = Vec::new();
            parse_strategy(expr, file, &mut found);
            found.into_iter().next()
        }
        (Builtin::Symbol, _) => match &expr.kind {
            ExprKind::Path(path) if path.segments.len() == 1 => None,
            _ => mismatch(file, expr, "a symbol"),
        },
        (Builtin::String, _) => mismatch(file, expr, "a string"),
        (Builtin::Bool, _) => mismatch(file, expr, "`true` or `false`"),
        (Builtin::Duration, _) => mismatch(file, expr, "a duration"),
        (Builtin::Count, _) => mismatch(file, expr, "a count"),
    }
}

/// A value's text in one layout, whatever the file's: whitespace runs are
/// one space, none follows an opening bracket or precedes a closing one,
/// and a trailing comma is dropped, so that formatting a file (which may
/// break a call over lines with a trailing comma) never changes a value the
/// plan quotes.
/// What follows the keywords of a member that sets a value without `=`
/// (`rollback on hs`, `final window bh overridable`): its modifiers, its
/// keywords and a trailing `overridable` left out.
fn keyword_member_value(text: &str) -> Option<&str> {
    // Words are apart by any whitespace, as the grammar reads them: a tab
    // after `window` is as good as a space.
    let mut rest = text.trim();
    while let Some((word, after)) = first_word(rest)
        && matches!(word, "final" | "new" | "abstract")
    {
        rest = after;
    }
    let (keyword, after) = first_word(rest)?;
    let value = match keyword {
        "window" => after,
        "rollback" => match first_word(after)? {
            ("on", value) => value,
            _ => return None,
        },
        _ => return None,
    };
    Some(match value.rsplit_once(char::is_whitespace) {
        Some((value, "overridable")) => value.trim_end(),
        _ => value,
    })
}

/// The first word of `text` and what follows it, both trimmed; `None`
/// when nothing follows the word.
fn first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace)?;
    Some((text.get(..end)?, text.get(end..)?.trim_start()))
}

pub(super) fn canonical_value_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut last_was_space = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(ch) = chars.next() {
        // Strings keep their text exactly.
        if in_string {
            out.push(ch);
            in_string = escaped || ch != '"';
            escaped = !escaped && ch == '\\';
            continue;
        }
        if ch.is_whitespace() {
            last_was_space = true;
            continue;
        }
        // A comment is left out, as a blank: joined onto one line, it
        // would hide what follows it.
        if ch == '/' && chars.peek() == Some(&'/') {
            for skipped in chars.by_ref() {
                if skipped == '\n' {
                    break;
                }
            }
            last_was_space = true;
            continue;
        }
        if std::mem::take(&mut last_was_space)
            && !matches!(ch, ')' | ']')
            && !out.ends_with(['(', '['])
        {
            out.push(' ');
        }
        match ch {
            '"' => {
                in_string = true;
                out.push(ch);
            }
            ')' | ']' => {
                while out.ends_with(' ') || out.ends_with(',') {
                    out.pop();
                }
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// A free-text name (an approval role) as a step-id segment, which the
/// plan format makes a `.pipe` name (docs/plan-format.md, Ids): each run
/// of characters other than ASCII letters, digits and `_` is one `-`,
/// none at either end, and a segment that would start with a digit, or be
/// empty, starts with `_` (`release.manager` is `release-manager`, `9ers`
/// is `_9ers`).
pub(super) fn id_segment(text: &str) -> String {
    let mut segment = String::with_capacity(text.len() + 1);
    let mut apart = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            if apart && !segment.is_empty() {
                segment.push('-');
            }
            apart = false;
            segment.push(ch);
        } else {
            apart = true;
        }
    }
    if segment.is_empty() || segment.starts_with(|ch: char| ch.is_ascii_digit()) {
        segment.insert(0, '_');
    }
    segment
}

pub(super) fn string_literal(expr: &Expr) -> Option<&crate::syntax::ast::StringLit> {
    match &expr.kind {
        ExprKind::Literal(literal) => match &literal.value {
            LiteralValue::String(string) => Some(string),
            _ => None,
        },
        _ => None,
    }
}

/// `P0701` for `value`, written in `file`, where a date belongs: `wanted`
/// says what takes one (`` `expires` takes a date ``), `help` how to write it.
pub fn not_a_date(value: &Expr, file: FileId, wanted: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        Code::TYPE_MISMATCH,
        format!("{wanted}, found {}", describe_value(value)),
    )
    .primary(file, value.span, "not a date")
    .help(help)
}

/// "a percent", "a string": what an expression is, for messages.
pub fn describe_value(expr: &Expr) -> &'static str {
    match &expr.kind {
        ExprKind::Literal(literal) => match literal.value {
            LiteralValue::String(_) => "a string",
            LiteralValue::Count(_) => "a count",
            LiteralValue::Percent(_) => "a percent",
            LiteralValue::Duration(_) => "a duration",
            LiteralValue::Bool(_) => "a boolean",
            LiteralValue::Time(_) => "a time of day",
            LiteralValue::TimeRange(..) => "a time range",
            LiteralValue::Date(_) => "a date",
            LiteralValue::DateRange(..) => "a date range",
            LiteralValue::WeekdaySlot { .. } => "a weekday slot",
        },
        ExprKind::Path(_) => "a name",
        ExprKind::List(_) => "a list",
        ExprKind::Call { .. } => "a call",
        ExprKind::Rest => "`rest`",
        ExprKind::Or(_) | ExprKind::And(_) | ExprKind::Not(_) => "an alarm expression",
        ExprKind::Compare { .. } => "a comparison",
        ExprKind::SetOps { .. } | ExprKind::Postfix { .. } => "a region set",
        ExprKind::Invalid => "an unreadable value",
    }
}

pub(super) fn type_help(expected: &str) -> String {
    match expected {
        "a duration" => "durations are written with units: `30m`, `1h`, `12h`, `2d`".to_string(),
        "a percent" => "percents are written `33%`".to_string(),
        "a string" => "strings are written in double quotes: \"make release\"".to_string(),
        "a count" => "counts are whole numbers: `3`, `100`".to_string(),
        "a symbol" => "symbols are bare names: `integration`, `load`".to_string(),
        "a list of AZ ids" | "an AZ id" => {
            "AZ ids are names, listed in brackets: `azs = [use1-az1, use1-az2]`".to_string()
        }
        "a list of cell ids" | "a cell id" => {
            "cell ids are names, listed in brackets: `cells = [use1-cell1, use1-cell2]`".to_string()
        }
        other => format!("write {other} here"),
    }
}

/// A duration as it would be written, e.g. `6h`, `1h30m`, `45s`.
pub fn format_seconds(seconds: u64) -> String {
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if out.is_empty() {
        "0s".to_string()
    } else {
        out
    }
}

/// A body's bake as lowering read it: scaled and floored, with the value
/// it had before either ([`BakeSource`]), from which the same bake under
/// another profile is worked out ([`super::profile_view`]).
#[derive(Debug, Clone)]
pub(super) struct Bake {
    /// The bake in seconds.
    pub(super) seconds: u64,
    /// Where those seconds come from.
    pub(super) trace: Trace,
    /// The bake as its body sets it.
    pub(super) set: BakeSource,
}

/// A bake as its body sets it, before any `bake scale` or floor: its
/// seconds, where they are set, and why a scale would leave them alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BakeSource {
    pub(super) seconds: u64,
    pub(super) at: Place,
    pub(super) how: How,
    pub(super) skipped: Option<NotScaled>,
}

/// The bake `set` (read with `trace`) under `scale` and `floors`: the
/// scale first, unless the bake escapes it (R41), then the highest floor
/// above it, which applies to final bakes too: floors only make a pipeline
/// safer (R35, R43). `written` gives a value as written, for a plan that
/// shows what each value replaced; `None` for one only checked.
pub(super) fn scale_and_floor(
    set: BakeSource,
    mut trace: Trace,
    scale: Option<(u32, FileId, Span)>,
    floors: &[crate::semantics::policies::Floor],
    written: Option<&dyn Fn(Place) -> Option<String>>,
) -> (u64, Trace) {
    let mut seconds = set.seconds;
    if let (Some(reason), Some((_, file, span))) = (set.skipped, scale) {
        trace.not_scaled = Some((reason, Place { file, span }));
    }
    if let Some((hundredths, file, span)) = scale
        && set.skipped.is_none()
    {
        // A bake scaled past the longest duration is reported at the
        // `bake scale` (`semantics::profiles`); the plan is not written.
        seconds = crate::semantics::profiles::scaled_bake(seconds, hundredths)
            .unwrap_or(crate::syntax::MAX_DURATION_SECONDS);
        if let Some(written) = written {
            let replaced = (trace.at, trace.how, written(trace.at));
            trace.overrides.insert(0, replaced);
        }
        trace.at = Place { file, span };
        trace.how = How::BakeScale;
    }
    if let Some(floor) = floors
        .iter()
        .filter(|floor| floor.seconds > seconds)
        .max_by_key(|floor| floor.seconds)
    {
        if written.is_some() {
            trace
                .overrides
                .insert(0, (trace.at, trace.how, Some(format_seconds(seconds))));
        }
        trace.at = Place {
            file: floor.file,
            span: floor.span,
        };
        trace.how = How::Floor;
        seconds = floor.seconds;
    }
    (seconds, trace)
}

#[cfg(test)]
mod canonical_tests {
    use super::canonical_value_text;

    #[test]
    fn values_read_the_same_in_any_layout() {
        let one_line = "rolling(batch: 33%, min_healthy: 66%)";
        let broken = "rolling(\n    batch: 33%,\n    min_healthy: 66%,\n  )";
        assert_eq!(canonical_value_text(one_line), one_line);
        assert_eq!(canonical_value_text(broken), one_line);
        assert_eq!(canonical_value_text("[ a,  b, ]"), "[a, b]");
        assert_eq!(
            canonical_value_text("[\n  r-1,   // the first\n  r-2\n]"),
            "[r-1, r-2]"
        );
        assert_eq!(canonical_value_text("\"a // b\" // c"), "\"a // b\"");
        // Strings are kept as written.
        assert_eq!(canonical_value_text("\"make (x,  )\"  "), "\"make (x,  )\"");
        assert_eq!(canonical_value_text("\"a \\\" ,)\""), "\"a \\\" ,)\"");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_members_value_is_read_whatever_whitespace_parts_its_words() {
        assert_eq!(keyword_member_value("window bh"), Some("bh"));
        assert_eq!(keyword_member_value("window\to"), Some("o"));
        assert_eq!(
            keyword_member_value("final\twindow  bh overridable"),
            Some("bh")
        );
        assert_eq!(
            keyword_member_value("new rollback\ton hs or other"),
            Some("hs or other")
        );
        assert_eq!(keyword_member_value("rollback  on\n  hs"), Some("hs"));
        assert_eq!(keyword_member_value("rollback off hs"), None);
        assert_eq!(keyword_member_value("window"), None);
        assert_eq!(keyword_member_value("bake = 12h"), None);
    }
}
