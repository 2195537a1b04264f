//! Testing a `where` condition on one region: comparisons of attributes,
//! bare boolean attributes, `and`, `or`, `not`, and the diagnostics for an
//! attribute no region has or one that is not a boolean. The filter
//! language on its own, apart from the sets it filters.

use super::fields::value_text;
use super::{Placer, Region, Registry};
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::source::{FileId, Span};
use crate::syntax::ast::{CompareOp, Expr, ExprKind};
use std::collections::BTreeSet;

impl Placer<'_, '_> {
    /// Evaluates a filter condition on one region.
    pub(super) fn test(
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
}
