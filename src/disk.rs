//! The file-system reads and writes that the command line, the language
//! server and the runner share. The compiler's core never calls these (it
//! reaches files through a [`crate::loader::Loader`]); they live in the
//! library so that every front end reads source files with the same limits
//! and writes results with the same care.
//!
//! `.pipe` files may come from people the user does not trust (a pull
//! request checked in CI), so reading is defensive: only regular files,
//! never more than the size limit plus one byte. Writing never follows a
//! link someone planted beside the output.

use crate::syntax::MAX_FILE_BYTES;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Reads a source file: a regular file (after following links), of which
/// at most [`MAX_FILE_BYTES`] + 1 bytes are read, enough for the decoder to
/// report a file over the limit (`P0008`) without reading all of it.
///
/// The type is checked before the file is opened, because opening a FIFO
/// blocks until a writer comes, and a device such as `/dev/zero` never
/// ends. Files of `/proc` report as regular files of size 0; the bounded
/// read is what keeps those finite.
pub fn read_source_file(path: &Path) -> io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    read_checked_source_file(path)
}

/// Reads a data file (a plan, a scenario) as text: a regular file after
/// following links, so that a FIFO or a device such as `/dev/zero` is
/// refused instead of blocking or never ending. Unlike a source file it
/// has no size limit: a plan file of a whole workspace is as large as
/// its pipelines make it.
pub fn read_data_file(path: &Path) -> io::Result<String> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    std::fs::read_to_string(path)
}

/// [`read_source_file`] of a path the caller has just found to be a
/// regular file (after following links), without asking the file system
/// that again: the file opened is checked once more, since the path may
/// have been swapped for something else since.
pub fn read_checked_source_file(path: &Path) -> io::Result<Vec<u8>> {
    read_opened_source_file(File::open(path)?)
}

/// [`read_checked_source_file`] of a path a directory walk has just found
/// to be a regular file and no link (the type its directory entry gives),
/// without asking the file system that again: the path is opened without
/// following a link, and without waiting for a writer, so that one
/// swapped since for a link fails to open and one swapped for a FIFO or a
/// device is refused by the type of what was opened.
#[cfg(unix)]
pub fn read_walked_source_file(path: &Path) -> io::Result<Vec<u8>> {
    use nix::fcntl::OFlag;
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path)?;
    read_opened_source_file(file)
}

/// Reads an opened file if it is a regular one, at most
/// [`MAX_FILE_BYTES`] + 1 bytes of it.
fn read_opened_source_file(file: File) -> io::Result<Vec<u8>> {
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let limit = MAX_FILE_BYTES as u64 + 1;
    let capacity = usize::try_from(metadata.len().min(limit)).unwrap_or(MAX_FILE_BYTES);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The error for a path that names a directory, a device, a FIFO or a
/// socket: none of them is a source file, and reading some never ends.
fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// Replaces `path` with `bytes` so that a reader, even after a crash, sees
/// the old file or the whole new one: a new temporary file in the same
/// directory, written and synced, renamed over `path`, then the directory
/// synced so that the rename itself is on disk. A file replaced keeps its
/// permissions.
///
/// The temporary file has an unpredictable name and is created only if
/// nothing (not even a dangling link) is there yet, so a link planted in a
/// shared directory can never redirect the write.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut pending = Pending::create(path)?;
    pending.write_all(bytes)?;
    let dir = pending.dir.clone();
    pending.commit()?;
    sync_dir(&dir)
}

/// A file written under a temporary name beside `path` (as
/// [`write_atomically`] does), that takes its place only on
/// [`Pending::commit`]: until then readers see the old file, and a
/// `Pending` dropped without a commit leaves nothing behind. `compile`
/// writes each plan this way as it is built, and commits them all only
/// once the whole workspace has compiled.
#[derive(Debug)]
pub struct Pending {
    /// Open while being written; closed by [`Pending::close`], so that
    /// thousands of finished files can wait without holding descriptors.
    file: Option<File>,
    temporary: PathBuf,
    path: PathBuf,
    dir: PathBuf,
    committed: bool,
    /// `path` is a device, a FIFO or a socket (`-o /dev/null`): there is
    /// no file to replace, and renaming over it would put a file in its
    /// place. The bytes wait in a scratch file instead, and are written
    /// into it on commit.
    special: bool,
}

/// Whether `path` (through links) is something to write into rather than a
/// file to replace: a device, a FIFO or a socket.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|metadata| {
        let kind = metadata.file_type();
        !kind.is_file() && !kind.is_dir()
    })
}

impl Pending {
    /// Creates the temporary file for `path`, with the permissions of the
    /// file it will replace, if any.
    pub fn create(path: &Path) -> io::Result<Pending> {
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = path.file_name().map_or_else(
            || "output".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        if is_special(path) {
            return Ok(Pending {
                file: Some(scratch_file()?),
                temporary: PathBuf::new(),
                path: path.to_path_buf(),
                dir,
                committed: false,
                special: true,
            });
        }
        let (file, temporary) = create_temporary(&dir, &name, false)?;
        let pending = Pending {
            file: Some(file),
            temporary,
            path: path.to_path_buf(),
            dir,
            committed: false,
            special: false,
        };
        if let (Ok(metadata), Some(file)) = (std::fs::metadata(path), &pending.file) {
            file.set_permissions(metadata.permissions())?;
        }
        Ok(pending)
    }

    /// The file it will become.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file being written, while it is open.
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }

