//! Benchmark: the language server, in process, on a generated workspace
//! of 1,000 service pipelines extending the sample's team template (as the
//! `compile` benchmark builds it), plus one file of 5,000 lines holding 160
//! more pipelines.
//!
//! It measures, from the client's side of the connection:
//! - a one-character edit (incremental sync) to its `publishDiagnostics`,
//!   in the 5,000-line file (inside a pipeline, and between declarations)
//!   and in one service file;
//! - an edit to the template every pipeline extends, against a whole
//!   `check` of the workspace through the library;
//! - hover, definition and completion on the sample;
//! - the memory of the process over 10,000 edits.
//!
//! Run with `cargo bench --bench lsp`. It prints percentiles; it is a
//! measurement, not a test.

#![allow(clippy::indexing_slicing, clippy::unwrap_used, missing_docs)]

#[path = "../tests/lsp_harness/mod.rs"]
mod lsp_harness;

use lsp_harness::{Client, TempWorkspace};
use lsp_server::Message;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

// The allocator the `pipec` binary uses, so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVICES: usize = 1_000;
const BIG_PIPELINES: usize = 160;
const EDITS: usize = 200;
const SOAK_EDITS: usize = 10_000;

fn main() {
    let org = std::fs::read_to_string("examples/sample/org.pipe").unwrap();
    let team = std::fs::read_to_string("examples/sample/team/service.pipe").unwrap();
    let service = std::fs::read_to_string("examples/sample/services/orders_api.pipe").unwrap();
    let named = |idx: usize| {
        service
            .replace("pipeline orders_api", &format!("pipeline service_{idx:04}"))
            .replace("orders-api", &format!("service-{idx:04}"))
            .replace("OrdersApi_", &format!("Service{idx:04}_"))
    };
    let mut files: Vec<(String, String)> = vec![
        ("pipec.toml".into(), String::new()),
        ("org.pipe".into(), org),
        ("team/service.pipe".into(), team.clone()),
    ];
    for idx in 0..SERVICES {
        files.push((format!("services/service_{idx:04}.pipe"), named(idx)));
    }
    let mut big = String::from("import \"../team/service.pipe\"\n");
    for idx in 0..BIG_PIPELINES {
        let body = named(SERVICES + idx);
        big.push_str(body.split_once('\n').map_or("", |(_, rest)| rest));
    }
    let big = big.replace("import \"../team/service.pipe\"\n\n", "\n");
    let big = format!("import \"../team/service.pipe\"\n{big}");
    files.push(("services/big.pipe".into(), big.clone()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new("bench", &borrowed);
    println!(
        "workspace: {} files, big.pipe {} lines",
        files.len(),
        big.lines().count()
    );

    let client = Client::default();
    let big_uri = workspace.uri("services/big.pipe");
    let start = Instant::now();
    client.open(&big_uri, &big);
    let first = client.diagnostics_for(&big_uri);
    assert!(
        first["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] != 1),
        "the generated workspace has errors: {first}"
    );
    println!(
        "open big.pipe (first check of the whole workspace): {:.0} ms",
        ms(start.elapsed())
    );

    // Line 5 is inside the first pipeline's body: the edit is checked by
    // that pipeline alone. Line 1 is between declarations: the file is
    // checked whole.
    let times = edits(&client, &big_uri, 5, 2, EDITS);
    report(
        "edit -> diagnostics, 5,000-line file, inside a pipeline",
        &times,
    );
    let times = edits(&client, &big_uri, 1, 2 + EDITS as i32, 20);
    report(
        "edit -> diagnostics, 5,000-line file, between declarations",
        &times,
    );

    let service_uri = workspace.uri("services/service_0500.pipe");
    client.open(&service_uri, &named(500));
    client.diagnostics_for(&service_uri);
    let times = edits(&client, &service_uri, 1, 2, EDITS);
    report("edit -> diagnostics, one service file", &times);

    let template_uri = workspace.uri("team/service.pipe");
    client.open(&template_uri, &team);
    client.diagnostics_for(&template_uri);
    let times = edits(&client, &template_uri, 1, 2, 7);
    report(
        "edit -> diagnostics, the template 1,160 pipelines extend",
        &times,
    );
    let entries = pipec::lsp::documents::entries(
        &pipec::lsp::documents::Scope::Root(workspace.root.clone()),
        &pipec::lsp::documents::Documents::default(),
    );
    let whole: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let checked = pipec::workspace::check_workspace(
                entries.clone(),
                &pipec::lsp::documents::Documents::default().overlay(),
                jiff::civil::date(2026, 12, 1),
            );
            let elapsed = start.elapsed();
            drop(checked);
            elapsed
        })
        .collect();
    report("for comparison: `check` of the whole workspace", &whole);
    client.shutdown();

    sample_requests();
    soak(&workspace, &named(501));
}

/// Sends `count` one-character edits to a document (a space put at the
/// start of line `line` and taken away again, alternately), each waiting
/// for the diagnostics of its version; the time of each.
fn edits(client: &Client, uri: &str, line: u32, first: i32, count: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(count);
    for version in first..(first + count as i32) {
        let change = if version % 2 == 0 {
            json!({ "range": range(line, 0, line, 0), "text": " " })
        } else {
            json!({ "range": range(line, 0, line, 1), "text": "" })
        };
        let start = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
        );
        wait_for_version(client, uri, version);
        times.push(start.elapsed());
    }
    times
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({ "start": { "line": l1, "character": c1 }, "end": { "line": l2, "character": c2 } })
}

