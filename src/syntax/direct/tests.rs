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

/// Hand-written declarations that parse cleanly, one per text, each
/// aimed at a corner of the grammar where a hand-written reader could
/// choose differently from pest: ordered choices, greedy repetitions,
/// keywords against names, atomic tokens, optional parts and the spans
/// that end before them, string pieces, and what counts as whitespace.
const TRICKY_VALID: &[&str] = &[
    // Imports, strings and their pieces.
    "import \"std/aws\"",
    "import \"std/aws\" as aws",
    "import\"x\"as y",
    "import \"x\";;",
    "import \"x\" ; ;",
    "import \"a\\\"b\\\\c\\n\\t\\$d\"",
    "import \"${a}${b.c}d${e-f}${_g.h-1}\"",
    "import \"h\u{e9}llo \u{2713} ${x} w\u{f6}rld\"",
    "import \"$ $${x} {} $}\"",
    "import \"\\${x}\"",
    "import \"a\r\tb\"",
    "import \"\"",
    "import \"${a}}\"",
    "import \"${a.rest.not-x}\"",
    "import \"//not a comment\" // a comment",
    "import \"x\" as y // c\r\n",
    "\u{FEFF}import \"x\"",
    "// a header  \n\nimport \"x\"",
    // Alarms and the expression chain.
    "alarm a",
    "alarm a;",
    "alarm a = ALARM(\"x\")",
    "alarm a = ALARM(\"x\") or ALARM(\"y\") and not ALARM(\"z\")",
    "alarm a = a or b or c and d and e",
    "alarm a = not not a",
    "alarm a=not(x)or(y)and[z]",
    "alarm a = b.not-x.in_y",
    "template// c\nT {}",
    "alarm a = not (a or b)",
    "alarm a = (a or b) and (c)",
    "alarm a = ((a))",
    "alarm a = not // c\n not a",
    "alarm a = a // c\n or b // d\n and c",
    "alarm a = f (x)",
    "alarm a = f // c\n (x)",
    "template T { x = a\n (b) }",
    "alarm a = a.b.c(d.e, f: g, h: [1, 2,],)",
    "alarm a = f()",
    "alarm a = f(in_x: 1, mon: 2, rest: 3)",
    // Names that start like reserved words or keywords.
    "alarm and-x = or-y",
    "alarm a = not-x",
    "alarm a = in_x or inx or andy or intersects or notx or true-x or false_",
    "alarm a = rest",
    "alarm a = rest(x)",
    "alarm rest = rest union rest",
    "alarm a = true",
    "alarm a = false or true",
    "alarm a = monday or mon-x or Mon or sun_",
    "alarm a = [ ]",
    "alarm a = [a,]",
    "alarm a = [[a], [], [b, c,],]",
    "alarm a = a union b minus c intersect d",
    "alarm a = (a union b) minus c",
    // Windows: weekday slots, times, dates.
    "window w { zone = \"UTC\"; allow = [mon..fri 09:00..17:00, sat 9:00..12:00, sun] }",
    "window w { allow = [mon .. fri // c\n 09:00 .. 17:30] }",
    "window w { allow = mon..sun; deny = 00:00..24:00 }",
    "window w { t = 9:05; d = 2026-02-28; r = 2026-01-01 .. 2026-12-31 }",
    "window w { x = [wed, thu 08:00..09:00, fri..sat 1:00..2:00] }",
    "window w { x = 12:00 y = 2028-02-29 z = 2000-02-29 }",
    "window w { x = mon\n 09:00..10:00; y = 2026-01-01 // c\n .. 2026-01-02 }",
    // Calendars, registries, policies.
    "calendar c { holiday 2026-12-25 \"Christmas\"; holiday 2026-12-21..2027-01-04 \"Freeze\"; include other.cal }",
    "calendar c { holiday 2028-02-29 \"leap\" holiday 2026-12-21 .. 2027-01-04 \"y\" }",
    "registry r extends base.aws { region us-east-1 { traffic = high; azs = [use1-az1, use1-az2] }; region eu-west-1 }",
    "registry r { region r }",
    "policy p { deny onebox-first, signed-artifacts; warn x; allow y }",
    "policy p { exempt orders.api from onebox-first { reason = \"x\"; expires = 2027-03-31 } }",
    "policy p { under emergency { warn first-wave-bake; reason = \"x\" }; floor bake = 30m }",
    // Fields, types and modifiers.
    "template T { service : string; abstract platform: platform; bake : duration = 1h }",
    "template T { regions: [[region]] = []; r : [ [ region ] ] }",
    "template T extends Base { final new x = 1; abstract alarm a; new alarm b = c }",
    "template T { abstract final new x: int }",
    "template T { x = 1 y += [a] z -= [b] }",
    "template T { x-=1; y+=2; z=3 }",
    "template T { x = 5 _x = 2 }",
    "template T { x = 5%x = 2; y = \"a\"z = 3; w = [a]v = 4 }",
    "template T { _ = 1; __ = 2; _-_ = 3; a-1-b = 4 }",
    "template T { abstract-x = 1; final_y = 2; new-z = 3 }",
    "template T { stage = 1; stage: int; test = x; wave: w; window = w; block = b }",
    "template T { a = 5_000 b = 1_0% c = 2.5% d = 0.25% e = 1w2d3h4m5s f = 9007199254740992 }",
    "template T { a = 0 b = 00:00 c = 24:00 d = 1_000_000% e = 1000000.00% }",
    "template T { a = 1h30m; b = 30s; c = 2d; d = 1w; e = 3_0m }",
    // `onebox`: a member unless a field's `=`, `+=`, `-=` or `:` follows.
    "template T { onebox; onebox { traffic <= 10% } }",
    "template T { onebox // c\n { traffic <= 1% } }",
    "template T { onebox = 1; onebox: bool; onebox += [x]; onebox -= [y] }",
    "template T { onebox }",
    // Members that start with a keyword.
    "template T { source code = git(\"orders-api\", branch: \"mainline\") { require review } }",
    "template T { source code = git(\"x\") }",
    "template T { build bundle from code, other.x { run = \"make release\"; sign = true } build b }",
    "template T { build b from c }",
    "template T { stage beta { deploy bundle, other { } test smoke; test t { } } }",
    "template T { production { wave first { regions = rest; by az { bake = 1h }; bake = 12h } wave rest { } } }",
    "template T { profile emergency { bake scale 25% } }",
    "template T { rollback on high_severity or aws.large_scale_event }",
    "template T { block on a overridable, b, not c overridable }",
    "template T { block artifacts containing package \"libjson@2.3.1\" overridable; block artifacts containing git \"x\" }",
    "template T { window business_hours; window w overridable; window e for profile emergency }",
    "template T { window w overridable for profile p; window { zone = \"UTC\" } }",
    "template T { window w\n for = 1 }",
    "template T { require review; require approval(\"release-manager\") }",
    "template T { wait for 100 requests(\"CreateApi\"); wait for 3_000 x }",
    "template T { exclude [me-south-1] because \"not launched\" }",
    "template T { exclude aws where geo == eu take 2 because \"x\" }",
    "template T { remove stage zeta; remove wave w; remove test t; remove alarm a }",
    "template T { remove source s; remove build b; remove profile p; remove region r }",
    "template T { env DEPLOY_TOKEN = secret(\"DEPLOY_TOKEN\"); env LOG = \"debug\" }",
    "template T { x = rolling(batch: 33%, min_healthy: 66%) }",
    "template T { region r; by az; test t; deploy a.b, c }",
    // Region sets and filter conditions.
    "template T { regions = aws where traffic == low take 1 }",
    "template T { r = (aws where geo in [eu, na]) minus [eu-west-1] union rest intersect x }",
    "template T { r = aws where not (a == b or c != d) and not not e in [x, y] take 2 where f }",
    "template T { r = aws where (a) }",
    "template T { r = aws where ((a == b)) }",
    "template T { r = a where b == 2026-01-01 and c == mon..fri and d == \"x\" and e == [1] and f == true }",
    "template T { r = a.b where c.d == e.f take 50% }",
    "template T { r = a take 1 take 2 where b where c }",
    "template T { r = a where b or c take 1 }",
    "template T { r = a where rest == b and true != c }",
    // Separators, whitespace and comments.
    "template T {;;; x = 1 ;; ; }",
    "template T { x = \"a\" // \"not a string\"\n }",
    "template T {\r\n  x = 1\r\n  // c\r\n  y = 2\r\n}\r\n",
    "template\tT\t{\tx\t=\t1\t}",
    "template T { // \u{fc}n\u{ef}c\u{f8}d\u{e9} \u{2713}\n x = 1 }",
    "template T { test t // c\n }",
    "template T { x = mon // c\n }",
    "template T { x = a union b // c\n // d\n }",
    "template T { x = a\r y = b }",
    "pipeline p extends T { x = 1 }",
    "pipeline p-1_x { }",
    "pipeline p {}",
    // A comment with spaces after its text, inside a rule or between
    // rules, changes nothing.
    "template T { x = a // c  \n or b }",
    "template T { x = 1; // c  \n}",
    // A comment with spaces (or a tab, a second `\r`, a form feed) after
    // its text, swallowed before an absent optional part: the comment's
    // span runs to the end of its line, and the pest path's span must
    // still end at the last token, as the direct reader's does.
    "import \"x\" // c  ",
    "alarm a = x // c \n",
    "alarm a = x\n// the next section \n",
    "template T {\n  x = 1 // one \n  y = a or b // c\t\n}\n",
    "template T { test t // c  \n }",
    "template T { x = 1 // c  \n ; y = 2 }",
    "template T { x = mon // c\r\r\n }",
    "template T { x = mon // c\u{c}\n }",
];

