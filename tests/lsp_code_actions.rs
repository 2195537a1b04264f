//! Every kind of quick fix, applied: the edit of each code action is made
//! to the files and the workspace checked again, and the diagnostic it
//! was offered for must be gone. A fix that does not fix is a bug even
//! when its snapshot (tests/lsp_fixtures/code_action) looks right.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod lsp_harness;

use lsp_harness::{TempWorkspace, client_utf8, offset_utf8};
use serde_json::{Value, json};
use std::collections::BTreeMap;

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

/// The diagnostics published for `target` when it is opened in a
/// workspace of `files`.
fn published(name: &str, files: &BTreeMap<String, String>, target: &str) -> (Vec<Value>, String) {
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new(name, &list);
    let client = client_utf8();
    let uri = workspace.uri(target);
    client.open(&uri, &files[target]);
    let diagnostics = client.diagnostics_for(&uri)["diagnostics"]
        .as_array()
        .unwrap()
        .clone();
    client.shutdown();
    let prefix = format!("{}/", workspace.uri("").trim_end_matches('/'));
    (diagnostics, prefix)
}

/// A UTF-8 position as a byte offset.
/// Asks for the fixes of the first diagnostic with `code` in `target`,
/// applies each to the files in turn and checks that the diagnostic is
/// gone: its code, or, when the file had several of that code, its
/// message. Returns how many fixes were checked.
fn check_fixes(name: &str, files: &[(&str, &str)], target: &str, code: &str) -> usize {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect();
    let list: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let workspace = TempWorkspace::new(name, &list);
    let prefix = format!("{}/", workspace.uri("").trim_end_matches('/'));
    let mut client = client_utf8();
    let uri = workspace.uri(target);
    client.open(&uri, &files[target]);
    let diagnostics = client.diagnostics_for(&uri)["diagnostics"].clone();
    let diagnostic = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["code"] == code)
        .unwrap_or_else(|| panic!("{name}: no {code} in {diagnostics:#}"))
        .clone();
    // With one diagnostic of the code, the code must be gone; with several
    // (policy findings), the one fixed.
    let several = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == code)
        .count()
        > 1;
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] },
        }),
    );
    client.shutdown();
    let actions = actions.as_array().unwrap().clone();
    assert!(!actions.is_empty(), "{name}: no fix offered");
    for action in &actions {
        assert_eq!(action["kind"], "quickfix");
        assert_eq!(action["diagnostics"][0]["code"], code);
        let mut fixed = files.clone();
        for (edited_uri, edits) in action["edit"]["changes"].as_object().unwrap() {
            let path = edited_uri.strip_prefix(&prefix).unwrap().to_string();
            let text = fixed.get_mut(&path).unwrap();
            let mut edits = edits.as_array().unwrap().clone();
            edits.sort_by_key(|edit| std::cmp::Reverse(offset_utf8(text, &edit["range"]["start"])));
            for edit in edits {
                let start = offset_utf8(text, &edit["range"]["start"]);
                let end = offset_utf8(text, &edit["range"]["end"]);
                text.replace_range(start..end, edit["newText"].as_str().unwrap());
            }
        }
        let (after, _) = published(&format!("{name}-fixed"), &fixed, target);
        assert!(
            after.iter().all(|after| after["code"] != code
                || (several && after["message"] != diagnostic["message"])),
            "{name}: `{}` left {code}: {after:#?}\n{fixed:#?}",
            action["title"]
        );
    }
    actions.len()
}

#[test]
fn a_did_you_mean_fix_resolves_the_name() {
    let svc = "import \"base.pipe\"\n\npipeline Svc extends Bsae {\n}\n";
    let files = [("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-name", &files, "svc.pipe", "P0204"), 1);
}

#[test]
fn both_fixes_of_an_override_of_nothing_fix_it() {
    let svc = "import \"base.pipe\"\n\npipeline Svc extends Base {\n  stage bta {\n    bake = 30m\n  }\n}\n";
    let files = [("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-new", &files, "svc.pipe", "P0303"), 2);
}

