//! Placing one pipeline's production waves: the registry it targets, its
//! exclusions, each wave's regions in order with `+=` and `-=` applied,
//! `rest`, and every region deployed exactly once. The walk over a
//! pipeline's waves, apart from how a region set is evaluated (`sets`).

use super::Registry;
use super::fields::field_value;
use super::problems::registry_value_problem;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::semantics::scope::{DeclId, DeclKind, Scopes};
use crate::source::{FileId, Span};
use crate::syntax::ast::{AssignOp, Expr, ExprKind, MemberKind};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The regions of one wave, with where its `regions` were written.
#[derive(Debug, Clone)]
pub struct WaveRegions {
    /// The wave's name.
    pub wave: String,
    /// The regions, in rollout order: a literal list's as written, `where`
    /// and `take` their operand's, set operations, the registry and `rest`
    /// the registry's; regions added with `+=` follow.
    pub regions: Vec<String>,
    /// The file and span of the `regions` field (for provenance).
    pub origin: Option<(FileId, Span)>,
}

/// The result of placing a pipeline's regions.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The target registry, shared: every pipeline of a workspace usually
    /// targets the same one.
    pub registry: Arc<Registry>,
    /// Each wave, in order.
    pub waves: Vec<WaveRegions>,
    /// Regions excluded, with the reason.
    pub excluded: Vec<(String, String)>,
}

