//! Where regions and profiles are declared, for go to definition and
//! hover: a region named in a region set is the `region` entry of the
//! registry the production deploys to (else of any registry the document
//! can name); a profile named by `window ... for profile` is a profile of
//! the declaration, and one named by a policy's `under` a profile of a
//! pipeline or template the policy governs (those importing its file),
//! the first in file order.

use super::locate::At;
use super::names;
use super::resolve::Place;
use crate::semantics::merge::{Key, Resolved};
use crate::semantics::regions::Region;
use crate::semantics::scope::DeclId;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Member, MemberKind, Path};

/// The region a path names, with the registry holding it.
pub fn region_named(place: &Place<'_, '_>, at: &At<'_>, path: &Path) -> Option<(DeclId, Region)> {
    let [code] = path.segments.as_slice() else {
        return None;
    };
    let in_use = place
        .block(at)
        .and_then(|block| names::production_registry(place, block));
    let registries = match in_use {
        Some(found) => vec![found],
        None => names::visible_registries(place)
            .into_iter()
            .map(|(visible, registry)| (visible.decl, registry))
            .collect(),
    };
    registries.into_iter().find_map(|(decl, registry)| {
        registry
            .region(&code.name)
            .cloned()
            .map(|region| (decl, region))
    })
}

/// Where the region a path names is declared: its name in the registry.
pub fn region(place: &Place<'_, '_>, at: &At<'_>, path: &Path) -> Option<(FileId, Span)> {
    let (decl, region) = region_named(place, at, path)?;
    let entry = place
        .analysis
        .resolved
        .get(&decl)?
        .get(&Key::Named("region", &region.code))?;
    Some(name_of(place, entry))
}

/// Where the profile named at `offset` (in `window ... for profile P` or a
/// policy's `under P`) is declared.
pub fn profile(
    place: &Place<'_, '_>,
    at: &At<'_>,
    member: &crate::syntax::ast::Member,
    offset: usize,
) -> Option<(FileId, Span)> {
    let (name, in_policy) = match &member.kind {
        MemberKind::ProfileWindow { profile, .. } => (profile, false),
        MemberKind::Under { profile, .. } => (profile, true),
        _ => return None,
    };
    if offset < name.span.start() || name.span.end() < offset {
        return None;
    }
    let key = Key::Named("profile", &name.name);
    if !in_policy {
        return place
            .block(at)?
            .get(&key)
            .map(|found| name_of(place, found));
    }
    place
        .analysis
        .resolved
        .values()
        .find_map(|block| block.get(&key))
        .map(|found| name_of(place, found))
}

/// The name of a resolved member where it was written, else the member.
fn name_of(place: &Place<'_, '_>, resolved: &Resolved<'_>) -> (FileId, Span) {
    let (file, span) = (resolved.origin.file, resolved.origin.span);
    let name = place
        .workspace
        .module(file)
        .and_then(|module| {
            let blocks = module.tree.items.iter().filter_map(|item| item.kind.body());
            blocks.into_iter().find_map(|block| member_at(block, span))
        })
        .and_then(|member| member.kind.name())
        .map(|name| name.span);
    (file, name.unwrap_or(span))
}

/// The member written exactly at `span` in a block or the blocks inside
/// it (nesting is bounded by the parser's limit).
fn member_at(block: &Block, span: Span) -> Option<&Member> {
    block
        .members
        .iter()
        .filter(|member| member.span.start() <= span.start() && span.end() <= member.span.end())
        .find_map(|member| {
            if member.span == span {
                Some(member)
            } else {
                member.kind.body().and_then(|body| member_at(body, span))
            }
        })
}
