//! Small helpers shared by the passes that resolve names: "did you mean"
//! suggestions and cycle finding.

mod index;

pub use index::NameIndex;

/// The candidate closest to `name`, if one is close enough to be a likely
/// typo: at most one edit (a letter added, dropped, changed, or two
/// swapped) per three letters of `name`, and at least one, as rustc
/// allows; a far-fetched suggestion is worse than none. Case is ignored.
/// Ties go to the candidate that comes first.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_lowercase();
    let length = wanted.chars().count();
    let allowed = length.max(3) / 3;
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        // The distance is at least the difference in length: most
        // candidates are ruled out without computing it, which keeps many
        // unknown names against many declarations from being quadratic in
        // the names' lengths too.
        if candidate.chars().count().abs_diff(length) > allowed {
            continue;
        }
        // Nor can it be less than the letters one has and the other lacks:
        // the same bound for names of the same length, without the table
        // the distance fills in.
        if letters_apart(&wanted, candidate).is_some_and(|apart| apart > allowed) {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&wanted, &candidate.to_lowercase());
        if distance <= allowed && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// How many letters one of two ASCII names has that the other lacks (a
/// letter counted as often as it occurs, case ignored), the more of the
/// two counts: no edit changes it by more than one, and swapping two
/// letters not at all, so it is at most the edit distance. `None` when a
/// name is not ASCII.
fn letters_apart(lowercase: &str, other: &str) -> Option<usize> {
    if !lowercase.is_ascii() || !other.is_ascii() {
        return None;
    }
    let mut counts = [0i32; 128];
    for byte in lowercase.bytes() {
        if let Some(count) = counts.get_mut(usize::from(byte)) {
            *count += 1;
        }
    }
    for byte in other.bytes() {
        if let Some(count) = counts.get_mut(usize::from(byte.to_ascii_lowercase())) {
            *count -= 1;
        }
    }
    let (surplus, lack) = counts.iter().fold((0, 0), |(surplus, lack), &count| {
        if count > 0 {
            (surplus + count.unsigned_abs() as usize, lack)
        } else {
            (surplus, lack + count.unsigned_abs() as usize)
        }
    });
    Some(surplus.max(lack))
}

/// The cycles of a directed graph given as adjacency lists with a label per
/// edge: one cycle per strongly connected component that has one (a node
/// with an edge to itself included). Each cycle starts at the component's
/// smallest node and lists `(node, label of the edge to the next node)`.
/// Iterative, so deep graphs cannot overflow the stack.
pub fn cycles<N, L>(graph: &[Vec<(N, L)>]) -> Vec<Vec<(N, L)>>
where
    N: Copy + Into<usize> + From<usize>,
    L: Clone,
{
    let components = strongly_connected(graph);
    let mut found = Vec::new();
    for component in components {
        let Some(&start) = component.iter().min() else {
            continue;
        };
        let in_component = |node: usize| component.binary_search(&node).is_ok();
        let has_self_loop = graph
            .get(start)
            .is_some_and(|edges| edges.iter().any(|(to, _)| (*to).into() == start));
        if component.len() == 1 && !has_self_loop {
            continue;
        }
        // Walk from the start, always to the smallest unvisited node of the
        // component, until the start is reached again (breadth-first search
        // for the shortest way back keeps the reported path short).
        if let Some(path) = shortest_cycle(graph, start, &in_component) {
            found.push(path);
        }
    }
    found
}

fn shortest_cycle<N, L>(
    graph: &[Vec<(N, L)>],
    start: usize,
    in_component: &dyn Fn(usize) -> bool,
) -> Option<Vec<(N, L)>>
where
    N: Copy + Into<usize> + From<usize>,
    L: Clone,
{
    // previous[node] = (node before it, index of the edge used)
    let mut previous: std::collections::BTreeMap<usize, (usize, usize)> =
        std::collections::BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut reached_start_from: Option<(usize, usize)> = None;
    while let Some(node) = queue.pop_front() {
        for (edge_idx, (to, _)) in graph.get(node)?.iter().enumerate() {
            let to = (*to).into();
            if to == start {
                reached_start_from = Some((node, edge_idx));
                break;
            }
            if in_component(to) && !previous.contains_key(&to) {
                previous.insert(to, (node, edge_idx));
                queue.push_back(to);
            }
        }
        if reached_start_from.is_some() {
            break;
        }
    }
    let (mut node, mut edge_idx) = reached_start_from?;
    let mut reversed = Vec::new();
    loop {
        let (_, label) = graph.get(node)?.get(edge_idx)?;
        reversed.push((N::from(node), label.clone()));
        if node == start {
            break;
        }
        (node, edge_idx) = *previous.get(&node)?;
    }
    reversed.reverse();
    Some(reversed)
}

/// Tarjan's algorithm without recursion. Components come out with their
/// nodes sorted, in the order of their smallest node.
fn strongly_connected<N, L>(graph: &[Vec<(N, L)>]) -> Vec<Vec<usize>>
where
    N: Copy + Into<usize>,
{
    let mut components = components_sinks_first(graph);
    components.sort();
    components
}

