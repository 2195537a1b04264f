//! Checks across files: names, inheritance, and (as they land) types,
//! regions and policies. Runs on a loaded [`Workspace`] after every file
//! parsed; reports every independent problem.

pub mod chains;
pub mod merge;
pub mod refs;
pub mod regions;
pub mod scope;

use crate::diagnostics::Diagnostic;
use crate::modules::Workspace;

/// Runs every cross-file check and returns what it found.
pub fn analyze(workspace: &Workspace) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let scopes = scope::Scopes::new(workspace);
    refs::check(workspace, &scopes, &mut diagnostics);
    let chains = chains::resolve(&scopes, &mut diagnostics);
    let resolved = merge::Merger::new(workspace, &mut diagnostics).run(&scopes, &chains);
    let _placements = place_regions(workspace, &scopes, &resolved, &mut diagnostics);
    diagnostics
}

/// Resolves every registry, then places the production regions of every
/// pipeline.
fn place_regions(
    workspace: &Workspace,
    scopes: &scope::Scopes<'_>,
    resolved: &std::collections::BTreeMap<scope::DeclId, merge::ResolvedBlock<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::collections::BTreeMap<scope::DeclId, regions::Placement> {
    let text = |file: crate::source::FileId, span: crate::source::Span| {
        workspace
            .sources
            .get(file)
            .and_then(|source| source.text.get(span.start()..span.end()))
            .unwrap_or("")
            .to_string()
    };
    let mut registries = std::collections::BTreeMap::new();
    let mut pipelines = Vec::new();
    for (decl, kind, item) in scopes.all() {
        let (Some(block), Some(name)) = (resolved.get(&decl), item.kind.name()) else { continue };
        match kind {
            scope::DeclKind::Registry => {
                registries.insert(decl, regions::Registry::from_resolved(&name.name, block, &text));
            }
            scope::DeclKind::Pipeline => pipelines.push((decl, name, block)),
            _ => {}
        }
    }
    let mut placer = regions::Placer {
        scopes,
        registries: &registries,
        text: &text,
        diagnostics,
    };
    let mut placements = std::collections::BTreeMap::new();
    for (decl, name, block) in pipelines {
        if let Some(placement) = placer.place((decl.file, name.span), block) {
            placements.insert(decl, placement);
        }
    }
    placements
}
