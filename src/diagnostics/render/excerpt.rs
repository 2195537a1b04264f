//! Long lines in the human report. codespan-reporting prints every line a
//! label touches whole, and a caret under every byte of a label: a file of
//! one 5 MB token gave a 15 MB report. When a line to be shown is longer
//! than [`MAX_LINE`] bytes, the diagnostic is rendered against an
//! [`Excerpts`] instead: the shown lines of each labelled file, each long
//! one cut to a window around its label and marked `…` where it was cut,
//! with the labels' offsets moved into that text. Line numbers are the
//! real ones (an excerpt knows which line it starts at), and so are the
//! line and column in the header (positions are mapped back to the real
//! file before they are counted).

use crate::source::{FileId, SourceFile, SourceMap};
use codespan_reporting::files::{Error as FilesError, Files, Location};
use std::collections::BTreeMap;
use std::ops::Range;

/// The longest line shown whole, in bytes.
pub const MAX_LINE: usize = 240;

/// How much of a long line is shown before the label it is cut around.
const BEFORE: usize = 40;

/// How much of a long line is shown, in bytes.
const WIDTH: usize = 160;

/// The mark of a cut.
const CUT: &str = "…";

/// A label as the excerpts see it: its file, its (clamped) real range, and
/// whether it is primary.
pub struct Place {
    /// The file.
    pub file: FileId,
    /// The bytes in the real text.
    pub range: Range<usize>,
    /// Whether it is a primary label.
    pub primary: bool,
}

/// One line of an excerpt.
struct Line {
    /// Where it starts in the excerpt's text.
    view_start: usize,
    /// The real bytes shown.
    shown: Range<usize>,
    /// The bytes of the `…` before them (0 when the line is shown from its
    /// start).
    prefix: usize,
    /// The bytes of the `…` after them.
    suffix: usize,
}

/// The lines of one file from the first labelled line to the last, long
/// ones cut.
struct Excerpt {
    first_line: usize,
    text: String,
    lines: Vec<Line>,
}

/// The labelled files of one diagnostic, as excerpts, over the source map.
pub struct Excerpts<'s> {
    sources: &'s SourceMap,
    files: BTreeMap<FileId, Excerpt>,
}

impl<'s> Excerpts<'s> {
    /// The excerpts for these labels, or `None` when every line they would
    /// show is short (the common case: the diagnostic is rendered against
    /// the source map itself).
    pub fn new(sources: &'s SourceMap, places: &[Place]) -> Option<Excerpts<'s>> {
        let mut spans: BTreeMap<FileId, Vec<&Place>> = BTreeMap::new();
        for place in places {
            spans.entry(place.file).or_default().push(place);
        }
        let mut files = BTreeMap::new();
        let mut any_long = false;
        for (id, places) in spans {
            let Some(file) = sources.get(id) else {
                continue;
            };
            let first = places
                .iter()
                .map(|place| file.line_index(place.range.start))
                .min()
                .unwrap_or(0);
            let last = places
                .iter()
                .map(|place| file.line_index(place.range.end))
                .max()
                .unwrap_or(first);
            any_long |= (first..=last).any(|line| line_length(file, line) > MAX_LINE);
            files.insert(
                id,
                Excerpt::build(file, first..=last, &anchors(file, &places)),
            );
        }
        any_long.then_some(Excerpts { sources, files })
    }

    /// Where a real byte range of `file` is in its excerpt.
    pub fn map(&self, file: FileId, range: Range<usize>) -> Range<usize> {
        match (self.files.get(&file), self.sources.get(file)) {
            (Some(excerpt), Some(source)) => {
                excerpt.to_view(source, range.start)..excerpt.to_view(source, range.end)
            }
            _ => range,
        }
    }
}

/// For each line where a label starts (or, failing that, ends), the offset
/// its window is placed around: the primary label's start before any
/// other, then the earliest. codespan names the file at the primary (else
/// earliest) label, so that label is always inside its window and its
/// position maps back exactly.
fn anchors(file: &SourceFile, places: &[&Place]) -> BTreeMap<usize, usize> {
    let mut ordered: Vec<&&Place> = places.iter().collect();
    ordered.sort_by_key(|place| (!place.primary, place.range.start));
    let mut anchors = BTreeMap::new();
    for place in &ordered {
        anchors
            .entry(file.line_index(place.range.start))
            .or_insert(place.range.start);
    }
    for place in &ordered {
        anchors
            .entry(file.line_index(place.range.end))
            .or_insert(place.range.end);
    }
    anchors
}

/// The real byte range of a line, without its line break.
fn line_bounds(file: &SourceFile, line: usize) -> Range<usize> {
    let starts = file.line_starts();
    let start = starts.get(line).copied().unwrap_or(file.text.len());
    let next = starts.get(line + 1).copied().unwrap_or(file.text.len());
    let end = if file.text.as_bytes().get(next.wrapping_sub(1)) == Some(&b'\n') && next > start {
        next - 1
    } else {
        next
    };
    start..end
}

fn line_length(file: &SourceFile, line: usize) -> usize {
    line_bounds(file, line).len()
}

/// The largest character boundary of `text` at or before `offset`.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl Excerpt {
    /// Copies lines `lines` of `file`, cutting each long one to a window
    /// around its anchor.
    fn build(
        file: &SourceFile,
        lines: std::ops::RangeInclusive<usize>,
        anchors: &BTreeMap<usize, usize>,
    ) -> Excerpt {
        let first_line = *lines.start();
        let mut excerpt = Excerpt {
            first_line,
            text: String::new(),
            lines: Vec::new(),
        };
        for line in lines {
            let bounds = line_bounds(file, line);
            let shown = if bounds.len() > MAX_LINE {
                let anchor = anchors.get(&line).copied().unwrap_or(bounds.start);
                let start = floor_boundary(
                    &file.text,
                    anchor
                        .saturating_sub(BEFORE)
                        .clamp(bounds.start, bounds.end),
                );
                let end = floor_boundary(&file.text, (start + WIDTH).min(bounds.end));
                start..end
            } else {
                bounds.clone()
            };
            excerpt.push(file, shown, &bounds);
        }
        excerpt
    }

