//! The problems of a region set or a `registry` value that need no
//! registry: checked where the value is written, and given again as the
//! same diagnostic where a pipeline's regions are placed. Apart from the
//! placement, since the shape check reports them without placing anything.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Expr, ExprKind, LiteralValue, PostfixOp};

/// `P0408`: what is written at `span` is not the part of a region set
/// that stands there.
pub(super) fn invalid(file: FileId, span: Span, expected: &str) -> Diagnostic {
    Diagnostic::error(Code::INVALID_REGION_EXPRESSION, format!("expected {expected}"))
        .primary(file, span, "not a region expression")
        .help("region sets are lists (`[us-east-1, eu-west-1]`), filters (`aws where traffic == low take 1`), set operations (`union`, `intersect`, `minus`) and `rest`")
}

/// `P0408` for `take 0`, at the count.
pub(super) fn take_zero(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(Code::INVALID_REGION_EXPRESSION, "`take 0` takes no region")
        .primary(file, span, "takes nothing")
        .help("take at least 1, or drop the wave")
}

/// The problems of a wave's `regions` value that need no registry: parts
/// that are no part of a region set (`regions = 5`, `[1, us-east-1]`,
/// `take 5h`, `where 3`), each the diagnostic placing the wave gives it
/// ([`Placer::eval`](super::Placer::eval)). Checked where the value is written (a template no
/// pipeline extends yet included) and again where a pipeline's regions are
/// placed, as one diagnostic.
pub fn region_set_problems(expr: &Expr, file: FileId) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    set_problems(expr, file, &mut found);
    found
}

fn set_problems(expr: &Expr, file: FileId, found: &mut Vec<Diagnostic>) {
    match &expr.kind {
        ExprKind::List(items) => {
            for item in items {
                if !matches!(item.kind, ExprKind::Path(_) | ExprKind::Invalid) {
                    found.push(invalid(file, item.span, "a region name"));
                }
            }
            found.extend(crate::plan::repeated_names(items, file, "region"));
        }
        ExprKind::Path(_) | ExprKind::Rest | ExprKind::Invalid => {}
        ExprKind::Postfix { base, ops } => {
            set_problems(base, file, found);
            for op in ops {
                match op {
                    PostfixOp::Where(condition) => condition_problems(condition, file, found),
                    PostfixOp::Take(literal) => match literal.value {
                        LiteralValue::Count(0) => found.push(take_zero(file, literal.span)),
                        LiteralValue::Count(_) => {}
                        _ => found.push(invalid(file, literal.span, "a count, e.g. `take 3`")),
                    },
                }
            }
        }
        ExprKind::SetOps { first, rest } => {
            set_problems(first, file, found);
            for (_, operand) in rest {
                set_problems(operand, file, found);
            }
        }
        _ => found.push(invalid(
            file,
            expr.span,
            "a region set: a list, a registry filter, or `rest`",
        )),
    }
}

/// The problems of a `where` condition that need no registry, each the
/// diagnostic testing a region against it gives ([`Placer::test`](super::Placer::test)).
fn condition_problems(condition: &Expr, file: FileId, found: &mut Vec<Diagnostic>) {
    match &condition.kind {
        ExprKind::Or(operands) | ExprKind::And(operands) => {
            for operand in operands {
                condition_problems(operand, file, found);
            }
        }
        ExprKind::Not(inner) => condition_problems(inner, file, found),
        ExprKind::Compare { lhs, .. } => {
            if !matches!(lhs.kind, ExprKind::Path(_) | ExprKind::Invalid) {
                found.push(invalid(
                    file,
                    lhs.span,
                    "a region attribute such as `traffic`",
                ));
            }
        }
        // A value that could not be read is reported where it was read.
        ExprKind::Path(_) | ExprKind::Invalid => {}
        _ => found.push(invalid(
            file,
            condition.span,
            "a condition such as `traffic == low`",
        )),
    }
}

/// `P0408` for a `registry` whose value is no name: checked where it is
/// written (a template no pipeline extends yet included) and where the
/// pipeline's regions are placed, as one diagnostic.
pub fn registry_value_problem(expr: &Expr, file: FileId) -> Option<Diagnostic> {
    if matches!(expr.kind, ExprKind::Path(_) | ExprKind::Invalid) {
        return None;
    }
    Some(
        Diagnostic::error(
            Code::INVALID_REGION_EXPRESSION,
            "`registry` must name a registry",
        )
        .primary(file, expr.span, "not a registry name")
        .help("write `registry = aws` after `import \"std/aws\"`"),
    )
}
