//! No input makes the front end panic or overflow its stack: deep nesting,
//! bytes that are not UTF-8, random bytes, every prefix of real files, and
//! thousands of mutations of them. Each run happens on a thread with a
//! 2 MiB stack, the size of a test thread, so a recursion that only
//! survives on a big main-thread stack still fails here.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::diagnostics::Code;
use pipec::workspace::{self, Checked, Input};

const STACK: usize = 2 * 1024 * 1024;

fn check_bytes_on_small_stack(bytes: Vec<u8>) -> Checked {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            workspace::check_inputs(vec![Input {
                name: "input.pipe".to_string(),
                bytes,
            }])
        })
        .unwrap()
        .join()
        .expect("the checker panicked or overflowed")
}

fn codes(checked: &Checked) -> Vec<Code> {
    checked
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect()
}

#[test]
fn deep_brackets_are_a_diagnostic_not_a_crash() {
    for depth in [10_000, 100_000] {
        for (open, close) in [("[", "]"), ("(", ")"), ("{", "}")] {
            let text = format!(
                "alarm deep = {}x{}",
                open.repeat(depth),
                close.repeat(depth)
            );
            let checked = check_bytes_on_small_stack(text.into_bytes());
            assert_eq!(
                codes(&checked),
                vec![Code::NESTING_TOO_DEEP],
                "depth {depth} of {open}"
            );
            let label = checked.diagnostics[0].primary_label().unwrap();
            // The label sits on the first bracket past the limit.
            assert_eq!(label.span.start as usize, "alarm deep = ".len() + 64);
        }
    }
}

#[test]
fn unclosed_deep_brackets_are_reported_too() {
    let text = format!("template T {{ x = {}", "[".repeat(100_000));
    let checked = check_bytes_on_small_stack(text.into_bytes());
    assert_eq!(
        codes(&checked),
        vec![Code::UNCLOSED_DELIMITER, Code::NESTING_TOO_DEEP]
    );
}

#[test]
fn nesting_at_the_limit_still_parses() {
    // 64 levels in all: the alarm's 63 parentheses plus the template's brace.
    let text = format!(
        "template T {{ alarm a = {}ALARM(\"x\"){} }}",
        "(".repeat(62),
        ")".repeat(62)
    );
    let checked = check_bytes_on_small_stack(text.into_bytes());
    assert_eq!(
        codes(&checked),
        Vec::<Code>::new(),
        "{}",
        support::rendered(&checked)
    );
}

#[test]
fn long_chains_of_operators_do_not_recurse() {
    let nots = format!("alarm a = {}ALARM(\"x\")", "not ".repeat(100_000));
    let checked = check_bytes_on_small_stack(nots.into_bytes());
    assert_eq!(codes(&checked), vec![Code::NESTING_TOO_DEEP]);

    let ors = format!(
        "alarm a = ALARM(\"x\"){}",
        " or ALARM(\"y\")".repeat(50_000)
    );
    let checked = check_bytes_on_small_stack(ors.into_bytes());
    assert_eq!(codes(&checked), Vec::<Code>::new());

    let filters = format!(
        "alarm a = aws{}",
        " where traffic == low take 1".repeat(20_000)
    );
    let checked = check_bytes_on_small_stack(filters.into_bytes());
    assert_eq!(codes(&checked), Vec::<Code>::new());
}

/// Alarms that name alarms, each the one before (`a1 = a0`, `a2 = a1`,
/// ...): expanding one recurses once per level, so a long chain is one
/// `P0007` at the reference past the limit, not a stack overflow (nor a
/// walk of the whole chain from each of its alarms).
#[test]
fn long_chains_of_alarm_references_are_a_diagnostic_not_a_crash() {
    let chain = |length: usize| {
        let mut text = String::from("alarm a0 = ALARM(\"x\")\n");
        for index in 1..length {
            text.push_str(&format!("alarm a{index} = a{}\n", index - 1));
        }
        text
    };
    let check = |text: String| {
        std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || support::check_fixture("chain.pipe", &text))
            .unwrap()
            .join()
            .expect("the checker panicked or overflowed")
    };
    // From `a64` down to `a0` is 64 references: at the limit.
    let checked = check(chain(65));
    assert_eq!(codes(&checked), Vec::<Code>::new());
    for length in [66, 6_000] {
        let checked = check(chain(length));
        assert_eq!(codes(&checked), vec![Code::NESTING_TOO_DEEP], "{length}");
        let label = checked.diagnostics[0].primary_label().unwrap();
        // At `a0` in `alarm a1 = a0`, 65 references below `a65`.
        let text = chain(2);
        assert_eq!(label.span.start as usize, text.len() - "a0\n".len());
    }
}

