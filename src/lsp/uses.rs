//! Find references of an alarm, window or calendar: every name in the
//! workspace that resolves to it, wherever a value may name one
//! (`rollback on`, `block on`, another alarm's expression, `window NAME`,
//! a window's `except`, a calendar's `include`), unqualified or as
//! `module.name` through an import.
//!
//! Each name is resolved where it is written, by the compiler's own
//! [`Scopes::resolve`](crate::semantics::scope::Scopes::resolve), so a name
//! counts exactly when `pipec check` reads it as that declaration. In an
//! alarm expression a bare name means the alarm member of the enclosing
//! template or pipeline first, as the compiler reads it, so such a name is
//! not a use of a top-level alarm of the same name.

use super::locate;
use super::resolve::Place;
use crate::semantics::merge::Key;
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Expr, ExprKind, ItemKind, MemberKind, Path, PostfixOp, WindowUse};

/// The kinds whose uses are listed.
const KINDS: &[DeclKind] = &[DeclKind::Alarm, DeclKind::Window, DeclKind::Calendar];

/// The alarm member a bare name at `offset` means, in an alarm expression
/// of a template or pipeline: the declaration and the alarm's name.
pub fn member_alarm_at(place: &Place<'_, '_>, offset: usize) -> Option<(DeclId, String)> {
    let module = place.workspace.module(place.file)?;
    let at = locate::at(&module.tree, offset)?;
    let member = at.member()?;
    if !is_alarm_context(&member.kind) {
        return None;
    }
    let path = locate::path_in_member(member, offset)?;
    let [name] = path.segments.as_slice() else {
        return None;
    };
    let decl = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    let block = place.analysis.resolved.get(&decl)?;
    block.get(&Key::Named("alarm", &name.name))?;
    Some((decl, name.name.clone()))
}

/// The bare names of alarm `name` in the alarm expressions written in
/// `decl`'s body: uses of its alarm member of that name.
pub fn member_alarm_uses(place: &Place<'_, '_>, decl: DeclId, name: &str) -> Vec<(FileId, Span)> {
    let Some(body) = place.body_of(decl) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    paths_in_block(body, &mut paths);
    paths
        .into_iter()
        .filter(|(_, in_alarm)| *in_alarm)
        .filter_map(|(path, _)| match path.segments.as_slice() {
            [only] if only.name == name => Some((decl.file, only.span)),
            _ => None,
        })
        .collect()
}

/// The alarm, window or calendar at `offset`: on its declared name, or on
/// a name that resolves to it.
pub fn target(place: &Place<'_, '_>, offset: usize) -> Option<DeclId> {
    let module = place.workspace.module(place.file)?;
    let at = locate::at(&module.tree, offset)?;
    let here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    let within = |span: Span| span.start() <= offset && offset <= span.end();
    if let ItemKind::Alarm(_) | ItemKind::Window(_) | ItemKind::Calendar(_) = &at.item.kind
        && at.item.kind.name().is_some_and(|name| within(name.span))
    {
        return Some(here);
    }
    let (path, in_alarm) = match (&at.item.kind, at.member()) {
        (_, Some(member)) => (
            locate::path_in_member(member, offset)?,
            is_alarm_context(&member.kind),
        ),
        (ItemKind::Alarm(alarm), None) => {
            (locate::path_in_expr(alarm.value.as_ref()?, offset)?, true)
        }
        _ => return None,
    };
    resolve(place, here, path, in_alarm)
}

/// Every use of `target` in the workspace, sorted by file and offset: the
/// span of the name (the last part of a qualified one).
pub fn uses(place: &Place<'_, '_>, target: DeclId) -> Vec<(FileId, Span)> {
    let mut found = Vec::new();
    for module in &place.workspace.modules {
        for (idx, item) in module.tree.items.iter().enumerate() {
            let decl = DeclId {
                file: module.file,
                item: idx,
            };
            let mut paths: Vec<(&Path, bool)> = Vec::new();
            if let ItemKind::Alarm(alarm) = &item.kind
                && let Some(value) = &alarm.value
            {
                paths_in_expr(value, true, &mut paths);
            }
            if let Some(body) = item.kind.body() {
                paths_in_block(body, &mut paths);
            }
            for (path, in_alarm) in paths {
                if resolve(place, decl, path, in_alarm) == Some(target)
                    && let Some(name) = path.segments.last()
                {
                    found.push((module.file, name.span));
                }
            }
        }
    }
    found.sort_by_key(|(file, span)| (*file, span.start()));
    found.dedup();
    found
}

