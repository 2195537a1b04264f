//! Mutations: bytes (flips, inserts, deletes, truncation), tokens of the
//! language spliced in, pieces of two seeds joined, and for JSON, edits of
//! the parsed value (keys deleted, types swapped, huge numbers, deep
//! nesting, long strings).

use crate::sim::generate::Rng;
use serde_json::{Map, Value};

/// Punctuation, literals and fragments the grammar treats specially; with
/// the keywords, the dictionary token splicing draws from.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    ":",
    ";",
    ",",
    ".",
    "..",
    "<=",
    ">=",
    "<",
    ">",
    "%",
    "/",
    "//",
    "\n",
    " ",
    "\t",
    "0",
    "1",
    "-1",
    "25%",
    "100%",
    "101%",
    "4294967296",
    "99999999999999999999",
    "1.5",
    "5m",
    "12h",
    "3d",
    "1w",
    "0s",
    "09:00",
    "23:59..00:00",
    "mon..fri",
    "\"x\"",
    "\"\"",
    "\"a\\\"b\\\\c\\n\"",
    "\"\\u{1F600}\"",
    "\"${x}\"",
    "\"${\"",
    "\"${a.b}\"",
    "\"unterminated",
    "ALARM(\"A\")",
    "or",
    "and",
    "not",
    "rest",
    "us-east-1",
    "std/calendars",
    "\u{feff}",
    "\u{00e9}",
    "\0",
];

fn pick_bytes(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    rng.pick(seeds).clone()
}

fn token(rng: &mut Rng) -> &'static str {
    let keywords = pipec::syntax::KEYWORDS;
    let index = rng.below((keywords.len() + TOKENS.len()) as u64) as usize;
    keywords
        .get(index)
        .or_else(|| TOKENS.get(index - keywords.len()))
        .copied()
        .unwrap_or(" ")
}

/// One to eight edits of one kind or another to a seed, or two seeds
/// spliced, or random bytes.
pub fn bytes(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = pick_bytes(rng, seeds);
    let edits = 1 + rng.below(8);
    for _ in 0..edits {
        edit(rng, &mut bytes, seeds);
    }
    bytes
}

