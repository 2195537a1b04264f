//! How long steps take. The plan gives bakes their duration, tests their
//! timeout and strategies their waits and intervals; everything else is a
//! documented default (`docs/simulation.md`, "Durations"), and a scenario
//! may replace any of it per step id or per kind.

use super::scenario::Durations;
use crate::export::plan_v1::{Params, Step, Strategy};

/// A source step: picking up the revision.
pub const SOURCE_SECONDS: u64 = 60;
/// A build step: compile, unit tests, package, sign.
pub const BUILD_SECONDS: u64 = 10 * 60;
/// A test step, unless its timeout is shorter.
pub const TEST_SECONDS: u64 = 15 * 60;
/// One batch of an in-place or rolling deployment: stop, install, start
/// and pass health checks.
pub const BATCH_SECONDS: u64 = 5 * 60;
/// One traffic shift (canary, linear, blue/green, all at once).
pub const SHIFT_SECONDS: u64 = 60;
/// A one-box deployment: one box, whatever the strategy.
pub const ONEBOX_SECONDS: u64 = 5 * 60;
/// The shortest deployment to one AZ or cell, however many there are.
pub const MIN_SCOPED_SECONDS: u64 = 60;

/// How much of its region a step acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole region, or a stage without a region.
    Whole,
    /// One of `count` AZs or cells of its region.
    PartOf {
        /// How many AZs (or cells) the region has.
        count: u64,
    },
}

/// A step's duration and how it was reached, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Seconds the step runs (for a bake: the shortest bake).
    pub seconds: u64,
    /// Why: `rolling 33%: 4 batches × 5m`, `scenario, step`.
    pub why: String,
}

/// The duration of a step: the scenario's for the step id, else the
/// scenario's for its kind, else the default. Bakes, approvals and gates
/// have no kind default: a bake lasts its `duration_seconds` (or the
/// step's entry), approvals last until approved, gates take no time.
pub fn estimate(step: &Step, scope: Scope, overrides: &Durations) -> Estimate {
    if let Some(&seconds) = overrides.steps.get(&*step.id) {
        return Estimate {
            seconds,
            why: "scenario duration of the step".to_string(),
        };
    }
    let kinds = &overrides.kinds;
    let by_kind = match &step.params {
        Params::Source(_) => kinds.source,
        Params::Build(_) => kinds.build,
        Params::Test(_) => kinds.test,
        Params::Deploy(_) if step.target.onebox => kinds.onebox_deploy,
        Params::Deploy(_) => kinds.deploy,
        Params::Bake(_) | Params::Approval(_) | Params::Gate(_) => None,
    };
    if let Some(seconds) = by_kind {
        return Estimate {
            seconds,
            why: "scenario duration of the kind".to_string(),
        };
    }
    default_estimate(step, scope)
}

fn default_estimate(step: &Step, scope: Scope) -> Estimate {
    let fixed = |seconds: u64, why: &str| Estimate {
        seconds,
        why: why.to_string(),
    };
    match &step.params {
        Params::Source(_) => fixed(SOURCE_SECONDS, "default for a source"),
        Params::Build(_) => fixed(BUILD_SECONDS, "default for a build"),
        Params::Test(test) if test.timeout_seconds < TEST_SECONDS => {
            fixed(test.timeout_seconds, "the test's timeout")
        }
        Params::Test(_) => fixed(TEST_SECONDS, "default for a test"),
        Params::Bake(bake) => fixed(bake.duration_seconds, "the bake's duration"),
        Params::Approval(_) | Params::Gate(_) => fixed(0, "no work of its own"),
        Params::Deploy(_) if step.target.onebox => fixed(ONEBOX_SECONDS, "default for a one-box"),
        Params::Deploy(deploy) => {
            let (region_seconds, how) = strategy_seconds(deploy.strategy);
            match scope {
                Scope::Whole => Estimate {
                    seconds: region_seconds,
                    why: how,
                },
                Scope::PartOf { count } => {
                    let count = count.max(1);
                    let seconds = region_seconds.div_ceil(count).max(MIN_SCOPED_SECONDS);
                    Estimate {
                        seconds,
                        why: format!("{how}, ÷ {count}"),
                    }
                }
            }
        }
    }
}

