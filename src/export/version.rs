//! Reading a JSON document's `format_version` before anything else, so that
//! a document of another version is refused for what it is rather than for
//! a field this version lacks. Plans and scenarios share it.

/// Why a document's version is not the one expected.
#[derive(Debug)]
pub enum VersionMismatch {
    /// The text is not a JSON object.
    Json(serde_json::Error),
    /// The version found (as written, or JSON text when not a string), or
    /// `None` when there is none.
    Other(Option<String>),
}

/// Checks that `json` has a `"format_version"` among `accepted`; every
/// other field is ignored here.
pub fn check(json: &str, accepted: &[&str]) -> Result<(), VersionMismatch> {
    let probe: VersionProbe = serde_json::from_str(json).map_err(VersionMismatch::Json)?;
    match probe.format_version {
        Some(serde_json::Value::String(version)) if accepted.contains(&version.as_str()) => Ok(()),
        Some(serde_json::Value::String(version)) => Err(VersionMismatch::Other(Some(version))),
        // `1.2` written as a number is not the version "1.2": say so, or
        // the message would read "reads 1.2; the file is 1.2".
        Some(other) => {
            let kind = match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "boolean",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::Array(_) => "array",
                serde_json::Value::Object(_) => "object",
                serde_json::Value::String(_) => "string",
            };
            Err(VersionMismatch::Other(Some(format!(
                "{other} (a JSON {kind}, not a string)"
            ))))
        }
        None => Err(VersionMismatch::Other(None)),
    }
}

/// The `format_version` of a document, every other field ignored. Read by
/// hand so that a document that is not an object is refused as what it
/// should be ("a JSON object with a `format_version`"), not under the name
/// of a type of this program.
struct VersionProbe {
    format_version: Option<serde_json::Value>,
}

impl<'de> serde::Deserialize<'de> for VersionProbe {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = VersionProbe;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a JSON object with a `format_version`")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<VersionProbe, A::Error> {
                let mut format_version = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "format_version" {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    } else if format_version.is_some() {
                        return Err(serde::de::Error::duplicate_field("format_version"));
                    } else {
                        format_version = Some(map.next_value::<serde_json::Value>()?);
                    }
                }
                Ok(VersionProbe { format_version })
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}
