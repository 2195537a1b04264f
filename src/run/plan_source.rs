//! Where the plan comes from: a plan file (`PLAN.json`, format 1.0 to 1.3) read
//! here, or a `.pipe` file the CLI compiles; and the defaults that follow
//! from it: the directory commands run in, and the state directory.

use crate::export::plan_v1::{self, PlanV1};
use std::path::{Path, PathBuf};

/// Whether `path` names a plan file rather than `.pipe` source.
pub fn is_plan_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
}

/// Reads the text of a plan file `path`: one plan, or an array of plans
/// as `pipec compile` writes for a file that declares several pipelines.
/// Each pipeline's name must be an identifier, as the schema says: it
/// names the state directory (`.../runs/PIPELINE-HASH/`), and a name like
/// `../../x` would put the journal, lock and logs elsewhere.
pub fn read_plan_text(path: &Path, text: &str) -> Result<Vec<PlanV1>, String> {
    let plans =
        plan_v1::plans_from_json(text).map_err(|error| format!("{}: {error}", path.display()))?;
    if let Some(plan) = plans.iter().find(|plan| !is_identifier(&plan.pipeline)) {
        return Err(format!(
            "{}: the pipeline's name `{}` is not an identifier (letters, digits and `_`, with single `-` between them)",
            path.display(),
            plan.pipeline.escape_debug()
        ));
    }
    Ok(plans)
}

/// Whether a name is a `.pipe` identifier: `^[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$`.
fn is_identifier(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|first| {
        first
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && first
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    });
    first_ok
        && parts.all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        })
}

/// The plan of pipeline `wanted` among `plans`, or the only one.
pub fn choose(plans: Vec<PlanV1>, wanted: Option<&str>, file: &Path) -> Result<PlanV1, String> {
    let names: Vec<String> = plans.iter().map(|plan| plan.pipeline.clone()).collect();
    match wanted {
        Some(wanted) => plans
            .into_iter()
            .find(|plan| plan.pipeline == wanted)
            .ok_or_else(|| {
                format!(
                    "no pipeline `{wanted}` in {} (it has: {})",
                    file.display(),
                    names.join(", ")
                )
            }),
        None if plans.len() == 1 => plans
            .into_iter()
            .next()
            .ok_or_else(|| format!("{} declares no pipeline", file.display())),
        None if plans.is_empty() => Err(format!("{} declares no pipeline", file.display())),
        None => Err(format!(
            "{} declares several pipelines ({}): choose one with --pipeline NAME",
            file.display(),
            names.join(", ")
        )),
    }
}

/// Where commands run and where the state goes by default: the workspace
/// root of a `.pipe` file (the nearest directory above it holding
/// `pipec.toml`, else its own directory), or the directory of a plan file.
pub fn base_dir(path: &Path) -> Result<PathBuf, String> {
    let absolute = std::fs::canonicalize(path)
        .map_err(|error| format!("cannot find {}: {error}", path.display()))?;
    let dir = absolute
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    if is_plan_file(path) {
        return Ok(dir);
    }
    let mut candidate = Some(dir.as_path());
    while let Some(current) = candidate {
        if current.join(crate::modules::ROOT_MARKER).is_file() {
            return Ok(current.to_path_buf());
        }
        candidate = current.parent();
    }
    Ok(dir)
}

/// The default state directory of a pipeline's runs:
/// `$XDG_STATE_HOME/pipec/runs/KEY/` (or `~/.local/state/pipec/runs/KEY/`),
/// where `KEY` is the pipeline's name and a hash of the canonical base
/// directory. It lies outside the work tree on purpose: a step that cleans
/// the work tree (`git clean -fdx`) must not delete the journal of the run
/// it is part of. `var` reads the environment (`XDG_STATE_HOME`, `HOME`).
pub fn default_state_dir(
    base_dir: &Path,
    pipeline: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<PathBuf, String> {
    // The XDG specification ignores a relative `XDG_STATE_HOME`.
    let absolute = |value: String| Some(PathBuf::from(value)).filter(|path| path.is_absolute());
    let state_home = var("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| var("HOME").and_then(absolute).map(|home| home.join(".local").join("state")))
        .ok_or_else(|| {
            "neither XDG_STATE_HOME nor HOME is set to an absolute path, so there is no default state directory: give one with `--state DIR`".to_string()
        })?;
    Ok(state_home
        .join("pipec")
        .join("runs")
        .join(state_key(base_dir, pipeline)))
}

/// `PIPELINE-HASH`: the pipeline (an identifier, so a safe file name) and
/// 16 hex digits of FNV-1a of the base directory's path, so that two
/// checkouts of one repository, or two pipelines of one workspace, keep
/// apart. The hash only tells directories apart; the state is no secret.
pub fn state_key(base_dir: &Path, pipeline: &str) -> String {
    let path = base_dir.to_string_lossy();
    let hash = crate::diagnostics::formats::fingerprint::fnv1a64(path.as_bytes());
    format!("{pipeline}-{hash:016x}")
}

#[cfg(test)]
mod identifier_tests {
    #[test]
    fn names_that_could_leave_the_state_directory_are_not_identifiers() {
        for good in ["orders_api", "orders-api", "_x", "a1-b2-c3"] {
            assert!(super::is_identifier(good), "{good}");
        }
        for bad in [
            "../../x", "/etc", "a/b", "", "-a", "a-", "a--b", "1a", ".", "a b", "é",
        ] {
            assert!(!super::is_identifier(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod state_dir_tests {
    #![allow(clippy::unwrap_used)]
    use super::default_state_dir;
    use std::path::Path;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn the_default_is_under_the_state_home_keyed_by_pipeline_and_base_directory() {
        let base = Path::new("/work/repo");
        let dir = default_state_dir(
            base,
            "orders",
            env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")]),
        )
        .unwrap();
        assert!(dir.starts_with("/s/pipec/runs"), "{}", dir.display());
        let key = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            key.starts_with("orders-") && key.len() == "orders-".len() + 16,
            "{key}"
        );
        // A relative XDG_STATE_HOME is ignored, as the specification says.
        let from_home = default_state_dir(
            base,
            "orders",
            env(&[("XDG_STATE_HOME", "s"), ("HOME", "/h")]),
        )
        .unwrap();
        assert_eq!(
            from_home,
            Path::new("/h/.local/state/pipec/runs").join(&key)
        );
        // Another checkout, another pipeline: another directory.
        let other =
            default_state_dir(Path::new("/work/repo2"), "orders", env(&[("HOME", "/h")])).unwrap();
        assert_ne!(other, from_home);
        let pipeline = default_state_dir(base, "billing", env(&[("HOME", "/h")])).unwrap();
        assert_ne!(pipeline, from_home);
        // Nowhere to put it: `--state` is needed.
        let none = default_state_dir(base, "orders", env(&[])).unwrap_err();
        assert!(none.contains("--state DIR"), "{none}");
    }
}
