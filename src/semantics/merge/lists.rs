//! List operators: `+=` and `-=` applied to a literal inherited list
//! (R17–R19), and what items compare by. Separate from the merging of
//! a member, which only decides when an edit applies.

use super::{Merger, Resolved};
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::ast::{AssignOp, Expr, ExprKind, LiteralValue, Member, MemberKind};

impl<'w, 'd> Merger<'w, 'd> {
    /// Applies `+=` or `-=` to a literal inherited list (R17, R18). When the
    /// inherited value is not a literal list (a region expression), the
    /// operation is kept for region resolution to apply (R20).
    pub(super) fn list_op(
        &mut self,
        previous: Option<Vec<(String, FileId, Span)>>,
        member: &'w Member,
        op: AssignOp,
        file: FileId,
        existing: &Resolved<'w>,
    ) -> Option<Vec<(String, FileId, Span)>> {
        let mut items = previous?;
        let MemberKind::FieldAssign { value, name, .. } = &member.kind else {
            return Some(items);
        };
        let ExprKind::List(operands) = &value.kind else {
            return None;
        };
        for operand in operands {
            let text = self_text(self.workspace, file, operand.span);
            let key = item_key(self.workspace, file, operand);
            let found = items.iter().position(|(item, _, _)| *item == key);
            match (op, found) {
                (AssignOp::Append, Some(idx)) => {
                    let mut diagnostic = Diagnostic::error(
                        Code::DUPLICATE_LIST_ITEM,
                        format!("`{text}` is already in `{}`", name.name),
                    )
                    .primary(file, operand.span, "appended again");
                    if let Some((_, item_file, item_span)) = items.get(idx) {
                        diagnostic = diagnostic.secondary(*item_file, *item_span, "already here");
                    }
                    self.diagnostics
                        .push(diagnostic.help("remove it from the `+=` list"));
                }
                (AssignOp::Append, None) => items.push((key, file, operand.span)),
                (_, Some(idx)) => {
                    items.remove(idx);
                }
                (_, None) => {
                    let diagnostic = Diagnostic::error(
                        Code::LIST_REMOVAL_OF_ABSENT,
                        format!("`{text}` is not in `{}`", name.name),
                    )
                    .primary(file, operand.span, "removes nothing");
                    // A list edited from its built-in default, `[]`, has
                    // no inherited list to point at.
                    let diagnostic = if existing.base.is_none() && existing.list_ops().is_empty() {
                        diagnostic.note(format!(
                            "nothing sets `{}`: it is its default, `[]`",
                            name.name
                        ))
                    } else {
                        diagnostic.secondary(
                            existing.origin.file,
                            existing.origin.span,
                            "the inherited list",
                        )
                    };
                    self.diagnostics
                        .push(diagnostic.help("remove it from the `-=` list"));
                }
            }
        }
        Some(items)
    }
}

/// `+=` or `-=` on an inherited abstract list, which has no value (R19).
pub(super) fn list_operator_on_abstract(
    member: &Member,
    op: AssignOp,
    file: FileId,
    abstract_at: (FileId, Span),
) -> Diagnostic {
    let symbol = if op == AssignOp::Append { "+=" } else { "-=" };
    let name = match &member.kind {
        MemberKind::FieldAssign { name, .. } => name.name.as_str(),
        _ => "the field",
    };
    Diagnostic::error(
        Code::LIST_OPERATOR_WITHOUT_LIST,
        format!("`{symbol}` on `{name}`, which is abstract and has no value yet"),
    )
    .primary(file, member.span, "no list to edit")
    .secondary(abstract_at.0, abstract_at.1, "declared abstract here")
    .help(format!(
        "bind the whole list with `{name} = [...]`; `+=` and `-=` edit a list that has a value"
    ))
}

pub(super) fn self_text(workspace: &Workspace, file: FileId, span: Span) -> String {
    // Whitespace-insensitive, so `[a,b]` and `[a, b]` items compare equal.
    let text = crate::semantics::source_text(workspace, file, span);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a list item compares by (R17, R18): its value when it is a count,
/// a duration or a percent, so `60m` is `1h` and `1_000` is `1000`; its
/// text otherwise, as names and strings are written.
pub(super) fn item_key(workspace: &Workspace, file: FileId, item: &Expr) -> String {
    // The NUL prefix keeps a value's key apart from any item's text.
    match &item.kind {
        ExprKind::Literal(literal) => match literal.value {
            LiteralValue::Count(count) => format!("\0count {count}"),
            LiteralValue::Duration(seconds) => format!("\0duration {seconds}"),
            LiteralValue::Percent(hundredths) => format!("\0percent {hundredths}"),
            _ => self_text(workspace, file, item.span),
        },
        _ => self_text(workspace, file, item.span),
    }
}

/// The items of a literal list written by a field of a body of kind
/// `body`, for list operators, each with the key it compares by. A
/// window's `allow`, `except` and `blackout` take one item without the
/// brackets (`except = holidays`), which is the list of that one item.
pub(super) fn literal_items(
    member: &Member,
    body: Body,
    file: FileId,
    key: impl Fn(&Expr) -> String,
) -> Option<Vec<(String, FileId, Span)>> {
    let (name, value): (&str, &Expr) = match &member.kind {
        MemberKind::FieldAssign {
            op: AssignOp::Replace,
            name,
            value,
        } => (&name.name, value),
        MemberKind::FieldDecl {
            name,
            value: Some(value),
            ..
        } => (&name.name, value),
        _ => return None,
    };
    match &value.kind {
        ExprKind::List(items) => Some(
            items
                .iter()
                .map(|item| (key(item), file, item.span))
                .collect(),
        ),
        ExprKind::Invalid => None,
        _ if body == Body::Window && matches!(name, "allow" | "except" | "blackout") => {
            Some(vec![(key(value), file, value.span)])
        }
        _ => None,
    }
}
