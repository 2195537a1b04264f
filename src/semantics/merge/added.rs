//! A member that the inherited body does not have: refused when it
//! overrides nothing or edits no list (R23), else built fresh, with its
//! body applied to an empty block (R25). Apart from `keyed`, as
//! what reports a missing parent member rather than a changed one.

use super::keys::writes_value;
use super::lists::{item_key, literal_items};
use super::modifiers::{abstract_modifier, final_modifier};
use super::{Ctx, Declared, How, Key, Merger, Origin, Resolved, ResolvedBlock, head_span};
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::semantics::types;
use crate::source::{FileId, Span};
use crate::syntax::ast::{AssignOp, Member, MemberKind};

impl<'w, 'd> Merger<'w, 'd> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_new(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        key: Key<'w>,
        member: &'w Member,
        file: FileId,
        ctx: Ctx,
        is_new: bool,
        builtin: bool,
    ) {
        if let MemberKind::FieldAssign { op, name, .. } = &member.kind
            && *op != AssignOp::Replace
        {
            // A field the body does not have is `P0105` where it is
            // written; that it has nothing to edit is the same mistake.
            // In a profile's body, merged along the chain, the list it
            // edits is the pipeline's (R40): checked, and applied, when
            // the profile is applied to the pipeline.
            if crate::check::reported_as_out_of_place(ctx.body, member)
                || crate::check::reported_as_list_operand(ctx.body, member)
                || ctx.in_profile
            {
                return;
            }
            // A region's AZ ids and cells have a built-in default, `[]`
            // (R19): an edit with nothing inherited starts from it.
            if ctx.body == Body::Region && matches!(name.name.as_str(), "azs" | "cells") {
                let mut fresh = self.fresh(member, file, ctx);
                fresh.base = None;
                fresh.items = self.list_op(Some(Vec::new()), member, *op, file, &fresh);
                fresh.origin.how = if *op == AssignOp::Append {
                    How::Append
                } else {
                    How::Remove
                };
                fresh.push_list_op((member, file));
                block.push(key, fresh);
                return;
            }
            let symbol = if *op == AssignOp::Append { "+=" } else { "-=" };
            let mut diagnostic = Diagnostic::error(
                Code::LIST_OPERATOR_WITHOUT_LIST,
                format!(
                    "`{symbol}` on `{}`, which has no inherited value",
                    name.name
                ),
            )
            .primary(
                file,
                member.span,
                format!(
                    "nothing to {}",
                    if *op == AssignOp::Append {
                        "append to"
                    } else {
                        "remove from"
                    }
                ),
            );
            // A field this body does not have, that holds one value where
            // it is built in (`bake` at a template's top level), is no
            // list to assign whole: say where it belongs.
            // A region's attributes are free: `zone` there is no window's.
            diagnostic = match crate::check::single_value_elsewhere(ctx.body, &name.name)
                .filter(|_| !builtin && ctx.body.builtin_fields().is_some())
            {
                Some((what, homes)) => {
                    let homes: Vec<&str> = homes.iter().map(|body| body.describe()).collect();
                    diagnostic
                        .note(format!(
                            "{} has no built-in `{}`: it is {what} field of {}",
                            ctx.body.describe(),
                            name.name,
                            in_words(&homes)
                        ))
                        .help(format!(
                            "set it there with `{} = ...`; `+=` and `-=` only edit an inherited list",
                            name.name
                        ))
                }
                // A template's or pipeline's own field is declared with
                // its type: assigned whole without one, it would be
                // unknown (`P0105`) or override nothing (`P0303`).
                None if !builtin && matches!(ctx.body, Body::Template | Body::Pipeline) => {
                    diagnostic.help(format!(
                        "declare the list with its type: `{}{} : [TYPE] = [...]`",
                        if ctx.checks { "new " } else { "" },
                        name.name
                    ))
                }
                None => diagnostic.help(format!(
                    "assign the whole list with `{} = [...]`",
                    name.name
                )),
            };
            self.diagnostics.push(diagnostic);
            return;
        }
        // `new` on a built-in field is the one mistake: its value is kept,
        // as if written without `new`, so that the field is not also
        // missing (a production without a registry, a pipeline without a
        // platform).
        if ctx.checks && builtin && is_new {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::NEW_SHADOWS_INHERITED,
                    format!("{} is built in; it cannot be `new`", key.describe()),
                )
                .primary(file, head_span(member), "declared `new` here")
                .help("remove `new`: every such block already has this field"),
            );
        }
        if ctx.checks
            && !is_new
            && !builtin
            && !crate::check::reported_as_out_of_place(ctx.body, member)
            && !crate::check::reported_as_misused_modifier(member, ctx.in_template)
        {
            let mut diagnostic = Diagnostic::error(
                Code::OVERRIDE_OF_NOTHING,
                format!("{} overrides nothing", key.describe()),
            )
            .primary(file, head_span(member), "nothing inherited has this name");
            let written = key.written();
            // Names are compared without their kind (`stage `), so that the
            // typo threshold is the name's: `beta_canary` is not a typo of
            // `gamma_canary`. A member of the same kind is preferred, then
            // the same name of another kind (`high_severity = ...` for
            // `alarm high_severity`), then a close name of any kind.
            // A profile's body holds no profiles: those of the pipeline it
            // is applied to are no member it could have meant.
            let candidates = block
                .members
                .iter()
                .filter(|(k, _)| !(self.applying_profile && matches!(k, Key::Named("profile", _))));
            let mut names: Vec<(String, String)> = candidates
                .clone()
                .map(|(k, _)| (k.name().to_string(), k.written()))
                .collect();
            let mut same_kind: Vec<(String, String)> = candidates
                .filter(|(k, _)| {
                    std::mem::discriminant(k) == std::mem::discriminant(&key)
                        && k.kind_word() == key.kind_word()
                })
                .map(|(k, _)| (k.name().to_string(), k.written()))
                .collect();
            // A built-in field is in every block of its body, written by an
            // ancestor or not (R8): `platfrom` is a typo of `platform` in a
            // template that leaves the platform to its pipelines too.
            if matches!(member.kind, MemberKind::FieldAssign { .. }) {
                for field in ctx.body.builtin_fields().unwrap_or(&[]) {
                    if !names.iter().any(|(name, _)| name == field) {
                        names.push((field.to_string(), field.to_string()));
                        same_kind.push((field.to_string(), field.to_string()));
                    }
                }
            }
            let written_of = |list: &[(String, String)], name: &str| {
                list.iter().find(|(n, _)| n == name).map(|(_, w)| w.clone())
            };
            let suggestion = closest(key.name(), same_kind.iter().map(|(name, _)| name.as_str()))
                .and_then(|name| written_of(&same_kind, name))
                .or_else(|| {
                    names
                        .iter()
                        .find(|(n, w)| n == key.name() && *w != written)
                        .map(|(_, w)| w.clone())
                })
                .or_else(|| {
                    closest(key.name(), names.iter().map(|(name, _)| name.as_str()))
                        .and_then(|name| written_of(&names, name))
                });
            // The fixes: the closest inherited member of the same kind, by
            // its name, and `new` in front.
            if let Some(name) = member.kind.name()
                && let Some(close) =
                    closest(key.name(), same_kind.iter().map(|(name, _)| name.as_str()))
            {
                diagnostic =
                    diagnostic.suggest(format!("Change to `{close}`"), file, name.span, close);
            }
            // A template's or pipeline's own new field is declared with its
            // type (`new tier : count = 1`), which no fix can guess; other
            // members only need `new` in front.
            let untyped_field = matches!(member.kind, MemberKind::FieldAssign { .. })
                && matches!(ctx.body, Body::Template | Body::Pipeline);
            if !untyped_field {
                diagnostic = diagnostic.suggest(
                    "Add `new`: declare a member the parent does not have",
                    file,
                    Span {
                        start: member.span.start,
                        end: member.span.start,
                    },
                    "new ",
                );
            }
            let to_add = if untyped_field {
                format!(
                    "to add a field the parent does not have, declare it with its type: `new {} : TYPE = ...`",
                    key.name()
                )
            } else if ctx.body == Body::Region {
                "to add an attribute the inherited region does not have, write `new` in front"
                    .to_string()
            } else {
                "to add a member the parent does not have, write `new` in front".to_string()
            };
            diagnostic = match suggestion {
                Some(suggestion) => {
                    diagnostic.help(format!("did you mean `{suggestion}`? Or, {to_add}"))
                }
                None => diagnostic.help(to_add),
            };
            self.diagnostics.push(diagnostic);
            return;
        }
        let fresh = self.fresh(member, file, ctx);
        block.push(key, fresh);
    }

    /// A member as declared, with its body applied to an empty block;
    /// members nested in it are new implicitly (R25).
    pub(super) fn fresh(&mut self, member: &'w Member, file: FileId, ctx: Ctx) -> Resolved<'w> {
        let abstract_at = abstract_modifier(member)
            .filter(|_| ctx.in_template)
            .map(|_| (file, member.span));
        // What the selected profile adds is set by the profile, as what it
        // overrides is (R41, R44): a bake it adds escapes its `bake scale`.
        let how = if self.applying_profile {
            How::Profile
        } else if abstract_at.is_some() || !writes_value(&member.kind) {
            How::Declared
        } else {
            How::Set
        };
        let body = match (member.kind.body(), Body::child(&member.kind)) {
            (Some(child_body), Some(child_kind)) => {
                let mut block = ResolvedBlock::default();
                let child_ctx = Ctx {
                    checks: false,
                    body: child_kind,
                    in_template: ctx.in_template && child_kind != Body::Profile,
                    in_profile: ctx.in_profile || child_kind == Body::Profile,
                };
                self.apply(&mut block, child_body, file, child_ctx);
                Some(block)
            }
            _ => None,
        };
        let final_at = final_modifier(member).map(|span| (file, span));
        let origin = Origin {
            file,
            span: member.span,
            how,
        };
        let items = literal_items(member, ctx.body, file, |item| {
            item_key(self.workspace, file, item)
        });
        let base = writes_value(&member.kind).then_some((member, file));
        let declared = self.declaration(member, file, ctx.body);
        let mut resolved = Resolved::written(
            member,
            origin,
            body,
            items,
            base,
            (final_at, abstract_at),
            declared,
        );
        // Only a template holds abstract members: in a pipeline, one left
        // unbound is that pipeline's one error (P0306).
        if let Some(final_at) = final_at.filter(|_| ctx.in_template) {
            self.refuse_final_over_abstract(&mut resolved, final_at);
        }
        resolved
    }

    /// The type a member declares (`NAME : TYPE [= VALUE]`), after checking
    /// the declaration's own value against it. A field its body does not
    /// have is `P0105` alone: its value is not checked.
    fn declaration(
        &mut self,
        member: &'w Member,
        file: FileId,
        body: Body,
    ) -> Option<Declared<'w>> {
        let MemberKind::FieldDecl { ty, value, .. } = &member.kind else {
            return None;
        };
        // A built-in field's value is the shape check's, in either form.
        if let Some(value) = value
            && !crate::check::reported_as_out_of_place(body, member)
            && crate::check::whole_builtin_value(body, member).is_none()
        {
            self.diagnostics
                .extend(types::declared_value_problem(ty, value, file));
        }
        Some(Declared {
            ty,
            file,
            span: member.span,
        })
    }
}

/// `a`, `a or b`, `a, b or c`.
fn in_words(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
