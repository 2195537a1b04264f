//! Syntax: from bytes to a syntax tree with diagnostics. pest is used only
//! inside this module.
//!
//! The entry point is [`parse_file`]. It never fails and never panics: it
//! returns every declaration it could parse and a diagnostic for each
//! problem, so later passes can check what did parse.

pub mod ast;
mod literal;
/// Duration units, largest first, with their length in seconds: the units
/// the literal reader accepts (editors offer them after a number).
pub use literal::UNITS as DURATION_UNITS;
pub use literal::{MAX_DURATION_SECONDS, days_in_month};
pub mod format;

/// Every keyword of the language: the words the grammar's `kw_` rules
/// match, in the grammar's order. Some are reserved (never names); the
/// others are keywords only where a construct may start with them, but an
/// editor colours them, and a rename refuses them, everywhere.
pub const KEYWORDS: &[&str] = &[
    "import",
    "as",
    "registry",
    "calendar",
    "window",
    "template",
    "pipeline",
    "policy",
    "extends",
    "abstract",
    "final",
    "new",
    "alarm",
    "source",
    "build",
    "from",
    "stage",
    "production",
    "wave",
    "onebox",
    "test",
    "deploy",
    "profile",
    "rollback",
    "on",
    "block",
    "artifacts",
    "containing",
    "package",
    "git",
    "overridable",
    "require",
    "wait",
    "for",
    "by",
    "exclude",
    "because",
    "bake",
    "scale",
    "traffic",
    "region",
    "holiday",
    "include",
    "deny",
    "warn",
    "allow",
    "exempt",
    "floor",
    "under",
    "remove",
    "env",
    "or",
    "and",
    "not",
    "where",
    "take",
    "union",
    "intersect",
    "minus",
    "in",
    "rest",
    "true",
    "false",
];
mod direct;
mod lower;
mod parser;
pub mod scan;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use scan::ScanProblem;

/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// A parsed file and the problems found on the way.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The syntax tree of what parsed.
    pub file: ast::File,
    /// Syntax diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks that raw bytes are a UTF-8 file within the size limit, and turns
/// them into text, in place: a file read is decoded without a copy. On
/// failure the text is a lossy copy (for showing the error in context) and
/// the diagnostic says what is wrong.
pub fn decode(bytes: Vec<u8>) -> (String, Option<DecodeError>) {
    if bytes.len() > MAX_FILE_BYTES {
        return (
            String::new(),
            Some(DecodeError::TooLarge { size: bytes.len() }),
        );
    }
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            (
                String::from_utf8_lossy(error.as_bytes()).into_owned(),
                Some(DecodeError::NotUtf8 { offset }),
            )
        }
    }
}

/// Why bytes could not be read as a `.pipe` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge {
        /// The bytes given: past the limit, but not necessarily the whole
        /// file, which readers stop reading one byte past the limit.
        size: usize,
    },
    /// Not UTF-8 from this byte on.
    NotUtf8 {
        /// The first bad byte.
        offset: usize,
    },
}

impl DecodeError {
    /// The diagnostic for this error in `file`.
    pub fn to_diagnostic(self, file: FileId) -> Diagnostic {
        match self {
            // The size is not shown: readers stop one byte past the limit,
            // so a file's whole length is usually not known.
            DecodeError::TooLarge { .. } => Diagnostic::error(
                Code::FILE_TOO_LARGE,
                format!("file is over the limit of {MAX_FILE_BYTES} bytes (8 MiB)"),
            )
            .primary(file, Span::at(0), "this file is too large to compile")
            .help("split it into several files and import them"),
            DecodeError::NotUtf8 { offset } => Diagnostic::error(
                Code::NOT_UTF8,
                format!("file is not valid UTF-8 (first bad byte at offset {offset})"),
            )
            .primary(
                file,
                Span::new(offset, offset + 1),
                "this byte is not UTF-8",
            )
            .help("save the file as UTF-8"),
        }
    }
}

/// Parses a whole file. Each top-level declaration is parsed on its own, so
/// a syntax error in one is reported and the others still parse.
pub fn parse_file(text: &str, file: FileId) -> Parsed {
    parse_file_with(text, file, Reader::Direct)
}

/// Which reader tries a declaration first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The hand-written reader ([`direct`]), then pest where it gives up.
    Direct,
    /// pest alone: what the direct reader is compared with in tests.
    #[cfg_attr(not(test), allow(dead_code))]
    Pest,
}

