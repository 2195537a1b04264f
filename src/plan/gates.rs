//! Gates and rollback alarms: what must hold before a step starts, interned
//! once per plan, and the alarm that rolls a step back.

use super::lower::{Lowerer, Safety, WindowTimes, step_id};
use super::values::*;
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::alarms::AlarmRenderer;
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::scope::DeclKind;
use crate::syntax::ast::{
    ArtifactBlocker, ArtifactKind, Date, Expr, ExprKind, ItemKind, LiteralValue, Member,
    MemberKind, WindowUse,
};

impl<'w> Lowerer<'_, 'w> {
    /// The gates and rollback of a scope: `inherited` with the scope's own
    /// blockers and approvals added (interned into `plan.gates`), its window
    /// replacing any inherited one, and its rollback alarm replacing the
    /// inherited one.
    pub(super) fn safety(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        body: &ResolvedBlock<'w>,
        inherited: &Safety,
    ) -> Safety {
        let mut safety = inherited.clone();
        if let Some(rollback) = body.get(&Key::Single("rollback on"))
            && let Some((base, file)) = rollback.base
            && let MemberKind::Rollback { alarm } = &base.kind
        {
            let rendered = self.alarm_text(pipeline, alarm, file);
            plan.rollback_unresolved |= rendered.is_none();
            safety.rollback = rendered.map(|expression| {
                let name = match &alarm.kind {
                    ExprKind::Path(path) => Some(path.to_dotted()),
                    _ => None,
                };
                let trace = self.trace(rollback);
                intern_alarm(
                    plan,
                    RollbackAlarm {
                        name,
                        alarm: expression,
                        trace,
                    },
                )
            });
        }
        for (item, places) in &body.collection {
            // `set`, or `profile` for what the selected profile adds.
            let (file, how) = places
                .first()
                .map_or((FileId(0), crate::semantics::merge::How::Set), |place| {
                    (place.file, place.how)
                });
            let trace = Trace::at(
                Place {
                    file,
                    span: item.span,
                },
                how,
            );
            match &item.kind {
                MemberKind::BlockOn { blockers } => {
                    for blocker in blockers {
                        if let Some(alarm) = self.alarm_text(pipeline, &blocker.alarm, file) {
                            let name = match &blocker.alarm.kind {
                                ExprKind::Path(path) => Some(path.to_dotted()),
                                _ => None,
                            };
                            let gate = Gate {
                                kind: GateKind::Alarm { name, alarm },
                                overridable: blocker.overridable,
                                trace: trace.clone(),
                            };
                            self.add_blocker(plan, &mut safety, gate);
                        }
                    }
                }
                MemberKind::BlockArtifact(blocker) => {
                    let pattern = blocker.pattern.as_plain().unwrap_or_default();
                    let kind = match blocker.kind {
                        ArtifactKind::Package => GateKind::Package(pattern),
                        ArtifactKind::Git => GateKind::GitRef(pattern),
                    };
                    let gate = Gate {
                        kind,
                        overridable: blocker.overridable,
                        trace,
                    };
                    self.add_blocker(plan, &mut safety, gate);
                }
                MemberKind::Require { requirement } => {
                    if let Some(role) = approval_role(requirement) {
                        let gate = Gate {
                            kind: GateKind::Approval { role },
                            overridable: false,
                            trace,
                        };
                        self.add_blocker(plan, &mut safety, gate);
                    }
                }
                _ => {}
            }
        }
        if let Some(gate) = self.scope_window(body) {
            // A scope has one window: its own replaces the inherited one.
            safety.gates.retain(|known| {
                !matches!(
                    plan.gate(*known).map(|known| &known.kind),
                    Some(GateKind::Window { .. })
                )
            });
            safety.gates.push(intern(plan, gate));
        }
        safety
    }

    /// `alarm`, written in `file`, in CloudWatch's syntax; `None` if it
    /// does not render (reported where the pipeline's alarms are checked).
    /// Rendered once per pipeline: a one-box's rollback alarm is the same
    /// in every wave, and expanding the alarms it names is most of the
    /// cost of a scope's safety.
    fn alarm_text(
        &mut self,
        pipeline: &ResolvedBlock<'w>,
        alarm: &Expr,
        file: FileId,
    ) -> Option<String> {
        // `pipeline` is the block being lowered, whose texts these are.
        if let Some(known) = self.alarm_texts.get(alarm, file) {
            return known.clone();
        }
        let rendered = AlarmRenderer {
            scopes: self.scopes,
            pipeline,
            diagnostics: &mut Vec::new(),
            reported_cycles: Default::default(),
            reported_too_deep: false,
        }
        .render(alarm, file);
        self.alarm_texts.insert(alarm, file, rendered.clone());
        rendered
    }

    /// Adds a blocker to a scope's gates. A blocker on an alarm expression
    /// the scope already checks (repeated in one body, along the
    /// inheritance chain, or by the selected profile; names expanded, so
    /// `high_severity` repeats the `ALARM(...)` it stands for), or on an
    /// artifact pattern it already blocks, is merged into that gate
    /// instead of checked twice (RFC 0001, R22):
    /// it keeps the first one's place in the order, is overridable only if
    /// every declaration says so (a repeat can tighten a blocker, never
    /// loosen it), and its provenance is the latest declaration, with the
    /// earlier ones, newest first, as the values it merged, each with its
    /// `block` member as written. An approval of a role the scope already
    /// requires (repeated in one body or along the chain) is merged the
    /// same way: one approval, asked once, rather than two steps or gates
    /// of one id.
    fn add_blocker(&self, plan: &mut Plan, safety: &mut Safety, gate: Gate) {
        let repeated = match &gate.kind {
            GateKind::Alarm { .. }
            | GateKind::Package(_)
            | GateKind::GitRef(_)
            | GateKind::Approval { .. } => {
                safety.gates.iter().enumerate().find_map(|(slot, known)| {
                    let known = plan.gate(*known)?;
                    same_blocker(&known.kind, &gate.kind).then(|| (slot, known.clone()))
                })
            }
            _ => None,
        };
        let Some((slot, earlier)) = repeated else {
            safety.gates.push(intern(plan, gate));
            return;
        };
        let kind = match (gate.kind, earlier.kind) {
            (
                GateKind::Alarm { name, alarm },
                GateKind::Alarm {
                    name: earlier_name, ..
                },
            ) => GateKind::Alarm {
                name: name.or(earlier_name),
                alarm,
            },
            (kind, _) => kind,
        };
        let at = earlier.trace.at;
        let written = super::values::canonical_value_text(&crate::semantics::source_text(
            self.workspace,
            at.file,
            at.span,
        ));
        let mut overrides = vec![(at, earlier.trace.how, Some(written))];
        overrides.extend(earlier.trace.overrides);
        let merged = Gate {
            kind,
            overridable: earlier.overridable && gate.overridable,
            trace: Trace {
                overrides,
                ..gate.trace
            },
        };
        let reference = intern(plan, merged);
        if let Some(known) = safety.gates.get_mut(slot) {
            *known = reference;
        }
    }

    /// The window gate of a scope: the window approved for the selected
    /// profile (`window NAME for profile PROFILE`) when the scope has one,
    /// else its own. An approved window's provenance says `profile` and
    /// lists the window it stands in for, so the plan tells why production
    /// opens at other hours under the profile.
    fn scope_window(&mut self, body: &ResolvedBlock<'w>) -> Option<Gate> {
        let own = body.get(&Key::Single("window"));
        let approved = self
            .profile
            .as_ref()
            .and_then(|(name, _)| body.get(&Key::Named("window for profile", name)));
        let Some(approved) = approved else {
            return own.and_then(|window| self.window_gate(window));
        };
        let mut gate = self.window_gate(approved)?;
        gate.trace.how = crate::semantics::merge::How::Profile;
        if let Some(own) = own {
            let replaced = self.trace(own);
            let written = crate::semantics::source_text(
                self.workspace,
                replaced.at.file,
                crate::semantics::merge::head_span(own.member),
            );
            gate.trace
                .overrides
                .insert(0, (replaced.at, replaced.how, Some(written)));
        }
        Some(gate)
    }

    /// The gate of a window member as resolved: a named window (or one
    /// approved for a profile) is the window declared under that name; an
    /// inline one is its fields as merged along the chain (RFC 0001, R11).
    pub(super) fn window_gate(&mut self, member: &Resolved<'w>) -> Option<Gate> {
        // Where the member that gives the window was written: names
        // resolve there.
        let file = member.base.map_or(member.origin.file, |(_, file)| file);
        let (name, overridable, times) = match &member.member.kind {
            MemberKind::WindowUse(WindowUse::Named {
                window,
                overridable,
            })
            | MemberKind::ProfileWindow {
                window,
                overridable,
                ..
            } => {
                let (decl, _) = self
                    .scopes
                    .resolve(file, window, &[DeclKind::Window])
                    .ok()?;
                let item = self.scopes.item(decl)?;
                let ItemKind::Window(window_decl) = &item.kind else {
                    return None;
                };
                let times = self.block_times(&window_decl.body, decl.file);
                (Some(window_decl.name.name.clone()), *overridable, times)
            }
            MemberKind::WindowUse(WindowUse::Inline(block)) => {
                (None, false, self.inline_window_times(member, block))
            }
            _ => return None,
        };
        Some(Gate {
            kind: GateKind::Window {
                name,
                zone: times.zone,
                allow: times.allow,
                closed_dates: times.closed_dates,
            },
            overridable,
            trace: self.trace(member),
        })
    }

    /// The times of the window `block`, written in `file`: read once for
    /// the workspace when the lowering shares windows.
    fn block_times(&self, block: &'w crate::syntax::ast::Block, file: FileId) -> WindowTimes {
        match self.windows {
            Some(windows) => windows.times(block, file, || self.window_times(block, file)),
            None => self.window_times(block, file),
        }
    }

    /// The times of an inline window as merged along the chain: an inline
    /// window over an inherited inline window merges field by field, the
    /// descendant's fields winning (R11). When every field is the one
    /// `block` (the window written last) writes, as it is unless a
    /// descendant changed part of a window, that block is read as it
    /// stands; otherwise each field is read where it was written, with
    /// its `+=` and `-=`. A window missing `zone` or `allow` once merged
    /// was reported by the checks of merged windows
    /// (`semantics::windows::check_complete`); what it has is read.
    fn inline_window_times(
        &mut self,
        member: &Resolved<'w>,
        block: &'w crate::syntax::ast::Block,
    ) -> WindowTimes {
        let file = member.origin.file;
        let fields = member
            .body
            .as_ref()
            .map_or(&[][..], |body| body.members.as_slice());
        let own = fields.iter().all(|(_, field)| {
            field.list_ops().is_empty()
                && field.origin.file == file
                && block
                    .members
                    .iter()
                    .any(|written| std::ptr::eq(written, field.member))
        });
        if own {
            return self.block_times(block, file);
        }
        let mut zone = String::new();
        let mut allow = Vec::new();
        let mut closed: Vec<Date> = Vec::new();
        for (key, field) in fields {
            let Key::Field(name) = key else {
                continue;
            };
            let items = field.merged_items(self.workspace);
            match *name {
                "zone" => {
                    zone = items
                        .first()
                        .and_then(|(value, _)| string_literal(value))
                        .and_then(|s| s.as_plain())
                        .unwrap_or_default()
                }
                "allow" => allow.extend(items.iter().flat_map(|(value, _)| slots(value))),
                "except" => {
                    for (value, value_file) in &items {
                        closed.extend(self.calendar_dates(value, *value_file));
                    }
                }
                "blackout" => closed.extend(items.iter().flat_map(|(value, _)| dates(value))),
                _ => {}
            }
        }
        WindowTimes::new(zone, allow, closed)
    }

    /// The zone, open slots and closed days of the window `block`,
    /// declared in `block_file`.
    fn window_times(&self, block: &crate::syntax::ast::Block, block_file: FileId) -> WindowTimes {
        let mut zone = String::new();
        let mut allow = Vec::new();
        let mut closed: Vec<Date> = Vec::new();
        for window_member in &block.members {
            let MemberKind::FieldAssign {
                name: field, value, ..
            } = &window_member.kind
            else {
                continue;
            };
            match field.name.as_str() {
                "zone" => {
                    zone = string_literal(value)
                        .and_then(|s| s.as_plain())
                        .unwrap_or_default()
                }
                "allow" => allow = slots(value),
                "except" => closed.extend(self.calendar_dates(value, block_file)),
                "blackout" => closed.extend(dates(value)),
                _ => {}
            }
        }
        WindowTimes::new(zone, allow, closed)
    }

    pub(super) fn calendar_dates(&self, value: &Expr, file: FileId) -> Vec<Date> {
        let paths: Vec<&crate::syntax::ast::Path> = match &value.kind {
            ExprKind::Path(path) => vec![path],
            ExprKind::List(items) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    ExprKind::Path(path) => Some(path),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        let mut pending: Vec<(FileId, &crate::syntax::ast::Path)> =
            paths.into_iter().map(|path| (file, path)).collect();
        let mut seen = std::collections::BTreeSet::new();
        while let Some((file, path)) = pending.pop() {
            let Ok((decl, _)) = self.scopes.resolve(file, path, &[DeclKind::Calendar]) else {
                continue;
            };
            if !seen.insert(decl) {
                continue;
            }
            let Some(item) = self.scopes.item(decl) else {
                continue;
            };
            let ItemKind::Calendar(calendar) = &item.kind else {
                continue;
            };
            for member in &calendar.body.members {
                match &member.kind {
                    MemberKind::Holiday { date, .. } => out.extend(literal_dates(&date.value)),
                    MemberKind::Include { calendar } => pending.push((decl.file, calendar)),
                    _ => {}
                }
            }
        }
        out
    }

    /// Approval gates of a scope become approval steps that its first steps
    /// need; the remaining gates stay on the deploy steps.
    pub(super) fn approvals(
        &mut self,
        plan: &mut Plan,
        safety: &mut Safety,
        stage: &str,
        previous: Needs,
    ) -> Needs {
        // The role and where it is required, of each approval gate.
        let mut approvals: Vec<(String, Trace)> = Vec::new();
        safety.gates.retain(|gate| match plan.gate(*gate) {
            Some(Gate {
                kind: GateKind::Approval { role },
                trace,
                ..
            }) => {
                approvals.push((role.clone(), trace.clone()));
                false
            }
            _ => true,
        });
        if approvals.is_empty() {
            return previous;
        }
        let mut entry = Needs::new();
        let mut segments: Vec<String> = Vec::new();
        for (role, trace) in approvals {
            let segment = unused_segment(&role, &mut segments);
            let step = approval_step(stage, &segment, role, trace, previous.clone());
            entry.extend(self.needs_after(&step));
            plan.steps.push(step);
        }
        entry
    }

    /// The safety of a one-box under `inherited`. It is the same in every
    /// region of a stage or wave, so callers work it out once for all of
    /// them rather than rendering its alarms again per region.
    pub(super) fn onebox_safety(
        &mut self,
        plan: &mut Plan,
        pipeline: &ResolvedBlock<'w>,
        onebox: &Resolved<'w>,
        inherited: &Safety,
    ) -> Safety {
        let empty = ResolvedBlock::default();
        let body = onebox.body.as_deref().unwrap_or(&empty);
        self.safety(plan, pipeline, body, inherited)
    }
}

