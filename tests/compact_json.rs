//! The compact plan writer writes what serde_json writes, byte for byte,
//! for every plan the repository's sources compile to.

#![allow(clippy::unwrap_used)]

mod support;

use pipec::export::compact_json;

/// Every `.pipe` file of the examples and the test cases, compiled (each
/// a workspace of its own, as the cases are checked).
fn repository_sources() -> impl Iterator<Item = (std::path::PathBuf, pipec::workspace::Compiled)> {
    let mut files = support::pipe_files_below(std::path::Path::new("examples"));
    files.extend(support::pipe_files_below(std::path::Path::new(
        "tests/cases",
    )));
    files.into_iter().map(|path| {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let compiled = support::compile_fixture(&name, &text);
        (path, compiled)
    })
}

/// Fails, showing both, unless the two writings of `plan` of the file at
/// `path` are the same bytes.
fn assert_same_bytes(
    path: &std::path::Path,
    plan: &str,
    how: &str,
    expected: &[u8],
    written: &[u8],
) {
    assert!(
        expected == written,
        "{}: plan {plan} {how}:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(written)
    );
}

/// Every plan of [`repository_sources`].
#[test]
fn every_plan_of_the_repository_is_written_as_serde_json_writes_it() {
    let mut plans = 0;
    for (path, compiled) in repository_sources() {
        let refs: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
        for plan in pipec::export::plans_to_v1(&refs, &compiled.sources) {
            let mut ours = Vec::new();
            compact_json::write(&mut ours, &plan).unwrap();
            let theirs = serde_json::to_vec(&plan).unwrap();
            let how = "differs from serde_json's";
            assert_same_bytes(&path, &plan.pipeline, how, &theirs, &ours);
            plans += 1;
        }
    }
    // The corpus is what makes this test mean something.
    assert!(plans > 50, "only {plans} plans were compared");
}

/// `compile` writes each plan straight from the compiler's plan, finding
/// its tables as it converts each distinct value once: the bytes are
/// those of the plan converted whole and then written, for every plan of
/// the repository, alone in a document or among others.
#[test]
fn every_plan_written_as_it_is_converted_is_the_plan_converted_whole() {
    use pipec::export::{Layout, write_compiled_piece, write_plan_piece};
    let (mut plans, mut with_tables) = (0, 0);
    for (path, compiled) in repository_sources() {
        for (index, plan) in compiled.plans.iter().enumerate() {
            let converted = pipec::export::convert::to_v1(plan, &compiled.sources);
            for (at, count) in [(0, 1), (index, compiled.plans.len() + 1)] {
                let mut whole = Vec::new();
                write_plan_piece(&mut whole, &converted, at, count, Layout::Compact);
                let mut straight = Vec::new();
                let piece = (at, count);
                write_compiled_piece(
                    &mut straight,
                    plan.clone(),
                    &compiled.sources,
                    piece,
                    Layout::Compact,
                );
                let how = "written straight differs";
                assert_same_bytes(&path, &plan.pipeline, how, &whole, &straight);
            }
            plans += 1;
            with_tables += usize::from(!converted.steps.is_empty());
        }
    }
    // The corpus is what makes this test mean something.
    assert!(
        plans > 50 && with_tables > 50,
        "only {plans} plans were compared"
    );
}
