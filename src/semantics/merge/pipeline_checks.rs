//! The checks of each pipeline once its chain has resolved: every abstract
//! member bound (R29), and a platform given. They read the resolved
//! blocks only, after the merge, so they stand apart from it.

use super::{Key, Merger, ResolvedBlock};
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::scope::{DeclId, Scopes};
use crate::source::{FileId, Span};

impl<'w, 'd> Merger<'w, 'd> {
    /// A pipeline says which platform it deploys to: strategies and
    /// policies depend on it, so none is not taken to mean one.
    pub(super) fn check_platform(
        block: &ResolvedBlock<'w>,
        scopes: &Scopes<'w>,
        chains: &crate::semantics::chains::Chains,
        decl: DeclId,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if block.get_field("platform").is_some() {
            return;
        }
        // A `platform += [...]` (or `-=`) on the way was refused where it
        // is written (P0701): the platform it meant to give is that one
        // mistake, not also a missing one.
        let edits_platform = chains.chain(decl).is_some_and(|chain| {
            chain.iter().any(|&link| {
                scopes
                    .item(link)
                    .and_then(|item| item.kind.body())
                    .is_some_and(|body| {
                        body.members.iter().any(|member| {
                            matches!(
                                &member.kind,
                                crate::syntax::ast::MemberKind::FieldAssign { name, op, .. }
                                    if name.name == "platform"
                                        && *op != crate::syntax::ast::AssignOp::Replace
                            )
                        })
                    })
            })
        });
        if edits_platform {
            return;
        }
        let Some(name) = scopes.item(decl).and_then(|item| item.kind.name()) else {
            return;
        };
        diagnostics.push(
            Diagnostic::error(
                Code::REQUIRED_FIELD,
                format!("pipeline `{}` has no `platform`", name.name),
            )
            .primary(decl.file, name.span, "no platform given here or in its templates")
            .note("which strategies a deployment may use, and how AZs are rolled, depend on the platform")
            .help("add `platform = ecs` (or `lambda`, `ec2`, `on_premises`) to the pipeline or a template it extends"),
        );
    }

    pub(super) fn check_bound(
        block: &ResolvedBlock<'w>,
        scopes: &Scopes<'w>,
        decl: DeclId,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        // Almost every pipeline binds everything: find that out without
        // naming each member on the way.
        if !has_abstract(block) {
            return;
        }
        let mut unbound: Vec<(FileId, Span, String)> = Vec::new();
        let mut pending: Vec<(&ResolvedBlock<'w>, String)> = vec![(block, String::new())];
        while let Some((block, prefix)) = pending.pop() {
            for (key, member) in &block.members {
                if matches!(key, Key::Named("profile", _)) {
                    continue;
                }
                if let Some((file, span)) = member.abstract_at() {
                    unbound.push((file, span, format!("{prefix}{}", key.describe())));
                }
                if let Some(body) = &member.body {
                    pending.push((body, format!("{prefix}{} / ", key.describe())));
                }
            }
        }
        if unbound.is_empty() {
            return;
        }
        unbound.sort();
        let Some(name) = scopes.item(decl).and_then(|item| item.kind.name()) else {
            return;
        };
        let names: Vec<&str> = unbound.iter().map(|(_, _, what)| what.as_str()).collect();
        let mut diagnostic = Diagnostic::error(
            Code::UNBOUND_ABSTRACT,
            format!(
                "pipeline `{}` does not bind {}",
                name.name,
                names.join(", ")
            ),
        )
        .primary(decl.file, name.span, "abstract members left unbound");
        for (file, span, what) in &unbound {
            diagnostic =
                diagnostic.secondary(*file, *span, format!("{what} is declared abstract here"));
        }
        diagnostics.push(diagnostic.help("give each a value in the pipeline, e.g. `service = \"orders-api\"` or `alarm NAME = ...`"));
    }
}

/// Whether a member of `block` or of a body in it (its profiles aside) is
/// still abstract: what [`Merger::check_bound`] reports, found without
/// naming anything.
fn has_abstract(block: &ResolvedBlock<'_>) -> bool {
    let mut pending = vec![block];
    while let Some(block) = pending.pop() {
        for (key, member) in &block.members {
            if matches!(key, Key::Named("profile", _)) {
                continue;
            }
            if member.abstract_at().is_some() {
                return true;
            }
            if let Some(body) = &member.body {
                pending.push(body);
            }
        }
    }
    false
}
