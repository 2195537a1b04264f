//! What kind of value is being typed at the cursor, read from the text of
//! the statement being written. That statement is usually incomplete, so
//! the tree has nothing for it; only the words before the cursor on its
//! line (back to a `;` or a brace) are read here. Which body the
//! statement is in comes from the tree of the text without it
//! ([`blank_statement`]).

/// The kind of value expected at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// Inside `import "...`.
    ImportPath,
    /// The name after a member keyword (`stage |`): an inherited member of
    /// that kind. `member_start` is where the member's keyword begins.
    MemberName {
        /// `stage`, `wave`, `build`, ...
        keyword: &'static str,
        /// Offset of the keyword.
        member_start: usize,
        /// Whether `new` is already written.
        has_new: bool,
    },
    /// The value of a field: `NAME = |`.
    FieldValue {
        /// The field's name.
        field: String,
        /// Where in a region set or a plain value the cursor is.
        spot: Spot,
    },
    /// The regions of `exclude`.
    Exclude(Spot),
    /// An operand of an alarm expression (`rollback on`, `block on`,
    /// `alarm NAME =`).
    Alarm,
    /// The window a `window` member names.
    Window,
    /// The calendar an `include` names.
    Calendar,
    /// A profile: `under |`, `window W for profile |`.
    Profile,
    /// A policy rule: `deny |`, `exempt P from |`.
    Rule,
    /// The pipeline an `exempt` names.
    Pipeline,
    /// Inside a string other than an import's path: nothing to offer.
    InString,
    /// The artifacts a `deploy` names: builds.
    Artifact,
    /// The inputs of `build NAME from`: sources and builds.
    BuildInput,
    /// After the first word of a member that has no value context: the
    /// rest of a keyword of two words (`rollback` → `on`).
    KeywordRest(String),
    /// Past a member's first words where nothing is known to be expected.
    Nothing,
}

/// Where in a value the cursor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spot {
    /// Where a value or a set operand begins.
    Operand {
        /// Whether this is the start of the whole value.
        first: bool,
    },
    /// Where an item of a list begins (`[a, |`), with the words already
    /// in the list.
    ListItem(Vec<String>),
    /// After `where`, `and`, `or`, `not`, `(` in a condition: an attribute.
    Attribute,
    /// After `ATTR ==`, `ATTR !=` or in `ATTR in [`: a value of `ATTR`.
    AttributeValue(String),
    /// After a number: a duration's unit.
    AfterNumber,
    /// Anywhere else (after `take`, inside a string).
    Other,
}

