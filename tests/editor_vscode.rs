//! The VS Code extension in `editors/vscode/`: its snippets expand to `.pipe`
//! that checks, its manifest names what exists, and, with the pinned npm
//! tools, it type-checks, bundles and packages into a `.vsix`, its TextMate
//! grammar passes the assertion files of `editors/vscode/test/grammar/`
//! (and a wrong assertion fails), and it tokenizes every example exactly as
//! the snapshots in `editors/vscode/test/snap/` record.
//!
//! `scripts/test.sh` installs the tools (`npm ci` from
//! `editors/vscode/package-lock.json`) and passes their `node_modules` in
//! `PIPEC_VSCODE_MODULES`. A plain `cargo test` without it says that those
//! tests did not run; on CI (`CI=true`) a missing variable fails them.
//!
//! `PIPEC_UPDATE_GRAMMAR_SNAPSHOTS=1` rewrites the snapshots instead of
//! comparing them; read every changed one before committing it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOOLS_VARIABLE: &str = "PIPEC_VSCODE_MODULES";

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The extension's `node_modules`, installed by `scripts/test.sh`; `None`
/// (and a message) when the variable is unset outside CI.
fn node_modules(test: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os(TOOLS_VARIABLE) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{TOOLS_VARIABLE} is unset on CI: scripts/test.sh installs the extension's tools"
        );
        processes::not_run(test, &format!("{TOOLS_VARIABLE} unset"));
        return None;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.join(".bin/vsce").exists(),
        "{TOOLS_VARIABLE} names {}, which holds no installed tools",
        dir.display()
    );
    Some(dir)
}

