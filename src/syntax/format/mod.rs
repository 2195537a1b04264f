//! `pipec fmt`: one canonical layout for `.pipe` files.
//!
//! The formatter re-lays the source's own tokens: the syntax tree decides
//! where lines break and how deep they are indented (`layout`), the printer
//! places every token in source order with canonical spacing and carries
//! each comment along (`printer`), and a last pass lines columns up
//! (`align`). Literals, strings and comments are copied as written.
//!
//! Formatting is refused, never approximated:
//!
//! - a file with a syntax error is not formatted ([`FormatError::Syntax`]);
//! - the result is parsed again and must give the same tree (spans aside),
//!   the same comments in the same order and the same tokens (the `;` and
//!   `,` the formatter writes itself aside); if it does not, the file is
//!   left as it is ([`FormatError::Unsafe`]). No comment can be lost.
//!
//! The rules are listed in `docs/language.md`, section Formatting.

mod align;
mod layout;
mod printer;
pub(crate) mod tokens;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::{ast, parse_file};

/// Why a file was not formatted.
#[derive(Debug, Clone)]
pub enum FormatError {
    /// The file does not parse; these are its syntax diagnostics.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean the same as the source: a bug of
    /// the formatter, reported rather than written. Says what differed.
    Unsafe(&'static str),
}

/// Formats `text`, the contents of `file` (the id only labels
/// diagnostics). The result ends in one newline, unless the file holds
/// nothing but whitespace, which formats to the empty text.
pub fn format(text: &str, file: FileId) -> Result<String, FormatError> {
    let parsed = parse_file(text, file);
    if !parsed.diagnostics.is_empty() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let lexed = tokens::lex(text);
    let lines = layout::layout(text, &parsed.file, &lexed);
    let formatted = align::render(lines, lexed.has_bom);
    check_meaning_kept(text, &parsed.file, &formatted, file)?;
    Ok(formatted)
}

/// Whether two trees are the same apart from where their nodes are.
pub fn same_tree(left: &ast::File, right: &ast::File) -> bool {
    without_spans(&format!("{:?}", left.items)) == without_spans(&format!("{:?}", right.items))
}

/// The comments of a file as the formatter writes them: `//` and text,
/// without trailing spaces, in source order; `source` is the text `file`
/// was parsed from.
pub fn comment_texts(file: &ast::File, source: &str) -> Vec<String> {
    file.comments
        .iter()
        .map(|comment| format!("//{}", comment.text(source).trim_end()))
        .collect()
}

/// Parses the formatted text and compares it with the source.
fn check_meaning_kept(
    source: &str,
    tree: &ast::File,
    formatted: &str,
    file: FileId,
) -> Result<(), FormatError> {
    let reparsed = parse_file(formatted, file);
    if !reparsed.diagnostics.is_empty() {
        return Err(FormatError::Unsafe("the formatted text does not parse"));
    }
    if comment_texts(tree, source) != comment_texts(&reparsed.file, formatted) {
        return Err(FormatError::Unsafe(
            "the formatted text does not hold the same comments",
        ));
    }
    if significant_tokens(source) != significant_tokens(formatted) {
        return Err(FormatError::Unsafe(
            "the formatted text does not hold the same tokens",
        ));
    }
    if !same_tree(tree, &reparsed.file) {
        return Err(FormatError::Unsafe(
            "the formatted text parses to a different tree",
        ));
    }
    Ok(())
}

/// The text of every token but the separators, in order.
fn significant_tokens(text: &str) -> Vec<&str> {
    tokens::lex(text)
        .tokens
        .iter()
        .filter(|token| !token.is_separator(text))
        .map(|token| token.text(text))
        .collect()
}

/// A `Debug` rendering with every `Span { start: .., end: .. }` replaced
/// by `Span`.
fn without_spans(debug: &str) -> String {
    const SPAN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(SPAN) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let span = rest.get(at..).unwrap_or("");
        match span.find('}') {
            Some(close) => {
                out.push_str("Span");
                rest = span.get(close + 1..).unwrap_or("");
            }
            None => {
                out.push_str(span);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_after_a_comma_of_a_rule_list_stays_after_it() {
        let messy = "policy org {\n  allow ab, cd,// c\n// d\n ef\n}\n";
        let once = format(messy, FileId(0)).expect("formats");
        assert_eq!(
            once,
            "policy org {\n  allow ab, cd,  // c\n    // d\n    ef\n}\n"
        );
        assert_eq!(format(&once, FileId(0)).expect("formats"), once);
    }

    #[test]
    fn spans_are_stripped_and_nothing_else() {
        assert_eq!(
            without_spans("Ident { name: \"a\", span: Span { start: 3, end: 4 } }"),
            "Ident { name: \"a\", span: Span }"
        );
    }

    fn verdict(formatted: &str) -> Result<(), &'static str> {
        let source = "alarm a = ALARM(\"x\") or b // why\n";
        let tree = parse_file(source, FileId(0)).file;
        check_meaning_kept(source, &tree, formatted, FileId(0)).map_err(|error| match error {
            FormatError::Unsafe(reason) => reason,
            FormatError::Syntax(_) => "syntax",
        })
    }

    #[test]
    fn the_safety_net_refuses_output_that_changed_anything() {
        assert_eq!(verdict("alarm a = ALARM(\"x\")\n   or b  // why\n"), Ok(()));
        assert_eq!(
            verdict("alarm a = ALARM(\"x\") or b\n"),
            Err("the formatted text does not hold the same comments")
        );
        assert_eq!(
            verdict("alarm a = ALARM(\"x\") or c // why\n"),
            Err("the formatted text does not hold the same tokens")
        );
        assert_eq!(
            verdict("alarm a = ALARM(\"x\") or // why\n"),
            Err("the formatted text does not parse")
        );
    }

    #[test]
    fn a_moved_tree_is_the_same_and_a_changed_one_is_not() {
        let one = parse_file("alarm a = ALARM(\"x\")", FileId(0)).file;
        let moved = parse_file("\n\nalarm   a =\n ALARM( \"x\" )", FileId(0)).file;
        let changed = parse_file("alarm a = ALARM(\"y\")", FileId(0)).file;
        assert!(same_tree(&one, &moved));
        assert!(!same_tree(&one, &changed));
    }
}
