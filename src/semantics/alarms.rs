//! Alarm expressions: references resolve to alarms of the pipeline (its own
//! or inherited `alarm` members) or to top-level alarms, recursion is an
//! error, and every expression renders in CloudWatch composite-alarm syntax
//! (`ALARM("A") OR (ALARM("B") AND NOT ALARM("C"))`) for the plan.

use super::merge::{Key, ResolvedBlock};
use super::scope::{DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::names::closest;
use crate::source::{FileId, Span};
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
    /// Whether references nested past [`MAX_ALARM_DEPTH`] were reported:
    /// once, since every alarm above the limit in a long chain meets it.
    pub reported_too_deep: bool,
}

/// How tightly an operator binds, for parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Atom,
}

/// The longest alarm rule CloudWatch accepts, in characters: a composite
/// alarm's `AlarmRule` is at most 10,240. It also bounds the work of
/// expanding references: alarms that each name another twice double with
/// every line, and rendering stops as soon as the text passes this.
pub const MAX_RULE_LENGTH: usize = 10_240;

/// How many alarms deep one alarm's expansion may name alarms (`a = b`,
/// `b = c`, ...): the expansion recurses once per level, and the limit
/// keeps its stack, and the work of expanding every alarm of a long chain,
/// bounded. Real alarms combine a level or two.
pub const MAX_ALARM_DEPTH: usize = crate::syntax::scan::MAX_NESTING;

/// How deep the operators of an alarm written out in full may nest, the
/// alarms it names included (a run of `not`s counts once): four times what
/// one declaration may nest. Rendering recurses once per level, so the
/// limit bounds its stack however alarms nest inside each other.
pub const MAX_EXPANDED_NESTING: usize = 4 * crate::syntax::scan::MAX_NESTING;

/// The state of one [`AlarmRenderer::render`]: the alarms being expanded,
/// innermost last, with where each one's expression is (for cycles, and to
/// blame the right alarm); and, once the text has grown past
/// [`MAX_RULE_LENGTH`], the expression that did it.
struct Walk {
    stack: Vec<(String, FileId, Span)>,
    too_long: Option<(FileId, Span)>,
    /// Alarms (by where their expression is) that failed to render for a
    /// reason of their own, reported already: named again, they fail
    /// without being walked again. Alarms that each name a broken one twice
    /// would otherwise double the walk, and its diagnostics, with every line.
    failed: std::collections::HashSet<(FileId, Span)>,
    /// How many references led back into the stack: a failure that met
    /// one depends on the path, and is not remembered in `failed`.
    cycles: usize,
    /// Where the expression rendered is, when it is an alarm member's own
    /// ([`AlarmRenderer::render_alarm`]): blamed, when no alarm it names
    /// is being expanded, for an expansion too long, as a reference to the
    /// alarm would blame it.
    root: Option<(FileId, Span)>,
    /// The fewest characters the operators around the expression being
    /// rendered add to the rule: `NOT ` for each `not`, and for each
    /// operand of `and` or `or` its separator and another operand (an
    /// alarm is at least `ALARM("x")`). Once that and the shortest alarm
    /// pass [`MAX_RULE_LENGTH`], the rule is too long whatever is inside,
    /// so the walk stops there: its depth, and the stack it takes, are
    /// bounded by the limit on the text, however alarms nest.
    floor: usize,
    /// The `floor` when each alarm of `stack` began to expand: what the
    /// operators around its own expression add is the floor less that.
    entry_floors: Vec<usize>,
    /// How many operators enclose the expression being rendered (a run of
    /// `not`s counts once), and whether that passed
    /// [`MAX_EXPANDED_NESTING`], which ends the walk.
    nesting: usize,
    too_nested: bool,
}

/// The shortest an alarm renders: `ALARM("x")`.
const SHORTEST_ALARM: usize = 10;

impl Walk {
    /// Marks the text too long once the operators around the expression
    /// being rendered make it so (see `floor`), blaming the innermost
    /// alarm whose own expression they make too long: the one a reference
    /// reaching it would be too long through, as when the text is counted.
    fn overflow_in_depth(&mut self, file: FileId, span: Span) {
        if self.too_long.is_none() {
            let floor = self.floor;
            let own = self
                .stack
                .iter()
                .zip(&self.entry_floors)
                .rev()
                .find(|(_, entry)| floor - **entry + SHORTEST_ALARM > MAX_RULE_LENGTH)
                .map(|(&(_, file, span), _)| (file, span));
            self.too_long = Some(own.or(self.root).unwrap_or((file, span)));
        }
    }

