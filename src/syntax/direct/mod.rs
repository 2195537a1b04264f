//! A hand-written reader of one declaration (the grammar's `item_entry`)
//! for the common case: a declaration that parses and whose literals are
//! all valid. It builds the same tree as pest and [`super::lower`] would,
//! four times faster or more, and gives up on anything else (a syntax error,
//! a bad literal, a `#` line, a byte-order mark past the start), which the
//! pest path then reads and explains.
//!
//! Each function follows its grammar rule as a parsing expression: ordered
//! choice takes the first alternative that matches and never comes back,
//! repetition is greedy, and whitespace and `//` comments are skipped
//! between the parts of every rule that is not atomic. That is what makes
//! the trees equal; the tests compare the two readers on every `.pipe` file
//! of the repository and on many broken copies of them.
//!
//! A node's span ends at its last token. The pest path trims the spaces and
//! comments a rule swallows before an absent optional part; both give the
//! same span.

mod expressions;
mod literals;
mod members;

#[cfg(test)]
mod tests;

use super::ast::*;
use super::parser::RESERVED;
use crate::source::Span;

/// Reads `text`, one declaration that starts at byte `offset` of its file,
/// or gives up.
pub(super) fn item_entry(text: &str, offset: usize) -> Option<Vec<Item>> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        offset,
        gave_up: false,
    };
    let items = reader.entry();
    if reader.gave_up { None } else { items }
}

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    offset: usize,
    /// Set where the text parses but the pest path has something to say
    /// (a literal out of range, an unknown escape, a NUL byte, too many
    /// `not`s) or might read it differently (a byte-order mark).
    gave_up: bool,
}

