//! Running one command: spawned without a shell (unless the plan says
//! `shell`), with the step's environment, its output captured line by
//! line into the step's log with secrets masked, and stopped early when a
//! time limit passes or a watcher asks.

use super::secrets::Secrets;
use crate::plan::words::{self, Piece, WordsError};
use std::io::{BufRead, BufReader, Write};
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
    let mut readers = 0;
    if let Some(stdout) = child.stdout.take() {
        readers += 1;
        copy_lines(stdout, log.clone(), done_sender.clone());
    }
    if let Some(stderr) = child.stderr.take() {
        readers += 1;
        copy_lines(stderr, log.clone(), done_sender.clone());
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
            log.line("(output still open after the command ended; the rest is not logged)");
            break;
        }
    }
    ended
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Copies lines from `source` into `log` on a thread of its own, then
/// says so on `done`.
fn copy_lines(
    source: impl std::io::Read + Send + 'static,
    log: Log,
    done: std::sync::mpsc::Sender<()>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buffer);
                    log.line(text.trim_end_matches(['\n', '\r']));
                }
            }
        }
        let _ = done.send(());
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

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
}
