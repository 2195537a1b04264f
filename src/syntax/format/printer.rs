//! The printer: puts the source's tokens on lines, in order, with canonical
//! spacing, and carries every comment along. The layout (`layout.rs`)
//! decides where lines break; the printer decides everything within a line.
//!
//! Tokens are only ever placed in source order, through [`Printer::place`],
//! so no token and no comment can be left out or reordered: a token's
//! leading comments are written on lines of their own just before it, and
//! its trailing comment ends the line it is on.

use super::tokens::{Lexed, Token};
use std::collections::BTreeSet;

/// One output line.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// Indentation and code; for a comment line, the comment.
    pub text: String,
    /// The comment that ends the line, `//` included.
    pub comment: Option<String>,
    /// What the line holds.
    pub kind: LineKind,
    /// Where a one-line member may be padded to line up with its
    /// neighbours.
    pub align: Option<AlignMark>,
}

impl Line {
    /// An empty line.
    pub fn blank() -> Line {
        Line {
            text: String::new(),
            comment: None,
            kind: LineKind::Blank,
            align: None,
        }
    }
}

/// What a line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineKind {
    /// Code, possibly ending in a comment.
    Code,
    /// A comment on a line of its own.
    Comment,
    /// Nothing.
    Blank,
}

/// Members whose heads line up when they stand on consecutive lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AlignClass {
    /// `name = value`, `name : type`: the operators line up.
    Field,
    /// `deny a, b`: the rule names line up.
    Level,
    /// `wave NAME { ... }` on one line: the braces line up; the string
    /// names the member kind, so waves line up with waves only.
    NamedBody(&'static str),
}

/// Where padding goes on a line, and for which class of member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AlignMark {
    /// The member's class.
    pub class: AlignClass,
    /// The byte offset in [`Line::text`] just after the member's head.
    pub at: usize,
}

/// What came last on the current line, for spacing.
#[derive(Debug, Clone, Copy)]
enum Previous {
    LineStart,
    Token(usize),
    Glued,
}

/// Where a placed token landed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement {
    /// The index of its line.
    pub line: usize,
    /// The column of its first character.
    pub column: usize,
    /// The byte offset in its line just after it.
    pub end: usize,
}

/// Places tokens on lines.
pub(super) struct Printer<'s> {
    source: &'s str,
    lexed: &'s Lexed,
    /// `(` tokens that open a call's arguments: no space before them.
    glued_parens: BTreeSet<usize>,
    /// `:` tokens of field declarations: a space before them too.
    spaced_colons: BTreeSet<usize>,
    lines: Vec<Line>,
    current: String,
    current_kind: LineKind,
    current_align: Option<AlignMark>,
    has_content: bool,
    /// A trailing comment waiting for the end of the current line.
    pending: Option<usize>,
    /// The next token starts a new line.
    needs_newline: bool,
    previous: Previous,
    leading_done: Vec<bool>,
    placements: Vec<Option<Placement>>,
    /// The column continuation lines start at.
    pub cont: usize,
    /// The next token to place.
    pub cursor: usize,
}

