//! `pipec`: the compiler for `.pipe`, a language for safe, multi-region
//! deployment pipelines. See `ARCHITECTURE.md` for the stages.

pub mod check;
pub mod diagnostics;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod workspace;
