//! Finding the files named on the command line, and the file-system loader.

use miette::{IntoDiagnostic, WrapErr, miette};
use pipec::loader::{Loader, Remembering};
use pipec::modules::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The file system, as the compiler's loader.
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        pipec::disk::read_source_file(path)
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn is_symlink(&self, path: &Path) -> Option<bool> {
        let metadata = std::fs::symlink_metadata(path).ok()?;
        Some(metadata.file_type().is_symlink())
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
        pipec::disk::read_source_file(&self.root.join(path))
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(self.root.join(path))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.root.join(path).is_file()
    }

    fn is_symlink(&self, path: &Path) -> Option<bool> {
        FsLoader.is_symlink(&self.root.join(path))
    }
}

/// Finds every entry: files as named, directories searched recursively for
/// `*.pipe` (see [`pipec::walk`]: git-ignored, hidden and `[check]`
/// excluded files are skipped), `-` as standard input. Entries
/// come in a stable order: arguments in order, directory contents sorted by
/// path. Entry files are read here, so that an unreadable one is an I/O
/// error of the command rather than a diagnostic.
pub fn collect_entries(
    paths: &[PathBuf],
    stdin_filename: Option<&str>,
) -> miette::Result<Vec<Entry>> {
    collect_entries_with(paths, stdin_filename, &Remembering::new(&FsLoader))
}

/// [`collect_entries`] asking `loader`, which then knows each entry's
/// canonical path and workspace root when the entries are loaded through
/// it: a thousand entries are not resolved twice.
pub fn collect_entries_with(
    paths: &[PathBuf],
    stdin_filename: Option<&str>,
    loader: &Remembering<'_>,
) -> miette::Result<Vec<Entry>> {
    let stdin_named = paths.iter().filter(|path| path.as_os_str() == "-").count();
    if stdin_named > 1 {
        return Err(miette!(
            code = "P1003",
            help = "name `-` once",
            "standard input is named {stdin_named} times, and can be read only once"
        ));
    }
    if let (0, Some(name)) = (stdin_named, stdin_filename) {
        return Err(miette!(
            code = "P1003",
            help = format!(
                "add `-` to read standard input as `{name}`, or leave out `--stdin-filename`"
            ),
            "`--stdin-filename` names standard input, which is read only for `-`"
        ));
    }
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    // Entries found in one directory share their directory's canonical
    // form and workspace root.
    let mut entries = Vec::new();
    // The `pipec.toml` of each named file's workspace is read as a
    // directory's would be, so that a typo in it is never silently
    // ignored; once per workspace root.
    let mut settings_read: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            // Standard input belongs to the workspace of the file it is
            // named after: that workspace's `pipec.toml` is read too.
            if let Some(root) = root_of_argument(path, stdin_filename, loader)
                && settings_read.insert(root.clone())
            {
                check_settings(&root)?;
            }
            let bytes = read_stdin()?;
            // Imports from standard input resolve as if the text were the
            // file it is named after (or one in the current directory).
            entries.push(Entry {
                path: PathBuf::from(stdin_filename.unwrap_or("stdin.pipe")),
                bytes: Some(bytes),
                name: Some(stdin_filename.unwrap_or("<stdin>").to_string()),
            });
        } else if path.is_dir() {
            let excludes = pipec::walk::excludes_for(path).map_err(settings_error)?;
            let found = pipec::walk::pipe_files(path, &excludes).map_err(|error| {
                miette!(
                    code = "P1002",
                    help = "check the directory (its permissions, or how deep it goes), or name the files to check",
                    "could not read directory {}: {}",
                    error.path.display(),
                    error.message
                )
            })?;
            if found.is_empty() {
                note!(
                    "warning: no .pipe files in {} (hidden, git-ignored and excluded files are skipped)",
                    path.display()
                );
            }
            // Read on every core; the first error, in path order, is the one
            // reported, as if they were read one after another.
            let read =
                pipec::parallel::map_in_order(found, |file| read_walked_entry(&file, loader));
            for entry in read {
                entries.push(entry?);
            }
        } else if path.exists() || path.is_symlink() {
            // The loader remembers the root, which reading the entry
            // asks for again.
            if let Some(root) = pipec::modules::workspace_root(loader, path)
                && settings_read.insert(root.clone())
            {
                check_settings(&root)?;
            }
            entries.push(read_entry(path, loader)?);
        } else {
            return Err(miette!(
                code = "P1001",
                help = "pass a .pipe file, a directory to search, or - for standard input",
                "no such file or directory: {}",
                path.display()
            ));
        }
    }
    Ok(entries)
}

