//! The Neovim package of editors/neovim/ in a real Neovim: the parser built
//! from editors/tree-sitter-pipe/, the filetype detection, the highlight
//! query and the start of `pipec lsp`, on the sample workspace.
//!
//! Runs when `PIPEC_NVIM` names Neovim (scripts/test.sh sets it; CI
//! installs Debian's 0.7.2) or `nvim` is on the PATH, and needs the
//! tree-sitter CLI of `PIPEC_TREE_SITTER` to generate a parser of the ABI
//! that Neovim reads; without them it says so and passes, except on CI.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use processes::{nvim, wait_bounded};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn on_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn checked(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {what}: {error}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Neovim 0.7 reads parsers of ABI 13 and 14 only, and the committed
/// src/parser.c is ABI 15: generate an ABI 14 copy from grammar.js into
/// `dir` and compile it, as nvim-treesitter would, into `dir/pipe.so`.
fn build_parser(cli: &Path, dir: &Path) -> PathBuf {
    let grammar = root().join("editors/tree-sitter-pipe");
    std::fs::copy(grammar.join("grammar.js"), dir.join("grammar.js")).unwrap();
    std::fs::copy(
        grammar.join("tree-sitter.json"),
        dir.join("tree-sitter.json"),
    )
    .unwrap();
    checked(
        Command::new(cli)
            .args(["generate", "--abi", "14"])
            .current_dir(dir),
        "tree-sitter generate --abi 14",
    );
    let parser_c = std::fs::read_to_string(dir.join("src/parser.c")).unwrap();
    assert!(
        parser_c.contains("#define LANGUAGE_VERSION 14"),
        "the copy for Neovim 0.7 must be ABI 14"
    );
    let library = dir.join("pipe.so");
    checked(
        Command::new("cc")
            .args(["-shared", "-fPIC", "-O1", "-I"])
            .arg(dir.join("src"))
            .arg(dir.join("src/parser.c"))
            .arg("-o")
            .arg(&library),
        "cc",
    );
    library
}

