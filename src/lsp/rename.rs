//! Rename: of a top-level declaration (template, pipeline, registry, alarm,
//! window, calendar) with every name that resolves to it, of a profile
//! across the workspace, and of a stage or wave along its inheritance
//! chain.
//!
//! Uses of a declaration are found the way the compiler finds them: every
//! name written in the workspace is resolved through the scopes, and those
//! that mean the declaration are renamed (only the name part of
//! `module.name`). Exemptions name pipelines workspace-wide, so they are
//! matched by name. A stage or wave is one member seen through many
//! declarations: the declaration in the chain that first declares it, and
//! its override in every declaration extending that one.

use super::convert::{self, Encoding};
use super::diagnostics::uri_of;
use super::locate;
use super::resolve::Place;
use crate::semantics::chains::{self, Chains};
use crate::semantics::merge::{Key, key_of};
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Block, Expr, ExprKind, Item, ItemKind, Member, MemberKind, Path, PostfixOp, WindowUse,
};
use lsp_types::{TextEdit, Uri, WorkspaceEdit};
use std::collections::{BTreeMap, BTreeSet};

/// Every kind a name may mean.
const ANY: &[DeclKind] = &[
    DeclKind::Alarm,
    DeclKind::Window,
    DeclKind::Calendar,
    DeclKind::Registry,
    DeclKind::Template,
    DeclKind::Pipeline,
    DeclKind::Policy,
];

/// What a rename changes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target<'w> {
    /// A top-level declaration.
    Decl(DeclId, DeclKind),
    /// Every profile of this name.
    Profile(String),
    /// A stage or wave: the declaration that first declares it, and the
    /// keys leading to it from that declaration's body.
    Member { origin: DeclId, keys: Vec<Key<'w>> },
}

/// The name at `offset` that can be renamed: its span and current text.
/// `Ok(None)` where nothing renameable is; an error, with the reason,
/// for a name that cannot be renamed (one of the standard library).
pub fn prepare(place: &Place<'_, '_>, offset: usize) -> Result<Option<(Span, String)>, String> {
    let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
    Ok(target(place, &chains, offset)?.map(|(span, name, _)| (span, name)))
}

/// The places to write `new_name` at, by file, sorted, for renaming what
/// is at `offset`; `Ok(None)` where nothing renameable is; an error saying
/// why when the rename is refused. `pipelines` are the names of the
/// pipelines declared anywhere in the workspace, loaded for the request or
/// not: a pipeline may not take one of them.
pub fn rename(
    place: &Place<'_, '_>,
    offset: usize,
    new_name: &str,
    pipelines: &BTreeSet<String>,
) -> Result<Option<Vec<(FileId, Span)>>, String> {
    let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
    let Some((_, old, target)) = target(place, &chains, offset)? else {
        return Ok(None);
    };
    check_name(new_name)?;
    if new_name == old {
        return Ok(Some(Vec::new()));
    }
    let places = match &target {
        Target::Decl(decl, kind) => {
            let places = decl_uses(place, *decl, *kind, &old);
            decl_collision(place, *decl, *kind, &old, new_name, &places, pipelines)?;
            places
        }
        Target::Profile(name) => {
            let (places, taken) = profile_uses(place, name, new_name);
            if taken {
                return Err(format!("a profile `{new_name}` is already declared"));
            }
            places
        }
        Target::Member { origin, keys } => {
            let (places, taken) = member_uses(place, &chains, *origin, keys, new_name);
            if let Some((kind, decl)) = taken {
                return Err(format!(
                    "{kind} `{new_name}` is already declared in `{decl}`, which inherits `{old}`"
                ));
            }
            places
        }
    };
    let mut places: Vec<(FileId, Span)> = places.into_iter().collect();
    places.sort_by_key(|(file, span)| (*file, span.start()));
    Ok(Some(places))
}

