//! The compiler's diagnostics as the protocol's, one list per file. The
//! primary label gives the range; every other label, in whichever file it
//! is, becomes related information; notes and help end the message, as
//! they end the human report.

use super::convert::{self, Encoding};
use super::uri;
use crate::diagnostics::{Diagnostic, Label, Severity};
use crate::source::SourceMap;
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location,
    NumberOrString, Uri,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// Where the documentation of codes lives, when the settings do not say:
/// the language reference of the source tree the server was built from.
pub fn default_docs_url() -> String {
    format!(
        "file://{}/docs/language.md",
        env!("CARGO_MANIFEST_DIR").replace(' ', "%20")
    )
}

/// The protocol diagnostics of a check, by file URI (in URI order), for the
/// files that have a URI: documents by path, untitled buffers by the URI
/// they were named after. Files of the embedded standard library have none;
/// their labels are left out.
pub fn by_uri(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    encoding: Encoding,
    docs_url: &str,
) -> BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)> {
    let mut out: BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = BTreeMap::new();
    for diagnostic in diagnostics {
        let Some(primary) = diagnostic.primary_label() else {
            continue;
        };
        let Some(file) = sources.get(primary.file) else {
            continue;
        };
        let Some(file_uri) = uri_of(&file.name) else {
            continue;
        };
        let converted = convert_one(diagnostic, primary, sources, encoding, docs_url);
        out.entry(file_uri.as_str().to_string())
            .or_insert_with(|| (file_uri, Vec::new()))
            .1
            .push(converted);
    }
    out
}

/// The URI of a file the compiler read, from the name it knows it by.
pub fn uri_of(name: &str) -> Option<Uri> {
    if name.starts_with('/') {
        uri::from_path(Path::new(name))
    } else if name.contains(':') {
        Uri::from_str(name).ok()
    } else {
        None
    }
}

fn convert_one(
    diagnostic: &Diagnostic,
    primary: &Label,
    sources: &SourceMap,
    encoding: Encoding,
    docs_url: &str,
) -> lsp_types::Diagnostic {
    let range = sources
        .get(primary.file)
        .map(|file| convert::range(file, primary.span, encoding))
        .unwrap_or_default();
    let mut message = diagnostic.message.clone();
    if !primary.message.is_empty() {
        message.push_str(&format!("\n{}", primary.message));
    }
    for note in &diagnostic.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|label| !std::ptr::eq(*label, primary))
        .filter_map(|label| {
            let file = sources.get(label.file)?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri_of(&file.name)?,
                    range: convert::range(file, label.span, encoding),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
        code_description: Uri::from_str(&format!("{docs_url}#diagnostics"))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("pipec".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: tags(diagnostic.code),
        data: None,
    }
}

/// The tags of a code: `Unnecessary` (shown faded) where what the range
/// covers has no effect and can be deleted: a list item given twice, a
/// removal of something absent. Not an expired exemption: its range is
/// its `expires = DATE`, and deleting that would make the exemption
/// permanent.
fn tags(code: crate::diagnostics::Code) -> Option<Vec<DiagnosticTag>> {
    use crate::diagnostics::Code;
    let unnecessary = [
        Code::DUPLICATE_LIST_ITEM,
        Code::REMOVAL_OF_NOTHING,
        Code::LIST_REMOVAL_OF_ABSENT,
    ];
    unnecessary
        .contains(&code)
        .then(|| vec![DiagnosticTag::UNNECESSARY])
}
