//! The layout: walks the syntax tree to decide where lines break and how
//! deep they are indented, and hands every token to the printer in source
//! order. The rules are listed in `docs/language.md`, section Formatting.
//!
//! A construct is laid out over several lines exactly when the author wrote
//! it over several lines (a comment inside it counts, since a comment ends
//! its line); line length never decides. So a block written on one line
//! stays a one-line row, and one written over several gets one member per
//! line. That makes the layout a function of the tree and of which
//! constructs span lines, which is what makes formatting idempotent.

use super::printer::{AlignClass, AlignMark, Line, LineKind, Printer};
use super::tokens::Lexed;
use crate::source::Span;
use crate::syntax::ast::*;
use std::collections::BTreeSet;

/// Spaces per level of indentation.
const INDENT: usize = 2;

/// Lays out a parsed file. `lexed` is `source` lexed.
pub(super) fn layout(source: &str, file: &File, lexed: &Lexed) -> Vec<Line> {
    let (glued_parens, spaced_colons) = spacing_marks(file, source, lexed);
    let mut layout = Layout {
        source,
        printer: Printer::new(source, lexed, glued_parens, spaced_colons),
        lexed,
        min_column: INDENT,
    };
    let mut placed: Vec<ItemLines> = Vec::new();
    for item in &file.items {
        placed.push(layout.item(item));
    }
    layout.printer.emit_until(source.len());
    let mut lines = layout.printer.finish();
    // Exactly one blank line around a declaration whose body spans lines.
    let mut blanks = BTreeSet::new();
    for pair in placed.windows(2) {
        if let [before, after] = pair
            && (before.multi_line_body || after.multi_line_body)
        {
            blanks.insert(after.first_line);
        }
    }
    insert_blank_lines(&mut lines, &blanks);
    lines
}

/// Inserts a blank line before each line in `indexes`, unless one is
/// there already.
fn insert_blank_lines(lines: &mut Vec<Line>, indexes: &BTreeSet<usize>) {
    let mut out = Vec::with_capacity(lines.len() + indexes.len());
    for (idx, line) in std::mem::take(lines).into_iter().enumerate() {
        let previous_is_blank = out
            .last()
            .is_none_or(|last: &Line| last.kind == LineKind::Blank);
        if indexes.contains(&idx) && !previous_is_blank {
            out.push(Line::blank());
        }
        out.push(line);
    }
    *lines = out;
}

/// Where a top-level declaration landed.
struct ItemLines {
    /// Its first line, leading comments included.
    first_line: usize,
    /// Whether it has a body (`{ ... }`) that spans several lines.
    multi_line_body: bool,
}

/// A part of a construct that has a layout of its own.
enum Child<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
}

impl Child<'_> {
    fn start(&self) -> usize {
        match self {
            Child::Expr(expr) => expr.span.start(),
            Child::Block(block) => block.span.start(),
        }
    }
}

struct Layout<'s> {
    source: &'s str,
    printer: Printer<'s>,
    lexed: &'s Lexed,
    /// The leftmost column a broken chain's operator may take: one level
    /// deeper than the member it is in.
    min_column: usize,
}

