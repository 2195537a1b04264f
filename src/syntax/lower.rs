//! Lowering pest's parse tree into the project's syntax tree: one function
//! per grammar rule. The grammar guarantees the shapes read here; where a
//! shape is missing anyway, the function returns `None` and the node is
//! dropped rather than panicking.

use super::ast::*;
use super::literal;
use super::parser::Rule;
use super::scan::MAX_NESTING;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::iterators::{Pair, Pairs};

/// Lowers the pairs of one chunk, whose text starts at `offset` in the file.
pub struct Lowerer<'t> {
    file: FileId,
    offset: usize,
    /// The whole file's text, for trimming spans.
    text: &'t str,
    /// `(end, start)` of every comment, sorted, for trimming spans.
    comment_ends: &'t [(usize, usize)],
    /// Problems found while lowering (bad literals, too many `not`s).
    pub diagnostics: Vec<Diagnostic>,
}

type P<'i> = Pair<'i, Rule>;

/// Whether a rule is a keyword token (`kw_*` in the grammar), which the
/// tree does not keep.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_import
            | Rule::kw_as
            | Rule::kw_registry
            | Rule::kw_calendar
            | Rule::kw_window
            | Rule::kw_template
            | Rule::kw_pipeline
            | Rule::kw_policy
            | Rule::kw_extends
            | Rule::kw_abstract
            | Rule::kw_final
            | Rule::kw_new
            | Rule::kw_alarm
            | Rule::kw_source
            | Rule::kw_build
            | Rule::kw_from
            | Rule::kw_stage
            | Rule::kw_production
            | Rule::kw_wave
            | Rule::kw_onebox
            | Rule::kw_test
            | Rule::kw_deploy
            | Rule::kw_profile
            | Rule::kw_rollback
            | Rule::kw_on
            | Rule::kw_block
            | Rule::kw_artifacts
            | Rule::kw_containing
            | Rule::kw_package
            | Rule::kw_git
            | Rule::kw_overridable
            | Rule::kw_require
            | Rule::kw_wait
            | Rule::kw_for
            | Rule::kw_by
            | Rule::kw_exclude
            | Rule::kw_because
            | Rule::kw_bake
            | Rule::kw_scale
            | Rule::kw_traffic
            | Rule::kw_region
            | Rule::kw_holiday
            | Rule::kw_include
            | Rule::kw_deny
            | Rule::kw_warn
            | Rule::kw_allow
            | Rule::kw_exempt
            | Rule::kw_floor
            | Rule::kw_under
            | Rule::kw_remove
            | Rule::kw_env
            | Rule::kw_or
            | Rule::kw_and
            | Rule::kw_not
            | Rule::kw_where
            | Rule::kw_take
            | Rule::kw_union
            | Rule::kw_intersect
            | Rule::kw_minus
            | Rule::kw_in
            | Rule::kw_rest
            | Rule::kw_true
            | Rule::kw_false
    )
}

/// The children of a pair without keyword tokens.
/// The comments of a file as (end, start) pairs sorted by end: what
/// [`Lowerer::span`] searches to trim comments off a span's end.
pub fn comment_ends(comments: &[Comment]) -> Vec<(usize, usize)> {
    let mut ends: Vec<(usize, usize)> = comments
        .iter()
        .map(|comment| (comment.span.end(), comment.span.start()))
        .collect();
    ends.sort_unstable();
    ends
}

