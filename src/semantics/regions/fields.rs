//! Reading a resolved field: the expression it was last set to, the file
//! that is written in, and a value as text. Shared by the registry, the
//! placement of waves and their filters.

use crate::semantics::merge::{Resolved, ResolvedBlock};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Expr, ExprKind, LiteralValue, Member, MemberKind};

pub(super) fn field_file(block: &ResolvedBlock<'_>, name: &str) -> FileId {
    block.get_field(name).map_or(FileId(0), |field| {
        field.base.map_or(field.origin.file, |(_, file)| file)
    })
}

/// The value expression a field was last set to with `=`.
pub fn field_expr<'w>(field: &Resolved<'w>) -> Option<&'w Expr> {
    let (member, _) = field.base?;
    field_value(member)
}

pub(super) fn field_value(member: &Member) -> Option<&Expr> {
    match &member.kind {
        MemberKind::FieldAssign { value, .. } => Some(value),
        MemberKind::FieldDecl { value, .. } => value.as_ref(),
        MemberKind::TrafficLimit { share } => Some(share),
        _ => None,
    }
}

/// An expression's value as text: a name, a string's text, a number.
pub(super) fn value_text(
    expr: &Expr,
    text: &dyn Fn(FileId, Span) -> String,
    file: FileId,
) -> String {
    match &expr.kind {
        ExprKind::Path(path) => path.to_dotted(),
        ExprKind::Literal(literal) => match &literal.value {
            LiteralValue::String(string) => {
                string.as_plain().unwrap_or_else(|| text(file, expr.span))
            }
            LiteralValue::Bool(value) => value.to_string(),
            LiteralValue::Count(value) => value.to_string(),
            _ => text(file, expr.span),
        },
        _ => text(file, expr.span),
    }
}
