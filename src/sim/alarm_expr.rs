//! Alarm expressions in CloudWatch composite-alarm syntax, as the plan
//! writes them: `ALARM("A") OR (ALARM("B") AND NOT ALARM("C"))`.
//!
//! A small, total parser (any text gives an expression or an error with a
//! byte offset, never a panic) and an evaluator over any source of alarm
//! states. Both are pure: the simulator asks a scenario's timeline for
//! states, and a real engine would ask CloudWatch.
//!
//! Grammar (keywords in any case, as CloudWatch reads them):
//!
//! ```text
//! expr  = and ("OR" and)*
//! and   = unary ("AND" unary)*
//! unary = "NOT" unary | "(" expr ")" | "TRUE" | "FALSE"
//!       | ("ALARM" | "OK" | "INSUFFICIENT_DATA") "(" name ")"
//! name  = "..." (with \" and \\ escapes) | characters up to ")"
//! ```

/// The state of one CloudWatch alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    /// Within its threshold.
    Ok,
    /// Breaching its threshold.
    Alarm,
    /// Not enough data to tell.
    InsufficientData,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `TRUE` or `FALSE`.
    Constant(bool),
    /// `ALARM("X")`, `OK("X")` or `INSUFFICIENT_DATA("X")`: true while the
    /// named alarm is in that state.
    Is(AlarmState, String),
    /// `NOT e`.
    Not(Box<Expr>),
    /// `a AND b AND ...`: true when all are.
    All(Vec<Expr>),
    /// `a OR b OR ...`: true when any is.
    Any(Vec<Expr>),
}

/// Why a text is not an alarm expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the text where the problem is.
    pub offset: usize,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// How deeply parentheses and `NOT`s may nest: far beyond any real alarm,
/// and low enough that neither parsing nor evaluating can exhaust a stack.
pub const MAX_DEPTH: usize = 64;

/// Parses an expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
        end: text.len(),
    };
    let expr = parser.or(0)?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(ParseError {
            offset: token.offset,
            message: format!("expected `AND`, `OR` or the end, found {}", token.kind),
        }),
    }
}

impl Expr {
    /// Whether the expression is true, given each alarm's state.
    pub fn evaluate(&self, state: &mut impl FnMut(&str) -> AlarmState) -> bool {
        match self {
            Expr::Constant(value) => *value,
            Expr::Is(wanted, name) => state(name) == *wanted,
            Expr::Not(inner) => !inner.evaluate(state),
            Expr::All(parts) => parts.iter().all(|part| part.evaluate(state)),
            Expr::Any(parts) => parts.iter().any(|part| part.evaluate(state)),
        }
    }

    /// Every alarm name the expression reads, each once, sorted.
    pub fn names(&self) -> std::collections::BTreeSet<&str> {
        let mut names = std::collections::BTreeSet::new();
        let mut pending = vec![self];
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Constant(_) => {}
                Expr::Is(_, name) => {
                    names.insert(name.as_str());
                }
                Expr::Not(inner) => pending.push(inner),
                Expr::All(parts) | Expr::Any(parts) => pending.extend(parts),
            }
        }
        names
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TokenKind {
    Open,
    Close,
    Word(String),
    Quoted(String),
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenKind::Open => f.write_str("`(`"),
            TokenKind::Close => f.write_str("`)`"),
            TokenKind::Word(word) => write!(f, "`{word}`"),
            TokenKind::Quoted(text) => write!(f, "the string \"{text}\""),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    offset: usize,
}

