//! Merging an inheritance chain into one resolved body (RFC 0001, R5–R36).
//!
//! Every template, pipeline and registry is resolved once, root first, by
//! applying its body to a copy of its parent's resolved body; so a mistake
//! in a template is reported once, however many pipelines extend it (R14).
//! Each resolved member remembers who set it and what it replaced
//! (provenance, R44), whether it is final, and whether it is still abstract.

use super::chains::{Chains, decl_of};
use super::scope::{DeclId, DeclKind, Scopes};
use super::types;
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::names::closest;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    AssignOp, Block, Expr, ExprKind, Member, MemberKind, ModifierKind, TypeExpr, WindowUse,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a member is merged by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A field of its block, by name.
    Field(String),
    /// A named member: its kind (`stage`, `wave`, ...) and name.
    Named(&'static str, String),
    /// A member of which a block has at most one: `production`, `onebox`,
    /// `window`, `rollback on`, `by`, `bake scale`.
    Single(&'static str),
    /// `deploy`, by the set of artifacts it deploys.
    Deploy(Vec<String>),
}

impl Key {
    /// How the key reads in messages: "stage `gamma`", "field `bake`".
    pub fn describe(&self) -> String {
        match self {
            Key::Field(name) => format!("field `{name}`"),
            Key::Named(kind, name) => format!("{kind} `{name}`"),
            Key::Single(kind) => format!("`{kind}`"),
            Key::Deploy(artifacts) => format!("`deploy {}`", artifacts.join(", ")),
        }
    }

    /// The kind as written before a name (`stage`), empty for fields.
    fn kind_word(&self) -> &str {
        match self {
            Key::Field(_) => "",
            Key::Named(kind, _) | Key::Single(kind) => kind,
            Key::Deploy(_) => "deploy",
        }
    }

    /// How the key is written in source, for suggestions.
    fn written(&self) -> String {
        match self {
            Key::Field(name) => name.clone(),
            Key::Named(kind, name) => format!("{kind} {name}"),
            Key::Single(kind) => (*kind).to_string(),
            Key::Deploy(artifacts) => format!("deploy {}", artifacts.join(", ")),
        }
    }

    fn name(&self) -> &str {
        match self {
            Key::Field(name) | Key::Named(_, name) => name,
            Key::Single(kind) => kind,
            Key::Deploy(_) => "deploy",
        }
    }
}

/// How a value came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Written with a value.
    Set,
    /// A value given to an abstract member.
    Bind,
    /// Items appended with `+=`.
    Append,
    /// Items removed with `-=`.
    Remove,
    /// Declared without a value (`abstract`), or a block merged into.
    Declared,
    /// Overridden by the selected profile.
    Profile,
    /// Scaled by the selected profile's `bake scale`.
    BakeScale,
    /// Raised to a policy's floor.
    Floor,
}

/// Where a value was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The member that set it.
    pub span: Span,
    /// How.
    pub how: How,
}

/// A member after merging.
#[derive(Debug, Clone)]
pub struct Resolved<'w> {
    /// The member that last wrote it (its value is the resolved one).
    pub member: &'w Member,
    /// Who set the current value.
    pub origin: Origin,
    /// The values it replaced, newest first (R44).
    pub history: Vec<Origin>,
    /// The `final` keyword that froze it.
    pub final_at: Option<(FileId, Span)>,
    /// The `abstract` declaration, while the member is unbound.
    pub abstract_at: Option<(FileId, Span)>,
    /// Its merged body.
    pub body: Option<ResolvedBlock<'w>>,
    /// List items after `+=` and `-=`, when the list is literal.
    pub items: Option<Vec<(String, FileId, Span)>>,
    /// The member that last wrote the whole value (`=`), with its file.
    pub base: Option<(&'w Member, FileId)>,
    /// `+=` and `-=` applied since, in order, with their files; on a
    /// region set they are applied when regions resolve (R20).
    pub list_ops: Vec<(&'w Member, FileId)>,
    /// For a declared field (`NAME : TYPE`), the type and where the first
    /// declaration is; overrides are checked against it (R37, R38).
    pub declared: Option<Declared<'w>>,
}

/// Where a field's type was declared.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'w> {
    /// The declared type.
    pub ty: &'w TypeExpr,
    /// The declaring file.
    pub file: FileId,
    /// The declaring member.
    pub span: Span,
}

impl<'w> Resolved<'w> {
    /// Records a new origin, keeping the one it replaces in the history
    /// (newest first, R44).
    fn supersede(&mut self, origin: Origin) {
        self.history.insert(0, self.origin);
        self.origin = origin;
    }

    /// The value last given whole (`=`, or a declaration's value), with
    /// the file it is written in.
    pub fn base_value(&self) -> Option<(&'w Expr, FileId)> {
        let (base, file) = self.base?;
        let expr = match &base.kind {
            MemberKind::FieldAssign { value, .. } => value,
            MemberKind::FieldDecl { value, .. } => value.as_ref()?,
            MemberKind::TrafficLimit { share } => share,
            MemberKind::Env { value, .. } => value,
            _ => return None,
        };
        Some((expr, file))
    }

