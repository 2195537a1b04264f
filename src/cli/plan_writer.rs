//! Writing plans as `compile` builds them, so that its memory holds the
//! workspace and a few plans, not every plan (and every plan's JSON) at
//! once.
//!
//! The compiler hands each entry pipeline's plan over on the thread that
//! built it ([`pipec::workspace::PlanSink`]); the plan is converted to the
//! plan format, serialized, written and dropped there. Nothing reaches its
//! destination before the whole workspace has compiled: plans go to
//! temporary files (or, for standard output, a scratch file), committed
//! only by `finish`; dropped unfinished, a writer leaves nothing behind.
//! Standard output that is a regular file opened at its end (`> FILE`) is
//! the exception: plans go straight to it, and a writer dropped unfinished
//! cuts it back to the length it had, which leaves it as it found it
//! without copying the whole document once more at the end (for 1,000
//! services, 76 MB and about a tenth of `compile`'s wall time).

use pipec::disk::Pending;
use pipec::export::Layout;
use pipec::source::SourceMap;
use std::collections::BTreeMap;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// Locks a mutex, whether or not a thread panicked while holding it (a
/// panic is re-raised on the main thread anyway).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The ranks of the plans wanted: the first pipeline `pipeline` names, or
/// every one.
fn wanted_ranks(pipelines: &[String], pipeline: Option<&str>) -> Vec<usize> {
    match pipeline {
        Some(wanted) => pipelines
            .iter()
            .position(|name| name == wanted)
            .into_iter()
            .collect(),
        None => (0..pipelines.len()).collect(),
    }
}

/// Where one document of plans goes.
enum Destination {
    /// A file, replaced atomically.
    File(Pending, Writeback),
    /// Standard output that is a regular file, written at its end.
    Appended(Appended),
    /// Standard output, through a scratch file.
    Stdout(std::fs::File),
    /// Standard output, through memory, where no scratch file can be made.
    Memory(Vec<u8>),
}

impl Write for Destination {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[io::IoSlice::new(bytes)])
    }

    /// One system call for a batch of plans (as many as the system takes
    /// at once).
    fn write_vectored(&mut self, pieces: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Destination::File(file, writeback) => {
                let written = file.write_vectored(pieces)?;
                if let Some(file) = file.file() {
                    writeback.wrote(file, written);
                }
                Ok(written)
            }
            Destination::Appended(appended) => {
                let written = appended.file.write_vectored(pieces)?;
                appended.writeback.wrote(&appended.file, written);
                Ok(written)
            }
            Destination::Stdout(file) => file.write_vectored(pieces),
            Destination::Memory(buffer) => buffer.write_vectored(pieces),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Destination::File(file, _) => file.flush(),
            Destination::Appended(appended) => appended.file.flush(),
            Destination::Stdout(file) => file.flush(),
            Destination::Memory(_) => Ok(()),
        }
    }
}

/// How much of a document is written before the system is asked to start
/// putting it on disk: below it, a document is written into memory and
/// the system writes it back when it will, after the run.
const WRITEBACK_FROM: u64 = 1 << 30;

/// How much of a document is handed to the disk at a time once it is
/// larger than [`WRITEBACK_FROM`].
const WRITEBACK_CHUNK: u64 = 64 << 20;

/// Asks the system to start writing a large document to disk a chunk at a
/// time, as it is written, and to drop from memory the chunks it has
/// written. Left alone, the system writes back only once a tenth of free
/// memory is waiting to be written, and makes every writer wait for the
/// disk once a fifth is: the 7.6 GB of 100,000 plans were mostly written
/// after they were built, where started early the disk works while the
/// plans are built (docs/performance.md). A document under a GiB is not
/// touched: the system holds it in memory, and writing it back at once
/// would only cost the run time. Only a hint: where it fails, or
/// elsewhere than on Linux, nothing changes.
struct Writeback {
    /// How much is written before the first hint, and between two
    /// ([`WRITEBACK_FROM`], [`WRITEBACK_CHUNK`]).
    from: u64,
    chunk: u64,
    /// Where the document starts.
    start: u64,
    /// Where the bytes not yet handed over start.
    chunk_start: u64,
    /// Where the chunk handed over before them starts.
    previous: Option<u64>,
    /// How much is written after `chunk_start`.
    written: u64,
    /// Where the hints are given, once the first is due.
    hinter: Option<Hinter>,
}

