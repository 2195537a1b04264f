//! The server loop: initialization, the dispatch of requests and
//! notifications, re-checks and publishing, shutdown.
//!
//! Messages are handled one at a time, in order. After a message, every
//! message already waiting is handled before anything is re-checked, so a
//! burst of edits costs one check, made from the newest text; since checks
//! run in order on the newest text, no result computed for an older version
//! of a document is ever published after a newer one.

use super::convert::{self, Encoding};
use super::documents::{self, Documents, Scope};
use super::resolve::Place;
use super::{
    Settings, code_actions, completion, definition, diagnostics, folding, formatting, hover,
    references, rename, symbols,
};
use crate::modules;
use crate::semantics::{self, Want};
use crate::source::FileId;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    DocumentSymbolResponse, GotoDefinitionResponse, Hover, HoverContents, HoverProviderCapability,
    InitializeParams, Location, MarkupContent, MarkupKind, MessageType, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs the server on a connection until `exit`; returns the exit status
/// (0 after `shutdown`, 1 otherwise).
pub fn run(connection: &Connection, settings: Settings) -> u8 {
    run_for_client(connection, settings, false)
}

/// [`run`]; with `watch_client`, the process ends when the client process
/// named in `initialize` has gone (a server on stdio; an in-memory
/// connection has no such process).
pub(super) fn run_for_client(
    connection: &Connection,
    mut settings: Settings,
    watch_client: bool,
) -> u8 {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(error) => {
            eprintln!("pipec lsp: {error}");
            return 1;
        }
    };
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref()),
    );
    if let Some(options) = &params.initialization_options {
        settings.update(options);
    }
    if let Some(pid) = params.process_id.filter(|_| watch_client) {
        super::client_watch::watch(pid);
    }
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo {
            name: "pipec".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    if let Err(error) = connection.initialize_finish(id, result) {
        eprintln!("pipec lsp: {error}");
        return 1;
    }
    let mut server = Server {
        connection,
        documents: Documents::default(),
        encoding,
        settings,
        dirty: BTreeSet::new(),
        published: BTreeMap::new(),
        shut_down: false,
    };
    server.serve()
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(lsp_types::CompletionOptions::default()),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: lsp_types::WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Options(
            lsp_types::CodeActionOptions {
                code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
                ..lsp_types::CodeActionOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    }
}

struct Server<'c> {
    connection: &'c Connection,
    documents: Documents,
    encoding: Encoding,
    settings: Settings,
    /// Scopes to re-check once the waiting messages are handled.
    dirty: BTreeSet<Scope>,
    /// Per scope, the URIs last given a non-empty list, to clear them when
    /// they become clean.
    published: BTreeMap<Scope, BTreeSet<String>>,
    shut_down: bool,
}

/// What a handler failed with: a protocol error code and message.
type Failure = (ErrorCode, String);

