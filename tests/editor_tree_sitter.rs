//! The tree-sitter grammar of editors/tree-sitter-pipe/ against the real
//! one, `grammar/pipe.pest`, and the editor queries built on it.
//!
//! `PIPEC_TREE_SITTER` names the tree-sitter CLI that scripts/test.sh
//! builds (pinned) into the user's cache directory. Without it the tests
//! that need the CLI say so and pass, except on CI (`CI=true`), where a
//! missing CLI must not pass unnoticed. The checks of the query copies need
//! no CLI and always run.
//!
//! Where the two grammars may differ, and why:
//!
//! - `VALUE_ERRORS`: values pest reads and pipec refuses after parsing
//!   (unknown escapes, malformed literals) parse cleanly here too;
//! - `DIFFERENCES`: nesting limits, which only pipec has, and a lone
//!   carriage return in a comment, which pipec refuses after reading it;
//! - a `#` line is an error for both (P0010); pipec then reads it as a
//!   comment, tree-sitter recovers around an `ERROR` node;
//! - a parser generated for ABI 14 (for Neovim before 0.11) has no reserved
//!   words and accepts `and`, `where` and the others as names; the
//!   committed ABI 15 parser, tested here, refuses them as pest does.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use pipec::diagnostics::Diagnostic;
use pipec::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const GRAMMAR_DIR: &str = "editors/tree-sitter-pipe";

/// Codes with which `pipec::syntax::parse_file` rejects text that does not
/// follow the grammar: the tree-sitter parse must hold an `ERROR` or a
/// `MISSING` node too.
const GRAMMAR_ERRORS: &[&str] = &["P0001", "P0002", "P0003", "P0004", "P0010"];

/// Codes of values the grammar reads and pipec checks after parsing, as a
/// tree-sitter grammar does not: the parse must be clean.
const VALUE_ERRORS: &[(&str, &str)] = &[
    (
        "P0005",
        "an unknown escape: pest reads `\\` and any character, and the lowering refuses it",
    ),
    (
        "P0006",
        "a malformed literal (`5y`, `2026-02-30`, `25:00`): pest reads the shape, the lowering checks the value",
    ),
];

/// Deliberate differences: pipec rejects, tree-sitter accepts. Each file
/// whose only syntax codes are these must parse cleanly with tree-sitter, so
/// that the difference is exactly the one written here.
const DIFFERENCES: &[(&str, &str)] = &[
    (
        "P0007",
        "nesting limits (64 brackets, 64 `not`s) bound pipec's stack; the grammar \
         has no limit, and an editor need not refuse a deep file",
    ),
    (
        LONE_CARRIAGE_RETURN,
        "a carriage return in a comment with text after it: both grammars read the \
         text as comment, and pipec then refuses it (`P0001`) so that no code is \
         hidden; the editor shows it as the comment it is",
    ),
];

/// How [`syntax_codes`] lists pipec's `P0001` for a lone carriage return
/// in a comment, which is no grammar error.
const LONE_CARRIAGE_RETURN: &str = "P0001 (lone carriage return in a comment)";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The tree-sitter CLI, or `None` (with a message) when it is not set up.
fn tree_sitter(test: &str) -> Option<PathBuf> {
    if let Some(program) = std::env::var_os("PIPEC_TREE_SITTER") {
        return Some(PathBuf::from(program));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "PIPEC_TREE_SITTER is unset on CI; ./scripts/test.sh builds the tree-sitter CLI and sets it"
    );
    processes::not_run(test, "PIPEC_TREE_SITTER unset");
    None
}

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("editor-tree-sitter-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the CLI in the grammar's directory, with a library directory of
/// its own under target/ (the compiled parser is cached there, never in the
/// user's home). The first call compiles the parser; the others wait for it,
/// so that parallel tests never compile it at the same time.
fn run(cli: &Path, args: &[&std::ffi::OsStr]) -> Output {
    static LIBDIR: OnceLock<PathBuf> = OnceLock::new();
    let libdir = LIBDIR.get_or_init(|| {
        let libdir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tree-sitter-lib");
        std::fs::create_dir_all(&libdir).unwrap();
        let warmup = scratch("warmup").join("empty.pipe");
        std::fs::write(&warmup, "").unwrap();
        let output = command(cli, &libdir)
            .args(["parse", "--quiet"])
            .arg(&warmup)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "tree-sitter could not build the parser:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        libdir
    });
    command(cli, libdir).args(args).output().unwrap()
}

fn command(cli: &Path, libdir: &Path) -> Command {
    let mut command = Command::new(cli);
    command
        .current_dir(root().join(GRAMMAR_DIR))
        .env("TREE_SITTER_LIBDIR", libdir)
        // No colour codes in what is compared.
        .env("NO_COLOR", "1");
    command
}

fn files_with_extension(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_with_extension(&path, extension, out);
        } else if path.extension().is_some_and(|ext| ext == extension) {
            out.push(path);
        }
    }
    out.sort();
}

