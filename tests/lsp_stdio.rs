//! `pipec lsp` as an editor starts it, over stdio: when the client process
//! named in `initialize` dies without `exit`, the server ends too instead of
//! waiting on a pipe nobody writes to.

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