impl<'t> Reader<'t> {
    // --- Tokens ----------------------------------------------------------

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end)
    }

    fn slice(&self, start: usize, end: usize) -> &'t str {
        self.text.get(start..end).unwrap_or("")
    }

    /// The grammar's implicit `(WHITESPACE | COMMENT)*`.
    fn skip(&mut self) {
        loop {
            match self.byte(self.pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'/') if self.byte(self.pos + 1) == Some(b'/') => {
                    let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
                    self.pos += rest
                        .iter()
                        .position(|&byte| byte == b'\n')
                        .unwrap_or(rest.len());
                }
                // U+FEFF, which the grammar skips as whitespace but the
                // pest path's span trimming does not.
                Some(0xEF)
                    if self.bytes.get(self.pos..self.pos + 3) == Some(&[0xEF, 0xBB, 0xBF]) =>
                {
                    self.gave_up = true;
                    self.pos += 3;
                }
                _ => return,
            }
        }
    }

    /// Matches `literal` exactly.
    fn eat(&mut self, literal: &str) -> bool {
        let matched = self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal.as_bytes()));
        if matched {
            self.pos += literal.len();
        }
        matched
    }

    fn is_ident_cont_at(&self, at: usize) -> bool {
        match self.byte(at) {
            Some(byte) if is_ident_char(byte) => true,
            Some(b'-') => self.byte(at + 1).is_some_and(is_ident_char),
            _ => false,
        }
    }

    /// The end of the word at `at`: `ident_start ~ ident_cont*`, or `at`
    /// when no word starts there. A keyword `"w" ~ !ident_cont` matches
    /// exactly where this word is `w`, and `reserved` exactly where it is
    /// a reserved word.
    fn word_end(&self, at: usize) -> usize {
        match self.byte(at) {
            Some(byte) if byte.is_ascii_alphabetic() || byte == b'_' => {}
            _ => return at,
        }
        let mut end = at + 1;
        while self.is_ident_cont_at(end) {
            end += if self.byte(end) == Some(b'-') { 2 } else { 1 };
        }
        end
    }

    fn word(&self) -> &'t str {
        self.slice(self.pos, self.word_end(self.pos))
    }

    /// `kw_<word>`.
    fn keyword(&mut self, word: &str) -> bool {
        let end = self.word_end(self.pos);
        let matched = self.slice(self.pos, end) == word;
        if matched {
            self.pos = end;
        }
        matched
    }

    fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        let end = self.word_end(start);
        let name = self.slice(start, end);
        if end == start || RESERVED.contains(&name) {
            return None;
        }
        self.pos = end;
        Some(Ident {
            name: name.to_string(),
            span: self.span(start, end),
        })
    }

    /// `path = ${ ident ~ ("." ~ ident)* }`: no spaces inside.
    fn path(&mut self) -> Option<Path> {
        let start = self.pos;
        let mut segments = vec![self.ident()?];
        while self.byte(self.pos) == Some(b'.') {
            let dot = self.pos;
            self.pos += 1;
            match self.ident() {
                Some(ident) => segments.push(ident),
                None => {
                    self.pos = dot;
                    break;
                }
            }
        }
        Some(Path {
            segments: exact(segments),
            span: self.span(start, self.pos),
        })
    }

    /// Runs `rule`; where it fails, puts the position back.
    fn attempt<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.pos;
        let result = rule(self);
        if result.is_none() {
            self.pos = start;
        }
        result
    }

    /// `~ part?` inside a rule. Where the part is absent, the position
    /// goes back before the spaces in front of it, so that a rule always
    /// stops at its last token (the next part skips them again).
    fn optional<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let before = self.pos;
        self.skip();
        let result = rule(self);
        if result.is_none() {
            self.pos = before;
        }
        result
    }

    /// `~ (separator ~ rule)*`: each repetition is an optional part.
    fn repeat_after<T>(
        &mut self,
        separator: &str,
        mut rule: impl FnMut(&mut Self) -> Option<T>,
        into: &mut Vec<T>,
    ) {
        while let Some(value) = self.optional(|this| {
            this.then(separator)?;
            rule(this)
        }) {
            into.push(value);
        }
    }

    /// `~ literal ~` in the middle of a rule: the token, with the spaces
    /// before it and after it (the next part's) skipped.
    fn then(&mut self, literal: &str) -> Option<()> {
        self.then_matching(|this| this.eat(literal))
    }

    /// `~ kw_<word> ~` in the middle of a rule, as [`Self::then`].
    fn then_keyword(&mut self, word: &str) -> Option<()> {
        self.then_matching(|this| this.keyword(word))
    }

    fn then_matching(&mut self, token: impl FnOnce(&mut Self) -> bool) -> Option<()> {
        self.skip();
        token(self).then_some(())?;
        self.skip();
        Some(())
    }

    // --- Declarations ----------------------------------------------------

    fn entry(&mut self) -> Option<Vec<Item>> {
        let mut items = Vec::new();
        // A byte-order mark that starts the text ends no rule's span.
        if self.bytes.starts_with("\u{FEFF}".as_bytes()) {
            self.pos = 3;
        }
        self.semicolons();
        if self.pos < self.bytes.len() {
            items.push(self.item()?);
            self.semicolons();
        }
        (self.pos == self.bytes.len()).then_some(items)
    }

    /// `";"*` with the spaces around.
    fn semicolons(&mut self) {
        loop {
            self.skip();
            if !self.eat(";") {
                return;
            }
        }
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let word = self.word();
        self.pos += word.len();
        let kind = match word {
            "import" => {
                self.skip();
                let path = self.string()?;
                let alias = self.optional(|this| {
                    this.then_keyword("as")?;
                    this.ident()
                });
                ItemKind::Import(Import { path, alias })
            }
            "registry" => ItemKind::Registry(self.decl(true)?),
            "calendar" => ItemKind::Calendar(self.decl(false)?),
            "window" => ItemKind::Window(self.decl(false)?),
            "alarm" => ItemKind::Alarm(self.alarm()?),
            "template" => ItemKind::Template(self.decl(true)?),
            "pipeline" => ItemKind::Pipeline(self.decl(true)?),
            "policy" => ItemKind::Policy(self.decl(false)?),
            _ => return None,
        };
        Some(Item {
            kind,
            span: self.span(start, self.pos),
        })
    }

    /// After the keyword: `ident ~ extends_clause? ~ block`, or without the
    /// `extends` clause.
    fn decl(&mut self, may_extend: bool) -> Option<Decl> {
        self.skip();
        let name = self.ident()?;
        let extends = if may_extend {
            self.optional(|this| {
                this.then_keyword("extends")?;
                this.path()
            })
        } else {
            None
        };
        self.skip();
        let body = self.block()?;
        Some(Decl {
            name,
            extends,
            body,
        })
    }

    /// After `alarm`: `ident ~ ("=" ~ expr)?`.
    fn alarm(&mut self) -> Option<AlarmDecl> {
        self.skip();
        let name = self.ident()?;
        let value = self.optional(|this| {
            this.then("=")?;
            this.expr()
        });
        Some(AlarmDecl { name, value })
    }

    /// `"{" ~ ";"* ~ (member ~ ";"*)* ~ "}"`.
    fn block(&mut self) -> Option<Block> {
        let start = self.pos;
        if !self.eat("{") {
            return None;
        }
        let mut members = Vec::new();
        loop {
            self.skip();
            match self.byte(self.pos) {
                Some(b';') => self.pos += 1,
                Some(b'}') => break,
                _ => members.push(self.member()?),
            }
        }
        self.pos += 1;
        Some(Block {
            members: exact(members),
            span: self.span(start, self.pos),
        })
    }

    fn optional_block(&mut self) -> Option<Block> {
        self.optional(Self::block)
    }
}

fn literal_expr(literal: Literal) -> Expr {
    let span = literal.span;
    Expr {
        kind: ExprKind::Literal(literal),
        span,
    }
}

fn path_expr(path: Path) -> Expr {
    let span = path.span;
    Expr {
        kind: ExprKind::Path(path),
        span,
    }
}

/// `list` in an allocation of exactly its length. A syntax tree is kept
/// to the end of a run, and a list grown push by push has room for up to
/// twice what it holds: a block of one member had room for four (672
/// bytes for 168), and the trees of a workspace were two fifths empty
/// room. Copying each list once as it is finished costs less than the
/// pages the room would fill.
fn exact<T>(list: Vec<T>) -> Vec<T> {
    if list.len() == list.capacity() {
        return list;
    }
    let mut exact = Vec::with_capacity(list.len());
    exact.extend(list);
    exact
}
