//! Semantic tokens (`textDocument/semanticTokens/full` and `/range`): what
//! each word of a document is, for editors to colour by meaning.
//!
//! The names come from the syntax tree, each classified by what the
//! compiler resolves it to (a template, an alarm, a registry of the
//! standard library, an import's alias); the words the tree keeps no place
//! for (keywords, operators) come from the formatter's lexer
//! ([`crate::syntax::format::tokens`]), and comments from the scanner's side
//! table ([`crate::syntax::ast::File::comments`]). A word the tree does not
//! name is a keyword only when the language reserves it or uses it as one;
//! anything else (text of a declaration that did not parse) is left
//! uncoloured rather than guessed.
//!
//! Modifiers: `declaration` and `definition` on declared names, `readonly`
//! on a `final` member and on windows and calendars, `abstract` on an
//! `abstract` member, `defaultLibrary` on names from `std/` modules and
//! built-in functions and types, `modification` on a member that overrides
//! an inherited one (it matches a key of the parent's resolved body, as
//! merging decides).

use super::convert::{self, Encoding};
use super::resolve::Place;
use crate::semantics::chains::{self, Chains};
use crate::semantics::merge::{Key, ResolvedBlock, key_of};
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::ast::{
    Block, Expr, ExprKind, Ident, ItemKind, LiteralValue, Member, MemberKind, ModifierKind, Path,
    PostfixOp, TypeExpr, WindowUse,
};
use crate::syntax::format::tokens;
use lsp_types::{
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};
use std::collections::BTreeMap;

/// The token types, in legend order.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::OPERATOR,
];

/// A token type: its index in [`TYPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Namespace = 0,
    Type = 1,
    Enum = 2,
    Function = 3,
    Variable = 4,
    Property = 5,
    EnumMember = 6,
    Parameter = 7,
    Number = 8,
    String = 9,
    Comment = 10,
    Keyword = 11,
    Operator = 12,
}

/// The modifiers, in legend order (bit `1 << index`).
const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEFINITION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::ABSTRACT,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::MODIFICATION,
];

const DECLARATION: u32 = 1;
const DEFINITION: u32 = 1 << 1;
const READONLY: u32 = 1 << 2;
const ABSTRACT: u32 = 1 << 3;
const DEFAULT_LIBRARY: u32 = 1 << 4;
const MODIFICATION: u32 = 1 << 5;

/// Punctuation shown as operators; brackets and separators are not.
const OPERATORS: &[&str] = &["=", "+=", "-=", "==", "!=", "<=", ".."];

/// The legend the server announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The tokens of the document, encoded as the protocol wants (each
/// relative to the one before); with `range`, only those starting in it.
pub fn tokens(
    place: &Place<'_, '_>,
    range: Option<Range>,
    encoding: Encoding,
) -> Vec<SemanticToken> {
    let Some(source) = place.workspace.sources.get(place.file) else {
        return Vec::new();
    };
    let classified = classify(place, source);
    let mut out = Vec::new();
    let (mut line, mut column) = (0u32, 0u32);
    let mut covered = 0;
    for (start, (end, ty, modifiers)) in classified {
        // A word inside a name already shown (`a.b` as one) is not shown
        // again: tokens must not overlap.
        if start < covered {
            continue;
        }
        covered = end;
        let from = convert::position(source, start, encoding);
        let to = convert::position(source, end, encoding);
        // Tokens never span lines (strings and comments end at theirs).
        if to.line != from.line || to.character <= from.character {
            continue;
        }
        if let Some(range) = range
            && (from < range.start || from >= range.end)
        {
            continue;
        }
        let delta_line = from.line.saturating_sub(line);
        let delta_start = if delta_line == 0 {
            from.character.saturating_sub(column)
        } else {
            from.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: to.character - from.character,
            token_type: ty as u32,
            token_modifiers_bitset: modifiers,
        });
        (line, column) = (from.line, from.character);
    }
    out
}

