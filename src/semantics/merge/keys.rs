//! What a member is merged by ([`Key`]), and what a member writes: the
//! keys and value-or-body distinctions every other part of the merge, and
//! the language server and plan, look members up by. Kept apart from the
//! merger so that reading a key needs none of its state.

use super::Resolved;
use crate::check::Body;
use crate::source::Span;
use crate::syntax::ast::{Member, MemberKind, WindowUse};
use std::sync::Arc;

/// What a member is merged by. Names are borrowed from the syntax tree
/// (or from whoever looks a member up): every block a pipeline copies
/// from its template copies its keys, and a key that owned its name
/// would allocate and free it each time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key<'a> {
    /// A field of its block, by name.
    Field(&'a str),
    /// A named member: its kind (`stage`, `wave`, ...) and name.
    Named(&'static str, &'a str),
    /// A member of which a block has at most one: `production`, `onebox`,
    /// `window`, `rollback on`, `by`, `bake scale`.
    Single(&'static str),
    /// `deploy`, by the set of artifacts it deploys (their dotted names,
    /// sorted), shared by the copies of the key.
    Deploy(Arc<[String]>),
}

impl<'a> Key<'a> {
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
    pub(super) fn kind_word(&self) -> &str {
        match self {
            Key::Field(_) => "",
            Key::Named(kind, _) | Key::Single(kind) => kind,
            Key::Deploy(_) => "deploy",
        }
    }

    /// How the key is written in source, for suggestions.
    pub(super) fn written(&self) -> String {
        match self {
            Key::Field(name) => (*name).to_string(),
            Key::Named(kind, name) => format!("{kind} {name}"),
            Key::Single(kind) => (*kind).to_string(),
            Key::Deploy(artifacts) => format!("deploy {}", artifacts.join(", ")),
        }
    }

    pub(super) fn name(&self) -> &'a str {
        match self {
            Key::Field(name) | Key::Named(_, name) => name,
            Key::Single(kind) => kind,
            Key::Deploy(_) => "deploy",
        }
    }
}

/// The key of a keyed member; `None` for collection statements and
/// `remove`.
pub fn key_of(kind: &MemberKind) -> Option<Key<'_>> {
    Some(match kind {
        MemberKind::FieldDecl { name, .. } | MemberKind::FieldAssign { name, .. } => {
            Key::Field(&name.name)
        }
        MemberKind::TrafficLimit { .. } => Key::Field("traffic"),
        MemberKind::Alarm(alarm) => Key::Named("alarm", &alarm.name.name),
        MemberKind::Source { name, .. } => Key::Named("source", &name.name),
        MemberKind::Build { name, .. } => Key::Named("build", &name.name),
        MemberKind::Stage { name, .. } => Key::Named("stage", &name.name),
        MemberKind::Wave { name, .. } => Key::Named("wave", &name.name),
        MemberKind::Test { name, .. } => Key::Named("test", &name.name),
        MemberKind::Profile { name, .. } => Key::Named("profile", &name.name),
        MemberKind::Region { name, .. } => Key::Named("region", &name.name),
        MemberKind::Env { name, .. } => Key::Named("env", &name.name),
        MemberKind::Production { .. } => Key::Single("production"),
        MemberKind::Onebox { .. } => Key::Single("onebox"),
        MemberKind::WindowUse(_) => Key::Single("window"),
        MemberKind::ProfileWindow { profile, .. } => {
            Key::Named("window for profile", &profile.name)
        }
        MemberKind::Rollback { .. } => Key::Single("rollback on"),
        MemberKind::Scope { .. } => Key::Single("by"),
        MemberKind::BakeScale { .. } => Key::Single("bake scale"),
        MemberKind::Deploy { artifacts, .. } => {
            let mut names: Vec<String> = artifacts.iter().map(|path| path.to_dotted()).collect();
            names.sort();
            Key::Deploy(names.into())
        }
        _ => return None,
    })
}

/// The members a change to the final member `key` writes, each with what
/// it does to it (`overrides`, `changes`, `replaces`): each member inside a
/// block written over it (and inside its blocks), keyed by itself, or the
/// member itself when it is no block or an empty one, or when it replaces
/// `inherited`, the member it is written over, whole (an inline window
/// over a named one). `body` is the kind of body `member` is written in.
/// A member the shape check reports as out of place there (`P0101`, a
/// misspelt field's `P0105`) changes nothing: that is the whole error.
pub(super) fn changes_in<'m>(
    member: &'m Member,
    key: &Key<'m>,
    body: Body,
    inherited: Option<&Resolved<'_>>,
) -> Vec<(&'m Member, Key<'m>, &'static str)> {
    if crate::check::reported_as_out_of_place(body, member) {
        return Vec::new();
    }
    if inherited.is_some_and(|inherited| replaces_wholesale(inherited.member, member)) {
        return vec![(member, key.clone(), "replaces")];
    }
    let inner = member
        .kind
        .body()
        .filter(|_| !writes_value(&member.kind))
        .map(|body| body.members.as_slice())
        .unwrap_or_default();
    let Some(child) = Body::child(&member.kind).filter(|_| !inner.is_empty()) else {
        let verb = if writes_value(&member.kind) {
            "overrides"
        } else {
            "changes"
        };
        return vec![(member, key.clone(), verb)];
    };
    let inherited_body = inherited.and_then(|inherited| inherited.body.as_ref());
    inner
        .iter()
        .flat_map(|inner| {
            let (inner_key, inner_inherited) = match key_of(&inner.kind) {
                Some(inner_key) => {
                    let found = inherited_body.and_then(|body| body.get(&inner_key));
                    // A block the inherited one does not have is one change,
                    // wherever it is, not one per member written inside it.
                    if found.is_none() && inner.kind.body().is_some() {
                        return vec![(inner, inner_key, "changes")];
                    }
                    (inner_key, found)
                }
                None => (key.clone(), None),
            };
            changes_in(inner, &inner_key, child, inner_inherited)
        })
        .collect()
}

/// `by az` over `by cell`, or an inline window over a named one, replaces
/// the inherited member instead of merging into it (R11).
pub(super) fn replaces_wholesale(inherited: &Member, new: &Member) -> bool {
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

/// Whether a member writes a value of its own (as opposed to only opening a
/// body to merge into).
pub(super) fn writes_value(kind: &MemberKind) -> bool {
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