/// The context at `offset` and the offset where the word being typed
/// begins (the range a completion replaces); `None` where the statement is
/// not one whose values are completed (then members may be).
pub fn context(text: &str, offset: usize) -> Option<(Context, usize)> {
    let statement = statement_start(text, offset);
    let before = text.get(statement..offset)?;
    let tokens = tokens(before, statement);
    // An unclosed string: only an import's path is completed in one.
    if let Some(last) = tokens.last()
        && last.kind == Kind::OpenString
    {
        let first = tokens.first()?;
        return Some(if first.text == "import" {
            (Context::ImportPath, last.start + 1)
        } else {
            (Context::InString, offset)
        });
    }
    let (typed_start, done): (usize, &[Token<'_>]) = match tokens.split_last() {
        Some((last, rest)) if last.kind == Kind::Word && last.start + last.text.len() == offset => {
            (last.start, rest)
        }
        _ => (offset, &tokens),
    };
    let typed = text.get(typed_start..offset).unwrap_or("");
    // Modifiers before the member.
    let mut words = done;
    let mut has_new = false;
    while let Some((first, rest)) = words.split_first() {
        match first.text {
            "abstract" | "final" => words = rest,
            "new" => {
                has_new = true;
                words = rest;
            }
            _ => break,
        }
    }
    let Some((first, rest)) = words.split_first() else {
        // Only the first word of a member is being typed.
        return None;
    };
    let last = done.last().map(|token| token.text);
    let found = match (first.text, rest) {
        (keyword, []) if NAMED.contains(&keyword) => Context::MemberName {
            keyword: NAMED.iter().find(|named| **named == keyword).copied()?,
            member_start: first.start,
            has_new,
        },
        ("rollback", [on, ..]) | ("block", [on, ..]) if on.text == "on" => {
            if matches!(last, Some("on" | "or" | "and" | "not" | "(" | ",")) {
                Context::Alarm
            } else {
                Context::Nothing
            }
        }
        ("alarm", [_, eq, ..]) if eq.text == "=" => {
            if matches!(last, Some("=" | "or" | "and" | "not" | "(")) {
                Context::Alarm
            } else {
                Context::Nothing
            }
        }
        ("window", []) => Context::Window,
        ("window", [_, .., profile]) if profile.text == "profile" => Context::Profile,
        ("include", []) => Context::Calendar,
        ("under", []) => Context::Profile,
        ("deny" | "warn" | "allow", _) if matches!(last, Some("deny" | "warn" | "allow" | ",")) => {
            Context::Rule
        }
        ("exempt", []) => Context::Pipeline,
        ("exempt", [_, from]) if from.text == "from" => Context::Rule,
        ("exclude", value) => Context::Exclude(spot(value, typed)),
        ("deploy", _) if matches!(last, Some("deploy" | ",")) => Context::Artifact,
        ("build", [_, from, ..]) if from.text == "from" && matches!(last, Some("from" | ",")) => {
            Context::BuildInput
        }
        (_, [eq, value @ ..]) if ASSIGN.contains(&eq.text) && first.kind == Kind::Word => {
            Context::FieldValue {
                field: first.text.to_string(),
                spot: spot(value, typed),
            }
        }
        // `NAME : TYPE = value`
        (_, [colon, after @ ..]) if colon.text == ":" => {
            match after.iter().position(|token| token.text == "=") {
                Some(eq) => Context::FieldValue {
                    field: first.text.to_string(),
                    spot: spot(after.get(eq + 1..).unwrap_or(&[]), typed),
                },
                None => Context::Nothing,
            }
        }
        // The second word of a keyword of two (`rollback on`, `by az`).
        (word, []) => Context::KeywordRest(word.to_string()),
        // Past the words a member begins with, member keywords would be
        // wrong: nothing is offered where no value is known.
        _ => Context::Nothing,
    };
    Some((found, typed_start))
}

/// Member keywords followed by a name that may be inherited.
const NAMED: &[&str] = &[
    "stage", "wave", "build", "test", "source", "profile", "alarm",
];

const ASSIGN: &[&str] = &["=", "+=", "-="];

/// Where in a value (its tokens before the word being typed) the cursor is.
fn spot(value: &[Token<'_>], typed: &str) -> Spot {
    if !typed.is_empty() && typed.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
        let last = typed.as_bytes().last().copied().unwrap_or(b'a');
        if typed.as_bytes().first().is_some_and(u8::is_ascii_digit) && last.is_ascii_digit() {
            return Spot::AfterNumber;
        }
    }
    // Inside a condition after `where`, until a set operator ends it.
    let mut in_condition = false;
    let mut brackets: Vec<usize> = Vec::new();
    for (idx, token) in value.iter().enumerate() {
        match token.text {
            "where" => in_condition = true,
            "take" | "union" | "intersect" | "minus" => in_condition = false,
            "[" | "(" => brackets.push(idx),
            "]" | ")" => {
                brackets.pop();
            }
            _ => {}
        }
    }
    let last = value.last().map(|token| token.text);
    let before = |back: usize| {
        value
            .len()
            .checked_sub(back)
            .and_then(|idx| value.get(idx))
            .map(|token| token.text)
    };
    if in_condition {
        return match last {
            Some("where" | "and" | "or" | "not" | "(") => Spot::Attribute,
            Some("==" | "!=") => {
                before(2).map_or(Spot::Other, |attr| Spot::AttributeValue(attr.to_string()))
            }
            Some("[" | ",") => {
                // `ATTR in [a, |`
                let open = brackets.last().copied();
                let attr = open
                    .and_then(|idx| idx.checked_sub(2))
                    .and_then(|idx| value.get(idx));
                let is_in = open
                    .and_then(|idx| idx.checked_sub(1))
                    .and_then(|idx| value.get(idx))
                    .is_some_and(|token| token.text == "in");
                match attr {
                    Some(attr) if is_in => Spot::AttributeValue(attr.text.to_string()),
                    _ => Spot::Other,
                }
            }
            _ => Spot::Other,
        };
    }
    let in_list = brackets
        .last()
        .and_then(|idx| value.get(*idx))
        .is_some_and(|token| token.text == "[");
    match last {
        None => Spot::Operand { first: true },
        Some("[" | ",") if in_list => {
            let open = brackets.last().copied().unwrap_or(0);
            let written = value
                .iter()
                .skip(open + 1)
                .filter(|token| token.kind == Kind::Word)
                .map(|token| token.text.to_string())
                .collect();
            Spot::ListItem(written)
        }
        Some("(" | "union" | "intersect" | "minus") => Spot::Operand { first: false },
        _ => Spot::Other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    String,
    OpenString,
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token<'t> {
    kind: Kind,
    text: &'t str,
    /// Offset in the whole text.
    start: usize,
}

fn is_word(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' || ch == '%'
}

/// Splits the statement's text before the cursor into words (identifiers,
/// numbers, region codes and rule ids with their `-`), strings and
/// punctuation. `base` is the offset of `text` in the file.
fn tokens(text: &str, base: usize) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        let token = |end: usize, kind| Token {
            kind,
            text: text.get(start..end).unwrap_or(""),
            start: base + start,
        };
        if ch.is_whitespace() {
            continue;
        }
        if ch == '"' {
            let mut escaped = false;
            let mut end = None;
            for (idx, next) in chars.by_ref() {
                match next {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(idx + 1);
                        break;
                    }
                    _ => {}
                }
            }
            out.push(match end {
                Some(end) => token(end, Kind::String),
                None => token(text.len(), Kind::OpenString),
            });
            continue;
        }
        if is_word(ch) {
            let mut end = start + ch.len_utf8();
            while let Some(&(idx, next)) = chars.peek() {
                // `-` joins words (`us-east-1`, `code-review`, and `us-`
                // being typed at the cursor) but not `-=`.
                let joins = next == '-'
                    && text.get(idx + 1..).is_some_and(|rest| {
                        rest.chars()
                            .next()
                            .is_none_or(|after| after.is_ascii_alphanumeric())
                    });
                if !is_word(next) && !joins {
                    break;
                }
                end = idx + next.len_utf8();
                chars.next();
            }
            out.push(token(end, Kind::Word));
            continue;
        }
        // Two-character operators.
        let pair = matches!(ch, '=' | '!' | '+' | '-' | '<' | '>')
            && chars.peek().is_some_and(|&(_, next)| next == '=');
        let end = if pair {
            chars.next();
            start + 2
        } else {
            start + ch.len_utf8()
        };
        out.push(token(end, Kind::Punct));
    }
    out
}