/// Every token by start offset: its end, type and modifiers.
type Tokens = BTreeMap<usize, (usize, Kind, u32)>;

fn classify(place: &Place<'_, '_>, source: &SourceFile) -> Tokens {
    let mut names = Classifier {
        place,
        file: place.file,
        chains: chains::resolve(&place.analysis.scopes, &mut Vec::new()),
        found: Tokens::new(),
        literals: Vec::new(),
    };
    if let Some(module) = place.workspace.module(place.file) {
        for (idx, item) in module.tree.items.iter().enumerate() {
            names.item(idx, &item.kind);
        }
    }
    let Classifier {
        mut found,
        mut literals,
        ..
    } = names;
    literals.sort_by_key(|(span, _)| span.start());
    let text = source.text.as_str();
    for token in tokens::lex(text).tokens {
        if found.contains_key(&token.start) {
            continue;
        }
        let word = token.text(text);
        let literal = literals
            .iter()
            .find(|(span, _)| span.start() <= token.start && token.end <= span.end());
        let first = word.chars().next().unwrap_or(' ');
        let ty = if first == '"' {
            Kind::String
        } else if first.is_ascii_digit() {
            Kind::Number
        } else if OPERATORS.contains(&word) {
            Kind::Operator
        } else if let Some((_, is_bool)) = literal {
            // A weekday of a slot (`mon..fri`), or `true`/`false`.
            if *is_bool {
                Kind::Keyword
            } else {
                Kind::EnumMember
            }
        } else if crate::syntax::KEYWORDS.contains(&word) {
            Kind::Keyword
        } else {
            continue;
        };
        found.insert(token.start, (token.end, ty, 0));
    }
    if let Some(module) = place.workspace.module(place.file) {
        for comment in &module.tree.comments {
            found.insert(comment.span.start(), (comment.span.end(), Kind::Comment, 0));
        }
    }
    found
}

/// Walks one file's tree, classifying names.
struct Classifier<'p, 'w, 'a> {
    place: &'p Place<'w, 'a>,
    file: FileId,
    chains: Chains,
    found: Tokens,
    /// Literals written as several lexer tokens, and whether each is a
    /// boolean.
    literals: Vec<(Span, bool)>,
}

/// Where an expression stands, for names that resolve to no declaration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A value: an enumeration's member (`ecs`, `us-east-1`, `low`).
    Value,
    /// An alarm expression: every name is an alarm, a member one first.
    Alarm,
    /// The left of a comparison in a filter, or a filter alone: a region
    /// attribute.
    Attribute,
}

