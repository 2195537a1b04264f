//! The fuzz driver shared by `tests/fuzz.rs`: seeded mutation of a seed
//! corpus, each input run under `catch_unwind`, and a failing input
//! shrunk and written under `target/fuzz/` so that it can be replayed.
//!
//! The budget is a few seconds per target in the default test run; set
//! `PIPEC_FUZZ_SECONDS` for a longer one and `PIPEC_FUZZ_SEED` for another
//! sequence (see `docs/testing.md`).

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

pub mod corpus;
pub mod mutate;

use crate::sim::generate::Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Seconds per target when `PIPEC_FUZZ_SECONDS` is not set: short enough
/// for every `cargo test`, long enough for thousands of inputs.
const DEFAULT_SECONDS: f64 = 3.0;
/// The sequence every run follows unless `PIPEC_FUZZ_SEED` says otherwise,
/// so that a failure in the default run happens again on the next.
const DEFAULT_SEED: u64 = 0x5EED_F022;
/// How long a failing input is shrunk before it is written as it stands.
const SHRINK_BUDGET: Duration = Duration::from_secs(60);

/// What one target did.
#[derive(Debug, Default)]
pub struct Stats {
    pub executions: u64,
    /// Inputs the target counted as reaching its deep end (parsed, read).
    pub accepted: u64,
    pub elapsed: Duration,
}

fn budget() -> Duration {
    let seconds = std::env::var("PIPEC_FUZZ_SECONDS")
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs_f64(seconds)
}

fn seed(target: &str) -> u64 {
    let base = std::env::var("PIPEC_FUZZ_SEED")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .unwrap_or(DEFAULT_SEED);
    // Each target its own sequence, the same on every run.
    target
        .bytes()
        .fold(base, |hash, byte| hash.rotate_left(5) ^ u64::from(byte))
}

/// Runs `check` on the seeds and mutants of them until
/// the budget is spent. `check` panics on a finding and returns whether
/// the input was accepted. A finding is shrunk, written under
/// `target/fuzz/NAME/`, and fails the test with the file's path.
pub fn run(
    name: &str,
    seeds: &[Vec<u8>],
    mutate: impl Fn(&mut Rng, &[Vec<u8>]) -> Vec<u8>,
    check: impl Fn(&[u8]) -> bool,
) -> Stats {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    if let Some(replay) = std::env::var_os("PIPEC_FUZZ_REPLAY") {
        // Runs one saved input, outside catch_unwind, for a full backtrace.
        let input = std::fs::read(&replay).unwrap();
        check(&input);
    }
    let budget = budget();
    let mut rng = Rng::new(seed(name));
    let dir = findings_dir(name);
    // The input being run, written first: an abort (a stack overflow, an
    // allocation refused under `ulimit -v`) leaves it behind.
    let current = dir.join("current");
    let start = Instant::now();
    let mut stats = Stats::default();
    while start.elapsed() < budget {
        // The seeds in turn between mutants, until each ran once: a short
        // budget still reaches mutants, a long one every seed too.
        let next_seed = (stats.executions % 2 == 0)
            .then(|| seeds.get((stats.executions / 2) as usize))
            .flatten();
        let input = match next_seed {
            Some(seed) => seed.clone(),
            None => mutate(&mut rng, seeds),
        };
        stats.executions += 1;
        std::fs::write(&current, &input).unwrap();
        match catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(true) => stats.accepted += 1,
            Ok(false) => {}
            Err(payload) => report(name, &input, &check, &payload),
        }
    }
    stats.elapsed = start.elapsed();
    let _ = std::fs::remove_file(&current);
    eprintln!(
        "fuzz {name}: {} executions ({} accepted) in {:.1} s, no findings",
        stats.executions,
        stats.accepted,
        stats.elapsed.as_secs_f64()
    );
    stats
}

fn fails(check: &impl Fn(&[u8]) -> bool, input: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| check(input))).is_err()
}

/// Shrinks, saves and fails with a finding.
fn report(
    name: &str,
    input: &[u8],
    check: &impl Fn(&[u8]) -> bool,
    payload: &Box<dyn std::any::Any + Send>,
) -> ! {
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_default();
    // Shrinking runs the failing check many times: one report is enough.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let small = shrink(input, |candidate| fails(check, candidate));
    std::panic::set_hook(hook);
    let dir = findings_dir(name);
    let path = dir.join(format!("finding-{:016x}", fingerprint(&small)));
    std::fs::write(&path, &small).unwrap();
    std::fs::write(path.with_extension("original"), input).unwrap();
    panic!(
        "fuzz {name}: {message}\nshrunk input ({} bytes) saved to {path}; replay with \
         PIPEC_FUZZ_REPLAY={path} cargo test --test fuzz {name}\n{shown:?}",
        small.len(),
        path = path.display(),
        shown = String::from_utf8_lossy(&small)
    );
}

/// `target/fuzz/NAME/`, created.
fn findings_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("..")
        .join("fuzz")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Delta debugging, simplified: drops ever smaller chunks while the input
/// still fails, within a time budget.
pub fn shrink(input: &[u8], still_fails: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let start = Instant::now();
    let mut current = input.to_vec();
    let mut chunk = current.len().div_ceil(2).max(1);
    while chunk >= 1 && start.elapsed() < SHRINK_BUDGET {
        let mut at = 0;
        let mut shrank = false;
        while at < current.len() && start.elapsed() < SHRINK_BUDGET {
            let end = (at + chunk).min(current.len());
            let mut candidate = current[..at].to_vec();
            candidate.extend_from_slice(&current[end..]);
            if still_fails(&candidate) {
                current = candidate;
                shrank = true;
            } else {
                at += chunk;
            }
        }
        if !shrank {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    current
}
