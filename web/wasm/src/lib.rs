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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use serde_json::{Value, json};

    fn call(function: fn(&str) -> String, request: Value) -> Value {
        serde_json::from_str(&function(&request.to_string())).unwrap()
    }

    fn workspace(text: &str) -> Value {
        json!({ "files": [{ "name": "app.pipe", "text": text }], "today": "2027-01-20" })
    }

    const PIPELINE: &str = "pipeline app {\n  platform = ecs\n  source code = git(\"https://git.example.com/app.git\", branch: \"main\") { require review }\n  build bundle from code { run = \"make\"; sign = true }\n}\n";

    #[test]
    fn requests_the_page_never_sends_are_refused_not_trapped() {
        for bad in [
            "",
            "null",
            "[]",
            "{\"files\": 3}",
            "{\"files\": [], \"today\": \"soon\"}",
        ] {
            let answer: Value = serde_json::from_str(&super::check(bad)).unwrap();
            assert_eq!(answer["ok"], json!(false), "{bad}");
            assert!(answer["text"].as_str().unwrap().len() > 10, "{bad}");
        }
        let no_file = call(super::compile, workspace(PIPELINE));
        assert_eq!(no_file["text"], json!("no file chosen"));
        let mut unknown = workspace(PIPELINE);
        unknown["file"] = json!("app.pipe");
        unknown["pipeline"] = json!("other");
        // As `pipec compile app.pipe --pipeline other` says it.
        let answer = call(super::compile, unknown.clone());
        assert_eq!(
            answer["text"],
            json!(
                "error[P1003]: no pipeline `other` in app.pipe\n = help: the pipelines of app.pipe are: app\n\n"
            ),
            "{answer}"
        );
        // A file of templates only has no plan to compile or simulate.
        let mut templates = workspace("template T {\n  platform = ecs\n}\n");
        templates["file"] = json!("app.pipe");
        for (function, command) in [
            (super::compile as fn(&str) -> String, "compile"),
            (super::simulate, "simulate"),
        ] {
            let answer = call(function, templates.clone());
            assert_eq!(
                answer["text"],
                json!(format!(
                    "error[P1003]: app.pipe declares no pipeline\n = help: `{command}` works on the plans of the pipelines a file declares; templates have none\n\n"
                )),
                "{answer}"
            );
        }
        unknown["pipeline"] = json!("app");
        unknown["start"] = json!("next tuesday");
        let answer = call(super::simulate, unknown);
        assert!(
            answer["text"]
                .as_str()
                .unwrap()
                .starts_with("start `next tuesday`"),
            "{answer}"
        );
    }

    #[test]
    fn a_file_that_does_not_compile_answers_with_the_diagnostics_text() {
        let mut request =
            workspace("pipeline app {\n  platform = ecs\n  stage beta { bake = 1hx }\n}\n");
        request["file"] = json!("app.pipe");
        let answer = call(super::compile, request);
        assert_eq!(answer["ok"], json!(false));
        let text = answer["text"].as_str().unwrap();
        assert!(text.contains("error[P0006]"), "{text}");
        assert!(
            text.ends_with("error: could not compile app.pipe: 1 error\n"),
            "{text}"
        );
    }

    #[test]
    fn diagnostics_count_utf16_units_for_the_editor() {
        // `é` is two bytes and one UTF-16 unit; `𝄞` four bytes and two.
        let answer = call(
            super::check,
            workspace("// é𝄞\nwindow w {\n  zone: \"UTC\"\n  allow = [mon]\n}\n"),
        );
        let found = &answer["diagnostics"][0];
        assert_eq!(found["code"], json!("P0010"), "{answer}");
        let text = "// é𝄞\nwindow w {\n  zone: \"UTC\"\n  allow = [mon]\n}\n";
        let units: Vec<u16> = text.encode_utf16().collect();
        let from = found["from"].as_u64().unwrap() as usize;
        let to = found["to"].as_u64().unwrap() as usize;
        let shown = String::from_utf16(&units[from..to]).unwrap();
        assert_eq!(shown, ":");
        assert_eq!(found["column"], json!(7));
        assert_eq!(found["line"], json!(3));
    }

    /// With no start and no Monday left after `today`, the playground says
    /// what `pipec simulate` says, not that the zone is unknown; with a
    /// start, `today` does not matter.
    #[test]
    fn a_default_start_past_the_last_time_is_named_as_the_cli_names_it() {
        let mut request = workspace(PIPELINE);
        request["file"] = json!("app.pipe");
        request["today"] = json!("9999-12-31");
        let answer = call(super::simulate, request.clone());
        assert_eq!(answer["ok"], json!(false), "{answer}");
        assert_eq!(
            answer["text"],
            json!(
                "no start: the first Monday on or after 9999-12-31, 09:00, is past the last time this pipec can write"
            )
        );
        request["start"] = json!("2027-01-25T09:00:00Z");
        let answer = call(super::simulate, request);
        assert_eq!(answer["ok"], json!(true), "{answer}");
        assert_eq!(answer["start"], json!("2027-01-25T09:00:00Z"), "{answer}");
    }

    #[test]
    fn explain_gives_the_command_line_text() {
        assert!(super::explain("P0006").starts_with("P0006 "));
        assert!(super::explain(" P0006\n").starts_with("P0006 "));
        assert!(super::explain("P9999").starts_with("no diagnostic code or policy rule"));
    }
}
