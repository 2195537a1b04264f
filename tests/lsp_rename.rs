//! Renames, applied: the edits are made to the files, and the workspace
//! must check exactly as before (no diagnostic gained or lost) while the
//! old name is gone from every place the rename was about.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod lsp_harness;

use lsp_harness::{TempWorkspace, client_utf8, offset_utf8};
use serde_json::json;
use std::collections::BTreeMap;

const BASE: &str = r#"import "std/aws"
import "alarms.pipe" as shared

template Base {
  platform = ecs
  source app = git("org/app") { require review }
  build bundle from app { run = "make"; sign = true }
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    rollback on shared.errors
    wave first { regions = [us-east-1]; bake = 12h }
  }
}
"#;

const ALARMS: &str =
    "alarm errors = ALARM(\"Errors\")\nalarm paging = errors or ALARM(\"Latency\")\n";

const SVC: &str = r#"import "base.pipe"

pipeline Svc extends Base {
  stage beta {
    bake = 2h
  }
  production {
    wave first { bake = 13h }
  }
}

pipeline Other extends base.Base {
  remove stage beta
}
"#;

/// A descendant of `Base` beside svc.pipe's: a rename started in svc.pipe
/// reaches it through `Base`, though neither file imports the other.
const MORE: &str = r#"import "base.pipe"

pipeline More extends Base {
  production {
    wave first { bake = 14h }
  }
}
"#;

fn files() -> BTreeMap<String, String> {
    [
        ("pipec.toml", ""),
        ("alarms.pipe", ALARMS),
        ("base.pipe", BASE),
        ("svc.pipe", SVC),
        ("more.pipe", MORE),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect()
}

/// The codes and messages of the whole workspace's diagnostics, with
/// `old` written as `new` in them, sorted.
fn checked(files: &BTreeMap<String, String>, name: &str, old: &str, new: &str) -> Vec<String> {
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new(name, &list);
    let client = client_utf8();
    let mut found = Vec::new();
    for path in files.keys().filter(|path| path.ends_with(".pipe")) {
        let uri = workspace.uri(path);
        client.open(&uri, &files[path]);
        for diagnostic in client.diagnostics_for(&uri)["diagnostics"]
            .as_array()
            .unwrap()
        {
            found.push(format!(
                "{path} {} {}",
                diagnostic["code"],
                diagnostic["message"].as_str().unwrap().replace(old, new)
            ));
        }
    }
    client.shutdown();
    found.sort();
    found.dedup();
    found
}

/// A UTF-8 position as a byte offset.
/// Renames what is at the first `at` in `path` to `new`, applies the edit
/// and returns the files and how many places changed.
fn rename(name: &str, path: &str, at: &str, new: &str) -> (BTreeMap<String, String>, usize) {
    let mut files = files();
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new(name, &list);
    let prefix = format!("{}/", workspace.uri("").trim_end_matches('/'));
    let mut client = client_utf8();
    let uri = workspace.uri(path);
    let text = files[path].clone();
    client.open(&uri, &text);
    // Once checked, the server knows which files import which, and loads
    // only those a request needs: the rename must still reach them all.
    client.diagnostics_for(&uri);
    let cursor = text.find(at).unwrap() + at.len() - 1;
    let line = text[..cursor].matches('\n').count();
    let character = cursor - text[..cursor].rfind('\n').map_or(0, |idx| idx + 1);
    let edit = client.request(
        "textDocument/rename",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": character },
            "newName": new,
        }),
    );
    client.shutdown();
    let mut count = 0;
    for (edited, edits) in edit["changes"].as_object().unwrap() {
        let text = files
            .get_mut(edited.strip_prefix(&prefix).unwrap())
            .unwrap();
        let mut edits = edits.as_array().unwrap().clone();
        edits.sort_by_key(|edit| std::cmp::Reverse(offset_utf8(text, &edit["range"]["start"])));
        for edit in edits {
            let start = offset_utf8(text, &edit["range"]["start"]);
            let end = offset_utf8(text, &edit["range"]["end"]);
            text.replace_range(start..end, edit["newText"].as_str().unwrap());
            count += 1;
        }
    }
    (files, count)
}

#[test]
fn renaming_a_stage_from_its_template_keeps_the_workspace_as_it_was() {
    let before = checked(&files(), "rename-stage-before", "beta", "preprod");
    let (after_files, count) = rename("rename-stage", "base.pipe", "stage b", "preprod");
    assert_eq!(count, 3, "{after_files:#?}");
    assert!(after_files.values().all(|text| !text.contains("beta")));
    let after = checked(&after_files, "rename-stage-after", "beta", "preprod");
    assert_eq!(before, after);
}

#[test]
fn renaming_a_wave_from_an_override_keeps_the_workspace_as_it_was() {
    let before = checked(&files(), "rename-wave-before", "first", "pilot");
    let (after_files, count) = rename("rename-wave", "svc.pipe", "wave f", "pilot");
    // base.pipe's, svc.pipe's and more.pipe's.
    assert_eq!(count, 3, "{after_files:#?}");
    assert!(after_files.values().all(|text| !text.contains("first")));
    let after = checked(&after_files, "rename-wave-after", "first", "pilot");
    assert_eq!(before, after);
}

