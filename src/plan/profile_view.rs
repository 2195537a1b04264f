//! A pipeline's plan under a profile, had from its plan without the
//! profile when the profile only scales bakes and requires approvals.
//!
//! `check` holds every profile of a pipeline to the policies (R39), and
//! lowering the whole pipeline again for each profile was about a quarter
//! of checking a workspace. Such a profile changes no member, so its plan
//! differs from the pipeline's only in the plan's profile, each bake's
//! duration and provenance (R41, with the floors after it) and the
//! approval steps production starts with (R42). Lowering records where
//! those are ([`ProfileSites`]); the plan is changed in place for the
//! check and put back after it.

use super::gates::{approval_step, profile_approvals, unused_segment};
use super::values::{BakeSource, scale_and_floor};
use super::*;
use crate::semantics::merge::ProfileEffects;
use crate::semantics::policies::Floor;

/// Where [`ProfileSites::with_profile`] puts the approval steps a profile
/// requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approvals {
    /// Where lowering puts them, before production's first step: the plan
    /// exactly as lowering under the profile gives it, at the price of
    /// moving every production step up and back again.
    AtEntry,
    /// After the last step: for a reader that asks whether production has
    /// an approval step, not where in the plan, as the policies do. Moving a hundred
    /// production steps twice per profile was a twentieth of `check`.
    Last,
}

/// Where a plan's bakes are (each by its step's index, as its body sets
/// it) and where production's approval steps end.
#[derive(Debug, Default)]
pub struct ProfileSites {
    bakes: Vec<(usize, BakeSource)>,
    production_entry: Option<usize>,
}

impl ProfileSites {
    /// The step at `step` bakes as `set`, scaled and floored.
    pub(super) fn bake(&mut self, step: usize, set: BakeSource) {
        self.bakes.push((step, set));
    }

    /// Production's approval steps end before the step at `step`: a
    /// profile's go there.
    pub(super) fn production_entry(&mut self, step: usize) {
        self.production_entry = Some(step);
    }

    /// Gives `read` the plan these sites were recorded from (lowered
    /// without a profile, with `floors`) as lowering its pipeline under
    /// profile `name`, which does `effects` and overrides no member, gives
    /// it; then puts the plan back as it was. Of a plan to be written,
    /// what only such a plan has (the values a bake replaced, what each
    /// approval step needs) stays as lowered without the profile: no
    /// check reads it. `approvals` says where the profile's approval
    /// steps go.
    pub fn with_profile<R>(
        &self,
        plan: &mut Plan,
        (name, effects): (&str, &ProfileEffects<'_>),
        (floors, approvals_at): (&[Floor], Approvals),
        read: impl FnOnce(&Plan) -> R,
    ) -> R {
        let profile = plan.profile.replace(name.to_string());
        let mut replaced = Vec::with_capacity(self.bakes.len());
        for &(index, set) in &self.bakes {
            let Some(step) = plan.steps.get_mut(index) else {
                continue;
            };
            let Params::Bake {
                duration_seconds, ..
            } = &mut step.params
            else {
                continue;
            };
            let (seconds, trace) = scale_and_floor(
                set,
                Trace::at(set.at, set.how),
                effects.bake_scale,
                floors,
                None,
            );
            replaced.push((
                index,
                std::mem::replace(duration_seconds, seconds),
                std::mem::replace(&mut step.trace, trace),
            ));
        }
        // A plan without production gets no approval steps.
        let (entry, approvals): (usize, Vec<Step>) = match self.production_entry {
            Some(entry) => {
                // Numbered after production's own approval steps, which
                // end where the profile's begin, as lowering numbers them.
                let mut used: Vec<String> = plan
                    .steps
                    .get(..entry)
                    .unwrap_or_default()
                    .iter()
                    .filter(|step| matches!(step.params, Params::Approval { .. }))
                    .filter_map(|step| step.id.strip_prefix("production/approval/"))
                    .map(str::to_string)
                    .collect();
                (
                    match approvals_at {
                        Approvals::AtEntry => entry.min(plan.steps.len()),
                        Approvals::Last => plan.steps.len(),
                    },
                    profile_approvals(effects)
                        .into_iter()
                        .map(|(role, trace)| {
                            let segment = unused_segment(&role, &mut used);
                            approval_step("production", &segment, role, trace, Needs::new())
                        })
                        .collect(),
                )
            }
            None => (plan.steps.len(), Vec::new()),
        };
        let added = approvals.len();
        plan.steps.splice(entry..entry, approvals);
        let result = read(plan);
        plan.steps.drain(entry..entry + added);
        for (index, seconds, trace) in replaced {
            if let Some(step) = plan.steps.get_mut(index)
                && let Params::Bake {
                    duration_seconds, ..
                } = &mut step.params
            {
                *duration_seconds = seconds;
                step.trace = trace;
            }
        }
        plan.profile = profile;
        result
    }
}
