//! Declared field types (`owner : string = "shop"`): whether a value fits
//! its type, for the declaration's own value and for every override and
//! list edit of it down the inheritance chain (RFC 0001, R37 and R38).
//! Built-in fields (`bake`, `regions`, ...) have fixed types that lowering
//! checks on the final value. Merging (`merge`) calls in here for each
//! declaration and each override of a declared field.

use super::merge::Declared;
use crate::diagnostics::{Code, Diagnostic};
use crate::plan::describe_value;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    AssignOp, Expr, ExprKind, LiteralValue, Member, MemberKind, ModifierKind, TypeExpr,
};

/// What went wrong with a value of a declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    /// The type expected, for people: "a string", "a region".
    pub expected: String,
    /// What the value is instead: "a count".
    pub found: &'static str,
    /// The value, or the item of a list, that does not fit.
    pub at: Span,
}

/// Checks `value` against `ty`. In a list, the first item that does not
/// fit the element type is the misfit. A type this compiler does not know,
/// and an unreadable value (already reported), fit anything.
pub fn check(ty: &TypeExpr, value: &Expr) -> Result<(), Misfit> {
    if let (TypeExpr::List(inner, _), ExprKind::List(items)) = (ty, &value.kind) {
        return items.iter().try_for_each(|item| check(inner, item));
    }
    if fits(ty, value) {
        Ok(())
    } else {
        Err(Misfit {
            expected: describe_type(ty),
            found: describe_value(value),
            at: value.span,
        })
    }
}

/// The problem with a declaration's own value (`NAME : TYPE = VALUE`), if
/// it does not fit its type.
pub fn declared_value_problem(ty: &TypeExpr, value: &Expr, file: FileId) -> Option<Diagnostic> {
    let misfit = check(ty, value).err()?;
    Some(
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("expected {}, found {}", misfit.expected, misfit.found),
        )
        .primary(file, misfit.at, format!("this is {}", misfit.found))
        .secondary(
            file,
            type_span(ty),
            format!("declared `{}` here", type_text(ty)),
        )
        .help("give a value of the declared type, or change the type"),
    )
}

/// The problem with an override of a declared field (R37), if any: a
/// restatement must keep the type, a new value and the operand of `+=` or
/// `-=` (R38) must fit it. Labels point at the new value and at the
/// inherited declaration.
pub fn override_problem(
    declared: &Declared<'_>,
    member: &Member,
    file: FileId,
) -> Option<Diagnostic> {
    let inherited_label = format!("declared `{}` here", type_text(declared.ty));
    let misfit = match &member.kind {
        MemberKind::FieldDecl { ty, name, value } => {
            // Restated with its type, the field's value still has to fit
            // it, as a declaration's own value does.
            if same_type(ty, declared.ty) {
                return value
                    .as_ref()
                    .and_then(|value| declared_value_problem(ty, value, file));
            }
            let help = if member
                .modifiers
                .iter()
                .any(|modifier| modifier.kind == ModifierKind::Abstract)
            {
                format!(
                    "restate it with its type, `abstract {0} : {1}`, or bind it with `{0} = ...`; the type stays `{1}`",
                    name.name,
                    type_text(declared.ty)
                )
            } else {
                format!(
                    "write `{} = ...` to override the value; the type stays `{}`",
                    name.name,
                    type_text(declared.ty)
                )
            };
            return Some(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!(
                        "`{}` is declared `{}` and cannot be restated as `{}`",
                        name.name,
                        type_text(declared.ty),
                        type_text(ty)
                    ),
                )
                .primary(file, type_span(ty), "a different type")
                .secondary(declared.file, declared.span, inherited_label)
                .help(help),
            );
        }
        MemberKind::FieldAssign {
            op: AssignOp::Replace,
            value,
            ..
        } => check(declared.ty, value).err()?,
        MemberKind::FieldAssign { op, value, name } => {
            if !takes_list_edits(declared.ty) {
                let symbol = if *op == AssignOp::Append { "+=" } else { "-=" };
                let ty = type_text(declared.ty);
                return Some(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!(
                            "`{symbol}` needs a list field, but `{}` is `{ty}`",
                            name.name
                        ),
                    )
                    .primary(file, value.span, format!("`{symbol}` on a `{ty}`"))
                    .secondary(declared.file, declared.span, inherited_label)
                    .help(format!("replace the value with `{} = ...`", name.name)),
                );
            }
            // `+=` and `-=` take a list of the element type; on a region
            // set, any region set.
            check(declared.ty, value).err()?
        }
        _ => return None,
    };
    Some(
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("expected {}, found {}", misfit.expected, misfit.found),
        )
        .primary(file, misfit.at, format!("this is {}", misfit.found))
        .secondary(declared.file, declared.span, inherited_label)
        .help("an override has the type of the member it overrides"),
    )
}