impl Server<'_> {
    fn serve(&mut self) -> u8 {
        loop {
            let Ok(message) = self.connection.receiver.recv() else {
                // The client went away without `exit`.
                return 1;
            };
            if let Some(status) = self.handle(message) {
                return status;
            }
            while let Ok(message) = self.connection.receiver.try_recv() {
                if let Some(status) = self.handle(message) {
                    return status;
                }
            }
            self.recheck();
        }
    }

    /// Handles one message; `Some(status)` on `exit`.
    fn handle(&mut self, message: Message) -> Option<u8> {
        match message {
            Message::Request(request) => self.request(request),
            Message::Notification(notification) => {
                if notification.method == note::Exit::METHOD {
                    return Some(if self.shut_down { 0 } else { 1 });
                }
                let method = notification.method.clone();
                let outcome = catch_unwind(AssertUnwindSafe(|| self.notification(notification)));
                if outcome.is_err() {
                    eprintln!("pipec lsp: internal error while handling {method}");
                }
            }
            Message::Response(_) => {}
        }
        None
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let result = if self.shut_down {
            Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".to_string(),
            ))
        } else if method == req::Shutdown::METHOD {
            self.shut_down = true;
            Ok(Value::Null)
        } else {
            guarded(&method, || self.dispatch(&method, params))
        };
        self.respond(id, result);
    }

    fn respond(&self, id: RequestId, result: Result<Value, Failure>) {
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    fn send(&self, message: Message) {
        if self.connection.sender.send(message).is_err() {
            eprintln!("pipec lsp: the client is gone");
        }
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.to_string(),
            params,
        )));
    }

    fn dispatch(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        match method {
            req::HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = parse(params)?;
                let at = params.text_document_position_params;
                let text = self
                    .with_place(&at.text_document.uri, at.position, hover::hover)
                    .flatten();
                to_value(text.map(|value| Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    }),
                    range: None,
                }))
            }
            req::GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = parse(params)?;
                let at = params.text_document_position_params;
                let encoding = self.encoding;
                let location = self
                    .with_place(&at.text_document.uri, at.position, |place, offset| {
                        let (file, span) = definition::definition(place, offset)?;
                        let source = place.workspace.sources.get(file)?;
                        Some(Location {
                            uri: diagnostics::uri_of(&source.name)?,
                            range: convert::range(source, span, encoding),
                        })
                    })
                    .flatten();
                to_value(location.map(GotoDefinitionResponse::Scalar))
            }
            req::DocumentSymbolRequest::METHOD => {
                let params: lsp_types::DocumentSymbolParams = parse(params)?;
                let document = self.document(&params.text_document.uri)?;
                let source = crate::source::SourceFile::new(document.name(), document.text.clone());
                let parsed = crate::syntax::parse_file(&source.text, FileId(0));
                to_value(DocumentSymbolResponse::Nested(symbols::symbols(
                    &parsed.file,
                    &source,
                    self.encoding,
                )))
            }
            req::Completion::METHOD => {
                let params: lsp_types::CompletionParams = parse(params)?;
                let at = params.text_document_position;
                let document = self.document(&at.text_document.uri)?;
                let source = crate::source::SourceFile::new(document.name(), document.text.clone());
                let offset = convert::offset(&source, at.position, self.encoding);
                to_value(completion::items(completion::offer(&source.text, offset)))
            }
            req::FoldingRangeRequest::METHOD => {
                let params: lsp_types::FoldingRangeParams = parse(params)?;
                let document = self.document(&params.text_document.uri)?;
                let source = crate::source::SourceFile::new(document.name(), document.text.clone());
                let parsed = crate::syntax::parse_file(&source.text, FileId(0));
                to_value(folding::ranges(&parsed.file, &source, self.encoding))
            }
            req::References::METHOD => {
                let params: lsp_types::ReferenceParams = parse(params)?;
                let at = params.text_document_position;
                let include_declaration = params.context.include_declaration;
                let encoding = self.encoding;
                let locations = self
                    .with_place(&at.text_document.uri, at.position, |place, offset| {
                        references::references(place, offset, include_declaration)
                            .into_iter()
                            .filter_map(|(file, span)| {
                                let source = place.workspace.sources.get(file)?;
                                Some(Location {
                                    uri: diagnostics::uri_of(&source.name)?,
                                    range: convert::range(source, span, encoding),
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                to_value(locations)
            }
            req::Formatting::METHOD => {
                let params: lsp_types::DocumentFormattingParams = parse(params)?;
                let document = self.document(&params.text_document.uri)?;
                let source = crate::source::SourceFile::new(document.name(), document.text.clone());
                match formatting::edits(&source, self.encoding) {
                    Ok(edits) => to_value(edits),
                    Err(message) => {
                        self.notify::<note::ShowMessage>(ShowMessageParams {
                            typ: MessageType::WARNING,
                            message: message.clone(),
                        });
                        Err((ErrorCode::RequestFailed, message))
                    }
                }
            }
            req::PrepareRenameRequest::METHOD => {
                let at: lsp_types::TextDocumentPositionParams = parse(params)?;
                let encoding = self.encoding;
                let answer = self
                    .with_place(&at.text_document.uri, at.position, |place, offset| {
                        let found = rename::prepare(place, offset)?;
                        let Some(source) = place.workspace.sources.get(place.file) else {
                            return Ok(None);
                        };
                        Ok(found.map(|(span, placeholder)| {
                            lsp_types::PrepareRenameResponse::RangeWithPlaceholder {
                                range: convert::range(source, span, encoding),
                                placeholder,
                            }
                        }))
                    })
                    .unwrap_or(Ok(None));
                match answer {
                    Ok(response) => to_value(response),
                    Err(reason) => Err((ErrorCode::RequestFailed, reason)),
                }
            }
            req::Rename::METHOD => {
                let params: lsp_types::RenameParams = parse(params)?;
                let at = params.text_document_position;
                let encoding = self.encoding;
                let new_name = params.new_name;
                let answer = self
                    .with_place(&at.text_document.uri, at.position, |place, offset| {
                        let Some(places) = rename::rename(place, offset, &new_name)? else {
                            return Ok(None);
                        };
                        Ok(Some(rename::workspace_edit(
                            place, &places, &new_name, encoding,
                        )))
                    })
                    .unwrap_or(Ok(None));
                match answer {
                    Ok(edit) => to_value(edit),
                    Err(reason) => Err((ErrorCode::RequestFailed, reason)),
                }
            }
            req::CodeActionRequest::METHOD => {
                let params: lsp_types::CodeActionParams = parse(params)?;
                let wanted = params.context.only.as_ref().is_none_or(|only| {
                    only.iter().any(|kind| {
                        lsp_types::CodeActionKind::QUICKFIX
                            .as_str()
                            .starts_with(kind.as_str())
                    })
                });
                if !wanted {
                    return to_value(Vec::<lsp_types::CodeActionOrCommand>::new());
                }
                let document = self.document(&params.text_document.uri)?;
                let scope = documents::scope_of(document);
                let entries = documents::entries(&scope, &self.documents);
                let overlay = self.documents.overlay();
                let checked = crate::workspace::check_workspace_with(
                    entries,
                    &overlay,
                    self.settings.today(),
                    self.settings.profile.as_deref(),
                );
                to_value(code_actions::actions(
                    &checked.diagnostics,
                    &checked.sources,
                    &document.name(),
                    params.range,
                    &params.context.diagnostics,
                    self.encoding,
                ))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request {method}"),
            )),
        }
    }

    fn document(&self, uri: &Uri) -> Result<&documents::Document, Failure> {
        self.documents.get(uri).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("{} is not open", uri.as_str()),
            )
        })
    }

    /// Loads and analyses the workspace of a document and calls `f` with
    /// the document's place in it and the offset of `position`.
    fn with_place<R>(
        &self,
        uri: &Uri,
        position: lsp_types::Position,
        f: impl FnOnce(&Place<'_, '_>, usize) -> R,
    ) -> Option<R> {
        let document = self.documents.get(uri)?;
        let scope = documents::scope_of(document);
        let entries = documents::entries(&scope, &self.documents);
        let overlay = self.documents.overlay();
        let workspace = modules::load(entries, &overlay);
        let analysis = semantics::analyze(
            &workspace,
            self.settings.today(),
            self.settings.profile.as_deref(),
            // Lowering runs either way; hover on a wave reads the plans.
            Want::Plans,
        );
        let name = document.name();
        let (file, source) = workspace
            .sources
            .iter()
            .find(|(_, source)| source.name == name)?;
        let offset = convert::offset(source, position, self.encoding);
        let base_dir = document.path.as_deref().and_then(std::path::Path::parent);
        let place = Place {
            workspace: &workspace,
            analysis: &analysis,
            file,
            base_dir,
        };
        Some(f(&place, offset))
    }

    fn notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        match method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidOpenTextDocumentParams>(params) {
                    let doc = params.text_document;
                    self.documents.open(doc.uri.clone(), doc.version, doc.text);
                    self.mark(&doc.uri);
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidChangeTextDocumentParams>(params) {
                    // Full sync: the last change holds the whole text.
                    let uri = params.text_document.uri;
                    if let Some(change) = params.content_changes.into_iter().last()
                        && self
                            .documents
                            .change(&uri, params.text_document.version, change.text)
                    {
                        self.mark(&uri);
                    }
                }
            }
            note::DidSaveTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidSaveTextDocumentParams>(params) {
                    self.mark(&params.text_document.uri);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidCloseTextDocumentParams>(params) {
                    let uri = params.text_document.uri;
                    if let Some(document) = self.documents.close(&uri) {
                        let scope = documents::scope_of(&document);
                        match scope {
                            // The file on disk is what the workspace holds now.
                            Scope::Root(_) => {
                                self.dirty.insert(scope);
                            }
                            // Nothing is shown for a closed file of its own.
                            Scope::Alone(_) => {
                                let uris = self.published.remove(&scope).unwrap_or_default();
                                for uri in uris {
                                    self.publish(&uri, Vec::new());
                                }
                            }
                        }
                    }
                }
            }
            note::DidChangeConfiguration::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidChangeConfigurationParams>(params) {
                    self.settings.update(&params.settings);
                    let scopes: Vec<Scope> =
                        self.documents.iter().map(documents::scope_of).collect();
                    self.dirty.extend(scopes);
                }
            }
            // `$/cancelRequest` and anything else: requests are answered in
            // order as they come, so there is nothing to cancel.
            _ => {}
        }
    }

    fn mark(&mut self, uri: &Uri) {
        if let Some(document) = self.documents.get(uri) {
            self.dirty.insert(documents::scope_of(document));
        }
    }

    /// Checks every scope touched since the last check and publishes its
    /// diagnostics: every file with some, and an empty list for every file
    /// that had some before or is open.
    fn recheck(&mut self) {
        let scopes = std::mem::take(&mut self.dirty);
        for scope in scopes {
            let outcome = catch_unwind(AssertUnwindSafe(|| self.check(&scope)));
            if outcome.is_err() {
                eprintln!("pipec lsp: internal error while checking");
            }
        }
    }

    fn check(&mut self, scope: &Scope) {
        let entries = documents::entries(scope, &self.documents);
        let overlay = self.documents.overlay();
        let checked = crate::workspace::check_workspace_with(
            entries,
            &overlay,
            self.settings.today(),
            self.settings.profile.as_deref(),
        );
        let mut lists = diagnostics::by_uri(
            &checked.diagnostics,
            &checked.sources,
            self.encoding,
            &self.settings.docs_url(),
        );
        // Open documents of the scope get a list even when it is empty.
        for document in self.documents.iter() {
            if documents::scope_of(document) == *scope {
                lists
                    .entry(document.uri.as_str().to_string())
                    .or_insert_with(|| (document.uri.clone(), Vec::new()));
            }
        }
        let before = self.published.remove(scope).unwrap_or_default();
        for uri in before {
            if !lists.contains_key(&uri) {
                self.publish(&uri, Vec::new());
            }
        }
        let mut now = BTreeSet::new();
        for (key, (uri, list)) in lists {
            if !list.is_empty() {
                now.insert(key);
            }
            self.publish_to(uri, list);
        }
        self.published.insert(scope.clone(), now);
    }

    fn publish(&self, uri: &str, list: Vec<lsp_types::Diagnostic>) {
        if let Ok(uri) = uri.parse::<Uri>() {
            self.publish_to(uri, list);
        }
    }

    fn publish_to(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) {
        let version = self.documents.get(&uri).map(|document| document.version);
        self.notify::<note::PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }
}

/// Runs a handler; a panic in it (a bug) becomes an error answer, so that
/// it costs one answer, not the session.
fn guarded(
    method: &str,
    handler: impl FnOnce() -> Result<Value, Failure>,
) -> Result<Value, Failure> {
    catch_unwind(AssertUnwindSafe(handler)).unwrap_or_else(|_| {
        Err((
            ErrorCode::InternalError,
            format!("internal error while handling {method}"),
        ))
    })
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, Failure> {
    serde_json::from_value(params).map_err(|error| (ErrorCode::InvalidParams, error.to_string()))
}

fn to_value<T: serde::Serialize>(value: T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|error| (ErrorCode::InternalError, error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_handler_answers_with_an_internal_error() {
        let result = guarded("textDocument/hover", || panic!("a bug"));
        let Err((code, message)) = result else {
            panic!("expected an error");
        };
        assert_eq!(code as i32, ErrorCode::InternalError as i32);
        assert!(message.contains("textDocument/hover"));
        assert_eq!(guarded("x", || Ok(Value::Null)).ok(), Some(Value::Null));
    }
}