impl Layout<'_> {
    fn spans_lines(&self, span: Span) -> bool {
        self.source
            .get(span.start()..span.end())
            .is_some_and(|text| text.contains('\n'))
    }

    /// Whether a comment starts inside `span` (comments are in order).
    fn has_comment_inside(&self, span: Span) -> bool {
        let first_after = self
            .lexed
            .comments
            .partition_point(|comment| comment.start <= span.start());
        self.lexed
            .comments
            .get(first_after)
            .is_some_and(|comment| comment.start < span.end())
    }

    fn item(&mut self, item: &Item) -> ItemLines {
        self.printer.skip_semicolons();
        let first = self.printer.cursor;
        let blank = self
            .lexed
            .tokens
            .get(first)
            .map(|token| {
                token
                    .leading
                    .first()
                    .and_then(|&comment| self.lexed.comments.get(comment))
                    .map_or(token.blank_before, |comment| comment.blank_before)
            })
            .unwrap_or(false);
        self.printer.start_line(0, blank);
        let first_line = self.printer.line_index();
        self.printer.place_next();
        let code_line = self
            .printer
            .placement(first)
            .map_or(first_line, |placement| placement.line);
        self.printer.cont = INDENT;
        self.min_column = INDENT;
        let children = match &item.kind {
            ItemKind::Import(_) => Vec::new(),
            ItemKind::Alarm(alarm) => alarm.value.iter().map(Child::Expr).collect(),
            ItemKind::Registry(decl)
            | ItemKind::Calendar(decl)
            | ItemKind::Window(decl)
            | ItemKind::Template(decl)
            | ItemKind::Pipeline(decl)
            | ItemKind::Policy(decl) => vec![Child::Block(&decl.body)],
        };
        self.sequence(item.span.end(), children, 0);
        let has_body = !matches!(item.kind, ItemKind::Import(_) | ItemKind::Alarm(_));
        ItemLines {
            first_line,
            multi_line_body: has_body && self.printer.line_index() > code_line,
        }
    }

    /// Lays out `children` in order, with the tokens around them, up to
    /// byte `end`. Blocks among them belong to a member at `indent`.
    fn sequence(&mut self, end: usize, children: Vec<Child<'_>>, indent: usize) {
        for child in children {
            self.printer.emit_until(child.start());
            match child {
                Child::Expr(expr) => self.expr(expr),
                Child::Block(block) => self.block(block, indent),
            }
        }
        self.printer.emit_until(end);
    }

    /// A member: on a line of its own at `indent` in a block laid out over
    /// several lines (`own_line`), or inline in a one-line block.
    fn member(&mut self, member: &Member, indent: usize, own_line: bool) {
        self.printer.skip_semicolons();
        let first = self.printer.cursor;
        if own_line {
            self.printer.cont = indent;
            self.printer.break_line();
        }
        self.printer.place_next();
        let saved_min = self.min_column;
        if own_line {
            self.printer.cont = indent + INDENT;
            self.min_column = indent + INDENT;
        }
        self.sequence(member.span.end(), member_children(&member.kind), indent);
        self.min_column = saved_min;
        if !own_line {
            return;
        }
        // A member that stayed on one line may line up with its neighbours.
        let Some((class, head)) = align_head(member) else {
            return;
        };
        let head_idx = self.printer.token_at(head);
        let line = self.printer.line_index();
        if let (Some(start), Some(head)) = (
            self.printer.placement(first),
            self.printer.placement(head_idx),
        ) && start.line == line
            && head.line == line
        {
            self.printer.set_align(AlignMark {
                class,
                at: head.end,
            });
        }
    }

    /// A block of a member at `indent`.
    fn block(&mut self, block: &Block, indent: usize) {
        let saved_cont = self.printer.cont;
        self.block_lines(block, indent);
        self.printer.cont = saved_cont;
    }

    fn block_lines(&mut self, block: &Block, indent: usize) {
        let close = self.printer.token_at(block.span.end().saturating_sub(1));
        let has_comments = self.has_comment_inside(block.span);
        self.printer.cont = indent;
        if block.members.is_empty() && !has_comments {
            self.printer.place_next();
            self.printer.emit_until(block.span.end());
            return;
        }
        if !self.spans_lines(block.span) {
            self.printer.place_next();
            for (idx, member) in block.members.iter().enumerate() {
                if idx > 0 {
                    self.printer.glue(";");
                }
                self.member(member, indent, false);
            }
            self.printer.emit_until(block.span.end());
            return;
        }
        self.printer.place_next();
        let saved_min = self.min_column;
        for member in &block.members {
            self.member(member, indent + INDENT, true);
        }
        self.min_column = saved_min;
        self.printer
            .emit_until(self.lexed.tokens.get(close).map_or(0, |token| token.start));
        self.printer.skip_semicolons();
        self.printer.cont = indent + INDENT;
        self.printer.lead_comments(close);
        self.printer.cont = indent;
        self.printer.break_line();
        self.printer.emit_until(block.span.end());
    }

    fn expr(&mut self, expr: &Expr) {
        if !self.spans_lines(expr.span) {
            self.printer.emit_until(expr.span.end());
            return;
        }
        match &expr.kind {
            ExprKind::Or(operands) | ExprKind::And(operands) => {
                self.chain(expr, operands.iter().collect());
            }
            ExprKind::SetOps { first, rest } => {
                let mut operands = vec![first.as_ref()];
                operands.extend(rest.iter().map(|(_, operand)| operand));
                self.chain(expr, operands);
            }
            ExprKind::List(items) => self.broken_list(expr, None, items.iter().collect()),
            ExprKind::Call { callee, args } => {
                self.broken_list(
                    expr,
                    Some(callee),
                    args.iter().map(|arg| &arg.value).collect(),
                );
            }
            ExprKind::Not(operand) => {
                self.sequence(expr.span.end(), vec![Child::Expr(operand)], 0);
            }
            ExprKind::Compare { lhs, rhs, .. } => {
                self.sequence(expr.span.end(), vec![Child::Expr(lhs), Child::Expr(rhs)], 0);
            }
            ExprKind::Postfix { base, ops } => {
                let mut children = vec![Child::Expr(base.as_ref())];
                children.extend(ops.iter().filter_map(|op| match op {
                    PostfixOp::Where(condition) => Some(Child::Expr(condition)),
                    PostfixOp::Take(_) => None,
                }));
                self.sequence(expr.span.end(), children, 0);
            }
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Rest | ExprKind::Invalid => {
                self.printer.emit_until(expr.span.end());
            }
        }
    }

    /// An `or`/`and`/set-operation chain written over several lines: one
    /// operand per line, each operator at the start of its line, right
    /// aligned so that the operands line up with the first one.
    fn chain(&mut self, expr: &Expr, operands: Vec<&Expr>) {
        let Some((first, rest)) = operands.split_first() else {
            self.printer.emit_until(expr.span.end());
            return;
        };
        let saved_cont = self.printer.cont;
        let start_idx = self.printer.token_at(expr.span.start());
        self.printer.emit_until(first.span.start());
        self.expr(first);
        let column = self
            .printer
            .placement(start_idx)
            .map_or(saved_cont, |placement| placement.column);
        for operand in rest {
            let operator = (self.printer.cursor..)
                .take_while(|&idx| {
                    self.lexed
                        .tokens
                        .get(idx)
                        .is_some_and(|token| token.start < operand.span.start())
                })
                .find(|&idx| {
                    matches!(
                        self.printer.text(idx),
                        "or" | "and" | "union" | "intersect" | "minus"
                    )
                });
            if let Some(operator) = operator {
                let start = self
                    .lexed
                    .tokens
                    .get(operator)
                    .map_or(0, |token| token.start);
                self.printer.emit_until(start);
                let width = self.printer.text(operator).len() + 1;
                self.printer.cont = if column >= self.min_column + width {
                    column - width
                } else {
                    column
                };
                self.printer.break_line();
                self.printer.place_next();
            }
            self.printer.cont = column;
            self.printer.emit_until(operand.span.start());
            self.expr(operand);
        }
        self.printer.cont = saved_cont;
        self.printer.emit_until(expr.span.end());
    }

    /// A list or a call's arguments written over several lines: one item
    /// per line, one level deeper than the line that opens it, each
    /// followed by a comma; the closer on a line of its own.
    fn broken_list(&mut self, expr: &Expr, callee: Option<&Path>, items: Vec<&Expr>) {
        if let Some(callee) = callee {
            self.printer.emit_until(callee.span.end());
        }
        let close = self.printer.token_at(expr.span.end().saturating_sub(1));
        let has_comments = self.has_comment_inside(expr.span);
        if items.is_empty() && !has_comments {
            self.printer.emit_until(expr.span.end());
            return;
        }
        let saved_cont = self.printer.cont;
        self.printer.place_next();
        let line_indent = self.printer.current_indent();
        let item_column = line_indent + INDENT;
        let saved_min = self.min_column;
        self.min_column = item_column;
        for item in items {
            self.printer.skip_separators();
            self.printer.cont = item_column;
            self.printer.break_line();
            let item_end = self.item_end(self.printer.cursor, close);
            self.printer.emit_until(item.span.start());
            self.expr(item);
            self.printer.emit_until(item_end);
            self.printer.glue(",");
        }
        self.min_column = saved_min;
        self.printer.skip_separators();
        self.printer.cont = item_column;
        self.printer.lead_comments(close);
        self.printer.cont = line_indent;
        self.printer.break_line();
        self.printer.emit_until(expr.span.end());
        self.printer.cont = saved_cont;
    }

    /// The byte where the list item starting at token `from` ends: at the
    /// first `,` outside brackets, or at the list's closer `close`.
    fn item_end(&self, from: usize, close: usize) -> usize {
        let mut depth = 0usize;
        for idx in from..close {
            match self.printer.text(idx) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "," if depth == 0 => {
                    return self.lexed.tokens.get(idx).map_or(0, |token| token.start);
                }
                _ => {}
            }
        }
        self.lexed.tokens.get(close).map_or(0, |token| token.start)
    }
}