/// Declarations that do not parse, or that parse with a diagnostic
/// from the lowering, or that the direct reader gives up on: the two
/// readers must still end with the same result.
const TRICKY_OTHER: &[&str] = &[
    // Bad strings.
    "import \"\\q\"",
    "import \"\\\u{e9}\"",
    "import \"a\0b\"",
    "import \"a\\\rb\"",
    "import \"${and}\"",
    "import \"${ a }\"",
    "import \"${a.}\"",
    "import \"${1}\"",
    "import \"${a//b}\"",
    "import \"x\" as and",
    "import \"x\" as-y",
    "import \"x\" as",
    "import x",
    // Byte-order marks past the start of the file.
    "\u{FEFF}\u{FEFF}import \"x\"",
    "import \"x\" \u{FEFF}",
    "alarm a = x \u{FEFF} or y",
    // Literals the lowering refuses.
    "template T { x = 1.5h }",
    "template T { x = 1h30 }",
    "template T { x = 5y }",
    "template T { x = 30m1h }",
    "template T { x = 1h1h }",
    "template T { x = 200000w }",
    "template T { x = 99999999999999999999 }",
    "template T { x = 9007199254740993 }",
    "template T { x = 0.125% }",
    "template T { x = 2000000% }",
    "template T { x = 1000000.01% }",
    "template T { x = 24:01 }",
    "template T { x = 12:60 }",
    "template T { x = 25:00..26:00 }",
    "template T { x = mon 09:00..24:30 }",
    "template T { x = mon 25:00 }",
    "template T { x = 2026-02-29 }",
    "template T { x = 2026-13-01 }",
    "template T { x = 2026-00-10 }",
    "template T { x = 2026-01-01..2026-02-30 }",
    "template T { x = a take 5x }",
    "template T { wait for 100requests(\"x\") }",
    "calendar c { holiday 2026-02-30 \"x\" }",
    // Tokens that stop where the grammar says.
    "template T { x = 123:00 }",
    "template T { x = 12:00x }",
    "template T { x = 12:00-x }",
    "template T { x = 12:34:56 }",
    "template T { x = 2026-01-01x }",
    "template T { x = 2026-01-01-x }",
    "template T { x = 2026-1-01 }",
    "template T { x = 1..5 }",
    "template T { x = 1.5.5% }",
    "template T { x = 1__0 }",
    "template T { x = 1_ }",
    "template T { x = 1h\n30m = 2 }",
    "template T { x = mon(x) }",
    "template T { x = mon.x }",
    "template T { x = mon- }",
    "template T { x = mon..09:00..10:00 }",
    "template T { x = [mon 09:00] }",
    "template T { x = true(1) }",
    "template T { x = rest.x }",
    "template T { x = a..b }",
    "template T { x = a. b }",
    "template T { x = a- }",
    // Reserved words are never names.
    "template T { x = and }",
    "template T { and = 1 }",
    "template T { x = in }",
    "template T { x = f(in: 1) }",
    "template and { }",
    "alarm a = not -x",
    "alarm a = not- x",
    "alarm a = ",
    "alarm a = not",
    "alarm a = a or",
    "alarm a = b.and",
    // A modifier is taken even where a field of that name was meant.
    "template T { abstract = 1 }",
    "template T { new = 1 }",
    "template T { final: bool }",
    // `onebox` refused before a field's operator.
    "template T { onebox = { } }",
    "template T { onebox == x }",
    "template T { onebox: 1 }",
    "template T { onebox += }",
    // Members cut short or misspelt.
    "template T { x == 1 }",
    "template T { x : = 1 }",
    "template T { window w for x }",
    "template T { window w for profile }",
    "template T { window w { } }",
    "template T { remove foo x }",
    "template T { remove stage-x y }",
    "template T { block on }",
    "template T { block on a, }",
    "template T { block artifacts containing npm \"x\" }",
    "template T { wait for x y }",
    "template T { traffic < 10% }",
    "template T { bake scale }",
    "template T { exclude a because b }",
    "template T { source = git(\"x\") { } }",
    "template T { stage s }",
    "template T { production }",
    "template T { x = [a,,b] }",
    "template T { x = [,] }",
    "template T { x = f(,) }",
    "template T { x = f(a: b: c) }",
    "template T { x = f(x)(y) }",
    "template T { x = a where }",
    "template T { x = a take }",
    "template T { x = a take x }",
    "template T { x = a union }",
    "template T { x = a where b = c }",
    "template T { x = a where f(x) }",
    "template T { x = a where b in-x }",
    "template T { x = a where (b) == c }",
    "template T { x = \"a\" \"b\" }",
    "template T { a = 1, b = 2 }",
    // Declarations out of place.
    "stage s { }",
    "template T extends { }",
    "calendar c extends x { }",
    "window w extends x { }",
    "template T { } }",
    "template T { x = 1 } x = 2",
    ";;import \"x\"",
    "\u{FEFF} ; import \"x\"",
    "import \"x\" import \"y\"",
    // Characters that are not whitespace to the grammar.
    "template T { x = \u{e9} }",
    "template T { x = a\u{c} }",
    "template T { x = a\u{a0} }",
    "template T { x = a\u{b} }",
    "template T {\r  x = 1 // c\r  y = 2\r}",
];

