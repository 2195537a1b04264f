//! Hover on a production wave: where it actually rolls out. The regions
//! come from the lowered plan of each pipeline the wave belongs to (its
//! own, or every pipeline extending the template it is written in), in
//! the order its steps run; the bake and `by` scope as inheritance left
//! them.

use super::locate::At;
use super::resolve::{self, Place};
use crate::semantics::chains;
use crate::semantics::merge::Key;
use crate::semantics::scope::DeclId;
use crate::syntax::ast::{ItemKind, MemberKind};
use std::fmt::Write;

/// The Markdown for a wave at the cursor, or `None` when the cursor is not
/// on a wave of `production`.
pub fn wave(place: &Place<'_, '_>, at: &At<'_>) -> Option<String> {
    let member = at.member()?;
    let MemberKind::Wave { name, .. } = &member.kind else {
        return None;
    };
    let mut out = format!("**wave `{}`**\n", name.name);
    if let Some(body) = resolve::member(place, at).and_then(|wave| wave.body.as_ref()) {
        for (key, label) in [(Key::Field("bake"), "bake"), (Key::Single("by"), "scope")] {
            if let Some(found) = body.get(&key) {
                let _ = write!(
                    out,
                    "\n{label}: `{}` ({})  ",
                    place.snippet(found.origin.file, found.origin.span),
                    place.where_is(found.origin.file, found.origin.span)
                );
            }
        }
        out.push('\n');
    }
    let here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    for decl in pipelines_of(place, here, &at.item.kind)? {
        let Some(plan) = place.analysis.plans.get(&decl) else {
            continue;
        };
        let (regions, by_az) = regions_of(plan, &name.name);
        let listed = if regions.is_empty() {
            "no regions".to_string()
        } else {
            regions
                .iter()
                .map(|region| format!("`{region}`"))
                .collect::<Vec<_>>()
                .join(" → ")
        };
        let _ = write!(out, "\nin `{}`: {listed}", plan.pipeline);
        if by_az {
            out.push_str(", one availability zone at a time");
        }
        out.push('\n');
    }
    Some(out)
}

/// The pipelines a declaration's waves roll out in: a pipeline's own, or
/// every pipeline extending a template; `None` for other declarations.
pub fn pipelines_of(place: &Place<'_, '_>, here: DeclId, kind: &ItemKind) -> Option<Vec<DeclId>> {
    match kind {
        ItemKind::Pipeline(_) => Some(vec![here]),
        ItemKind::Template(_) => {
            let chains = chains::resolve(&place.analysis.scopes, &mut Vec::new());
            Some(
                place
                    .analysis
                    .plans
                    .keys()
                    .copied()
                    .filter(|decl| {
                        chains
                            .chain(*decl)
                            .is_some_and(|chain| chain.contains(&here))
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// The regions a wave of a plan deploys to, in the order its steps run,
/// and whether it goes one availability zone at a time.
pub fn regions_of(plan: &crate::plan::Plan, wave: &str) -> (Vec<String>, bool) {
    let mut regions: Vec<String> = Vec::new();
    let mut by_az = false;
    for step in &plan.steps {
        if step.target.wave.as_deref() != Some(wave) {
            continue;
        }
        by_az |= step.target.az.is_some();
        if let Some(region) = &step.target.region
            && !regions.iter().any(|known| **known == **region)
        {
            regions.push(region.to_string());
        }
    }
    (regions, by_az)
}
