//! File paths as machine formats show them: relative to the directory the
//! command ran in when the file is under it, with `/` separators whatever
//! the platform, so that reports name the same file the same way on every
//! machine and code review systems can match them to the repository.

use std::path::{Component, Path};

/// The path to report for a file the compiler recorded as `name`.
///
/// - An absolute path under `base_dir` becomes relative to it.
/// - A relative path stays relative (it already is relative to the
///   command's directory), without a leading `./`.
/// - Anything else (an absolute path elsewhere, `std/aws`, `<stdin>`) is
///   kept as it is.
///
/// Backslashes become `/` in every case.
pub fn report_path(name: &str, base_dir: Option<&Path>) -> String {
    let path = Path::new(name);
    let relative = match base_dir {
        Some(base) if path.is_absolute() => path.strip_prefix(base).ok(),
        _ => None,
    };
    let shown = match relative {
        Some(relative) => join_components(relative),
        None => name.to_string(),
    };
    let shown = shown.replace('\\', "/");
    let mut trimmed = shown.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    if trimmed.is_empty() {
        shown
    } else {
        trimmed.to_string()
    }
}

fn join_components(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A report path as a URI reference for SARIF's `artifactLocation.uri`:
/// a relative reference for a relative path, a `file://` URI for an
/// absolute one. Every byte outside RFC 3986's unreserved characters and
/// `/` is percent-encoded, so that spaces, `%`, `:`, `#`, `?` and non-ASCII
/// names survive as data.
pub fn to_uri(path: &str) -> String {
    let mut uri = String::new();
    if path.starts_with('/') {
        uri.push_str("file://");
    }
    for byte in path.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        if unreserved || byte == b'/' {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_under_the_base_become_relative() {
        let base = Path::new("/work/repo");
        assert_eq!(
            report_path("/work/repo/services/a.pipe", Some(base)),
            "services/a.pipe"
        );
        assert_eq!(
            report_path("/elsewhere/a.pipe", Some(base)),
            "/elsewhere/a.pipe"
        );
        // A sibling whose name merely starts like the base is not under it.
        assert_eq!(
            report_path("/work/repository/a.pipe", Some(base)),
            "/work/repository/a.pipe"
        );
        assert_eq!(report_path("/work/repo/a.pipe", None), "/work/repo/a.pipe");
    }

    #[test]
    fn relative_names_lose_dot_slash_and_backslashes() {
        assert_eq!(report_path("./team/a.pipe", None), "team/a.pipe");
        assert_eq!(report_path("team\\a.pipe", None), "team/a.pipe");
        assert_eq!(report_path("../up.pipe", None), "../up.pipe");
        assert_eq!(report_path("std/aws", None), "std/aws");
        assert_eq!(report_path("<stdin>", Some(Path::new("/x"))), "<stdin>");
    }

    #[test]
    fn uris_percent_encode_everything_but_unreserved_characters() {
        assert_eq!(to_uri("team/orders_api.pipe"), "team/orders_api.pipe");
        assert_eq!(to_uri("my dir/a%b.pipe"), "my%20dir/a%25b.pipe");
        assert_eq!(to_uri("c:d,e.pipe"), "c%3Ad%2Ce.pipe");
        assert_eq!(to_uri("café.pipe"), "caf%C3%A9.pipe");
        assert_eq!(to_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(to_uri("/abs/a.pipe"), "file:///abs/a.pipe");
    }
}
