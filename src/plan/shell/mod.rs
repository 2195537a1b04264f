//! Values in shell code, passed out of band.
//!
//! A command that asks for a shell (`shell = true`) is shell code, and no
//! quoting of a value for the place it stands in can be made complete:
//! inside `"$(...)"`, backticks, a here-document or a comment the same
//! characters mean different things. So no value is ever written into the
//! code. Each goes into the command's environment as `PIPEC_VALUE_N`, and
//! the code gets a *reference* to that variable, written for the lexical
//! context the value stands in:
//!
//! | where the value stands | reference |
//! | --- | --- |
//! | outside quotes (also inside `$(...)` or backticks) | `"${PIPEC_VALUE_1}"` |
//! | in double quotes | `${PIPEC_VALUE_1}` |
//! | in single quotes | `'"${PIPEC_VALUE_1}"'` (close, reference, reopen) |
//! | in a here-document body, delimiter unquoted | `${PIPEC_VALUE_1}` |
//! | in a comment | `${PIPEC_VALUE_1}` (it does nothing there) |
//!
//! The shell expands a reference once and never reads its text as code.
//! Where it would (the shell evaluates the expansion again, as arithmetic or
//! as a variable's name, or nothing expands) there is no safe reference, and
//! the value is refused: see [`Refusal`].
//!
//! The scanner knows enough of POSIX `sh` to tell these contexts apart:
//! quotes, backslashes, `$(...)` (nested, also in double quotes), backticks,
//! `$((...))`, `${...}`, comments and here-documents. It knows the places of
//! bash where a variable's text is evaluated, as `a[$(cmd)]` runs `cmd`
//! there: `$[...]`, `((...))`, `let`, `[[ ... -eq ... ]]`, subscripts in
//! assignments, the names of `unset`, `read`, `declare`, `printf -v`,
//! `wait -p`, `test -v`, and the variables `declare -i` and `-n` make. A
//! mistake in it could only choose a wrong reference or miss such a place,
//! never write a value into the code: every reference is a single variable
//! expansion.

mod here_document;
mod reference;
mod refusal;
mod scanner;
mod simple_command;
#[cfg(test)]
mod tests;

pub use refusal::{ArithmeticPlace, NamePlace, Refusal};
pub use scanner::shell_text;

use super::words::WordsError;

/// The prefix of the variables that carry a shell command's values.
pub const VALUE_VARIABLE_PREFIX: &str = "PIPEC_VALUE_";

/// Why shell code could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellError {
    /// The command does not read as shell code.
    Words(WordsError),
    /// The value of piece `piece` stands where no reference is safe.
    Refused {
        /// The index of the value's piece.
        piece: usize,
        /// Why.
        refusal: Refusal,
    },
}

/// The values of one step's shell commands: `values[i]` is carried in
/// `PIPEC_VALUE_{i+1}`. A deploy's `run` and `rollback` share one numbering,
/// as they share one environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    /// The values, in order of first appearance.
    pub values: Vec<String>,
}

impl Values {
    /// The number of the variable carrying `value`, given one if new: the
    /// same text shares one variable.
    fn number(&mut self, value: &str) -> usize {
        if let Some(index) = self.values.iter().position(|known| known == value) {
            return index + 1;
        }
        self.values.push(value.to_string());
        self.values.len()
    }

    /// Each variable's name and value, in order.
    pub fn variables(&self) -> impl Iterator<Item = (String, &str)> {
        self.values
            .iter()
            .enumerate()
            .map(|(index, value)| (variable(index + 1), value.as_str()))
    }
}

/// The name of the variable that carries value number `number`.
pub fn variable(number: usize) -> String {
    format!("{VALUE_VARIABLE_PREFIX}{number}")
}

/// Whether `text` is a variable name as `sh` reads one (and as an
/// environment variable or a GitHub secret is called): letters, digits and
/// `_`, not starting with a digit.
pub fn is_variable_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}