/// The strongly connected components of a graph, each with its nodes
/// sorted, every component after all the components it reaches (the order
/// Tarjan's algorithm finishes them in): what a pass that needs what lies
/// below a node walks.
pub(crate) fn components_sinks_first<N, L>(graph: &[Vec<(N, L)>]) -> Vec<Vec<usize>>
where
    N: Copy + Into<usize>,
{
    let count = graph.len();
    let mut index = vec![usize::MAX; count];
    let mut low = vec![0usize; count];
    let mut on_stack = vec![false; count];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    for root in 0..count {
        if index.get(root) != Some(&usize::MAX) {
            continue;
        }
        // (node, next edge to look at)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index.get(node) == Some(&usize::MAX) {
                set(&mut index, node, next_index);
                set(&mut low, node, next_index);
                next_index += 1;
                stack.push(node);
                set(&mut on_stack, node, true);
            }
            let edges = graph.get(node).map_or(&[][..], Vec::as_slice);
            if let Some((to, _)) = edges.get(*edge) {
                *edge += 1;
                let to = (*to).into();
                if to >= count {
                    continue;
                }
                if index.get(to) == Some(&usize::MAX) {
                    work.push((to, 0));
                } else if on_stack.get(to) == Some(&true) {
                    let new_low = low
                        .get(node)
                        .copied()
                        .unwrap_or(0)
                        .min(index.get(to).copied().unwrap_or(0));
                    set(&mut low, node, new_low);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let new_low = low
                    .get(parent)
                    .copied()
                    .unwrap_or(0)
                    .min(low.get(node).copied().unwrap_or(0));
                set(&mut low, parent, new_low);
            }
            if low.get(node) == index.get(node) {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    set(&mut on_stack, member, false);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

fn set<T>(values: &mut [T], at: usize, value: T) {
    if let Some(slot) = values.get_mut(at) {
        *slot = value;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_what_they_reach() {
        // 0 → 1 → {2 ⇄ 3} → 4, and 0 → 4.
        let graph: Vec<Vec<(usize, ())>> = vec![
            vec![(1, ()), (4, ())],
            vec![(2, ())],
            vec![(3, ())],
            vec![(2, ()), (4, ())],
            vec![],
        ];
        assert_eq!(
            components_sinks_first(&graph),
            vec![vec![4], vec![2, 3], vec![1], vec![0]]
        );
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(
            closest("Servise", ["Service", "OrgService"]),
            Some("Service")
        );
        assert_eq!(
            closest("std/awz", ["std/aws", "std/calendars"]),
            Some("std/aws")
        );
        assert_eq!(closest("zeta", ["alpha", "gamma", "beta"]), Some("beta"));
        assert_eq!(closest("completely_else", ["gamma"]), None);
        // Far-fetched: more edits than one per three letters.
        assert_eq!(closest("beat", ["bake", "wait"]), None);
        assert_eq!(closest("rolback", ["rollback_batch"]), None);
        assert_eq!(closest("traffic_share", ["traffic"]), None);
        assert_eq!(closest("emergancy", ["emergency"]), Some("emergency"));
    }

    #[test]
    fn letters_apart_never_exceeds_the_edit_distance() {
        // Every pair of short names over a few letters (swaps, repeats and
        // case included): the bound that rules candidates out must never
        // rule out one within reach.
        let mut names = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|name| ["a", "B", "b", "c"].map(|letter| format!("{name}{letter}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        let mut ruled_out = 0;
        for a in &names {
            let lowercase = a.to_lowercase();
            for b in &names {
                let distance = strsim::damerau_levenshtein(&lowercase, &b.to_lowercase());
                let apart = letters_apart(&lowercase, b).expect("ASCII");
                assert!(apart <= distance, "{a:?} and {b:?}: {apart} > {distance}");
                ruled_out += usize::from(apart > 1);
            }
        }
        assert!(ruled_out > 0, "the bound rules nothing out");
        assert_eq!(letters_apart("serivce", "service"), Some(0));
        assert_eq!(letters_apart("payments_worker", "service_00000"), Some(10));
        assert_eq!(letters_apart("zoné", "zone"), None);
    }

    #[test]
    fn cycles_are_found_once_each() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0 (leads into the cycle, not part of it)
        let graph: Vec<Vec<(usize, &str)>> = vec![
            vec![(1, "a")],
            vec![(2, "b")],
            vec![(0, "c")],
            vec![(3, "self")],
            vec![(0, "d")],
        ];
        let found = cycles(&graph);
        assert_eq!(
            found,
            vec![vec![(0, "a"), (1, "b"), (2, "c")], vec![(3, "self")]]
        );
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let mut graph: Vec<Vec<(usize, ())>> =
            (0..200_000).map(|node| vec![(node + 1, ())]).collect();
        graph.push(vec![(0, ())]);
        let found = cycles(&graph);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].len(), 200_001);
    }
}
