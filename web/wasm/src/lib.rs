//! The `pipec` core for the browser playground (`web/`). Each function
//! takes one JSON request and returns one JSON answer, so that the page's
//! Web Worker passes strings and the shapes live in one place
//! (`web/README.md` documents them). The work itself is the library's:
//! the same check, plan, graph, simulation and exports as the command
//! line, byte for byte where the command line writes bytes.

mod check;
mod compile;
mod request;
mod timeline;

use wasm_bindgen::prelude::wasm_bindgen;

/// Checks the workspace in `request` as `pipec check` checks every file
/// of it: the diagnostics (with UTF-16 offsets for the editor), the same
/// text the command prints, the pipelines and profiles declared.
#[wasm_bindgen]
pub fn check(request: &str) -> String {
    answer(request, check::check)
}

/// Compiles `request.file`: the document `pipec compile FILE` writes, the
/// chosen pipeline's plan as `--pipeline NAME --pretty` writes it, its
/// graph and its CodePipeline and GitHub Actions exports with findings.
#[wasm_bindgen]
pub fn compile(request: &str) -> String {
    answer(request, compile::compile)
}

/// Simulates the chosen pipeline from `request.start` (by default, as
/// `pipec simulate` starts it) and lays the rollout out as a timeline.
#[wasm_bindgen]
pub fn simulate(request: &str) -> String {
    answer(request, timeline::simulate)
}

/// What `pipec explain CODE` prints, or why there is no such code.
#[wasm_bindgen]
pub fn explain(topic: &str) -> String {
    match pipec::explain::lookup(topic.trim()) {
        Ok(topic) => pipec::explain::explain(topic),
        Err(unknown) => match unknown.suggestion {
            Some(suggestion) => {
                format!(
                    "no diagnostic code or policy rule `{topic}`; did you mean `{suggestion}`?\n"
                )
            }
            None => format!("no diagnostic code or policy rule `{topic}`\n"),
        },
    }
}

/// Reads the request, runs `work`, and writes its answer; a request that
/// is not what the page sends gets `{"ok": false, "text": why}`.
fn answer<T: serde::Serialize>(
    request: &str,
    work: impl FnOnce(&request::Request) -> Result<T, request::Refusal>,
) -> String {
    let written = match serde_json::from_str::<request::Request>(request) {
        Ok(request) => match work(&request) {
            Ok(answer) => serde_json::to_string(&answer),
            Err(refusal) => serde_json::to_string(&refusal),
        },
        Err(error) => serde_json::to_string(&request::Refusal::new(format!(
            "the request is not a playground request: {error}"
        ))),
    };
    // Answers hold strings, numbers and lists only.
    written.unwrap_or_else(|error| {
        format!(
            "{{\"ok\":false,\"text\":{}}}",
            serde_json::Value::String(error.to_string())
        )
    })
}