/// A thread that hands written chunks to the disk. Asked to start
/// writing a range back, the system submits its pages on the asking
/// thread, tens of milliseconds for a chunk; given under the lock that
/// orders the plans, that left the other threads waiting for it, and at
/// 100,000 services a core idle for a sixth of the run
/// (docs/performance.md). The thread holds its own descriptor of the
/// file and is not waited for: a hint left unsent when the run ends
/// changes nothing on disk.
struct Hinter {
    chunks: std::sync::mpsc::Sender<(u64, u64)>,
}

impl Hinter {
    fn start(file: &std::fs::File) -> Option<Hinter> {
        let file = file.try_clone().ok()?;
        let (chunks, written) = std::sync::mpsc::channel::<(u64, u64)>();
        std::thread::Builder::new()
            .name("writeback".into())
            .spawn(move || {
                for (offset, length) in written {
                    hint_written(&file, offset, length);
                }
            })
            .ok()?;
        Some(Hinter { chunks })
    }
}

impl From<u64> for Writeback {
    /// A document written from `start`.
    fn from(start: u64) -> Writeback {
        Writeback {
            from: WRITEBACK_FROM,
            chunk: WRITEBACK_CHUNK,
            start,
            chunk_start: start,
            previous: None,
            written: 0,
            hinter: None,
        }
    }
}

impl Writeback {
    fn wrote(&mut self, file: &std::fs::File, bytes: usize) {
        self.written += bytes as u64;
        let end = self.chunk_start + self.written;
        if self.written < self.chunk || end - self.start < self.from {
            return;
        }
        // The chunk before, written back by now, is dropped from memory;
        // this one's writing is started (its pages, not yet written, stay).
        let from = self.previous.unwrap_or(self.chunk_start);
        if self.hinter.is_none() {
            self.hinter = Hinter::start(file);
        }
        let handed = self
            .hinter
            .as_ref()
            .is_some_and(|hinter| hinter.chunks.send((from, end - from)).is_ok());
        if !handed {
            // No thread to give it: given here, it still helps.
            hint_written(file, from, end - from);
        }
        self.previous = Some(self.chunk_start);
        self.chunk_start = end;
        self.written = 0;
    }
}

