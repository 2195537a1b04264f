//! Find references. On a template's (or pipeline's, or registry's) name
//! or an `extends` naming it: every declaration that extends it, directly
//! or through others, across the workspace. On an alarm, window or
//! calendar, or a name meaning one: its uses ([`uses`](super::uses)). On
//! the first line of a member: every write of it along the inheritance
//! chain ([`overrides`](super::overrides)).

use super::resolve::Place;
use super::{locate, overrides, uses};
use crate::semantics::chains::{self, Chains};
use crate::semantics::scope::DeclId;
use crate::source::{FileId, Span};

/// The places that refer to the declaration named at `offset` (on its
/// name, or on an `extends` naming it): a direct child's `extends`, and
/// the name of every declaration below that. With `include_declaration`,
/// the declaration's own name first. Sorted by file and offset after it.
pub fn references(
    place: &Place<'_, '_>,
    offset: usize,
    include_declaration: bool,
) -> Vec<(FileId, Span)> {
    if let Some((decl, name)) = uses::member_alarm_at(place, offset) {
        let keys = [crate::semantics::merge::Key::Named("alarm", &name)];
        return overrides::family(place, decl, &keys, include_declaration).unwrap_or_default();
    }
    if let Some(target) = uses::target(place, offset) {
        let mut found = uses::uses(place, target);
        if include_declaration
            && let Some(name) = place
                .analysis
                .scopes
                .item(target)
                .and_then(|item| item.kind.name())
        {
            found.insert(0, (target.file, name.span));
        }
        return found;
    }
    let scopes = &place.analysis.scopes;
    // The chains are cheap to rebuild and their problems were reported by
    // the check already.
    let chains = chains::resolve(scopes, &mut Vec::new());
    let Some(target) = target(place, &chains, offset) else {
        return place
            .workspace
            .module(place.file)
            .and_then(|module| locate::at(&module.tree, offset))
            .and_then(|at| overrides::references(place, &at, offset, include_declaration))
            .unwrap_or_default();
    };
    let mut found = Vec::new();
    for (decl, _, item) in scopes.all() {
        let Some(written) = chains::decl_of(&item.kind) else {
            continue;
        };
        let Some(chain) = chains.chain(decl) else {
            continue;
        };
        // Root first: the declaration itself is last, its parent before it.
        let Some(depth) = chain.iter().rev().position(|&up| up == target) else {
            continue;
        };
        match (depth, &written.extends) {
            (0, _) => {}
            (1, Some(parent)) => found.push((decl.file, parent.span)),
            _ => found.push((decl.file, written.name.span)),
        }
    }
    found.sort_by_key(|(file, span)| (*file, span.start()));
    if include_declaration
        && let Some(decl) = scopes
            .item(target)
            .and_then(|item| chains::decl_of(&item.kind))
    {
        found.insert(0, (target.file, decl.name.span));
    }
    found
}

/// The declaration whose name, or an `extends` naming it, is at `offset`.
fn target(place: &Place<'_, '_>, chains: &Chains, offset: usize) -> Option<DeclId> {
    let module = place.workspace.module(place.file)?;
    let within = |span: Span| span.start() <= offset && offset <= span.end();
    let (idx, item) = module
        .tree
        .items
        .iter()
        .enumerate()
        .find(|(_, item)| within(item.span))?;
    let decl = chains::decl_of(&item.kind)?;
    let here = DeclId {
        file: place.file,
        item: idx,
    };
    if within(decl.name.span) {
        return Some(here);
    }
    if decl.extends.as_ref().is_some_and(|path| within(path.span)) {
        // The parent is the one before the declaration in its chain.
        let chain = chains.chain(here)?;
        return chain
            .len()
            .checked_sub(2)
            .and_then(|idx| chain.get(idx))
            .copied();
    }
    None
}
