//! Running one command: spawned without a shell (unless the plan says
//! `shell`), in a process group of its own, with the step's environment,
//! its output captured line by line into the step's log with secrets
//! masked, and stopped early when a time limit passes or a watcher asks.
//! Stopping stops the whole group (SIGTERM, a grace period, SIGKILL) and
//! waits for it: a wrapper script's children stop with it, before any
//! rollback starts.

use super::secrets::Secrets;
use crate::plan::words::{self, Piece, WordsError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a command is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// A program and its arguments, no shell.
    Argv(Vec<String>),
    /// Shell code, run as `sh -c CODE`.
    Shell(String),
}

impl Invocation {
    /// How a plan's command runs: its `argv`; `sh -c` when `shell`; else
    /// (a plan from another producer) its text split into words.
    pub fn of(
        command: &str,
        argv: Option<&Vec<String>>,
        shell: bool,
    ) -> Result<Invocation, WordsError> {
        match (argv, shell) {
            (_, true) => Ok(Invocation::Shell(command.to_string())),
            (Some(argv), false) if !argv.is_empty() => Ok(Invocation::Argv(argv.clone())),
            _ => words::split(&[Piece::Text(command)]).map(Invocation::Argv),
        }
    }

    fn command(&self) -> Command {
        match self {
            Invocation::Argv(argv) => {
                let (program, args) = argv
                    .split_first()
                    .map_or(("", &[][..]), |(p, a)| (p.as_str(), a));
                let mut command = Command::new(program);
                command.args(args);
                command
            }
            Invocation::Shell(code) => {
                let mut command = Command::new("sh");
                command.arg("-c").arg(code);
                command
            }
        }
    }

    /// The command as people read it, for logs.
    pub fn describe(&self) -> String {
        match self {
            Invocation::Argv(argv) => argv
                .iter()
                .map(|word| words::quote(word))
                .collect::<Vec<_>>()
                .join(" "),
            Invocation::Shell(code) => format!("sh -c {}", words::quote(code)),
        }
    }
}

/// A step's log file, shared by the threads that write to it; every line
/// is masked before it is written.
#[derive(Debug, Clone)]
pub struct Log {
    file: Arc<Mutex<std::fs::File>>,
    secrets: Arc<Secrets>,
    path: PathBuf,
}

impl Log {
    /// Opens `path` for appending.
    pub fn open(path: &Path, secrets: Arc<Secrets>) -> std::io::Result<Log> {
        // A step's log lives in directories named after its id's segments.
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Log {
            file: Arc::new(Mutex::new(file)),
            secrets,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line, masked. Logs are for people: a failed write is
    /// not a reason to stop a deployment, so it is ignored.
    pub fn line(&self, text: &str) {
        let masked = self.secrets.mask(text);
        if let Ok(mut file) = self.file.lock() {
            let _ = file.write_all(masked.as_bytes());
            let _ = file.write_all(b"\n");
        }
    }

    /// The secrets the log masks.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Flushes the log to disk.
    pub fn sync(&self) {
        if let Ok(file) = self.file.lock() {
            let _ = file.sync_data();
        }
    }
}

/// What to run, where and with what.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The command.
    pub invocation: Invocation,
    /// The working directory.
    pub dir: PathBuf,
    /// Variables to set.
    pub set: Vec<(String, String)>,
    /// Variables of the runner not to pass on.
    pub remove: Vec<String>,
    /// A real-time limit.
    pub timeout: Option<Duration>,
}

/// How a command ended.
#[derive(Debug)]
pub enum Ended {
    /// It exited; the code, or `None` when a signal ended it.
    Exited(Option<i32>),
    /// It ran past its time limit and was killed.
    TimedOut,
    /// The watcher asked to stop it (the reason is the watcher's); it was
    /// killed.
    Stopped(String),
    /// It could not be started.
    NotStarted(std::io::Error),
}

/// How often a running command is looked at: its exit, its time limit, the
/// watcher.
const TICK: Duration = Duration::from_millis(10);

/// How long output still arriving after the command exits is waited for:
/// a process the command left behind may hold its output open.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Runs `spec`, its output into `log`; `watch` is called about every 10 ms
/// and stops the command when it returns a reason.
pub fn run(spec: &Spec, log: &Log, mut watch: impl FnMut() -> Option<String>) -> Ended {
    let mut command = spec.invocation.command();
    command
        .current_dir(&spec.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A group of its own: what the command starts can be stopped with it,
    // and a Ctrl-C at the terminal reaches the runner, which decides.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    for name in &spec.remove {
        command.env_remove(name);
    }
    for (name, value) in &spec.set {
        command.env(name, value);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Ended::NotStarted(error),
    };
    let (done_sender, done) = std::sync::mpsc::channel::<()>();
    // Whether the readers may still write into the log: once the command
    // has ended and its output was waited for, what a process it left
    // behind still writes is not the step's.
    let open = Arc::new(Mutex::new(true));
    let mut readers = 0;
    if let Some(stdout) = child.stdout.take() {
        readers += 1;
        copy_lines(stdout, log.clone(), open.clone(), done_sender.clone());
    }
    if let Some(stderr) = child.stderr.take() {
        readers += 1;
        copy_lines(stderr, log.clone(), open.clone(), done_sender.clone());
    }
    drop(done_sender);
    let started = Instant::now();
    let ended = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ended::Exited(status.code()),
            Ok(None) => {}
            Err(error) => {
                kill(&mut child);
                break Ended::NotStarted(error);
            }
        }
        if spec.timeout.is_some_and(|limit| started.elapsed() >= limit) {
            kill(&mut child);
            break Ended::TimedOut;
        }
        if let Some(reason) = watch() {
            kill(&mut child);
            break Ended::Stopped(reason);
        }
        std::thread::sleep(TICK);
    };
    let deadline = Instant::now() + OUTPUT_GRACE;
    for _ in 0..readers {
        let left = deadline.saturating_duration_since(Instant::now());
        if done.recv_timeout(left).is_err() {
            close(&open);
            log.line("(output still open after the command ended; the rest is not logged)");
            break;
        }
    }
    close(&open);
    ended
}