#[cfg(target_os = "linux")]
fn hint_written(file: &std::fs::File, offset: u64, length: u64) {
    use nix::fcntl::{PosixFadviseAdvice, posix_fadvise};
    if let (Ok(offset), Ok(length)) = (i64::try_from(offset), i64::try_from(length)) {
        // A hint: the document is written whether or not it is taken.
        let _ = posix_fadvise(
            file,
            offset,
            length,
            PosixFadviseAdvice::POSIX_FADV_DONTNEED,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn hint_written(_file: &std::fs::File, _offset: u64, _length: u64) {}

/// The plans put so far, in order: a plan that is ready before those
/// before it waits (threads take pipelines in order, so few ever wait).
/// Each plan is a piece of its own, moved and never copied: pieces in
/// order are gathered into a batch of about [`WRITE_SIZE`], and a full
/// batch is handed out to be written, in one system call, outside this
/// lock; written pieces come back emptied, to be serialized into again.
#[derive(Default)]
struct InOrder {
    next: usize,
    waiting: BTreeMap<usize, Vec<u8>>,
    /// The pieces in order not yet handed out, and their bytes.
    batch: Vec<Vec<u8>>,
    batch_bytes: usize,
    /// Pieces written and emptied.
    spare: Vec<Vec<u8>>,
    /// How many batches were handed out: the next one's turn.
    handed: usize,
}

/// A full batch of pieces, and its turn to be written.
type Batch = (usize, Vec<Vec<u8>>);

impl InOrder {
    /// Takes the piece at `position`: adds it to the batch now if it is
    /// the next, and those waiting after it, or keeps it until it is.
    /// Gives back a piece to serialize the next plan into, and a batch
    /// that filled, to be written.
    fn put(&mut self, position: usize, piece: Vec<u8>) -> (Vec<u8>, Option<Batch>) {
        if position == self.next {
            self.append(piece);
            while let Some(piece) = self.waiting.remove(&self.next) {
                self.append(piece);
            }
        } else {
            self.waiting.insert(position, piece);
        }
        let full = (self.batch_bytes >= WRITE_SIZE).then(|| {
            let turn = self.handed;
            self.handed += 1;
            self.batch_bytes = 0;
            (turn, std::mem::take(&mut self.batch))
        });
        (self.spare.pop().unwrap_or_default(), full)
    }

    fn append(&mut self, piece: Vec<u8>) {
        self.batch_bytes += piece.len();
        self.batch.push(piece);
        self.next += 1;
    }
}

/// Where the batches go, each in its turn.
struct Output {
    destination: Destination,
    /// How many batches were written: the turn being waited for.
    written: usize,
    error: Option<io::Error>,
}

/// Writes every byte of `pieces`, in order, a system call taking as many
/// pieces as it will.
fn write_pieces(out: &mut impl Write, pieces: &[Vec<u8>]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = pieces
        .iter()
        .filter(|piece| !piece.is_empty())
        .map(|piece| io::IoSlice::new(piece))
        .collect();
    let mut slices = slices.as_mut_slice();
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => io::IoSlice::advance_slices(&mut slices, written),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// How much of a document is gathered before it is handed to the system
/// in one write. Each write costs the system more than its bytes (on
/// ext4, updating the file's times among others): 64 KiB writes, about
/// one per plan, made `compile` of 10,000 services a tenth slower than
/// writes of a MiB, and writes of 4 MiB slower still on the 2-core
/// machine measured (docs/performance.md).
const WRITE_SIZE: usize = 1 << 20;

thread_local! {
    /// Where a thread serializes its next plan: a buffer already grown to
    /// a plan's size, instead of a fresh one of 128 KB per plan (for one
    /// document, the buffer of a plan written before it, emptied).
    static PIECE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `compile FILE`: the plans of a file's pipelines as one JSON document
/// ([`pipec::export::plans_to_json`]'s), to a file or standard output.
pub(crate) struct OneDocument<'a> {
    layout: Layout,
    pipeline: Option<&'a str>,
    /// Position in the document by rank, once the pipelines are known.
    positions: OnceLock<BTreeMap<usize, usize>>,
    state: Mutex<InOrder>,
    /// Taken after `state` is let go: a thread writing a batch holds up
    /// only a thread with the next batch to write, not one putting a plan
    /// (with the write under `state`, the other thread waited for it, and
    /// `compile` of 10,000 services took a twentieth longer,
    /// docs/performance.md).
    output: Mutex<Output>,
    /// Wakes the threads waiting for their turn to write.
    turn: Condvar,
    /// Where the document goes, as an error names it.
    named: String,
}

impl<'a> OneDocument<'a> {
    /// A writer to `output`, or to standard output without one.
    pub fn new(
        output: Option<&Path>,
        layout: Layout,
        pipeline: Option<&'a str>,
    ) -> miette::Result<Self> {
        let destination = match output {
            Some(path) => {
                Pending::create(path).map(|pending| Destination::File(pending, Writeback::from(0)))
            }
            None => Ok(Appended::to_stdout().map_or_else(
                || {
                    pipec::disk::scratch_file()
                        .map_or_else(|_| Destination::Memory(Vec::new()), Destination::Stdout)
                },
                Destination::Appended,
            )),
        }
        .map_err(|error| {
            let what = output.map_or_else(
                || "a scratch file for standard output".to_string(),
                |path| path.display().to_string(),
            );
            miette::miette!(code = "P1002", "could not write {what}: {error}")
        })?;
        Ok(OneDocument {
            named: output.map_or_else(
                || "standard output".to_string(),
                |path| path.display().to_string(),
            ),
            layout,
            pipeline,
            positions: OnceLock::new(),
            state: Mutex::new(InOrder::default()),
            output: Mutex::new(Output {
                destination,
                written: 0,
                error: None,
            }),
            turn: Condvar::new(),
        })
    }

    /// Writes the batch handed out `turn`-th once those before it are
    /// written, and hands its pieces back to be filled again.
    fn write_in_turn(&self, (turn, mut batch): Batch) {
        let mut output = lock(&self.output);
        while output.written != turn {
            output = self
                .turn
                .wait(output)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if output.error.is_none()
            && let Err(error) = write_pieces(&mut output.destination, &batch)
        {
            output.error = Some(error);
        }
        output.written += 1;
        drop(output);
        self.turn.notify_all();
        batch.iter_mut().for_each(Vec::clear);
        lock(&self.state).spare.append(&mut batch);
    }

    /// Ends the document and puts it in place, once the workspace has
    /// compiled without errors.
    pub fn finish(self) -> miette::Result<()> {
        let count = self.positions.get().map_or(0, BTreeMap::len);
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let output = self
            .output
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let InOrder {
            next,
            waiting,
            batch,
            handed,
            ..
        } = state;
        if next != count || !waiting.is_empty() || output.written != handed {
            return Err(miette::miette!(
                "internal error: {next} of {count} plans were built; nothing was written"
            ));
        }
        let written = match output.error {
            Some(error) => Err(error),
            None => finish_document(
                output.destination,
                &batch,
                pipec::export::plans_end(count, self.layout),
            ),
        };
        written.map_err(|error| {
            miette::miette!(code = "P1002", "could not write {}: {error}", self.named)
        })
    }
}

/// Writes the last plans and the end of the document and puts it in
/// place: renames the file, or copies the scratch file to standard output.
fn finish_document(mut out: Destination, last: &[Vec<u8>], end: &str) -> io::Result<()> {
    write_pieces(&mut out, last)?;
    out.write_all(end.as_bytes())?;
    match out {
        Destination::File(pending, _) => {
            let dir = pending
                .path()
                .parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            pending.commit()?;
            pipec::disk::sync_dir(&dir)
        }
        Destination::Appended(mut appended) => {
            appended.finished = true;
            Ok(())
        }
        Destination::Stdout(mut scratch) => {
            scratch.rewind()?;
            to_stdout(|stdout| io::copy(&mut scratch, stdout).map(drop))
        }
        Destination::Memory(buffer) => to_stdout(|stdout| stdout.write_all(&buffer)),
    }
}

/// Standard output when it is a regular file written from its end
/// (`> FILE`): the document is written into it as it is built, and cut
/// off again unless it is finished.
struct Appended {
    file: std::fs::File,
    /// Its length before the document.
    start: u64,
    finished: bool,
    writeback: Writeback,
}

impl Appended {
    /// Standard output, if it is such a file. Through a pipe or a
    /// terminal, `None`; and for a file whose offset is not its end: one
    /// opened to be overwritten from the middle (`1<> FILE`), where
    /// cutting back would not restore it, or to append to (`>> FILE`),
    /// whose offset is only moved to the end by the first write.
    #[cfg(unix)]
    fn to_stdout() -> Option<Self> {
        use std::os::fd::AsFd;
        let mut file = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned().ok()?);
        let metadata = file.metadata().ok()?;
        let start = metadata.len();
        let at_end = file.stream_position().ok()? == start;
        (metadata.file_type().is_file() && at_end).then_some(Appended {
            file,
            start,
            finished: false,
            writeback: Writeback::from(start),
        })
    }

    /// Elsewhere standard output always goes through the scratch file.
    #[cfg(not(unix))]
    fn to_stdout() -> Option<Self> {
        None
    }
}

impl Drop for Appended {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: a file that cannot be cut back is left as the
            // failed run wrote it, and the run has already said why.
            let _ = self.file.set_len(self.start);
            let _ = self.file.seek(io::SeekFrom::Start(self.start));
        }
    }
}

/// Writes to standard output and flushes it; a reader that stops early
/// (`| head`) wants no more, which is no error.
fn to_stdout(write: impl FnOnce(&mut io::StdoutLock<'_>) -> io::Result<()>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result,
    }
}

impl pipec::workspace::PlanSink for OneDocument<'_> {
    fn expect(&self, pipelines: &[String]) {
        let positions = wanted_ranks(pipelines, self.pipeline)
            .into_iter()
            .enumerate()
            .map(|(position, rank)| (rank, position))
            .collect();
        let _ = self.positions.set(positions);
    }

    fn accept(&self, rank: usize, plan: pipec::plan::Plan, sources: &SourceMap) {
        let Some(positions) = self.positions.get() else {
            return;
        };
        let Some(&position) = positions.get(&rank) else {
            return;
        };
        // The thread's piece goes into the document; it serializes its
        // next plan into the one it gets back.
        let mut piece = PIECE.take();
        piece.clear();
        pipec::export::write_compiled_piece(
            &mut piece,
            plan,
            sources,
            (position, positions.len()),
            self.layout,
        );
        let (next_piece, full) = lock(&self.state).put(position, piece);
        PIECE.set(next_piece);
        if let Some(batch) = full {
            self.write_in_turn(batch);
        }
    }
}

/// `compile DIR -o OUTDIR`: one file per pipeline, `OUTDIR/PIPELINE.json`.
pub(crate) struct EachToDir<'a> {
    out: PathBuf,
    layout: Layout,
    pipeline: Option<&'a str>,
    wanted: OnceLock<Vec<usize>>,
    /// Each plan written to its temporary file and closed, by rank.
    written: Mutex<BTreeMap<usize, (String, Pending)>>,
    error: Mutex<Option<(PathBuf, io::Error)>>,
}

