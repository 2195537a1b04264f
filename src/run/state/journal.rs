//! The journal: an append-only file of the run's transitions, one record
//! per line, each line `CHECKSUM JSON` where `CHECKSUM` is the FNV-1a
//! (64-bit) hash of the JSON text in 16 hex digits.
//!
//! Why it is safe to kill the runner at any moment: a record is appended
//! with one `write` and then `fsync`ed before the runner acts on it (starts
//! a process, starts a dependent step); so every record that some action
//! relied on is on disk. A kill, or a power loss, can only leave the *last*
//! line incomplete: without its newline, or with a checksum that does not
//! match. Reading drops such a tail (and opening for append cuts it off);
//! anything wrong before the last line is not a crash's trace, and is
//! refused as corruption.

use crate::diagnostics::formats::fingerprint::fnv1a64;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The version of the journal's records.
pub const JOURNAL_FORMAT: u32 = 1;

/// One record of the journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// The first record: which plan this state belongs to.
    RunStarted {
        /// [`JOURNAL_FORMAT`].
        journal_format: u32,
        /// The pipeline.
        pipeline: String,
        /// The plan's identity: FNV-1a of the canonical JSON of what runs
        /// (the plan without its provenance), `fnv1a64:...`.
        plan: String,
        /// How many steps the plan has.
        steps: usize,
    },
    /// A later invocation continues the run (`--resume`).
    Resumed {
        /// How many steps had finished.
        finished: usize,
    },
    /// An approval given with `--approve ROLE`; it holds for the rest of
    /// the run, resumes included.
    Approved {
        /// The role.
        role: String,
    },
    /// A gate passed by `--override GATE`, before a step.
    Overridden {
        /// The step.
        step: String,
        /// The gate's id.
        gate: String,
    },
    /// A step starts (its process is spawned only after this is on disk).
    StepStarted {
        /// The step.
        step: String,
        /// 1 for the first start, 2 after a crash or failure, ...
        attempt: u32,
    },
    /// A step ends.
    StepFinished {
        /// The step.
        step: String,
        /// How.
        outcome: StepOutcome,
        /// Why, for people: an exit status, a timeout, an alarm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// A rollback alarm fired while `step` ran: the change is rolled back
    /// in `regions` of the step's stage (or wave) and promoted no further.
    AlarmFired {
        /// The watched step.
        step: String,
        /// The alarm's id and the alarms in alarm, for people.
        alarm: String,
        /// The regions rolled back (empty: the stage or wave had none).
        regions: Vec<String>,
    },
    /// A deployment's rollback command starts.
    UndoStarted {
        /// The deploy step undone.
        step: String,
    },
    /// A deployment's rollback command ends.
    UndoFinished {
        /// The deploy step undone.
        step: String,
        /// Whether the command succeeded (or there was none to run).
        ok: bool,
        /// Why, for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// An invocation stops; informative only.
    RunStopped {
        /// `completed`, `failed`, `rolled_back`, `halted` or `interrupted`.
        outcome: String,
        /// Why, for people.
        detail: String,
    },
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// It did what it does.
    Succeeded,
    /// Its command failed or timed out; `--resume` runs it again.
    Failed,
    /// An alarm rolled it back (stopped while running, or undone).
    RolledBack,
}

/// A record with its sequence number (from 1, without gaps) and the real
/// time it was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// 1, 2, 3, ...
    pub seq: u64,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// What.
    #[serde(flatten)]
    pub record: Record,
}

