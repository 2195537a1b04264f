//! Workspace symbols (`workspace/symbol`): the top-level declarations of
//! every workspace an open document belongs to, filtered by the query.
//!
//! A workspace is found as diagnostics find it ([`documents::scope_of`]):
//! the nearest directory holding `pipec.toml`, or the document alone with
//! what it imports. Only files are parsed, nothing is analysed, so the
//! answer is cheap and stays right while other declarations are broken.
//! Standard modules (`std/...`) are left out: they are not files an editor
//! can open, so a symbol in them would have no location to jump to.
//!
//! The query matches a name when its characters appear in the name in
//! order, ignoring case (a subsequence, so `ordapi` finds `orders_api`);
//! names that contain the query as one piece come first.

use super::convert::{self, Encoding};
use super::diagnostics::uri_of;
use super::documents::{self, Documents, Scope};
use super::symbols::item_kind;
use crate::diagnostics::formats::paths::report_path;
use crate::modules;
use lsp_types::{Location, SymbolInformation};
use std::collections::BTreeSet;
use std::path::Path;

/// How well a name matches a query; lower sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// The name holds the query as one piece (or the query is empty).
    Substring,
    /// The query's characters appear in the name in order.
    Subsequence,
}

/// How `name` matches `query`, ignoring case; `None` when it does not.
pub fn matches(query: &str, name: &str) -> Option<Match> {
    let query = query.to_lowercase();
    let name = name.to_lowercase();
    if name.contains(&query) {
        return Some(Match::Substring);
    }
    let mut wanted = query.chars().peekable();
    for ch in name.chars() {
        if wanted.peek() == Some(&ch) {
            wanted.next();
        }
    }
    wanted.peek().is_none().then_some(Match::Subsequence)
}

/// The declarations of the open documents' workspaces that match `query`,
/// best matches first, then by name, file and position.
pub fn symbols(documents: &Documents, query: &str, encoding: Encoding) -> Vec<SymbolInformation> {
    let scopes: BTreeSet<Scope> = documents.iter().map(documents::scope_of).collect();
    let overlay = documents.overlay();
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for scope in &scopes {
        let base_dir = match scope {
            Scope::Root(root) => Some(root.as_path()),
            Scope::Alone(name) => Path::new(name).parent(),
        };
        let workspace = modules::load(documents::entries(scope, documents), &overlay);
        for module in workspace.modules.iter().filter(|module| !module.is_std) {
            let Some(source) = workspace.sources.get(module.file) else {
                continue;
            };
            let Some(uri) = uri_of(&source.name) else {
                continue;
            };
            let container = report_path(&source.name, base_dir);
            for item in &module.tree.items {
                let Some(name) = item.kind.name() else {
                    continue;
                };
                let Some(quality) = matches(query, &name.name) else {
                    continue;
                };
                // A file reached from two workspaces is listed once.
                if !seen.insert((uri.as_str().to_string(), name.span.start())) {
                    continue;
                }
                let location = Location {
                    uri: uri.clone(),
                    range: convert::range(source, name.span, encoding),
                };
                found.push((
                    quality,
                    name.name.to_lowercase(),
                    container.clone(),
                    name.span.start(),
                    symbol(
                        name.name.clone(),
                        item_kind(&item.kind),
                        location,
                        container.clone(),
                    ),
                ));
            }
        }
    }
    found.sort_by(|a, b| (a.0, &a.1, &a.2, a.3).cmp(&(b.0, &b.1, &b.2, b.3)));
    found.into_iter().map(|entry| entry.4).collect()
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn symbol(
    name: String,
    kind: lsp_types::SymbolKind,
    location: Location,
    container: String,
) -> SymbolInformation {
    SymbolInformation {
        name,
        kind,
        tags: None,
        deprecated: None,
        location,
        container_name: Some(container),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_pieces_then_letters_in_order_ignoring_case() {
        assert_eq!(matches("", "orders_api"), Some(Match::Substring));
        assert_eq!(matches("API", "orders_api"), Some(Match::Substring));
        assert_eq!(matches("ordapi", "orders_api"), Some(Match::Subsequence));
        assert_eq!(matches("ipa", "orders_api"), None);
        assert_eq!(matches("orders_apix", "orders_api"), None);
        assert!(Match::Substring < Match::Subsequence);
    }
}
