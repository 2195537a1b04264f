//! `pipec run`: executing a plan's commands as real processes, in
//! dependency order, crash-safely. See `docs/execution.md`.

pub mod alarm_expr;
pub mod alarms;
pub mod clock;
pub mod process;
pub mod scheduler;
pub mod secrets;
pub mod state;
pub mod window;
