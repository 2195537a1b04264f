//! Keeping diagnostics short whatever the input: a message quotes source
//! text (`found \`...\``), and source text can be a single token of
//! megabytes. Quotes longer than [`MAX_QUOTE`] characters are cut to their
//! first characters and their length, in every output format, so that the
//! size of a report depends on the number of problems, not on the input.

use super::Diagnostic;

/// The longest quote kept whole, in characters.
pub const MAX_QUOTE: usize = 64;

/// How many characters of a longer quote are kept.
const KEPT: usize = 8;

/// The longest text kept whole (message, note, help or label), in
/// characters, once its quotes are cut: a limit for text that quotes
/// without backticks.
const MAX_TEXT: usize = 4 * 1024;

/// Shortens every text of a diagnostic: see the module's documentation.
pub fn shorten(diagnostic: &mut Diagnostic) {
    shorten_text(&mut diagnostic.message);
    for note in &mut diagnostic.notes {
        shorten_text(note);
    }
    if let Some(help) = &mut diagnostic.help {
        shorten_text(help);
    }
    for label in &mut diagnostic.labels {
        shorten_text(&mut label.message);
    }
}

/// A text as [`shorten`] would leave it, for renderers that copy it anyway.
pub fn shortened(text: &str) -> String {
    let mut text = text.to_string();
    shorten_text(&mut text);
    text
}

/// Shortens one text in place, leaving a short one untouched (and
/// unallocated).
fn shorten_text(text: &mut String) {
    if text.len() <= MAX_QUOTE {
        return;
    }
    let mut shorter = elide_quotes(text);
    if let Some((cut, _)) = shorter.char_indices().nth(MAX_TEXT) {
        let length = shorter.len();
        shorter.truncate(cut);
        shorter.push_str(&format!("… ({} bytes)", thousands(length)));
    }
    *text = shorter;
}

/// `text` with each long quote between a pair of backticks replaced by
/// "`first…` (N bytes)". Backticks pair from the left; a last unpaired one
/// opens a quote that runs to the end.
fn elide_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let (before, after_open) = rest.split_at(open);
        out.push_str(before);
        let quoted_start = after_open.get(1..).unwrap_or("");
        let (quoted, after, closed) = match quoted_start.find('`') {
            Some(close) => (
                quoted_start.get(..close).unwrap_or(""),
                quoted_start.get(close + 1..).unwrap_or(""),
                true,
            ),
            None => (quoted_start, "", false),
        };
        if quoted.chars().nth(MAX_QUOTE).is_some() {
            let kept: String = quoted.chars().take(KEPT).collect();
            out.push_str(&format!("`{kept}…`"));
            out.push_str(&format!(" ({} bytes)", thousands(quoted.len())));
        } else {
            out.push('`');
            out.push_str(quoted);
            if closed {
                out.push('`');
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A count with commas between thousands: `5,000,000`.
pub fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_are_cut_and_short_ones_kept() {
        let long = "a".repeat(5_000_000);
        assert_eq!(
            elide_quotes(&format!("found `{long}` here, not `b`")),
            "found `aaaaaaaa…` (5,000,000 bytes) here, not `b`"
        );
        let exact = "c".repeat(MAX_QUOTE);
        assert_eq!(elide_quotes(&format!("`{exact}`")), format!("`{exact}`"));
        assert_eq!(
            elide_quotes(&format!("open `{long}")),
            "open `aaaaaaaa…` (5,000,000 bytes)"
        );
        assert_eq!(elide_quotes("no quotes"), "no quotes");
        assert_eq!(elide_quotes("``"), "``");
        // Characters, not bytes, are counted and kept.
        let wide = "é".repeat(MAX_QUOTE + 1);
        assert_eq!(
            elide_quotes(&format!("`{wide}`")),
            format!("`{}…` ({} bytes)", "é".repeat(KEPT), (MAX_QUOTE + 1) * 2)
        );
    }

    #[test]
    fn long_text_without_quotes_is_cut_too() {
        let mut text = "word ".repeat(10_000);
        shorten_text(&mut text);
        assert!(text.chars().count() < MAX_TEXT + 40, "{}", text.len());
        assert!(text.ends_with("… (50,000 bytes)"), "{text}");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(5_000_000), "5,000,000");
    }
}
