//! Folding ranges: every declaration and every member with a body folds
//! from its first line to the line of its closing brace; a declaration
//! without a body (an alarm whose expression goes on over several lines)
//! folds to its last line.

use super::convert::{self, Encoding};
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Block, File};
use lsp_types::FoldingRange;

/// The document's folding ranges, outermost first, in source order.
pub fn ranges(tree: &File, source: &SourceFile, encoding: Encoding) -> Vec<FoldingRange> {
    let mut out = Vec::new();
    for item in &tree.items {
        if let Some(body) = item.kind.body() {
            push(item.span, body, source, encoding, &mut out);
        } else {
            let start = convert::position(source, item.span.start(), encoding).line;
            let end = convert::position(source, item.span.end(), encoding).line;
            if end > start {
                out.push(FoldingRange {
                    start_line: start,
                    end_line: end,
                    ..FoldingRange::default()
                });
            }
        }
    }
    out
}

fn push(
    span: Span,
    body: &Block,
    source: &SourceFile,
    encoding: Encoding,
    out: &mut Vec<FoldingRange>,
) {
    let start = convert::position(source, span.start(), encoding).line;
    let end = convert::position(source, body.span.end(), encoding).line;
    // A body on one line has nothing to fold.
    if end > start {
        out.push(FoldingRange {
            start_line: start,
            end_line: end,
            ..FoldingRange::default()
        });
    }
    for member in &body.members {
        if let Some(child) = member.kind.body() {
            push(member.span, child, source, encoding, out);
        }
    }
}
