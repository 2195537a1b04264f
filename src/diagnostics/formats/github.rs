//! GitHub Actions workflow commands: one `::error`, `::warning` or
//! `::notice` line per diagnostic, which the runner turns into an
//! annotation on the file and line of the pull request.
//!
//! Places: `line`/`endLine` are the main label's lines; `col`/`endColumn`
//! are character columns from 1, `endColumn` inclusive (the last character
//! of the label), given only when the label starts and ends on one line,
//! since annotations support columns only there.
//!
//! GitHub shows at most ten annotations of each kind per step, so the CLI
//! prints the human report after these lines: it carries the rest.

use super::Report;
use super::located::{Located, locate};
use crate::diagnostics::Severity;

/// The annotation lines of the report.
pub fn render(report: &Report<'_>) -> String {
    locate(report).iter().map(annotation).collect()
}

fn annotation(located: &Located<'_>) -> String {
    let diagnostic = located.diagnostic;
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties: Vec<(&str, String)> = Vec::new();
    if let Some(primary) = located.primary() {
        properties.push(("file", primary.path.clone()));
        properties.push(("line", primary.start.line.to_string()));
        properties.push(("endLine", primary.end.line.to_string()));
        if primary.start.line == primary.end.line {
            let last_column = primary
                .end
                .column
                .saturating_sub(1)
                .max(primary.start.column);
            properties.push(("col", primary.start.column.to_string()));
            properties.push(("endColumn", last_column.to_string()));
        }
    }
    let name = diagnostic.code.doc().map_or("", |doc| doc.name);
    properties.push(("title", format!("{} {name}", diagnostic.code)));
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(label) = located.primary().map(|primary| &primary.label.message)
        && !label.is_empty()
    {
        message.push('\n');
        message.push_str(label);
    }
    for note in &diagnostic.notes {
        message.push('\n');
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escapes a command's message: `%`, carriage return and line feed, as the
/// runner decodes them.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): as a message, and also
/// `:` and `,`, which would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_escape_percent_and_line_breaks_only() {
        assert_eq!(
            escape_data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        // `%` goes first, so an escape already in the text is not decoded
        // by the runner into something else.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("dir:a,b/100%.pipe"),
            "dir%3Aa%2Cb/100%25.pipe"
        );
        assert_eq!(escape_property("P0001: one,\ntwo"), "P0001%3A one%2C%0Atwo");
    }
}
