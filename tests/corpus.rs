//! Everything the project shows users compiles: every example, every
//! stdlib module, and every ```pipe block in the docs and the README.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::modules::Entry;
use std::path::{Path, PathBuf};

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

/// No diagnostic at all, but for policy warnings: a snippet shows one
/// construct, not a complete release process.
fn assert_clean(name: &str, text: &str) {
    let mut checked = support::check_fixture(name, text);
    checked.diagnostics.retain(|diagnostic| {
        diagnostic.code != pipec::diagnostics::Code::POLICY || diagnostic.is_error()
    });
    assert!(
        checked.diagnostics.is_empty(),
        "{name} should check cleanly:\n{}",
        support::rendered(&checked)
    );
}

#[test]
fn every_example_checks_cleanly() {
    let mut files = Vec::new();
    files_with_extension(Path::new("examples"), "pipe", &mut files);
    assert!(
        files.len() >= 10,
        "expected the sample workspace and one example per concept, found {}",
        files.len()
    );
    let entries = files
        .into_iter()
        .map(|path| Entry {
            path,
            bytes: None,
            name: None,
        })
        .collect();
    let checked = pipec::workspace::check_workspace(entries, &support::FsLoader, support::TODAY);
    // Concept examples show one idea each, so default-level policy rules
    // may warn about what they leave out; nothing may be an error, and the
    // sample workspace, a complete pipeline, must be spotless.
    assert!(!checked.has_errors(), "{}", support::rendered(&checked));
    let sample_findings: Vec<&pipec::diagnostics::Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic
                .primary_label()
                .and_then(|label| checked.sources.get(label.file))
                .is_some_and(|file| file.name.contains("examples/sample"))
        })
        .collect();
    assert!(sample_findings.is_empty(), "{sample_findings:#?}");
    // The sample's imports were followed, the standard library included.
    let names: Vec<&str> = checked
        .sources
        .iter()
        .map(|(_, file)| file.name.as_str())
        .collect();
    assert!(
        names.contains(&"std/aws") && names.contains(&"std/calendars"),
        "{names:?}"
    );
}

#[test]
fn every_stdlib_module_checks_cleanly() {
    for (name, text) in pipec::stdlib::MODULES {
        assert_clean(name, text);
    }
}

