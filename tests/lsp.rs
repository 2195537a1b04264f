//! The language server, in process: a client on one end of
//! `Connection::memory()`, `pipec::lsp::run` on a thread at the other.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod lsp_harness;

use lsp_harness::{Client, TempWorkspace, position, uri};
use serde_json::{Value, json};

const BASE: &str = r#"import "std/aws"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    rollback on errors
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
"#;

const SVC: &str = r#"import "base.pipe"

pipeline Svc extends Base {
  stage beta {
    bake = 30m
  }
}
"#;

/// A workspace on disk (a directory with `pipec.toml`) with the two files.
fn workspace(name: &str) -> TempWorkspace {
    TempWorkspace::new(
        name,
        &[("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", SVC)],
    )
}

fn codes(published: &Value) -> Vec<String> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn initialize_advertises_what_is_implemented_and_shutdown_exits_zero() {
    let (client, result) = Client::start(json!({ "capabilities": {} }));
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["documentSymbolProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert_eq!(caps["referencesProvider"], true);
    assert_eq!(caps["foldingRangeProvider"], true);
    assert!(caps["completionProvider"].is_object());
    assert_eq!(caps["renameProvider"], json!({ "prepareProvider": true }));
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert_eq!(result["serverInfo"]["name"], "pipec");
    client.notify("$/cancelRequest", json!({ "id": 99 }));
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn exit_without_shutdown_is_status_one() {
    let mut client = Client::default();
    client.notify("exit", Value::Null);
    assert_eq!(client.server.take().unwrap().join().unwrap(), 1);
}

#[test]
fn diagnostics_of_the_workspace_with_codes_ranges_and_links() {
    let dir = workspace("diagnostics");
    let client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    let base = uri(&dir.join("base.pipe"));
    client.open(&svc, SVC);
    // Everything `pipec check` reports for the workspace, by file; the
    // template's own file has the missing regions.
    let published = client.diagnostics_for(&base);
    let missing = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "P0405")
        .unwrap()
        .clone();
    assert_eq!(
        missing["range"],
        json!({ "start": { "line": 12, "character": 2 }, "end": { "line": 12, "character": 13 } })
    );
    assert_eq!(missing["severity"], 1);
    assert!(
        missing["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("language.md#diagnostics")
    );
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("help: add a wave")
    );
    let own = client.diagnostics_for(&svc);
    assert_eq!(own["version"], 1);
    assert!(codes(&own).iter().all(|code| code == "P0801"));
    client.shutdown();
}

#[test]
fn editing_a_template_republishes_and_clears() {
    let dir = workspace("republish");
    let client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    let base = uri(&dir.join("base.pipe"));
    client.open(&svc, SVC);
    assert!(codes(&client.diagnostics_for(&base)).contains(&"P0405".to_string()));
    client.open(&base, BASE);
    assert!(codes(&client.diagnostics_for(&base)).contains(&"P0405".to_string()));
    // The fix, unsaved: every region placed.
    let fixed = BASE.replace(
        "bake = 2h }\n",
        "bake = 2h }\n    wave others { regions = rest; bake = 2h }\n",
    );
    client.change(&base, 2, &fixed);
    let published = client.diagnostics_for(&base);
    assert_eq!(published["version"], 2);
    assert!(!codes(&published).contains(&"P0405".to_string()));
    // A broken parent is reported again, through the pipeline's workspace.
    client.change(
        &base,
        3,
        &BASE.replace("template Base {", "template Base {\n  bake = 12"),
    );
    let published = client.diagnostics_for(&base);
    assert_eq!(published["version"], 3);
    assert!(codes(&published).iter().any(|code| code != "P0801"));
    client.shutdown();
}

#[test]
fn related_information_points_into_other_files() {
    let dir = workspace("related");
    let client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    // `final` in the parent, overridden in the child: the child's error
    // names the parent's member.
    std::fs::write(
        dir.join("base.pipe"),
        BASE.replace("    bake = 1h", "    final bake = 1h"),
    )
    .unwrap();
    client.open(&svc, SVC);
    let published = client.diagnostics_for(&svc);
    let with_related = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["relatedInformation"].is_array())
        .cloned()
        .unwrap_or_else(|| panic!("no related information in {published}"));
    let related = &with_related["relatedInformation"][0];
    assert!(
        related["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("base.pipe")
    );
    client.shutdown();
}

const ALONE: &str = "template T { source s = git(\"é🚀\"); stage b { bake = 12 } }\n";

fn nope_range(initialize: Value) -> (Value, String) {
    let dir = std::env::temp_dir().join(format!("pipec-lsp-alone-{}", std::process::id()));
    let (client, result) = Client::start(initialize);
    let file = uri(&dir.join("alone.pipe"));
    client.open(&file, ALONE);
    let published = client.diagnostics_for(&file);
    let range = published["diagnostics"][0]["range"].clone();
    client.shutdown();
    (
        range,
        result["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[test]
fn columns_count_utf16_units_by_default_and_bytes_when_negotiated() {
    let prefix = ALONE.split("12").next().unwrap();
    let (range, encoding) = nope_range(json!({ "capabilities": {} }));
    assert_eq!(encoding, "utf-16");
    assert_eq!(range["start"]["character"], prefix.encode_utf16().count());
    assert_eq!(range["end"]["character"], prefix.encode_utf16().count() + 2);
    let (range, encoding) = nope_range(json!({
        "capabilities": { "general": { "positionEncodings": ["utf-8", "utf-16"] } }
    }));
    assert_eq!(encoding, "utf-8");
    assert_eq!(range["start"]["character"], prefix.len());
}

#[test]
fn hover_shows_an_overridden_bake_with_both_values_and_places() {
    let dir = workspace("hover");
    let mut client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    client.open(&svc, SVC);
    let hover = client.request("textDocument/hover", position(&svc, 4, 5));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("bake = 30m") && text.contains("svc.pipe:5"),
        "{text}"
    );
    assert!(
        text.contains("bake = 1h") && text.contains("base.pipe:11"),
        "{text}"
    );
    assert!(text.contains("duration"), "{text}");
    client.shutdown();
}

/// The files RFC 0001's guide names (```` ```pipe file=NAME ````), and the
/// hover it shows (the ```` ```text ```` block after "Hovering over").
fn rfc_guide() -> (Vec<(String, String)>, String) {
    let rfc = std::fs::read_to_string("docs/rfcs/0001-inheritance.md").unwrap();
    let mut files = Vec::new();
    let mut rest = rfc.as_str();
    while let Some(start) = rest.find("```pipe file=") {
        let after = &rest[start + "```pipe file=".len()..];
        let (name, body) = after.split_once('\n').unwrap();
        let end = body.find("```").unwrap();
        files.push((name.trim().to_string(), body[..end].to_string()));
        rest = &body[end..];
    }
    let hover = &rfc[rfc.find("Hovering over").unwrap()..];
    let hover = &hover[hover.find("```text\n").unwrap() + "```text\n".len()..];
    let hover = hover[..hover.find("```").unwrap()].trim_end().to_string();
    (files, hover)
}

/// RFC 0001's guide shows the hover over `bake` on line 9 of
/// `payments/orders.pipe`, its places named from the workspace's root:
/// that is what the server answers, to the byte.
#[test]
fn hover_over_the_rfc_guides_bake_is_the_one_it_shows() {
    let (files, expected) = rfc_guide();
    let mut on_disk: Vec<(&str, &str)> = vec![("pipec.toml", "")];
    on_disk.extend(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    let dir = TempWorkspace::new("rfc-guide", &on_disk);
    let orders = files
        .iter()
        .find(|(name, _)| name == "payments/orders.pipe")
        .unwrap();
    let line = orders.1.lines().nth(8).unwrap();
    let column = u32::try_from(line.find("bake").unwrap()).unwrap();
    let mut client = Client::default();
    let orders_uri = uri(&dir.join("payments/orders.pipe"));
    client.open(&orders_uri, &orders.1);
    let hover = client.request("textDocument/hover", position(&orders_uri, 8, column));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(text.trim_end(), expected);
    client.shutdown();
}

/// A block written along the chain is merged from each write: hovering on
/// the service's `stage beta` names the two places, newest first, after
/// its effective value.
#[test]
fn hover_on_a_block_names_every_write_it_is_merged_from() {
    let dir = workspace("hover-block");
    let mut client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    client.open(&svc, SVC);
    let hover = client.request("textDocument/hover", position(&svc, 3, 3));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("set at base.pipe:9 (declared)"), "{text}");
    assert!(
        text.contains("merged from, newest first:\n- svc.pipe:4\n- base.pipe:9\n"),
        "{text}"
    );
    // A block written once has nothing more to say.
    let base = uri(&dir.join("base.pipe"));
    client.open(&base, BASE);
    let hover = client.request("textDocument/hover", position(&base, 12, 3));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("effective value: `production"), "{text}");
    assert!(!text.contains("merged from"), "{text}");
    client.shutdown();
}

/// `remove X` then `new X` replaces X wholesale (R26): the hover of the
/// new block names no write of the one removed.
#[test]
fn hover_on_a_block_replaced_after_remove_names_only_the_new_one() {
    let text = "import \"std/aws\"\ntemplate A {\n  build a { run = \"make\" }\n  stage gamma { regions = [us-east-1]; deploy a; bake = 1h }\n}\ntemplate B extends A {\n  remove stage gamma\n  new stage gamma { regions = [us-west-2]; deploy a }\n}\n";
    let dir = TempWorkspace::new("hover-removed", &[("pipec.toml", ""), ("w.pipe", text)]);
    let mut client = Client::default();
    let file = uri(&dir.join("w.pipe"));
    client.open(&file, text);
    let hover = client.request("textDocument/hover", position(&file, 7, 13));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("stage gamma"), "{shown}");
    assert!(!shown.contains("merged from"), "{shown}");
    assert!(!shown.contains("w.pipe:4"), "{shown}");
    client.shutdown();
}

/// A contextual keyword written as a name is the name: hover on an alarm
/// named `onebox` gives no one-box reference, hover on `onebox {` does.
#[test]
fn hover_on_a_name_spelt_like_a_keyword_gives_no_keyword_reference() {
    let mut client = Client::default();
    let file = "untitled:names";
    client.open(
        file,
        "template T {\n  alarm onebox = ALARM(\"OneBox\")\n  production {\n    rollback on onebox\n    onebox { traffic <= 10% }\n  }\n}\n",
    );
    let text = |client: &mut Client, line: u32, character: u32| {
        let hover = client.request("textDocument/hover", position(file, line, character));
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let reference = "a one-box host";
    assert!(!text(&mut client, 1, 9).contains(reference));
    assert!(!text(&mut client, 3, 17).contains(reference));
    let keyword = text(&mut client, 4, 6);
    assert!(keyword.contains(reference), "{keyword}");
    client.shutdown();
}

#[test]
fn hover_on_a_policy_rule_explains_it() {
    let mut client = Client::default();
    let file = "untitled:policy";
    client.open(file, "policy p {\n  deny onebox-first\n}\n");
    let hover = client.request("textDocument/hover", position(file, 1, 10));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("onebox-first:")
    );
    client.shutdown();
}

#[test]
fn hover_on_a_oneboxs_traffic_gives_the_built_in_fields_reference() {
    let mut client = Client::default();
    let file = "untitled:traffic";
    client.open(
        file,
        "template T {\n  production {\n    onebox { traffic <= 10%; bake = 1h }\n  }\n}\n",
    );
    let hover = client.request("textDocument/hover", position(file, 2, 15));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("effective value: `traffic <= 10%`"), "{text}");
    assert!(
        text.ends_with(
            "built-in field `traffic` of onebox: **percent, 0% to 100%**, \
             the one-box's share of traffic; default: none"
        ),
        "{text}"
    );
    client.shutdown();
}