/// Runs a tool of `node_modules/.bin` in the extension's directory.
fn run_tool(modules: &Path, tool: &str, args: &[&str]) -> Output {
    let program = modules.join(".bin").join(tool);
    Command::new(&program)
        .args(args)
        .current_dir(extension_dir())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", program.display()))
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-vscode-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// Snippets

/// Expands a VS Code snippet body as accepting every default would:
/// `${1:text}` becomes `text` (placeholders may nest), `${1|a,b|}` its first
/// choice, `$1`, `${1}` and `$0` nothing; `\$`, `\}` and `\\` are the
/// characters themselves, and outside a placeholder `}` is text. Variables
/// (`$TM_FILENAME`) are refused: a snippet of ours has none.
fn expand(body: &str) -> String {
    let chars: Vec<char> = body.chars().collect();
    let (end, text) = snippet_text(&chars, 0, false);
    assert_eq!(end, chars.len(), "an unclosed placeholder in {body}");
    text
}

/// Reads snippet text from `i`: to the end, or, in a placeholder's
/// default (`nested`), to its closing `}`, which is consumed.
fn snippet_text(chars: &[char], mut i: usize, nested: bool) -> (usize, String) {
    let at = |j: usize| chars.get(j).copied().unwrap_or('\0');
    let mut out = String::new();
    while i < chars.len() {
        match chars[i] {
            '}' if nested => return (i + 1, out),
            '\\' if matches!(at(i + 1), '$' | '}' | '\\') => {
                out.push(at(i + 1));
                i += 2;
            }
            '$' if at(i + 1) == '{' => {
                // Digits, then `}`, `:default}` or `|choices|}`.
                i += 2;
                let start = i;
                while at(i).is_ascii_digit() {
                    i += 1;
                }
                assert!(i > start, "a snippet variable at {start}");
                match at(i) {
                    '}' => i += 1,
                    ':' => {
                        let (end, text) = snippet_text(chars, i + 1, true);
                        out.push_str(&text);
                        i = end;
                    }
                    '|' => {
                        let close = (i + 1..chars.len())
                            .find(|&j| chars[j] == '|' && at(j + 1) == '}')
                            .expect("an unclosed choice");
                        let choices: String = chars[i + 1..close].iter().collect();
                        out.push_str(choices.split(',').next().unwrap_or_default());
                        i = close + 2;
                    }
                    other => panic!("unexpected `{other}` in a snippet placeholder"),
                }
            }
            '$' if at(i + 1).is_ascii_digit() => {
                i += 1;
                while at(i).is_ascii_digit() {
                    i += 1;
                }
            }
            '$' => panic!("a snippet variable or a bare `$` at {i}; write `\\$`"),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    assert!(!nested, "an unclosed placeholder");
    (i, out)
}

#[test]
fn snippet_expansion_reads_placeholders_choices_and_escapes() {
    assert_eq!(expand("a ${1:b ${2:c}} $0d"), "a b c d");
    assert_eq!(expand("x = ${2|ecs,lambda|}; $1${3}"), "x = ecs; ");
    assert_eq!(expand("\"\\${service}\" { a }"), "\"${service}\" { a }");
    assert_eq!(expand("${1:a \\} b}"), "a } b");
}

/// Where each snippet goes, so that it is checked in a body that may hold
/// it: a stage in a template, a wave in production; declarations alone.
fn in_context(name: &str, text: &str) -> String {
    match name {
        "pipeline" | "template" | "window" => text.to_string(),
        "stage" => format!("template Snippet {{\n{text}\n}}\n"),
        "wave" => format!(
            "import \"std/aws\"\ntemplate Snippet {{\n  production {{\n    registry = aws\n{text}\n  }}\n}}\n"
        ),
        other => panic!("snippet `{other}` has no context in this test: add one"),
    }
}

#[test]
fn every_snippet_expands_to_pipe_that_checks() {
    let snippets = read_json(&extension_dir().join("snippets/pipe.json"));
    let snippets = snippets.as_object().unwrap();
    let names: BTreeSet<&str> = snippets.keys().map(String::as_str).collect();
    for wanted in ["pipeline", "template", "stage", "wave", "window"] {
        assert!(names.contains(wanted), "no `{wanted}` snippet");
    }
    for (name, snippet) in snippets {
        assert_eq!(snippet["prefix"], name.as_str(), "{name}: prefix");
        assert!(snippet["description"].is_string(), "{name}: description");
        let body = match &snippet["body"] {
            Value::String(line) => line.clone(),
            Value::Array(lines) => lines
                .iter()
                .map(|line| line.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n"),
            other => panic!("{name}: body {other}"),
        };
        // VS Code indents a tab as the editor does; two spaces is the
        // canonical layout.
        let text = in_context(name, &expand(&body).replace('\t', "  "));
        let mut checked = support::check_fixture(&format!("snippet-{name}.pipe"), &text);
        checked.diagnostics.retain(|diagnostic| {
            diagnostic.code != pipec::diagnostics::Code::POLICY || diagnostic.is_error()
        });
        assert!(
            checked.diagnostics.is_empty(),
            "snippet `{name}` expands to\n{text}\nwhich does not check cleanly:\n{}",
            support::rendered(&checked)
        );
    }
}

// ---------------------------------------------------------------------------
// The manifest

#[test]
fn the_manifest_contributes_what_the_extension_has() {
    let dir = extension_dir();
    let manifest = read_json(&dir.join("package.json"));
    let contributes = &manifest["contributes"];

    let language = &contributes["languages"][0];
    assert_eq!(language["id"], "pipe");
    assert_eq!(language["extensions"], serde_json::json!([".pipe"]));
    assert!(
        manifest["activationEvents"]
            .as_array()
            .unwrap()
            .contains(&Value::from("onLanguage:pipe"))
    );

    let mut scopes = BTreeSet::new();
    for grammar in contributes["grammars"].as_array().unwrap() {
        let path = dir.join(grammar["path"].as_str().unwrap());
        let scope = read_json(&path)["scopeName"].clone();
        assert_eq!(grammar["scopeName"], scope, "{}", path.display());
        scopes.insert(scope.as_str().unwrap().to_string());
    }
    assert!(scopes.contains("source.pipe") && scopes.contains("markdown.pipe.codeblock"));
    let injection = contributes["grammars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|grammar| grammar["scopeName"] == "markdown.pipe.codeblock")
        .unwrap();
    assert_eq!(
        injection["injectTo"],
        serde_json::json!(["text.html.markdown"])
    );
    assert_eq!(
        injection["embeddedLanguages"]["meta.embedded.block.pipe"],
        "pipe"
    );
    for path in [
        language["configuration"].as_str().unwrap(),
        contributes["snippets"][0]["path"].as_str().unwrap(),
    ] {
        read_json(&dir.join(path));
    }

    let settings: BTreeSet<&str> = contributes["configuration"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        settings,
        BTreeSet::from([
            "pipec.path",
            "pipec.profile",
            "pipec.today",
            "pipec.trace.server"
        ])
    );
    assert_eq!(contributes["commands"][0]["command"], "pipec.restartServer");
    // The client reads each setting and registers the command by name.
    let client = std::fs::read_to_string(dir.join("src/extension.ts")).unwrap();
    for name in [
        "\"path\"",
        "\"today\"",
        "\"profile\"",
        "\"pipec.restartServer\"",
    ] {
        assert!(client.contains(name), "src/extension.ts never uses {name}");
    }
    // The trace setting is `<client id>.trace.server`.
    assert!(client.contains("new LanguageClient(\"pipec\""));

    // What vsce needs, and the project's licence.
    assert_eq!(manifest["license"], "Apache-2.0");
    assert!(manifest["publisher"].is_string() && manifest["engines"]["vscode"].is_string());

    // Every dependency is pinned to one version, and the lock file agrees.
    let lock = read_json(&dir.join("package-lock.json"));
    for section in ["dependencies", "devDependencies"] {
        for (name, version) in manifest[section].as_object().unwrap() {
            let version = version.as_str().unwrap();
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name} {version} is not pinned"
            );
            assert_eq!(
                lock["packages"][format!("node_modules/{name}")]["version"],
                version,
                "package-lock.json disagrees on {name}"
            );
        }
    }
    // @types/vscode may not be newer than the editors the extension accepts.
    let engine = manifest["engines"]["vscode"].as_str().unwrap();
    let types = manifest["devDependencies"]["@types/vscode"]
        .as_str()
        .unwrap();
    assert_eq!(engine.trim_start_matches('^'), types);
}

// ---------------------------------------------------------------------------
// Build and package

/// The names of the files in a zip archive, from its central directory.
fn zip_entries(bytes: &[u8]) -> Vec<String> {
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
    let u32_at = |at: usize| {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
    };
    let end = (0..bytes.len() - 21)
        .rev()
        .find(|&at| bytes[at..at + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("not a zip archive");
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16);
    let mut names = Vec::new();
    for _ in 0..count {
        assert_eq!(bytes[at..at + 4], [0x50, 0x4b, 0x01, 0x02]);
        let name_len = u16_at(at + 28);
        let extra_len = u16_at(at + 30);
        let comment_len = u16_at(at + 32);
        names.push(String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap());
        at += 46 + name_len + extra_len + comment_len;
    }
    names
}

#[test]
fn the_extension_type_checks_bundles_and_packages() {
    let Some(modules) = node_modules("packaging the VS Code extension") else {
        return;
    };
    // `target/vscode/`, beside the Rust build outputs.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let out_dir = target.join("vscode");
    std::fs::create_dir_all(&out_dir).unwrap();
    let manifest = read_json(&extension_dir().join("package.json"));
    let vsix = out_dir.join(format!(
        "{}-{}.vsix",
        manifest["name"].as_str().unwrap(),
        manifest["version"].as_str().unwrap()
    ));
    let _ = std::fs::remove_file(&vsix);
    // `vsce package` runs `vscode:prepublish`: `tsc --noEmit`, then esbuild.
    let output = run_tool(
        &modules,
        "vsce",
        &[
            "package",
            "--no-dependencies",
            "--allow-missing-repository",
            "--skip-license",
            "--out",
            vsix.to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "vsce package failed: {}",
        describe(&output)
    );

    let entries: BTreeSet<String> = zip_entries(&std::fs::read(&vsix).unwrap())
        .into_iter()
        .collect();
    for wanted in [
        "extension.vsixmanifest",
        "extension/package.json",
        "extension/out/extension.js",
        "extension/language-configuration.json",
        "extension/snippets/pipe.json",
        "extension/syntaxes/pipe.tmLanguage.json",
        "extension/syntaxes/pipe.markdown.tmLanguage.json",
    ] {
        assert!(
            entries.contains(wanted),
            "{wanted} missing from {entries:?}"
        );
    }
    for entry in &entries {
        assert!(
            ![
                "extension/src/",
                "extension/test/",
                "extension/node_modules/"
            ]
            .iter()
            .any(|prefix| entry.starts_with(prefix)),
            "{entry} should not be packaged"
        );
    }
    // The bundle carries the language client and leaves `vscode` to the
    // editor.
    let bundle = std::fs::read_to_string(extension_dir().join("out/extension.js")).unwrap();
    assert!(bundle.contains("require(\"vscode\")"));
    assert!(!bundle.contains("require(\"vscode-languageclient"));
    assert!(bundle.contains("pipec.restartServer"));
    println!("packaged {}", vsix.display());
}

// ---------------------------------------------------------------------------
// The grammar

const MARKDOWN_HOST: &str = "test/grammar/markdown-host.tmLanguage.json";

fn grammar_test(modules: &Path, files: &[&str]) -> Output {
    let mut args = vec!["--config", "package.json", "-g", MARKDOWN_HOST];
    args.extend(files);
    run_tool(modules, "vscode-tmgrammar-test", &args)
}

#[test]
fn the_grammar_passes_its_assertions_and_fails_a_wrong_one() {
    let Some(modules) = node_modules("TextMate grammar assertions") else {
        return;
    };
    let dir = extension_dir().join("test/grammar");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".pipe") || name.ends_with(".md"))
        .map(|name| format!("test/grammar/{name}"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let output = grammar_test(&modules, &args);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for file in &files {
        assert!(
            stdout.contains(file.as_str()),
            "{file} was not run:\n{stdout}"
        );
    }

    // A duration asserted to be a string must fail, so the tool is known to
    // be able to fail.
    let wrong = scratch("wrong-assertion").join("wrong.pipe");
    std::fs::write(
        &wrong,
        "// SYNTAX TEST \"source.pipe\" \"a wrong assertion\"\nbake = 12h\n//     ^^^ string.quoted.double.pipe\n",
    )
    .unwrap();
    let output = grammar_test(&modules, &[wrong.to_str().unwrap()]);
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("constant.numeric.duration.pipe"),
        "{}",
        describe(&output)
    );
}

#[test]
fn the_language_configuration_keeps_names_whole_and_indents() {
    let Some(_) = node_modules("language configuration") else {
        return;
    };
    let output = Command::new("node")
        .args(["--test", "test/language-configuration.test.mjs"])
        .current_dir(extension_dir())
        .output()
        .expect("cannot run node");
    assert!(output.status.success(), "{}", describe(&output));
}

/// Every example, relative to the repository root, with the path of its
/// snapshot under `editors/vscode/test/snap/`.
fn examples_and_snapshots() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = support::pipe_files_below(&root.join("examples"));
    examples.sort();
    examples
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            let mut snap = extension_dir()
                .join("test/snap")
                .join(&relative)
                .into_os_string();
            snap.push(".snap");
            (relative, PathBuf::from(snap))
        })
        .collect()
}

/// Files below `dir` whose name ends in `.snap`.
fn snap_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            snap_files(&path, out);
        } else if path.to_string_lossy().ends_with(".snap") {
            out.push(path);
        }
    }
}

