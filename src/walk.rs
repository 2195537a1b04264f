//! Finding the `.pipe` files of a directory, as `pipec check DIR`, the
//! other commands that take a directory, and the language server's
//! whole-workspace check all do: the same files for all of them.
//!
//! The walk honours `.gitignore` (and `.ignore`, `.git/info/exclude`, the
//! global git excludes), skips hidden files and directories and does not
//! follow links, as ripgrep does; on top of that come the `[check]`
//! `exclude` and `extend-exclude` globs of the workspace's `pipec.toml`.
//! A file named on the command line is never excluded: naming it is
//! asking for it.

use crate::settings::{CheckSettings, Settings};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// How deep a directory is searched: deep enough for any real layout. A
/// directory deeper still is an error, not files silently left out.
const MAX_DEPTH: usize = 64;

/// The globs a walk leaves out, relative to the workspace root that
/// declares them.
#[derive(Debug, Clone)]
pub struct Excludes {
    /// The directory the globs are relative to (canonical).
    root: PathBuf,
    globs: GlobSet,
}

impl Excludes {
    /// The excludes of `[check]` in the `pipec.toml` of `root` (the
    /// directory holding it): `exclude` in place of the defaults when
    /// given, then `extend-exclude`. A glob without `/` matches a file or
    /// directory of that name at any depth; one with `/` (a leading one
    /// too) is relative to the root. An excluded directory is not entered.
    pub fn new(root: &Path, settings: &CheckSettings) -> Result<Excludes, BadExclude> {
        let mut builder = GlobSetBuilder::new();
        for pattern in settings.effective_excludes() {
            // A leading `/` anchors the glob at the root, as in
            // `.gitignore`; the paths matched are relative to it.
            let rooted = pattern.starts_with('/');
            let trimmed = pattern
                .trim_start_matches("./")
                .trim_start_matches('/')
                .trim_end_matches('/');
            let anchored = if rooted || trimmed.contains('/') {
                trimmed.to_string()
            } else {
                format!("**/{trimmed}")
            };
            let glob = GlobBuilder::new(&anchored)
                .literal_separator(true)
                .build()
                .map_err(|error| BadExclude {
                    pattern: Some(pattern.clone()),
                    message: format!("exclude pattern `{pattern}`: {}", error.kind()),
                })?;
            builder.add(glob);
        }
        let globs = builder.build().map_err(|error| BadExclude {
            pattern: None,
            message: format!("exclude patterns: {error}"),
        })?;
        Ok(Excludes {
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            globs,
        })
    }

    /// No globs at all.
    pub fn none() -> Excludes {
        Excludes {
            root: PathBuf::new(),
            globs: GlobSet::empty(),
        }
    }

    /// Whether the absolute path `path` is left out.
    fn excludes(&self, path: &Path) -> bool {
        path.strip_prefix(&self.root)
            .is_ok_and(|relative| self.globs.is_match(relative))
    }
}

/// Why a directory could not be searched.
#[derive(Debug)]
pub struct WalkError {
    /// The path that failed.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Every regular `*.pipe` file under `dir`, sorted by path, with paths
/// starting with `dir` as given.
///
/// The walk is on one thread: it is a few microseconds per entry, and a
/// parallel walker's threads cost more to start and to wind down (they
/// poll for work before they quit) than they save on a workspace of a
/// thousand files; reading and parsing what it finds are spread over the
/// cores.
pub fn pipe_files(dir: &Path, excludes: &Excludes) -> Result<Vec<PathBuf>, WalkError> {
    walk_pipe_files(dir, excludes, Stop::AtFirstError)
}

/// [`pipe_files`] that passes over what it cannot search (a directory it
/// cannot read, or one too deep) instead of stopping there: what an editor
/// shows of a workspace, where the files that can be read are better than
/// none. Empty when `dir` itself cannot be resolved.
pub fn readable_pipe_files(dir: &Path, excludes: &Excludes) -> Vec<PathBuf> {
    walk_pipe_files(dir, excludes, Stop::Never).unwrap_or_default()
}

/// Whether a walk stops at its first error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    AtFirstError,
    Never,
}

