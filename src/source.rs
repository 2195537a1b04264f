//! Source files as the compiler sees them: a name for messages, the text,
//! and a stable [`FileId`]. The core never reads the file system; whoever
//! drives it (the CLI, tests, a language server) fills a [`SourceMap`].

use serde::Serialize;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

impl From<FileId> for usize {
    fn from(file: FileId) -> usize {
        file.0 as usize
    }
}

impl From<usize> for FileId {
    fn from(idx: usize) -> FileId {
        FileId(u32::try_from(idx).unwrap_or(u32::MAX))
    }
}

/// A half-open byte range `start..end` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets past `u32::MAX` are clamped, which
    /// the file-size limit makes unreachable in practice.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// An empty span at one offset.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Start offset as `usize`.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// End offset as `usize`.
    pub fn end(self) -> usize {
        self.end as usize
    }
}

/// A place in a file, in the units different consumers count in. Lines
/// and columns are one-based; columns count from the start of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The byte offset from the start of the file (zero-based).
    pub offset: usize,
    /// The line number.
    pub line: usize,
    /// The column in characters (Unicode scalar values): what editors and
    /// the human renderer show.
    pub column: usize,
    /// The column in UTF-16 code units: what SARIF and the Language Server
    /// Protocol count in. A character outside the Basic Multilingual Plane
    /// (an emoji such as `🚀`) is two units but one character.
    pub utf16_column: usize,
}

/// What a column counts, for [`SourceFile::offset_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (the Language Server Protocol's default).
    Utf16,
    /// Characters (Unicode scalar values).
    Char,
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in messages: a path relative to where the user ran
    /// the command, `std/aws` for the embedded library, or `<stdin>`.
    pub name: String,
    /// The text. Non-UTF-8 input is stored lossily converted, after a
    /// diagnostic has been reported for it.
    pub text: String,
    /// Byte offset of the start of every line, for line/column lookups.
    line_starts: Vec<usize>,
}

/// A byte-order mark, which a file may start with and which is ignored.
pub(crate) const BOM: &str = "\u{FEFF}";