/// Where the statement holding `offset` begins: after the last `;`, `{`
/// or `}` outside strings on the cursor's line, else at the line's start.
fn statement_start(text: &str, offset: usize) -> usize {
    let offset = floor_boundary(text, offset);
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |idx| idx + 1);
    let mut start = line_start;
    let mut in_string = false;
    let mut escaped = false;
    for (idx, ch) in text.get(line_start..offset).unwrap_or("").char_indices() {
        match (in_string, ch) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (_, '"') => in_string = !in_string,
            (false, ';' | '{' | '}') => start = line_start + idx + 1,
            _ => {}
        }
    }
    start
}

/// Where the statement holding `offset` ends: before the next `}` or the
/// line's end, or after the next `;`, outside strings; a body the
/// statement opens (`stage | { ... }`) ends it after its closing brace.
fn statement_end(text: &str, offset: usize) -> usize {
    let offset = floor_boundary(text, offset);
    let mut in_string = text
        .get(statement_start(text, offset)..offset)
        .is_some_and(|before| before.chars().filter(|ch| *ch == '"').count() % 2 == 1);
    let mut escaped = false;
    for (idx, ch) in text.get(offset..).unwrap_or("").char_indices() {
        match (in_string, ch) {
            (_, '\n') => return offset + idx,
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (_, '"') => in_string = !in_string,
            (false, '}') => return offset + idx,
            (false, ';') => return offset + idx + 1,
            (false, '{') => return closing_brace(text, offset + idx),
            _ => {}
        }
    }
    text.len()
}

