//! A step's `field_provenance`: where each of its values was set, by the
//! value's JSON Pointer into the step.

use super::Provenance;
use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;

/// Provenance of a step's values, by JSON Pointer into the step, in
/// pointer order, each pointer once; written as a JSON object.
///
/// A sorted list rather than a map, and the common pointers not copied:
/// a step has a handful of entries, and `compile` converts hundreds of
/// steps per pipeline, where building and freeing a tree of strings for
/// each was a tenth of its time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldProvenance(Vec<(Cow<'static, str>, Provenance)>);

/// The pairs of a [`FieldProvenance`], by reference, as a map gives them.
pub type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, (Cow<'static, str>, Provenance)>,
    fn(&'a (Cow<'static, str>, Provenance)) -> (&'a str, &'a Provenance),
>;

impl FieldProvenance {
    /// Whether no value has a provenance of its own.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The provenance of the value at `pointer`.
    pub fn get(&self, pointer: &str) -> Option<&Provenance> {
        self.0
            .binary_search_by(|(key, _)| (**key).cmp(pointer))
            .ok()
            .and_then(|at| self.0.get(at))
            .map(|(_, provenance)| provenance)
    }

    /// Pointers and provenances, in pointer order.
    pub fn iter(&self) -> Iter<'_> {
        self.0
            .iter()
            .map(|(pointer, provenance)| (pointer, provenance))
    }

    /// The provenances, in pointer order.
    pub fn values(&self) -> impl Iterator<Item = &Provenance> {
        self.0.iter().map(|(_, provenance)| provenance)
    }

    /// The provenances, in pointer order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Provenance> {
        self.0.iter_mut().map(|(_, provenance)| provenance)
    }
}

impl<P: Into<Cow<'static, str>>> FromIterator<(P, Provenance)> for FieldProvenance {
    /// Sorted by pointer; of pairs with one pointer, the last is kept, as
    /// a map collected from them would keep it.
    fn from_iter<I: IntoIterator<Item = (P, Provenance)>>(pairs: I) -> Self {
        let pairs = pairs
            .into_iter()
            .map(|(pointer, provenance)| (pointer.into(), provenance))
            .collect();
        FieldProvenance(by_pointer(pairs))
    }
}

/// `pairs` sorted by pointer, of pairs with one pointer the last given
/// kept: the order and the entries of a step's field provenance, however
/// it is built.
pub(crate) fn by_pointer<T>(mut pairs: Vec<(Cow<'static, str>, T)>) -> Vec<(Cow<'static, str>, T)> {
    // Stable, so equal pointers stay in the order given.
    pairs.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut kept: Vec<(Cow<'static, str>, T)> = Vec::with_capacity(pairs.len());
    for pair in pairs {
        match kept.last_mut() {
            Some(last) if last.0 == pair.0 => *last = pair,
            _ => kept.push(pair),
        }
    }
    kept
}

impl<'a> IntoIterator for &'a FieldProvenance {
    type Item = (&'a str, &'a Provenance);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Serialize for FieldProvenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (pointer, provenance) in &self.0 {
            map.serialize_entry(&**pointer, provenance)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for FieldProvenance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = std::collections::BTreeMap::<String, Provenance>::deserialize(deserializer)?;
        Ok(FieldProvenance(
            read.into_iter()
                .map(|(pointer, provenance)| (Cow::Owned(pointer), provenance))
                .collect(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(line: u32) -> Provenance {
        Provenance {
            file: "main.pipe".into(),
            line,
            column: 1,
            how: super::super::How::Set,
            overrides: Vec::new(),
            not_scaled: None,
        }
    }

    #[test]
    fn pointers_are_sorted_and_the_last_of_a_repeated_one_is_kept() {
        let fields: FieldProvenance = [
            ("/target/region".to_string(), at(1)),
            ("/deploy/strategy".to_string(), at(2)),
            ("/target/region".to_string(), at(3)),
        ]
        .into_iter()
        .collect();
        let pointers: Vec<&str> = fields.iter().map(|(pointer, _)| pointer).collect();
        assert_eq!(pointers, ["/deploy/strategy", "/target/region"]);
        assert_eq!(fields.get("/target/region").unwrap().line, 3);
        assert_eq!(fields.get("/deploy/platform"), None);
    }

    #[test]
    fn written_and_read_as_an_object_in_pointer_order() {
        let fields: FieldProvenance = [
            ("/target/region".to_string(), at(1)),
            ("/deploy/strategy".to_string(), at(2)),
        ]
        .into_iter()
        .collect();
        let json = serde_json::to_string(&fields).unwrap();
        assert!(json.starts_with(r#"{"/deploy/strategy":{"#), "{json}");
        let read: FieldProvenance = serde_json::from_str(&json).unwrap();
        assert_eq!(read, fields);
    }
}