/// The last segment of the id of an approval step for `role` among
/// approval steps of one stage whose segments are `used` (and adds it
/// there): the role as a name ([`id_segment`]), then `-2`, `-3`, ... when
/// roles that differ only where an id cannot (`qa lead`, `qa-lead`), or a
/// profile's role that production requires too, would share it.
pub(super) fn unused_segment(role: &str, used: &mut Vec<String>) -> String {
    let base = id_segment(role);
    let mut segment = base.clone();
    let mut count = 1;
    while used.contains(&segment) {
        count += 1;
        segment = format!("{base}-{count}");
    }
    used.push(segment.clone());
    segment
}

/// The step that waits for `role`'s approval before `stage`, its id
/// ending in `segment` (the role as a name, [`id_segment`]).
pub(super) fn approval_step(
    stage: &str,
    segment: &str,
    role: String,
    trace: Trace,
    needs: Needs,
) -> Step {
    Step {
        id: step_id(&[stage, "approval", segment]),
        needs,
        target: Arc::new(Target::in_stage(stage.into())),
        params: Params::Approval { role },
        rollback_alarm: None,
        gates: GateRefs::new(),
        trace,
        fields: Vec::new(),
    }
}

/// The approvals a profile's `require approval(...)` members add to
/// production (R42), each a role and where it is required; a requirement
/// that is not an approval adds none.
pub(super) fn profile_approvals(
    effects: &crate::semantics::merge::ProfileEffects<'_>,
) -> Vec<(String, Trace)> {
    // The same approval written again (by a descendant's profile of the
    // same name, or twice in one) is one approval, as a repeated item of
    // any collection is (R22): written where it was last, with the
    // earlier places among what it overrides, newest first.
    let mut approvals: Vec<(String, Trace)> = Vec::new();
    for (member, file) in &effects.approvals {
        let MemberKind::Require { requirement } = &member.kind else {
            continue;
        };
        let Some(role) = approval_role(requirement) else {
            continue;
        };
        let place = Place {
            file: *file,
            span: member.span,
        };
        let how = crate::semantics::merge::How::Profile;
        match approvals.iter_mut().find(|(known, _)| *known == role) {
            Some((_, trace)) => {
                let earlier = std::mem::replace(&mut trace.at, place);
                trace.overrides.insert(0, (earlier, how, None));
            }
            None => approvals.push((role, Trace::at(place, how))),
        }
    }
    approvals
}

