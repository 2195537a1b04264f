//! Open documents and the loader that lets the compiler see them. The
//! editor's unsaved text overlays the files on disk: the compiler reads a
//! document's buffer where one is open and the disk everywhere else, so an
//! edit to a template is seen by every pipeline that extends it before it is
//! saved. This is the server's I/O, kept here so that the core still reads
//! nothing itself.

use super::convert::{self, Encoding};
use super::uri;
use crate::loader::{Loader, normalize};
use crate::modules::{Entry, ROOT_MARKER};
use crate::source::SourceFile;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its URI, as the client sent it.
    pub uri: Uri,
    /// Its path, for `file:` URIs (canonical, see [`key`]).
    pub path: Option<PathBuf>,
    /// The client's version of the text.
    pub version: i32,
    /// The text.
    pub text: String,
}

impl Document {
    /// The name the compiler knows the document by: its path, or its URI
    /// when it has none.
    pub fn name(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => self.uri.as_str().to_string(),
        }
    }
}

/// Every open document, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: BTreeMap<String, Document>,
}

impl Documents {
    /// Opens (or reopens) a document.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        let path = uri::to_path(&uri).map(|path| key(&path));
        let document = Document {
            uri: uri.clone(),
            path,
            version,
            text,
        };
        self.open.insert(uri.as_str().to_string(), document);
    }

    /// Applies a client's changes, in order: a change with a range
    /// replaces that range (incremental sync), one without replaces the
    /// whole text. A change for a document that is not open, or older than
    /// the text held, is ignored: it cannot be newer.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        match self.open.get_mut(uri.as_str()) {
            Some(document) if version >= document.version => {
                document.version = version;
                for change in changes {
                    apply(&mut document.text, change, encoding);
                }
                true
            }
            _ => false,
        }
    }

    /// Closes a document; the disk is read for it again.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri.as_str())
    }

    /// A document.
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str())
    }

    /// Every open document, in URI order.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }

    /// The loader that reads these documents over the disk.
    pub fn overlay(&self) -> Overlay {
        Overlay {
            files: self
                .open
                .values()
                .filter_map(|doc| {
                    doc.path
                        .clone()
                        .map(|path| (path, doc.text.as_bytes().to_vec()))
                })
                .collect(),
        }
    }
}

/// Applies one change to a text. Positions are converted as every other
/// position is ([`convert::offset`]); one past the end is clamped to it, as
/// the protocol asks.
fn apply(text: &mut String, change: TextDocumentContentChangeEvent, encoding: Encoding) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let source = SourceFile::new("", std::mem::take(text));
    let start = convert::offset(&source, range.start, encoding);
    let end = convert::offset(&source, range.end, encoding).max(start);
    let mut edited = source.text;
    edited.replace_range(start..end, &change.text);
    *text = edited;
}

/// The form a path is known by: normalized, with its directory's symlinks
/// resolved, so that a document and the same file reached through an import
/// (which the loader canonicalizes) are one file. The file itself may not
/// exist yet (a new, unsaved buffer).
pub fn key(path: &Path) -> PathBuf {
    let normal = normalize(path);
    match (normal.parent(), normal.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|parent| parent.join(name))
            .unwrap_or(normal),
        _ => normal,
    }
}

/// Open buffers over the file system.
#[derive(Debug, Default)]
pub struct Overlay {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Overlay {
    /// This overlay with `path` read as `bytes` instead.
    pub fn with_file(mut self, path: &Path, bytes: Vec<u8>) -> Overlay {
        self.files.insert(key(path), bytes);
        self
    }
}

impl Loader for Overlay {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(&key(path)) {
            Some(bytes) => Ok(bytes.clone()),
            None => crate::disk::read_source_file(path),
        }
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let key = key(path);
        if self.files.contains_key(&key) {
            return Ok(key);
        }
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&key(path)) || path.is_file()
    }
}

/// What a document is checked with: the root of its workspace, or the
/// document alone when no `pipec.toml` is above it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// A directory holding `pipec.toml`: every `.pipe` file under it.
    Root(PathBuf),
    /// One file (a path, or a URI without one) and what it imports.
    Alone(String),
}

