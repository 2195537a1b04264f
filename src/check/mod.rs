//! Checks that run on one file's syntax tree, without resolving names
//! across files: where members may stand, modifiers, duplicates.

mod shape;

pub use shape::{
    Body, REGION_FIELDS, Repeat, builtin_restated_as, builtin_single_value, builtin_type,
    check_shape, repeats, reported_as_list_operand, reported_as_misused_modifier,
    reported_as_out_of_place, single_value_elsewhere, whole_builtin_value,
};