fn parse_file_with(text: &str, file: FileId, reader: Reader) -> Parsed {
    let scanned = scan::scan(text);
    let lone_return = lone_carriage_return(text, &scanned.comments, file);
    // A declaration per chunk: the tree's list of them, kept to the end
    // of a run, has room for no more.
    let declarations = scanned
        .chunks
        .iter()
        .filter(|chunk| chunk.has_tokens)
        .count();
    let mut parsed = Parsed {
        file: ast::File {
            items: Vec::with_capacity(declarations),
            comments: scanned.comments,
            broken_names: Vec::new(),
        },
        diagnostics: lone_return.into_iter().collect(),
    };
    let comment_ends = lower::comment_ends(&parsed.file.comments);
    for chunk in &scanned.chunks {
        parsed.diagnostics.extend(
            chunk
                .hash_comments
                .iter()
                .map(|span| hash_comment_diagnostic(*span, file)),
        );
        if !chunk.has_tokens {
            continue;
        }
        let chunk_text = text.get(chunk.span.start()..chunk.span.end()).unwrap_or("");
        if !chunk.problems.is_empty() {
            parsed.file.broken_names.extend(declared_name(chunk_text));
            parsed.diagnostics.extend(
                chunk
                    .problems
                    .iter()
                    .map(|problem| scan_diagnostic(problem, file)),
            );
            continue;
        }
        // Most declarations are read by the direct reader. It gives up on
        // anything that is not plainly right, and on `#` lines (the blanked
        // text below would change where pest's spans end).
        if reader == Reader::Direct
            && chunk.hash_comments.is_empty()
            && let Some(items) = direct::item_entry(chunk_text, chunk.span.start())
        {
            parsed.file.items.extend(items);
            continue;
        }
        // `#` lines, already reported, are blanked (same length, so every
        // offset stays) for the parser to read the declaration around them.
        let mut blanked = blank_spans(chunk_text, chunk.span.start(), &chunk.hash_comments);
        let more_follows = chunk.span.end() < text.len();
        // A YAML `key: value` is reported where it is written, and read as
        // `key = value` (one byte for one, so every offset stays) for the
        // declaration around it to be checked; any other syntax error skips
        // the declaration, reported once.
        let mut habits: Vec<Diagnostic> = Vec::new();
        loop {
            match parser::parse(
                parser::Rule::item_entry,
                &blanked,
                file,
                chunk.span.start(),
                more_follows,
            ) {
                Ok(pairs) => {
                    let mut lowerer =
                        lower::Lowerer::new(file, chunk.span.start(), text, &comment_ends);
                    parsed.file.items.extend(lowerer.lower_entry(pairs));
                    parsed.diagnostics.append(&mut habits);
                    parsed.diagnostics.extend(lowerer.diagnostics);
                    break;
                }
                Err(parser::ParseError {
                    diagnostic,
                    colon: Some(colon),
                }) if habits.len() < MAX_COLON_HABITS
                    && blanked.get(colon..=colon) == Some(":") =>
                {
                    habits.push(*diagnostic);
                    blanked.to_mut().replace_range(colon..=colon, "=");
                }
                Err(error) => {
                    parsed.file.broken_names.extend(declared_name(chunk_text));
                    let first = habits.into_iter().next();
                    parsed.diagnostics.push(first.unwrap_or(*error.diagnostic));
                    break;
                }
            }
        }
    }
    parsed
}

/// How many YAML `key: value`s of one declaration are read as `key =
/// value` before the declaration is given up on: each is a parse of the
/// whole declaration again.
const MAX_COLON_HABITS: usize = 16;

/// The name a declaration's text declares (`window business_hours {` gives
/// `business_hours`), read without the parser, for a declaration that did
/// not parse.
fn declared_name(text: &str) -> Option<String> {
    // Modifiers written before the keyword (a syntax error of their own)
    // are skipped: `abstract alarm x` declares `x`.
    let mut words = text
        .lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .flat_map(|line| {
            line.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
        })
        .skip_while(|word| matches!(*word, "abstract" | "final" | "new"));
    let keyword = words.next()?;
    if !matches!(
        keyword,
        "window" | "template" | "pipeline" | "registry" | "calendar" | "alarm" | "policy"
    ) {
        return None;
    }
    words.find(|word| !word.is_empty()).map(str::to_string)
}

/// `text` (starting at file offset `start`) with the bytes of `spans`
/// replaced by spaces.
fn blank_spans<'t>(text: &'t str, start: usize, spans: &[Span]) -> std::borrow::Cow<'t, str> {
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for span in spans {
        // A `#` line runs from an ASCII `#` to the end of its line, so its
        // bytes are whole characters, and spaces of the same length keep
        // every offset.
        let range = span.start().saturating_sub(start)..span.end().saturating_sub(start);
        if out.is_char_boundary(range.start) && out.is_char_boundary(range.end.min(out.len())) {
            let end = range.end.min(out.len());
            let start = range.start.min(end);
            out.replace_range(start..end, &" ".repeat(end - start));
        }
    }
    std::borrow::Cow::Owned(out)
}

fn hash_comment_diagnostic(span: Span, file: FileId) -> Diagnostic {
    Diagnostic::error(
        Code::YAML_HABIT,
        "`#` starts a comment in YAML and shell, not in `.pipe`",
    )
    .primary(
        file,
        Span::new(span.start(), span.start() + 1),
        "a `#` comment",
    )
    .note("the rest of the file is checked as if this line were a comment")
    .help("write `//` for a comment")
}

