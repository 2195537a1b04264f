//! Finding and reading the files named on the command line.

use miette::{IntoDiagnostic, WrapErr, miette};
use pipec::workspace::Input;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads every input: files as named, directories searched recursively for
/// `*.pipe` (skipping hidden directories), `-` as standard input. Files are
/// returned in a stable order: arguments in order, directory contents
/// sorted by path.
pub fn collect_inputs(
    paths: &[PathBuf],
    stdin_filename: Option<&str>,
) -> miette::Result<Vec<Input>> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .into_diagnostic()
                .wrap_err("could not read standard input")?;
            let name = stdin_filename.unwrap_or("<stdin>").to_string();
            inputs.push(Input { name, bytes });
        } else if path.is_dir() {
            let mut found = Vec::new();
            find_pipe_files(path, &mut found)?;
            found.sort();
            for file in found {
                inputs.push(read_input(&file)?);
            }
        } else if path.exists() {
            inputs.push(read_input(path)?);
        } else {
            return Err(miette!(
                help = "pass a .pipe file, a directory to search, or - for standard input",
                "no such file or directory: {}",
                path.display()
            ));
        }
    }
    Ok(inputs)
}

fn find_pipe_files(dir: &Path, found: &mut Vec<PathBuf>) -> miette::Result<()> {
    let entries = std::fs::read_dir(dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry.into_diagnostic()?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let file_type = entry.file_type().into_diagnostic()?;
        if file_type.is_dir() && !hidden {
            find_pipe_files(&path, found)?;
        } else if file_type.is_file() && path.extension().is_some_and(|ext| ext == "pipe") {
            found.push(path);
        }
    }
    Ok(())
}

fn read_input(path: &Path) -> miette::Result<Input> {
    let bytes = std::fs::read(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read {}", path.display()))?;
    let name = display_name(path);
    Ok(Input { name, bytes })
}

/// The path as the user wrote it, without a leading `./`, with `/`
/// separators so that output is the same on every platform.
fn display_name(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map_or(text.clone(), str::to_string)
}
