//! Finding the files named on the command line, and the file-system loader.

use miette::{IntoDiagnostic, WrapErr, miette};
use pipec::loader::Loader;
use pipec::modules::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The file system, as the compiler's loader.
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// The file system under another directory: relative paths are read from
/// `root`, so that a copy of a workspace (a git revision unpacked
/// elsewhere) is loaded under the same relative names as the original.
pub struct RootedLoader {
    /// Where relative paths start.
    pub root: PathBuf,
}

impl Loader for RootedLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.root.join(path))
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(self.root.join(path))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.root.join(path).is_file()
    }
}

/// Finds every entry: files as named, directories searched recursively for
/// `*.pipe` (skipping hidden directories), `-` as standard input. Entries
/// come in a stable order: arguments in order, directory contents sorted by
/// path. Entry files are read here, so that an unreadable one is an I/O
/// error of the command rather than a diagnostic.
pub fn collect_entries(
    paths: &[PathBuf],
    stdin_filename: Option<&str>,
) -> miette::Result<Vec<Entry>> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut entries = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .into_diagnostic()
                .wrap_err("could not read standard input")?;
            // Imports from standard input resolve as if the text were the
            // file it is named after (or one in the current directory).
            entries.push(Entry {
                path: PathBuf::from(stdin_filename.unwrap_or("stdin.pipe")),
                bytes: Some(bytes),
                name: Some(stdin_filename.unwrap_or("<stdin>").to_string()),
            });
        } else if path.is_dir() {
            let mut found = Vec::new();
            find_pipe_files(path, &mut found)?;
            found.sort();
            for file in found {
                entries.push(read_entry(&file)?);
            }
        } else if path.exists() {
            entries.push(read_entry(path)?);
        } else {
            return Err(miette!(
                help = "pass a .pipe file, a directory to search, or - for standard input",
                "no such file or directory: {}",
                path.display()
            ));
        }
    }
    Ok(entries)
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

fn read_entry(path: &Path) -> miette::Result<Entry> {
    let bytes = std::fs::read(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read {}", path.display()))?;
    Ok(Entry {
        path: path.to_path_buf(),
        bytes: Some(bytes),
        name: None,
    })
}