#[test]
fn the_stdlib_registry_covers_the_commercial_regions() {
    let (_, text) = pipec::stdlib::MODULES
        .iter()
        .find(|(name, _)| *name == "std/aws")
        .unwrap();
    let checked = support::check_fixture("aws.pipe", text);
    let registry = checked.trees[0]
        .1
        .items
        .iter()
        .find_map(|item| match &item.kind {
            pipec::syntax::ast::ItemKind::Registry(decl) if decl.name.name == "aws" => Some(decl),
            _ => None,
        })
        .expect("std/aws declares `registry aws`");
    let regions: Vec<&str> = registry
        .body
        .members
        .iter()
        .filter_map(|member| match &member.kind {
            pipec::syntax::ast::MemberKind::Region { name, .. } => Some(name.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(regions.len(), 34, "{regions:?}");
    for region in [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "ap-northeast-1",
        "eu-south-2",
        "mx-central-1",
    ] {
        assert!(regions.contains(&region), "{region} missing");
    }
}

/// Every AZ id of std/aws follows AWS's naming rule for its region
/// (`use1-az1` under `us-east-1`, `apne1-az4` under `ap-northeast-1`), so
/// the P0409 check, which trusts that rule, agrees with the registry AWS
/// publishes.
#[test]
fn every_stdlib_az_id_is_named_after_its_region() {
    use pipec::semantics::regions::az_id_prefix;
    use pipec::syntax::ast::{ExprKind, ItemKind, MemberKind};
    let (_, text) = pipec::stdlib::MODULES
        .iter()
        .find(|(name, _)| *name == "std/aws")
        .unwrap();
    let checked = support::check_fixture("aws.pipe", text);
    let mut checked_ids = 0;
    for item in &checked.trees[0].1.items {
        let ItemKind::Registry(decl) = &item.kind else {
            continue;
        };
        for member in &decl.body.members {
            let MemberKind::Region { name, body } = &member.kind else {
                continue;
            };
            let prefix = az_id_prefix(&name.name)
                .unwrap_or_else(|| panic!("{} does not follow AWS's pattern", name.name));
            let azs = body
                .iter()
                .flat_map(|body| &body.members)
                .find_map(|field| match &field.kind {
                    MemberKind::FieldAssign { name, value, .. } if name.name == "azs" => {
                        Some(value)
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{} lists no AZs", name.name));
            let ExprKind::List(items) = &azs.kind else {
                panic!("{}: azs is not a list", name.name);
            };
            assert!(!items.is_empty(), "{} lists no AZs", name.name);
            for az in items {
                let az = &text[az.span.start()..az.span.end()];
                let number = az
                    .strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_prefix("-az"))
                    .unwrap_or_else(|| panic!("{az} under {} is not {prefix}-azN", name.name));
                assert!(
                    !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
                    "{az} under {} is not {prefix}-azN",
                    name.name
                );
                checked_ids += 1;
            }
        }
    }
    assert!(checked_ids > 100, "only {checked_ids} AZ ids checked");
}

/// A ```pipe block of a Markdown file: the line it starts on, the file it
/// stands for (```` ```pipe file=team/service.pipe ````), and its text.
struct Block {
    line: usize,
    file: Option<String>,
    text: String,
}

fn pipe_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (idx, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = fence.strip_prefix("```pipe") {
                    let info = info.trim();
                    if info.is_empty() || info.starts_with("file=") {
                        current = Some(Block {
                            line: idx + 1,
                            file: info.strip_prefix("file=").map(str::to_string),
                            text: String::new(),
                        });
                    }
                }
            }
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
        }
    }
    blocks
}

/// Every ```pipe block checks cleanly: alone, or, when blocks name their
/// files, together with the other named blocks of the same document as one
/// workspace (so that their imports resolve).
#[test]
fn every_pipe_block_in_the_docs_checks_cleanly() {
    let mut docs = vec![PathBuf::from("README.md")];
    files_with_extension(Path::new("docs"), "md", &mut docs);
    let mut block_count = 0;
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        let mut workspace = String::new();
        for block in pipe_blocks(&text) {
            block_count += 1;
            match &block.file {
                Some(file) => workspace.push_str(&format!("//- {file}\n{}", block.text)),
                None => assert_clean(&format!("{}:{}", doc.display(), block.line), &block.text),
            }
        }
        if !workspace.is_empty() {
            assert_clean(&doc.display().to_string(), &workspace);
        }
    }
    assert!(
        block_count >= 20,
        "expected the reference to show many examples, found {block_count}"
    );
}

#[test]
fn every_code_is_documented_in_the_reference() {
    let reference = std::fs::read_to_string("docs/language.md").unwrap();
    for doc in pipec::diagnostics::ALL_CODES {
        assert!(
            !doc.explanation.is_empty(),
            "{} has no explanation",
            doc.code
        );
        assert!(
            reference.contains(doc.code.as_str()),
            "{} is missing from docs/language.md",
            doc.code
        );
    }
}

/// Day of the week, 0 = Sunday (Sakamoto's method).
fn weekday(year: i32, month: i32, day: i32) -> i32 {
    let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let year = if month < 3 { year - 1 } else { year };
    (year + year / 4 - year / 100 + year / 400 + offsets[(month - 1) as usize] + day) % 7
}

#[test]
fn the_holiday_calendar_lists_observed_federal_holidays() {
    use pipec::syntax::ast::{ItemKind, LiteralValue, MemberKind};
    let text = pipec::stdlib::module("std/calendars").unwrap();
    let checked = support::check_fixture("calendars.pipe", text);
    let calendar = checked.trees[0]
        .1
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Calendar(decl) if decl.name.name == "us_holidays" => Some(decl),
            _ => None,
        })
        .expect("std/calendars declares `calendar us_holidays`");
    let holidays: Vec<((i32, i32, i32), String)> = calendar
        .body
        .members
        .iter()
        .filter_map(|member| match &member.kind {
            MemberKind::Holiday { date, label } => match date.value {
                LiteralValue::Date(date) => Some((
                    (
                        i32::from(date.year),
                        i32::from(date.month),
                        i32::from(date.day),
                    ),
                    label.as_plain().unwrap(),
                )),
                _ => None,
            },
            _ => None,
        })
        .collect();
    // 11 holidays a year for six years, 2026 to 2031; New Year's Day 2028
    // (a Saturday) is observed on Friday 2027-12-31, and New Year's Day
    // 2032 (a Thursday) is not in 2031.
    assert_eq!(holidays.len(), 66);
    let in_year = |year: i32| holidays.iter().filter(|((y, ..), _)| *y == year).count();
    assert_eq!(
        [2026, 2027, 2028, 2029, 2030, 2031].map(in_year),
        [11, 12, 10, 11, 11, 11]
    );
    for ((year, month, day), name) in &holidays {
        let dow = weekday(*year, *month, *day);
        assert!(
            (1..=5).contains(&dow),
            "{name} on {year}-{month}-{day} is not a weekday"
        );
    }
    let on = |date: (i32, i32, i32)| {
        holidays
            .iter()
            .find(|(d, _)| *d == date)
            .map(|(_, name)| name.as_str())
    };
    assert_eq!(on((2026, 11, 26)), Some("Thanksgiving Day"));
    assert_eq!(on((2027, 11, 25)), Some("Thanksgiving Day"));
    assert_eq!(on((2028, 11, 23)), Some("Thanksgiving Day"));
    assert_eq!(on((2029, 11, 22)), Some("Thanksgiving Day"));
    assert_eq!(on((2030, 11, 28)), Some("Thanksgiving Day"));
    assert_eq!(on((2031, 11, 27)), Some("Thanksgiving Day"));
    assert_eq!(on((2026, 7, 3)), Some("Independence Day (observed)"));
    assert_eq!(
        on((2027, 6, 18)),
        Some("Juneteenth National Independence Day (observed)")
    );
    assert_eq!(on((2027, 12, 24)), Some("Christmas Day (observed)"));
    assert_eq!(on((2027, 12, 31)), Some("New Year's Day (observed)"));
    assert_eq!(on((2028, 11, 10)), Some("Veterans Day (observed)"));
    assert_eq!(on((2029, 11, 12)), Some("Veterans Day (observed)"));
    assert_eq!(on((2031, 12, 25)), Some("Christmas Day"));
    assert_eq!(on((2031, 12, 31)), None);
    assert_eq!(
        on((2026, 1, 19)),
        Some("Birthday of Martin Luther King, Jr.")
    );
}

