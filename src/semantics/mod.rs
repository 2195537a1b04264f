//! Checks across files: names, inheritance, regions, alarms, and (as they
//! land) types and policies. Runs on a loaded [`Workspace`] after every file
//! parsed; reports every independent problem, and keeps what the plan is
//! built from.

pub mod alarms;
mod applied_profiles;
pub mod calendars;
pub mod chains;
pub mod merge;
pub mod placements;
pub mod policies;
pub mod profiles;
pub mod refs;
pub mod regions;
pub mod scope;
pub mod types;
pub mod windows;

use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::plan::profile_view::Approvals;
use crate::source::{FileId, Span};
use applied_profiles::{
    apply_profile, apply_selected, check_unselected_of, check_unselected_profiles,
};
use merge::{Key, ResolvedBlock};
use placements::Lasting;
use scope::{DeclId, DeclKind, Scopes};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What [`analyze`] does with the plans it builds, besides diagnostics.
#[derive(Clone, Copy)]
pub enum Want<'a> {
    /// Only the diagnostics (`check`): plans are still built, since
    /// lowering and the policies find problems, but dropped where they are
    /// built, on the worker threads, instead of returned.
    Diagnostics,
    /// The plans too, returned in [`Analysis::plans`].
    Plans,
    /// Each plan handed over on the worker thread that built it, as soon
    /// as the policies have seen it, and not kept: `compile` writes plans
    /// out one at a time so that its memory does not grow with their
    /// number.
    Stream(&'a (dyn Fn(DeclId, crate::plan::Plan) + Sync)),
}

impl Want<'_> {
    /// Where a freshly built plan goes: kept, handed over, or dropped.
    fn take(self, decl: DeclId, plan: crate::plan::Plan) -> Option<crate::plan::Plan> {
        match self {
            Want::Plans => Some(plan),
            Want::Stream(sink) => {
                sink(decl, plan);
                None
            }
            Want::Diagnostics => None,
        }
    }
}

/// The result of [`analyze`].
pub struct Analysis<'w> {
    /// Names.
    pub scopes: Scopes<'w>,
    /// Every template, pipeline and registry, resolved; but for
    /// [`Want::Plans`], without the pipelines nothing extends, which are
    /// resolved where their plans are built and dropped with them.
    pub resolved: BTreeMap<DeclId, ResolvedBlock<'w>>,
    /// Every pipeline's plan, by declaration, when asked for ([`Want`]).
    pub plans: BTreeMap<DeclId, crate::plan::Plan>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs every cross-file check. `today` is the date windows are checked
