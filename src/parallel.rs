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
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
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
    let work = &work;
    let next = &next;
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    while let Some((index, item)) = next() {
                        mine.push((index, work(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    debug_assert_eq!(done.len(), count);
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

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
