//! The run's clock: real time, or real time sped up for local trials.
//!
//! With `--speed N`, virtual time starts at the real instant the run
//! starts (or at `--start-at`) and advances N times faster than real time.
//! Bakes, window waits and alarm polling intervals are measured in virtual
//! time; commands run in real time, and their time limits are real.

use jiff::{SignedDuration, Timestamp};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The shortest real sleep between checks, so that a large `--speed`
/// never turns a wait into a busy loop.
pub const MIN_REAL_TICK: Duration = Duration::from_millis(10);

/// The longest real sleep between checks of a stop request.
const MAX_REAL_TICK: Duration = Duration::from_millis(100);

/// A clock shared by every thread of a run.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    real_start: Instant,
    virtual_start: Timestamp,
    speed: f64,
}

impl Clock {
    /// A clock whose virtual time starts at `virtual_start` now and runs
    /// `speed` times faster than real time (`speed` is positive and finite).
    pub fn new(virtual_start: Timestamp, speed: f64) -> Clock {
        Clock {
            real_start: Instant::now(),
            virtual_start,
            speed,
        }
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The virtual time now.
    pub fn now(&self) -> Timestamp {
        let real = self.real_start.elapsed().as_secs_f64();
        let elapsed =
            SignedDuration::try_from_secs_f64(real * self.speed).unwrap_or(SignedDuration::MAX);
        self.virtual_start
            .checked_add(elapsed)
            .unwrap_or(Timestamp::MAX)
    }

    /// The real time that `virtual_time` of the run takes.
    pub fn real(&self, virtual_time: Duration) -> Duration {
        Duration::try_from_secs_f64(virtual_time.as_secs_f64() / self.speed)
            .unwrap_or(Duration::MAX)
    }

    /// Sleeps until the virtual time reaches `until`, waking at least every
    /// 100 ms of real time to look at `stop`. Returns `false` when `stop`
    /// was set first.
    pub fn sleep_until(&self, until: Timestamp, stop: &AtomicBool) -> bool {
        loop {
            if stop.load(Ordering::SeqCst) {
                return false;
            }
            let now = self.now();
            if now >= until {
                return true;
            }
            let left = until.duration_since(now).unsigned_abs();
            let real = self.real(left).clamp(Duration::ZERO, MAX_REAL_TICK);
            std::thread::sleep(real.max(Duration::from_millis(1)));
        }
    }

    /// [`Clock::sleep_until`] for a virtual duration from now.
    pub fn sleep(&self, virtual_time: Duration, stop: &AtomicBool) -> bool {
        let until = SignedDuration::try_from(virtual_time)
            .ok()
            .and_then(|span| self.now().checked_add(span).ok())
            .unwrap_or(Timestamp::MAX);
        self.sleep_until(until, stop)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn virtual_time_runs_faster_and_real_waits_shrink() {
        let start: Timestamp = "2027-01-25T09:00:00Z".parse().unwrap();
        let clock = Clock::new(start, 3600.0);
        assert_eq!(
            clock.real(Duration::from_secs(3600)),
            Duration::from_secs(1)
        );
        assert!(clock.now() >= start);
        let stop = AtomicBool::new(false);
        // One virtual minute at 3600x is about 17 ms.
        assert!(clock.sleep(Duration::from_secs(60), &stop));
        assert!(clock.now() >= start.checked_add(SignedDuration::from_secs(60)).unwrap());
        stop.store(true, Ordering::SeqCst);
        assert!(!clock.sleep(Duration::from_secs(3600 * 24), &stop));
    }
}