    /// The items of a field as resolved, each with the file it is written
    /// in: the value last given whole (a list's items, or the value
    /// itself), then each `+=` and `-=` since, in order. Items compare by
    /// their text, as merging compares them (R17, R18).
    pub fn merged_items(&self, workspace: &Workspace) -> Vec<(&'w Expr, FileId)> {
        fn listed(value: &Expr) -> Vec<&Expr> {
            match &value.kind {
                ExprKind::List(items) => items.iter().collect(),
                _ => vec![value],
            }
        }
        let Some((value, file)) = self.base_value() else {
            return Vec::new();
        };
        let mut items: Vec<(&'w Expr, FileId)> =
            listed(value).into_iter().map(|item| (item, file)).collect();
        for (edit, edit_file) in &self.list_ops {
            let MemberKind::FieldAssign { op, value, .. } = &edit.kind else {
                continue;
            };
            for operand in listed(value) {
                let written = self_text(workspace, *edit_file, operand.span);
                let found = items.iter().position(|(item, item_file)| {
                    self_text(workspace, *item_file, item.span) == written
                });
                match (op, found) {
                    (AssignOp::Append, None) => items.push((operand, *edit_file)),
                    (AssignOp::Remove, Some(at)) => {
                        items.remove(at);
                    }
                    _ => {}
                }
            }
        }
        items
    }
}

/// Blocks of at most this many members are searched rather than looked
/// up in their index: comparing a few keys costs less than hashing one,
/// and most bodies (a wave, a one-box, a stage) hold a handful.
const SEARCHED: usize = 16;

/// A body after merging: keyed members in order, then collection items.
#[derive(Debug, Clone, Default)]
pub struct ResolvedBlock<'w> {
    /// Keyed members, inherited ones first (R12). Shared: a pipeline's
    /// block starts as its template's, and only the members it changes
    /// are copied (`Arc::make_mut`), so ten thousand pipelines of one
    /// template hold one copy of what they inherit unchanged.
    pub members: Vec<(Key, Arc<Resolved<'w>>)>,
    /// Collection statements (`block`, `require`, `exclude`, `wait for`),
    /// each with every place that contributed it (R22).
    pub collection: Vec<(&'w Member, Vec<(FileId, Span)>)>,
    /// Where each key is in `members`, so that merging a body of n members
    /// costs n look-ups, not n² comparisons; empty while the block has at
    /// most [`SEARCHED`] members. Kept by [`Self::push`] and
    /// [`Self::remove_at`], the only ways the merge changes `members`.
    index: crate::hashing::FastHashMap<Key, usize>,
}

impl<'w> ResolvedBlock<'w> {
    /// The member with this key.
    pub fn get(&self, key: &Key) -> Option<&Resolved<'w>> {
        self.position(key)
            .and_then(|at| self.members.get(at))
            .map(|(_, member)| &**member)
    }

    fn get_mut(&mut self, key: &Key) -> Option<&mut Resolved<'w>> {
        let at = self.position(key)?;
        self.members
            .get_mut(at)
            .map(|(_, member)| Arc::make_mut(member))
    }

    /// Whether this block and `other` hold the member at `key` as one
    /// shared value: neither has changed it since one was copied from the
    /// other (a profile applied to a copy of a pipeline, say).
    pub fn shares(&self, other: &ResolvedBlock<'w>, key: &Key) -> bool {
        fn member<'b, 'w>(
            block: &'b ResolvedBlock<'w>,
            key: &Key,
        ) -> Option<&'b Arc<Resolved<'w>>> {
            let at = block.position(key)?;
            block.members.get(at).map(|(_, member)| member)
        }
        match (member(self, key), member(other, key)) {
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs),
            _ => false,
        }
    }

    /// Whether this block and `other` hold the same members, each shared
    /// (see [`Self::shares`]), and the same collection statements from the
    /// same places: a copy of `other` that nothing has changed since.
    pub fn unchanged_from(&self, other: &ResolvedBlock<'w>) -> bool {
        self.members.len() == other.members.len()
            && self
                .members
                .iter()
                .zip(&other.members)
                .all(|((key, mine), (their_key, theirs))| {
                    key == their_key && Arc::ptr_eq(mine, theirs)
                })
            && self.collection.len() == other.collection.len()
            && self.collection.iter().zip(&other.collection).all(
                |((member, places), (their_member, their_places))| {
                    std::ptr::eq(*member, *their_member) && places == their_places
                },
            )
    }

    /// The field `name`: what [`Self::get`] of `Key::Field(name)` gives,
    /// without making the key.
    pub fn get_field(&self, name: &str) -> Option<&Resolved<'w>> {
        if self.members.len() <= SEARCHED {
            return self
                .members
                .iter()
                .find(|(key, _)| matches!(key, Key::Field(field) if field == name))
                .map(|(_, member)| &**member);
        }
        self.get(&Key::Field(name.to_string()))
    }

    /// The index of a key in `members`. A small block has no index and
    /// is searched, as is a large one whose index does not cover every
    /// member.
    fn position(&self, key: &Key) -> Option<usize> {
        if self.members.len() > SEARCHED && self.index.len() == self.members.len() {
            self.index.get(key).copied()
        } else {
            self.members.iter().position(|(k, _)| k == key)
        }
    }

    fn push(&mut self, key: Key, member: Resolved<'w>) {
        let at = self.members.len();
        self.members.push((key, Arc::new(member)));
        // Most blocks stay small and never build an index: indexing them
        // would cost a copy of each key and a table per block, copied
        // again with every block a pipeline changes.
        if at == SEARCHED {
            self.reindex();
        } else if let Some((key, _)) = self.members.last().filter(|_| at > SEARCHED) {
            self.index.insert(key.clone(), at);
        }
    }

    fn remove_at(&mut self, position: usize) {
        if position < self.members.len() {
            self.members.remove(position);
            if self.members.len() > SEARCHED {
                self.reindex();
            } else {
                self.index = Default::default();
            }
        }
    }

    fn reindex(&mut self) {
        self.index = self
            .members
            .iter()
            .enumerate()
            .map(|(at, (key, _))| (key.clone(), at))
            .collect();
    }
}