/// Splits the text into parentheses, words and quoted strings. A word is
/// a run of anything else but whitespace, so that an unquoted alarm name
/// (`ALARM(Cpu-High)`) is one word.
fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(offset, ch)) = chars.peek() {
        match ch {
            _ if ch.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                let kind = if ch == '(' {
                    TokenKind::Open
                } else {
                    TokenKind::Close
                };
                tokens.push(Token { kind, offset });
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                let mut closed = false;
                while let Some((_, ch)) = chars.next() {
                    match ch {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => break,
                        },
                        _ => value.push(ch),
                    }
                }
                if !closed {
                    return Err(ParseError {
                        offset,
                        message: "this string has no closing `\"`".to_string(),
                    });
                }
                tokens.push(Token {
                    kind: TokenKind::Quoted(value),
                    offset,
                });
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if ch.is_whitespace() || matches!(ch, '(' | ')' | '"') {
                        break;
                    }
                    word.push(ch);
                    chars.next();
                }
                tokens.push(Token {
                    kind: TokenKind::Word(word),
                    offset,
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    /// The text's length, where "the end" is reported.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        if token.is_some() {
            self.position += 1;
        }
        token
    }

    fn offset(&self) -> usize {
        self.peek().map_or(self.end, |token| token.offset)
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Word(word), .. }) if word.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut parts = vec![self.and(depth)?];
        while self.at_keyword("OR") {
            self.next();
            parts.push(self.and(depth)?);
        }
        Ok(flatten(parts, Expr::Any))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut parts = vec![self.unary(depth)?];
        while self.at_keyword("AND") {
            self.next();
            parts.push(self.unary(depth)?);
        }
        Ok(flatten(parts, Expr::All))
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(ParseError {
                offset: self.offset(),
                message: format!("nested more than {MAX_DEPTH} levels deep"),
            });
        }
        let offset = self.offset();
        let Some(token) = self.next() else {
            return Err(ParseError {
                offset,
                message: "expected an alarm, `NOT` or `(`, found the end".to_string(),
            });
        };
        match token.kind {
            TokenKind::Open => {
                let inner = self.or(depth + 1)?;
                self.expect_close("`(`", token.offset)?;
                Ok(inner)
            }
            TokenKind::Word(word) if word.eq_ignore_ascii_case("NOT") => {
                Ok(Expr::Not(Box::new(self.unary(depth + 1)?)))
            }
            TokenKind::Word(word) if word.eq_ignore_ascii_case("TRUE") => Ok(Expr::Constant(true)),
            TokenKind::Word(word) if word.eq_ignore_ascii_case("FALSE") => {
                Ok(Expr::Constant(false))
            }
            TokenKind::Word(word) => {
                let state = if word.eq_ignore_ascii_case("ALARM") {
                    AlarmState::Alarm
                } else if word.eq_ignore_ascii_case("OK") {
                    AlarmState::Ok
                } else if word.eq_ignore_ascii_case("INSUFFICIENT_DATA") {
                    AlarmState::InsufficientData
                } else {
                    return Err(ParseError {
                        offset: token.offset,
                        message: format!(
                            "expected `ALARM`, `OK`, `INSUFFICIENT_DATA`, `NOT`, `TRUE`, `FALSE` or `(`, found `{word}`"
                        ),
                    });
                };
                let name = self.argument(&word, token.offset)?;
                Ok(Expr::Is(state, name))
            }
            other => Err(ParseError {
                offset: token.offset,
                message: format!("expected an alarm, `NOT` or `(`, found {other}"),
            }),
        }
    }

    /// `( name )` after a state function.
    fn argument(&mut self, function: &str, at: usize) -> Result<String, ParseError> {
        let offset = self.offset();
        match self.next() {
            Some(Token {
                kind: TokenKind::Open,
                ..
            }) => {}
            _ => {
                return Err(ParseError {
                    offset,
                    message: format!("expected `(` after `{function}`"),
                });
            }
        }
        let offset = self.offset();
        let name = match self.next() {
            Some(Token {
                kind: TokenKind::Quoted(name) | TokenKind::Word(name),
                ..
            }) if !name.is_empty() => name,
            _ => {
                return Err(ParseError {
                    offset,
                    message: format!("`{function}(...)` needs an alarm name"),
                });
            }
        };
        self.expect_close(&format!("`{function}(`"), at)?;
        Ok(name)
    }

    fn expect_close(&mut self, opened: &str, opened_at: usize) -> Result<(), ParseError> {
        let offset = self.offset();
        match self.next() {
            Some(Token {
                kind: TokenKind::Close,
                ..
            }) => Ok(()),
            Some(token) => Err(ParseError {
                offset,
                message: format!(
                    "expected `)` to close the {opened} at byte {opened_at}, found {}",
                    token.kind
                ),
            }),
            None => Err(ParseError {
                offset,
                message: format!("the {opened} at byte {opened_at} is never closed"),
            }),
        }
    }
}

