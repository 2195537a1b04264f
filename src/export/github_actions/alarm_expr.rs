//! Reads a CloudWatch composite alarm expression (the plan's `alarm`
//! text: `ALARM("A") OR NOT (OK("B") AND TRUE)`) into a tree that the
//! workflow's gate program evaluates against the alarms' current states.
//! The tree is JSON data, not code: the runner never evaluates text taken
//! from the plan.
//!
//! Tree nodes are arrays: `["state", STATE, NAME]` (`STATE` is `ALARM`,
//! `OK` or `INSUFFICIENT_DATA`), `["const", BOOL]`, `["not", X]`,
//! `["and", X, Y]`, `["or", X, Y]`.

use serde_json::{Value, json};

/// The deepest nesting read; deeper input is refused rather than risking
/// the stack.
const MAX_DEPTH: usize = 64;

/// An expression read into a tree, with the alarm names it mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmTree {
    /// The tree, as described in the module documentation.
    pub tree: Value,
    /// Every alarm name mentioned, sorted, each once.
    pub names: Vec<String>,
}

/// Reads an expression; `None` when it is not in the syntax above.
pub fn parse(text: &str) -> Option<AlarmTree> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        names: Vec::new(),
    };
    let tree = parser.or(0)?;
    if parser.position != parser.tokens.len() {
        return None;
    }
    let mut names = parser.names;
    names.sort();
    names.dedup();
    Some(AlarmTree { tree, names })
}

/// The approximation used when an expression cannot be read: every quoted
/// name in it, blocking when any of them is in ALARM.
pub fn any_quoted_name(text: &str) -> AlarmTree {
    let mut names: Vec<String> = text
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    let mut tree = vec![json!("or"), json!(["const", false])];
    tree.extend(names.iter().map(|name| json!(["state", "ALARM", name])));
    AlarmTree {
        tree: Value::Array(tree),
        names,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut quoted = String::new();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => quoted.push(chars.next()?),
                        other => quoted.push(other),
                    }
                }
                tokens.push(Token::Quoted(quoted));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '_') {
                        break;
                    }
                    word.push(c.to_ascii_uppercase());
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            _ => return None,
        }
    }
    Some(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    names: Vec<String>,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.position), Some(Token::Word(w)) if w == word)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn or(&mut self, depth: usize) -> Option<Value> {
        let mut left = self.and(depth)?;
        while self.peek_word("OR") {
            self.position += 1;
            let right = self.and(depth)?;
            left = json!(["or", left, right]);
        }
        Some(left)
    }

    fn and(&mut self, depth: usize) -> Option<Value> {
        let mut left = self.unary(depth)?;
        while self.peek_word("AND") {
            self.position += 1;
            let right = self.unary(depth)?;
            left = json!(["and", left, right]);
        }
        Some(left)
    }

    fn unary(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.next()? {
            Token::Word(word) if word == "NOT" => Some(json!(["not", self.unary(depth + 1)?])),
            Token::Word(word) if word == "TRUE" => Some(json!(["const", true])),
            Token::Word(word) if word == "FALSE" => Some(json!(["const", false])),
            Token::Word(state)
                if ["ALARM", "OK", "INSUFFICIENT_DATA"].contains(&state.as_str()) =>
            {
                let (Token::Open, Token::Quoted(name), Token::Close) =
                    (self.next()?, self.next()?, self.next()?)
                else {
                    return None;
                };
                self.names.push(name.clone());
                Some(json!(["state", state, name]))
            }
            Token::Open => {
                let inner = self.or(depth + 1)?;
                matches!(self.next()?, Token::Close).then_some(inner)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_composite_syntax() {
        let tree = parse(r#"ALARM("A") and not (OK("B") OR ALARM("A"))"#).expect("parses");
        assert_eq!(tree.names, ["A", "B"]);
        assert_eq!(
            tree.tree,
            json!([
                "and",
                ["state", "ALARM", "A"],
                ["not", ["or", ["state", "OK", "B"], ["state", "ALARM", "A"]]]
            ])
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for text in [
            "",
            "ALARM(A)",
            r#"ANOMALY("A")"#,
            r#"ALARM("A") OR"#,
            r#"(ALARM("A")"#,
            r#"ALARM("A"#,
            "ALARM(\"A\") % 2",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        let deep = format!("{}TRUE", "NOT ".repeat(1000));
        assert_eq!(parse(&deep), None);
    }

    #[test]
    fn the_fallback_blocks_on_any_quoted_name() {
        let tree = any_quoted_name(r#"ANOMALY("B") + ALARM("A")"#);
        assert_eq!(tree.names, ["A", "B"]);
    }
}