#[test]
fn definitions_of_extends_alarms_deploys_and_overrides() {
    let dir = workspace("definition");
    let mut client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    let base = uri(&dir.join("base.pipe"));
    client.open(&svc, SVC);
    client.open(&base, BASE);
    let at =
        |line: u32, character: u32| json!({ "start": { "line": line, "character": character } });
    let found = client.request("textDocument/definition", position(&svc, 2, 23));
    assert_eq!(found["uri"], base.as_str());
    assert_eq!(found["range"]["start"], at(4, 9)["start"]);
    let found = client.request("textDocument/definition", position(&base, 14, 17));
    assert_eq!(found["range"]["start"], at(2, 6)["start"]);
    let found = client.request("textDocument/definition", position(&base, 9, 12));
    assert_eq!(found["range"]["start"], at(7, 2)["start"]);
    // The override of `bake` in the pipeline: the template's `bake`.
    let found = client.request("textDocument/definition", position(&svc, 4, 5));
    assert_eq!(found["uri"], base.as_str());
    assert_eq!(found["range"]["start"], at(10, 4)["start"]);
    // The import: the file.
    let found = client.request("textDocument/definition", position(&svc, 0, 9));
    assert_eq!(found["uri"], base.as_str());
    client.shutdown();
}

#[test]
fn definitions_of_overriding_members_with_a_body_are_the_members_they_override() {
    let svc = r#"import "base.pipe"

template Mid extends Base {
  stage beta { bake = 45m }
}

pipeline Svc extends Mid {
  stage beta {
    bake = 30m
  }
  production {
    wave first { bake = 3h }
  }
}
"#;
    let dir = TempWorkspace::new(
        "definition-blocks",
        &[("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", svc)],
    );
    let mut client = Client::default();
    let svc_uri = uri(&dir.join("svc.pipe"));
    let base = uri(&dir.join("base.pipe"));
    client.open(&svc_uri, svc);
    let start = |found: &Value| {
        (
            found["uri"].as_str().unwrap().to_string(),
            found["range"]["start"]["line"].as_u64().unwrap(),
            found["range"]["start"]["character"].as_u64().unwrap(),
        )
    };
    // The nearest ancestor that writes the stage: `Mid`, then `Base`.
    for character in [2, 9, 13] {
        let found = client.request("textDocument/definition", position(&svc_uri, 7, character));
        assert_eq!(start(&found), (svc_uri.clone(), 3, 8), "{character}");
    }
    let found = client.request("textDocument/definition", position(&svc_uri, 3, 9));
    assert_eq!(start(&found), (base.clone(), 8, 8));
    let found = client.request("textDocument/definition", position(&svc_uri, 11, 10));
    assert_eq!(start(&found), (base.clone(), 15, 9));
    let found = client.request("textDocument/definition", position(&svc_uri, 10, 4));
    assert_eq!(start(&found), (base.clone(), 12, 2));
    // Inside the body, off the first line: nothing.
    let found = client.request("textDocument/definition", position(&svc_uri, 9, 0));
    assert_eq!(found, Value::Null);
    client.shutdown();
}