impl<'s> Printer<'s> {
    /// A printer for `source`, lexed as `lexed`.
    pub fn new(
        source: &'s str,
        lexed: &'s Lexed,
        glued_parens: BTreeSet<usize>,
        spaced_colons: BTreeSet<usize>,
    ) -> Printer<'s> {
        Printer {
            source,
            lexed,
            glued_parens,
            spaced_colons,
            lines: Vec::new(),
            current: String::new(),
            current_kind: LineKind::Code,
            current_align: None,
            has_content: false,
            pending: None,
            needs_newline: false,
            previous: Previous::LineStart,
            leading_done: vec![false; lexed.tokens.len()],
            placements: vec![None; lexed.tokens.len()],
            cont: 0,
            cursor: 0,
        }
    }

    fn token(&self, idx: usize) -> Option<&'s Token> {
        self.lexed.tokens.get(idx)
    }

    /// The text of token `idx`.
    pub fn text(&self, idx: usize) -> &'s str {
        self.token(idx).map_or("", |token| token.text(self.source))
    }

    /// The index of the first token that starts at or after `offset`.
    pub fn token_at(&self, offset: usize) -> usize {
        self.lexed
            .tokens
            .partition_point(|token| token.start < offset)
    }

    /// The index the current line will have once it is finished.
    pub fn line_index(&self) -> usize {
        self.lines.len()
    }

    /// Where token `idx` was placed, if it was.
    pub fn placement(&self, idx: usize) -> Option<Placement> {
        self.placements.get(idx).copied().flatten()
    }

    /// Marks the current line as a member that may be padded at `mark`.
    pub fn set_align(&mut self, mark: AlignMark) {
        self.current_align = Some(mark);
    }

    /// Makes the next token start a new line, at [`Printer::cont`].
    pub fn break_line(&mut self) {
        self.needs_newline = true;
    }

    /// The indentation of the current line.
    pub fn current_indent(&self) -> usize {
        self.current.len() - self.current.trim_start_matches(' ').len()
    }

    /// Ends the current line and starts one at `column`; with `blank`, a
    /// blank line comes between, unless the line before opens a bracket or
    /// there is nothing before.
    fn newline(&mut self, column: usize, blank: bool) {
        if self.has_content {
            let comment = self
                .pending
                .take()
                .and_then(|idx| self.lexed.comments.get(idx))
                .map(|comment| comment.text(self.source).to_string());
            self.lines.push(Line {
                text: std::mem::take(&mut self.current).trim_end().to_string(),
                comment,
                kind: self.current_kind,
                align: self.current_align.take(),
            });
        }
        self.pending = None;
        self.current_align = None;
        if blank && self.blank_allowed() {
            self.lines.push(Line::blank());
        }
        self.current = " ".repeat(column);
        self.current_kind = LineKind::Code;
        self.has_content = false;
        self.needs_newline = false;
        self.previous = Previous::LineStart;
    }

    fn blank_allowed(&self) -> bool {
        match self.lines.last() {
            None => false,
            Some(line) if line.kind == LineKind::Blank => false,
            Some(line) => !(line.kind == LineKind::Code && line.text.ends_with(['{', '[', '('])),
        }
    }

    /// Writes the comments that lead token `idx` now, each on a line of its
    /// own at [`Printer::cont`], unless they were written already.
    pub fn lead_comments(&mut self, idx: usize) {
        if self.leading_done.get(idx).copied().unwrap_or(true) {
            return;
        }
        if let Some(done) = self.leading_done.get_mut(idx) {
            *done = true;
        }
        let leading = self.token(idx).map_or(&[][..], |token| &token.leading[..]);
        for &comment_idx in leading {
            let Some(comment) = self.lexed.comments.get(comment_idx) else {
                continue;
            };
            self.newline(self.cont, comment.blank_before);
            self.current.push_str(comment.text(self.source));
            self.current_kind = LineKind::Comment;
            self.has_content = true;
            self.needs_newline = true;
        }
    }

    /// Places token `idx`: its leading comments, a line break if one is
    /// due, canonical spacing, then its text. Its trailing comment will end
    /// the line. Callers place tokens in source order.
    pub fn place(&mut self, idx: usize) {
        let Some(token) = self.token(idx) else {
            return;
        };
        self.lead_comments(idx);
        let text = token.text(self.source);
        // A comma of the source (a policy's list of rules) after a token
        // whose trailing comment is still pending stays with that token:
        // the comment belongs after it, at the end of the line.
        if text == "," && self.pending.is_some() && !self.needs_newline {
            self.current.push(',');
            self.previous = Previous::Token(idx);
            return;
        }
        if self.pending.is_some() || self.needs_newline {
            let is_closer = matches!(text, "}" | "]" | ")");
            self.newline(self.cont, token.blank_before && !is_closer);
        } else if self.space_before(idx) {
            self.current.push(' ');
        }
        let column = self.current.chars().count();
        self.current.push_str(text);
        self.has_content = true;
        if let Some(slot) = self.placements.get_mut(idx) {
            *slot = Some(Placement {
                line: self.lines.len(),
                column,
                end: self.current.len(),
            });
        }
        self.pending = token.trailing;
        self.previous = Previous::Token(idx);
    }

    /// Places the token at the cursor and moves past it.
    pub fn place_next(&mut self) {
        let idx = self.cursor;
        self.cursor += 1;
        self.place(idx);
    }

    /// Appends punctuation of the formatter's own (`;` between members of
    /// a one-line block, `,` after an item of a broken list) right after
    /// the last token, before its trailing comment.
    pub fn glue(&mut self, text: &str) {
        self.current.push_str(text);
        self.previous = Previous::Glued;
    }

    /// Moves the cursor past separators: the formatter writes its own.
    pub fn skip_separators(&mut self) {
        while self
            .token(self.cursor)
            .is_some_and(|token| token.is_separator(self.source))
        {
            self.cursor += 1;
        }
    }

    /// Moves the cursor past `;`s.
    pub fn skip_semicolons(&mut self) {
        while self.text(self.cursor) == ";" {
            self.cursor += 1;
        }
    }

    /// Places every token before byte `end` on the current line (or lines
    /// comments force), dropping `;` and a trailing `,` before a closer.
    pub fn emit_until(&mut self, end: usize) {
        while let Some(token) = self.token(self.cursor) {
            if token.start >= end {
                break;
            }
            let idx = self.cursor;
            self.cursor += 1;
            match token.text(self.source) {
                ";" => continue,
                "," if self.closer_follows(idx) => continue,
                _ => self.place(idx),
            }
        }
    }

    fn closer_follows(&self, idx: usize) -> bool {
        let mut next = idx + 1;
        while self.text(next) == ";" {
            next += 1;
        }
        matches!(self.text(next), ")" | "]")
    }

    fn space_before(&self, idx: usize) -> bool {
        let previous = match self.previous {
            Previous::LineStart => return false,
            Previous::Glued => return true,
            Previous::Token(previous) => self.text(previous),
        };
        let next = self.text(idx);
        if matches!(next, "," | ";" | ")" | "]" | "." | "..") {
            return false;
        }
        if matches!(previous, "(" | "[" | "." | "..") {
            return false;
        }
        match next {
            ":" => self.spaced_colons.contains(&idx),
            "(" => !self.glued_parens.contains(&idx),
            _ => true,
        }
    }

    /// Ends the last line, writes the comments after the last token, and
    /// returns the lines.
    pub fn finish(mut self) -> Vec<Line> {
        self.cont = 0;
        self.newline(0, false);
        for &comment_idx in &self.lexed.end_comments {
            let Some(comment) = self.lexed.comments.get(comment_idx) else {
                continue;
            };
            self.newline(0, comment.blank_before);
            self.current.push_str(comment.text(self.source));
            self.current_kind = LineKind::Comment;
            self.has_content = true;
        }
        self.newline(0, false);
        self.lines
    }

    /// Starts a new line at `column` now, with a blank line before it when
    /// `blank`: for a declaration, whose first line the layout records.
    pub fn start_line(&mut self, column: usize, blank: bool) {
        self.cont = column;
        self.newline(column, blank);
    }
}