/// One part is itself; several are combined.
fn flatten(mut parts: Vec<Expr>, combine: fn(Vec<Expr>) -> Expr) -> Expr {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    combine(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn holds(text: &str, firing: &[&str]) -> bool {
        parse(text).unwrap().evaluate(&mut |name| {
            if firing.contains(&name) {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            }
        })
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let text = r#"ALARM("A") OR ALARM("B") AND NOT ALARM("C")"#;
        assert!(holds(text, &["A"]));
        assert!(holds(text, &["B"]));
        assert!(!holds(text, &["B", "C"]));
        assert!(holds(text, &["A", "B", "C"]));
        let grouped = r#"(ALARM("A") OR ALARM("B")) AND NOT ALARM("C")"#;
        assert!(!holds(grouped, &["A", "C"]));
        assert!(holds(grouped, &["A"]));
    }

    #[test]
    fn constants_states_and_bare_names() {
        assert!(holds("TRUE", &[]));
        assert!(!holds("FALSE OR false", &[]));
        assert!(holds("OK(\"A\")", &[]));
        assert!(!holds("OK(\"A\")", &["A"]));
        assert!(!holds("INSUFFICIENT_DATA(\"A\")", &[]));
        assert!(holds(
            "alarm(Cpu-High) and not ok(Disk)",
            &["Cpu-High", "Disk"]
        ));
        assert!(holds(r#"ALARM("with \"quote\"")"#, &["with \"quote\""]));
    }

    #[test]
    fn names_are_collected_once() {
        let expr = parse(r#"ALARM("B") OR (ALARM("A") AND NOT OK("B"))"#).unwrap();
        assert_eq!(expr.names().into_iter().collect::<Vec<_>>(), ["A", "B"]);
    }

    #[test]
    fn errors_say_where() {
        let cases = [
            ("", 0, "found the end"),
            ("ALARM(\"A\") OR", 13, "found the end"),
            ("ALARM(\"A\" OR ALARM(\"B\")", 10, "expected `)`"),
            ("(ALARM(\"A\")", 11, "never closed"),
            (
                "ALARM(\"A\") ALARM(\"B\")",
                11,
                "expected `AND`, `OR` or the end",
            ),
            ("METRIC(\"A\")", 0, "found `METRIC`"),
            ("ALARM(\"A", 6, "no closing"),
            ("ALARM()", 6, "needs an alarm name"),
            ("ALARM \"A\"", 6, "expected `(` after `ALARM`"),
            (")", 0, "found `)`"),
        ];
        for (text, offset, message) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.offset, offset, "{text}: {error}");
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}ALARM(\"A\"){}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(
            parse(&deep)
                .unwrap_err()
                .message
                .contains("nested more than")
        );
        let nots = format!("{}ALARM(\"A\")", "NOT ".repeat(10_000));
        assert!(
            parse(&nots)
                .unwrap_err()
                .message
                .contains("nested more than")
        );
        let within = format!("{}ALARM(\"A\"){}", "(".repeat(60), ")".repeat(60));
        assert!(holds(&within, &["A"]));
    }

    #[test]
    fn long_chains_are_flat() {
        let chain = vec!["ALARM(\"A\")"; 5_000].join(" OR ");
        assert!(holds(&chain, &["A"]));
        assert!(!holds(&chain, &[]));
    }
}