/// Alarms that each wrap the one before in many `not`s, or in `not` and
/// `and` by turns, sixty deep: each is within the limits of one
/// declaration, but written out in full the last is far past CloudWatch's
/// 10,240 characters (`P0603`), or nests its operators more than 256 deep
/// (`P0007`), found without walking as deep as the chain: the walk once
/// overflowed the stack.
#[test]
fn deep_chains_of_negated_alarms_are_too_long_not_a_crash() {
    let chain = |wrap: &dyn Fn(String) -> String| {
        let mut text = String::from("alarm a0 = ALARM(\"x\")\n");
        for index in 1..=60 {
            text.push_str(&format!(
                "alarm a{index} = {}\n",
                wrap(format!("a{}", index - 1))
            ));
        }
        text
    };
    let nots = chain(&|inner| {
        let mut text = inner;
        for _ in 0..20 {
            text = format!("({}{text})", "not ".repeat(64));
        }
        text
    });
    let alternating = chain(&|inner| {
        let mut text = inner;
        for _ in 0..30 {
            text = format!("not (ALARM(\"y\") and {text})");
        }
        text
    });
    for (text, code) in [
        (nots, Code::ALARM_RULE_TOO_LONG),
        (alternating, Code::NESTING_TOO_DEEP),
    ] {
        let checked = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || support::check_fixture("chain.pipe", &text))
            .unwrap()
            .join()
            .expect("the checker panicked or overflowed");
        let found = codes(&checked);
        assert!(!found.is_empty(), "nothing reported");
        assert!(found.iter().all(|found| *found == code), "{found:?}");
    }
}

/// CloudWatch's limit on a rule is 10,240 characters, counted as the
/// rule is written out: `ALARM("x…") OR ALARM("y…")` of exactly the limit
/// is a rule, one character more is `P0603`, at the alarm's expression.
#[test]
fn an_alarm_rule_of_exactly_the_limit_is_a_rule() {
    let rule = |length: usize| {
        // Two `ALARM("…")` of 10 characters besides the name, and " OR ".
        let first = (length - 4) / 2;
        let second = length - 4 - first;
        let name = |character: &str, width: usize| character.repeat(width - 9);
        let text = format!(
            "ALARM(\"{}\") or ALARM(\"{}\")",
            name("x", first),
            name("y", second)
        );
        assert_eq!(text.len(), length);
        format!("alarm combined = {text}\n")
    };
    let checked = support::check_fixture("rule.pipe", &rule(10_240));
    assert_eq!(codes(&checked), Vec::<Code>::new());
    let text = rule(10_241);
    let checked = support::check_fixture("rule.pipe", &text);
    assert_eq!(codes(&checked), vec![Code::ALARM_RULE_TOO_LONG]);
    let label = checked.diagnostics[0].primary_label().unwrap();
    assert_eq!(label.span.start as usize, "alarm combined = ".len());
}

#[test]
fn non_utf8_names_the_byte_offset() {
    let mut bytes = b"alarm a = ALARM(\"caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"\")\n");
    let checked = check_bytes_on_small_stack(bytes);
    assert_eq!(codes(&checked), vec![Code::NOT_UTF8]);
    let diagnostic = &checked.diagnostics[0];
    assert!(
        diagnostic.message.contains("offset 20"),
        "{}",
        diagnostic.message
    );
    assert_eq!(diagnostic.primary_label().unwrap().span.start, 20);
    // The rendering shows the line with the bad byte replaced.
    assert!(support::rendered(&checked).contains("ALARM(\"caf\u{FFFD}\")"));
}

