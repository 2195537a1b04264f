//! Random edits through the language server: for every example, a
//! sequence of random insertions and deletions sent as incremental
//! changes (some one at a time, some in bursts), then the diagnostics the
//! server published for the last version are compared with a fresh check
//! of the final text, as `pipec check` makes it. Nothing may panic, and
//! the incremental path (ranged edits, cached parses, re-checking only the
//! edited file and its importers) must agree with the check from scratch.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod lsp_harness;

use lsp_harness::{Client, TODAY};
use lsp_server::Message;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// What an edit inserts: pieces of the language and of broken text alike.
const PIECES: &[&str] = &[
    " ",
    "\n",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "=",
    ":",
    ",",
    ";",
    "#",
    "é",
    "🚀",
    "bake",
    "1h",
    "12",
    "wave",
    "stage",
    "us-east-1",
    "regions = rest",
    "// note\n",
    "final ",
    "new ",
    "x",
];

const EDITS: usize = 24;

#[test]
fn random_edits_end_where_a_fresh_check_does() {
    let mut files = Vec::new();
    collect(Path::new("examples"), &mut files);
    files.sort();
    assert!(files.len() >= 10, "the examples are there");
    for (index, file) in files.iter().enumerate() {
        let path = std::fs::canonicalize(file).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        edit_and_compare(&path, &text, 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "pipe") {
            out.push(path);
        }
    }
}

fn edit_and_compare(path: &Path, original: &str, seed: u64) {
    let mut random = Random(seed);
    let uri = lsp_harness::uri(path);
    let mut client = Client::default();
    client.open(&uri, original);
    let mut text = original.to_string();
    let mut version = 1;
    let mut edits = 0;
    while edits < EDITS {
        // A burst of one to four changes, sent before any answer is read.
        let burst = 1 + random.below(4);
        for _ in 0..burst {
            version += 1;
            edits += 1;
            let change = random_change(&mut random, &mut text);
            client.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
            );
        }
        // A request in between must be answered, whatever the text. Not
        // after the last change: waiting for its answer skips what the
        // server publishes meanwhile, which may then be the last version's
        // diagnostics, whenever the server checks before the request comes.
        if random.below(3) == 0 && edits < EDITS {
            let line = random.below(text.lines().count().max(1)) as u32;
            client.request_raw("textDocument/hover", lsp_harness::position(&uri, line, 2));
        }
    }
    let published = published_for_version(&client, &uri, version);
    let expected = fresh_check(path, &text);
    assert_eq!(
        comparable(&published),
        comparable(&expected),
        "{} after {EDITS} random edits (seed {seed:#x}); final text:\n{text}",
        path.display()
    );
    client.shutdown();
}

/// A random insertion or deletion, applied to `text` and returned as the
/// protocol's change (UTF-16 positions).
fn random_change(random: &mut Random, text: &mut String) -> Value {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(at, _)| at)
        .chain([text.len()])
        .collect();
    let start = boundaries[random.below(boundaries.len())];
    let (end, insert) = if random.below(2) == 0 && start < text.len() {
        let after: Vec<usize> = boundaries
            .iter()
            .copied()
            .filter(|&at| at > start)
            .take(12)
            .collect();
        (after[random.below(after.len())], String::new())
    } else {
        (start, PIECES[random.below(PIECES.len())].to_string())
    };
    let change = json!({
        "range": { "start": position(text, start), "end": position(text, end) },
        "text": insert,
    });
    text.replace_range(start..end, &insert);
    change
}

fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    json!({ "line": line, "character": before[line_start..].encode_utf16().count() })
}

fn published_for_version(client: &Client, uri: &str, version: i32) -> Vec<Value> {
    loop {
        if let Message::Notification(note) = client.recv()
            && note.method == "textDocument/publishDiagnostics"
            && note.params["uri"] == uri
            && note.params["version"] == version
        {
            return note.params["diagnostics"].as_array().unwrap().clone();
        }
    }
}

