//! The scanner of `sh` contexts: it reads the command's text character by
//! character through the lexical contexts it stands in (code, quotes,
//! expansions, comments), writes it out, and has each value referred to
//! where it stands.

use super::here_document::{BodyEnd, HereDocument};
use super::simple_command::{Command, Reads};
use super::{ArithmeticPlace, Refusal, ShellError, Values};
use crate::plan::words::{Piece, WordsError};

/// One character of the command's text, or a value (by its piece's index).
#[derive(Debug, Clone, Copy)]
pub(super) enum Token<'a> {
    Char(char),
    Value(usize, &'a str),
}

/// What kind of code a code frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CodeKind {
    /// The command itself.
    Top,
    /// `$(...)`, with how many `(` are open inside it.
    Substitution(u32),
    /// `` `...` ``.
    Backticks,
}

/// A lexical context the scanner stands in.
#[derive(Debug, Clone)]
pub(super) enum Frame {
    Code(CodeKind, Command),
    Single,
    Double,
    /// `${...}`, with how many `{` are open inside it.
    Brace(u32),
    /// Arithmetic: `$((...))` or `((...))`, with how many `(` are open
    /// inside it, or `$[...]`, with how many `[`.
    Arithmetic {
        depth: u32,
        place: ArithmeticPlace,
    },
    /// A here-document's body (the current line is not its delimiter).
    Body(HereDocument),
    /// From `#` to the end of the line.
    Comment,
}

pub(super) struct Scanner<'v> {
    pub(super) out: String,
    pub(super) stack: Vec<Frame>,
    /// Here-documents whose bodies start after the current line.
    pub(super) pending: Vec<HereDocument>,
    pub(super) values: &'v mut Values,
    /// The command gives a variable an attribute (`declare -i`): every
    /// value is refused.
    pub(super) attribute: Option<Refusal>,
    /// The first value, outside comments.
    pub(super) first_value: Option<usize>,
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
        attribute: None,
        first_value: None,
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
    pub(super) fn command(&mut self) -> Option<&mut Command> {
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

    pub(super) fn taint_word(&mut self) {
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
            self.take_refusals()?;
        }
        Ok(())
    }

    /// Takes what the commands found when their words ended: a refused
    /// value, an attribute given to a variable (which refuses every value,
    /// also one before it).
    fn take_refusals(&mut self) -> Result<(), ShellError> {
        let mut found = Vec::new();
        for frame in &mut self.stack {
            if let Frame::Code(_, command) = frame {
                found.extend(command.refused.take().map(Ok));
                found.extend(command.attribute.take().map(Err));
            }
        }
        for found in found {
            match found {
                Ok((piece, refusal)) => return Err(ShellError::Refused { piece, refusal }),
                Err(attribute) => {
                    self.attribute.get_or_insert(attribute);
                    if let Some(piece) = self.first_value {
                        return Err(ShellError::Refused {
                            piece,
                            refusal: attribute,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Closes the innermost frame, a code frame: its last word ends.
    fn pop_code(&mut self) -> Result<(), ShellError> {
        if let Some(Frame::Code(_, command)) = self.stack.last_mut() {
            command.end_word(false);
        }
        self.take_refusals()?;
        self.stack.pop();
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
            Frame::Arithmetic {
                depth: 0,
                place: ArithmeticPlace::OldExpansion,
            } if ch == ']' => {
                self.out.push(ch);
                self.stack.pop();
                Ok(at + 1)
            }
            Frame::Arithmetic {
                depth,
                place: place @ ArithmeticPlace::OldExpansion,
            } if matches!(ch, '[' | ']') => {
                self.out.push(ch);
                let depth = if ch == '[' { depth + 1 } else { depth - 1 };
                self.replace_top(Frame::Arithmetic { depth, place });
                Ok(at + 1)
            }
            Frame::Arithmetic { depth, place } => match ch {
                ')' if depth == 0
                    && next == Some(')')
                    && place != ArithmeticPlace::OldExpansion =>
                {
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
                    self.replace_top(Frame::Arithmetic { depth, place });
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
                self.pop_code()?;
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
                    command.line_break();
                }
                self.line_break(tokens, at + 1)
            }
            // bash's arithmetic command, where a command starts or after
            // `for`.
            '(' if next == Some('(')
                && self.command().is_some_and(|command| {
                    !command.in_word
                        && !command.redirect_target
                        && !command.compound
                        && (command.expect_name || command.reads == Reads::For)
                }) =>
            {
                self.out.push_str("((");
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::Command,
                });
                Ok(at + 2)
            }
            '(' => {
                self.out.push(ch);
                if let Some(Frame::Code(CodeKind::Substitution(depth), _)) = self.stack.last_mut() {
                    *depth += 1;
                }
                if let Some(command) = self.command() {
                    command.open_paren();
                }
                Ok(at + 1)
            }
            ')' => {
                self.out.push(ch);
                match kind {
                    CodeKind::Substitution(0) => {
                        self.pop_code()?;
                        self.taint_word();
                    }
                    _ => {
                        if let Some(Frame::Code(CodeKind::Substitution(depth), _)) =
                            self.stack.last_mut()
                        {
                            *depth -= 1;
                        }
                        if let Some(command) = self.command() {
                            command.close_paren();
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
                    command.redirect();
                }
                Ok(at + 3)
            }
            '<' if next == Some('<') => self.here_document(tokens, at),
            '<' | '>' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.redirect();
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
            command.quote();
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
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::Expansion,
                });
                Ok(at + 3)
            }
            (Some('('), _) => {
                self.out.push_str("$(");
                self.stack
                    .push(Frame::Code(CodeKind::Substitution(0), Command::new()));
                Ok(at + 2)
            }
            (Some('['), _) => {
                self.out.push_str("$[");
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::OldExpansion,
                });
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

    fn finish(mut self) -> Result<String, ShellError> {
        for frame in &mut self.stack {
            if let Frame::Code(_, command) = frame {
                command.end_word(false);
            }
        }
        self.take_refusals()?;
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

pub(super) fn char_at(tokens: &[Token<'_>], at: usize) -> Option<char> {
    match tokens.get(at) {
        Some(Token::Char(ch)) => Some(*ch),
        _ => None,
    }
}