/// The reference to `gate` in `plan.gates`, adding it if no equal gate is
/// there yet. A plan has a handful of distinct gates, so a linear search is
/// cheaper than hashing them (and `Gate` has no `Hash`).
pub(super) fn intern(plan: &mut Plan, gate: Gate) -> GateRef {
    if let Some(index) = plan.gates.iter().position(|known| *known == gate) {
        return GateRef(index);
    }
    plan.gates.push(gate);
    GateRef(plan.gates.len() - 1)
}

/// Renumbers `plan.gates` and `plan.alarms` in first-use order (walking
/// the steps in order, each step's gates in order) and drops the entries no
/// step uses: scopes intern their gates and alarms before knowing which of
/// them become steps, and in an order that is not the steps' order.
pub(super) fn tables_in_first_use_order(plan: &mut Plan) {
    let gate_refs = plan
        .steps
        .iter_mut()
        .flat_map(|step| step.gates.iter_mut().map(|gate| &mut gate.0));
    renumber_by_first_use(&mut plan.gates, gate_refs);
    let alarm_refs = plan
        .steps
        .iter_mut()
        .filter_map(|step| step.rollback_alarm.as_mut().map(|alarm| &mut alarm.0));
    renumber_by_first_use(&mut plan.alarms, alarm_refs);
}