/// The scope of a document, found as the command line finds a workspace
/// root: the nearest directory above it holding `pipec.toml`.
pub fn scope_of(document: &Document) -> Scope {
    let Some(path) = &document.path else {
        return Scope::Alone(document.name());
    };
    let mut dir = path.parent();
    while let Some(candidate) = dir {
        if candidate.join(ROOT_MARKER).is_file() {
            return Scope::Root(candidate.to_path_buf());
        }
        dir = candidate.parent();
    }
    Scope::Alone(document.name())
}

/// The entries `pipec check` would check for a scope: every `.pipe` file
/// under a root, found as `pipec check ROOT` finds them (see
/// [`crate::walk`]), and the open documents in it that are not saved yet;
/// or the one document. A root whose `pipec.toml` cannot be read is
/// walked without its excludes, and a directory that cannot be searched
/// (unreadable, or too deep) is passed over: the editor still shows every
/// file it can.
pub fn entries(scope: &Scope, documents: &Documents) -> Vec<Entry> {
    match scope {
        Scope::Root(root) => {
            let excludes =
                crate::walk::excludes_for(root).unwrap_or_else(|_| crate::walk::Excludes::none());
            // A directory it cannot search is passed over, not every file.
            let mut found = crate::walk::readable_pipe_files(root, &excludes);
            for document in documents.iter() {
                if let Some(path) = &document.path
                    && path.starts_with(root)
                    && path.extension().is_some_and(|ext| ext == "pipe")
                {
                    found.push(path.clone());
                }
            }
            let mut keyed: Vec<PathBuf> = found.iter().map(|path| key(path)).collect();
            keyed.sort();
            keyed.dedup();
            keyed
                .into_iter()
                .map(|path| Entry {
                    path,
                    bytes: None,
                    name: None,
                })
                .collect()
        }
        Scope::Alone(name) => documents
            .iter()
            .find(|document| document.name() == *name)
            .map(|document| match &document.path {
                Some(path) => Entry {
                    path: path.clone(),
                    bytes: None,
                    name: None,
                },
                // Imports of an untitled buffer resolve from the server's
                // working directory, as those of standard input do.
                None => Entry {
                    path: PathBuf::from("untitled.pipe"),
                    bytes: Some(document.text.as_bytes().to_vec()),
                    name: Some(name.clone()),
                },
            })
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn edit(text: &str, from: (u32, u32), to: (u32, u32), new: &str, encoding: Encoding) -> String {
        let mut text = text.to_string();
        apply(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range::new(
                    Position::new(from.0, from.1),
                    Position::new(to.0, to.1),
                )),
                range_length: None,
                text: new.to_string(),
            },
            encoding,
        );
        text
    }

    #[test]
    fn ranged_changes_edit_in_place_counting_the_negotiated_units() {
        let text = "a = \"é🚀\" b\nc = 1\n";
        // `b` is after 9 UTF-16 units (the rocket takes two) or 12 bytes.
        assert_eq!(
            edit(text, (0, 10), (0, 11), "bee", Encoding::Utf16),
            "a = \"é🚀\" bee\nc = 1\n"
        );
        assert_eq!(
            edit(text, (0, 13), (0, 14), "bee", Encoding::Utf8),
            "a = \"é🚀\" bee\nc = 1\n"
        );
        // Across a line break, and an insertion at the very end.
        assert_eq!(
            edit(text, (0, 10), (1, 1), "", Encoding::Utf16),
            "a = \"é🚀\"  = 1\n"
        );
        assert_eq!(
            edit(text, (2, 0), (2, 0), "d", Encoding::Utf16),
            format!("{text}d")
        );
        // A range past the end is clamped, not a panic.
        assert_eq!(
            edit(text, (9, 9), (12, 0), "!", Encoding::Utf16),
            format!("{text}!")
        );
        // A reversed range inserts at its start.
        assert_eq!(edit("abc", (0, 2), (0, 1), "X", Encoding::Utf16), "abXc");
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut text = "old".to_string();
        apply(
            &mut text,
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".to_string(),
            },
            Encoding::Utf16,
        );
        assert_eq!(text, "new");
    }
}
