//! The direct reader against pest, on every `.pipe` file of the
//! repository and on broken copies of them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::source::FileId;
use crate::syntax::{Reader, parse_file_with, scan};
use std::path::{Path, PathBuf};

/// Every `.pipe` file of the repository: examples, the standard
/// library, the test cases and fixtures, the editors' samples.
fn corpus() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, into: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, into);
            } else if path.extension().is_some_and(|ext| ext == "pipe") {
                let text = std::fs::read_to_string(&path).unwrap();
                into.push((path, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests", "editors", "src"] {
        walk(&root.join(dir), &mut files);
    }
    assert!(files.len() > 150, "only {} files found", files.len());
    files
}

/// Both readers' whole result: items, comments, broken names and
/// diagnostics.
fn both(text: &str) -> (String, String) {
    let direct = parse_file_with(text, FileId(0), Reader::Direct);
    let pest = parse_file_with(text, FileId(0), Reader::Pest);
    (format!("{direct:#?}"), format!("{pest:#?}"))
}

fn first_difference(a: &str, b: &str) -> String {
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(0);
    let around = |text: &str| {
        text.lines()
            .skip(line.saturating_sub(8))
            .take(12)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("direct:\n{}\n\npest:\n{}", around(a), around(b))
}

#[test]
fn both_readers_build_the_same_tree_for_every_file() {
    for (path, text) in corpus() {
        let (direct, pest) = both(&text);
        assert!(
            direct == pest,
            "{}: the readers differ\n{}",
            path.display(),
            first_difference(&direct, &pest)
        );
    }
}

/// The direct reader must not give up on what it is for: every
/// declaration of a file that has no syntax problem.
#[test]
fn the_direct_reader_reads_every_declaration_that_pest_reads_cleanly() {
    let mut read = 0;
    for (path, text) in corpus() {
        let scanned = scan::scan(&text);
        for chunk in scanned.chunks.iter().filter(|chunk| chunk.has_tokens) {
            let chunk_text = &text[chunk.span.start()..chunk.span.end()];
            let clean = chunk.problems.is_empty()
                && chunk.hash_comments.is_empty()
                && parse_file_with(chunk_text, FileId(0), Reader::Pest)
                    .diagnostics
                    .is_empty();
            if !clean {
                continue;
            }
            assert!(
                super::item_entry(chunk_text, chunk.span.start()).is_some(),
                "{}: the direct reader gave up on\n{chunk_text}",
                path.display()
            );
            read += 1;
        }
    }
    assert!(read > 500, "only {read} declarations read");
}

/// A small deterministic generator (xorshift), so that a failure
/// names a mutant that can be made again.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// `text` with one small change: a piece deleted, doubled or
    /// replaced, or a token put in.
    fn mutate(&mut self, text: &str) -> String {
        const TOKENS: &[&str] = &[
            " ",
            "\n",
            "\t",
            "\r\n",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ",",
            ";",
            ":",
            ".",
            "..",
            "=",
            "==",
            "!=",
            "+=",
            "-=",
            "<=",
            "-",
            "_",
            "%",
            "\"",
            "\\",
            "\\q",
            "${",
            "${a.b}",
            "$",
            "//",
            "// c\n",
            "#",
            "\u{FEFF}",
            "\0",
            "é",
            "not ",
            "not not ",
            "and",
            "or",
            "in",
            "where",
            "take 2",
            "union",
            "minus",
            "rest",
            "true",
            "overridable",
            "because",
            "extends",
            "abstract ",
            "final ",
            "new ",
            "on",
            "for",
            "profile",
            "mon",
            "fri..sat",
            "09:00",
            "9:00..17:30",
            "25:00",
            "2026-02-29",
            "2026-01-01..2026-01-02",
            "1h30m",
            "2.5%",
            "1.5h",
            "10_000",
            "1_",
            "7x",
            "24h",
            "onebox",
            "wave w {}",
            "stage s {}",
            "x = 1",
            "a.b.c",
            "f(x: 1, 2,)",
            "[a, b,]",
            "\"s ${x} t\\n\"",
        ];
        let at = self.boundary(text);
        let end = {
            let mut end = (at + 1 + self.below(12)).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            end
        };
        let mut out = String::with_capacity(text.len() + 16);
        match self.below(4) {
            0 => {
                out.push_str(&text[..at]);
                out.push_str(&text[end..]);
            }
            1 => {
                out.push_str(&text[..end]);
                out.push_str(&text[at..]);
            }
            2 => {
                out.push_str(&text[..at]);
                out.push_str(TOKENS[self.below(TOKENS.len())]);
                out.push_str(&text[end..]);
            }
            _ => {
                out.push_str(&text[..at]);
                out.push_str(TOKENS[self.below(TOKENS.len())]);
                out.push_str(&text[at..]);
            }
        }
        out
    }
}

#[test]
fn both_readers_agree_on_broken_copies_of_every_file() {
    let mut mutator = Mutator(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    let mut clean = 0;
    for (path, text) in corpus() {
        for round in 0..24 {
            let mut mutant = mutator.mutate(&text);
            // Some mutants get a second and third change.
            for _ in 0..round % 3 {
                mutant = mutator.mutate(&mutant);
            }
            let (direct, pest) = both(&mutant);
            if !pest.contains("Diagnostic {") {
                clean += 1;
            }
            assert!(
                direct == pest,
                "{} (mutant {round}): the readers differ on\n{mutant}\n{}",
                path.display(),
                first_difference(&direct, &pest)
            );
            compared += 1;
        }
    }
    assert!(compared > 3000);
    // Enough of them still parse for the direct reader's trees, and
    // not only its giving up, to be compared.
    assert!(
        clean > 500,
        "only {clean} of {compared} mutants parse cleanly"
    );
}
