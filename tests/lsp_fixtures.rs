//! The language server's answers, fixture by fixture. Each file in
//! `tests/lsp_fixtures/` (extension `.lsp`) is a small workspace written to
//! disk, a request, and, as a snapshot, what the server answers:
//!
//! ```text
//! // request: textDocument/hover
//! // params: { "context": { "includeDeclaration": true } }
//! //- pipec.toml
//! //- base.pipe
//! template Base { ... }
//! //- svc.pipe
//! pipeline Svc extends Base { stage beta { bake = $030m } }
//! ```
//!
//! `$0` marks the position of the request (removed from the text); a `$1`
//! after it makes `$0..$1` the request's `range`. The file holding `$0` (or
//! else the last file) is opened in the server; the others are read from
//! disk, as files not open in an editor are. `// params:` is merged into the
//! request's parameters, `// settings:` into `initializationOptions`, and
//! `// encoding: utf-8` offers UTF-8 positions. `// request:
//! textDocument/publishDiagnostics` snapshots the diagnostics published
//! for the opened file instead of a request's answer. For
//! `textDocument/codeAction` the published diagnostics that touch the range
//! are sent as the request's context, as editors do.
//!
//! In snapshots, URIs are shown relative to the workspace (the read-only
//! copy of a standard module, which lives in the user's cache, as
//! `<std>/NAME.pipe`; the source tree, for links to the docs, as `<repo>`)
//! and every range as `line:character..line:character` (0-based, as the
//! protocol counts), followed by the text it covers. The `data` of semantic
//! tokens is decoded with the legend the server announced, one row per
//! token: `line:character length type [modifiers] `text``.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod lsp_harness;

use lsp_harness::{Client, TODAY, TempWorkspace};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[test]
fn lsp_fixtures() {
    insta::glob!("lsp_fixtures/**/*.lsp", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let rendered = run(&name, &text);
        insta::assert_snapshot!(rendered);
    });
}

struct Fixture {
    request: String,
    params: Value,
    settings: Value,
    utf8: bool,
    files: Vec<(String, String)>,
    /// The file the request is made in, and the cursor and selection end.
    target: usize,
    cursor: Option<usize>,
    selection_end: Option<usize>,
}

fn parse(text: &str) -> Fixture {
    let mut fixture = Fixture {
        request: String::new(),
        params: json!({}),
        settings: json!({}),
        utf8: false,
        files: Vec::new(),
        target: 0,
        cursor: None,
        selection_end: None,
    };
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("//- ") {
            fixture.files.push((name.trim().to_string(), String::new()));
            continue;
        }
        if let Some((_, body)) = fixture.files.last_mut() {
            body.push_str(line);
            continue;
        }
        let header = line.trim();
        if let Some(method) = header.strip_prefix("// request:") {
            fixture.request = method.trim().to_string();
        } else if let Some(params) = header.strip_prefix("// params:") {
            fixture.params = serde_json::from_str(params).unwrap();
        } else if let Some(settings) = header.strip_prefix("// settings:") {
            fixture.settings = serde_json::from_str(settings).unwrap();
        } else if header == "// encoding: utf-8" {
            fixture.utf8 = true;
        }
    }
    assert!(!fixture.request.is_empty(), "a fixture names its request");
    fixture.target = fixture.files.len().saturating_sub(1);
    for (index, (_, body)) in fixture.files.iter_mut().enumerate() {
        if let Some(at) = body.find("$0") {
            body.replace_range(at..at + 2, "");
            fixture.target = index;
            fixture.cursor = Some(at);
            if let Some(end) = body.find("$1") {
                body.replace_range(end..end + 2, "");
                fixture.selection_end = Some(end);
            }
        }
    }
    fixture
}

