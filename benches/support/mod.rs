//! Timing shared by the benchmarks.

use std::time::{Duration, Instant};

/// How many times each measurement runs; the median is reported.
pub const RUNS: usize = 7;

/// The median time of `run` over [`RUNS`] runs. What it returns is dropped
/// after the clock stops, as the CLI exits without freeing its trees.
pub fn time<T>(mut run: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let result = run();
            let elapsed = start.elapsed();
            drop(result);
            elapsed
        })
        .collect();
    times.sort();
    times.get(RUNS / 2).copied().unwrap_or_default()
}