/// Why a journal could not be read.
#[derive(Debug)]
pub enum JournalError {
    /// The file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// A record before the last one is damaged: not a crash's trace.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The file was deleted or replaced while the run had it open: what
    /// it appends would go nowhere a later `--resume` looks.
    Replaced(PathBuf),
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalError::Io(path, error) => write!(f, "{}: {error}", path.display()),
            JournalError::Corrupt { path, line, why } => write!(
                f,
                "{} is damaged at line {line} ({why}); a crash only ever damages the last line, so \
                 the file was changed by something else",
                path.display()
            ),
            JournalError::Replaced(path) => write!(
                f,
                "{} was deleted or replaced while this run was using it (did a step clean the \
                 state directory?); the run's progress can no longer be recorded",
                path.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {}

/// A journal open for appending.
#[derive(Debug)]
pub struct Journal {
    file: std::fs::File,
    path: PathBuf,
    next_seq: u64,
    /// The opened file's device and inode, to tell whether the path
    /// still names it.
    identity: Option<(u64, u64)>,
    /// A write failed: the file may end in part of a line, and nothing
    /// more may be appended after it (opening it again cuts it off).
    failed: bool,
}

#[cfg(test)]
thread_local! {
    /// The one seam for tests of a full disk: the sequence number whose
    /// append fails (on this thread, the engine's) as `ENOSPC` would.
    pub(crate) static FAIL_AT_SEQ: std::cell::Cell<Option<u64>> =
        const { std::cell::Cell::new(None) };
}

/// A file's device and inode, where the platform has them.
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// The records of a journal file, without a torn last line, and the byte
/// length of the part that holds them.
pub fn read(path: &Path) -> Result<(Vec<Entry>, u64), JournalError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(error) => return Err(JournalError::Io(path.to_path_buf(), error)),
    };
    let mut entries = Vec::new();
    let mut good_length = 0u64;
    let mut rest: &[u8] = &bytes;
    let mut line_number = 0usize;
    while !rest.is_empty() {
        line_number += 1;
        let (line, complete, after) = match rest.iter().position(|byte| *byte == b'\n') {
            Some(end) => (
                rest.get(..end).unwrap_or_default(),
                true,
                rest.get(end + 1..).unwrap_or_default(),
            ),
            None => (rest, false, &[][..]),
        };
        let is_last = after.is_empty();
        let parsed = if complete {
            parse_line(line, entries.len() as u64 + 1)
        } else {
            Err(LineError::Torn("no newline at its end".to_string()))
        };
        match parsed {
            Ok(entry) => {
                entries.push(entry);
                good_length += line.len() as u64 + 1;
            }
            // A torn tail: what a kill in the middle of an append leaves.
            // A last line whose checksum matches was written whole: if its
            // record is wrong, no crash made it so.
            Err(LineError::Torn(_)) if is_last => break,
            Err(LineError::Torn(why) | LineError::Wrong(why)) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: line_number,
                    why,
                });
            }
        }
        rest = after;
    }
    Ok((entries, good_length))
}

/// Why a line is not a record.
enum LineError {
    /// Not what was written (cut short, or its checksum does not match):
    /// a crash's trace when it is the last line.
    Torn(String),
    /// Written whole (its checksum matches), but not a record that fits
    /// here: never a crash's trace.
    Wrong(String),
}

fn parse_line(line: &[u8], seq: u64) -> Result<Entry, LineError> {
    let torn = |why: &str| LineError::Torn(why.to_string());
    let text = std::str::from_utf8(line).map_err(|_| torn("not UTF-8"))?;
    let (checksum, json) = text.split_once(' ').ok_or_else(|| torn("no checksum"))?;
    if checksum != format!("{:016x}", fnv1a64(json.as_bytes())) {
        return Err(torn("checksum mismatch"));
    }
    let entry: Entry = serde_json::from_str(json)
        .map_err(|error| LineError::Wrong(format!("unreadable record: {error}")))?;
    if entry.seq != seq {
        return Err(LineError::Wrong(format!(
            "record {} where {seq} was due",
            entry.seq
        )));
    }
    Ok(entry)
}

