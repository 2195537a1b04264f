//! Compact JSON, byte for byte as serde_json writes it, for the plans
//! `compile` writes by the thousand.
//!
//! A plan of the race's services holds about 5,100 strings of 11 bytes on
//! average, and 3,100 of them are object keys, so what serde_json spends
//! is per string: it looks every byte up in a table, keys included, and
//! writes the quotes, the `,` and the `:` one call each. This serializer
//! checks eight bytes at a time for anything JSON escapes and writes a
//! clean string, or a key with its `,` and `:`, in one go. What has to be
//! escaped goes through serde_json's escapes and every number through its
//! formatter; a value this serializer does not write itself (one with an
//! object key that is not a string) is handed to serde_json whole by
//! [`write()`]. So the bytes never differ, which `tests/compact_json.rs`
//! holds it to on every plan of the repository.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

/// Appends `value`'s compact JSON to `out`, exactly as
/// `serde_json::to_writer` would.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    let start = out.len();
    if value.serialize(Compact { out: &mut *out }).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    serde_json::to_writer(out, value)
}

/// Why [`Compact`] left a value to serde_json.
#[derive(Debug)]
struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

type Done = Result<(), Unsupported>;

/// Whether any byte of `word` is a control character, `"` or `\`: the
/// bytes JSON escapes. Exact as a yes or no (a byte at or above 0x80 is
/// none of them).
#[inline(always)]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20);
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let found =
        below_space | quote.wrapping_sub(ONES) & !quote | backslash.wrapping_sub(ONES) & !backslash;
    found & !word & HIGH != 0
}

#[inline(always)]
fn byte_needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether `bytes` hold anything JSON escapes, eight at a time (the last
/// eight overlapping the ones before; four and four below eight).
#[inline(always)]
fn needs_escape(bytes: &[u8]) -> bool {
    if let Some(last) = bytes.last_chunk::<8>() {
        let mut chunks = bytes.chunks_exact(8);
        let found = chunks.any(|chunk| {
            chunk
                .first_chunk::<8>()
                .is_none_or(|word| word_needs_escape(u64::from_le_bytes(*word)))
        });
        found || !chunks.remainder().is_empty() && word_needs_escape(u64::from_le_bytes(*last))
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let word =
            u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32;
        word_needs_escape(word)
    } else {
        bytes.iter().any(|&byte| byte_needs_escape(byte))
    }
}

/// Appends `bytes`, those of 4 to 64 without a call to `memcpy`: as two
/// copies of a known size, overlapping, which are a store or two each.
/// Most strings of a plan are that short, and the call cost more than
/// the copy.
#[inline(always)]
fn append(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        0..4 => {
            for &byte in bytes {
                out.push(byte);
            }
        }
        4..=8 => overlapping::<4>(out, bytes),
        9..=16 => overlapping::<8>(out, bytes),
        17..=32 => overlapping::<16>(out, bytes),
        33..=64 => overlapping::<32>(out, bytes),
        _ => out.extend_from_slice(bytes),
    }
}

/// Appends `bytes`, of `N` to twice `N`, as their first `N` and their
/// last `N`.
#[inline(always)]
fn overlapping<const N: usize>(out: &mut Vec<u8>, bytes: &[u8]) {
    if let (Some(first), Some(last)) = (bytes.first_chunk::<N>(), bytes.last_chunk::<N>()) {
        let end = out.len() + bytes.len();
        out.extend_from_slice(first);
        out.truncate(end - N);
        out.extend_from_slice(last);
    }
}

/// Writes `text` as a JSON string.
#[inline(always)]
fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if needs_escape(bytes) {
        escaped(out, bytes);
    } else {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        append(out, bytes);
        out.push(b'"');
    }
}

/// Writes a string that needs escaping, with serde_json's escapes, so
/// that the bytes are its own.
#[cold]
#[inline(never)]
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut formatter = CompactFormatter;
    let _ = formatter.begin_string(out);
    let mut clean_from = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if !byte_needs_escape(byte) {
            continue;
        }
        if let Some(clean) = bytes.get(clean_from..at) {
            out.extend_from_slice(clean);
        }
        let _ = formatter.write_char_escape(out, escape_of(byte));
        clean_from = at + 1;
    }
    if let Some(clean) = bytes.get(clean_from..) {
        out.extend_from_slice(clean);
    }
    let _ = formatter.end_string(out);
}

/// How serde_json escapes `byte`, one that needs it.
fn escape_of(byte: u8) -> serde_json::ser::CharEscape {
    use serde_json::ser::CharEscape;
    match byte {
        b'"' => CharEscape::Quote,
        b'\\' => CharEscape::ReverseSolidus,
        0x08 => CharEscape::Backspace,
        0x0c => CharEscape::FormFeed,
        b'\n' => CharEscape::LineFeed,
        b'\r' => CharEscape::CarriageReturn,
        b'\t' => CharEscape::Tab,
        _ => CharEscape::AsciiControl(byte),
    }
}

