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

pub mod codepipeline;
pub mod convert;
pub mod findings;
pub mod github_actions;
pub mod graph;
pub mod plan_v1;
pub mod version;

/// How plan JSON is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One line per plan ([`plan_v1::to_json_compact`]), the default.
    Compact,
    /// Indented ([`plan_v1::to_json`]), for people: `compile --pretty`.
    Pretty,
}

/// The JSON `pipec compile` writes for `plans`: one plan object when there
/// is one plan, otherwise an array of plan objects in the given order,
/// exactly as serde_json writes the array in that layout.
///
/// Plans are serialized on all cores (the plans of a large workspace run
/// to tens of megabytes); the text does not depend on how many there are.
pub fn plans_to_json(plans: &[plan_v1::PlanV1], layout: Layout) -> String {
    let write = match layout {
        Layout::Compact => plan_v1::to_json_compact,
        Layout::Pretty => plan_v1::to_json,
    };
    let texts = crate::parallel::map_in_order(plans.iter().collect(), write);
    match (texts.as_slice(), layout) {
        ([one], _) => one.clone(),
        ([], _) => "[]\n".to_string(),
        (many, Layout::Compact) => {
            let size: usize = many.iter().map(String::len).sum();
            let mut out = String::with_capacity(size + 2);
            out.push('[');
            for (index, text) in many.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(text.trim_end_matches('\n'));
            }
            out.push_str("]\n");
            out
        }
        (many, Layout::Pretty) => {
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

/// Converts plans to format 1.1 on all cores, in order.
pub fn plans_to_v1(
    plans: &[&crate::plan::Plan],
    sources: &crate::source::SourceMap,
) -> Vec<plan_v1::PlanV1> {
    crate::parallel::map_in_order(plans.to_vec(), |plan| convert::to_v1(plan, sources))
}