/// The workspace root of a command-line argument, found as
/// [`collect_entries`] places what it reads: for `-`, the root of the file
/// `stdin_filename` names (where its imports resolve from); for a
/// directory, the nearest directory at or above it holding `pipec.toml`
/// (the one whose excludes its walk follows), else the directory itself;
/// for a file, its own root. `None` when the argument cannot be resolved.
pub fn root_of_argument(
    path: &Path,
    stdin_filename: Option<&str>,
    loader: &dyn Loader,
) -> Option<PathBuf> {
    if path.as_os_str() == "-" {
        let named = Path::new(stdin_filename.unwrap_or("stdin.pipe"));
        pipec::modules::workspace_root(loader, named)
    } else if path.is_dir() {
        pipec::walk::root_of_directory(path).or_else(|| loader.canonicalize(path).ok())
    } else {
        pipec::modules::workspace_root(loader, path)
    }
}

/// Reads the `pipec.toml` of the workspace root `root`, if any, for its
/// errors alone.
fn check_settings(root: &Path) -> miette::Result<()> {
    pipec::walk::excludes_for(root)
        .map(drop)
        .map_err(settings_error)
}

/// A `pipec.toml` that cannot be used (P1004).
fn settings_error(error: String) -> miette::Report {
    miette!(
        code = "P1004",
        help = "see `pipec.toml` in docs/language.md",
        "{error}"
    )
}

/// Reads an entry file a directory walk found: a regular file and no link,
/// as its directory entry says, so the file system is not asked that
/// again. Should the path have been swapped since for a link, a FIFO or
/// a device, it fails to read (nothing of it is read), as it does when
/// named on the command line.
fn read_walked_entry(path: &Path, loader: &Remembering<'_>) -> miette::Result<Entry> {
    #[cfg(unix)]
    {
        loader.know_link(path, false);
        inside_root(path, loader)?;
        let bytes = pipec::disk::read_walked_source_file(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("could not read {}", path.display()))?;
        Ok(Entry {
            path: path.to_path_buf(),
            bytes: Some(bytes),
            name: None,
        })
    }
    #[cfg(not(unix))]
    read_entry(path, loader)
}

/// Reads an entry file named on the command line or found in a directory.
/// Like an import, it must be a regular file inside its workspace root
/// once links are followed: a link named `x.pipe` that leads to
/// `/proc/self/environ` or to a device is refused before anything is read,
/// so that its contents never reach a diagnostic.
fn read_entry(path: &Path, loader: &Remembering<'_>) -> miette::Result<Entry> {
    let cannot_read = || format!("could not read {}", path.display());
    // The path as it is, then (for a link) what it leads to: most entries
    // are no links, and are asked about once.
    let found = std::fs::symlink_metadata(path)
        .into_diagnostic()
        .wrap_err_with(cannot_read)?;
    let is_link = found.file_type().is_symlink();
    loader.know_link(path, is_link);
    let metadata = if is_link {
        std::fs::metadata(path)
            .into_diagnostic()
            .wrap_err_with(cannot_read)?
    } else {
        found
    };
    if !metadata.is_file() {
        return Err(miette!(
            code = "P1002",
            help = "name a .pipe file, a directory to search, or - for standard input",
            "could not read {}: not a regular file",
            path.display()
        ));
    }
    inside_root(path, loader)?;
    // Found to be a regular file above.
    let bytes = pipec::disk::read_checked_source_file(path)
        .into_diagnostic()
        .wrap_err_with(cannot_read)?;
    Ok(Entry {
        path: path.to_path_buf(),
        bytes: Some(bytes),
        name: None,
    })
}

/// Refuses an entry that leads outside its workspace root once links are
/// followed (`P1007`).
fn inside_root(path: &Path, loader: &Remembering<'_>) -> miette::Result<()> {
    let canonical = loader
        .canonicalize(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("could not read {}", path.display()))?;
    if let Some(root) = pipec::modules::workspace_root(loader, path)
        && !canonical.starts_with(&root)
    {
        return Err(miette!(
            code = "P1007",
            help = format!(
                "the workspace root is the nearest directory above with a `{}`, else the file's own directory; name the file itself",
                pipec::modules::ROOT_MARKER
            ),
            "refusing {}: it leads to {}, outside the workspace root {}",
            path.display(),
            canonical.display(),
            root.display()
        ));
    }
    Ok(())
}

/// Reads standard input, at most one byte over the size limit: enough for
/// the decoder to report a file too large (`P0008`), however much is piped.
pub fn read_stdin() -> miette::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(pipec::syntax::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .into_diagnostic()
        .wrap_err("could not read standard input")?;
    Ok(bytes)
}
