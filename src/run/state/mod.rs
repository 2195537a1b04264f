//! The state directory of a run:
//!
//! ```text
//! DIR/lock            the lock (see `lock`); holder's pid and start time
//! DIR/journal         every transition (see `journal`)
//! DIR/plan.json       the plan being run, for people and tools
//! DIR/logs/STEP.log   each step's output, secrets masked
//! ```
//!
//! `STEP` is the step id as a path, one directory per segment
//! (`logs/production/first/bake.log`), each segment with every character
//! other than ASCII letters, digits, `_`, `-` and `.` written `%XX`; a
//! segment of dots only has them written `%2E`, an empty one is `%`, so no
//! id leads outside `logs/` and two ids never share a file.

pub mod journal;
pub mod lock;

use std::path::{Path, PathBuf};

/// The paths of a state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The state directory at `root`, created (with its `logs`) if missing.
    pub fn create(root: &Path) -> std::io::Result<StateDir> {
        std::fs::create_dir_all(root.join("logs"))?;
        sync_dir(root)?;
        if let Some(parent) = root
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            let _ = sync_dir(parent);
        }
        Ok(StateDir {
            root: root.to_path_buf(),
        })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("lock")
    }

    /// The journal.
    pub fn journal_path(&self) -> PathBuf {
        Self::journal_in(&self.root)
    }

    /// The journal of the state directory `root`, which may not exist.
    pub fn journal_in(root: &Path) -> PathBuf {
        root.join("journal")
    }

    /// The copy of the plan.
    pub fn plan_path(&self) -> PathBuf {
        self.root.join("plan.json")
    }

    /// The log of a step.
    pub fn log_path(&self, step: &str) -> PathBuf {
        let mut path = self.root.join("logs");
        let segments: Vec<String> = step.split('/').map(file_name).collect();
        if let Some((last, parents)) = segments.split_last() {
            for parent in parents {
                path.push(parent);
            }
            path.push(format!("{last}.log"));
        }
        path
    }
}

/// A step id as a file name: see the module's documentation.
pub fn file_name(step: &str) -> String {
    let mut out = String::new();
    for byte in step.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    // `.` and `..` would name directories, and an empty name none.
    if out.is_empty() {
        out.push('%');
    } else if out.chars().all(|ch| ch == '.') {
        out = out.replace('.', "%2E");
    }
    out
}

/// Replaces `path` with `bytes` atomically, never through a link planted
/// at the temporary name: see [`crate::disk::write_atomically`], the one
/// helper every output of `pipec` goes through.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::disk::write_atomically(path, bytes)
}

/// Makes a directory's entries (created or renamed files) durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_become_distinct_file_names() {
        assert_eq!(
            file_name("production/first/us-east-1/az/use1-az1/deploy"),
            "production%2Ffirst%2Fus-east-1%2Faz%2Fuse1-az1%2Fdeploy"
        );
        assert_ne!(file_name("a/b"), file_name("a%2Fb"));
        assert_eq!(file_name(".."), "%2E%2E");
        assert_eq!(file_name(""), "%");
    }

    #[test]
    fn logs_are_a_directory_per_segment_and_stay_under_logs() {
        let state = StateDir {
            root: PathBuf::from("/s"),
        };
        assert_eq!(
            state.log_path("production/first/bake"),
            Path::new("/s/logs/production/first/bake.log")
        );
        assert_eq!(
            state.log_path("../../etc/x"),
            Path::new("/s/logs/%2E%2E/%2E%2E/etc/x.log")
        );
        assert_eq!(state.log_path("a//b"), Path::new("/s/logs/a/%/b.log"));
        assert_ne!(state.log_path("a/b"), state.log_path("a%2Fb"));
    }
}
