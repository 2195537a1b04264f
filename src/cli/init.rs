//! `pipec init [DIR]`: a new workspace that checks clean, to start from.
//!
//! It writes a `pipec.toml`, an organisation template with its policy
//! (`org.pipe`), one service pipeline extending it (`services/NAME.pipe`,
//! named after the directory) and a `.gitignore` for run state. It never
//! overwrites: when any of those files exists, nothing is written.

use miette::{IntoDiagnostic, WrapErr, miette};
use std::io::Write;
use std::path::{Path, PathBuf};

const PIPEC_TOML: &str = include_str!("init/pipec.toml");
const GITIGNORE: &str = include_str!("init/gitignore");
const ORG: &str = include_str!("init/org.pipe");
const SERVICE: &str = include_str!("init/service.pipe.in");

/// The files of a new workspace, with their contents.
fn scaffold(name: &str) -> Vec<(PathBuf, String)> {
    let service = name.replace('_', "-");
    let alarm: String = name
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    let pipeline = SERVICE
        .replace("{{name}}", name)
        .replace("{{service}}", &service)
        .replace("{{alarm}}", &alarm);
    vec![
        (PathBuf::from("pipec.toml"), PIPEC_TOML.to_string()),
        (PathBuf::from(".gitignore"), GITIGNORE.to_string()),
        (PathBuf::from("org.pipe"), ORG.to_string()),
        (Path::new("services").join(format!("{name}.pipe")), pipeline),
    ]
}

/// A pipeline name made from a directory's name: lower case, words joined
/// by `_`, starting with a letter and not a keyword; `my_service` when
/// nothing usable is left.
pub(crate) fn pipeline_name(dir_name: &str) -> String {
    let mut name = String::new();
    for ch in dir_name.chars() {
        if ch.is_ascii_alphanumeric() {
            name.push(ch.to_ascii_lowercase());
        } else if !name.ends_with('_') && !name.is_empty() {
            name.push('_');
        }
    }
    let name = name.trim_end_matches('_').to_string();
    let usable = name.starts_with(|ch: char| ch.is_ascii_lowercase())
        && !pipec::syntax::KEYWORDS.contains(&name.as_str());
    if usable {
        name
    } else if name.starts_with(|ch: char| ch.is_ascii_digit()) {
        format!("service_{name}")
    } else {
        "my_service".to_string()
    }
}

/// Writes a new workspace into `dir` (created when missing).
pub fn run(dir: &Path) -> miette::Result<u8> {
    let absolute = std::path::absolute(dir).into_diagnostic()?;
    let dir_name = absolute
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = pipeline_name(&dir_name);
    let files = scaffold(&name);
    let existing: Vec<String> = files
        .iter()
        .map(|(path, _)| dir.join(path))
        .filter(|path| path.exists() || path.is_symlink())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(miette!(
            code = "P1008",
            help = "run `pipec init` in a new or empty directory, or move these files away",
            "refusing to overwrite {}",
            existing.join(", ")
        ));
    }
    for (path, contents) in &files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .into_diagnostic()
                .wrap_err_with(|| format!("could not create {}", parent.display()))?;
        }
        // `create_new`: a file that appeared since the check above is
        // still never overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .into_diagnostic()
            .wrap_err_with(|| format!("could not create {}", target.display()))?;
        file.write_all(contents.as_bytes())
            .and_then(|()| file.sync_all())
            .into_diagnostic()
            .wrap_err_with(|| format!("could not write {}", target.display()))?;
    }
    let shown = |path: &Path| dir.join(path).display().to_string();
    note!("created a pipec workspace in {}:", dir.display());
    for (path, _) in &files {
        note!("  {}", shown(path));
    }
    let service = Path::new("services").join(format!("{name}.pipe"));
    note!(
        "next: `pipec check {}`, then `pipec compile --pretty {}`",
        dir.display(),
        shown(&service)
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::pipeline_name;

    #[test]
    fn directory_names_become_pipeline_names() {
        assert_eq!(pipeline_name("orders-api"), "orders_api");
        assert_eq!(pipeline_name("Payments Worker"), "payments_worker");
        assert_eq!(pipeline_name("2fa"), "service_2fa");
        assert_eq!(pipeline_name("stage"), "my_service");
        assert_eq!(pipeline_name("--"), "my_service");
        assert_eq!(pipeline_name("über"), "ber");
    }
}