/// A whole region's deployment under a strategy, and how it was reached.
pub fn strategy_seconds(strategy: Strategy) -> (u64, String) {
    match strategy {
        Strategy::InPlace => (
            BATCH_SECONDS,
            format!("in place: 1 batch × {}", human(BATCH_SECONDS)),
        ),
        Strategy::Rolling { batch_percent, .. } => {
            let batches = steps_to_whole(batch_percent.hundredths());
            (
                batches.saturating_mul(BATCH_SECONDS),
                format!(
                    "rolling {}: {batches} batches × {}",
                    percent_text(batch_percent.hundredths()),
                    human(BATCH_SECONDS)
                ),
            )
        }
        Strategy::BlueGreen => (
            BATCH_SECONDS.saturating_add(SHIFT_SECONDS),
            format!(
                "blue/green: {} to bring up + {} to shift",
                human(BATCH_SECONDS),
                human(SHIFT_SECONDS)
            ),
        ),
        Strategy::Canary { wait_seconds, .. } => (
            SHIFT_SECONDS
                .saturating_add(wait_seconds)
                .saturating_add(SHIFT_SECONDS),
            format!(
                "canary: shift {} + wait {} + shift {}",
                human(SHIFT_SECONDS),
                human(wait_seconds),
                human(SHIFT_SECONDS)
            ),
        ),
        Strategy::Linear {
            step_percent,
            interval_seconds,
        } => {
            let steps = steps_to_whole(step_percent.hundredths());
            (
                steps.saturating_mul(interval_seconds),
                format!(
                    "linear {}: {steps} steps × {}",
                    percent_text(step_percent.hundredths()),
                    human(interval_seconds)
                ),
            )
        }
        Strategy::AllAtOnce => (
            SHIFT_SECONDS,
            format!("all at once: 1 shift of {}", human(SHIFT_SECONDS)),
        ),
    }
}

/// How many increments of `hundredths` of a percent cover 100%: 33% takes
/// 4. A zero increment is treated as the smallest one, 0.01%.
fn steps_to_whole(hundredths: u32) -> u64 {
    10_000u64.div_ceil(u64::from(hundredths.max(1)))
}

fn percent_text(hundredths: u32) -> String {
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    if fraction == 0 {
        format!("{whole}%")
    } else if fraction.is_multiple_of(10) {
        format!("{whole}.{}%", fraction / 10)
    } else {
        format!("{whole}.{fraction:02}%")
    }
}

/// A duration for people: `45s`, `5m`, `1h30m`, `2d4h`.
pub fn human(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut rest = seconds;
    let mut text = String::new();
    for (size, unit) in units {
        let count = rest / size;
        if count > 0 {
            text.push_str(&format!("{count}{unit}"));
            rest %= size;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::plan_v1::Percent;

    #[test]
    fn strategies_give_their_documented_durations() {
        let rolling = Strategy::Rolling {
            batch_percent: Percent::from_hundredths(3_300),
            min_healthy_percent: Percent::from_hundredths(6_600),
            rollback_batch_percent: Percent::from_hundredths(3_300),
        };
        assert_eq!(strategy_seconds(rolling).0, 4 * BATCH_SECONDS);
        let canary = Strategy::Canary {
            canary_percent: Percent::from_hundredths(1_000),
            wait_seconds: 600,
        };
        assert_eq!(strategy_seconds(canary).0, 600 + 2 * SHIFT_SECONDS);
        let linear = Strategy::Linear {
            step_percent: Percent::from_hundredths(1_000),
            interval_seconds: 60,
        };
        assert_eq!(strategy_seconds(linear).0, 600);
        let zero = Strategy::Linear {
            step_percent: Percent::from_hundredths(0),
            interval_seconds: u64::MAX,
        };
        assert_eq!(strategy_seconds(zero).0, u64::MAX);
        assert_eq!(strategy_seconds(Strategy::InPlace).0, BATCH_SECONDS);
        assert_eq!(strategy_seconds(Strategy::AllAtOnce).0, SHIFT_SECONDS);
    }

    #[test]
    fn durations_read_for_people() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(45), "45s");
        assert_eq!(human(5_400), "1h30m");
        assert_eq!(human(86_400 + 4 * 3_600), "1d4h");
        assert_eq!(percent_text(3_300), "33%");
        assert_eq!(percent_text(250), "2.5%");
        assert_eq!(percent_text(25), "0.25%");
    }
}
