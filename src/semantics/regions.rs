//! Regions: the registry a pipeline deploys to, and the regions of each
//! production wave, in rollout order (see `Set`). Waves resolve in order:
//! a literal list names regions,
//! filters (`where`) and `take N` choose among the regions earlier waves have
//! not placed, in registry order, and `rest` takes every region no other
//! wave places. Every region of the registry is deployed exactly once in
//! production unless excluded with a reason.

use super::merge::{Key, Resolved, ResolvedBlock};
use super::scope::{DeclId, DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    AssignOp, CompareOp, Expr, ExprKind, LiteralValue, Member, MemberKind, PostfixOp, SetOp,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One region of a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Its code, e.g. `us-east-1`.
    pub code: String,
    /// Attributes for filters (`traffic`, `geo`, ...), as text.
    pub attributes: BTreeMap<String, String>,
    /// Availability-zone ids, in order.
    pub azs: Vec<String>,
    /// Where each of `azs` is written, in the same order.
    pub az_places: Vec<(FileId, Span)>,
    /// Cell ids, in order.
    pub cells: Vec<String>,
    /// Where the region is declared.
    pub file: FileId,
    /// Its `region` member.
    pub span: Span,
}

/// A resolved registry: its regions in registry order.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// The registry's name.
    pub name: String,
    /// Regions, in registry order.
    pub regions: Vec<Region>,
    /// The attributes every region that gives them gives `true` or
    /// `false`: those a bare attribute in a filter (`where opt_in`) may
    /// test.
    pub booleans: BTreeSet<String>,
}

impl Registry {
    /// Builds a registry from its resolved body.
    pub fn from_resolved(
        name: &str,
        block: &ResolvedBlock<'_>,
        text: &dyn Fn(FileId, Span) -> String,
    ) -> Registry {
        let partition = block
            .get_field("partition")
            .and_then(|field| field_expr(field))
            .map(|expr| value_text(expr, text, field_file(block, "partition")));
        let mut regions = Vec::new();
        // Attributes given `true` or `false` somewhere, and given anything
        // else somewhere (`code` and `partition` are strings).
        let mut booleans = BTreeSet::new();
        let mut others: BTreeSet<String> = ["code", "partition"]
            .into_iter()
            .map(String::from)
            .collect();
        for (key, member) in &block.members {
            let Key::Named("region", code) = key else {
                continue;
            };
            let mut region = Region {
                code: code.clone(),
                attributes: BTreeMap::new(),
                azs: Vec::new(),
                az_places: Vec::new(),
                cells: Vec::new(),
                file: member.origin.file,
                span: member.origin.span,
            };
            region.attributes.insert("code".to_string(), code.clone());
            if let Some(partition) = &partition {
                region
                    .attributes
                    .insert("partition".to_string(), partition.clone());
            }
            if let Some(body) = &member.body {
                for (field_key, field) in &body.members {
                    let Key::Field(field_name) = field_key else {
                        continue;
                    };
                    let Some(expr) = field_expr(field) else {
                        continue;
                    };
                    let file = field.base.map_or(field.origin.file, |(_, file)| file);
                    // AZ ids and cells are names; what is not is reported
                    // where it is written (`plan::region_ids_problems`) and
                    // is neither an AZ, a cell nor an attribute.
                    let names = |items: &[Expr]| -> Vec<(String, Span)> {
                        items
                            .iter()
                            .filter(|item| matches!(item.kind, ExprKind::Path(_)))
                            .map(|item| (value_text(item, text, file), item.span))
                            .collect()
                    };
                    match (field_name.as_str(), &expr.kind) {
                        ("azs", ExprKind::List(items)) => {
                            let (azs, spans): (Vec<String>, Vec<Span>) =
                                names(items).into_iter().unzip();
                            region.azs = azs;
                            region.az_places = spans.into_iter().map(|span| (file, span)).collect();
                        }
                        ("cells", ExprKind::List(items)) => {
                            region.cells = names(items).into_iter().map(|(cell, _)| cell).collect();
                        }
                        ("azs" | "cells", _) => {}
                        _ => {
                            let is_boolean = matches!(
                                &expr.kind,
                                ExprKind::Literal(literal)
                                    if matches!(literal.value, LiteralValue::Bool(_))
                            );
                            if is_boolean {
                                booleans.insert(field_name.clone());
                            } else {
                                others.insert(field_name.clone());
                            }
                            region
                                .attributes
                                .insert(field_name.clone(), value_text(expr, text, file));
                            continue;
                        }
                    }
                    // `azs += [...]`, `cells -= [...]` in a registry that
                    // extends another, in order (R20).
                    for (op_member, op_file) in &field.list_ops {
                        let MemberKind::FieldAssign { op, value, .. } = &op_member.kind else {
                            continue;
                        };
                        let ExprKind::List(items) = &value.kind else {
                            continue;
                        };
                        let operand: Vec<(String, Span)> = items
                            .iter()
                            .filter(|item| matches!(item.kind, ExprKind::Path(_)))
                            .map(|item| (value_text(item, text, *op_file), item.span))
                            .collect();
                        let is_azs = field_name == "azs";
                        for (name, span) in operand {
                            match op {
                                AssignOp::Append if is_azs && !region.azs.contains(&name) => {
                                    region.azs.push(name);
                                    region.az_places.push((*op_file, span));
                                }
                                AssignOp::Append if !is_azs && !region.cells.contains(&name) => {
                                    region.cells.push(name);
                                }
                                AssignOp::Remove if is_azs => {
                                    if let Some(at) = region.azs.iter().position(|az| *az == name) {
                                        region.azs.remove(at);
                                        if at < region.az_places.len() {
                                            region.az_places.remove(at);
                                        }
                                    }
                                }
                                AssignOp::Remove => region.cells.retain(|cell| *cell != name),
                                _ => {}
                            }
                        }
                    }
                }
            }
            regions.push(region);
        }
        booleans.retain(|attribute| !others.contains(attribute));
        Registry {
            name: name.to_string(),
            regions,
            booleans,
        }
    }

