//! `pipec lsp` as an editor starts it, over stdio: when the client process
//! named in `initialize` dies without `exit`, the server ends too instead of
//! waiting on a pipe nobody writes to; what only the stdio transport and a
//! real process show (cancellation while busy, the refresh capability as
//! clients spell it, settings against the command line's defaults, paths
//! of files on disk).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn framed(body: &serde_json::Value) -> Vec<u8> {
    let text = body.to_string();
    format!("Content-Length: {}\r\n\r\n{text}", text.len()).into_bytes()
}

/// `pipec lsp` on pipes, as an editor starts it.
fn start_server() -> Child {
    Command::new(env!("CARGO_BIN_EXE_pipec"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn the_server_exits_when_its_client_process_dies() {
    if !cfg!(target_os = "linux") {
        return;
    }
    // The "client": a process that lives two seconds.
    let mut client = Command::new("sleep").arg("2").spawn().unwrap();
    let mut server = start_server();
    let mut input = server.stdin.take().unwrap();
    input
        .write_all(&framed(&serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": { "processId": client.id(), "capabilities": {} }
        })))
        .unwrap();
    input
        .write_all(&framed(&serde_json::json!({
            "jsonrpc": "2.0", "method": "initialized", "params": {}
        })))
        .unwrap();
    input.flush().unwrap();
    client.wait().unwrap();
    // The input stays open (held here): only the client's death can end the
    // server. It looks every two seconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(input);
    let Some(status) = status else {
        server.kill().unwrap();
        panic!("the server outlived its client by 20 s");
    };
    assert_eq!(status.code(), Some(1));
}

#[test]
fn a_live_client_keeps_the_server_running_until_exit() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let mut server = start_server();
    let mut input = server.stdin.take().unwrap();
    // This test process is the client, and it lives on.
    input
        .write_all(&framed(&serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": { "processId": std::process::id(), "capabilities": {} }
        })))
        .unwrap();
    input.flush().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server ended early"
    );
    for message in [
        serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        serde_json::json!({"jsonrpc": "2.0", "method": "exit"}),
    ] {
        input.write_all(&framed(&message)).unwrap();
    }
    input.flush().unwrap();
    drop(input);
    assert_eq!(server.wait().unwrap().code(), Some(0));
}

/// A client of `pipec lsp` over pipes: what it writes goes out at once, and
/// what the server writes is read, frame by frame, on a thread.
struct StdioClient {
    server: Child,
    input: std::process::ChildStdin,
    messages: std::sync::mpsc::Receiver<serde_json::Value>,
}

impl StdioClient {
    fn start(args: &[&str], capabilities: serde_json::Value, root: &std::path::Path) -> Self {
        let mut server = Command::new(env!("CARGO_BIN_EXE_pipec"))
            .arg("lsp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = server.stdin.take().unwrap();
        let mut output = std::io::BufReader::new(server.stdout.take().unwrap());
        let (sender, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::{BufRead, Read};
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if output.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                output.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = StdioClient {
            server,
            input,
            messages,
        };
        let root_uri = format!("file://{}", root.display());
        client.send(&[
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": { "capabilities": capabilities, "rootUri": root_uri }}),
            serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        ]);
        client.wait_for(|message| message["id"] == 1);
        client
    }

    /// Writes `messages` in one write.
    fn send(&mut self, messages: &[serde_json::Value]) {
        let bytes: Vec<u8> = messages.iter().flat_map(framed).collect();
        self.input.write_all(&bytes).unwrap();
        self.input.flush().unwrap();
    }

    fn open(&mut self, path: &std::path::Path) {
        let text = std::fs::read_to_string(path).unwrap();
        self.send(&[
            serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": format!("file://{}", path.display()),
                "languageId": "pipe", "version": 1, "text": text}}}),
        ]);
    }

    /// The first message from the server that `wanted` accepts, within a
    /// minute; the others are dropped.
    fn wait_for(&mut self, wanted: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .messages
                .recv_timeout(left)
                .expect("the server answers within a minute");
            if wanted(&message) {
                return message;
            }
        }
    }

    fn finish(mut self) {
        self.send(&[
            serde_json::json!({"jsonrpc": "2.0", "id": 999, "method": "shutdown"}),
            serde_json::json!({"jsonrpc": "2.0", "method": "exit"}),
        ]);
        assert_eq!(self.server.wait().unwrap().code(), Some(0));
    }
}