/// The places as an edit writing `new_name` at each, by file URI; files
/// without one (the standard library's) are left out, though a rename
/// never reaches them.
pub fn workspace_edit(
    place: &Place<'_, '_>,
    places: &[(FileId, Span)],
    new_name: &str,
    encoding: Encoding,
) -> WorkspaceEdit {
    let mut by_file: BTreeMap<String, (Uri, Vec<TextEdit>)> = BTreeMap::new();
    for &(file, span) in places {
        let Some(source) = place.workspace.sources.get(file) else {
            continue;
        };
        let Some(uri) = uri_of(&source.name) else {
            continue;
        };
        by_file
            .entry(uri.as_str().to_string())
            .or_insert_with(|| (uri, Vec::new()))
            .1
            .push(TextEdit {
                range: convert::range(source, span, encoding),
                new_text: new_name.to_string(),
            });
    }
    WorkspaceEdit {
        changes: Some(by_file.into_values().collect()),
        ..WorkspaceEdit::default()
    }
}

/// Refuses what cannot be a name.
fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts = chars
        .next()
        .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_');
    let bytes = name.as_bytes();
    let rest_ok = bytes.iter().enumerate().all(|(idx, &byte)| {
        byte.is_ascii_alphanumeric()
            || byte == b'_'
            // A `-` joins two name characters.
            || (byte == b'-'
                && idx > 0
                && bytes
                    .get(idx + 1)
                    .is_some_and(|next| next.is_ascii_alphanumeric() || *next == b'_'))
    });
    if !starts || !rest_ok {
        return Err(format!(
            "`{name}` is not a name: a name starts with a letter or `_` and goes on with letters, digits, `_` or single `-`"
        ));
    }
    if crate::syntax::KEYWORDS.contains(&name) {
        return Err(format!("`{name}` is a keyword of the language"));
    }
    Ok(())
}

/// What is at `offset`: the span of the name there, the name, and what
/// renaming it renames.
fn target<'w>(
    place: &Place<'w, '_>,
    chains: &Chains,
    offset: usize,
) -> Result<Option<(Span, String, Target<'w>)>, String> {
    let scopes = &place.analysis.scopes;
    let Some(module) = place.workspace.module(place.file) else {
        return Ok(None);
    };
    let Some(at) = locate::at(&module.tree, offset) else {
        return Ok(None);
    };
    let within = |span: Span| span.start() <= offset && offset <= span.end();
    let here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    // The declaration's own name.
    if let Some(name) = at.item.kind.name()
        && within(name.span)
        && at.members.is_empty()
    {
        return match decl_kind(&at.item.kind) {
            Some(kind) => {
                refuse_std(place, here, &name.name)?;
                Ok(Some((
                    name.span,
                    name.name.clone(),
                    Target::Decl(here, kind),
                )))
            }
            None => Ok(None),
        };
    }
    // A name written in the declaration: its `extends` or an alarm's value.
    let written = match &at.item.kind {
        ItemKind::Template(decl) | ItemKind::Pipeline(decl) | ItemKind::Registry(decl) => {
            decl.extends.as_ref().filter(|path| within(path.span))
        }
        ItemKind::Alarm(alarm) => alarm
            .value
            .as_ref()
            .and_then(|value| locate::path_in_expr(value, offset)),
        _ => None,
    };
    if let Some(path) = written {
        return use_at(place, path, offset);
    }
    let Some(member) = at.member() else {
        return Ok(None);
    };
    match &member.kind {
        MemberKind::Stage { name, .. } | MemberKind::Wave { name, .. } if within(name.span) => {
            let keys = at.members.iter().map(|m| key_of(&m.kind)).collect();
            return member_target(place, chains, here, keys, name);
        }
        // `remove stage NAME` (or `wave`): the member it removes, from the
        // declaration that first declares it.
        MemberKind::Remove { keyword, name } if within(name.span) => {
            let kind = match keyword.name.as_str() {
                "stage" => "stage",
                "wave" => "wave",
                _ => return Ok(None),
            };
            let parents = at.members.len().saturating_sub(1);
            let keys = at
                .members
                .iter()
                .take(parents)
                .map(|m| key_of(&m.kind))
                .chain(std::iter::once(Some(Key::Named(kind, &name.name))))
                .collect();
            return member_target(place, chains, here, keys, name);
        }
        MemberKind::Profile { name, .. }
        | MemberKind::Under { profile: name, .. }
        | MemberKind::ProfileWindow { profile: name, .. }
            if within(name.span) =>
        {
            return Ok(Some((
                name.span,
                name.name.clone(),
                Target::Profile(name.name.clone()),
            )));
        }
        MemberKind::Exempt { pipeline, .. } if within(pipeline.span) => {
            let [name] = pipeline.segments.as_slice() else {
                return Ok(None);
            };
            let found = scopes.all().find(|(_, kind, item)| {
                *kind == DeclKind::Pipeline
                    && item
                        .kind
                        .name()
                        .is_some_and(|ident| ident.name == name.name)
            });
            return Ok(found
                .map(|(decl, kind, _)| (name.span, name.name.clone(), Target::Decl(decl, kind))));
        }
        MemberKind::Deploy { .. } | MemberKind::Build { .. } => return Ok(None),
        _ => {}
    }
    match locate::path_in_member(member, offset) {
        Some(path) => use_at(place, path, offset),
        None => Ok(None),
    }
}