#[test]
fn symbols_outline_declarations_stages_and_waves() {
    let mut client = Client::default();
    let file = "untitled:base";
    client.open(file, BASE);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": file } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["import std/aws", "errors", "Base"]);
    let base = &symbols[2];
    let children: Vec<&str> = base["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["app", "bundle", "beta", "production"]);
    assert_eq!(base["children"][3]["children"][0]["name"], "first");
    client.shutdown();
}

#[test]
fn formatting_edits_a_messy_buffer_and_refuses_a_broken_one() {
    let mut client = Client::default();
    let file = "untitled:fmt";
    client.open(file, "alarm   a=ALARM(\"A\")\n");
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": file }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits[0]["newText"], "alarm a = ALARM(\"A\")\n");
    client.change(file, 2, "template T {\n");
    let response = client.request_raw("textDocument/formatting", json!({ "textDocument": { "uri": file }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert!(response.result.is_none());
    assert!(response.error.unwrap().message.contains("not formatted"));
    client.shutdown();
}

#[test]
fn hostile_buffers_get_diagnostics_not_a_crash() {
    let mut client = Client::default();
    let file = "untitled:hostile";
    let deep = format!("alarm a = {}{}\n", "(".repeat(200), ")".repeat(200));
    let long = format!("alarm b = ALARM(\"{}\")\n", "x".repeat(1 << 20));
    for (version, text) in [deep, "\0\0template \0 {".to_string(), long]
        .into_iter()
        .enumerate()
    {
        if version == 0 {
            client.open(file, &text);
        } else {
            client.change(file, version as i32 + 1, &text);
        }
        let published = client.diagnostics_for(file);
        assert!(!published["diagnostics"].as_array().unwrap().is_empty() || version == 2);
        // Requests at any place still answer.
        client.request("textDocument/hover", position(file, 0, 12));
        client.request("textDocument/definition", position(file, 5, 500));
        client.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": file } }),
        );
    }
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn references_of_a_template_are_its_extenders_transitively() {
    let dir = workspace("references");
    // A second level: a pipeline extending a template that extends Base.
    std::fs::write(
        dir.join("mid.pipe"),
        "import \"base.pipe\"\n\ntemplate Mid extends Base {\n}\n\npipeline Deep extends Mid {\n}\n",
    )
    .unwrap();
    let mut client = Client::default();
    let base = uri(&dir.join("base.pipe"));
    let mid = uri(&dir.join("mid.pipe"));
    let svc = uri(&dir.join("svc.pipe"));
    client.open(&base, BASE);
    client.open(
        &mid,
        &std::fs::read_to_string(dir.join("mid.pipe")).unwrap(),
    );
    let found = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": base }, "position": { "line": 4, "character": 10 },
                "context": { "includeDeclaration": true } }),
    );
    let places: Vec<(String, u64, u64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![
        // Mid's and Svc's `extends Base`, and Deep, which extends Mid.
        (mid.clone(), 2, 21),
        (mid.clone(), 5, 9),
        (svc.clone(), 2, 21),
    ];
    expected.sort();
    let mut rest = places[1..].to_vec();
    rest.sort();
    // The declaration itself first, as asked.
    assert_eq!(places[0], (base.clone(), 4, 9));
    assert_eq!(rest, expected);
    // From an `extends`, the template it names; Mid has only Deep.
    let found = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": mid }, "position": { "line": 5, "character": 23 },
                "context": { "includeDeclaration": false } }),
    );
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        found[0]["range"]["start"],
        json!({ "line": 5, "character": 22 })
    );
    client.shutdown();
}

