//! What a run shows while it runs, on standard error.
//!
//! On a terminal: each transition as a line, and below them a few status
//! lines (what is running, waiting or baking, and for how long) redrawn in
//! place. Otherwise (a pipe, a file, CI): one plain line per transition,
//! never an escape code, so logs read well and diff well.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// How many status lines a terminal shows at most.
const STATUS_LINES: usize = 8;

/// How often status lines are redrawn at most.
const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// The progress display.
#[derive(Debug)]
pub struct Progress {
    terminal: bool,
    /// Active steps by plan position: what each is doing and since when.
    active: BTreeMap<usize, (String, String, Instant)>,
    /// Status lines drawn last time, to erase.
    drawn: usize,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A display for a terminal (status lines) or not (plain lines).
    pub fn new(terminal: bool) -> Progress {
        Progress {
            terminal,
            active: BTreeMap::new(),
            drawn: 0,
            last_draw: None,
        }
    }

    /// A transition: `time` (the run's clock) and what happened.
    pub fn event(&mut self, time: &str, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            self.erase(&mut err);
        }
        let _ = writeln!(err, "{time}  {text}");
        if self.terminal {
            self.draw(&mut err);
        }
    }

    /// A step is now doing `what` (`running`, `baking`, `waiting for ...`).
    pub fn status(&mut self, position: usize, step: &str, what: &str) {
        let changed = self
            .active
            .get(&position)
            .is_none_or(|(_, current, _)| current != what);
        if changed {
            self.active.insert(
                position,
                (step.to_string(), what.to_string(), Instant::now()),
            );
        }
        self.tick();
    }

    /// A step is no longer active.
    pub fn done(&mut self, position: usize) {
        self.active.remove(&position);
    }

    /// Redraws the status lines if it is time to.
    pub fn tick(&mut self) {
        if !self.terminal || self.last_draw.is_some_and(|at| at.elapsed() < REDRAW_EVERY) {
            return;
        }
        let mut err = std::io::stderr().lock();
        self.erase(&mut err);
        self.draw(&mut err);
    }

    /// Clears the status lines for good.
    pub fn finish(&mut self) {
        if self.terminal {
            let mut err = std::io::stderr().lock();
            self.erase(&mut err);
        }
    }

    fn erase(&mut self, out: &mut impl Write) {
        if self.drawn > 0 {
            // Up to the first status line, then clear to the end of screen.
            let _ = write!(out, "\x1b[{}A\r\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    fn draw(&mut self, out: &mut impl Write) {
        let mut lines = 0;
        for (step, what, since) in self.active.values().take(STATUS_LINES) {
            let _ = writeln!(out, "  {what:<10} {step} ({}s)", since.elapsed().as_secs());
            lines += 1;
        }
        if self.active.len() > STATUS_LINES {
            let _ = writeln!(out, "  ... and {} more", self.active.len() - STATUS_LINES);
            lines += 1;
        }
        let _ = out.flush();
        self.drawn = lines;
        self.last_draw = Some(Instant::now());
    }
}