    /// The region with this code.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|region| region.code == code)
    }

    /// Checks the registry's AZ ids: under a region whose code follows
    /// AWS's pattern, an id of AWS's form `PREFIX-azN` must carry that
    /// region's prefix (`usw2-az1` under `us-west-2`, never `use1-az1`);
    /// and no id is listed twice, in one region or in two. Regions named
    /// otherwise (`dc-paris`) and ids in other forms (`par-hall1`) follow
    /// the registry's own conventions, which the compiler cannot know, so
    /// they are checked for repeats only.
    pub fn check_azs(&self, diagnostics: &mut Vec<Diagnostic>) {
        // The first listing of each id, to label a repeat with.
        let mut listed: BTreeMap<&str, (&str, FileId, Span)> = BTreeMap::new();
        for region in &self.regions {
            let expected = az_id_prefix(&region.code);
            for (az, &(file, span)) in region.azs.iter().zip(&region.az_places) {
                if let (Some(expected), Some(prefix)) = (&expected, az_id_region_prefix(az))
                    && prefix != expected
                {
                    // A misplaced id is not a listing of its zone here, so
                    // the region it belongs to may still list it without
                    // being reported as the repeat.
                    diagnostics.push(self.misplaced_az(region, az, prefix, expected, file, span));
                    continue;
                }
                match listed.get(az.as_str()) {
                    Some(&(first_region, first_file, first_span)) => {
                        let message = if first_region == region.code {
                            format!("`{az}` is listed twice in region `{first_region}`")
                        } else {
                            format!(
                                "`{az}` is listed in regions `{first_region}` and `{}`",
                                region.code
                            )
                        };
                        diagnostics.push(
                            Diagnostic::error(Code::DUPLICATE_AZ, message)
                                .primary(file, span, "listed again")
                                .secondary(first_file, first_span, "first listed here")
                                .help("an AZ id names one zone: list it once, in its own region"),
                        );
                    }
                    None => {
                        listed.insert(az, (&region.code, file, span));
                    }
                }
            }
        }
    }

    /// `az`, whose prefix is `prefix`, listed under `region`, whose AZ ids
    /// start with `expected`.
    fn misplaced_az(
        &self,
        region: &Region,
        az: &str,
        prefix: &str,
        expected: &str,
        file: FileId,
        span: Span,
    ) -> Diagnostic {
        let owner = self
            .regions
            .iter()
            .find(|other| az_id_prefix(&other.code).as_deref() == Some(prefix));
        let help = match owner {
            Some(owner) => format!(
                "`{az}` is an AZ of `{}`; the AZ ids of `{}` start with `{expected}-`",
                owner.code, region.code
            ),
            None => format!(
                "no region of `{}` has AZ ids starting with `{prefix}-`; those of `{}` start with `{expected}-`",
                self.name, region.code
            ),
        };
        Diagnostic::error(
            Code::AZ_OF_ANOTHER_REGION,
            format!("`{az}` is not an AZ of `{}`", region.code),
        )
        .primary(
            file,
            span,
            format!("not an AZ id of `{}` (`{expected}-az...`)", region.code),
        )
        .help(help)
    }
}