fn walk_pipe_files(dir: &Path, excludes: &Excludes, stop: Stop) -> Result<Vec<PathBuf>, WalkError> {
    // Globs match absolute paths, while the walk yields paths that start
    // with `dir` as written: one prefix, resolved once, turns the second
    // into the first.
    let absolute_dir = std::fs::canonicalize(dir).map_err(|error| WalkError {
        path: dir.to_path_buf(),
        message: error.to_string(),
    })?;
    let filter_excludes = excludes.clone();
    let filter_dir = dir.to_path_buf();
    let walk = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .follow_links(false)
        .require_git(false)
        .max_depth(Some(MAX_DEPTH))
        .filter_entry(move |entry| {
            let absolute = match entry.path().strip_prefix(&filter_dir) {
                Ok(relative) => absolute_dir.join(relative),
                Err(_) => entry.path().to_path_buf(),
            };
            !filter_excludes.excludes(&absolute)
        })
        .build();
    let mut found = Vec::new();
    for result in walk {
        let entry = match result {
            Ok(entry) => entry,
            Err(_) if stop == Stop::Never => continue,
            Err(error) => return Err(walk_error(dir, error)),
        };
        let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
        // A directory the walk stops at would hide its files without a
        // word: the check would pass having read none of them.
        if stop == Stop::AtFirstError
            && entry.depth() >= MAX_DEPTH
            && entry.file_type().is_some_and(|kind| kind.is_dir())
            && std::fs::read_dir(entry.path()).map_or(true, |mut inside| inside.next().is_some())
        {
            return Err(WalkError {
                path: entry.into_path(),
                message: format!(
                    "it lies more than {MAX_DEPTH} directories deep, and is not searched"
                ),
            });
        }
        if is_file && entry.path().extension().is_some_and(|ext| ext == "pipe") {
            found.push(entry.into_path());
        }
    }
    found.sort_by_cached_key(|path| path_order_key(path));
    Ok(found)
}

/// A key whose byte order is the order of paths (component by component):
/// the path's bytes with every separator made the lowest byte, so that a
/// name that ends sorts before any longer name it begins. Comparing paths
/// themselves splits both into components at every comparison, which
/// was most of the time a walk of ten thousand files took.
fn path_order_key(path: &Path) -> Vec<u8> {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&byte| {
            if std::path::is_separator(char::from(byte)) {
                0
            } else {
                byte
            }
        })
        .collect()
}

/// The excludes that apply to a walk of `dir`: those of the workspace it
/// lies in (the nearest directory at or above it holding `pipec.toml`).
/// Outside a workspace, the defaults, as for a `pipec.toml` without
/// `[check]`: a repository without one still has its `node_modules` and
/// `target` left out.
pub fn excludes_for(dir: &Path) -> Result<Excludes, String> {
    match root_of_directory(dir) {
        Some(root) => {
            let settings = read_settings(&root)?;
            Excludes::new(&root, &settings.check).map_err(|error| {
                // The settings were read whole a moment ago; read again
                // only to say where the bad pattern is written.
                let line = error.pattern.as_deref().and_then(|pattern| {
                    let text = std::fs::read_to_string(root.join(crate::modules::ROOT_MARKER));
                    line_of_string(&text.ok()?, pattern)
                });
                match line {
                    Some(line) => format!(
                        "{}: line {line}: {}",
                        settings_path_shown(&root),
                        error.message
                    ),
                    None => format!("{}: {}", settings_path_shown(&root), error.message),
                }
            })
        }
        None => Excludes::new(dir, &CheckSettings::default()).map_err(|error| error.message),
    }
}

/// A glob of `[check]` that is no glob: which, when one is to blame, and
/// why.
#[derive(Debug)]
pub struct BadExclude {
    /// The pattern as written, when one glob is to blame.
    pub pattern: Option<String>,
    /// What is wrong, naming the pattern.
    pub message: String,
}

