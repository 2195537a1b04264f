//! Why a value cannot stand where it is written: the places where the
//! shell would read a variable's text as code, and how they are told.

/// Why a value cannot stand where it is written in shell code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Where the shell evaluates a variable's text as an arithmetic
    /// expression: bash runs code from `a[$(cmd)]` there.
    Arithmetic(ArithmeticPlace),
    /// Where bash reads a variable's text as a variable's name: it
    /// evaluates the subscript of `a[$(cmd)]` as an arithmetic expression,
    /// and runs the code in it.
    Name(NamePlace),
    /// In a command that gives a variable an attribute (`declare -i`,
    /// `declare -n`): bash then evaluates any text assigned to that
    /// variable, as an arithmetic expression or as a name, wherever the
    /// command assigns it.
    Attribute {
        /// `declare`, `typeset` or `local`.
        command: &'static str,
        /// `i` or `n`.
        option: char,
    },
    /// In the body of a here-document whose delimiter is quoted: nothing
    /// expands there, so a reference would be written literally.
    QuotedHereDocument,
    /// In a here-document's delimiter word.
    HereDocumentDelimiter,
    /// Inside a `${...}` expansion written in the command: there a value
    /// is a pattern or a default, read with rules of its own.
    ParameterExpansion,
    /// In a command that reads its arguments as shell code again (`eval`,
    /// `trap`, `alias`).
    Reevaluated(&'static str),
}

/// Where the shell evaluates a variable's text as an arithmetic expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithmeticPlace {
    /// `$((...))`.
    Expansion,
    /// bash's old `$[...]`.
    OldExpansion,
    /// bash's arithmetic command `((...))`, also in `for ((...))`.
    Command,
    /// An argument of `let`.
    Let,
    /// An operand of `-eq`, `-ne`, `-lt`, `-le`, `-gt` or `-ge` in
    /// `[[ ... ]]`.
    Comparison(&'static str),
    /// An array's subscript, where an assignment gives it: `a[...]=x`,
    /// `a=([...]=x)`.
    Subscript,
}

/// Where bash reads a variable's text as a variable's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamePlace {
    /// An argument of `unset` or `read`.
    Argument(&'static str),
    /// A name or an option given to `declare`, `typeset` or `local`.
    Declaration(&'static str),
    /// What a command may read as the operand of an option that takes a
    /// name (`printf -v`, `wait -p`, `test -v`, `[[ -v ... ]]`): after the
    /// option, or after a value, which may be the option.
    Operand(&'static str, &'static str),
}

impl std::fmt::Display for ArithmeticPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArithmeticPlace::Expansion => f.write_str("inside `$((...))`"),
            ArithmeticPlace::OldExpansion => f.write_str("inside `$[...]`"),
            ArithmeticPlace::Command => f.write_str("inside `((...))`"),
            ArithmeticPlace::Let => f.write_str("in an argument of `let`"),
            ArithmeticPlace::Comparison(operator) => {
                write!(f, "beside `{operator}` in `[[ ... ]]`")
            }
            ArithmeticPlace::Subscript => f.write_str("in an array's subscript"),
        }
    }
}

impl std::fmt::Display for NamePlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NamePlace::Argument(command) => write!(f, "in an argument of `{command}`"),
            NamePlace::Declaration(command) => {
                write!(f, "in a name or an option given to `{command}`")
            }
            NamePlace::Operand(command, option) => {
                write!(
                    f,
                    "where `{command}` may read it as the operand of `{option}`"
                )
            }
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Arithmetic(place) => write!(
                f,
                "it stands {place}, where the shell evaluates a variable's text as an \
                 arithmetic expression"
            ),
            Refusal::Name(place) => write!(
                f,
                "it stands {place}, which bash reads as a variable's name, evaluating a \
                 subscript in it as an arithmetic expression"
            ),
            Refusal::Attribute {
                command,
                option: 'i',
            } => write!(
                f,
                "it stands in a command that gives a variable the integer attribute \
                 (`{command} -i`), and bash evaluates any text assigned to that variable \
                 as an arithmetic expression"
            ),
            Refusal::Attribute { command, option } => write!(
                f,
                "it stands in a command that makes a variable a name reference \
                 (`{command} -{option}`), and bash reads any text assigned to that \
                 variable as a variable's name"
            ),
            Refusal::QuotedHereDocument => f.write_str(
                "it stands in a here-document whose delimiter is quoted, where nothing \
                 expands",
            ),
            Refusal::HereDocumentDelimiter => {
                f.write_str("it stands in a here-document's delimiter")
            }
            Refusal::ParameterExpansion => {
                f.write_str("it stands inside a `${...}` expansion of the shell")
            }
            Refusal::Reevaluated(name) => write!(
                f,
                "it stands in an argument of `{name}`, which reads its arguments as shell \
                 code again"
            ),
        }
    }
}
