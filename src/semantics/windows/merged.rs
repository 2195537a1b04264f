//! Windows checked once merged: an inline window written under `extends`
//! as it merges into the inline window it inherits, and a profile's inline
//! window once the profile is applied, has a `zone` and an `allow` (P0502)
//! and opens (P0503). Where it is written such a window is checked only
//! for what it writes (`super::check`).

use super::{
    WindowSpec, broken_beyond_habit, is_invalid, keyword_span, literal, merge_ranges, never_opens,
    push_range, read_calendar, read_slots, read_zone, unreadable_inline,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::semantics::chains::Chains;
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::scope::{DeclId, DeclKind, Scopes};
use crate::source::FileId;
use crate::syntax::ast::{self, Block, ItemKind, LiteralValue, Member, MemberKind, WindowUse};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// What the checks of merged windows look for, found once for the
/// workspace, in one pass over its declarations' own bodies: most
/// workspaces write no inline window under `extends` and no profile that
/// writes one, and then no merged body is looked into.
pub struct MergedWindows<'w> {
    /// The declarations under `extends` that write an inline window, with
    /// the paths of those windows ([`check_complete`]).
    writers: BTreeMap<DeclId, Vec<Vec<Key<'w>>>>,
    /// The declarations with a profile that writes an inline window
    /// ([`check_profiles`]).
    windowed: BTreeSet<DeclId>,
}

