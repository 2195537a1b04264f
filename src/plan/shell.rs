//! Values in shell code, passed out of band.
//!
//! A command that asks for a shell (`shell = true`) is shell code, and no
//! quoting of a value for the place it stands in can be made complete:
//! inside `"$(...)"`, backticks, a here-document or a comment the same
//! characters mean different things. So no value is ever written into the
//! code. Each goes into the command's environment as `PIPEC_VALUE_N`, and
//! the code gets a *reference* to that variable, written for the lexical
//! context the value stands in:
//!
//! | where the value stands | reference |
//! | --- | --- |
//! | outside quotes (also inside `$(...)` or backticks) | `"${PIPEC_VALUE_1}"` |
//! | in double quotes | `${PIPEC_VALUE_1}` |
//! | in single quotes | `'"${PIPEC_VALUE_1}"'` (close, reference, reopen) |
//! | in a here-document body, delimiter unquoted | `${PIPEC_VALUE_1}` |
//! | in a comment | `${PIPEC_VALUE_1}` (it does nothing there) |
//!
//! The shell expands a reference once and never reads its text as code.
//! Where it would (the shell evaluates the expansion again, or nothing
//! expands) there is no safe reference, and the value is refused: see
//! [`Refusal`].
//!
//! The scanner knows enough of POSIX `sh` to tell these contexts apart:
//! quotes, backslashes, `$(...)` (nested, also in double quotes), backticks,
//! `$((...))`, `${...}`, comments and here-documents. A mistake in it could
//! only choose a wrong reference, never run a value: every reference is a
//! single variable expansion.

use super::words::{Piece, WordsError};

/// The prefix of the variables that carry a shell command's values.
pub const VALUE_VARIABLE_PREFIX: &str = "PIPEC_VALUE_";

/// Why a value cannot stand where it is written in shell code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Inside `$((...))`: shells evaluate a variable's text as an
    /// arithmetic expression, and bash runs code from `a[$(cmd)]` there.
    Arithmetic,
    /// In the body of a here-document whose delimiter is quoted: nothing
    /// expands there, so a reference would be written literally.
    QuotedHereDocument,
    /// In a here-document's delimiter word.
    HereDocumentDelimiter,
    /// Inside a `${...}` expansion written in the command: there a value
    /// is a pattern or a default, read with rules of its own.
    ParameterExpansion,
    /// In a command that reads its arguments as shell code again (`eval`,
    /// `trap`, `alias`).
    Reevaluated(&'static str),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Arithmetic => f.write_str(
                "it stands inside `$((...))`, where the shell evaluates a variable's text \
                 as an arithmetic expression",
            ),
            Refusal::QuotedHereDocument => f.write_str(
                "it stands in a here-document whose delimiter is quoted, where nothing \
                 expands",
            ),
            Refusal::HereDocumentDelimiter => {
                f.write_str("it stands in a here-document's delimiter")
            }
            Refusal::ParameterExpansion => {
                f.write_str("it stands inside a `${...}` expansion of the shell")
            }
            Refusal::Reevaluated(name) => write!(
                f,
                "it stands in an argument of `{name}`, which reads its arguments as shell \
                 code again"
            ),
        }
    }
}

/// Why shell code could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellError {
    /// The command does not read as shell code.
    Words(WordsError),
    /// The value of piece `piece` stands where no reference is safe.
    Refused {
        /// The index of the value's piece.
        piece: usize,
        /// Why.
        refusal: Refusal,
    },
}

/// The values of one step's shell commands: `values[i]` is carried in
/// `PIPEC_VALUE_{i+1}`. A deploy's `run` and `rollback` share one numbering,
/// as they share one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    /// The values, in order of first appearance.
    pub values: Vec<String>,
}

impl Values {
    /// The number of the variable carrying `value`, given one if new: the
    /// same text shares one variable.
    fn number(&mut self, value: &str) -> usize {
        if let Some(index) = self.values.iter().position(|known| known == value) {
            return index + 1;
        }
        self.values.push(value.to_string());
        self.values.len()
    }