/// `us_holidays` lists holidays through 2031-12-31 (`covers_until`): a window
/// excepting it warns once the year it is checked for, from `--today`, runs
/// past that day, and not a day earlier.
#[test]
fn a_window_checked_past_the_holiday_calendar_warns() {
    let text = r#"import "std/calendars"

window business_hours {
  zone   = "America/New_York"
  allow  = [mon..fri 09:00..17:00]
  except = [calendars.us_holidays]
}
"#;
    let warnings = |today: jiff::civil::Date| {
        let mut loader = pipec::loader::MemoryLoader::in_dir("/workspace");
        loader.add("pipec.toml", "");
        loader.add("main.pipe", text.as_bytes());
        let entries = vec![pipec::modules::Entry {
            path: "main.pipe".into(),
            bytes: None,
            name: None,
        }];
        let checked = pipec::workspace::check_workspace(entries, &loader, today);
        checked
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let label = diagnostic.primary_label().unwrap();
                let file = checked.sources.get(label.file).unwrap();
                let (line, col) = file.line_col(label.span.start());
                format!("{} {line}:{col} {}", diagnostic.code, diagnostic.message)
            })
            .collect::<Vec<_>>()
    };
    // Checked from 2030-12-31, the year ends on 2031-12-31: covered.
    assert_eq!(
        warnings(jiff::civil::date(2030, 12, 31)),
        Vec::<String>::new()
    );
    assert_eq!(warnings(support::TODAY), Vec::<String>::new());
    // From 2028-01-02, where the list used to run out, and a year and two
    // years later: covered.
    for year in [2028, 2029, 2030] {
        assert_eq!(
            warnings(jiff::civil::date(year, 1, 2)),
            Vec::<String>::new()
        );
    }
    // From 2031-01-01 it ends on 2032-01-01, a day past the calendar.
    assert_eq!(
        warnings(jiff::civil::date(2031, 1, 1)),
        vec![
            "P0505 6:13 calendar `us_holidays` lists holidays only through 2031-12-31".to_string()
        ]
    );
}
