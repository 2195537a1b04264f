//! `pipec run`: executing a plan's commands as real processes, in
//! dependency order, crash-safely. See `docs/execution.md`.

pub mod state;
