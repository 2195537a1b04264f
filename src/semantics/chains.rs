//! Inheritance chains: what each template, pipeline and registry extends
//! (RFC 0001, R2–R4). Cycles are reported once each, chains longer than
//! ten ancestors are refused, and every declaration involved in either is
//! left out of later checks so that one mistake makes one diagnostic.

use super::scope::{DeclId, DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::hashing::{FastHashMap, FastHashSet};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Decl, ItemKind};
use std::collections::BTreeSet;

/// The most ancestors a declaration may have (R3).
pub const MAX_ANCESTORS: usize = 10;

/// The resolved `extends` of every declaration. Looked up, never iterated
/// (a workspace of ten thousand pipelines looks each one up a dozen
/// times), so hashed.
#[derive(Debug, Default)]
pub struct Chains {
    parents: FastHashMap<DeclId, DeclId>,
    broken: FastHashSet<DeclId>,
}

impl Chains {
    /// Every declaration that another extends.
    pub fn extended(&self) -> BTreeSet<DeclId> {
        self.parents.values().copied().collect()
    }

    /// The declaration and its ancestors, root first; `None` for a
    /// declaration in or below a cycle, a too-deep chain, or an unresolved
    /// `extends`.
    pub fn chain(&self, decl: DeclId) -> Option<Vec<DeclId>> {
        if self.broken.contains(&decl) {
            return None;
        }
        let mut chain = vec![decl];
        let mut current = decl;
        while let Some(&parent) = self.parents.get(&current) {
            if chain.len() > MAX_ANCESTORS + 1 || self.broken.contains(&parent) {
                return None;
            }
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        Some(chain)
    }
}

/// The `extends` clause of a declaration, if it is one that can have one.
pub fn decl_of(kind: &ItemKind) -> Option<&Decl> {
    match kind {
        ItemKind::Template(decl) | ItemKind::Pipeline(decl) | ItemKind::Registry(decl) => {
            Some(decl)
        }
        _ => None,
    }
}

/// Resolves every `extends` of the workspace.
pub fn resolve(scopes: &Scopes<'_>, diagnostics: &mut Vec<Diagnostic>) -> Chains {
    let mut chains = Chains::default();
    let mut extends_span: FastHashMap<DeclId, Span> = FastHashMap::default();
    let decls: Vec<(DeclId, DeclKind)> = scopes.all().map(|(decl, kind, _)| (decl, kind)).collect();
    for &(decl, kind) in &decls {
        let Some(item) = scopes.item(decl) else {
            continue;
        };
        let Some(parent_path) = decl_of(&item.kind).and_then(|d| d.extends.as_ref()) else {
            continue;
        };
        extends_span.insert(decl, parent_path.span);
        let wanted = if kind == DeclKind::Registry {
            DeclKind::Registry
        } else {
            DeclKind::Template
        };
        match scopes.resolve(decl.file, parent_path, &[wanted]) {
            Ok((parent, _)) => {
                chains.parents.insert(decl, parent);
            }
            Err(unresolved) => {
                let mut diagnostic = *unresolved.diagnostic;
                if unresolved.found == Some(DeclKind::Pipeline) {
                    diagnostic.help = Some(
                        "a pipeline is a leaf and cannot be extended; extend the template it extends, \
                         or make it a template"
                            .to_string(),
                    );
                }
                diagnostics.push(diagnostic);
                chains.broken.insert(decl);
            }
        }
    }
    report_cycles(scopes, &decls, &extends_span, &mut chains, diagnostics);
    mark_broken_descendants(&decls, &mut chains);
    report_depth(scopes, &decls, &extends_span, &mut chains, diagnostics);
    chains
}

fn report_cycles(
    scopes: &Scopes<'_>,
    decls: &[(DeclId, DeclKind)],
    extends_span: &FastHashMap<DeclId, Span>,
    chains: &mut Chains,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Numbered in path order of their files, then by position, so that a
    // cycle is named from its member that comes first (R4), whichever file
    // the check started from.
    let sources = &scopes.workspace().sources;
    let mut decls = decls.to_vec();
    decls.sort_by(|(left, _), (right, _)| {
        let name = |decl: &DeclId| sources.get(decl.file).map(|source| source.name.as_str());
        (name(left), left.file, left.item).cmp(&(name(right), right.file, right.item))
    });
    let decls = &decls;
    let index: FastHashMap<DeclId, usize> = decls
        .iter()
        .enumerate()
        .map(|(idx, (decl, _))| (*decl, idx))
        .collect();
    let graph: Vec<Vec<(usize, DeclId)>> = decls
        .iter()
        .map(|(decl, _)| {
            chains
                .parents
                .get(decl)
                .and_then(|parent| index.get(parent))
                .map_or_else(Vec::new, |&parent_idx| vec![(parent_idx, *decl)])
        })
        .collect();
    for cycle in crate::names::cycles(&graph) {
        let members: Vec<DeclId> = cycle.iter().map(|(_, decl)| *decl).collect();
        let name = |decl: &DeclId| {
            scopes
                .item(*decl)
                .and_then(|item| item.kind.name())
                .map_or_else(String::new, |name| name.name.clone())
        };
        let mut path: Vec<String> = members.iter().map(name).collect();
        path.extend(members.first().map(name));
        let Some(&first) = members.first() else {
            continue;
        };
        let span_of = |decl: &DeclId| extends_span.get(decl).copied().unwrap_or_default();
        let mut diagnostic = Diagnostic::error(
            Code::INHERITANCE_CYCLE,
            format!("inheritance cycle: {}", path.join(" → ")),
        )
        .primary(
            first.file,
            span_of(&first),
            "this `extends` leads back here",
        );
        for decl in members.iter().skip(1) {
            diagnostic = diagnostic.secondary(decl.file, span_of(decl), "part of the cycle");
        }
        diagnostics
            .push(diagnostic.help("one declaration of the cycle must stop extending the next"));
        chains.broken.extend(members);
    }
}

/// Declarations whose parent is broken are broken too, silently (the
/// diagnostic is at the cause).
fn mark_broken_descendants(decls: &[(DeclId, DeclKind)], chains: &mut Chains) {
    let mut changed = true;
    while changed {
        changed = false;
        for (decl, _) in decls {
            if chains.broken.contains(decl) {
                continue;
            }
            if chains
                .parents
                .get(decl)
                .is_some_and(|parent| chains.broken.contains(parent))
            {
                chains.broken.insert(*decl);
                changed = true;
            }
        }
    }
}

fn report_depth(
    scopes: &Scopes<'_>,
    decls: &[(DeclId, DeclKind)],
    extends_span: &FastHashMap<DeclId, Span>,
    chains: &mut Chains,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Ancestor counts, computed root first by walking each chain once.
    let mut depth: FastHashMap<DeclId, usize> = FastHashMap::default();
    for (decl, _) in decls {
        let mut path = vec![*decl];
        let mut current = *decl;
        while let Some(&parent) = chains.parents.get(&current) {
            if depth.contains_key(&parent)
                || chains.broken.contains(&parent)
                || path.len() > decls.len()
            {
                break;
            }
            path.push(parent);
            current = parent;
        }
        for node in path.into_iter().rev() {
            let parent_depth = chains
                .parents
                .get(&node)
                .and_then(|parent| depth.get(parent))
                .copied();
            let node_depth = parent_depth.map_or(0, |d| d + 1);
            depth.entry(node).or_insert(node_depth);
        }
    }
    let mut too_deep: Vec<DeclId> = Vec::new();
    for (decl, _) in decls {
        let Some(parent) = chains.parents.get(decl) else {
            continue;
        };
        if chains.broken.contains(decl) {
            continue;
        }
        if depth.get(parent).is_some_and(|&d| d == MAX_ANCESTORS) {
            too_deep.push(*decl);
        }
    }
    for decl in too_deep {
        let chain_names = ancestor_names(scopes, chains, decl);
        let file: FileId = decl.file;
        diagnostics.push(
            Diagnostic::error(
                Code::INHERITANCE_TOO_DEEP,
                format!("more than {MAX_ANCESTORS} ancestors"),
            )
            .primary(
                file,
                extends_span.get(&decl).copied().unwrap_or_default(),
                "this parent already has 10 ancestors",
            )
            .note(format!("the chain: {}", chain_names.join(" → ")))
            .help("flatten the chain: merge intermediate templates"),
        );
        chains.broken.insert(decl);
    }
    mark_broken_descendants(decls, chains);
}

fn ancestor_names(scopes: &Scopes<'_>, chains: &Chains, decl: DeclId) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = Some(decl);
    while let Some(node) = current {
        if names.len() > MAX_ANCESTORS + 2 {
            break;
        }
        names.push(
            scopes
                .item(node)
                .and_then(|item| item.kind.name())
                .map_or_else(String::new, |n| n.name.clone()),
        );
        current = chains.parents.get(&node).copied();
    }
    names
}
