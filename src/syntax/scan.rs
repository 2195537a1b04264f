//! A fast pre-pass over the text, before pest sees it. It
//!
//! - splits the file into top-level declarations, so that each is parsed on
//!   its own and a syntax error in one never hides errors in the others;
//! - collects comments, which the grammar skips, for the formatter and
//!   editors;
//! - finds what pest would report badly or not survive: unterminated
//!   strings, unbalanced brackets, and nesting deep enough to exhaust the
//!   parser's stack.
//!
//! It is a loop over bytes with an explicit bracket stack, so it cannot
//! overflow on any input.

use super::ast::Comment;
use crate::source::Span;

/// How deep brackets may nest inside one declaration.
pub const MAX_NESTING: usize = 64;

/// Keywords that start a top-level declaration.
const ITEM_KEYWORDS: &[&str] = &[
    "import", "registry", "calendar", "window", "alarm", "template", "pipeline", "policy",
];

/// Top-level keywords that are never members, so that one at column zero
/// inside an open bracket almost surely starts a new declaration after a
/// missing `}`. `window` and `alarm` are members too: one at column zero
/// starts a new declaration only if the open brackets are not closed
/// before the next of these keywords (see [`Scanner::closes_later`]).
const RECOVERY_KEYWORDS: &[&str] = &[
    "import", "registry", "calendar", "template", "pipeline", "policy",
];

/// The text of one top-level declaration, with what the scan found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Where the declaration's text is.
    pub span: Span,
    /// Whether it holds anything but whitespace and comments.
    pub has_tokens: bool,
    /// Problems that make parsing it pointless.
    pub problems: Vec<ScanProblem>,
    /// Lines that start with `#`, a YAML or shell comment: each is an
    /// error, and the declaration is parsed as if it were a comment, so
    /// that one habit does not swallow the declaration around it.
    pub hash_comments: Vec<Span>,
}

/// A problem found by the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// A string with no closing quote before the end of its line.
    UnterminatedString {
        /// From the opening quote to the end of the line.
        span: Span,
    },
    /// An opening bracket never closed before the declaration ends.
    Unclosed {
        /// The bracket.
        open: Span,
        /// Which bracket.
        delimiter: char,
        /// Where the next declaration starts, if one does.
        next_item: Option<Span>,
    },
    /// A closing bracket with no matching opening one.
    UnexpectedCloser {
        /// The bracket.
        span: Span,
        /// Which bracket.
        delimiter: char,
        /// The bracket that is open at that point, if any.
        open: Option<(Span, char)>,
        /// With nothing open: an earlier `}` that closed the declaration
        /// while indented as if it closed an inner block, which is where
        /// the depth first went wrong.
        premature: Option<Span>,
    },
    /// `${` in a string not followed by a name and `}` (`${service }`).
    BadInterpolation {
        /// From `${` to what stops it.
        span: Span,
        /// What stops it: the first byte that is not part of a name, or
        /// the `}` right after `${`.
        at: Span,
        /// The name before it, if any.
        name: String,
    },
    /// Brackets nested deeper than [`MAX_NESTING`].
    TooDeep {
        /// The first bracket past the limit.
        span: Span,
    },
}

/// Everything the scan found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Top-level declarations, in order, covering the whole file.
    pub chunks: Vec<Chunk>,
    /// Every comment.
    pub comments: Vec<Comment>,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    stack: Vec<(usize, u8)>,
    chunk_start: usize,
    chunk_has_tokens: bool,
    hash_comments: Vec<Span>,
    /// The `}` that closed the declaration indented unlike the line that
    /// opened it, if one did.
    premature_close: Option<Span>,
    /// The indentation of the line that opened the outermost `{`.
    outer_indent: usize,
    /// The current line's start and indentation, once counted.
    line_indent: Option<(usize, usize)>,
    problems: Vec<ScanProblem>,
    too_deep_reported: bool,
    line_start: usize,
    /// Where the open brackets were last found to close, so that a run of
    /// unindented members is looked ahead over once, not once per member.
    balanced_until: usize,
    /// The modifiers (`abstract`, `final`, `new`) written last, outside
    /// brackets, from the start of a line, with nothing but blanks and
    /// comments after them: where the first starts, and whether the chunk
    /// held tokens before it. A declaration keyword after them starts its
    /// declaration there, so that `abstract alarm x` is one declaration
    /// (one syntax error), not a stray word ending the one before.
    modifiers: Option<(usize, bool)>,
    scan: Scan,
}