/// from (a window must open within a year of it) and, later, the date
/// exemptions expire against.
///
/// `profile` selects a profile to apply to every pipeline (`--profile`).
pub fn analyze<'w>(
    workspace: &'w Workspace,
    today: jiff::civil::Date,
    profile: Option<&str>,
    want: Want<'_>,
) -> Analysis<'w> {
    let mut diagnostics = Vec::new();
    let scopes = Scopes::new(workspace);
    scope::check_pipeline_names(workspace, &mut diagnostics);
    refs::check(workspace, &scopes, &mut diagnostics);
    windows::check(workspace, &scopes, today, &mut diagnostics);
    let chains = chains::resolve(&scopes, &mut diagnostics);
    // A pipeline nothing extends is merged where its plan is built, and
    // dropped with it unless the plans are kept: the merged members of
    // ten thousand services are never all held at once. The checks of
    // merged bodies below see the rest here, and each of those pipelines
    // there, with the same functions.
    let leaves = leaf_pipelines(&scopes, &chains);
    let mut resolved =
        merge::Merger::new(workspace, &mut diagnostics).run(&scopes, &chains, &leaves);
    let merged_windows = windows::MergedWindows::find(&scopes);
    let context = (workspace, &scopes, &chains);
    merged_windows.check_resolved(context, &resolved, today, &mut diagnostics);
    profiles::check_scales(workspace, &mut diagnostics);
    let overflows = profiles::Overflows::find(&scopes);
    overflows.check_resolved(context, &resolved, &mut diagnostics);
    check_unselected_profiles(
        workspace,
        &scopes,
        &chains,
        &resolved,
        profile,
        &mut diagnostics,
    );
    let effects = match profile {
        Some(name) => apply_profile(
            workspace,
            &scopes,
            &chains,
            &mut resolved,
            name,
            &mut diagnostics,
        ),
        None => BTreeMap::new(),
    };
    let registries = resolve_registries(workspace, &scopes, &resolved, &mut diagnostics);
    // The pipelines lowered below have their alarms checked there; those
    // without a block here are merged there.
    let pipelines: Vec<_> = scopes
        .all()
        .filter_map(|(decl, kind, item)| {
            let name = item.kind.name()?;
            match (kind, resolved.get(&decl)) {
                (DeclKind::Pipeline, Some(block)) => Some((decl, Some(block), name)),
                (DeclKind::Pipeline, None) if leaves.contains(&decl) => Some((decl, None, name)),
                _ => None,
            }
        })
        .collect();
    let lowered = pipelines.iter().map(|(decl, _, _)| *decl).collect();
    let alarm_checks = check_alarms(&scopes, &resolved, &lowered, diagnostics.len());
    let policy_files: std::collections::BTreeSet<FileId> = workspace
        .modules
        .iter()
        .filter(|module| {
            module
                .tree
                .items
                .iter()
                .any(|item| matches!(item.kind, crate::syntax::ast::ItemKind::Policy(_)))
        })
        .map(|module| module.file)
        .collect();
    // Policies (their floors, levels and exemptions) govern the pipelines
    // of the files that see them.
    let reach = import_reach(workspace, &policy_files);
    let floors = policies::floors(&scopes, &mut diagnostics);
    let policies = policies::Policies::collect(&scopes, today, &mut diagnostics);
    // From here on pipelines are independent: each is placed, lowered and
    // held to the policies on its own, so they are spread over the cores.
    // Diagnostics are sorted afterwards, so the split cannot show.
    // Pipelines that read the same production members place alike.
    let placements = placements::Placements::default();
    // A window reads alike for every pipeline it gates.
    let windows = crate::plan::lower::Windows::default();
    // One pipeline, merged, with its chain: placed, lowered, held to the
    // policies, and its profiles' plans too.
    let lower_one = |decl: DeclId,
                     chain: Option<Vec<DeclId>>,
                     block: &ResolvedBlock<'w>,
                     name: &crate::syntax::ast::Ident,
                     pipeline_effects: Option<&merge::ProfileEffects<'w>>,
                     lasting: placements::Lasting<'_, 'w>| {
        // The pipeline's share of `check_alarms`, whose texts lowering
        // takes instead of rendering them again.
        let mut alarm_found = Vec::new();
        let rendered = check_alarms_of(&scopes, block, &mut alarm_found);
        let text = |file: FileId, span: Span| source_text(workspace, file, span);
        let mut placed = Vec::new();
        let placement = placements.place(
            &mut regions::Placer {
                scopes: &scopes,
                registries: &registries,
                text: &text,
                diagnostics: &mut placed,
            },
            (decl.file, name.span),
            (block, lasting),
        );
        let mut found = placed.clone();
        let reachable = reach.get(decl.file.0 as usize);
        let governed_by = |file: FileId| reachable.is_some_and(|files| files.contains(&file));
        let governing_floors: Vec<policies::Floor> = floors
            .iter()
            .filter(|floor| governed_by(floor.file))
            .cloned()
            .collect();
        let lowerer = crate::plan::lower::Lowerer::new(
            workspace,
            &scopes,
            &mut found,
            profile
                .zip(pipeline_effects)
                .map(|(name, effects)| (name.to_string(), effects.clone())),
            governing_floors.clone(),
        )
        .sharing_windows(&windows);
        let lowerer = match want {
            Want::Diagnostics => lowerer.for_checking(),
            Want::Plans | Want::Stream(_) => lowerer,
        };
        // Every other profile of the pipeline is held to the policies too
        // (R39), so that `check` reports the errors that `--profile NAME`
        // would: a bake scaled below a denied rule's minimum, a strategy
        // the platform lacks. With `--profile` selected, the pipeline is
        // that profile's.
        let chain = chain.filter(|_| profile.is_none());
        let mut lowerer = match &chain {
            Some(_) if profile_names(block).next().is_some() => lowerer.recording_profile_sites(),
            _ => lowerer,
        };
        let mut plan = lowerer.lower_rendered(&name.name, block, placement.as_deref(), rendered);
        let rendered_alarms = lowerer.rendered_alarms();
        let sites = lowerer.take_profile_sites();
        let mut findings = policies.check(&plan, (decl.file, name.span), &governed_by);
        let Some(chain) = chain else {
            return Outcome::lowered(want.take(decl, plan), found, findings, alarm_found);
        };
        // The plan of profile `other`, lowered from a copy of the pipeline
        // with the profile applied. Only its errors are kept; the
        // profile's merge errors were reported already.
        let lower_under = |other: &str, found: &mut Vec<Diagnostic>| {
            // One copy per profile serves both checks: what applying the
            // profile reports (its merge and its alarms, R39), and the
            // errors of the plan it gives.
            let mut copy = block.clone();
            let other_effects = merge::Merger::new(workspace, found)
                .apply_profile(&scopes, &chain, other, &mut copy)?;
            // A profile that changes no member leaves the alarms as the
            // pipeline's check found them, and as lowering rendered them;
            // one that does has its own checked, and lowering takes those
            // texts.
            let copy_rendered = if copy.unchanged_from(block) {
                rendered_alarms.clone()
            } else {
                check_alarms_of(&scopes, &copy, found)
            };
            // Placing reads only `production`: a profile that leaves it as
            // the pipeline has it (shared, not copied) places the same.
            let own_placement;
            let (placement, mut under) = if copy.shares(block, &Key::Single("production")) {
                (placement.as_deref(), placed.clone())
            } else {
                let mut under = Vec::new();
                own_placement = regions::Placer {
                    scopes: &scopes,
                    registries: &registries,
                    text: &text,
                    diagnostics: &mut under,
                }
                .place((decl.file, name.span), &copy);
                (own_placement.as_ref(), under)
            };
            let other_plan = crate::plan::lower::Lowerer::new(
                workspace,
                &scopes,
                &mut under,
                Some((other.to_string(), other_effects)),
                governing_floors.clone(),
            )
            .sharing_windows(&windows)
            .for_checking()
            .lower_rendered(&name.name, &copy, placement, copy_rendered);
            found.extend(
                under
                    .into_iter()
                    .filter(Diagnostic::is_error)
                    .map(|diagnostic| diagnostic.note(format!("with `--profile {other}`"))),
            );
            Some(other_plan)
        };
        // A finding the pipeline has without the profile too is not the
        // profile's: it is reported once, as it is.
        let without: std::collections::BTreeSet<_> =
            findings.iter().map(policies::Finding::identity).collect();
        let mut profile_findings = Vec::new();
        for other in profile_names(block) {
            let Some((other_effects, only_effects)) =
                merge::ProfileEffects::of_profile(&scopes, &chain, other)
            else {
                continue;
            };
            let pipeline_at = (decl.file, name.span);
            let own = match &sites {
                // A profile that overrides no member (and for which no
                // window is approved) leaves the pipeline's placement,
                // alarms and lowering errors as they are: its plan is the
                // pipeline's with its bakes and approvals, and what
                // lowering would report again is the pipeline's own.
                Some(sites) if only_effects && !approves_window_for(block, other) => {
                    let checked = |plan: &crate::plan::Plan| {
                        policies.check_errors(plan, pipeline_at, &governed_by)
                    };
                    let effects = (other, &other_effects);
                    // In a debug build (every test run) the plan had so
                    // is compared with the one lowering gives: a rule of
                    // lowering it misses fails the test that meets it.
                    // The policies read it with the profile's approvals
                    // last, which they find as they find them in place.
                    if cfg!(debug_assertions) && matches!(want, Want::Diagnostics) {
                        let lowered = lower_under(other, &mut Vec::new());
                        let in_place = (&governing_floors[..], Approvals::AtEntry);
                        let derived =
                            sites.with_profile(&mut plan, effects, in_place, Clone::clone);
                        assert_eq!(
                            lowered.as_ref(),
                            Some(&derived),
                            "profile `{other}` of `{}`",
                            name.name
                        );
                        let found_in_place =
                            sites.with_profile(&mut plan, effects, in_place, checked);
                        let last = (&governing_floors[..], Approvals::Last);
                        let found_last = sites.with_profile(&mut plan, effects, last, checked);
                        assert_eq!(
                            format!("{found_in_place:?}"),
                            format!("{found_last:?}"),
                            "the policies on profile `{other}` of `{}`",
                            name.name
                        );
                    }
                    let last = (&governing_floors[..], Approvals::Last);
                    sites.with_profile(&mut plan, effects, last, checked)
                }
                _ => match lower_under(other, &mut found) {
                    Some(other_plan) => {
                        policies.check_errors(&other_plan, pipeline_at, &governed_by)
                    }
                    None => continue,
                },
            };
            profile_findings.extend(
                own.into_iter()
                    .filter(|finding| !without.contains(&finding.identity()))
                    .map(|finding| finding.under_profile(other)),
            );
        }
        findings.extend(profile_findings);
        Outcome::lowered(want.take(decl, plan), found, findings, alarm_found)
    };
    let per_pipeline = crate::parallel::map_in_order(pipelines, |(decl, block, name)| {
        if let Some(block) = block {
            let (chain, effects) = (chains.chain(decl), effects.get(&decl));
            let lowered = lower_one(decl, chain, block, name, effects, Lasting::Whole);
            return (decl, lowered.boxed_unless_empty());
        }
        // A pipeline nothing extends: merged here, on its parent's block,
        // and checked as the others were once merged.
        // (`leaf_pipelines` takes only pipelines with a chain.)
        let Some(chain) = chains.chain(decl) else {
            return (decl, None);
        };
        let mut merged = Vec::new();
        let Some(mut leaf) = merge::Merger::new(workspace, &mut merged).resolve_leaf(
            (&scopes, &chains),
            &resolved,
            (decl, &chain),
        ) else {
            let nothing_lowered = Outcome {
                merged,
                ..Outcome::default()
            };
            return (decl, nothing_lowered.boxed_unless_empty());
        };
        let sources = (workspace, &scopes);
        merged_windows.check_leaf(sources, &resolved, (&chain, &leaf), today, &mut merged);
        overflows.check_one(sources, (&chain, &leaf), &mut merged);
        let mut leaf_effects = None;
        if let Some(selected) = profile {
            check_unselected_of(sources, (&chain, &leaf), Some(selected), &mut merged);
            let mut missing = Vec::new();
            let found = (&mut merged, &mut missing);
            leaf_effects = apply_selected(sources, (&chain, &mut leaf), selected, found);
            merged.extend(missing);
        }
        let parent = chain.len().checked_sub(2).and_then(|at| chain.get(at));
        let lasting = Lasting::Inherited(parent.and_then(|parent| resolved.get(parent)));
        let effects = leaf_effects.as_ref();
        let lowered = lower_one(decl, Some(chain), &leaf, name, effects, lasting);
        let outcome = Outcome {
            merged,
            // The language server reads every merged body.
            kept: matches!(want, Want::Plans).then_some(leaf),
            ..lowered
        };
        (decl, outcome.boxed_unless_empty())
    });
    let mut plans = BTreeMap::new();
    let mut findings = Vec::new();
    let mut alarms_of_pipelines = BTreeMap::new();
    // A literal that could not be read, or a value of the wrong type,
    // leaves its value out of the plan (a bake of nothing, a wave of no
    // regions), and the policies would
    // find fault with the gap: a pipeline whose chain has such a literal
    // is not held to them until it is fixed, so that one mistake makes
    // one error.
    let unreadable = files_with_unreadable_literals(workspace);
    let mistyped = values_of_the_wrong_type(workspace);
    let poisoned = |decl: DeclId| {
        (!unreadable.is_empty() || !mistyped.is_empty())
            && chains
                .chain(decl)
                .unwrap_or_else(|| vec![decl])
                .iter()
                .any(|&link| {
                    unreadable.contains(&link.file)
                        || scopes.item(link).is_some_and(|item| {
                            mistyped.iter().any(|&(file, span)| {
                                file == link.file
                                    && item.span.start <= span.start
                                    && span.end <= item.span.end
                            })
                        })
                })
    };
    for (decl, outcome) in per_pipeline {
        let Some(outcome) = outcome else {
            continue;
        };
        let Outcome {
            merged,
            kept,
            plan,
            found,
            findings: pipeline_findings,
            alarm_found,
        } = *outcome;
        diagnostics.extend(merged);
        if let Some(block) = kept {
            resolved.insert(decl, block);
        }
        if let Some(plan) = plan {
            plans.insert(decl, plan);
        }
        // A value lowering found of the wrong type is missing from the
        // plan too (under a profile: from that profile's plan).
        let lowered_without_a_value = found
            .iter()
            .any(|diagnostic| diagnostic.code == Code::TYPE_MISMATCH);
        diagnostics.extend(found);
        if !poisoned(decl) && !lowered_without_a_value {
            findings.extend(pipeline_findings);
        }
        if !alarm_found.is_empty() {
            alarms_of_pipelines.insert(decl, alarm_found);
        }
    }
    alarm_checks.finish(&mut diagnostics, alarms_of_pipelines);
    // Rendered after every pipeline is checked, so that a template's line
    // is one finding naming the pipelines it affects (R14).
    diagnostics.extend(policies::report(findings));
    drop_names_of_broken_declarations(workspace, &mut diagnostics);
    Analysis {
        scopes,
        resolved,
        plans,
        diagnostics,
    }
}