/// Reorders `table` so that entries come in the order `refs` first mention
/// them, drops the entries no reference mentions, and rewrites the
/// references. A reference past the end of the table (none is made) stays
/// past the end, so it still points at nothing.
fn renumber_by_first_use<'a, T>(table: &mut Vec<T>, refs: impl Iterator<Item = &'a mut usize>) {
    // Old index to new index, for the entries seen so far.
    let mut renumbered: Vec<Option<usize>> = vec![None; table.len()];
    let mut order = Vec::new();
    for index in refs {
        let Some(slot) = renumbered.get_mut(*index) else {
            continue;
        };
        *index = *slot.get_or_insert_with(|| {
            order.push(*index);
            order.len() - 1
        });
    }
    let mut old: Vec<Option<T>> = std::mem::take(table).into_iter().map(Some).collect();
    *table = order
        .into_iter()
        .filter_map(|index| old.get_mut(index).and_then(Option::take))
        .collect();
}

/// The index of `alarm` in `plan.alarms`, adding it if it is new.
pub(super) fn intern_alarm(plan: &mut Plan, alarm: RollbackAlarm) -> AlarmRef {
    if let Some(index) = plan.alarms.iter().position(|known| *known == alarm) {
        return AlarmRef(index);
    }
    plan.alarms.push(alarm);
    AlarmRef(plan.alarms.len() - 1)
}