/// What a check from scratch says of the file, with the final text in
/// place of the one on disk: the same entries `pipec check` takes (the
/// workspace of the file, or the file alone), converted as the server
/// converts.
fn fresh_check(path: &Path, text: &str) -> Vec<Value> {
    let mut documents = pipec::lsp::documents::Documents::default();
    let uri: lsp_types::Uri = lsp_harness::uri(path).parse().unwrap();
    documents.open(uri.clone(), 1, text.to_string());
    let document = documents.get(&uri).unwrap();
    let scope = pipec::lsp::documents::scope_of(document);
    let entries = pipec::lsp::documents::entries(&scope, &documents);
    let checked =
        pipec::workspace::check_workspace(entries, &documents.overlay(), TODAY.parse().unwrap());
    let lists = pipec::lsp::diagnostics::by_uri(
        &checked.diagnostics,
        &checked.sources,
        pipec::lsp::convert::Encoding::Utf16,
        &pipec::lsp::diagnostics::default_docs_url(),
    );
    lists
        .get(uri.as_str())
        .map(|(_, list)| {
            list.iter()
                .map(|diagnostic| serde_json::to_value(diagnostic).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// Code, range and message: what a reader sees of a diagnostic.
fn comparable(list: &[Value]) -> Vec<(Value, Value, Value)> {
    list.iter()
        .map(|d| (d["code"].clone(), d["range"].clone(), d["message"].clone()))
        .collect()
}

/// A file large enough for the server to check an edit inside one
/// pipeline by that pipeline alone: 400 pipelines, some with mistakes
/// before and after the one edited.
fn large_file() -> String {
    let mut text = String::from(
        "import \"std/aws\"\n\ntemplate T {\n  platform = ecs\n  source app = git(\"org/app\")\n  build bundle from app { run = \"make\" }\n  stage beta {\n    deploy bundle\n    bake = 1h\n  }\n  production {\n    registry = aws\n    wave first { regions = [us-east-1]; bake = 2h }\n    wave others { regions = rest; bake = 1h }\n  }\n}\n",
    );
    for index in 0..400 {
        let bake = if index % 37 == 5 { "12" } else { "30m" };
        text.push_str(&format!(
            "\n// Pipeline {index}: é🚀.\npipeline p{index} extends T {{\n  stage beta {{\n    bake = {bake}\n  }}\n}}\n"
        ));
    }
    text
}

#[test]
fn edits_inside_one_pipeline_of_a_large_file_are_exact_there_at_once_and_everywhere_after_a_pause()
{
    let text = large_file();
    assert!(text.len() > 32 * 1024, "{} bytes", text.len());
    let workspace = lsp_harness::TempWorkspace::new("large", &[("large.pipe", text.as_str())]);
    let path = workspace.path("large.pipe");
    let uri = workspace.uri("large.pipe");
    let client = Client::default();
    client.open(&uri, &text);
    published_for_version(&client, &uri, 1);
    let mut random = Random(0x5EED_1A26_E0F1_1E00);
    let mut current = text;
    let mut last = (Vec::new(), Vec::new());
    for version in 2..40 {
        // Somewhere inside `p60`'s body, which pipelines 5, 42, 79 and 116
        // (with mistakes) surround.
        let start = current.find("pipeline p60 ").unwrap();
        let end = start + current[start..].find("\n}\n").unwrap();
        let at = start + 28 + random.below(end - start - 28);
        let at = (at..=end).find(|&at| current.is_char_boundary(at)).unwrap();
        let insert = match version % 4 {
            0 => "\n    bake = 12",
            1 => "\n  // a note\n",
            2 => "x",
            _ => "",
        };
        let remove = if insert.is_empty() { 1 } else { 0 };
        let stop = (at + remove..=end)
            .find(|&at| current.is_char_boundary(at))
            .unwrap();
        let change = json!({
            "range": { "start": position(&current, at), "end": position(&current, stop) },
            "text": insert,
        });
        current.replace_range(at..stop, insert);
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
        );
        // At every version, p60's own diagnostics are exact.
        let p60 = lines_of(&current, "pipeline p60 ");
        let published = published_for_version(&client, &uri, version);
        let expected = fresh_check(&path, &current);
        assert_eq!(
            comparable(&within(&published, &p60)),
            comparable(&within(&expected, &p60)),
            "version {version}; the text of p60:\n{}",
            &current[start..(end + 2).min(current.len())]
        );
        // Elsewhere, every diagnostic but the policy findings that count
        // pipelines across the file is where a fresh check puts it: moved
        // with the lines the edits added or removed.
        let own = |list: &[Value]| -> Vec<Value> {
            list.iter()
                .filter(|d| d["code"] != "P0801")
                .cloned()
                .collect()
        };
        assert_eq!(
            comparable(&own(&published)),
            comparable(&own(&expected)),
            "version {version}"
        );
        last = (published, expected);
    }
    // Once the edits pause, the check of the whole file brings every other
    // declaration's diagnostics up to date (a template's finding counts
    // the pipelines that parse, for one).
    let (mut published, expected) = last;
    while comparable(&published) != comparable(&expected) {
        published = next_published(&client, &uri);
    }
    client.shutdown();
}

/// The lines of the declaration starting with `head`: from its line to the
/// line of its closing brace, inclusive.
fn lines_of(text: &str, head: &str) -> std::ops::RangeInclusive<u64> {
    let start = text.find(head).unwrap();
    let end = start + text[start..].find("\n}\n").unwrap() + 2;
    let line = |offset: usize| text[..offset].matches('\n').count() as u64;
    line(start)..=line(end)
}

fn within(list: &[Value], lines: &std::ops::RangeInclusive<u64>) -> Vec<Value> {
    list.iter()
        .filter(|d| lines.contains(&d["range"]["start"]["line"].as_u64().unwrap()))
        .cloned()
        .collect()
}

fn next_published(client: &Client, uri: &str) -> Vec<Value> {
    loop {
        if let Message::Notification(note) = client.recv()
            && note.method == "textDocument/publishDiagnostics"
            && note.params["uri"] == uri
        {
            return note.params["diagnostics"].as_array().unwrap().clone();
        }
    }
}