fn parts(pair: P<'_>) -> impl Iterator<Item = P<'_>> {
    pair.into_inner()
        .filter(|child| !is_keyword(child.as_rule()))
}

impl<'t> Lowerer<'t> {
    /// A lowerer for a chunk of `file` that starts at byte `offset` of
    /// `text`, whose comments' ends are `comment_ends` (from
    /// [`comment_ends`], made once per file: one sort per chunk would make
    /// a file of n commented declarations cost n² log n).
    pub fn new(
        file: FileId,
        offset: usize,
        text: &'t str,
        comment_ends: &'t [(usize, usize)],
    ) -> Lowerer<'t> {
        Lowerer {
            file,
            offset,
            text,
            comment_ends,
            diagnostics: Vec::new(),
        }
    }

    /// The span of a pair in the file. A rule that ends in an optional part
    /// that is absent has swallowed the whitespace and comments before it;
    /// they are trimmed off, so labels end at the last token.
    fn span(&self, pair: &P<'_>) -> Span {
        let span = pair.as_span();
        let start = self.offset + span.start();
        let mut end = self.offset + span.end();
        let bytes = self.text.as_bytes();
        loop {
            while end > start && bytes.get(end - 1).is_some_and(u8::is_ascii_whitespace) {
                end -= 1;
            }
            // The comment the end falls in, if any: a comment's span runs
            // to the end of its line, spaces after its text included, so
            // the end left by trimming those spaces is inside it, not at
            // its end.
            let idx = self
                .comment_ends
                .partition_point(|&(comment_end, _)| comment_end < end);
            match self.comment_ends.get(idx) {
                Some(&(_, comment_start)) if comment_start >= start && comment_start < end => {
                    end = comment_start;
                }
                _ => break,
            }
        }
        Span::new(start, end)
    }

    fn invalid_literal(&mut self, span: Span, error: literal::LiteralError) {
        self.diagnostics.push(
            Diagnostic::error(Code::INVALID_LITERAL, error.message)
                .primary(self.file, span, error.label)
                .help(error.help),
        );
    }

    /// Lowers every item under an entry rule (`file` or `item_entry`).
    pub fn lower_entry(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in pairs.flat_map(|pair| pair.into_inner()) {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = self.lower_item(pair) {
                items.push(item);
            }
        }
        items
    }

    fn lower_item(&mut self, pair: P<'_>) -> Option<Item> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::import_decl => ItemKind::Import(self.lower_import(pair)?),
            Rule::registry_decl => ItemKind::Registry(self.lower_decl(pair)?),
            Rule::calendar_decl => ItemKind::Calendar(self.lower_decl(pair)?),
            Rule::window_decl => ItemKind::Window(self.lower_decl(pair)?),
            Rule::alarm_decl => ItemKind::Alarm(self.lower_alarm(pair)?),
            Rule::template_decl => ItemKind::Template(self.lower_decl(pair)?),
            Rule::pipeline_decl => ItemKind::Pipeline(self.lower_decl(pair)?),
            Rule::policy_decl => ItemKind::Policy(self.lower_decl(pair)?),
            _ => return None,
        };
        Some(Item { kind, span })
    }

    fn lower_import(&mut self, pair: P<'_>) -> Option<Import> {
        let mut inner = parts(pair);
        let path = self.lower_string(inner.next()?);
        let alias = inner.next().map(|pair| self.lower_ident(pair));
        Some(Import { path, alias })
    }

    fn lower_decl(&mut self, pair: P<'_>) -> Option<Decl> {
        let mut name = None;
        let mut extends = None;
        let mut body = None;
        for child in parts(pair) {
            match child.as_rule() {
                Rule::ident => name = Some(self.lower_ident(child)),
                Rule::extends_clause => {
                    extends = parts(child).next().map(|path| self.lower_path(path))
                }
                Rule::block => body = Some(self.lower_block(child)),
                _ => {}
            }
        }
        Some(Decl {
            name: name?,
            extends,
            body: body?,
        })
    }

    fn lower_alarm(&mut self, pair: P<'_>) -> Option<AlarmDecl> {
        let mut inner = parts(pair);
        let name = self.lower_ident(inner.next()?);
        let value = inner.next().map(|expr| self.lower_value(expr));
        Some(AlarmDecl { name, value })
    }

    fn lower_block(&mut self, pair: P<'_>) -> Block {
        let span = self.span(&pair);
        let members = parts(pair)
            .filter_map(|member| self.lower_member(member))
            .collect();
        Block { members, span }
    }

    fn lower_optional_block(&mut self, pair: Option<P<'_>>) -> Option<Block> {
        pair.filter(|pair| pair.as_rule() == Rule::block)
            .map(|pair| self.lower_block(pair))
    }

    fn lower_member(&mut self, pair: P<'_>) -> Option<Member> {
        let span = self.span(&pair);
        let mut modifiers = Vec::new();
        let mut kind = None;
        for child in pair.into_inner() {
            if child.as_rule() == Rule::modifier {
                let modifier_span = self.span(&child);
                let modifier_kind = match child.into_inner().next().map(|kw| kw.as_rule()) {
                    Some(Rule::kw_abstract) => ModifierKind::Abstract,
                    Some(Rule::kw_final) => ModifierKind::Final,
                    _ => ModifierKind::New,
                };
                modifiers.push(Modifier {
                    kind: modifier_kind,
                    span: modifier_span,
                });
            } else {
                kind = self.lower_member_kind(child);
            }
        }
        Some(Member {
            modifiers,
            kind: kind?,
            span,
        })
    }

    fn lower_member_kind(&mut self, pair: P<'_>) -> Option<MemberKind> {
        let rule = pair.as_rule();
        let overridable = pair
            .clone()
            .into_inner()
            .any(|child| child.as_rule() == Rule::kw_overridable);
        let mut inner = parts(pair);
        let kind = match rule {
            Rule::alarm_decl => {
                let name = self.lower_ident(inner.next()?);
                let value = inner.next().map(|expr| self.lower_value(expr));
                MemberKind::Alarm(AlarmDecl { name, value })
            }
            Rule::source_decl => MemberKind::Source {
                name: self.lower_ident(inner.next()?),
                origin: self.lower_value(inner.next()?),
                body: self.lower_optional_block(inner.next()),
            },
            Rule::build_decl => {
                let name = self.lower_ident(inner.next()?);
                let mut inputs = Vec::new();
                let mut body = None;
                for child in inner {
                    match child.as_rule() {
                        Rule::path => inputs.push(self.lower_path(child)),
                        Rule::block => body = Some(self.lower_block(child)),
                        _ => {}
                    }
                }
                MemberKind::Build { name, inputs, body }
            }
            Rule::stage_decl => MemberKind::Stage {
                name: self.lower_ident(inner.next()?),
                body: self.lower_block(inner.next()?),
            },
            Rule::production_decl => MemberKind::Production {
                body: self.lower_block(inner.next()?),
            },
            Rule::wave_decl => MemberKind::Wave {
                name: self.lower_ident(inner.next()?),
                body: self.lower_block(inner.next()?),
            },
            Rule::onebox_decl => MemberKind::Onebox {
                body: self.lower_optional_block(inner.next()),
            },
            Rule::test_decl => MemberKind::Test {
                name: self.lower_ident(inner.next()?),
                body: self.lower_optional_block(inner.next()),
            },
            Rule::deploy_decl => {
                let mut artifacts = Vec::new();
                let mut body = None;
                for child in inner {
                    match child.as_rule() {
                        Rule::path => artifacts.push(self.lower_path(child)),
                        Rule::block => body = Some(self.lower_block(child)),
                        _ => {}
                    }
                }
                MemberKind::Deploy { artifacts, body }
            }
            Rule::profile_decl => MemberKind::Profile {
                name: self.lower_ident(inner.next()?),
                body: self.lower_block(inner.next()?),
            },
            Rule::rollback_stmt => MemberKind::Rollback {
                alarm: self.lower_value(inner.next()?),
            },
            Rule::block_stmt => self.lower_block_stmt(inner.next()?)?,
            Rule::window_member => {
                let first = inner.next()?;
                if first.as_rule() == Rule::block {
                    MemberKind::WindowUse(WindowUse::Inline(self.lower_block(first)))
                } else {
                    let window = self.lower_path(first);
                    match inner.next() {
                        Some(profile) => MemberKind::ProfileWindow {
                            window,
                            overridable,
                            profile: self.lower_ident(profile),
                        },
                        None => MemberKind::WindowUse(WindowUse::Named {
                            window,
                            overridable,
                        }),
                    }
                }
            }
            Rule::require_stmt => MemberKind::Require {
                requirement: self.lower_value(inner.next()?),
            },
            Rule::wait_stmt => MemberKind::WaitFor {
                count: self.lower_literal_pair(inner.next()?)?,
                metric: self.lower_value(inner.next()?),
            },
            Rule::scope_stmt => MemberKind::Scope {
                unit: self.lower_ident(inner.next()?),
                body: self.lower_optional_block(inner.next()),
            },
            Rule::exclude_stmt => MemberKind::Exclude {
                regions: self.lower_value(inner.next()?),
                reason: self.lower_string(inner.next()?),
            },
            Rule::bake_scale_stmt => MemberKind::BakeScale {
                factor: self.lower_literal_pair(inner.next()?)?,
            },
            Rule::traffic_stmt => MemberKind::TrafficLimit {
                share: self.lower_value(inner.next()?),
            },
            Rule::region_decl => MemberKind::Region {
                name: self.lower_ident(inner.next()?),
                body: self.lower_optional_block(inner.next()),
            },
            Rule::holiday_stmt => MemberKind::Holiday {
                date: self.lower_literal_pair(inner.next()?)?,
                label: self.lower_string(inner.next()?),
            },
            Rule::include_stmt => MemberKind::Include {
                calendar: self.lower_path(inner.next()?),
            },
            Rule::level_stmt => {
                let level = match inner.next()?.into_inner().next()?.as_rule() {
                    Rule::kw_deny => PolicyLevel::Deny,
                    Rule::kw_warn => PolicyLevel::Warn,
                    _ => PolicyLevel::Allow,
                };
                let rules = inner.map(|ident| self.lower_ident(ident)).collect();
                MemberKind::Level { level, rules }
            }
            Rule::exempt_stmt => MemberKind::Exempt {
                pipeline: self.lower_path(inner.next()?),
                rule: self.lower_ident(inner.next()?),
                body: self.lower_block(inner.next()?),
            },
            Rule::under_stmt => MemberKind::Under {
                profile: self.lower_ident(inner.next()?),
                body: self.lower_block(inner.next()?),
            },
            Rule::floor_stmt => MemberKind::Floor {
                name: self.lower_ident(inner.next()?),
                value: self.lower_value(inner.next()?),
            },
            Rule::env_stmt => MemberKind::Env {
                name: self.lower_ident(inner.next()?),
                value: self.lower_value(inner.next()?),
            },
            Rule::remove_stmt => {
                let keyword_pair = inner.next()?;
                let keyword = Ident {
                    name: keyword_pair.as_str().to_string(),
                    span: self.span(&keyword_pair),
                };
                MemberKind::Remove {
                    keyword,
                    name: self.lower_ident(inner.next()?),
                }
            }
            Rule::field_decl => MemberKind::FieldDecl {
                name: self.lower_ident(inner.next()?),
                ty: self.lower_type(inner.next()?)?,
                value: inner.next().map(|expr| self.lower_value(expr)),
            },
            Rule::field_assign => {
                let name = self.lower_ident(inner.next()?);
                let op = match inner.next()?.as_str() {
                    "+=" => AssignOp::Append,
                    "-=" => AssignOp::Remove,
                    _ => AssignOp::Replace,
                };
                MemberKind::FieldAssign {
                    name,
                    op,
                    value: self.lower_value(inner.next()?),
                }
            }
            _ => return None,
        };
        Some(kind)
    }

    fn lower_block_stmt(&mut self, pair: P<'_>) -> Option<MemberKind> {
        match pair.as_rule() {
            Rule::artifact_blocker => {
                let overridable = pair
                    .clone()
                    .into_inner()
                    .any(|child| child.as_rule() == Rule::kw_overridable);
                let mut inner = parts(pair);
                let kind = match inner.next()?.into_inner().next()?.as_rule() {
                    Rule::kw_package => ArtifactKind::Package,
                    _ => ArtifactKind::Git,
                };
                let pattern = self.lower_string(inner.next()?);
                Some(MemberKind::BlockArtifact(ArtifactBlocker {
                    kind,
                    pattern,
                    overridable,
                }))
            }
            _ => {
                let mut blockers = Vec::new();
                for item in parts(pair) {
                    let span = self.span(&item);
                    let overridable = item
                        .clone()
                        .into_inner()
                        .any(|child| child.as_rule() == Rule::kw_overridable);
                    if let Some(alarm) = parts(item).next().map(|expr| self.lower_value(expr)) {
                        blockers.push(Blocker {
                            alarm,
                            overridable,
                            span,
                        });
                    }
                }
                Some(MemberKind::BlockOn { blockers })
            }
        }
    }

    fn lower_type(&mut self, pair: P<'_>) -> Option<TypeExpr> {
        let inner = pair.into_inner().next()?;
        match inner.as_rule() {
            Rule::list_type => {
                let span = self.span(&inner);
                let element = self.lower_type(inner.into_inner().next()?)?;
                Some(TypeExpr::List(Box::new(element), span))
            }
            _ => Some(TypeExpr::Named(self.lower_ident(inner))),
        }
    }

    fn lower_ident(&mut self, pair: P<'_>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn lower_path(&mut self, pair: P<'_>) -> Path {
        let span = self.span(&pair);
        if pair.as_rule() == Rule::ident {
            return Path {
                segments: vec![self.lower_ident(pair)],
                span,
            };
        }
        let segments = pair
            .into_inner()
            .map(|ident| self.lower_ident(ident))
            .collect();
        Path { segments, span }
    }

    // --- Expressions -----------------------------------------------------

    /// Lowers the value of a member. A value that could not be read (its
    /// problem is already reported) becomes an invalid expression, so the
    /// member survives and later passes do not report it missing.
    fn lower_value(&mut self, pair: P<'_>) -> Expr {
        let span = self.span(&pair);
        self.lower_expr(pair).unwrap_or(Expr {
            kind: ExprKind::Invalid,
            span,
        })
    }

    /// Lowers any expression-level pair.
    pub fn lower_expr(&mut self, pair: P<'_>) -> Option<Expr> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let kind = match rule {
            Rule::expr | Rule::paren => return self.lower_expr(parts(pair).next()?),
            Rule::or_expr | Rule::condition => {
                return self.lower_chain(pair, span, ExprKind::Or);
            }
            Rule::and_expr | Rule::cond_and => {
                return self.lower_chain(pair, span, ExprKind::And);
            }
            Rule::not_expr | Rule::cond_not => return self.lower_not(pair, span),
            Rule::set_expr => return self.lower_set_expr(pair, span),
            Rule::postfix_expr => return self.lower_postfix(pair, span),
            Rule::comparison => return self.lower_comparison(pair, span),
            Rule::list => {
                let items = parts(pair)
                    .filter_map(|item| self.lower_expr(item))
                    .collect();
                ExprKind::List(items)
            }
            Rule::call => {
                let mut inner = parts(pair);
                let callee = self.lower_path(inner.next()?);
                let args = inner.filter_map(|arg| self.lower_arg(arg)).collect();
                ExprKind::Call { callee, args }
            }
            Rule::kw_rest => ExprKind::Rest,
            Rule::path | Rule::ident => ExprKind::Path(self.lower_path(pair)),
            _ => ExprKind::Literal(self.lower_literal_pair(pair)?),
        };
        Some(Expr { kind, span })
    }

    fn lower_chain(
        &mut self,
        pair: P<'_>,
        span: Span,
        build: fn(Vec<Expr>) -> ExprKind,
    ) -> Option<Expr> {
        let mut operands: Vec<Expr> = parts(pair)
            .filter_map(|child| self.lower_expr(child))
            .collect();
        // A failed operand was reported where it failed; a chain left with
        // none is dropped rather than kept as an empty `or`.
        if operands.len() <= 1 {
            return operands.pop();
        }
        Some(Expr {
            kind: build(operands),
            span,
        })
    }

    fn lower_not(&mut self, pair: P<'_>, span: Span) -> Option<Expr> {
        let mut not_count = 0usize;
        let mut operand = None;
        for child in pair.into_inner() {
            if child.as_rule() == Rule::kw_not {
                not_count += 1;
            } else {
                operand = Some(child);
            }
        }
        if not_count > MAX_NESTING {
            self.diagnostics.push(
                Diagnostic::error(Code::NESTING_TOO_DEEP, "too many `not`s in a row")
                    .primary(self.file, span, format!("{not_count} `not`s here"))
                    .help(format!(
                        "a chain of `not` may be at most {MAX_NESTING} long; two `not`s cancel out"
                    )),
            );
            return None;
        }
        let mut expr = self.lower_expr(operand?)?;
        for _ in 0..not_count {
            expr = Expr {
                kind: ExprKind::Not(Box::new(expr)),
                span,
            };
        }
        Some(expr)
    }

    fn lower_set_expr(&mut self, pair: P<'_>, span: Span) -> Option<Expr> {
        let mut inner = pair.into_inner();
        let first = self.lower_expr(inner.next()?)?;
        let mut rest = Vec::new();
        while let Some(op_pair) = inner.next() {
            let op = match op_pair.into_inner().next().map(|kw| kw.as_rule()) {
                Some(Rule::kw_union) => SetOp::Union,
                Some(Rule::kw_intersect) => SetOp::Intersect,
                _ => SetOp::Minus,
            };
            rest.push((op, self.lower_expr(inner.next()?)?));
        }
        if rest.is_empty() {
            return Some(first);
        }
        Some(Expr {
            kind: ExprKind::SetOps {
                first: Box::new(first),
                rest,
            },
            span,
        })
    }

    fn lower_postfix(&mut self, pair: P<'_>, span: Span) -> Option<Expr> {
        let mut inner = pair.into_inner();
        let base = self.lower_expr(inner.next()?)?;
        let mut ops = Vec::new();
        for clause in inner {
            let is_where = clause.as_rule() == Rule::where_clause;
            let operand = parts(clause).next()?;
            if is_where {
                ops.push(PostfixOp::Where(self.lower_expr(operand)?));
            } else {
                ops.push(PostfixOp::Take(self.lower_literal_pair(operand)?));
            }
        }
        if ops.is_empty() {
            return Some(base);
        }
        Some(Expr {
            kind: ExprKind::Postfix {
                base: Box::new(base),
                ops,
            },
            span,
        })
    }

    fn lower_comparison(&mut self, pair: P<'_>, span: Span) -> Option<Expr> {
        let mut inner = pair.into_inner();
        let lhs = self.lower_expr(inner.next()?)?;
        let Some(op_pair) = inner.next() else {
            return Some(lhs);
        };
        let op = match op_pair.as_str() {
            "==" => CompareOp::Eq,
            "!=" => CompareOp::Ne,
            _ => CompareOp::In,
        };
        let rhs = self.lower_expr(inner.next()?)?;
        Some(Expr {
            kind: ExprKind::Compare {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        })
    }

    fn lower_arg(&mut self, pair: P<'_>) -> Option<Arg> {
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        match inner.next() {
            // An unreadable value stays as an invalid argument, so that the
            // call is not judged as if the argument were missing.
            Some(value) => Some(Arg {
                name: Some(self.lower_ident(first)),
                value: self.lower_value(value),
            }),
            None => Some(Arg {
                name: None,
                value: self.lower_value(first),
            }),
        }
    }

    // --- Literals --------------------------------------------------------

    fn lower_literal_pair(&mut self, pair: P<'_>) -> Option<Literal> {
        let span = self.span(&pair);
        let value = match pair.as_rule() {
            Rule::string => LiteralValue::String(self.lower_string(pair)),
            Rule::quantity => match literal::quantity(pair.as_str()) {
                Ok(value) => value,
                Err(error) => {
                    self.invalid_literal(span, error);
                    return None;
                }
            },
            Rule::boolean => LiteralValue::Bool(pair.as_str() == "true"),
            Rule::time => LiteralValue::Time(self.lower_time(&pair)?),
            Rule::date => LiteralValue::Date(self.lower_date(&pair)?),
            Rule::time_range => {
                let (first, last) = self.lower_time_range(pair)?;
                LiteralValue::TimeRange(first, last)
            }
            Rule::date_range => {
                let mut inner = pair.into_inner();
                let first = self.lower_date(&inner.next()?)?;
                let last = self.lower_date(&inner.next()?)?;
                LiteralValue::DateRange(first, last)
            }
            Rule::weekday_slot => {
                let mut first = None;
                let mut last = None;
                let mut hours = None;
                for child in pair.into_inner() {
                    match child.as_rule() {
                        Rule::weekday if first.is_none() => {
                            first = literal::weekday(child.as_str())
                        }
                        Rule::weekday => last = literal::weekday(child.as_str()),
                        _ => hours = Some(self.lower_time_range(child)?),
                    }
                }
                LiteralValue::WeekdaySlot {
                    first: first?,
                    last,
                    hours,
                }
            }
            _ => return None,
        };
        Some(Literal { value, span })
    }

    fn lower_time(&mut self, pair: &P<'_>) -> Option<TimeOfDay> {
        match literal::time(pair.as_str()) {
            Ok(time) => Some(time),
            Err(error) => {
                self.invalid_literal(self.span(pair), error);
                None
            }
        }
    }

    fn lower_date(&mut self, pair: &P<'_>) -> Option<Date> {
        match literal::date(pair.as_str()) {
            Ok(date) => Some(date),
            Err(error) => {
                self.invalid_literal(self.span(pair), error);
                None
            }
        }
    }

    fn lower_time_range(&mut self, pair: P<'_>) -> Option<(TimeOfDay, TimeOfDay)> {
        let mut inner = pair.into_inner();
        let first = self.lower_time(&inner.next()?)?;
        let last = self.lower_time(&inner.next()?)?;
        Some((first, last))
    }

    /// Reports each NUL byte in a string's text (`P0011`): no command,
    /// argument or environment variable can hold one, so it is an error
    /// here rather than a failure when the runner starts the command.
    fn report_nul_bytes(&mut self, text: &P<'_>) {
        let start = self.span(text).start();
        for (at, _) in text.as_str().match_indices('\0') {
            self.diagnostics.push(
                Diagnostic::error(Code::NUL_IN_STRING, "a NUL byte in a string")
                    .primary(
                        self.file,
                        Span::new(start + at, start + at + 1),
                        "this byte is NUL (0x00)",
                    )
                    .note("commands, their arguments and their environment cannot hold a NUL byte")
                    .help("delete it; it is invisible in most editors"),
            );
        }
    }

    fn lower_string(&mut self, pair: P<'_>) -> StringLit {
        let span = self.span(&pair);
        let mut parts: Vec<StringPart> = Vec::new();
        let push_text = |parts: &mut Vec<StringPart>, text: &str| match parts.last_mut() {
            Some(StringPart::Text(existing)) => existing.push_str(text),
            _ => parts.push(StringPart::Text(text.to_string())),
        };
        for piece in pair.into_inner() {
            match piece.as_rule() {
                Rule::text => {
                    self.report_nul_bytes(&piece);
                    push_text(&mut parts, piece.as_str());
                }
                Rule::escape => {
                    let after = piece.as_str().chars().nth(1).unwrap_or('\\');
                    match literal::escape(after) {
                        Some(ch) => push_text(&mut parts, ch.encode_utf8(&mut [0; 4])),
                        None => {
                            let escape_span = self.span(&piece);
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Code::INVALID_ESCAPE,
                                    format!("unknown escape `\\{after}` in a string"),
                                )
                                .primary(self.file, escape_span, "not an escape")
                                .help(
                                    "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\$`; \
                                     write a backslash as `\\\\`",
                                ),
                            );
                        }
                    }
                }
                _ => {
                    if let Some(path) = piece.into_inner().next() {
                        let path_span = self.span(&path);
                        // `interp_path` is atomic, so its names are read
                        // from its text rather than from inner pairs.
                        let mut offset = path_span.start();
                        let mut segments = Vec::new();
                        for name in path.as_str().split('.') {
                            segments.push(Ident {
                                name: name.to_string(),
                                span: Span::new(offset, offset + name.len()),
                            });
                            offset += name.len() + 1;
                        }
                        parts.push(StringPart::Interpolation(Path {
                            segments,
                            span: path_span,
                        }));
                    }
                }
            }
        }
        StringLit { parts, span }
    }
}