/// A name written at `offset` that resolves to a declaration: renamed
/// through its last segment only.
fn use_at<'w>(
    place: &Place<'w, '_>,
    path: &Path,
    offset: usize,
) -> Result<Option<(Span, String, Target<'w>)>, String> {
    let Some(last) = path.segments.last() else {
        return Ok(None);
    };
    if !(last.span.start() <= offset && offset <= last.span.end()) {
        // On the module part of `module.name`.
        return Ok(None);
    }
    let Ok((decl, kind)) = place.analysis.scopes.resolve(place.file, path, ANY) else {
        return Ok(None);
    };
    if kind == DeclKind::Policy {
        return Ok(None);
    }
    refuse_std(place, decl, &last.name)?;
    Ok(Some((
        last.span,
        last.name.clone(),
        Target::Decl(decl, kind),
    )))
}

fn decl_kind(kind: &ItemKind) -> Option<DeclKind> {
    Some(match kind {
        ItemKind::Registry(_) => DeclKind::Registry,
        ItemKind::Calendar(_) => DeclKind::Calendar,
        ItemKind::Window(_) => DeclKind::Window,
        ItemKind::Alarm(_) => DeclKind::Alarm,
        ItemKind::Template(_) => DeclKind::Template,
        ItemKind::Pipeline(_) => DeclKind::Pipeline,
        ItemKind::Policy(_) | ItemKind::Import(_) => return None,
    })
}

/// Names of the embedded standard library belong to every workspace.
/// The rename target of the member `name` names, whose keys down from its
/// declaration are `keys` (`None` where a member on the way has none): a
/// profile's first key is left out, as a profile's stage overrides the
/// declaration's own, and the member is renamed from the declaration
/// that first declares it.
fn member_target<'w>(
    place: &Place<'w, '_>,
    chains: &Chains,
    here: DeclId,
    keys: Option<Vec<Key<'w>>>,
    name: &crate::syntax::ast::Ident,
) -> Result<Option<(Span, String, Target<'w>)>, String> {
    let Some(mut keys) = keys else {
        return Ok(None);
    };
    if matches!(keys.first(), Some(Key::Named("profile", _))) {
        keys.remove(0);
    }
    let origin = origin_of(place, chains, here, &keys);
    refuse_std(place, origin, &name.name)?;
    Ok(Some((
        name.span,
        name.name.clone(),
        Target::Member { origin, keys },
    )))
}

fn refuse_std(place: &Place<'_, '_>, decl: DeclId, name: &str) -> Result<(), String> {
    let Some(module) = place.workspace.module(decl.file) else {
        return Ok(());
    };
    if !module.is_std {
        return Ok(());
    }
    let library = place
        .workspace
        .sources
        .get(decl.file)
        .map_or("std", |source| source.name.as_str());
    Err(format!(
        "`{name}` is declared in the standard library (`{library}`), which cannot be renamed"
    ))
}