/// The key of a keyed member; `None` for collection statements and
/// `remove`.
pub fn key_of(kind: &MemberKind) -> Option<Key> {
    Some(match kind {
        MemberKind::FieldDecl { name, .. } | MemberKind::FieldAssign { name, .. } => {
            Key::Field(name.name.clone())
        }
        MemberKind::TrafficLimit { .. } => Key::Field("traffic".to_string()),
        MemberKind::Alarm(alarm) => Key::Named("alarm", alarm.name.name.clone()),
        MemberKind::Source { name, .. } => Key::Named("source", name.name.clone()),
        MemberKind::Build { name, .. } => Key::Named("build", name.name.clone()),
        MemberKind::Stage { name, .. } => Key::Named("stage", name.name.clone()),
        MemberKind::Wave { name, .. } => Key::Named("wave", name.name.clone()),
        MemberKind::Test { name, .. } => Key::Named("test", name.name.clone()),
        MemberKind::Profile { name, .. } => Key::Named("profile", name.name.clone()),
        MemberKind::Region { name, .. } => Key::Named("region", name.name.clone()),
        MemberKind::Env { name, .. } => Key::Named("env", name.name.clone()),
        MemberKind::Production { .. } => Key::Single("production"),
        MemberKind::Onebox { .. } => Key::Single("onebox"),
        MemberKind::WindowUse(_) => Key::Single("window"),
        MemberKind::ProfileWindow { profile, .. } => {
            Key::Named("window for profile", profile.name.clone())
        }
        MemberKind::Rollback { .. } => Key::Single("rollback on"),
        MemberKind::Scope { .. } => Key::Single("by"),
        MemberKind::BakeScale { .. } => Key::Single("bake scale"),
        MemberKind::Deploy { artifacts, .. } => {
            let mut names: Vec<String> = artifacts.iter().map(|path| path.to_dotted()).collect();
            names.sort();
            Key::Deploy(names)
        }
        _ => return None,
    })
}

/// The members a change to the final member `key` writes: each member
/// inside a block written over it (and inside its blocks), keyed by
/// itself, or the member itself when it is no block or an empty one.
fn changes_in<'m>(member: &'m Member, key: &Key) -> Vec<(&'m Member, Key)> {
    let inner = member
        .kind
        .body()
        .filter(|_| !writes_value(&member.kind))
        .map(|body| body.members.as_slice())
        .unwrap_or_default();
    if inner.is_empty() {
        return vec![(member, key.clone())];
    }
    inner
        .iter()
        .flat_map(|inner| {
            let inner_key = key_of(&inner.kind).unwrap_or_else(|| key.clone());
            changes_in(inner, &inner_key)
        })
        .collect()
}

/// Whether a member writes a value of its own (as opposed to only opening a
/// body to merge into).
fn writes_value(kind: &MemberKind) -> bool {
    match kind {
        MemberKind::FieldDecl { value, .. } => value.is_some(),
        MemberKind::Alarm(alarm) => alarm.value.is_some(),
        MemberKind::FieldAssign { .. }
        | MemberKind::TrafficLimit { .. }
        | MemberKind::Source { .. }
        | MemberKind::Rollback { .. }
        | MemberKind::BakeScale { .. }
        | MemberKind::Env { .. } => true,
        // A named window is the window's value: a descendant naming
        // another replaces it (R11, R15), as does an approval for the
        // same profile (R48).
        MemberKind::WindowUse(WindowUse::Named { .. }) | MemberKind::ProfileWindow { .. } => true,
        MemberKind::Build { inputs, .. } => !inputs.is_empty(),
        _ => false,
    }
}

fn has_modifier(member: &Member, kind: ModifierKind) -> Option<Span> {
    member
        .modifiers
        .iter()
        .find(|m| m.kind == kind)
        .map(|m| m.span)
}

/// The first line of a member, up to its body: what labels underline.
pub fn head_span(member: &Member) -> Span {
    let end = member.kind.body().map_or(member.span.end, |body| {
        body.span.start.max(member.span.start)
    });
    Span {
        start: member.span.start,
        end,
    }
}

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
}

/// What a profile does besides overriding members.
#[derive(Debug, Clone, Default)]
pub struct ProfileEffects<'w> {
    /// `bake scale P`: hundredths of a percent, where it is written.
    pub bake_scale: Option<(u32, FileId, Span)>,
    /// `require approval(...)` at the top of the profile body.
    pub approvals: Vec<(&'w Member, FileId)>,
}

/// The bodies of every `profile NAME { ... }` of `chain`, root first,
/// each with the file it is written in, from the last link that writes
/// `remove profile NAME` on: a removal drops what is inherited (R36), so
/// only the removing link's own declaration and its descendants' stay.
/// None when the chain removes the profile and declares it no more, as
/// when it never declared it.
pub(super) fn profile_bodies<'w>(
    scopes: &Scopes<'w>,
    chain: &[DeclId],
    name: &str,
) -> Vec<(&'w crate::syntax::ast::Block, FileId)> {
    let mut bodies = Vec::new();
    for &link in chain {
        let members = scopes
            .item(link)
            .and_then(|item| decl_of(&item.kind))
            .map_or(&[][..], |decl| decl.body.members.as_slice());
        // Removals first, as in any body (R10).
        if members.iter().any(|member| removes_profile(member, name)) {
            bodies.clear();
        }
        bodies.extend(members.iter().filter_map(|member| match &member.kind {
            MemberKind::Profile {
                name: profile,
                body,
            } if profile.name == name => Some((body, link.file)),
            _ => None,
        }));
    }
    bodies
}

/// Whether `member` is `remove profile NAME`.
fn removes_profile(member: &Member, name: &str) -> bool {
    matches!(&member.kind, MemberKind::Remove { keyword, name: removed }
        if keyword.name == "profile" && removed.name == name)
}