    /// Marks the text too long, blaming the alarm being expanded (whose own
    /// expression is too long, and is reported there, once, however many
    /// alarms name it), or the expression rendered when none is.
    fn overflow(&mut self, file: FileId, span: Span) {
        if self.too_long.is_none() {
            self.too_long = Some(
                self.stack
                    .last()
                    .map(|&(_, file, span)| (file, span))
                    .or(self.root)
                    .unwrap_or((file, span)),
            );
        }
    }
}

impl AlarmRenderer<'_, '_> {
    /// Renders `expr`, written in `file`; `None` after reporting a problem.
    pub fn render(&mut self, expr: &Expr, file: FileId) -> Option<String> {
        let mut walk = Walk {
            stack: Vec::new(),
            too_long: None,
            failed: std::collections::HashSet::new(),
            cycles: 0,
            root: None,
            floor: 0,
            entry_floors: Vec::new(),
            nesting: 0,
            too_nested: false,
        };
        let rendered = self.render_in(expr, file, &mut walk).map(|(text, _)| text);
        self.finish(&walk, rendered)
    }

    /// Renders `value`, written in `file`, the expression of an alarm
    /// member, blaming an expansion too long as a reference to the alarm
    /// does: at the alarm's expression (or at an alarm it names, whose own
    /// expression is too long), once, whether it is met here or through a
    /// `rollback on` or `block on` naming the alarm.
    pub fn render_alarm(&mut self, value: &Expr, file: FileId) -> Option<String> {
        // The alarm is not put on the stack: a cycle through it is found,
        // and reported, one reference further in, as when it is rendered
        // on its own.
        let mut walk = Walk {
            stack: Vec::new(),
            too_long: None,
            failed: std::collections::HashSet::new(),
            cycles: 0,
            root: Some((file, value.span)),
            floor: 0,
            entry_floors: Vec::new(),
            nesting: 0,
            too_nested: false,
        };
        let rendered = self.render_in(value, file, &mut walk).map(|(text, _)| text);
        self.finish(&walk, rendered)
    }

    /// Renders the top-level alarm `decl` as a reference to it renders,
    /// so that its problems are reported (once, at the same places) even
    /// when no pipeline names it.
    pub fn render_declared(&mut self, decl: super::scope::DeclId) -> Option<String> {
        let item = self.scopes.item(decl)?;
        let ItemKind::Alarm(alarm) = &item.kind else {
            return None;
        };
        let value = alarm.value.as_ref()?;
        let mut walk = Walk {
            stack: vec![(alarm.name.name.clone(), decl.file, value.span)],
            too_long: None,
            failed: std::collections::HashSet::new(),
            cycles: 0,
            root: None,
            floor: 0,
            entry_floors: vec![0],
            nesting: 0,
            too_nested: false,
        };
        let rendered = self
            .render_in(value, decl.file, &mut walk)
            .map(|(text, _)| text);
        self.finish(&walk, rendered)
    }