/// Writes an object's key and its `:`, after a `,` unless it is the
/// first.
#[inline(always)]
fn key(out: &mut Vec<u8>, first: bool, key: &str) {
    let bytes = key.as_bytes();
    if needs_escape(bytes) {
        if !first {
            out.push(b',');
        }
        escaped(out, bytes);
        out.push(b':');
        return;
    }
    out.reserve(bytes.len() + 4);
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    append(out, bytes);
    out.extend_from_slice(b"\":");
}

/// The serializer: `out` is where the JSON goes.
struct Compact<'a> {
    out: &'a mut Vec<u8>,
}

/// A list or an object being written, and whether nothing is in it yet.
struct Open<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// What closes it: `]`, `}`, or `}}` for a variant's body.
    close: &'static [u8],
}

impl<'a> Open<'a> {
    fn new(out: &'a mut Vec<u8>, open: &[u8], close: &'static [u8]) -> Self {
        out.extend_from_slice(open);
        Open {
            out,
            first: true,
            close,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Compact { out: self.out })
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Done {
        key(self.out, self.first, name);
        self.first = false;
        value.serialize(Compact { out: self.out })
    }

    fn end(self) -> Done {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a> Compact<'a> {
    fn list(self) -> Open<'a> {
        Open::new(self.out, b"[", b"]")
    }

    fn object(self) -> Open<'a> {
        Open::new(self.out, b"{", b"}")
    }
}

/// Opens `{"variant":` and what follows it.
fn variant<'a>(out: &'a mut Vec<u8>, variant: &str, open: &[u8], close: &'static [u8]) -> Open<'a> {
    out.push(b'{');
    key(out, true, variant);
    Open::new(out, open, close)
}

macro_rules! numbers {
    ($($method:ident: $type:ty => $write:ident),* $(,)?) => {
        $(
            fn $method(self, value: $type) -> Done {
                let _ = CompactFormatter.$write(self.out, value);
                Ok(())
            }
        )*
    };
}