/// Where the last link of `chain` that removes profile `name` does, if one
/// does: what a `--profile NAME` the pipeline then lacks points at.
pub fn profile_removal(
    scopes: &Scopes<'_>,
    chain: &[DeclId],
    name: &str,
) -> Option<(FileId, Span)> {
    chain.iter().rev().find_map(|&link| {
        let decl = scopes.item(link).and_then(|item| decl_of(&item.kind))?;
        decl.body
            .members
            .iter()
            .find(|member| removes_profile(member, name))
            .map(|member| (link.file, member.span))
    })
}

impl<'w> ProfileEffects<'w> {
    /// What profile `name` does besides overriding members, read from
    /// every link of `chain` that declares it, and whether that is all it
    /// does (it overrides no member); `None` when no link declares it.
    /// Applying such a profile to a copy of a pipeline leaves the copy as
    /// it was ([`Merger::apply_profile`]).
    pub fn of_profile(
        scopes: &Scopes<'w>,
        chain: &[DeclId],
        name: &str,
    ) -> Option<(ProfileEffects<'w>, bool)> {
        let mut effects = ProfileEffects::default();
        let (mut found, mut only_effects) = (false, true);
        for (body, file) in profile_bodies(scopes, chain, name) {
            found = true;
            effects.read(body, file);
            only_effects &= body.members.iter().all(Self::is_effect);
        }
        found.then_some((effects, only_effects))
    }

    /// Whether a member of a profile's body is one of its effects rather
    /// than a member it overrides.
    fn is_effect(member: &Member) -> bool {
        matches!(
            member.kind,
            MemberKind::BakeScale { .. } | MemberKind::Require { .. }
        )
    }

    /// Adds the effects of a profile's body, written in `file`: a later
    /// `bake scale` replaces an earlier one, approvals add up.
    fn read(&mut self, body: &'w crate::syntax::ast::Block, file: FileId) {
        for inner in &body.members {
            match &inner.kind {
                MemberKind::BakeScale { factor } => {
                    // A factor out of range is reported for every
                    // profile, selected or not (`profiles::check_scales`).
                    if let crate::syntax::ast::LiteralValue::Percent(hundredths) = factor.value
                        && super::profiles::scale_in_range(hundredths)
                    {
                        self.bake_scale = Some((hundredths, file, inner.span));
                    }
                }
                MemberKind::Require { .. } => self.approvals.push((inner, file)),
                _ => {}
            }
        }
    }
}

impl<'w, 'd> Merger<'w, 'd> {
    /// A merger that reports into `diagnostics`.
    pub fn new(workspace: &'w Workspace, diagnostics: &'d mut Vec<Diagnostic>) -> Merger<'w, 'd> {
        Merger {
            workspace,
            diagnostics,
            resolved: BTreeMap::new(),
            applying_profile: false,
        }
    }

    /// Resolves every declaration with a chain, then checks that each
    /// pipeline binds every abstract member (R29).
    pub fn run(
        mut self,
        scopes: &Scopes<'w>,
        chains: &Chains,
    ) -> BTreeMap<DeclId, ResolvedBlock<'w>> {
        let decls: Vec<(DeclId, DeclKind)> = scopes
            .all()
            .filter(|(_, kind, _)| {
                matches!(
                    kind,
                    DeclKind::Template | DeclKind::Pipeline | DeclKind::Registry
                )
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
            Merger::check_bound(resolved, scopes, decl, &mut found);
            Merger::check_platform(resolved, scopes, decl, &mut found);
            found
        });
        self.diagnostics.extend(found.into_iter().flatten());
        self.resolved
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

    fn apply(&mut self, block: &mut ResolvedBlock<'w>, body: &'w Block, file: FileId, ctx: Ctx) {
        // Removals first (R10). A profile's removals apply to the pipeline
        // the profile is selected for; a `remove` with a modifier was
        // already refused by the shape check.
        for member in &body.members {
            if ctx.in_profile || !member.modifiers.is_empty() {
                continue;
            }
            if let MemberKind::Remove { keyword, name } = &member.kind {
                self.remove(block, member, keyword.name.as_str(), &name.name, file);
            }
        }
        for member in &body.members {
            if matches!(member.kind, MemberKind::Remove { .. }) {
                continue;
            }
            // A profile body approving a window is refused where it is
            // written (P0510); it is not also a change to a final one.
            if (ctx.in_profile || self.applying_profile)
                && matches!(member.kind, MemberKind::ProfileWindow { .. })
            {
                continue;
            }
            // A final window stays final: only the body that froze it may
            // approve other windows for profiles, or a descendant could
            // widen it by approving a window of its own.
            if let MemberKind::ProfileWindow { .. } = &member.kind
                && let Some(final_at) = block
                    .get(&Key::Single("window"))
                    .and_then(|window| window.final_at)
                && !body.members.iter().any(|sibling| {
                    final_at.0 == file
                        && has_modifier(sibling, ModifierKind::Final) == Some(final_at.1)
                })
            {
                self.final_violation(
                    file,
                    head_span(member),
                    final_at,
                    &Key::Single("window"),
                    "approves another window for",
                );
                continue;
            }
            match key_of(&member.kind) {
                Some(key) => self.apply_keyed(block, key, member, file, ctx),
                None => add_collection_item(block, member, file),
            }
        }
    }

