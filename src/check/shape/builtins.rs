//! The built-in fields' types, by body: what a declaration that restates
//! one may say (R37), which hold one value (R38), and where a misplaced one
//! belongs. Tables only; the shape check and the merge read them.

use super::Body;
use crate::syntax::ast::{AssignOp, Expr, Ident, Member, MemberKind, TypeExpr};

/// The type of built-in field `name` of a body, where its value can be
/// checked on its own. Fields whose values need the workspace (`regions`,
/// `registry`, windows) or the pipeline (`${...}` in strings is checked
/// where lowering resolves it) are checked later; what of a `regions` or a
/// `registry` needs no registry is checked where it is written, apart
/// (`plan::stage_regions_problems`, `semantics::regions::region_set_problems`,
/// `semantics::regions::registry_value_problem`).
pub fn builtin_type(body: Body, name: &str) -> Option<crate::plan::Builtin> {
    use crate::plan::Builtin;
    Some(match (body, name) {
        (Body::Template | Body::Pipeline | Body::Profile, "platform") => Builtin::Platform,
        (Body::Build | Body::Test | Body::Deploy, "run")
        | (Body::Deploy, "rollback")
        | (Body::Stage, "environment")
        | (Body::Production, "alarm_command")
        | (Body::Source, "branch") => Builtin::String,
        (Body::Build, "sign") | (Body::Build | Body::Test | Body::Deploy, "shell") => Builtin::Bool,
        (Body::Test, "timeout")
        | (Body::Stage | Body::Wave | Body::Onebox | Body::Scope, "bake") => Builtin::Duration,
        (Body::Wave, "parallel") => Builtin::Count,
        (Body::Registry, "partition") | (Body::Region, "name") => Builtin::String,
        (Body::Onebox, "traffic") => Builtin::Share,
        (Body::Test, "kind") => Builtin::Symbol,
        (Body::Stage | Body::Production | Body::Wave | Body::Deploy, "strategy") => {
            Builtin::Strategy
        }
        _ => return None,
    })
}

/// The type of the built-in field `name` of `body`, when a declaration
/// restates it as `ty`, another type (R37): `P0701`, and the declaration is
/// skipped when merging (R13), so its value is not checked a second time
/// against the built-in type.
pub fn builtin_restated_as(body: Body, name: &str, ty: &TypeExpr) -> Option<Restated> {
    let own = match builtin_type(body, name) {
        Some(builtin) => builtin.type_name(),
        None => builtin_declared_type(body, name)?,
    };
    match own {
        Some(own) if crate::semantics::types::type_text(ty) == own => None,
        Some(own) => Some(Restated::As(own)),
        None => Some(Restated::Untyped),
    }
}

/// What is wrong with a declaration that gives a built-in field a type
/// ([`builtin_restated_as`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restated {
    /// The field has this type, and the declaration another.
    As(&'static str),
    /// The field is set without a type: its values are of no type a
    /// declaration can name (a window's `allow`, a test's `kind`), or its
    /// body reads assignments only (a window's `zone`).
    Untyped,
}

/// The type a declaration may restate for a built-in field that
/// [`builtin_type`] does not type: `Some(None)` when no type names its
/// values, `None` when `name` is no built-in field of `body`.
fn builtin_declared_type(body: Body, name: &str) -> Option<Option<&'static str>> {
    Some(match (body, name) {
        (Body::Stage | Body::Wave, "regions") => Some("[region]"),
        (Body::Production, "registry") => Some("registry"),
        (Body::Region, "azs") => Some("[az]"),
        (Body::Region, "cells") => Some("[cell]"),
        // A window's, a calendar's and an exemption's fields are read
        // from their assignments alone: a declaration would be dropped.
        (Body::Window, "zone" | "allow" | "except" | "blackout")
        | (Body::Calendar, "covers_until")
        | (Body::Exempt | Body::Under, "reason" | "expires") => None,
        _ => return None,
    })
}

/// The type, for people, of a built-in field of `body` that holds one
/// value and never a list (`bake`: "a duration"), on which `+=` and `-=`
/// are a type error (RFC 0001, R38); `None` for list fields (`regions`,
/// `azs`, `allow`, ...), fields that may be either (`except`, `blackout`,
/// a region's attributes) and user fields.
pub fn builtin_single_value(body: Body, name: &str) -> Option<&'static str> {
    use crate::plan::Builtin;
    if let Some(builtin) = builtin_type(body, name) {
        return Some(match builtin {
            Builtin::String => "a string",
            Builtin::Bool => "a boolean",
            Builtin::Duration => "a duration",
            Builtin::Count => "a count",
            Builtin::Platform => "a platform",
            Builtin::Strategy => "a strategy",
            Builtin::Share => "a percent",
            Builtin::Symbol => "a name",
        });
    }
    Some(match (body, name) {
        (Body::Registry, "partition")
        | (Body::Region, "name")
        | (Body::Window, "zone")
        | (Body::Exempt | Body::Under, "reason") => "a string",
        (Body::Calendar, "covers_until") | (Body::Exempt | Body::Under, "expires") => "a date",
        (Body::Onebox, "traffic") => "a percent",
        (Body::Production, "registry") => "a registry name",
        _ => return None,
    })
}

/// Where `name` is a built-in field holding one value, other than in
/// `here`, and its type there: what a misplaced `bake` is (a duration) and
/// where it belongs (a stage, a wave, a one-box, a `by` scope).
pub fn single_value_elsewhere(here: Body, name: &str) -> Option<(&'static str, Vec<Body>)> {
    const BODIES: [Body; 17] = [
        Body::Template,
        Body::Pipeline,
        Body::Registry,
        Body::Region,
        Body::Calendar,
        Body::Window,
        Body::Source,
        Body::Build,
        Body::Stage,
        Body::Production,
        Body::Wave,
        Body::Onebox,
        Body::Test,
        Body::Deploy,
        Body::Scope,
        Body::Exempt,
        Body::Under,
    ];
    let homes: Vec<(Body, &'static str)> = BODIES
        .iter()
        .filter(|body| **body != here)
        .filter_map(|body| builtin_single_value(*body, name).map(|what| (*body, what)))
        .collect();
    let (_, what) = homes.first()?;
    Some((what, homes.iter().map(|(body, _)| *body).collect()))
}

/// The name and value of `member` when it gives a built-in field of
/// `body` its whole value: `NAME = VALUE`, or a declaration restating the
/// field's own type with a value (`bake : duration = 12h`, `registry :
/// registry = aws`), which sets it just the same. What is checked of such
/// a value where it is written is checked of both forms alike, so that
/// `: TYPE` changes no diagnostic; merging leaves the value of such a
/// declaration to that check.
pub fn whole_builtin_value(body: Body, member: &Member) -> Option<(&Ident, &Expr)> {
    match &member.kind {
        MemberKind::FieldAssign {
            name,
            op: AssignOp::Replace,
            value,
        } => Some((name, value)),
        MemberKind::FieldDecl {
            name,
            ty,
            value: Some(value),
        } if restates_own_type(body, &name.name, ty) => Some((name, value)),
        _ => None,
    }
}

/// Whether `ty` is the type built-in field `name` of `body` has.
fn restates_own_type(body: Body, name: &str, ty: &TypeExpr) -> bool {
    let own = builtin_type(body, name).and_then(crate::plan::Builtin::type_name);
    let own = match own {
        Some(own) => Some(own),
        None => builtin_declared_type(body, name).flatten(),
    };
    own.is_some_and(|own| crate::semantics::types::type_text(ty) == own)
}
