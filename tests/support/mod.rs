//! Shared helpers for the integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use pipec::diagnostics::render;
use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::workspace::{self, Checked, Compiled};

/// The date tests check from, so that calendar-dependent results (windows
/// that must open within a year) never change with the day they run.
pub const TODAY: jiff::civil::Date = jiff::civil::date(2026, 11, 22);

/// Splits a fixture into files. A fixture whose first line is
/// `//- NAME.pipe` holds several files, each starting at such a line;
/// otherwise the whole text is one file called `name`.
pub fn split_fixture(name: &str, text: &str) -> Vec<(String, String)> {
    if !text.starts_with("//- ") {
        return vec![(name.to_string(), text.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(file_name) = line.strip_prefix("//- ") {
            files.push((file_name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
        }
    }
    files
}

/// A fixture's files as a workspace: every file is an entry, in a
/// directory with a `pipec.toml`, and imports between them resolve.
fn fixture_workspace(name: &str, text: &str) -> (MemoryLoader, Vec<Entry>) {
    let files = split_fixture(name, text);
    let mut loader = MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    for (name, body) in &files {
        loader.add(name, body.as_bytes());
    }
    let entries = files
        .into_iter()
        .map(|(name, _)| Entry {
            path: name.into(),
            bytes: None,
            name: None,
        })
        .collect();
    (loader, entries)
}

/// Checks a fixture's files as a workspace ([`fixture_workspace`]).
pub fn check_fixture(name: &str, text: &str) -> Checked {
    let (loader, entries) = fixture_workspace(name, text);
    workspace::check_workspace(entries, &loader, TODAY)
}

/// Compiles a fixture's files as a workspace, as [`check_fixture`]
/// checks them.
pub fn compile_fixture(name: &str, text: &str) -> Compiled {
    let (loader, entries) = fixture_workspace(name, text);
    workspace::compile_workspace(entries, &loader, TODAY)
}

/// Compiles `main.pipe` with `text`, in `/ws` in memory, with a
/// `pipec.toml` beside it when `root` says so.
pub fn compile_main(text: &str, root: bool) -> Compiled {
    let mut loader = MemoryLoader::in_dir("/ws");
    if root {
        loader.add("pipec.toml", "");
    }
    loader.add("main.pipe", text);
    let entry = Entry {
        path: "main.pipe".into(),
        bytes: None,
        name: None,
    };
    workspace::compile_workspace(vec![entry], &loader, TODAY)
}

/// The `// expect:` lines of a fixture: `ok`, or `CODE LINE:COL` (the
/// primary label's start, in the file named first or the only file),
/// optionally prefixed by a file name: `CODE file.pipe:LINE:COL`.
pub fn expectations(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("// expect:"))
        .map(|rest| rest.trim().to_string())
        .collect()
}

/// What a check produced, in the same notation as the expectations.
pub fn produced(checked: &Checked) -> Vec<String> {
    let many_files = checked
        .sources
        .iter()
        .filter(|(_, file)| !file.name.starts_with("std/"))
        .count()
        > 1;
    let mut found: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let Some(label) = diagnostic.primary_label() else {
                return diagnostic.code.to_string();
            };
            let file = checked.sources.get(label.file).unwrap();
            let (line, col) = file.line_col(label.span.start());
            if many_files {
                format!("{} {}:{line}:{col}", diagnostic.code, file.name)
            } else {
                format!("{} {line}:{col}", diagnostic.code)
            }
        })
        .collect();
    if found.is_empty() {
        found.push("ok".to_string());
    }
    found
}

/// Diagnostics rendered without colour.
pub fn rendered(checked: &Checked) -> String {
    render::to_plain_string(&checked.diagnostics, &checked.sources)
}

/// The file system as a loader, for tests over the repository's files.
pub struct FsLoader;

impl pipec::loader::Loader for FsLoader {
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn canonicalize(&self, path: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &std::path::Path) -> bool {
        path.is_file()
    }
}

/// Every `.pipe` file below `dir`, in path order.
pub fn pipe_files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(pipe_files_below(&path));
        } else if path.extension().is_some_and(|ext| ext == "pipe") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Writes `dir/shell.pipe`, a pipeline whose build and test are shell code
