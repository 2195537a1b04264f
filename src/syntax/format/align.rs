//! The last pass over the lines: columns line up, and the lines become
//! text.
//!
//! Alignment only ever adds spaces inside a line, and only from what the
//! lines themselves hold, so formatting the output again finds the same
//! runs and adds the same spaces.

use super::printer::{Line, LineKind};

/// The gap between code and the comment that ends its line.
const COMMENT_GAP: usize = 2;

/// Lines up the heads of like members on consecutive lines, then the
/// comments that end consecutive lines, and joins the lines into text
/// with one trailing newline (none for an empty file).
pub(super) fn render(mut lines: Vec<Line>, byte_order_mark: bool) -> String {
    align_heads(&mut lines);
    align_comments(&mut lines);
    while lines
        .last()
        .is_some_and(|line| line.kind == LineKind::Blank)
    {
        lines.pop();
    }
    let mut out = String::new();
    if byte_order_mark {
        out.push('\u{FEFF}');
    }
    for line in &lines {
        out.push_str(line.text.trim_end());
        if let Some(comment) = &line.comment {
            // Only a line the alignment skipped keeps its comment apart.
            out.push_str(&" ".repeat(COMMENT_GAP));
            out.push_str(comment);
        }
        out.push('\n');
    }
    out
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// A run is members of one class on consecutive lines; comment lines
/// between them do not break it, a blank line or any other line does.
/// Each member is padded after its head to the widest head of the run.
fn align_heads(lines: &mut [Line]) {
    let mut idx = 0;
    while idx < lines.len() {
        let Some(mark) = lines.get(idx).and_then(|line| line.align) else {
            idx += 1;
            continue;
        };
        let mut run = vec![idx];
        let mut next = idx + 1;
        while let Some(line) = lines.get(next) {
            match line.kind {
                LineKind::Comment => {}
                LineKind::Blank => break,
                LineKind::Code => match line.align {
                    Some(other) if other.class == mark.class => run.push(next),
                    _ => break,
                },
            }
            next += 1;
        }
        let head_width = |line: &Line| {
            line.align
                .and_then(|mark| line.text.get(..mark.at))
                .map_or(0, width)
        };
        let widest = run
            .iter()
            .filter_map(|&member| lines.get(member))
            .map(head_width)
            .max()
            .unwrap_or(0);
        for &member in &run {
            if let Some(line) = lines.get_mut(member) {
                let padding = widest.saturating_sub(head_width(line));
                if let Some(mark) = line.align
                    && line.text.is_char_boundary(mark.at)
                {
                    line.text.insert_str(mark.at, &" ".repeat(padding));
                }
            }
        }
        idx = next;
    }
}

fn indent(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

/// Comments that end consecutive lines start in one column, two spaces
/// after the longest code among them. Comment lines between two lines of
/// one block (at one indentation) do not break the run, so that rows of a
/// table with notes between them stay one table; a blank line, a line
/// without a comment, or comment lines between lines at two indentations
/// do.
fn align_comments(lines: &mut [Line]) {
    let mut idx = 0;
    while idx < lines.len() {
        if lines.get(idx).is_none_or(|line| line.comment.is_none()) {
            idx += 1;
            continue;
        }
        let mut run = vec![idx];
        let mut next = idx + 1;
        while let Some(line) = lines.get(next) {
            if line.comment.is_some() {
                let after_comments = lines
                    .get(next - 1)
                    .is_some_and(|previous| previous.kind == LineKind::Comment);
                let last = run.last().and_then(|&last| lines.get(last));
                if after_comments
                    && last.is_some_and(|last| indent(&last.text) != indent(&line.text))
                {
                    break;
                }
                run.push(next);
            } else if line.kind != LineKind::Comment {
                break;
            }
            next += 1;
        }
        // Comment lines after the run's last member are not part of it.
        let end = run.last().map_or(next, |last| last + 1);
        let column = run
            .iter()
            .filter_map(|&member| lines.get(member))
            .map(|line| width(line.text.trim_end()))
            .max()
            .unwrap_or(0)
            + COMMENT_GAP;
        for &member in &run {
            if let Some(line) = lines.get_mut(member)
                && let Some(comment) = line.comment.take()
            {
                let code = line.text.trim_end().to_string();
                let padding = column.saturating_sub(width(&code));
                line.text = format!("{code}{}{comment}", " ".repeat(padding));
            }
        }
        idx = end;
    }
}