/// The parts of a member that have layouts of their own, in source order.
fn member_children(kind: &MemberKind) -> Vec<Child<'_>> {
    let mut children = Vec::new();
    match kind {
        MemberKind::FieldDecl { value, .. } => children.extend(value.iter().map(Child::Expr)),
        MemberKind::FieldAssign { value, .. }
        | MemberKind::Floor { value, .. }
        | MemberKind::Env { value, .. }
        | MemberKind::Rollback { alarm: value }
        | MemberKind::Require { requirement: value }
        | MemberKind::WaitFor { metric: value, .. }
        | MemberKind::Exclude { regions: value, .. }
        | MemberKind::TrafficLimit { share: value } => children.push(Child::Expr(value)),
        MemberKind::Alarm(alarm) => children.extend(alarm.value.iter().map(Child::Expr)),
        MemberKind::Source { origin, body, .. } => {
            children.push(Child::Expr(origin));
            children.extend(body.iter().map(Child::Block));
        }
        MemberKind::BlockOn { blockers } => {
            children.extend(blockers.iter().map(|blocker| Child::Expr(&blocker.alarm)));
        }
        MemberKind::Build { body, .. }
        | MemberKind::Onebox { body }
        | MemberKind::Test { body, .. }
        | MemberKind::Deploy { body, .. }
        | MemberKind::Scope { body, .. }
        | MemberKind::Region { body, .. } => children.extend(body.iter().map(Child::Block)),
        MemberKind::Stage { body, .. }
        | MemberKind::Production { body }
        | MemberKind::Wave { body, .. }
        | MemberKind::Profile { body, .. }
        | MemberKind::Exempt { body, .. }
        | MemberKind::Under { body, .. }
        | MemberKind::WindowUse(WindowUse::Inline(body)) => children.push(Child::Block(body)),
        MemberKind::BlockArtifact(_)
        | MemberKind::WindowUse(WindowUse::Named { .. })
        | MemberKind::ProfileWindow { .. }
        | MemberKind::BakeScale { .. }
        | MemberKind::Holiday { .. }
        | MemberKind::Include { .. }
        | MemberKind::Level { .. }
        | MemberKind::Remove { .. } => {}
    }
    children
}

