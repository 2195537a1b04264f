//! `pipec diff`: compiles two versions of a workspace (two paths, or a git
//! revision and the working tree) and reports what changes in the
//! effective pipelines. The comparison itself lives in `pipec::diff`.

use super::{Compilation, EXIT_ERRORS, EXIT_FAILURE, files};
use clap::ValueEnum;
use miette::{IntoDiagnostic, WrapErr, miette};
use pipec::diagnostics::render;
use pipec::diff::{self, Finding, Side};
use pipec::export::plan_v1::PlanV1;
use pipec::loader::Loader;
use pipec::modules::Entry;
use pipec::workspace;
use std::path::{Path, PathBuf};

/// How the report is printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// One line per change.
    Text,
    /// A pull-request comment.
    Markdown,
    /// A versioned JSON document.
    Json,
}

/// What `diff` was asked.
pub struct Request<'a> {
    /// BASE (or, with `--git`, the path to compare; default `.`).
    pub base: Option<&'a Path>,
    /// HEAD.
    pub head: Option<&'a Path>,
    /// `--git REV`.
    pub git: Option<&'a str>,
    pub format: Format,
    pub exit_code: bool,
    pub start: Option<jiff::Timestamp>,
    pub compile: Compilation<'a>,
}

/// Runs `diff`: 0 when nothing changed (or changes without
/// `--exit-code`), 1 for changes with `--exit-code`, 2 when a side does
/// not compile or cannot be read.
pub fn run(request: &Request<'_>) -> miette::Result<u8> {
    let (base, head) = match request.git {
        Some(rev) => {
            let path = request.base.unwrap_or(Path::new("."));
            if request.head.is_some() {
                return Err(miette!(
                    code = "P1003",
                    help = "`--git REV [PATH]` compares PATH at REV with the working tree",
                    "`--git` takes one path"
                ));
            }
            let unpacked = Unpacked::revision(rev, path)?;
            let base = side(
                "base",
                &unpacked.entries(path)?,
                &files::RootedLoader {
                    root: unpacked.root.clone(),
                },
                request.compile,
            )?;
            let head = side(
                "head",
                &files::collect_entries(&[path.to_path_buf()], None)?,
                &files::FsLoader,
                request.compile,
            )?;
            (base, head)
        }
        None => {
            let (Some(base_path), Some(head_path)) = (request.base, request.head) else {
                return Err(miette!(
                    code = "P1003",
                    help = "give two paths, `pipec diff BASE HEAD`, or a revision, `pipec diff --git origin/main`",
                    "`diff` needs something to compare"
                ));
            };
            let base = side(
                "base",
                &files::collect_entries(&[base_path.to_path_buf()], None)?,
                &files::FsLoader,
                request.compile,
            )?;
            let head = side(
                "head",
                &files::collect_entries(&[head_path.to_path_buf()], None)?,
                &files::FsLoader,
                request.compile,
            )?;
            (base, head)
        }
    };
    let (Some(base), Some(head)) = (base, head) else {
        return Ok(EXIT_FAILURE);
    };
    let today = request.compile.today;
    let start = request.start;
    let report = diff::compare(&base, &head, &|plan| rollout_seconds(plan, start, today));
    let text = match request.format {
        Format::Text => {
            let text = diff::render::text(&report);
            let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
            if pipec::diagnostics::render::colour_enabled(request.compile.color, terminal) {
                coloured(&text)
            } else {
                text
            }
        }
        Format::Markdown => diff::render::markdown(&report),
        Format::Json => diff::render::json(&report),
    };
    super::output::write_stdout(&text)?;
    Ok(if request.exit_code && report.has_changes() {
        EXIT_ERRORS
    } else {
        0
    })
}

/// Compiles one side; `None` when it has errors other than policy
/// findings (reported on standard error).
fn side(
    name: &str,
    entries: &[Entry],
    loader: &dyn Loader,
    how: Compilation<'_>,
) -> miette::Result<Option<Side>> {
    let compiled =
        workspace::compile_workspace_with(entries.to_vec(), loader, how.today, how.profile);
    // A finding (`P0801`) is what a rule says about a pipeline, compared
    // between the sides even when a `deny` makes it an error. The other
    // `P08xx` codes are about the policies themselves (an unknown rule, an
    // exemption without a reason): as errors they break the side like any
    // other, and as warnings they are not findings.
    let is_policy = |diagnostic: &pipec::diagnostics::Diagnostic| {
        diagnostic.code == pipec::diagnostics::Code::POLICY
    };
    let broken = compiled
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.is_error() && !is_policy(diagnostic));
    if broken {
        render::to_stderr(&compiled.diagnostics, &compiled.sources, how.color);
        note!("error: the {name} side does not compile");
        return Ok(None);
    }
    let findings = compiled
        .diagnostics
        .iter()
        .filter(|diagnostic| is_policy(diagnostic))
        .map(|diagnostic| {
            let at = diagnostic
                .primary_label()
                .and_then(|label| {
                    let file = compiled.sources.get(label.file)?;
                    let position = file.position(label.span.start as usize);
                    Some(format!(
                        "{}:{}:{}",
                        file.name, position.line, position.column
                    ))
                })
                .unwrap_or_default();
            Finding {
                code: diagnostic.code.as_str().to_string(),
                severity: if diagnostic.is_error() {
                    "error"
                } else {
                    "warning"
                }
                .to_string(),
                message: diagnostic.message.clone(),
                pipelines: diagnostic
                    .finding
                    .as_ref()
                    .map(|finding| finding.pipelines.clone())
                    .unwrap_or_default(),
                at,
            }
        })
        .collect();
    let plans: Vec<&pipec::plan::Plan> = compiled.plans.iter().collect();
    Ok(Some(Side {
        plans: pipec::export::plans_to_v1(&plans, &compiled.sources),
        findings,
    }))
}