/// The prefix of the AZ ids of a region whose code follows AWS's pattern
/// `AREA-DIRECTION-N` (`us-east-1`, `ap-northeast-1`, `us-gov-west-1`): the
/// area, the initials of the direction words, the number (`use1`, `apne1`,
/// `usgw1`). `None` for any other code (`dc-paris`, `eu-central`), whose
/// AZ ids the compiler does not check.
pub fn az_id_prefix(region: &str) -> Option<String> {
    let parts: Vec<&str> = region.split('-').collect();
    let (area, rest) = parts.split_first()?;
    let (number, words) = rest.split_last()?;
    let is_area = area.len() == 2 && area.bytes().all(|byte| byte.is_ascii_lowercase());
    let is_number = !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit());
    if !is_area || !is_number || words.is_empty() {
        return None;
    }
    let mut prefix = (*area).to_string();
    for word in words {
        prefix.push_str(match *word {
            "north" => "n",
            "south" => "s",
            "east" => "e",
            "west" => "w",
            "central" => "c",
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            // GovCloud: us-gov-west-1 has usgw1-az1.
            "gov" => "g",
            _ => return None,
        });
    }
    prefix.push_str(number);
    Some(prefix)
}

/// The region prefix of an AZ id of AWS's form `PREFIX-azN` (`use1` of
/// `use1-az1`), where the prefix is letters then digits; `None` for an id
/// of any other form (`us-east-1a`, an AZ name; `use1-bos1-az1`, a Local
/// Zone; `par-hall1`).
pub fn az_id_region_prefix(az: &str) -> Option<&str> {
    let (prefix, number) = az.split_once("-az")?;
    let letters = prefix.trim_end_matches(|c: char| c.is_ascii_digit());
    let shaped = !number.is_empty()
        && number.bytes().all(|byte| byte.is_ascii_digit())
        && !letters.is_empty()
        && letters.len() < prefix.len()
        && letters.bytes().all(|byte| byte.is_ascii_lowercase());
    shaped.then_some(prefix)
}

fn field_file(block: &ResolvedBlock<'_>, name: &str) -> FileId {
    block.get_field(name).map_or(FileId(0), |field| {
        field.base.map_or(field.origin.file, |(_, file)| file)
    })
}

/// The value expression a field was last set to with `=`.
pub fn field_expr<'w>(field: &Resolved<'w>) -> Option<&'w Expr> {
    let (member, _) = field.base?;
    field_value(member)
}

fn field_value(member: &Member) -> Option<&Expr> {
    match &member.kind {
        MemberKind::FieldAssign { value, .. } => Some(value),
        MemberKind::FieldDecl { value, .. } => value.as_ref(),
        MemberKind::TrafficLimit { share } => Some(share),
        _ => None,
    }
}

