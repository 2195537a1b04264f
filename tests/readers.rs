//! What `pipec` reads and writes when the files come from someone else (a
//! pull request): only regular files, bounded in size, inside the
//! workspace root, whatever the entry point; diagnostics of bounded size
//! however long a line is; outputs that never follow a link planted beside
//! them; and paths named as the user would name them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any one command may take: far more than a correct `pipec`
/// needs, far less than reading gigabytes or waiting on a FIFO forever.
const PATIENCE: Duration = Duration::from_secs(60);

/// A canary in the environment of every command: a program that prints its
/// environment prints this.
const CANARY: &str = "canary-5f0e2b9d-token";

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipec-readers-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `command` with the canary in its environment and `stdin` on its
/// standard input; kills it and fails the test when it outlives
/// [`PATIENCE`].
fn run(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .env("PIPEC_TEST_SECRET", CANARY)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    // Drain both pipes on threads so that a chatty child cannot block.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut bytes).unwrap();
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut bytes).unwrap();
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pipec ran longer than {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn pipec_in(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pipec"));
    command.current_dir(dir).args(args);
    run(command, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn all_output(output: &Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}

/// An entry file that is a link to `/proc/self/environ` is refused before
/// it is read, in every format: the environment (CI tokens) never reaches
/// the diagnostics.
#[cfg(target_os = "linux")]
#[test]
fn an_entry_linked_to_the_environment_is_refused() {
    let dir = scratch_dir("environ");
    std::os::unix::fs::symlink("/proc/self/environ", dir.join("env.pipe")).unwrap();
    for format in ["human", "sarif", "json"] {
        let output = pipec_in(&dir, &["check", "--format", format, "env.pipe"]);
        let shown = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{format}: {shown}");
        assert!(!shown.contains(CANARY), "{format}: {shown}");
        assert!(shown.contains("env.pipe"), "{format}: {shown}");
    }
}

/// Device files and FIFOs named on the command line, directly or through
/// a link in the workspace, are refused at once instead of being read
/// until memory runs out or waited on forever.
#[cfg(unix)]
#[test]
fn entries_that_are_not_regular_files_are_refused() {
    let dir = scratch_dir("special");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.pipe")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(dir.join("fifo.pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());
    for entry in ["/dev/zero", "zero.pipe", "fifo.pipe"] {
        let output = pipec_in(&dir, &["check", entry]);
        let shown = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{entry}: {shown}");
        assert!(shown.contains("not a regular file"), "{entry}: {shown}");
    }
    // A link to a regular file inside the workspace is an ordinary entry.
    std::fs::write(dir.join("real.pipe"), "alarm a = ALARM(\"A\")\n").unwrap();
    std::os::unix::fs::symlink(dir.join("real.pipe"), dir.join("link.pipe")).unwrap();
    let output = pipec_in(&dir, &["check", "link.pipe"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
}

/// Plan and scenario files that are no regular files (a FIFO, a link to
/// `/dev/zero`) are refused at once by every command that reads one
/// (`simulate`, `graph`, `run`, a scenario), not waited on or read without
/// end: `P1002`, exit 2.
#[cfg(unix)]
#[test]
fn plans_and_scenarios_that_are_not_regular_files_are_refused() {
    let dir = scratch_dir("special-plans");
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.json")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(dir.join("fifo.json"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/sample/services/orders_api.pipe"
    );
    for entry in ["zero.json", "fifo.json"] {
        for args in [
            vec!["simulate", entry],
            vec!["graph", entry],
            vec!["run", entry],
            vec!["simulate", sample, "--scenario", entry],
        ] {
            let output = pipec_in(&dir, &args);
            let shown = all_output(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {shown}");
            assert!(shown.contains("not a regular file"), "{args:?}: {shown}");
        }
    }
}

/// A huge sparse file, as an entry or as an import inside the workspace,
/// is refused as too large (`P0008`) after reading no more than the limit:
/// quickly and in bounded memory.
#[test]
fn huge_files_are_read_only_up_to_the_limit() {
    let dir = scratch_dir("sparse");
    std::fs::write(dir.join("pipec.toml"), "").unwrap();
    let huge = std::fs::File::create(dir.join("huge.pipe")).unwrap();
    huge.set_len(64 << 30).unwrap();
    drop(huge);
    std::fs::write(dir.join("main.pipe"), "import \"./huge.pipe\"\n").unwrap();
    for entry in ["huge.pipe", "main.pipe"] {
        let started = Instant::now();
        let output = pipec_in(&dir, &["check", "--color", "never", entry]);
        assert!(started.elapsed() < Duration::from_secs(20), "{entry}");
        let shown = all_output(&output);
        assert_eq!(output.status.code(), Some(1), "{entry}: {shown}");
        assert!(shown.contains("error[P0008]"), "{entry}: {shown}");
        assert!(shown.contains("huge.pipe"), "{entry}: {shown}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `compile -o` never writes through a link planted at the temporary name
/// it used to choose (`.OUT.PID.tmp`): the link's target stays unchanged.
#[cfg(unix)]
#[test]
fn compile_output_does_not_follow_a_planted_link() {
    let dir = scratch_dir("planted");
    std::fs::write(dir.join("victim.txt"), "untouched\n").unwrap();
    // The shell plants the link under its own pid, then becomes pipec
    // (`exec` keeps the pid).
    let script = format!(
        "ln -s victim.txt .plan.json.$$.tmp && exec '{}' --today 2026-11-22 compile -o plan.json '{}'",
        env!("CARGO_BIN_EXE_pipec"),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/sample/services/orders_api.pipe")
            .display()
    );
    let mut command = Command::new("sh");
    command.current_dir(&dir).args(["-c", &script]);
    let output = run(command, "");
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert_eq!(
        std::fs::read_to_string(dir.join("victim.txt")).unwrap(),
        "untouched\n"
    );
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    assert!(plan.starts_with('{'), "{plan}");
    assert!(
        !std::fs::symlink_metadata(dir.join("plan.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// `compile -o` to a FIFO (as to `/dev/null` or `/dev/stdout`) writes the
/// whole document into it once the file has compiled, and leaves it a
/// FIFO: renaming a file over it, as for a regular output, would replace
/// the device or pipe with a file.
#[cfg(unix)]
#[test]
fn compile_output_into_a_fifo_writes_into_it_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch_dir("fifo-output");
    let fifo = dir.join("plan.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample/services/orders_api.pipe");
    let output = pipec_in(
        &dir,
        &[
            "--today",
            "2026-11-22",
            "compile",
            "-o",
            "plan.fifo",
            sample.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    // Checked before waiting for the reader, which a file renamed over the
    // FIFO would leave waiting for a writer forever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let written = reader.join().unwrap();
    let on_stdout = pipec_in(
        &dir,
        &["--today", "2026-11-22", "compile", sample.to_str().unwrap()],
    );
    assert_eq!(written, on_stdout.stdout);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["plan.fifo"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Standard input named after a file in a directory that does not exist
/// is still confined: its root is the current directory, and an import
/// that climbs out of it is `P0202`, its target never read.
#[test]
fn standard_input_in_a_missing_directory_stays_confined() {
    let dir = scratch_dir("stdin-root");
    std::fs::create_dir_all(dir.join("ws")).unwrap();
    std::fs::create_dir_all(dir.join("outside")).unwrap();
    std::fs::write(
        dir.join("outside/secret.pipe"),
        format!("{CANARY} = 1\nmore\n"),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pipec"));
    command.current_dir(dir.join("ws")).args([
        "check",
        "--color",
        "never",
        "-",
        "--stdin-filename",
        "nowhere/deeper/service.pipe",
    ]);
    let output = run(command, "import \"../../../outside/secret.pipe\"\n");
    let shown = all_output(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(shown.contains("error[P0202]"), "{shown}");
    assert!(!shown.contains(CANARY), "{shown}");
}

/// An error in `pipec.toml` names it relative to the current directory, as
/// every other path is named, never by an absolute path nobody typed.
#[test]
fn a_broken_settings_file_is_named_relative_to_the_current_directory() {
    let dir = scratch_dir("settings");
    let ws = dir.join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample"),
        &ws,
    );
    std::fs::write(ws.join("pipec.toml"), "[codepipeline\n").unwrap();
    for (cwd, entry, shown_as) in [
        (ws.clone(), "services/orders_api.pipe", "pipec.toml"),
        (ws.join("services"), "orders_api.pipe", "../pipec.toml"),
    ] {
        let output = pipec_in(
            &cwd,
            &[
                "--today",
                "2026-11-22",
                "compile",
                "--target",
                "codepipeline",
                entry,
            ],
        );
        let shown = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{shown}");
        assert!(
            shown.contains(&format!("error[P1004]: {shown_as}:")),
            "{shown}"
        );
        assert!(!shown.contains(dir.to_str().unwrap()), "{shown}");
    }
}

/// A typo in `pipec.toml` is an error for a file named on the command
/// line too, not only for a directory searched: it is never silently
/// ignored (docs/language.md, `pipec.toml`).
#[test]
fn a_typo_in_the_settings_stops_a_named_file_as_it_stops_a_directory() {
    let dir = scratch_dir("settings-typo");
    let ws = dir.join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample"),
        &ws,
    );
    let named = ["--today", "2026-11-22", "check", "services/orders_api.pipe"];
    assert_eq!(pipec_in(&ws, &named).status.code(), Some(0));
    // Standard input named after a file of the workspace is that file.
    let source = std::fs::read_to_string(ws.join("services/orders_api.pipe")).unwrap();
    let from_stdin = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pipec"));
        command.current_dir(&ws).args([
            "--today",
            "2026-11-22",
            "check",
            "-",
            "--stdin-filename",
            "services/orders_api.pipe",
        ]);
        run(command, &source)
    };
    assert_eq!(from_stdin().status.code(), Some(0));
    std::fs::write(ws.join("pipec.toml"), "[check]\nexclud = [\"x\"]\n").unwrap();
    let output = from_stdin();
    let shown = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "standard input: {shown}");
    assert!(shown.contains("error[P1004]: pipec.toml:"), "{shown}");
    for args in [
        &named[..],
        &["--today", "2026-11-22", "check", "."],
        &[
            "--today",
            "2026-11-22",
            "compile",
            "services/orders_api.pipe",
        ],
    ] {
        let output = pipec_in(&ws, args);
        let shown = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {shown}");
        assert!(shown.contains("error[P1004]: pipec.toml:"), "{shown}");
        assert!(shown.contains("exclud"), "{shown}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing compiled");
    }
}

/// A `pipec.toml` that is a link to `/proc/self/environ` is refused, not
/// parsed: a TOML error quotes the line it failed on.
#[cfg(target_os = "linux")]
#[test]
fn a_settings_file_linked_to_the_environment_is_refused() {
    let dir = scratch_dir("settings-environ");
    let ws = dir.join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample"),
        &ws,
    );
    std::fs::remove_file(ws.join("pipec.toml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", ws.join("pipec.toml")).unwrap();
    let output = pipec_in(
        &ws,
        &[
            "--today",
            "2026-11-22",
            "compile",
            "--target",
            "codepipeline",
            "services/orders_api.pipe",
        ],
    );
    let shown = all_output(&output);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(
        shown.contains("pipec.toml: leads outside the workspace root"),
        "{shown}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A file of one 5 MB token: the report is a few lines, the token elided
/// in the message and the line shown as a window, and the position in the
/// header is the real one. In every format the report is at most 10 KB
/// longer than the same mistake's with a one-byte token (SARIF alone
/// describes every code, some 130 KB).
#[test]
fn a_five_megabyte_token_gives_a_short_report() {
    let dir = scratch_dir("long-token");
    std::fs::write(dir.join("big.pipe"), "a".repeat(5_000_000)).unwrap();
    std::fs::write(dir.join("small.pipe"), "a").unwrap();
    for format in ["human", "json", "sarif", "short"] {
        let check = |file: &str| {
            pipec_in(
                &dir,
                &["check", "--color", "never", "--format", format, file],
            )
        };
        let small = all_output(&check("small.pipe")).len();
        let started = Instant::now();
        let output = check("big.pipe");
        let elapsed = started.elapsed();
        let shown = all_output(&output);
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(
            shown.len() < small + 10_000,
            "{format}: {} bytes, against {small}",
            shown.len()
        );
        assert!(shown.contains("(5,000,000 bytes)"), "{format}: {shown}");
        assert!(elapsed < Duration::from_secs(20), "{format}: {elapsed:?}");
    }
    let output = pipec_in(&dir, &["check", "--color", "never", "big.pipe"]);
    let shown = text(&output.stderr);
    assert!(shown.contains("big.pipe:1:1"), "{shown}");
    assert!(shown.contains("`aaaaaaaa…` (5,000,000 bytes)"), "{shown}");
    assert!(shown.contains('…'), "{shown}");
}

/// A mistake far along a long line is shown in a window around it, with
/// its real line and column in the header and the cut marked `…`.
#[test]
fn a_mistake_far_along_a_long_line_is_shown_in_a_window() {
    let dir = scratch_dir("long-line");
    let padding = "b".repeat(200_000);
    let source = format!("alarm ok = ALARM(\"A\")\nalarm x = ALARM(\"{padding}\\q\")\n");
    std::fs::write(dir.join("mid.pipe"), &source).unwrap();
    let output = pipec_in(&dir, &["check", "--color", "never", "mid.pipe"]);
    let shown = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    let column = "alarm x = ALARM(\"".len() + padding.len() + 1;
    assert!(
        shown.contains(&format!("mid.pipe:2:{column}")),
        "{column}: {shown}"
    );
    assert!(shown.len() < 10_000, "{} bytes", shown.len());
    // The window holds the mistake and its caret, not the start of the line.
    // (The name is also too long for CloudWatch, reported first: the
    // escape's report is the one looked at here.)
    let escape = &shown[shown
        .find("error[P0005]")
        .unwrap_or_else(|| panic!("{shown}"))..];
    let line = escape
        .lines()
        .find(|line| line.starts_with("2 │"))
        .unwrap_or_else(|| panic!("no line 2 in {shown}"));
    assert!(line.contains("\\q\")"), "{line}");
    assert!(line.contains('…'), "{line}");
    assert!(!line.contains("alarm x"), "{line}");
    let carets = escape
        .lines()
        .find(|line| line.contains("^^"))
        .unwrap_or_else(|| panic!("no caret in {shown}"));
    let line_chars: Vec<char> = line.chars().collect();
    let caret_at = carets.chars().position(|ch| ch == '^').unwrap();
    assert_eq!(line_chars[caret_at..caret_at + 2], ['\\', 'q'], "{shown}");
}