fn workspace(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-lsp-stdio-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pipec.toml"), "").unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// A request cancelled while the server is still busy with an earlier
/// message is answered `RequestCancelled` without being run: over stdio
/// too, where the cancellation is read while the server works, and is
/// waiting beside the request when the server reaches it.
#[test]
fn a_request_cancelled_while_the_server_is_busy_is_not_run() {
    let mut text = String::from(
        "import \"std/aws\"\n\ntemplate T {\n  platform = ecs\n  build b { run = \"make\"; sign = true }\n  \
         production {\n    registry = aws\n    rollback on ALARM(\"a\")\n    \
         wave first { regions = [us-east-1]; by az; bake = 1h }\n    wave rest { regions = rest; bake = 1h }\n  }\n}\n",
    );
    for n in 0..300 {
        text.push_str(&format!("\npipeline p{n} extends T {{}}\n"));
    }
    let dir = workspace("cancel", &[("big.pipe", &text)]);
    let path = dir.join("big.pipe");
    let mut client = StdioClient::start(&[], serde_json::json!({}), &dir);
    // Opening the file checks three hundred pipelines: the server is busy
    // when the request and its cancellation arrive, together.
    client.open(&path);
    std::thread::sleep(Duration::from_millis(5));
    let uri = format!("file://{}", path.display());
    client.send(&[
        serde_json::json!({"jsonrpc": "2.0", "id": 11, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 11}}),
    ]);
    let answer = client.wait_for(|message| message["id"] == 11);
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    // The server goes on serving.
    client.send(&[
        serde_json::json!({"jsonrpc": "2.0", "id": 12, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}}}),
    ]);
    let answer = client.wait_for(|message| message["id"] == 12);
    assert!(answer["result"].is_array(), "{answer}");
    client.finish();
}

/// A client that pulls diagnostics and says, as LSP 3.17 spells it
/// (`workspace.diagnostics.refreshSupport`), that it takes refreshes is
/// asked to pull again when an edit to one file changes another's list.
#[test]
fn a_client_that_takes_refreshes_is_asked_to_pull_again() {
    let dir = workspace(
        "refresh",
        &[
            (
                "team.pipe",
                "import \"std/aws\"\n\ntemplate Team {\n  platform = ecs\n  \
                 stage gamma { regions = [us-east-1, eu-west-1] }\n  production { registry = aws }\n}\n",
            ),
            (
                "svc.pipe",
                "import \"team.pipe\"\n\npipeline svc extends Team {\n  stage gamma { regions -= [us-west-2] }\n}\n",
            ),
        ],
    );
    let capabilities = serde_json::json!({
        "textDocument": {"diagnostic": {}},
        "workspace": {"diagnostics": {"refreshSupport": true}}
    });
    let mut client = StdioClient::start(&[], capabilities, &dir);
    client.open(&dir.join("team.pipe"));
    client.open(&dir.join("svc.pipe"));
    let svc = format!("file://{}", dir.join("svc.pipe").display());
    client.send(&[serde_json::json!({"jsonrpc": "2.0", "id": 20,
        "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": svc}}})]);
    let pulled = client.wait_for(|message| message["id"] == 20);
    assert_eq!(pulled["result"]["items"][0]["code"], "P0309", "{pulled}");
    // Team's list now holds us-west-2: svc's `-=` is no longer a mistake.
    let team = format!("file://{}", dir.join("team.pipe").display());
    client.send(&[serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
        "params": {"textDocument": {"uri": team, "version": 2}, "contentChanges": [{"text":
            "import \"std/aws\"\n\ntemplate Team {\n  platform = ecs\n  \
             stage gamma { regions = [us-east-1, us-west-2] }\n  production { registry = aws }\n}\n"}]}})]);
    let refresh = client.wait_for(|message| message["method"] == "workspace/diagnostic/refresh");
    client.send(&[serde_json::json!({"jsonrpc": "2.0", "id": refresh["id"], "result": null})]);
    client.finish();
}