impl<'w> MergedWindows<'w> {
    /// Finds, in every template and pipeline, what the checks look for.
    pub fn find(scopes: &Scopes<'w>) -> MergedWindows<'w> {
        let mut writers = BTreeMap::new();
        let mut windowed = BTreeSet::new();
        for (decl, kind, item) in scopes.all() {
            if !matches!(kind, DeclKind::Template | DeclKind::Pipeline) {
                continue;
            }
            if profiles_writing_windows(item).next().is_some() {
                windowed.insert(decl);
            }
            let Some(decl_of) = crate::semantics::chains::decl_of(&item.kind) else {
                continue;
            };
            let body = &decl_of.body;
            if decl_of.extends.is_some() && writes_inline_window(body) {
                let paths = inline_windows(body).into_iter().map(|(_, path)| path);
                writers.insert(decl, paths.collect());
            }
        }
        MergedWindows { writers, windowed }
    }

    /// Every check of merged windows, of every declaration in `resolved`:
    /// [`check_complete`], [`check_merged`], then [`check_profiles`].
    pub fn check_resolved(
        &self,
        (workspace, scopes, chains): (&Workspace, &Scopes<'w>, &Chains),
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        today: Date,
        out: &mut Vec<Diagnostic>,
    ) {
        check_complete(self, workspace, scopes, chains, resolved, out);
        check_merged(workspace, scopes, chains, resolved, today, out);
        check_profiles(self, workspace, scopes, chains, resolved, today, out);
    }

    /// The same checks of one pipeline nothing extends, resolved apart as
    /// `block`, the last of `chain`, whose ancestors are in `resolved`. What several pipelines
    /// find alike is the same diagnostic, said once when the workspace's
    /// are sorted.
    pub fn check_leaf(
        &self,
        (workspace, scopes): (&Workspace, &Scopes<'w>),
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        (chain, block): (&[DeclId], &ResolvedBlock<'w>),
        today: Date,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(&decl) = chain.last() else {
            return;
        };
        if !self.writers.is_empty() {
            let paths = found_along(chain, |link| self.paths_written(link));
            out.extend(once_each(vec![complete_of(
                workspace, resolved, chain, block, &paths,
            )]));
        }
        let parent = chain.len().checked_sub(2).and_then(|at| chain.get(at));
        let body = scopes
            .item(decl)
            .and_then(|item| crate::semantics::chains::decl_of(&item.kind));
        if let (Some(parent), Some(body)) = (parent, body) {
            let parent_block = resolved.get(parent);
            out.extend(merged_of(
                (workspace, scopes),
                &body.body,
                (decl, block, parent_block),
                today,
            ));
        }
        if !self.windowed.is_empty() {
            let names = found_along(chain, |link| self.profiles_writing(scopes, link));
            out.extend(once_each(vec![profiles_of(
                (workspace, scopes),
                chain,
                block,
                &names,
                today,
            )]));
        }
    }

    /// The paths of the inline windows `link` writes under `extends`.
    fn paths_written<'s>(&'s self, link: DeclId) -> Vec<&'s Vec<Key<'w>>> {
        self.writers.get(&link).into_iter().flatten().collect()
    }

    /// The profiles of `link` that write an inline window.
    fn profiles_writing(&self, scopes: &Scopes<'w>, link: DeclId) -> Vec<&'w str> {
        match scopes.item(link).filter(|_| self.windowed.contains(&link)) {
            Some(item) => profiles_writing_windows(item).collect(),
            None => Vec::new(),
        }
    }
}

/// Checks that every inline window a template or pipeline under `extends`
/// writes opens (P0503) once merged into the inline window it inherits
/// (RFC 0001, R11). Where it is written such a window is checked only for
/// what it writes, since it may leave fields to its ancestors; merging
/// shows the window that gates. Each merged window is checked once, for
/// the declaration whose window completed it, at that window's `window`
/// keyword; one that never opens because the window it merges into never
/// opens either is that window's mistake, reported where it is written.
/// Windows in profiles are checked with their profiles
/// ([`check_profiles`]).
fn check_merged(
    workspace: &Workspace,
    scopes: &Scopes<'_>,
    chains: &Chains,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'_>>,
    today: Date,
    out: &mut Vec<Diagnostic>,
) {
    let decls: Vec<_> = scopes
        .all()
        .filter(|(_, kind, _)| matches!(kind, DeclKind::Template | DeclKind::Pipeline))
        .filter_map(|(decl, _, item)| {
            let body = &crate::semantics::chains::decl_of(&item.kind)?.body;
            let chain = chains.chain(decl)?;
            let parent = chain.len().checked_sub(2).and_then(|at| chain.get(at))?;
            Some((decl, *parent, body))
        })
        .collect();
    let per_decl = crate::parallel::map_in_order(decls, |(decl, parent, body)| {
        let Some(block) = resolved.get(&decl) else {
            return Vec::new();
        };
        merged_of(
            (workspace, scopes),
            body,
            (decl, block, resolved.get(&parent)),
            today,
        )
    });
    out.extend(per_decl.into_iter().flatten());
}

/// [`check_merged`] of one declaration: its own `body`, its resolved
/// `block` and its parent's.
fn merged_of(
    (workspace, scopes): (&Workspace, &Scopes<'_>),
    body: &Block,
    (decl, block, parent_block): (DeclId, &ResolvedBlock<'_>, Option<&ResolvedBlock<'_>>),
    today: Date,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    // Most declarations write no inline window: a walk that builds no
    // paths says so.
    if !writes_inline_window(body) {
        return found;
    }
    for (member, path) in inline_windows(body) {
        let window = resolved_at(block, &path).filter(|window| std::ptr::eq(window.member, member));
        let inherited = parent_block.and_then(|parent| resolved_at(parent, &path));
        if let Some(window) = window {
            found.extend(merged_never_opens(
                (workspace, scopes),
                (decl.file, window),
                inherited,
                today,
            ));
        }
    }
    found
}

/// The fields a window cannot do without, each with the line the help
/// suggests.
const REQUIRED: [(&str, &str); 2] = [
    ("zone", "zone = \"America/Los_Angeles\""),
    ("allow", "allow = [mon..fri 09:00..17:00]"),
];

/// Checks that every inline window a pipeline or a template nothing
/// extends ends up with has a `zone` and an `allow` (P0502). Under
/// `extends` an inline window may leave them to the inline window it
/// merges into (RFC 0001, R11): only the merged window shows whether one
/// did. A field missing there is missing from every inline window merged
/// into it, so it is reported once, at the first of them, the one that
/// lacked it first (over a named window, which it replaced whole, or over
/// none), however many pipelines inherit it; when that first one is
/// written in a declaration without `extends`, it was reported where it is
/// written (`super::check`), and is not reported again. Only windows a
/// declaration under `extends` writes are looked into: most workspaces
/// have few. Windows in profiles are checked with their profiles
/// ([`check_profiles`]).
fn check_complete(
    windows: &MergedWindows<'_>,
    workspace: &Workspace,
    scopes: &Scopes<'_>,
    chains: &Chains,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'_>>,
    out: &mut Vec<Diagnostic>,
) {
    if windows.writers.is_empty() {
        return;
    }
    let targets = chain_targets(scopes, chains, resolved, |link| windows.paths_written(link));
    let per_target = crate::parallel::map_in_order(targets, |(chain, block, paths)| {
        complete_of(workspace, resolved, &chain, block, &paths)
    });
    // One window, one error per field, however many declarations have it.
    out.extend(once_each(per_target));
}

/// [`check_complete`] of one declaration: its `chain`, its resolved
/// `block`, and the `paths` of the inline windows its chain writes under
/// `extends`, its ancestors' blocks read from `resolved`.
fn complete_of(
    workspace: &Workspace,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'_>>,
    chain: &[DeclId],
    block: &ResolvedBlock<'_>,
    paths: &[&Vec<Key<'_>>],
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for path in paths {
        let Some(window) = resolved_at(block, path).filter(|window| is_inline(window)) else {
            continue;
        };
        let missing = missing_fields(window);
        if missing.is_empty() {
            continue;
        }
        // The first inline window of those merged into this one, and
        // the declaration it is in.
        let (mut first, mut at) = (window, chain.len().saturating_sub(1));
        let mut run = vec![window];
        while let Some(parent) = at.checked_sub(1) {
            let inherited = chain
                .get(parent)
                .and_then(|link| resolved.get(link))
                .and_then(|parent| resolved_at(parent, path))
                .filter(|inherited| is_inline(inherited));
            let Some(inherited) = inherited else {
                break;
            };
            (first, at) = (inherited, parent);
            run.push(inherited);
        }
        // A window that could not be read leaves its fields unknown.
        let broken = run
            .iter()
            .any(|window| unreadable_inline(workspace, window.origin.file, window.member));
        if at == 0 || broken {
            continue;
        }
        found.extend(no_field(workspace, first, &missing));
    }
    found
}

/// The diagnostics found per declaration, each said once: the same
/// message at the same place, found through several declarations that
/// share the window, is one mistake.
fn once_each(per_target: Vec<Vec<Diagnostic>>) -> Vec<Diagnostic> {
    let mut seen = std::collections::BTreeSet::new();
    per_target
        .into_iter()
        .flatten()
        .filter(|diagnostic| {
            diagnostic.primary_label().is_none_or(|label| {
                seen.insert((
                    label.file,
                    label.span.start,
                    label.span.end,
                    diagnostic.message.clone(),
                ))
            })
        })
        .collect()
}

/// Every pipeline, and every template nothing extends, resolved in
/// `resolved`, with its chain, its merged body and what `found_in` finds
/// in the links of its chain ([`found_along`]): the declarations whose
/// merged windows are what gates (or would, for a template). Those with
/// nothing found are left out.
fn chain_targets<'r, 'w, T: PartialEq>(
    scopes: &Scopes<'w>,
    chains: &Chains,
    resolved: &'r BTreeMap<DeclId, ResolvedBlock<'w>>,
    mut found_in: impl FnMut(DeclId) -> Vec<T>,
) -> Vec<(Vec<DeclId>, &'r ResolvedBlock<'w>, Vec<T>)> {
    let extended = chains.extended();
    scopes
        .all()
        .filter(|(decl, kind, _)| {
            *kind == DeclKind::Pipeline || *kind == DeclKind::Template && !extended.contains(decl)
        })
        .filter_map(|(decl, _, _)| {
            let chain = chains.chain(decl)?;
            let block = resolved.get(&decl)?;
            let found = found_along(&chain, &mut found_in);
            (!found.is_empty()).then_some((chain, block, found))
        })
        .collect()
}

/// What `found_in` finds in the links of `chain`, each once, in chain
/// order.
fn found_along<T: PartialEq>(
    chain: &[DeclId],
    mut found_in: impl FnMut(DeclId) -> Vec<T>,
) -> Vec<T> {
    let mut found: Vec<T> = Vec::new();
    for item in chain.iter().flat_map(|link| found_in(*link)) {
        if !found.contains(&item) {
            found.push(item);
        }
    }
    found
}

/// Whether a resolved window is an inline one.
fn is_inline(window: &Resolved<'_>) -> bool {
    matches!(
        window.member.kind,
        MemberKind::WindowUse(WindowUse::Inline(_))
    )
}

/// The required fields a resolved inline window lacks, with the help line
/// of each.
fn missing_fields(window: &Resolved<'_>) -> Vec<(&'static str, &'static str)> {
    REQUIRED
        .into_iter()
        .filter(|(field, _)| {
            window
                .body
                .as_ref()
                .is_none_or(|body| body.get_field(field).is_none())
        })
        .collect()
}

/// `P0502` for each of `missing` at the `window` keyword of `window`.
fn no_field(
    workspace: &Workspace,
    window: &Resolved<'_>,
    missing: &[(&str, &str)],
) -> Vec<Diagnostic> {
    let file = window.origin.file;
    let anchor = keyword_span(workspace, file, window.member);
    missing
        .iter()
        .map(|(field, example)| {
            let mut diagnostic = Diagnostic::error(
                Code::INVALID_WINDOW_SLOT,
                format!("this window has no `{field}`"),
            )
            .primary(file, anchor, format!("`{field}` is required"));
            if !window.history.is_empty() {
                diagnostic = diagnostic.note(
                    "an inline window keeps the fields it does not write only from an \
                     inherited inline window; it replaces a named one whole (RFC 0001, R11)",
                );
            }
            diagnostic.help(format!("add `{example}`"))
        })
        .collect()
}

/// Checks that every inline window a profile writes has a `zone` and an
/// `allow` (P0502) and opens (P0503) once the profile is applied, merged
/// into the inline window the pipeline has there (RFC 0001, R11, R39–R40).
/// Where it is written such a window is checked only for what it writes,
/// since it leaves fields to the pipeline; a field the pipeline's inline
/// window lacks too is the pipeline's to report ([`check_complete`]). As `check` applies every profile, selected or not, each is
/// applied to a copy of every pipeline that has it and of every template
/// nothing extends; the copies are dropped, and a window found never
/// opening through several of them is reported once, at its `window`
/// keyword. Only chains with a profile that writes an inline window are
/// looked into: most workspaces have none. A window approved for the
/// profile where the profile's window would be (`window NAME for profile
/// NAME`) gates instead of it, and is not the profile's to check.
fn check_profiles<'w>(
    windows: &MergedWindows<'w>,
    workspace: &'w Workspace,
    scopes: &Scopes<'w>,
    chains: &Chains,
    resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
    today: Date,
    out: &mut Vec<Diagnostic>,
) {
    if windows.windowed.is_empty() {
        return;
    }
    let targets = chain_targets(scopes, chains, resolved, |link| {
        windows.profiles_writing(scopes, link)
    });
    let per_target = crate::parallel::map_in_order(targets, |(chain, block, names)| {
        profiles_of((workspace, scopes), &chain, block, &names, today)
    });
    // One profile window, one error of each kind, however many pipelines
    // have it.
    out.extend(once_each(per_target));
}

/// [`check_profiles`] of one declaration: its `chain`, its resolved
/// `block` and the `names` of the profiles along its chain that write an
/// inline window.
fn profiles_of<'w>(
    (workspace, scopes): (&'w Workspace, &Scopes<'w>),
    chain: &[DeclId],
    block: &ResolvedBlock<'w>,
    names: &[&str],
    today: Date,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for &name in names {
        let mut profiled = block.clone();
        // What applying the profile reports is reported where every
        // profile is applied.
        let mut ignored = Vec::new();
        let applied = crate::semantics::merge::Merger::new(workspace, &mut ignored).apply_profile(
            scopes,
            chain,
            name,
            &mut profiled,
        );
        if applied.is_none() {
            continue;
        }
        for (body, file) in crate::semantics::merge::profile_bodies(scopes, chain, name) {
            for (member, path) in inline_windows(body) {
                let approved = Key::Named("window for profile", name);
                let scope = path
                    .split_last()
                    .and_then(|(_, inside)| scope_at(&profiled, inside));
                if scope.is_none_or(|scope| scope.get(&approved).is_some()) {
                    continue;
                }
                let window = resolved_at(&profiled, &path)
                    .filter(|window| std::ptr::eq(window.member, member));
                let Some(window) = window else {
                    continue;
                };
                let inherited = resolved_at(block, &path);
                // Over an inline window, a missing field is missing
                // from the one it merges into too, and reported there.
                let incomplete = if inherited.is_some_and(is_inline)
                    || unreadable_inline(workspace, file, member)
                {
                    Vec::new()
                } else {
                    no_field(workspace, window, &missing_fields(window))
                };
                let diagnostic =
                    merged_never_opens((workspace, scopes), (file, window), inherited, today);
                found.extend(
                    incomplete
                        .into_iter()
                        .chain(diagnostic)
                        .map(|diagnostic| diagnostic.note(format!("with `--profile {name}`"))),
                );
            }
        }
    }
    found
}

/// The names of the profiles a template or pipeline declares that write an
/// inline window.
fn profiles_writing_windows(item: &ast::Item) -> impl Iterator<Item = &str> {
    let members = match &item.kind {
        ItemKind::Template(decl) | ItemKind::Pipeline(decl) => decl.body.members.as_slice(),
        _ => &[],
    };
    members.iter().filter_map(|member| match &member.kind {
        MemberKind::Profile { name, body } if writes_inline_window(body) => {
            Some(name.name.as_str())
        }
        _ => None,
    })
}

/// Every inline window `body` writes outside its profiles, with the keys
/// that lead to it from `body`, in the order the checks report them.
fn inline_windows(body: &Block) -> Vec<(&Member, Vec<Key<'_>>)> {
    let mut found = Vec::new();
    let mut pending: Vec<(&Block, Vec<Key<'_>>)> = vec![(body, Vec::new())];
    while let Some((block, path)) = pending.pop() {
        for member in &block.members {
            if matches!(member.kind, MemberKind::Profile { .. }) {
                continue;
            }
            // Only a window and a body to search are worth a path: most
            // members of a service's pipeline are neither.
            let inner = member.kind.body();
            let is_window = matches!(member.kind, MemberKind::WindowUse(WindowUse::Inline(_)));
            if !is_window && inner.is_none() {
                continue;
            }
            let Some(key) = crate::semantics::merge::key_of(&member.kind) else {
                continue;
            };
            let mut path = path.clone();
            path.push(key);
            if is_window {
                found.push((member, path));
            } else if let Some(inner) = inner {
                pending.push((inner, path));
            }
        }
    }
    found
}

/// Whether `block` writes an inline window, at any depth outside its
/// profiles.
fn writes_inline_window(block: &Block) -> bool {
    block.members.iter().any(|member| match &member.kind {
        MemberKind::WindowUse(WindowUse::Inline(_)) => true,
        MemberKind::Profile { .. } => false,
        kind => kind.body().is_some_and(writes_inline_window),
    })
}

/// The member at `path` of a resolved block: a key, then keys inside its
/// body.
fn resolved_at<'b, 'w>(block: &'b ResolvedBlock<'w>, path: &[Key<'_>]) -> Option<&'b Resolved<'w>> {
    let (last, inside) = path.split_last()?;
    scope_at(block, inside)?.get(last)
}

/// The body at `path` of a resolved block: the block itself for no keys.
fn scope_at<'b, 'w>(
    block: &'b ResolvedBlock<'w>,
    path: &[Key<'_>],
) -> Option<&'b ResolvedBlock<'w>> {
    let mut block = block;
    for key in path {
        block = block.get(key)?.body.as_ref()?;
    }
    Some(block)
}

/// `P0503` for the inline window `window`, written in `file` and merged
/// into `inherited` (the parent's window at the same place, if any), when
/// the window they make never opens, unless it keeps fields of an
/// inherited inline window that never opens either (reported there).
fn merged_never_opens(
    (workspace, scopes): (&Workspace, &Scopes<'_>),
    (file, window): (FileId, &Resolved<'_>),
    inherited: Option<&Resolved<'_>>,
    today: Date,
) -> Option<Diagnostic> {
    let spec = merged_spec(workspace, scopes, window)?;
    let anchor = keyword_span(workspace, file, window.member);
    let diagnostic = never_opens(&spec, file, anchor, today)?;
    // The inline window it merges into; a named one it replaced whole.
    let inherited = inherited.filter(|inherited| is_inline(inherited));
    // Whether a field (or an edit of one) comes from elsewhere than the
    // window written here.
    let written_here = |member: &Member| match &window.member.kind {
        MemberKind::WindowUse(WindowUse::Inline(block)) => block
            .members
            .iter()
            .any(|written| std::ptr::eq(written, member)),
        _ => false,
    };
    let merged = window
        .body
        .iter()
        .flat_map(|body| &body.members)
        .any(|(_, field)| {
            let base = field.base.map(|(member, _)| member);
            let edits = field.list_ops().iter().map(|(member, _)| *member);
            !base.into_iter().chain(edits).all(written_here)
        });
    let Some(inherited) = inherited.filter(|_| merged) else {
        return Some(diagnostic);
    };
    if merged_spec(workspace, scopes, inherited)
        .is_some_and(|spec| never_opens(&spec, file, anchor, today).is_some())
    {
        return None;
    }
    let at = inherited.origin.file;
    Some(
        diagnostic
            .secondary(
                at,
                keyword_span(workspace, at, inherited.member),
                "merged into the window inherited from here",
            )
            .note(
                "an inline window keeps the fields it does not write from the inline window it \
                 inherits (RFC 0001, R11): this is the window the two make",
            ),
    )
}

/// The window a resolved inline `window` member makes, each field read
/// where it was written with its `+=` and `-=`; `None` when a field is
/// missing, could not be read, or has a problem (each reported where it
/// is written, or by lowering for a missing `zone` or `allow`).
fn merged_spec(
    workspace: &Workspace,
    scopes: &Scopes<'_>,
    window: &Resolved<'_>,
) -> Option<WindowSpec> {
    let body = window.body.as_ref()?;
    // A field's items; `Err` where parsing or the shape check reported an
    // error in what wrote it, or an item could not be read. A YAML habit
    // (`zone: "UTC"`) leaves the field as meant, as where it is written.
    let read_field = |name: &str| {
        let Some(field) = body.get_field(name) else {
            return Ok(None);
        };
        let base = field.base.into_iter();
        let mut written = base.chain(field.list_ops().iter().copied());
        if written.any(|(member, file)| broken_beyond_habit(workspace, file, member.span)) {
            return Err(());
        }
        let items = field.merged_items(workspace);
        if items.iter().any(|(item, _)| is_invalid(item)) {
            return Err(());
        }
        Ok(Some(items))
    };
    let zone = read_field("zone").ok()??;
    let allow = read_field("allow").ok()??;
    let except = read_field("except").ok()?.unwrap_or_default();
    let blackout = read_field("blackout").ok()?.unwrap_or_default();
    let mut problems = Vec::new();
    let (zone_expr, zone_file) = zone.first()?;
    let (zone_name, zone) = read_zone(zone_expr, *zone_file, &mut problems)?;
    let mut slots = Vec::new();
    for (item, item_file) in &allow {
        slots.extend(read_slots(item, *item_file, &mut problems));
    }
    let mut closed = Vec::new();
    for (item, item_file) in &except {
        read_calendar(scopes, item, *item_file, &mut closed, &mut problems);
    }
    for (item, _) in &blackout {
        match literal(item) {
            Some(&LiteralValue::Date(day)) => push_range(&mut closed, day, day),
            Some(&LiteralValue::DateRange(first, last)) if first <= last => {
                push_range(&mut closed, first, last);
            }
            _ => return None,
        }
    }
    problems.is_empty().then(|| WindowSpec {
        zone_name,
        zone,
        slots,
        closed: merge_ranges(closed),
    })
}
