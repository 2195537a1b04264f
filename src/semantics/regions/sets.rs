//! Evaluating a region expression against a registry: lists, the
//! registry's name, `rest`, `where` and `take`, and set operations, with
//! the diagnostics for a region or registry it does not know. Kept apart
//! from placement, which only decides what each wave may choose from.

use super::problems::{invalid, take_zero};
use super::{Placer, Registry, Set};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Expr, ExprKind, LiteralValue, PostfixOp, SetOp};
use std::collections::BTreeSet;

impl Placer<'_, '_> {
    /// Evaluates a region expression. `placed` are regions earlier waves
    /// took, which the registry's name in a wave and `rest` leave out, so
    /// that filters and `take` over them never choose one; `excluded` are
    /// left out by both everywhere. Literal lists keep every region they
    /// name, filtered or taken from.
    pub(super) fn eval(
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
                            // Over the registry's name or `rest` the set
                            // holds no placed or excluded region already; a
                            // literal list keeps what it names, so that
                            // naming a placed region is its error (P0402),
                            // taken from or not.
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
        self.diagnostics
            .push(not_a_region(file, span, code, registry));
    }

    pub(super) fn invalid(&mut self, file: FileId, span: Span, expected: &str) {
        self.diagnostics.push(invalid(file, span, expected));
    }
}

/// `P0401`: `code`, at `span`, names no region of `registry`; the help
/// suggests the closest region, or says how to add one.
pub fn not_a_region(file: FileId, span: Span, code: &str, registry: &Registry) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        Code::UNKNOWN_REGION,
        format!("`{code}` is not a region of `{}`", registry.name),
    )
    .primary(file, span, "unknown region");
    let regions = registry.regions.iter().map(|region| region.code.as_str());
    match crate::names::closest(code, regions) {
        Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.help(format!(
            "`{}` lists {} regions; add this one to a registry that extends it",
            registry.name,
            registry.regions.len()
        )),
    }
}
