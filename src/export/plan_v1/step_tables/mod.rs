//! The step tables of format 1.3: a step's parameters, its list of gate
//! ids and its field provenance written once each, in the plan's
//! `parameters`, `gate_lists` and `field_provenances`, and named by their
//! index. The 80 deploy steps of a service over the 34 commercial regions
//! hold two distinct deploy objects among them, its 126 steps two gate
//! lists and a score of field provenances: written where they apply, they
//! were a third of the plan's bytes.
//!
//! In memory every step holds its own values (`plan_v1::Step`): the
//! tables exist only in the JSON, as the provenance table does. Writing
//! finds them (each distinct entry numbered at its first use, walking the
//! steps) and writes each step with its numbers (`write`); reading reads
//! each step's fields in either form and puts the numbered ones back
//! whole once the tables are read (`read`). `compile` finds them while
//! it converts each plan instead, converting each distinct entry once
//! (`tabled`), and writes the same bytes.

mod read;
mod tabled;
mod write;

pub(super) use read::{ReadParameters, ReadStep, ReadTables};
pub(crate) use tabled::{FieldPointers, TableBuilder, Tabled, TabledStep};
pub(crate) use write::StepNumbers;
pub(super) use write::{StepTables, WrittenTables, find};

/// The first format version that writes the step tables.
pub(super) const SINCE: &str = "1.3";

/// Whether a plan of `version` writes (and may read) steps' parameters,
/// gates and field provenance by number. Versions are `1.MINOR`.
pub(super) fn has_step_tables(version: &str) -> bool {
    !matches!(version, "1.0" | "1.1" | "1.2")
}
