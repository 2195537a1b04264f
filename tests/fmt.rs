//! `pipec fmt` over every `.pipe` file the project has: formatting is
//! idempotent, keeps the tree (spans aside) and every comment, refuses files
//! with syntax errors, leaves the examples and the standard library as they
//! are (they are written in the canonical layout), and a formatted workspace
//! compiles to the same plan. Snapshots show messy input next to its
//! canonical layout.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::source::FileId;
use pipec::syntax::format::{self, FormatError, comment_texts, same_tree};
use pipec::syntax::parse_file;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn pipe_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            pipe_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "pipe") {
            out.push(path);
        }
    }
    out.sort();
}

/// Every file the project holds, fixtures split into their files, as
/// `(name, text)`.
fn corpus() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    for dir in ["examples", "stdlib", "tests/cases", "tests/fixtures"] {
        pipe_files(Path::new(dir), &mut paths);
    }
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            // Byte-level fixtures are not UTF-8 text; the CLI refuses them.
            String::new()
        });
        let name = path.display().to_string();
        for (file, body) in support::split_fixture(&name, &text) {
            files.push((format!("{name}:{file}"), body));
        }
    }
    files
}

fn format_text(text: &str) -> Result<String, FormatError> {
    format::format(text, FileId(0))
}

/// What formatting must keep: it is idempotent, the tree is the same
/// apart from spans, and the comments are the same, in the same order.
fn assert_formatting_keeps_meaning(name: &str, text: &str) -> String {
    let once = format_text(text).unwrap_or_else(|error| panic!("{name}: {error:?}"));
    let twice = format_text(&once).unwrap_or_else(|error| panic!("{name} (again): {error:?}"));
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    let before = parse_file(text, FileId(0));
    let after = parse_file(&once, FileId(0));
    assert!(
        after.diagnostics.is_empty(),
        "{name}: formatted text has errors"
    );
    assert!(
        same_tree(&before.file, &after.file),
        "{name}: the tree changed\n{once}"
    );
    assert_eq!(
        comment_texts(&before.file, text),
        comment_texts(&after.file, &once),
        "{name}: the comments changed"
    );
    assert!(
        !once.lines().any(|line| line.ends_with([' ', '\t'])),
        "{name}: trailing whitespace\n{once}"
    );
    once
}

#[test]
fn every_file_formats_idempotently_to_the_same_tree_and_comments() {
    let mut formatted = 0;
    let mut refused = 0;
    for (name, text) in corpus() {
        if !parse_file(&text, FileId(0)).diagnostics.is_empty() {
            // A file with syntax errors is refused, with its diagnostics.
            match format_text(&text) {
                Err(FormatError::Syntax(diagnostics)) => assert!(!diagnostics.is_empty()),
                other => panic!("{name} has syntax errors but formatting gave {other:?}"),
            }
            refused += 1;
            continue;
        }
        assert_formatting_keeps_meaning(&name, &text);
        formatted += 1;
    }
    eprintln!("formatted {formatted} files, refused {refused} with syntax errors");
    // Every example, stdlib module and valid case, and every syntax case.
    assert!(formatted >= 110, "only {formatted} files formatted");
    assert!(refused >= 45, "only {refused} files refused");
}

/// The layout of every file thrown about (spaces become line breaks and
/// runs of blanks, lines get trailing spaces, blank lines double), so that
/// the formatter meets each construct written over several lines and
/// squeezed onto one.
fn scramble(text: &str) -> String {
    const GAPS: [&str; 5] = [" ", "\n    ", "   ", " \t ", "\n\n      "];
    let mut out = String::new();
    let mut gap = 0;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_comment {
            if ch == '\n' {
                in_comment = false;
                out.push_str("   \n");
            } else {
                out.push(ch);
            }
            continue;
        }
        if in_string {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                out.push(ch);
            }
            '/' if chars.peek() == Some(&'/') => {
                in_comment = true;
                out.push(ch);
            }
            ' ' => {
                out.push_str(GAPS[gap % GAPS.len()]);
                gap += 1;
            }
            '\n' => out.push_str("  \n"),
            _ => out.push(ch),
        }
    }
    out
}

