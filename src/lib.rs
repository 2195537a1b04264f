//! `pipec`: the compiler for `.pipe`, a language for safe, multi-region
//! deployment pipelines. See `ARCHITECTURE.md` for the stages.
//!
//! Checking source held in memory:
//!
//! ```
//! use pipec::diagnostics::Code;
//! use pipec::workspace::check_text;
//!
//! let checked = check_text("orders.pipe", "window w {\n  zone: \"UTC\"\n}\n");
//! let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
//! assert_eq!(codes, vec![Code::YAML_HABIT]);
//!
//! let checked = check_text("ok.pipe", "alarm a = ALARM(\"A\") or ALARM(\"B\")\n");
//! assert!(!checked.has_errors());
//! ```

// The modules behind `native` read and write files, spawn processes or
// serve the language server; the rest is the compiler core, which does no
// I/O and also builds for WebAssembly (web/wasm/).
pub mod check;
pub mod diagnostics;
pub mod diff;
#[cfg(feature = "native")]
pub mod disk;
pub mod explain;
pub mod export;
pub(crate) mod hashing;
pub mod loader;
#[cfg(feature = "native")]
pub mod lsp;
pub mod modules;
pub mod names;
pub mod parallel;
pub mod plan;
#[cfg(feature = "native")]
pub mod run;
pub mod semantics;
pub mod settings;
pub mod sim;
pub mod source;
pub mod stdlib;
pub mod syntax;
#[cfg(feature = "native")]
pub mod walk;
pub mod workspace;
