//! One line per diagnostic, `path:line:col: severity[CODE]: message`: the
//! shape compilers have printed for decades, which editors, `grep` and
//! problem matchers parse. The place is the main label's start; the column
//! counts characters from 1.

use super::Report;
use super::located::{locate, severity_word};

/// The report, one line per diagnostic. A line break inside a message
/// would start a line a parser misreads, so it becomes a space.
pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for located in locate(report) {
        let diagnostic = located.diagnostic;
        if let Some(primary) = located.primary() {
            out.push_str(&format!(
                "{}:{}:{}: ",
                primary.path, primary.start.line, primary.start.column
            ));
        }
        out.push_str(&format!(
            "{}[{}]: {}\n",
            severity_word(diagnostic.severity),
            diagnostic.code,
            one_line(&diagnostic.message)
        ));
    }
    out
}

fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(one_line("a\r\nb\nc\rd"), "a b c d");
    }
}