fn labels(found: &Value) -> Vec<String> {
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_offers_what_the_body_may_hold() {
    let mut client = Client::default();
    let file = "untitled:complete";
    // The cursor on a half-typed line in a stage, then in a wave.
    let text =
        "template T {\n  stage beta {\n    ba\n  }\n  production {\n    wave w {\n    }\n  }\n}\n";
    client.open(file, text);
    let in_stage = labels(&client.request("textDocument/completion", position(file, 2, 6)));
    client.change(
        file,
        2,
        &text
            .replace("    ba\n", "")
            .replace("wave w {\n", "wave w {\n      ba\n"),
    );
    let in_wave = labels(&client.request("textDocument/completion", position(file, 5, 8)));
    for word in ["bake", "deploy", "test", "rollback on"] {
        assert!(
            in_stage.contains(&word.to_string()),
            "{word} in {in_stage:?}"
        );
    }
    for word in ["bake", "parallel", "by az", "onebox"] {
        assert!(in_wave.contains(&word.to_string()), "{word} in {in_wave:?}");
    }
    // `check` rejects tests and deploys in a wave and waves in a stage.
    for word in ["test", "deploy", "stage"] {
        assert!(
            !in_wave.contains(&word.to_string()),
            "{word} in {in_wave:?}"
        );
    }
    assert!(!in_stage.contains(&"wave".to_string()));
    // Outside every declaration: the declarations.
    let top = labels(&client.request("textDocument/completion", position(file, 10, 0)));
    assert!(top.contains(&"pipeline".to_string()) && !top.contains(&"bake".to_string()));
    client.shutdown();
}

#[test]
fn folding_ranges_cover_declarations_and_blocks() {
    let mut client = Client::default();
    let file = "untitled:fold";
    client.open(file, BASE);
    let found = client.request(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": file } }),
    );
    let ranges: Vec<(u64, u64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["startLine"].as_u64().unwrap(),
                r["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    // Base, its build (one line: none), stage beta, production; the wave
    // is on one line and does not fold.
    assert_eq!(ranges, [(4, 17), (8, 11), (12, 16)]);
    client.shutdown();
}

#[test]
fn folding_ranges_cover_a_declaration_without_a_body_over_several_lines() {
    let mut client = Client::default();
    let file = "untitled:fold-alarm";
    let text = "alarm one = ALARM(\"A\")\nalarm errors = ALARM(\"E\")\n  or ALARM(\"F\")\n  or ALARM(\"G\")\n\nwindow w {\n  zone = \"UTC\"\n}\n";
    client.open(file, text);
    let found = client.request(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": file } }),
    );
    let ranges: Vec<(u64, u64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["startLine"].as_u64().unwrap(),
                r["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    // The alarm on one line does not fold; the one on three does.
    assert_eq!(ranges, [(1, 3), (5, 7)]);
    client.shutdown();
}

#[test]
fn hover_on_a_wave_lists_its_regions_in_rollout_order_bake_and_scope() {
    let dir = workspace("wave");
    // Two regions out of alphabetical order, zone by zone.
    let base = BASE.replace(
        "wave first { regions = [us-east-1]; bake = 2h }",
        "wave first { regions = [us-west-2, us-east-1]; by az; bake = 2h }\n    wave others { regions = rest; bake = 2h }",
    );
    std::fs::write(dir.join("base.pipe"), &base).unwrap();
    let mut client = Client::default();
    let base_uri = uri(&dir.join("base.pipe"));
    client.open(&base_uri, &base);
    let hover = client.request("textDocument/hover", position(&base_uri, 15, 10));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**wave `first`**"), "{text}");
    assert!(
        text.contains("in `Svc`: `us-west-2` → `us-east-1`, one availability zone at a time"),
        "{text}"
    );
    assert!(text.contains("bake: `bake = 2h` (base.pipe:16)"), "{text}");
    assert!(text.contains("scope: `by az`"), "{text}");
    // The other wave takes the rest of the registry, without `by az`.
    let hover = client.request("textDocument/hover", position(&base_uri, 16, 10));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("in `Svc`: `"), "{text}");
    assert!(
        !text.contains("us-west-2`") && !text.contains("availability zone"),
        "{text}"
    );
    client.shutdown();
}

/// Sends `textDocument/didChange` with ranged (incremental) changes.
fn change_ranges(client: &Client, uri: &str, version: i32, changes: Value) {
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
    );
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({ "start": { "line": l1, "character": c1 }, "end": { "line": l2, "character": c2 } })
}

#[test]
fn incremental_changes_edit_the_buffer_in_place() {
    let dir = workspace("incremental");
    let client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    client.open(&svc, SVC);
    assert!(
        codes(&client.diagnostics_for(&svc))
            .iter()
            .all(|c| c == "P0801")
    );
    // `bake = 30m` (line 4) becomes `bake = 12`, in two ranged changes
    // applied in order: the second counts positions in the first's result.
    change_ranges(
        &client,
        &svc,
        2,
        json!([
            { "range": range(4, 11, 4, 14), "text": "1" },
            { "range": range(4, 12, 4, 12), "text": "2" },
        ]),
    );
    let published = client.diagnostics_for(&svc);
    assert_eq!(published["version"], 2);
    let mismatch = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "P0701")
        .unwrap_or_else(|| panic!("no type mismatch in {published}"));
    assert_eq!(mismatch["range"], range(4, 11, 4, 13));
    client.shutdown();
}

#[test]
fn an_edit_to_a_pipeline_reaches_its_template_through_the_background_check() {
    let dir = workspace("background");
    let client = Client::default();
    let svc = uri(&dir.join("svc.pipe"));
    let base = uri(&dir.join("base.pipe"));
    client.open(&svc, SVC);
    // The template's production leaves regions out for this pipeline.
    assert!(codes(&client.diagnostics_for(&base)).contains(&"P0405".to_string()));
    assert_eq!(client.diagnostics_for(&svc)["version"], 1);
    // The pipeline places the rest; only the whole workspace's check (the
    // template is not in the edited file's subset) can clear the template.
    let fixed = SVC.replace(
        "    bake = 30m\n  }\n",
        "    bake = 30m\n  }\n  production { new wave others { regions = rest } }\n",
    );
    client.change(&svc, 2, &fixed);
    let own = client.diagnostics_for(&svc);
    assert_eq!(own["version"], 2);
    let published = client.diagnostics_for(&base);
    assert!(
        !codes(&published).contains(&"P0405".to_string()),
        "{published}"
    );
    client.shutdown();
}

#[test]
fn pulling_clients_ask_for_diagnostics_and_hear_unchanged_lists() {
    let dir = workspace("pull");
    let (mut client, result) = Client::start(json!({
        "capabilities": { "textDocument": { "diagnostic": {} } },
        "initializationOptions": { "today": "2026-12-01" }
    }));
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["interFileDependencies"],
        true
    );
    let base = uri(&dir.join("base.pipe"));
    client.open(&base, BASE);
    let params = json!({ "textDocument": { "uri": base } });
    let report = client.request("textDocument/diagnostic", params.clone());
    assert_eq!(report["kind"], "full");
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "P0405")
    );
    let id = report["resultId"].clone();
    let again = client.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": base }, "previousResultId": id }),
    );
    assert_eq!(again["kind"], "unchanged");
    assert_eq!(again["resultId"], id);
    // An edit, then a pull: the answer is of the new text, at once.
    client.change(&base, 2, &BASE.replace("bake = 1h", "bake = 12"));
    let edited = client.request("textDocument/diagnostic", params);
    assert_eq!(edited["kind"], "full");
    assert!(
        edited["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "P0701")
    );
    // Nothing was pushed to a pulling client.
    while let Ok(message) = client.connection.receiver.try_recv() {
        if let lsp_server::Message::Notification(note) = message {
            assert_ne!(note.method, "textDocument/publishDiagnostics");
        }
    }
    client.shutdown();
}

