//! Formatting a document through the formatter `pipec fmt` uses. A buffer
//! that does not parse is refused: the formatter cannot keep the meaning of
//! text it cannot read.

use super::convert::{self, Encoding};
use crate::source::{FileId, SourceFile};
use crate::syntax::format::{FormatError, format};
use lsp_types::TextEdit;

/// The edits that format `source`: none when it is formatted already, one
/// replacing the whole text otherwise; `Err` with the reason it was refused.
pub fn edits(source: &SourceFile, encoding: Encoding) -> Result<Vec<TextEdit>, String> {
    match format(&source.text, FileId(0)) {
        Ok(formatted) if formatted == source.text => Ok(Vec::new()),
        Ok(formatted) => Ok(vec![TextEdit {
            range: convert::whole(source, encoding),
            new_text: formatted,
        }]),
        Err(FormatError::Syntax(diagnostics)) => Err(format!(
            "not formatted: the document has {} (see its diagnostics)",
            crate::diagnostics::counted(diagnostics.len(), "syntax error")
        )),
        Err(FormatError::Unsafe(what)) => Err(format!(
            "not formatted: the formatted text would not mean the same ({what})"
        )),
    }
}