impl Journal {
    /// Opens (creating) the journal at `path` for appending, after cutting
    /// off a torn last line; returns it with the records already there.
    pub fn open(path: &Path) -> Result<(Journal, Vec<Entry>), JournalError> {
        let io = |error| JournalError::Io(path.to_path_buf(), error);
        let (entries, good_length) = read(path)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let metadata = file.metadata().map_err(io)?;
        if metadata.len() != good_length {
            file.set_len(good_length).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let next_seq = entries.len() as u64 + 1;
        Ok((
            Journal {
                file,
                path: path.to_path_buf(),
                next_seq,
                identity: identity(&metadata),
                failed: false,
            },
            entries,
        ))
    }

    /// Appends a record and waits until it is on disk.
    pub fn append(&mut self, record: Record) -> Result<Entry, JournalError> {
        self.check_still_there()?;
        let entry = Entry {
            seq: self.next_seq,
            at: jiff::Timestamp::now().to_string(),
            record,
        };
        let json = serde_json::to_string(&entry)
            .map_err(|error| JournalError::Io(self.path.clone(), std::io::Error::other(error)))?;
        let line = format!("{:016x} {json}\n", fnv1a64(json.as_bytes()));
        if self.failed {
            return Err(JournalError::Io(
                self.path.clone(),
                std::io::Error::other("an earlier write to the journal failed"),
            ));
        }
        // One write of the whole line: a kill leaves all of it or a prefix.
        let written = self.write_line(line.as_bytes());
        if let Err(error) = written {
            self.failed = true;
            return Err(JournalError::Io(self.path.clone(), error));
        }
        self.next_seq += 1;
        Ok(entry)
    }

    fn write_line(&mut self, line: &[u8]) -> std::io::Result<()> {
        #[cfg(test)]
        if FAIL_AT_SEQ.with(std::cell::Cell::get) == Some(self.next_seq) {
            return Err(std::io::ErrorKind::StorageFull.into());
        }
        self.file.write_all(line)?;
        self.file.sync_data()
    }

    /// Whether the path still names the file this journal writes: a step
    /// that deleted the state directory (or a person who replaced the
    /// journal) would otherwise leave the run recording into a file no
    /// one will read, and a later `--resume` would find nothing or
    /// something else.
    fn check_still_there(&self) -> Result<(), JournalError> {
        let replaced = || JournalError::Replaced(self.path.clone());
        let on_path = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(replaced()),
            Err(error) => return Err(JournalError::Io(self.path.clone(), error)),
        };
        if self.identity.is_some() && identity(&on_path) != self.identity {
            return Err(replaced());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pipec-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("journal")
    }

    fn started(step: &str) -> Record {
        Record::StepStarted {
            step: step.to_string(),
            attempt: 1,
        }
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_is_dropped_and_cut_off() {
        let path = scratch("torn");
        {
            let (mut journal, entries) = Journal::open(&path).unwrap();
            assert!(entries.is_empty());
            journal.append(started("a")).unwrap();
            journal.append(started("b")).unwrap();
        }
        let whole = std::fs::read(&path).unwrap();
        // Every prefix of the file reads as some prefix of the records.
        for cut in 0..whole.len() {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let (entries, _) = read(&path).unwrap();
            let expected = whole[..cut].iter().filter(|byte| **byte == b'\n').count();
            assert_eq!(entries.len(), expected, "cut at {cut}");
        }
        // Opening cuts the torn line off, and appending continues the count.
        std::fs::write(&path, &whole[..whole.len() - 3]).unwrap();
        let (mut journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 1);
        let entry = journal.append(started("c")).unwrap();
        assert_eq!(entry.seq, 2);
        let (entries, _) = read(&path).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.record.clone()).collect::<Vec<_>>(),
            vec![started("a"), started("c")]
        );
    }

    #[test]
    fn a_journal_deleted_or_replaced_under_the_run_refuses_appends() {
        let path = scratch("replaced");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.append(started("a")).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            journal.append(started("b")),
            Err(JournalError::Replaced(_))
        ));
        // A new file at the same path is not the journal either.
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            journal.append(started("b")),
            Err(JournalError::Replaced(_))
        ));
    }

    #[test]
    fn after_a_failed_write_nothing_more_is_appended() {
        let path = scratch("full");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.append(started("a")).unwrap();
        FAIL_AT_SEQ.with(|cell| cell.set(Some(2)));
        let full = journal.append(started("b"));
        FAIL_AT_SEQ.with(|cell| cell.set(None));
        assert!(matches!(full, Err(JournalError::Io(..))), "{full:?}");
        // The file may end in part of a line now: appending after it
        // would bury that damage before the last line.
        assert!(journal.append(started("c")).is_err());
        let (entries, _) = read(&path).unwrap();
        assert_eq!(entries.len(), 1);
    }

    /// A last line written whole (its checksum matches) with a sequence
    /// number out of order, or a record that cannot be read, is not what
    /// a kill leaves: it is refused, not dropped and cut off.
    #[test]
    fn a_whole_last_line_that_does_not_fit_is_corruption_not_a_torn_tail() {
        let path = scratch("whole-last");
        {
            let (mut journal, _) = Journal::open(&path).unwrap();
            journal.append(started("a")).unwrap();
        }
        let good = std::fs::read_to_string(&path).unwrap();
        for json in [
            r#"{"seq":3,"at":"2027-01-25T17:00:00Z","event":"step_started","step":"b","attempt":1}"#,
            r#"{"seq":2,"at":"2027-01-25T17:00:00Z","event":"no_such_event"}"#,
        ] {
            let text = format!("{good}{:016x} {json}\n", fnv1a64(json.as_bytes()));
            std::fs::write(&path, &text).unwrap();
            match read(&path) {
                Err(JournalError::Corrupt { line: 2, .. }) => {}
                other => panic!("{json}: {other:?}"),
            }
            assert!(Journal::open(&path).is_err(), "{json}");
            // Nothing was cut off.
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
    }

    #[test]
    fn damage_before_the_last_line_is_corruption() {
        let path = scratch("corrupt");
        {
            let (mut journal, _) = Journal::open(&path).unwrap();
            journal.append(started("a")).unwrap();
            journal.append(started("b")).unwrap();
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("\"a\"", "\"x\"", 1);
        std::fs::write(&path, text).unwrap();
        match read(&path) {
            Err(JournalError::Corrupt { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