fn run(name: &str, text: &str) -> String {
    let fixture = parse(text);
    let files: Vec<(&str, &str)> = fixture
        .files
        .iter()
        .map(|(name, body)| (name.as_str(), body.as_str()))
        .collect();
    let workspace = TempWorkspace::new(&format!("fixture-{name}"), &files);
    let mut options = json!({ "today": TODAY });
    merge(&mut options, &fixture.settings);
    let mut capabilities = json!({});
    if fixture.utf8 {
        capabilities = json!({ "general": { "positionEncodings": ["utf-8"] } });
    }
    let (mut client, initialized) = Client::start(json!({
        "capabilities": capabilities,
        "initializationOptions": options,
    }));
    let (target_name, target_text) = &fixture.files[fixture.target];
    let target_uri = workspace.uri(target_name);
    client.open(&target_uri, target_text);
    let published = client.diagnostics_for(&target_uri);
    let texts: BTreeMap<String, String> = fixture
        .files
        .iter()
        .map(|(name, body)| (workspace.uri(name), body.clone()))
        .collect();
    let render = Render {
        prefix: format!("{}/", workspace.uri("").trim_end_matches('/')),
        texts: &texts,
        document: &target_uri,
        utf8: fixture.utf8,
    };
    let answer = if fixture.request == "textDocument/publishDiagnostics" {
        published["diagnostics"].clone()
    } else {
        let mut params = json!({ "textDocument": { "uri": target_uri } });
        if let Some(cursor) = fixture.cursor {
            let start = render.position(target_text, cursor);
            params["position"] = start.clone();
            if let Some(end) = fixture.selection_end {
                params["range"] =
                    json!({ "start": start, "end": render.position(target_text, end) });
            }
        }
        if fixture.request == "textDocument/codeAction" {
            let touching = touching(&published["diagnostics"], &params["range"]);
            params["context"] = json!({ "diagnostics": touching });
        }
        merge(&mut params, &fixture.params);
        let response = client.request_raw(&fixture.request, params);
        match response.error {
            Some(error) => json!({ "error": error.message }),
            None => response.result.unwrap_or(Value::Null),
        }
    };
    client.shutdown();
    let answer = if fixture.request.starts_with("textDocument/semanticTokens") {
        let legend = &initialized["capabilities"]["semanticTokensProvider"]["legend"];
        decode_semantic_tokens(answer, legend, &render, &target_uri)
    } else {
        answer
    };
    let mut long_texts = Vec::new();
    let answer = lift_long_texts(render.value(answer), &mut long_texts);
    let mut shown = format!(
        "{} at {}\n\n{}\n",
        fixture.request,
        match fixture.cursor {
            Some(cursor) => format!(
                "{target_name} {}",
                render.show_position(&render.position(target_text, cursor))
            ),
            None => target_name.clone(),
        },
        serde_json::to_string_pretty(&answer).unwrap()
    );
    for (index, text) in long_texts.iter().enumerate() {
        shown.push_str(&format!("\n--- text {} ---\n{text}\n", index + 1));
    }
    shown
}

/// Replaces every string of several lines (hover text, a snippet) by
/// `<text N>` and collects it, so the snapshot shows it as it reads.
fn lift_long_texts(value: Value, texts: &mut Vec<String>) -> Value {
    match value {
        Value::String(text) if text.contains('\n') => {
            texts.push(text);
            Value::String(format!("<text {}>", texts.len()))
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| lift_long_texts(item, texts))
                .collect(),
        ),
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(key, item)| (key, lift_long_texts(item, texts)))
                .collect(),
        ),
        other => other,
    }
}

/// Replaces the encoded `data` of semantic tokens by one row per token, each
/// with its absolute place, type and modifiers named by `legend`, and the
/// text it covers.
fn decode_semantic_tokens(mut answer: Value, legend: &Value, render: &Render, uri: &str) -> Value {
    let Some(data) = answer["data"].as_array().cloned() else {
        return answer;
    };
    let numbers: Vec<u64> = data.iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(numbers.len() % 5, 0, "tokens come in fives");
    let (mut line, mut character) = (0, 0);
    let mut rows = Vec::new();
    for token in numbers.chunks(5) {
        let [delta_line, delta_start, length, ty, modifiers] = token else {
            unreachable!()
        };
        if *delta_line > 0 {
            line += delta_line;
            character = *delta_start;
        } else {
            character += delta_start;
        }
        let ty = legend["tokenTypes"][*ty as usize].as_str().unwrap();
        let names: Vec<&str> = (0..32)
            .filter(|bit| modifiers & (1 << bit) != 0)
            .map(|bit| legend["tokenModifiers"][bit].as_str().unwrap())
            .collect();
        let range = json!({
            "start": { "line": line, "character": character },
            "end": { "line": line, "character": character + length },
        });
        let text = render.covered(uri, &range).unwrap_or_default();
        let modifiers = if names.is_empty() {
            String::new()
        } else {
            format!(" [{}]", names.join(", "))
        };
        rows.push(Value::String(format!(
            "{line}:{character} {length} {ty}{modifiers} `{text}`"
        )));
    }
    answer["data"] = Value::Array(rows);
    answer
}

/// Merges `extra` into `base`, object by object.
fn merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Object(base), Value::Object(extra)) => {
            for (key, value) in extra {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, extra) => *base = extra.clone(),
    }
}

