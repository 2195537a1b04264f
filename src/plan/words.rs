//! Commands as argument vectors, with interpolated values kept whole.
//!
//! A `run` string is split into words with the POSIX shell's quoting rules
//! (blanks separate words; `'...'` is literal; `"..."` is literal except
//! for backslash before `$`, `` ` ``, `"`, `\` and a line break; a
//! backslash outside quotes takes the next character literally) *before*
//! the `${name}` values are put in. A value is added to the word it stands
//! in, character for character, so no value can split a word, end a
//! quote or start a command, whatever it holds.
//!
//! A command that asks for a shell (`shell = true`) is shell code; its
//! values never enter the code but reach it in environment variables (see
//! [`super::shell`]).
//!
//! Nothing else of the shell is interpreted: no `$VAR`, no globs, no `~`.
//! Without a shell those characters reach the program as written.

/// A piece of a command string: text as written, or an interpolated value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text of the command, read with the quoting rules.
    Text(&'a str),
    /// A value, taken literally.
    Value(&'a str),
}

/// Why a command could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordsError {
    /// A `'` or `"` is never closed.
    UnclosedQuote(char),
    /// A backslash ends the command, with nothing to escape.
    TrailingBackslash,
    /// Outside quotes, text holds a shell operator (`|`, `&`, `;`, `<`,
    /// `>`): without a shell it would reach the program as an argument.
    ShellOperator(char),
    /// The command has no words.
    Empty,
    /// The first word, the program, is empty: a value inserted there
    /// (`${tool}`) is empty.
    EmptyProgram,
}

impl std::fmt::Display for WordsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WordsError::UnclosedQuote(quote) => write!(f, "a `{quote}` is never closed"),
            WordsError::TrailingBackslash => f.write_str("the command ends in a lone backslash"),
            WordsError::ShellOperator(op) => write!(
                f,
                "`{op}` is a shell operator, and this command runs without a shell"
            ),
            WordsError::Empty => f.write_str("the command is empty"),
            WordsError::EmptyProgram => f.write_str("its program, the first word, is empty"),
        }
    }
}

impl std::error::Error for WordsError {}

/// Where the reader stands between characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Outside,
    Single,
    Double,
}

