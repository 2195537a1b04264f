//! Transparent huge pages: off for a small job, on for a large one.
//!
//! The heap of `check` or `compile` is filled once (syntax trees, merged
//! members) and dropped at exit. Faulted in 4 KiB at a time, a workspace of
//! a thousand services costs some 6,000 page faults, and ten thousand some
//! 55,000, a fifth of `check`'s CPU time; in 2 MiB pages, a few hundred.
//! But a huge page is zeroed whole when first touched, and a small job
//! touches few of its bytes: checking a workspace of a hundred services
//! took 10% longer with huge pages, of three hundred as long, of a
//! thousand 13% less (docs/performance.md). So the command line starts
//! with them off ([`small_pages_only`]) and turns them on for a large
//! workspace before it reads it: when a directory holds enough files
//! ([`count_sources_found`]), else once enough source has been read
//! ([`count_source_read`]). The earlier the better: the allocator goes on
//! filling the memory it has touched in small pages, and each thread
//! starts touching its own as soon as it reads. The language server never turns them on: it
//! lives for hours with a heap that grows and shrinks on every edit, where
//! a huge page kept for a few live blocks would hold 2 MiB.
//!
//! The allocator asks for huge pages where the kernel gives them only on
//! request (`madvise`); where the kernel never gives them, none of this
//! changes anything, and a failed request changes only speed and memory,
//! so it is ignored.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Bytes of source read from which the rest of the process's heap is
/// faulted in huge pages: about two hundred services' files, between the
/// hundred that huge pages slow down and the three hundred they do not.
pub const HUGE_PAGES_FROM: u64 = 256 * 1024;

/// Files found in a directory from which huge pages are turned on before
/// any is read: as many services as [`HUGE_PAGES_FROM`] bytes hold.
pub const HUGE_PAGES_FROM_FILES: usize = 200;

/// Bytes of source read so far, by every thread.
static READ: AtomicU64 = AtomicU64::new(0);
/// Whether [`count_source_read`] has turned huge pages on.
static TURNED_ON: AtomicBool = AtomicBool::new(false);

/// Turns transparent huge pages off for the process, until
/// [`count_source_read`] turns them on.
pub fn small_pages_only() {
    set_huge_pages(false);
}

/// Turns huge pages on when a directory about to be read holds at least
/// [`HUGE_PAGES_FROM_FILES`] source files.
pub fn count_sources_found(files: usize) {
    if files >= HUGE_PAGES_FROM_FILES {
        turn_on();
    }
}

/// Counts `bytes` of source read, and turns huge pages on once the total
/// reaches [`HUGE_PAGES_FROM`].
pub fn count_source_read(bytes: usize) {
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    let total = READ
        .fetch_add(bytes, Ordering::Relaxed)
        .saturating_add(bytes);
    if total >= HUGE_PAGES_FROM {
        turn_on();
    }
}

/// Turns huge pages on, once.
fn turn_on() {
    if !TURNED_ON.load(Ordering::Relaxed) && !TURNED_ON.swap(true, Ordering::Relaxed) {
        set_huge_pages(true);
    }
}

fn set_huge_pages(on: bool) {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(!on);
    #[cfg(not(target_os = "linux"))]
    let _ = on;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// What the kernel says of this process: `THP_enabled:` 1 or 0.
    fn huge_pages_enabled() -> Option<bool> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status
            .lines()
            .find(|line| line.starts_with("THP_enabled:"))?;
        Some(line.ends_with('1'))
    }

    /// One test, since the switch is the process's: a directory of too
    /// few files and too little source leaves huge pages off; enough
    /// source read turns them on.
    #[test]
    fn huge_pages_come_on_for_a_large_workspace_only() {
        small_pages_only();
        // A kernel too old to say cannot be asked.
        let Some(before) = huge_pages_enabled() else {
            return;
        };
        assert!(!before, "off from the start");
        count_sources_found(HUGE_PAGES_FROM_FILES - 1);
        count_source_read(usize::try_from(HUGE_PAGES_FROM / 2).unwrap_or(0));
        assert_eq!(
            huge_pages_enabled(),
            Some(false),
            "off below both thresholds"
        );
        count_source_read(usize::try_from(HUGE_PAGES_FROM / 2).unwrap_or(0));
        assert_eq!(
            huge_pages_enabled(),
            Some(true),
            "on at the threshold of bytes"
        );
    }
}
