//! A document seen through the compiler's resolution: the loaded workspace,
//! its analysis, and the document's file in it. Hover and go-to-definition
//! both read resolved members from here.

use super::locate::At;
use crate::diagnostics::formats::paths::report_path;
use crate::modules::Workspace;
use crate::semantics::Analysis;
use crate::semantics::merge::{Resolved, ResolvedBlock, key_of};
use crate::semantics::scope::DeclId;
use crate::source::{FileId, Span};
use std::path::Path;

/// A document in its analysed workspace.
pub struct Place<'w, 'a> {
    /// Every file loaded.
    pub workspace: &'w Workspace,
    /// Names and resolved declarations.
    pub analysis: &'a Analysis<'w>,
    /// The document's file.
    pub file: FileId,
    /// The document's directory, which its imports are relative to.
    pub base_dir: Option<&'a Path>,
    /// Where places in hover text and hints are named from: the
    /// workspace's root, as `pipec check` run there names them (else the
    /// document's directory).
    pub root: Option<&'a Path>,
    /// The date checks are made from (the `today` setting): windows'
    /// openings in hover are counted from it.
    pub today: jiff::civil::Date,
    /// Every `.pipe` file of the document's workspace on disk or open,
    /// loaded for the request or not (a request loads only the document
    /// and the files that import it, with their imports): what an
    /// `import "` may name.
    pub scope_files: &'a [std::path::PathBuf],
}

impl<'w> Place<'w, '_> {
    /// The body of the template, pipeline or other declaration `decl`, as
    /// written.
    pub fn body_of(&self, decl: DeclId) -> Option<&'w crate::syntax::ast::Block> {
        self.analysis
            .scopes
            .item(decl)
            .and_then(|item| item.kind.body())
    }

    /// The first line of the source of a span, trimmed, for hover text.
    pub fn snippet(&self, file: FileId, span: Span) -> String {
        let Some(source) = self.workspace.sources.get(file) else {
            return String::new();
        };
        let text = source.text.get(span.start()..span.end()).unwrap_or("");
        let first = text.lines().next().unwrap_or("").trim();
        let first = first.trim_end_matches('{').trim_end();
        first.replace('`', "'")
    }

    /// `file:line` of a span.
    pub fn where_is(&self, file: FileId, span: Span) -> String {
        let Some(source) = self.workspace.sources.get(file) else {
            return String::from("?");
        };
        let line = source.position(span.start()).line;
        format!(
            "{}:{line}",
            report_path(&source.name, self.root.or(self.base_dir))
        )
    }

    /// The resolved body of the declaration the cursor is in.
    pub fn block(&self, at: &At<'_>) -> Option<&ResolvedBlock<'_>> {
        let decl = DeclId {
            file: self.file,
            item: at.item_idx,
        };
        self.analysis.resolved.get(&decl)
    }
}

/// The innermost member at the cursor as its declaration resolves it:
/// followed key by key from the declaration's resolved body.
pub fn member<'p>(place: &'p Place<'_, '_>, at: &At<'_>) -> Option<&'p Resolved<'p>> {
    let mut block = place.block(at)?;
    let mut found = None;
    for member in &at.members {
        let key = key_of(&member.kind)?;
        let resolved = block.get(&key)?;
        found = Some(resolved);
        match &resolved.body {
            Some(body) => block = body,
            None => break,
        }
    }
    found
}
