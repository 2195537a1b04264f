//! Go to definition: an `extends` target, an import's file, a declaration
//! named in a value (alarm, window, calendar, registry), a region (its
//! entry in the registry), a profile, the build a `deploy` deploys, and the
//! inherited member an override replaces. Targets in the standard library
//! open as read-only copies (`std_copy`).

use super::locate;
use super::resolve::{self, Place};
use crate::semantics::merge::Key;
use crate::semantics::scope::DeclKind;
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
                if let Some(found) = block.get(&Key::Named(kind, name.clone())) {
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
        let found = place.block(&at)?.get(&Key::Named("alarm", name))?;
        return Some((found.origin.file, found.origin.span));
    }
    // On an override: the member it overrides.
    let resolved = resolve::member(place, &at)?;
    let previous = resolved.history.first()?;
    Some((previous.file, previous.span))
}

fn declaration(place: &Place<'_, '_>, path: &Path) -> Option<(FileId, Span)> {
    let (decl, _) = place.analysis.scopes.resolve(place.file, path, ANY).ok()?;
    let item = place.analysis.scopes.item(decl)?;
    let span = item.kind.name().map_or(item.span, |name| name.span);
    Some((decl.file, span))
}