    /// Adds one line: `shown` of a line spanning `bounds`, marked where cut.
    fn push(&mut self, file: &SourceFile, shown: Range<usize>, bounds: &Range<usize>) {
        let prefix = if shown.start > bounds.start {
            CUT.len()
        } else {
            0
        };
        let suffix = if shown.end < bounds.end { CUT.len() } else { 0 };
        let view_start = self.text.len();
        if prefix > 0 {
            self.text.push_str(CUT);
        }
        self.text
            .push_str(file.text.get(shown.clone()).unwrap_or_default());
        if suffix > 0 {
            self.text.push_str(CUT);
        }
        self.text.push('\n');
        self.lines.push(Line {
            view_start,
            shown,
            prefix,
            suffix,
        });
    }

    /// The excerpt's line holding a byte of its text.
    fn line_at(&self, view: usize) -> Option<&Line> {
        let index = match self
            .lines
            .binary_search_by_key(&view, |line| line.view_start)
        {
            Ok(index) => index,
            Err(next) => next.saturating_sub(1),
        };
        self.lines.get(index)
    }

    /// Where a real offset is in the excerpt: inside the window, exactly;
    /// before it, at the `…` that starts the line; after it, at the end of
    /// the line's text.
    fn to_view(&self, file: &SourceFile, real: usize) -> usize {
        let line = file.line_index(real).saturating_sub(self.first_line);
        let Some(line) = self.lines.get(line) else {
            return self.text.len();
        };
        if real < line.shown.start {
            line.view_start
        } else if real <= line.shown.end {
            line.view_start + line.prefix + (real - line.shown.start)
        } else {
            line.view_start + line.prefix + line.shown.len() + line.suffix
        }
    }

    /// The real offset of a byte of the excerpt (the nearest shown one for
    /// a byte of a `…`).
    fn to_real(&self, view: usize) -> usize {
        let Some(line) = self.line_at(view) else {
            return 0;
        };
        let within = view.saturating_sub(line.view_start + line.prefix);
        line.shown.start + within.min(line.shown.len())
    }
}

