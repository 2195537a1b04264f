//! Modifiers as the merge reads them: finding one on a member, the first
//! `final` at or inside a member (R34), and the report of a change to a
//! frozen one (R32). Shared by every kind of change, so kept apart.

use super::keys::writes_value;
use super::{Key, Merger, Resolved, ResolvedBlock};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Member, MemberKind, ModifierKind};

pub(super) fn has_modifier(member: &Member, kind: ModifierKind) -> Option<Span> {
    member
        .modifiers
        .iter()
        .find(|m| m.kind == kind)
        .map(|m| m.span)
}

/// `abstract` as the merge reads it. On a member that writes a value
/// (`abstract owner : string = "shop"`), or one that cannot be abstract
/// (`abstract stage canary { }`), it is refused (P0102) and the member is
/// read as written without it, its value or block standing: no pipeline
/// is then also told to bind it (R13: one mistake, one diagnostic).
pub(super) fn abstract_modifier(member: &Member) -> Option<Span> {
    has_modifier(member, ModifierKind::Abstract).filter(|_| {
        !writes_value(&member.kind)
            && matches!(
                member.kind,
                MemberKind::FieldDecl { .. } | MemberKind::Alarm(_)
            )
    })
}

/// `final` as the merge reads it. Beside `abstract` on a member without a
/// value it is refused (P0102) and the member is read as abstract alone:
/// the pipeline that binds it is not also told it changes a final member.
pub(super) fn final_modifier(member: &Member) -> Option<Span> {
    has_modifier(member, ModifierKind::Final).filter(|_| abstract_modifier(member).is_none())
}

impl<'w, 'd> Merger<'w, 'd> {
    /// `final` on a block that holds an abstract member, which every
    /// pipeline must bind and the block would forbid it to (R31: `final`
    /// never goes with `abstract`). `None` when the block holds none;
    /// otherwise the `final` is refused (P0102) and the block is read
    /// without it, so that pipelines may bind the member and are told
    /// neither to bind it nor that binding it changes a final member
    /// (R13: one mistake, one diagnostic).
    pub(super) fn refuse_final_over_abstract(
        &mut self,
        member: &mut Resolved<'_>,
        final_at: (FileId, Span),
    ) {
        let Some(abstract_at) = find_abstract_inside(member) else {
            return;
        };
        member.set_final_at(None);
        self.diagnostics.push(
            Diagnostic::error(
                Code::INVALID_MODIFIER,
                "a final block cannot hold an abstract member",
            )
            .primary(final_at.0, final_at.1, "`final` here")
            .secondary(
                abstract_at.0,
                abstract_at.1,
                "abstract: each pipeline must bind it",
            )
            .note("`final` and `abstract` never go together (RFC 0001, R31): the block is read without `final`")
            .help("remove `final`, or give the abstract member its value before the block is made final"),
        );
    }

    pub(super) fn final_violation(
        &mut self,
        file: FileId,
        span: Span,
        final_at: (FileId, Span),
        key: &Key,
        verb: &str,
    ) {
        self.diagnostics.push(
            Diagnostic::error(Code::OVERRIDE_OF_FINAL, format!("this {verb} a final member ({})", key.describe()))
                .primary(file, span, format!("{verb} a frozen member"))
                .secondary(final_at.0, final_at.1, "declared `final` here")
                .note("a final member, and everything inside a final block, cannot change in descendants or profiles (RFC 0001, R32–R34)")
                .help("remove this change; the inherited value is kept"),
        );
    }
}

/// The first abstract member inside a member's body, at any depth.
fn find_abstract_inside(member: &Resolved<'_>) -> Option<(FileId, Span)> {
    let mut pending: Vec<&ResolvedBlock<'_>> = member.body.as_deref().into_iter().collect();
    while let Some(block) = pending.pop() {
        for (_, inner) in &block.members {
            if inner.abstract_at().is_some() {
                return inner.abstract_at();
            }
            pending.extend(inner.body.as_deref());
        }
    }
    None
}

/// The first `final` at or inside a member (R34).
pub(super) fn find_final(member: &Resolved<'_>) -> Option<(FileId, Span)> {
    if member.final_at().is_some() {
        return member.final_at();
    }
    let mut pending: Vec<&ResolvedBlock<'_>> = member.body.as_deref().into_iter().collect();
    while let Some(block) = pending.pop() {
        for (_, inner) in &block.members {
            if inner.final_at().is_some() {
                return inner.final_at();
            }
            pending.extend(inner.body.as_deref());
        }
    }
    None
}
