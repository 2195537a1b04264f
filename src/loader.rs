//! How the core reaches files without doing I/O itself: a [`Loader`] reads
//! bytes and answers questions about paths. The CLI implements it over the
//! file system; tests and editors implement it over memory.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Access to source files.
pub trait Loader: Sync {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The canonical form of a path: absolute, `..` and symlinks resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// Whether a regular file exists at the path.
    fn is_file(&self, path: &Path) -> bool;
}

/// Files held in memory, keyed by absolute path. Relative paths are taken
/// from a working directory; paths are canonicalized lexically (there are
/// no symlinks in memory).
#[derive(Debug, Clone)]
pub struct MemoryLoader {
    cwd: PathBuf,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Default for MemoryLoader {
    fn default() -> MemoryLoader {
        MemoryLoader::in_dir("/")
    }
}

impl MemoryLoader {
    /// An empty set of files, with `/` as the working directory.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// An empty set of files with the given (absolute) working directory.
    pub fn in_dir(cwd: impl Into<PathBuf>) -> MemoryLoader {
        MemoryLoader {
            cwd: cwd.into(),
            files: BTreeMap::new(),
        }
    }

    /// Adds a file; a relative path is taken from the working directory.
    pub fn add(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        let absolute = self.absolute(&path.into());
        self.files.insert(absolute, bytes.into());
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }
}

impl Loader for MemoryLoader {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&self.absolute(path))
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let normal = self.absolute(path);
        // A file, or a directory: the first key at or after it lies inside.
        let exists = self
            .files
            .range(normal.clone()..)
            .next()
            .is_some_and(|(file, _)| file.starts_with(&normal));
        if exists {
            Ok(normal)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&self.absolute(path))
    }
}

/// Resolves `.` and `..` without touching a file system. A `..` above the
/// start of a relative path is kept.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
        assert_eq!(normalize(Path::new("a/..")), PathBuf::from("."));
    }

    #[test]
    fn memory_loader_reads_normalized_paths() {
        let mut loader = MemoryLoader::new();
        loader.add("/ws/team/../org.pipe", "x");
        assert_eq!(loader.read(Path::new("/ws/org.pipe")).unwrap(), b"x");
        assert!(loader.is_file(Path::new("/ws/./org.pipe")));
        assert!(loader.canonicalize(Path::new("/ws")).is_ok());
        assert!(loader.canonicalize(Path::new("/elsewhere")).is_err());
        let mut relative = MemoryLoader::in_dir("/ws");
        relative.add("a.pipe", "y");
        assert_eq!(
            relative.canonicalize(Path::new("a.pipe")).unwrap(),
            PathBuf::from("/ws/a.pipe")
        );
        assert!(relative.is_file(Path::new("/ws/a.pipe")));
    }
}
