//! `.pre-commit-hooks.yaml`, run by the real pre-commit (`PIPEC_PRE_COMMIT`,
//! which `./scripts/test.sh` installs, pinned) with `pre-commit try-repo`
//! against a scratch git repository: pre-commit builds `pipec` from this
//! repository with cargo, as it does for its users, and runs each hook.

#![allow(clippy::unwrap_used)]

mod processes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit() -> Option<PathBuf> {
    let Some(program) = std::env::var_os("PIPEC_PRE_COMMIT") else {
        processes::not_run("pre-commit hooks", "PIPEC_PRE_COMMIT unset");
        return None;
    };
    let program = PathBuf::from(program);
    assert!(
        program.is_file(),
        "PIPEC_PRE_COMMIT names {}, which does not exist",
        program.display()
    );
    Some(program)
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", "Hooks")
        .env("GIT_AUTHOR_EMAIL", "hooks@example.com")
        .env("GIT_COMMITTER_NAME", "Hooks")
        .env("GIT_COMMITTER_EMAIL", "hooks@example.com")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// Runs one hook of this repository over every file of `repo`.
fn try_hook(program: &Path, repo: &Path, hook: &str) -> Output {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::new(program)
        .args(["try-repo"])
        .arg(manifest)
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(repo)
        // pre-commit's environments (the hook's `cargo install` of pipec)
        // and cargo's build stay in this repository's caches, so that the
        // build is made once and reused by later runs.
        .env("PRE_COMMIT_HOME", manifest.join(".cache/pre-commit-home"))
        .env("CARGO_TARGET_DIR", manifest.join("target/pre-commit"))
        // The hook's build only has to work, not be fast: a lighter
        // release profile (no debug lines, less optimization, none across
        // crates) builds in a fraction of the time.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .output()
        .expect("pre-commit runs")
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn the_hooks_format_and_check_a_repository() {
    let Some(program) = pre_commit() else {
        return;
    };
    let repo = std::env::temp_dir().join(format!("pipec-pre-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("services")).unwrap();
    std::fs::write(repo.join("pipec.toml"), "").unwrap();
    std::fs::write(repo.join("org.pipe"), "alarm   shared=ALARM(\"Shared\")\n").unwrap();
    std::fs::write(
        repo.join("services/orders.pipe"),
        "import \"../org.pipe\"\nalarm orders = shared or ALARM(\"Orders\")\n",
    )
    .unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);

    // pipec-fmt rewrites the file that is not in the canonical layout and
    // fails the commit, as formatters under pre-commit do.
    let output = try_hook(&program, &repo, "pipec-fmt");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("files were modified by this hook"),
        "{}",
        text(&output)
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("org.pipe")).unwrap(),
        "alarm shared = ALARM(\"Shared\")\n"
    );
    git(&repo, &["add", "-A"]);
    let output = try_hook(&program, &repo, "pipec-fmt");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // pipec-check checks the workspace: a change to `org.pipe` that
    // breaks the service file fails with the service file's error.
    std::fs::write(repo.join("org.pipe"), "alarm renamed = ALARM(\"Shared\")\n").unwrap();
    git(&repo, &["add", "-A"]);
    let output = try_hook(&program, &repo, "pipec-check");
    let report = text(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("error[P0"), "{report}");
    assert!(report.contains("services/orders.pipe"), "{report}");

    std::fs::write(repo.join("org.pipe"), "alarm shared = ALARM(\"Shared\")\n").unwrap();
    git(&repo, &["add", "-A"]);
    let output = try_hook(&program, &repo, "pipec-check");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let _ = std::fs::remove_dir_all(&repo);
}
