//! The formatter's view of the text: tokens with their places, and every
//! comment attached to the token it belongs with. The language server's
//! semantic tokens start from the same tokens.
//!
//! The formatter only re-lays text that parsed without a diagnostic, so the
//! lexing here can be simple: it never decides what the text means, only
//! where each token starts and ends. It still never panics on any input.

/// One token of the text.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Its first byte.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Whether a blank line separates it from the token or comment before.
    pub blank_before: bool,
    /// Comments on lines of their own just before it, in order.
    pub leading: Vec<usize>,
    /// The comment that follows it on its line, if any.
    pub trailing: Option<usize>,
}

/// One `//` comment.
#[derive(Debug, Clone)]
pub(crate) struct CommentToken {
    /// Its `//`.
    pub start: usize,
    /// The end of its text, before the line break (and any `\r`).
    pub end: usize,
    /// Whether a blank line separates it from the token or comment before.
    pub blank_before: bool,
}

/// A lexed file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexed {
    /// Whether the text starts with a byte-order mark.
    pub has_bom: bool,
    /// Every token, in order.
    pub tokens: Vec<Token>,
    /// Every comment, in order.
    pub comments: Vec<CommentToken>,
    /// Comments on lines of their own after the last token.
    pub end_comments: Vec<usize>,
}

impl Token {
    /// The token's text.
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source.get(self.start..self.end).unwrap_or("")
    }

    /// Whether the token separates members (`;`) or items (`,`): the
    /// formatter writes its own, so no comment attaches to them.
    pub fn is_separator(&self, source: &str) -> bool {
        matches!(self.text(source), ";" | ",")
    }
}

impl CommentToken {
    /// The comment as it will be written: trailing spaces dropped.
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source.get(self.start..self.end).unwrap_or("").trim_end()
    }
}

/// Splits `source` into tokens and comments, and attaches each comment: a
/// comment on the same line as the token before it trails that token;
/// any other comment leads the token after it (or ends the file).
pub(crate) fn lex(source: &str) -> Lexed {
    let mut lexed = Lexed::default();
    let bytes = source.as_bytes();
    let mut pos = 0;
    if source.starts_with('\u{FEFF}') {
        lexed.has_bom = true;
        pos = '\u{FEFF}'.len_utf8();
    }
    // End of the last token or comment, for blank-line detection.
    let mut previous_end = pos;
    while let Some(&byte) = bytes.get(pos) {
        let start = pos;
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                pos += 1;
                continue;
            }
            // The grammar reads a byte order mark anywhere as whitespace;
            // after the start it is dropped like any other.
            0xEF if source
                .get(pos..)
                .is_some_and(|rest| rest.starts_with('\u{FEFF}')) =>
            {
                pos += '\u{FEFF}'.len_utf8();
                continue;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                let line_end = bytes
                    .get(pos..)
                    .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                    .map_or(bytes.len(), |idx| pos + idx);
                let end = if line_end > pos && bytes.get(line_end - 1) == Some(&b'\r') {
                    line_end - 1
                } else {
                    line_end
                };
                lexed.comments.push(CommentToken {
                    start,
                    end,
                    blank_before: has_blank_line(source, previous_end, start),
                });
                previous_end = end;
                pos = line_end;
                continue;
            }
            b'"' => pos = string_end(bytes, pos),
            b if b.is_ascii_alphabetic() || b == b'_' => pos = word_end(bytes, pos),
            b if b.is_ascii_digit() => pos = number_end(bytes, pos),
            _ => pos = punct_end(source, pos),
        }
        lexed.tokens.push(Token {
            start,
            end: pos,
            blank_before: has_blank_line(source, previous_end, start),
            leading: Vec::new(),
            trailing: None,
        });
        // Separators are dropped, so a line holding only `;` counts as
        // blank.
        if !matches!(byte, b';' | b',') {
            previous_end = pos;
        }
    }
    attach_comments(source, &mut lexed);
    lexed
}

/// Whether the text between `from` and `to` holds a line with nothing but
/// whitespace (or only `;`, which the formatter drops).
fn has_blank_line(source: &str, from: usize, to: usize) -> bool {
    source
        .get(from..to)
        .is_some_and(|gap| gap.matches('\n').count() >= 2)
}

