//! Read-only copies of the standard library on disk, so that a definition
//! inside `std/aws` can be opened. The standard modules are embedded in the
//! binary and have no file; every client can open a `file:` URI, while a
//! custom scheme would need client support. Each module is written once
//! per content into a cache directory whose name carries a hash of every
//! module's text, with its permissions set read-only: an edit there could
//! never reach the compiler, which reads the embedded text.

use crate::diagnostics::formats::fingerprint::fnv1a64;
use std::path::{Path, PathBuf};

/// The `file:` URI of the read-only copy of a standard module (`std/aws`),
/// writing it if needed; `None` for any other name or when it cannot be
/// written.
pub fn uri(name: &str) -> Option<lsp_types::Uri> {
    let path = first_written(name, &cache_bases())?;
    super::uri::from_path(&path)
}

/// The copy of module `name` under the first of `bases` it can be
/// written in (or is already).
fn first_written(name: &str, bases: &[PathBuf]) -> Option<PathBuf> {
    bases.iter().find_map(|base| path(name, base))
}

/// The copy of module `name` under `base`, written if missing or stale.
pub fn path(name: &str, base: &Path) -> Option<PathBuf> {
    let text = crate::stdlib::module(name)?;
    let file_name = name.strip_prefix("std/")?;
    if file_name.contains(['/', '\\']) || file_name.starts_with('.') {
        return None;
    }
    let dir = base.join("pipec").join(dir_name());
    let target = dir.join(format!("{file_name}.pipe"));
    if std::fs::read(&target).is_ok_and(|bytes| bytes == text.as_bytes()) {
        return Some(target);
    }
    std::fs::create_dir_all(&dir).ok()?;
    // Written beside the target and renamed over it, so a reader never
    // sees half a file, whatever other server writes at the same time.
    let partial = dir.join(format!(".{file_name}.{}.partial", std::process::id()));
    std::fs::write(&partial, text).ok()?;
    let mut permissions = std::fs::metadata(&partial).ok()?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&partial, permissions).ok()?;
    if std::fs::rename(&partial, &target).is_err() {
        let _ = std::fs::remove_file(&partial);
        return None;
    }
    Some(target)
}

/// `std-VERSION-HASH`: a new directory whenever the embedded text changes.
fn dir_name() -> String {
    let mut all = Vec::new();
    for (name, text) in crate::stdlib::MODULES {
        all.extend_from_slice(name.as_bytes());
        all.push(0);
        all.extend_from_slice(text.as_bytes());
        all.push(0);
    }
    format!("std-{}-{:016x}", env!("CARGO_PKG_VERSION"), fnv1a64(&all))
}

/// Where a copy may go, in order: the user's cache directory
/// (`$XDG_CACHE_HOME`, else `~/.cache`), then the temporary directory, for
/// when the cache directory is not set or cannot be written.
fn cache_bases() -> Vec<PathBuf> {
    let from_env = |key: &str| {
        std::env::var_os(key)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    from_env("XDG_CACHE_HOME")
        .or_else(|| from_env("HOME").map(|home| home.join(".cache")))
        .into_iter()
        .chain([std::env::temp_dir()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_read_only_and_hold_the_embedded_text() {
        let base = std::env::temp_dir().join(format!("pipec-std-copy-test-{}", std::process::id()));
        let copy = path("std/aws", &base);
        let Some(copy) = copy else {
            panic!("no copy written");
        };
        let text = std::fs::read_to_string(&copy).unwrap_or_default();
        assert_eq!(Some(text.as_str()), crate::stdlib::module("std/aws"));
        let readonly = std::fs::metadata(&copy).map(|meta| meta.permissions().readonly());
        assert_eq!(readonly.ok(), Some(true));
        // A second request reuses the copy.
        assert_eq!(path("std/aws", &base), Some(copy));
        assert_eq!(path("std/nothing", &base), None);
        assert_eq!(path("base.pipe", &base), None);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn a_cache_directory_that_cannot_be_written_is_passed_over() {
        let base = std::env::temp_dir().join(format!("pipec-std-copy-next-{}", std::process::id()));
        // A directory under a file can never be created.
        let blocked =
            std::env::temp_dir().join(format!("pipec-std-copy-file-{}", std::process::id()));
        std::fs::write(&blocked, "").unwrap_or_default();
        let bases = [blocked.join("cache"), base.clone()];
        let copy = first_written("std/aws", &bases);
        assert!(
            copy.as_ref().is_some_and(|copy| copy.starts_with(&base)),
            "{copy:?}"
        );
        let _ = std::fs::remove_dir_all(&base);
        let _ = std::fs::remove_file(&blocked);
    }
}