/// The offset after the brace that closes the one at `open`, outside
/// strings; the text's end when it never closes.
fn closing_brace(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (idx, ch) in text.get(open..).unwrap_or("").char_indices() {
        match (in_string, ch) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (_, '"') => in_string = !in_string,
            (false, '{') => depth += 1,
            (false, '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return open + idx + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The text with the statement holding `offset` turned into spaces, byte
/// for byte (line breaks kept), so that the declaration around it parses
/// and every other offset keeps its meaning.
pub fn blank_statement(text: &str, offset: usize) -> String {
    blanked(
        text,
        statement_start(text, offset)..statement_end(text, offset),
    )
}

/// `text` with every character in the byte range `range` but line breaks
/// turned into as many spaces as it has bytes, so that every offset and
/// position keeps its meaning.
pub fn blanked(text: &str, range: std::ops::Range<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    for (idx, ch) in text.char_indices() {
        if range.contains(&idx) && ch != '\r' && ch != '\n' {
            out.extend(std::iter::repeat_n(' ', ch.len_utf8()));
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_bytes_and_line_breaks() {
        assert_eq!(blanked("é🚀\r\nxy", 0..10), "      \r\n  ");
        assert_eq!(blanked("é🚀\r\nxy", 0..8), "      \r\nxy");
        assert_eq!(blanked("abc", 1..2), "a c");
    }

    fn at(text: &str) -> Option<Context> {
        let offset = text.find('|').unwrap_or(text.len());
        let text = text.replacen('|', "", 1);
        context(&text, offset).map(|(found, _)| found)
    }

    fn field(name: &str, spot: Spot) -> Option<Context> {
        Some(Context::FieldValue {
            field: name.to_string(),
            spot,
        })
    }

    #[test]
    fn reads_field_values_and_region_sets() {
        assert_eq!(
            at("  platform = |"),
            field("platform", Spot::Operand { first: true })
        );
        assert_eq!(
            at("  platform = ec|"),
            field("platform", Spot::Operand { first: true })
        );
        assert_eq!(at("  bake = 30|"), field("bake", Spot::AfterNumber));
        let text = "  regions = [us-";
        assert_eq!(context(text, text.len()).map(|(_, start)| start), Some(13));
        assert_eq!(
            at("wave w { regions = [us-east-1, us-w|"),
            field("regions", Spot::ListItem(vec!["us-east-1".to_string()]))
        );
        assert_eq!(
            at("  regions = aws where |"),
            field("regions", Spot::Attribute)
        );
        assert_eq!(
            at("  regions = aws where geo == eu and traffic == |"),
            field("regions", Spot::AttributeValue("traffic".to_string()))
        );
        assert_eq!(
            at("  regions = aws where traffic in [low, |"),
            field("regions", Spot::AttributeValue("traffic".to_string()))
        );
        assert_eq!(
            at("  regions = aws where geo == eu take |"),
            field("regions", Spot::Other)
        );
        assert_eq!(
            at("  x : bool = |"),
            field("x", Spot::Operand { first: true })
        );
    }

    #[test]
    fn reads_names_of_declarations_and_members() {
        assert_eq!(at("  rollback on |"), Some(Context::Alarm));
        assert_eq!(at("  block on a overridable, |"), Some(Context::Alarm));
        assert_eq!(at("alarm x = a or |"), Some(Context::Alarm));
        assert_eq!(at("  window |"), Some(Context::Window));
        assert_eq!(at("  window w for profile |"), Some(Context::Profile));
        assert_eq!(at("  include |"), Some(Context::Calendar));
        assert_eq!(at("  deny code-review, |"), Some(Context::Rule));
        assert_eq!(at("  exempt svc from co|"), Some(Context::Rule));
        assert_eq!(at("  exempt |"), Some(Context::Pipeline));
        assert_eq!(at("import \"std/|"), Some(Context::ImportPath));
        assert_eq!(
            at("  new stage ga|"),
            Some(Context::MemberName {
                keyword: "stage",
                member_start: 6,
                has_new: true
            })
        );
        // The first word of a member, or inside a string: not a value.
        assert_eq!(at("  pla|"), None);
        assert_eq!(at("  run = \"make |"), Some(Context::InString));
        assert_eq!(at("  rollback on a |"), Some(Context::Nothing));
        assert_eq!(at("  by |"), Some(Context::KeywordRest("by".to_string())));
        assert_eq!(at("  deploy a, |"), Some(Context::Artifact));
        assert_eq!(at("  build b from s, |"), Some(Context::BuildInput));
    }

    #[test]
    fn blanking_keeps_braces_of_other_statements_and_offsets() {
        let text = "wave w { regions = [é|]; bake = 2h }\n";
        let offset = text.find('|').unwrap_or(0);
        let blanked = blank_statement(text, offset);
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.starts_with("wave w {") && blanked.ends_with(" bake = 2h }\n"));
        assert!(!blanked.contains("regions"));
    }
}
