//! Merging an inheritance chain into one resolved body (RFC 0001, R5–R36).
//!
//! Every template, pipeline and registry is resolved once, root first, by
//! applying its body to a copy of its parent's resolved body; so a mistake
//! in a template is reported once, however many pipelines extend it (R14).
//! Each resolved member remembers who set it and what it replaced
//! (provenance, R44), whether it is final, and whether it is still abstract.
//!
//! The merge is split by what it handles: `keys` says what a member is
//! merged by, `resolved` and `block` what merging produces; the rest is
//! the merger's handling of a body (`bodies`), of a member merged into an
//! inherited one (`keyed`) or new to the block (`added`), of list
//! operators (`lists`), of modifiers (`modifiers`) and of profiles
//! (`profiles`), and the checks of each pipeline once resolved
//! (`pipeline_checks`).

mod added;
mod block;
mod bodies;
mod keyed;
mod keys;
mod lists;
mod modifiers;
mod pipeline_checks;
mod profiles;
mod resolved;

pub use block::ResolvedBlock;
pub use keys::{Key, head_span, key_of};
pub(super) use profiles::profile_bodies;
pub use profiles::{ProfileEffects, profile_refused, profile_removal};
pub use resolved::{Declared, How, Origin, Resolved};

use super::chains::{Chains, decl_of};
use super::scope::{DeclId, DeclKind, Scopes};
use crate::check::Body;
use crate::diagnostics::Diagnostic;
use crate::modules::Workspace;
use std::collections::BTreeMap;

/// How a body is being applied.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// Members must match something inherited unless marked `new` (R23):
    /// inside a declaration with `extends`, outside `new` members and
    /// profiles.
    checks: bool,
    /// The kind of body, for built-in fields (R8).
    body: Body,
    /// Inside a template (outside its profiles), where `abstract` means
    /// something; elsewhere the shape check has already refused it.
    in_template: bool,
    /// Inside a profile, whose members are checked when the profile is
    /// applied to a resolved pipeline (R40), not against the parent.
    in_profile: bool,
}

/// Resolves every template, pipeline and registry of the workspace.
pub struct Merger<'w, 'd> {
    workspace: &'w Workspace,
    diagnostics: &'d mut Vec<Diagnostic>,
    resolved: BTreeMap<DeclId, ResolvedBlock<'w>>,
    /// Set while a profile is applied, so that what it sets says so.
    applying_profile: bool,
    /// While a member of production is applied (a wave, the one-box):
    /// what its bodies write that was refused for replacing a final one
    /// of production's (`onebox`, `rollback on`), by the kind of body it
    /// is written in, and is then not applied.
    refused_below: Vec<(Body, Key<'static>)>,
}

impl<'w, 'd> Merger<'w, 'd> {
    /// A merger that reports into `diagnostics`.
    pub fn new(workspace: &'w Workspace, diagnostics: &'d mut Vec<Diagnostic>) -> Merger<'w, 'd> {
        Merger {
            workspace,
            diagnostics,
            resolved: BTreeMap::new(),
            applying_profile: false,
            refused_below: Vec::new(),
        }
    }