#[test]
fn empty_and_comment_only_files_are_valid() {
    for text in ["", "\n\n", "// only a comment\n", "\u{FEFF}", ";;;"] {
        let checked = check_bytes_on_small_stack(text.as_bytes().to_vec());
        assert_eq!(codes(&checked), Vec::<Code>::new(), "{text:?}");
    }
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let mut text = "// padding\n".repeat(pipec::syntax::MAX_FILE_BYTES / 11 + 1);
    text.push_str("alarm a = ALARM(\"x\")\n");
    let checked = check_bytes_on_small_stack(text.into_bytes());
    assert_eq!(codes(&checked), vec![Code::FILE_TOO_LARGE]);
}

/// A NUL byte cannot be part of a command's argument or environment, so a
/// string holding one is an error where it is written (`P0011`), not a
/// failure when the runner spawns the command. Each NUL is reported once,
/// at its own byte, in commands and in every other string alike.
#[test]
fn a_nul_byte_in_a_string_is_an_error_at_the_byte() {
    let text = "template Service {\n  build bundle { run = \"make a\0b\" }\n}\nalarm a = ALARM(\"x\0y\0\")\n";
    let checked = check_bytes_on_small_stack(text.as_bytes().to_vec());
    let found: Vec<(&str, usize)> = checked
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let label = diagnostic.primary_label().unwrap();
            (diagnostic.code.as_str(), label.span.start as usize)
        })
        .collect();
    let nuls: Vec<usize> = text.match_indices('\0').map(|(at, _)| at).collect();
    assert_eq!(nuls.len(), 3);
    assert_eq!(
        found,
        nuls.iter().map(|&at| ("P0011", at)).collect::<Vec<_>>()
    );
    // The string without the NUL is fine.
    let clean = text.replace('\0', "");
    assert_eq!(
        codes(&check_bytes_on_small_stack(clean.into_bytes())),
        vec![]
    );
}

/// A small deterministic generator, so that failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/cases"] {
        collect(std::path::Path::new(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect()
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "pipe") {
            out.push(path);
        }
    }
}

/// Every input gives either no errors or at least one diagnostic with a
/// code and a label inside the file.
fn assert_well_formed(checked: &Checked, what: &str) {
    for diagnostic in &checked.diagnostics {
        let label = diagnostic
            .primary_label()
            .unwrap_or_else(|| panic!("{what}: diagnostic without a label"));
        let len = checked.sources.get(label.file).unwrap().text.len() as u32;
        assert!(
            label.span.start <= label.span.end && label.span.end <= len,
            "{what}: label out of bounds"
        );
    }
}

#[test]
fn every_prefix_of_real_files() {
    // The sample's org file and team template, and the stdlib calendar: cut
    // at every byte.
    let files: Vec<Vec<u8>> = [
        "examples/sample/org.pipe",
        "examples/sample/team/service.pipe",
        "stdlib/calendars.pipe",
    ]
    .iter()
    .map(|path| std::fs::read(path).unwrap())
    .collect();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            for bytes in &files {
                for cut in 0..=bytes.len() {
                    let checked = workspace::check_inputs(vec![Input {
                        name: "prefix.pipe".to_string(),
                        bytes: bytes[..cut].to_vec(),
                    }]);
                    assert_well_formed(&checked, "prefix");
                    // The whole file is valid; a cut inside it is not always.
                    if cut == bytes.len() {
                        assert!(!checked.has_errors(), "the uncut file must check cleanly");
                    }
                }
            }
        })
        .unwrap()
        .join()
        .expect("a prefix made the checker panic");
}

#[test]
fn thousands_of_mutations_and_random_bytes() {
    let files = corpus();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
            let interesting = b"{}[]()\"\\/:;,=.-%$\n \x00\xff\xc3";
            for round in 0..6_000 {
                let mut bytes = files[rng.below(files.len())].clone();
                match round % 4 {
                    0 => {
                        // Flip a few bytes.
                        for _ in 0..1 + rng.below(4) {
                            if !bytes.is_empty() {
                                let idx = rng.below(bytes.len());
                                bytes[idx] ^= 1 << rng.below(8);
                            }
                        }
                    }
                    1 => {
                        // Insert punctuation that the grammar cares about.
                        for _ in 0..1 + rng.below(4) {
                            let idx = rng.below(bytes.len() + 1);
                            bytes.insert(idx, interesting[rng.below(interesting.len())]);
                        }
                    }
                    2 => {
                        // Delete a range.
                        if !bytes.is_empty() {
                            let start = rng.below(bytes.len());
                            let end = (start + rng.below(64)).min(bytes.len());
                            bytes.drain(start..end);
                        }
                    }
                    _ => {
                        // Pure random bytes.
                        bytes = (0..rng.below(512)).map(|_| rng.next() as u8).collect();
                    }
                }
                let checked = workspace::check_inputs(vec![Input {
                    name: "mutant.pipe".to_string(),
                    bytes,
                }]);
                assert_well_formed(&checked, "mutant");
            }
        })
        .unwrap()
        .join()
        .expect("a mutation made the checker panic");
}

