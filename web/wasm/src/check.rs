//! `check`: the workspace's diagnostics, for the editor and as text.

use crate::request::{Refusal, Request};
use pipec::diagnostics::{self, Diagnostic, Severity};
use pipec::source::SourceMap;
use pipec::syntax::ast;

/// The answer to `check`.
#[derive(Debug, serde::Serialize)]
pub struct Checked {
    ok: bool,
    /// Every diagnostic, in the order `pipec check` prints them.
    diagnostics: Vec<Shown>,
    /// What `pipec check` prints on standard error, without colour.
    text: String,
    /// Its closing line.
    summary: String,
    /// The pipelines the files declare, in file and declaration order.
    pipelines: Vec<Pipeline>,
    /// The profiles the templates and pipelines declare, sorted.
    profiles: Vec<String>,
}

/// A diagnostic as the page shows it.
#[derive(Debug, serde::Serialize)]
pub struct Shown {
    /// The file of its main place; absent for a problem of no one place.
    file: Option<String>,
    severity: &'static str,
    code: &'static str,
    message: String,
    help: Vec<String>,
    notes: Vec<String>,
    /// The main place, as UTF-16 offsets into the file's text (what the
    /// editor counts in).
    from: usize,
    to: usize,
    /// Its start, 1-based.
    line: usize,
    column: usize,
}

/// A declared pipeline.
#[derive(Debug, serde::Serialize)]
pub struct Pipeline {
    name: String,
    file: String,
}

/// Checks every `.pipe` file of the workspace, as `pipec check` in its
/// root does.
pub fn check(request: &Request) -> Result<Checked, Refusal> {
    let today = request.today()?;
    let files = request.pipe_files();
    let entries = Request::entries(files.iter().map(|file| file.name.as_str()));
    let checked = pipec::workspace::check_workspace_with(
        entries,
        &request.loader(),
        today,
        request.profile(),
    );
    let mut pipelines = Vec::new();
    let mut profiles = std::collections::BTreeSet::new();
    for (file, tree) in &checked.trees {
        let Some(name) = checked.sources.get(*file).map(|source| source.name.clone()) else {
            continue;
        };
        if !files.iter().any(|entry| entry.name == name) {
            continue;
        }
        for item in &tree.items {
            if let ast::ItemKind::Pipeline(decl) = &item.kind {
                pipelines.push(Pipeline {
                    name: decl.name.name.to_string(),
                    file: name.clone(),
                });
            }
            if let ast::ItemKind::Pipeline(decl) | ast::ItemKind::Template(decl) = &item.kind {
                for member in &decl.body.members {
                    if let ast::MemberKind::Profile { name, .. } = &member.kind {
                        profiles.insert(name.name.to_string());
                    }
                }
            }
        }
    }
    let reported = errors_first(&checked.diagnostics);
    let errors = reported.iter().filter(|d| d.is_error()).count();
    Ok(Checked {
        ok: !checked.has_errors(),
        diagnostics: shown(&reported, &checked.sources),
        text: diagnostics::render::to_plain_string(&reported, &checked.sources),
        // Notes count with the warnings, as the command counts them.
        summary: diagnostics::check_closing_line(
            files.len(),
            errors,
            reported.len() - errors,
            false,
        ),
        pipelines,
        profiles: profiles.into_iter().collect(),
    })
}

/// The diagnostics in the order the command line reports them.
pub fn errors_first(found: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics::errors_first(found)
        .into_iter()
        .cloned()
        .collect()
}

/// Diagnostics with their main place in the editor's terms.
pub fn shown(found: &[Diagnostic], sources: &SourceMap) -> Vec<Shown> {
    found
        .iter()
        .map(|diagnostic| {
            let primary = diagnostic
                .labels
                .iter()
                .find(|label| label.primary)
                .or(diagnostic.labels.first());
            let place = primary.and_then(|label| {
                let source = sources.get(label.file)?;
                let utf16 = |offset: usize| {
                    source
                        .text
                        .get(..offset.min(source.text.len()))
                        .map_or(0, |before| before.encode_utf16().count())
                };
                let (line, column) = source.line_col(label.span.start());
                Some((
                    source.name.clone(),
                    utf16(label.span.start()),
                    utf16(label.span.end()),
                    line,
                    column,
                ))
            });
            let (file, from, to, line, column) = match place {
                Some((file, from, to, line, column)) => (Some(file), from, to, line, column),
                None => (None, 0, 0, 1, 1),
            };
            Shown {
                file,
                severity: match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                },
                code: diagnostic.code.as_str(),
                message: diagnostic.message.clone(),
                help: diagnostic.help.iter().cloned().collect(),
                notes: diagnostic.notes.clone(),
                from,
                to,
                line,
                column,
            }
        })
        .collect()
}