/// `P0001` at the first carriage return in a `//` comment that no line
/// feed follows, with text after it: a line ends at a line feed (LF or CRLF), so with old Mac
/// line endings the comment runs on past it and hides the code after it.
/// Elsewhere such a character only separates tokens, as a blank does.
/// Said once, whatever the file holds after it.
fn lone_carriage_return(text: &str, comments: &[ast::Comment], file: FileId) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let at = comments.iter().find_map(|comment| {
        let body = text.get(comment.span.start()..comment.span.end())?;
        body.match_indices('\r')
            .find(|&(offset, _)| {
                let at = comment.span.start() + offset;
                // Only where it hides something: text after it that a
                // reader would take for the next line.
                bytes.get(at + 1) != Some(&b'\n')
                    && body
                        .get(offset + 1..)
                        .is_some_and(|rest| !rest.trim().is_empty())
            })
            .map(|(offset, _)| comment.span.start() + offset)
    })?;
    Some(
        Diagnostic::error(Code::SYNTAX, "a carriage return in a comment ends no line")
            .primary(file, Span::new(at, at + 1), "the comment runs on past it")
            .note("a line ends at a line feed (LF, or CR LF): what follows a lone carriage return, up to the next line feed, is comment")
            .help("save the file with LF (or CR LF) line endings"),
    )
}

fn scan_diagnostic(problem: &ScanProblem, file: FileId) -> Diagnostic {
    match problem {
        ScanProblem::UnterminatedString { span } => {
            Diagnostic::error(Code::UNTERMINATED_STRING, "unterminated string")
                .primary(file, *span, "this string has no closing `\"` on its line")
                .help("add the closing `\"`; strings cannot span lines, and `\\\"` writes a quote")
        }
        ScanProblem::Unclosed {
            open,
            delimiter,
            next_item,
        } => {
            let diagnostic =
                Diagnostic::error(Code::UNCLOSED_DELIMITER, format!("unclosed `{delimiter}`"))
                    .primary(file, *open, "this delimiter is never closed");
            let closer = closing(*delimiter);
            match next_item {
                Some(next) => diagnostic
                    .secondary(file, *next, "the next declaration starts here")
                    .help(format!("add `{closer}` before the next declaration")),
                None => diagnostic.help(format!("add `{closer}` before the end of the file")),
            }
        }
        ScanProblem::UnexpectedCloser {
            span,
            delimiter,
            open,
            premature,
        } => {
            let diagnostic = Diagnostic::error(
                Code::UNEXPECTED_CLOSER,
                format!("unexpected closing `{delimiter}`"),
            );
            if let Some(premature) = premature {
                return diagnostic
                    .primary(file, *premature, "the declaration ends here, earlier than its indentation says")
                    .secondary(file, *span, "so this `}` closes nothing")
                    .help("a `}` too many, or an opening `{` missing, is likely near the first label: remove one `}` or add the missing `{`");
            }
            match open {
                Some((open_span, open_delimiter)) => diagnostic
                    .primary(
                        file,
                        *span,
                        format!("expected `{}` first", closing(*open_delimiter)),
                    )
                    .secondary(file, *open_span, "this is the innermost open delimiter")
                    .help("close the inner delimiter first, or remove this one"),
                None => diagnostic
                    .primary(file, *span, "nothing is open here")
                    .help("remove it, or add the opening delimiter it closes"),
            }
        }
        ScanProblem::BadInterpolation { span, at, name } => Diagnostic::error(
            Code::SYNTAX,
            "an interpolation is a name between `${` and `}`",
        )
        .primary(
            file,
            *at,
            if name.is_empty() {
                "expected a name after `${`".to_string()
            } else {
                format!("expected `}}` after `{name}`")
            },
        )
        .secondary(file, *span, "this interpolation")
        .help("write the name with nothing around it, `${service}`; `\\$` writes a literal `$`"),
        ScanProblem::TooDeep { span } => Diagnostic::error(
            Code::NESTING_TOO_DEEP,
            format!("nesting deeper than {} levels", scan::MAX_NESTING),
        )
        .primary(file, *span, "this bracket is one level too deep")
        .help("flatten the expression; the declaration is skipped"),
    }
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

#[cfg(test)]
mod keyword_tests {
    #[test]
    fn the_keyword_list_is_the_grammars() {
        let grammar = include_str!("../../grammar/pipe.pest");
        let mut from_grammar: Vec<&str> = grammar
            .lines()
            .filter(|line| line.starts_with("kw_"))
            .filter_map(|line| line.split('"').nth(1))
            .collect();
        let mut listed = super::KEYWORDS.to_vec();
        from_grammar.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, from_grammar);
    }
}
