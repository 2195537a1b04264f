//! `file:` URIs and paths. The protocol names documents by URI; the
//! compiler reads paths. Only `file:` URIs have a path: other schemes
//! (an editor's unsaved, untitled buffers) are checked on their own.

use lsp_types::Uri;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The path of a `file:` URI, percent-decoded; `None` for other schemes or
/// a path that is not UTF-8.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///p` has an empty authority; `file://localhost/p` names this
    // machine. Any other host is not a local file.
    let path = if rest.starts_with('/') {
        rest
    } else {
        rest.strip_prefix("localhost")?
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while let Some(&byte) = bytes.get(idx) {
        if byte == b'%' {
            let hex = text.get(idx + 1..idx + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            idx += 3;
        } else {
            out.push(byte);
            idx += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_non_ascii() {
        let path = Path::new("/ws/my team/déploiement.pipe");
        let uri = from_path(path).unwrap();
        assert_eq!(uri.as_str(), "file:///ws/my%20team/d%C3%A9ploiement.pipe");
        assert_eq!(to_path(&uri).unwrap(), path);
        let local = Uri::from_str("file://localhost/a.pipe").unwrap();
        assert_eq!(to_path(&local).unwrap(), Path::new("/a.pipe"));
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert!(to_path(&untitled).is_none());
        let not_utf8 = Uri::from_str("file:///a%FF").unwrap();
        assert!(to_path(&not_utf8).is_none());
    }
}
