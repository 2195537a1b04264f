//! Profiles checked whether or not one is selected: every `bake scale` is a
//! factor in its range, and no profile scales a bake past the longest
//! duration a plan can hold. A profile is a promise that `--profile NAME`
//! compiles; `check` keeps it without being told which profile will be used.

use super::chains::Chains;
use super::merge::{How, Key, Merger, ResolvedBlock};
use super::scope::{DeclId, DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::MAX_DURATION_SECONDS;
use crate::syntax::ast::{ItemKind, LiteralValue, MemberKind};
use std::collections::BTreeMap;

/// The largest `bake scale`, in hundredths of a percent: `10000%`, a
/// hundred times every bake. Scaling is for situations (an emergency, a
/// peak season), not for turning hours into years.
pub const MAX_BAKE_SCALE_HUNDREDTHS: u32 = 1_000_000;

/// A bake of `seconds` scaled by `hundredths` of a percent, rounded down to
/// whole seconds and at least one (R41); `None` past the longest duration.
pub fn scaled_bake(seconds: u64, hundredths: u32) -> Option<u64> {
    let scaled = (u128::from(seconds) * u128::from(hundredths) / 10_000).max(1);
    u64::try_from(scaled)
        .ok()
        .filter(|&scaled| scaled <= MAX_DURATION_SECONDS)
}

/// Whether a `bake scale` factor is in its range, above 0% and at most
/// 10000%.
pub fn scale_in_range(hundredths: u32) -> bool {
    hundredths > 0 && hundredths <= MAX_BAKE_SCALE_HUNDREDTHS
}

/// Every `bake scale` of every profile in the workspace is a percent above
/// 0% and at most 10000%.
pub fn check_scales(workspace: &Workspace, out: &mut Vec<Diagnostic>) {
    for module in &workspace.modules {
        for item in &module.tree.items {
            let (ItemKind::Template(decl) | ItemKind::Pipeline(decl)) = &item.kind else {
                continue;
            };
            for member in &decl.body.members {
                let MemberKind::Profile { body, .. } = &member.kind else {
                    continue;
                };
                for inner in &body.members {
                    let MemberKind::BakeScale { factor } = &inner.kind else {
                        continue;
                    };
                    let (message, label) = match factor.value {
                        LiteralValue::Percent(hundredths) if scale_in_range(hundredths) => {
                            continue;
                        }
                        LiteralValue::Percent(0) => {
                            ("`bake scale` needs a percent above 0%", "no bake at all")
                        }
                        LiteralValue::Percent(_) => (
                            "`bake scale` is at most 10000%",
                            "more than a hundred times every bake",
                        ),
                        _ => (
                            "`bake scale` needs a percent above 0%",
                            "not a positive percent",
                        ),
                    };
                    out.push(
                        Diagnostic::error(Code::TYPE_MISMATCH, message)
                            .primary(module.file, factor.span, label)
                            .help(
                                "a scale is a percent from above 0% to 10000%: e.g. `bake scale \
                                 25%` cuts every bake to a quarter, `200%` doubles it",
                            ),
                    );
                }
            }
        }
    }
}

/// No profile of a pipeline scales one of its bakes past 100 years, the
/// longest duration a plan holds. Each profile with a `bake scale` above
/// 100% (smaller ones only shorten bakes) is applied to a copy of the
/// pipeline, as `--profile` would, and the bakes it scales are measured;
/// what applying it reports otherwise is left to `--profile`.
///
/// The declarations with a profile that lengthens bakes are found once, in
/// one pass ([`Overflows::find`]): most workspaces have none, and a
/// pipeline's chain is looked into only when it holds one (ten thousand
/// services would otherwise each read their templates' every member
/// again).
pub struct Overflows {
    growing: std::collections::BTreeSet<DeclId>,
}

impl Overflows {
    /// Finds the declarations with a profile that lengthens bakes.
    pub fn find(scopes: &Scopes<'_>) -> Overflows {
        let growing = scopes
            .all()
            .filter(|(decl, _, _)| !growing_profiles(scopes, std::slice::from_ref(decl)).is_empty())
            .map(|(decl, _, _)| decl)
            .collect();
        Overflows { growing }
    }

    /// Checks every pipeline in `resolved`, and every template nothing
    /// extends: a template file checked on its own gets its profiles'
    /// overflows too (R39).
    pub fn check_resolved<'w>(
        &self,
        (workspace, scopes, chains): (&'w Workspace, &Scopes<'w>, &Chains),
        resolved: &BTreeMap<DeclId, ResolvedBlock<'w>>,
        out: &mut Vec<Diagnostic>,
    ) {
        if self.growing.is_empty() {
            return;
        }
        let extended = chains.extended();
        for (decl, kind, _) in scopes.all() {
            let leaf_template = kind == DeclKind::Template && !extended.contains(&decl);
            if kind != DeclKind::Pipeline && !leaf_template {
                continue;
            }
            if let (Some(chain), Some(block)) = (chains.chain(decl), resolved.get(&decl)) {
                self.check_one((workspace, scopes), (&chain, block), out);
            }
        }
    }

    /// Checks one declaration, the last of `chain`, resolved as `block`.
    pub fn check_one<'w>(
        &self,
        (workspace, scopes): (&'w Workspace, &Scopes<'w>),
        (chain, block): (&[DeclId], &ResolvedBlock<'w>),
        out: &mut Vec<Diagnostic>,
    ) {
        if !chain.iter().any(|link| self.growing.contains(link)) {
            return;
        }
        for name in growing_profiles(scopes, chain) {
            let mut profiled = block.clone();
            let mut ignored = Vec::new();
            let effects = Merger::new(workspace, &mut ignored).apply_profile(
                scopes,
                chain,
                &name,
                &mut profiled,
            );
            let Some((hundredths, file, span)) = effects.and_then(|effects| effects.bake_scale)
            else {
                continue;
            };
            overflowing_bakes(workspace, &profiled, hundredths, (file, span), out);
        }
    }
}

