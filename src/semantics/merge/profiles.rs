//! Profiles: their bodies along a chain (after any `remove profile`,
//! R36), what one does besides overriding members, and applying one to a
//! pipeline's resolved body (R39–R42). Profiles apply after the chain has
//! resolved, so they are read and applied apart from it.

use super::bodies::{add_collection_item, unrepeated};
use super::keys::key_of;
use super::modifiers::has_modifier;
use super::{Ctx, How, Merger, ResolvedBlock};
use crate::check::Body;
use crate::semantics::chains::decl_of;
use crate::semantics::scope::{DeclId, Scopes};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Member, MemberKind, ModifierKind};

/// What a profile does besides overriding members.
#[derive(Debug, Clone, Default)]
pub struct ProfileEffects<'w> {
    /// `bake scale P`: hundredths of a percent, where it is written.
    pub bake_scale: Option<(u32, FileId, Span)>,
    /// `require approval(...)` at the top of the profile body.
    pub approvals: Vec<(&'w Member, FileId)>,
    /// The `bake scale` read is `final`: a later one is an override of a
    /// final member, reported where the chain merges, and skipped (R13).
    bake_scale_final: bool,
}

/// The bodies of every `profile NAME { ... }` of `chain`, root first,
/// each with the file it is written in, from the last link that writes
/// `remove profile NAME` on: a removal drops what is inherited (R36), so
/// only the removing link's own declaration and its descendants' stay.
/// None when the chain removes the profile and declares it no more, as
/// when it never declared it.
///
/// A `final profile NAME` freezes the profile (R32, R33): a later link's
/// removal of it, and every change a later link's body makes to it, are
/// overrides of a final member, reported where the chain merges, and
/// skipped (R13), so the bodies stop at the final one and no removal
/// clears it. Under `extends`, a profile the links before lack needs `new`
/// (R23, R26), and `new` on one they have leaves it out (R24): each is
/// reported where the chain merges, and its body is skipped too.
pub(in crate::semantics) fn profile_bodies<'w>(
    scopes: &Scopes<'w>,
    chain: &[DeclId],
    name: &str,
) -> Vec<(&'w crate::syntax::ast::Block, FileId)> {
    let mut bodies = Vec::new();
    for (position, &link) in chain.iter().enumerate() {
        let members = scopes
            .item(link)
            .and_then(|item| decl_of(&item.kind))
            .map_or(&[][..], |decl| decl.body.members.as_slice());
        // Removals first, as in any body (R10).
        if members.iter().any(|member| removes_profile(member, name)) {
            bodies.clear();
        }
        let inherited = !bodies.is_empty();
        let mut frozen = false;
        bodies.extend(members.iter().filter_map(|member| match &member.kind {
            MemberKind::Profile {
                name: profile,
                body,
            } if profile.name == name && !frozen => {
                let is_new = has_modifier(member, ModifierKind::New).is_some();
                if position > 0 && inherited == is_new {
                    return None;
                }
                frozen = has_modifier(member, ModifierKind::Final).is_some();
                Some((body, link.file))
            }
            _ => None,
        }));
        if frozen {
            break;
        }
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

/// Whether a link of `chain` writes `profile NAME { ... }` after the last
/// link that removes it. When the chain gives the profile no body
/// ([`profile_bodies`] is empty), every such declaration was refused
/// where it is written (`P0303` without `new`, `P0304` with it on one
/// inherited), and selecting the profile is that mistake, not another.
pub fn profile_refused(scopes: &Scopes<'_>, chain: &[DeclId], name: &str) -> bool {
    let mut written = false;
    for &link in chain {
        let members = scopes
            .item(link)
            .and_then(|item| decl_of(&item.kind))
            .map_or(&[][..], |decl| decl.body.members.as_slice());
        if members.iter().any(|member| removes_profile(member, name)) {
            written = false;
        }
        written |= members.iter().any(|member| {
            matches!(&member.kind, MemberKind::Profile { name: profile, .. } if profile.name == name)
        });
    }
    written
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
    /// `bake scale` replaces an earlier one, approvals add up. A `bake
    /// scale` repeated in one body is ignored (R7).
    fn read(&mut self, body: &'w crate::syntax::ast::Block, file: FileId) {
        for inner in unrepeated(Body::Profile, body) {
            match &inner.kind {
                MemberKind::BakeScale { .. } if self.bake_scale_final => {}
                MemberKind::BakeScale { factor } => {
                    // A factor out of range is reported for every
                    // profile, selected or not (`profiles::check_scales`).
                    if let crate::syntax::ast::LiteralValue::Percent(hundredths) = factor.value
                        && crate::semantics::profiles::scale_in_range(hundredths)
                    {
                        self.bake_scale = Some((hundredths, file, inner.span));
                    }
                    self.bake_scale_final = has_modifier(inner, ModifierKind::Final).is_some();
                }
                MemberKind::Require { .. } => self.approvals.push((inner, file)),
                _ => {}
            }
        }
    }
}

impl<'w, 'd> Merger<'w, 'd> {
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
            // A member repeating an earlier one is ignored (R7), as in
            // any body.
            // What a profile may not hold (a profile in a profile) is
            // `P0101` where it is written, and is not applied.
            let keep: Vec<&'w Member> = unrepeated(Body::Profile, body)
                .filter(|inner| !ProfileEffects::is_effect(inner))
                .filter(|inner| !crate::check::reported_as_out_of_place(Body::Profile, inner))
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
                    Some(key) => self.apply_guarded(block, body, (key, inner), file, ctx),
                    None => add_collection_item(block, inner, file, How::Profile),
                }
            }
        }
        self.applying_profile = false;
        found.then_some(effects)
    }
}