impl<'a> EachToDir<'a> {
    /// A writer into `out`, which exists.
    pub fn new(out: &Path, layout: Layout, pipeline: Option<&'a str>) -> Self {
        EachToDir {
            out: out.to_path_buf(),
            layout,
            pipeline,
            wanted: OnceLock::new(),
            written: Mutex::new(BTreeMap::new()),
            error: Mutex::new(None),
        }
    }

    /// The plans written, by pipeline name, in order; each is put in place
    /// by [`EachToDir::commit`].
    pub fn finish(self) -> miette::Result<Staged> {
        if let Some((path, error)) = lock(&self.error).take() {
            return Err(miette::miette!(
                code = "P1002",
                "could not write {}: {error}",
                path.display()
            ));
        }
        let expected = self.wanted.get().map_or(0, Vec::len);
        let written = self
            .written
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if written.len() != expected {
            return Err(miette::miette!(
                "internal error: {} of {expected} plans were built; nothing was written",
                written.len()
            ));
        }
        Ok(Staged {
            out: self.out,
            plans: written.into_values().collect(),
        })
    }
}

/// Writes `bytes` to a temporary file that [`Pending::commit`] will put at
/// `path`, and closes it.
fn stage(path: &Path, bytes: &[u8]) -> io::Result<Pending> {
    let mut pending = Pending::create(path)?;
    pending.write_all(bytes)?;
    // Synced all at once before the commit, where the system can.
    if pipec::disk::BATCH_SYNC {
        pending.close_unsynced();
    } else {
        pending.close()?;
    }
    Ok(pending)
}