pub(super) fn is_requirement(member: &Member, what: &str) -> bool {
    matches!(&member.kind, MemberKind::Require { requirement } if matches!(&requirement.kind, ExprKind::Path(path) if path.is_dotted(what)))
}

/// What is wrong with the requirement `require EXPR` written in a source
/// (`in_source`: only `review` stands there) or in a stage, `production`, a
/// wave or a profile (only `approval("ROLE")`), if anything. Lowering
/// reads only those two forms: any other would vanish from the plan, and a
/// manual gate that vanishes silently is the worst kind of typo.
pub fn requirement_problem(
    in_source: bool,
    requirement: &Expr,
    file: FileId,
) -> Option<Diagnostic> {
    let expected = if in_source {
        "`review`"
    } else {
        "`approval(\"ROLE\")`"
    };
    let problem = |message: String, label: &str, help: String| {
        Some(
            Diagnostic::error(Code::TYPE_MISMATCH, message)
                .primary(file, requirement.span, label.to_string())
                .help(help),
        )
    };
    match (&requirement.kind, in_source) {
        (ExprKind::Invalid, _) => None,
        (ExprKind::Path(path), true) if path.is_dotted("review") => None,
        (ExprKind::Path(path), false) if path.is_dotted("review") => problem(
            "`require review` stands only in a source".to_string(),
            "a review is required of a source's commits",
            "move it into the source (`source code = git(...) { require review }`), or require a \
             manual approval here: `require approval(\"ROLE\")`"
                .to_string(),
        ),
        (ExprKind::Call { callee, .. }, true) if callee.is_dotted("approval") => problem(
            "a source requires only `review`".to_string(),
            "an approval stands in a stage, `production`, a wave or a profile",
            "move the approval to the stage or wave it gates; `require review` here refuses \
             unreviewed commits"
                .to_string(),
        ),
        (ExprKind::Call { callee, args }, false) if callee.is_dotted("approval") => {
            let role = match args.as_slice() {
                [arg] if arg.name.is_none() => string_literal(&arg.value),
                _ => None,
            };
            match role.map(|role| (role, role.as_plain_str())) {
                Some((_, Some(text))) if !text.trim().is_empty() => None,
                Some((role, Some(_))) => Some(
                    Diagnostic::error(Code::TYPE_MISMATCH, "an approval names no role")
                        .primary(file, role.span, "an empty role")
                        .help("name who approves, e.g. `approval(\"release-manager\")`"),
                ),
                Some((role, None)) => Some(
                    super::interpolated_where_plain(file, role.span, "an approval's role", "role")
                        .help("write the role itself, e.g. `approval(\"release-manager\")`"),
                ),
                None => {
                    let written = match args.as_slice() {
                        [arg] if arg.name.is_none() => match &arg.value.kind {
                            ExprKind::Path(path) => {
                                format!("`approval(\"{}\")`", path.to_dotted())
                            }
                            _ => "`approval(\"release-manager\")`".to_string(),
                        },
                        _ => "`approval(\"release-manager\")`".to_string(),
                    };
                    problem(
                        "`approval` takes one role, as a string".to_string(),
                        "expected one string",
                        format!("name who approves, e.g. {written}"),
                    )
                }
            }
        }
        (ExprKind::Call { callee, .. }, _) | (ExprKind::Path(callee), _) => {
            let word = if in_source { "review" } else { "approval" };
            let name = callee.to_dotted();
            let suggestion = crate::names::closest(&name, [word])
                .map_or_else(String::new, |_| format!("; did you mean `{word}`?"));
            problem(
                format!("unknown requirement `{name}`{suggestion}"),
                &format!("expected {expected}"),
                requirement_help(in_source),
            )
        }
        _ => problem(
            format!("expected {expected}, found {}", describe_value(requirement)),
            &format!("expected {expected}"),
            requirement_help(in_source),
        ),
    }
}