/// The diagnostics whose range meets `range` (all of them without one).
fn touching(diagnostics: &Value, range: &Value) -> Vec<Value> {
    let key = |position: &Value| {
        (
            position["line"].as_u64().unwrap_or(0),
            position["character"].as_u64().unwrap_or(0),
        )
    };
    diagnostics
        .as_array()
        .into_iter()
        .flatten()
        .filter(|diagnostic| {
            range.is_null()
                || (key(&diagnostic["range"]["start"]) <= key(&range["end"])
                    && key(&range["start"]) <= key(&diagnostic["range"]["end"]))
        })
        .cloned()
        .collect()
}

struct Render<'a> {
    prefix: String,
    texts: &'a BTreeMap<String, String>,
    document: &'a str,
    utf8: bool,
}

impl Render<'_> {
    fn position(&self, text: &str, offset: usize) -> Value {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = &before[line_start..];
        let character = if self.utf8 {
            column.len()
        } else {
            column.encode_utf16().count()
        };
        json!({ "line": line, "character": character })
    }

    fn show_position(&self, position: &Value) -> String {
        format!("{}:{}", position["line"], position["character"])
    }

    /// The text a range covers in a file, when it is one of the fixture's
    /// or a copy of a standard module (read from where the server wrote it).
    fn covered(&self, uri: &str, range: &Value) -> Option<String> {
        let copy = std_copy_name(uri)
            .and_then(|_| std::fs::read_to_string(uri.strip_prefix("file://")?).ok());
        let text = self.texts.get(uri).or(copy.as_ref())?;
        let offset = |position: &Value| -> Option<usize> {
            let line = usize::try_from(position["line"].as_u64()?).ok()?;
            let character = usize::try_from(position["character"].as_u64()?).ok()?;
            let start = text
                .split_inclusive('\n')
                .take(line)
                .map(str::len)
                .sum::<usize>();
            let line_text = text.get(start..)?.split('\n').next()?;
            let mut units = 0;
            for (at, ch) in line_text.char_indices() {
                if units >= character {
                    return Some(start + at);
                }
                units += if self.utf8 {
                    ch.len_utf8()
                } else {
                    ch.len_utf16()
                };
            }
            Some(start + line_text.len())
        };
        let start = offset(&range["start"])?;
        let end = offset(&range["end"])?;
        text.get(start..end).map(str::to_string)
    }

    fn range(&self, uri: &str, range: &Value) -> String {
        let shown = format!(
            "{}..{}",
            self.show_position(&range["start"]),
            self.show_position(&range["end"])
        );
        match self.covered(uri, range) {
            Some(text) if text.len() <= 60 && !text.contains('\n') => format!("{shown} `{text}`"),
            _ => shown,
        }
    }

    fn uri(&self, uri: &str) -> String {
        uri.strip_prefix(&self.prefix).unwrap_or(uri).to_string()
    }

    /// The answer with URIs made relative and ranges shown with their text.
    fn value(&self, value: Value) -> Value {
        self.value_in(value, self.document)
    }

    fn value_in(&self, value: Value, uri: &str) -> Value {
        match value {
            Value::String(text) => match std_copy_name(&text) {
                Some(name) => Value::String(format!("<std>/{name}")),
                None => Value::String(
                    text.replace(&self.prefix, "")
                        .replace(concat!("file://", env!("CARGO_MANIFEST_DIR")), "<repo>"),
                ),
            },
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|item| self.value_in(item, uri))
                    .collect(),
            ),
            Value::Object(object) => {
                if is_range(&object) {
                    return Value::String(self.range(uri, &Value::Object(object)));
                }
                let here = object
                    .get("uri")
                    .or_else(|| object.get("targetUri"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| uri.to_string());
                let mut out = Map::new();
                for (key, item) in object {
                    // `changes` in a workspace edit is keyed by URI.
                    let (key, inner) = if self.texts.contains_key(&key) || key.starts_with("file:")
                    {
                        (self.uri(&key), key.clone())
                    } else {
                        (key, here.clone())
                    };
                    out.insert(key, self.value_in(item, &inner));
                }
                Value::Object(out)
            }
            other => other,
        }
    }
}

/// The file name of a URI of a standard module's read-only copy
/// (`.../pipec/std-VERSION-HASH/aws.pipe`).
fn std_copy_name(uri: &str) -> Option<&str> {
    let path = uri.strip_prefix("file://")?;
    let (dir, name) = path.rsplit_once('/')?;
    let (_, last_dir) = dir.rsplit_once('/')?;
    (dir.contains("/pipec/") && last_dir.starts_with("std-")).then_some(name)
}

fn is_range(object: &Map<String, Value>) -> bool {
    object.len() == 2
        && ["start", "end"].iter().all(|key| {
            object
                .get(*key)
                .and_then(Value::as_object)
                .is_some_and(|position| position.contains_key("line"))
        })
}
