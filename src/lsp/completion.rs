//! Completion of the members a body may hold: the words that begin them,
//! taken from `check::shape`'s table, so nothing offered is something
//! `pipec check` would reject as misplaced.

use crate::check::Body;
use crate::source::FileId;
use crate::syntax::ast::Block;
use lsp_types::{CompletionItem, CompletionItemKind};

/// How a declaration begins, offered outside every declaration.
const DECLARATIONS: &[&str] = &[
    "import", "alarm", "registry", "calendar", "window", "template", "pipeline", "policy",
];

/// What may be offered at an offset.
#[derive(Debug, PartialEq, Eq)]
pub enum Offer {
    /// Built-in fields and member keywords of this body.
    Members(Vec<&'static str>),
    /// Keywords of declarations, at the top level.
    Declarations(&'static [&'static str]),
}

/// The words that may begin a member at `offset`, or `None` where no member
/// can begin (in a declaration's header, or where the declaration does not
/// parse even without the line being typed).
pub fn offer(text: &str, offset: usize) -> Option<Offer> {
    // The text as it is, when it parses there; else without the line being
    // typed, which is usually an incomplete member that fails the whole
    // declaration's parse.
    let item_at = |text: &str| {
        crate::syntax::parse_file(text, FileId(0))
            .file
            .items
            .into_iter()
            .find(|item| item.span.start() <= offset && offset <= item.span.end())
    };
    let blanked = blank_line(text, offset);
    let Some(item) = item_at(text).or_else(|| item_at(&blanked)) else {
        // Not in a declaration that parses: at the top level, or in one
        // broken elsewhere, where nothing is offered rather than a guess.
        return (depth(&blanked, offset) == 0).then_some(Offer::Declarations(DECLARATIONS));
    };
    let (mut body, mut block) = Body::of_item(&item.kind)?;
    if !inside(block, offset) {
        return None;
    }
    loop {
        let deeper = block.members.iter().find_map(|member| {
            let child_block = member.kind.body().filter(|b| inside(b, offset))?;
            Some((Body::child(&member.kind)?, child_block))
        });
        match deeper {
            Some((child, child_block)) => {
                body = child;
                block = child_block;
            }
            None => return Some(Offer::Members(body.member_keywords())),
        }
    }
}

/// The completion items of an offer, in the table's order.
pub fn items(offer: Option<Offer>) -> Vec<CompletionItem> {
    let (words, kind): (Vec<&str>, _) = match offer {
        None => return Vec::new(),
        Some(Offer::Members(words)) => (words, CompletionItemKind::KEYWORD),
        Some(Offer::Declarations(words)) => (words.to_vec(), CompletionItemKind::KEYWORD),
    };
    words
        .into_iter()
        .enumerate()
        .map(|(idx, word)| CompletionItem {
            label: word.to_string(),
            kind: Some(kind),
            // Clients sort by this; the table's order puts fields first.
            sort_text: Some(format!("{idx:03}")),
            ..CompletionItem::default()
        })
        .collect()
}

/// How many braces are open at `offset`, outside strings.
fn depth(text: &str, offset: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for ch in text.get(..offset).unwrap_or(text).chars() {
        match (in_string, ch) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') | (false, '"') => in_string = !in_string,
            (false, '{') => depth += 1,
            (false, '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Whether the offset is between a block's braces.
fn inside(block: &Block, offset: usize) -> bool {
    block.span.start() < offset && offset < block.span.end()
}

/// The text with the line holding `offset` turned into spaces, byte for
/// byte, so every other offset keeps its meaning.
fn blank_line(text: &str, offset: usize) -> String {
    let (start, end) = super::around::line_bounds(text, offset);
    super::value_context::blanked(text, start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str, marker: &str) -> Vec<&'static str> {
        let offset = text.find(marker).unwrap_or(0);
        match offer(text, offset) {
            Some(Offer::Members(words)) => words,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn offers_the_members_of_the_innermost_body() {
        let text = "template T {\n  production {\n    wave w {\n      ba\n    }\n  }\n}\n";
        let words = members(text, "ba\n");
        assert!(words.contains(&"bake") && words.contains(&"by az"));
        // A stage belongs in a template, never in a wave.
        assert!(!words.contains(&"stage") && !words.contains(&"test"));
    }

    /// Bodies whose fields are free still offer their built-in ones, and
    /// a wave every `by` it accepts.
    #[test]
    fn free_bodies_offer_their_built_in_fields() {
        let text = "template T {\n  profile p {\n    pl\n  }\n}\n";
        assert!(members(text, "pl\n").contains(&"platform"));
        let text = "registry r {\n  region x-1 {\n    az\n  }\n}\n";
        let words = members(text, "az\n");
        assert!(
            ["name", "azs", "cells"]
                .iter()
                .all(|field| words.contains(field))
        );
        let text = "template T {\n  production {\n    wave w {\n      b\n    }\n  }\n}\n";
        assert!(members(text, "b\n").contains(&"by region"));
    }

    #[test]
    fn the_top_level_offers_declarations_and_a_header_nothing() {
        assert_eq!(offer("templ", 3), Some(Offer::Declarations(DECLARATIONS)));
        // Inside a declaration that does not parse: no guess.
        assert_eq!(offer("template T {\n  x\n  = = =\n}\n", 14), None);
        let text = "template T extends B {\n}\n";
        assert_eq!(offer(text, text.find("extends").unwrap_or(0)), None);
    }

    #[test]
    fn blanking_keeps_offsets_of_non_ascii_text() {
        let text = "a\n  é🚀x\nb";
        let blanked = blank_line(text, 4);
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.ends_with("\nb") && blanked.starts_with("a\n"));
    }
}