/// `null` restores a setting's default, which for `today` is the
/// `--today` the server was started with.
#[test]
fn a_null_today_restores_the_servers_today() {
    let dir = workspace(
        "today",
        &[(
            "pol.pipe",
            "policy org {\n  exempt svc from signed-artifacts {\n    reason  = \"vendor binary\"\n    \
             expires = 2020-03-31\n  }\n}\n",
        )],
    );
    let mut client = StdioClient::start(&["--today", "2020-01-01"], serde_json::json!({}), &dir);
    let pol = format!("file://{}", dir.join("pol.pipe").display());
    let codes_of = |message: &serde_json::Value| -> Vec<String> {
        message["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|diagnostic| diagnostic["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let published = |uri: String| {
        move |message: &serde_json::Value| {
            message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
        }
    };
    client.open(&dir.join("pol.pipe"));
    let first = client.wait_for(published(pol.clone()));
    assert!(!codes_of(&first).contains(&"P0804".to_string()), "{first}");
    for (today, expired) in [
        (serde_json::json!("2021-01-01"), true),
        (serde_json::Value::Null, false),
    ] {
        client.send(&[
            serde_json::json!({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
            "params": {"settings": {"today": today}}}),
        ]);
        let again = client.wait_for(published(pol.clone()));
        assert_eq!(
            codes_of(&again).contains(&"P0804".to_string()),
            expired,
            "{today}: {again}"
        );
    }
    client.finish();
}

/// Places in other files are named from the workspace's root, as `pipec
/// check` run there names them: `base.pipe:5` for a file at the root seen
/// from a document in a directory below it, not its absolute path.
#[test]
fn hints_name_other_files_from_the_workspace_root() {
    let dir = workspace(
        "places",
        &[(
            "base.pipe",
            "template Base {\n  platform = ecs\n  stage gamma {\n    bake = 1h\n  }\n}\n",
        )],
    );
    std::fs::create_dir_all(dir.join("services")).unwrap();
    let svc = dir.join("services/svc.pipe");
    std::fs::write(
        &svc,
        "import \"../base.pipe\"\n\npipeline svc extends Base {\n  stage gamma { bake = 2h }\n}\n",
    )
    .unwrap();
    let mut client = StdioClient::start(&[], serde_json::json!({}), &dir);
    client.open(&svc);
    client.send(&[
        serde_json::json!({"jsonrpc": "2.0", "id": 30, "method": "textDocument/inlayHint",
        "params": {"textDocument": {"uri": format!("file://{}", svc.display())},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}}}),
    ]);
    let hints = client.wait_for(|message| message["id"] == 30);
    let labels: Vec<&str> = hints["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hint| hint["label"].as_str())
        .collect();
    assert!(labels.contains(&"overrides 1h (base.pipe:4)"), "{labels:?}");
    client.finish();
}

/// A message the server cannot read (not JSON, JSON that is no JSON-RPC
/// message, a header without a length) is skipped: the server answers the
/// next request, and ends as a session ends, with status 0.
#[test]
fn an_unreadable_message_is_skipped_and_the_server_goes_on() {
    let dir = workspace("unreadable", &[("a.pipe", "template T {}\n")]);
    let path = dir.join("a.pipe");
    let mut client = StdioClient::start(&[], serde_json::json!({}), &dir);
    client.open(&path);
    client
        .input
        .write_all(b"Content-Length: 5\r\n\r\n{bad}Content-Length: 2\r\n\r\n[]X-Other: 1\r\n\r\n")
        .unwrap();
    let uri = format!("file://{}", path.display());
    client.send(&[
        serde_json::json!({"jsonrpc": "2.0", "id": 12, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}}}),
    ]);
    let answer = client.wait_for(|message| message["id"] == 12);
    assert!(answer.get("result").is_some(), "{answer}");
    client.finish();
}
