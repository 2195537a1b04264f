//! References, inlay hints and semantic tokens on broken and hostile text:
//! each answers at every offset of every prefix of a real workspace, and of
//! text no parser would accept, without panicking, with tokens that never
//! overlap and hints inside the range asked for.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::convert::{self, Encoding};
use super::resolve::Place;
use super::{inlay_hints, references, semantic_tokens};
use crate::loader::MemoryLoader;
use crate::modules::{self, Entry};
use crate::semantics::{self, Want};
use std::path::PathBuf;

const BASE: &str = r#"import "std/aws"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  abstract alarm fault
  source app = git("org/app", branch: "main")
  build bundle from app { run = "make" }
  stage beta { deploy bundle; bake = 1h; rollback on errors or fault }
  production {
    registry = aws
    window hours overridable
    wave first { regions = aws where geo == eu take 2; by az; bake = 2h }
    wave rest { regions = rest }
  }
}

window hours { zone = "UTC"; allow = [mon..fri 09:00..17:00]; except = days }
calendar days { holiday 2026-12-25 "Christmas Day" }
"#;

const SVC: &str = r#"import "base.pipe" as b

pipeline Svc extends b.Base {
  alarm fault = ALARM("Fäult 🚀")
  stage beta { bake = 30m }
  production { wave first { regions += [us-east-1] } }
  new profile fast { stage beta { bake = 5m } }
}
"#;

/// Runs every request over `svc` (with `BASE` beside it), checks the
/// answers' shape, and counts the offsets with references, the tokens and
/// the hints.
fn exercise(svc: &str) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    let mut loader = MemoryLoader::in_dir("/ws");
    loader.add("base.pipe", BASE);
    loader.add("svc.pipe", svc);
    let entries = ["svc.pipe", "base.pipe"]
        .into_iter()
        .map(|name| Entry {
            path: PathBuf::from("/ws").join(name),
            bytes: None,
            name: None,
        })
        .collect();
    let workspace = modules::load(entries, &loader);
    let today = jiff::civil::date(2026, 12, 1);
    let analysis = semantics::analyze(&workspace, today, None, Want::Plans);
    let Some((file, source)) = workspace
        .sources
        .iter()
        .find(|(_, source)| source.name.ends_with("svc.pipe"))
    else {
        return counts;
    };
    let place = Place {
        workspace: &workspace,
        analysis: &analysis,
        file,
        base_dir: None,
        root: None,
        today,
        scope_files: &[],
    };
    for offset in (0..=source.text.len()).filter(|&at| source.text.is_char_boundary(at)) {
        for include in [false, true] {
            let found = references::references(&place, offset, include);
            counts.0 += usize::from(!found.is_empty());
            let mut sorted = found.clone();
            sorted.dedup();
            assert_eq!(sorted.len(), found.len(), "a place listed twice");
        }
    }
    for encoding in [Encoding::Utf16, Encoding::Utf8] {
        let whole = convert::whole(source, encoding);
        // Decoded: each token starts at or after the end of the one before.
        let (mut line, mut start, mut end) = (0u32, 0u32, 0u32);
        for token in semantic_tokens::tokens(&place, None, encoding) {
            if token.delta_line > 0 {
                line += token.delta_line;
                start = token.delta_start;
            } else {
                start += token.delta_start;
                assert!(start >= end, "overlapping tokens");
            }
            assert!(token.length > 0);
            end = start + token.length;
            counts.1 += 1;
        }
        assert!(line <= whole.end.line);
        let half = lsp_types::Range {
            start: whole.start,
            end: lsp_types::Position {
                line: whole.end.line / 2,
                character: 0,
            },
        };
        counts.2 += inlay_hints::hints(&place, whole, encoding).len();
        for hint in inlay_hints::hints(&place, half, encoding) {
            assert!(half.start <= hint.position && hint.position <= half.end);
        }
    }
    counts
}

#[test]
fn every_prefix_of_a_workspace_answers_everywhere() {
    let (references, tokens, hints) = exercise(SVC);
    // The sample has names to find, words to colour and values to explain.
    assert!(
        references > 50 && tokens > 50 && hints >= 4,
        "{references} {tokens} {hints}"
    );
    let boundaries: Vec<usize> = (0..SVC.len())
        .filter(|&at| SVC.is_char_boundary(at))
        .step_by(5)
        .collect();
    for end in boundaries {
        exercise(&SVC[..end]);
    }
}

#[test]
fn hostile_text_answers() {
    let deep = format!("alarm a = {}{}\n", "(".repeat(200), ")".repeat(200));
    for text in [
        deep.as_str(),
        "\0\0template \0 {",
        "pipeline P extends { stage { bake = } }",
        "template T extends T { production { wave w { regions = [} } }",
        "alarm x = x\nwindow w { except = w }\ncalendar c { include c }",
        "\u{FEFF}pipeline é extends b.Base { stage beta { bake = 30m } }",
    ] {
        exercise(text);
    }
}
