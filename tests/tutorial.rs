//! `docs/tutorial.md`, run from top to bottom: each ```console block's
//! commands run in a fresh directory (as a user would type them, with
//! `pipec` on `PATH`), and what each prints must be what the page shows;
//! each ```pipe tutorial=PATH block is written to PATH before the commands
//! after it; each ```pipe excerpt=PATH block must be a passage of PATH as
//! it stands at that point.
//!
//! In expected output, a line `...` stands for any number of lines. The
//! page's outputs were made on 2027-01-04, so `pipec` runs with `--today
//! 2027-01-04` here.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

const TODAY: &str = "2027-01-04";

enum Block {
    /// Commands, each with the output the page shows for it.
    Console(Vec<(String, Vec<String>)>),
    /// A file's new contents.
    File { path: String, text: String },
    /// A passage of a file.
    Excerpt { path: String, text: String },
}

fn blocks(markdown: &str) -> Vec<(usize, Block)> {
    let mut found = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, line)| line)
            .take_while(|line| !line.starts_with("```"))
            .collect();
        let text = body.iter().map(|line| format!("{line}\n")).collect();
        let block = if info == "console" {
            let mut commands: Vec<(String, Vec<String>)> = Vec::new();
            for line in body {
                match line.strip_prefix("$ ") {
                    Some(command) => commands.push((command.to_string(), Vec::new())),
                    None => commands
                        .last_mut()
                        .expect("output before the first command")
                        .1
                        .push(line.to_string()),
                }
            }
            Block::Console(commands)
        } else if let Some(path) = info.strip_prefix("pipe tutorial=") {
            Block::File {
                path: path.to_string(),
                text,
            }
        } else if let Some(path) = info.strip_prefix("pipe excerpt=") {
            Block::Excerpt {
                path: path.to_string(),
                text,
            }
        } else {
            continue;
        };
        found.push((number + 1, block));
    }
    found
}

/// Whether `actual` is what `expected` shows, `...` lines matching any
/// run of lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            actual.first().is_some_and(|line| line == first) && matches(rest, &actual[1..])
        }
    }
}

/// A directory on `PATH` whose `pipec` is the one under test, dated.
fn bin_dir(root: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("pipec");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' --today {TODAY} \"$@\"\n",
            env!("CARGO_BIN_EXE_pipec")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn the_tutorial_runs_as_written() {
    let markdown = std::fs::read_to_string("docs/tutorial.md").unwrap();
    let root = std::env::temp_dir().join(format!("pipec-tutorial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("work")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir(&root).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cwd = root.join("work");
    let mut commands_run = 0;
    for (line, block) in blocks(&markdown) {
        match block {
            Block::File { path, text } => std::fs::write(cwd.join(path), text).unwrap(),
            Block::Excerpt { path, text } => {
                let file = std::fs::read_to_string(cwd.join(&path)).unwrap();
                let trimmed = |text: &str| -> Vec<String> {
                    text.lines().map(|line| line.trim().to_string()).collect()
                };
                let (passage, whole) = (trimmed(&text), trimmed(&file));
                assert!(
                    whole.windows(passage.len()).any(|window| window == passage),
                    "docs/tutorial.md:{line}: the excerpt is not in {path}"
                );
            }
            Block::Console(commands) => {
                for (command, expected) in commands {
                    if let Some(dir) = command.strip_prefix("cd ") {
                        cwd = cwd.join(dir);
                        continue;
                    }
                    let output = Command::new("sh")
                        .arg("-c")
                        .arg(format!("{command} 2>&1"))
                        .current_dir(&cwd)
                        .env("PATH", &path)
                        .env("HOME", &root)
                        .env("GIT_AUTHOR_NAME", "Tutorial")
                        .env("GIT_AUTHOR_EMAIL", "tutorial@example.com")
                        .env("GIT_COMMITTER_NAME", "Tutorial")
                        .env("GIT_COMMITTER_EMAIL", "tutorial@example.com")
                        .env_remove("NO_COLOR")
                        .output()
                        .unwrap();
                    let text = String::from_utf8(output.stdout).unwrap();
                    let actual: Vec<&str> = text.lines().collect();
                    assert!(
                        output.status.success() || !expected.is_empty(),
                        "docs/tutorial.md:{line}: `{command}` failed:\n{text}"
                    );
                    assert!(
                        matches(&expected, &actual),
                        "docs/tutorial.md:{line}: `{command}` printed:\n{text}\nthe page shows:\n{}",
                        expected.join("\n")
                    );
                    commands_run += 1;
                }
            }
        }
    }
    assert!(commands_run >= 8, "only {commands_run} commands run");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn elided_lines_match_any_run_and_nothing_else() {
    let expected =
        |lines: &[&str]| -> Vec<String> { lines.iter().map(|l| l.to_string()).collect() };
    assert!(matches(
        &expected(&["a", "...", "d"]),
        &["a", "b", "c", "d"]
    ));
    assert!(matches(&expected(&["a", "...", "d"]), &["a", "d"]));
    assert!(!matches(&expected(&["a", "...", "d"]), &["a", "b", "c"]));
    assert!(!matches(&expected(&["a", "b"]), &["a", "b", "c"]));
    assert!(matches(&expected(&["a", "..."]), &["a", "b", "c"]));
}