/// Places the regions of one pipeline's production waves.
pub struct Placer<'a, 'w> {
    /// Names.
    pub scopes: &'a Scopes<'w>,
    /// Every resolved registry.
    pub registries: &'a BTreeMap<DeclId, Arc<Registry>>,
    /// Reads source text.
    pub text: &'a dyn Fn(FileId, Span) -> String,
    /// Where problems go.
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Placer<'_, '_> {
    /// Places a pipeline's regions; `None` if the pipeline has no
    /// production or its registry does not resolve (already reported).
    pub fn place(
        &mut self,
        pipeline_name: (FileId, Span),
        block: &ResolvedBlock<'_>,
    ) -> Option<Placement> {
        let production = block.get(&Key::Single("production"))?;
        let body = production.body.as_ref()?;
        let Some(registry_field) = body.get_field("registry") else {
            self.diagnostics.push(
                Diagnostic::error(Code::REGISTRY_REQUIRED, "production has no registry")
                    .primary(production.origin.file, head(production), "no `registry = ...` here or inherited")
                    .secondary(pipeline_name.0, pipeline_name.1, "in this pipeline")
                    .help("name the registry of regions to deploy to, e.g. `registry = aws` after `import \"std/aws\"`"),
            );
            return None;
        };
        let registry = self.registry_of(registry_field)?;
        let mut placement = Placement {
            registry: Arc::clone(&registry),
            ..Placement::default()
        };
        // Whether a wave's or an exclusion's set reported a problem while
        // it resolved: the regions it meant to place or exclude are then
        // unknown, and regions left over are a consequence, not a second
        // mistake. The waves are still placed, and their own mistakes
        // reported.
        let mut any_poisoned = false;
        // Exclusions apply before waves resolve.
        let mut excluded: BTreeSet<String> = BTreeSet::new();
        for (member, places) in &body.collection {
            if let MemberKind::Exclude { regions, reason } = &member.kind {
                let file = places.first().map_or(FileId(0), |place| place.file);
                // `rest` is what the waves leave, which the exclusions
                // decide: in one, it would mean the whole registry.
                if let Some(span) = rest_span(regions) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::INVALID_REGION_EXPRESSION,
                            "`rest` in an exclusion",
                        )
                        .primary(file, span, "`rest` is what no wave places, known only once exclusions apply")
                        .help("name the regions to exclude: a list, or a filter such as `aws where geo == af`"),
                    );
                    any_poisoned = true;
                    continue;
                }
                let Some(set) = self.eval(
                    regions,
                    file,
                    &registry,
                    &BTreeSet::new(),
                    &BTreeSet::new(),
                    false,
                ) else {
                    any_poisoned = true;
                    continue;
                };
                for code in set {
                    if excluded.insert(code.clone()) {
                        placement
                            .excluded
                            .push((code, reason.as_plain().unwrap_or_default()));
                    }
                }
            }
        }
        let waves: Vec<(&str, &Resolved<'_>)> = body
            .members
            .iter()
            .filter_map(|(key, member)| match key {
                Key::Named("wave", name) => Some((*name, &**member)),
                _ => None,
            })
            .collect();
        let mut placed: BTreeMap<String, (String, FileId, Span)> = BTreeMap::new();
        let mut rest_wave: Option<usize> = None;
        // The wave that uses `rest`, bare or inside a larger set, and where.
        let mut rest_user: Option<usize> = None;
        // `rest` is every region no other wave places, so a wave that uses
        // it resolves after all the others, wherever it stands.
        let mut order: Vec<usize> = (0..waves.len()).collect();
        order.sort_by_key(|&idx| {
            waves
                .get(idx)
                .and_then(|(_, wave)| wave.body.as_ref())
                .and_then(|body| body.get_field("regions"))
                .and_then(|field| field.base)
                .and_then(|(base, _)| field_value(base))
                .is_some_and(|expr| rest_span(expr).is_some())
        });
        for wave_idx in order {
            let Some((name, wave)) = waves.get(wave_idx) else {
                continue;
            };
            let regions_field = wave
                .body
                .as_ref()
                .and_then(|body| body.get_field("regions"));
            let Some(field) = regions_field else {
                self.diagnostics.push(
                    Diagnostic::error(Code::EMPTY_WAVE, format!("wave `{name}` has no regions"))
                        .primary(wave.origin.file, head(wave), "no `regions = ...` here or inherited")
                        .help("give the wave regions: a list, a filter such as `aws where traffic == low take 1`, or `rest`"),
                );
                placement.waves.push(WaveRegions {
                    wave: (*name).to_string(),
                    regions: Vec::new(),
                    origin: None,
                });
                continue;
            };
            let Some((base, base_file)) = field.base else {
                continue;
            };
            let Some(expr) = field_value(base) else {
                continue;
            };
            if let Some(rest_at) = rest_span(expr) {
                if let Some(first_rest) = rest_user {
                    let first_name = waves.get(first_rest).map_or("", |(name, _)| *name);
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::REGION_PLACED_TWICE,
                            format!("waves `{first_name}` and `{name}` both take `rest`"),
                        )
                        .primary(base_file, rest_at, "a second `rest`")
                        .help("only one wave can take every region not placed elsewhere"),
                    );
                    // What is left over is then a consequence, not a
                    // second mistake.
                    any_poisoned = true;
                    continue;
                }
                rest_user = Some(wave_idx);
            }
            if matches!(expr.kind, ExprKind::Rest) && field.list_ops().is_empty() {
                rest_wave = Some(wave_idx);
                placement.waves.push(WaveRegions {
                    wave: (*name).to_string(),
                    regions: Vec::new(),
                    origin: Some((base_file, base.span)),
                });
                continue;
            }
            let placed_set: BTreeSet<String> = placed.keys().cloned().collect();
            // A set that reported a problem while it resolved (a misspelt
            // region, an unknown attribute) is poisoned: its emptiness is a
            // consequence, not a second mistake.
            let reported_before = self.diagnostics.len();
            let evaluated = self.eval(expr, base_file, &registry, &placed_set, &excluded, true);
            let poisoned = self.diagnostics.len() > reported_before;
            any_poisoned |= poisoned || evaluated.is_none();
            let Some(mut set) = evaluated else {
                placement.waves.push(WaveRegions {
                    wave: (*name).to_string(),
                    regions: Vec::new(),
                    origin: Some((base_file, base.span)),
                });
                continue;
            };
            // Merging already checked the edits of a list that is literal
            // up to them (R17, R18), and reported each at its item: those
            // are applied here, not reported again.
            let mut literal = matches!(expr.kind, ExprKind::List(_));
            // Where the inherited list was last set or changed (the
            // secondary label of an absent item), and where each region an
            // edit appended was written (that of a repeated one, which is
            // otherwise the inherited list).
            let mut last_change = (base_file, expr.span);
            let mut appended_at: BTreeMap<String, (FileId, Span)> = BTreeMap::new();
            // Regions an edit removed (`-=`), which the wave does not place.
            let mut removed: BTreeSet<String> = BTreeSet::new();
            for (op_member, op_file) in field.list_ops() {
                let MemberKind::FieldAssign { op, value, .. } = &op_member.kind else {
                    continue;
                };
                let checked_in_merge = literal && matches!(value.kind, ExprKind::List(_));
                literal = checked_in_merge;
                let Some(operand) = self.eval(
                    value,
                    *op_file,
                    &registry,
                    &BTreeSet::new(),
                    &excluded,
                    false,
                ) else {
                    continue;
                };
                // A region an edit's own list names twice: evaluating the
                // list kept it once, so it is reported here, as merging
                // reports it in an edit it checks.
                if !checked_in_merge && let ExprKind::List(items) = &value.kind {
                    let mut seen: Vec<(String, Span)> = Vec::new();
                    for item in items {
                        let ExprKind::Path(path) = &item.kind else {
                            continue;
                        };
                        let code = path.to_dotted();
                        if registry.region(&code).is_none() {
                            continue;
                        }
                        let Some(&(_, first)) = seen.iter().find(|(seen, _)| *seen == code) else {
                            seen.push((code, item.span));
                            continue;
                        };
                        let (message, label, help) = match op {
                            AssignOp::Remove => (
                                format!("`{code}` is removed from wave `{name}` twice"),
                                "removes nothing",
                                "remove it from the `-=` list",
                            ),
                            _ => (
                                format!("`{code}` is already in wave `{name}`"),
                                "appended again",
                                "remove it from the `+=` list",
                            ),
                        };
                        let code = if *op == AssignOp::Remove {
                            Code::LIST_REMOVAL_OF_ABSENT
                        } else {
                            Code::DUPLICATE_LIST_ITEM
                        };
                        self.diagnostics.push(
                            Diagnostic::error(code, message)
                                .primary(*op_file, item.span, label)
                                .secondary(*op_file, first, "first named here")
                                .help(help),
                        );
                    }
                }
                // Each region is labelled at its own item when the operand
                // is a literal list, at the operand otherwise.
                let item_span = |code: &str| {
                    match &value.kind {
                    ExprKind::List(items) => items
                        .iter()
                        .find(|item| {
                            matches!(&item.kind, ExprKind::Path(path) if path.to_dotted() == code)
                        })
                        .map_or(value.span, |item| item.span),
                    _ => value.span,
                }
                };
                for code in operand {
                    let present = set.contains(&code);
                    match (op, present) {
                        (AssignOp::Append, false) => {
                            appended_at.insert(code.clone(), (*op_file, item_span(&code)));
                            set.push(code);
                        }
                        (AssignOp::Remove, true) => {
                            appended_at.remove(&code);
                            set.retain(|existing| *existing != code);
                            removed.insert(code);
                        }
                        _ if checked_in_merge => {}
                        (AssignOp::Append, true) => {
                            let (earlier, label) = appended_at
                                .get(&code)
                                .map_or(((base_file, expr.span), "the inherited list"), |at| {
                                    (*at, "already here")
                                });
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Code::DUPLICATE_LIST_ITEM,
                                    format!("`{code}` is already in wave `{name}`"),
                                )
                                .primary(*op_file, item_span(&code), "appended again")
                                .secondary(earlier.0, earlier.1, label)
                                .help("remove it from the `+=` list"),
                            );
                        }
                        _ => self.diagnostics.push(
                            Diagnostic::error(
                                Code::LIST_REMOVAL_OF_ABSENT,
                                format!("`{code}` is not in wave `{name}`"),
                            )
                            .primary(*op_file, item_span(&code), "removes nothing")
                            .secondary(last_change.0, last_change.1, "the inherited list")
                            .help("check the inherited wave's regions"),
                        ),
                    }
                }
                last_change = (*op_file, value.span);
            }
            let origin = (base_file, base.span);
            let mut reported = false;
            // A region the wave's literal list names is its to place,
            // whatever a filter after the list keeps: one placed before, or
            // excluded, is the list's mistake even when the filter drops it.
            let mut checked = set.clone();
            checked.extend(literal_regions(expr).into_iter().filter(|code| {
                !set.contains(code)
                    && !removed.contains(code)
                    && (excluded.contains(code) || placed.contains_key(code))
            }));
            for code in &checked {
                if excluded.contains(code) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::EXCLUDED_REGION_PLACED,
                            format!("`{code}` is excluded but wave `{name}` deploys it"),
                        )
                        .primary(origin.0, expr.span, "places an excluded region")
                        .help("remove it from the wave, or drop the exclusion"),
                    );
                    reported = true;
                } else if let Some((other_wave, file, span)) = placed.get(code) {
                    // A wave using `rest` resolves last, but is reported in
                    // the order the waves are written.
                    let other_is_later = waves
                        .iter()
                        .position(|(wave, _)| *wave == other_wave)
                        .is_some_and(|other_idx| other_idx > wave_idx);
                    let ((first, first_at), (again, again_at)) = if other_is_later {
                        ((*name, origin), (other_wave.as_str(), (*file, *span)))
                    } else {
                        ((other_wave.as_str(), (*file, *span)), (*name, origin))
                    };
                    self.diagnostics.push(
                        Diagnostic::error(Code::REGION_PLACED_TWICE, format!("`{code}` is deployed by waves `{first}` and `{again}`"))
                            .primary(again_at.0, again_at.1, format!("wave `{again}` places it again"))
                            .secondary(first_at.0, first_at.1, format!("wave `{first}` places it first"))
                            .help("each production region is deployed exactly once: remove it from one wave"),
                    );
                    reported = true;
                } else if set.contains(code) {
                    placed.insert(code.clone(), ((*name).to_string(), origin.0, origin.1));
                }
            }
            set.retain(|code| !excluded.contains(code));
            if set.is_empty() && !reported && !poisoned {
                let help = if matches!(expr.kind, ExprKind::List(_)) {
                    "every region of this list is excluded or placed by an earlier wave; name others, or drop the wave"
                } else {
                    "earlier waves may have taken every region this filter matches; loosen the filter or drop the wave"
                };
                self.diagnostics.push(
                    Diagnostic::error(Code::EMPTY_WAVE, format!("wave `{name}` has no regions"))
                        .primary(origin.0, expr.span, "selects no region")
                        .help(help),
                );
            }
            placement.waves.push(WaveRegions {
                wave: (*name).to_string(),
                regions: set,
                origin: Some(origin),
            });
        }
        // Back in the order the waves are written.
        placement.waves.sort_by_key(|placed_wave| {
            waves
                .iter()
                .position(|(name, _)| **name == placed_wave.wave)
        });
        let rest: Vec<String> = registry
            .regions
            .iter()
            .map(|region| region.code.clone())
            .filter(|code| !placed.contains_key(code) && !excluded.contains(code))
            .collect();
        match rest_wave {
            Some(idx) => {
                let name = waves
                    .get(idx)
                    .map_or_else(String::new, |(name, _)| (*name).to_string());
                if let Some(wave) = placement.waves.iter_mut().find(|wave| wave.wave == name) {
                    if rest.is_empty()
                        && let Some((file, span)) = wave.origin
                    {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Code::EMPTY_WAVE,
                                format!("wave `{name}` has no regions"),
                            )
                            .primary(
                                file,
                                span,
                                "`rest` is empty: earlier waves place every region",
                            )
                            .help("drop this wave, or take fewer regions in earlier waves"),
                        );
                    }
                    wave.regions = rest;
                }
            }
            None if !rest.is_empty() && !waves.is_empty() && !any_poisoned => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::REGION_NOT_DEPLOYED,
                        format!("{} of `{}` {} never deployed: {}", crate::diagnostics::counted(rest.len(), "region"), registry.name, if rest.len() == 1 { "is" } else { "are" }, rest.join(", ")),
                    )
                    .primary(production.origin.file, head(production), if rest.len() == 1 { "no wave places it" } else { "no wave places them" })
                    .help("add a wave with `regions = rest`, or `exclude [...] because \"...\"` the regions this service does not run in"),
                );
            }
            None => {}
        }
        Some(placement)
    }

    fn registry_of(&mut self, field: &Resolved<'_>) -> Option<Arc<Registry>> {
        let (member, file) = field.base?;
        let expr = field_value(member)?;
        if matches!(expr.kind, ExprKind::Invalid) {
            return None;
        }
        let ExprKind::Path(path) = &expr.kind else {
            self.diagnostics.extend(registry_value_problem(expr, file));
            return None;
        };
        match self.scopes.resolve(file, path, &[DeclKind::Registry]) {
            Ok((decl, _)) => self.registries.get(&decl).cloned(),
            Err(unresolved) => {
                self.diagnostics.push(*unresolved.diagnostic);
                None
            }
        }
    }
}

