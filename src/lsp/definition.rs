//! Go to definition: an `extends` target, an import's file, a declaration
//! named in a value (alarm, window, calendar, registry), a region (its
//! entry in the registry), a profile, the build a `deploy` deploys, and the
//! inherited member an override replaces. Targets in the standard library
//! open as read-only copies (`std_copy`).

use super::locate::{self, At};
use super::overrides;
use super::resolve::{self, Place};
use crate::semantics::chains;
use crate::semantics::merge::{Key, head_span, key_of};
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{ItemKind, MemberKind, Path};

/// Every kind a name in source may refer to.
const ANY: &[DeclKind] = &[
    DeclKind::Alarm,
    DeclKind::Window,
    DeclKind::Calendar,
    DeclKind::Registry,
    DeclKind::Template,
    DeclKind::Pipeline,
    DeclKind::Policy,
];

/// Where the thing at `offset` is defined.
pub fn definition(place: &Place<'_, '_>, offset: usize) -> Option<(FileId, Span)> {
    let module = place.workspace.module(place.file)?;
    let at = locate::at(&module.tree, offset)?;
    let within = |span: Span| span.start() <= offset && offset <= span.end();
    match &at.item.kind {
        ItemKind::Import(_) => {
            let import = module
                .imports
                .iter()
                .find(|import| import.span == at.item.span)?;
            return Some((import.target, Span::new(0, 0)));
        }
        ItemKind::Template(decl) | ItemKind::Pipeline(decl) | ItemKind::Registry(decl) => {
            if let Some(parent) = &decl.extends
                && within(parent.span)
            {
                return declaration(place, parent);
            }
        }
        ItemKind::Alarm(alarm) => {
            if let Some(path) = alarm
                .value
                .as_ref()
                .and_then(|v| locate::path_in_expr(v, offset))
            {
                return declaration(place, path);
            }
        }
        _ => {}
    }
    let member = at.member()?;
    if let Some(found) = super::places::profile(place, &at, member, offset) {
        return Some(found);
    }
    if let Some(path) = locate::path_in_member(member, offset) {
        if let MemberKind::Deploy { .. } | MemberKind::Build { .. } = &member.kind {
            let name = path.segments.last()?.name.clone();
            let block = place.block(&at)?;
            for kind in ["build", "source"] {
                if let Some(found) = block.get(&Key::Named(kind, &name)) {
                    return Some((found.origin.file, found.origin.span));
                }
            }
            return None;
        }
        if let Some(found) = declaration(place, path) {
            return Some(found);
        }
        if let Some(found) = super::places::region(place, &at, path) {
            return Some(found);
        }
        // An alarm declared inside the template or pipeline.
        let name = path.segments.first()?.name.clone();
        let found = place.block(&at)?.get(&Key::Named("alarm", &name))?;
        return Some((found.origin.file, found.origin.span));
    }
    // On an override: the member it overrides. A value replaced keeps
    // what it replaced in its history; a member with a body is merged
    // into, so its history is empty and the chain is searched instead.
    if let Some(previous) = resolve::member(place, &at).and_then(|found| found.history.first()) {
        return Some((previous.file, previous.span));
    }
    let head = head_span(member);
    if offset < head.start() || offset > head.end() {
        return None;
    }
    overridden(place, &at)
}

/// The member that the member at the cursor (one with a body, on its
/// first line) overrides: the nearest ancestor's, at the same key path;
/// inside a profile, the declaration's own.
fn overridden(place: &Place<'_, '_>, at: &At<'_>) -> Option<(FileId, Span)> {
    let mut keys = at
        .members
        .iter()
        .map(|member| key_of(&member.kind))
        .collect::<Option<Vec<Key>>>()?;
    let here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
    let mut chain = chains.chain(here)?;
    if matches!(keys.first(), Some(Key::Named("profile", _))) {
        keys.remove(0);
    } else {
        chain.pop();
    }
    chain.into_iter().rev().find_map(|decl| {
        let body = place.body_of(decl)?;
        let member = *overrides::follow(body, &keys).last()?;
        let text = place.workspace.sources.get(decl.file)?.text.as_str();
        Some((decl.file, overrides::shown_span(text, member)))
    })
}

fn declaration(place: &Place<'_, '_>, path: &Path) -> Option<(FileId, Span)> {
    let (decl, _) = place.analysis.scopes.resolve(place.file, path, ANY).ok()?;
    let item = place.analysis.scopes.item(decl)?;
    let span = item.kind.name().map_or(item.span, |name| name.span);
    Some((decl.file, span))
}