/// Words that modify a member, which a top-level declaration cannot take.
const MODIFIERS: &[&str] = &["abstract", "final", "new"];

/// Scans a whole file.
pub fn scan(text: &str) -> Scan {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        chunk_start: 0,
        chunk_has_tokens: false,
        hash_comments: Vec::new(),
        premature_close: None,
        outer_indent: 0,
        line_indent: None,
        problems: Vec::new(),
        too_deep_reported: false,
        line_start: 0,
        balanced_until: 0,
        modifiers: None,
        scan: Scan::default(),
    };
    scanner.run();
    scanner.scan
}

/// Where the first unescaped `"` of `line` is, when the line holds an
/// odd number of them: the quote that ends a string begun on the line
/// before.
fn closing_quote(line: &[u8]) -> Option<usize> {
    let mut quotes = Vec::new();
    let mut idx = 0;
    while let Some(&byte) = line.get(idx) {
        match byte {
            b'\\' => idx += 2,
            b'"' => {
                quotes.push(idx);
                idx += 1;
            }
            _ => idx += 1,
        }
    }
    (quotes.len() % 2 == 1)
        .then(|| quotes.first().copied())
        .flatten()
}

impl Scanner<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn run(&mut self) {
        // A byte-order mark is not a token.
        // A leading byte-order mark is no part of the first line: a `#`
        // after it still starts that line.
        if self.text.starts_with('\u{FEFF}') {
            self.pos = '\u{FEFF}'.len_utf8();
            self.line_start = self.pos;
        }
        while let Some(byte) = self.peek(0) {
            match byte {
                b'\n' => {
                    self.pos += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if self.peek(1) == Some(b'/') => self.comment(),
                b'#' if self.starts_line() => {
                    self.modifiers = None;
                    let end = self.line_end(self.pos);
                    self.hash_comments.push(Span::new(self.pos, end));
                    self.pos = end;
                }
                b'"' => {
                    self.chunk_has_tokens = true;
                    self.modifiers = None;
                    self.string();
                }
                b'(' | b'[' | b'{' => {
                    self.chunk_has_tokens = true;
                    self.modifiers = None;
                    self.open(byte);
                }
                b')' | b']' | b'}' => {
                    self.chunk_has_tokens = true;
                    self.modifiers = None;
                    self.close(byte);
                }
                byte if byte.is_ascii_alphabetic() || byte == b'_' => self.word(),
                _ => {
                    self.chunk_has_tokens = true;
                    self.modifiers = None;
                    self.pos += 1;
                }
            }
        }
        self.finish_chunk(self.bytes.len(), None);
    }

    /// The indentation of the current line: its leading blanks, counted
    /// once per line (a long line of brackets must not be walked again for
    /// each of them).
    fn line_indentation(&mut self) -> usize {
        if let Some((line_start, indent)) = self.line_indent
            && line_start == self.line_start
        {
            return indent;
        }
        let indent = self.bytes.get(self.line_start..).map_or(0, |line| {
            line.iter()
                .take_while(|&&byte| matches!(byte, b' ' | b'\t'))
                .count()
        });
        self.line_indent = Some((self.line_start, indent));
        indent
    }

    /// Whether only blanks precede the current byte on its line.
    fn starts_line(&mut self) -> bool {
        self.line_start + self.line_indentation() == self.pos
    }

    fn line_end(&self, from: usize) -> usize {
        self.bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'))
            .map_or(self.bytes.len(), |idx| from + idx)
    }

    fn comment(&mut self) {
        let line_end = self.line_end(self.pos);
        // A CRLF line's `\r` is not part of the comment.
        let end = if line_end > self.pos && self.bytes.get(line_end - 1) == Some(&b'\r') {
            line_end - 1
        } else {
            line_end
        };
        self.scan.comments.push(Comment {
            span: Span::new(self.pos, end),
        });
        self.pos = line_end;
    }

