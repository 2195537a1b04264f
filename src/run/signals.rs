//! SIGINT and SIGTERM to the runner: noted, not obeyed at once. The engine
//! looks at [`received`] between messages, stops every running command's
//! process group, records the interruption in the journal and ends the
//! run, so that `--resume` knows exactly what ran. Commands run in process
//! groups of their own, so a Ctrl-C at the terminal reaches the runner
//! only, never half of a deploy.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The two flags, set by the handlers.
struct Flags {
    interrupt: Arc<AtomicBool>,
    terminate: Arc<AtomicBool>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing).
pub fn install() -> std::io::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let flags = Flags {
        interrupt: Arc::new(AtomicBool::new(false)),
        terminate: Arc::new(AtomicBool::new(false)),
    };
    signal_hook::flag::register(signal_hook::consts::SIGINT, flags.interrupt.clone())?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, flags.terminate.clone())?;
    let _ = FLAGS.set(flags);
    Ok(())
}

/// A signal asked the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (a CI job cancelled, a container stopped).
    Terminate,
}

impl Interruption {
    /// The signal's name.
    pub fn name(self) -> &'static str {
        match self {
            Interruption::Interrupt => "SIGINT",
            Interruption::Terminate => "SIGTERM",
        }
    }

    /// The exit status a shell gives a process the signal ended: 128 and
    /// the signal's number.
    pub fn exit_status(self) -> u8 {
        match self {
            Interruption::Interrupt => 130,
            Interruption::Terminate => 143,
        }
    }
}

/// The signal received, if any (SIGTERM first when both were).
pub fn received() -> Option<Interruption> {
    let flags = FLAGS.get()?;
    if flags.terminate.load(Ordering::SeqCst) {
        Some(Interruption::Terminate)
    } else if flags.interrupt.load(Ordering::SeqCst) {
        Some(Interruption::Interrupt)
    } else {
        None
    }
}
