//! Expressions and `where` conditions, from `or` down to a primary.

use super::{Reader, literal_expr, path_expr};
use crate::syntax::ast::*;
use crate::syntax::scan::MAX_NESTING;

impl Reader<'_> {
    /// `expr = or_expr`: a chain of `and_expr` joined by `or`.
    pub(super) fn expr(&mut self) -> Option<Expr> {
        self.chain("or", Self::and_expr, ExprKind::Or)
    }

    pub(super) fn and_expr(&mut self) -> Option<Expr> {
        self.chain("and", Self::not_expr, ExprKind::And)
    }

    /// `operand ~ (kw_<joiner> ~ operand)*`: one operand is itself, more
    /// are a node spanning them.
    pub(super) fn chain(
        &mut self,
        joiner: &str,
        mut operand: impl FnMut(&mut Self) -> Option<Expr>,
        build: fn(Vec<Expr>) -> ExprKind,
    ) -> Option<Expr> {
        let start = self.pos;
        let first = operand(self)?;
        let mut next = |this: &mut Self| {
            this.optional(|this| {
                this.then_keyword(joiner)?;
                operand(this)
            })
        };
        // Most expressions are one operand: the list is made only for two
        // (every expression passes through `or` and `and`).
        let Some(second) = next(self) else {
            return Some(first);
        };
        let mut operands = vec![first, second];
        while let Some(more) = next(self) {
            operands.push(more);
        }
        Some(Expr {
            kind: build(super::exact(operands)),
            span: self.span(start, self.pos),
        })
    }

    /// `kw_not* ~ inner`: each `not` wraps the operand in a node with the
    /// whole rule's span.
    pub(super) fn nots(&mut self, inner: impl FnOnce(&mut Self) -> Option<Expr>) -> Option<Expr> {
        let start = self.pos;
        let mut count = 0usize;
        while self.keyword("not") {
            count += 1;
            self.skip();
        }
        let mut expr = inner(self)?;
        if count > MAX_NESTING {
            self.gave_up = true;
            return None;
        }
        let span = self.span(start, self.pos);
        for _ in 0..count {
            expr = Expr {
                kind: ExprKind::Not(Box::new(expr)),
                span,
            };
        }
        Some(expr)
    }

    pub(super) fn not_expr(&mut self) -> Option<Expr> {
        self.nots(Self::set_expr)
    }

    /// `postfix_expr ~ (set_op ~ postfix_expr)*`.
    pub(super) fn set_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        let first = self.postfix_expr()?;
        let mut rest = Vec::new();
        while let Some(next) = self.optional(|this| {
            let op = [
                ("union", SetOp::Union),
                ("intersect", SetOp::Intersect),
                ("minus", SetOp::Minus),
            ]
            .into_iter()
            .find(|(word, _)| this.keyword(word))?
            .1;
            this.skip();
            Some((op, this.postfix_expr()?))
        }) {
            rest.push(next);
        }
        if rest.is_empty() {
            return Some(first);
        }
        Some(Expr {
            kind: ExprKind::SetOps {
                first: Box::new(first),
                rest: super::exact(rest),
            },
            span: self.span(start, self.pos),
        })
    }

    /// `primary ~ (where_clause | take_clause)*`.
    pub(super) fn postfix_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        let base = self.primary()?;
        let mut ops = Vec::new();
        while let Some(op) = self.optional(|this| {
            if this.keyword("where") {
                this.skip();
                this.condition().map(PostfixOp::Where)
            } else if this.keyword("take") {
                this.skip();
                this.quantity().map(PostfixOp::Take)
            } else {
                None
            }
        }) {
            ops.push(op);
        }
        if ops.is_empty() {
            return Some(base);
        }
        Some(Expr {
            kind: ExprKind::Postfix {
                base: Box::new(base),
                ops: super::exact(ops),
            },
            span: self.span(start, self.pos),
        })
    }

    /// `cond_and ~ (kw_or ~ cond_and)*`.
    pub(super) fn condition(&mut self) -> Option<Expr> {
        self.chain("or", Self::cond_and, ExprKind::Or)
    }

    pub(super) fn cond_and(&mut self) -> Option<Expr> {
        self.chain("and", Self::cond_not, ExprKind::And)
    }

    /// `kw_not* ~ ("(" ~ condition ~ ")" | comparison)`.
    pub(super) fn cond_not(&mut self) -> Option<Expr> {
        self.nots(|this| {
            let parenthesized = this.attempt(|this| {
                if !this.eat("(") {
                    return None;
                }
                this.skip();
                let inner = this.condition()?;
                this.skip();
                this.eat(")").then_some(inner)
            });
            match parenthesized {
                Some(inner) => Some(inner),
                None => this.comparison(),
            }
        })
    }

    /// `operand ~ (compare_op ~ operand)?`, with `operand = literal | list
    /// | path`.
    pub(super) fn comparison(&mut self) -> Option<Expr> {
        let start = self.pos;
        let lhs = self.operand()?;
        let rest = self.optional(|this| {
            let op = if this.eat("==") {
                CompareOp::Eq
            } else if this.eat("!=") {
                CompareOp::Ne
            } else if this.keyword("in") {
                CompareOp::In
            } else {
                return None;
            };
            this.skip();
            Some((op, this.operand()?))
        });
        let Some((op, rhs)) = rest else {
            return Some(lhs);
        };
        Some(Expr {
            kind: ExprKind::Compare {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span: self.span(start, self.pos),
        })
    }

    pub(super) fn operand(&mut self) -> Option<Expr> {
        if let Some(literal) = self.attempt(Self::literal) {
            return Some(literal_expr(literal));
        }
        if let Some(list) = self.attempt(Self::list) {
            return Some(list);
        }
        let path = self.path()?;
        Some(path_expr(path))
    }

    /// `literal | list | call | kw_rest | path | paren`.
    pub(super) fn primary(&mut self) -> Option<Expr> {
        if let Some(literal) = self.attempt(Self::literal) {
            return Some(literal_expr(literal));
        }
        if let Some(list) = self.attempt(Self::list) {
            return Some(list);
        }
        // `call | kw_rest | path`: a call's callee is a path, read once
        // for both (most names are not calls).
        let start = self.pos;
        if let Some(callee) = self.attempt(Self::path) {
            if let Some(args) = self.attempt(Self::call_args) {
                return Some(Expr {
                    kind: ExprKind::Call { callee, args },
                    span: self.span(start, self.pos),
                });
            }
            let after = self.pos;
            self.pos = start;
            if self.keyword("rest") {
                return Some(Expr {
                    kind: ExprKind::Rest,
                    span: self.span(start, self.pos),
                });
            }
            self.pos = after;
            return Some(path_expr(callee));
        }
        if self.keyword("rest") {
            return Some(Expr {
                kind: ExprKind::Rest,
                span: self.span(start, self.pos),
            });
        }
        // `paren`: the expression inside, with its own span.
        if !self.eat("(") {
            return None;
        }
        self.skip();
        let inner = self.expr()?;
        self.skip();
        self.eat(")").then_some(inner)
    }

    /// `"[" ~ (expr ~ ("," ~ expr)* ~ ","?)? ~ "]"`.
    pub(super) fn list(&mut self) -> Option<Expr> {
        let start = self.pos;
        if !self.eat("[") {
            return None;
        }
        let items = self.comma_list(Self::expr);
        self.skip();
        if !self.eat("]") {
            return None;
        }
        Some(Expr {
            kind: ExprKind::List(items),
            span: self.span(start, self.pos),
        })
    }

    /// After an opening bracket: `~ (item ~ ("," ~ item)* ~ ","?)?`.
    pub(super) fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Vec<T> {
        let mut items = Vec::new();
        let Some(first) = self.optional(&mut item) else {
            return items;
        };
        items.push(first);
        self.repeat_after(",", item, &mut items);
        self.optional(|this| this.eat(",").then_some(()));
        super::exact(items)
    }

    /// A call after its callee: `~ "(" ~ (arg ~ ("," ~ arg)* ~ ","?)? ~ ")"`.
    pub(super) fn call_args(&mut self) -> Option<Vec<Arg>> {
        self.skip();
        if !self.eat("(") {
            return None;
        }
        let args = self.comma_list(Self::arg);
        self.skip();
        self.eat(")").then_some(args)
    }

    /// `(ident ~ ":")? ~ expr`.
    pub(super) fn arg(&mut self) -> Option<Arg> {
        let name = self.attempt(|this| {
            let name = this.ident()?;
            this.skip();
            this.eat(":").then_some(name)
        });
        if name.is_some() {
            self.skip();
        }
        Some(Arg {
            name,
            value: self.expr()?,
        })
    }
}
