//! Find references of a member (a stage, wave, one-box, alarm member, a
//! field such as `bake`, a region of a registry): every place that writes
//! the same member along the inheritance chain.
//!
//! A member is known by its path of merge keys from the declaration's body
//! (`stage beta`, then `field bake`), the keys `semantics::merge` merges
//! by, so what counts as "the same member" is exactly what the compiler
//! overrides. A profile's body is applied over the declaration's, so the
//! same path inside a `profile` counts too, as an override of the member
//! of the declaration's own body. The declarations searched are
//! the one the cursor is in, its ancestors (what the member overrides) and
//! every declaration whose chain passes through it (what overrides it);
//! siblings are not: a pipeline does not override another pipeline. An
//! alarm member's uses (its bare name in alarm expressions of those
//! declarations, which the compiler reads as the member) come with it.

use super::locate::At;
use super::resolve::Place;
use super::uses;
use crate::semantics::chains::{self, Chains};
use crate::semantics::merge::{Key, head_span, key_of};
use crate::semantics::scope::DeclId;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Member, MemberKind};

/// The member at the cursor's writes: with `include_declaration`, those up
/// the chain (root first) and the member itself, then every override below
/// it, its own declaration's profiles included (sorted by file and offset). `None` when the cursor is not on the
/// first line of a keyed member of a template, pipeline or registry.
pub fn references(
    place: &Place<'_, '_>,
    at: &At<'_>,
    offset: usize,
    include_declaration: bool,
) -> Option<Vec<(FileId, Span)>> {
    let member = at.member()?;
    let head = head_span(member);
    if offset < head.start() || offset > head.end() {
        return None;
    }
    let mut keys = at
        .members
        .iter()
        .map(|member| key_of(&member.kind))
        .collect::<Option<Vec<Key>>>()?;
    // Inside a profile, the member is the one the profile overrides.
    if matches!(keys.first(), Some(Key::Named("profile", _))) {
        keys.remove(0);
    }
    if keys.is_empty() {
        return None;
    }
    let here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    family(place, here, &keys, include_declaration)
}