/// The name of the declaration and every name that resolves to it.
fn decl_uses(
    place: &Place<'_, '_>,
    target: DeclId,
    kind: DeclKind,
    old: &str,
) -> BTreeSet<(FileId, Span)> {
    let scopes = &place.analysis.scopes;
    let mut found = BTreeSet::new();
    if let Some(name) = scopes.item(target).and_then(|item| item.kind.name()) {
        found.insert((target.file, name.span));
    }
    // An alarm's, window's or calendar's uses as references find them: a
    // bare name in a template that has an alarm member of that name means
    // the member, not the top-level alarm.
    if matches!(
        kind,
        DeclKind::Alarm | DeclKind::Window | DeclKind::Calendar
    ) {
        found.extend(super::uses::uses(place, target));
        return found;
    }
    for module in &place.workspace.modules {
        if module.is_std {
            continue;
        }
        let file = module.file;
        let mut visit = |path: &Path| {
            if let Ok((decl, _)) = scopes.resolve(file, path, ANY)
                && decl == target
                && let Some(last) = path.segments.last()
            {
                found.insert((file, last.span));
            }
        };
        for item in &module.tree.items {
            paths_in_item(item, &mut visit);
        }
        if kind == DeclKind::Pipeline {
            for item in &module.tree.items {
                if let Some(body) = item.kind.body() {
                    exemptions_of(body, old, file, &mut found);
                }
            }
        }
    }
    found
}

/// Refuses a new name already visible where the declaration's name is
/// (its file, the files that name it, the files that import its file), or
/// already the name of a pipeline, which exemptions name workspace-wide
/// (those loaded, and `pipelines`, those of the whole workspace).
fn decl_collision(
    place: &Place<'_, '_>,
    target: DeclId,
    kind: DeclKind,
    old: &str,
    new_name: &str,
    places: &BTreeSet<(FileId, Span)>,
    pipelines: &BTreeSet<String>,
) -> Result<(), String> {
    let workspace = place.workspace;
    let mut files: BTreeSet<FileId> = places.iter().map(|(file, _)| *file).collect();
    files.insert(target.file);
    for module in &workspace.modules {
        if module
            .imports
            .iter()
            .any(|import| import.target == target.file)
        {
            files.insert(module.file);
        }
    }
    let declares = |file: FileId| {
        workspace.module(file).is_some_and(|module| {
            module
                .tree
                .items
                .iter()
                .any(|item| item.kind.name().is_some_and(|name| name.name == new_name))
        })
    };
    let file_name = |file: FileId| {
        workspace
            .sources
            .get(file)
            .map(|source| {
                std::path::Path::new(&source.name)
                    .file_name()
                    .map_or(source.name.clone(), |name| {
                        name.to_string_lossy().to_string()
                    })
            })
            .unwrap_or_default()
    };
    for &file in &files {
        let Some(module) = workspace.module(file) else {
            continue;
        };
        // An import's name is a top-level name of the file that writes it.
        if module.imports.iter().any(|import| import.alias == new_name) {
            return Err(format!(
                "`{new_name}` is the name of an import of {}, where `{old}` is visible",
                file_name(file)
            ));
        }
        let seen = std::iter::once(file).chain(module.imports.iter().map(|import| import.target));
        for other in seen {
            if declares(other) {
                // Name the file that would see both names: the one that
                // declares the new name, or the one importing it.
                let through = if other == file {
                    String::new()
                } else {
                    format!(", which {} imports", file_name(file))
                };
                return Err(format!(
                    "`{new_name}` is already declared in {}{through}, where `{old}` is visible",
                    file_name(other)
                ));
            }
        }
    }
    if kind == DeclKind::Pipeline
        && (pipelines.contains(new_name)
            || place.analysis.scopes.all().any(|(_, kind, item)| {
                kind == DeclKind::Pipeline
                    && item.kind.name().is_some_and(|name| name.name == new_name)
            }))
    {
        return Err(format!("a pipeline `{new_name}` is already declared"));
    }
    Ok(())
}

/// `exempt NAME from ...` naming the pipeline, in a body and below.
fn exemptions_of(block: &Block, name: &str, file: FileId, found: &mut BTreeSet<(FileId, Span)>) {
    let mut pending = vec![block];
    while let Some(block) = pending.pop() {
        for member in &block.members {
            if let MemberKind::Exempt { pipeline, .. } = &member.kind
                && let [segment] = pipeline.segments.as_slice()
                && segment.name == name
            {
                found.insert((file, segment.span));
            }
            if let Some(body) = member.kind.body() {
                pending.push(body);
            }
        }
    }
}

