//! Applying a body to a resolved block: removals first (R10), then each
//! member by its key, or as a collection statement (R21, R22). The walk
//! every declaration, nested block and profile goes through; what happens
//! to each member is in the files named for it.

use super::keys::key_of;
use super::modifiers::{find_final, has_modifier};
use super::{Ctx, How, Key, Merger, Origin, ResolvedBlock, head_span};
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::source::FileId;
use crate::syntax::ast::{Block, Member, MemberKind, ModifierKind};

impl<'w, 'd> Merger<'w, 'd> {
    pub(super) fn apply(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        body: &'w Block,
        file: FileId,
        ctx: Ctx,
    ) {
        // A member repeating an earlier one of the body is reported where
        // it is written (P0103) and ignored (R7): the first says what the
        // body does, and the repeat draws no other diagnostic.
        let members: Vec<&'w Member> = unrepeated(ctx.body, body).collect();
        // Removals first (R10). A profile's removals apply to the pipeline
        // the profile is selected for; a `remove` with a modifier was
        // already refused by the shape check.
        for member in members.iter().copied() {
            if ctx.in_profile || !member.modifiers.is_empty() {
                continue;
            }
            if let MemberKind::Remove { keyword, name } = &member.kind {
                self.remove(block, member, keyword.name.as_str(), &name.name, file);
            }
        }
        for member in members.iter().copied() {
            if matches!(member.kind, MemberKind::Remove { .. }) {
                continue;
            }
            // A profile body approving a window is refused where it is
            // written (P0510); it is not also a change to a final one.
            if (ctx.in_profile || self.applying_profile)
                && matches!(member.kind, MemberKind::ProfileWindow { .. })
            {
                continue;
            }
            // A final window stays final: only the body that froze it may
            // approve other windows for profiles, or a descendant could
            // widen it by approving a window of its own.
            if let MemberKind::ProfileWindow { .. } = &member.kind
                && let Some(final_at) = block
                    .get(&Key::Single("window"))
                    .and_then(|window| window.final_at())
                && !body.members.iter().any(|sibling| {
                    final_at.0 == file
                        && has_modifier(sibling, ModifierKind::Final) == Some(final_at.1)
                })
            {
                self.final_violation(
                    file,
                    head_span(member),
                    final_at,
                    &Key::Single("window"),
                    "approves another window for",
                );
                continue;
            }
            match key_of(&member.kind) {
                Some(key) => self.apply_keyed(block, key, member, file, ctx),
                None => {
                    let how = if self.applying_profile {
                        How::Profile
                    } else {
                        How::Set
                    };
                    add_collection_item(block, member, file, how);
                }
            }
        }
    }

    pub(super) fn remove(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        member: &'w Member,
        keyword: &str,
        name: &str,
        file: FileId,
    ) {
        let kind = static_kind(keyword);
        let key = Key::Named(kind, name);
        let Some(position) = block.position(&key) else {
            let candidates: Vec<String> = block
                .members
                .iter()
                .filter(|(k, _)| matches!(k, Key::Named(k_kind, _) if *k_kind == kind))
                .map(|(k, _)| k.name().to_string())
                .collect();
            let mut diagnostic = Diagnostic::error(
                Code::REMOVAL_OF_NOTHING,
                format!("nothing to remove: no inherited {}", key.describe()),
            )
            .primary(file, member.span, "removes nothing");
            // A close name of the kind written, else the name written as a
            // member of another kind `remove` takes (`remove wave gamma`
            // over an inherited `stage gamma`), as for an override of
            // nothing (R23).
            let other_kind = block.members.iter().find_map(|(k, _)| match k {
                Key::Named(other, other_name)
                    if *other != kind && *other_name == name && REMOVABLE.contains(other) =>
                {
                    Some(format!("remove {other} {other_name}"))
                }
                _ => None,
            });
            diagnostic = match closest(name, candidates.iter().map(String::as_str))
                .map(|suggestion| format!("remove {keyword} {suggestion}"))
                .or(other_kind)
            {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic
                    .help("`remove` drops a member inherited from the parent; delete this line"),
            };
            self.diagnostics.push(diagnostic);
            return;
        };
        if let Some((_, existing)) = block.members.get(position)
            && let Some(final_at) = find_final(existing)
        {
            self.final_violation(file, member.span, final_at, &key, "removes");
            return;
        }
        block.remove_at(position);
    }
}

/// The members of `body`, a body of kind `kind`, less those whose key an
/// earlier one already has (R7), in source order. A field both given whole
/// and edited in one body (also `P0103`) keeps both writes, applied in
/// order, as the shape check's message describes them.
pub(super) fn unrepeated(kind: Body, body: &Block) -> impl Iterator<Item = &Member> {
    body.members
        .iter()
        .zip(crate::check::repeats(kind, body))
        .filter(|(_, repeat)| repeat.key.is_none())
        .map(|(member, _)| member)
}

/// Collection statements accumulate; an identical one is merged (R21, R22).
/// `how`: set by the body it is written in, or by the selected profile.
pub(super) fn add_collection_item<'w>(
    block: &mut ResolvedBlock<'w>,
    member: &'w Member,
    file: FileId,
    how: How,
) {
    let origin = Origin {
        file,
        span: member.span,
        how,
    };
    let same = block
        .collection
        .iter_mut()
        .find(|(existing, _)| existing.kind == member.kind);
    match same {
        Some((_, places)) => places.push(origin),
        None => block.collection.push((member, vec![origin])),
    }
}

/// The kinds of member `remove` drops (R36).
const REMOVABLE: [&str; 8] = [
    "stage", "wave", "test", "alarm", "source", "build", "profile", "region",
];

fn static_kind(keyword: &str) -> &'static str {
    match keyword {
        "stage" => "stage",
        "wave" => "wave",
        "test" => "test",
        "alarm" => "alarm",
        "source" => "source",
        "build" => "build",
        "profile" => "profile",
        _ => "region",
    }
}
