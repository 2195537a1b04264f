//! Names the service model accepts, made from plan names.
//!
//! Pipeline, stage, action and rule names match `[A-Za-z0-9.@\-_]+`,
//! artifact names `[a-zA-Z0-9_\-]+`, all at most 100 characters. Plan
//! names are mostly within that already (`eu-west-1`, `bundle`); other
//! characters become `_`, and a name too long is cut and given a hash of
//! the whole, so that two long names stay apart.

use std::collections::BTreeSet;

/// The longest name the model accepts.
pub const MAX_NAME: usize = 100;

/// A pipeline, stage, action or rule name.
pub fn entity_name(text: &str) -> String {
    fit(text, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_')
    })
}

/// An artifact name.
pub fn artifact_name(text: &str) -> String {
    fit(text, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
    })
}

fn fit(text: &str, allowed: impl Fn(char) -> bool) -> String {
    let mut name: String = text
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    if name.is_empty() {
        name.push('_');
    }
    if name.len() > MAX_NAME {
        // Every character is ASCII here, so byte positions are characters.
        let hash = format!("{:08x}", fnv1a(text));
        name.truncate(MAX_NAME - hash.len() - 1);
        name.push('-');
        name.push_str(&hash);
    }
    name
}

/// A 32-bit FNV-1a hash: stable across runs and platforms, unlike std's.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Hands out names unique within one scope (a stage's actions, a
/// condition's rules, the pipeline's stages): a name already given gets
/// `-2`, `-3`, ...
#[derive(Debug, Default)]
pub struct Unique {
    taken: BTreeSet<String>,
}

impl Unique {
    /// `name`, or the first of `name-2`, `name-3`, ... not yet given.
    pub fn give(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        let mut counter = 2u32;
        loop {
            let suffix = format!("-{counter}");
            let mut candidate = name.clone();
            candidate.truncate(MAX_NAME - suffix.len());
            candidate.push_str(&suffix);
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            counter += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_allowed_characters_and_replace_others() {
        assert_eq!(
            entity_name("gamma/us-east-1.onebox"),
            "gamma_us-east-1.onebox"
        );
        assert_eq!(artifact_name("my.bundle"), "my_bundle");
        assert_eq!(entity_name(""), "_");
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "a".repeat(150);
        let name = entity_name(&long);
        assert_eq!(name.len(), MAX_NAME);
        assert_ne!(name, entity_name(&"a".repeat(151)));
    }

    #[test]
    fn unique_numbers_repeats() {
        let mut unique = Unique::default();
        assert_eq!(unique.give("a".into()), "a");
        assert_eq!(unique.give("a".into()), "a-2");
        assert_eq!(unique.give("a".into()), "a-3");
    }
}
