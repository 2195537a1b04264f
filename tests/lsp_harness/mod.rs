//! A client for the language server in process: one end of
//! `Connection::memory()`, with `pipec::lsp::run` on a thread at the
//! other; and workspaces on disk that remove themselves.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

/// The date the server is told to check from, so that results never
/// depend on the day the tests run.
pub const TODAY: &str = "2026-12-01";

pub struct Client {
    pub connection: Connection,
    pub server: Option<JoinHandle<u8>>,
    next_id: i32,
}

impl Client {
    /// Starts a server and initializes it with `initialize`'s params.
    pub fn start(initialize: Value) -> (Client, Value) {
        let (server, client) = Connection::memory();
        let handle =
            std::thread::spawn(move || pipec::lsp::run(&server, pipec::lsp::Settings::default()));
        let mut client = Client {
            connection: client,
            server: Some(handle),
            next_id: 0,
        };
        let result = client.request("initialize", initialize);
        client.notify("initialized", json!({}));
        (client, result)
    }

    /// A server with no client capabilities, checking from [`TODAY`].
    pub fn default() -> Client {
        Client::start(json!({
            "capabilities": {},
            "initializationOptions": { "today": TODAY }
        }))
        .0
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .unwrap();
    }

    /// Sends a request and waits for its response, skipping notifications.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Response {
        let id = self.send_request(method, params);
        loop {
            match self.recv() {
                Message::Response(response) if response.id == id => return response,
                _ => {}
            }
        }
    }

    /// Sends a request without waiting; its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .unwrap();
        id
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.error.is_none(), "{:?}", response.error);
        response.result.unwrap_or(Value::Null)
    }

    pub fn recv(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers")
    }

    /// The next diagnostics published for `uri`, skipping other messages.
    pub fn diagnostics_for(&self, uri: &str) -> Value {
        loop {
            if let Message::Notification(note) = self.recv()
                && note.method == "textDocument/publishDiagnostics"
                && note.params["uri"] == uri
            {
                return note.params;
            }
        }
    }

    pub fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "pipe", "version": 1, "text": text } }),
        );
    }

    pub fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    pub fn shutdown(mut self) -> u8 {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

/// A server that counts columns in UTF-8 bytes, checking from [`TODAY`]:
/// what tests that apply edits to text use, so that a protocol column is
/// a byte offset in the line.
pub fn client_utf8() -> Client {
    Client::start(json!({
        "capabilities": { "general": { "positionEncodings": ["utf-8"] } },
        "initializationOptions": { "today": TODAY },
    }))
    .0
}

/// The byte offset of a protocol position counted in UTF-8 (see
/// [`client_utf8`]).
pub fn offset_utf8(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    start + character
}

pub fn position(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

pub fn uri(path: &Path) -> String {
    pipec::lsp::uri::from_path(path)
        .unwrap()
        .as_str()
        .to_string()
}

/// A directory of files for one test, removed when dropped.
pub struct TempWorkspace {
    pub root: PathBuf,
}

impl TempWorkspace {
    /// Writes `files` (relative paths and texts) under a fresh directory.
    pub fn new(name: &str, files: &[(&str, &str)]) -> TempWorkspace {
        let dir = std::env::temp_dir().join(format!("pipec-lsp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let root = std::fs::canonicalize(dir).unwrap();
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        TempWorkspace { root }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    pub fn uri(&self, name: &str) -> String {
        uri(&self.path(name))
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl std::ops::Deref for TempWorkspace {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.root
    }
}
