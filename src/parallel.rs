//! Spreading independent work over the machine's cores, with results in
//! input order so that output never depends on the number of cores or on
//! scheduling.

/// `work` applied to every item, on up to as many threads as the machine
/// has cores; the results keep the items' order. A
/// panic in `work` is re-raised on the calling thread.
pub fn map_in_order<T, R>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
{
    map_in_order_on(cores(), items, work)
}

/// How many threads [`map_in_order`] uses: the machine's cores (1 when it
/// cannot say), or what [`with_threads`] set for the calling thread.
pub fn cores() -> usize {
    THREADS
        .with(std::cell::Cell::get)
        .unwrap_or_else(machine_cores)
}

/// The machine's cores, asked once: the standard library reads the
/// process's CPU affinity and its cgroup's quota (several files) each
/// time, and a check of a workspace spreads a dozen stages.
fn machine_cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

std::thread_local! {
    /// The number of threads [`with_threads`] set on this thread.
    static THREADS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Runs `work` with [`map_in_order`] on this thread using at most
/// `threads` threads (`compile --jobs`).
pub fn with_threads<R>(threads: usize, work: impl FnOnce() -> R) -> R {
    let before = THREADS.with(|cell| cell.replace(Some(threads.max(1))));
    let result = work();
    THREADS.with(|cell| cell.set(before));
    result
}

/// [`map_in_order`] on at most `threads` threads (at least one).
///
/// Threads take the next item as they come free, so the work proceeds in
/// about the items' order: a caller that streams results out in order (as
/// `compile` writes plans) holds only the few that finished early.
pub fn map_in_order_on<T, R>(threads: usize, items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let threads = threads.max(1).min(items.len().max(1));
    if threads <= 1 {
        return items.into_iter().map(work).collect();
    }
    let count = items.len();
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let next = || match queue.lock() {
        Ok(mut queue) => queue.next(),
        Err(poisoned) => poisoned.into_inner().next(),
    };
    // Each thread's results, in the order it took its items.
    let take_items = || {
        let mut mine = Vec::new();
        while let Some((index, item)) = next() {
            mine.push((index, work(item)));
        }
        mine
    };
    let shares = in_threads(threads, &take_items);
    let merged = merge_in_order(shares, count);
    debug_assert_eq!(merged.len(), count);
    merged
}

/// `take_items` run on `threads` threads at once, the shares of items each
/// took. On a native build the threads are rayon's, started once and kept
/// for every stage: a check of a thousand services starts a dozen stages,
/// and fresh threads cost a start and an empty heap each. The calling
/// thread only waits: when it took items too, a check of a thousand
/// services used 4% less CPU time but took 5% longer.
#[cfg(feature = "native")]
fn in_threads<R: Send>(
    threads: usize,
    take_items: &(dyn Fn() -> Vec<(usize, R)> + Sync),
) -> Vec<Vec<(usize, R)>> {
    let shares = std::sync::Mutex::new(Vec::with_capacity(threads));
    rayon::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let mine = take_items();
                match shares.lock() {
                    Ok(mut shares) => shares.push(mine),
                    Err(poisoned) => poisoned.into_inner().push(mine),
                }
            });
        }
    });
    shares
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`in_threads`] without rayon: the compiler core alone, as the browser
/// builds it (where [`cores`] is one, so this is not reached), on fresh
/// threads.
#[cfg(not(feature = "native"))]
fn in_threads<R: Send>(
    threads: usize,
    take_items: &(dyn Fn() -> Vec<(usize, R)> + Sync),
) -> Vec<Vec<(usize, R)>> {
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (0..threads).map(|_| scope.spawn(take_items)).collect();
        helpers
            .into_iter()
            .map(|helper| {
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The results of every share in item order, whatever order the shares
/// come in. Items are taken in order, so each share is sorted already:
/// the shares are merged, each result moved once, rather than sorted
/// together.
fn merge_in_order<R>(shares: Vec<Vec<(usize, R)>>, count: usize) -> Vec<R> {
    let mut shares: Vec<_> = shares
        .into_iter()
        .map(|share| share.into_iter().peekable())
        .collect();
    let mut merged = Vec::with_capacity(count);
    loop {
        let mut first: Option<(usize, usize)> = None;
        for (at, share) in shares.iter_mut().enumerate() {
            if let Some(&(index, _)) = share.peek()
                && first.is_none_or(|(_, lowest)| index < lowest)
            {
                first = Some((at, index));
            }
        }
        let Some((at, _)) = first else {
            return merged;
        };
        if let Some((_, result)) = shares.get_mut(at).and_then(Iterator::next) {
            merged.push(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{map_in_order, map_in_order_on};

    #[test]
    fn results_keep_the_input_order_on_any_number_of_threads() {
        // Uneven work, so that the threads' shares interleave unevenly.
        let items: Vec<u64> = (0..2_000).collect();
        let work = |item: u64| (0..(item % 37) * 50).fold(item, |acc, n| acc ^ n);
        let serial: Vec<u64> = items.iter().copied().map(work).collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(map_in_order_on(threads, items.clone(), work), serial);
        }
    }

    #[test]
    fn a_panic_in_any_thread_reaches_the_caller() {
        for threads in [1, 2, 4] {
            let outcome = std::panic::catch_unwind(|| {
                map_in_order_on(threads, (0..500).collect(), |item: u32| {
                    assert_ne!(item, 321, "item 321");
                    item
                })
            });
            assert!(outcome.is_err(), "{threads} threads");
        }
    }

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1_001).collect();
        let doubled = map_in_order(items.clone(), |item| item * 2);
        assert_eq!(
            doubled,
            items.iter().map(|item| item * 2).collect::<Vec<_>>()
        );
        assert_eq!(
            map_in_order(Vec::<u32>::new(), |item| item),
            Vec::<u32>::new()
        );
    }
}
