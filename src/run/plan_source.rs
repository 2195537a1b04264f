//! Where the plan comes from: a plan file (`PLAN.json`, format 1.1 or 1.0) read
//! here, or a `.pipe` file the CLI compiles; and the defaults that follow
//! from it: the directory commands run in, and the state directory.

use crate::export::plan_v1::{self, PlanV1};
use std::path::{Path, PathBuf};

/// Whether `path` names a plan file rather than `.pipe` source.
pub fn is_plan_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "json")
}

/// Reads a plan file. Its pipeline's name must be an identifier, as the
/// schema says: it names the state directory (`.pipec/PIPELINE/`), and a
/// name like `../../x` would put the journal, lock and logs elsewhere.
pub fn read_plan_file(path: &Path) -> Result<PlanV1, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let plan = plan_v1::from_json(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    if !is_identifier(&plan.pipeline) {
        return Err(format!(
            "{}: the pipeline's name `{}` is not an identifier (letters, digits and `_`, with single `-` between them)",
            path.display(),
            plan.pipeline.escape_debug()
        ));
    }
    Ok(plan)
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

/// The default state directory of a pipeline's runs: `.pipec/PIPELINE/`
/// under the base directory, so that two pipelines of one workspace keep
/// apart.
pub fn default_state_dir(base_dir: &Path, pipeline: &str) -> PathBuf {
    base_dir.join(".pipec").join(pipeline)
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
