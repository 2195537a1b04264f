//! Job ids GitHub accepts, derived from plan step ids.
//!
//! A job id starts with a letter or `_`, holds only ASCII letters, digits,
//! `-` and `_`, and is at most 100 characters; ids are compared without
//! case. Step ids are paths (`production/first/us-east-1/deploy`), so `/`
//! and anything else become `_`. The allocator hands out each id once, in
//! the order it is asked, so the same plan always gives the same ids.

use std::collections::BTreeSet;

/// The longest job id GitHub accepts.
pub const MAX_LEN: usize = 100;

/// Hands out unique job ids.
#[derive(Debug, Default)]
pub struct JobIds {
    taken: BTreeSet<String>,
}

impl JobIds {
    /// A fresh id for `wanted` (any text): sanitized, shortened, and made
    /// unique with `_2`, `_3`, ... when a previous id is the same.
    pub fn allocate(&mut self, wanted: &str) -> String {
        let base = sanitize(wanted);
        let mut candidate = base.clone();
        let mut counter = 1u32;
        while self.taken.contains(&candidate.to_ascii_lowercase()) {
            counter += 1;
            let suffix = format!("_{counter}");
            candidate = format!("{}{suffix}", shorten(&base, MAX_LEN - suffix.len()));
        }
        self.taken.insert(candidate.to_ascii_lowercase());
        candidate
    }
}

/// `wanted` as a valid id: invalid characters become `_`, a leading digit
/// or `-` gets a `_` before it, and a long id keeps its start and ends
/// with a hash of the whole text, so that two long ids stay apart.
pub fn sanitize(wanted: &str) -> String {
    let mut id: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    if id.len() > MAX_LEN {
        let hash = format!("_{:016x}", fnv1a(wanted.as_bytes()));
        id = format!("{}{hash}", shorten(&id, MAX_LEN - hash.len()));
    }
    id
}

// The id is ASCII, so cutting at a byte count is cutting at characters.
fn shorten(id: &str, len: usize) -> &str {
    id.get(..len.min(id.len())).unwrap_or(id)
}

// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether `id` is a job id GitHub accepts.
pub fn is_valid(id: &str) -> bool {
    id.len() <= MAX_LEN
        && id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_ids() {
        let mut ids = JobIds::default();
        assert_eq!(
            ids.allocate("production/first/us-east-1/deploy"),
            "production_first_us-east-1_deploy"
        );
        assert_eq!(ids.allocate("9lives"), "_9lives");
        assert_eq!(ids.allocate("-x"), "_-x");
        assert_eq!(ids.allocate(""), "_");
    }

    #[test]
    fn ids_are_unique_without_case() {
        let mut ids = JobIds::default();
        assert_eq!(ids.allocate("a/b"), "a_b");
        assert_eq!(ids.allocate("a_b"), "a_b_2");
        assert_eq!(ids.allocate("A_B"), "A_B_3");
    }

    #[test]
    fn long_ids_are_shortened_and_stay_apart() {
        let mut ids = JobIds::default();
        let long_a = format!("{}a", "x".repeat(150));
        let long_b = format!("{}b", "x".repeat(150));
        let a = ids.allocate(&long_a);
        let b = ids.allocate(&long_b);
        assert!(is_valid(&a) && is_valid(&b), "{a} {b}");
        assert_ne!(a, b);
        let again = ids.allocate(&long_a);
        assert!(is_valid(&again) && again != a, "{again}");
    }

    #[test]
    fn anything_gives_a_valid_id() {
        let mut ids = JobIds::default();
        for wanted in ["é/ü", "${{ x }}", "a b", "__", "0", &"é".repeat(80)] {
            let id = ids.allocate(wanted);
            assert!(is_valid(&id), "{wanted:?} gave {id:?}");
        }
    }
}