    fn string(&mut self) {
        let start = self.pos;
        let mut idx = start + 1;
        loop {
            match self.bytes.get(idx) {
                Some(b'"') => {
                    self.pos = idx + 1;
                    return;
                }
                Some(b'\\') if self.bytes.get(idx + 1).is_some_and(|&next| next != b'\n') => {
                    idx += 2;
                }
                Some(b'$') if self.bytes.get(idx + 1) == Some(&b'{') => {
                    idx = self.interpolation(idx);
                }
                Some(b'\n') | None => break,
                Some(_) => idx += 1,
            }
        }
        let end = self.line_end(start);
        let end_trimmed = if end > start && self.bytes.get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        self.problems.push(ScanProblem::UnterminatedString {
            span: Span::new(start, end_trimmed),
        });
        self.pos = end;
        // A string broken across two lines (`"x` and `yz"`) is one mistake:
        // when the next line holds an odd number of quotes, its first ends
        // this string, and the rest of that line is read as code, not as
        // a second string left open.
        let next_start = end + 1;
        let next_line = self.bytes.get(next_start..self.line_end(next_start));
        if let Some(closing) = next_line.and_then(closing_quote) {
            self.pos = next_start + closing + 1;
            self.line_start = next_start;
        }
    }

    /// Checks the interpolation starting at `start` (`${`) and returns
    /// where the string goes on: after its `}`, or, when it has none right
    /// after a name, at what stopped it, which is reported (the parser
    /// would say only that the string is not one).
    fn interpolation(&mut self, start: usize) -> usize {
        let name_start = start + 2;
        let name_len = self.bytes.get(name_start..).map_or(0, |rest| {
            rest.iter()
                .take_while(|&&byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
                })
                .count()
        });
        let name_end = name_start + name_len;
        if name_len > 0 && self.bytes.get(name_end) == Some(&b'}') {
            return name_end + 1;
        }
        let stop_len = match self.bytes.get(name_end) {
            None | Some(b'\n' | b'\r' | b'"') => 0,
            Some(b'}') => 1,
            Some(_) => self
                .text
                .get(name_end..)
                .and_then(|rest| rest.chars().next())
                .map_or(1, char::len_utf8),
        };
        self.problems.push(ScanProblem::BadInterpolation {
            span: Span::new(start, name_end),
            at: Span::new(name_end, name_end + stop_len),
            name: self
                .text
                .get(name_start..name_end)
                .unwrap_or("")
                .to_string(),
        });
        name_end
    }

    fn open(&mut self, byte: u8) {
        if self.stack.is_empty() && byte == b'{' {
            // The opener's line counts by its own indentation, whatever
            // precedes the bracket on it (`template A {`).
            self.outer_indent = self.line_indentation();
        }
        self.stack.push((self.pos, byte));
        if self.stack.len() > MAX_NESTING && !self.too_deep_reported {
            self.too_deep_reported = true;
            self.problems.push(ScanProblem::TooDeep {
                span: Span::new(self.pos, self.pos + 1),
            });
        }
        self.pos += 1;
    }

    fn close(&mut self, byte: u8) {
        let opener = match byte {
            b')' => b'(',
            b']' => b'[',
            _ => b'{',
        };
        let span = Span::new(self.pos, self.pos + 1);
        match self.stack.last() {
            Some(&(_, top)) if top == opener => {
                self.stack.pop();
                // A `}` that starts its line says how deep it thinks it is;
                // one after other tokens on its line says nothing.
                if self.stack.is_empty()
                    && byte == b'}'
                    && self.premature_close.is_none()
                    && self.starts_line()
                    && self.line_indentation() != self.outer_indent
                {
                    self.premature_close = Some(span);
                }
            }
            top => {
                let open = top.map(|&(pos, top)| (Span::new(pos, pos + 1), char::from(top)));
                let premature = if open.is_none() && byte == b'}' {
                    self.premature_close.take()
                } else {
                    None
                };
                self.problems.push(ScanProblem::UnexpectedCloser {
                    span,
                    delimiter: char::from(byte),
                    open,
                    premature,
                });
                // A closer that matches a bracket further out closes it and
                // everything inside; one of the wrong kind closes the
                // innermost bracket (`ALARM("x"]`). Either way one mistake
                // makes one diagnostic.
                match self.stack.iter().rposition(|&(_, open)| open == opener) {
                    Some(depth) => self.stack.truncate(depth),
                    None => {
                        self.stack.pop();
                    }
                }
            }
        }
        self.pos += 1;
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut end = start;
        while let Some(&byte) = self.bytes.get(end) {
            let continues = byte.is_ascii_alphanumeric()
                || byte == b'_'
                || (byte == b'-'
                    && self
                        .bytes
                        .get(end + 1)
                        .is_some_and(|next| next.is_ascii_alphanumeric() || *next == b'_'));
            if !continues {
                break;
            }
            end += 1;
        }
        let word = self.text.get(start..end).unwrap_or("");
        let at_column_zero = start == self.line_start;
        let starts_item = self.chunk_has_tokens
            && if self.stack.is_empty() {
                ITEM_KEYWORDS.contains(&word)
            } else if !at_column_zero || !ITEM_KEYWORDS.contains(&word) {
                false
            } else if RECOVERY_KEYWORDS.contains(&word) {
                // `registry = aws` is a field; `registry aws {` a declaration,
                // as `import "std/aws"` is (an import names a path, not a
                // name: `import x` is no declaration).
                self.text
                    .get(end..)
                    .map(|rest| rest.trim_start_matches([' ', '\t']))
                    .is_some_and(|rest| {
                        rest.starts_with(|ch: char| {
                            if word == "import" {
                                ch == '"'
                            } else {
                                ch.is_ascii_alphabetic() || ch == '_'
                            }
                        })
                    })
            } else {
                start >= self.balanced_until && !self.closes_later(end)
            };
        if starts_item {
            // Modifiers written just before belong to this declaration: it
            // starts at the first of them, unless they began the chunk.
            let from = match self.modifiers {
                Some((first, true)) => Some(first),
                Some((_, false)) => None,
                None => Some(start),
            };
            if let Some(from) = from {
                self.finish_chunk(from, Some(Span::new(start, end)));
                self.chunk_start = from;
            }
        }
        self.modifiers = if !MODIFIERS.contains(&word) || !self.stack.is_empty() {
            None
        } else if self.modifiers.is_some() {
            self.modifiers
        } else {
            self.starts_line().then_some((start, self.chunk_has_tokens))
        };
        self.chunk_has_tokens = true;
        self.pos = end;
    }

    /// Whether the brackets open now close after `from` before the next
    /// declaration keyword at column zero: then a member written at column
    /// zero is just unindented, not the start of a new declaration.
    fn closes_later(&mut self, from: usize) -> bool {
        let mut depth = self.stack.len();
        let mut idx = from;
        let mut at_line_start = false;
        while let Some(&byte) = self.bytes.get(idx) {
            match byte {
                b'\n' => {
                    at_line_start = true;
                    idx += 1;
                    continue;
                }
                b'/' if self.bytes.get(idx + 1) == Some(&b'/') => {
                    idx = self.line_end(idx);
                    continue;
                }
                b'"' => {
                    idx += 1;
                    while let Some(&inner) = self.bytes.get(idx) {
                        idx += 1;
                        match inner {
                            b'\\' => idx += 1,
                            b'"' | b'\n' => break,
                            _ => {}
                        }
                    }
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    idx += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    idx += 1;
                    if depth == 0 {
                        self.balanced_until = idx;
                        return true;
                    }
                }
                _ => {
                    if at_line_start
                        && RECOVERY_KEYWORDS.iter().any(|keyword| {
                            self.text
                                .get(idx..)
                                .is_some_and(|rest| starts_with_word(rest, keyword))
                        })
                    {
                        return false;
                    }
                    idx += 1;
                }
            }
            at_line_start = false;
        }
        false
    }

    fn finish_chunk(&mut self, end: usize, next_item: Option<Span>) {
        let has_unterminated_string = self
            .problems
            .iter()
            .any(|problem| matches!(problem, ScanProblem::UnterminatedString { .. }));
        if has_unterminated_string {
            // The rest of the line was swallowed by the string, brackets
            // included: bracket problems would only echo that mistake.
            self.problems.retain(|problem| {
                matches!(
                    problem,
                    ScanProblem::UnterminatedString { .. } | ScanProblem::TooDeep { .. }
                )
            });
        } else if let Some(&(pos, delimiter)) = self.stack.first() {
            self.problems.push(ScanProblem::Unclosed {
                open: Span::new(pos, pos + 1),
                delimiter: char::from(delimiter),
                next_item,
            });
        }
        self.stack.clear();
        self.scan.chunks.push(Chunk {
            span: Span::new(self.chunk_start, end),
            has_tokens: self.chunk_has_tokens,
            problems: std::mem::take(&mut self.problems),
            hash_comments: std::mem::take(&mut self.hash_comments),
        });
        self.chunk_has_tokens = false;
        self.modifiers = None;
        self.too_deep_reported = false;
        self.premature_close = None;
    }
}

