//! Placements shared between pipelines. Placing reads only a pipeline's
//! `production`: its `registry`, its `exclude`s and each wave's `regions`.
//! Merged members are shared along inheritance (`merge::ResolvedBlock`),
//! so the services of one template usually read the very same members,
//! however much else of production each overrides (a wave's bake, a
//! blocker), and place alike. A placement found without a problem is kept
//! under the identity of those members and reused; one with a problem is
//! always worked out again, so that each pipeline reports its own.
//!
//! A member's address is its identity only while it lives: a pipeline
//! nothing extends is merged where its plan is built and dropped after,
//! and a member of its own could be freed and its address taken by a
//! member of the next. So a placement is kept only when every member it
//! read outlives the analysis ([`Lasting`]).

use super::merge::{Key, Resolved, ResolvedBlock};
use super::regions::{Placement, Placer};
use crate::hashing::FastHashMap;
use crate::source::{FileId, Span};
use crate::syntax::ast::MemberKind;
use std::sync::{Arc, Mutex};

/// What placing a pipeline reads, by identity: each member an address
/// (kept as a key only while the member lives as long as the analysis,
/// [`Lasting`]), and each wave by name, in order.
#[derive(PartialEq, Eq, Hash)]
enum Read {
    Registry(usize),
    Exclude(usize, FileId),
    Wave(String, Option<usize>),
}

/// Placements found without a problem, by what they read.
#[derive(Default)]
pub struct Placements {
    known: Mutex<FastHashMap<Vec<Read>, Arc<Placement>>>,
}

fn address(member: &Resolved<'_>) -> usize {
    std::ptr::from_ref(member) as usize
}

/// What placing `block` reads; `None` without a production body.
fn reads_of(block: &ResolvedBlock<'_>) -> Option<Vec<Read>> {
    let body = block.get(&Key::Single("production"))?.body.as_ref()?;
    let mut reads = vec![Read::Registry(
        body.get_field("registry").map_or(0, address),
    )];
    for (member, places) in &body.collection {
        if matches!(member.kind, MemberKind::Exclude { .. }) {
            let file = places.first().map_or(FileId(0), |place| place.file);
            reads.push(Read::Exclude(std::ptr::from_ref(*member) as usize, file));
        }
    }
    for (key, wave) in &body.members {
        if let Key::Named("wave", name) = key {
            let regions = wave
                .body
                .as_ref()
                .and_then(|body| body.get_field("regions"));
            reads.push(Read::Wave(name.to_string(), regions.map(address)));
        }
    }
    Some(reads)
}

/// Which members of a block being placed live as long as the analysis.
#[derive(Clone, Copy)]
pub enum Lasting<'b, 'w> {
    /// Every one: the block is kept for the whole analysis.
    Whole,
    /// Those it shares with this block, its parent, which is kept: the
    /// block itself is dropped once its plan is built.
    Inherited(Option<&'b ResolvedBlock<'w>>),
}

impl Lasting<'_, '_> {
    /// Whether every member in `reads` lives as long as the analysis.
    fn covers(self, reads: &[Read]) -> bool {
        let Lasting::Inherited(parent) = self else {
            return true;
        };
        let lasting = parent.and_then(reads_of).unwrap_or_default();
        reads.iter().all(|read| match read {
            // A collection statement is the syntax tree's, which outlives
            // the analysis; no member is no address.
            Read::Exclude(..) | Read::Wave(_, None) | Read::Registry(0) => true,
            Read::Registry(_) | Read::Wave(_, Some(_)) => lasting.contains(read),
        })
    }
}

impl Placements {
    /// [`Placer::place`] of `block`, or the placement of a pipeline placed
    /// before from the same members without a problem.
    pub fn place(
        &self,
        placer: &mut Placer<'_, '_>,
        pipeline_name: (FileId, Span),
        (block, lasting): (&ResolvedBlock<'_>, Lasting<'_, '_>),
    ) -> Option<Arc<Placement>> {
        let reads = reads_of(block);
        if let Some(reads) = &reads
            && let Some(known) = self
                .known
                .lock()
                .ok()
                .and_then(|known| known.get(reads).cloned())
        {
            return Some(known);
        }
        let before = placer.diagnostics.len();
        let placement = Arc::new(placer.place(pipeline_name, block)?);
        if placer.diagnostics.len() == before
            && let Some(reads) = reads
            && lasting.covers(&reads)
            && let Ok(mut known) = self.known.lock()
        {
            known.insert(reads, Arc::clone(&placement));
        }
        Some(placement)
    }
}
