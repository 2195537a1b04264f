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
    #[derive(serde::Deserialize)]
    struct VersionProbe {
        format_version: Option<serde_json::Value>,
    }
    let probe: VersionProbe = serde_json::from_str(json).map_err(VersionMismatch::Json)?;
    match probe.format_version {
        Some(serde_json::Value::String(version)) if accepted.contains(&version.as_str()) => Ok(()),
        Some(serde_json::Value::String(version)) => Err(VersionMismatch::Other(Some(version))),
        Some(other) => Err(VersionMismatch::Other(Some(other.to_string()))),
        None => Err(VersionMismatch::Other(None)),
    }
}