#[test]
fn renaming_a_template_and_an_alarm_keeps_the_workspace_as_it_was() {
    let before = checked(&files(), "rename-decl-before", "Base", "Foundation");
    let (after_files, count) = rename("rename-decl", "svc.pipe", "extends B", "Foundation");
    assert_eq!(count, 4, "{after_files:#?}");
    assert!(after_files.values().all(|text| !text.contains("Base")));
    assert_eq!(
        before,
        checked(&after_files, "rename-decl-after", "Base", "Foundation")
    );

    let before = checked(&files(), "rename-alarm-before", "errors", "faults");
    let (after_files, count) = rename("rename-alarm", "base.pipe", "shared.e", "faults");
    assert_eq!(count, 3, "{after_files:#?}");
    assert!(after_files.values().all(|text| !text.contains("errors")));
    assert_eq!(
        before,
        checked(&after_files, "rename-alarm-after", "errors", "faults")
    );
}

#[test]
fn renaming_a_pipeline_to_a_pipeline_of_a_file_it_does_not_reach_is_refused() {
    let lone = "import \"base.pipe\"\n\npipeline Lone extends Base {}\n";
    let mut files = files();
    files.insert("lone.pipe".to_string(), lone.to_string());
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new("rename-pipeline-taken", &list);
    let mut client = client_utf8();
    let uri = workspace.uri("svc.pipe");
    client.open(&uri, SVC);
    // Once checked, a request loads only the file and its importers.
    client.diagnostics_for(&uri);
    let response = client.request_raw(
        "textDocument/rename",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": 2, "character": 10 },
            "newName": "Lone",
        }),
    );
    client.shutdown();
    let error = response.error.expect("the rename is refused");
    assert!(error.message.contains("`Lone`"), "{}", error.message);
}

#[test]
fn a_refused_rename_names_the_file_that_would_see_both_names() {
    let shared = "template Shared {\n  platform = ecs\n}\n";
    let base = "template Base {\n  platform = ecs\n}\n";
    let svc = "import \"base.pipe\"\nimport \"shared.pipe\"\n\npipeline Svc extends Base {}\n";
    let files = [
        ("pipec.toml", ""),
        ("shared.pipe", shared),
        ("base.pipe", base),
        ("svc.pipe", svc),
    ];
    let workspace = TempWorkspace::new("rename-seen-through-import", &files);
    let mut client = client_utf8();
    let uri = workspace.uri("base.pipe");
    client.open(&uri, base);
    client.diagnostics_for(&uri);
    let rename = |client: &mut lsp_harness::Client, new: &str| {
        client
            .request_raw(
                "textDocument/rename",
                json!({
                    "textDocument": { "uri": uri },
                    "position": { "line": 0, "character": 10 },
                    "newName": new,
                }),
            )
            .error
            .expect("the rename is refused")
            .message
    };
    // `Shared` is declared in shared.pipe, which does not see `Base`: the
    // clash is in svc.pipe, which imports both.
    assert_eq!(
        rename(&mut client, "Shared"),
        "`Shared` is already declared in shared.pipe, which svc.pipe imports, where `Base` is visible"
    );
    // `Svc` is declared in svc.pipe itself.
    assert_eq!(
        rename(&mut client, "Svc"),
        "`Svc` is already declared in svc.pipe, where `Base` is visible"
    );
    // `shared` is the name svc.pipe's import of shared.pipe binds.
    assert_eq!(
        rename(&mut client, "shared"),
        "`shared` is the name of an import of svc.pipe, where `Base` is visible"
    );
    client.shutdown();
}

/// A bare name in a template that has an alarm member of that name means
/// the member: renaming the top-level alarm leaves it alone.
#[test]
fn renaming_an_alarm_leaves_the_names_a_member_alarm_shadows() {
    let text = "import \"std/aws\"\nalarm errs = ALARM(\"e\")\ntemplate T {\n  alarm errs = ALARM(\"t\")\n  alarm both = errs or ALARM(\"z\")\n  production { registry = aws; rollback on errs; block on both; wave w { regions = rest } }\n}\ntemplate V { production { registry = aws; rollback on errs; wave w { regions = rest } } }\n";
    let workspace = TempWorkspace::new(
        "rename-shadowed-alarm",
        &[("pipec.toml", ""), ("a.pipe", text)],
    );
    let mut client = client_utf8();
    let uri = workspace.uri("a.pipe");
    client.open(&uri, text);
    client.diagnostics_for(&uri);
    let edit = client.request(
        "textDocument/rename",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": 1, "character": 7 },
            "newName": "errors",
        }),
    );
    client.shutdown();
    let lines: Vec<u64> = edit["changes"][uri.as_str()]
        .as_array()
        .unwrap()
        .iter()
        .map(|edit| edit["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    // The declaration and V's `rollback on errs`; not T's two uses.
    assert_eq!(lines, [1, 7], "{edit:#}");
}
