//! Applying a body to a resolved block: removals first (R10), then each
//! member by its key, or as a collection statement (R21, R22). The walk
//! every declaration, nested block and profile goes through; what happens
//! to each member is in the files named for it.

use super::keys::key_of;
use super::modifiers::{find_final, has_modifier};
use super::{Ctx, How, Key, Merger, Origin, Resolved, ResolvedBlock, head_span};
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
            if key_of(&member.kind).is_some_and(|key| self.refused_below.contains(&(ctx.body, key)))
            {
                continue;
            }
            match key_of(&member.kind) {
                Some(key) if ctx.body == Body::Production && !ctx.in_profile => {
                    // What the member's bodies may not write under a final
                    // member of production's, skipped while it is applied.
                    let refused = self.refuse_over_final(block, body, member, file);
                    let outer = std::mem::replace(&mut self.refused_below, refused);
                    self.apply_keyed(block, key, member, file, ctx);
                    self.refused_below = outer;
                }
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

    /// A wave's own `onebox` or `rollback on` replaces production's for
    /// that wave, and a one-box's own `rollback on` production's for the
    /// one-box (the nearest applies), so where production's is final (it,
    /// or something inside it) each would change, wave by wave or for the
    /// one-box, what `final` froze (R32). Refused where it is written,
    /// unless the production body that froze it writes it too (the
    /// exception is its own), or what it replaces is not production's (the
    /// wave or one-box already has its own, inherited: changing that is an
    /// ordinary override). What is refused, by the kind of body it is
    /// written in, is then not applied: production's stays.
    fn refuse_over_final(
        &mut self,
        production: &ResolvedBlock<'w>,
        body: &'w Block,
        member: &'w Member,
        file: FileId,
    ) -> Vec<(Body, Key<'static>)> {
        const ONEBOX: Key<'static> = Key::Single("onebox");
        const ROLLBACK: Key<'static> = Key::Single("rollback on");
        // Where production's member is final, unless this very body froze
        // it: its exceptions are its own.
        let frozen = |key: &Key<'_>| {
            production.get(key).and_then(find_final).filter(|final_at| {
                !(final_at.0 == file
                    && body.span.start <= final_at.1.start
                    && final_at.1.start < body.span.end)
            })
        };
        let has_own = |block: Option<&Resolved<'_>>, key: &Key<'_>| {
            block
                .and_then(|resolved| resolved.body.as_deref())
                .is_some_and(|inner| inner.get(key).is_some())
        };
        let onebox_final = frozen(&ONEBOX);
        let rollback_final = frozen(&ROLLBACK);
        // Each member refused: where it is written, the kind of body it is
        // written in, what it replaces, where that was made final, and
        // for what it would replace it.
        let mut refusals: Vec<(&Member, Body, Key<'static>, _, String)> = Vec::new();
        match &member.kind {
            MemberKind::Wave {
                name,
                body: wave_body,
            } => {
                let inherited = production.get(&Key::Named("wave", name.name.as_str()));
                // A wave the merge refuses (it overrides nothing) or that
                // is final is reported as such, and nothing in it applies.
                let refused_whole = match inherited {
                    None => has_modifier(member, ModifierKind::New).is_none(),
                    Some(wave) => find_final(wave).is_some(),
                };
                if refused_whole {
                    return Vec::new();
                }
                let inherited_onebox = inherited
                    .and_then(|wave| wave.body.as_deref())
                    .and_then(|wave| wave.get(&ONEBOX));
                let wave = format!("in wave `{}`", name.name);
                for inner in unrepeated(Body::Wave, wave_body) {
                    match inner.kind {
                        MemberKind::Onebox { .. } if inherited_onebox.is_none() => {
                            if let Some(final_at) = onebox_final {
                                refusals.push((inner, Body::Wave, ONEBOX, final_at, wave.clone()));
                            } else if let (Some(final_at), Some(own)) =
                                (rollback_final, own_rollback(inner))
                                && !has_own(inherited, &ROLLBACK)
                            {
                                let whose = format!("for the one-box of wave `{}`", name.name);
                                refusals.push((own, Body::Onebox, ROLLBACK, final_at, whose));
                            }
                        }
                        MemberKind::Onebox { .. } => {
                            if let (Some(final_at), Some(own)) =
                                (rollback_final, own_rollback(inner))
                                && !has_own(inherited, &ROLLBACK)
                                && !has_own(inherited_onebox, &ROLLBACK)
                            {
                                let whose = format!("for the one-box of wave `{}`", name.name);
                                refusals.push((own, Body::Onebox, ROLLBACK, final_at, whose));
                            }
                        }
                        MemberKind::Rollback { .. } if !has_own(inherited, &ROLLBACK) => {
                            if let Some(final_at) = rollback_final {
                                refusals.push((
                                    inner,
                                    Body::Wave,
                                    ROLLBACK,
                                    final_at,
                                    wave.clone(),
                                ));
                            }
                        }
                        _ => {}
                    }
                }
            }
            // A final one-box's own members are frozen with it (R33), and
            // reported as such.
            MemberKind::Onebox { .. } if onebox_final.is_none() => {
                let inherited = production.get(&ONEBOX);
                if let (Some(final_at), Some(own)) = (rollback_final, own_rollback(member))
                    && !has_own(inherited, &ROLLBACK)
                {
                    refusals.push((
                        own,
                        Body::Onebox,
                        ROLLBACK,
                        final_at,
                        "for the one-box".to_string(),
                    ));
                }
            }
            _ => {}
        }
        refusals
            .into_iter()
            .map(|(inner, in_body, key, final_at, whose)| {
                self.final_replaced(file, inner, final_at, &key, &whose);
                (in_body, key)
            })
            .collect()
    }

    /// `P0305` for `inner`, which replaces `key`, final in production,
    /// `whose`: in a wave, or for a one-box.
    fn final_replaced(
        &mut self,
        file: FileId,
        inner: &Member,
        final_at: (FileId, crate::source::Span),
        key: &Key<'_>,
        whose: &str,
    ) {
        let kind = key.kind_word();
        self.diagnostics.push(
            Diagnostic::error(
                Code::OVERRIDE_OF_FINAL,
                format!("this replaces, {whose}, a final member ({})", key.describe()),
            )
            .primary(
                file,
                head_span(inner),
                format!("replaces production's final `{kind}` {whose}"),
            )
            .secondary(final_at.0, final_at.1, "declared `final` here")
            .note(format!(
                "the nearest `{kind}` applies: one written {whose} replaces production's there, so under a final one only the body that made it final may write one (RFC 0001, R32)"
            ))
            .help(format!("remove this `{kind}`; what is inherited applies")),
        );
    }
}

/// The `rollback on` a one-box's body writes, if it writes one.
fn own_rollback(onebox: &Member) -> Option<&Member> {
    let MemberKind::Onebox {
        body: Some(onebox_body),
    } = &onebox.kind
    else {
        return None;
    };
    unrepeated(Body::Onebox, onebox_body)
        .find(|inner| matches!(inner.kind, MemberKind::Rollback { .. }))
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