impl<'a> Files<'a> for Excerpts<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.sources.name(id)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        match self.files.get(&id) {
            Some(excerpt) => Ok(excerpt.text.as_str()),
            None => self.sources.source(id),
        }
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let Some(excerpt) = self.files.get(&id) else {
            return self.sources.line_index(id, byte_index);
        };
        let index = match excerpt
            .lines
            .binary_search_by_key(&byte_index, |line| line.view_start)
        {
            Ok(index) => index,
            Err(next) => next.saturating_sub(1),
        };
        Ok(excerpt.first_line + index)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let Some(excerpt) = self.files.get(&id) else {
            return self.sources.line_range(id, line_index);
        };
        let local = line_index.checked_sub(excerpt.first_line);
        let Some(line) = local.and_then(|local| excerpt.lines.get(local)) else {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: excerpt.first_line + excerpt.lines.len().saturating_sub(1),
            });
        };
        let end = local
            .and_then(|local| excerpt.lines.get(local + 1))
            .map_or(excerpt.text.len(), |next| next.view_start);
        Ok(line.view_start..end)
    }

    fn location(&'a self, id: FileId, byte_index: usize) -> Result<Location, FilesError> {
        match self.files.get(&id) {
            Some(excerpt) => self.sources.location(id, excerpt.to_real(byte_index)),
            None => self.sources.location(id, byte_index),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn one_file(text: &str) -> (SourceMap, FileId) {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new("f.pipe", text));
        (sources, id)
    }

    #[test]
    fn short_lines_need_no_excerpt() {
        let (sources, id) = one_file("alarm a = ALARM(\"A\")\n");
        let place = Place {
            file: id,
            range: 6..7,
            primary: true,
        };
        assert!(Excerpts::new(&sources, &[place]).is_none());
    }

    #[test]
    fn a_long_line_is_cut_around_its_label_and_maps_back() {
        let text = format!("x\n{}HERE{}\n", "é".repeat(5_000), "b".repeat(5_000));
        let (sources, id) = one_file(&text);
        let start = text.find("HERE").unwrap();
        let place = Place {
            file: id,
            range: start..start + 4,
            primary: true,
        };
        let excerpts = Excerpts::new(&sources, &[place]).unwrap();
        let view = excerpts.map(id, start..start + 4);
        let shown = excerpts.source(id).unwrap();
        assert_eq!(&shown[view.clone()], "HERE");
        assert!(shown.starts_with('…') && shown.trim_end().ends_with('…'));
        assert!(shown.len() < WIDTH + 10, "{}", shown.len());
        assert_eq!(excerpts.line_index(id, view.start).unwrap(), 1);
        let location = excerpts.location(id, view.start).unwrap();
        assert_eq!((location.line_number, location.column_number), (2, 5_001));
        let range = excerpts.line_range(id, 1).unwrap();
        assert_eq!(range, 0..shown.len());
        assert!(excerpts.line_range(id, 0).is_err());
    }

    /// Labels anywhere (inside characters, across lines, several on one
    /// long line, past the end) render without failing, with the real
    /// line and column of the primary label in the header.
    #[test]
    fn any_labels_on_long_lines_render_with_real_positions() {
        use crate::diagnostics::{Code, Diagnostic};
        let text = format!("short\n{}\n{}x\nend", "é".repeat(400), "ab".repeat(300));
        let (sources, id) = one_file(&text);
        let file = sources.get(id).unwrap();
        let len = text.len();
        for start in (0..len).step_by(37) {
            for width in [0, 1, 5, 300, 2_000] {
                let end = (start + width).min(len + 3);
                let other = (start * 7 + 11) % (len + 1);
                let diagnostic = Diagnostic::error(Code::SYNTAX, "m")
                    .secondary(id, crate::source::Span::new(other, other + 2), "s")
                    .primary(id, crate::source::Span::new(start, end), "p");
                let shown = super::super::to_plain_string(&[diagnostic], &sources);
                let position = file.position(start);
                assert!(
                    shown.contains(&format!("f.pipe:{}:{}", position.line, position.column)),
                    "{start}+{width}: {shown}"
                );
                assert!(!shown.contains("could not show"), "{shown}");
                assert!(shown.len() < 3_000, "{start}+{width}: {}", shown.len());
            }
        }
    }

    #[test]
    fn a_label_past_the_window_ends_at_the_cut() {
        let text = "a".repeat(1_000_000);
        let (sources, id) = one_file(&text);
        let place = Place {
            file: id,
            range: 0..text.len(),
            primary: true,
        };
        let excerpts = Excerpts::new(&sources, &[place]).unwrap();
        let view = excerpts.map(id, 0..text.len());
        let shown = excerpts.source(id).unwrap();
        assert_eq!(view, 0..WIDTH + CUT.len());
        assert_eq!(shown, format!("{}…\n", "a".repeat(WIDTH)));
    }
}