/// The ```pipe blocks of a Markdown file, with the line each starts on
/// (the blocks tests/corpus.rs checks).
fn pipe_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (idx, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = fence.strip_prefix("```pipe") {
                    let info = info.trim();
                    if info.is_empty() || info.starts_with("file=") {
                        current = Some((idx + 1, String::new()));
                    }
                }
            }
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// Splits a `//- NAME.pipe` fixture into its files.
fn split_fixture(name: &str, text: &str) -> Vec<(String, String)> {
    if !text.starts_with("//- ") {
        return vec![(name.to_string(), text.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(file_name) = line.strip_prefix("//- ") {
            files.push((format!("{name}/{}", file_name.trim()), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
        }
    }
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every text the project holds as `.pipe`: examples, the standard
/// library, the blocks of the docs, the test cases and fixtures.
fn project_texts() -> Vec<(String, String)> {
    let mut texts = Vec::new();
    let mut files = Vec::new();
    files_with_extension(&root().join("examples"), "pipe", &mut files);
    files_with_extension(&root().join("tests/fixtures"), "pipe", &mut files);
    for path in files {
        texts.push((relative(&path), std::fs::read_to_string(&path).unwrap()));
    }
    for (name, text) in pipec::stdlib::MODULES {
        texts.push(((*name).to_string(), (*text).to_string()));
    }
    let mut docs = vec![root().join("README.md")];
    files_with_extension(&root().join("docs"), "md", &mut docs);
    for doc in docs {
        let markdown = std::fs::read_to_string(&doc).unwrap();
        for (line, text) in pipe_blocks(&markdown) {
            texts.push((format!("{}:{line}", relative(&doc)), text));
        }
    }
    let mut cases = Vec::new();
    files_with_extension(&root().join("tests/cases"), "pipe", &mut cases);
    for path in cases {
        let text = std::fs::read_to_string(&path).unwrap();
        texts.extend(split_fixture(&relative(&path), &text));
    }
    texts
}

/// Texts one edit away from an accepted one: the final `}` dropped, a value
/// doubled (`= =`), every prefix ending at a line break of the examples,
/// and the sample's files each without one of its lines. Whether pipec
/// accepts each is asked, not assumed.
fn mutants(texts: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, text) in texts {
        if let Some(end) = text.rfind('}') {
            let mut cut = text.clone();
            cut.remove(end);
            out.push((format!("{name} without its last `}}`"), cut));
        }
        if let Some(at) = text.find(" = ") {
            let mut doubled = text.clone();
            doubled.insert_str(at, " =");
            out.push((format!("{name} with `= =`"), doubled));
        }
        if name.starts_with("examples/") {
            for (at, _) in text.match_indices('\n') {
                out.push((format!("{name} up to byte {at}"), text[..at].to_string()));
            }
        }
        if name.starts_with("examples/sample/") {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            for skip in 0..lines.len() {
                let mut without = String::new();
                for (index, line) in lines.iter().enumerate() {
                    if index != skip {
                        without.push_str(line);
                    }
                }
                out.push((format!("{name} without line {}", skip + 1), without));
            }
        }
    }
    out
}

/// The syntax codes pipec reports for a text.
fn syntax_codes(text: &str) -> BTreeSet<String> {
    pipec::syntax::parse_file(text, FileId(0))
        .diagnostics
        .iter()
        .map(|diagnostic: &Diagnostic| {
            if diagnostic.message == "a carriage return in a comment ends no line" {
                LONE_CARRIAGE_RETURN.to_string()
            } else {
                diagnostic.code.as_str().to_string()
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// pipec accepts the text's syntax: no `ERROR`, no `MISSING`.
    Clean,
    /// pipec rejects it with a syntax error: at least one.
    Broken,
    /// A listed difference: pipec rejects, tree-sitter must accept.
    Difference,
}

fn expectation(codes: &BTreeSet<String>) -> Expect {
    for code in codes {
        let known = GRAMMAR_ERRORS.contains(&code.as_str())
            || VALUE_ERRORS.iter().any(|(value, _)| value == code)
            || DIFFERENCES.iter().any(|(difference, _)| difference == code);
        assert!(
            known,
            "parse_file reported {code}, which this test does not classify: add it to \
             GRAMMAR_ERRORS, VALUE_ERRORS or DIFFERENCES"
        );
    }
    if codes
        .iter()
        .any(|code| GRAMMAR_ERRORS.contains(&code.as_str()))
    {
        Expect::Broken
    } else if codes
        .iter()
        .any(|code| DIFFERENCES.iter().any(|(difference, _)| difference == code))
    {
        Expect::Difference
    } else {
        Expect::Clean
    }
}

/// Parses files with the CLI, many per run, and returns which of them hold
/// an `ERROR` or `MISSING` node. `tree-sitter parse --quiet` prints one line
/// for each such file, starting with its path.
fn files_with_errors(cli: &Path, paths: &[PathBuf]) -> BTreeSet<PathBuf> {
    let dir = scratch("paths");
    let mut broken = BTreeSet::new();
    for (batch, chunk) in paths.chunks(500).enumerate() {
        let list = dir.join(format!("batch-{batch}.txt"));
        let names: Vec<String> = chunk
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        std::fs::write(&list, names.join("\n")).unwrap();
        let output = run(
            cli,
            &[
                "parse".as_ref(),
                "--quiet".as_ref(),
                "--paths".as_ref(),
                list.as_os_str(),
            ],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stdout.lines() {
            let Some(path) = chunk
                .iter()
                .find(|path| line.starts_with(&path.display().to_string()))
            else {
                panic!("unexpected output of tree-sitter parse: {line}\n{stderr}");
            };
            assert!(
                line.contains("ERROR") || line.contains("MISSING"),
                "unexpected output of tree-sitter parse: {line}"
            );
            broken.insert(path.clone());
        }
        // The exit status agrees with the list.
        let any_broken = chunk.iter().any(|path| broken.contains(path));
        assert_eq!(
            output.status.success(),
            !any_broken,
            "tree-sitter parse: {}\n{stdout}{stderr}",
            output.status
        );
    }
    broken
}

#[test]
fn the_grammar_accepts_and_rejects_what_pipec_does() {
    let Some(cli) = tree_sitter("tree-sitter conformance") else {
        return;
    };
    let texts = project_texts();
    let accepted: Vec<(String, String)> = texts
        .iter()
        .filter(|(_, text)| syntax_codes(text).is_empty())
        .cloned()
        .collect();
    let mut all = texts.clone();
    all.extend(mutants(&accepted));

    let dir = scratch("conformance");
    let mut files = Vec::new();
    for (index, (name, text)) in all.iter().enumerate() {
        let path = dir.join(format!("{index:05}.pipe"));
        std::fs::write(&path, text).unwrap();
        let expect = expectation(&syntax_codes(text));
        files.push((path, name, expect));
    }
    let paths: Vec<PathBuf> = files.iter().map(|(path, _, _)| path.clone()).collect();
    let broken = files_with_errors(&cli, &paths);

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (path, name, expect) in &files {
        let has_errors = broken.contains(path);
        let (key, ok) = match expect {
            Expect::Clean => ("accepted", !has_errors),
            Expect::Broken => ("rejected", has_errors),
            Expect::Difference => ("listed differences", !has_errors),
        };
        *counts.entry(key).or_default() += 1;
        if !ok {
            wrong.push(format!(
                "{name} ({}): pipec {expect:?}, tree-sitter {}",
                path.display(),
                if has_errors {
                    "has errors"
                } else {
                    "parses cleanly"
                }
            ));
        }
    }
    println!(
        "tree-sitter conformance: {} texts ({} of the project's, {} edits of them): {counts:?}",
        files.len(),
        texts.len(),
        files.len() - texts.len()
    );
    assert!(
        wrong.is_empty(),
        "{} of {} texts parse differently:\n{}",
        wrong.len(),
        files.len(),
        wrong.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    // Every kind was seen: the project's own texts and the cases of syntax
    // errors, and each listed difference has a case.
    assert!(counts["accepted"] > 200, "{counts:?}");
    assert!(counts["rejected"] > 50, "{counts:?}");
    assert!(counts.contains_key("listed differences"), "{counts:?}");
}

// ---------------------------------------------------------------------------
// Queries. editors/tree-sitter-pipe/queries/ is the one source; Neovim's
// and Helix's layouts hold copies, checked here, so that a change made in
// one place only fails until the copies follow.

const QUERIES: &str = "editors/tree-sitter-pipe/queries";
const NEOVIM_QUERIES: &str = "editors/neovim/queries/pipe";
const HELIX_QUERIES: &str = "editors/helix/runtime/queries/pipe";

/// Capture names of the source highlights and Helix's names for them
/// (Helix's theme scopes differ from tree-sitter's common names).
const HELIX_CAPTURES: &[(&str, &str)] = &[
    ("boolean", "constant.builtin.boolean"),
    ("comment", "comment"),
    ("constant", "constant"),
    ("constant.builtin", "constant.builtin"),
    ("function", "function"),
    ("keyword", "keyword"),
    ("keyword.operator", "keyword.operator"),
    ("label", "label"),
    ("number", "constant.numeric"),
    ("operator", "operator"),
    ("property", "variable.other.member"),
    ("punctuation.bracket", "punctuation.bracket"),
    ("punctuation.delimiter", "punctuation.delimiter"),
    ("punctuation.special", "punctuation.special"),
    ("string", "string"),
    ("string.escape", "constant.character.escape"),
    ("type", "type"),
    ("type.builtin", "type.builtin"),
    ("variable", "variable"),
];

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path))
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// The `@name` captures of a query, `@_private` ones left out.
fn captures(query: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in query.lines() {
        let code = line.split(';').next().unwrap_or_default();
        for (at, _) in code.match_indices('@') {
            let name: String = code[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            if !name.starts_with('_') {
                names.insert(name);
            }
        }
    }
    names
}

/// The source highlights with Helix's capture names.
fn helix_highlights(source: &str) -> String {
    let mut out = String::new();
    for line in source.split_inclusive('\n') {
        if line.trim_start().starts_with(';') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..=at]);
            let after = &rest[at + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
                .unwrap_or(after.len());
            let name = &after[..len];
            let helix = HELIX_CAPTURES
                .iter()
                .find(|(common, _)| *common == name)
                .map_or(name, |(_, helix)| helix);
            out.push_str(helix);
            rest = &after[len..];
        }
        out.push_str(rest);
    }
    out
}

#[test]
fn neovim_queries_are_copies_of_the_grammars() {
    for name in ["highlights", "locals", "folds", "indents", "injections"] {
        assert_eq!(
            read(&format!("{NEOVIM_QUERIES}/{name}.scm")),
            read(&format!("{QUERIES}/{name}.scm")),
            "{NEOVIM_QUERIES}/{name}.scm differs from {QUERIES}/{name}.scm: copy it"
        );
    }
}

#[test]
fn helix_queries_follow_the_grammars() {
    let source = read(&format!("{QUERIES}/highlights.scm"));
    // Every capture of the source has a Helix name, so none is dropped.
    for capture in captures(&source) {
        assert!(
            HELIX_CAPTURES.iter().any(|(common, _)| *common == capture),
            "@{capture} has no Helix name in HELIX_CAPTURES"
        );
    }
    let expected = helix_highlights(&source);
    assert_eq!(
        read(&format!("{HELIX_QUERIES}/highlights.scm")),
        expected,
        "{HELIX_QUERIES}/highlights.scm is not {QUERIES}/highlights.scm with Helix's capture names"
    );
    // Helix names captures as these, and reads locals and injections as
    // tree-sitter does.
    for name in ["locals", "injections"] {
        assert_eq!(
            read(&format!("{HELIX_QUERIES}/{name}.scm")),
            read(&format!("{QUERIES}/{name}.scm")),
            "{HELIX_QUERIES}/{name}.scm differs from {QUERIES}/{name}.scm: copy it"
        );
    }
    assert_eq!(
        captures(&read(&format!("{HELIX_QUERIES}/indents.scm"))),
        BTreeSet::from(["indent".to_string(), "outdent".to_string()])
    );
}

#[test]
fn helix_language_entry() {
    let config: toml::Table = read("editors/helix/languages.toml").parse().unwrap();
    let language = &config["language"].as_array().unwrap()[0];
    assert_eq!(language["name"].as_str(), Some("pipe"));
    assert_eq!(language["scope"].as_str(), Some("source.pipe"));
    assert_eq!(
        language["file-types"],
        toml::Value::Array(vec!["pipe".into()])
    );
    assert_eq!(
        language["roots"],
        toml::Value::Array(vec!["pipec.toml".into()])
    );
    assert_eq!(language["comment-token"].as_str(), Some("//"));
    assert_eq!(language["grammar"].as_str(), Some("pipe"));
    let servers = language["language-servers"].as_array().unwrap();
    assert_eq!(servers, &vec![toml::Value::from("pipec")]);
    let server = &config["language-server"]["pipec"];
    assert_eq!(server["command"].as_str(), Some("pipec"));
    assert_eq!(server["args"], toml::Value::Array(vec!["lsp".into()]));
    let grammar = &config["grammar"].as_array().unwrap()[0];
    assert_eq!(grammar["name"].as_str(), Some("pipe"));
    assert_eq!(
        grammar["source"]["subpath"].as_str(),
        Some("editors/tree-sitter-pipe")
    );
    // The grammar it names is where the parser is, sources committed.
    assert!(
        root()
            .join("editors/tree-sitter-pipe/src/parser.c")
            .is_file()
    );
}

/// The sample workspace's files, relative to the repository.
fn sample_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_with_extension(&root().join("examples/sample"), "pipe", &mut files);
    assert!(files.len() >= 3, "{files:?}");
    files
}

/// `tree-sitter query --captures` of a query over the sample: the CLI
/// refuses a query naming a node type, field or token the grammar does not
/// have, so this also proves every query's names.
fn query_captures(cli: &Path, query: &str) -> String {
    let mut args: Vec<std::ffi::OsString> = vec![
        "query".into(),
        "--captures".into(),
        root().join(query).into_os_string(),
    ];
    args.extend(sample_files().into_iter().map(PathBuf::into_os_string));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|arg| arg.as_os_str()).collect();
    let output = run(cli, &refs);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && !stdout.is_empty(),
        "tree-sitter query {query}: {}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.replace(&format!("{}/", root().display()), "")
}

#[test]
fn every_query_is_valid_for_the_grammar() {
    let Some(cli) = tree_sitter("tree-sitter queries") else {
        return;
    };
    for dir in [QUERIES, HELIX_QUERIES] {
        let mut queries = Vec::new();
        files_with_extension(&root().join(dir), "scm", &mut queries);
        assert!(!queries.is_empty(), "{dir}");
        for query in queries {
            let output = query_captures(&cli, &relative(&query));
            // Folds and indents capture on the sample; locals define names.
            let name = query.file_stem().unwrap().to_string_lossy().to_string();
            let wanted = match name.as_str() {
                "highlights" => " - keyword,",
                "locals" => " - local.definition,",
                "folds" => " - fold,",
                "indents" => " - indent",
                "injections" => " - injection.content,",
                other => panic!("unexpected query {other}"),
            };
            assert!(
                output.contains(wanted),
                "{dir}/{name}.scm: no {wanted}:\n{output}"
            );
        }
    }
}

#[test]
fn highlights_of_the_sample() {
    let Some(cli) = tree_sitter("tree-sitter highlights") else {
        return;
    };
    let output = query_captures(&cli, &format!("{QUERIES}/highlights.scm"));
    insta::assert_snapshot!(output);
}

/// Editors disagree on which of two patterns capturing one node wins, so
/// the highlights give each node at most one capture: over every `.pipe`
/// file of the repository, no span is captured under two names (a region
/// removed by `remove region me-south-1` was once both a label and a
/// constant).
#[test]
fn highlights_give_each_node_at_most_one_capture() {
    let Some(cli) = tree_sitter("tree-sitter highlight conflicts") else {
        return;
    };
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/cases"] {
        files_with_extension(&root().join(dir), "pipe", &mut files);
    }
    let mut args: Vec<std::ffi::OsString> = vec![
        "query".into(),
        "--captures".into(),
        root().join(QUERIES).join("highlights.scm").into_os_string(),
    ];
    args.extend(files.into_iter().map(PathBuf::into_os_string));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|arg| arg.as_os_str()).collect();
    let output = run(&cli, &refs);
    assert!(
        output.status.success(),
        "tree-sitter query: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `FILE` lines, then `  pattern: P, capture: C - NAME, start: (R, C),
    // end: (R, C), text: ...` for each capture.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut file = "";
    let mut names: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for line in stdout.lines() {
        if !line.starts_with(' ') {
            file = line.trim();
            continue;
        }
        let Some((_, capture)) = line
            .trim_start()
            .strip_prefix("pattern:")
            .and_then(|capture| capture.split_once(" - "))
        else {
            // The rest of a capture's text that spans lines.
            continue;
        };
        let (name, rest) = capture.split_once(", ").unwrap();
        let span = rest.split(", text:").next().unwrap();
        names.entry((file, span)).or_default().insert(name);
    }
    assert!(names.len() > 1000, "too few captures:\n{stdout}");
    let twice: Vec<String> = names
        .iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|((file, span), names)| format!("{file} {span}: {names:?}"))
        .collect();
    assert!(
        twice.is_empty(),
        "nodes with two captures in {QUERIES}/highlights.scm:\n{}",
        twice.join("\n")
    );
}

#[test]
fn the_grammars_own_tests_pass() {
    let Some(cli) = tree_sitter("tree-sitter test") else {
        return;
    };
    let output = run(&cli, &["test".as_ref()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tree-sitter test failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every construct of docs/language.md has its corpus case.
    assert!(stdout.matches('✓').count() >= 20, "{stdout}");
}

/// `tree-sitter highlight` of every sample file, as HTML whose classes are
/// the highlight names: what an editor reading `highlights.scm` colours,
/// snapshotted so that a change to the query or the grammar is seen. The
/// theme given to the CLI names every capture of the query (a name missing
/// from the theme would not be shown).
#[test]
fn tree_sitter_highlight_of_the_sample() {
    let Some(cli) = tree_sitter("tree-sitter highlight") else {
        return;
    };
    let query = read(&format!("{QUERIES}/highlights.scm"));
    let theme: serde_json::Map<String, serde_json::Value> = captures(&query)
        .into_iter()
        .map(|name| (name, serde_json::Value::from("#000000")))
        .collect();
    let dir = std::env::temp_dir().join(format!("pipec-ts-highlight-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        serde_json::json!({ "parser-directories": [], "theme": theme }).to_string(),
    )
    .unwrap();
    let mut shown = String::new();
    for file in sample_files() {
        let args: Vec<&std::ffi::OsStr> = vec![
            "highlight".as_ref(),
            "--grammar-path".as_ref(),
            ".".as_ref(),
            "--config-path".as_ref(),
            config.as_os_str(),
            "--html".as_ref(),
            "--layout".as_ref(),
            "fragment".as_ref(),
            "--style".as_ref(),
            "minimal".as_ref(),
            file.as_os_str(),
        ];
        let output = run(&cli, &args);
        let html = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && html.contains("<span class='keyword'>"),
            "tree-sitter highlight {}: {}\n{html}{}",
            file.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        shown.push_str(&format!("== {} ==\n{html}\n", relative(&file)));
    }
    let _ = std::fs::remove_dir_all(&dir);
    insta::assert_snapshot!(shown);
}