impl Classifier<'_, '_, '_> {
    fn put(&mut self, span: Span, ty: Kind, modifiers: u32) {
        if span.end() > span.start() {
            self.found.insert(span.start(), (span.end(), ty, modifiers));
        }
    }

    fn item(&mut self, idx: usize, kind: &ItemKind) {
        let decl = DeclId {
            file: self.file,
            item: idx,
        };
        let declared = DECLARATION | DEFINITION;
        match kind {
            ItemKind::Import(import) => {
                if let Some(alias) = &import.alias {
                    self.put(alias.span, Kind::Namespace, DECLARATION);
                }
            }
            ItemKind::Alarm(alarm) => {
                self.put(alarm.name.span, Kind::Function, declared);
                if let Some(value) = &alarm.value {
                    self.expr(value, Context::Alarm, None);
                }
            }
            ItemKind::Registry(d)
            | ItemKind::Calendar(d)
            | ItemKind::Window(d)
            | ItemKind::Template(d)
            | ItemKind::Pipeline(d)
            | ItemKind::Policy(d) => {
                let (ty, extra) = match kind {
                    ItemKind::Registry(_) => (Kind::Enum, 0),
                    ItemKind::Calendar(_) | ItemKind::Window(_) => (Kind::Variable, READONLY),
                    _ => (Kind::Type, 0),
                };
                self.put(d.name.span, ty, declared | extra);
                if let Some(parent) = &d.extends {
                    self.path(parent, Context::Value, None);
                }
                let parent = self.chains.chain(decl).and_then(|chain| {
                    chain
                        .len()
                        .checked_sub(2)
                        .and_then(|at| chain.get(at))
                        .copied()
                });
                let own = self.place.analysis.resolved.get(&decl);
                let inherited = parent.and_then(|parent| self.place.analysis.resolved.get(&parent));
                self.block(&d.body, Bases { own, inherited }, decl);
            }
        }
    }

    fn block(&mut self, block: &Block, bases: Bases<'_, '_>, decl: DeclId) {
        for member in &block.members {
            self.member(member, bases, decl);
        }
    }

    fn member(&mut self, member: &Member, bases: Bases<'_, '_>, decl: DeclId) {
        let key = key_of(&member.kind);
        // What the member overrides: inside a profile, the declaration's own
        // resolved body; elsewhere, the parent's.
        let (overridden, inner) = match (&key, &member.kind) {
            (Some(Key::Named("profile", _)), _) => (
                false,
                Bases {
                    own: None,
                    inherited: bases.own,
                },
            ),
            (Some(key), _) => {
                let found = bases.inherited.and_then(|block| block.get(key));
                (
                    found.is_some(),
                    Bases {
                        own: None,
                        inherited: found.and_then(|resolved| resolved.body.as_deref()),
                    },
                )
            }
            (None, _) => (false, Bases::default()),
        };
        let mut modifiers = DECLARATION;
        for modifier in &member.modifiers {
            modifiers |= match modifier.kind {
                ModifierKind::Final => READONLY,
                ModifierKind::Abstract => ABSTRACT,
                ModifierKind::New => 0,
            };
        }
        if overridden {
            modifiers |= MODIFICATION;
        }
        match &member.kind {
            MemberKind::FieldDecl { name, ty, value } => {
                self.put(name.span, Kind::Property, modifiers | DEFINITION);
                self.type_expr(ty);
                if let Some(value) = value {
                    self.expr(value, Context::Value, Some(decl));
                }
            }
            MemberKind::FieldAssign { name, value, .. } => {
                self.put(name.span, Kind::Property, modifiers & !DECLARATION);
                self.expr(value, Context::Value, Some(decl));
            }
            MemberKind::Alarm(alarm) => {
                self.put(alarm.name.span, Kind::Function, modifiers);
                if let Some(value) = &alarm.value {
                    self.expr(value, Context::Alarm, Some(decl));
                }
            }
            MemberKind::Source { name, origin, .. } => {
                self.put(name.span, Kind::Variable, modifiers);
                self.expr(origin, Context::Value, Some(decl));
            }
            MemberKind::Build { name, inputs, .. } => {
                self.put(name.span, Kind::Variable, modifiers);
                for input in inputs {
                    self.put(input.span, Kind::Variable, 0);
                }
            }
            MemberKind::Deploy { artifacts, .. } => {
                for artifact in artifacts {
                    self.put(artifact.span, Kind::Variable, 0);
                }
            }
            MemberKind::Stage { name, .. }
            | MemberKind::Wave { name, .. }
            | MemberKind::Test { name, .. }
            | MemberKind::Profile { name, .. }
            | MemberKind::Env { name, .. } => {
                self.put(name.span, Kind::Variable, modifiers);
                if let MemberKind::Env { value, .. } = &member.kind {
                    self.expr(value, Context::Value, Some(decl));
                }
            }
            MemberKind::Region { name, .. } => self.put(name.span, Kind::EnumMember, modifiers),
            MemberKind::Rollback { alarm } => self.expr(alarm, Context::Alarm, Some(decl)),
            MemberKind::BlockOn { blockers } => {
                for blocker in blockers {
                    self.expr(&blocker.alarm, Context::Alarm, Some(decl));
                }
            }
            MemberKind::WindowUse(WindowUse::Named { window, .. }) => {
                self.path(window, Context::Value, Some(decl));
            }
            MemberKind::ProfileWindow {
                window, profile, ..
            } => {
                self.path(window, Context::Value, Some(decl));
                self.put(profile.span, Kind::Variable, 0);
            }
            MemberKind::Include { calendar } => self.path(calendar, Context::Value, Some(decl)),
            MemberKind::Exempt { pipeline, rule, .. } => {
                // Exemptions name pipelines workspace-wide, by name: the
                // pipeline is seldom in a file the policy's file imports.
                if let Some(last) = pipeline.segments.last() {
                    self.put(ident_or_path(pipeline, last), Kind::Type, 0);
                }
                self.put(rule.span, Kind::EnumMember, 0);
            }
            MemberKind::Level { rules, .. } => {
                for rule in rules {
                    self.put(rule.span, Kind::EnumMember, 0);
                }
            }
            MemberKind::Under { profile, .. } => self.put(profile.span, Kind::Variable, 0),
            MemberKind::Floor { name, value } => {
                self.put(name.span, Kind::Property, 0);
                self.expr(value, Context::Value, Some(decl));
            }
            MemberKind::Require { requirement } => {
                self.expr(requirement, Context::Value, Some(decl));
            }
            MemberKind::WaitFor { metric, .. } => self.expr(metric, Context::Value, Some(decl)),
            MemberKind::Scope { unit, .. } => self.put(unit.span, Kind::EnumMember, 0),
            MemberKind::Exclude { regions, .. } => self.expr(regions, Context::Value, Some(decl)),
            MemberKind::TrafficLimit { share } => self.expr(share, Context::Value, Some(decl)),
            MemberKind::Remove { name, .. } => self.put(name.span, Kind::Variable, 0),
            MemberKind::Holiday { date, .. } => self.literal_span(date.span, false),
            MemberKind::BakeScale { .. }
            | MemberKind::BlockArtifact(_)
            | MemberKind::WindowUse(WindowUse::Inline(_))
            | MemberKind::Production { .. }
            | MemberKind::Onebox { .. } => {}
        }
        if let Some(body) = member.kind.body() {
            self.block(body, inner, decl);
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(ident) => self.put(ident.span, Kind::Type, DEFAULT_LIBRARY),
            TypeExpr::List(inner, _) => self.type_expr(inner),
        }
    }

    fn literal_span(&mut self, span: Span, is_bool: bool) {
        self.literals.push((span, is_bool));
    }

    /// Classifies the names of an expression. Its depth is bounded by the
    /// parser (nesting past 64 is a diagnostic before lowering).
    fn expr(&mut self, expr: &Expr, context: Context, decl: Option<DeclId>) {
        match &expr.kind {
            ExprKind::Literal(literal) => {
                let is_bool = matches!(literal.value, LiteralValue::Bool(_));
                self.literal_span(literal.span, is_bool);
            }
            ExprKind::Path(path) => self.path(path, context, decl),
            ExprKind::List(items) | ExprKind::Or(items) | ExprKind::And(items) => {
                for item in items {
                    self.expr(item, context, decl);
                }
            }
            ExprKind::Call { callee, args } => {
                self.put(callee.span, Kind::Function, DEFAULT_LIBRARY);
                for arg in args {
                    if let Some(name) = &arg.name {
                        self.put(name.span, Kind::Parameter, 0);
                    }
                    self.expr(&arg.value, Context::Value, decl);
                }
            }
            ExprKind::Not(inner) => self.expr(inner, context, decl),
            ExprKind::Compare { lhs, rhs, .. } => {
                self.expr(lhs, Context::Attribute, decl);
                self.expr(rhs, Context::Value, decl);
            }
            ExprKind::SetOps { first, rest } => {
                self.expr(first, context, decl);
                for (_, operand) in rest {
                    self.expr(operand, context, decl);
                }
            }
            ExprKind::Postfix { base, ops } => {
                self.expr(base, context, decl);
                for op in ops {
                    match op {
                        PostfixOp::Where(condition) => {
                            self.expr(condition, Context::Attribute, decl);
                        }
                        PostfixOp::Take(count) => self.literal_span(count.span, false),
                    }
                }
            }
            ExprKind::Rest | ExprKind::Invalid => {}
        }
    }

    /// A name: the declaration it resolves to, else what its place says.
    fn path(&mut self, path: &Path, context: Context, decl: Option<DeclId>) {
        let Some(last) = path.segments.last() else {
            return;
        };
        let scopes = &self.place.analysis.scopes;
        let member_alarm = context == Context::Alarm
            && path.segments.len() == 1
            && decl
                .and_then(|decl| self.place.analysis.resolved.get(&decl))
                .is_some_and(|block| block.get(&Key::Named("alarm", &last.name)).is_some());
        let resolved = if member_alarm {
            None
        } else {
            scopes.resolve(self.file, path, ALL).ok()
        };
        if let [alias, _] = path.segments.as_slice()
            && self
                .place
                .workspace
                .module(self.file)
                .is_some_and(|module| module.imports.iter().any(|i| i.alias == alias.name))
        {
            self.put(alias.span, Kind::Namespace, 0);
        }
        let (ty, modifiers) = match resolved {
            Some((found, kind)) => {
                let std = self
                    .place
                    .workspace
                    .module(found.file)
                    .is_some_and(|module| module.is_std);
                let library = if std { DEFAULT_LIBRARY } else { 0 };
                let (ty, extra) = kind_type(kind);
                (ty, library | extra)
            }
            // Every name in an alarm expression is an alarm, known or not.
            None => match context {
                Context::Alarm => (Kind::Function, 0),
                Context::Attribute => (Kind::Property, 0),
                Context::Value => (Kind::EnumMember, 0),
            },
        };
        self.put(ident_or_path(path, last), ty, modifiers);
    }
}

