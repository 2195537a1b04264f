//! Alarm expressions as the plan writes them, CloudWatch composite
//! syntax: `ALARM("A") OR (ALARM("B") AND NOT ALARM("C"))`.
//!
//! Kept apart from the rest of the runner so that one shared
//! implementation can replace it: it only parses and evaluates, given the
//! state of each named alarm.

/// The state of one alarm, as the alarm command reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    /// Not in alarm (exit status 0).
    Ok,
    /// In alarm (exit status 1).
    Alarm,
    /// Neither (any other exit status): not in alarm, as in CloudWatch,
    /// where `ALARM("X")` is true only in the ALARM state.
    InsufficientData,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `ALARM("NAME")`.
    Alarm(String),
    /// `NOT e`.
    Not(Box<Expr>),
    /// `a AND b AND ...`.
    And(Vec<Expr>),
    /// `a OR b OR ...`.
    Or(Vec<Expr>),
}

/// Why an expression could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong, with the byte offset.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// How deep parentheses and `NOT`s may nest: far beyond any real alarm,
/// and low enough that reading never exhausts the stack.
const MAX_DEPTH: usize = 64;

/// Parses an expression; `AND`, `OR` and `NOT` in any case.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
    };
    let expr = parser.or(0)?;
    match parser.tokens.get(parser.position) {
        None => Ok(expr),
        Some((offset, token)) => Err(error(*offset, &format!("unexpected {token:?}"))),
    }
}

impl Expr {
    /// Whether the expression is in alarm, given each named alarm's state.
    pub fn evaluate(&self, state: &mut impl FnMut(&str) -> AlarmState) -> bool {
        match self {
            Expr::Alarm(name) => state(name) == AlarmState::Alarm,
            Expr::Not(inner) => !inner.evaluate(state),
            Expr::And(items) => items.iter().all(|item| item.evaluate(state)),
            Expr::Or(items) => items.iter().any(|item| item.evaluate(state)),
        }
    }

    /// The alarms the expression names, each once, in order of appearance.
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        let mut pending = vec![self];
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Alarm(name) => {
                    if !names.contains(&name.as_str()) {
                        names.push(name.as_str());
                    }
                }
                Expr::Not(inner) => pending.push(inner),
                Expr::And(items) | Expr::Or(items) => pending.extend(items.iter().rev()),
            }
        }
        names
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Alarm(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn error(offset: usize, what: &str) -> ParseError {
    ParseError {
        message: format!("{what} at byte {offset}"),
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(offset, ch)) = chars.peek() {
        if ch.is_whitespace() {
            chars.next();
            continue;
        }
        if ch == '(' || ch == ')' {
            chars.next();
            tokens.push((offset, if ch == '(' { Token::Open } else { Token::Close }));
            continue;
        }
        let mut word = String::new();
        while let Some(&(_, ch)) = chars.peek() {
            if !(ch.is_ascii_alphanumeric() || ch == '_') {
                break;
            }
            word.push(ch);
            chars.next();
        }
        match word.to_ascii_uppercase().as_str() {
            "AND" => tokens.push((offset, Token::And)),
            "OR" => tokens.push((offset, Token::Or)),
            "NOT" => tokens.push((offset, Token::Not)),
            "ALARM" => {
                // `ALARM("name")`, the name in double quotes with `\"` and
                // `\\` escapes, as the plan writes it.
                let mut expect = |wanted: char| match chars.next() {
                    Some((_, ch)) if ch == wanted => Ok(()),
                    _ => Err(error(offset, &format!("`ALARM` needs `{wanted}`"))),
                };
                expect('(')?;
                expect('"')?;
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, escaped)) => name.push(escaped),
                            None => return Err(error(offset, "an unfinished alarm name")),
                        },
                        Some((_, ch)) => name.push(ch),
                        None => return Err(error(offset, "an unfinished alarm name")),
                    }
                }
                match chars.next() {
                    Some((_, ')')) => tokens.push((offset, Token::Alarm(name))),
                    _ => return Err(error(offset, "`ALARM(\"...\"` needs `)`")),
                }
            }
            "" => return Err(error(offset, &format!("unexpected `{ch}`"))),
            other => return Err(error(offset, &format!("unexpected word `{other}`"))),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(_, token)| token)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.position)
            .or_else(|| self.tokens.last())
            .map_or(0, |(offset, _)| *offset)
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(depth)?];
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            items.push(self.unary(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(error(self.offset(), "an expression nested too deeply"));
        }
        let offset = self.offset();
        let token = self
            .tokens
            .get(self.position)
            .map(|(_, token)| token.clone());
        self.position += 1;
        match token {
            Some(Token::Not) => Ok(Expr::Not(Box::new(self.unary(depth + 1)?))),
            Some(Token::Alarm(name)) => Ok(Expr::Alarm(name)),
            Some(Token::Open) => {
                let inner = self.or(depth + 1)?;
                if self.peek() == Some(&Token::Close) {
                    self.position += 1;
                    Ok(inner)
                } else {
                    Err(error(self.offset(), "a `(` that is never closed"))
                }
            }
            Some(other) => Err(error(offset, &format!("unexpected {other:?}"))),
            None => Err(error(offset, "an expression that ends too early")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn eval(text: &str, alarming: &[&str]) -> bool {
        parse(text).unwrap().evaluate(&mut |name| {
            if alarming.contains(&name) {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            }
        })
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let text = r#"ALARM("A") OR ALARM("B") AND NOT ALARM("C")"#;
        assert!(eval(text, &["A"]));
        assert!(eval(text, &["B"]));
        assert!(!eval(text, &["B", "C"]));
        assert!(!eval(
            r#"(ALARM("A") OR ALARM("B")) AND NOT ALARM("C")"#,
            &["A", "C"]
        ));
        assert!(eval(r#"not alarm("A")"#, &[]));
    }

    #[test]
    fn insufficient_data_is_not_in_alarm() {
        let expr = parse(r#"ALARM("A") OR NOT ALARM("B")"#).unwrap();
        assert!(expr.evaluate(&mut |_| AlarmState::InsufficientData));
        assert_eq!(expr.names(), ["A", "B"]);
    }

    #[test]
    fn names_with_escapes_and_broken_expressions() {
        assert_eq!(
            parse(r#"ALARM("a \"quoted\" name")"#).unwrap(),
            Expr::Alarm("a \"quoted\" name".to_string())
        );
        for bad in [
            "",
            "ALARM(\"A\"",
            "ALARM(A)",
            "(ALARM(\"A\")",
            "ALARM(\"A\") OR",
            "X",
            "ALARM(\"A\") )",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = format!("{}ALARM(\"A\"){}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).is_err());
        let nots = format!("{}ALARM(\"A\")", "NOT ".repeat(500));
        assert!(parse(&nots).is_err());
    }
}