/// Formats `text` on a small stack; a file that parses must format
/// (never be refused as unsafe), and its formatting must be stable.
/// Returns whether it was formatted.
fn format_on_small_stack(text: String) -> bool {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let parses = pipec::syntax::parse_file(&text, pipec::source::FileId(0))
                .diagnostics
                .is_empty();
            match pipec::syntax::format::format(&text, pipec::source::FileId(0)) {
                Ok(once) => {
                    let twice = pipec::syntax::format::format(&once, pipec::source::FileId(0));
                    assert_eq!(twice.ok().as_ref(), Some(&once), "not idempotent:\n{text}");
                    true
                }
                Err(pipec::syntax::format::FormatError::Syntax(_)) => {
                    assert!(!parses, "a file that parses was refused:\n{text}");
                    false
                }
                Err(pipec::syntax::format::FormatError::Unsafe(reason)) => {
                    panic!("{reason}:\n{text}");
                }
            }
        })
        .unwrap()
        .join()
        .expect("the formatter panicked or overflowed")
}

#[test]
fn the_formatter_survives_deep_nesting_at_the_limits() {
    // The deepest nesting the parser accepts, written over many lines, so
    // that the layout follows every level.
    assert!(format_on_small_stack(format!(
        "template T {{ alarm a = {}ALARM(\"x\"){}\n}}",
        "not (\n".repeat(62),
        ")".repeat(62)
    )));
    assert!(format_on_small_stack(format!(
        "alarm a = {}ALARM(\"x\")",
        "not\n".repeat(64)
    )));
    assert!(format_on_small_stack(format!(
        "alarm a = ALARM(\"x\")\n{}",
        " or ALARM(\"y\")\n".repeat(20_000)
    )));
}

#[test]
fn the_formatter_survives_thousands_of_mutations() {
    let files: Vec<Vec<u8>> = corpus()
        .into_iter()
        .filter(|bytes| {
            std::str::from_utf8(bytes).is_ok_and(|text| {
                pipec::syntax::parse_file(text, pipec::source::FileId(0))
                    .diagnostics
                    .is_empty()
            })
        })
        .collect();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    // Whitespace, `;` and comments inserted next to existing whitespace
    // keep most files parsing, so the formatter meets them in every
    // position; `,` and `}` mostly break a file, which must then be refused.
    let inserts: [&[u8]; 9] = [
        b"\n", b" ", b";", b"\n\n", b"// c\n", b" // c\n", b"\t", b",", b"}",
    ];
    let mut mutants = Vec::new();
    for _ in 0..1_000 {
        let mut bytes = files[rng.below(files.len())].clone();
        for _ in 0..1 + rng.below(6) {
            let idx = rng.below(bytes.len() + 1);
            let idx = (idx..bytes.len())
                .find(|&at| bytes[at] == b' ' || bytes[at] == b'\n')
                .unwrap_or(bytes.len());
            let insert = inserts[rng.below(inserts.len())];
            bytes.splice(idx..idx, insert.iter().copied());
        }
        if let Ok(text) = String::from_utf8(bytes) {
            mutants.push(text);
        }
    }
    let count = mutants.len();
    let formatted = mutants
        .into_iter()
        .filter(|text| format_on_small_stack(text.clone()))
        .count();
    eprintln!("{formatted} of {count} mutants formatted, the others refused");
    // Both paths are exercised.
    assert!(
        formatted >= 200 && count - formatted >= 100,
        "{formatted} of {count}"
    );
}
