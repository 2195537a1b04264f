//! A body after merging ([`ResolvedBlock`]): its keyed members in order,
//! shared along inheritance, with the index that keeps look-ups cheap in
//! large bodies. Its own file, as the one place that keeps `members` and
//! its index in step.

use super::{Key, Origin, Resolved};
use crate::syntax::ast::Member;
use std::sync::Arc;

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
    pub members: Vec<(Key<'w>, Arc<Resolved<'w>>)>,
    /// Collection statements (`block`, `require`, `exclude`, `wait for`),
    /// each with every place that contributed it, and how (R22): what the
    /// selected profile adds says so.
    pub collection: Vec<(&'w Member, Vec<Origin>)>,
    /// Where each key is in `members`, so that merging a body of n members
    /// costs n look-ups, not n² comparisons; `None` while the block has at
    /// most [`SEARCHED`] members. Kept by [`Self::push`] and
    /// [`Self::remove_at`], the only ways the merge changes `members`.
    /// Boxed: most blocks have none, and every merged member with a body
    /// holds a block.
    index: Option<Box<crate::hashing::FastHashMap<Key<'w>, usize>>>,
}

impl<'w> ResolvedBlock<'w> {
    /// The member with this key.
    pub fn get(&self, key: &Key) -> Option<&Resolved<'w>> {
        self.position(key)
            .and_then(|at| self.members.get(at))
            .map(|(_, member)| &**member)
    }

    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Resolved<'w>> {
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

    /// The field `name`.
    pub fn get_field(&self, name: &str) -> Option<&Resolved<'w>> {
        self.get(&Key::Field(name))
    }

    /// The index of a key in `members`. A small block has no index and
    /// is searched, as is a large one whose index does not cover every
    /// member.
    pub(super) fn position(&self, key: &Key) -> Option<usize> {
        match &self.index {
            Some(index) if index.len() == self.members.len() => index.get(key).copied(),
            _ => self.members.iter().position(|(k, _)| k == key),
        }
    }

    pub(super) fn push(&mut self, key: Key<'w>, member: Resolved<'w>) {
        let at = self.members.len();
        self.members.push((key, Arc::new(member)));
        // Most blocks stay small and never build an index: indexing them
        // would cost a copy of each key and a table per block, copied
        // again with every block a pipeline changes.
        if at == SEARCHED {
            self.reindex();
        } else if let (Some((key, _)), Some(index)) = (self.members.last(), &mut self.index) {
            index.insert(key.clone(), at);
        }
    }

    pub(super) fn remove_at(&mut self, position: usize) {
        if position < self.members.len() {
            self.members.remove(position);
            if self.members.len() > SEARCHED {
                self.reindex();
            } else {
                self.index = None;
            }
        }
    }

    fn reindex(&mut self) {
        self.index = Some(Box::new(
            self.members
                .iter()
                .enumerate()
                .map(|(at, (key, _))| (key.clone(), at))
                .collect(),
        ));
    }
}