/// The alignment class of a member, and where its head's last token
/// starts.
fn align_head(member: &Member) -> Option<(AlignClass, usize)> {
    match &member.kind {
        MemberKind::FieldAssign { name, .. } | MemberKind::FieldDecl { name, .. } => {
            Some((AlignClass::Field, name.span.start()))
        }
        MemberKind::Level { .. } => {
            let after_modifiers = member
                .modifiers
                .last()
                .map_or(member.span.start(), |modifier| modifier.span.end());
            Some((AlignClass::Level, after_modifiers))
        }
        MemberKind::Wave { name, .. } | MemberKind::Stage { name, .. } => Some((
            AlignClass::NamedBody(member.kind.describe()),
            name.span.start(),
        )),
        MemberKind::Region {
            name,
            body: Some(_),
        }
        | MemberKind::Test {
            name,
            body: Some(_),
        } => Some((
            AlignClass::NamedBody(member.kind.describe()),
            name.span.start(),
        )),
        _ => None,
    }
}

/// The tokens spacing treats specially: the `(` after a call's name, and
/// the `:` of a field declaration.
fn spacing_marks(file: &File, source: &str, lexed: &Lexed) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let mut marks = Marks {
        source,
        lexed,
        glued_parens: BTreeSet::new(),
        spaced_colons: BTreeSet::new(),
    };
    for item in &file.items {
        match &item.kind {
            ItemKind::Import(_) => {}
            ItemKind::Alarm(alarm) => {
                if let Some(value) = &alarm.value {
                    marks.expr(value);
                }
            }
            ItemKind::Registry(decl)
            | ItemKind::Calendar(decl)
            | ItemKind::Window(decl)
            | ItemKind::Template(decl)
            | ItemKind::Pipeline(decl)
            | ItemKind::Policy(decl) => marks.block(&decl.body),
        }
    }
    (marks.glued_parens, marks.spaced_colons)
}

struct Marks<'s> {
    source: &'s str,
    lexed: &'s Lexed,
    glued_parens: BTreeSet<usize>,
    spaced_colons: BTreeSet<usize>,
}

impl Marks<'_> {
    /// The index of the first token at or after byte `offset` whose text
    /// is `text`.
    fn find(&self, offset: usize, text: &str) -> Option<usize> {
        let from = self
            .lexed
            .tokens
            .partition_point(|token| token.start < offset);
        (from..self.lexed.tokens.len()).find(|&idx| {
            self.lexed
                .tokens
                .get(idx)
                .is_some_and(|token| token.text(self.source) == text)
        })
    }

    fn block(&mut self, block: &Block) {
        for member in &block.members {
            if let MemberKind::FieldDecl { name, .. } = &member.kind
                && let Some(colon) = self.find(name.span.end(), ":")
            {
                self.spaced_colons.insert(colon);
            }
            for child in member_children(&member.kind) {
                match child {
                    Child::Expr(expr) => self.expr(expr),
                    Child::Block(block) => self.block(block),
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Call { callee, args } => {
                if let Some(paren) = self.find(callee.span.end(), "(") {
                    self.glued_parens.insert(paren);
                }
                for arg in args {
                    self.expr(&arg.value);
                }
            }
            ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Not(operand) => self.expr(operand),
            ExprKind::Compare { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::SetOps { first, rest } => {
                self.expr(first);
                for (_, operand) in rest {
                    self.expr(operand);
                }
            }
            ExprKind::Postfix { base, ops } => {
                self.expr(base);
                for op in ops {
                    if let PostfixOp::Where(condition) = op {
                        self.expr(condition);
                    }
                }
            }
            ExprKind::Literal(_) | ExprKind::Path(_) | ExprKind::Rest | ExprKind::Invalid => {}
        }
    }
}