/// Every name written in a declaration that may mean another declaration:
/// `extends`, alarm values, and the names in its members.
fn paths_in_item(item: &Item, visit: &mut dyn FnMut(&Path)) {
    match &item.kind {
        ItemKind::Template(decl) | ItemKind::Pipeline(decl) | ItemKind::Registry(decl) => {
            if let Some(parent) = &decl.extends {
                visit(parent);
            }
        }
        ItemKind::Alarm(alarm) => {
            if let Some(value) = &alarm.value {
                paths_in_expr(value, visit);
            }
        }
        _ => {}
    }
    let Some(body) = item.kind.body() else {
        return;
    };
    let mut pending = vec![body];
    while let Some(block) = pending.pop() {
        for member in &block.members {
            paths_in_member(member, visit);
            if let Some(body) = member.kind.body() {
                pending.push(body);
            }
        }
    }
}

/// The names a member writes (not those of its body's members). Deploys
/// and builds name builds and sources, not declarations; exemptions name
/// pipelines by name, matched apart.
fn paths_in_member(member: &Member, visit: &mut dyn FnMut(&Path)) {
    match &member.kind {
        MemberKind::WindowUse(WindowUse::Named { window, .. })
        | MemberKind::ProfileWindow { window, .. } => visit(window),
        MemberKind::Include { calendar } => visit(calendar),
        MemberKind::FieldDecl {
            value: Some(value), ..
        }
        | MemberKind::FieldAssign { value, .. }
        | MemberKind::Env { value, .. }
        | MemberKind::Floor { value, .. }
        | MemberKind::Source { origin: value, .. }
        | MemberKind::Rollback { alarm: value }
        | MemberKind::Require { requirement: value }
        | MemberKind::Exclude { regions: value, .. } => paths_in_expr(value, visit),
        MemberKind::Alarm(alarm) => {
            if let Some(value) = &alarm.value {
                paths_in_expr(value, visit);
            }
        }
        MemberKind::BlockOn { blockers } => {
            for blocker in blockers {
                paths_in_expr(&blocker.alarm, visit);
            }
        }
        _ => {}
    }
}

/// The names in an expression. Its depth is bounded by the parser, so the
/// recursion is too.
fn paths_in_expr(expr: &Expr, visit: &mut dyn FnMut(&Path)) {
    match &expr.kind {
        ExprKind::Path(path) => visit(path),
        ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
            for item in items {
                paths_in_expr(item, visit);
            }
        }
        ExprKind::Call { args, .. } => {
            for arg in args {
                paths_in_expr(&arg.value, visit);
            }
        }
        ExprKind::Not(inner) => paths_in_expr(inner, visit),
        ExprKind::Compare { lhs, rhs, .. } => {
            paths_in_expr(lhs, visit);
            paths_in_expr(rhs, visit);
        }
        ExprKind::SetOps { first, rest } => {
            paths_in_expr(first, visit);
            for (_, expr) in rest {
                paths_in_expr(expr, visit);
            }
        }
        ExprKind::Postfix { base, ops } => {
            paths_in_expr(base, visit);
            for op in ops {
                if let PostfixOp::Where(expr) = op {
                    paths_in_expr(expr, visit);
                }
            }
        }
        ExprKind::Literal(_) | ExprKind::Rest | ExprKind::Invalid => {}
    }
}

/// Every `profile NAME` of a template or pipeline, `under NAME` of a
/// policy and `window W for profile NAME` with the name; and whether
/// `new_name` is a profile already.
fn profile_uses(
    place: &Place<'_, '_>,
    name: &str,
    new_name: &str,
) -> (BTreeSet<(FileId, Span)>, bool) {
    let mut found = BTreeSet::new();
    let mut taken = false;
    for module in &place.workspace.modules {
        if module.is_std {
            continue;
        }
        for item in &module.tree.items {
            let Some(body) = item.kind.body() else {
                continue;
            };
            let mut pending = vec![body];
            while let Some(block) = pending.pop() {
                for member in &block.members {
                    if let MemberKind::Profile { name: ident, .. }
                    | MemberKind::Under { profile: ident, .. }
                    | MemberKind::ProfileWindow { profile: ident, .. } = &member.kind
                    {
                        if ident.name == name {
                            found.insert((module.file, ident.span));
                        }
                        if ident.name == new_name
                            && matches!(member.kind, MemberKind::Profile { .. })
                        {
                            taken = true;
                        }
                    }
                    if let Some(body) = member.kind.body() {
                        pending.push(body);
                    }
                }
            }
        }
    }
    (found, taken)
}