/// Stops the readers of a command's output from writing into its log: a
/// line being written is finished first, and nothing follows it.
fn close(open: &Mutex<bool>) {
    match open.lock() {
        Ok(mut open) => *open = false,
        Err(poisoned) => *poisoned.into_inner() = false,
    }
}

/// How long a stopped command's process group has to end after SIGTERM
/// before it is killed with SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long the rest of a group is waited for once its leader is gone and
/// SIGKILL sent: orphans are reaped by the system, and a zombie that no
/// one reaps still counts as a member.
const GROUP_GONE_WAIT: Duration = Duration::from_secs(2);

/// Stops the command and everything in its process group: SIGTERM to the
/// group, up to [`STOP_GRACE`] for all of it to end, then SIGKILL; and
/// waits until the group is gone, so that nothing of it runs on into a
/// rollback.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = child.id();
        groups::signal(group, groups::Signal::Terminate);
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            let leader_done = matches!(child.try_wait(), Ok(Some(_)));
            if leader_done && !groups::alive(group) {
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(TICK);
        }
        groups::signal(group, groups::Signal::Kill);
        let _ = child.wait();
        let deadline = Instant::now() + GROUP_GONE_WAIT;
        while groups::alive(group) && Instant::now() < deadline {
            std::thread::sleep(TICK);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Signals to process groups.
#[cfg(unix)]
mod groups {
    use nix::sys::signal::{self, Signal as Sig};
    use nix::unistd::Pid;

    /// What to send.
    #[derive(Clone, Copy)]
    pub enum Signal {
        Terminate,
        Kill,
    }

    fn pid(group: u32) -> Option<Pid> {
        i32::try_from(group).ok().map(Pid::from_raw)
    }

    /// Sends `signal` to every process of the group `group` (the id of
    /// its leader, which `process_group(0)` made a group of its own, so
    /// no other process is hit).
    pub fn signal(group: u32, signal: Signal) {
        let number = match signal {
            Signal::Terminate => Sig::SIGTERM,
            Signal::Kill => Sig::SIGKILL,
        };
        if let Some(group) = pid(group) {
            let _ = signal::killpg(group, number);
        }
    }

    /// Whether any process of the group is left (a zombie counts).
    pub fn alive(group: u32) -> bool {
        pid(group).is_some_and(|group| {
            !matches!(signal::killpg(group, None), Err(nix::errno::Errno::ESRCH))
        })
    }
}

/// The longest line written to a log: a longer one (output without
/// newlines) is written in pieces, each with [`CONTINUED`] within this
/// length, so that the runner's memory stays bounded whatever a command
/// prints.
pub const MAX_LOG_LINE: usize = 64 * 1024;

/// What ends a piece of a line that was split.
pub const CONTINUED: &str = "…";

/// The most of a command's output a piece of a split line holds.
const PIECE: usize = MAX_LOG_LINE - CONTINUED.len();

/// Copies lines from `source` into `log` on a thread of its own, while
/// `open` says so, then says it is done on `done`.
fn copy_lines(
    source: impl std::io::Read + Send + 'static,
    log: Log,
    open: Arc<Mutex<bool>>,
    done: std::sync::mpsc::Sender<()>,
) {
    std::thread::spawn(move || {
        // Writes the pieces, unless the log was closed to this command's
        // output: then says so, and nothing more is written.
        let write = |pieces: Vec<String>| -> bool {
            let Ok(still_open) = open.lock() else {
                return false;
            };
            if !*still_open {
                return false;
            }
            for piece in pieces {
                log.line(&piece);
            }
            true
        };
        let mut splitter = LineSplitter::new(log.secrets().longest());
        let mut source = source;
        let mut chunk = [0_u8; 8192];
        loop {
            match source.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => {
                    let pieces =
                        splitter.push(chunk.get(..read).unwrap_or_default(), log.secrets());
                    if !write(pieces) {
                        return;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        write(splitter.finish(log.secrets()));
        let _ = done.send(());
    });
}

/// Cuts a byte stream into log lines: at newlines, and in pieces of at
/// most [`MAX_LOG_LINE`] bytes, [`CONTINUED`] included, when a line is
/// longer, never inside a
/// UTF-8 character nor inside a secret (which would leave each half
/// unmasked).
#[derive(Debug)]
struct LineSplitter {
    buffer: Vec<u8>,
    /// The longest secret, in bytes: a piece is cut only once this much
    /// follows the cut, so a secret across it is seen whole.
    lookahead: usize,
}

impl LineSplitter {
    fn new(longest_secret: usize) -> LineSplitter {
        LineSplitter {
            buffer: Vec::new(),
            lookahead: longest_secret,
        }
    }

    /// Takes bytes; returns the lines (and pieces) now complete.
    fn push(&mut self, bytes: &[u8], secrets: &Secrets) -> Vec<String> {
        let mut lines = Vec::new();
        self.buffer.extend_from_slice(bytes);
        loop {
            if let Some(end) = self.buffer.iter().position(|&byte| byte == b'\n')
                && end <= MAX_LOG_LINE
            {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                lines.push(text_of(&line));
                continue;
            }
            // A byte past the cut, and the longest secret, must be in:
            // the character and the secret across the cut are then whole.
            if self.buffer.len() <= MAX_LOG_LINE + self.lookahead {
                break;
            }
            let cut = piece_end(&self.buffer, PIECE, secrets);
            let piece: Vec<u8> = self.buffer.drain(..cut).collect();
            lines.push(text_of(&piece) + CONTINUED);
        }
        lines
    }

    /// What is left at the end of the output: a last line without a
    /// newline, if any, in pieces if it is longer than a line (the
    /// lookahead [`Self::push`] keeps for secrets can make it so).
    fn finish(&mut self, secrets: &Secrets) -> Vec<String> {
        let mut lines = Vec::new();
        while self.buffer.len() > MAX_LOG_LINE {
            let cut = piece_end(&self.buffer, PIECE, secrets);
            let piece: Vec<u8> = self.buffer.drain(..cut).collect();
            lines.push(text_of(&piece) + CONTINUED);
        }
        let rest = std::mem::take(&mut self.buffer);
        if !rest.is_empty() {
            lines.push(text_of(&rest));
        }
        lines
    }
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

/// Where to end a piece of `buffer` of at most about `limit` bytes: moved
/// back to the start of a secret the cut would split, and to the start of
/// a UTF-8 character; forward to the end of a secret that starts the
/// buffer and is longer than the limit (which is then a piece alone).
fn piece_end(buffer: &[u8], limit: usize, secrets: &Secrets) -> usize {
    let mut cut = limit.min(buffer.len());
    loop {
        let before = cut;
        if let Some(start) = secrets.straddling(buffer, cut) {
            if start == 0 {
                return secrets
                    .occurrence_end(buffer, 0)
                    .unwrap_or(cut)
                    .min(buffer.len());
            }
            cut = start;
        }
        while cut > 0
            && buffer
                .get(cut)
                .is_some_and(|byte| byte & 0b1100_0000 == 0b1000_0000)
        {
            cut -= 1;
        }
        if cut == 0 {
            return limit.min(buffer.len());
        }
        if cut == before {
            return cut;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::run::secrets::MASK;

    #[test]
    fn plan_commands_become_invocations() {
        let argv = vec!["echo".to_string(), "a b".to_string()];
        assert_eq!(
            Invocation::of("echo a b", Some(&argv), false).unwrap(),
            Invocation::Argv(argv.clone())
        );
        assert_eq!(
            Invocation::of("echo a | cat", None, true).unwrap(),
            Invocation::Shell("echo a | cat".to_string())
        );
        assert_eq!(
            Invocation::of("echo 'a b'", None, false).unwrap(),
            Invocation::Argv(argv)
        );
        assert!(Invocation::of("echo 'a", None, false).is_err());
    }

    /// Feeds `bytes` to a splitter in chunks of `chunk` bytes and returns
    /// the log lines, masked as the log masks them.
    fn split(bytes: &[u8], chunk: usize, secrets: &Secrets) -> Vec<String> {
        let mut splitter = LineSplitter::new(secrets.longest());
        let mut lines = Vec::new();
        for piece in bytes.chunks(chunk) {
            lines.extend(splitter.push(piece, secrets));
        }
        lines.extend(splitter.finish(secrets));
        lines.iter().map(|line| secrets.mask(line)).collect()
    }

    #[test]
    fn long_lines_are_cut_into_bounded_pieces_that_keep_every_byte() {
        let secrets = Secrets::default();
        let text = "y".repeat(3 * MAX_LOG_LINE + 17) + "\nshort\n";
        let lines = split(text.as_bytes(), 4096, &secrets);
        assert_eq!(
            lines.len(),
            5,
            "{:?}",
            lines.iter().map(String::len).collect::<Vec<_>>()
        );
        assert!(lines.iter().all(|line| line.len() <= MAX_LOG_LINE));
        assert!(lines[..3].iter().all(|line| line.ends_with(CONTINUED)));
        let ys: usize = lines.iter().map(|line| line.matches('y').count()).sum();
        assert_eq!(ys, 3 * MAX_LOG_LINE + 17);
        assert_eq!(lines[4], "short");
    }

    #[test]
    fn a_secret_across_any_cut_is_still_masked() {
        let secret = "s3cr3t-t0ken-value";
        let secrets = Secrets::of_values(&[secret]);
        for offset in 0..=secret.len() + 1 {
            let start = MAX_LOG_LINE - offset;
            let text = "a".repeat(start) + secret + &"b".repeat(MAX_LOG_LINE);
            for chunk in [1000, 4096, 65_537] {
                let lines = split(text.as_bytes(), chunk, &secrets);
                let joined = lines.concat();
                assert!(!joined.contains(secret), "offset {offset}, chunk {chunk}");
                assert_eq!(
                    joined.matches(MASK).count(),
                    1,
                    "offset {offset}, chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn a_last_line_without_a_newline_is_cut_too() {
        // The lookahead kept for a secret lets the unfinished line grow
        // past a line's length before the output ends.
        let secrets = Secrets::of_values(&["s3cr3t-t0ken-value"]);
        let text = "z".repeat(MAX_LOG_LINE + 10);
        let lines = split(text.as_bytes(), 4096, &secrets);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|line| line.len() <= MAX_LOG_LINE));
        assert!(lines[0].ends_with(CONTINUED));
        assert_eq!(lines.concat().matches('z').count(), MAX_LOG_LINE + 10);
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let secrets = Secrets::default();
        // `é` is two bytes: an odd count of `a` puts a character across
        // the limit.
        let text = "a".repeat(MAX_LOG_LINE - 1) + &"é".repeat(10);
        let lines = split(text.as_bytes(), 8192, &secrets);
        assert!(
            lines.iter().all(|line| !line.contains('\u{fffd}')),
            "{:?}",
            lines.last()
        );
        assert_eq!(lines.concat().matches('é').count(), 10);
    }
}
