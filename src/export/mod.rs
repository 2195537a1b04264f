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
pub mod plan_v1;
