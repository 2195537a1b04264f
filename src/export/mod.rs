//! The compiler's public output formats.
//!
//! Each format has its own versioned types, separate from the compiler's
//! internal ones: the internal plan can change freely, while an exported
//! format changes only with a new version. Only these types are
//! `Serialize`, and `convert` is the one conversion from the internal plan
//! (`crate::plan`) to them. The plan format is described field by field in
//! `docs/plan-format.md`, and its JSON Schema is
//! `schemas/plan-v1.schema.json`; `tests/plan_contract.rs` holds the three
//! together.

pub mod convert;
pub mod graph;
pub mod plan_v1;

/// The JSON `pipec compile` writes for `plans`: one plan object when there
/// is one plan, otherwise an array of plan objects in the given order, each
/// exactly as [`plan_v1::to_json`] writes it, indented one level.
///
/// Plans are serialized on all cores (the plans of a large workspace run
/// to hundreds of megabytes); the text does not depend on how many there
/// are.
pub fn plans_to_json(plans: &[plan_v1::PlanV1]) -> String {
    let texts = crate::parallel::map_in_order(plans.iter().collect(), plan_v1::to_json);
    match texts.as_slice() {
        [one] => one.clone(),
        [] => "[]\n".to_string(),
        many => {
            // Pretty JSON never holds a raw newline inside a string, so
            // indenting every line nests an object by one level.
            let size: usize = many.iter().map(|text| text.len() * 9 / 8).sum();
            let mut out = String::with_capacity(size + 4);
            out.push('[');
            for (index, text) in many.iter().enumerate() {
                out.push_str(if index == 0 { "\n" } else { ",\n" });
                for (line_index, line) in text.trim_end_matches('\n').split('\n').enumerate() {
                    if line_index > 0 {
                        out.push('\n');
                    }
                    out.push_str("  ");
                    out.push_str(line);
                }
            }
            out.push_str("\n]\n");
            out
        }
    }
}

/// Converts plans to format 1.0 on all cores, in order.
pub fn plans_to_v1(
    plans: &[&crate::plan::Plan],
    sources: &crate::source::SourceMap,
) -> Vec<plan_v1::PlanV1> {
    crate::parallel::map_in_order(plans.to_vec(), |plan| convert::to_v1(plan, sources))
}
