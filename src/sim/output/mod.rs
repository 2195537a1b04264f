//! Renderings of a simulation: a readable timeline, JSON, and a Mermaid
//! Gantt chart. Each is deterministic: the same simulation gives the same
//! bytes.

pub mod json;
pub mod mermaid;
pub mod text;