/// What one pipeline's part of [`analyze`] found and built. Boxed, and
/// left out when it is nothing (a pipeline without a problem, its plan
/// handed over or dropped): the list of every pipeline's outcome, held
/// until the last is built, costs a pointer per pipeline rather than the
/// room for a plan.
#[derive(Default)]
struct Outcome<'w> {
    /// What merging a pipeline nothing extends, and checking it merged,
    /// found.
    merged: Vec<Diagnostic>,
    /// Its merged body, for a caller that keeps them ([`Want::Plans`]).
    kept: Option<ResolvedBlock<'w>>,
    /// Its plan, kept ([`Want::Plans`]).
    plan: Option<crate::plan::Plan>,
    /// What placing and lowering it found.
    found: Vec<Diagnostic>,
    /// What the policies found in its plans.
    findings: Vec<policies::Finding>,
    /// What checking its alarm expressions found.
    alarm_found: Vec<Diagnostic>,
}

impl<'w> Outcome<'w> {
    fn lowered(
        plan: Option<crate::plan::Plan>,
        found: Vec<Diagnostic>,
        findings: Vec<policies::Finding>,
        alarm_found: Vec<Diagnostic>,
    ) -> Outcome<'w> {
        Outcome {
            plan,
            found,
            findings,
            alarm_found,
            ..Outcome::default()
        }
    }

    fn boxed_unless_empty(self) -> Option<Box<Outcome<'w>>> {
        let empty = self.merged.is_empty()
            && self.kept.is_none()
            && self.plan.is_none()
            && self.found.is_empty()
            && self.findings.is_empty()
            && self.alarm_found.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