    /// Reports an expansion that grew past CloudWatch's limit.
    fn finish(&mut self, walk: &Walk, rendered: Option<String>) -> Option<String> {
        if let Some((file, span)) = walk.too_long {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ALARM_RULE_TOO_LONG,
                    format!(
                        "this alarm expands to more than {} characters",
                        crate::diagnostics::thousands(MAX_RULE_LENGTH)
                    ),
                )
                .primary(file, span, "expands past CloudWatch's limit")
                .note(format!(
                    "every alarm it names is written out in full; CloudWatch takes a composite alarm rule of at most {} characters",
                    crate::diagnostics::thousands(MAX_RULE_LENGTH)
                ))
                .help("name fewer alarms, or combine them in CloudWatch and name the composite alarm with `ALARM(\"...\")`"),
            );
            return None;
        }
        rendered
    }

    fn render_in(
        &mut self,
        expr: &Expr,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        if walk.too_long.is_some() || walk.too_nested {
            return None;
        }
        if walk.floor + SHORTEST_ALARM > MAX_RULE_LENGTH {
            walk.overflow_in_depth(file, expr.span);
            return None;
        }
        let rendered = self.render_expr(expr, file, walk)?;
        if rendered.0.len() > MAX_RULE_LENGTH {
            walk.overflow(file, expr.span);
            return None;
        }
        Some(rendered)
    }

    fn render_expr(
        &mut self,
        expr: &Expr,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        match &expr.kind {
            ExprKind::Call { callee, args } if callee.is_dotted("ALARM") => {
                let name = match args.as_slice() {
                    [arg] if arg.name.is_none() => match &arg.value.kind {
                        ExprKind::Literal(literal) => match &literal.value {
                            LiteralValue::String(string) => string.as_plain_str(),
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
                // No alarm has an empty name: the rule would watch nothing.
                if name.trim().is_empty() {
                    self.diagnostics.push(
                        Diagnostic::error(Code::INVALID_ALARM_EXPRESSION, "`ALARM` names no alarm")
                            .primary(file, expr.span, "an empty alarm name")
                            .help(
                                "name a CloudWatch alarm: `ALARM(\"OrdersApi_High_Fault_Rate\")`",
                            ),
                    );
                    return None;
                }
                // One allocation: a pipeline renders dozens of these.
                let mut text = String::with_capacity(name.len() + 9);
                text.push_str("ALARM(\"");
                if name.contains(['\\', '"']) {
                    for character in name.chars() {
                        if matches!(character, '\\' | '"') {
                            text.push('\\');
                        }
                        text.push(character);
                    }
                } else {
                    text.push_str(&name);
                }
                text.push_str("\")");
                Some((text, Precedence::Atom))
            }
            ExprKind::Path(path) => self.reference(path, expr, file, walk),
            // Already reported where it was read.
            ExprKind::Invalid => None,
            ExprKind::Or(operands) => self.nested(walk, file, expr.span, |this, walk| {
                this.join(operands, " OR ", Precedence::Or, file, walk)
            }),
            ExprKind::And(operands) => self.nested(walk, file, expr.span, |this, walk| {
                this.join(operands, " AND ", Precedence::And, file, walk)
            }),
            ExprKind::Not(inner) => self.nested(walk, file, expr.span, |this, walk| {
                this.negate(inner, file, walk)
            }),
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

    /// `render`, one operator deeper in the expression being written out;
    /// past [`MAX_EXPANDED_NESTING`], `None`, reported once.
    fn nested(
        &mut self,
        walk: &mut Walk,
        file: FileId,
        span: Span,
        render: impl FnOnce(&mut Self, &mut Walk) -> Option<(String, Precedence)>,
    ) -> Option<(String, Precedence)> {
        if walk.nesting >= MAX_EXPANDED_NESTING {
            walk.too_nested = true;
            // Blamed on the alarm written out, not on the operator deep
            // inside another alarm where the count ran out.
            let at = walk
                .stack
                .first()
                .map(|&(_, file, span)| (file, span))
                .or(walk.root)
                .unwrap_or((file, span));
            if !self.reported_too_deep {
                self.reported_too_deep = true;
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::NESTING_TOO_DEEP,
                        format!(
                            "written out in full, this alarm nests more than {MAX_EXPANDED_NESTING} operators deep"
                        ),
                    )
                    .primary(at.0, at.1, format!("more than {MAX_EXPANDED_NESTING} operators down, counting the alarms it names"))
                    .help("name fewer alarms inside each other, or combine them in CloudWatch and name the composite alarm with `ALARM(\"...\")`"),
                );
            }
            return None;
        }
        walk.nesting += 1;
        let rendered = render(self, walk);
        walk.nesting -= 1;
        rendered
    }

    /// `not` over `inner`: a run of `not`s is rendered in one step, not one
    /// call each, the operand once and then a `NOT ` for each.
    fn negate(
        &mut self,
        inner: &Expr,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        let mut nots = 1;
        let mut operand = inner;
        while let ExprKind::Not(deeper) = &operand.kind {
            nots += 1;
            operand = deeper;
        }
        walk.floor += 4 * nots;
        let rendered = self.render_in(operand, file, walk);
        walk.floor -= 4 * nots;
        let (text, precedence) = rendered?;
        let mut out = "NOT ".repeat(nots);
        if precedence == Precedence::Atom {
            out.push_str(&text);
        } else {
            out.push('(');
            out.push_str(&text);
            out.push(')');
        }
        Some((out, Precedence::Atom))
    }

    fn join(
        &mut self,
        operands: &[Expr],
        separator: &str,
        own: Precedence,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        // Every operand is rendered, so that each problem is reported,
        // until the text is too long to be an alarm rule.
        // Joined as they come: the text is only used if none fails.
        let mut joined = String::new();
        let mut failed = false;
        // Beside each operand, the others add at least their separators
        // and an alarm each.
        let beside = operands.len().saturating_sub(1) * (separator.len() + SHORTEST_ALARM);
        for operand in operands {
            walk.floor += beside;
            let rendered = self.render_in(operand, file, walk);
            walk.floor -= beside;
            match rendered {
                Some((text, precedence)) => {
                    if !joined.is_empty() {
                        joined.push_str(separator);
                    }
                    // An operand of the other operator is parenthesised
                    // whichever binds tighter: CloudWatch's rule syntax
                    // states no precedence of `AND` over `OR`.
                    if precedence != Precedence::Atom && precedence != own {
                        joined.push('(');
                        joined.push_str(&text);
                        joined.push(')');
                    } else {
                        joined.push_str(&text);
                    }
                }
                None => failed = true,
            }
            // The text so far, separators and parentheses counted as
            // written: a rule of exactly the limit is a rule.
            if joined.len() > MAX_RULE_LENGTH {
                walk.overflow(file, operand.span);
            }
            if walk.too_long.is_some() {
                return None;
            }
        }
        (!failed).then_some((joined, own))
    }

    /// Renders the expression of the alarm named `dotted`, written in
    /// `file`, in place of the name; once only, if it fails.
    fn expand(
        &mut self,
        dotted: String,
        value: &Expr,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        if walk.failed.contains(&(file, value.span)) {
            return None;
        }
        let cycles = walk.cycles;
        walk.stack.push((dotted, file, value.span));
        walk.entry_floors.push(walk.floor);
        let rendered = self.render_in(value, file, walk);
        walk.stack.pop();
        walk.entry_floors.pop();
        if rendered.is_none() && walk.cycles == cycles {
            walk.failed.insert((file, value.span));
        }
        rendered
    }

    /// Reports (once) a reference, at `span` in `file`, that would expand
    /// past [`MAX_ALARM_DEPTH`].
    fn too_deep(&mut self, file: FileId, span: Span, walk: &Walk) {
        if std::mem::replace(&mut self.reported_too_deep, true) {
            return;
        }
        let mut diagnostic = Diagnostic::error(
            Code::NESTING_TOO_DEEP,
            format!("alarms name alarms more than {MAX_ALARM_DEPTH} deep"),
        )
        .primary(
            file,
            span,
            format!("more than {MAX_ALARM_DEPTH} references down"),
        );
        if let Some(&(ref name, top_file, top_span)) = walk.stack.first() {
            diagnostic =
                diagnostic.secondary(top_file, top_span, format!("expanding alarm `{name}`"));
        }
        self.diagnostics.push(
            diagnostic
                .note("each alarm an expression names is written out in full, and so are the alarms it names")
                .help("name the alarms further down directly, or combine them in CloudWatch and name the composite alarm with `ALARM(\"...\")`"),
        );
    }

    fn reference(
        &mut self,
        path: &crate::syntax::ast::Path,
        expr: &Expr,
        file: FileId,
        walk: &mut Walk,
    ) -> Option<(String, Precedence)> {
        let dotted = path.to_dotted();
        if walk.stack.iter().any(|(name, _, _)| *name == dotted) {
            walk.cycles += 1;
            let mut cycle: Vec<String> =
                walk.stack.iter().map(|(name, _, _)| name.clone()).collect();
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
        if walk.stack.len() > MAX_ALARM_DEPTH {
            self.too_deep(file, expr.span, walk);
            return None;
        }
        // A pipeline's own (or inherited) alarm member comes first.
        if path.segments.len() == 1
            && let Some(member) = self.pipeline.get(&Key::Named("alarm", &dotted))
        {
            let (alarm_member, alarm_file) = member.base?;
            let MemberKind::Alarm(alarm) = &alarm_member.kind else {
                return None;
            };
            let value = alarm.value.as_ref()?;
            return self.expand(dotted, value, alarm_file, walk);
        }
        match self.scopes.resolve(file, path, &[DeclKind::Alarm]) {
            Ok((decl, _)) => {
                let item = self.scopes.item(decl)?;
                let ItemKind::Alarm(alarm) = &item.kind else {
                    return None;
                };
                let value = alarm.value.as_ref()?;
                self.expand(dotted, value, decl.file, walk)
            }
            Err(unresolved) => {
                let mut diagnostic = *unresolved.diagnostic;
                if diagnostic.code == Code::UNKNOWN_NAME && path.segments.len() == 1 {
                    let members: Vec<&str> = self
                        .pipeline
                        .members
                        .iter()
                        .filter_map(|(key, _)| match key {
                            Key::Named("alarm", name) => Some(*name),
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
