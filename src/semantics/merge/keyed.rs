//! A member that has an inherited one with the same key: `new` and
//! `abstract` checked against it, a final one kept, a wholesale
//! replacement, a list operator or a value merged into it (R11–R34). The
//! longest part of the merge, kept to itself.

use super::keys::{changes_in, replaces_wholesale, writes_value};
use super::lists::{item_key, list_operator_on_abstract, literal_items};
use super::modifiers::{abstract_modifier, final_modifier, find_final, has_modifier};
use super::{Ctx, How, Key, Merger, Origin, ResolvedBlock, head_span};
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::types;
use crate::source::FileId;
use crate::syntax::ast::{AssignOp, ExprKind, Member, MemberKind, ModifierKind, WindowUse};

impl<'w, 'd> Merger<'w, 'd> {
    pub(super) fn apply_keyed(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        key: Key<'w>,
        member: &'w Member,
        file: FileId,
        ctx: Ctx,
    ) {
        // `+=` or `-=` on a built-in field that holds one value, or with an
        // operand that is no list where only a list edits the field (a
        // stage's `regions += eu-west-1`), is refused where it is written
        // (P0701, R38); the inherited value is kept (R13), and no edit that
        // never happened enters its provenance.
        if let MemberKind::FieldAssign { op, name, .. } = &member.kind
            && *op != AssignOp::Replace
            && (crate::check::builtin_single_value(ctx.body, &name.name).is_some()
                || crate::check::reported_as_list_operand(ctx.body, member))
        {
            return;
        }
        // So is a built-in field restated with another type (P0701, R37):
        // the declaration is skipped, and its value is not checked again
        // against the built-in type.
        if let MemberKind::FieldDecl { name, ty, .. } = &member.kind
            && crate::check::builtin_restated_as(ctx.body, &name.name, ty).is_some()
        {
            return;
        }
        let is_new = has_modifier(member, ModifierKind::New).is_some();
        let builtin = match (&key, ctx.body.builtin_fields()) {
            (Key::Field(name), Some(fields)) => fields.contains(name),
            // A region's attributes are free, but one a registry's
            // extension writes over an inherited region overrides what
            // that region has (R46): a new one is added with `new`, so
            // that `trafic = low` is no silent second attribute. Only
            // `name`, `azs` and `cells` are in every region.
            (Key::Field(name), None) if ctx.body == Body::Region => {
                crate::check::REGION_FIELDS.contains(name)
            }
            (Key::Field(_), None) => true,
            _ => false,
        };
        let Some(existing) = block.get_mut(&key) else {
            self.add_new(block, key, member, file, ctx, is_new, builtin);
            return;
        };
        // Over a final member, the change is the mistake to report (one
        // mistake, one diagnostic, R13), as it is inside a final block.
        if is_new && ctx.checks && existing.final_at().is_none() {
            let diagnostic = Diagnostic::error(
                Code::NEW_SHADOWS_INHERITED,
                format!("{} is marked `new` but is inherited", key.describe()),
            )
            .primary(file, head_span(member), "declared `new` here")
            .secondary(existing.origin.file, existing.origin.span, "inherited from here")
            .help("remove `new` to override the inherited member, or choose another name for a new one");
            self.diagnostics.push(diagnostic);
            // A built-in field has no other name to mean: its value is
            // kept, as if written without `new`, so that what the body
            // goes on to say (regions of the registry it names) is read
            // against it. So is a value given to an abstract member left
            // unbound, which can only have meant to bind it: left out,
            // the member would be reported unbound too (P0306). Another
            // member may have been meant as a new one, and is left out.
            if !builtin && existing.abstract_at().is_none() {
                return;
            }
        }
        if let Some(final_at) = existing.final_at() {
            // What changes is each member written inside the block, not the
            // block (R32: the primary label is at the change).
            for (change, change_key, verb) in changes_in(member, &key, ctx.body, Some(existing)) {
                self.final_violation(file, head_span(change), final_at, &change_key, verb);
            }
            return;
        }
        if let Some(abstract_span) = abstract_modifier(member).filter(|_| ctx.in_template) {
            if existing.abstract_at().is_some() {
                // Restating an abstract field keeps its type (R30, R37):
                // another type would be dropped here, silently, and its
                // descendants checked against the declared one.
                if let Some(declared) = existing.declared() {
                    self.diagnostics
                        .extend(types::override_problem(&declared, member, file));
                }
            } else {
                let diagnostic = Diagnostic::error(
                    Code::ABSTRACT_REDECLARATION,
                    format!("{} already has a value and cannot become abstract", key.describe()),
                )
                .primary(file, abstract_span, "`abstract` here")
                .secondary(existing.origin.file, existing.origin.span, "the value it inherits")
                .help("remove `abstract`; to require each pipeline to choose, make it abstract in the template that declares it");
                self.diagnostics.push(diagnostic);
            }
            return;
        }
        if replaces_wholesale(existing.member, member) {
            if let Some(final_at) = find_final(existing) {
                self.final_violation(file, head_span(member), final_at, &key, "replaces");
                return;
            }
            let mut fresh = self.fresh(member, file, ctx);
            // What it replaced is still its history (R44).
            fresh.history = std::iter::once(existing.origin)
                .chain(existing.history.iter().copied())
                .collect();
            if self.applying_profile {
                fresh.origin.how = How::Profile;
            }
            *existing = fresh;
            return;
        }
        // An inline window merged into an inherited inline window is the
        // window the scope now has: its fields are merged below, and the
        // window as a whole was last written here (R11).
        if matches!(
            (&existing.member.kind, &member.kind),
            (
                MemberKind::WindowUse(WindowUse::Inline(_)),
                MemberKind::WindowUse(WindowUse::Inline(_))
            )
        ) {
            let how = if self.applying_profile {
                How::Profile
            } else {
                How::Declared
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.member = member;
        }
        // A built-in field restated with its type (`bake : duration = ...`)
        // has no declaration to inherit: its value is checked where it is
        // written, as an assignment's is (`check::whole_builtin_value`);
        // another field's against the type it states.
        let problem = match (existing.declared(), &member.kind) {
            (Some(declared), _) => types::override_problem(&declared, member, file),
            _ if crate::check::whole_builtin_value(ctx.body, member).is_some() => None,
            (
                None,
                MemberKind::FieldDecl {
                    ty,
                    value: Some(value),
                    ..
                },
            ) => types::declared_value_problem(ty, value, file),
            _ => None,
        };
        if let Some(problem) = problem {
            self.diagnostics.push(problem);
            // An override of another type is refused (R37): the inherited
            // value and its declared type are kept (R13), so a descendant's
            // edit is read against them, not against the refused value.
            // A binding of an abstract member still binds it, so that the
            // pipeline is not also told to bind it (R29).
            if existing.abstract_at().is_none() {
                return;
            }
        }
        // Merge into the inherited member (R11).
        let op = match &member.kind {
            MemberKind::FieldAssign { op, .. } => *op,
            _ => AssignOp::Replace,
        };
        if op != AssignOp::Replace {
            // A list operator on a declared field that is not a list is a
            // type error (R38), reported above: the edit is skipped (R13),
            // and the field is not a list R19 could speak of.
            if existing
                .declared()
                .is_some_and(|declared| !types::takes_list_edits(declared.ty))
            {
                return;
            }
            // A region's attribute holds what it is given: a list, which
            // `+=` and `-=` edit, or one value, which they cannot (R38, at
            // the operand); the edit is skipped (R13).
            if ctx.body == Body::Region
                && let MemberKind::FieldAssign { name, value, .. } = &member.kind
                && !matches!(name.name.as_str(), "azs" | "cells")
                && let Some((base, base_file)) = existing.base
                && writes_value(&base.kind)
                && existing.items.is_none()
                && existing.list_ops().is_empty()
            {
                self.diagnostics.push(attribute_edit_of_one_value(
                    &name.name,
                    op,
                    value.span,
                    file,
                    (base_file, base.span),
                ));
                return;
            }
            // An abstract list has no items to edit yet (R19): the edit
            // would be lost when a descendant binds it with `=`.
            if let Some(abstract_at) = existing.abstract_at() {
                self.diagnostics
                    .push(list_operator_on_abstract(member, op, file, abstract_at));
                return;
            }
            let previous_items = existing.items.clone();
            let items = self.list_op(previous_items.clone(), member, op, file, existing);
            // An edit whose every item was refused (P0308, P0309) changed
            // nothing: it is skipped (R13), so the list is still where it
            // was last set or changed, which is what a later `-=` of an
            // absent item points at, and the edit enters no provenance.
            if items.is_some()
                && items == previous_items
                && matches!(&member.kind, MemberKind::FieldAssign { value, .. }
                    if matches!(&value.kind, ExprKind::List(operands) if !operands.is_empty()))
            {
                return;
            }
            let how = if op == AssignOp::Append {
                How::Append
            } else {
                How::Remove
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.items = items;
            existing.member = member;
            existing.push_list_op((member, file));
            return;
        }
        if writes_value(&member.kind) {
            let how = if self.applying_profile {
                How::Profile
            } else if existing.abstract_at().is_some() {
                How::Bind
            } else {
                How::Set
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.set_abstract_at(None);
            existing.items = literal_items(member, ctx.body, file, |item| {
                item_key(self.workspace, file, item)
            });
            existing.member = member;
            existing.base = Some((member, file));
            existing.clear_list_ops();
        }
        if let Some(final_span) = final_modifier(member) {
            existing.set_final_at(Some((file, final_span)));
        }
        if let (Some(child_body), Some(child_kind)) =
            (member.kind.body(), Body::child(&member.kind))
        {
            let mut merged = existing.body.take().unwrap_or_default();
            let child_ctx = Ctx {
                checks: ctx.checks && child_kind != Body::Profile && !ctx.in_profile,
                body: child_kind,
                in_template: ctx.in_template && child_kind != Body::Profile,
                in_profile: ctx.in_profile || child_kind == Body::Profile,
            };
            self.apply(&mut merged, child_body, file, child_ctx);
            if let Some(existing) = block.get_mut(&key) {
                existing.body = Some(merged);
                if let Some(final_span) = final_modifier(member).filter(|_| ctx.in_template) {
                    self.refuse_final_over_abstract(existing, (file, final_span));
                }
            }
        }
    }
}

/// `P0701` for `+=` or `-=` on a region's attribute that holds one value
/// (`traffic += [high]` over `traffic = low`): there is no list to add to
/// or take from (RFC 0001, R38, R46).
fn attribute_edit_of_one_value(
    name: &str,
    op: AssignOp,
    operand: crate::source::Span,
    file: FileId,
    given: (FileId, crate::source::Span),
) -> Diagnostic {
    let symbol = if op == AssignOp::Append { "+=" } else { "-=" };
    Diagnostic::error(
        Code::TYPE_MISMATCH,
        format!("`{symbol}` needs a list, but the attribute `{name}` holds one value"),
    )
    .primary(file, operand, format!("`{symbol}` on one value"))
    .secondary(given.0, given.1, "given one value here")
    .note("`+=` and `-=` add items to a list or take them out (RFC 0001, R38)")
    .help(format!(
        "`{name}` holds one value: replace it with `{name} = ...`"
    ))
}
