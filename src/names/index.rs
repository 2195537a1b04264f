//! A BK-tree over candidate names for did-you-mean: the answer of
//! [`super::closest`] over the same names, in the same order, without
//! measuring the distance to every candidate. The tree hangs each name
//! under its parent by their distance; since the (unrestricted)
//! Damerau-Levenshtein distance is a metric, a query within `allowed`
//! edits only descends into children whose distance to the parent differs
//! from the query's by at most `allowed`. Built once per candidate set, it
//! keeps n unknown names against n candidates near linear where the length
//! index alone did not (many names of about the same length).

/// The names, indexed; [`NameIndex::closest`] answers as
/// [`super::closest`] over them in the order given.
#[derive(Debug, Default)]
pub struct NameIndex {
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    /// The names' common lowercase form, the tree's key.
    key: String,
    /// Every name with that lowercase form: its position among the
    /// candidates (for ties), the name, and its length in characters.
    names: Vec<(usize, String, usize)>,
    /// (distance to `key`, node index), one child per distance.
    children: Vec<(usize, usize)>,
}

fn distance(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

impl NameIndex {
    /// Indexes `names`; their order breaks ties.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let mut index = NameIndex { nodes: Vec::new() };
        for (position, name) in names.into_iter().enumerate() {
            index.insert(position, name);
        }
        index
    }

    fn insert(&mut self, position: usize, name: &str) {
        let key = name.to_lowercase();
        let entry = (position, name.to_string(), name.chars().count());
        let mut at = 0;
        loop {
            let Some(node) = self.nodes.get(at) else {
                // The first name is the root.
                self.nodes.push(Node {
                    key,
                    names: vec![entry],
                    children: Vec::new(),
                });
                return;
            };
            let apart = distance(&key, &node.key);
            let next = self.nodes.len();
            let Some(node) = self.nodes.get_mut(at) else {
                return;
            };
            if apart == 0 {
                node.names.push(entry);
                return;
            }
            match node.children.iter().find(|(d, _)| *d == apart) {
                Some(&(_, child)) => at = child,
                None => {
                    node.children.push((apart, next));
                    self.nodes.push(Node {
                        key,
                        names: vec![entry],
                        children: Vec::new(),
                    });
                    return;
                }
            }
        }
    }

    /// As [`super::closest`]: the name closest to `name` within one edit
    /// per three letters (at least one), `name` itself excluded, case
    /// ignored, ties to the name given first.
    pub fn closest(&self, name: &str) -> Option<&str> {
        let wanted = name.to_lowercase();
        let length = wanted.chars().count();
        let allowed = length.max(3) / 3;
        // (distance, position, name) of the best so far.
        let mut best: Option<(usize, usize, &str)> = None;
        let mut pending = if self.nodes.is_empty() {
            vec![]
        } else {
            vec![0]
        };
        while let Some(at) = pending.pop() {
            let Some(node) = self.nodes.get(at) else {
                continue;
            };
            let apart = distance(&wanted, &node.key);
            if apart <= allowed {
                // The same filters as the search over a list: not the name
                // itself, and not too different in length.
                let eligible = node.names.iter().find(|(_, candidate, chars)| {
                    candidate != name && chars.abs_diff(length) <= allowed
                });
                if let Some((position, candidate, _)) = eligible {
                    let better = best.is_none_or(|(best_apart, best_position, _)| {
                        (apart, *position) < (best_apart, best_position)
                    });
                    if better {
                        best = Some((apart, *position, candidate));
                    }
                }
            }
            // Only what could still be as close as the best found (a tie
            // may come first in the list) needs looking at.
            let limit = best.map_or(allowed, |(best_apart, _, _)| best_apart);
            pending.extend(
                node.children
                    .iter()
                    .filter(|(d, _)| d.abs_diff(apart) <= limit)
                    .map(|&(_, child)| child),
            );
        }
        best.map(|(_, _, candidate)| candidate)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::names::closest;

    /// SplitMix64, so that a failure repeats.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % bound.max(1)
        }
    }

    /// A name from a small alphabet (cases mixed) so that many are near
    /// each other, duplicates and case-only differences included.
    fn name(rng: &mut Rng) -> String {
        let letters = ['a', 'b', 'c', 'A', 'B', '_', '1', 'x'];
        (0..1 + rng.below(9))
            .map(|_| letters[rng.below(letters.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn the_index_answers_as_the_search_over_the_list() {
        let mut rng = Rng(7);
        for _ in 0..300 {
            let names: Vec<String> = (0..rng.below(60)).map(|_| name(&mut rng)).collect();
            let index = NameIndex::new(names.iter().map(String::as_str));
            for _ in 0..40 {
                // Sometimes a name of the set itself, which is excluded.
                let wanted = if !names.is_empty() && rng.below(4) == 0 {
                    names[rng.below(names.len() as u64) as usize].clone()
                } else {
                    name(&mut rng)
                };
                assert_eq!(
                    index.closest(&wanted),
                    closest(&wanted, names.iter().map(String::as_str)),
                    "{wanted} among {names:?}"
                );
            }
        }
    }

    #[test]
    fn ties_go_to_the_name_given_first() {
        let index = NameIndex::new(["cat", "bat", "Rat", "rat"]);
        assert_eq!(index.closest("hat"), Some("cat"));
        assert_eq!(index.closest("rat"), Some("Rat"));
        assert_eq!(index.closest("Rat"), Some("rat"));
        assert_eq!(NameIndex::new([]).closest("x"), None);
    }
}
