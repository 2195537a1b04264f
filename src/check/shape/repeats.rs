//! Which members of a body repeat an earlier one (R7): the shape check
//! reports them (`P0103`), and merging skips them. Apart from the rest of
//! the shape check because merging asks it of every body too.

use super::{Body, Form, builtin_single_value, deployed_set, field_unknown_to};
use crate::syntax::ast::*;
use std::borrow::Cow;

/// How a member of a body repeats earlier ones (R7): the shape check
/// reports it (`P0103`), and merging skips a member whose key an earlier
/// one has, so that the first is what the body says and the repeat adds
/// no diagnostic of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Repeat<'a> {
    /// The earlier member with the same key.
    pub key: Option<&'a Member>,
    /// For a field given whole (`=`) and edited (`+=`, `-=`) in one body,
    /// the first earlier write of the other kind.
    pub whole_and_edited: Option<&'a Member>,
}

/// For each member of `block`, a body of kind `body`, whether it repeats
/// an earlier member (R7). A member the body cannot hold (`P0101`), a
/// field it does not have (`P0105`) and a list edit of a field that holds
/// one value (`P0701`) are those mistakes alone and repeat nothing, nor
/// are they repeated.
pub fn repeats(body: Body, block: &Block) -> Vec<Repeat<'_>> {
    let count = block.members.len();
    // One member repeats nothing (most bodies merged are a wave's bake, a
    // stage's test).
    if count < 2 {
        return vec![Repeat::default(); count];
    }
    let mut seen: FirstMet<'_, (Form, Cow<'_, str>)> = FirstMet::for_body_of(count);
    // Fields given whole (`=`, or a declaration with a value), and the
    // first `+=` or `-=` of each: a body does one or the other (R7).
    let mut whole: FirstMet<'_, &str> = FirstMet::for_body_of(count);
    let mut edited: FirstMet<'_, &str> = FirstMet::for_body_of(count);
    block
        .members
        .iter()
        .map(|member| {
            let form = Form::of(&member.kind);
            let mut repeat = Repeat::default();
            if !body.allowed().contains(&form) || field_unknown_to(body, member).is_some() {
                return repeat;
            }
            if let Some(key) = identity(&member.kind) {
                // `traffic <= 10%` sets the field `traffic` (R5), as
                // `traffic = 10%` would.
                let key = match &member.kind {
                    MemberKind::TrafficLimit { .. } => (Form::Field, Cow::Borrowed("traffic")),
                    _ => (form, key),
                };
                repeat.key = seen.first_or_keep(key, member);
            }
            if let MemberKind::FieldAssign { name, op, .. } = &member.kind
                && *op != AssignOp::Replace
                && builtin_single_value(body, &name.name).is_some()
            {
                return repeat;
            }
            if let Some((name, edit)) = field_write(&member.kind) {
                let (mine, other) = if edit {
                    (&mut edited, &whole)
                } else {
                    (&mut whole, &edited)
                };
                repeat.whole_and_edited = other.get(&name);
                mine.first_or_keep(name, member);
            }
            repeat
        })
        .collect()
}

/// The first member of a body met with each key. Searched while the body
/// is small, as most are, and hashed in a large one, so that a body of
/// thousands of members stays linear; both the shape check and merging
/// ask it of every body.
struct FirstMet<'a, K> {
    few: Vec<(K, &'a Member)>,
    many: Option<crate::hashing::FastHashMap<K, &'a Member>>,
}

impl<'a, K: std::hash::Hash + Eq> FirstMet<'a, K> {
    /// Bodies of at most this many members are searched.
    const SEARCHED: usize = 16;

    fn for_body_of(members: usize) -> Self {
        if members > Self::SEARCHED {
            let many =
                crate::hashing::FastHashMap::with_capacity_and_hasher(members, Default::default());
            FirstMet {
                few: Vec::new(),
                many: Some(many),
            }
        } else {
            FirstMet {
                few: Vec::with_capacity(members),
                many: None,
            }
        }
    }

    /// The member first met with `key`; `None` when this is the first,
    /// which is then kept as it.
    fn first_or_keep(&mut self, key: K, member: &'a Member) -> Option<&'a Member> {
        if let Some(many) = &mut self.many {
            return match many.entry(key) {
                std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(member);
                    None
                }
            };
        }
        match self.get(&key) {
            Some(first) => Some(first),
            None => {
                self.few.push((key, member));
                None
            }
        }
    }

    fn get(&self, key: &K) -> Option<&'a Member> {
        if let Some(many) = &self.many {
            return many.get(key).copied();
        }
        self.few
            .iter()
            .find(|(known, _)| known == key)
            .map(|&(_, member)| member)
    }
}

/// The field a member writes, and whether it edits the list (`+=`, `-=`)
/// rather than giving it whole (`=`, a declaration with a value).
pub(super) fn field_write(kind: &MemberKind) -> Option<(&str, bool)> {
    match kind {
        MemberKind::FieldAssign { op, name, .. } => {
            Some((name.name.as_str(), *op != AssignOp::Replace))
        }
        MemberKind::FieldDecl {
            name,
            value: Some(_),
            ..
        } => Some((name.name.as_str(), false)),
        _ => None,
    }
}

/// The key under which a member must be unique in its body: its name for
/// named members, the empty string for singletons, none for collections
/// and for list edits (`+=`, `-=`) that may repeat.
fn identity(kind: &MemberKind) -> Option<Cow<'_, str>> {
    match kind {
        MemberKind::FieldAssign { op, name, .. } => {
            (*op == AssignOp::Replace).then_some(Cow::Borrowed(name.name.as_str()))
        }
        MemberKind::FieldDecl { name, .. } => Some(Cow::Borrowed(name.name.as_str())),
        MemberKind::Production { .. }
        | MemberKind::Onebox { .. }
        | MemberKind::WindowUse(_)
        | MemberKind::Rollback { .. }
        | MemberKind::Scope { .. }
        | MemberKind::TrafficLimit { .. }
        | MemberKind::BakeScale { .. } => Some(Cow::Borrowed("")),
        MemberKind::ProfileWindow { profile, .. } => Some(Cow::Borrowed(profile.name.as_str())),
        // `deploy A, B` is keyed by the set it deploys (R5): `deploy b, a`
        // is the same member, `deploy a` another.
        MemberKind::Deploy { artifacts, .. } => Some(Cow::Owned(deployed_set(artifacts))),
        other => other.name().map(|name| Cow::Borrowed(name.name.as_str())),
    }
}
