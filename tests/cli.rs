//! The `pipec` binary as users run it: exit codes, inputs, colour.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod processes;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pipec(args: &[&str], stdin: Option<&str>) -> Output {
    pipec_in(".", args, stdin)
}

/// [`pipec`], run in the directory `dir`.
fn pipec_in(dir: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that exits before reading (a usage error) closes the pipe
    // first; that is its answer, not a failure of the test.
    if let Err(error) = input.write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// `pipec compile INPUT -o OUT`.
fn compile_to(input: &std::path::Path, out: &std::path::Path) -> Output {
    pipec(
        &[
            "compile",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    )
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_examples_succeeds() {
    let output = pipec(&["check", "examples"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("no errors"));
}

#[test]
fn errors_exit_1_with_code_and_location() {
    let output = pipec(
        &[
            "check",
            "-",
            "--stdin-filename",
            "broken.pipe",
            "--color",
            "never",
        ],
        Some("window w {\n  zone = = \"UTC\"\n}\n"),
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[P0001]"), "{text}");
    assert!(text.contains("broken.pipe:2:10"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour was asked for: {text}");
}

/// `compile -` names standard input as `check -` does: in its messages and
/// in the plan's provenance (docs/plan-format.md, Files).
#[test]
fn compile_names_standard_input_as_told() {
    let source = "policy p { allow code-review }\npipeline orders {\n  platform = ecs\n  source code = git(\"https://x/y.git\")\n  build b from code { run = \"make\" }\n}\n";
    let named = pipec(
        &[
            "compile",
            "-",
            "--stdin-filename",
            "services/orders.pipe",
            "-q",
        ],
        Some(source),
    );
    assert_eq!(named.status.code(), Some(0), "{}", stderr(&named));
    let plan: serde_json::Value = serde_json::from_slice(&named.stdout).unwrap();
    let files: Vec<&str> = plan["provenances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|provenance| provenance["file"].as_str().unwrap())
        .collect();
    assert!(!files.is_empty());
    assert!(
        files.iter().all(|file| *file == "services/orders.pipe"),
        "{files:?}"
    );
    let unnamed = pipec(&["compile", "-", "-q"], Some(source));
    assert_eq!(unnamed.status.code(), Some(0), "{}", stderr(&unnamed));
    assert!(String::from_utf8_lossy(&unnamed.stdout).contains("\"file\":\"<stdin>\""));
    let broken = pipec(
        &[
            "compile",
            "-",
            "--stdin-filename",
            "services/orders.pipe",
            "--color",
            "never",
        ],
        Some("pipeline orders { platform = ecs2 }\n"),
    );
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("services/orders.pipe:1:30"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn colour_always_colours_and_never_does_not() {
    let bad = Some("alarm a = \n");
    let coloured = stderr(&pipec(&["check", "-", "--color", "always"], bad));
    assert!(coloured.contains('\u{1b}'), "{coloured}");
    // stderr is a pipe here, so `auto` means no colour.
    let auto = stderr(&pipec(&["check", "-"], bad));
    assert!(!auto.contains('\u{1b}'), "{auto}");
}

/// `--color auto` with the environment's colour variables: `FORCE_COLOR`
/// and `CLICOLOR_FORCE` colour a pipe, a non-empty `NO_COLOR` wins over
/// them, and an empty `NO_COLOR` counts as unset.
#[test]
fn colour_follows_force_color_and_no_color() {
    let run = |vars: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pipec"));
        command
            .args(["check", "tests/fixtures/broken.pipe"])
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (name, value) in vars {
            command.env(name, value);
        }
        stderr(&command.output().unwrap()).contains('\u{1b}')
    };
    assert!(run(&[("FORCE_COLOR", "1")]));
    assert!(run(&[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&[("FORCE_COLOR", "0")]));
    assert!(!run(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    assert!(run(&[("FORCE_COLOR", "1"), ("NO_COLOR", "")]));
    assert!(!run(&[]));
}

#[test]
fn missing_paths_and_bad_flags_exit_2() {
    let missing = pipec(&["check", "does/not/exist.pipe"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no such file or directory"),
        "{}",
        stderr(&missing)
    );
    let bad_flag = pipec(&["check", "--no-such-flag"], None);
    assert_eq!(bad_flag.status.code(), Some(2));
    let bad_color = pipec(&["check", "--color", "sometimes"], None);
    assert_eq!(bad_color.status.code(), Some(2));
}

/// Standard input is read once, and only for `-`: `-` named twice, or
/// `--stdin-filename` without `-`, is a usage error (exit 2) that reads
/// nothing, not a second empty file or a name silently ignored.
#[test]
fn standard_input_is_named_once_and_only_with_dash() {
    let text = "alarm errors = ALARM(\"E\")\n";
    let twice = pipec(&["check", "-", "-"], Some(text));
    assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
    assert!(
        stderr(&twice).contains("error[P1003]"),
        "{}",
        stderr(&twice)
    );
    assert!(!stderr(&twice).contains("checked"), "{}", stderr(&twice));
    for command in ["check", "fmt", "compile"] {
        let unnamed = pipec(
            &[
                command,
                "--stdin-filename",
                "x.pipe",
                "examples/sample/services/orders_api.pipe",
            ],
            None,
        );
        assert_eq!(
            unnamed.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&unnamed)
        );
        assert!(
            stderr(&unnamed).contains("`--stdin-filename` names standard input"),
            "{command}: {}",
            stderr(&unnamed)
        );
    }
}

#[test]
fn version_and_help() {
    let version = pipec(&["--version"], None);
    assert_eq!(version.status.code(), Some(0));
    let stdout = String::from_utf8(version.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        format!("pipec {}", env!("CARGO_PKG_VERSION"))
    );
    let help = pipec(&["help"], None);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8(help.stdout).unwrap().contains("check"));
}

#[test]
fn directories_are_searched_recursively_in_a_stable_order() {
    let dir = scratch_dir("dirs");
    std::fs::create_dir_all(dir.join("b/nested")).unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();
    std::fs::write(dir.join("b/nested/z.pipe"), "alarm z = \n").unwrap();
    std::fs::write(dir.join("a.pipe"), "alarm a = \n").unwrap();
    std::fs::write(dir.join("notes.txt"), "alarm ignored = \n").unwrap();
    std::fs::write(dir.join(".hidden/h.pipe"), "alarm hidden = \n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    let first = text.find("a.pipe").unwrap();
    let second = text.find("z.pipe").unwrap();
    assert!(first < second, "{text}");
    assert!(
        !text.contains("h.pipe") && !text.contains("notes.txt"),
        "{text}"
    );
    assert!(text.contains("checked 2 files"), "{text}");
}

/// Without a `pipec.toml` anywhere above, a walk still leaves out the
/// default excludes, `node_modules` and `target`, at any depth.
#[test]
fn a_walk_outside_a_workspace_skips_the_default_excludes() {
    let dir = scratch_dir("walk-defaults");
    let broken = "alarm broken = \n";
    for sub in [
        "node_modules/pkg",
        "target/debug",
        "api/node_modules",
        "api/target",
    ] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("b.pipe"), broken).unwrap();
    }
    std::fs::write(dir.join("api/ok.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    assert!(
        pipec::walk::root_of_directory(&dir).is_none(),
        "{} lies in a workspace",
        dir.display()
    );
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("checked 1 file:"), "{text}");
    // From inside it, with no path, the same.
    let output = pipec_in(dir.to_str().unwrap(), &["check", "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("checked 1 file:"), "{text}");
    // Named, an excluded directory is still searched.
    let named = dir.join("api/target");
    let output = pipec(
        &["check", named.to_str().unwrap(), "--color", "never"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn a_directory_walk_skips_ignored_and_excluded_files_but_not_named_ones() {
    let dir = scratch_dir("walk");
    for sub in [
        "generated",
        "drafts",
        "node_modules/pkg",
        "team/fixtures",
        "team/api",
    ] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let broken = "alarm broken = \n";
    std::fs::write(dir.join(".gitignore"), "generated/\n").unwrap();
    std::fs::write(
        dir.join("pipec.toml"),
        "[check]\nextend-exclude = [\"drafts\", \"fixtures\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("generated/g.pipe"), broken).unwrap();
    std::fs::write(dir.join("drafts/d.pipe"), broken).unwrap();
    std::fs::write(dir.join("node_modules/pkg/n.pipe"), broken).unwrap();
    std::fs::write(dir.join("team/fixtures/f.pipe"), broken).unwrap();
    std::fs::write(dir.join("team/api/ok.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("checked 1 file:"), "{text}");

    // A file named on the command line is checked even where a walk
    // would leave it out.
    let named = dir.join("drafts/d.pipe");
    let output = pipec(
        &["check", named.to_str().unwrap(), "--color", "never"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // So is a directory named on the command line, though what lies under
    // it is still left out as the globs say.
    let drafts = dir.join("drafts");
    let output = pipec(
        &["check", drafts.to_str().unwrap(), "--color", "never"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let team = dir.join("team");
    let output = pipec(&["check", team.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("checked 1 file:"), "{text}");

    // `exclude` replaces the defaults: `node_modules` is walked again.
    std::fs::write(
        dir.join("pipec.toml"),
        "[check]\nexclude = [\"drafts\", \"fixtures\"]\n",
    )
    .unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("n.pipe") && text.contains("checked 2 files"),
        "{text}"
    );

    // A bad glob is the settings file's error, not a silent full walk.
    std::fs::write(dir.join("pipec.toml"), "[check]\nexclude = [\"a[\"]\n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("pipec.toml") && text.contains("`a[`"),
        "{text}"
    );
}

#[test]
fn a_directory_without_pipe_files_is_a_warning() {
    let dir = scratch_dir("no-pipe-files");
    std::fs::write(dir.join("notes.txt"), "nothing here").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("warning: no .pipe files in"), "{text}");
}

#[test]
fn a_directory_too_deep_to_search_is_an_error_not_a_silent_skip() {
    let dir = scratch_dir("too-deep");
    // A file 64 levels down is found; one a level deeper would be missed.
    let mut deep = dir.clone();
    for _ in 0..63 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("shallow.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("checked 1 file"), "{text}");
    // An empty directory at the limit hides nothing.
    deep.push("d");
    std::fs::create_dir_all(&deep).unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    std::fs::write(deep.join("deep.pipe"), "alarm = 1\n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("P1002") && text.contains("more than 64 directories deep"),
        "{text}"
    );
}

/// From the repository's root, as the README's commands run, a walk checks
/// the examples and the standard library and leaves the intentionally
/// broken fixtures out.
#[test]
fn the_repository_root_checks_without_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["check", "--color", "never"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("tests/"), "{text}");
}

#[test]
fn default_path_is_the_current_directory() {
    let dir = scratch_dir("default");
    std::fs::write(dir.join("ok.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .arg("check")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("checked 1 file"));
}

/// The README shows the output for `tests/fixtures/broken.pipe`; it must
/// be what `pipec` really prints.
#[test]
fn the_readme_example_output_is_real() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let marker = "```text\n$ pipec check broken.pipe\n";
    let start = readme.find(marker).unwrap() + marker.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["check", "broken.pipe", "--color", "never"])
        .current_dir("tests/fixtures")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), shown);
}

/// A symbolic link inside the workspace that points outside it does not
/// let an import escape: links are resolved before the root check.
#[test]
fn imports_through_symlinks_cannot_escape_the_workspace() {
    let dir = scratch_dir("symlink");
    std::fs::create_dir_all(dir.join("ws")).unwrap();
    std::fs::write(dir.join("ws/pipec.toml"), "").unwrap();
    std::fs::write(dir.join("outside.pipe"), "alarm outside = ALARM(\"O\")\n").unwrap();
    std::os::unix::fs::symlink(dir.join("outside.pipe"), dir.join("ws/link.pipe")).unwrap();
    std::fs::write(dir.join("ws/main.pipe"), "import \"./link.pipe\"\n").unwrap();
    let output = pipec(
        &[
            "check",
            dir.join("ws/main.pipe").to_str().unwrap(),
            "--color",
            "never",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[P0202]"),
        "{}",
        stderr(&output)
    );

    // The same import from a file next to the target is fine.
    std::fs::write(dir.join("ws/ok.pipe"), "import \"./main2.pipe\"\n").unwrap();
    std::fs::write(dir.join("ws/main2.pipe"), "alarm inside = ALARM(\"I\")\n").unwrap();
    let output = pipec(&["check", dir.join("ws/ok.pipe").to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A file keeps the root of the entry that led to it: the same import from
/// the same directory can be allowed under one root and refused under
/// another, whichever was resolved first. With no `pipec.toml` anywhere,
/// `ws/main.pipe` has `ws` as its root and `ws/sub/first.pipe` has
/// `ws/sub`: `../shared.pipe` from `ws/sub` is inside the first, not the
/// second.
#[test]
fn an_import_is_confined_to_the_root_it_was_reached_under() {
    let dir = scratch_dir("two-roots");
    for (path, text) in [
        ("ws/shared.pipe", "alarm shared = ALARM(\"S\")\n"),
        ("ws/main.pipe", "import \"./sub/lent.pipe\"\n"),
        ("ws/sub/lent.pipe", "import \"../shared.pipe\"\n"),
        ("ws/sub/first.pipe", "import \"./own.pipe\"\n"),
        ("ws/sub/own.pipe", "import \"../shared.pipe\"\n"),
    ] {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let main = dir.join("ws/main.pipe");
    let first = dir.join("ws/sub/first.pipe");
    for entries in [[&main, &first], [&first, &main]] {
        let mut args = vec!["check", "--color", "never"];
        args.extend(entries.iter().map(|path| path.to_str().unwrap()));
        let output = pipec(&args, None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert_eq!(text.matches("error[P0202]").count(), 1, "{text}");
        assert!(text.contains("ws/sub/own.pipe:1:8"), "{text}");
    }
}

#[test]
fn standard_input_imports_resolve_from_its_file_name() {
    let dir = scratch_dir("stdin-imports");
    std::fs::write(dir.join("team.pipe"), "alarm team = ALARM(\"T\")\n").unwrap();
    let name = dir.join("service.pipe");
    let output = pipec(
        &["check", "-", "--stdin-filename", name.to_str().unwrap()],
        Some("import \"./team.pipe\"\nimport \"./missing.pipe\"\n"),
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot find `./missing.pipe`"), "{text}");
    assert!(!text.contains("team.pipe`"), "{text}");
}

#[test]
fn compile_writes_the_plan_and_refuses_broken_input() {
    let dir = scratch_dir("compile");
    let out = dir.join("plan.json");
    let output = pipec(
        &[
            "compile",
            "examples/sample/services/orders_api.pipe",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(plan["pipeline"], "orders_api");
    assert_eq!(plan["format_version"], "1.3");

    // A broken file: exit 1, diagnostics, and the previous plan untouched.
    std::fs::write(
        dir.join("broken.pipe"),
        "pipeline p { stage beta { bake = 33% } }\n",
    )
    .unwrap();
    let broken = pipec(
        &[
            "compile",
            dir.join("broken.pipe").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("error[P0701]"),
        "{}",
        stderr(&broken)
    );
    let still: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(still, plan);

    // An unknown pipeline name is a usage error that lists the real ones.
    let unknown = pipec(
        &[
            "compile",
            "examples/sample/services/orders_api.pipe",
            "--pipeline",
            "order_api",
        ],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("orders_api"),
        "{}",
        stderr(&unknown)
    );
}

/// The provenance the README shows for the sample's first-wave bake is
/// what `pipec compile` really writes.
#[test]
fn the_readme_provenance_example_is_real() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let marker = "select(.id == \"production/first/bake\") | .provenance]'\n";
    let start = readme.find(marker).unwrap() + marker.len();
    let shown_text = &readme[start..start + readme[start..].find("```").unwrap()];
    let shown: serde_json::Value = serde_json::from_str(shown_text).unwrap();
    let output = pipec(
        &["compile", "examples/sample/services/orders_api.pipe"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let bake = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "production/first/bake")
        .unwrap();
    let number = usize::try_from(bake["provenance"].as_u64().unwrap()).unwrap();
    assert_eq!(plan["provenances"][number], shown);
    // Laid out as `jq` prints it: one member a line, never an object on one.
    for line in shown_text.lines() {
        assert!(
            line.matches("\": ").count() <= 1,
            "not as jq prints it: {line}"
        );
    }
}

/// An exemption counts through its `expires` day and not after: `--today`
/// flips the policy result, reproducibly.
#[test]
fn today_decides_whether_an_exemption_still_counts() {
    let dir = scratch_dir("today");
    std::fs::write(dir.join("pipec.toml"), "").unwrap();
    std::fs::write(
        dir.join("service.pipe"),
        r#"policy org {
  deny signed-artifacts
  exempt orders_api from signed-artifacts { reason = "vendor binary"; expires = 2027-03-31 }
}
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make release" }
}
"#,
    )
    .unwrap();
    let file = dir.join("service.pipe");
    let on_last_day = pipec(
        &[
            "check",
            file.to_str().unwrap(),
            "--today",
            "2027-03-31",
            "--color",
            "never",
        ],
        None,
    );
    assert_eq!(
        on_last_day.status.code(),
        Some(0),
        "{}",
        stderr(&on_last_day)
    );
    assert!(
        !stderr(&on_last_day).contains("signed-artifacts]"),
        "{}",
        stderr(&on_last_day)
    );
    let day_after = pipec(
        &[
            "check",
            file.to_str().unwrap(),
            "--today",
            "2027-04-01",
            "--color",
            "never",
        ],
        None,
    );
    assert_eq!(day_after.status.code(), Some(1), "{}", stderr(&day_after));
    let text = stderr(&day_after);
    assert!(text.contains("error[P0801]: [signed-artifacts]"), "{text}");
    assert!(text.contains("warning[P0804]"), "{text}");
    let bad_date = pipec(
        &["check", file.to_str().unwrap(), "--today", "2027-02-30"],
        None,
    );
    assert_eq!(bad_date.status.code(), Some(2));
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = pipec(&["completions", shell], None);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for subcommand in ["check", "compile", "explain", "completions"] {
            assert!(script.contains(subcommand), "{shell}: {subcommand}");
        }
        // Flags of `check` are completed too, and (where the shell's
        // completion can say them) their values.
        assert!(script.contains("stdin-filename"), "{shell}");
        if !matches!(shell, "powershell" | "elvish") {
            assert!(script.contains("sarif"), "{shell}");
        }
    }
    let zsh = pipec(&["completions", "zsh"], None);
    assert!(
        String::from_utf8(zsh.stdout)
            .unwrap()
            .starts_with("#compdef pipec")
    );
    let fish = pipec(&["completions", "fish"], None);
    assert!(
        String::from_utf8(fish.stdout)
            .unwrap()
            .contains("complete -c pipec")
    );
    let unknown = pipec(&["completions", "tcsh"], None);
    assert_eq!(unknown.status.code(), Some(2));
}

/// `pipec man DIR` writes `pipec(1)` and a page per subcommand, each
/// well-formed roff: groff renders them without a warning.
#[test]
fn man_pages_are_written_for_every_subcommand_and_render_cleanly() {
    let dir = scratch_dir("man");
    let output = pipec(&["man", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let help = String::from_utf8(pipec(&["--help"], None).stdout).unwrap();
    let subcommands: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(subcommands.len() >= 10, "{help}");
    let mut pages = vec!["pipec.1".to_string()];
    pages.extend(subcommands.iter().map(|name| format!("pipec-{name}.1")));
    for page in &pages {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        let title = page.trim_end_matches(".1");
        assert!(text.contains(&format!(".TH {title} 1")), "{page}");
        match Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.join(page))
            .output()
        {
            Ok(rendered) => {
                assert!(rendered.status.success(), "{page}");
                let warnings = String::from_utf8_lossy(&rendered.stderr);
                assert!(warnings.is_empty(), "{page}: {warnings}");
            }
            Err(_) => processes::not_run("groff check of the man pages", "no `groff`"),
        }
    }
    let page = String::from_utf8(pipec(&["man"], None).stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains(".TH pipec 1"), "{page}");
}

/// Every page `pipec.1` refers to under SUBCOMMANDS is one `pipec man
/// DIR` writes, so `man -l DIR/pipec-NAME.1` works for each.
#[test]
fn the_main_man_page_names_only_pages_that_are_written() {
    let dir = scratch_dir("man-refs");
    let output = pipec(&["man", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let main = std::fs::read_to_string(dir.join("pipec.1")).unwrap();
    let named: Vec<&str> = main
        .lines()
        .skip_while(|line| *line != ".SH SUBCOMMANDS")
        .skip(1)
        .take_while(|line| !line.starts_with(".SH"))
        .filter_map(|line| line.strip_prefix("pipec\\-"))
        .filter_map(|line| line.strip_suffix("(1)"))
        .collect();
    assert!(named.contains(&"check"), "{main}");
    assert!(!named.contains(&"help"), "{main}");
    for name in named {
        assert!(
            dir.join(format!("pipec-{name}.1")).is_file(),
            "pipec.1 names pipec-{name}(1), which is not written"
        );
    }
}

const MESSY: &str = "template T {\nstage beta {deploy bundle\n}   // trailing\n}\n";
const TIDY: &str = "template T {\n  stage beta {\n    deploy bundle\n  }  // trailing\n}\n";

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn fmt_check_lists_unformatted_files_and_changes_nothing() {
    let dir = scratch_dir("fmt-check");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let messy = dir.join("nested/messy.pipe");
    let tidy = dir.join("tidy.pipe");
    std::fs::write(&messy, MESSY).unwrap();
    std::fs::write(&tidy, TIDY).unwrap();

    let output = pipec(&["fmt", "--check", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("{}\n", messy.display()));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    let output = pipec(&["fmt", "--check", tidy.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");

    // Run inside the directory, with no path or `.`, files are named as
    // `check` names them: relative, without a leading `./`.
    for args in [&["fmt", "--check"][..], &["fmt", "--check", "."][..]] {
        let output = pipec_in(dir.to_str().unwrap(), args, None);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(stdout(&output), "nested/messy.pipe\n", "{args:?}");
    }
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = scratch_dir("fmt-rewrite");
    let messy = dir.join("messy.pipe");
    std::fs::write(&messy, MESSY).unwrap();
    let output = pipec(&["fmt", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), TIDY);
    assert!(
        stderr(&output).contains("1 rewritten"),
        "{}",
        stderr(&output)
    );
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(names.len(), 1);

    let again = pipec(&["fmt", "--check", messy.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn fmt_reads_standard_input_and_writes_standard_output() {
    let output = pipec(&["fmt", "-"], Some(MESSY));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), TIDY);

    let check = pipec(&["fmt", "--check", "-"], Some(MESSY));
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(stdout(&check), "<stdin>\n");

    let tidy = pipec(&["fmt", "--check", "-"], Some(TIDY));
    assert_eq!(tidy.status.code(), Some(0));

    let mixed = pipec(&["fmt", "-", "examples"], Some(MESSY));
    assert_eq!(mixed.status.code(), Some(2));
}

#[test]
fn fmt_refuses_files_with_syntax_errors_and_leaves_them_alone() {
    let dir = scratch_dir("fmt-broken");
    let broken = dir.join("broken.pipe");
    let text = "window w {\n   zone: \"UTC\"\n}\n";
    std::fs::write(&broken, text).unwrap();
    std::fs::write(dir.join("ok.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let output = pipec(&["fmt", dir.to_str().unwrap(), "--color", "never"], None);
    // 1 would mean "needs formatting": a file that cannot be read as
    // `.pipe` is a failure, 2.
    assert_eq!(output.status.code(), Some(2));
    let report = stderr(&output);
    assert!(report.contains("error[P0010]"), "{report}");
    assert!(report.contains("broken.pipe:2:8"), "{report}");
    assert!(report.contains("was not formatted"), "{report}");
    assert!(
        report.contains("formatted 2 files: 0 rewritten, 1 skipped (1 with syntax errors)"),
        "{report}"
    );
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);

    let piped = pipec(
        &[
            "fmt",
            "-",
            "--stdin-filename",
            "services/w.pipe",
            "--color",
            "never",
        ],
        Some(text),
    );
    assert_eq!(piped.status.code(), Some(2));
    assert_eq!(stdout(&piped), "", "nothing is written for a broken input");
    assert!(
        stderr(&piped).contains("services/w.pipe:2:8"),
        "{}",
        stderr(&piped)
    );
}

#[test]
fn fmt_diff_prints_a_unified_diff_and_changes_nothing() {
    let dir = scratch_dir("fmt-diff");
    let file = dir.join("a.pipe");
    let text = "alarm a = ALARM(\"A\")\nalarm   b=ALARM(\"B\")\n";
    std::fs::write(&file, text).unwrap();
    let output = pipec(&["fmt", "--diff", file.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diff = stdout(&output);
    let name = file.display().to_string();
    assert!(
        diff.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ -1,2 +1,2 @@\n")),
        "{diff}"
    );
    assert!(
        diff.contains("\n-alarm   b=ALARM(\"B\")\n+alarm b = ALARM(\"B\")\n"),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    let piped = pipec(
        &["fmt", "--diff", "-", "--stdin-filename", "x.pipe"],
        Some(text),
    );
    assert_eq!(piped.status.code(), Some(1));
    assert!(
        stdout(&piped).starts_with("--- a/x.pipe\n"),
        "{}",
        stdout(&piped)
    );

    let clean = pipec(&["fmt", "--diff", "-"], Some("alarm a = ALARM(\"A\")\n"));
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(stdout(&clean), "");
}

#[test]
fn graph_draws_the_sample_in_both_formats() {
    let sample = "examples/sample/services/orders_api.pipe";
    let mermaid = pipec(&["graph", sample], None);
    assert_eq!(mermaid.status.code(), Some(0), "{}", stderr(&mermaid));
    let text = stdout(&mermaid);
    assert!(text.starts_with("flowchart LR\n"), "{text}");
    assert!(text.contains("onebox, bake 1h → 3 AZs"), "{text}");

    let dot = pipec(&["graph", sample, "--format", "dot"], None);
    assert_eq!(dot.status.code(), Some(0), "{}", stderr(&dot));
    assert!(stdout(&dot).starts_with("digraph \"orders_api\" {\n"));

    // The emergency profile's quarter bakes and approval are drawn.
    let emergency = pipec(&["graph", sample, "--profile", "emergency"], None);
    let text = stdout(&emergency);
    assert!(text.contains("bake 6h<br/>"), "{text}");
    assert!(text.contains("approval<br/>senior-engineer"), "{text}");
}

#[test]
fn graph_needs_a_pipeline_name_when_a_file_declares_several() {
    let file = "examples/concepts/strategies.pipe";
    let several = pipec(&["graph", file, "--color", "never"], None);
    assert_eq!(several.status.code(), Some(2));
    let report = stderr(&several);
    assert!(report.contains("declares 4 pipelines"), "{report}");
    assert!(report.contains("catalog_api, search_indexer"), "{report}");
    assert_eq!(stdout(&several), "");

    let one = pipec(&["graph", file, "--pipeline", "image_resizer"], None);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert!(stdout(&one).contains("pipeline image_resizer"));

    let broken = pipec(
        &["graph", "-"],
        Some("pipeline p { stage beta { bake = 33% } }\n"),
    );
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(stdout(&broken), "");
}

#[cfg(unix)]
#[test]
fn fmt_rewrites_what_a_symbolic_link_points_to_and_keeps_the_link() {
    let dir = scratch_dir("fmt-link");
    let target = dir.join("real.pipe");
    let link = dir.join("link.pipe");
    std::fs::write(&target, MESSY).unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = pipec(&["fmt", link.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), TIDY);
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    // The pretty plan (about 126 KB) cannot fit in a pipe's buffer, so
    // closing the pipe after a few bytes makes the write fail.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args([
            "--today",
            "2026-11-22",
            "compile",
            "--pretty",
            "examples/sample/services/orders_api.pipe",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0_u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(&first[..1], b"{");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("could not write"),
        "{}",
        stderr(&output)
    );
}

/// A file with one error and policy warnings about two pipelines.
fn noisy_workspace(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    let pipelines = r#"import "std/aws"

template Service {
  platform = ecs
  stage beta { regions = [us-east-1]; deploy app }
  build app { run = "make" }
  source code = git("x") { require review }
  production {
    registry = aws
    rollback on ALARM("Faults")
    wave all { regions = aws }
  }
}

pipeline alpha extends Service {}
pipeline beta_svc extends Service {
  production { wave all { bake = 1h } }
}
"#;
    std::fs::write(dir.join("svc.pipe"), pipelines).unwrap();
    dir
}

fn warning_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.starts_with("warning["))
        .collect()
}

#[test]
fn quiet_select_ignore_and_deny_warnings_choose_what_is_reported() {
    let dir = noisy_workspace("noise");
    let file = dir.join("svc.pipe");
    let file = file.to_str().unwrap();
    let all = pipec(&["check", file, "--color", "never"], None);
    let text = stderr(&all);
    assert_eq!(all.status.code(), Some(0), "{text}");
    let everything = warning_lines(&text).len();
    assert!(everything > 3, "{text}");

    let quiet = pipec(&["check", "-q", file, "--color", "never"], None);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stderr(&quiet), "", "quiet prints nothing without errors");

    let selected = pipec(&["check", file, "--select", "onebox-first"], None);
    let text = stderr(&selected);
    assert!(!warning_lines(&text).is_empty());
    assert!(
        warning_lines(&text)
            .iter()
            .all(|line| line.contains("[onebox-first]")),
        "{text}"
    );

    let ignored = pipec(&["check", file, "--ignore", "onebox-first,load-test"], None);
    let text = stderr(&ignored);
    assert!(
        !text.contains("[onebox-first]") && !text.contains("[load-test]"),
        "{text}"
    );
    assert!(warning_lines(&text).len() < everything, "{text}");

    let denied = pipec(
        &["check", file, "--deny-warnings", "--select", "load-test"],
        None,
    );
    let text = stderr(&denied);
    assert_eq!(denied.status.code(), Some(1), "{text}");
    assert!(text.contains("denied by --deny-warnings"), "{text}");

    let unknown = pipec(&["check", file, "--select", "onebox-frist"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("did you mean `onebox-first`?"));
}

#[test]
fn compile_and_graph_of_one_pipeline_report_only_its_findings() {
    let dir = noisy_workspace("focus");
    let file = dir.join("svc.pipe");
    let file = file.to_str().unwrap();
    let one = pipec(&["compile", file, "-p", "alpha", "--color", "never"], None);
    let text = stderr(&one);
    assert_eq!(one.status.code(), Some(0), "{text}");
    assert!(!warning_lines(&text).is_empty(), "{text}");
    // Findings of `beta_svc` alone are left out; those about both stay.
    assert!(!text.contains("bakes 1h"), "{text}");
    assert!(!text.contains("pipeline `beta_svc`"), "{text}");
    assert!(text.contains("in 2 pipelines"), "{text}");
    let other = pipec(
        &["compile", file, "-p", "beta_svc", "--color", "never"],
        None,
    );
    assert!(stderr(&other).contains("bakes 1h"), "{}", stderr(&other));

    // Without a pipeline, `graph` says so before any finding.
    let graph = pipec(&["graph", file, "--color", "never"], None);
    let text = stderr(&graph);
    assert_eq!(graph.status.code(), Some(2), "{text}");
    assert!(warning_lines(&text).is_empty(), "{text}");
    assert!(text.contains("--pipeline"), "{text}");

    // A denied warning writes nothing.
    let out = dir.join("plan.json");
    let denied = pipec(
        &[
            "compile",
            file,
            "-p",
            "alpha",
            "--deny-warnings",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(!out.exists());
}

#[test]
fn a_denied_finding_about_another_pipeline_does_not_stop_the_chosen_one() {
    let dir = scratch_dir("denied-elsewhere");
    let pipelines = r#"import "std/aws"

policy strict { deny later-wave-bake }

template Service {
  platform = ecs
  build app { run = "make" }
  source code = git("x") { require review }
  production {
    registry = aws
    rollback on ALARM("Faults")
    wave first { regions = [us-east-1]; bake = 12h }
    wave rest { regions = rest; bake = 2h }
  }
}

pipeline alpha extends Service {}
pipeline beta_svc extends Service {
  production { wave rest { bake = 1h } }
}
"#;
    std::fs::write(dir.join("svc.pipe"), pipelines).unwrap();
    let file = dir.join("svc.pipe");
    let file = file.to_str().unwrap();
    let out = dir.join("alpha.json");
    let out = out.to_str().unwrap();
    // `beta_svc` breaks a denied rule; `alpha` compiles, and hears nothing of it.
    let alpha = pipec(
        &[
            "compile", file, "-p", "alpha", "--color", "never", "-o", out,
        ],
        None,
    );
    let text = stderr(&alpha);
    assert_eq!(alpha.status.code(), Some(0), "{text}");
    assert!(!text.contains("[later-wave-bake]"), "{text}");
    assert!(std::fs::read_to_string(out).unwrap().contains("\"alpha\""));
    let graph = pipec(&["graph", file, "-p", "alpha", "--color", "never"], None);
    assert_eq!(graph.status.code(), Some(0), "{}", stderr(&graph));
    // Chosen, or with every pipeline, the finding is an error.
    for args in [
        &["compile", file, "-p", "beta_svc", "--color", "never"][..],
        &["compile", file, "--color", "never"][..],
    ] {
        let output = pipec(args, None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {text}");
        assert!(text.contains("error[P0801]: [later-wave-bake]"), "{text}");
    }
    // Without a pipeline, `graph` asks for one before showing any finding.
    let graph = pipec(&["graph", file, "--color", "never"], None);
    let text = stderr(&graph);
    assert_eq!(graph.status.code(), Some(2), "{text}");
    assert!(!text.contains("[later-wave-bake]"), "{text}");
    assert!(text.contains("--pipeline"), "{text}");
}

#[test]
fn errors_are_reported_before_warnings() {
    let dir = noisy_workspace("order");
    std::fs::write(dir.join("zz_broken.pipe"), "alarm broken = \n").unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let first_error = text.find("error[").unwrap();
    let first_warning = text.find("warning[").unwrap();
    assert!(first_error < first_warning, "{text}");
}

#[test]
fn today_and_profile_belong_to_the_commands_that_compile() {
    let fmt_help = pipec(&["fmt", "--help"], None);
    assert!(
        !String::from_utf8(fmt_help.stdout)
            .unwrap()
            .contains("--today")
    );
    let check_help = pipec(&["check", "--help"], None);
    let help = String::from_utf8(check_help.stdout).unwrap();
    assert!(
        help.contains("--today") && help.contains("--profile"),
        "{help}"
    );
    let refused = pipec(&["fmt", "--today", "2026-11-22", "-"], Some(""));
    assert_eq!(refused.status.code(), Some(2));
    // Written before the subcommand, as scripts for earlier versions do,
    // they are still read.
    let leading = pipec(&["--today", "2027-02-30", "check", "examples/sample"], None);
    assert_eq!(
        leading.status.code(),
        Some(2),
        "an invalid date is still checked"
    );
    assert!(
        stderr(&leading).contains("'--today <DATE>'"),
        "{}",
        stderr(&leading)
    );
    // Before a command that compiles nothing they mean nothing, and are
    // left alone (a wrapper may put them before every command).
    let explained = pipec(&["--today", "2027-01-04", "explain", "P0401"], None);
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    assert!(stdout(&explained).starts_with("P0401 "));
    // Nor checked: `explain` never reads it.
    let explained = pipec(&["--today", "someday", "explain", "P0401"], None);
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    assert!(stdout(&explained).starts_with("P0401 "));
}

#[test]
fn init_scaffolds_a_workspace_that_checks_clean_and_never_overwrites() {
    let parent = scratch_dir("init");
    let dir = parent.join("orders-api");
    let output = pipec(&["init", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let service = dir.join("services/orders_api.pipe");
    for file in ["pipec.toml", ".gitignore", "org.pipe"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let check = pipec(
        &[
            "check",
            "--deny-warnings",
            dir.to_str().unwrap(),
            "--color",
            "never",
        ],
        None,
    );
    let text = stderr(&check);
    assert_eq!(check.status.code(), Some(0), "{text}");
    assert!(
        text.contains("checked 2 files: no errors, 0 warnings"),
        "{text}"
    );
    let fmt = pipec(&["fmt", "--check", dir.to_str().unwrap()], None);
    assert_eq!(fmt.status.code(), Some(0), "{}", stdout(&fmt));
    let compile = pipec(&["compile", service.to_str().unwrap()], None);
    assert_eq!(compile.status.code(), Some(0), "{}", stderr(&compile));
    let plan: serde_json::Value = serde_json::from_slice(&compile.stdout).unwrap();
    assert_eq!(plan["pipeline"], "orders_api");

    // A second init refuses and changes nothing.
    std::fs::write(&service, "// mine\n").unwrap();
    let again = pipec(&["init", dir.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("refusing to overwrite"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&service).unwrap(), "// mine\n");

    // One existing file is enough: nothing else is written either.
    let other = parent.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join(".gitignore"), "target/\n").unwrap();
    let refused = pipec(&["init", other.to_str().unwrap()], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(!other.join("pipec.toml").exists());
    assert!(!other.join("org.pipe").exists());
}

/// Every error of the command line itself reads like a source diagnostic:
/// A glob of `[check]` that is no glob is `P1004` naming the line it is
/// written on, as a syntax error or an unknown key in `pipec.toml` is.
#[test]
fn a_bad_exclude_glob_names_its_line() {
    let dir = scratch_dir("cli-bad-glob");
    std::fs::write(
        dir.join("pipec.toml"),
        "[check]\nextend-exclude = [\n  \"drafts\",\n  \"a[b\",\n]\n",
    )
    .unwrap();
    let output = pipec(&["check", dir.to_str().unwrap(), "--color", "never"], None);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.starts_with("error[P1004]: ")
            && text.contains("pipec.toml: line 4: exclude pattern `a[b`"),
        "{text}"
    );
}

/// `error[CODE]: message`, a `= help:` line, exit status 2.
#[test]
fn command_line_errors_have_codes_and_help_lines() {
    let dir = scratch_dir("cli-errors");
    std::fs::write(dir.join("pipec.toml"), "[check]\nextend_exclude = []\n").unwrap();
    let outside = scratch_dir("cli-errors-outside");
    std::fs::write(outside.join("secret.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(inner.join("pipec.toml"), "").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.pipe"), inner.join("link.pipe")).unwrap();
    std::fs::write(dir.join("plan.json"), "{}").unwrap();
    let repo = scratch_dir("cli-errors-git");
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(git.success());
    let initialised = dir.join("ws");
    assert_eq!(
        pipec(&["init", initialised.to_str().unwrap()], None)
            .status
            .code(),
        Some(0)
    );
    let sample = "examples/sample/services/orders_api.pipe";
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("P1001", vec!["check".into(), "no/such/file.pipe".into()]),
        ("P1002", vec!["check".into(), "/dev/null".into()]),
        (
            "P1003",
            vec!["compile".into(), sample.into(), "-p".into(), "nope".into()],
        ),
        (
            "P1003",
            vec!["fmt".into(), "--today".into(), "2027-01-04".into()],
        ),
        ("P1004", vec!["check".into(), path(&dir)]),
        // Standard input named after a file of that workspace reads its
        // `pipec.toml` too, for `fmt` as for `check`.
        (
            "P1004",
            vec![
                "fmt".into(),
                "-".into(),
                "--stdin-filename".into(),
                path(&dir.join("x.pipe")),
            ],
        ),
        (
            "P1006",
            vec!["simulate".into(), path(&dir.join("plan.json"))],
        ),
        ("P1006", vec!["graph".into(), path(&dir.join("plan.json"))]),
        ("P1006", vec!["run".into(), path(&dir.join("plan.json"))]),
        (
            "P1007",
            vec!["check".into(), path(&inner.join("link.pipe"))],
        ),
        ("P1008", vec!["init".into(), path(&initialised)]),
    ];
    for (code, args) in cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--color", "never"]);
        let output = pipec(&args, None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.starts_with(&format!("error[{code}]: ")),
            "{args:?}: {text}"
        );
        assert!(text.contains(" = help: "), "{args:?}: {text}");
        // `pipec explain CODE` names the command among those it concerns.
        if code == "P1006" {
            let explanation = pipec::explain::lookup(code)
                .map(pipec::explain::explain)
                .unwrap();
            assert!(
                explanation.contains(&format!("`{}`", args[0])),
                "{explanation}"
            );
        }
    }
    // A plan file that is not there is no such file, whichever command
    // reads plans.
    let missing = path(&dir.join("missing.json"));
    for command in ["graph", "simulate", "run"] {
        let output = pipec(&[command, &missing, "--color", "never"], None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{command}: {text}");
        assert!(text.starts_with("error[P1001]: "), "{command}: {text}");
        assert!(text.contains(" = help: "), "{command}: {text}");
    }
    // Nor is a missing `.pipe` file; the help names what these commands
    // take, never a directory, which they refuse.
    let missing = path(&dir.join("missing.pipe"));
    for command in ["graph", "simulate", "run"] {
        let output = pipec(&[command, &missing, "--color", "never"], None);
        let text = stderr(&output)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(output.status.code(), Some(2), "{command}: {text}");
        assert!(
            text.starts_with("error[P1001]: no such file or directory: "),
            "{command}: {text}"
        );
        assert!(
            text.contains("= help: pass the .pipe file that declares the pipeline, a plan written by `pipec compile`, or - for standard input"),
            "{command}: {text}"
        );
        assert!(!text.contains("directory to search"), "{command}: {text}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(["diff", "--git", "no-such-revision", "--color", "never"])
        .current_dir(&repo)
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.starts_with("error[P1005]: "), "{text}");
}

/// `graph` draws a plan file exactly as the `.pipe` file it was compiled
/// from; `graph`, `simulate` and `run` take a file, not a directory.
#[test]
fn graph_draws_a_plan_file_as_its_source_and_refuses_directories() {
    let dir = scratch_dir("graph-plan");
    let plan = dir.join("orders.json");
    let sample = "examples/sample/services/orders_api.pipe";
    let compiled = pipec(&["compile", sample, "-o", plan.to_str().unwrap()], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    for format in ["mermaid", "dot"] {
        let from_source = pipec(&["graph", sample, "--format", format], None);
        let from_plan = pipec(&["graph", plan.to_str().unwrap(), "--format", format], None);
        assert_eq!(from_plan.status.code(), Some(0), "{}", stderr(&from_plan));
        assert_eq!(stdout(&from_plan), stdout(&from_source), "{format}");
    }
    for command in ["graph", "simulate", "run"] {
        let output = pipec(&[command, "examples/sample", "--color", "never"], None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(
            text.starts_with(&format!("error[P1003]: `{command}` takes a file")),
            "{text}"
        );
    }
}

/// A plan file is already compiled: `graph`, `simulate` and `run` refuse
/// `--profile` with one (exit 2) rather than draw, simulate or run the plan
/// as if the profile applied; the `.pipe` file takes it.
#[test]
fn a_plan_file_with_a_profile_is_refused_by_every_reader() {
    let dir = scratch_dir("plan-profile");
    let plan = dir.join("orders.json");
    let sample = "examples/sample/services/orders_api.pipe";
    let compiled = pipec(&["compile", sample, "-o", plan.to_str().unwrap()], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    let start = "2027-01-25T09:00:00-08:00";
    for command in ["graph", "simulate", "run"] {
        let mut args = vec![command, plan.to_str().unwrap(), "--profile", "emergency"];
        if command == "simulate" {
            args.extend(["--start", start]);
        }
        args.extend(["--color", "never"]);
        let output = pipec(&args, None);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{command}: {text}");
        assert!(
            text.starts_with("error[P1003]: --profile applies to `.pipe` files only"),
            "{command}: {text}"
        );
        assert!(stdout(&output).is_empty(), "{command}");
    }
    // The source takes the profile: its plan has the emergency approval.
    let output = pipec(
        &[
            "simulate",
            sample,
            "--profile",
            "emergency",
            "--start",
            start,
            "--auto-approve",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("production/approval/senior-engineer"));
}

/// `--jobs` says how many threads every `compile` uses, and never what it
/// writes: a workspace of forty pipelines (the sample's team template
/// extended once per service; their plans more than a MiB, the batch in
/// which one document is written) gives the same array of plans, and the
/// same CodePipeline export, on one thread as on two or seven.
#[test]
fn compile_writes_the_same_bytes_for_any_number_of_jobs() {
    let dir = scratch_dir("compile-jobs");
    for file in ["org.pipe", "pipec.toml", "team/service.pipe"] {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(std::path::Path::new("examples/sample").join(file), to).unwrap();
    }
    let service = std::fs::read_to_string("examples/sample/services/payments_worker.pipe").unwrap();
    std::fs::create_dir_all(dir.join("services")).unwrap();
    for at in 0..40 {
        let renamed = service
            .replace(
                "pipeline payments_worker",
                &format!("pipeline worker_{at:02}"),
            )
            .replace("\"payments-worker\"", &format!("\"worker-{at:02}\""));
        std::fs::write(dir.join(format!("services/worker_{at:02}.pipe")), renamed).unwrap();
    }
    let workspace = dir.to_str().unwrap();
    for target in ["plan", "codepipeline"] {
        let mut written = Vec::new();
        for jobs in ["1", "2", "7"] {
            let output = pipec(
                &["compile", workspace, "--target", target, "--jobs", jobs],
                None,
            );
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            written.push(output.stdout);
        }
        let document: serde_json::Value = serde_json::from_slice(&written[0]).unwrap();
        let pipelines: Vec<&str> = document
            .as_array()
            .unwrap()
            .iter()
            .map(|plan| {
                plan["pipeline"]
                    .as_str()
                    .or_else(|| plan["pipeline"]["name"].as_str())
                    .unwrap()
            })
            .collect();
        let expected: Vec<String> = (0..40).map(|at| format!("worker_{at:02}")).collect();
        assert_eq!(pipelines, expected, "{target}: every pipeline, in order");
        if target == "plan" {
            assert!(written[0].len() > 1 << 20, "the plans fit one batch");
        }
        assert!(
            written.windows(2).all(|pair| pair[0] == pair[1]),
            "{target}: the bytes depend on --jobs"
        );
    }
}

/// `compile DIR -o OUTDIR` writes one plan per pipeline, each the bytes
/// `compile FILE -p NAME` writes, whatever `--jobs`; nothing when the
/// workspace has an error; and none for two pipelines of one name, an
/// error of the check (`P0103`) in the file whose name sorts later.
#[test]
fn compile_of_a_directory_writes_a_plan_per_pipeline() {
    let dir = scratch_dir("compile-dir");
    let sample = "examples/sample";
    let mut outputs = Vec::new();
    for jobs in ["1", "2", "7"] {
        let out = dir.join(format!("out-{jobs}"));
        let output = pipec(
            &[
                "compile",
                sample,
                "-o",
                out.to_str().unwrap(),
                "--jobs",
                jobs,
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["orders_api.json", "payments_worker.json"]);
        outputs.push(
            names
                .iter()
                .map(|name| std::fs::read(out.join(name)).unwrap())
                .collect::<Vec<_>>(),
        );
    }
    assert!(outputs.windows(2).all(|pair| pair[0] == pair[1]));
    let alone = pipec(
        &["compile", "examples/sample/services/payments_worker.pipe"],
        None,
    );
    assert_eq!(outputs[0][1], alone.stdout);

    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("ok.pipe"),
        "pipeline a {\n  platform = ecs\n}\n",
    )
    .unwrap();
    std::fs::write(broken.join("bad.pipe"), "alarm x = \n").unwrap();
    let out = dir.join("out-broken");
    let output = compile_to(&broken, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        !out.exists(),
        "nothing is written for a workspace with an error"
    );
    // Plans are written as they are built, under temporary names: an
    // error elsewhere leaves an existing output as it was, with nothing
    // beside it, in both directory and file mode.
    let kept = dir.join("out-kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("a.json"), "old").unwrap();
    let single = kept.join("single.json");
    std::fs::write(&single, "old").unwrap();
    // One pipeline compiles (and its plan is written, to a temporary
    // file), the other has an error.
    let two = dir.join("two.pipe");
    std::fs::write(
        &two,
        "pipeline a {\n  platform = ecs\n  build b { run = \"make\" }\n}\n\
         pipeline c {\n  platform = nonsense\n}\n",
    )
    .unwrap();
    for args in [
        vec![
            "compile",
            broken.to_str().unwrap(),
            "-o",
            kept.to_str().unwrap(),
        ],
        vec![
            "compile",
            two.to_str().unwrap(),
            "-o",
            single.to_str().unwrap(),
        ],
        vec!["compile", two.to_str().unwrap()],
    ] {
        let output = pipec(&args, None);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(output.stdout.is_empty(), "nothing on standard output");
        let mut names: Vec<String> = std::fs::read_dir(&kept)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json", "single.json"], "{args:?}");
        assert_eq!(std::fs::read_to_string(kept.join("a.json")).unwrap(), "old");
        assert_eq!(std::fs::read_to_string(&single).unwrap(), "old");
    }

    let twins = dir.join("twins");
    std::fs::create_dir_all(&twins).unwrap();
    for file in ["a.pipe", "b.pipe"] {
        std::fs::write(
            twins.join(file),
            "pipeline same {\n  platform = ecs\n  build b { run = \"make\" }\n}\n",
        )
        .unwrap();
    }
    let out = dir.join("out-twins");
    let output = pipec(
        &[
            "compile",
            twins.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--color",
            "never",
        ],
        None,
    );
    assert!(
        !out.exists(),
        "nothing is written for two pipelines of one name"
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(
        report.contains("error[P0103]: pipeline `same` is declared in two files"),
        "{report}"
    );
    assert!(report.contains("b.pipe:1:10"), "{report}");
}

/// The CodePipeline export reads the `[codepipeline]` settings of the
/// workspace the compiled files belong to, however it is named: its
/// directory (from outside it, by any spelling, or from its parent), or
/// standard input placed in it by `--stdin-filename`.
#[test]
fn the_codepipeline_export_reads_the_settings_of_the_workspace_compiled() {
    let file = "examples/sample/services/orders_api.pipe";
    let text = std::fs::read_to_string(file).unwrap();
    let export_in = |dir: &str, args: &[&str], stdin: Option<&str>| {
        let mut all = vec!["--color", "never", "--today", "2026-11-22", "compile"];
        all.extend(args);
        all.extend(["--target", "codepipeline", "-p", "orders_api"]);
        let output = pipec_in(dir, &all, stdin);
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?} in {dir}: {report}");
        assert!(!report.contains("P0901"), "{args:?} in {dir}: {report}");
        output.stdout
    };
    let export = |args: &[&str], stdin: Option<&str>| export_in(".", args, stdin);
    let alone = export(&[file], None);
    let value: serde_json::Value = serde_json::from_slice(&alone).unwrap();
    assert_eq!(
        value["pipeline"]["roleArn"],
        "arn:aws:iam::111122223333:role/pipec-codepipeline"
    );
    let absolute = std::fs::canonicalize("examples/sample").unwrap();
    for dir in [
        "examples/sample",
        "examples/sample/",
        "./examples/sample",
        "examples/sample/services",
        absolute.to_str().unwrap(),
    ] {
        assert_eq!(export(&[dir], None), alone, "{dir}");
    }
    assert_eq!(export_in("examples", &["sample"], None), alone);
    assert_eq!(export_in("examples/sample", &["."], None), alone);
    assert_eq!(
        export(&["-", "--stdin-filename", file], Some(&text)),
        alone,
        "standard input"
    );
}

/// The names of the files in `dir`, sorted.
fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `compile DIR -o OUTDIR --target ...` writes a file per pipeline, as the
/// plan target does: each what `compile` writes for that pipeline alone,
/// into a directory that may exist, and nothing when any export fails.
#[test]
fn exports_of_a_directory_write_a_file_per_pipeline() {
    let dir = scratch_dir("export-dir");
    let sample = "examples/sample";
    let today = ["--color", "never", "--today", "2026-11-22"];
    let run = |args: &[&str]| {
        let mut all = today.to_vec();
        all.extend(args);
        pipec(&all, None)
    };
    for (target, extension) in [("codepipeline", "json"), ("github-actions", "yml")] {
        let out = dir.join(target);
        // An existing directory is written into, and what else it holds
        // is left alone.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("other.txt"), "kept").unwrap();
        for pretty in [false, true] {
            let mut args = vec![
                "compile",
                sample,
                "--target",
                target,
                "-o",
                out.to_str().unwrap(),
            ];
            if pretty {
                args.push("--pretty");
            }
            let output = run(&args);
            let report = stderr(&output);
            assert_eq!(output.status.code(), Some(0), "{target}: {report}");
            assert!(output.stdout.is_empty(), "{target}");
            assert!(!report.contains("P0901"), "{target}: {report}");
            assert!(
                report.contains(&format!("compiled {sample}: 2 ")),
                "{target}: {report}"
            );
            assert_eq!(
                file_names(&out),
                [
                    format!("orders_api.{extension}"),
                    "other.txt".to_string(),
                    format!("payments_worker.{extension}"),
                ],
                "{target}"
            );
            assert_eq!(
                std::fs::read_to_string(out.join("other.txt")).unwrap(),
                "kept"
            );
            for name in ["orders_api", "payments_worker"] {
                let mut alone = vec!["compile", sample, "-p", name, "--target", target];
                if pretty {
                    alone.push("--pretty");
                }
                let alone = run(&alone);
                assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
                let written = std::fs::read(out.join(format!("{name}.{extension}"))).unwrap();
                assert_eq!(written, alone.stdout, "{target} {name} pretty={pretty}");
                let value: serde_json::Value = serde_json::from_slice(&written).unwrap();
                assert!(value.is_object(), "{target} {name}: one document");
            }
        }
        // `--pipeline` picks one.
        let one = dir.join(format!("{target}-one"));
        let output = run(&[
            "compile",
            sample,
            "-p",
            "payments_worker",
            "--target",
            target,
            "-o",
            one.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(file_names(&one), [format!("payments_worker.{extension}")]);
    }

    // Lossy mappings refused: nothing written, no directory made.
    for target in ["codepipeline", "github-actions"] {
        let out = dir.join(format!("{target}-denied"));
        let output = run(&[
            "compile",
            sample,
            "--target",
            target,
            "--deny-lossy",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(!out.exists(), "{target}");
    }
    // A workspace without `[codepipeline]` settings: an error, and an
    // existing directory is left as it was.
    let bare = dir.join("bare");
    let copied = Command::new("cp")
        .args(["-R", sample, bare.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(copied.success());
    std::fs::write(bare.join("pipec.toml"), "# no settings\n").unwrap();
    let kept = dir.join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("payments_worker.json"), "old").unwrap();
    let output = run(&[
        "compile",
        bare.to_str().unwrap(),
        "--target",
        "codepipeline",
        "-o",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error[P0901]"),
        "{}",
        stderr(&output)
    );
    assert_eq!(file_names(&kept), ["payments_worker.json"]);
    assert_eq!(
        std::fs::read_to_string(kept.join("payments_worker.json")).unwrap(),
        "old"
    );
}

/// Plans for standard output wait in a scratch file until the workspace
/// has compiled; where none can be made (an unwritable temporary
/// directory), they wait in memory, and the output is the same.
#[test]
fn compile_to_standard_output_needs_no_temporary_directory() {
    let args = ["compile", "examples/sample/services"];
    let usual = pipec(&args, None);
    let without = Command::new(env!("CARGO_BIN_EXE_pipec"))
        .args(args)
        .env("TMPDIR", "/nonexistent/pipec-no-such-dir")
        .output()
        .unwrap();
    assert_eq!(usual.status.code(), Some(0), "{}", stderr(&usual));
    assert_eq!(without.status.code(), Some(0), "{}", stderr(&without));
    assert!(usual.stdout.starts_with(b"[{\"format_version\":\"1.3\""));
    assert_eq!(usual.stdout, without.stdout);
}

/// Standard output that is a regular file the shell opened at its end
/// (`> FILE`) is written as plans are built, not through a scratch file;
/// when a later pipeline turns out to have an error, the file is cut back
/// to what it held before the run. A file opened to append to
/// (`>> FILE`) goes through the scratch file. Either way the bytes are
/// those written to a pipe.
#[test]
fn compile_to_a_file_on_standard_output_writes_all_or_nothing() {
    use std::io::{Seek, SeekFrom};
    let dir = scratch_dir("compile-stdout-file");
    // Pipeline `a` compiles, so its plan is written before `c`'s lowering
    // finds that nothing builds `nope`.
    let two = dir.join("two.pipe");
    std::fs::write(
        &two,
        "pipeline a {\n  platform = ecs\n  build b { run = \"make\" }\n}\n\
         pipeline c {\n  platform = ecs\n  build b { run = \"make\" }\n  \
         stage beta { deploy nope }\n}\n",
    )
    .unwrap();
    let good = ["compile", "examples/sample/services"];
    let bad = ["compile", two.to_str().unwrap()];
    let piped = pipec(&good, None);
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    let out = dir.join("out.json");
    let run = |args: &[&str], before: &str, append: bool| {
        std::fs::write(&out, before).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .write(!append)
            .append(append)
            .open(&out)
            .unwrap();
        if !append {
            file.seek(SeekFrom::End(0)).unwrap();
        }
        let output = Command::new(env!("CARGO_BIN_EXE_pipec"))
            .args(args)
            .stdout(Stdio::from(file))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        (output.status.code(), std::fs::read(&out).unwrap())
    };
    let with = |before: &str| [before.as_bytes(), piped.stdout.as_slice()].concat();
    for append in [false, true] {
        for before in ["", "kept\n"] {
            let what = format!("append {append}, {before:?} before");
            assert_eq!(
                run(&good, before, append),
                (Some(0), with(before)),
                "{what}"
            );
            let (code, after) = run(&bad, before, append);
            assert_eq!(code, Some(1), "{what}");
            assert_eq!(String::from_utf8(after).unwrap(), before, "{what}");
        }
    }
}

/// Pipeline names are unique within a workspace: two workspaces checked by
/// one command (`pipec init` names both services `my_service` when their
/// directories are keywords) each keep theirs, while two files of one
/// workspace still may not share a pipeline's name.
#[test]
fn pipelines_of_two_workspaces_may_share_a_name() {
    let dir = scratch_dir("two-workspaces");
    let pipeline = "pipeline same {\n  platform = ecs\n  build b { run = \"make\" }\n}\n";
    for workspace in ["one", "two"] {
        let root = dir.join(workspace);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("pipec.toml"), "").unwrap();
        std::fs::write(root.join("service.pipe"), pipeline).unwrap();
    }
    let (one, two) = (dir.join("one"), dir.join("two"));
    let args = ["check", "-q", one.to_str().unwrap(), two.to_str().unwrap()];
    let output = pipec(&args, None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::write(one.join("again.pipe"), pipeline).unwrap();
    let output = pipec(&args, None);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(
        report.contains("pipeline `same` is declared in two files"),
        "{report}"
    );
    assert_eq!(
        report.matches("declared in two files").count(),
        1,
        "{report}"
    );
    std::fs::remove_file(one.join("again.pipe")).unwrap();
    // One document of plans names each pipeline once: compiling the
    // directory that holds both workspaces is refused, and writes nothing.
    let out = dir.join("plans.json");
    let args = [
        "compile",
        "-q",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let output = pipec(&args, None);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("two workspaces in") && stderr(&output).contains("`same`"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
    let output = pipec(&["compile", "-q", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let output = pipec(&["compile", "-q", one.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `compile FILE -o PATH` creates the directories above PATH that are
/// missing (the README writes `.github/workflows/orders_api.yml` in a
/// fresh checkout), as `-o OUTDIR` does for a workspace; a compile that
/// writes nothing leaves none of them behind. A path it cannot write is
/// `P1002` naming it, for a plan and an export alike.
#[test]
fn compile_creates_the_directories_above_its_output_and_leaves_none_on_failure() {
    let dir = scratch_dir("output-parents");
    let sample = "examples/sample/services/orders_api.pipe";
    for (target, name) in [("plan", "plan.json"), ("github-actions", "orders_api.yml")] {
        let out = dir.join(target).join("nested").join(name);
        let output = pipec(
            &[
                "compile",
                sample,
                "--target",
                target,
                "-o",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(std::fs::metadata(&out).unwrap().len() > 0, "{target}");
    }
    let broken = dir.join("broken.pipe");
    std::fs::write(&broken, "pipeline p { bake = }\n").unwrap();
    let out = dir.join("never").join("made").join("plan.json");
    let output = compile_to(&broken, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        !dir.join("never").exists(),
        "a failed compile leaves no directory"
    );
    // A directory made above, where a file is wanted.
    let into = dir.join("plan");
    for target in ["plan", "codepipeline"] {
        let output = pipec(
            &[
                "compile",
                sample,
                "--target",
                target,
                "-o",
                into.to_str().unwrap(),
                "--color",
                "never",
            ],
            None,
        );
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        // After the export's warnings, if any.
        assert!(
            text.contains(&format!("error[P1002]: could not write {}", into.display())),
            "{target}: {text}"
        );
    }
}