/// Plans (or exports of them) written to temporary files in the output
/// directory, waiting to be put in place.
pub(crate) struct Staged {
    out: PathBuf,
    plans: Vec<(String, Pending)>,
}

impl Staged {
    /// Writes each pipeline's document to a temporary file in `out`, which
    /// exists, to become `out/PIPELINE.EXTENSION`.
    pub fn write(
        out: &Path,
        extension: &str,
        documents: Vec<(String, String)>,
    ) -> miette::Result<Staged> {
        let mut plans = Vec::with_capacity(documents.len());
        for (name, document) in documents {
            let path = out.join(format!("{name}.{extension}"));
            let pending = stage(&path, document.as_bytes()).map_err(|error| {
                miette::miette!(
                    code = "P1002",
                    "could not write {}: {error}",
                    path.display()
                )
            })?;
            plans.push((name, pending));
        }
        Ok(Staged {
            out: out.to_path_buf(),
            plans,
        })
    }

    /// The pipelines' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.plans.iter().map(|(name, _)| name.as_str())
    }

    /// Makes every plan durable, renames each into place, then makes the
    /// renames durable.
    pub fn commit(self) -> miette::Result<usize> {
        let count = self.plans.len();
        if pipec::disk::BATCH_SYNC {
            pipec::disk::sync_filesystem(&self.out).map_err(|error| {
                miette::miette!(
                    code = "P1002",
                    "could not write {}: {error}",
                    self.out.display()
                )
            })?;
        }
        for (_, pending) in self.plans {
            let path = pending.path().to_path_buf();
            pending.commit().map_err(|error| {
                miette::miette!(
                    code = "P1002",
                    "could not write {}: {error}",
                    path.display()
                )
            })?;
        }
        pipec::disk::sync_dir(&self.out).map_err(|error| {
            miette::miette!(
                code = "P1002",
                "could not write {}: {error}",
                self.out.display()
            )
        })?;
        Ok(count)
    }
}