    fn remove(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        member: &'w Member,
        keyword: &str,
        name: &str,
        file: FileId,
    ) {
        let kind = static_kind(keyword);
        let key = Key::Named(kind, name.to_string());
        let Some(position) = block.position(&key) else {
            let candidates: Vec<String> = block
                .members
                .iter()
                .filter(|(k, _)| matches!(k, Key::Named(k_kind, _) if *k_kind == kind))
                .map(|(k, _)| k.name().to_string())
                .collect();
            let mut diagnostic = Diagnostic::error(
                Code::REMOVAL_OF_NOTHING,
                format!("nothing to remove: no inherited {}", key.describe()),
            )
            .primary(file, member.span, "removes nothing");
            diagnostic = match closest(name, candidates.iter().map(String::as_str)) {
                Some(suggestion) => {
                    diagnostic.help(format!("did you mean `remove {keyword} {suggestion}`?"))
                }
                None => diagnostic
                    .help("`remove` drops a member inherited from the parent; delete this line"),
            };
            self.diagnostics.push(diagnostic);
            return;
        };
        if let Some((_, existing)) = block.members.get(position)
            && let Some(final_at) = find_final(existing)
        {
            self.final_violation(file, member.span, final_at, &key, "removes");
            return;
        }
        block.remove_at(position);
    }