/// What is wrong with `block artifacts containing package|git "..."`,
/// written in `file`, if anything: `P0701` at the string. The plan keeps
/// only plain text, and an artifact's contents are matched against it
/// exactly (a package as `NAME@VERSION`), so an interpolated, empty or
/// versionless pattern would be a blocker that stops nothing.
pub fn artifact_blocker_problem(blocker: &ArtifactBlocker, file: FileId) -> Option<Diagnostic> {
    let pattern = &blocker.pattern;
    let (what, example) = match blocker.kind {
        ArtifactKind::Package => ("package", "package \"libjson@2.3.1\""),
        ArtifactKind::Git => ("git ref", "git \"refs/tags/v4.2.0\""),
    };
    let problem = |message: String, label: &str| {
        Some(
            Diagnostic::error(Code::TYPE_MISMATCH, message)
                .primary(file, pattern.span, label.to_string())
                .help(format!(
                    "write what to stop, e.g. `block artifacts containing {example}`"
                )),
        )
    };
    let Some(text) = pattern.as_plain_str() else {
        return problem(
            format!("a blocked {what} is plain text"),
            &format!("an interpolated {what}"),
        );
    };
    if text.trim().is_empty() {
        return problem(
            format!("this blocker names no {what}"),
            &format!("an empty {what}"),
        );
    }
    if blocker.kind != ArtifactKind::Package {
        return None;
    }
    // Whitespace is refused as the plan's readers refuse it: a package
    // version is one word, and `lib json@2` would match no artifact.
    if text
        .chars()
        .any(|character| character.is_whitespace() || character == '\u{feff}')
    {
        return problem(
            "a blocked package is `NAME@VERSION`, without spaces".to_string(),
            "a space in a package",
        );
    }
    let versioned = text
        .rsplit_once('@')
        .is_some_and(|(name, version)| !name.is_empty() && !version.is_empty());
    if !versioned {
        return problem(
            "a blocked package is `NAME@VERSION`".to_string(),
            "no version",
        );
    }
    None
}

