//! Positions between the protocol and the compiler. Every conversion goes
//! through [`SourceFile::position`] (offsets to places) and its inverse
//! [`SourceFile::offset_at`], so the server agrees with every other output
//! of the compiler about where a problem is.

use crate::source::{ColumnUnit, SourceFile, Span};
use lsp_types::{Position, PositionEncodingKind, Range};

/// The unit columns are counted in, negotiated at initialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16 code units: the protocol's default.
    Utf16,
    /// Bytes of UTF-8, when the client offers it.
    Utf8,
}

impl Encoding {
    /// UTF-8 when the client lists it (it is cheaper for both sides),
    /// else the default every client must support.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offers_utf8 = offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8));
        if offers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    /// The protocol's name for it.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }

    fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf16 => ColumnUnit::Utf16,
            Encoding::Utf8 => ColumnUnit::Utf8,
        }
    }
}

/// The protocol position of a byte offset.
pub fn position(file: &SourceFile, offset: usize, encoding: Encoding) -> Position {
    let place = file.position(offset);
    let column = match encoding {
        Encoding::Utf16 => place.utf16_column - 1,
        Encoding::Utf8 => {
            let line_start = file.line_starts().get(place.line - 1).copied().unwrap_or(0);
            place.offset.saturating_sub(line_start)
        }
    };
    Position {
        line: clamp_u32(place.line - 1),
        character: clamp_u32(column),
    }
}

/// The protocol range of a span.
pub fn range(file: &SourceFile, span: Span, encoding: Encoding) -> Range {
    let start = position(file, span.start(), encoding);
    let end = position(file, span.end().max(span.start()), encoding);
    Range { start, end }
}

/// The byte offset of a protocol position (clamped into the text).
pub fn offset(file: &SourceFile, position: Position, encoding: Encoding) -> usize {
    file.offset_at(
        position.line as usize,
        position.character as usize,
        encoding.unit(),
    )
}

/// The range of the whole text, for edits that replace it.
pub fn whole(file: &SourceFile, encoding: Encoding) -> Range {
    range(file, Span::new(0, file.text.len()), encoding)
}

fn clamp_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_negotiated_encoding() {
        let file = SourceFile::new("t", "x = \"é🚀\" y\n");
        let y = file.text.find('y').unwrap_or(0);
        let utf16 = position(&file, y, Encoding::Utf16);
        let utf8 = position(&file, y, Encoding::Utf8);
        assert_eq!((utf16.line, utf16.character), (0, 10));
        assert_eq!((utf8.line, utf8.character), (0, 13));
        assert_eq!(offset(&file, utf16, Encoding::Utf16), y);
        assert_eq!(offset(&file, utf8, Encoding::Utf8), y);
    }
}