    /// Syncs the written bytes to disk and closes the file (a scratch file
    /// for a device stays open until the commit copies it).
    pub fn close(&mut self) -> io::Result<()> {
        if self.special {
            return Ok(());
        }
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        Ok(())
    }

    /// Closes the file without syncing it, for a caller that syncs many
    /// files at once with [`sync_filesystem`] before committing them.
    pub fn close_unsynced(&mut self) {
        if !self.special {
            drop(self.file.take());
        }
    }

    /// Closes the file (see [`Pending::close`]) and renames it over
    /// `path`. The directory is not synced: a caller committing many files
    /// syncs it once, with [`sync_dir`].
    pub fn commit(mut self) -> io::Result<()> {
        if self.special {
            let Some(mut scratch) = self.file.take() else {
                return Err(io::Error::other("the file was closed"));
            };
            scratch.rewind()?;
            let mut target = OpenOptions::new().write(true).open(&self.path)?;
            io::copy(&mut scratch, &mut target)?;
            target.flush()?;
            self.committed = true;
            return Ok(());
        }
        self.close()?;
        std::fs::rename(&self.temporary, &self.path)?;
        self.committed = true;
        Ok(())
    }
}

impl Write for Pending {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => Err(io::Error::other("the file was closed")),
        }
    }

    fn write_vectored(&mut self, pieces: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write_vectored(pieces),
            None => Err(io::Error::other("the file was closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.file.take());
            if !self.special {
                let _ = std::fs::remove_file(&self.temporary);
            }
        }
    }
}

/// A new file for scratch data, readable and writable, in the system's
/// temporary directory. Its name is removed at once, so the data lives as
/// long as the handle and nothing is left behind, whatever happens.
pub fn scratch_file() -> io::Result<File> {
    let (file, path) = create_temporary(&std::env::temp_dir(), "pipec-scratch", true)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// Creates a new file `.NAME.RANDOM.tmp` in `dir`, trying other names
/// while one is taken.
fn create_temporary(dir: &Path, name: &str, readable: bool) -> io::Result<(File, PathBuf)> {
    const ATTEMPTS: usize = 64;
    let mut last = io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name");
    for _ in 0..ATTEMPTS {
        let temporary = dir.join(format!(".{name}.{:016x}.tmp", unpredictable()));
        match OpenOptions::new()
            .read(readable)
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((file, temporary)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last = error,
            Err(error) => return Err(error),
        }
    }
    Err(last)
}

/// A number another process cannot guess in advance: the clock's
/// nanoseconds, the process id, a per-process counter and the address of
/// a stack value, mixed (splitmix64) so that every bit depends on all of
/// them. Not cryptographic; `create_new` is what makes the write safe, the
/// randomness only makes planting a file at the name pointless.
fn unpredictable() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    let local = 0_u8;
    let address = std::ptr::addr_of!(local) as u64;
    let mut state = nanos
        ^ u64::from(std::process::id()).rotate_left(32)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ address.rotate_left(17);
    for _ in 0..2 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        state = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        state = (state ^ (state >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        state ^= state >> 31;
    }
    state
}

/// Whether [`sync_filesystem`] makes every file written so far durable at
/// once on this system (Linux's `syncfs`); where it cannot, files are
/// synced one by one.
pub const BATCH_SYNC: bool = cfg!(target_os = "linux");

/// Makes every file written so far on `dir`'s file system durable, with
/// one call instead of one per file: a thousand plans synced one by one
/// cost a second. Does nothing where [`BATCH_SYNC`] is false.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        nix::unistd::syncfs(File::open(dir)?).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Makes a directory's entries (created or renamed files) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pipec-disk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A link planted at the name the temporary file once had
    /// (`.NAME.PID.tmp`) is neither followed nor replaced.
    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_followed() {
        let dir = scratch("planted");
        let victim = dir.join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        let planted = dir.join(format!(".plan.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomically(&dir.join("plan.json"), b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        assert_eq!(
            std::fs::read_to_string(dir.join("plan.json")).unwrap(),
            "{}"
        );
        assert!(
            std::fs::symlink_metadata(&planted)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_names_differ_and_are_cleaned_up() {
        let dir = scratch("names");
        assert_ne!(unpredictable(), unpredictable());
        for round in 0..3 {
            write_atomically(&dir.join("out"), format!("{round}").as_bytes()).unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out"]);
        assert_eq!(std::fs::read_to_string(dir.join("out")).unwrap(), "2");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_only_up_to_the_limit() {
        let error = read_source_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let dir = scratch("bounded");
        let big = dir.join("big.pipe");
        File::create(&big)
            .unwrap()
            .set_len(MAX_FILE_BYTES as u64 * 4)
            .unwrap();
        assert_eq!(read_source_file(&big).unwrap().len(), MAX_FILE_BYTES + 1);
        assert!(read_source_file(&dir).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
