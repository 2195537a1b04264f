//! Regions: the registry a pipeline deploys to, and the regions of each
//! production wave, in rollout order (see `Set`). Waves resolve in order:
//! a literal list names regions,
//! filters (`where`) and `take N` choose among the regions earlier waves have
//! not placed, in registry order, and `rest` takes every region no other
//! wave places. Every region of the registry is deployed exactly once in
//! production unless excluded with a reason.
//!
//! A registry is read from its resolved body in `registry` (its AZ ids
//! checked by the rules of `az_ids`); a pipeline's waves are placed in
//! `placement`, their region sets evaluated in `sets` and their `where`
//! filters in `filters`. `problems` holds what is checked of a region set
//! where it is written, without a registry.

mod az_ids;
mod fields;
mod filters;
mod placement;
mod problems;
mod registry;
mod sets;

pub use az_ids::{az_id_prefix, az_id_region_prefix};
pub use fields::field_expr;
pub use placement::{Placement, Placer, WaveRegions};
pub use problems::{region_set_problems, registry_value_problem};
pub use registry::{Region, Registry};
pub use sets::not_a_region;

/// A set of regions in rollout order: as written for a literal list, else
/// the registry's order or that of the set a filter or `take` applies to.
type Set = Vec<String>;
