//! The compact plan writer writes what serde_json writes, byte for byte,
//! for every plan the repository's sources compile to.

#![allow(clippy::unwrap_used)]

mod support;

use pipec::export::compact_json;

/// Every plan of every `.pipe` file of the examples and the test cases
/// (each a workspace of its own, as the cases are checked).
#[test]
fn every_plan_of_the_repository_is_written_as_serde_json_writes_it() {
    let mut files = support::pipe_files_below(std::path::Path::new("examples"));
    files.extend(support::pipe_files_below(std::path::Path::new(
        "tests/cases",
    )));
    let mut plans = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let compiled = support::compile_fixture(&name, &text);
        let refs: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
        for plan in pipec::export::plans_to_v1(&refs, &compiled.sources) {
            let mut ours = Vec::new();
            compact_json::write(&mut ours, &plan).unwrap();
            let theirs = serde_json::to_vec(&plan).unwrap();
            assert!(
                ours == theirs,
                "{}: plan {} differs from serde_json's:\n{}\n{}",
                path.display(),
                plan.pipeline,
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
            plans += 1;
        }
    }
    // The corpus is what makes this test mean something.
    assert!(plans > 50, "only {plans} plans were compared");
}