/// The declaration in `decl`'s chain that first declares the member at
/// `keys` (the root-most); `decl` itself when none before it does.
fn origin_of(place: &Place<'_, '_>, chains: &Chains, decl: DeclId, keys: &[Key<'_>]) -> DeclId {
    let chain = chains.chain(decl).unwrap_or_else(|| vec![decl]);
    chain
        .into_iter()
        .find(|&up| {
            place
                .body_of(up)
                .and_then(|body| find(body, keys))
                .is_some()
        })
        .unwrap_or(decl)
}

/// The member at `keys` below a body.
fn find<'b>(body: &'b Block, keys: &[Key<'_>]) -> Option<&'b Member> {
    let (first, rest) = keys.split_first()?;
    let member = body
        .members
        .iter()
        .find(|member| key_of(&member.kind).as_ref() == Some(first))?;
    if rest.is_empty() {
        return Some(member);
    }
    find(member.kind.body()?, rest)
}

/// A member kind and the declaration where a new name is taken already.
type Taken = Option<(&'static str, String)>;

/// The member's name in every declaration whose chain holds `origin`, in
/// its body and in its profiles' bodies, and the `remove`s of it; and the
/// first declaration where `new_name` is taken by a member of the same
/// kind beside it.
fn member_uses(
    place: &Place<'_, '_>,
    chains: &Chains,
    origin: DeclId,
    keys: &[Key<'_>],
    new_name: &str,
) -> (BTreeSet<(FileId, Span)>, Taken) {
    let mut found = BTreeSet::new();
    let mut taken = None;
    let Some((Key::Named(kind, old), parents)) = keys.split_last() else {
        return (found, None);
    };
    let renamed = Key::Named(kind, new_name);
    for (decl, _, item) in place.analysis.scopes.all() {
        if chains::decl_of(&item.kind).is_none() {
            continue;
        }
        let in_family = chains
            .chain(decl)
            .is_some_and(|chain| chain.contains(&origin));
        if !in_family {
            continue;
        }
        let Some(body) = item.kind.body() else {
            continue;
        };
        // The body, and each profile's overrides.
        let mut bodies = vec![body];
        bodies.extend(body.members.iter().filter_map(|member| match &member.kind {
            MemberKind::Profile { body, .. } => Some(body),
            _ => None,
        }));
        for body in bodies {
            let parent = if parents.is_empty() {
                Some(body)
            } else {
                find(body, parents).and_then(|member| member.kind.body())
            };
            let Some(parent) = parent else {
                continue;
            };
            for member in &parent.members {
                match &member.kind {
                    MemberKind::Stage { name, .. } | MemberKind::Wave { name, .. } => {
                        let key = key_of(&member.kind);
                        if key.as_ref() == keys.last() {
                            found.insert((decl.file, name.span));
                        } else if key.as_ref() == Some(&renamed) && taken.is_none() {
                            let owner = item
                                .kind
                                .name()
                                .map_or(String::new(), |name| name.name.clone());
                            taken = Some((describe(kind), owner));
                        }
                    }
                    MemberKind::Remove { keyword, name }
                        if keyword.name == *kind && name.name == *old =>
                    {
                        found.insert((decl.file, name.span));
                    }
                    _ => {}
                }
            }
        }
    }
    (found, taken)
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "wave" => "a wave",
        _ => "a stage",
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_follow_the_grammar() {
        assert!(check_name("beta_2").is_ok());
        assert!(check_name("us-east").is_ok());
        assert!(check_name("_x").is_ok());
        for bad in ["", "2x", "a b", "a-", "a--b", "a.b", "ü"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        match check_name("extends") {
            Err(error) => assert!(error.contains("keyword"), "{error}"),
            Ok(()) => panic!("`extends` accepted"),
        }
    }
}