/// Whether `ty` is a list type, or a type this compiler does not know
/// (which `+=` and `-=` are not checked against).
pub fn takes_list_edits(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::List(..) => true,
        TypeExpr::Named(name) => !is_known(&name.name),
    }
}

/// Whether two declared types are the same type (spans aside).
pub fn same_type(left: &TypeExpr, right: &TypeExpr) -> bool {
    match (left, right) {
        (TypeExpr::Named(left), TypeExpr::Named(right)) => left.name == right.name,
        (TypeExpr::List(left, _), TypeExpr::List(right, _)) => same_type(left, right),
        _ => false,
    }
}

/// A type as written: `string`, `[region]`.
pub fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(name) => name.name.clone(),
        TypeExpr::List(inner, _) => format!("[{}]", type_text(inner)),
    }
}

/// Where a type is written.
pub fn type_span(ty: &TypeExpr) -> Span {
    match ty {
        TypeExpr::Named(name) => name.span,
        TypeExpr::List(_, span) => *span,
    }
}

const PLATFORMS: &[&str] = &["ecs", "lambda", "ec2", "on_premises"];
const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The types values are checked against; the same list the shape check
/// accepts in declarations.
fn is_known(name: &str) -> bool {
    matches!(
        name,
        "string"
            | "duration"
            | "percent"
            | "count"
            | "bool"
            | "time"
            | "date"
            | "weekday"
            | "platform"
            | "region"
            | "az"
            | "cell"
            | "strategy"
            | "alarm"
            | "registry"
            | "window"
            | "calendar"
            | "artifact"
    )
}

fn fits(ty: &TypeExpr, value: &Expr) -> bool {
    if matches!(value.kind, ExprKind::Invalid) {
        return true;
    }
    match ty {
        TypeExpr::List(inner, _) => match &value.kind {
            ExprKind::List(items) => items.iter().all(|item| fits(inner, item)),
            // A region set may be any set expression: a filter, `rest`, set
            // operations, or a registry's name.
            ExprKind::SetOps { .. }
            | ExprKind::Postfix { .. }
            | ExprKind::Rest
            | ExprKind::Path(_) => is_named(inner, "region"),
            _ => false,
        },
        TypeExpr::Named(name) => fits_named(&name.name, value),
    }
}

fn is_named(ty: &TypeExpr, wanted: &str) -> bool {
    matches!(ty, TypeExpr::Named(name) if name.name == wanted)
}

fn fits_named(name: &str, value: &Expr) -> bool {
    let literal = match &value.kind {
        ExprKind::Literal(literal) => Some(&literal.value),
        _ => None,
    };
    let path = match &value.kind {
        ExprKind::Path(path) => Some(path.to_dotted()),
        _ => None,
    };
    match name {
        "string" => matches!(literal, Some(LiteralValue::String(_))),
        "duration" => matches!(literal, Some(LiteralValue::Duration(_))),
        "percent" => matches!(literal, Some(LiteralValue::Percent(_))),
        "count" => matches!(literal, Some(LiteralValue::Count(_))),
        "bool" => matches!(literal, Some(LiteralValue::Bool(_))),
        "time" => matches!(literal, Some(LiteralValue::Time(_))),
        "date" => matches!(literal, Some(LiteralValue::Date(_))),
        // `fri` reads as a one-day slot.
        "weekday" => {
            matches!(
                literal,
                Some(LiteralValue::WeekdaySlot {
                    last: None,
                    hours: None,
                    ..
                })
            ) || path.is_some_and(|path| WEEKDAYS.contains(&path.as_str()))
        }
        "platform" => path.is_some_and(|path| PLATFORMS.contains(&path.as_str())),
        "alarm" => matches!(
            value.kind,
            ExprKind::Path(_)
                | ExprKind::Call { .. }
                | ExprKind::Or(_)
                | ExprKind::And(_)
                | ExprKind::Not(_)
        ),
        "strategy" => matches!(value.kind, ExprKind::Path(_) | ExprKind::Call { .. }),
        "region" | "az" | "cell" | "registry" | "window" | "calendar" | "artifact" => {
            path.is_some()
        }
        _ => true,
    }
}

