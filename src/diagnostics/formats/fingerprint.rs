//! Stable fingerprints for findings, so that code review systems can tell
//! a finding that moved from one that is new. A fingerprint must not depend
//! on the run, the machine or the Rust version, so it is computed with
//! FNV-1a (64-bit), whose definition is fixed, rather than the standard
//! library's hasher, whose algorithm may change.

use std::collections::BTreeMap;

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64-bit, over `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = FNV_OFFSET_BASIS;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// FNV-1a over several fields, each followed by a NUL byte so that
/// `("ab", "c")` and `("a", "bc")` hash differently.
pub fn fnv1a64_fields(fields: &[&str]) -> u64 {
    let mut joined = Vec::new();
    for field in fields {
        joined.extend_from_slice(field.as_bytes());
        joined.push(0);
    }
    fnv1a64(&joined)
}

/// Counts how often each key has been seen, so that identical findings
/// (the same hash in the same file) get distinct fingerprints: the first
/// is occurrence 1, the next 2, in report order, which is sorted and so
/// the same on every run.
#[derive(Debug, Default)]
pub struct Occurrences {
    seen: BTreeMap<(String, u64), usize>,
}

impl Occurrences {
    /// Which occurrence of `hash` in `scope` (a file path, or empty for the
    /// whole report) this one is, counting from 1.
    pub fn next(&mut self, scope: &str, hash: u64) -> usize {
        let count = self.seen.entry((scope.to_string(), hash)).or_insert(0);
        *count += 1;
        *count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values of the published FNV-1a test vectors.
    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fields_are_separated() {
        assert_ne!(fnv1a64_fields(&["ab", "c"]), fnv1a64_fields(&["a", "bc"]));
    }

    #[test]
    fn occurrences_count_per_scope_and_hash() {
        let mut occurrences = Occurrences::default();
        assert_eq!(occurrences.next("a.pipe", 7), 1);
        assert_eq!(occurrences.next("a.pipe", 7), 2);
        assert_eq!(occurrences.next("b.pipe", 7), 1);
        assert_eq!(occurrences.next("a.pipe", 8), 1);
    }
}