#[test]
fn every_scrambled_file_formats_idempotently_to_the_same_tree() {
    let mut count = 0;
    for (name, text) in corpus() {
        if !parse_file(&text, FileId(0)).diagnostics.is_empty() {
            continue;
        }
        let scrambled = scramble(&text);
        assert!(
            parse_file(&scrambled, FileId(0)).diagnostics.is_empty(),
            "{name}: the scrambled text should still parse\n{scrambled}"
        );
        let formatted = assert_formatting_keeps_meaning(&name, &scrambled);
        let original = parse_file(&text, FileId(0));
        assert!(same_tree(
            &original.file,
            &parse_file(&formatted, FileId(0)).file
        ));
        count += 1;
    }
    assert!(count >= 110, "only {count} files scrambled");
}

/// The examples and the standard library (which is compiled into the
/// binary, and which `pipec fmt` users open as the model of the layout) are
/// already formatted, and formatting them again changes nothing.
#[test]
fn the_examples_and_the_stdlib_are_in_the_canonical_layout() {
    let mut paths = Vec::new();
    pipe_files(Path::new("examples"), &mut paths);
    assert!(paths.len() >= 10);
    let mut stdlib = Vec::new();
    pipe_files(Path::new("stdlib"), &mut stdlib);
    assert!(stdlib.len() >= 2);
    paths.extend(stdlib);
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        let formatted = assert_formatting_keeps_meaning(&name, &text);
        assert!(
            formatted == text,
            "{name} is not formatted; run `pipec fmt {name}`"
        );
    }
    for (module, text) in pipec::stdlib::MODULES {
        assert_eq!(
            &format_text(text).unwrap(),
            text,
            "{module} is not formatted"
        );
    }
}

/// Comments that end the rows of a table line up across the comment lines
/// between the rows, as the rows' heads do; a blank line starts a new
/// table.
#[test]
fn trailing_comments_line_up_across_comment_lines() {
    let text = "registry r {\n  region a { traffic = low }  // one\n  // a note\n  region long-name { traffic = high }  // two\n\n  region b { traffic = low }  // three\n}\n";
    let formatted = format_text(text).unwrap();
    assert_eq!(
        formatted,
        "registry r {\n  region a         { traffic = low }   // one\n  // a note\n  region long-name { traffic = high }  // two\n\n  region b { traffic = low }  // three\n}\n"
    );
    assert_eq!(format_text(&formatted).unwrap(), formatted);
}

/// Removes `line` and `column` from every provenance (and every override
/// in it): formatting may move a member to another line, nothing else.
fn without_positions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            // A provenance, an override in it, or a `not_scaled` place.
            if object.contains_key("file") && object.contains_key("line") {
                object.remove("line");
                object.remove("column");
            }
            for (_, field) in object.iter_mut() {
                without_positions(field);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_positions),
        _ => {}
    }
}

/// Compiles the workspace of `files` (names relative to its root, which
/// holds a `pipec.toml`), every file an entry, and returns its plans as
/// JSON without provenance positions, and its diagnostic codes.
fn compile_in_memory(files: &[(String, String)]) -> (Value, Vec<String>) {
    let mut loader = MemoryLoader::in_dir("/workspace");
    loader.add("pipec.toml", "");
    for (name, text) in files {
        loader.add(name, text.as_bytes());
    }
    let entries = files
        .iter()
        .map(|(name, _)| Entry {
            path: PathBuf::from(name),
            bytes: None,
            name: None,
        })
        .collect();
    let compiled = pipec::workspace::compile_workspace(entries, &loader, support::TODAY);
    let codes = compiled
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code.to_string())
        .collect();
    let plans: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
    let exported = pipec::export::plans_to_v1(&plans, &compiled.sources);
    let mut json: Value = serde_json::from_str(&pipec::export::plans_to_json(
        &exported,
        pipec::export::Layout::Compact,
    ))
    .unwrap();
    without_positions(&mut json);
    (json, codes)
}