/// The writes of the member at `keys` in `here`, as [`references`] lists
/// them. An alarm member's uses (bare names in alarm expressions of the
/// same declarations) are listed with its overrides, in file order.
pub fn family(
    place: &Place<'_, '_>,
    here: DeclId,
    keys: &[Key<'_>],
    include_declaration: bool,
) -> Option<Vec<(FileId, Span)>> {
    chains::decl_of(&place.analysis.scopes.item(here)?.kind)?;
    let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
    let chain = chains.chain(here)?;
    let alarm = match keys {
        [Key::Named("alarm", name)] => Some(*name),
        _ => None,
    };
    let mut found = Vec::new();
    if include_declaration {
        for &decl in &chain {
            // The declaration's own profiles override the member: they are
            // listed below with the other overrides.
            let mut written = writes(place, decl, keys);
            if decl == here {
                written.retain(|write| !in_profiles(place, here, keys, write));
            }
            found.extend(written);
        }
    }
    let below_decls = descendants(place, &chains, here);
    let mut below: Vec<(FileId, Span)> = below_decls
        .iter()
        .flat_map(|&decl| writes(place, decl, keys))
        .collect();
    below.extend(
        writes(place, here, keys)
            .into_iter()
            .filter(|write| in_profiles(place, here, keys, write)),
    );
    if let Some(name) = alarm {
        for &decl in chain.iter().chain(&below_decls) {
            below.extend(uses::member_alarm_uses(place, decl, name));
        }
    }
    below.sort_by_key(|(file, span)| (*file, span.start()));
    below.dedup();
    below.retain(|place| !found.contains(place));
    found.extend(below);
    Some(found)
}

/// The writes of the member at `keys` along `here`'s chain, root first and
/// `here`'s last, outside profiles (a profile is applied only when it is
/// selected), from the last that removes it (`remove X`) on: the places
/// a block's effective body is merged from.
pub fn written_along(place: &Place<'_, '_>, here: DeclId, keys: &[Key<'_>]) -> Vec<(FileId, Span)> {
    let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
    let Some(chain) = chains.chain(here) else {
        return Vec::new();
    };
    // Root first: `remove X` drops what the ancestors wrote of X (R26),
    // and what a `new X` after it writes is all there is.
    let mut along = Vec::new();
    for decl in chain {
        if removes(place, decl, keys) {
            along.clear();
        }
        let mut written = writes(place, decl, keys);
        written.retain(|write| !in_profiles(place, decl, keys, write));
        along.extend(written);
    }
    along
}

/// Whether the body of `decl` removes the member at `keys`, or a block
/// that holds it (`remove stage gamma` for the `bake` of stage `gamma`).
fn removes(place: &Place<'_, '_>, decl: DeclId, keys: &[Key<'_>]) -> bool {
    let Some(body) = place.body_of(decl) else {
        return false;
    };
    (0..keys.len()).any(|depth| {
        let (Some(outer), Some(Key::Named(kind, name))) = (keys.get(..depth), keys.get(depth))
        else {
            return false;
        };
        let blocks: Vec<&Block> = if outer.is_empty() {
            vec![body]
        } else {
            follow(body, outer)
                .into_iter()
                .filter_map(|member| member.kind.body())
                .collect()
        };
        blocks.iter().any(|block| {
            block.members.iter().any(|member| {
                matches!(&member.kind, MemberKind::Remove { keyword, name: removed }
                    if keyword.name == *kind && removed.name == *name)
            })
        })
    })
}

/// Every declaration whose chain passes through `decl`, `decl` excluded.
fn descendants(place: &Place<'_, '_>, chains: &Chains, decl: DeclId) -> Vec<DeclId> {
    place
        .analysis
        .scopes
        .all()
        .map(|(other, _, _)| other)
        .filter(|&other| other != decl)
        .filter(|&other| {
            chains
                .chain(other)
                .is_some_and(|chain| chain.contains(&decl))
        })
        .collect()
}

/// Whether a write of `decl` at `keys` (one of [`writes`]) is inside one
/// of its profiles rather than in its body.
fn in_profiles(
    place: &Place<'_, '_>,
    decl: DeclId,
    keys: &[Key<'_>],
    write: &(FileId, Span),
) -> bool {
    let Some(body) = place.body_of(decl) else {
        return false;
    };
    body.members.iter().any(|member| match &member.kind {
        MemberKind::Profile { body, .. } => {
            body.span.start() <= write.1.start()
                && write.1.end() <= body.span.end()
                && !follow(body, keys).is_empty()
        }
        _ => false,
    })
}

/// The members a declaration writes at a key path, in source order: in its
/// body and in each of its profiles.
fn writes(place: &Place<'_, '_>, decl: DeclId, keys: &[Key<'_>]) -> Vec<(FileId, Span)> {
    let Some(body) = place.body_of(decl) else {
        return Vec::new();
    };
    let mut found: Vec<&Member> = follow(body, keys);
    for member in &body.members {
        if let MemberKind::Profile { body, .. } = &member.kind {
            found.extend(follow(body, keys));
        }
    }
    let text = place
        .workspace
        .sources
        .get(decl.file)
        .map_or("", |source| source.text.as_str());
    let mut places: Vec<(FileId, Span)> = found
        .into_iter()
        .map(|member| (decl.file, shown_span(text, member)))
        .collect();
    places.sort_by_key(|(_, span)| span.start());
    places
}

/// The members reached by following `keys` from `block`. A key written
/// twice in one body is a diagnostic; both are listed.
pub fn follow<'b>(block: &'b Block, keys: &[Key<'_>]) -> Vec<&'b Member> {
    let Some((first, rest)) = keys.split_first() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for member in &block.members {
        if key_of(&member.kind).as_ref() != Some(first) {
            continue;
        }
        if rest.is_empty() {
            found.push(member);
        } else if let Some(body) = member.kind.body() {
            found.extend(follow(body, rest));
        }
    }
    found
}

/// What stands for a member in a list of references: its name when it has
/// one, else its first line without the spaces before its body.
pub fn shown_span(text: &str, member: &Member) -> Span {
    if let Some(name) = member.kind.name() {
        return name.span;
    }
    let head = head_span(member);
    let written = text.get(head.start()..head.end()).unwrap_or("");
    Span::new(head.start(), head.start() + written.trim_end().len())
}
