//! The server loop: initialization, the dispatch of requests and
//! notifications, re-checks and publishing, shutdown.
//!
//! Messages are handled one at a time, in order. After a message, every
//! message already waiting is handled before anything is re-checked, so a
//! burst of edits costs one check, made from the newest text; since checks
//! run in order on the newest text, no result computed for an older version
//! of a document is ever published after a newer one.

use super::checking::{Changed, Checker, Options};
use super::convert::{self, Encoding};
use super::documents::{self, Documents, Scope};
use super::resolve::Place;
use super::{
    Settings, code_actions, completion, definition, diagnostics, folding, formatting, hover,
    inlay_hints, references, rename, semantic_tokens, symbols, values, workspace_symbols,
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
use std::time::Duration;

/// How long the client must send nothing before the server checks a whole
/// workspace in the background: a pause in typing.
const PAUSE_BEFORE_BACKGROUND: Duration = Duration::from_millis(200);

/// The clients' way of saying what they support, as far as the server
/// cares.
#[derive(Debug, Clone, Copy, Default)]
struct ClientSupport {
    /// `textDocument/diagnostic`: then the server answers pulls and
    /// publishes nothing (a client given both would show both).
    pull_diagnostics: bool,
    /// `workspace/diagnostic/refresh`: how a pulling client learns that
    /// files it did not ask about have new diagnostics.
    diagnostic_refresh: bool,
    /// Registering `workspace/didChangeWatchedFiles` at run time: how the
    /// server hears of files created, changed or deleted outside the
    /// editor.
    watch_files: bool,
}

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
            log_line!("pipec lsp: {error}");
            return 1;
        }
    };
    // LSP 3.17 names the workspace's diagnostic capabilities `diagnostics`;
    // the types read `diagnostic`. Either spelling is taken.
    let refresh_support = params
        .pointer("/capabilities/workspace/diagnostics/refreshSupport")
        .and_then(serde_json::Value::as_bool);
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
    let support = ClientSupport {
        pull_diagnostics: params
            .capabilities
            .text_document
            .as_ref()
            .is_some_and(|text| text.diagnostic.is_some()),
        diagnostic_refresh: refresh_support
            .or_else(|| {
                params
                    .capabilities
                    .workspace
                    .as_ref()
                    .and_then(|workspace| workspace.diagnostic.as_ref())
                    .and_then(|diagnostic| diagnostic.refresh_support)
            })
            .unwrap_or(false),
        watch_files: params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false),
    };
    if let Some(pid) = params.process_id.filter(|_| watch_client) {
        super::client_watch::watch(pid);
    }
    let result = serde_json::json!({
        "capabilities": capabilities(encoding, support),
        "serverInfo": ServerInfo {
            name: "pipec".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    if let Err(error) = connection.initialize_finish(id, result) {
        log_line!("pipec lsp: {error}");
        return 1;
    }
    let mut server = Server {
        connection,
        documents: Documents::default(),
        encoding,
        settings,
        support,
        dirty: BTreeMap::new(),
        checker: Checker::default(),
        refreshes: std::cell::Cell::new(0),
        shut_down: false,
    };
    if support.watch_files {
        server.watch_files();
    }
    server.serve()
}

fn capabilities(encoding: Encoding, support: ClientSupport) -> ServerCapabilities {
    ServerCapabilities {
        diagnostic_provider: support.pull_diagnostics.then(|| {
            lsp_types::DiagnosticServerCapabilities::Options(lsp_types::DiagnosticOptions {
                identifier: Some("pipec".to_string()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..lsp_types::DiagnosticOptions::default()
            })
        }),
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
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
        workspace_symbol_provider: Some(OneOf::Left(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp_types::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp_types::SemanticTokensOptions {
                    legend: semantic_tokens::legend(),
                    full: Some(lsp_types::SemanticTokensFullOptions::Bool(true)),
                    range: Some(true),
                    ..lsp_types::SemanticTokensOptions::default()
                },
            ),
        ),
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
    support: ClientSupport,
    /// What changed in each scope since its last check, to re-check once
    /// the waiting messages are handled.
    dirty: BTreeMap<Scope, Changed>,
    checker: Checker,
    /// Refresh requests sent, for their ids.
    refreshes: std::cell::Cell<u64>,
    shut_down: bool,
}

/// What a handler failed with: a protocol error code and message.
type Failure = (ErrorCode, String);

impl Server<'_> {
    fn serve(&mut self) -> u8 {
        let finished_checks = self.checker.finished_checks();
        loop {
            // How long the client must be quiet before an owed check of a
            // whole workspace starts (see `checking`).
            let pause = if self.checker.owes_background() {
                PAUSE_BEFORE_BACKGROUND
            } else {
                Duration::from_secs(3600)
            };
            crossbeam_channel::select! {
                recv(self.connection.receiver) -> message => {
                    // The client went away without `exit`.
                    let Ok(message) = message else { return 1 };
                    if let Some(status) = self.handle_waiting(message) {
                        return status;
                    }
                }
                recv(finished_checks) -> finished => {
                    if let Ok(finished) = finished {
                        let publish = self.checker.finish(finished);
                        self.publish_all(publish);
                    }
                }
                default(pause) => {
                    let options = self.options();
                    self.checker.start_owed(&self.documents, &options);
                }
            }
            self.recheck();
        }
    }

    /// Handles `first` and every message already waiting after it, in
    /// order, so that a burst of edits costs one check. A request the
    /// client cancelled in the same burst is answered as cancelled without
    /// being run.
    fn handle_waiting(&mut self, first: Message) -> Option<u8> {
        let mut waiting = vec![first];
        while let Ok(message) = self.connection.receiver.try_recv() {
            waiting.push(message);
        }
        let cancelled: BTreeSet<RequestId> = waiting
            .iter()
            .filter_map(|message| match message {
                Message::Notification(note) if note.method == note::Cancel::METHOD => {
                    parse::<lsp_types::CancelParams>(note.params.clone())
                        .ok()
                        .map(|params| match params.id {
                            lsp_types::NumberOrString::Number(id) => RequestId::from(id),
                            lsp_types::NumberOrString::String(id) => RequestId::from(id),
                        })
                }
                _ => None,
            })
            .collect();
        for message in waiting {
            if let Message::Request(request) = &message
                && cancelled.contains(&request.id)
            {
                self.respond(
                    request.id.clone(),
                    Err((ErrorCode::RequestCanceled, "cancelled".to_string())),
                );
                continue;
            }
            if let Some(status) = self.handle(message) {
                return Some(status);
            }
        }
        None
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
                    log_line!("pipec lsp: internal error while handling {method}");
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
            log_line!("pipec lsp: the client is gone");
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
                        // The standard library has no file: a read-only copy.
                        let uri = diagnostics::uri_of(&source.name)
                            .or_else(|| super::std_copy::uri(&source.name))?;
                        Some(Location {
                            uri,
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
                let encoding = self.encoding;
                // A value or a name after a keyword, where one is being
                // written; else the words that begin a member.
                let pipelines = || self.pipeline_names(&at.text_document.uri);
                if let Some(items) = self
                    .with_place(&at.text_document.uri, at.position, |place, offset| {
                        values::complete(place, offset, encoding, &pipelines)
                    })
                    .flatten()
                {
                    return to_value(items);
                }
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
                let mut locations = self
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
                // In file and position order, whichever order the files
                // were loaded in.
                locations.sort_by(|a, b| {
                    (a.uri.as_str(), a.range.start.line, a.range.start.character).cmp(&(
                        b.uri.as_str(),
                        b.range.start.line,
                        b.range.start.character,
                    ))
                });
                to_value(locations)
            }
            req::DocumentDiagnosticRequest::METHOD => self.pull_diagnostics(params),
            req::WorkspaceSymbolRequest::METHOD => {
                let params: lsp_types::WorkspaceSymbolParams = parse(params)?;
                to_value(workspace_symbols::symbols(
                    &self.documents,
                    &params.query,
                    self.encoding,
                ))
            }
            req::InlayHintRequest::METHOD => {
                let params: lsp_types::InlayHintParams = parse(params)?;
                let (range, encoding) = (params.range, self.encoding);
                let hints = self
                    .with_place(&params.text_document.uri, range.start, |place, _| {
                        inlay_hints::hints(place, range, encoding)
                    })
                    .unwrap_or_default();
                to_value(hints)
            }
            req::SemanticTokensFullRequest::METHOD => {
                let params: lsp_types::SemanticTokensParams = parse(params)?;
                self.semantic_tokens(&params.text_document.uri, None)
            }
            req::SemanticTokensRangeRequest::METHOD => {
                let params: lsp_types::SemanticTokensRangeParams = parse(params)?;
                self.semantic_tokens(&params.text_document.uri, Some(params.range))
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
                let pipelines = self.pipeline_names(&at.text_document.uri);
                let answer = self
                    .with_place_loading(
                        &at.text_document.uri,
                        at.position,
                        Loading::Rename,
                        |place, offset| {
                            let Some(places) =
                                rename::rename(place, offset, &new_name, &pipelines)?
                            else {
                                return Ok(None);
                            };
                            Ok(Some(rename::workspace_edit(
                                place, &places, &new_name, encoding,
                            )))
                        },
                    )
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

    /// The semantic tokens of a document, all or those in `range`.
    fn semantic_tokens(
        &self,
        uri: &Uri,
        range: Option<lsp_types::Range>,
    ) -> Result<Value, Failure> {
        let encoding = self.encoding;
        let data = self
            .with_place(uri, lsp_types::Position::default(), |place, _| {
                semantic_tokens::tokens(place, range, encoding)
            })
            .unwrap_or_default();
        to_value(lsp_types::SemanticTokens {
            result_id: None,
            data,
        })
    }

    fn document(&self, uri: &Uri) -> Result<&documents::Document, Failure> {
        self.documents.get(uri).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("{} is not open", uri.as_str()),
            )
        })
    }

    /// The names of the pipelines declared in the workspace of a document,
    /// in every file of it (a request loads only some), parsed, not
    /// analysed.
    fn pipeline_names(&self, uri: &Uri) -> BTreeSet<String> {
        let Some(document) = self.documents.get(uri) else {
            return BTreeSet::new();
        };
        let scope = documents::scope_of(document);
        let entries = documents::entries(&scope, &self.documents);
        let overlay = self.documents.overlay();
        let workspace = modules::load_cached(entries, &overlay, self.checker.cache());
        workspace
            .modules
            .iter()
            .filter(|module| !module.is_std)
            .flat_map(|module| &module.tree.items)
            .filter(|item| matches!(item.kind, crate::syntax::ast::ItemKind::Pipeline(_)))
            .filter_map(|item| item.kind.name().map(|name| name.name.clone()))
            .collect()
    }

    /// Loads and analyses the workspace of a document and calls `f` with
    /// the document's place in it and the offset of `position`.
    fn with_place<R>(
        &self,
        uri: &Uri,
        position: lsp_types::Position,
        f: impl FnOnce(&Place<'_, '_>, usize) -> R,
    ) -> Option<R> {
        self.with_place_loading(uri, position, Loading::Importers, f)
    }

    /// [`Self::with_place`], loading the files `loading` says.
    fn with_place_loading<R>(
        &self,
        uri: &Uri,
        position: lsp_types::Position,
        loading: Loading,
        f: impl FnOnce(&Place<'_, '_>, usize) -> R,
    ) -> Option<R> {
        let document = self.documents.get(uri)?;
        let scope = documents::scope_of(document);
        let all = documents::entries(&scope, &self.documents);
        let scope_files: Vec<std::path::PathBuf> =
            all.iter().map(|entry| entry.path.clone()).collect();
        let entries = match loading {
            Loading::Importers => self.checker.request_entries(&scope, &document.name(), all),
            Loading::Rename => self.checker.rename_entries(&scope, &document.name(), all),
        };
        let overlay = self.documents.overlay();
        let workspace = modules::load_cached(entries, &overlay, self.checker.cache());
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
        let root = match &scope {
            documents::Scope::Root(root) => Some(root.as_path()),
            documents::Scope::Alone(_) => None,
        };
        let place = Place {
            workspace: &workspace,
            analysis: &analysis,
            file,
            base_dir,
            root,
            today: self.settings.today(),
            scope_files: &scope_files,
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
                    let uri = params.text_document.uri;
                    if self.documents.change(
                        &uri,
                        params.text_document.version,
                        params.content_changes,
                        self.encoding,
                    ) {
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
                            // The file on disk is what the workspace holds
                            // now (or nothing, for a buffer never saved).
                            Scope::Root(_) => {
                                self.dirty
                                    .entry(scope)
                                    .or_insert(Changed::Everything)
                                    .add(Changed::Everything);
                            }
                            // Nothing is shown for a closed file of its own.
                            Scope::Alone(_) => {
                                self.dirty.remove(&scope);
                                for uri in self.checker.forget(&scope) {
                                    self.publish_to(uri, Vec::new());
                                }
                            }
                        }
                    }
                }
            }
            note::DidChangeWatchedFiles::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidChangeWatchedFilesParams>(params) {
                    self.files_changed(params);
                }
            }
            note::DidChangeConfiguration::METHOD => {
                if let Ok(params) = parse::<lsp_types::DidChangeConfigurationParams>(params) {
                    self.settings.update(&params.settings);
                    let scopes: Vec<Scope> =
                        self.documents.iter().map(documents::scope_of).collect();
                    for scope in scopes {
                        self.dirty.insert(scope, Changed::Everything);
                    }
                }
            }
            // `$/cancelRequest` and anything else: requests are answered in
            // order as they come, so there is nothing to cancel.
            _ => {}
        }
    }

    /// Asks the client to report `.pipe` files and `pipec.toml` created,
    /// changed or deleted outside the editor.
    fn watch_files(&self) {
        let watchers: Vec<lsp_types::FileSystemWatcher> = ["**/*.pipe", "**/pipec.toml"]
            .into_iter()
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let registration = lsp_types::Registration {
            id: "pipec-watched-files".to_string(),
            method: note::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(
                lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers },
            )
            .ok(),
        };
        self.send(Message::Request(Request::new(
            RequestId::from("pipec-watch".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            serde_json::json!({ "registrations": [registration] }),
        )));
    }

    /// Files changed on disk: every scope with an open document that holds
    /// one of them is checked again, whole (a new file, a deleted one or a
    /// moved `pipec.toml` changes what the workspace is).
    fn files_changed(&mut self, params: lsp_types::DidChangeWatchedFilesParams) {
        let paths: Vec<std::path::PathBuf> = params
            .changes
            .iter()
            .filter_map(|change| super::uri::to_path(&change.uri))
            .map(|path| documents::key(&path))
            .collect();
        let scopes: BTreeSet<Scope> = self.documents.iter().map(documents::scope_of).collect();
        for scope in scopes {
            let touched = match &scope {
                Scope::Root(root) => paths.iter().any(|path| path.starts_with(root)),
                // A file alone depends on its imports, wherever they are.
                Scope::Alone(_) => true,
            };
            if touched {
                self.dirty.insert(scope, Changed::Everything);
            }
        }
    }

    fn mark(&mut self, uri: &Uri) {
        if let Some(document) = self.documents.get(uri) {
            let changed = Changed::Files(BTreeSet::from([document.name()]));
            self.dirty
                .entry(documents::scope_of(document))
                .or_insert_with(|| Changed::Files(BTreeSet::new()))
                .add(changed);
        }
    }

    fn options(&self) -> Options {
        Options {
            today: self.settings.today(),
            profile: self.settings.profile.clone(),
            encoding: self.encoding,
            docs_url: self.settings.docs_url(),
        }
    }

    /// Checks every scope touched since the last check and publishes what
    /// changed (see [`super::checking`]).
    fn recheck(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        let options = self.options();
        for (scope, changed) in dirty {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                self.checker
                    .recheck(&scope, changed, &self.documents, &options)
            }));
            match outcome {
                Ok(publish) => self.publish_all(publish),
                Err(_) => log_line!("pipec lsp: internal error while checking"),
            }
        }
    }

    fn publish_all(&self, publish: Vec<(Uri, Vec<lsp_types::Diagnostic>)>) {
        if self.support.pull_diagnostics {
            // The client asks for each document's list itself; it is told
            // to ask again when a list it may hold changed.
            if !publish.is_empty() && self.support.diagnostic_refresh {
                self.send(Message::Request(Request::new(
                    RequestId::from(format!("pipec-refresh-{}", self.next_refresh())),
                    req::WorkspaceDiagnosticRefresh::METHOD.to_string(),
                    Value::Null,
                )));
            }
            return;
        }
        for (uri, list) in publish {
            self.publish_to(uri, list);
        }
    }

    fn next_refresh(&self) -> u64 {
        let next = self.refreshes.get();
        self.refreshes.set(next + 1);
        next
    }

    /// Answers `textDocument/diagnostic` from the lists of the last check,
    /// made first for whatever is still waiting to be checked.
    fn pull_diagnostics(&mut self, params: Value) -> Result<Value, Failure> {
        let params: lsp_types::DocumentDiagnosticParams = parse(params)?;
        self.recheck();
        let items = self.checker.list(params.text_document.uri.as_str());
        let result_id = list_id(&items);
        let report = if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
            lsp_types::DocumentDiagnosticReport::Unchanged(
                lsp_types::RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report:
                        lsp_types::UnchangedDocumentDiagnosticReport { result_id },
                },
            )
        } else {
            lsp_types::DocumentDiagnosticReport::Full(
                lsp_types::RelatedFullDocumentDiagnosticReport {
                    related_documents: None,
                    full_document_diagnostic_report: lsp_types::FullDocumentDiagnosticReport {
                        result_id: Some(result_id),
                        items,
                    },
                },
            )
        };
        to_value(report)
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

/// An identifier of a list's content, the same for the same list: what a
/// pulling client sends back to hear that nothing changed.
fn list_id(items: &[lsp_types::Diagnostic]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(items)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
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

/// Which files a request loads besides the document's.
#[derive(Clone, Copy)]
enum Loading {
    /// The files that import it, directly or not: whatever its names
    /// reach.
    Importers,
    /// Also those importing any file it imports: every descendant of a
    /// template it extends, which a rename of an inherited member edits.
    Rename,
}