impl pipec::workspace::PlanSink for EachToDir<'_> {
    fn expect(&self, pipelines: &[String]) {
        let _ = self.wanted.set(wanted_ranks(pipelines, self.pipeline));
    }

    fn accept(&self, rank: usize, plan: pipec::plan::Plan, sources: &SourceMap) {
        if self
            .wanted
            .get()
            .is_none_or(|wanted| wanted.binary_search(&rank).is_err())
        {
            return;
        }
        let path = self.out.join(format!("{}.json", plan.pipeline));
        let name = plan.pipeline.clone();
        let written = PIECE.with_borrow_mut(|json| {
            // As a file of its own holds it.
            json.clear();
            pipec::export::write_compiled_piece(json, plan, sources, (0, 1), self.layout);
            stage(&path, json)
        });
        match written {
            Ok(pending) => {
                lock(&self.written).insert(rank, (name, pending));
            }
            Err(error) => {
                lock(&self.error).get_or_insert((path, error));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{InOrder, WRITE_SIZE, Writeback, write_pieces};
    use std::io::{Read, Seek, Write};

    /// Three MiB of pieces of odd sizes, each put a little before or
    /// after its turn (as two threads finish their plans): the batches
    /// come out in turn, each of about a MiB, and written one after
    /// another they are every piece in position order; each piece handed
    /// back to be serialized into is empty.
    #[test]
    fn pieces_put_out_of_order_are_written_in_order_a_batch_at_a_time() {
        let pieces: Vec<Vec<u8>> = (0..600u32)
            .map(|position| {
                let length = 3_000 + (position as usize * 7_919) % 4_000;
                (0..length).map(|at| (at as u32 ^ position) as u8).collect()
            })
            .collect();
        let mut state = InOrder::default();
        let mut document = Vec::new();
        let mut turns = Vec::new();
        // Positions swapped in pairs, and every tenth a few places late.
        let mut order: Vec<usize> = (0..pieces.len()).map(|at| at ^ 1).collect();
        for at in (0..order.len() - 3).step_by(10) {
            order.swap(at, at + 3);
        }
        for position in order {
            let piece = pieces.get(position).unwrap().clone();
            let (next_piece, full) = state.put(position, piece);
            assert!(next_piece.is_empty());
            if let Some((turn, batch)) = full {
                let bytes: usize = batch.iter().map(Vec::len).sum();
                assert!((WRITE_SIZE..WRITE_SIZE + 5 * 7_000).contains(&bytes));
                turns.push(turn);
                write_pieces(&mut document, &batch).unwrap();
                batch
                    .into_iter()
                    .for_each(|piece| state.spare.push(Vec::with_capacity(piece.capacity())));
            }
        }
        assert_eq!(state.next, pieces.len());
        assert!(state.waiting.is_empty());
        assert_eq!(turns, [0, 1]);
        write_pieces(&mut document, &state.batch).unwrap();
        assert!(
            document == pieces.concat(),
            "the document is not the pieces in order"
        );
    }

    /// A document of a few chunks, written in pieces of odd sizes from the
    /// middle of a file, with the system asked (from a thread of its own)
    /// to write each chunk back and drop the one before from memory:
    /// every byte reads back as written, the bytes before the document
    /// too.
    #[test]
    fn a_document_handed_to_the_disk_chunk_by_chunk_reads_back_whole() {
        let mut file = pipec::disk::scratch_file().unwrap();
        let before = b"kept before the document\n";
        file.write_all(before).unwrap();
        // Hints from 8 MiB on, every 2 MiB: a test writes tens of MiB,
        // not the GiB a document waits for.
        let mut writeback = Writeback {
            from: 8 << 20,
            chunk: 2 << 20,
            ..Writeback::from(before.len() as u64)
        };
        let piece: Vec<u8> = (0..1_000_003u32).map(|at| (at % 251) as u8).collect();
        let pieces = 16;
        for _ in 0..pieces {
            file.write_all(&piece).unwrap();
            writeback.wrote(&file, piece.len());
        }
        assert!(writeback.previous.is_some(), "no chunk was handed over");
        assert!(
            writeback.hinter.is_some(),
            "the chunks were not handed to a thread of their own"
        );
        file.rewind().unwrap();
        let mut head = vec![0; before.len()];
        file.read_exact(&mut head).unwrap();
        assert_eq!(head, before);
        let mut read = vec![0; piece.len()];
        for at in 0..pieces {
            file.read_exact(&mut read).unwrap();
            assert!(read == piece, "piece {at} differs");
        }
        assert_eq!(file.read(&mut read).unwrap(), 0);
    }
}