fn edit(rng: &mut Rng, bytes: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = rng.below(bytes.len() as u64 + 1) as usize;
    match rng.below(9) {
        0 => {
            if let Some(byte) = bytes.get_mut(at) {
                *byte ^= 1 << rng.below(8);
            }
        }
        1 => bytes.insert(at, rng.next() as u8),
        2 => {
            let end = (at + 1 + rng.below(32) as usize).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        3 | 4 => {
            let token = token(rng);
            // Often beside a space, so that the token stands alone.
            let spaced = if rng.chance(50) {
                format!(" {token} ")
            } else {
                token.to_string()
            };
            bytes.splice(at..at, spaced.bytes());
        }
        5 => {
            // A piece of another seed, so constructs meet other contexts.
            let other = rng.pick(seeds);
            let from = rng.below(other.len() as u64 + 1) as usize;
            let to = (from + rng.below(200) as usize).min(other.len());
            bytes.splice(at..at, other[from..to].iter().copied());
        }
        6 => bytes.truncate(at),
        7 => {
            // A piece repeated: long lists, deep nesting.
            let end = (at + 1 + rng.below(16) as usize).min(bytes.len());
            let piece = bytes[at.min(end)..end].to_vec();
            for _ in 0..rng.below(64) {
                bytes.splice(at..at, piece.iter().copied());
            }
        }
        _ => {
            if rng.chance(10) {
                *bytes = (0..rng.below(256)).map(|_| rng.next() as u8).collect();
            }
        }
    }
}

/// Edits that keep most sources parsing: whitespace, comments and `;`
/// beside existing whitespace, and a line swapped or duplicated; then,
/// sometimes, a byte-level edit.
pub fn layout(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let text = String::from_utf8_lossy(rng.pick(seeds).as_slice()).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(6) {
        if lines.is_empty() {
            break;
        }
        let at = rng.below(lines.len() as u64) as usize;
        match rng.below(6) {
            0 => lines.insert(at, String::new()),
            1 => lines[at].push_str(" // note"),
            2 => lines.insert(at, "// note".to_string()),
            3 => lines[at] = format!("  {}  ", lines[at]),
            4 => lines[at] = lines[at].replace(' ', "\t"),
            _ => lines[at] = lines[at].replacen(' ', " ; ", 1),
        }
    }
    let mut bytes = lines.join("\n").into_bytes();
    if rng.chance(30) {
        edit(rng, &mut bytes, seeds);
    }
    bytes
}

/// A JSON seed parsed and edited as a value, or (a fifth of the time)
/// edited as bytes.
pub fn json(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let seed = rng.pick(seeds);
    let Ok(mut value) = serde_json::from_slice::<Value>(seed) else {
        return bytes(rng, seeds);
    };
    if rng.chance(20) {
        return bytes(rng, seeds);
    }
    for _ in 0..1 + rng.below(4) {
        let count = count_nodes(&value);
        let target = rng.below(count as u64) as usize;
        let replacement = new_value(rng, seeds);
        edit_node(&mut value, target, rng, replacement);
    }
    let text = if rng.chance(50) {
        serde_json::to_string(&value)
    } else {
        serde_json::to_string_pretty(&value)
    };
    text.unwrap_or_default().into_bytes()
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// A value to put somewhere: of another type, huge, deep, long, or a
/// piece of another seed.
fn new_value(rng: &mut Rng, seeds: &[Vec<u8>]) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => Value::from(u64::MAX),
        3 => Value::from(i64::MIN),
        4 => serde_json::from_str("1e308").unwrap_or(Value::Null),
        5 => Value::from(-1),
        6 => Value::from(0),
        7 => Value::String("x".repeat(rng.below(100_000) as usize)),
        8 => {
            let mut deep = Value::Null;
            for _ in 0..rng.below(200) {
                deep = if rng.chance(50) {
                    Value::Array(vec![deep])
                } else {
                    Value::Object(Map::from_iter([("k".to_string(), deep)]))
                };
            }
            deep
        }
        9 => Value::String(token(rng).to_string()),
        10 => Value::String(
            [
                "2027-01-25T09:00:00Z",
                "9999-12-31T23:59:59Z",
                "PT5M",
                "5m",
                "-1h",
                "",
            ][rng.below(6) as usize]
                .to_string(),
        ),
        _ => {
            // A subtree of some seed: valid in some place, not this one.
            let seed = rng.pick(seeds);
            serde_json::from_slice::<Value>(seed)
                .ok()
                .and_then(|value| {
                    let count = count_nodes(&value);
                    node(&value, rng.below(count as u64) as usize).cloned()
                })
                .unwrap_or(Value::Null)
        }
    }
}

fn node(value: &Value, mut index: usize) -> Option<&Value> {
    if index == 0 {
        return Some(value);
    }
    index -= 1;
    let children: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => return None,
    };
    for child in children {
        let size = count_nodes(child);
        if index < size {
            return node(child, index);
        }
        index -= size;
    }
    None
}

/// The `index`th node (pre-order): replaced, or, in its parent, deleted
/// or duplicated.
fn edit_node(value: &mut Value, index: usize, rng: &mut Rng, replacement: Value) {
    if index == 0 {
        *value = replacement;
        return;
    }
    let mut index = index - 1;
    match value {
        Value::Array(items) => {
            for position in 0..items.len() {
                let size = count_nodes(&items[position]);
                if index == 0 && rng.chance(40) {
                    if rng.chance(50) {
                        items.remove(position);
                    } else {
                        let copy = items[position].clone();
                        items.insert(position, copy);
                    }
                    return;
                }
                if index < size {
                    edit_node(&mut items[position], index, rng, replacement);
                    return;
                }
                index -= size;
            }
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let size = map.get(&key).map_or(0, count_nodes);
                if index == 0 && rng.chance(40) {
                    if rng.chance(70) {
                        map.remove(&key);
                    } else {
                        map.insert(format!("{key}_unknown"), Value::Null);
                    }
                    return;
                }
                if index < size {
                    if let Some(child) = map.get_mut(&key) {
                        edit_node(child, index, rng, replacement);
                    }
                    return;
                }
                index -= size;
            }
        }
        _ => {}
    }
}
