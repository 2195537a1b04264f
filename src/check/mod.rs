//! Checks that run on one file's syntax tree, without resolving names
//! across files: where members may stand, modifiers, duplicates.

mod shape;

pub use shape::{Body, builtin_type, check_shape};