/// A type for people: "a string", "a list of regions".
fn describe_type(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::List(inner, _) => match inner.as_ref() {
            TypeExpr::Named(name) if name.name == "region" => {
                "a list of regions (or a region set)".to_string()
            }
            TypeExpr::Named(name) => format!("a list of {}", plural(&name.name)),
            TypeExpr::List(..) => format!("a list of {}", describe_type(inner)),
        },
        TypeExpr::Named(name) => match name.name.as_str() {
            "string" => "a string".to_string(),
            "duration" => "a duration".to_string(),
            "percent" => "a percent".to_string(),
            "count" => "a count".to_string(),
            "bool" => "a boolean".to_string(),
            "time" => "a time of day".to_string(),
            "date" => "a date".to_string(),
            "weekday" => "a weekday (`mon` ... `sun`)".to_string(),
            "platform" => "a platform (`ecs`, `lambda`, `ec2`, `on_premises`)".to_string(),
            "alarm" => "an alarm expression".to_string(),
            other => format!("a {other} name"),
        },
    }
}

fn plural(name: &str) -> String {
    match name {
        "bool" => "booleans".to_string(),
        "time" => "times of day".to_string(),
        "az" => "AZs".to_string(),
        other => format!("{other}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::ast::{ItemKind, MemberKind};

    /// The type and value of `x : TYPE = VALUE`, parsed in a template.
    fn declared(ty: &str, value: &str) -> (TypeExpr, Expr) {
        let text = format!("template T {{\n  x : {ty} = {value}\n}}\n");
        let parsed = crate::syntax::parse_file(&text, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{text}");
        let Some(ItemKind::Template(decl)) = parsed.file.items.first().map(|item| &item.kind)
        else {
            panic!("no template in {text}");
        };
        match decl.body.members.first().map(|member| &member.kind) {
            Some(MemberKind::FieldDecl {
                ty,
                value: Some(value),
                ..
            }) => (ty.clone(), value.clone()),
            _ => panic!("no field declaration in {text}"),
        }
    }

    fn ty(text: &str) -> TypeExpr {
        declared(text, "1").0
    }

    fn expr(text: &str) -> Expr {
        declared("string", text).1
    }

    #[test]
    fn scalars_fit_only_their_literals() {
        assert!(check(&ty("string"), &expr("\"shop\"")).is_ok());
        let value = expr("42");
        assert_eq!(
            check(&ty("string"), &value),
            Err(Misfit {
                expected: "a string".to_string(),
                found: "a count",
                at: value.span,
            })
        );
        assert!(check(&ty("duration"), &expr("12h")).is_ok());
        assert!(check(&ty("duration"), &expr("33%")).is_err());
        assert!(check(&ty("percent"), &expr("33%")).is_ok());
        assert!(check(&ty("bool"), &expr("true")).is_ok());
        assert!(check(&ty("count"), &expr("true")).is_err());
        assert!(check(&ty("weekday"), &expr("fri")).is_ok());
        assert!(check(&ty("weekday"), &expr("mon..fri")).is_err());
        assert!(check(&ty("platform"), &expr("ecs")).is_ok());
        assert!(check(&ty("platform"), &expr("kubernetes")).is_err());
    }

    #[test]
    fn lists_check_every_item_and_region_lists_take_sets() {
        assert!(check(&ty("[string]"), &expr("[\"a\", \"b\"]")).is_ok());
        // The misfit is the item, against the element type.
        let value = expr("[\"a\", 2]");
        let Err(misfit) = check(&ty("[string]"), &value) else {
            panic!("a count in a list of strings fits");
        };
        assert_eq!(
            (misfit.expected.as_str(), misfit.found),
            ("a string", "a count")
        );
        assert!(misfit.at.start > value.span.start && misfit.at.end < value.span.end);
        assert_eq!(
            check(&ty("[count]"), &expr("\"x\"")).map_err(|misfit| misfit.expected),
            Err("a list of counts".to_string())
        );
        assert!(check(&ty("[region]"), &expr("[us-east-1, eu-west-1]")).is_ok());
        assert!(check(&ty("[region]"), &expr("aws where geo == eu")).is_ok());
        assert!(check(&ty("[string]"), &expr("aws where geo == eu")).is_err());
        assert!(check(&ty("string"), &expr("[\"a\"]")).is_err());
    }

    #[test]
    fn list_edits_need_a_list_field() {
        assert!(takes_list_edits(&ty("[region]")));
        assert!(!takes_list_edits(&ty("string")));
    }

    #[test]
    fn types_compare_without_spans() {
        assert!(same_type(&ty("[region]"), &ty("[ region ]")));
        assert!(!same_type(&ty("[region]"), &ty("region")));
        assert_eq!(type_text(&ty("[ string ]")), "[string]");
    }
}