/// Each example workspace, scrambled and then formatted, compiles to the
/// same plans as the original, byte for byte once provenance `line` and
/// `column` are removed (the file, `how` and overridden values stay), and
/// draws the same diagnostics.
#[test]
fn formatted_workspaces_compile_to_the_same_plans() {
    let sample_dir = Path::new("examples/sample");
    let mut workspaces: Vec<Vec<PathBuf>> = Vec::new();
    let mut sample = Vec::new();
    pipe_files(sample_dir, &mut sample);
    workspaces.push(sample);
    let mut concepts = Vec::new();
    pipe_files(Path::new("examples/concepts"), &mut concepts);
    workspaces.extend(concepts.into_iter().map(|path| vec![path]));
    let mut steps = 0;
    for paths in workspaces {
        let root = paths[0].parent().unwrap();
        let root = if root.ends_with("services") || root.ends_with("team") {
            sample_dir
        } else {
            root
        };
        let original: Vec<(String, String)> = paths
            .iter()
            .map(|path| {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                (name, std::fs::read_to_string(path).unwrap())
            })
            .collect();
        let formatted: Vec<(String, String)> = original
            .iter()
            .map(|(name, text)| (name.clone(), format_text(&scramble(text)).unwrap()))
            .collect();
        assert_ne!(original, formatted, "scrambling should change the layout");
        let (plans_before, codes_before) = compile_in_memory(&original);
        let (plans_after, codes_after) = compile_in_memory(&formatted);
        assert_eq!(codes_before, codes_after, "{paths:?}: diagnostics differ");
        assert!(
            plans_before == plans_after,
            "{paths:?}: plans differ after formatting"
        );
        steps += count_steps(&plans_before);
    }
    // The sample alone has 126 steps: the comparison saw real plans.
    assert!(steps >= 126, "only {steps} steps compared");
}

fn count_steps(plans: &Value) -> usize {
    match plans {
        Value::Array(plans) => plans.iter().map(count_steps).sum(),
        plan => plan["steps"].as_array().map_or(0, Vec::len),
    }
}

fn snapshot(name: &str, messy: &str) {
    let formatted = format_text(messy).unwrap();
    assert_eq!(
        format_text(&formatted).unwrap(),
        formatted,
        "{name}: not idempotent"
    );
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(name, format!("{messy}\n~~~~ formatted ~~~~\n{formatted}"));
    });
}

#[test]
fn snapshot_comments_in_awkward_places() {
    snapshot(
        "comments_in_awkward_places",
        r#"// header

import "std/aws"   // after an import
template T   // between a name and its body
{   // after an opening brace


  // before the first member
  stage beta { // after a stage's brace
    deploy bundle // after a member

    // between members, after a blank line
    test canary
    // before a closing brace
  } // after a closing brace
  production {
    registry = aws // trailing after a value
    rollback on // before an alarm
      high_severity
    wave first {
      regions = [ // after `[`
        us-east-1, // after an item
        // between items
        eu-west-1 // after the last item
        // before `]`
      ]
    }
  }
  alarm high_severity = ALARM("A") or // after `or`
    ALARM("B")
}
// at the end of the file, after a declaration

// and after a blank line"#,
    );
}

#[test]
fn snapshot_spacing_and_alignment() {
    snapshot(
        "spacing_and_alignment",
        r#"window   w{zone="UTC"
allow=[ mon .. thu 09:00 .. 16:00,fri ,]
  blackout   =[2026-12-24 ..2027-01-01]}
pipeline p extends  T {
    service="orders-api"
  platform  =   ecs
  // a comment line does not end the run
      key_api= "CreateOrder"

  owner:string="shop"
  new abstract tags :[string]
  source code=git ( "https://x/${service}.git" , branch : "mainline" ){require review}
  production{strategy=rolling( batch:33% ,min_healthy : 66% )
     deny a,b ; warn   c ; allow d
  wave first{regions=aws where traffic==low take 1;by az;bake=1h30m}
  wave second   {  regions = [ eu-west-1 , ] ; bake = 3_000s }
  wave rest{regions=rest}
  }
}"#,
    );
}

#[test]
fn snapshot_semicolons_and_one_line_blocks() {
    snapshot(
        "semicolons_and_one_line_blocks",
        r#";;import "std/aws";;alarm a = ALARM("A");alarm b = ALARM("B")
template T {; stage beta { deploy bundle;; bake = 1h; } ; stage gamma { deploy bundle test canary }
  production { wave w { regions = rest } }
};
template U { }
template V {
}"#,
    );
}

#[test]
fn snapshot_chains_and_lists_written_over_lines() {
    snapshot(
        "chains_and_lists_over_lines",
        r#"alarm high = ALARM("OrdersApi_High_Fault_Rate") or
  ALARM("OrdersApi_High_P99_Latency")
    or (ALARM("OrdersApi_Unhealthy") and
    not ALARM("OrdersApi_Maintenance"))
template T {
  production {
    wave w { regions = aws where geo == eu
      and traffic == low take 2 }
    wave v {
      regions = (aws where opt_in) union
        [us-east-1, eu-west-1] minus [eu-west-1]
    }
    rollback on high
  }
  source code = git(
    "https://git.example.com/x.git",
    branch: "mainline")
}"#,
    );
}