impl<'a> ser::Serializer for Compact<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Open<'a>;
    type SerializeTuple = Open<'a>;
    type SerializeTupleStruct = Open<'a>;
    type SerializeTupleVariant = Open<'a>;
    type SerializeMap = Open<'a>;
    type SerializeStruct = Open<'a>;
    type SerializeStructVariant = Open<'a>;

    numbers! {
        serialize_i8: i8 => write_i8,
        serialize_i16: i16 => write_i16,
        serialize_i32: i32 => write_i32,
        serialize_i64: i64 => write_i64,
        serialize_i128: i128 => write_i128,
        serialize_u8: u8 => write_u8,
        serialize_u16: u16 => write_u16,
        serialize_u32: u32 => write_u32,
        serialize_u64: u64 => write_u64,
        serialize_u128: u128 => write_u128,
    }

    fn serialize_bool(self, value: bool) -> Done {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Done {
        if value.is_finite() {
            let _ = CompactFormatter.write_f32(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Done {
        if value.is_finite() {
            let _ = CompactFormatter.write_f64(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    fn serialize_char(self, value: char) -> Done {
        string(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Done {
        string(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Done {
        let mut list = self.list();
        for byte in value {
            list.element(byte)?;
        }
        list.end()
    }

    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Done {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        value: &T,
    ) -> Done {
        let body = variant(self.out, name, b"", b"}");
        value.serialize(Compact { out: body.out })?;
        body.end()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Open<'a>, Unsupported> {
        Ok(self.list())
    }

    fn serialize_tuple(self, _: usize) -> Result<Open<'a>, Unsupported> {
        Ok(self.list())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Open<'a>, Unsupported> {
        Ok(self.list())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Open<'a>, Unsupported> {
        Ok(variant(self.out, name, b"[", b"]}"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Open<'a>, Unsupported> {
        Ok(self.object())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Open<'a>, Unsupported> {
        Ok(self.object())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        name: &'static str,
        _: usize,
    ) -> Result<Open<'a>, Unsupported> {
        Ok(variant(self.out, name, b"{", b"}}"))
    }
}

/// The four ways serde writes a list, each an element at a time.
macro_rules! lists {
    ($($trait:ident::$method:ident),* $(,)?) => {
        $(
            impl ser::$trait for Open<'_> {
                type Ok = ();
                type Error = Unsupported;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                    self.element(value)
                }

                fn end(self) -> Done {
                    Open::end(self)
                }
            }
        )*
    };
}

lists! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
}

impl ser::SerializeMap for Open<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, name: &T) -> Done {
        name.serialize(KeyWriter {
            out: self.out,
            first: self.first,
        })?;
        self.first = false;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(Compact { out: self.out })
    }

    fn end(self) -> Done {
        Open::end(self)
    }
}

/// The two ways serde writes a struct, each a named field at a time.
macro_rules! structs {
    ($($trait:ident),* $(,)?) => {
        $(
            impl ser::$trait for Open<'_> {
                type Ok = ();
                type Error = Unsupported;

                fn serialize_field<T: Serialize + ?Sized>(
                    &mut self,
                    name: &'static str,
                    value: &T,
                ) -> Done {
                    self.field(name, value)
                }

                fn end(self) -> Done {
                    Open::end(self)
                }
            }
        )*
    };
}

structs!(SerializeStruct, SerializeStructVariant);

/// Writes an object key and its `:`: a string as it is, and a unit
/// variant or a newtype of one as its name; any other key (serde_json
/// quotes numbers and more) is left to serde_json.
struct KeyWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

/// What [`KeyWriter`] leaves to serde_json.
macro_rules! not_a_key {
    ($($method:ident($($argument:ty),*)),* $(,)?) => {
        $(
            fn $method(self, $(_: $argument),*) -> Done {
                Err(Unsupported)
            }
        )*
    };
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    not_a_key! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64), serialize_u128(u128), serialize_f32(f32),
        serialize_f64(f64), serialize_char(char), serialize_bytes(&[u8]), serialize_none(),
        serialize_unit(), serialize_unit_struct(&'static str),
    }

    fn serialize_str(self, text: &str) -> Done {
        key(self.out, self.first, text);
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
        self.serialize_str(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Done {
        Err(Unsupported)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Done {
        Err(Unsupported)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::write;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// `value` as [`write`] writes it, after checking that it is what
    /// serde_json writes.
    fn same<T: Serialize + ?Sized>(value: &T) -> String {
        let mut ours = b"prefix".to_vec();
        write(&mut ours, value).unwrap();
        let theirs = serde_json::to_vec(value).unwrap();
        let ours = ours.strip_prefix(b"prefix").unwrap();
        assert_eq!(
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(&theirs)
        );
        String::from_utf8(theirs).unwrap()
    }

    #[test]
    fn every_byte_that_json_escapes_is_escaped_at_every_place_of_strings_of_every_length() {
        for special in (0u8..0x20).chain([b'"', b'\\', 0x7f, b'/', b' ']) {
            for length in 1..70 {
                for at in 0..length {
                    let mut text = vec![b'a'; length];
                    if let Some(byte) = text.get_mut(at) {
                        *byte = special;
                    }
                    same(std::str::from_utf8(&text).unwrap());
                }
            }
        }
        assert_eq!(same("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\u0001""#);
    }

    #[test]
    fn text_beyond_ascii_is_written_as_it_is() {
        for text in [
            "",
            "é",
            "zoné",
            "日本語のテキスト",
            "emoji 🚀 and \u{7f}",
            "\u{80}\u{ff}",
        ] {
            same(text);
            same(&text.repeat(9));
        }
        same(&'é');
        same(&'"');
    }

    #[test]
    fn numbers_are_serde_json_s() {
        same(&[0.5, 12.34, 1e300, -0.0, 3.0]);
        same(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        same(&[1.5f32, f32::NAN]);
        same(&(i64::MIN, u64::MAX, i128::MIN, u128::MAX, -1i8, 255u8));
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(u32, String),
        Struct {
            name: &'static str,
            list: Vec<Shape>,
        },
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Tagged {
        One { value: Option<u32> },
        Other,
    }

    #[derive(Serialize)]
    struct Flat {
        id: &'static str,
        #[serde(flatten)]
        rest: BTreeMap<String, bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<u32>,
        unit: (),
        empty: Vec<u8>,
        bytes: serde_bytes_like::Bytes,
    }

    /// Bytes serialized as bytes (serde_json writes a list of numbers).
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn every_shape_serde_derives_is_serde_json_s() {
        same(&Shape::Unit);
        same(&Shape::Newtype(7));
        same(&Shape::Tuple(1, "x".into()));
        same(&Shape::Struct {
            name: "n",
            list: vec![Shape::Unit, Shape::Newtype(2)],
        });
        same(&vec![
            Tagged::One { value: None },
            Tagged::One { value: Some(3) },
            Tagged::Other,
        ]);
        same(&Flat {
            id: "flat",
            rest: BTreeMap::from([("b".to_string(), true), ("a\"q".to_string(), false)]),
            absent: None,
            unit: (),
            empty: Vec::new(),
            bytes: serde_bytes_like::Bytes(vec![0, 1, 255]),
        });
        same(&BTreeMap::<String, u32>::new());
        same(&Vec::<u32>::new());
    }

    #[test]
    fn keys_that_are_not_strings_are_left_to_serde_json() {
        // serde_json quotes these; the writer hands the whole value over.
        assert_eq!(
            same(&BTreeMap::from([(1, "one"), (2, "two")])),
            r#"{"1":"one","2":"two"}"#
        );
        same(&BTreeMap::from([('c', 1)]));
        same(&vec![BTreeMap::from([(true, 1)])]);
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        enum Key {
            First,
        }
        same(&BTreeMap::from([(Key::First, 1)]));
    }
}
