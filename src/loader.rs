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
    /// Whether the path itself (not what it leads to) is a symbolic link;
    /// `None` when the loader cannot tell cheaply. A path that is not one
    /// is canonical where its directory is, which saves resolving every
    /// component of it again ([`crate::modules::load`] asks this).
    fn is_symlink(&self, _path: &Path) -> Option<bool> {
        None
    }
    /// Whether the loader remembers its answers already (a [`Remembering`]):
    /// a load through it then asks it directly, rather than through a
    /// second memory that would copy every answer of the first.
    fn remembers(&self) -> bool {
        false
    }
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

/// A loader's answers about paths, remembered for the length of one load.
/// A thousand service files in one directory, each importing the same team
/// template, ask the same questions a thousand times (the workspace root
/// above the directory, where the import leads), and each answer from the
/// file system costs a system call per component of the path. Files do
/// not change meaning during a load, so the first answer stands.
pub struct Remembering<'l> {
    loader: &'l dyn Loader,
    canonical:
        std::sync::Mutex<crate::hashing::FastHashMap<PathBuf, Result<PathBuf, io::ErrorKind>>>,
    files: std::sync::Mutex<crate::hashing::FastHashMap<PathBuf, bool>>,
    links: std::sync::Mutex<crate::hashing::FastHashMap<PathBuf, Option<bool>>>,
}

impl<'l> Remembering<'l> {
    /// Remembers what `loader` says.
    pub fn new(loader: &'l dyn Loader) -> Self {
        Remembering {
            loader,
            canonical: Default::default(),
            files: Default::default(),
            links: Default::default(),
        }
    }

    /// Takes note that `path` is (or is not) a link, as a caller that has
    /// just asked the file system found: reading an entry looks at the
    /// path without following links first, and need not be asked again.
    pub fn know_link(&self, path: &Path, is_link: bool) {
        if let Ok(mut links) = self.links.lock() {
            links.insert(path.to_path_buf(), Some(is_link));
        }
    }

    /// The canonical form of `path`: its directory's, then its name, when
    /// the loader says the path is no link (and its last component is a
    /// name, not `.` or `..`); else asked of the loader whole.
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        let written = path.as_os_str().as_encoded_bytes();
        let ends_in_name = !(written.ends_with(b"/")
            || written.ends_with(b"\\")
            || written.ends_with(b"/.")
            || written == b".");
        if ends_in_name
            && let (Some(dir), Some(name)) = (path.parent(), path.file_name())
            && self.is_symlink(path) == Some(false)
        {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(dir) = self.canonicalize(dir) {
                return Ok(dir.join(name));
            }
        }
        self.loader.canonicalize(path)
    }
}

/// The answer `known` holds for `path`, else `ask`'s, remembered there. The
/// lock is not held while asking: two threads may ask the same question
/// once each, and agree.
fn remembered<T: Clone>(
    known: &std::sync::Mutex<crate::hashing::FastHashMap<PathBuf, T>>,
    path: &Path,
    ask: impl FnOnce() -> T,
) -> T {
    let found = known.lock().ok().and_then(|known| known.get(path).cloned());
    if let Some(found) = found {
        return found;
    }
    let answer = ask();
    if let Ok(mut known) = known.lock() {
        known.insert(path.to_path_buf(), answer.clone());
    }
    answer
}

impl Loader for Remembering<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.loader.read(path)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        remembered(&self.canonical, path, || {
            self.resolve(path).map_err(|error| error.kind())
        })
        .map_err(io::Error::from)
    }

    fn is_file(&self, path: &Path) -> bool {
        remembered(&self.files, path, || self.loader.is_file(path))
    }

    fn remembers(&self) -> bool {
        true
    }

    fn is_symlink(&self, path: &Path) -> Option<bool> {
        // Remembered too: the command line finds and reads its entries
        // through the `Remembering` it then loads them with, which asks
        // the file system nothing twice.
        remembered(&self.links, path, || self.loader.is_symlink(path))
    }
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

    /// The file system, answering whether a path is a link.
    struct Disk;

    impl Loader for Disk {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            std::fs::read(path)
        }
        fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
            std::fs::canonicalize(path)
        }
        fn is_file(&self, path: &Path) -> bool {
            path.is_file()
        }
        fn is_symlink(&self, path: &Path) -> Option<bool> {
            Some(
                std::fs::symlink_metadata(path)
                    .ok()?
                    .file_type()
                    .is_symlink(),
            )
        }
    }

    #[cfg(unix)]
    #[test]
    fn remembered_canonical_forms_follow_links_as_the_file_system_does() {
        let dir = std::env::temp_dir().join(format!("pipec-remembering-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("real/inner")).unwrap();
        std::fs::create_dir_all(dir.join("ws")).unwrap();
        std::fs::write(dir.join("real/inner/a.pipe"), "").unwrap();
        std::fs::write(dir.join("ws/b.pipe"), "").unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("ws/linked_dir")).unwrap();
        std::os::unix::fs::symlink(dir.join("real/inner/a.pipe"), dir.join("ws/linked.pipe"))
            .unwrap();
        let remembering = Remembering::new(&Disk);
        let paths = [
            "ws/b.pipe",
            "ws/linked.pipe",
            "ws/linked_dir/inner/a.pipe",
            "ws/linked_dir/inner/../inner/a.pipe",
            "ws/linked_dir/inner",
            "ws/linked_dir/",
            "ws/.",
            "ws/missing.pipe",
        ];
        // Twice: the second answer is the remembered one.
        for _ in 0..2 {
            for path in paths {
                let path = dir.join(path);
                assert_eq!(
                    remembering.canonicalize(&path).ok(),
                    std::fs::canonicalize(&path).ok(),
                    "{}",
                    path.display()
                );
                assert_eq!(
                    remembering.is_file(&path),
                    path.is_file(),
                    "{}",
                    path.display()
                );
            }
        }
        // Through a link the target's form, not the link's.
        assert_eq!(
            remembering
                .canonicalize(&dir.join("ws/linked_dir/inner/a.pipe"))
                .unwrap(),
            std::fs::canonicalize(dir.join("real/inner/a.pipe")).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