    fn apply_keyed(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        key: Key,
        member: &'w Member,
        file: FileId,
        ctx: Ctx,
    ) {
        // `+=` or `-=` on a built-in field that holds one value is refused
        // where it is written (P0701, R38); the inherited value is kept
        // (R13), and no edit that never happened enters its provenance.
        if let MemberKind::FieldAssign { op, name, .. } = &member.kind
            && *op != AssignOp::Replace
            && crate::check::builtin_single_value(ctx.body, &name.name).is_some()
        {
            return;
        }
        let is_new = has_modifier(member, ModifierKind::New).is_some();
        let builtin = match (&key, ctx.body.builtin_fields()) {
            (Key::Field(name), Some(fields)) => fields.contains(&name.as_str()),
            (Key::Field(_), None) => true,
            _ => false,
        };
        let Some(existing) = block.get_mut(&key) else {
            self.add_new(block, key, member, file, ctx, is_new, builtin);
            return;
        };
        if is_new && ctx.checks {
            let diagnostic = Diagnostic::error(
                Code::NEW_SHADOWS_INHERITED,
                format!("{} is marked `new` but is inherited", key.describe()),
            )
            .primary(file, head_span(member), "declared `new` here")
            .secondary(existing.origin.file, existing.origin.span, "inherited from here")
            .help("remove `new` to override the inherited member, or choose another name for a new one");
            self.diagnostics.push(diagnostic);
            return;
        }
        if let Some(final_at) = existing.final_at {
            // What changes is each member written inside the block, not the
            // block (R32: the primary label is at the change).
            for (change, change_key) in changes_in(member, &key) {
                let verb = if writes_value(&change.kind) {
                    "overrides"
                } else {
                    "changes"
                };
                self.final_violation(file, head_span(change), final_at, &change_key, verb);
            }
            return;
        }
        if let Some(abstract_span) =
            has_modifier(member, ModifierKind::Abstract).filter(|_| ctx.in_template)
        {
            if existing.abstract_at.is_some() {
                // Restating an abstract field keeps its type (R30, R37):
                // another type would be dropped here, silently, and its
                // descendants checked against the declared one.
                if let Some(declared) = existing.declared {
                    self.diagnostics
                        .extend(types::override_problem(&declared, member, file));
                }
            } else {
                let diagnostic = Diagnostic::error(
                    Code::ABSTRACT_REDECLARATION,
                    format!("{} already has a value and cannot become abstract", key.describe()),
                )
                .primary(file, abstract_span, "`abstract` here")
                .secondary(existing.origin.file, existing.origin.span, "the value it inherits")
                .help("remove `abstract`; to require each pipeline to choose, make it abstract in the template that declares it");
                self.diagnostics.push(diagnostic);
            }
            return;
        }
        if replaces_wholesale(existing.member, member) {
            if let Some(final_at) = find_final(existing) {
                self.final_violation(file, head_span(member), final_at, &key, "replaces");
                return;
            }
            let mut fresh = self.fresh(member, file, ctx);
            // What it replaced is still its history (R44).
            fresh.history = std::iter::once(existing.origin)
                .chain(existing.history.iter().copied())
                .collect();
            if self.applying_profile {
                fresh.origin.how = How::Profile;
            }
            *existing = fresh;
            return;
        }
        // An inline window merged into an inherited inline window is the
        // window the scope now has: its fields are merged below, and the
        // window as a whole was last written here (R11).
        if matches!(
            (&existing.member.kind, &member.kind),
            (
                MemberKind::WindowUse(WindowUse::Inline(_)),
                MemberKind::WindowUse(WindowUse::Inline(_))
            )
        ) {
            let how = if self.applying_profile {
                How::Profile
            } else {
                How::Declared
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.member = member;
        }
        if let Some(declared) = existing.declared {
            self.diagnostics
                .extend(types::override_problem(&declared, member, file));
        }
        // Merge into the inherited member (R11).
        let op = match &member.kind {
            MemberKind::FieldAssign { op, .. } => *op,
            _ => AssignOp::Replace,
        };
        if op != AssignOp::Replace {
            // An abstract list has no items to edit yet (R19): the edit
            // would be lost when a descendant binds it with `=`.
            if let Some(abstract_at) = existing.abstract_at {
                self.diagnostics
                    .push(list_operator_on_abstract(member, op, file, abstract_at));
                return;
            }
            let previous_items = existing.items.clone();
            let items = self.list_op(previous_items, member, op, file, existing);
            let how = if op == AssignOp::Append {
                How::Append
            } else {
                How::Remove
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.items = items;
            existing.member = member;
            existing.list_ops.push((member, file));
            return;
        }
        if writes_value(&member.kind) {
            let how = if self.applying_profile {
                How::Profile
            } else if existing.abstract_at.is_some() {
                How::Bind
            } else {
                How::Set
            };
            existing.supersede(Origin {
                file,
                span: member.span,
                how,
            });
            existing.abstract_at = None;
            existing.items =
                literal_items(member, file, |span| self_text(self.workspace, file, span));
            existing.member = member;
            existing.base = Some((member, file));
            existing.list_ops.clear();
        }
        if let Some(final_span) = has_modifier(member, ModifierKind::Final) {
            existing.final_at = Some((file, final_span));
        }
        if let (Some(child_body), Some(child_kind)) =
            (member.kind.body(), Body::child(&member.kind))
        {
            let mut merged = existing.body.take().unwrap_or_default();
            let child_ctx = Ctx {
                checks: ctx.checks && child_kind != Body::Profile && !ctx.in_profile,
                body: child_kind,
                in_template: ctx.in_template && child_kind != Body::Profile,
                in_profile: ctx.in_profile || child_kind == Body::Profile,
            };
            self.apply(&mut merged, child_body, file, child_ctx);
            if let Some(existing) = block.get_mut(&key) {
                existing.body = Some(merged);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_new(
        &mut self,
        block: &mut ResolvedBlock<'w>,
        key: Key,
        member: &'w Member,
        file: FileId,
        ctx: Ctx,
        is_new: bool,
        builtin: bool,
    ) {
        if let MemberKind::FieldAssign { op, name, .. } = &member.kind
            && *op != AssignOp::Replace
        {
            // A field the body does not have is `P0105` where it is
            // written; that it has nothing to edit is the same mistake.
            // In a profile's body, merged along the chain, the list it
            // edits is the pipeline's (R40): checked, and applied, when
            // the profile is applied to the pipeline.
            if crate::check::reported_as_out_of_place(ctx.body, member) || ctx.in_profile {
                return;
            }
            let symbol = if *op == AssignOp::Append { "+=" } else { "-=" };
            let mut diagnostic = Diagnostic::error(
                Code::LIST_OPERATOR_WITHOUT_LIST,
                format!(
                    "`{symbol}` on `{}`, which has no inherited value",
                    name.name
                ),
            )
            .primary(
                file,
                member.span,
                format!(
                    "nothing to {}",
                    if *op == AssignOp::Append {
                        "append to"
                    } else {
                        "remove from"
                    }
                ),
            );
            // A field this body does not have, that holds one value where
            // it is built in (`bake` at a template's top level), is no
            // list to assign whole: say where it belongs.
            diagnostic = match crate::check::single_value_elsewhere(ctx.body, &name.name)
                .filter(|_| !builtin)
            {
                Some((what, homes)) => {
                    let homes: Vec<&str> = homes.iter().map(|body| body.describe()).collect();
                    diagnostic
                        .note(format!(
                            "{} has no built-in `{}`: it is {what} field of {}",
                            ctx.body.describe(),
                            name.name,
                            in_words(&homes)
                        ))
                        .help(format!(
                            "set it there with `{} = ...`; `+=` and `-=` only edit an inherited list",
                            name.name
                        ))
                }
                None => diagnostic.help(format!(
                    "assign the whole list with `{} = [...]`",
                    name.name
                )),
            };
            self.diagnostics.push(diagnostic);
            return;
        }
        if ctx.checks && builtin && is_new {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::NEW_SHADOWS_INHERITED,
                    format!("{} is built in; it cannot be `new`", key.describe()),
                )
                .primary(file, head_span(member), "declared `new` here")
                .help("remove `new`: every such block already has this field"),
            );
            return;
        }
        if ctx.checks
            && !is_new
            && !builtin
            && !crate::check::reported_as_out_of_place(ctx.body, member)
            && !crate::check::reported_as_misused_modifier(member, ctx.in_template)
        {
            let mut diagnostic = Diagnostic::error(
                Code::OVERRIDE_OF_NOTHING,
                format!("{} overrides nothing", key.describe()),
            )
            .primary(file, head_span(member), "nothing inherited has this name");
            let written = key.written();
            // Names are compared without their kind (`stage `), so that the
            // typo threshold is the name's: `beta_canary` is not a typo of
            // `gamma_canary`. A member of the same kind is preferred, then
            // the same name of another kind (`high_severity = ...` for
            // `alarm high_severity`), then a close name of any kind.
            let names: Vec<(String, String)> = block
                .members
                .iter()
                .map(|(k, _)| (k.name().to_string(), k.written()))
                .collect();
            let same_kind: Vec<(String, String)> = block
                .members
                .iter()
                .filter(|(k, _)| {
                    std::mem::discriminant(k) == std::mem::discriminant(&key)
                        && k.kind_word() == key.kind_word()
                })
                .map(|(k, _)| (k.name().to_string(), k.written()))
                .collect();
            let written_of = |list: &[(String, String)], name: &str| {
                list.iter().find(|(n, _)| n == name).map(|(_, w)| w.clone())
            };
            let suggestion = closest(key.name(), same_kind.iter().map(|(name, _)| name.as_str()))
                .and_then(|name| written_of(&same_kind, name))
                .or_else(|| {
                    names
                        .iter()
                        .find(|(n, w)| n == key.name() && *w != written)
                        .map(|(_, w)| w.clone())
                })
                .or_else(|| {
                    closest(key.name(), names.iter().map(|(name, _)| name.as_str()))
                        .and_then(|name| written_of(&names, name))
                });
            // The fixes: the closest inherited member of the same kind, by
            // its name, and `new` in front.
            if let Some(name) = member.kind.name()
                && let Some(close) =
                    closest(key.name(), same_kind.iter().map(|(name, _)| name.as_str()))
            {
                diagnostic =
                    diagnostic.suggest(format!("Change to `{close}`"), file, name.span, close);
            }
            diagnostic = diagnostic.suggest(
                "Add `new`: declare a member the parent does not have",
                file,
                Span {
                    start: member.span.start,
                    end: member.span.start,
                },
                "new ",
            );
            diagnostic = match suggestion {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`? To add a member the parent does not have, write `new` in front")),
                None => diagnostic.help("to add a member the parent does not have, write `new` in front"),
            };
            self.diagnostics.push(diagnostic);
            return;
        }
        let fresh = self.fresh(member, file, ctx);
        block.push(key, fresh);
    }

    /// A member as declared, with its body applied to an empty block;
    /// members nested in it are new implicitly (R25).
    fn fresh(&mut self, member: &'w Member, file: FileId, ctx: Ctx) -> Resolved<'w> {
        let abstract_at = has_modifier(member, ModifierKind::Abstract)
            .filter(|_| ctx.in_template)
            .map(|_| (file, member.span));
        let how = if abstract_at.is_some() || !writes_value(&member.kind) {
            How::Declared
        } else {
            How::Set
        };
        let body = match (member.kind.body(), Body::child(&member.kind)) {
            (Some(child_body), Some(child_kind)) => {
                let mut block = ResolvedBlock::default();
                let child_ctx = Ctx {
                    checks: false,
                    body: child_kind,
                    in_template: ctx.in_template && child_kind != Body::Profile,
                    in_profile: ctx.in_profile || child_kind == Body::Profile,
                };
                self.apply(&mut block, child_body, file, child_ctx);
                Some(block)
            }
            _ => None,
        };
        Resolved {
            member,
            origin: Origin {
                file,
                span: member.span,
                how,
            },
            history: Vec::new(),
            final_at: has_modifier(member, ModifierKind::Final).map(|span| (file, span)),
            abstract_at,
            body,
            items: literal_items(member, file, |span| self_text(self.workspace, file, span)),
            base: writes_value(&member.kind).then_some((member, file)),
            list_ops: Vec::new(),
            declared: self.declaration(member, file),
        }
    }

    /// The type a member declares (`NAME : TYPE [= VALUE]`), after checking
    /// the declaration's own value against it.
    fn declaration(&mut self, member: &'w Member, file: FileId) -> Option<Declared<'w>> {
        let MemberKind::FieldDecl { ty, value, .. } = &member.kind else {
            return None;
        };
        if let Some(value) = value {
            self.diagnostics
                .extend(types::declared_value_problem(ty, value, file));
        }
        Some(Declared {
            ty,
            file,
            span: member.span,
        })
    }

    /// Applies `+=` or `-=` to a literal inherited list (R17, R18). When the
    /// inherited value is not a literal list (a region expression), the
    /// operation is kept for region resolution to apply (R20).
    fn list_op(
        &mut self,
        previous: Option<Vec<(String, FileId, Span)>>,
        member: &'w Member,
        op: AssignOp,
        file: FileId,
        existing: &Resolved<'w>,
    ) -> Option<Vec<(String, FileId, Span)>> {
        let mut items = previous?;
        let MemberKind::FieldAssign { value, name, .. } = &member.kind else {
            return Some(items);
        };
        let ExprKind::List(operands) = &value.kind else {
            return None;
        };
        for operand in operands {
            let text = self_text(self.workspace, file, operand.span);
            let found = items.iter().position(|(item, _, _)| *item == text);
            match (op, found) {
                (AssignOp::Append, Some(idx)) => {
                    let mut diagnostic = Diagnostic::error(
                        Code::DUPLICATE_LIST_ITEM,
                        format!("`{text}` is already in `{}`", name.name),
                    )
                    .primary(file, operand.span, "appended again");
                    if let Some((_, item_file, item_span)) = items.get(idx) {
                        diagnostic = diagnostic.secondary(*item_file, *item_span, "already here");
                    }
                    self.diagnostics
                        .push(diagnostic.help("remove it from the `+=` list"));
                }
                (AssignOp::Append, None) => items.push((text, file, operand.span)),
                (_, Some(idx)) => {
                    items.remove(idx);
                }
                (_, None) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::LIST_REMOVAL_OF_ABSENT,
                            format!("`{text}` is not in `{}`", name.name),
                        )
                        .primary(file, operand.span, "removes nothing")
                        .secondary(
                            existing.origin.file,
                            existing.origin.span,
                            "the inherited list",
                        )
                        .help("remove it from the `-=` list"),
                    );
                }
            }
        }
        Some(items)
    }

    fn final_violation(
        &mut self,
        file: FileId,
        span: Span,
        final_at: (FileId, Span),
        key: &Key,
        verb: &str,
    ) {
        self.diagnostics.push(
            Diagnostic::error(Code::OVERRIDE_OF_FINAL, format!("this {verb} a final member ({})", key.describe()))
                .primary(file, span, format!("{verb} a frozen member"))
                .secondary(final_at.0, final_at.1, "declared `final` here")
                .note("a final member, and everything inside a final block, cannot change in descendants or profiles (RFC 0001, R32–R34)")
                .help("remove this change; the inherited value is kept"),
        );
    }

    /// Applies the profile `name` to a pipeline's resolved body (R39–R42):
    /// the profile bodies of the chain, root first, are overrides of the
    /// pipeline, checked like a child's (R40). `bake scale` and top-level
    /// `require approval` are returned for the plan to apply. `None` when
    /// no declaration of the chain has the profile.
    pub fn apply_profile(
        &mut self,
        scopes: &Scopes<'w>,
        chain: &[DeclId],
        name: &str,
        block: &mut ResolvedBlock<'w>,
    ) -> Option<ProfileEffects<'w>> {
        let mut effects = ProfileEffects::default();
        let mut found = false;
        self.applying_profile = true;
        for (body, file) in profile_bodies(scopes, chain, name) {
            found = true;
            effects.read(body, file);
            // Removals first, as in any body (R10).
            let keep: Vec<&'w Member> = body
                .members
                .iter()
                .filter(|inner| !ProfileEffects::is_effect(inner))
                .collect();
            let ctx = Ctx {
                checks: true,
                body: Body::Pipeline,
                in_template: false,
                in_profile: false,
            };
            for inner in keep
                .iter()
                .filter(|inner| matches!(inner.kind, MemberKind::Remove { .. }))
            {
                if let MemberKind::Remove {
                    keyword,
                    name: removed,
                } = &inner.kind
                {
                    self.remove(block, inner, keyword.name.as_str(), &removed.name, file);
                }
            }
            for inner in keep {
                if matches!(inner.kind, MemberKind::Remove { .. }) {
                    continue;
                }
                match key_of(&inner.kind) {
                    Some(key) => self.apply_keyed(block, key, inner, file, ctx),
                    None => add_collection_item(block, inner, file),
                }
            }
        }
        self.applying_profile = false;
        found.then_some(effects)
    }

    /// A pipeline says which platform it deploys to: strategies and
    /// policies depend on it, so none is not taken to mean one.
    fn check_platform(
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        scopes: &Scopes<'w>,
        decl: DeclId,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some(block) = resolved.get(&decl) else {
            return;
        };
        if block.get_field("platform").is_some() {
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

    fn check_bound(
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        scopes: &Scopes<'w>,
        decl: DeclId,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some(block) = resolved.get(&decl) else {
            return;
        };
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
                if let Some((file, span)) = member.abstract_at {
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
            if member.abstract_at.is_some() {
                return true;
            }
            if let Some(body) = &member.body {
                pending.push(body);
            }
        }
    }
    false
}

/// `+=` or `-=` on an inherited abstract list, which has no value (R19).
fn list_operator_on_abstract(
    member: &Member,
    op: AssignOp,
    file: FileId,
    abstract_at: (FileId, Span),
) -> Diagnostic {
    let symbol = if op == AssignOp::Append { "+=" } else { "-=" };
    let name = match &member.kind {
        MemberKind::FieldAssign { name, .. } => name.name.as_str(),
        _ => "the field",
    };
    Diagnostic::error(
        Code::LIST_OPERATOR_WITHOUT_LIST,
        format!("`{symbol}` on `{name}`, which is abstract and has no value yet"),
    )
    .primary(file, member.span, "no list to edit")
    .secondary(abstract_at.0, abstract_at.1, "declared abstract here")
    .help(format!(
        "bind the whole list with `{name} = [...]`; `+=` and `-=` edit a list that has a value"
    ))
}

/// `a`, `a or b`, `a, b or c`.
fn in_words(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn self_text(workspace: &Workspace, file: FileId, span: Span) -> String {
    // Whitespace-insensitive, so `[a,b]` and `[a, b]` items compare equal.
    let text = crate::semantics::source_text(workspace, file, span);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The items of a literal list written by a field, for list operators.
fn literal_items(
    member: &Member,
    file: FileId,
    text: impl Fn(Span) -> String,
) -> Option<Vec<(String, FileId, Span)>> {
    let value: &Expr = match &member.kind {
        MemberKind::FieldAssign {
            op: AssignOp::Replace,
            value,
            ..
        } => value,
        MemberKind::FieldDecl {
            value: Some(value), ..
        } => value,
        _ => return None,
    };
    match &value.kind {
        ExprKind::List(items) => Some(
            items
                .iter()
                .map(|item| (text(item.span), file, item.span))
                .collect(),
        ),
        _ => None,
    }
}

/// Collection statements accumulate; an identical one is merged (R21, R22).
fn add_collection_item<'w>(block: &mut ResolvedBlock<'w>, member: &'w Member, file: FileId) {
    let same = block
        .collection
        .iter_mut()
        .find(|(existing, _)| existing.kind == member.kind);
    match same {
        Some((_, places)) => places.push((file, member.span)),
        None => block.collection.push((member, vec![(file, member.span)])),
    }
}

/// `by az` over `by cell`, or an inline window over a named one, replaces
/// the inherited member instead of merging into it (R11).
fn replaces_wholesale(inherited: &Member, new: &Member) -> bool {
    match (&inherited.kind, &new.kind) {
        (MemberKind::Scope { unit: old, .. }, MemberKind::Scope { unit: new, .. }) => {
            old.name != new.name
        }
        (MemberKind::WindowUse(old), MemberKind::WindowUse(new)) => {
            matches!(old, WindowUse::Inline(_)) != matches!(new, WindowUse::Inline(_))
        }
        _ => false,
    }
}

/// The first `final` at or inside a member (R34).
fn find_final(member: &Resolved<'_>) -> Option<(FileId, Span)> {
    if member.final_at.is_some() {
        return member.final_at;
    }
    let mut pending: Vec<&ResolvedBlock<'_>> = member.body.iter().collect();
    while let Some(block) = pending.pop() {
        for (_, inner) in &block.members {
            if inner.final_at.is_some() {
                return inner.final_at;
            }
            pending.extend(inner.body.iter());
        }
    }
    None
}

fn static_kind(keyword: &str) -> &'static str {
    match keyword {
        "stage" => "stage",
        "wave" => "wave",
        "test" => "test",
        "alarm" => "alarm",
        "source" => "source",
        "build" => "build",
        "profile" => "profile",
        _ => "region",
    }
}