/// The pipelines with a chain that nothing extends: the leaves of
/// inheritance, merged where their plans are built.
fn leaf_pipelines(
    scopes: &Scopes<'_>,
    chains: &chains::Chains,
) -> std::collections::BTreeSet<DeclId> {
    let extended = chains.extended();
    scopes
        .all()
        .filter(|(decl, kind, _)| {
            *kind == DeclKind::Pipeline && !extended.contains(decl) && chains.chain(*decl).is_some()
        })
        .map(|(decl, _, _)| decl)
        .collect()
}

/// The files with a literal that could not be read (`P0005`, `P0006`,
/// `P0011`).
fn files_with_unreadable_literals(workspace: &Workspace) -> std::collections::BTreeSet<FileId> {
    workspace
        .diagnostics
        .iter()
        .filter(|diagnostic| UNREADABLE_LITERAL_CODES.contains(&diagnostic.code))
        .filter_map(|diagnostic| diagnostic.primary_label().map(|label| label.file))
        .collect()
}

/// Where a built-in value of the wrong type is written (`P0701`, found
/// where it is written, in whichever declaration): the value is missing
/// from the plan of every pipeline whose chain holds it, as an unreadable
/// literal's is, but a file's other declarations are unaffected.
fn values_of_the_wrong_type(workspace: &Workspace) -> Vec<(FileId, crate::source::Span)> {
    workspace
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == Code::TYPE_MISMATCH)
        .filter_map(|diagnostic| {
            diagnostic
                .primary_label()
                .map(|label| (label.file, label.span))
        })
        .collect()
}

