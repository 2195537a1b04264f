//! Checks that run on one file's syntax tree, without resolving names
//! across files: where members may stand, modifiers, duplicates.

mod shape;

pub use shape::{Body, check_shape};