/// An expression's value as text: a name, a string's text, a number.
fn value_text(expr: &Expr, text: &dyn Fn(FileId, Span) -> String, file: FileId) -> String {
    match &expr.kind {
        ExprKind::Path(path) => path.to_dotted(),
        ExprKind::Literal(literal) => match &literal.value {
            LiteralValue::String(string) => {
                string.as_plain().unwrap_or_else(|| text(file, expr.span))
            }
            LiteralValue::Bool(value) => value.to_string(),
            LiteralValue::Count(value) => value.to_string(),
            _ => text(file, expr.span),
        },
        _ => text(file, expr.span),
    }
}

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

/// A set of regions in rollout order: as written for a literal list, else
/// the registry's order or that of the set a filter or `take` applies to.
type Set = Vec<String>;

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
        // Exclusions apply before waves resolve.
        let mut excluded: BTreeSet<String> = BTreeSet::new();
        for (member, places) in &body.collection {
            if let MemberKind::Exclude { regions, reason } = &member.kind {
                let file = places.first().map_or(FileId(0), |(file, _)| *file);
                let set = self.eval(
                    regions,
                    file,
                    &registry,
                    &BTreeSet::new(),
                    &BTreeSet::new(),
                    false,
                )?;
                for code in set {
                    if excluded.insert(code.clone()) {
                        placement
                            .excluded
                            .push((code, reason.as_plain().unwrap_or_default()));
                    }
                }
            }
        }
        let waves: Vec<(&String, &Resolved<'_>)> = body
            .members
            .iter()
            .filter_map(|(key, member)| match key {
                Key::Named("wave", name) => Some((name, &**member)),
                _ => None,
            })
            .collect();
        let mut placed: BTreeMap<String, (String, FileId, Span)> = BTreeMap::new();
        let mut rest_wave: Option<usize> = None;
        // Whether a wave's set reported a problem while it resolved: the
        // regions it meant to place are then unknown, and regions left
        // over are a consequence, not a second mistake.
        let mut any_poisoned = false;
        for (wave_idx, (name, wave)) in waves.iter().enumerate() {
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
                    wave: (*name).clone(),
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
            if matches!(expr.kind, ExprKind::Rest) && field.list_ops.is_empty() {
                if let Some(first_rest) = rest_wave {
                    let first_name = waves.get(first_rest).map_or("", |(name, _)| name.as_str());
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::REGION_PLACED_TWICE,
                            format!("waves `{first_name}` and `{name}` both take `rest`"),
                        )
                        .primary(base_file, expr.span, "a second `rest`")
                        .help("only one wave can take every region not placed elsewhere"),
                    );
                    continue;
                }
                rest_wave = Some(wave_idx);
                placement.waves.push(WaveRegions {
                    wave: (*name).clone(),
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
                    wave: (*name).clone(),
                    regions: Vec::new(),
                    origin: Some((base_file, base.span)),
                });
                continue;
            };
            for (op_member, op_file) in &field.list_ops {
                let MemberKind::FieldAssign { op, value, .. } = &op_member.kind else {
                    continue;
                };
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
                for code in operand {
                    let present = set.contains(&code);
                    match (op, present) {
                        (AssignOp::Append, false) => set.push(code),
                        (AssignOp::Remove, true) => set.retain(|existing| *existing != code),
                        (AssignOp::Append, true) => self.diagnostics.push(
                            Diagnostic::error(
                                Code::DUPLICATE_LIST_ITEM,
                                format!("`{code}` is already in wave `{name}`"),
                            )
                            .primary(*op_file, value.span, "appended again")
                            .help("remove it from the `+=` list"),
                        ),
                        _ => self.diagnostics.push(
                            Diagnostic::error(
                                Code::LIST_REMOVAL_OF_ABSENT,
                                format!("`{code}` is not in wave `{name}`"),
                            )
                            .primary(*op_file, value.span, "removes nothing")
                            .help("check the inherited wave's regions"),
                        ),
                    }
                }
            }
            let origin = (base_file, base.span);
            let mut reported = false;
            for code in &set {
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
                    self.diagnostics.push(
                        Diagnostic::error(Code::REGION_PLACED_TWICE, format!("`{code}` is deployed by waves `{other_wave}` and `{name}`"))
                            .primary(origin.0, origin.1, format!("wave `{name}` places it again"))
                            .secondary(*file, *span, format!("wave `{other_wave}` places it first"))
                            .help("each production region is deployed exactly once: remove it from one wave"),
                    );
                    reported = true;
                } else {
                    placed.insert(code.clone(), ((*name).clone(), origin.0, origin.1));
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
                wave: (*name).clone(),
                regions: set,
                origin: Some(origin),
            });
        }
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
                    .map_or_else(String::new, |(name, _)| (*name).clone());
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

    /// Evaluates a region expression. `placed` are regions earlier waves
    /// took: filters and `take` skip them; `excluded` are never chosen by a
    /// filter. Literal lists keep every region they name.
    fn eval(
        &mut self,
        expr: &Expr,
        file: FileId,
        registry: &Registry,
        placed: &BTreeSet<String>,
        excluded: &BTreeSet<String>,
        in_wave: bool,
    ) -> Option<Set> {
        match &expr.kind {
            ExprKind::List(items) => {
                let mut set = Vec::new();
                for item in items {
                    let ExprKind::Path(path) = &item.kind else {
                        self.invalid(file, item.span, "a region name");
                        return None;
                    };
                    let code = path.to_dotted();
                    if registry.region(&code).is_none() {
                        self.unknown_region(file, item.span, &code, registry);
                        continue;
                    }
                    if !set.contains(&code) {
                        set.push(code);
                    }
                }
                Some(set)
            }
            ExprKind::Path(path) => {
                let name = path.to_dotted();
                if name == registry.name
                    || path
                        .segments
                        .last()
                        .is_some_and(|last| last.name == registry.name)
                {
                    return Some(self.available(registry, placed, excluded, in_wave));
                }
                if registry.region(&name).is_some() {
                    return Some(vec![name]);
                }
                self.unknown_region(file, expr.span, &name, registry);
                None
            }
            ExprKind::Rest => Some(self.available(registry, placed, excluded, true)),
            ExprKind::Postfix { base, ops } => {
                let mut set = self.eval(base, file, registry, placed, excluded, in_wave)?;
                for op in ops {
                    match op {
                        PostfixOp::Where(condition) => {
                            let mut kept = Vec::new();
                            for code in set {
                                let region = registry.region(&code)?;
                                if self.test(condition, region, file, registry)? {
                                    kept.push(code);
                                }
                            }
                            set = kept;
                        }
                        PostfixOp::Take(literal) => {
                            let count_span = literal.span;
                            let LiteralValue::Count(count) = literal.value else {
                                self.invalid(file, count_span, "a count, e.g. `take 3`");
                                return None;
                            };
                            if count == 0 {
                                self.diagnostics.push(take_zero(file, count_span));
                                return None;
                            }
                            set.retain(|code| !placed.contains(code) && !excluded.contains(code));
                            set.truncate(usize::try_from(count).unwrap_or(usize::MAX));
                        }
                    }
                }
                Some(set)
            }
            ExprKind::SetOps { first, rest } => {
                let mut set = self.eval(first, file, registry, placed, excluded, in_wave)?;
                for (op, operand) in rest {
                    let other = self.eval(operand, file, registry, placed, excluded, in_wave)?;
                    match op {
                        SetOp::Union => {
                            for code in other {
                                if !set.contains(&code) {
                                    set.push(code);
                                }
                            }
                        }
                        SetOp::Intersect => set.retain(|code| other.contains(code)),
                        SetOp::Minus => set.retain(|code| !other.contains(code)),
                    }
                }
                // A set operation combines sets; no operand's order is the
                // author's intent for the result, so it takes the
                // registry's, like every expression over the registry.
                set.sort_by_key(|code| {
                    registry
                        .regions
                        .iter()
                        .position(|region| region.code == *code)
                });
                Some(set)
            }
            // Already reported where it was read.
            ExprKind::Invalid => None,
            _ => {
                self.invalid(
                    file,
                    expr.span,
                    "a region set: a list, a registry filter, or `rest`",
                );
                None
            }
        }
    }

    /// Every region of the registry a filter may choose from.
    fn available(
        &self,
        registry: &Registry,
        placed: &BTreeSet<String>,
        excluded: &BTreeSet<String>,
        skip_placed: bool,
    ) -> Set {
        registry
            .regions
            .iter()
            .map(|region| region.code.clone())
            .filter(|code| !(excluded.contains(code) || (skip_placed && placed.contains(code))))
            .collect()
    }

    /// Evaluates a filter condition on one region.
    fn test(
        &mut self,
        condition: &Expr,
        region: &Region,
        file: FileId,
        registry: &Registry,
    ) -> Option<bool> {
        match &condition.kind {
            ExprKind::Or(operands) => {
                let mut any = false;
                for operand in operands {
                    any |= self.test(operand, region, file, registry)?;
                }
                Some(any)
            }
            ExprKind::And(operands) => {
                let mut all = true;
                for operand in operands {
                    all &= self.test(operand, region, file, registry)?;
                }
                Some(all)
            }
            ExprKind::Not(inner) => self.test(inner, region, file, registry).map(|value| !value),
            ExprKind::Compare { op, lhs, rhs } => {
                let ExprKind::Path(attribute) = &lhs.kind else {
                    self.invalid(file, lhs.span, "a region attribute such as `traffic`");
                    return None;
                };
                let attribute = attribute.to_dotted();
                let Some(actual) = region.attributes.get(&attribute) else {
                    // Another region's attribute: this one does not match.
                    return self
                        .known_attribute(&attribute, lhs.span, file, registry)
                        .then_some(false);
                };
                let wanted: Vec<String> = match (&rhs.kind, op) {
                    (ExprKind::List(items), CompareOp::In) => items
                        .iter()
                        .map(|item| value_text(item, self.text, file))
                        .collect(),
                    _ => vec![value_text(rhs, self.text, file)],
                };
                let matches = wanted.iter().any(|value| value == actual);
                Some(if *op == CompareOp::Ne {
                    !matches
                } else {
                    matches
                })
            }
            ExprKind::Path(path) => {
                let attribute = path.to_dotted();
                if registry.booleans.contains(&attribute) {
                    // A region without it is not `true`.
                    return Some(
                        region
                            .attributes
                            .get(&attribute)
                            .is_some_and(|value| value == "true"),
                    );
                }
                if self.known_attribute(&attribute, condition.span, file, registry) {
                    self.not_boolean(&attribute, condition.span, file, registry);
                }
                None
            }
            _ => {
                self.invalid(file, condition.span, "a condition such as `traffic == low`");
                None
            }
        }
    }

    /// Whether some region of the registry has `attribute`; `P0406` at
    /// `span` when none has.
    fn known_attribute(
        &mut self,
        attribute: &str,
        span: Span,
        file: FileId,
        registry: &Registry,
    ) -> bool {
        let known: BTreeSet<&str> = registry
            .regions
            .iter()
            .flat_map(|region| region.attributes.keys().map(String::as_str))
            .collect();
        if known.contains(attribute) {
            return true;
        }
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_REGION_ATTRIBUTE,
            format!(
                "regions of `{}` have no attribute `{attribute}`",
                registry.name
            ),
        )
        .primary(file, span, "not an attribute of any region");
        diagnostic = match closest(attribute, known.iter().copied()) {
            Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.help(format!(
                "the attributes are {}",
                known.iter().copied().collect::<Vec<_>>().join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
        false
    }

    /// `P0701` for a bare attribute in a filter that some region gives a
    /// value other than `true` or `false`: it would match nothing.
    fn not_boolean(&mut self, attribute: &str, span: Span, file: FileId, registry: &Registry) {
        let example = registry.regions.iter().find_map(|region| {
            let value = region.attributes.get(attribute)?;
            (value != "true" && value != "false").then_some((region, value))
        });
        let mut diagnostic = Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("expected a boolean attribute, found `{attribute}`"),
        );
        diagnostic = match example {
            Some((region, value)) => {
                let written = if !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    value.clone()
                } else {
                    format!("{value:?}")
                };
                diagnostic
                    .primary(
                        file,
                        span,
                        format!("`{attribute}` is `{written}` on `{}`", region.code),
                    )
                    .help(format!(
                        "a bare attribute tests one that is `true` or `false`; compare this one: `{attribute} == {written}`"
                    ))
            }
            None => diagnostic
                .primary(file, span, "not `true` or `false` on every region")
                .help(format!(
                    "a bare attribute tests one that is `true` or `false`; compare this one: `{attribute} == ...`"
                )),
        };
        self.diagnostics.push(diagnostic);
    }

    fn unknown_region(&mut self, file: FileId, span: Span, code: &str, registry: &Registry) {
        // Another registry's name (typically the parent the target extends):
        // in a wave, only the target's own name stands for its regions.
        if self
            .registries
            .values()
            .any(|other| other.name == code && other.name != registry.name)
        {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::UNKNOWN_REGION,
                    format!(
                        "`{code}` is a registry, not a region of `{}`",
                        registry.name
                    ),
                )
                .primary(file, span, format!("production deploys to `{}`", registry.name))
                .help(format!(
                    "write `{} where ...`: in a wave, the target registry's name stands for its regions, including those it inherits from `{code}`",
                    registry.name
                )),
            );
            return;
        }
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_REGION,
            format!("`{code}` is not a region of `{}`", registry.name),
        )
        .primary(file, span, "unknown region");
        diagnostic = match closest(
            code,
            registry.regions.iter().map(|region| region.code.as_str()),
        ) {
            Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.help(format!(
                "`{}` lists {} regions; add this one to a registry that extends it",
                registry.name,
                registry.regions.len()
            )),
        };
        self.diagnostics.push(diagnostic);
    }

    fn invalid(&mut self, file: FileId, span: Span, expected: &str) {
        self.diagnostics.push(invalid(file, span, expected));
    }
}