#[test]
fn a_yaml_colon_becomes_an_assignment() {
    let svc = "import \"base.pipe\"\n\npipeline Svc extends Base {\n  stage beta { environment = \"bêta ✓\"; bake: 30m }\n}\n";
    let files = [("pipec.toml", ""), ("base.pipe", BASE), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-colon", &files, "svc.pipe", "P0010"), 1);
}

#[test]
fn a_yaml_field_declaration_becomes_an_assignment() {
    let svc = "import \"std/aws\"\n\nwindow office {\n  zone: UTC\n  allow = [mon..fri 09:00..17:00]\n}\n";
    let files = [("pipec.toml", ""), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-decl", &files, "svc.pipe", "P0010"), 1);
}

#[test]
fn a_registry_of_the_standard_library_gets_its_import() {
    let svc = "pipeline Svc {\n  platform = ecs\n  production {\n    registry = aws\n    wave first { regions = [us-east-1] }\n  }\n}\n";
    let files = [("pipec.toml", ""), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-import", &files, "svc.pipe", "P0204"), 1);
}

#[test]
fn an_unknown_rule_is_corrected() {
    let rules = "policy release {\n  deny signed-artifact\n}\n";
    let files = [("pipec.toml", ""), ("rules.pipe", rules)];
    assert_eq!(check_fixes("fix-rule", &files, "rules.pipe", "P0802"), 1);
}

/// Checks the fixes of the first P0801 in `target` of a workspace where
/// a service extends `BASE`, whose file imports the policy `rules`.
fn check_exemption(name: &str, rules: &str, target: &str) -> usize {
    let base = BASE.replace(
        "import \"std/aws\"",
        "import \"std/aws\"\nimport \"rules.pipe\"",
    );
    let svc = "import \"base.pipe\"\n\npipeline Svc extends Base {\n}\n";
    let files = [
        ("pipec.toml", ""),
        ("rules.pipe", rules),
        ("base.pipe", base.as_str()),
        ("svc.pipe", svc),
    ];
    check_fixes(name, &files, target, "P0801")
}

/// Two findings at the pipeline's name, of one code, are told apart by
/// their message: the fix offered for one exempts from its rule alone.
#[test]
fn findings_at_one_place_each_get_their_own_exemption() {
    let rules = "policy release { warn integration-tests; warn load-test }\n";
    assert_eq!(check_exemption("fix-exempt-one-rule", rules, "svc.pipe"), 1);
}

#[test]
fn an_exemption_goes_in_the_policy_of_another_file() {
    let rules = "policy release { deny signed-artifacts }\n";
    assert_eq!(check_exemption("fix-exempt", rules, "base.pipe"), 1);
}

#[test]
fn a_qualified_name_of_an_unimported_standard_module_gets_its_import() {
    let svc = "import \"std/aws\"\n\nwindow office {\n  zone = \"UTC\"\n  allow = [mon..fri 09:00..17:00]\n  except = calendars.us_holidays\n}\n";
    let files = [("pipec.toml", ""), ("svc.pipe", svc)];
    assert_eq!(check_fixes("fix-qualified", &files, "svc.pipe", "P0204"), 1);
    let workspace = TempWorkspace::new("fix-qualified-edit", &files);
    let mut client = client_utf8();
    let uri = workspace.uri("svc.pipe");
    client.open(&uri, svc);
    let diagnostic = client.diagnostics_for(&uri)["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "P0204");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] },
        }),
    );
    client.shutdown();
    assert_eq!(actions.as_array().unwrap().len(), 1);
    assert_eq!(actions[0]["title"], "Add `import \"std/calendars\"`");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(
        actions[0]["edit"]["changes"][uri.as_str()],
        json!([{
            "range": {
                "start": { "line": 0, "character": 16 },
                "end": { "line": 0, "character": 16 }
            },
            "newText": "\nimport \"std/calendars\""
        }])
    );
}

#[test]
fn a_qualified_name_of_an_alias_that_is_no_standard_module_gets_no_import() {
    let svc = "window office {\n  zone = \"UTC\"\n  allow = [mon..fri 09:00..17:00]\n  except = holidays.us_holidays\n}\n";
    let files = [("pipec.toml", ""), ("svc.pipe", svc)];
    let workspace = TempWorkspace::new("fix-qualified-none", &files);
    let mut client = client_utf8();
    let uri = workspace.uri("svc.pipe");
    client.open(&uri, svc);
    let diagnostic = client.diagnostics_for(&uri)["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "P0204");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] },
        }),
    );
    client.shutdown();
    assert_eq!(actions, json!([]));
}
