//! Where a source's changes come from, checked where it is written:
//! `git(URL, branch: NAME)` or `store(URL)`, nothing else. Lowering reads
//! the URL and the branch and nothing more, so an argument it would not
//! read (`ref: "release"`, a second URL, a misspelt `brnach:`) must be an
//! error: otherwise the pipeline quietly deploys `main`.

use super::values::{describe_value, string_literal};
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::head_span;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Arg, AssignOp, Block, Expr, ExprKind, MemberKind};

/// How a good origin is written, for messages.
const EXPECTED: &str = "`git(\"repository\", branch: \"main\")` or `store(\"location\")`";

/// The problems of the origin of `source NAME = ORIGIN [{ BODY }]`: each
/// is `P0701` at what is wrong.
pub fn source_origin_problems(
    origin: &Expr,
    body: Option<&Block>,
    file: FileId,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let (callee, args) = match &origin.kind {
        ExprKind::Invalid => return problems,
        ExprKind::Call { callee, args } => (callee.to_dotted(), args),
        _ => {
            problems.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!("expected {EXPECTED}, found {}", describe_value(origin)),
                )
                .primary(file, origin.span, "not where changes come from")
                .help("a source is a git repository and branch, `git(\"https://...\", branch: \"main\")`, or an artifact store, `store(\"s3://bucket/path\")`"),
            );
            return problems;
        }
    };
    let named: &[&str] = match callee.as_str() {
        "git" => &["branch"],
        "store" => &[],
        _ => {
            let suggestion = crate::names::closest(&callee, ["git", "store"])
                .map_or_else(String::new, |near| format!("; did you mean `{near}`?"));
            problems.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!("unknown source `{callee}(...)`{suggestion}"),
                )
                .primary(file, origin.span, format!("expected {EXPECTED}"))
                .help("a source is a git repository and branch, or an artifact store"),
            );
            return problems;
        }
    };
    let positional: Vec<&Arg> = args.iter().filter(|arg| arg.name.is_none()).collect();
    match positional.as_slice() {
        [] => problems.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("`{callee}(...)` needs its location first"),
            )
            .primary(file, origin.span, "no location")
            .help(format!(
                "write the location as a string: `{callee}(\"https://...\")`"
            )),
        ),
        [url, extra @ ..] => {
            if args.first().is_some_and(|first| first.name.is_some()) {
                problems.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        "the location comes before named arguments",
                    )
                    .primary(file, url.value.span, "after a named argument")
                    .help(format!("write `{callee}(\"location\", name: value)`")),
                );
            }
            if string_literal(&url.value).is_none() {
                problems.extend(super::values::mismatch(file, &url.value, "a string"));
            }
            problems.extend(empty_text(file, &url.value, "location"));
            for arg in extra {
                problems.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!("`{callee}(...)` takes one location"),
                    )
                    .primary(file, arg.value.span, "a second location")
                    .help(if callee == "git" {
                        "give the branch by name: `git(\"https://...\", branch: \"main\")`"
                    } else {
                        "a source reads one location; declare another source for another"
                    }),
                );
            }
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for arg in args {
        let Some(name) = &arg.name else { continue };
        if !named.contains(&name.name.as_str()) {
            let near = crate::names::closest(&name.name, named.iter().copied())
                .map_or_else(String::new, |near| format!("; did you mean `{near}`?"));
            problems.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!("`{callee}(...)` has no argument `{}`{near}", name.name),
                )
                .primary(file, name.span, "an argument it would ignore")
                .help(if callee == "git" {
                    "`git(...)` takes the repository and `branch:`"
                } else {
                    "`store(...)` takes the location only"
                }),
            );
        } else if seen.contains(&name.name.as_str()) {
            problems.push(
                Diagnostic::error(
                    Code::DUPLICATE_DEFINITION,
                    format!("`{}` is given twice", name.name),
                )
                .primary(file, name.span, "given again")
                .help(format!("give `{}` once", name.name)),
            );
        } else {
            seen.push(name.name.as_str());
            if string_literal(&arg.value).is_none() {
                problems.extend(super::values::mismatch(file, &arg.value, "a string"));
            }
            problems.extend(empty_text(file, &arg.value, "branch"));
        }
    }
    let branches: Vec<_> = body
        .into_iter()
        .flat_map(|body| &body.members)
        .filter_map(|member| match &member.kind {
            MemberKind::FieldAssign {
                name,
                op: AssignOp::Replace,
                ..
            }
            | MemberKind::FieldDecl { name, .. }
                if name.name == "branch" =>
            {
                Some((member, name))
            }
            _ => None,
        })
        .collect();
    // A store has no branch: the body's `branch` would be ignored.
    if callee == "store" {
        for (_, name) in &branches {
            problems.push(
                Diagnostic::error(Code::TYPE_MISMATCH, "a `store(...)` source has no branch")
                    .primary(file, name.span, "a branch it would ignore")
                    .help("remove it; a branch belongs to a `git(...)` source"),
            );
        }
    } else {
        for (member, _) in &branches {
            if let MemberKind::FieldAssign { value, .. }
            | MemberKind::FieldDecl {
                value: Some(value), ..
            } = &member.kind
            {
                problems.extend(empty_text(file, value, "branch"));
            }
        }
    }
    if callee == "git"
        && let Some(arg) = args
            .iter()
            .find(|arg| arg.name.as_ref().is_some_and(|name| name.name == "branch"))
    {
        // The first `branch` of the body: a second one is a duplicate of
        // its own, which the shape check reports.
        if let Some((member, _)) = branches.first() {
            problems.push(branch_given_twice((file, head_span(member)), (file, arg)));
        }
    }
    problems
}

/// `P0701` for a location or branch written as `""` (or blank): a plan cannot fetch
/// from nowhere, nor follow a branch without a name.
pub fn empty_text(file: FileId, value: &Expr, what: &str) -> Option<Diagnostic> {
    let plain = string_literal(value)?.as_plain_str()?;
    plain.trim().is_empty().then(|| {
        Diagnostic::error(Code::TYPE_MISMATCH, format!("the source's {what} is empty"))
            .primary(file, value.span, format!("an empty {what}"))
            .help(if what == "branch" {
                "name the branch: `branch: \"main\"`, or leave it out for `main`"
            } else {
                "write where changes come from: `git(\"https://...\")` or `store(\"s3://bucket/path\")`"
            })
    })
}

/// `P0103` for a source whose branch is given both to `git(...)` (`arg`,
/// with the file it is written in) and as its body's `branch` (the member
/// at `field`): one of them would be ignored. Reported where the source is
/// written when it says both, and by lowering when they come from two
/// declarations (a body merged into an inherited source).
pub fn branch_given_twice(field: (FileId, Span), (arg_file, arg): (FileId, &Arg)) -> Diagnostic {
    let at = arg.name.as_ref().map_or(arg.value.span, |name| name.span);
    Diagnostic::error(Code::DUPLICATE_DEFINITION, "the source's branch is given twice")
        .primary(field.0, field.1, "a second branch")
        .secondary(arg_file, at, "the first, given to `git(...)`")
        .help("give the branch once: `git(\"...\", branch: \"main\")`, or `branch = \"main\"` in the source's body")
}