/// The first difference between the two readers on `text`, if any.
fn disagreement(text: &str) -> Option<String> {
    let (direct, pest) = both(text);
    (direct != pest).then(|| first_difference(&direct, &pest))
}

/// The two readers on one text: the differences found, as messages.
fn compare(text: &str, expect_clean: bool, problems: &mut Vec<String>) {
    if let Some(difference) = disagreement(text) {
        problems.push(format!("the readers differ on {text:?}\n{difference}"));
    }
    if !expect_clean {
        return;
    }
    // A case listed as clean that is not would test nothing it claims to.
    let pest = parse_file_with(text, FileId(0), Reader::Pest);
    if !pest.diagnostics.is_empty() {
        problems.push(format!("pest does not read {text:?} cleanly"));
        return;
    }
    let scanned = scan::scan(text);
    let chunks = scanned.chunks.iter().filter(|chunk| chunk.has_tokens);
    if chunks.count() != 1 {
        problems.push(format!("{text:?} is not exactly one declaration"));
        return;
    }
    if super::item_entry(text, 0).is_none() {
        problems.push(format!("the direct reader gave up on {text:?}"));
    }
}

#[test]
fn both_readers_agree_on_tricky_declarations() {
    let mut problems = Vec::new();
    for text in TRICKY_VALID {
        compare(text, true, &mut problems);
    }
    for text in TRICKY_OTHER {
        compare(text, false, &mut problems);
    }
    // The `not` limit: 64 in a row are read, 65 are reported (by the
    // lowering; the direct reader gives up), in values and in conditions.
    let nots = |count: usize| "not ".repeat(count);
    for (count, clean) in [(64, true), (65, false)] {
        compare(&format!("alarm a = {}x", nots(count)), clean, &mut problems);
        compare(
            &format!("template T {{ r = a where {}b == c }}", nots(count)),
            clean,
            &mut problems,
        );
    }
    // Brackets nested just under the scanner's limit.
    let deep = format!("alarm a = {}x{}", "(".repeat(60), ")".repeat(60));
    compare(&deep, true, &mut problems);
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