/// The codes of a literal that could not be read.
const UNREADABLE_LITERAL_CODES: [Code; 3] = [
    Code::INVALID_ESCAPE,
    Code::INVALID_LITERAL,
    Code::NUL_IN_STRING,
];

/// Whether a scope of `block` has a window approved for profile `name`
/// (`window NAME for profile PROFILE`), which lowering under the profile
/// reads in place of the scope's own.
fn approves_window_for(block: &ResolvedBlock<'_>, name: &str) -> bool {
    block.members.iter().any(|(key, member)| {
        matches!(key, Key::Named("window for profile", profile) if *profile == name)
            || member
                .body
                .as_ref()
                .is_some_and(|body| approves_window_for(body, name))
    })
}

/// The profiles a resolved pipeline or template has.
fn profile_names<'b>(block: &'b ResolvedBlock<'_>) -> impl Iterator<Item = &'b str> {
    block.members.iter().filter_map(|(key, _)| match key {
        Key::Named("profile", name) => Some(*name),
        _ => None,
    })
}

/// A name that cannot be found because its declaration did not parse (in
/// the file of the reference or one it imports), or, in a file with an
/// import that did not resolve (`P0201`–`P0203`), one that import would
/// most likely have brought, is not reported as a second mistake: it is
/// checked again once the first one is fixed.
fn drop_names_of_broken_declarations(workspace: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    // The messages a broken declaration explains, by the file declaring it.
    let broken_names: Vec<(FileId, String)> = workspace
        .modules
        .iter()
        .flat_map(|module| {
            module
                .tree
                .broken_names
                .iter()
                .map(|name| (module.file, format!("cannot find `{name}`")))
        })
        .collect();
    let broken_imports: std::collections::BTreeSet<FileId> = workspace
        .modules
        .iter()
        .filter(|module| {
            let written = module
                .tree
                .items
                .iter()
                .filter(|item| matches!(item.kind, crate::syntax::ast::ItemKind::Import(_)))
                .count();
            module.imports.len() < written
        })
        .map(|module| module.file)
        .collect();
    if broken_imports.is_empty() && broken_names.is_empty() {
        return;
    }
    let reach = if broken_names.is_empty() {
        Vec::new()
    } else {
        let declaring = broken_names.iter().map(|(file, _)| *file).collect();
        import_reach(workspace, &declaring)
    };
    diagnostics.retain(|diagnostic| {
        if diagnostic.code != crate::diagnostics::Code::UNKNOWN_NAME {
            return true;
        }
        let Some(file) = diagnostic.primary_label().map(|label| label.file) else {
            return true;
        };
        let unresolved_name = diagnostic.message.starts_with("cannot find `")
            || diagnostic.message.starts_with("no imported module `");
        let sees = |declaring: FileId| {
            reach
                .get(file.0 as usize)
                .is_some_and(|files| files.contains(&declaring))
        };
        let explained_by_broken_declaration = broken_names
            .iter()
            .any(|(declaring, message)| *message == diagnostic.message && sees(*declaring));
        !(explained_by_broken_declaration || unresolved_name && broken_imports.contains(&file))
    });
}