/// `P0408`: what is written at `span` is not the part of a region set
/// that stands there.
fn invalid(file: FileId, span: Span, expected: &str) -> Diagnostic {
    Diagnostic::error(Code::INVALID_REGION_EXPRESSION, format!("expected {expected}"))
        .primary(file, span, "not a region expression")
        .help("region sets are lists (`[us-east-1, eu-west-1]`), filters (`aws where traffic == low take 1`), set operations (`union`, `intersect`, `minus`) and `rest`")
}

/// `P0408` for `take 0`, at the count.
fn take_zero(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(Code::INVALID_REGION_EXPRESSION, "`take 0` takes no region")
        .primary(file, span, "takes nothing")
        .help("take at least 1, or drop the wave")
}

/// The problems of a wave's `regions` value that need no registry: parts
/// that are no part of a region set (`regions = 5`, `[1, us-east-1]`,
/// `take 5h`, `where 3`), each the diagnostic placing the wave gives it
/// ([`Regions::eval`]). Checked where the value is written (a template no
/// pipeline extends yet included) and again where a pipeline's regions are
/// placed, as one diagnostic.
pub fn region_set_problems(expr: &Expr, file: FileId) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    set_problems(expr, file, &mut found);
    found
}

fn set_problems(expr: &Expr, file: FileId, found: &mut Vec<Diagnostic>) {
    match &expr.kind {
        ExprKind::List(items) => {
            for item in items {
                if !matches!(item.kind, ExprKind::Path(_) | ExprKind::Invalid) {
                    found.push(invalid(file, item.span, "a region name"));
                }
            }
        }
        ExprKind::Path(_) | ExprKind::Rest | ExprKind::Invalid => {}
        ExprKind::Postfix { base, ops } => {
            set_problems(base, file, found);
            for op in ops {
                match op {
                    PostfixOp::Where(condition) => condition_problems(condition, file, found),
                    PostfixOp::Take(literal) => match literal.value {
                        LiteralValue::Count(0) => found.push(take_zero(file, literal.span)),
                        LiteralValue::Count(_) => {}
                        _ => found.push(invalid(file, literal.span, "a count, e.g. `take 3`")),
                    },
                }
            }
        }
        ExprKind::SetOps { first, rest } => {
            set_problems(first, file, found);
            for (_, operand) in rest {
                set_problems(operand, file, found);
            }
        }
        _ => found.push(invalid(
            file,
            expr.span,
            "a region set: a list, a registry filter, or `rest`",
        )),
    }
}