    /// Each variable's name and value, in order.
    pub fn variables(&self) -> impl Iterator<Item = (String, &str)> {
        self.values
            .iter()
            .enumerate()
            .map(|(index, value)| (variable(index + 1), value.as_str()))
    }
}

/// The name of the variable that carries value number `number`.
pub fn variable(number: usize) -> String {
    format!("{VALUE_VARIABLE_PREFIX}{number}")
}

/// One character of the command's text, or a value (by its piece's index).
#[derive(Debug, Clone, Copy)]
enum Token<'a> {
    Char(char),
    Value(usize, &'a str),
}

/// Built-ins whose arguments are read as shell code again.
const REEVALUATING: &[&str] = &["eval", "trap", "alias"];

/// Words after which the next word is still a command's name.
const COMMAND_PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "command", "builtin",
];

/// The state of the simple command being read in one code frame: enough
/// to know its name and whether it reevaluates its arguments.
#[derive(Debug, Clone, Default)]
struct Command {
    /// Reading a word.
    in_word: bool,
    /// The word's text with quotes removed, while it holds no expansion.
    word: String,
    plain: bool,
    /// The next word names the command (after a separator, a keyword or
    /// an assignment).
    expect_name: bool,
    /// The next word is a redirection's target.
    redirect_target: bool,
    /// The command's name reevaluates its arguments.
    reevaluates: Option<&'static str>,
}

impl Command {
    fn new() -> Command {
        Command {
            plain: true,
            expect_name: true,
            ..Command::default()
        }
    }

    fn start_word(&mut self) {
        if !self.in_word {
            self.in_word = true;
            self.word.clear();
            self.plain = true;
        }
    }

    fn push(&mut self, ch: char) {
        self.start_word();
        self.word.push(ch);
    }

    /// Something other than literal text (a value, an expansion) is part
    /// of the word.
    fn taint(&mut self) {
        self.start_word();
        self.plain = false;
    }

    /// The word ends; `before_redirect` when a `<` or `>` ends it (then a
    /// word of digits is the redirection's file descriptor).
    fn end_word(&mut self, before_redirect: bool) {
        if !self.in_word {
            return;
        }
        self.in_word = false;
        if before_redirect && self.plain && self.word.chars().all(|ch| ch.is_ascii_digit()) {
            return;
        }
        if self.redirect_target {
            self.redirect_target = false;
            return;
        }
        if !self.expect_name {
            return;
        }
        if self.plain && COMMAND_PREFIXES.contains(&self.word.as_str()) {
            return;
        }
        if self.plain && is_assignment(&self.word) {
            return;
        }
        // An assignment word may hold values and expansions after its `=`.
        if !self.plain
            && self
                .word
                .split_once('=')
                .is_some_and(|(name, _)| is_name(name))
        {
            return;
        }
        self.expect_name = false;
        if self.plain {
            self.reevaluates = REEVALUATING
                .iter()
                .find(|name| **name == self.word)
                .copied();
        }
    }

    /// A command ends (`;`, `&`, `|`, `(`, `)`, a line break).
    fn separate(&mut self) {
        self.end_word(false);
        *self = Command::new();
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| is_name(name))
}

/// What kind of code a code frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeKind {
    /// The command itself.
    Top,
    /// `$(...)`, with how many `(` are open inside it.
    Substitution(u32),
    /// `` `...` ``.
    Backticks,
}