impl std::fmt::Display for BadExclude {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The line (one-based) of the TOML text `text` where the string `value`
/// is written, as a literal string (`'a[b'`) or a basic one (`"a[b"`,
/// with `\\` and `\"` escaped); `None` when it is written some other way.
fn line_of_string(text: &str, value: &str) -> Option<usize> {
    let literal = format!("'{value}'");
    let basic = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    text.lines()
        .position(|line| line.contains(&literal) || line.contains(&basic))
        .map(|index| index + 1)
}

/// The nearest directory at or above `dir` holding `pipec.toml`.
pub fn root_of_directory(dir: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(dir).ok()?;
    start
        .ancestors()
        .find(|candidate| candidate.join(crate::modules::ROOT_MARKER).is_file())
        .map(Path::to_path_buf)
}

/// The settings in `root`'s `pipec.toml`; none when there is no such file.
/// Errors name the file relative to the current directory: the root is
/// found (and made absolute) by `pipec`, not typed by the user. Like a
/// source file, it is read only if it is a regular file inside the root
/// (a link to `/proc/self/environ` would otherwise be quoted by the TOML
/// error), and only up to the size limit.
pub fn read_settings(root: &Path) -> Result<Settings, String> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let path = root.join(crate::modules::ROOT_MARKER);
    let shown = || settings_path_shown(&root);
    let bytes = match std::fs::canonicalize(&path) {
        Ok(canonical) if !canonical.starts_with(&root) => {
            return Err(format!("{}: leads outside the workspace root", shown()));
        }
        Ok(_) => crate::disk::read_source_file(&path),
        Err(error) => Err(error),
    };
    match bytes {
        Ok(bytes) if bytes.len() > crate::syntax::MAX_FILE_BYTES => {
            Err(format!("{}: larger than 8 MiB", shown()))
        }
        Ok(bytes) => {
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{}: not valid UTF-8", shown()))?;
            crate::settings::parse(&text).map_err(|error| format!("{}: {error}", shown()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(error) => Err(format!("{}: {error}", shown())),
    }
}

fn settings_path_shown(root: &Path) -> String {
    relative_to_current_dir(&root.join(crate::modules::ROOT_MARKER))
}

fn walk_error(dir: &Path, error: ignore::Error) -> WalkError {
    let path = walk_error_path(&error).unwrap_or_else(|| dir.to_path_buf());
    let message = match error.io_error() {
        Some(io) => io.to_string(),
        None => error.to_string(),
    };
    WalkError { path, message }
}

fn walk_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}

/// How to name an absolute path the user never typed (a workspace root's
/// `pipec.toml`): relative to the current directory, climbing with `..`
/// when it lies above, with `/` separators. A path the current directory
/// shares no root with, or a current directory that cannot be resolved,
/// leaves the path as it is.
pub fn relative_to_current_dir(path: &Path) -> String {
    let Some(cwd) = std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
    else {
        return path.display().to_string();
    };
    relative_path(path, &cwd).unwrap_or_else(|| path.display().to_string())
}

/// `path` relative to the directory `base` (both absolute), or `None`
/// when they share no root.
fn relative_path(path: &Path, base: &Path) -> Option<String> {
    if !path.is_absolute() || !base.is_absolute() {
        return None;
    }
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let shared = path
        .iter()
        .zip(&base)
        .take_while(|(left, right)| left == right)
        .count();
    if shared == 0 {
        return None;
    }
    let ups = base.len().saturating_sub(shared);
    let mut parts: Vec<String> = vec!["..".to_string(); ups];
    parts.extend(
        path.iter()
            .skip(shared)
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A directory too deep to search stops `pipe_files` (P1002 for the
    /// command line) and is passed over by `readable_pipe_files` (the
    /// editor's view), which still finds every file above it.
    #[test]
    fn a_directory_too_deep_stops_the_strict_walk_only() {
        let root = std::env::temp_dir().join(format!("pipec-walk-deep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut deep = root.clone();
        for _ in 0..MAX_DEPTH {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("deep.pipe"), "").unwrap();
        std::fs::write(root.join("top.pipe"), "").unwrap();
        let excludes = Excludes::none();
        let error = pipe_files(&root, &excludes).unwrap_err();
        assert!(
            error.message.contains("directories deep"),
            "{}",
            error.message
        );
        assert_eq!(
            readable_pipe_files(&root, &excludes),
            vec![root.join("top.pipe")]
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_order_key_sorts_as_paths_do() {
        // A name that ends (`a`) sorts before the longer names it begins
        // (`a-b`, `a.pipe`), whatever byte follows; bytes above ASCII too.
        let names = [
            "ws/a/b.pipe",
            "ws/a-b.pipe",
            "ws/a.pipe",
            "ws/a b/c.pipe",
            "ws/a0/c.pipe",
            "ws/a/b/c.pipe",
            "ws/A.pipe",
            "ws/é/x.pipe",
            "ws/e/x.pipe",
            "ws/a!/x.pipe",
            "ws/ab.pipe",
            "ws/a/.pipe",
        ];
        let mut by_path: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        let mut by_key = by_path.clone();
        by_path.sort();
        by_key.sort_by_cached_key(|path| path_order_key(path));
        assert_eq!(by_key, by_path);
    }

    #[test]
    fn paths_are_named_from_the_base_directory() {
        let shown = |path: &str, base: &str| relative_path(Path::new(path), Path::new(base));
        assert_eq!(
            shown("/ws/pipec.toml", "/ws").as_deref(),
            Some("pipec.toml")
        );
        assert_eq!(
            shown("/ws/pipec.toml", "/ws/services/api").as_deref(),
            Some("../../pipec.toml")
        );
        assert_eq!(
            shown("/ws/pipec.toml", "/other").as_deref(),
            Some("../ws/pipec.toml")
        );
        assert_eq!(shown("/ws", "/ws").as_deref(), Some("."));
        assert_eq!(shown("relative/pipec.toml", "/ws"), None);
    }

    fn excludes(patterns: &[&str]) -> Excludes {
        let settings = CheckSettings {
            exclude: Some(patterns.iter().map(|p| p.to_string()).collect()),
            extend_exclude: Vec::new(),
        };
        let mut excludes = Excludes::new(Path::new("/"), &settings).unwrap();
        excludes.root = PathBuf::from("/ws");
        excludes
    }

    #[test]
    fn a_glob_without_a_slash_matches_at_any_depth_and_one_with_a_slash_from_the_root() {
        let names = excludes(&["fixtures", "tests/cases/", "*.draft.pipe"]);
        assert!(names.excludes(Path::new("/ws/fixtures")));
        assert!(names.excludes(Path::new("/ws/a/b/fixtures")));
        assert!(names.excludes(Path::new("/ws/tests/cases")));
        assert!(!names.excludes(Path::new("/ws/other/tests/cases")));
        assert!(names.excludes(Path::new("/ws/x/y.draft.pipe")));
        assert!(!names.excludes(Path::new("/ws/x/y.pipe")));
        assert!(!names.excludes(Path::new("/elsewhere/fixtures")));
    }

    #[test]
    fn a_trailing_slash_changes_nothing() {
        let names = excludes(&["fixtures/", "tests/cases/"]);
        assert!(names.excludes(Path::new("/ws/fixtures")));
        assert!(names.excludes(Path::new("/ws/a/b/fixtures")));
        assert!(names.excludes(Path::new("/ws/tests/cases")));
        assert!(!names.excludes(Path::new("/ws/other/tests/cases")));
    }

    #[test]
    fn a_leading_slash_anchors_a_glob_at_the_root() {
        let names = excludes(&["/target", "/tests/cases"]);
        assert!(names.excludes(Path::new("/ws/target")));
        assert!(!names.excludes(Path::new("/ws/crates/target")));
        assert!(names.excludes(Path::new("/ws/tests/cases")));
        assert!(!names.excludes(Path::new("/ws/other/tests/cases")));
    }

    #[test]
    fn a_bad_glob_is_an_error_naming_it() {
        let settings = CheckSettings {
            exclude: None,
            extend_exclude: vec!["a[".to_string()],
        };
        let error = Excludes::new(Path::new("/"), &settings).unwrap_err();
        assert!(error.message.contains("`a[`"), "{error}");
        assert_eq!(error.pattern.as_deref(), Some("a["));
    }

    #[test]
    fn a_bad_glob_is_found_on_its_line() {
        let text = "[check]\nexclude = [\n  \"ok/**\",\n  'a[b',\n  \"c\\\\[\\\"\",\n]\n";
        assert_eq!(line_of_string(text, "a[b"), Some(4));
        assert_eq!(line_of_string(text, "c\\[\""), Some(5));
        assert_eq!(line_of_string(text, "ok/**"), Some(3));
        assert_eq!(line_of_string(text, "missing"), None);
    }
}
