//! Quick fixes: the compiler's own suggestions (`Diagnostic::suggestions`)
//! as code actions.
//!
//! The diagnostics an editor sends back in the request's context are only
//! what it was shown: code, range and message. They are matched, by code,
//! range and the message's first line (several policy findings share a
//! pipeline's name and a code, and differ only in their rule), against a
//! fresh check of the document's workspace, whose
//! diagnostics carry the suggestions; a diagnostic that no longer exists
//! gets no fix, so an edit is never offered for text that changed since.

use super::convert::{self, Encoding};
use super::diagnostics::uri_of;
use crate::diagnostics::{Diagnostic, Suggestion};
use crate::source::SourceMap;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, NumberOrString, Range, TextEdit, Uri,
    WorkspaceEdit,
};
use std::collections::HashMap;

/// The quick fixes for the diagnostics of `document` (a file name as the
/// compiler knows it) that `context` names, or, when it names none, for
/// those whose range touches `range`. Each fix lists the diagnostic it
/// fixes; it is preferred when it is its diagnostic's only fix.
pub fn actions(
    checked: &[Diagnostic],
    sources: &SourceMap,
    document: &str,
    range: Range,
    context: &[lsp_types::Diagnostic],
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for diagnostic in checked {
        if diagnostic.suggestions().is_empty() {
            continue;
        }
        let Some(primary) = diagnostic.primary_label() else {
            continue;
        };
        let Some(source) = sources.get(primary.file) else {
            continue;
        };
        if source.name != document {
            continue;
        }
        let at = convert::range(source, primary.span, encoding);
        let code = diagnostic.code.as_str();
        let shown = if context.is_empty() {
            touches(at, range).then(|| None)
        } else {
            context
                .iter()
                .find(|sent| {
                    sent.range == at
                        && sent.code == Some(NumberOrString::String(code.to_string()))
                        && sent.message.lines().next() == diagnostic.message.lines().next()
                })
                .map(|sent| Some(sent.clone()))
        };
        let Some(shown) = shown else {
            continue;
        };
        let preferred = diagnostic.suggestions().len() == 1;
        for suggestion in diagnostic.suggestions() {
            let Some(edit) = workspace_edit(suggestion, sources, encoding) else {
                continue;
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: suggestion.message.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: shown.clone().map(|sent| vec![sent]),
                edit: Some(edit),
                command: None,
                is_preferred: Some(preferred),
                disabled: None,
                data: None,
            }));
        }
    }
    out
}

/// Whether two ranges overlap or touch (an empty selection at either end
/// of a diagnostic touches it).
fn touches(left: Range, right: Range) -> bool {
    left.start <= right.end && right.start <= left.end
}

/// A suggestion as an edit of the file it is in, which may be another file
/// than the document's (an exemption goes in the policy's file). Files of
/// the standard library have no URI and cannot be edited.
fn workspace_edit(
    suggestion: &Suggestion,
    sources: &SourceMap,
    encoding: Encoding,
) -> Option<WorkspaceEdit> {
    let source = sources.get(suggestion.file)?;
    let uri: Uri = uri_of(&source.name)?;
    let edit = TextEdit {
        range: convert::range(source, suggestion.span, encoding),
        new_text: suggestion.replacement.clone(),
    };
    Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri, vec![edit])])),
        ..WorkspaceEdit::default()
    })
}