/// Whether `text` starts with `word` followed by a non-identifier character.
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word).is_some_and(|rest| {
        !rest
            .bytes()
            .next()
            .is_some_and(|next| next.is_ascii_alphanumeric() || next == b'_' || next == b'-')
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_keywords() {
        let scan = scan("import \"std/aws\"\nalarm a = ALARM(\"x\")\n");
        let starts: Vec<u32> = scan.chunks.iter().map(|chunk| chunk.span.start).collect();
        assert_eq!(starts, vec![0, 17]);
    }

    #[test]
    fn keyword_inside_braces_does_not_split_unless_at_column_zero() {
        let text = "template T {\n  window w\n}\ntemplate U {\nwindow w\n";
        let scan = scan(text);
        let starts: Vec<u32> = scan.chunks.iter().map(|chunk| chunk.span.start).collect();
        let second = text.find("template U").unwrap() as u32;
        let third = text.rfind("window").unwrap() as u32;
        // `window w` indented stays inside T; at column zero inside U's
        // unclosed brace it starts a new declaration.
        assert_eq!(starts, vec![0, second, third]);
        assert!(matches!(
            scan.chunks[1].problems.as_slice(),
            [ScanProblem::Unclosed { delimiter: '{', .. }]
        ));
    }

    #[test]
    fn unindented_members_do_not_split_their_declaration() {
        let text = "template T {\nalarm a = ALARM(\"a\")\nalarm b = ALARM(\"b\")\nwindow w\n}\n";
        let scan = scan(text);
        assert_eq!(scan.chunks.len(), 1);
        assert!(scan.chunks[0].problems.is_empty());
    }

    #[test]
    fn an_unclosed_body_ends_at_a_column_zero_alarm() {
        let text = "template T {\n  stage s {}\n\nalarm a = ALARM(\"a\")\n";
        let scan = scan(text);
        assert_eq!(scan.chunks.len(), 2);
        assert!(matches!(
            scan.chunks[0].problems.as_slice(),
            [ScanProblem::Unclosed { .. }]
        ));
    }

    #[test]
    fn modifiers_before_a_keyword_start_its_declaration() {
        let text = "template T {}\nfinal template U {}\nabstract alarm x\n";
        let scan = scan(text);
        let starts: Vec<u32> = scan.chunks.iter().map(|chunk| chunk.span.start).collect();
        let second = text.find("final").unwrap() as u32;
        let third = text.find("abstract").unwrap() as u32;
        assert_eq!(starts, vec![0, second, third]);
        // At the start of the file, the modifier is already in the chunk.
        let scan = super::scan("abstract alarm x\nalarm y = z\n");
        assert_eq!(scan.chunks.len(), 2);
        assert_eq!(scan.chunks[1].span.start, 17);
        // A name that is a modifier's word, after its keyword, is a name.
        let text = "import \"std/aws\" as new\ntemplate T {}\n";
        let scan = super::scan(text);
        let starts: Vec<u32> = scan.chunks.iter().map(|chunk| chunk.span.start).collect();
        assert_eq!(starts, vec![0, text.find("template").unwrap() as u32]);
    }

    #[test]
    fn deep_nesting_is_reported_once() {
        let text = "alarm a = ".to_string() + &"(".repeat(100_000);
        let scan = scan(&text);
        let deep = scan.chunks[0]
            .problems
            .iter()
            .filter(|problem| matches!(problem, ScanProblem::TooDeep { .. }))
            .count();
        assert_eq!(deep, 1);
    }

    #[test]
    fn comments_are_collected_and_strings_hide_slashes() {
        let text = "// a\nimport \"http://x\" // b\n";
        let scan = scan(text);
        let texts: Vec<&str> = scan.comments.iter().map(|c| c.text(text)).collect();
        assert_eq!(texts, vec![" a", " b"]);
    }
}
