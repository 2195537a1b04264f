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

/// Parses and checks each input on its own.
pub fn check_inputs(inputs: Vec<Input>) -> Checked {
    let mut checked = Checked::default();
    for input in inputs {
        let (text, decode_error) = syntax::decode(&input.bytes);
        let file = checked.sources.add(SourceFile::new(input.name, text));
        if let Some(error) = decode_error {
            checked.diagnostics.push(error.to_diagnostic(file));
            continue;
        }
        let text = checked.sources.get(file).map_or("", |source| source.text.as_str());
        let parsed = syntax::parse_file(text, file);
        checked.diagnostics.extend(parsed.diagnostics);
        checked.diagnostics.extend(check::check_shape(&parsed.file, file));
        checked.trees.push((file, parsed.file));
    }
    diagnostics::sort(&mut checked.diagnostics);
    checked
}

/// Checks one source text: a convenience for tests and editors.
pub fn check_text(name: &str, text: &str) -> Checked {
    check_inputs(vec![Input {
        name: name.to_string(),
        bytes: text.as_bytes().to_vec(),
    }])
}