/// Resolves every alarm expression of one resolved body (see
/// [`alarm_expressions`]), reporting what does not resolve, and returns
/// the texts, for lowering the body without rendering them again.
fn check_alarms_of(
    scopes: &Scopes<'_>,
    block: &ResolvedBlock<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> crate::plan::lower::RenderedAlarms {
    let mut renderer = alarms::AlarmRenderer {
        scopes,
        pipeline: block,
        diagnostics,
        reported_cycles: std::collections::BTreeSet::new(),
        reported_too_deep: false,
    };
    let mut rendered = crate::plan::lower::RenderedAlarms::default();
    for (expr, file, is_alarm) in alarm_expressions(block) {
        // An alarm member's value blames an expansion too long where a
        // reference to the alarm does, so that it is reported once.
        let text = if is_alarm {
            renderer.render_alarm(expr, file)
        } else {
            renderer.render(expr, file)
        };
        rendered.insert(expr, file, text);
    }
    rendered
}

/// For each file, which of the `targets` it can see: itself and everything
/// it imports, directly or through other imports, kept to the files asked
/// about (those declaring policies, say), so that a chain of n imports
/// costs n steps and not n² (each file seeing all the files below it).
/// Files importing each other (a cycle, already an error) see alike.
fn import_reach(
    workspace: &Workspace,
    targets: &std::collections::BTreeSet<FileId>,
) -> Vec<std::collections::BTreeSet<FileId>> {
    let graph: Vec<Vec<(usize, ())>> = workspace
        .modules
        .iter()
        .map(|module| {
            module
                .imports
                .iter()
                .map(|import| (import.target.0 as usize, ()))
                .collect()
        })
        .collect();
    let mut reach = vec![std::collections::BTreeSet::new(); graph.len()];
    // Every component comes after the components it reaches, so what a
    // component imports is known when it is reached.
    for component in crate::names::components_sinks_first(&graph) {
        let mut seen: std::collections::BTreeSet<FileId> = component
            .iter()
            .map(|&file| FileId(file as u32))
            .filter(|file| targets.contains(file))
            .collect();
        for &file in &component {
            for &(target, ()) in graph.get(file).map_or(&[][..], Vec::as_slice) {
                if component.binary_search(&target).is_err()
                    && let Some(below) = reach.get(target)
                {
                    seen.extend(below.iter().copied());
                }
            }
        }
        for &file in &component {
            if let Some(slot) = reach.get_mut(file) {
                slot.clone_from(&seen);
            }
        }
    }
    reach
}

/// The text of a span, for values compared or shown as written.
pub fn source_text(workspace: &Workspace, file: FileId, span: Span) -> String {
    workspace
        .sources
        .get(file)
        .and_then(|source| source.text.get(span.start()..span.end()))
        .unwrap_or("")
        .to_string()
}

/// Every registry of the workspace, resolved, by declaration, with its AZ
/// ids checked.
fn resolve_registries(
    workspace: &Workspace,
    scopes: &Scopes<'_>,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<DeclId, Arc<regions::Registry>> {
    let text = |file: FileId, span: Span| source_text(workspace, file, span);
    let mut found = Vec::new();
    let registries = scopes
        .all()
        .filter(|(_, kind, _)| *kind == DeclKind::Registry)
        .filter_map(|(decl, _, item)| {
            let (block, name) = (resolved.get(&decl)?, item.kind.name()?);
            let registry = regions::Registry::from_resolved(&name.name, block, &text);
            registry.check_azs(&mut found);
            Some((decl, Arc::new(registry)))
        })
        .collect();
    // A registry that extends another inherits its AZ lists, and with them
    // their problems: each is reported once, where it is written.
    let mut seen = std::collections::BTreeSet::new();
    diagnostics.extend(found.into_iter().filter(|diagnostic| {
        let place = diagnostic
            .labels
            .first()
            .map(|label| (label.file, label.span.start(), label.span.end()));
        seen.insert((diagnostic.code, place, diagnostic.message.clone()))
    }));
    registries
}

/// Every alarm expression of every template and pipeline, and every
/// top-level alarm, resolves and is not recursive: alarm members,
/// `rollback on` and `block on` items anywhere. Templates are checked on their own, so a template no
/// pipeline extends yet gets its errors too; an abstract alarm is a name
/// without an expression there. A problem met again through an extending
/// pipeline is the same diagnostic, reported once.
///
/// The pipelines in `lowered` are checked where they are lowered (their
/// texts serve the lowering): what they report goes in place when
/// [`PendingAlarmChecks::finish`] is given it, at `at` in the diagnostics,
/// in the order checking every body here would have given.
fn check_alarms(
    scopes: &Scopes<'_>,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'_>>,
    lowered: &std::collections::BTreeSet<DeclId>,
    at: usize,
) -> PendingAlarmChecks {
    let mut top_level = Vec::new();
    let mut blocks = Vec::new();
    for (decl, kind, _) in scopes.all() {
        match kind {
            // A pipeline lowered may be merged only where it is lowered.
            DeclKind::Pipeline if lowered.contains(&decl) => blocks.push((decl, None)),
            DeclKind::Pipeline | DeclKind::Template => {
                blocks.extend(resolved.get(&decl).map(|block| (decl, Some(block))))
            }
            DeclKind::Alarm => top_level.push(decl),
            _ => {}
        }
    }
    // Each body's alarms are checked on their own (a renderer per body),
    // on every core; their diagnostics are joined in the bodies' order, as
    // if checked one after another. A pipeline that is lowered has its
    // alarms checked there, where their texts serve the lowering.
    let bodies = crate::parallel::map_in_order(blocks, |(decl, block)| {
        let Some(block) = block else {
            return Err(decl);
        };
        let mut found = Vec::new();
        check_alarms_of(scopes, block, &mut found);
        Ok(found)
    });
    // A top-level alarm no pipeline names is still checked: an unknown
    // name in it is a mistake waiting for its first user. Rendered as a
    // reference renders it, a problem also met through a pipeline is the
    // same diagnostic, reported once.
    let no_members = ResolvedBlock::default();
    let mut found = Vec::new();
    let mut renderer = alarms::AlarmRenderer {
        scopes,
        pipeline: &no_members,
        diagnostics: &mut found,
        reported_cycles: std::collections::BTreeSet::new(),
        reported_too_deep: false,
    };
    for decl in top_level {
        let _ = renderer.render_declared(decl);
    }
    PendingAlarmChecks {
        at,
        bodies,
        top_level: found,
    }
}

/// What [`check_alarms`] found, waiting for the alarms of the pipelines
/// that are checked where they are lowered, to be put where checking
/// every body in turn would have put them.
struct PendingAlarmChecks {
    /// Where in the diagnostics they go.
    at: usize,
    /// Each body's diagnostics, in order, or the pipeline whose are to come.
    bodies: Vec<Result<Vec<Diagnostic>, DeclId>>,
    /// The top-level alarms', after every body's.
    top_level: Vec<Diagnostic>,
}

impl PendingAlarmChecks {
    /// Puts every body's diagnostics in place, given those of the pipelines
    /// checked where they were lowered.
    fn finish(
        self,
        diagnostics: &mut Vec<Diagnostic>,
        mut of_pipelines: BTreeMap<DeclId, Vec<Diagnostic>>,
    ) {
        let ordered: Vec<Diagnostic> = self
            .bodies
            .into_iter()
            .flat_map(|body| match body {
                Ok(found) => found,
                Err(decl) => of_pipelines.remove(&decl).unwrap_or_default(),
            })
            .chain(self.top_level)
            .collect();
        let at = self.at.min(diagnostics.len());
        diagnostics.splice(at..at, ordered);
    }
}

/// Every alarm expression in a resolved body, with the file it is written
/// in and whether it is the value of an `alarm` member, in a stable
/// order. Profiles are skipped: they are checked when applied.
pub fn alarm_expressions<'w>(
    block: &ResolvedBlock<'w>,
) -> Vec<(&'w crate::syntax::ast::Expr, FileId, bool)> {
    use crate::syntax::ast::MemberKind;
    let mut found = Vec::new();
    let mut pending = vec![block];
    while let Some(block) = pending.pop() {
        for (key, member) in &block.members {
            if matches!(key, Key::Named("profile", _)) {
                continue;
            }
            if let Some((base, file)) = member.base {
                match &base.kind {
                    MemberKind::Alarm(alarm) => {
                        found.extend(alarm.value.as_ref().map(|value| (value, file, true)))
                    }
                    MemberKind::Rollback { alarm } => found.push((alarm, file, false)),
                    _ => {}
                }
            }
            pending.extend(member.body.as_deref());
        }
        for (member, places) in &block.collection {
            if let MemberKind::BlockOn { blockers } = &member.kind {
                let file = places.first().map_or(FileId(0), |place| place.file);
                found.extend(blockers.iter().map(|blocker| (&blocker.alarm, file, false)));
            }
        }
    }
    found
}
