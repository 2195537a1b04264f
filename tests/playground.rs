//! The playground's WebAssembly build (web/wasm/, built by web/build.sh)
//! against the native command line: the same plans, byte for byte, for
//! every example; the same `check` text; the same end of a simulated
//! rollout. Then the page itself in headless Chromium (web/tests/).
//!
//! `PIPEC_WEB_PKG` names the wasm-bindgen output (web/pkg/) and
//! `PIPEC_WEB_DIST` the built site; `PIPEC_WEB_PYTEST` the pytest of the
//! virtualenv with Playwright and `PIPEC_CHROMIUM` the browser.
//! scripts/test.sh builds the site and sets them all; a plain `cargo
//! test` says which part it did not run.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;
mod support;

use processes::wait_bounded;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const PIPEC: &str = env!("CARGO_BIN_EXE_pipec");
const TODAY: &str = "2027-01-20";

/// The tests of this file run one at a time: the browser's are bounded
/// in time (a mistake shows within a second), and on two cores the
/// others' compiles would eat that second.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Answers `jobs` with the wasm module under Node (web/tests/wasm_answers.mjs).
fn wasm_answers(pkg: &Path, jobs: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg(repo().join("web/tests/wasm_answers.mjs"))
        .arg(pkg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the wasm module");
    let input = serde_json::to_vec(jobs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).unwrap();
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "node failed: {}", output.status);
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A workspace of the examples: its directory, every `.pipe` file below
/// it and its `pipec.toml`, named relative to it.
struct Example {
    dir: PathBuf,
    files: Vec<(String, String)>,
}

fn example(dir: &str) -> Example {
    let dir = repo().join(dir);
    let marker = dir.join("pipec.toml");
    let mut paths = support::pipe_files_below(&dir);
    if marker.is_file() {
        paths.push(marker);
    }
    let mut files: Vec<(String, String)> = paths
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(path).unwrap())
        })
        .collect();
    files.sort();
    Example { dir, files }
}