/// The problems of a `where` condition that need no registry, each the
/// diagnostic testing a region against it gives ([`Regions::test`]).
fn condition_problems(condition: &Expr, file: FileId, found: &mut Vec<Diagnostic>) {
    match &condition.kind {
        ExprKind::Or(operands) | ExprKind::And(operands) => {
            for operand in operands {
                condition_problems(operand, file, found);
            }
        }
        ExprKind::Not(inner) => condition_problems(inner, file, found),
        ExprKind::Compare { lhs, .. } => {
            if !matches!(lhs.kind, ExprKind::Path(_) | ExprKind::Invalid) {
                found.push(invalid(
                    file,
                    lhs.span,
                    "a region attribute such as `traffic`",
                ));
            }
        }
        // A value that could not be read is reported where it was read.
        ExprKind::Path(_) | ExprKind::Invalid => {}
        _ => found.push(invalid(
            file,
            condition.span,
            "a condition such as `traffic == low`",
        )),
    }
}

fn head(member: &Resolved<'_>) -> Span {
    super::merge::head_span(member.member)
}

/// `P0408` for a `registry` whose value is no name: checked where it is
/// written (a template no pipeline extends yet included) and where the
/// pipeline's regions are placed, as one diagnostic.
pub fn registry_value_problem(expr: &Expr, file: FileId) -> Option<Diagnostic> {
    if matches!(expr.kind, ExprKind::Path(_) | ExprKind::Invalid) {
        return None;
    }
    Some(
        Diagnostic::error(
            Code::INVALID_REGION_EXPRESSION,
            "`registry` must name a registry",
        )
        .primary(file, expr.span, "not a registry name")
        .help("write `registry = aws` after `import \"std/aws\"`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_region_codes_give_their_az_id_prefix() {
        for (region, prefix) in [
            ("us-east-1", "use1"),
            ("us-west-2", "usw2"),
            ("ap-northeast-1", "apne1"),
            ("ap-southeast-3", "apse3"),
            ("eu-central-1", "euc1"),
            ("ca-central-1", "cac1"),
            ("ap-south-2", "aps2"),
            ("eu-north-1", "eun1"),
            ("me-central-1", "mec1"),
            ("il-central-1", "ilc1"),
            ("sa-east-1", "sae1"),
            ("af-south-1", "afs1"),
            ("ca-west-1", "caw1"),
            ("mx-central-1", "mxc1"),
            ("us-gov-west-1", "usgw1"),
            ("cn-northwest-1", "cnnw1"),
        ] {
            assert_eq!(az_id_prefix(region).as_deref(), Some(prefix), "{region}");
        }
    }

    #[test]
    fn other_region_codes_have_no_az_id_prefix() {
        for region in [
            "dc-paris",
            "dc-ashburn",
            "eu-central",
            "lab-east-1",
            "us-east-",
            "us--1",
            "u-east-1",
            "US-east-1",
            "us-east-1a",
            "us-mid-1",
            "",
        ] {
            assert_eq!(az_id_prefix(region), None, "{region}");
        }
    }

    #[test]
    fn az_ids_in_aws_form_give_their_region_prefix() {
        assert_eq!(az_id_region_prefix("use1-az1"), Some("use1"));
        assert_eq!(az_id_region_prefix("apse3-az12"), Some("apse3"));
        for other in [
            "us-east-1a",
            "use1-bos1-az1",
            "use1-az",
            "use1-azx",
            "use-az1",
            "1-az1",
            "par-hall1",
            "Use1-az1",
        ] {
            assert_eq!(az_id_region_prefix(other), None, "{other}");
        }
    }
}
