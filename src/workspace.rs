//! Checking a set of sources. The caller supplies the bytes (the CLI reads
//! files, tests build them in memory); this module does no I/O.

use crate::check;
use crate::diagnostics::{self, Diagnostic};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::{self, ast};

/// One input: the name to show in messages and the raw bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// Displayed name, e.g. `examples/orders.pipe`.
    pub name: String,
    /// The file's bytes, not yet known to be UTF-8.
    pub bytes: Vec<u8>,
}

/// The result of checking: the sources (for rendering), the trees and the
/// diagnostics, sorted by place.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every file read.
    pub sources: SourceMap,
    /// Each file's tree, by file id.
    pub trees: Vec<(FileId, ast::File)>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks each input on its own. Files are independent at this
/// stage, so they are spread over the machine's cores; the result does not
/// depend on how (files keep their input order, diagnostics are sorted).
pub fn check_inputs(inputs: Vec<Input>) -> Checked {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(inputs.len().max(1));
    let per_thread = inputs.len().div_ceil(threads).max(1);
    let mut batches: Vec<Vec<(usize, Input)>> = Vec::new();
    for (idx, input) in inputs.into_iter().enumerate() {
        if batches.last().is_none_or(|batch| batch.len() >= per_thread) {
            batches.push(Vec::new());
        }
        if let Some(batch) = batches.last_mut() {
            batch.push((idx, input));
        }
    }
    let mut results: Vec<FileResult> = if batches.len() <= 1 {
        batches
            .into_iter()
            .flatten()
            .map(|(idx, input)| check_one(idx, input))
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batches
                .into_iter()
                .map(|batch| {
                    scope.spawn(move || {
                        batch
                            .into_iter()
                            .map(|(idx, input)| check_one(idx, input))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    results.sort_by_key(|result| result.idx);

    let mut checked = Checked::default();
    for result in results {
        let file = checked.sources.add(result.source);
        checked.diagnostics.extend(
            result
                .diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.in_file(file)),
        );
        if let Some(tree) = result.tree {
            checked.trees.push((file, tree));
        }
    }
    diagnostics::sort(&mut checked.diagnostics);
    checked
}

struct FileResult {
    idx: usize,
    source: SourceFile,
    tree: Option<ast::File>,
    diagnostics: Vec<Diagnostic>,
}

/// Checks one file. Its id is not known yet, so diagnostics use a
/// placeholder that [`Diagnostic::in_file`] replaces.
fn check_one(idx: usize, input: Input) -> FileResult {
    let placeholder = FileId(u32::MAX);
    let (text, decode_error) = syntax::decode(&input.bytes);
    let source = SourceFile::new(input.name, text);
    if let Some(error) = decode_error {
        return FileResult {
            idx,
            source,
            tree: None,
            diagnostics: vec![error.to_diagnostic(placeholder)],
        };
    }
    let parsed = syntax::parse_file(&source.text, placeholder);
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(check::check_shape(&parsed.file, placeholder));
    FileResult {
        idx,
        source,
        tree: Some(parsed.file),
        diagnostics,
    }
}

/// Checks one source text: a convenience for tests and editors.
pub fn check_text(name: &str, text: &str) -> Checked {
    check_inputs(vec![Input {
        name: name.to_string(),
        bytes: text.as_bytes().to_vec(),
    }])
}