/// A pipeline's name is unique across the workspace: an edit that gives
/// one file's pipeline the name of another file's changes that other
/// file's diagnostics at once (the check after the edit takes in the files
/// that declare the name, before and after), not only once the whole
/// workspace is checked again after a pause.
#[test]
fn renaming_a_pipeline_onto_another_files_reaches_that_file_at_once() {
    let template = "template T { platform = ecs }\n";
    let x_text = "import \"./t.pipe\"\npipeline apples extends T { }\n";
    let y_text = "import \"./t.pipe\"\npipeline orders extends T { }\n";
    let dir = TempWorkspace::new(
        "pipeline-names",
        &[
            ("pipec.toml", ""),
            ("t.pipe", template),
            ("x.pipe", x_text),
            ("y.pipe", y_text),
        ],
    );
    let (mut client, _) = Client::start(json!({
        "capabilities": { "textDocument": { "diagnostic": {} } }
    }));
    let x = uri(&dir.join("x.pipe"));
    let y = uri(&dir.join("y.pipe"));
    let pull = |client: &mut Client, uri: &str| -> Vec<String> {
        let report = client.request(
            "textDocument/diagnostic",
            json!({ "textDocument": { "uri": uri } }),
        );
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    client.open(&x, x_text);
    assert!(!pull(&mut client, &y).contains(&"P0103".to_string()));
    // `x.pipe` sorts first: the second declaration, in `y.pipe`, is told.
    client.change(&x, 2, &x_text.replace("apples", "orders"));
    let told = pull(&mut client, &y);
    assert!(told.contains(&"P0103".to_string()), "{told:?}");
    assert!(!pull(&mut client, &x).contains(&"P0103".to_string()));
    // And the name given back clears it, by the name the file had.
    client.change(&x, 3, x_text);
    let cleared = pull(&mut client, &y);
    assert!(!cleared.contains(&"P0103".to_string()), "{cleared:?}");
    client.shutdown();
}

#[test]
fn a_request_cancelled_before_it_runs_is_answered_as_cancelled() {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    let (server, client) = Connection::memory();
    let send = |message: Message| client.sender.send(message).unwrap();
    // Everything is queued before the server reads anything, so the
    // cancellation is waiting when the request is handled.
    send(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({ "capabilities": {} }),
    )));
    send(Message::Notification(Notification::new(
        "initialized".into(),
        json!({}),
    )));
    send(Message::Request(Request::new(
        RequestId::from(2),
        "textDocument/hover".into(),
        position("file:///nowhere.pipe", 0, 0),
    )));
    send(Message::Notification(Notification::new(
        "$/cancelRequest".into(),
        json!({ "id": 2 }),
    )));
    send(Message::Request(Request::new(
        RequestId::from(3),
        "shutdown".into(),
        Value::Null,
    )));
    send(Message::Notification(Notification::new(
        "exit".into(),
        Value::Null,
    )));
    let status = pipec::lsp::run(&server, pipec::lsp::Settings::default());
    assert_eq!(status, 0);
    let mut answers = Vec::new();
    while let Ok(Message::Response(response)) = client.receiver.try_recv() {
        answers.push(response);
    }
    let hover = answers
        .iter()
        .find(|response| response.id == RequestId::from(2))
        .unwrap();
    assert_eq!(hover.error.as_ref().unwrap().code, -32800);
}