/// and whose second test runs without a shell, each handed `value`:
/// `build.out`, `test.out` and `argv.out` receive it when the steps run
/// (the last through `dir/write.sh FILE TEXT`, also written here). For the
/// exporters' tests that run exported commands with hostile values.
pub fn shell_values_pipe(dir: &std::path::Path, value: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let value = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$");
    let text = format!(
        r#"pipeline shell {{
  platform = ecs
  v : string = "{value}"
  source code = git("code", branch: "main") {{ require review }}
  build bundle from code {{ run = "printf '%s' ${{v}} > build.out"; shell = true; sign = true }}
  stage beta {{
    deploy bundle {{ run = "./deploy.sh" }}
    test smoke {{ run = "printf '%s' \"${{v}}\" > test.out"; shell = true }}
    test argv {{ run = "./write.sh argv.out ${{v}}" }}
  }}
}}
"#
    );
    let path = dir.join("shell.pipe");
    std::fs::write(&path, text).unwrap();
    let script = dir.join("write.sh");
    std::fs::write(&script, "#!/bin/sh\nprintf '%s' \"$2\" > \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Writes `dir/env.pipe`, a pipeline whose build, test and deploys set
/// `env` entries (values, one holding a GitHub expression, and secrets)
/// and whose deploys give `run` and `rollback` commands, with the scripts
/// they name: `deploy.sh` and `undo.sh` write what they see to
/// `deploy.out` and `undo.out`. `build_env` is put in the build's body
/// (more `env` entries). Also `dir/pipec.toml`, the sample's, for the
/// CodePipeline export's settings. For the exporters' tests of what each
/// target carries. The build is on line 8, the beta stage (its deploy step's
/// provenance) on line 9.
pub fn env_pipe(dir: &std::path::Path, build_env: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let text = format!(
        r#"registry lab {{
  partition = "lab"
  region lab-east-1 {{ traffic = low; azs = [labe1-az1] }}
}}
pipeline envs {{
  platform = ecs
  source code = git("https://git.example.com/shop/envs.git", branch: "main") {{ require review }}
  build bundle from code {{ run = "./build.sh"; sign = true; env LEVEL = "info"; env NOTE = "\${{{{ github.token }}}} it's"; env SIGNING = secret("SIGNING_KEY"){build_env} }}
  stage beta {{
    deploy bundle {{ run = "./deploy.sh 'beta box'"; rollback = "./undo.sh"; env TOKEN = secret("DEPLOY_TOKEN"); env MODE = "beta" }}
    test smoke {{ run = "./smoke.sh"; env TARGET = "beta" }}
  }}
  production {{
    registry = lab
    rollback on ALARM("Envs_High_Severity")
    onebox {{ traffic <= 10%; bake = 1h }}
    deploy bundle {{ run = "./deploy.sh production"; rollback = "./undo.sh"; env TOKEN = secret("DEPLOY_TOKEN"); env MODE = "production" }}
    wave first {{ regions = [lab-east-1]; bake = 12h }}
  }}
}}
"#
    );
    let path = dir.join("env.pipe");
    std::fs::write(&path, text).unwrap();
    std::fs::copy("examples/sample/pipec.toml", dir.join("pipec.toml")).unwrap();
    for (name, out) in [("deploy.sh", "deploy.out"), ("undo.sh", "undo.out")] {
        let script = dir.join(name);
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nset -eu\nprintf '%s\\n' \"$*\" \"$TOKEN\" \"$MODE\" \"$PIPEC_STEP_ID\" \"${{PIPEC_ROLLBACK:-false}}\" >> {out}\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// Puts every step's parameters, gates and field provenance of a plan's
/// JSON back in place: each number becomes its entry of the plan's
/// `parameters`, `gate_lists` or `field_provenances`, and the tables are
/// removed. What the plan says, written as format 1.2 did.
pub fn step_tables_inline(json: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(plan) = json.as_object_mut() else {
        return;
    };
    let parameters = plan.remove("parameters").unwrap_or(Value::Null);
    let gate_lists = plan.remove("gate_lists").unwrap_or(Value::Null);
    let field_provenances = plan.remove("field_provenances").unwrap_or(Value::Null);
    let entry = |table: &Value, number: &Value| {
        let index = usize::try_from(number.as_u64().unwrap()).unwrap();
        table[index].clone()
    };
    for step in plan
        .get_mut("steps")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let kind = step["kind"].as_str().unwrap().to_string();
        if step[&kind].is_u64() {
            step[&kind] = entry(&parameters[&kind], &step[&kind]);
        }
        if step["gates"].is_u64() {
            step["gates"] = entry(&gate_lists, &step["gates"]);
        }
        if step.get("field_provenance").is_some_and(Value::is_u64) {
            step["field_provenance"] = entry(&field_provenances, &step["field_provenance"]);
        }
    }
}

/// Puts every provenance of a plan's JSON (or of each plan of an array)
/// back in place: each number becomes its entry of the plan's
/// `provenances` table, and the table is removed, after the step tables
/// ([`step_tables_inline`]). What the plan says, written as format 1.1
/// did, for tests that look at a value where it applies.
pub fn provenances_inline(json: &mut serde_json::Value) {
    use serde_json::Value;
    if let Value::Array(plans) = json {
        plans.iter_mut().for_each(provenances_inline);
        return;
    }
    step_tables_inline(json);
    let Some(Value::Array(table)) = json
        .as_object_mut()
        .and_then(|plan| plan.remove("provenances"))
    else {
        return;
    };
    fn walk(value: &mut Value, table: &[Value]) {
        let entry = |value: &Value| {
            value
                .as_u64()
                .map(|number| table[usize::try_from(number).unwrap()].clone())
        };
        match value {
            Value::Object(object) => {
                for (key, field) in object.iter_mut() {
                    match key.as_str() {
                        "provenance" => {
                            if let Some(whole) = entry(field) {
                                *field = whole;
                            }
                        }
                        "field_provenance" => {
                            for each in field
                                .as_object_mut()
                                .into_iter()
                                .flat_map(|map| map.values_mut())
                            {
                                if let Some(whole) = entry(each) {
                                    *each = whole;
                                }
                            }
                        }
                        _ => walk(field, table),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, table)),
            _ => {}
        }
    }
    walk(json, &table);
}

/// A plan's JSON text as a value, provenances in place
/// ([`provenances_inline`]).
pub fn plan_value(text: &str) -> serde_json::Value {
    let mut value = serde_json::from_str(text).unwrap();
    provenances_inline(&mut value);
    value
}