/// Where a region set uses `rest`, if it does.
fn rest_span(expr: &Expr) -> Option<Span> {
    match &expr.kind {
        ExprKind::Rest => Some(expr.span),
        ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
            items.iter().find_map(rest_span)
        }
        ExprKind::Not(inner) => rest_span(inner),
        ExprKind::SetOps { first, rest } => {
            rest_span(first).or_else(|| rest.iter().find_map(|(_, operand)| rest_span(operand)))
        }
        ExprKind::Postfix { base, .. } => rest_span(base),
        ExprKind::Call { args, .. } => args.iter().find_map(|arg| rest_span(&arg.value)),
        ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Compare { .. } | ExprKind::Invalid => {
            None
        }
    }
}

fn head(member: &Resolved<'_>) -> Span {
    crate::semantics::merge::head_span(member.member)
}

/// The regions a wave's literal list names, when its expression is one
/// (`[a, b]`) or filters or takes from one (`[a, b] where ...`), in the
/// order written.
fn literal_regions(expr: &Expr) -> Vec<String> {
    let list = match &expr.kind {
        ExprKind::Postfix { base, .. } => base,
        _ => expr,
    };
    let ExprKind::List(items) = &list.kind else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.kind {
            ExprKind::Path(path) => Some(path.to_dotted()),
            _ => None,
        })
        .collect()
}
