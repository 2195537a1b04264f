//! Alarm expressions: references resolve to alarms of the pipeline (its own
//! or inherited `alarm` members) or to top-level alarms, recursion is an
//! error, and every expression renders in CloudWatch composite-alarm syntax
//! (`ALARM("A") OR (ALARM("B") AND NOT ALARM("C"))`) for the plan.

use super::merge::{Key, ResolvedBlock};
use super::scope::{DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::source::FileId;
use crate::syntax::ast::{Expr, ExprKind, ItemKind, LiteralValue, MemberKind};

/// Renders alarm expressions of one pipeline.
pub struct AlarmRenderer<'a, 'w> {
    /// Names.
    pub scopes: &'a Scopes<'w>,
    /// The pipeline's resolved body, for its `alarm` members.
    pub pipeline: &'a ResolvedBlock<'w>,
    /// Where problems go.
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// Cycles already reported, by their sorted member names, so that a
    /// cycle met from each of its alarms is reported once.
    pub reported_cycles: std::collections::BTreeSet<Vec<String>>,
}

/// How tightly an operator binds, for parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Atom,
}

impl AlarmRenderer<'_, '_> {
    /// Renders `expr`, written in `file`; `None` after reporting a problem.
    pub fn render(&mut self, expr: &Expr, file: FileId) -> Option<String> {
        let mut stack = Vec::new();
        self.render_in(expr, file, &mut stack).map(|(text, _)| text)
    }

    fn render_in(
        &mut self,
        expr: &Expr,
        file: FileId,
        stack: &mut Vec<String>,
    ) -> Option<(String, Precedence)> {
        match &expr.kind {
            ExprKind::Call { callee, args } if callee.to_dotted() == "ALARM" => {
                let name = match args.as_slice() {
                    [arg] if arg.name.is_none() => match &arg.value.kind {
                        ExprKind::Literal(literal) => match &literal.value {
                            LiteralValue::String(string) => string.as_plain(),
                            _ => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                let Some(name) = name else {
                    self.diagnostics.push(
                        Diagnostic::error(Code::INVALID_ALARM_EXPRESSION, "`ALARM` takes one alarm name")
                            .primary(file, expr.span, "expected `ALARM(\"Name\")`")
                            .help("name a CloudWatch alarm as a plain string: `ALARM(\"OrdersApi_High_Fault_Rate\")`"),
                    );
                    return None;
                };
                let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
                Some((format!("ALARM(\"{escaped}\")"), Precedence::Atom))
            }
            ExprKind::Path(path) => self.reference(path, expr, file, stack),
            // Already reported where it was read.
            ExprKind::Invalid => None,
            ExprKind::Or(operands) => self.join(operands, " OR ", Precedence::Or, file, stack),
            ExprKind::And(operands) => self.join(operands, " AND ", Precedence::And, file, stack),
            ExprKind::Not(inner) => {
                let (text, precedence) = self.render_in(inner, file, stack)?;
                let text = if precedence == Precedence::Atom {
                    text
                } else {
                    format!("({text})")
                };
                Some((format!("NOT {text}"), Precedence::Atom))
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(Code::INVALID_ALARM_EXPRESSION, "not an alarm expression")
                        .primary(file, expr.span, "expected an alarm")
                        .help("alarm expressions combine `ALARM(\"Name\")` and alarm names with `or`, `and`, `not` and parentheses"),
                );
                None
            }
        }
    }

    fn join(
        &mut self,
        operands: &[Expr],
        separator: &str,
        own: Precedence,
        file: FileId,
        stack: &mut Vec<String>,
    ) -> Option<(String, Precedence)> {
        // Every operand is rendered, so that each problem is reported.
        let mut parts = Vec::new();
        let mut failed = false;
        for operand in operands {
            match self.render_in(operand, file, stack) {
                Some((text, precedence)) => parts.push(if precedence < own {
                    format!("({text})")
                } else {
                    text
                }),
                None => failed = true,
            }
        }
        (!failed).then(|| (parts.join(separator), own))
    }

    fn reference(
        &mut self,
        path: &crate::syntax::ast::Path,
        expr: &Expr,
        file: FileId,
        stack: &mut Vec<String>,
    ) -> Option<(String, Precedence)> {
        let dotted = path.to_dotted();
        if stack.contains(&dotted) {
            let mut cycle = stack.clone();
            cycle.push(dotted.clone());
            let start = cycle.iter().position(|name| *name == dotted).unwrap_or(0);
            let shown: Vec<&str> = cycle.iter().skip(start).map(String::as_str).collect();
            let mut members: Vec<String> = shown.iter().map(|name| (*name).to_string()).collect();
            members.sort();
            members.dedup();
            if !self.reported_cycles.insert(members) {
                return None;
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ALARM_RECURSION,
                    format!("alarm `{dotted}` refers to itself"),
                )
                .primary(file, expr.span, "leads back to the alarm being defined")
                .note(format!("the cycle: {}", shown.join(" → ")))
                .help(
                    "an alarm may combine other alarms, but not itself, directly or through others",
                ),
            );
            return None;
        }
        // A pipeline's own (or inherited) alarm member comes first.
        if path.segments.len() == 1
            && let Some(member) = self.pipeline.get(&Key::Named("alarm", dotted.clone()))
        {
            let (alarm_member, alarm_file) = member.base?;
            let MemberKind::Alarm(alarm) = &alarm_member.kind else {
                return None;
            };
            let value = alarm.value.as_ref()?;
            stack.push(dotted);
            let rendered = self.render_in(value, alarm_file, stack);
            stack.pop();
            return rendered;
        }
        match self.scopes.resolve(file, path, &[DeclKind::Alarm]) {
            Ok((decl, _)) => {
                let item = self.scopes.item(decl)?;
                let ItemKind::Alarm(alarm) = &item.kind else {
                    return None;
                };
                let value = alarm.value.as_ref()?;
                stack.push(dotted);
                let rendered = self.render_in(value, decl.file, stack);
                stack.pop();
                rendered
            }
            Err(unresolved) => {
                let mut diagnostic = *unresolved.diagnostic;
                if diagnostic.code == Code::UNKNOWN_NAME && path.segments.len() == 1 {
                    let members: Vec<&str> = self
                        .pipeline
                        .members
                        .iter()
                        .filter_map(|(key, _)| match key {
                            Key::Named("alarm", name) => Some(name.as_str()),
                            _ => None,
                        })
                        .collect();
                    if let Some(suggestion) = closest(&dotted, members) {
                        diagnostic.help = Some(format!("did you mean `{suggestion}`?"));
                    }
                }
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }
}
