//! Members: `modifier* ~ member_kind`, and the parts only members use.

use super::Reader;
use crate::syntax::ast::*;

impl Reader<'_> {
    /// `modifier* ~ member_kind`.
    pub(super) fn member(&mut self) -> Option<Member> {
        let start = self.pos;
        let mut modifiers = Vec::new();
        loop {
            let kind = match self.word() {
                "abstract" => ModifierKind::Abstract,
                "final" => ModifierKind::Final,
                "new" => ModifierKind::New,
                _ => break,
            };
            let at = self.pos;
            self.pos += kind.keyword().len();
            modifiers.push(Modifier {
                kind,
                span: self.span(at, self.pos),
            });
            self.skip();
        }
        let kind = self.member_kind()?;
        Some(Member {
            modifiers,
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// The grammar's `member_kind`: `field_assign`, then `field_decl`, then
    /// the forms that start with a keyword (each with its own, so at most
    /// one of them can match).
    pub(super) fn member_kind(&mut self) -> Option<MemberKind> {
        if let Some(kind) = self.attempt(Self::field_assign) {
            return Some(kind);
        }
        if let Some(kind) = self.attempt(Self::field_decl) {
            return Some(kind);
        }
        let word = self.word();
        self.pos += word.len();
        let word_end = self.pos;
        self.skip();
        match word {
            "wave" => Some(MemberKind::Wave {
                name: self.ident()?,
                body: self.then_block()?,
            }),
            "stage" => Some(MemberKind::Stage {
                name: self.ident()?,
                body: self.then_block()?,
            }),
            "test" => Some(MemberKind::Test {
                name: self.ident()?,
                body: self.optional_block(),
            }),
            "deploy" => {
                let mut artifacts = vec![self.path()?];
                self.repeat_after(",", Self::path, &mut artifacts);
                Some(MemberKind::Deploy {
                    artifacts,
                    body: self.optional_block(),
                })
            }
            "alarm" => {
                // `self.alarm` skips again: a no-op after the skip above.
                Some(MemberKind::Alarm(self.alarm()?))
            }
            "onebox" => {
                let next = self.bytes.get(self.pos..).unwrap_or(&[]);
                if [b"+=".as_slice(), b"-=", b"=", b":"]
                    .iter()
                    .any(|refused| next.starts_with(refused))
                {
                    return None;
                }
                self.pos = word_end;
                Some(MemberKind::Onebox {
                    body: self.optional_block(),
                })
            }
            "rollback" => {
                self.then_keyword("on")?;
                Some(MemberKind::Rollback {
                    alarm: self.expr()?,
                })
            }
            "block" => self
                .attempt(Self::artifact_blocker)
                .or_else(|| self.alarm_blockers()),
            "window" => self.window_member(),
            "require" => Some(MemberKind::Require {
                requirement: self.expr()?,
            }),
            "wait" => {
                self.then_keyword("for")?;
                let count = self.quantity()?;
                self.skip();
                Some(MemberKind::WaitFor {
                    count,
                    metric: self.expr()?,
                })
            }
            "by" => Some(MemberKind::Scope {
                unit: self.ident()?,
                body: self.optional_block(),
            }),
            "region" => Some(MemberKind::Region {
                name: self.ident()?,
                body: self.optional_block(),
            }),
            "holiday" => {
                let date = self
                    .attempt(Self::date_range)
                    .or_else(|| self.attempt(Self::date_literal))?;
                self.skip();
                Some(MemberKind::Holiday {
                    date,
                    label: self.string()?,
                })
            }
            "source" => {
                let name = self.ident()?;
                self.then("=")?;
                Some(MemberKind::Source {
                    name,
                    origin: self.expr()?,
                    body: self.optional_block(),
                })
            }
            "build" => {
                let name = self.ident()?;
                let inputs = self
                    .optional(|this| {
                        this.then_keyword("from")?;
                        let mut inputs = vec![this.path()?];
                        this.repeat_after(",", Self::path, &mut inputs);
                        Some(inputs)
                    })
                    .unwrap_or_default();
                Some(MemberKind::Build {
                    name,
                    inputs,
                    body: self.optional_block(),
                })
            }
            "production" => Some(MemberKind::Production {
                body: self.block()?,
            }),
            "profile" => Some(MemberKind::Profile {
                name: self.ident()?,
                body: self.then_block()?,
            }),
            "exclude" => {
                let regions = self.expr()?;
                self.then_keyword("because")?;
                Some(MemberKind::Exclude {
                    regions,
                    reason: self.string()?,
                })
            }
            "bake" => {
                self.then_keyword("scale")?;
                Some(MemberKind::BakeScale {
                    factor: self.quantity()?,
                })
            }
            "traffic" => {
                self.then("<=")?;
                Some(MemberKind::TrafficLimit {
                    share: self.expr()?,
                })
            }
            "include" => Some(MemberKind::Include {
                calendar: self.path()?,
            }),
            "deny" | "warn" | "allow" => {
                let level = match word {
                    "deny" => PolicyLevel::Deny,
                    "warn" => PolicyLevel::Warn,
                    _ => PolicyLevel::Allow,
                };
                let mut rules = vec![self.ident()?];
                self.repeat_after(",", Self::ident, &mut rules);
                Some(MemberKind::Level { level, rules })
            }
            "exempt" => {
                let pipeline = self.path()?;
                self.then_keyword("from")?;
                Some(MemberKind::Exempt {
                    pipeline,
                    rule: self.ident()?,
                    body: self.then_block()?,
                })
            }
            "under" => Some(MemberKind::Under {
                profile: self.ident()?,
                body: self.then_block()?,
            }),
            "floor" | "env" => {
                let name = self.ident()?;
                self.then("=")?;
                let value = self.expr()?;
                Some(if word == "floor" {
                    MemberKind::Floor { name, value }
                } else {
                    MemberKind::Env { name, value }
                })
            }
            "remove" => {
                let start = self.pos;
                let keyword = self.word();
                if !matches!(
                    keyword,
                    "stage" | "wave" | "test" | "alarm" | "source" | "build" | "profile" | "region"
                ) {
                    return None;
                }
                self.pos += keyword.len();
                let keyword = Ident {
                    name: keyword.to_string(),
                    span: self.span(start, self.pos),
                };
                self.skip();
                Some(MemberKind::Remove {
                    keyword,
                    name: self.ident()?,
                })
            }
            _ => None,
        }
    }

    /// `~ block` after a name.
    pub(super) fn then_block(&mut self) -> Option<Block> {
        self.skip();
        self.block()
    }

    /// `ident ~ assign_op ~ expr`.
    pub(super) fn field_assign(&mut self) -> Option<MemberKind> {
        let name = self.ident()?;
        self.skip();
        let op = if self.eat("+=") {
            AssignOp::Append
        } else if self.eat("-=") {
            AssignOp::Remove
        } else if self.eat("=") {
            AssignOp::Replace
        } else {
            return None;
        };
        self.skip();
        Some(MemberKind::FieldAssign {
            name,
            op,
            value: self.expr()?,
        })
    }

    /// `ident ~ ":" ~ type_expr ~ ("=" ~ expr)?`.
    pub(super) fn field_decl(&mut self) -> Option<MemberKind> {
        let name = self.ident()?;
        self.then(":")?;
        let ty = self.type_expr()?;
        let value = self.optional(|this| {
            this.then("=")?;
            this.expr()
        });
        Some(MemberKind::FieldDecl { name, ty, value })
    }

    /// `list_type | ident`, with `list_type = "[" ~ type_expr ~ "]"`.
    pub(super) fn type_expr(&mut self) -> Option<TypeExpr> {
        let start = self.pos;
        if self.eat("[") {
            self.skip();
            let element = self.type_expr()?;
            self.skip();
            if !self.eat("]") {
                return None;
            }
            return Some(TypeExpr::List(
                Box::new(element),
                self.span(start, self.pos),
            ));
        }
        self.ident().map(TypeExpr::Named)
    }

    /// After `block`: `kw_artifacts ~ kw_containing ~ artifact_kind ~
    /// string ~ kw_overridable?`.
    pub(super) fn artifact_blocker(&mut self) -> Option<MemberKind> {
        self.then_keyword("artifacts")?;
        self.then_keyword("containing")?;
        let kind = if self.keyword("package") {
            ArtifactKind::Package
        } else if self.keyword("git") {
            ArtifactKind::Git
        } else {
            return None;
        };
        self.skip();
        let pattern = self.string()?;
        let overridable = self.overridable();
        Some(MemberKind::BlockArtifact(ArtifactBlocker {
            kind,
            pattern,
            overridable,
        }))
    }

    /// `~ kw_overridable?`.
    pub(super) fn overridable(&mut self) -> bool {
        self.optional(|this| this.keyword("overridable").then_some(()))
            .is_some()
    }

    /// After `block`: `kw_on ~ blocker_item ~ ("," ~ blocker_item)*`.
    pub(super) fn alarm_blockers(&mut self) -> Option<MemberKind> {
        self.then_keyword("on")?;
        let mut blockers = vec![self.blocker_item()?];
        self.repeat_after(",", Self::blocker_item, &mut blockers);
        Some(MemberKind::BlockOn { blockers })
    }

    /// `expr ~ kw_overridable?`.
    pub(super) fn blocker_item(&mut self) -> Option<Blocker> {
        let start = self.pos;
        let alarm = self.expr()?;
        let overridable = self.overridable();
        Some(Blocker {
            alarm,
            overridable,
            span: self.span(start, self.pos),
        })
    }

    /// After `window`: `block | path ~ kw_overridable? ~ (kw_for ~
    /// kw_profile ~ ident)?`.
    pub(super) fn window_member(&mut self) -> Option<MemberKind> {
        if let Some(block) = self.attempt(Self::block) {
            return Some(MemberKind::WindowUse(WindowUse::Inline(block)));
        }
        let window = self.path()?;
        let overridable = self.overridable();
        let profile = self.optional(|this| {
            this.then_keyword("for")?;
            this.then_keyword("profile")?;
            this.ident()
        });
        Some(match profile {
            Some(profile) => MemberKind::ProfileWindow {
                window,
                overridable,
                profile,
            },
            None => MemberKind::WindowUse(WindowUse::Named {
                window,
                overridable,
            }),
        })
    }
}