/// A here-document waiting for its body (the line after its operator).
#[derive(Debug, Clone)]
struct HereDocument {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Where reading a here-document's body stopped.
enum BodyEnd {
    /// Its delimiter line was read; code goes on here.
    Ended(usize),
    /// The body goes on here, as text that expands.
    Open(usize),
}

/// A lexical context the scanner stands in.
#[derive(Debug, Clone)]
enum Frame {
    Code(CodeKind, Command),
    Single,
    Double,
    /// `${...}`, with how many `{` are open inside it.
    Brace(u32),
    /// `$((...))`, with how many `(` are open inside it.
    Arithmetic(u32),
    /// A here-document's body (the current line is not its delimiter).
    Body(HereDocument),
    /// From `#` to the end of the line.
    Comment,
}

struct Scanner<'v> {
    out: String,
    stack: Vec<Frame>,
    /// Here-documents whose bodies start after the current line.
    pending: Vec<HereDocument>,
    values: &'v mut Values,
}

/// Shell code for a command that asks for a shell: the text as written,
/// each value replaced by a reference to the environment variable that
/// carries it (numbered in `values`). See the module's documentation.
pub fn shell_text(pieces: &[Piece<'_>], values: &mut Values) -> Result<String, ShellError> {
    let mut tokens = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(text) => tokens.extend(text.chars().map(Token::Char)),
            Piece::Value(value) => tokens.push(Token::Value(index, value)),
        }
    }
    let mut scanner = Scanner {
        out: String::new(),
        stack: vec![Frame::Code(CodeKind::Top, Command::new())],
        pending: Vec::new(),
        values,
    };
    scanner.scan(&tokens)?;
    scanner.finish()
}