fn wait_for_version(client: &Client, uri: &str, version: i32) {
    loop {
        if let Message::Notification(note) = client.recv()
            && note.method == "textDocument/publishDiagnostics"
            && note.params["uri"] == uri
            && note.params["version"] == version
        {
            return;
        }
    }
}

/// Hover, definition and completion on the sample workspace.
fn sample_requests() {
    let root = std::fs::canonicalize("examples/sample").unwrap();
    let path = root.join("services/orders_api.pipe");
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = lsp_harness::uri(&path);
    let mut client = Client::default();
    client.open(&uri, &text);
    client.diagnostics_for(&uri);
    let at = |needle: &str| {
        let offset = text.find(needle).unwrap();
        let line = text[..offset].matches('\n').count() as u32;
        let column = (offset - text[..offset].rfind('\n').map_or(0, |at| at + 1)) as u32;
        lsp_harness::position(&uri, line, column)
    };
    let bake = at("bake = 24h");
    let extends = at("Service {");
    let mut in_stage = at("new test load");
    in_stage["position"]["character"] = json!(4);
    for (name, method, params) in [
        ("hover on an overriding bake", "textDocument/hover", bake),
        (
            "definition of `extends`",
            "textDocument/definition",
            extends,
        ),
        ("completion in a stage", "textDocument/completion", in_stage),
    ] {
        let times: Vec<Duration> = (0..100)
            .map(|_| {
                let start = Instant::now();
                let answer = client.request(method, params.clone());
                let elapsed = start.elapsed();
                assert!(!answer.is_null(), "{name} answered nothing");
                elapsed
            })
            .collect();
        report(&format!("{name}, sample"), &times);
    }
    client.shutdown();
}

/// 10,000 edits to one service file; the resident memory of the process
/// after the first 500 and then every 1,900, to tell growth from a
/// plateau.
fn soak(workspace: &TempWorkspace, text: &str) {
    let mut client = Client::default();
    let uri = workspace.uri("services/service_0501.pipe");
    client.open(&uri, text);
    client.diagnostics_for(&uri);
    let warm = edits(&client, &uri, 1, 2, 500);
    let mut samples = vec![resident_kib() / 1024];
    let start = Instant::now();
    let mut rest = Vec::new();
    let mut version = 2 + warm.len() as i32;
    while rest.len() < SOAK_EDITS - warm.len() {
        let batch = edits(&client, &uri, 1, version, 1_900);
        version += batch.len() as i32;
        rest.extend(batch);
        samples.push(resident_kib() / 1024);
    }
    report("soak edits (after warm-up)", &rest);
    let shown: Vec<String> = samples.iter().map(|mib| format!("{mib}")).collect();
    println!(
        "memory over {} edits ({:.0} s), MiB after 500 then every 1,900: {}",
        warm.len() + rest.len(),
        start.elapsed().as_secs_f64(),
        shown.join(", ")
    );
    // The server still answers.
    client.request("textDocument/hover", lsp_harness::position(&uri, 5, 3));
    client.shutdown();
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report(name: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        ms(sorted[index.min(sorted.len() - 1)])
    };
    println!(
        "{name}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} runs)",
        at(0.5),
        at(0.95),
        at(1.0),
        sorted.len()
    );
}