#[test]
fn files_changed_on_disk_are_watched_and_checked() {
    let dir = workspace("watched");
    let (client, _) = Client::start(json!({
        "capabilities": { "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } },
        "initializationOptions": { "today": "2026-12-01" }
    }));
    // The server asks to hear of `.pipe` files and `pipec.toml`.
    let registration = loop {
        if let lsp_server::Message::Request(request) = client.recv() {
            break request;
        }
    };
    assert_eq!(registration.method, "client/registerCapability");
    let watchers = &registration.params["registrations"][0]["registerOptions"]["watchers"];
    assert_eq!(watchers[0]["globPattern"], "**/*.pipe");
    let svc = uri(&dir.join("svc.pipe"));
    client.open(&svc, SVC);
    client.diagnostics_for(&svc);
    // A file written by another program: checked once the client says so.
    std::fs::write(dir.join("other.pipe"), "template Broken {\n").unwrap();
    let other = uri(&dir.join("other.pipe"));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": other, "type": 1 }] }),
    );
    assert!(codes(&client.diagnostics_for(&other)).contains(&"P0002".to_string()));
    // Deleted: its diagnostics are cleared.
    std::fs::remove_file(dir.join("other.pipe")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": other, "type": 3 }] }),
    );
    assert!(codes(&client.diagnostics_for(&other)).is_empty());
    client.shutdown();
}

