//! Spreading independent work over the machine's cores, with results in
//! input order so that output never depends on the number of cores or on
//! scheduling.

/// `work` applied to every item, on up to as many threads as the machine
/// has cores, in contiguous batches; the results keep the items' order. A
/// panic in `work` is re-raised on the calling thread.
pub fn map_in_order<T, R>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
{
    map_in_order_on(cores(), items, work)
}

/// How many cores the machine has (1 when it cannot say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// [`map_in_order`] on at most `threads` threads (at least one).
pub fn map_in_order_on<T, R>(threads: usize, items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let threads = threads.max(1).min(items.len().max(1));
    let per_thread = items.len().div_ceil(threads).max(1);
    let mut batches: Vec<Vec<T>> = Vec::new();
    for item in items {
        if batches.last().is_none_or(|batch| batch.len() >= per_thread) {
            batches.push(Vec::new());
        }
        if let Some(batch) = batches.last_mut() {
            batch.push(item);
        }
    }
    if batches.len() <= 1 {
        return batches.into_iter().flatten().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .into_iter()
            .map(|batch| scope.spawn(move || batch.into_iter().map(work).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
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