impl SourceFile {
    /// A file from its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(idx, _)| idx + 1))
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Zero-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// One-based line and column (in characters) of a byte offset: those
    /// of [`Self::position`], without counting UTF-16 units.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (_, line, prefix) = self.line_prefix(offset);
        (line + 1, prefix.chars().count() + 1)
    }

    /// A byte offset made safe (see [`Self::position`]), its zero-based
    /// line, and the text of that line before it.
    fn line_prefix(&self, offset: usize) -> (usize, usize, &str) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let mut line_start = self.line_starts.get(line).copied().unwrap_or(0);
        // A leading byte-order mark is ignored: no column counts it.
        if line_start == 0 && offset >= BOM.len() && self.text.starts_with(BOM) {
            line_start = BOM.len();
        }
        (
            offset,
            line,
            self.text.get(line_start..offset).unwrap_or(""),
        )
    }

    /// Where a byte offset is, in every unit an output format needs. This
    /// is the one conversion from offsets to lines and columns: the human
    /// renderer, the plan's provenance and every machine format agree
    /// because they all come here.
    ///
    /// An offset past the end is taken as the end, and one inside a
    /// multi-byte character as the start of that character, so that a stale
    /// span can never make a caller panic.
    pub fn position(&self, offset: usize) -> Position {
        let (offset, line, prefix) = self.line_prefix(offset);
        Position {
            offset,
            line: line + 1,
            column: prefix.chars().count() + 1,
            utf16_column: prefix.encode_utf16().count() + 1,
        }
    }

    /// The byte offset of a place given as a zero-based line and a
    /// zero-based column counted in `unit`: the inverse of
    /// [`SourceFile::position`], for editors that send places back. A line
    /// past the end is the end of the text; a column past the end of its
    /// line is the end of the line; a column inside a character (half of a
    /// UTF-16 surrogate pair, a byte inside a multi-byte character) is the
    /// start of that character. So no place a client sends can make a
    /// caller slice out of bounds.
    pub fn offset_at(&self, line: usize, column: usize, unit: ColumnUnit) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return self.text.len();
        };
        let mut line_text = self.line_text(line);
        // As in `position`, a leading byte-order mark takes no column.
        let start = match line_text.strip_prefix(BOM) {
            Some(rest) if start == 0 => {
                line_text = rest;
                BOM.len()
            }
            _ => start,
        };
        let mut counted = 0;
        for (idx, ch) in line_text.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if counted + width > column {
                return start + idx;
            }
            counted += width;
        }
        start + line_text.len()
    }

    /// The text of a zero-based line, without its line break.
    pub fn line_text(&self, line_index: usize) -> &str {
        let Some(&start) = self.line_starts.get(line_index) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = self.text.get(start..end).unwrap_or("");
        line.strip_suffix('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .unwrap_or(line)
    }

    /// The byte offsets where lines start.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// All files of one compilation, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    /// The file with this id, if there is one.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file with its id, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(idx, file)| (FileId(idx as u32), file))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// `offset_at` undoes `position` in every unit, and clamps what a
    /// client may send past a line or inside a character.
    #[test]
    fn offset_at_inverts_position() {
        let file = SourceFile::new("t", "a\u{e9}\u{1F680}b\r\nxy");
        for offset in [0, 1, 3, 7, 8] {
            let position = file.position(offset);
            let line = position.line - 1;
            assert_eq!(
                file.offset_at(line, position.utf16_column - 1, ColumnUnit::Utf16),
                offset
            );
            assert_eq!(
                file.offset_at(line, position.column - 1, ColumnUnit::Char),
                offset
            );
        }
        assert_eq!(file.offset_at(0, 4, ColumnUnit::Utf8), 3);
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(file.offset_at(0, 3, ColumnUnit::Utf16), 3);
        assert_eq!(file.offset_at(0, 99, ColumnUnit::Utf16), 8);
        assert_eq!(file.offset_at(1, 1, ColumnUnit::Utf16), 11);
        assert_eq!(file.offset_at(7, 0, ColumnUnit::Utf16), 12);
    }

    /// A leading byte-order mark takes no column, either way.
    #[test]
    fn a_leading_byte_order_mark_takes_no_column() {
        let file = SourceFile::new("t", "\u{FEFF}ab\ncd");
        assert_eq!(file.line_col(3), (1, 1));
        assert_eq!(file.line_col(4), (1, 2));
        assert_eq!(file.position(4).utf16_column, 2);
        assert_eq!(file.line_col(7), (2, 2));
        assert_eq!(file.offset_at(0, 0, ColumnUnit::Utf16), 3);
        assert_eq!(file.offset_at(0, 1, ColumnUnit::Char), 4);
        assert_eq!(file.offset_at(1, 1, ColumnUnit::Utf8), 7);
    }

    /// `é` is 2 bytes, 1 character, 1 UTF-16 unit; `日` is 3 bytes, 1
    /// character, 1 unit; `🚀` is 4 bytes, 1 character, 2 units. The three
    /// column kinds drift apart after each.
    #[test]
    fn positions_count_bytes_characters_and_utf16_units_apart() {
        let text = "first\n  x = \"é日🚀\" y\n";
        let file = SourceFile::new("f.pipe", text);
        let y = text.find('y').unwrap();
        assert_eq!(
            file.position(y),
            Position {
                offset: y,
                line: 2,
                column: 13,
                utf16_column: 14,
            }
        );
        // Bytes before it on its line: seven ASCII characters, 2 + 3 + 4 for
        // `é日🚀`, then two more: 18, so a byte column would be 19. All
        // three kinds of column differ.
        assert_eq!(y - file.line_starts()[1] + 1, 19);
        let rocket = text.find('🚀').unwrap();
        assert_eq!(file.position(rocket).column, 10);
        assert_eq!(file.position(rocket).utf16_column, 10);
        // Just after the rocket: one more character, two more units.
        assert_eq!(file.position(rocket + 4).column, 11);
        assert_eq!(file.position(rocket + 4).utf16_column, 12);
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_are_clamped() {
        let file = SourceFile::new("f.pipe", "a🚀\nb");
        // Offsets 2, 3 and 4 are inside the rocket: they mean its start.
        for inside in 2..5 {
            let position = file.position(inside);
            assert_eq!((position.offset, position.column), (1, 2), "{inside}");
        }
        let end = file.position(1000);
        assert_eq!((end.offset, end.line, end.column), (7, 2, 2));
        assert_eq!(file.line_col(6), (2, 1));
    }

    #[test]
    fn line_text_drops_the_line_break() {
        let file = SourceFile::new("f.pipe", "one\r\ntwo\nthree");
        assert_eq!(file.line_text(0), "one");
        assert_eq!(file.line_text(1), "two");
        assert_eq!(file.line_text(2), "three");
        assert_eq!(file.line_text(3), "");
    }
}
