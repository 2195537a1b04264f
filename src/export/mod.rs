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
pub mod compact_json;
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

impl Layout {
    /// The JSON of one plan in this layout.
    pub fn write(self, plan: &plan_v1::PlanV1) -> String {
        match self {
            Layout::Compact => plan_v1::to_json_compact(plan),
            Layout::Pretty => plan_v1::to_json(plan),
        }
    }
}

/// The JSON `pipec compile` writes for `plans`: one plan object when there
/// is one plan, otherwise an array of plan objects in the given order,
/// exactly as serde_json writes the array in that layout.
///
/// Plans are serialized on all cores (the plans of a large workspace run
/// to tens of megabytes); the text does not depend on how many there are.
pub fn plans_to_json(plans: &[plan_v1::PlanV1], layout: Layout) -> String {
    let count = plans.len();
    let pieces =
        crate::parallel::map_in_order(plans.iter().enumerate().collect(), |(index, plan)| {
            plan_piece(plan, index, count, layout)
        });
    let mut out = Vec::with_capacity(pieces.iter().map(Vec::len).sum::<usize>() + 4);
    for piece in &pieces {
        out.extend_from_slice(piece);
    }
    out.extend_from_slice(plans_end(count, layout).as_bytes());
    utf8(out)
}

/// JSON written as bytes, as the text it is: the writers write UTF-8 only.
fn utf8(json: Vec<u8>) -> String {
    String::from_utf8(json)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// The bytes plan `index` of `count` takes in [`plans_to_json`]'s output:
/// its JSON in that layout when it is the only plan, otherwise an element
/// of the array, with what comes before it. Written one after another,
/// then [`plans_end`], the pieces make the whole document, so a caller can
/// write plans out as they are built instead of holding them all. Bytes,
/// not a string, so that a piece going straight to a file is not checked
/// to be UTF-8 on the way (76 KB per service).
pub fn plan_piece(plan: &plan_v1::PlanV1, index: usize, count: usize, layout: Layout) -> Vec<u8> {
    match layout {
        Layout::Compact => {
            // Sized for a plan (a service's is about 76 KB), rather than
            // grown.
            let mut out = Vec::with_capacity(128 << 10);
            write_plan_piece(&mut out, plan, index, count, layout);
            out
        }
        Layout::Pretty => pretty_piece(plan, index, count),
    }
}

/// Appends [`plan_piece`] to `out`, so that a writer can reuse one buffer
/// for plan after plan.
pub fn write_plan_piece(
    out: &mut Vec<u8>,
    plan: &plan_v1::PlanV1,
    index: usize,
    count: usize,
    layout: Layout,
) {
    match layout {
        // Serialized straight after its `[` or `,`, rather than into a
        // string of its own that is then copied.
        Layout::Compact => {
            compact_piece(out, index, count, |out| plan_v1::write_compact(out, plan));
        }
        Layout::Pretty => out.extend_from_slice(&pretty_piece(plan, index, count)),
    }
}

/// Appends the compact piece of the plan at `index` of `count`: the plan
/// `write` appends, after its `[` or `,` among several, or with a
/// newline alone.
fn compact_piece(out: &mut Vec<u8>, index: usize, count: usize, write: impl FnOnce(&mut Vec<u8>)) {
    if count != 1 {
        out.push(if index == 0 { b'[' } else { b',' });
    }
    write(out);
    if count == 1 {
        out.push(b'\n');
    }
}

/// [`write_plan_piece`] of a compiled plan not needed afterwards,
/// converted as it is written: in the compact layout, each distinct
/// parameters object, gate list and provenance of the plan is converted
/// once ([`convert::into_tabled`]) rather than at each of its uses. The
/// bytes are those of [`write_plan_piece`] of [`convert::into_v1`]'s
/// plan.
pub fn write_compiled_piece(
    out: &mut Vec<u8>,
    plan: crate::plan::Plan,
    sources: &crate::source::SourceMap,
    (index, count): (usize, usize),
    layout: Layout,
) {
    match layout {
        Layout::Compact => {
            let tabled = convert::into_tabled(plan, sources);
            compact_piece(out, index, count, |out| {
                if let Err(error) = compact_json::write(out, &tabled) {
                    // As for `plan_v1::write_compact`: nothing to refuse.
                    unreachable!("a plan always serializes: {error}")
                }
            });
        }
        Layout::Pretty => {
            let converted = convert::into_v1(plan, sources);
            write_plan_piece(out, &converted, index, count, layout);
        }
    }
}

/// [`plan_piece`] in the pretty layout.
fn pretty_piece(plan: &plan_v1::PlanV1, index: usize, count: usize) -> Vec<u8> {
    let layout = Layout::Pretty;
    match count {
        1 => layout.write(plan).into_bytes(),
        _ => {
            let text = layout.write(plan);
            let text = text.trim_end_matches('\n');
            // Pretty JSON never holds a raw newline inside a string, so
            // indenting every line nests an object by one level.
            let mut out = String::with_capacity(text.len() * 9 / 8 + 2);
            out.push_str(if index == 0 { "[\n" } else { ",\n" });
            for (line_index, line) in text.split('\n').enumerate() {
                if line_index > 0 {
                    out.push('\n');
                }
                out.push_str("  ");
                out.push_str(line);
            }
            out.into_bytes()
        }
    }
}

/// What ends [`plans_to_json`]'s output after the pieces of `count` plans.
pub fn plans_end(count: usize, layout: Layout) -> &'static str {
    match (count, layout) {
        (0, _) => "[]\n",
        (1, _) => "",
        (_, Layout::Compact) => "]\n",
        (_, Layout::Pretty) => "\n]\n",
    }
}

/// Converts plans to the plan format on all cores, in order.
pub fn plans_to_v1(
    plans: &[&crate::plan::Plan],
    sources: &crate::source::SourceMap,
) -> Vec<plan_v1::PlanV1> {
    crate::parallel::map_in_order(plans.to_vec(), |plan| convert::to_v1(plan, sources))
}