/// What may be required where: the help of a requirement that is wrong.
fn requirement_help(in_source: bool) -> String {
    if in_source {
        "a source may `require review` (no unreviewed commits); a manual approval goes in a \
         stage, `production`, a wave or a profile"
            .to_string()
    } else {
        "require a manual approval with `require approval(\"ROLE\")`; `require review` goes in \
         a source"
            .to_string()
    }
}

/// The role of `approval("role")`.
pub(super) fn approval_role(expr: &Expr) -> Option<String> {
    let ExprKind::Call { callee, args } = &expr.kind else {
        return None;
    };
    if !callee.is_dotted("approval") {
        return None;
    }
    args.first()
        .and_then(|arg| string_literal(&arg.value))
        .and_then(|string| string.as_plain())
}

pub(super) fn slots(value: &Expr) -> Vec<(Vec<u8>, u16, u16)> {
    let items: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ExprKind::Literal(literal) => match &literal.value {
                LiteralValue::WeekdaySlot { first, last, hours } => {
                    let first = *first as u8;
                    let last = last.map_or(first, |last| last as u8);
                    let mut days = Vec::new();
                    let mut day = first;
                    loop {
                        days.push(day);
                        if day == last || days.len() > 7 {
                            break;
                        }
                        day = (day + 1) % 7;
                    }
                    // Monday first, as the plan format promises: `fri..mon`
                    // is the days Monday, Friday, Saturday and Sunday.
                    days.sort_unstable();
                    let (start, end) =
                        hours.map_or((0, 1_440), |(start, end)| (start.minutes, end.minutes));
                    Some((days, start, end))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub(super) fn dates(value: &Expr) -> Vec<Date> {
    let items: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            ExprKind::Literal(literal) => Some(literal_dates(&literal.value)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The days of a date or an inclusive date range.
pub(super) fn literal_dates(value: &LiteralValue) -> Vec<Date> {
    match value {
        LiteralValue::Date(date) => vec![*date],
        LiteralValue::DateRange(first, last) => {
            let mut out = Vec::new();
            let mut day = *first;
            while day <= *last && out.len() <= 3_660 {
                out.push(day);
                day = next_day(day);
            }
            out
        }
        _ => Vec::new(),
    }
}

/// `YYYY-MM-DD`, as `format!("{:04}-{:02}-{:02}")` writes it (a year
/// past 9999 with all its digits), without the formatting machinery.
pub(super) fn format_date(date: Date) -> String {
    let mut out = String::with_capacity(10);
    push_padded(&mut out, u32::from(date.year), 4);
    out.push('-');
    push_padded(&mut out, u32::from(date.month), 2);
    out.push('-');
    push_padded(&mut out, u32::from(date.day), 2);
    out
}

/// `number` in decimal, with zeros in front up to `width` digits.
fn push_padded(out: &mut String, number: u32, width: usize) {
    let digits = number.checked_ilog10().map_or(1, |log| log as usize + 1);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits)));
    let mut divisor = 10u32.pow(digits as u32 - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + (number / divisor % 10) as u8));
        divisor /= 10;
    }
}

