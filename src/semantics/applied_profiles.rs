//! The profiles applied to resolved pipelines: the selected one
//! (`--profile`), in place, and every other one, each to a copy that is
//! dropped, for what applying it reports (R39: "checked but not applied").

use super::chains::Chains;
use super::merge::{self, ResolvedBlock};
use super::scope::{DeclId, DeclKind, Scopes};
use super::{check_alarms_of, profile_names};
use crate::diagnostics::Diagnostic;
use crate::modules::Workspace;
use std::collections::BTreeMap;

/// Applies the selected profile to every pipeline in `resolved` that has
/// it; a pipeline without it is an error naming the profiles it has (R39).
pub(super) fn apply_profile<'w>(
    workspace: &'w Workspace,
    scopes: &Scopes<'w>,
    chains: &Chains,
    resolved: &mut BTreeMap<DeclId, ResolvedBlock<'w>>,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<DeclId, merge::ProfileEffects<'w>> {
    let mut effects = BTreeMap::new();
    let mut missing = Vec::new();
    for (decl, kind, _) in scopes.all() {
        if kind != DeclKind::Pipeline {
            continue;
        }
        let (Some(chain), Some(block)) = (chains.chain(decl), resolved.get_mut(&decl)) else {
            continue;
        };
        let context = (workspace, scopes);
        let found = apply_selected(context, (&chain, block), name, (diagnostics, &mut missing));
        effects.extend(found.map(|found| (decl, found)));
    }
    diagnostics.extend(missing);
    effects
}

/// Applies the selected profile `name` to one resolved pipeline, reporting
/// what applying it finds into `diagnostics`, and returns its effects.
/// A pipeline without the profile is an error, pushed to `missing`, unless
/// the chain declares it but it was refused (P0303, P0304: that one error,
/// R13, not also one for selecting it).
pub(super) fn apply_selected<'w>(
    (workspace, scopes): (&'w Workspace, &Scopes<'w>),
    (chain, block): (&[DeclId], &mut ResolvedBlock<'w>),
    name: &str,
    (diagnostics, missing): (&mut Vec<Diagnostic>, &mut Vec<Diagnostic>),
) -> Option<merge::ProfileEffects<'w>> {
    let &decl = chain.last()?;
    let available: Vec<String> = profile_names(block).map(str::to_string).collect();
    let applied =
        merge::Merger::new(workspace, diagnostics).apply_profile(scopes, chain, name, block);
    if applied.is_some() {
        return applied;
    }
    let pipeline = scopes.item(decl).and_then(|item| item.kind.name());
    let (true, Some(pipeline)) = (!merge::profile_refused(scopes, chain, name), pipeline) else {
        return None;
    };
    let removed = merge::profile_removal(scopes, chain, name);
    let mut diagnostic = crate::diagnostics::Diagnostic::error(
        crate::diagnostics::Code::UNKNOWN_PROFILE,
        format!("pipeline `{}` has no profile `{name}`", pipeline.name),
    )
    .primary(
        decl.file,
        pipeline.span,
        format!("selected with `--profile {name}`"),
    );
    // A profile its templates declare and the chain removes is gone
    // (R36), as if never declared.
    if let Some((file, span)) = removed {
        diagnostic = diagnostic.secondary(file, span, format!("`{name}` removed here"));
    }
    missing.push(
        match crate::names::closest(name, available.iter().map(String::as_str)) {
            Some(suggestion) => diagnostic.help(format!("did you mean `--profile {suggestion}`?")),
            None if available.is_empty() && removed.is_some() => {
                diagnostic.help("it has no other profile")
            }
            None if available.is_empty() => {
                diagnostic.help("this pipeline and its templates declare no profile")
            }
            None => diagnostic.help(format!("its profiles are {}", available.join(", "))),
        },
    );
    None
}

/// Checks every profile that is not applied (R39: "checked but not
/// applied"), so that a mistake in `profile emergency` is found in review,
/// not during the incident that selects it. Each is applied to a copy of
/// every pipeline that has it, and of every template no declaration
/// extends (so a template file checked alone gets its profiles' errors;
/// a template with descendants is checked through them, since a profile's
/// keys are checked against the pipeline, R40). What merging and alarm
/// resolution report is kept; the copies are dropped. A mistake seen
/// through several pipelines is the same diagnostic, reported once.
pub(super) fn check_unselected_profiles<'w>(
    workspace: &'w Workspace,
    scopes: &Scopes<'w>,
    chains: &Chains,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
    selected: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let extended = chains.extended();
    for (decl, kind, _) in scopes.all() {
        let applies_selected = match kind {
            // Without `--profile`, a pipeline's profiles are applied where
            // its plan is built (`analyze`), once for both checks.
            DeclKind::Pipeline if selected.is_none() => continue,
            DeclKind::Pipeline => true,
            DeclKind::Template if !extended.contains(&decl) => false,
            _ => continue,
        };
        if let (Some(chain), Some(block)) = (chains.chain(decl), resolved.get(&decl)) {
            let unselected = selected.filter(|_| applies_selected);
            check_unselected_of(
                (workspace, scopes),
                (&chain, block),
                unselected,
                diagnostics,
            );
        }
    }
}

/// [`check_unselected_profiles`] of one resolved declaration: each of its
/// profiles but `selected`.
pub(super) fn check_unselected_of<'w>(
    (workspace, scopes): (&'w Workspace, &Scopes<'w>),
    (chain, block): (&[DeclId], &ResolvedBlock<'w>),
    selected: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let names: Vec<&str> = profile_names(block)
        .filter(|name| Some(*name) != selected)
        .collect();
    for name in names {
        let mut copy = block.clone();
        let mut merger = merge::Merger::new(workspace, diagnostics);
        let _ = merger.apply_profile(scopes, chain, name, &mut copy);
        drop(merger);
        check_alarms_of(scopes, &copy, diagnostics);
    }
}