#[test]
fn neovim_highlights_the_sample_with_the_parser_and_queries() {
    let Some(nvim) = nvim() else {
        assert!(!on_ci(), "nvim is missing on CI");
        processes::not_run("Neovim tree-sitter", "no `nvim` on the PATH");
        return;
    };
    let Some(cli) = std::env::var_os("PIPEC_TREE_SITTER").map(PathBuf::from) else {
        assert!(!on_ci(), "PIPEC_TREE_SITTER is unset on CI");
        println!(
            "Neovim tree-sitter: skipped (PIPEC_TREE_SITTER unset; ./scripts/test.sh sets it)"
        );
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("editor-neovim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let library = build_parser(&cli, &dir);

    let sample = root().join("examples/sample/team/service.pipe");
    let text = std::fs::read_to_string(&sample).unwrap();
    // (what, line text to find, column in it) -> the capture expected.
    let probes: &[(&str, &str, &str)] = &[
        ("new stage beta {", "stage", "keyword"),
        ("new stage beta {", "new", "keyword"),
        ("new stage beta {", "beta", "label"),
        ("regions = [us-east-1, eu-west-1]", "us-east-1", "constant"),
        ("regions = [us-east-1, eu-west-1]", "regions", "property"),
        (
            "regions = [us-east-1, eu-west-1]",
            "[",
            "punctuation.bracket",
        ),
        ("onebox { bake = 30m }", "30m", "number"),
        ("onebox { bake = 30m }", "onebox", "keyword"),
        (
            "regions = aws where traffic == low take 1",
            "where",
            "keyword.operator",
        ),
        ("new build bundle from code", "\"make release\"", "string"),
        ("// Functional API tests", "Functional", "comment"),
    ];
    let mut positions = Vec::new();
    for (line_text, word, _) in probes {
        let (row, line) = text
            .lines()
            .enumerate()
            .find(|(_, line)| line.contains(line_text))
            .unwrap_or_else(|| panic!("the sample has no line with {line_text:?}"));
        let col = line.find(word).unwrap();
        positions.push((row, col));
    }
    let probe_arg: Vec<String> = positions
        .iter()
        .map(|(row, col)| format!("{row}:{col}"))
        .collect();

    let out = dir.join("report.json");
    let child = Command::new(&nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            root().join("tests/editor_neovim/highlight.lua").display()
        ))
        .arg(&sample)
        .env("PIPEC_BIN", env!("CARGO_BIN_EXE_pipec"))
        .env("PIPEC_REPOSITORY", root())
        .env("PIPEC_NVIM_PARSER", &library)
        .env("PIPEC_NVIM_RUNTIME", root().join("editors/neovim"))
        .env("PIPEC_NVIM_PROBES", probe_arg.join(","))
        .env("PIPEC_NVIM_OUT", &out)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_bounded(child, Duration::from_secs(120), "nvim");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&out)
            .unwrap_or_else(|error| panic!("nvim ({status}) wrote no report: {error}")),
    )
    .unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["filetype"], "pipe", "ftdetect/pipe.lua: {report:#}");
    assert_eq!(report["root"], "source_file", "{report:#}");
    assert_eq!(report["has_error"], false, "{report:#}");
    assert_eq!(report["query_loaded"], true, "{report:#}");
    assert_eq!(report["highlighter_active"], true, "{report:#}");
    // lua/pipec/init.lua started `pipec lsp`, rooted at the sample's
    // pipec.toml.
    assert_eq!(report["lsp_attached"], true, "{report:#}");
    assert_eq!(
        report["lsp_root"].as_str().map(Path::new),
        Some(root().join("examples/sample").as_path()),
        "{report:#}"
    );
    // What nvim-treesitter is told: build src/parser.c of the grammar's
    // directory in this repository, both of which exist.
    let install = &report["parser_config"]["install_info"];
    assert_eq!(
        install["url"].as_str().map(Path::new),
        Some(root()),
        "{report:#}"
    );
    let location = install["location"].as_str().unwrap();
    assert_eq!(location, "editors/tree-sitter-pipe");
    let files = install["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{report:#}");
    assert!(
        root()
            .join(location)
            .join(files[0].as_str().unwrap())
            .is_file()
    );
    assert_eq!(report["parser_config"]["filetype"], "pipe", "{report:#}");
    for ((_, word, capture), probe) in probes.iter().zip(&probe_arg) {
        let seen = &report["probes"][probe.as_str()];
        assert_eq!(
            seen["capture"], *capture,
            "{word:?} at {probe}: {seen} in {report:#}"
        );
        assert!(
            seen["text"]
                .as_str()
                .unwrap_or_default()
                .contains(word.trim_matches('"')),
            "{word:?} at {probe}: {seen}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// With an nvim-treesitter that has no `get_parser_configs` (the rewrite
/// on its `main` branch), `setup({ parser_url = ... })` says it cannot
/// register the parser and still starts `pipec lsp`: it used to stop at
/// calling the missing function, before the server's autocommand.
#[test]
fn neovim_setup_starts_the_server_beside_an_nvim_treesitter_it_cannot_tell() {
    let Some(nvim) = nvim() else {
        assert!(!on_ci(), "nvim is missing on CI");
        processes::not_run("Neovim setup", "no `nvim` on the PATH");
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("editor-neovim-main-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.json");
    let child = Command::new(&nvim)
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            root()
                .join("tests/editor_neovim/treesitter_main.lua")
                .display()
        ))
        .arg(root().join("examples/sample/team/service.pipe"))
        .env("PIPEC_BIN", env!("CARGO_BIN_EXE_pipec"))
        .env("PIPEC_REPOSITORY", root())
        .env("PIPEC_NVIM_RUNTIME", root().join("editors/neovim"))
        .env("PIPEC_NVIM_OUT", &out)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_bounded(child, Duration::from_secs(120), "nvim");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&out)
            .unwrap_or_else(|error| panic!("nvim ({status}) wrote no report: {error}")),
    )
    .unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["setup_ok"], true, "{report:#}");
    assert_eq!(report["filetype"], "pipe", "{report:#}");
    assert_eq!(report["lsp_attached"], true, "{report:#}");
    let messages = report["messages"].as_array().unwrap();
    assert!(
        messages.iter().any(|message| message["message"]
            .as_str()
            .unwrap_or_default()
            .contains("get_parser_configs")),
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
