//! Names a document can use, as the compiler's scopes resolve them: the
//! declarations visible from a file (its own, and each import's, written
//! unqualified where that resolves to it, else `module.name`), and the
//! registries a production deploys to, read into regions.

use super::resolve::Place;
use crate::semantics::merge::{Key, ResolvedBlock};
use crate::semantics::regions::{Registry, field_expr};
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{ExprKind, Ident, Path};

/// A declaration visible from the document, with the name to write.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Visible {
    /// The name as written in the document: `name` or `module.name`.
    pub name: String,
    /// The declaration.
    pub decl: DeclId,
    /// Its kind.
    pub kind: DeclKind,
}

/// Every declaration of these kinds the document's file can name, sorted
/// by name.
pub fn visible(place: &Place<'_, '_>, kinds: &[DeclKind]) -> Vec<Visible> {
    let scopes = &place.analysis.scopes;
    let imports = place
        .workspace
        .module(place.file)
        .map(|module| module.imports.as_slice())
        .unwrap_or(&[]);
    let mut found = Vec::new();
    for (decl, kind, item) in scopes.all() {
        let Some(name) = item.kind.name() else {
            continue;
        };
        if !kinds.contains(&kind) {
            continue;
        }
        let plain = path_of(&[name.name.as_str()]);
        let resolves_plain = scopes
            .resolve(place.file, &plain, kinds)
            .is_ok_and(|(found, _)| found == decl);
        if resolves_plain {
            found.push(Visible {
                name: name.name.clone(),
                decl,
                kind,
            });
            continue;
        }
        for import in imports.iter().filter(|import| import.target == decl.file) {
            found.push(Visible {
                name: format!("{}.{}", import.alias, name.name),
                decl,
                kind,
            });
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.name == b.name);
    found
}

/// A path of plain names, placed nowhere, for resolving.
pub fn path_of(names: &[&str]) -> Path {
    Path {
        segments: names
            .iter()
            .map(|name| Ident {
                name: (*name).to_string(),
                span: Span::new(0, 0),
            })
            .collect(),
        span: Span::new(0, 0),
    }
}

/// The registry a production deploys to, as its `registry` field names it
/// (resolved where the field is written), read into regions.
pub fn production_registry(
    place: &Place<'_, '_>,
    body: &ResolvedBlock<'_>,
) -> Option<(DeclId, Registry)> {
    let production = body.get(&Key::Single("production"))?.body.as_ref()?;
    let field = production.get_field("registry")?;
    let file = field.base.map_or(field.origin.file, |(_, file)| file);
    let ExprKind::Path(path) = &field_expr(field)?.kind else {
        return None;
    };
    registry_named(place, file, path)
}

/// The registry `path` names in `file`, read into regions.
pub fn registry_named(
    place: &Place<'_, '_>,
    file: FileId,
    path: &Path,
) -> Option<(DeclId, Registry)> {
    let (decl, _) = place
        .analysis
        .scopes
        .resolve(file, path, &[DeclKind::Registry])
        .ok()?;
    Some((decl, read_registry(place, decl)?))
}

/// A registry declaration read into regions.
pub fn read_registry(place: &Place<'_, '_>, decl: DeclId) -> Option<Registry> {
    let item = place.analysis.scopes.item(decl)?;
    let block = place.analysis.resolved.get(&decl)?;
    let text =
        |file: FileId, span: Span| crate::semantics::source_text(place.workspace, file, span);
    Some(Registry::from_resolved(
        &item.kind.name()?.name,
        block,
        &text,
    ))
}

/// Every registry the document can name, read into regions.
pub fn visible_registries(place: &Place<'_, '_>) -> Vec<(Visible, Registry)> {
    visible(place, &[DeclKind::Registry])
        .into_iter()
        .filter_map(|visible| {
            let registry = read_registry(place, visible.decl)?;
            Some((visible, registry))
        })
        .collect()
}