impl Example {
    fn request(&self) -> Value {
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|(name, text)| json!({ "name": name, "text": text }))
            .collect();
        json!({ "files": files, "today": TODAY })
    }

    fn pipe_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| name.ends_with(".pipe"))
    }

    /// `pipec ARGS` run in the example's directory.
    fn native(&self, args: &[&str]) -> std::process::Output {
        Command::new(PIPEC)
            .args(args)
            .args(["--today", TODAY])
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

fn pkg() -> Option<PathBuf> {
    let pkg = std::env::var_os("PIPEC_WEB_PKG").map(PathBuf::from);
    if pkg.is_none() {
        processes::not_run("the playground's wasm module", "PIPEC_WEB_PKG unset");
    }
    pkg
}

const EXAMPLES: [&str; 3] = ["examples/sample", "examples/run", "examples/concepts"];

#[test]
fn wasm_and_native_plans_are_byte_identical_for_every_example() {
    let _serial = one_at_a_time();
    let Some(pkg) = pkg() else { return };
    let mut compared = 0;
    for dir in EXAMPLES {
        let example = example(dir);
        let mut jobs = Vec::new();
        let mut expected = Vec::new();
        for file in example.pipe_files() {
            let document = example.native(&["compile", file]);
            if !document.status.success() {
                // A file of templates only: the module refuses it too, in
                // the command's words.
                let mut request = example.request();
                request["file"] = json!(file);
                jobs.push(json!({ "op": "compile", "request": request }));
                let said = String::from_utf8(document.stderr).unwrap();
                expected.push((file.to_string(), None, Some(said)));
                continue;
            }
            let plans: Value = serde_json::from_slice(&document.stdout).unwrap();
            let plans = match plans {
                Value::Array(plans) => plans,
                plan => vec![plan],
            };
            for plan in plans {
                let pipeline = plan["pipeline"].as_str().unwrap().to_string();
                let pretty =
                    example.native(&["compile", file, "--pipeline", &pipeline, "--pretty"]);
                assert!(pretty.status.success());
                let mut request = example.request();
                request["file"] = json!(file);
                request["pipeline"] = json!(pipeline);
                jobs.push(json!({ "op": "compile", "request": request }));
                expected.push((
                    format!("{file} --pipeline {pipeline}"),
                    Some(String::from_utf8(document.stdout.clone()).unwrap()),
                    Some(String::from_utf8(pretty.stdout).unwrap()),
                ));
            }
        }
        let answers = wasm_answers(&pkg, &jobs);
        for ((what, document, plan), answer) in expected.into_iter().zip(answers) {
            match (document, plan) {
                (Some(document), Some(plan)) => {
                    assert_eq!(answer["ok"], json!(true), "{dir}: {what}: {answer}");
                    assert!(
                        answer["document"].as_str() == Some(document.as_str()),
                        "{dir}: {what}: `pipec compile` and the wasm module differ"
                    );
                    assert!(
                        answer["plan"].as_str() == Some(plan.as_str()),
                        "{dir}: {what}: `pipec compile --pretty` and the wasm module differ"
                    );
                    compared += 1;
                }
                (None, said) => {
                    assert_eq!(answer["ok"], json!(false), "{dir}: {what}: {answer}");
                    assert!(answer.get("document").is_none(), "{dir}: {what}: {answer}");
                    assert_eq!(
                        answer["text"].as_str(),
                        said.as_deref(),
                        "{dir}: {what}: `pipec compile` and the wasm module refuse differently"
                    );
                }
                (Some(_), None) => unreachable!("a plan is compared with its document"),
            }
        }
    }
    // The sample's two services, the runnable example, and the concepts.
    assert!(compared >= 10, "only {compared} plans compared");
}

#[test]
fn wasm_check_prints_what_pipec_check_prints() {
    let _serial = one_at_a_time();
    let Some(pkg) = pkg() else { return };
    let clean = example("examples/sample");
    // Two mistakes in the template: two errors, and nothing more: the
    // waves left without a bake draw no policy warnings while the bakes
    // cannot be read (docs/language.md, Error recovery).
    let mut broken = example("examples/sample");
    let scratch = std::env::temp_dir().join(format!("pipec-playground-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for (name, text) in &mut broken.files {
        if name == "team/service.pipe" {
            assert!(text.contains("bake = 4h }"));
            *text = text.replace("bake = 4h }", "bake = 4hx }");
        }
        let path = scratch.join(&*name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &*text).unwrap();
    }
    broken.dir = scratch.clone();
    let jobs = [
        json!({ "op": "check", "request": clean.request() }),
        json!({ "op": "check", "request": broken.request() }),
    ];
    let answers = wasm_answers(&pkg, &jobs);
    for (example, answer) in [&clean, &broken].into_iter().zip(&answers) {
        let native = example.native(&["check"]);
        let printed = String::from_utf8(native.stderr).unwrap();
        let from_wasm = format!(
            "{}{}\n",
            answer["text"].as_str().unwrap(),
            answer["summary"].as_str().unwrap()
        );
        assert_eq!(from_wasm, printed);
    }
    let codes: Vec<&str> = answers[1]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["P0006", "P0006"]);
    let first = &answers[1]["diagnostics"][0];
    assert_eq!(first["file"], json!("team/service.pipe"));
    assert_eq!(
        (first["line"].clone(), first["column"].clone()),
        (json!(55), json!(81))
    );
    // UTF-16 offsets of `hx`'s number, as the editor counts.
    let text = &broken
        .files
        .iter()
        .find(|(name, _)| name == "team/service.pipe")
        .unwrap()
        .1;
    let from = first["from"].as_u64().unwrap() as usize;
    let units: Vec<u16> = text.encode_utf16().collect();
    assert_eq!(String::from_utf16(&units[from..from + 3]).unwrap(), "4hx");
    assert_eq!(answers[0]["pipelines"].as_array().unwrap().len(), 2);
    assert_eq!(answers[0]["profiles"], json!(["emergency"]));
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn wasm_timeline_ends_where_pipec_simulate_ends() {
    let _serial = one_at_a_time();
    let Some(pkg) = pkg() else { return };
    let sample = example("examples/sample");
    let mut jobs = Vec::new();
    // The module's start, and the same start for `pipec simulate`: a
    // local time is read in the zone of the plan's window (Los Angeles).
    let starts = [
        (None, None),
        (
            Some("2027-01-22T15:30:00-08:00"),
            Some("2027-01-22T15:30:00-08:00"),
        ),
        (Some("2027-01-22T15:30"), Some("2027-01-22T15:30:00-08:00")),
    ];
    for (start, _) in starts {
        let mut request = sample.request();
        request["file"] = json!("services/orders_api.pipe");
        request["start"] = json!(start);
        jobs.push(json!({ "op": "simulate", "request": request }));
    }
    let answers = wasm_answers(&pkg, &jobs);
    for ((_, native_start), answer) in starts.iter().zip(&answers) {
        let mut args = vec!["simulate", "services/orders_api.pipe", "--format", "json"];
        if let Some(start) = native_start {
            args.extend(["--start", start]);
        }
        let native = sample.native(&args);
        assert!(native.status.success());
        let native: Value = serde_json::from_slice(&native.stdout).unwrap();
        assert_eq!(answer["ok"], json!(true), "{answer}");
        assert_eq!(answer["start"], native["summary"]["started_at"]);
        assert_eq!(answer["end"], native["summary"]["finished_at"]);
        assert_eq!(answer["total_seconds"], native["summary"]["total_seconds"]);
        let last_bar_end = answer["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row["bars"].as_array().unwrap())
            .map(|bar| bar["end"].as_str().unwrap().to_string())
            .max()
            .unwrap();
        assert_eq!(json!(last_bar_end), native["summary"]["finished_at"]);
        // Every production region has a row.
        for region in native["summary"]["regions"].as_array().unwrap() {
            let name = region["region"].as_str().unwrap();
            assert!(
                answer["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|row| row["region"] == json!(name)),
                "no row for {name}"
            );
        }
    }
    // Starting on a Friday afternoon, the rollout waits out the weekend:
    // Saturday and Sunday are shaded, and closed spans cover them.
    let friday = &answers[1];
    let weekend: Vec<&Value> = friday["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|day| day["weekend"] == json!(true))
        .collect();
    assert_eq!(weekend.len(), 2, "{}", friday["days"]);
    assert!(!friday["closed"].as_array().unwrap().is_empty());
}

#[test]
fn page_in_headless_chromium() {
    let _serial = one_at_a_time();
    let (Some(pytest), Some(dist), Some(chromium)) = (
        std::env::var_os("PIPEC_WEB_PYTEST"),
        std::env::var_os("PIPEC_WEB_DIST"),
        std::env::var_os("PIPEC_CHROMIUM"),
    ) else {
        processes::not_run(
            "the playground's browser tests",
            "PIPEC_WEB_PYTEST, PIPEC_WEB_DIST or PIPEC_CHROMIUM unset",
        );
        return;
    };
    let suite = repo().join("web/tests");
    let artifacts = repo().join("target/web-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let child = Command::new(&pytest)
        .args(["-p", "no:cacheprovider", "-q", "-rA", "-s"])
        .arg(&suite)
        .current_dir(&suite)
        .env("PIPEC_BIN", PIPEC)
        .env("PIPEC_REPO", repo())
        .env("PIPEC_WEB_DIST", dist)
        .env("PIPEC_CHROMIUM", chromium)
        .env("PIPEC_WEB_ARTIFACTS", &artifacts)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", Path::new(&pytest).display()));
    let status = wait_bounded(child, Duration::from_secs(600), "pytest");
    assert!(
        status.success(),
        "the playground's browser tests failed: {status}"
    );
}

#[test]
fn wasm_module_is_at_most_one_and_a_half_megabytes_gzipped() {
    let _serial = one_at_a_time();
    let Some(pkg) = pkg() else { return };
    let module = pkg.join("pipec_wasm_bg.wasm");
    let raw = std::fs::metadata(&module).unwrap().len();
    let gzip = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&module)
        .output()
        .expect("gzip runs");
    assert!(gzip.status.success());
    let gzipped = gzip.stdout.len();
    eprintln!("the wasm module: {raw} bytes, {gzipped} gzipped");
    assert!(gzipped <= 1_500_000, "{gzipped} bytes gzipped");
    // A real module, not an empty one.
    assert!(gzipped > 100_000, "{gzipped} bytes gzipped");
}

#[test]
fn wasm_survives_hostile_input_as_the_native_build_does() {
    let _serial = one_at_a_time();
    // The module's stack is smaller than a native thread's: the inputs
    // tests/robustness.rs uses against deep recursion, through the whole
    // check, must give the command line's answer, not a trap.
    let Some(pkg) = pkg() else { return };
    let texts = [
        format!(
            "alarm deep = {}x{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!("template T {{ x = {}", "[".repeat(100_000)),
        format!(
            "template T {{ alarm a = {}ALARM(\"x\"){} }}",
            "(".repeat(62),
            ")".repeat(62)
        ),
        format!("alarm a = {}ALARM(\"x\")", "not ".repeat(100_000)),
        format!(
            "alarm a = ALARM(\"x\"){}",
            " or ALARM(\"y\")".repeat(50_000)
        ),
        format!(
            "alarm a = aws{}",
            " where traffic == low take 1".repeat(20_000)
        ),
    ];
    let scratch =
        std::env::temp_dir().join(format!("pipec-playground-hostile-{}", std::process::id()));
    let jobs: Vec<Value> = texts
        .iter()
        .map(|text| {
            json!({ "op": "check", "request": { "files": [{ "name": "a.pipe", "text": text }], "today": TODAY } })
        })
        .collect();
    let answers = wasm_answers(&pkg, &jobs);
    for (text, answer) in texts.iter().zip(&answers) {
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join("a.pipe"), text).unwrap();
        let native = Example {
            dir: scratch.clone(),
            files: Vec::new(),
        }
        .native(&["check", "a.pipe"]);
        let printed = String::from_utf8(native.stderr).unwrap();
        let from_wasm = format!(
            "{}{}\n",
            answer["text"].as_str().unwrap(),
            answer["summary"].as_str().unwrap()
        );
        assert!(
            from_wasm == printed,
            "{}…: the module and `pipec check` differ",
            &text[..40]
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Writes an executable shell script.
fn script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// web/build.sh finds the module where cargo builds it, which is not
/// `target/` when `CARGO_TARGET_DIR` says otherwise. Run on a copy of the
/// script, with `cargo` and `wasm-bindgen` standing in for the real ones
/// (they only say where the module is and check it is there), so that
/// the test takes no build.
#[cfg(unix)]
#[test]
fn build_sh_takes_the_module_from_cargos_target_directory() {
    let Ok(node) = Command::new("node").arg("--version").output() else {
        processes::not_run("web/build.sh", "no `node` on the PATH");
        return;
    };
    assert!(node.status.success());
    let scratch = std::env::temp_dir().join(format!("pipec-build-sh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let tree = scratch.join("tree");
    std::fs::create_dir_all(tree.join("web/node_modules")).unwrap();
    std::fs::copy(repo().join("web/build.sh"), tree.join("web/build.sh")).unwrap();
    std::fs::copy(repo().join("Cargo.lock"), tree.join("Cargo.lock")).unwrap();
    // The packages are installed already (the stamp matches the lock file);
    // the page's bundler only says it ran.
    std::fs::write(tree.join("web/package-lock.json"), "{}").unwrap();
    std::fs::write(tree.join("web/node_modules/.installed.lock.json"), "{}").unwrap();
    std::fs::write(
        tree.join("web/build.mjs"),
        "import { writeFileSync } from \"node:fs\";\nwriteFileSync(\"bundled\", \"\");\n",
    )
    .unwrap();
    let bin = scratch.join("bin");
    // cargo builds into CARGO_TARGET_DIR when it is set, and says so in
    // its metadata.
    script(
        &bin.join("cargo"),
        r#"#!/bin/sh
target="${CARGO_TARGET_DIR:-$PWD/target}"
case "$1" in
build)
    mkdir -p "$target/wasm32-unknown-unknown/wasm"
    echo module >"$target/wasm32-unknown-unknown/wasm/pipec_wasm.wasm" ;;
metadata)
    printf '{"packages":[],"target_directory":"%s","version":1}\n' "$target" ;;
*)
    echo "cargo $1: not expected" >&2; exit 1 ;;
esac
"#,
    );
    script(
        &bin.join("rustup"),
        "#!/bin/sh\necho wasm32-unknown-unknown\n",
    );
    let version = std::fs::read_to_string(repo().join("Cargo.lock"))
        .unwrap()
        .split("\n[[package]]\n")
        .find_map(|package| {
            package
                .strip_prefix("name = \"wasm-bindgen\"\nversion = \"")
                .and_then(|rest| rest.split('"').next())
                .map(str::to_string)
        })
        .expect("wasm-bindgen in Cargo.lock");
    let cache = scratch.join("cache");
    script(
        &cache.join(format!("pipec/wasm-bindgen-cli-{version}/bin/wasm-bindgen")),
        r#"#!/bin/sh
for last; do :; done
[ -f "$last" ] || { echo "wasm-bindgen: no module at $last" >&2; exit 1; }
mkdir -p web/pkg && cp "$last" web/pkg/pipec_wasm_bg.wasm
"#,
    );
    let node_dir = Path::new(
        &String::from_utf8(
            Command::new("sh")
                .args(["-c", "command -v node"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim()
        .to_string(),
    )
    .parent()
    .unwrap()
    .to_path_buf();
    let elsewhere = scratch.join("elsewhere");
    let output = Command::new("bash")
        .arg(tree.join("web/build.sh"))
        .env(
            "PATH",
            format!("{}:{}:/usr/bin:/bin", bin.display(), node_dir.display()),
        )
        .env("XDG_CACHE_HOME", &cache)
        .env("CARGO_TARGET_DIR", &elsewhere)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "web/build.sh with CARGO_TARGET_DIR failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.join("web/pkg/pipec_wasm_bg.wasm").is_file());
    assert!(tree.join("bundled").is_file(), "web/build.mjs did not run");
    let _ = std::fs::remove_dir_all(&scratch);
}