pub(super) fn next_day(date: crate::syntax::ast::Date) -> crate::syntax::ast::Date {
    let days = crate::syntax::days_in_month(date.year, date.month);
    if date.day < days {
        crate::syntax::ast::Date {
            day: date.day + 1,
            ..date
        }
    } else if date.month < 12 {
        crate::syntax::ast::Date {
            month: date.month + 1,
            day: 1,
            ..date
        }
    } else {
        crate::syntax::ast::Date {
            year: date.year.saturating_add(1),
            month: 1,
            day: 1,
        }
    }
}

/// Whether two blockers block on the same thing: the same alarm expression
/// (names expanded), or the same artifact pattern of the same kind; or two
/// approvals ask the same role.
fn same_blocker(left: &GateKind, right: &GateKind) -> bool {
    match (left, right) {
        (GateKind::Alarm { alarm: left, .. }, GateKind::Alarm { alarm: right, .. }) => {
            left == right
        }
        (GateKind::Package(left), GateKind::Package(right))
        | (GateKind::GitRef(left), GateKind::GitRef(right))
        | (GateKind::Approval { role: left }, GateKind::Approval { role: right }) => left == right,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_the_formatter_writes_them() {
        for (year, month, day) in [
            (2026, 1, 1),
            (2026, 12, 31),
            (999, 7, 4),
            (5, 10, 9),
            (0, 0, 0),
            (9999, 12, 31),
            (10000, 1, 1),
            (u16::MAX, 99, 255),
        ] {
            let date = Date { year, month, day };
            assert_eq!(
                format_date(date),
                format!("{year:04}-{month:02}-{day:02}"),
                "{date:?}"
            );
        }
    }
}