#[test]
fn blank_lines_whitespace_and_line_endings_are_normalised() {
    let formatted =
        format_text("\r\n\r\nalarm a = ALARM(\"A\")  \r\n\r\n\r\n\r\nalarm b = ALARM(\"B\")\t\r\n")
            .unwrap();
    assert_eq!(
        formatted,
        "alarm a = ALARM(\"A\")\n\nalarm b = ALARM(\"B\")\n"
    );
    // One-line declarations keep no blank line where none was written; a
    // declaration whose body spans lines gets exactly one around it.
    let formatted = format_text("alarm a = ALARM(\"A\")\nalarm b = ALARM(\"B\")\ntemplate T {\n  stage s { }\n}\ntemplate U { }\n").unwrap();
    assert_eq!(
        formatted,
        "alarm a = ALARM(\"A\")\nalarm b = ALARM(\"B\")\n\ntemplate T {\n  stage s { }\n}\n\ntemplate U { }\n"
    );
}

#[test]
fn empty_files_stay_empty_and_a_byte_order_mark_is_kept() {
    assert_eq!(format_text("").unwrap(), "");
    assert_eq!(format_text(" \n\n ;; \n").unwrap(), "");
    assert_eq!(format_text("// only\n\n\n").unwrap(), "// only\n");
    assert_eq!(
        format_text("\u{FEFF}alarm  a = ALARM(\"A\")").unwrap(),
        "\u{FEFF}alarm a = ALARM(\"A\")\n"
    );
}

#[test]
fn a_byte_order_mark_after_the_start_is_whitespace_and_dropped() {
    // The grammar reads U+FEFF anywhere as whitespace; the formatter once
    // took one after the start for a token and refused the file as unsafe.
    assert_eq!(format_text("\n\u{FEFF}").unwrap(), "");
    assert_eq!(
        format_text("alarm a = \u{FEFF}ALARM(\"A\")\n\u{FEFF}\nalarm b = a").unwrap(),
        "alarm a = ALARM(\"A\")\n\nalarm b = a\n"
    );
}

#[test]
fn literals_and_strings_are_kept_as_written() {
    let text = "template T {\n  stage s {\n    bake = 1h30m\n    wait for 3_000 requests(\"Get \\\"all\\\" \\${x}\")\n    onebox { traffic <= 2.50% }\n  }\n}\n";
    assert_eq!(format_text(text).unwrap(), text);
}

#[test]
fn a_file_with_a_syntax_error_is_refused_with_its_diagnostic() {
    let Err(FormatError::Syntax(diagnostics)) = format_text("window w {\n  zone: \"UTC\"\n}\n")
    else {
        panic!("a syntax error must refuse formatting");
    };
    let codes: Vec<String> = diagnostics.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, vec!["P0010"]);
}

/// The example under "Formatting" in docs/language.md is what `pipec fmt`
/// does: its ```text block formats to the ```pipe block after it.
#[test]
fn the_formatting_example_in_the_reference_is_real() {
    let reference = std::fs::read_to_string("docs/language.md").unwrap();
    let section = &reference[reference.find("\n## Formatting\n").unwrap()..];
    let block = |from: &str, fence: &str| -> (String, usize) {
        let start = from.find(fence).unwrap() + fence.len();
        let end = start + from[start..].find("```").unwrap();
        (from[start..end].to_string(), end)
    };
    let (messy, after) = block(section, "```text\n");
    let (tidy, _) = block(&section[after..], "```pipe\n");
    assert_ne!(messy, tidy);
    assert_eq!(format_text(&messy).unwrap(), tidy);
}

/// A line that continues a member after a comment is indented one level
/// more, except a block's `{`, which stays at the member's indentation, in
/// line with its `}` (docs/language.md, "Formatting").
#[test]
fn a_brace_after_a_comment_stays_at_the_members_indentation() {
    let messy = "template T {\n  production {\n    wave first // why\n        { bake = 12h }\n    wave rest { bake =  // short\n 2h }\n  }\n}\n";
    let tidy = "template T {\n  production {\n    wave first  // why\n    { bake = 12h }\n    wave rest {\n      bake =  // short\n        2h\n    }\n  }\n}\n";
    assert_eq!(format_text(messy).unwrap(), tidy);
    assert_eq!(format_text(tidy).unwrap(), tidy);
}