/// The span a name's token covers: its last part, or the whole path when
/// it is one part (a region code such as `us-east-1` is one word).
fn ident_or_path(path: &Path, last: &Ident) -> Span {
    if path.segments.len() == 1 {
        path.span
    } else {
        last.span
    }
}

/// Every kind a name may resolve to.
const ALL: &[DeclKind] = &[
    DeclKind::Alarm,
    DeclKind::Window,
    DeclKind::Calendar,
    DeclKind::Registry,
    DeclKind::Template,
    DeclKind::Pipeline,
    DeclKind::Policy,
];

fn kind_type(kind: DeclKind) -> (Kind, u32) {
    match kind {
        DeclKind::Alarm => (Kind::Function, 0),
        DeclKind::Window | DeclKind::Calendar => (Kind::Variable, READONLY),
        DeclKind::Registry => (Kind::Enum, 0),
        DeclKind::Template | DeclKind::Pipeline | DeclKind::Policy => (Kind::Type, 0),
    }
}

/// The resolved bodies a block's members are compared with.
#[derive(Clone, Copy, Default)]
struct Bases<'b, 'w> {
    /// The declaration's own resolved body at this place (for profiles).
    own: Option<&'b ResolvedBlock<'w>>,
    /// The parent's resolved body at this place.
    inherited: Option<&'b ResolvedBlock<'w>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_matches_the_type_indices() {
        let legend = legend();
        let name = |ty: Kind| {
            legend
                .token_types
                .get(ty as usize)
                .map(|t| t.as_str().to_string())
        };
        assert_eq!(name(Kind::Namespace).as_deref(), Some("namespace"));
        assert_eq!(name(Kind::EnumMember).as_deref(), Some("enumMember"));
        assert_eq!(name(Kind::Operator).as_deref(), Some("operator"));
        assert_eq!(legend.token_types.len(), Kind::Operator as usize + 1);
        let modifier = |bit: u32| {
            legend
                .token_modifiers
                .get(bit.trailing_zeros() as usize)
                .map(|m| m.as_str().to_string())
        };
        assert_eq!(modifier(MODIFICATION).as_deref(), Some("modification"));
        assert_eq!(modifier(DEFAULT_LIBRARY).as_deref(), Some("defaultLibrary"));
    }
}