impl Scanner<'_> {
    /// Replaces the innermost frame (the command's own frame is never
    /// popped, so there is one).
    fn replace_top(&mut self, frame: Frame) {
        if let Some(top) = self.stack.last_mut() {
            *top = frame;
        }
    }

    /// The simple command of the nearest code frame.
    fn command(&mut self) -> Option<&mut Command> {
        self.stack.iter_mut().rev().find_map(|frame| match frame {
            Frame::Code(_, command) => Some(command),
            _ => None,
        })
    }

    /// A literal character of a word: in a code frame, or in quotes
    /// directly in one, it is part of that frame's word.
    fn literal(&mut self, ch: char) {
        let index = match self.stack.last() {
            Some(Frame::Code(..)) => self.stack.len() - 1,
            Some(Frame::Single | Frame::Double) if self.stack.len() >= 2 => self.stack.len() - 2,
            _ => return,
        };
        if let Some(Frame::Code(_, command)) = self.stack.get_mut(index) {
            command.push(ch);
        }
    }

    fn taint_word(&mut self) {
        if let Some(command) = self.command() {
            command.taint();
        }
    }

    fn scan(&mut self, tokens: &[Token<'_>]) -> Result<(), ShellError> {
        let mut at = 0;
        while let Some(token) = tokens.get(at) {
            at = match *token {
                Token::Value(piece, value) => {
                    self.value(piece, value)?;
                    at + 1
                }
                Token::Char(ch) => self.char(tokens, at, ch)?,
            };
        }
        Ok(())
    }

    /// Reads the character at `at`, writes what it consumed, and says where
    /// to go on.
    fn char(&mut self, tokens: &[Token<'_>], at: usize, ch: char) -> Result<usize, ShellError> {
        let next = char_at(tokens, at + 1);
        let Some(top) = self.stack.last().cloned() else {
            return Ok(at + 1);
        };
        match top {
            Frame::Single => {
                self.out.push(ch);
                if ch == '\'' {
                    self.stack.pop();
                } else {
                    self.literal(ch);
                }
                Ok(at + 1)
            }
            Frame::Comment => {
                self.out.push(ch);
                if ch == '\n' {
                    self.stack.pop();
                    return self.line_break(tokens, at + 1);
                }
                Ok(at + 1)
            }
            Frame::Double => match ch {
                '"' => {
                    self.out.push(ch);
                    self.stack.pop();
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |next| {
                    matches!(next, '$' | '`' | '"' | '\\' | '\n')
                }),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    self.literal(ch);
                    Ok(at + 1)
                }
            },
            Frame::Body(_) => match ch {
                '\\' => self.backslash(tokens, at, |next| matches!(next, '$' | '`' | '\\' | '\n')),
                '$' | '`' => self.expansion(tokens, at),
                '\n' => {
                    self.out.push(ch);
                    match self.body_lines(tokens, at + 1)? {
                        BodyEnd::Ended(next) => self.line_break(tokens, next),
                        BodyEnd::Open(next) => Ok(next),
                    }
                }
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Brace(depth) => match ch {
                '}' if depth == 0 => {
                    self.out.push(ch);
                    self.stack.pop();
                    Ok(at + 1)
                }
                '}' | '{' => {
                    self.out.push(ch);
                    self.replace_top(Frame::Brace(if ch == '{' { depth + 1 } else { depth - 1 }));
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |_| true),
                '\'' => self.open(ch, Frame::Single, at),
                '"' => self.open(ch, Frame::Double, at),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Arithmetic(depth) => match ch {
                ')' if depth == 0 && next == Some(')') => {
                    self.out.push_str("))");
                    self.stack.pop();
                    Ok(at + 2)
                }
                '(' | ')' => {
                    self.out.push(ch);
                    let depth = if ch == '(' {
                        depth + 1
                    } else {
                        depth.saturating_sub(1)
                    };
                    self.replace_top(Frame::Arithmetic(depth));
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |_| true),
                '\'' => self.open(ch, Frame::Single, at),
                '"' => self.open(ch, Frame::Double, at),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Code(kind, _) => self.code_char(tokens, at, ch, kind),
        }
    }

    /// A character in code: the command, `$(...)` or backticks.
    fn code_char(
        &mut self,
        tokens: &[Token<'_>],
        at: usize,
        ch: char,
        kind: CodeKind,
    ) -> Result<usize, ShellError> {
        let next = char_at(tokens, at + 1);
        let word_start = self.command().is_none_or(|command| !command.in_word);
        match ch {
            '\\' => {
                // An escaped character is a literal part of the word; an
                // escaped line break joins the lines.
                if next != Some('\n')
                    && let Some(command) = self.command()
                {
                    command.start_word();
                }
                self.backslash(tokens, at, |_| true)
            }
            '\'' => self.open(ch, Frame::Single, at),
            '"' => self.open(ch, Frame::Double, at),
            '$' => self.expansion(tokens, at),
            '`' if kind == CodeKind::Backticks => {
                self.out.push(ch);
                self.stack.pop();
                self.taint_word();
                Ok(at + 1)
            }
            '`' => self.expansion(tokens, at),
            '#' if word_start => {
                self.out.push(ch);
                self.stack.push(Frame::Comment);
                Ok(at + 1)
            }
            ' ' | '\t' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.end_word(false);
                }
                Ok(at + 1)
            }
            '\n' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.separate();
                }
                self.line_break(tokens, at + 1)
            }
            '(' => {
                self.out.push(ch);
                if let Some(Frame::Code(CodeKind::Substitution(depth), _)) = self.stack.last_mut() {
                    *depth += 1;
                }
                if let Some(command) = self.command() {
                    command.separate();
                }
                Ok(at + 1)
            }
            ')' => {
                self.out.push(ch);
                match kind {
                    CodeKind::Substitution(0) => {
                        self.stack.pop();
                        self.taint_word();
                    }
                    _ => {
                        if let Some(Frame::Code(CodeKind::Substitution(depth), _)) =
                            self.stack.last_mut()
                        {
                            *depth -= 1;
                        }
                        if let Some(command) = self.command() {
                            command.separate();
                        }
                    }
                }
                Ok(at + 1)
            }
            ';' | '&' | '|' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.separate();
                }
                Ok(at + 1)
            }
            // bash's here-string `<<<` is no here-document.
            '<' if next == Some('<') && char_at(tokens, at + 2) == Some('<') => {
                self.out.push_str("<<<");
                if let Some(command) = self.command() {
                    command.end_word(true);
                    command.redirect_target = true;
                }
                Ok(at + 3)
            }
            '<' if next == Some('<') => self.here_document(tokens, at),
            '<' | '>' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.end_word(true);
                    command.redirect_target = true;
                }
                // `>&2`, `<&0`, `>|`: the operator goes on.
                let mut at = at + 1;
                while let Some(more @ ('&' | '|' | '>')) = char_at(tokens, at) {
                    self.out.push(more);
                    at += 1;
                }
                Ok(at)
            }
            _ => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.push(ch);
                }
                Ok(at + 1)
            }
        }
    }

    /// A backslash at `at`: it escapes the next character when `escapes`
    /// says so. Before a value it is written as an escaped backslash, so
    /// that it means itself and the reference stays whole.
    fn backslash(
        &mut self,
        tokens: &[Token<'_>],
        at: usize,
        escapes: impl Fn(char) -> bool,
    ) -> Result<usize, ShellError> {
        match tokens.get(at + 1) {
            Some(Token::Char(next)) if escapes(*next) => {
                self.out.push('\\');
                self.out.push(*next);
                if *next != '\n' {
                    self.literal(*next);
                }
                Ok(at + 2)
            }
            Some(Token::Value(..)) => {
                self.out.push_str("\\\\");
                Ok(at + 1)
            }
            None if matches!(self.stack.last(), Some(Frame::Code(..))) => {
                Err(ShellError::Words(WordsError::TrailingBackslash))
            }
            _ => {
                self.out.push('\\');
                Ok(at + 1)
            }
        }
    }

    fn open(&mut self, ch: char, frame: Frame, at: usize) -> Result<usize, ShellError> {
        self.out.push(ch);
        if let Some(Frame::Code(_, command)) = self.stack.last_mut() {
            command.start_word();
        }
        self.stack.push(frame);
        Ok(at + 1)
    }

    /// `$` or a backtick at `at`, in a context where they expand.
    fn expansion(&mut self, tokens: &[Token<'_>], at: usize) -> Result<usize, ShellError> {
        self.taint_word();
        if char_at(tokens, at) == Some('`') {
            self.out.push('`');
            self.stack
                .push(Frame::Code(CodeKind::Backticks, Command::new()));
            return Ok(at + 1);
        }
        match (char_at(tokens, at + 1), char_at(tokens, at + 2)) {
            (Some('('), Some('(')) => {
                self.out.push_str("$((");
                self.stack.push(Frame::Arithmetic(0));
                Ok(at + 3)
            }
            (Some('('), _) => {
                self.out.push_str("$(");
                self.stack
                    .push(Frame::Code(CodeKind::Substitution(0), Command::new()));
                Ok(at + 2)
            }
            (Some('{'), _) => {
                self.out.push_str("${");
                self.stack.push(Frame::Brace(0));
                Ok(at + 2)
            }
            _ => {
                self.out.push('$');
                Ok(at + 1)
            }
        }
    }

    /// `<<` at `at`, in code: a here-document's operator and delimiter.
    fn here_document(&mut self, tokens: &[Token<'_>], at: usize) -> Result<usize, ShellError> {
        self.out.push_str("<<");
        if let Some(command) = self.command() {
            command.end_word(true);
        }
        let mut at = at + 2;
        let strip_tabs = char_at(tokens, at) == Some('-');
        if strip_tabs {
            self.out.push('-');
            at += 1;
        }
        while let Some(blank @ (' ' | '\t')) = char_at(tokens, at) {
            self.out.push(blank);
            at += 1;
        }
        let mut delimiter = String::new();
        let mut quoted = false;
        let mut quote: Option<char> = None;
        while let Some(token) = tokens.get(at) {
            let ch = match *token {
                Token::Value(piece, _) => {
                    return Err(ShellError::Refused {
                        piece,
                        refusal: Refusal::HereDocumentDelimiter,
                    });
                }
                Token::Char(ch) => ch,
            };
            match (quote, ch) {
                (None, ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')') => break,
                (None, '\'' | '"') => {
                    quoted = true;
                    quote = Some(ch);
                }
                (Some(open), _) if open == ch => quote = None,
                (None, '\\') | (Some('"'), '\\') => {
                    quoted = true;
                    if let Some(Token::Char(escaped)) = tokens.get(at + 1) {
                        self.out.push(ch);
                        self.out.push(*escaped);
                        delimiter.push(*escaped);
                        at += 2;
                        continue;
                    }
                }
                _ => delimiter.push(ch),
            }
            self.out.push(ch);
            at += 1;
        }
        if quote.is_some() {
            return Err(ShellError::Words(WordsError::UnclosedQuote(
                quote.unwrap_or('\''),
            )));
        }
        self.pending.push(HereDocument {
            delimiter,
            strip_tabs,
            quoted,
        });
        Ok(at)
    }

    /// After a line break in code, at `at`: the bodies of pending
    /// here-documents start, one after the other.
    fn line_break(&mut self, tokens: &[Token<'_>], mut at: usize) -> Result<usize, ShellError> {
        while !self.pending.is_empty() {
            let document = self.pending.remove(0);
            self.stack.push(Frame::Body(document));
            match self.body_lines(tokens, at)? {
                BodyEnd::Ended(next) => at = next,
                BodyEnd::Open(next) => return Ok(next),
            }
        }
        Ok(at)
    }

    /// At the start of a line of a here-document's body (at `at`): the
    /// delimiter line ends it; a quoted one is copied line by line, unless
    /// a line holds a value; an unquoted one is read on as text that
    /// expands.
    fn body_lines(&mut self, tokens: &[Token<'_>], mut at: usize) -> Result<BodyEnd, ShellError> {
        loop {
            let Some(Frame::Body(document)) = self.stack.last().cloned() else {
                return Ok(BodyEnd::Open(at));
            };
            if at >= tokens.len() {
                return Ok(BodyEnd::Open(at));
            }
            let end = (at..tokens.len())
                .find(|index| matches!(tokens.get(*index), Some(Token::Char('\n'))))
                .unwrap_or(tokens.len());
            let mut text = String::new();
            let mut value = None;
            for token in tokens.get(at..end).unwrap_or_default() {
                match *token {
                    Token::Char(ch) => text.push(ch),
                    Token::Value(piece, _) => {
                        value.get_or_insert(piece);
                    }
                }
            }
            let compared = if document.strip_tabs {
                text.trim_start_matches('\t')
            } else {
                text.as_str()
            };
            if value.is_none() && compared == document.delimiter {
                self.out.push_str(&text);
                self.stack.pop();
                if end < tokens.len() {
                    self.out.push('\n');
                    return Ok(BodyEnd::Ended(end + 1));
                }
                return Ok(BodyEnd::Ended(end));
            }
            if !document.quoted {
                return Ok(BodyEnd::Open(at));
            }
            if let Some(piece) = value {
                return Err(ShellError::Refused {
                    piece,
                    refusal: Refusal::QuotedHereDocument,
                });
            }
            self.out.push_str(&text);
            if end >= tokens.len() {
                return Ok(BodyEnd::Open(end));
            }
            self.out.push('\n');
            at = end + 1;
        }
    }

    /// A value: a reference for where it stands, or a refusal.
    fn value(&mut self, piece: usize, value: &str) -> Result<(), ShellError> {
        let refused = |refusal| Err(ShellError::Refused { piece, refusal });
        for frame in &self.stack {
            match frame {
                Frame::Arithmetic(_) => return refused(Refusal::Arithmetic),
                Frame::Code(_, command) => {
                    if let Some(name) = command.reevaluates {
                        return refused(Refusal::Reevaluated(name));
                    }
                }
                _ => {}
            }
        }
        // The nearest frame that is not a quote decides, with the quote.
        let mut quote = None;
        let mut decides = None;
        for frame in self.stack.iter().rev() {
            match frame {
                Frame::Single | Frame::Double if quote.is_none() => quote = Some(frame),
                Frame::Single | Frame::Double => {}
                _ => {
                    decides = Some(frame);
                    break;
                }
            }
        }
        if let Some(Frame::Brace(_)) = decides {
            return refused(Refusal::ParameterExpansion);
        }
        let name = super::shell::variable(self.values.number(value));
        let reference = match (decides, quote) {
            (Some(Frame::Comment), _) => format!("${{{name}}}"),
            (_, Some(Frame::Double)) => format!("${{{name}}}"),
            (_, Some(Frame::Single)) => format!("'\"${{{name}}}\"'"),
            (Some(Frame::Body(_)), None) => format!("${{{name}}}"),
            _ => format!("\"${{{name}}}\""),
        };
        self.out.push_str(&reference);
        self.taint_word();
        Ok(())
    }

    fn finish(self) -> Result<String, ShellError> {
        for frame in self.stack.iter().rev() {
            match frame {
                Frame::Single => return Err(ShellError::Words(WordsError::UnclosedQuote('\''))),
                Frame::Double => return Err(ShellError::Words(WordsError::UnclosedQuote('"'))),
                _ => {}
            }
        }
        if self.out.trim().is_empty() {
            return Err(ShellError::Words(WordsError::Empty));
        }
        Ok(self.out)
    }
}

fn char_at(tokens: &[Token<'_>], at: usize) -> Option<char> {
    match tokens.get(at) {
        Some(Token::Char(ch)) => Some(*ch),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The code for `text`, where `@` stands for the value `v`.
    fn code(text: &str) -> Result<String, ShellError> {
        let mut pieces = Vec::new();
        for (index, part) in text.split('@').enumerate() {
            if index > 0 {
                pieces.push(Piece::Value("v"));
            }
            pieces.push(Piece::Text(part));
        }
        shell_text(&pieces, &mut Values::default())
    }

    fn refusal(text: &str) -> Option<Refusal> {
        match code(text) {
            Err(ShellError::Refused { refusal, .. }) => Some(refusal),
            _ => None,
        }
    }

    #[test]
    fn references_fit_where_the_value_stands() {
        let cases = [
            ("echo @", "echo \"${PIPEC_VALUE_1}\""),
            ("echo '@'", "echo ''\"${PIPEC_VALUE_1}\"''"),
            ("echo \"@\"", "echo \"${PIPEC_VALUE_1}\""),
            (
                "echo \"$(echo @)\"",
                "echo \"$(echo \"${PIPEC_VALUE_1}\")\"",
            ),
            ("echo `echo @`", "echo `echo \"${PIPEC_VALUE_1}\"`"),
            (
                "echo \"$(a \"$(b '@')\")\"",
                "echo \"$(a \"$(b ''\"${PIPEC_VALUE_1}\"'')\")\"",
            ),
            (
                "cat <<EOF\n@ '@'\nEOF",
                "cat <<EOF\n${PIPEC_VALUE_1} '${PIPEC_VALUE_1}'\nEOF",
            ),
            (
                "cat <<-EOF\n\t$(x @)\n\tEOF\necho @",
                "cat <<-EOF\n\t$(x \"${PIPEC_VALUE_1}\")\n\tEOF\necho \"${PIPEC_VALUE_1}\"",
            ),
            (
                "true # it's @\necho '@'",
                "true # it's ${PIPEC_VALUE_1}\necho ''\"${PIPEC_VALUE_1}\"''",
            ),
            ("echo \\@", "echo \\\\\"${PIPEC_VALUE_1}\""),
            ("echo $#@", "echo $#\"${PIPEC_VALUE_1}\""),
        ];
        for (text, expected) in cases {
            assert_eq!(code(text).unwrap(), expected, "{text:?}");
        }
    }

    #[test]
    fn values_share_a_variable_by_text_and_are_numbered_in_order() {
        let mut values = Values::default();
        let first = shell_text(
            &[
                Piece::Value("a"),
                Piece::Text(" "),
                Piece::Value("b"),
                Piece::Value("a"),
            ],
            &mut values,
        )
        .unwrap();
        let second = shell_text(&[Piece::Text("x "), Piece::Value("b")], &mut values).unwrap();
        assert_eq!(
            first,
            "\"${PIPEC_VALUE_1}\" \"${PIPEC_VALUE_2}\"\"${PIPEC_VALUE_1}\""
        );
        assert_eq!(second, "x \"${PIPEC_VALUE_2}\"");
        assert_eq!(
            values.variables().collect::<Vec<_>>(),
            [
                ("PIPEC_VALUE_1".to_string(), "a"),
                ("PIPEC_VALUE_2".to_string(), "b")
            ]
        );
    }

    #[test]
    fn places_without_a_safe_reference_are_refused() {
        let cases = [
            ("echo $((@ + 1))", Refusal::Arithmetic),
            ("echo \"$(( $(x @) ))\"", Refusal::Arithmetic),
            ("cat <<'EOF'\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<\"EOF\"\nx\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<\\EOF\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<@\nx\n", Refusal::HereDocumentDelimiter),
            ("echo \"${X:-@}\"", Refusal::ParameterExpansion),
            ("eval echo @", Refusal::Reevaluated("eval")),
            ("X=1 command eval \"@\"", Refusal::Reevaluated("eval")),
            (
                "true; if true; then eval \"$(echo @)\"; fi",
                Refusal::Reevaluated("eval"),
            ),
            ("trap 'echo @' EXIT", Refusal::Reevaluated("trap")),
            ("alias x=@", Refusal::Reevaluated("alias")),
        ];
        for (text, expected) in cases {
            assert_eq!(refusal(text), Some(expected), "{text:?}");
        }
        // Not a command named `eval`: an argument, a quoted body, after `;`.
        for text in [
            "echo eval @",
            "cat <<'EOF'\neval\nEOF\necho @",
            "eval true; echo @",
            "echo $((1 + 2)) @",
            "echo \"${X:-a}\" @",
        ] {
            assert!(code(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn no_value_is_ever_written_into_the_code() {
        // Every arrangement of three fragments of shell syntax around two
        // values: scanning ends without a panic, and the code holds
        // references only, never a value's text.
        let fragments = [
            "", " ", "'", "\"", "\\", "$(", ")", "`", "$((", "))", "${", "}", "#", "\n", "<<EOF\n",
            "<<'E'\n", "<<-", "EOF", "eval ", ";", "|", "(", "<", "\t",
        ];
        let value = "CANARY\n'\"`$(x)";
        for a in fragments {
            for b in fragments {
                for c in fragments {
                    let pieces = [
                        Piece::Text(a),
                        Piece::Value(value),
                        Piece::Text(b),
                        Piece::Value(value),
                        Piece::Text(c),
                    ];
                    if let Ok(code) = shell_text(&pieces, &mut Values::default()) {
                        assert!(!code.contains("CANARY"), "{pieces:?}: {code}");
                    }
                }
            }
        }
    }

    #[test]
    fn broken_code_is_still_refused_as_before() {
        assert_eq!(
            code("echo '@"),
            Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
        );
        assert_eq!(
            code("echo \"$(echo '@)\""),
            Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
        );
        assert_eq!(
            code("echo a\\"),
            Err(ShellError::Words(WordsError::TrailingBackslash))
        );
        assert_eq!(
            shell_text(&[Piece::Text("  ")], &mut Values::default()),
            Err(ShellError::Words(WordsError::Empty))
        );
    }
}