/// The declaration a name written in `decl` means, when it is an alarm,
/// window or calendar.
fn resolve(place: &Place<'_, '_>, decl: DeclId, path: &Path, in_alarm: bool) -> Option<DeclId> {
    if in_alarm
        && let [name] = path.segments.as_slice()
        && place
            .analysis
            .resolved
            .get(&decl)
            .is_some_and(|block| block.get(&Key::Named("alarm", &name.name)).is_some())
    {
        return None;
    }
    let (found, _) = place.analysis.scopes.resolve(decl.file, path, KINDS).ok()?;
    Some(found)
}

/// Whether the values of a member are alarm expressions.
fn is_alarm_context(kind: &MemberKind) -> bool {
    matches!(
        kind,
        MemberKind::Alarm(_) | MemberKind::Rollback { .. } | MemberKind::BlockOn { .. }
    )
}

/// Every name written in a body's values, with whether it is in an alarm
/// expression. Bodies nest at most 64 deep (a diagnostic before lowering
/// otherwise), so the recursion is bounded.
fn paths_in_block<'a>(block: &'a Block, out: &mut Vec<(&'a Path, bool)>) {
    for member in &block.members {
        let in_alarm = is_alarm_context(&member.kind);
        match &member.kind {
            MemberKind::WindowUse(WindowUse::Named { window, .. })
            | MemberKind::ProfileWindow { window, .. } => out.push((window, false)),
            MemberKind::Include { calendar } => out.push((calendar, false)),
            MemberKind::FieldDecl {
                value: Some(value), ..
            }
            | MemberKind::FieldAssign { value, .. }
            | MemberKind::Env { value, .. }
            | MemberKind::Floor { value, .. }
            | MemberKind::Source { origin: value, .. }
            | MemberKind::Rollback { alarm: value }
            | MemberKind::Require { requirement: value }
            | MemberKind::Exclude { regions: value, .. }
            | MemberKind::TrafficLimit { share: value } => paths_in_expr(value, in_alarm, out),
            MemberKind::Alarm(alarm) => {
                if let Some(value) = &alarm.value {
                    paths_in_expr(value, true, out);
                }
            }
            MemberKind::BlockOn { blockers } => {
                for blocker in blockers {
                    paths_in_expr(&blocker.alarm, true, out);
                }
            }
            _ => {}
        }
        if let Some(body) = member.kind.body() {
            paths_in_block(body, out);
        }
    }
}

/// Every name in an expression (not the function of a call).
fn paths_in_expr<'a>(expr: &'a Expr, in_alarm: bool, out: &mut Vec<(&'a Path, bool)>) {
    match &expr.kind {
        ExprKind::Path(path) => out.push((path, in_alarm)),
        ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
            for item in items {
                paths_in_expr(item, in_alarm, out);
            }
        }
        ExprKind::Call { args, .. } => {
            for arg in args {
                paths_in_expr(&arg.value, in_alarm, out);
            }
        }
        ExprKind::Not(inner) => paths_in_expr(inner, in_alarm, out),
        ExprKind::Compare { lhs, rhs, .. } => {
            paths_in_expr(lhs, in_alarm, out);
            paths_in_expr(rhs, in_alarm, out);
        }
        ExprKind::SetOps { first, rest } => {
            paths_in_expr(first, in_alarm, out);
            for (_, operand) in rest {
                paths_in_expr(operand, in_alarm, out);
            }
        }
        ExprKind::Postfix { base, ops } => {
            paths_in_expr(base, in_alarm, out);
            for op in ops {
                if let PostfixOp::Where(condition) = op {
                    paths_in_expr(condition, in_alarm, out);
                }
            }
        }
        ExprKind::Literal(_) | ExprKind::Rest | ExprKind::Invalid => {}
    }
}
