//! One run at a time per state directory: an exclusive OS lock
//! (`flock`-style, through `std::fs::File::try_lock`) on `DIR/lock`, held
//! for the whole run.
//!
//! The operating system releases the lock when its process dies, however
//! it dies, so a lock left by a killed run is never "stale": the next run
//! simply gets it. The file also holds the holder's process id and start
//! time, only to say who holds it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it: what its lock file says.
    Held {
        /// The lock file.
        path: PathBuf,
        /// `pid N, started T`, as the holder wrote it (may be empty if it
        /// has not written it yet).
        holder: String,
    },
    /// The lock file could not be opened or locked.
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { path, holder } => {
                let holder = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    holder.clone()
                };
                write!(
                    f,
                    "another `pipec run` is using this state ({holder}; lock {})",
                    path.display()
                )
            }
            LockError::Io(path, error) => write!(f, "could not lock {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for LockError {}

impl Lock {
    /// Takes the lock at `path`, creating the file; never waits.
    pub fn acquire(path: &Path) -> Result<Lock, LockError> {
        let io = |error| LockError::Io(path.to_path_buf(), error);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(io(error)),
        }
        let holder = format!(
            "pid {}, started {}\n",
            std::process::id(),
            jiff::Timestamp::now()
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        Ok(Lock { _file: file })
    }
}