/// The examples are the inputs; their snapshots live under `editors/`.
/// `vscode-tmgrammar-snap` writes `FILE.snap` beside `FILE`, so each
/// example is tokenized from a scratch copy that has its committed snapshot
/// beside it, and updated snapshots are copied back.
#[test]
fn the_examples_tokenize_as_their_snapshots_record() {
    let Some(modules) = node_modules("TextMate grammar snapshots") else {
        return;
    };
    let update = std::env::var("PIPEC_UPDATE_GRAMMAR_SNAPSHOTS").as_deref() == Ok("1");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pairs = examples_and_snapshots();
    assert!(pairs.len() >= 10, "{pairs:?}");

    // No snapshot without its example, and no example without a snapshot.
    let expected: BTreeSet<PathBuf> = pairs.iter().map(|(_, snap)| snap.clone()).collect();
    let mut present = Vec::new();
    snap_files(&extension_dir().join("test/snap"), &mut present);
    let stale: Vec<&PathBuf> = present
        .iter()
        .filter(|snap| !expected.contains(*snap))
        .collect();
    assert!(stale.is_empty(), "snapshots of no example: {stale:?}");
    if !update {
        let missing: Vec<&PathBuf> = expected.iter().filter(|snap| !snap.exists()).collect();
        assert!(
            missing.is_empty(),
            "no snapshot for {missing:?}: run with PIPEC_UPDATE_GRAMMAR_SNAPSHOTS=1 and read them"
        );
    }

    let scratch = scratch("snap");
    for (example, snap) in &pairs {
        let copy = scratch.join(example);
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(root.join(example), &copy).unwrap();
        if !update {
            let mut beside = copy.into_os_string();
            beside.push(".snap");
            std::fs::copy(snap, beside).unwrap();
        }
    }
    let pattern = format!("{}/**/*.pipe", scratch.display());
    let config = extension_dir().join("package.json");
    let output = run_tool(
        &modules,
        "vscode-tmgrammar-snap",
        &["--config", config.to_str().unwrap(), &pattern],
    );
    assert!(
        output.status.success(),
        "the grammar tokenizes the examples differently from their snapshots \
         (PIPEC_UPDATE_GRAMMAR_SNAPSHOTS=1 rewrites them): {}",
        describe(&output)
    );
    if update {
        for (example, snap) in &pairs {
            let mut written = scratch.join(example).into_os_string();
            written.push(".snap");
            std::fs::create_dir_all(snap.parent().unwrap()).unwrap();
            std::fs::copy(written, snap).unwrap();
        }
    }
}
