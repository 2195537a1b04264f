//! What a run shows while it runs, on standard error.
//!
//! On a terminal: each transition as a line, and below them a few status
//! lines (what is running, waiting or baking, for how long, and for a bake
//! how long is left) redrawn in place. Every time shown is the run clock's
//! (sped up by `--speed`), the clock the transition lines are stamped
//! with. Otherwise (a pipe, a file, CI): one plain line per transition,
//! never an escape code, so logs read well and diff well.

use super::clock::Clock;
use jiff::Timestamp;
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
    clock: Clock,
    /// Active steps by plan position: what each is doing, since when and
    /// until when (a bake), on the run clock.
    active: BTreeMap<usize, Activity>,
    /// Status lines drawn last time, to erase.
    drawn: usize,
    last_draw: Option<Instant>,
}

/// What an active step is doing.
#[derive(Debug)]
struct Activity {
    step: String,
    what: String,
    since: Timestamp,
    until: Option<Timestamp>,
}

impl Progress {
    /// A display for a terminal (status lines) or not (plain lines), its
    /// times read from the run clock.
    pub fn new(terminal: bool, clock: Clock) -> Progress {
        Progress {
            terminal,
            clock,
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

    /// A step is now doing `what` (`running`, `baking`, `waiting for ...`),
    /// for `lasts` of run time when that is known (a bake).
    pub fn status(&mut self, position: usize, step: &str, what: &str, lasts: Option<Duration>) {
        let changed = self
            .active
            .get(&position)
            .is_none_or(|activity| activity.what != what);
        if changed {
            let since = self.clock.now();
            let until = lasts
                .and_then(|lasts| jiff::SignedDuration::try_from(lasts).ok())
                .and_then(|lasts| since.checked_add(lasts).ok());
            self.active.insert(
                position,
                Activity {
                    step: step.to_string(),
                    what: what.to_string(),
                    since,
                    until,
                },
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
        let now = self.clock.now();
        for activity in self.active.values().take(STATUS_LINES) {
            let _ = writeln!(
                out,
                "  {:<10} {} ({})",
                activity.what,
                activity.step,
                how_long(activity, now)
            );
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

/// `12m30s`, or for a bake `12m30s, 47m30s left`, on the run clock.
fn how_long(activity: &Activity, now: Timestamp) -> String {
    let elapsed = compact(now.as_second() - activity.since.as_second());
    match activity.until {
        Some(until) => format!(
            "{elapsed}, {} left",
            compact(until.as_second() - now.as_second())
        ),
        None => elapsed,
    }
}

/// Whole seconds as `1d2h3m4s`, leaving out zero parts (`0s` for none).
pub fn compact(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let parts = [
        (seconds / 86_400, "d"),
        (seconds % 86_400 / 3_600, "h"),
        (seconds % 3_600 / 60, "m"),
        (seconds % 60, "s"),
    ];
    let text: String = parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, unit)| format!("{count}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_compact_and_a_bake_says_what_is_left() {
        assert_eq!(compact(0), "0s");
        assert_eq!(compact(3_723), "1h2m3s");
        assert_eq!(compact(90_000), "1d1h");
        let since = Timestamp::from_second(1_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let activity = Activity {
            step: "production/first/bake".to_string(),
            what: "baking".to_string(),
            since,
            until: Timestamp::from_second(1_000 + 3_600).ok(),
        };
        let now = Timestamp::from_second(1_000 + 750).unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(how_long(&activity, now), "12m30s, 47m30s left");
    }
}
