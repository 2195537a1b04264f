//! Here-documents: the operator and its delimiter word, then the body's
//! lines after the line that holds them, up to the delimiter line.

use super::scanner::{Frame, Scanner, Token, char_at};
use super::{Refusal, ShellError};
use crate::plan::words::WordsError;

/// A here-document waiting for its body (the line after its operator).
#[derive(Debug, Clone)]
pub(super) struct HereDocument {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Where reading a here-document's body stopped.
pub(super) enum BodyEnd {
    /// Its delimiter line was read; code goes on here.
    Ended(usize),
    /// The body goes on here, as text that expands.
    Open(usize),
}

impl Scanner<'_> {
    /// `<<` at `at`, in code: a here-document's operator and delimiter.
    pub(super) fn here_document(
        &mut self,
        tokens: &[Token<'_>],
        at: usize,
    ) -> Result<usize, ShellError> {
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
    pub(super) fn line_break(
        &mut self,
        tokens: &[Token<'_>],
        mut at: usize,
    ) -> Result<usize, ShellError> {
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
    pub(super) fn body_lines(
        &mut self,
        tokens: &[Token<'_>],
        mut at: usize,
    ) -> Result<BodyEnd, ShellError> {
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
                // What the body held is no part of the next line's command.
                if let Some(command) = self.command() {
                    command.separate();
                }
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
}
