//! SARIF 2.1.0, the interchange format of static analysis results, shaped
//! as code scanning services (GitHub's among them) ingest it.
//!
//! - One run; `tool.driver.rules` lists every registered code, in the
//!   registry's order, so a code's `ruleIndex` never changes between runs
//!   and every rule's help is there for whoever views a result.
//! - Columns are UTF-16 code units from 1 (`columnKind: utf16CodeUnits`);
//!   `endColumn` is exclusive, as SARIF defines it.
//! - The main label is the result's location; the other labels are
//!   `relatedLocations`.
//! - `partialFingerprints.primaryLocationLineHash` is FNV-1a 64 over the
//!   code and the trimmed text of the main label's line, in hex, then `:`
//!   and the occurrence of that hash in the file (1 for the first): stable
//!   when a finding only moves to another line.
//! - Paths are relative URI references (percent-encoded, `/`-separated),
//!   relative to the directory the command ran in.

use super::Report;
use super::fingerprint::{Occurrences, fnv1a64_fields};
use super::located::{Located, LocatedLabel, locate};
use super::paths::to_uri;
use crate::diagnostics::{ALL_CODES, CodeDoc, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// The schema the document declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";

/// The top-level SARIF log.
#[derive(Debug, Serialize)]
pub struct Log {
    /// [`SCHEMA`].
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// [`VERSION`].
    pub version: &'static str,
    /// Exactly one run.
    pub runs: Vec<Run>,
}

/// One run of the tool.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// The tool and its rules.
    pub tool: Tool,
    /// How columns are counted.
    pub column_kind: &'static str,
    /// The findings.
    pub results: Vec<SarifResult>,
}

/// The tool.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// `pipec` itself.
    pub driver: Driver,
}

/// `pipec` as a SARIF tool component.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    /// `pipec`.
    pub name: &'static str,
    /// The crate's version.
    pub semantic_version: &'static str,
    /// Every registered code.
    pub rules: Vec<Rule>,
}

/// A registered code as a SARIF rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// The code, e.g. `P0401`.
    pub id: &'static str,
    /// The code's name in PascalCase, e.g. `UnknownRegion`.
    pub name: String,
    /// The one-line summary.
    pub short_description: Message,
    /// The explanation.
    pub full_description: Message,
    /// The explanation and an example.
    pub help: Help,
    /// The level of its findings unless a policy says otherwise.
    pub default_configuration: Configuration,
}

/// Help in plain text and Markdown.
#[derive(Debug, Serialize)]
pub struct Help {
    /// Plain text.
    pub text: String,
    /// Markdown, with the example in a code block.
    pub markdown: String,
}

/// A rule's default configuration.
#[derive(Debug, Serialize)]
pub struct Configuration {
    /// `error`, `warning` or `note`.
    pub level: &'static str,
}

/// A plain-text message.
#[derive(Debug, Serialize)]
pub struct Message {
    /// The text.
    pub text: String,
}

/// One finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    /// The code.
    pub rule_id: &'static str,
    /// The code's place in `rules`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    /// `error`, `warning` or `note`.
    pub level: &'static str,
    /// The title, the notes and the help line.
    pub message: Message,
    /// The main label, when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// The other labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<Location>,
    /// `primaryLocationLineHash`, when there is a main label.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub partial_fingerprints: BTreeMap<&'static str, String>,
}

/// A place.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Related locations are numbered from 1 within their result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<usize>,
    /// The file and region.
    pub physical_location: PhysicalLocation,
    /// The label's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// A file and a region in it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// The region.
    pub region: Region,
}

/// A file.
#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    /// A relative URI reference.
    pub uri: String,
}

/// A region in UTF-16 code units, from 1; `end_column` exclusive.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// First line.
    pub start_line: usize,
    /// First column.
    pub start_column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the end.
    pub end_column: usize,
}

/// The log as pretty-printed JSON with a final line break.
pub fn render(report: &Report<'_>) -> String {
    let log = to_log(report);
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// The log as data.
pub fn to_log(report: &Report<'_>) -> Log {
    let mut occurrences = Occurrences::default();
    let results = locate(report)
        .iter()
        .map(|located| to_result(located, &mut occurrences))
        .collect();
    Log {
        schema: SCHEMA,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "pipec",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: ALL_CODES.iter().map(to_rule).collect(),
                },
            },
            column_kind: "utf16CodeUnits",
            results,
        }],
    }
}

fn to_rule(doc: &CodeDoc) -> Rule {
    let example = crate::explain::code_example(doc.code);
    let mut text = doc.explanation.to_string();
    let mut markdown = doc.explanation.to_string();
    if let Some(example) = example {
        text.push_str("\n\nExample:\n\n");
        text.push_str(example);
        markdown.push_str("\n\nExample:\n\n```\n");
        markdown.push_str(example);
        if !example.ends_with('\n') {
            markdown.push('\n');
        }
        markdown.push_str("```\n");
    }
    Rule {
        id: doc.code.as_str(),
        name: pascal_case(doc.name),
        short_description: Message {
            text: doc.summary.to_string(),
        },
        full_description: Message {
            text: doc.explanation.to_string(),
        },
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(doc.code.default_severity()),
        },
    }
}

fn to_result(located: &Located<'_>, occurrences: &mut Occurrences) -> SarifResult {
    let diagnostic = located.diagnostic;
    let rule_index = ALL_CODES.iter().position(|doc| doc.code == diagnostic.code);
    let mut text = diagnostic.message.clone();
    for note in &diagnostic.notes {
        text.push('\n');
        text.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut partial_fingerprints = BTreeMap::new();
    let locations = match located.primary() {
        Some(primary) => {
            let hash = fnv1a64_fields(&[diagnostic.code.as_str(), primary.line_text.trim()]);
            let occurrence = occurrences.next(&primary.path, hash);
            partial_fingerprints.insert(
                "primaryLocationLineHash",
                format!("{hash:016x}:{occurrence}"),
            );
            vec![to_location(primary, None)]
        }
        None => Vec::new(),
    };
    let related_locations = located
        .secondary()
        .enumerate()
        .map(|(idx, label)| to_location(label, Some(idx + 1)))
        .collect();
    SarifResult {
        rule_id: diagnostic.code.as_str(),
        rule_index,
        level: level(diagnostic.severity),
        message: Message { text },
        locations,
        related_locations,
        partial_fingerprints,
    }
}

fn to_location(label: &LocatedLabel<'_>, id: Option<usize>) -> Location {
    let message = (!label.label.message.is_empty()).then(|| Message {
        text: label.label.message.clone(),
    });
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: to_uri(&label.path),
            },
            region: Region {
                start_line: label.start.line,
                start_column: label.start.utf16_column,
                end_line: label.end.line,
                end_column: label.end.utf16_column,
            },
        },
        message,
    }
}

/// SARIF's level for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `unknown-region` → `UnknownRegion`: SARIF rule names are identifiers.
fn pascal_case(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("unknown-region"), "UnknownRegion");
        assert_eq!(pascal_case("not-utf8"), "NotUtf8");
        assert_eq!(pascal_case("policy"), "Policy");
    }
}