/// The text report with ANSI colours, as `git diff` colours: what is
/// added green, removed red, changed yellow, pipeline headings bold.
fn coloured(text: &str) -> String {
    text.lines()
        .map(|line| {
            let colour = if line.starts_with("pipeline ") {
                Some("1")
            } else if line.starts_with("  + ") {
                Some("32")
            } else if line.starts_with("  - ") {
                Some("31")
            } else if line.starts_with("  ~ ") {
                Some("33")
            } else {
                None
            };
            match colour {
                Some(colour) => format!("\x1b[{colour}m{line}\x1b[0m\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// The seconds from merge to the last event of a simulated rollout with no
/// alarms and approvals given at once, from `start`, or by default from
/// the first Monday on or after `today` at 09:00 in the zone of the plan's
/// first window (UTC without one): both sides start at the same instant
/// unless the change moves that window to another zone, so the difference
/// is the change's.
fn rollout_seconds(
    plan: &PlanV1,
    start: Option<jiff::Timestamp>,
    today: jiff::civil::Date,
) -> Option<i64> {
    let start = match start {
        Some(start) => start,
        None => pipec::sim::default_start(plan, today)?.0,
    };
    let options = pipec::sim::Options {
        start: Some(start),
        auto_approve: true,
    };
    let simulation =
        pipec::sim::simulate(plan, &pipec::sim::scenario::Scenario::empty(), &options).ok()?;
    Some(simulation.finished_at.as_second() - simulation.started_at.as_second())
}

/// A git revision of the workspace, unpacked into a temporary directory
/// that is removed when this is dropped.
struct Unpacked {
    /// The directory that stands for the current directory at the revision.
    root: PathBuf,
    /// The temporary directory.
    temporary: PathBuf,
}

impl Unpacked {
    /// Unpacks `rev` (`git archive` piped into `tar`) and finds, inside it,
    /// the directory that corresponds to the current one.
    fn revision(rev: &str, path: &Path) -> miette::Result<Unpacked> {
        let git = |args: &[&str]| -> miette::Result<String> {
            let output = std::process::Command::new("git")
                .args(args)
                .output()
                .into_diagnostic()
                .wrap_err("could not run git")?;
            if !output.status.success() {
                return Err(miette!(
                    code = "P1005",
                    help = "`--git` needs a git work tree and a revision it knows, such as origin/main",
                    "git {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        };
        let top = git(&["rev-parse", "--show-toplevel"])?;
        let prefix = git(&["rev-parse", "--show-prefix"])?;
        // `--quiet` leaves git with nothing to say about a revision it
        // does not know: say it here.
        git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
        .map_err(|_| {
            miette!(
 code = "P1005",
                help = "name a branch, tag or commit this repository has (`git fetch` first for a remote one such as origin/main)",
                "revision `{rev}` not found in {top}"
            )
        })?;
        let temporary = std::env::temp_dir().join(format!(
            "pipec-diff-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&temporary).into_diagnostic()?;
        let unpacked = Unpacked {
            root: temporary.join(&prefix),
            temporary,
        };
        let archive = std::process::Command::new("git")
            .args(["-C", &top, "archive", "--format=tar", rev])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .into_diagnostic()
            .wrap_err("could not run git archive")?;
        let status = match archive.stdout {
            Some(stdout) => std::process::Command::new("tar")
                .arg("-x")
                .arg("-C")
                .arg(&unpacked.temporary)
                .stdin(stdout)
                .status()
                .into_diagnostic()
                .wrap_err("could not run tar")?,
            None => return Err(miette!(code = "P1005", "git archive gave no output")),
        };
        if !status.success() {
            return Err(miette!(
                code = "P1005",
                "could not unpack {rev} (git archive | tar -x)"
            ));
        }
        if !unpacked.root.join(path).exists() {
            return Err(miette!(
                code = "P1001",
                help = "the path is looked up at the revision as it is in the working tree",
                "{} does not exist at {rev}",
                path.display()
            ));
        }
        Ok(unpacked)
    }

    /// The entries under `path` at the revision, named by their paths
    /// relative to [`Unpacked::root`], as the working tree's are.
    fn entries(&self, path: &Path) -> miette::Result<Vec<Entry>> {
        let entries = files::collect_entries(&[self.root.join(path)], None)?;
        Ok(entries
            .into_iter()
            .map(|entry| Entry {
                path: entry
                    .path
                    .strip_prefix(&self.root)
                    .map(Path::to_path_buf)
                    .unwrap_or(entry.path),
                ..entry
            })
            .collect())
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.temporary);
    }
}