/// The argument vector of a command run without a shell: the program,
/// then its arguments. Shell operators outside quotes are refused (they
/// would be passed on as arguments, which is never what was meant).
pub fn split(pieces: &[Piece<'_>]) -> Result<Vec<String>, WordsError> {
    let mut words: Vec<String> = Vec::new();
    // The word being read, if one has started: `''` starts an empty word.
    let mut word: Option<String> = None;
    let mut quoting = Quoting::Outside;
    for (index, piece) in pieces.iter().enumerate() {
        let last_piece = index + 1 == pieces.len();
        let text = match piece {
            Piece::Value(value) => {
                word.get_or_insert_with(String::new).push_str(value);
                continue;
            }
            Piece::Text(text) => text,
        };
        let mut chars = text.chars().peekable();
        while let Some(ch) = chars.next() {
            match (quoting, ch) {
                (Quoting::Outside, ' ' | '\t' | '\n') => {
                    if let Some(done) = word.take() {
                        words.push(done);
                    }
                }
                (Quoting::Outside, '\'') => {
                    word.get_or_insert_with(String::new);
                    quoting = Quoting::Single;
                }
                (Quoting::Outside, '"') => {
                    word.get_or_insert_with(String::new);
                    quoting = Quoting::Double;
                }
                (Quoting::Outside, '\\') => match chars.next() {
                    // A backslash before a line break joins the lines.
                    Some('\n') => {}
                    Some(next) => word.get_or_insert_with(String::new).push(next),
                    // Before a value, a backslash is itself: a value is
                    // never escaped or unescaped.
                    None if !last_piece => word.get_or_insert_with(String::new).push('\\'),
                    None => return Err(WordsError::TrailingBackslash),
                },
                (Quoting::Outside, '|' | '&' | ';' | '<' | '>') => {
                    return Err(WordsError::ShellOperator(ch));
                }
                (Quoting::Single, '\'') | (Quoting::Double, '"') => quoting = Quoting::Outside,
                (Quoting::Double, '\\') => match chars.peek().copied() {
                    Some(next @ ('$' | '`' | '"' | '\\')) => {
                        chars.next();
                        word.get_or_insert_with(String::new).push(next);
                    }
                    Some('\n') => {
                        chars.next();
                    }
                    _ => word.get_or_insert_with(String::new).push('\\'),
                },
                _ => word.get_or_insert_with(String::new).push(ch),
            }
        }
    }
    match quoting {
        Quoting::Single => return Err(WordsError::UnclosedQuote('\'')),
        Quoting::Double => return Err(WordsError::UnclosedQuote('"')),
        Quoting::Outside => {}
    }
    if let Some(done) = word {
        words.push(done);
    }
    match words.first() {
        None => Err(WordsError::Empty),
        Some(program) if program.is_empty() => Err(WordsError::EmptyProgram),
        Some(_) => Ok(words),
    }
}

/// One word as the shell would read it back unchanged: bare when it holds
/// only characters no shell treats specially, otherwise in single quotes.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|ch| {
            ch.is_ascii_alphanumeric()
                || matches!(
                    ch,
                    '-' | '_' | '.' | '/' | ':' | ',' | '+' | '=' | '@' | '%'
                )
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split(&[Piece::Text(text)]).unwrap()
    }

    #[test]
    fn blanks_separate_words_and_quotes_group_them() {
        assert_eq!(
            words("make  release\tQUIET=1"),
            ["make", "release", "QUIET=1"]
        );
        assert_eq!(
            words("echo 'a b' \"c d\" e\\ f"),
            ["echo", "a b", "c d", "e f"]
        );
        assert_eq!(words("echo '' \"\""), ["echo", "", ""]);
        assert_eq!(words("echo 'it'\\''s'"), ["echo", "it's"]);
    }

    #[test]
    fn double_quotes_keep_backslashes_except_before_special_characters() {
        assert_eq!(
            words(r#"echo "a\"b" "c\\d" "e\$f" "g\h""#),
            ["echo", "a\"b", "c\\d", "e$f", "g\\h"]
        );
    }

    #[test]
    fn dollar_signs_and_globs_are_plain_text() {
        assert_eq!(words("echo ${HOME} * ~"), ["echo", "${HOME}", "*", "~"]);
    }

    #[test]
    fn values_stay_inside_their_word() {
        let value = "x; rm -rf / $(touch pwned) 'q\" `id`";
        let argv = split(&[
            Piece::Text("./deploy.sh --region="),
            Piece::Value(value),
            Piece::Text(" '"),
            Piece::Value(value),
            Piece::Text("' \""),
            Piece::Value(value),
            Piece::Text("\" "),
            Piece::Value(value),
        ])
        .unwrap();
        assert_eq!(
            argv,
            [
                "./deploy.sh".to_string(),
                format!("--region={value}"),
                value.to_string(),
                value.to_string(),
                value.to_string(),
            ]
        );
    }

    #[test]
    fn an_empty_value_is_still_an_argument() {
        assert_eq!(
            split(&[Piece::Text("echo "), Piece::Value(""), Piece::Text(" end")]).unwrap(),
            ["echo", "", "end"]
        );
    }

    #[test]
    fn broken_commands_are_refused() {
        assert_eq!(
            split(&[Piece::Text("echo 'a")]),
            Err(WordsError::UnclosedQuote('\''))
        );
        assert_eq!(
            split(&[Piece::Text("echo \"a")]),
            Err(WordsError::UnclosedQuote('"'))
        );
        assert_eq!(
            split(&[Piece::Text("echo a\\")]),
            Err(WordsError::TrailingBackslash)
        );
        assert_eq!(
            split(&[Piece::Text("make && make test")]),
            Err(WordsError::ShellOperator('&'))
        );
        assert_eq!(split(&[Piece::Text("  ")]), Err(WordsError::Empty));
        assert_eq!(
            split(&[Piece::Value(""), Piece::Text(" x")]),
            Err(WordsError::EmptyProgram)
        );
        assert_eq!(split(&[Piece::Text("''")]), Err(WordsError::EmptyProgram));
        // Quoted or escaped, operators are plain characters.
        assert_eq!(
            words("find . -exec true {} \\;"),
            ["find", ".", "-exec", "true", "{}", ";"]
        );
        assert_eq!(words("echo 'a|b'"), ["echo", "a|b"]);
    }

    #[test]
    fn quote_round_trips() {
        for word in ["plain", "", "a b", "it's", "$(id)", "a\"b\\c", "ünï"] {
            assert_eq!(words(&format!("x {}", quote(word))), ["x", word]);
        }
    }
}
