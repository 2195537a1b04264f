//! A registry read from its resolved body: its regions in order, with
//! their attributes, AZs and cells after any `+=` and `-=` (R20), and the
//! check of its AZ ids. What every pipeline targeting the registry shares,
//! built once, apart from placing any one pipeline's waves.

use super::az_ids::{az_id_prefix, az_id_region_prefix};
use super::fields::{field_expr, field_file, value_text};
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::{Key, ResolvedBlock};
use crate::source::{FileId, Span};
use crate::syntax::ast::{AssignOp, Expr, ExprKind, LiteralValue, Member, MemberKind};
use std::collections::{BTreeMap, BTreeSet};

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

/// A list attribute (`tags = [a, b]`, written in `file`) after the `+=`
/// and `-=` that edit it, in order, as text: `[b, c]`. Each edit was
/// checked while merging (R17, R18); an item it could not apply changes
/// nothing here either.
fn list_attribute(
    items: &[Expr],
    file: FileId,
    edits: &[(&Member, FileId)],
    text: &dyn Fn(FileId, Span) -> String,
) -> String {
    let mut values: Vec<String> = items
        .iter()
        .map(|item| value_text(item, text, file))
        .collect();
    for (edit, edit_file) in edits {
        let MemberKind::FieldAssign { op, value, .. } = &edit.kind else {
            continue;
        };
        let ExprKind::List(operands) = &value.kind else {
            continue;
        };
        for operand in operands {
            let value = value_text(operand, text, *edit_file);
            match op {
                AssignOp::Append if !values.contains(&value) => values.push(value),
                AssignOp::Remove => values.retain(|item| *item != value),
                _ => {}
            }
        }
    }
    format!("[{}]", values.join(", "))
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
    /// What a plan says of each region, in the order of `regions`: made
    /// once here, so that each plan refers to them rather than copying a
    /// region's attributes and AZs (34 regions, some 700 strings, per
    /// plan).
    planned: Vec<std::sync::Arc<crate::plan::PlanRegion>>,
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
                code: code.to_string(),
                attributes: BTreeMap::new(),
                azs: Vec::new(),
                az_places: Vec::new(),
                cells: Vec::new(),
                file: member.origin.file,
                span: member.origin.span,
            };
            region
                .attributes
                .insert("code".to_string(), code.to_string());
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
                    // `azs` and `cells` with no value are their default,
                    // `[]`, which their edits start from (R19).
                    let expr = field_expr(field);
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
                    match (*field_name, expr) {
                        (
                            "azs",
                            Some(Expr {
                                kind: ExprKind::List(items),
                                ..
                            }),
                        ) => {
                            let (azs, spans): (Vec<String>, Vec<Span>) =
                                names(items).into_iter().unzip();
                            region.azs = azs;
                            region.az_places = spans.into_iter().map(|span| (file, span)).collect();
                        }
                        (
                            "cells",
                            Some(Expr {
                                kind: ExprKind::List(items),
                                ..
                            }),
                        ) => {
                            region.cells = names(items).into_iter().map(|(cell, _)| cell).collect();
                        }
                        ("azs" | "cells", _) => {}
                        (_, None) => continue,
                        (_, Some(expr)) => {
                            let is_boolean = matches!(
                                &expr.kind,
                                ExprKind::Literal(literal)
                                    if matches!(literal.value, LiteralValue::Bool(_))
                            );
                            if is_boolean {
                                booleans.insert(field_name.to_string());
                            } else {
                                others.insert(field_name.to_string());
                            }
                            let value = match &expr.kind {
                                // A list attribute a descendant edits with
                                // `+=` and `-=` (R17, R18): its items
                                // after the edits, in order.
                                ExprKind::List(items) if !field.list_ops().is_empty() => {
                                    list_attribute(items, file, field.list_ops(), text)
                                }
                                _ => value_text(expr, text, file),
                            };
                            region.attributes.insert(field_name.to_string(), value);
                            continue;
                        }
                    }
                    // `azs += [...]`, `cells -= [...]` in a registry that
                    // extends another, in order (R20).
                    for (op_member, op_file) in field.list_ops() {
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
                        let is_azs = *field_name == "azs";
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
        let planned = regions
            .iter()
            .map(|region| {
                std::sync::Arc::new(crate::plan::PlanRegion {
                    code: region.code.clone(),
                    registry: Some(name.to_string()),
                    attributes: region.attributes.clone(),
                    azs: region.azs.clone(),
                })
            })
            .collect();
        Registry {
            name: name.to_string(),
            regions,
            planned,
            booleans,
        }
    }

    /// The region with this code.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|region| region.code == code)
    }

    /// What a plan says of the region with this code, shared by every
    /// plan that deploys to it.
    pub fn planned(&self, code: &str) -> Option<&std::sync::Arc<crate::plan::PlanRegion>> {
        let at = self.regions.iter().position(|region| region.code == code)?;
        self.planned.get(at)
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