/// The names of the chain's profiles whose `bake scale` lengthens bakes.
fn growing_profiles(scopes: &Scopes<'_>, chain: &[DeclId]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for &link in chain {
        let Some(item) = scopes.item(link) else {
            continue;
        };
        let (ItemKind::Template(decl) | ItemKind::Pipeline(decl)) = &item.kind else {
            continue;
        };
        for member in &decl.body.members {
            let MemberKind::Profile { name, body } = &member.kind else {
                continue;
            };
            let grows = body.members.iter().any(|inner| {
                matches!(&inner.kind, MemberKind::BakeScale { factor }
                    if matches!(factor.value, LiteralValue::Percent(hundredths) if hundredths > 10_000))
            });
            if grows && !names.contains(&name.name) {
                names.push(name.name.clone());
            }
        }
    }
    names
}

/// Reports every bake of `block` (profiles aside) that the scale would
/// carry past the longest duration: bakes that are final or that the
/// profile sets itself are not scaled (R41).
fn overflowing_bakes(
    workspace: &Workspace,
    block: &ResolvedBlock<'_>,
    hundredths: u32,
    (scale_file, scale_span): (FileId, Span),
    out: &mut Vec<Diagnostic>,
) {
    let mut pending = vec![block];
    while let Some(block) = pending.pop() {
        for (key, member) in &block.members {
            if matches!(key, Key::Named("profile", _)) {
                continue;
            }
            pending.extend(member.body.as_deref());
            if *key != Key::Field("bake")
                || member.final_at().is_some()
                || member.origin.how == How::Profile
            {
                continue;
            }
            let Some((base, file)) = member.base else {
                continue;
            };
            let value = match &base.kind {
                MemberKind::FieldAssign { value, .. } => value,
                MemberKind::FieldDecl {
                    value: Some(value), ..
                } => value,
                _ => continue,
            };
            let crate::syntax::ast::ExprKind::Literal(literal) = &value.kind else {
                continue;
            };
            let LiteralValue::Duration(seconds) = literal.value else {
                continue;
            };
            if scaled_bake(seconds, hundredths).is_some() {
                continue;
            }
            let percent = format_percent(hundredths);
            out.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    format!("`bake scale {percent}` makes a bake longer than 100 years"),
                )
                .primary(
                    scale_file,
                    scale_span,
                    "scales a bake past the longest duration",
                )
                .secondary(
                    file,
                    value.span,
                    format!(
                        "`bake = {}` would last more than 100 years",
                        super::source_text(workspace, file, value.span)
                    ),
                )
                .help(
                    "durations go up to 100 years (`36525d`): lower the scale, or set this \
                     bake in the profile itself, which is not scaled",
                ),
            );
        }
    }
}

/// `2.5%`, `10000%`: a percent as it would be written.
fn format_percent(hundredths: u32) -> String {
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    match fraction {
        0 => format!("{whole}%"),
        _ if fraction % 10 == 0 => format!("{whole}.{}%", fraction / 10),
        _ => format!("{whole}.{fraction:02}%"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn scaling_rounds_down_and_stops_at_the_longest_duration() {
        assert_eq!(scaled_bake(3_600, 2_500), Some(900));
        assert_eq!(scaled_bake(1, 1), Some(1));
        assert_eq!(
            scaled_bake(MAX_DURATION_SECONDS, 10_000),
            Some(MAX_DURATION_SECONDS)
        );
        assert_eq!(scaled_bake(MAX_DURATION_SECONDS, 10_001), None);
        assert_eq!(scaled_bake(u64::MAX, u32::MAX), None);
    }

    #[test]
    fn percents_are_written_back_as_written() {
        assert_eq!(format_percent(2_500), "25%");
        assert_eq!(format_percent(250), "2.5%");
        assert_eq!(format_percent(25), "0.25%");
        assert_eq!(format_percent(1_000_000), "10000%");
    }
}
