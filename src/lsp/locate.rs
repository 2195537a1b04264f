//! What the cursor is on: the declaration, the members around it (outermost
//! first) and, when it is on a name, which one.

use crate::source::Span;
use crate::syntax::ast::{
    Expr, ExprKind, File, Item, Member, MemberKind, Path, PostfixOp, WindowUse,
};

/// The syntax around an offset.
#[derive(Debug)]
pub struct At<'a> {
    /// The index of the declaration in its file.
    pub item_idx: usize,
    /// The declaration.
    pub item: &'a Item,
    /// The members that contain the offset, outermost first.
    pub members: Vec<&'a Member>,
}

impl<'a> At<'a> {
    /// The innermost member.
    pub fn member(&self) -> Option<&'a Member> {
        self.members.last().copied()
    }
}

fn contains(span: Span, offset: usize) -> bool {
    span.start() <= offset && offset <= span.end()
}

/// The declaration and members at an offset.
pub fn at(file: &File, offset: usize) -> Option<At<'_>> {
    let (item_idx, item) = file
        .items
        .iter()
        .enumerate()
        .find(|(_, item)| contains(item.span, offset))?;
    let mut members = Vec::new();
    let mut block = item.kind.body();
    while let Some(current) = block {
        let Some(member) = current
            .members
            .iter()
            .find(|member| contains(member.span, offset))
        else {
            break;
        };
        members.push(member);
        block = member.kind.body();
    }
    Some(At {
        item_idx,
        item,
        members,
    })
}

/// The name (a path) written at an offset in a member: an artifact a
/// deploy or build names, a window, an include, an exemption's pipeline, or
/// a name inside an expression.
pub fn path_in_member(member: &Member, offset: usize) -> Option<&Path> {
    let hit = |path: &&Path| contains(path.span, offset);
    match &member.kind {
        MemberKind::Deploy { artifacts, .. } => artifacts.iter().find(hit),
        MemberKind::Build { inputs, .. } => inputs.iter().find(hit),
        MemberKind::WindowUse(WindowUse::Named { window, .. })
        | MemberKind::ProfileWindow { window, .. } => Some(window).filter(hit),
        MemberKind::Include { calendar } => Some(calendar).filter(hit),
        MemberKind::Exempt { pipeline, .. } => Some(pipeline).filter(hit),
        MemberKind::FieldDecl {
            value: Some(value), ..
        }
        | MemberKind::FieldAssign { value, .. }
        | MemberKind::Env { value, .. }
        | MemberKind::Floor { value, .. } => path_in_expr(value, offset),
        MemberKind::Alarm(alarm) => alarm.value.as_ref().and_then(|v| path_in_expr(v, offset)),
        MemberKind::Source { origin, .. } => path_in_expr(origin, offset),
        MemberKind::Rollback { alarm } => path_in_expr(alarm, offset),
        MemberKind::BlockOn { blockers } => blockers
            .iter()
            .find_map(|blocker| path_in_expr(&blocker.alarm, offset)),
        MemberKind::Require { requirement } => path_in_expr(requirement, offset),
        MemberKind::Exclude { regions, .. } => path_in_expr(regions, offset),
        _ => None,
    }
}

/// The name inside an expression at an offset. The depth of expressions is
/// bounded by the parser (nesting past 64 is a diagnostic before lowering),
/// so the recursion is too.
pub fn path_in_expr(expr: &Expr, offset: usize) -> Option<&Path> {
    if !contains(expr.span, offset) {
        return None;
    }
    match &expr.kind {
        ExprKind::Path(path) => Some(path).filter(|path| contains(path.span, offset)),
        ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
            items.iter().find_map(|item| path_in_expr(item, offset))
        }
        ExprKind::Call { args, .. } => args.iter().find_map(|arg| path_in_expr(&arg.value, offset)),
        ExprKind::Not(inner) => path_in_expr(inner, offset),
        ExprKind::Compare { lhs, rhs, .. } => {
            path_in_expr(lhs, offset).or_else(|| path_in_expr(rhs, offset))
        }
        ExprKind::SetOps { first, rest } => path_in_expr(first, offset)
            .or_else(|| rest.iter().find_map(|(_, expr)| path_in_expr(expr, offset))),
        ExprKind::Postfix { base, ops } => path_in_expr(base, offset).or_else(|| {
            ops.iter().find_map(|op| match op {
                PostfixOp::Where(expr) => path_in_expr(expr, offset),
                PostfixOp::Take(_) => None,
            })
        }),
        ExprKind::Literal(_) | ExprKind::Rest | ExprKind::Invalid => None,
    }
}

/// The word (identifier characters and `-`) around an offset, with its
/// span: for keywords and policy rule ids, which the tree does not keep as
/// names.
pub fn word_at(text: &str, offset: usize) -> Option<(&str, Span)> {
    let is_word = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-';
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let after = text.get(offset..)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, ch)| is_word(*ch))
        .last()
        .map_or(offset, |(idx, _)| idx);
    let end = offset
        + after
            .char_indices()
            .find(|(_, ch)| !is_word(*ch))
            .map_or(after.len(), |(idx, _)| idx);
    let word = text.get(start..end)?;
    (!word.is_empty()).then_some((word, Span::new(start, end)))
}