fn attach_comments(source: &str, lexed: &mut Lexed) {
    let significant: Vec<usize> = (0..lexed.tokens.len())
        .filter(|&idx| {
            lexed
                .tokens
                .get(idx)
                .is_some_and(|token| !token.is_separator(source))
        })
        .collect();
    let mut next = 0; // index into `significant` of the first token after the comment
    for (comment_idx, comment) in lexed.comments.iter().enumerate() {
        while significant
            .get(next)
            .and_then(|&idx| lexed.tokens.get(idx))
            .is_some_and(|token| token.start < comment.start)
        {
            next += 1;
        }
        let before = next
            .checked_sub(1)
            .and_then(|prev| significant.get(prev))
            .copied();
        let same_line = before
            .and_then(|idx| lexed.tokens.get(idx))
            .is_some_and(|token| {
                source
                    .get(token.end..comment.start)
                    .is_some_and(|gap| !gap.contains('\n'))
            });
        match (same_line, before, significant.get(next)) {
            (true, Some(idx), _) => {
                if let Some(token) = lexed.tokens.get_mut(idx) {
                    token.trailing = Some(comment_idx);
                }
            }
            (_, _, Some(&idx)) => {
                if let Some(token) = lexed.tokens.get_mut(idx) {
                    token.leading.push(comment_idx);
                }
            }
            _ => lexed.end_comments.push(comment_idx),
        }
    }
}

fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut idx = start + 1;
    loop {
        match bytes.get(idx) {
            Some(b'"') => return idx + 1,
            Some(b'\\') if bytes.get(idx + 1).is_some_and(|&next| next != b'\n') => idx += 2,
            Some(b'\n') | None => return idx,
            Some(_) => idx += 1,
        }
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn word_end(bytes: &[u8], start: usize) -> usize {
    let mut idx = start;
    while let Some(&byte) = bytes.get(idx) {
        let continues = is_word_byte(byte)
            || (byte == b'-' && bytes.get(idx + 1).is_some_and(|&next| is_word_byte(next)));
        if !continues {
            break;
        }
        idx += 1;
    }
    idx
}

/// A number with its unit, a time (`09:00`), a date (`2026-12-25`) or a
/// percent with decimals (`2.5%`); a range's `..` is a token of its own.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut idx = start;
    while let Some(&byte) = bytes.get(idx) {
        let continues = is_word_byte(byte)
            || byte == b'%'
            || byte == b':'
            || (byte == b'-' && bytes.get(idx + 1).is_some_and(u8::is_ascii_digit))
            || (byte == b'.' && bytes.get(idx + 1).is_some_and(u8::is_ascii_digit));
        if !continues {
            break;
        }
        idx += 1;
    }
    idx
}

fn punct_end(source: &str, start: usize) -> usize {
    const TWO_BYTE: &[&str] = &["+=", "-=", "==", "!=", "<=", ".."];
    let rest = source.get(start..).unwrap_or("");
    if TWO_BYTE.iter().any(|op| rest.starts_with(op)) {
        return start + 2;
    }
    // One character, however many bytes it takes.
    start + rest.chars().next().map_or(1, char::len_utf8)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        lex(source)
            .tokens
            .iter()
            .map(|token| token.text(source))
            .collect()
    }

    #[test]
    fn literals_are_single_tokens_and_ranges_split_at_dots() {
        assert_eq!(
            texts("allow = [mon..thu 09:00..16:00, 2026-12-20..2027-01-04, 2.5%, 1h30m, 3_000]"),
            vec![
                "allow",
                "=",
                "[",
                "mon",
                "..",
                "thu",
                "09:00",
                "..",
                "16:00",
                ",",
                "2026-12-20",
                "..",
                "2027-01-04",
                ",",
                "2.5%",
                ",",
                "1h30m",
                ",",
                "3_000",
                "]"
            ]
        );
    }

    #[test]
    fn names_keep_dashes_and_paths_split_at_dots() {
        assert_eq!(
            texts("regions -= [us-east-1] aws.large_scale_event"),
            vec![
                "regions",
                "-=",
                "[",
                "us-east-1",
                "]",
                "aws",
                ".",
                "large_scale_event"
            ]
        );
    }

    #[test]
    fn strings_hide_comment_markers_and_escaped_quotes() {
        let source = r#"run = "a \"//\" b" // note"#;
        let lexed = lex(source);
        assert_eq!(texts(source), vec!["run", "=", r#""a \"//\" b""#]);
        assert_eq!(lexed.comments.len(), 1);
        assert_eq!(lexed.tokens[2].trailing, Some(0));
    }

    #[test]
    fn comments_trail_the_token_on_their_line_or_lead_the_next() {
        let source = "a = 1; // one\n\n// two\nb = 2\n// three\n";
        let lexed = lex(source);
        // `// one` trails `1`, skipping the `;`.
        assert_eq!(lexed.tokens[2].trailing, Some(0));
        let b = &lexed.tokens[4];
        assert_eq!(b.text(source), "b");
        assert_eq!(b.leading, vec![1]);
        assert!(lexed.comments[1].blank_before);
        assert!(!b.blank_before);
        assert_eq!(lexed.end_comments, vec![2]);
    }

    #[test]
    fn odd_bytes_never_split_a_character() {
        let source = "a = é ≤ 1";
        let lexed = lex(source);
        assert!(
            lexed
                .tokens
                .iter()
                .all(|token| source.get(token.start..token.end).is_some())
        );
    }
}