    /// Resolves every declaration with a chain but those in `deferred`,
    /// then checks that each pipeline resolved binds every abstract member
    /// (R29). A deferred declaration is one nothing extends, resolved
    /// later by [`Merger::resolve_leaf`], where its plan is built: so that
    /// the merged members of ten thousand services are never all held at
    /// once.
    pub fn run(
        mut self,
        scopes: &Scopes<'w>,
        chains: &Chains,
        deferred: &std::collections::BTreeSet<DeclId>,
    ) -> BTreeMap<DeclId, ResolvedBlock<'w>> {
        let decls: Vec<(DeclId, DeclKind)> = scopes
            .all()
            .filter(|(decl, kind, _)| {
                matches!(
                    kind,
                    DeclKind::Template | DeclKind::Pipeline | DeclKind::Registry
                ) && !deferred.contains(decl)
            })
            .map(|(decl, kind, _)| (decl, kind))
            .collect();
        // Every link of every chain, root first, the first time a chain
        // names it, with its parent and its depth below the chain's root.
        let mut order: Vec<(DeclId, Option<DeclId>, usize)> = Vec::new();
        let mut depths: BTreeMap<DeclId, usize> = BTreeMap::new();
        for &(decl, _) in &decls {
            let Some(chain) = chains.chain(decl) else {
                continue;
            };
            for (idx, &link) in chain.iter().enumerate() {
                if depths.contains_key(&link) {
                    continue;
                }
                let parent = idx
                    .checked_sub(1)
                    .and_then(|parent_idx| chain.get(parent_idx))
                    .copied();
                let depth = parent
                    .and_then(|parent| depths.get(&parent))
                    .map_or(0, |depth| depth + 1);
                depths.insert(link, depth);
                order.push((link, parent, depth));
            }
        }
        // The links of one depth read only their parents, one depth up:
        // they are resolved together, on every core, each reporting into its
        // own list; the lists are joined in `order`, as if the links had
        // been resolved one after another.
        let mut reported: Vec<Vec<Diagnostic>> = vec![Vec::new(); order.len()];
        let deepest = order.iter().map(|&(_, _, depth)| depth).max().unwrap_or(0);
        for depth in 0..=deepest {
            let level: Vec<(usize, DeclId, Option<DeclId>)> = order
                .iter()
                .enumerate()
                .filter(|(_, (_, _, at))| *at == depth)
                .map(|(index, &(link, parent, _))| (index, link, parent))
                .collect();
            let resolved = &self.resolved;
            let workspace = self.workspace;
            let done = crate::parallel::map_in_order(level, |(index, link, parent)| {
                let mut found = Vec::new();
                let block = Merger::new(workspace, &mut found).resolve_link(
                    scopes,
                    link,
                    parent.map(|parent| resolved.get(&parent)),
                );
                (index, link, block, found)
            });
            for (index, link, block, found) in done {
                if let Some(block) = block {
                    self.resolved.insert(link, block);
                }
                if let Some(slot) = reported.get_mut(index) {
                    *slot = found;
                }
            }
        }
        self.diagnostics.extend(reported.into_iter().flatten());
        // Each pipeline's own, on every core, reported in declaration order.
        let pipelines: Vec<DeclId> = decls
            .iter()
            .filter(|(_, kind)| *kind == DeclKind::Pipeline)
            .map(|&(decl, _)| decl)
            .collect();
        let resolved = &self.resolved;
        let found = crate::parallel::map_in_order(pipelines, |decl| {
            let mut found = Vec::new();
            if let Some(block) = resolved.get(&decl) {
                Merger::check_pipeline(block, scopes, chains, decl, &mut found);
            }
            found
        });
        self.diagnostics.extend(found.into_iter().flatten());
        self.resolved
    }

    /// Resolves a pipeline nothing extends, deferred by [`Merger::run`],
    /// whose `chain` ends with it, on its parent's resolved block in
    /// `resolved`, with the checks `run` makes of each pipeline it
    /// resolves.
    pub fn resolve_leaf(
        mut self,
        (scopes, chains): (&Scopes<'w>, &Chains),
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        (decl, chain): (DeclId, &[DeclId]),
    ) -> Option<ResolvedBlock<'w>> {
        let parent = chain
            .len()
            .checked_sub(2)
            .and_then(|at| chain.get(at))
            .map(|parent| resolved.get(parent));
        let block = self.resolve_link(scopes, decl, parent)?;
        Merger::check_pipeline(&block, scopes, chains, decl, self.diagnostics);
        Some(block)
    }

    /// The checks of a resolved pipeline: abstract members bound, a
    /// platform given.
    fn check_pipeline(
        block: &ResolvedBlock<'w>,
        scopes: &Scopes<'w>,
        chains: &Chains,
        decl: DeclId,
        found: &mut Vec<Diagnostic>,
    ) {
        Merger::check_bound(block, scopes, decl, found);
        Merger::check_platform(block, scopes, chains, decl, found);
    }

    /// One link of a chain: its body applied to its parent's resolved
    /// block, or `None` for a declaration that is not a body. `parent` is
    /// `None` for a chain's root, and `Some(None)` for a parent that did
    /// not resolve: the link starts empty, but is checked as a child.
    fn resolve_link(
        &mut self,
        scopes: &Scopes<'w>,
        link: DeclId,
        parent: Option<Option<&ResolvedBlock<'w>>>,
    ) -> Option<ResolvedBlock<'w>> {
        let item = scopes.item(link)?;
        let decl_ast = decl_of(&item.kind)?;
        let body_kind = match item.kind {
            crate::syntax::ast::ItemKind::Registry(_) => Body::Registry,
            crate::syntax::ast::ItemKind::Pipeline(_) => Body::Pipeline,
            _ => Body::Template,
        };
        let mut block = parent.flatten().cloned().unwrap_or_default();
        let ctx = Ctx {
            checks: parent.is_some(),
            body: body_kind,
            in_template: body_kind == Body::Template,
            in_profile: false,
        };
        self.apply(&mut block, &decl_ast.body, link.file, ctx);
        Some(block)
    }
}
