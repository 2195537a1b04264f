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
        // the profile is selected for; a `remove` with a modifier, or where
        // its body holds none, was already refused by the shape check.
        for member in members.iter().copied() {
            if ctx.in_profile
                || !member.modifiers.is_empty()
                || crate::check::reported_as_out_of_place(ctx.body, member)
            {
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
                Some(key) if holds_nearer(ctx.body) && !ctx.in_profile => {
                    self.apply_guarded(block, body, (key, member), file, ctx);
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

    /// [`Merger::apply_keyed`] of `member`, written in `body`, less what
    /// its own bodies may not write under a final member of `block`'s
    /// ([`Merger::refuse_over_final`]), skipped while it is applied.
    pub(super) fn apply_guarded(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        body: &'w Block,
        (key, member): (Key<'w>, &'w Member),
        file: FileId,
        ctx: Ctx,
    ) {
        let refused = self.refuse_over_final(ctx.body, block, body, member, file);
        let mark = self.refused_below.len();
        self.refused_below.extend(refused);
        self.apply_keyed(block, key, member, file, ctx);
        self.refused_below.truncate(mark);
    }

    /// Where the nearest member applies, a nearer one replaces a final one
    /// of `outer` (a block of kind `outer_kind`) without touching it: a
    /// wave's own `onebox`, `rollback on` or `strategy` production's, a
    /// one-box's own `rollback on` that of the production, stage or wave it
    /// is in, a deploy's own `strategy` that of its stage or production,
    /// and a stage's own `strategy` production's (the default of every
    /// stage). Each would change what `final` froze (R32), so each is
    /// refused where `member` (of `outer`) writes it, unless the body that
    /// froze it writes it too (the exception is its own), or what it would
    /// replace is not the final one (the member already has its own,
    /// inherited, which the final one never reached: changing that is an
    /// ordinary override). What is refused, by the kind of body it is
    /// written in, is then not applied: the final one stays.
    fn refuse_over_final(
        &mut self,
        outer_kind: Body,
        outer: &ResolvedBlock<'w>,
        body: &'w Block,
        member: &'w Member,
        file: FileId,
    ) -> Vec<(Body, Key<'static>)> {
        const ONEBOX: Key<'static> = Key::Single("onebox");
        const ROLLBACK: Key<'static> = Key::Single("rollback on");
        const STRATEGY: Key<'static> = Key::Field("strategy");
        // A `final` written outside this very body: the exceptions the
        // body that froze a member makes are its own.
        let elsewhere = |final_at: &(FileId, crate::source::Span)| {
            !(final_at.0 == file
                && body.span.start <= final_at.1.start
                && final_at.1.start < body.span.end)
        };
        // Where a member of `block` is final, unless this very body froze it.
        let frozen = |block: Option<&ResolvedBlock<'_>>, key: &Key<'_>| {
            block
                .and_then(|block| block.get(key))
                .and_then(find_final)
                .filter(elsewhere)
        };
        let has_own = |member: Option<&Resolved<'_>>, key: &Key<'_>| {
            inner_block(member).is_some_and(|inner| inner.get(key).is_some())
        };
        let inherited = key_of(&member.kind).and_then(|key| outer.get(&key));
        // A member the merge refuses whole (it overrides nothing, or it
        // is final itself) is reported as such, and nothing in it applies.
        let refused_whole = match inherited {
            None => has_modifier(member, ModifierKind::New).is_none(),
            Some(inherited) => inherited.final_at().is_some(),
        };
        if refused_whole {
            return Vec::new();
        }
        // A production deploy's own strategy wins over production's for
        // the waves (and is final, or not, itself).
        let deploys_strategy = |block: Option<&ResolvedBlock<'_>>| {
            block
                .into_iter()
                .flat_map(|block| &block.members)
                .find_map(|(key, deploy)| {
                    let Key::Deploy(_) = key else { return None };
                    inner_block(Some(&**deploy))
                        .and_then(|deploy| deploy.get(&STRATEGY))
                        .map(|_| frozen(inner_block(Some(&**deploy)), &STRATEGY))
                })
        };
        // What `member`'s body may not write, beside its one-box's
        // `rollback on`: (key, where it was made final).
        let mut guarded: Vec<(Key<'static>, (FileId, crate::source::Span))> = Vec::new();
        let mut onebox_rollback = None;
        let mut deploy_strategy = None;
        let whose = describe(member);
        match (outer_kind, &member.kind) {
            (Body::Production, MemberKind::Wave { .. }) => {
                let onebox_final = frozen(Some(outer), &ONEBOX);
                let rollback_final = frozen(Some(outer), &ROLLBACK);
                if let Some(final_at) = onebox_final.filter(|_| !has_own(inherited, &ONEBOX)) {
                    guarded.push((ONEBOX, final_at));
                }
                if let Some(final_at) = rollback_final.filter(|_| !has_own(inherited, &ROLLBACK)) {
                    guarded.push((ROLLBACK, final_at));
                    // Its one-box's alarm too, unless the one-box is
                    // refused whole or already has its own.
                    let inherited_onebox =
                        inner_block(inherited).and_then(|wave| wave.get(&ONEBOX));
                    if (onebox_final.is_none() || has_own(inherited, &ONEBOX))
                        && !has_own(inherited_onebox, &ROLLBACK)
                    {
                        onebox_rollback = Some(final_at);
                    }
                }
                // The waves deploy with a production deploy's strategy if
                // one gives one, else with production's.
                let strategy_final = match deploys_strategy(Some(outer)) {
                    Some(deploys) => deploys,
                    None => frozen(Some(outer), &STRATEGY),
                };
                if let Some(final_at) = strategy_final.filter(|_| !has_own(inherited, &STRATEGY)) {
                    guarded.push((STRATEGY, final_at));
                }
            }
            (Body::Production | Body::Stage | Body::Wave, MemberKind::Onebox { .. }) => {
                // (A final one-box is refused whole above: its own members
                // are frozen with it, R33, and reported as such.)
                // Production's one-box is every wave's that has none of
                // its own, under the wave's alarm if the wave has one.
                let waves_final = || {
                    outer.members.iter().find_map(|(key, wave)| {
                        let Key::Named("wave", _) = key else {
                            return None;
                        };
                        frozen(inner_block(Some(&**wave)), &ROLLBACK)
                            .filter(|_| !has_own(Some(&**wave), &ONEBOX))
                    })
                };
                let final_at = frozen(Some(outer), &ROLLBACK)
                    .or_else(|| (outer_kind == Body::Production).then(waves_final).flatten());
                if let Some(final_at) = final_at
                    && !has_own(inherited, &ROLLBACK)
                {
                    guarded.push((ROLLBACK, final_at));
                }
            }
            (Body::Production | Body::Stage, MemberKind::Deploy { .. }) => {
                if let Some(final_at) =
                    frozen(Some(outer), &STRATEGY).filter(|_| !has_own(inherited, &STRATEGY))
                {
                    guarded.push((STRATEGY, final_at));
                }
            }
            (Body::Template | Body::Pipeline, MemberKind::Stage { .. }) => {
                // Production's strategy is the default of every stage; a
                // final production freezes it too (R33).
                let production_member = outer.get(&Key::Single("production"));
                let production = inner_block(production_member);
                let block_final = production_member
                    .filter(|_| production.is_some_and(|block| block.get(&STRATEGY).is_some()))
                    .and_then(|production| production.final_at())
                    .filter(elsewhere);
                if let Some(final_at) = frozen(production, &STRATEGY)
                    .or(block_final)
                    .filter(|_| !has_own(inherited, &STRATEGY))
                {
                    guarded.push((STRATEGY, final_at));
                    // And of its deploy, unless one it has already gives one.
                    let deploys_own = inner_block(inherited).is_some_and(|stage| {
                        stage.members.iter().any(|(key, deploy)| {
                            matches!(key, Key::Deploy(_)) && has_own(Some(&**deploy), &STRATEGY)
                        })
                    });
                    if !deploys_own {
                        deploy_strategy = Some(final_at);
                    }
                }
            }
            _ => {}
        }
        // Most members guard nothing: their bodies are not read again.
        if guarded.is_empty() && onebox_rollback.is_none() && deploy_strategy.is_none() {
            return Vec::new();
        }
        let (Some(member_body), Some(kind)) = (member.kind.body(), Body::child(&member.kind))
        else {
            return Vec::new();
        };
        let mut refusals: Vec<(&Member, Body, Key<'static>, _, String)> = Vec::new();
        for inner in unrepeated(kind, member_body) {
            let Some(key) = key_of(&inner.kind) else {
                continue;
            };
            if let Some((key, final_at)) = guarded.iter().find(|(guarded, _)| *guarded == key) {
                refusals.push((inner, kind, key.clone(), *final_at, whose.clone()));
            } else if let (Some(final_at), MemberKind::Onebox { .. }) =
                (onebox_rollback, &inner.kind)
                && let Some(own) = own_rollback(inner)
            {
                let whose = format!("for the one-box {whose}");
                refusals.push((own, Body::Onebox, ROLLBACK, final_at, whose));
            } else if let (Some(final_at), MemberKind::Deploy { body: Some(deploy), .. }) =
                (deploy_strategy, &inner.kind)
                && let Some(own) = unrepeated(Body::Deploy, deploy).find(|field| {
                    matches!(&field.kind, MemberKind::FieldAssign { name, .. } if name.name == "strategy")
                })
            {
                let whose = format!("in its `deploy` {whose}");
                refusals.push((own, Body::Deploy, STRATEGY, final_at, whose));
            }
        }
        refusals
            .into_iter()
            .map(|(inner, in_body, key, final_at, whose)| {
                self.final_replaced(file, inner, final_at, &key, &whose);
                (in_body, key)
            })
            .collect()
    }

    /// `P0305` for `inner`, which replaces `key`, final further out,
    /// `whose`: in a wave, for a one-box, ...
    fn final_replaced(
        &mut self,
        file: FileId,
        inner: &Member,
        final_at: (FileId, crate::source::Span),
        key: &Key<'_>,
        whose: &str,
    ) {
        let name = key.written();
        self.diagnostics.push(
            Diagnostic::error(
                Code::OVERRIDE_OF_FINAL,
                format!("this replaces, {whose}, a final member ({})", key.describe()),
            )
            .primary(
                file,
                head_span(inner),
                format!("replaces the final `{name}` {whose}"),
            )
            .secondary(final_at.0, final_at.1, "declared `final` here")
            .note(format!(
                "the nearest `{name}` applies: one written {whose} replaces the final one there, so only the body that made it final may write one (RFC 0001, R32)"
            ))
            .help(format!("remove this `{name}`; what is inherited applies")),
        );
    }
}

/// The body a resolved member holds, if any.
fn inner_block<'a, 'w>(member: Option<&'a Resolved<'w>>) -> Option<&'a ResolvedBlock<'w>> {
    member.and_then(|member| member.body.as_deref())
}

/// Whether the members of a body of `kind` hold nearer members that a
/// final one of the body's would yield to (see `refuse_over_final`).
fn holds_nearer(kind: Body) -> bool {
    matches!(
        kind,
        Body::Production | Body::Stage | Body::Wave | Body::Template | Body::Pipeline
    )
}

/// For what a nearer member replaces a final one: "in wave `first`".
fn describe(member: &Member) -> String {
    match &member.kind {
        MemberKind::Wave { name, .. } => format!("in wave `{}`", name.name),
        MemberKind::Stage { name, .. } => format!("in stage `{}`", name.name),
        MemberKind::Deploy { .. } => "in its `deploy`".to_string(),
        _ => "for the one-box".to_string(),
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