#[test]
fn references_of_a_member_list_its_declarations_own_profile_overrides() {
    let svc = "import \"base.pipe\"\n\npipeline Svc extends Base {\n  stage beta {\n    bake = 30m\n  }\n  profile fast {\n    stage beta { bake = 5m }\n  }\n}\n";
    let dir = TempWorkspace::new(
        "references-own-profile",
        &[("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", svc)],
    );
    let mut client = Client::default();
    let svc_uri = uri(&dir.join("svc.pipe"));
    let base_uri = uri(&dir.join("base.pipe"));
    client.open(&svc_uri, svc);
    let references = |client: &mut Client, include: bool| {
        let mut params = position(&svc_uri, 4, 5);
        params["context"] = json!({ "includeDeclaration": include });
        let found = client.request("textDocument/references", params);
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|place| {
                (
                    place["uri"].as_str().unwrap().to_string(),
                    place["range"]["start"]["line"].as_u64().unwrap(),
                    place["range"]["start"]["character"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    // The profile `fast` overrides the pipeline's own `bake`.
    assert_eq!(
        references(&mut client, false),
        vec![(svc_uri.clone(), 7, 17)]
    );
    // With the declaration: the template's `bake`, this one, the profile's.
    assert_eq!(
        references(&mut client, true),
        vec![
            (base_uri.clone(), 10, 4),
            (svc_uri.clone(), 4, 4),
            (svc_uri.clone(), 7, 17)
        ]
    );
    client.shutdown();
}

/// An exemption names any pipeline of the workspace: after `exempt`, the
/// pipelines of the files that import the policy's, those of files that
/// do not, and those of the whole workspace in a policy nothing imports.
#[test]
fn completion_after_exempt_offers_the_pipelines_of_the_workspace() {
    let rules = "policy release {\n  deny signed-artifacts\n  exempt \n}\n";
    let svc = "import \"rules.pipe\"\n\npipeline Orders { platform = ecs }\npipeline Billing { platform = ecs }\n";
    let other = "pipeline Reports { platform = ecs }\n";
    let loose = "policy loose {\n  exempt \n}\n";
    let dir = TempWorkspace::new(
        "completion-exempt-importers",
        &[
            ("pipec.toml", ""),
            ("rules.pipe", rules),
            ("svc.pipe", svc),
            ("other/reports.pipe", other),
            ("loose.pipe", loose),
        ],
    );
    let mut client = Client::default();
    for (name, text, line) in [("rules.pipe", rules, 2), ("loose.pipe", loose, 1)] {
        let file_uri = uri(&dir.join(name));
        client.open(&file_uri, text);
        client.diagnostics_for(&file_uri);
        let found = client.request("textDocument/completion", position(&file_uri, line, 9));
        let items = found.get("items").cloned().unwrap_or_else(|| found.clone());
        let labels: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["Billing", "Orders", "Reports"], "{name}");
    }
    client.shutdown();
}

/// `Unnecessary` fades what can simply be deleted: a list item given
/// twice. An expired exemption's range is its `expires = DATE`, whose
/// deletion would make the exemption permanent: it is not faded.
#[test]
fn only_what_can_be_deleted_is_tagged_unnecessary() {
    let text = r#"policy org {
  exempt orders from load-test { reason = "LOAD-1"; expires = 2020-01-01 }
}

template Base {
  stage gamma { regions = [us-east-1, us-east-1] }
}
"#;
    let dir = TempWorkspace::new("tags", &[("pipec.toml", ""), ("main.pipe", text)]);
    let client = Client::default();
    let main = uri(&dir.join("main.pipe"));
    client.open(&main, text);
    let published = client.diagnostics_for(&main);
    let tags_of = |code: &str| {
        published["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {published}"))["tags"]
            .clone()
    };
    assert_eq!(tags_of("P0308"), json!([1]));
    assert_eq!(tags_of("P0804"), Value::Null);
    client.shutdown();
}
