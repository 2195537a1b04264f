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

use super::words::{Piece, WordsError};

/// The prefix of the variables that carry a shell command's values.
pub const VALUE_VARIABLE_PREFIX: &str = "PIPEC_VALUE_";

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

/// One character of the command's text, or a value (by its piece's index).
#[derive(Debug, Clone, Copy)]
enum Token<'a> {
    Char(char),
    Value(usize, &'a str),
}

/// Built-ins whose arguments are read as shell code again.
const REEVALUATING: &[&str] = &["eval", "trap", "alias"];

/// Words after which the next word is still a command's name.
const COMMAND_PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "command", "builtin",
];

/// bash's built-ins that give variables attributes, and read their
/// arguments as names (`declare a[$(cmd)]=x` runs `cmd`).
const DECLARING: &[&str] = &["declare", "typeset", "local"];

/// The operators of `[[ ... ]]` whose operands bash evaluates as arithmetic
/// expressions.
const COMPARISONS: &[&str] = &["-eq", "-ne", "-lt", "-le", "-gt", "-ge"];

/// The options of `read` that take an argument (one that is no name).
const READ_ARGUMENTS: &[char] = &['a', 'd', 'i', 'n', 'N', 'p', 't', 'u'];

/// How a command reads its arguments, where bash may evaluate one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Reads {
    /// Nothing that evaluates a value.
    #[default]
    Other,
    /// `let`: each argument is an arithmetic expression.
    Let,
    /// `declare`, `typeset`, `local`: names and options, then `=VALUE`.
    Declare(&'static str),
    /// `unset`: each argument is a name.
    Unset,
    /// `read`: options, then names.
    Read,
    /// `printf -v NAME`, `wait -p NAME`: the command and the option.
    NameOption(&'static str, char),
    /// `test` and `[`: `-v NAME`, anywhere.
    Test(&'static str),
    /// `[[ ... ]]`, until its `]]`.
    Conditional,
    /// `for`, which may go on with `((`.
    For,
}

/// What the next word of a command is to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Next {
    /// Nothing in particular.
    #[default]
    Word,
    /// An option's argument, which is no name.
    OptionArgument,
    /// Maybe a name: the operand of `-v` (or of a value, which may be
    /// `-v`).
    Name(&'static str),
    /// The right operand of an arithmetic comparison in `[[ ... ]]`.
    Arithmetic(&'static str),
}

/// The state of the simple command being read in one code frame: enough
/// to know its name, whether it reevaluates its arguments, and whether
/// bash evaluates the word being read as arithmetic or as a name.
#[derive(Debug, Clone, Default)]
struct Command {
    /// Reading a word.
    in_word: bool,
    /// The word's literal text with quotes removed (expansions and values
    /// left out).
    word: String,
    /// The word holds no expansion or value.
    plain: bool,
    /// The word has a quoted part.
    quoted: bool,
    /// The word starts with a literal `-` (an option, maybe).
    dash: bool,
    /// A literal `=` stands in the word.
    equals: bool,
    /// The first value in the word (also inside an expansion in it).
    value: Option<usize>,
    /// The next word names the command (after a separator, a keyword or
    /// an assignment).
    expect_name: bool,
    /// The next word is a redirection's target.
    redirect_target: bool,
    /// The command's name reevaluates its arguments.
    reevaluates: Option<&'static str>,
    /// How the command reads its arguments.
    reads: Reads,
    /// Still reading options.
    options: bool,
    /// What the next word is.
    next: Next,
    /// In `[[ ... ]]`: the first value in the word before.
    previous_value: Option<usize>,
    /// Inside a compound assignment `NAME=(...)`.
    compound: bool,
    /// A value found refused when its word ended (the scanner takes it).
    refused: Option<(usize, Refusal)>,
    /// The command gives a variable an attribute (the scanner takes it).
    attribute: Option<Refusal>,
}

impl Command {
    fn new() -> Command {
        Command {
            plain: true,
            expect_name: true,
            ..Command::default()
        }
    }

    fn start_word(&mut self) {
        if !self.in_word {
            self.in_word = true;
            self.word.clear();
            self.plain = true;
            self.quoted = false;
            self.dash = false;
            self.equals = false;
            self.value = None;
        }
    }

    fn push(&mut self, ch: char) {
        self.start_word();
        if self.word.is_empty() && self.plain && ch == '-' {
            self.dash = true;
        }
        if ch == '=' {
            self.equals = true;
        }
        self.word.push(ch);
    }

    /// A quote opens in the word.
    fn quote(&mut self) {
        self.start_word();
        self.quoted = true;
    }

    /// Something other than literal text (a value, an expansion) is part
    /// of the word.
    fn taint(&mut self) {
        self.start_word();
        self.plain = false;
    }

    /// A redirection operator: the word before ends, the next is its
    /// target (in `[[ ... ]]`, `<` and `>` compare strings).
    fn redirect(&mut self) {
        self.end_word(true);
        if self.reads != Reads::Conditional {
            self.redirect_target = true;
        }
    }

    /// The word ends; `before_redirect` when a `<` or `>` ends it (then a
    /// word of digits is the redirection's file descriptor).
    fn end_word(&mut self, before_redirect: bool) {
        if !self.in_word {
            return;
        }
        self.in_word = false;
        if self.reads == Reads::Conditional {
            self.conditional_word();
            return;
        }
        if before_redirect && self.plain && self.word.chars().all(|ch| ch.is_ascii_digit()) {
            return;
        }
        if self.redirect_target {
            self.redirect_target = false;
            return;
        }
        if self.compound {
            return;
        }
        if !self.expect_name {
            self.argument();
            return;
        }
        if self.plain && COMMAND_PREFIXES.contains(&self.word.as_str()) {
            return;
        }
        if self.plain && is_assignment(&self.word) {
            return;
        }
        // An assignment word may hold values and expansions after its `=`.
        if !self.plain
            && self
                .word
                .split_once('=')
                .is_some_and(|(name, _)| is_name(name))
        {
            return;
        }
        self.expect_name = false;
        if self.plain {
            let word = self.word.as_str();
            self.reevaluates = REEVALUATING.iter().find(|name| **name == word).copied();
            self.options = true;
            self.reads = match word {
                "let" => Reads::Let,
                "unset" => Reads::Unset,
                "read" => Reads::Read,
                "printf" => Reads::NameOption("printf", 'v'),
                "wait" => Reads::NameOption("wait", 'p'),
                "test" => Reads::Test("test"),
                "[" => Reads::Test("["),
                "[[" => Reads::Conditional,
                "for" => Reads::For,
                _ => DECLARING
                    .iter()
                    .find(|name| **name == word)
                    .map_or(Reads::Other, |name| Reads::Declare(name)),
            };
        }
    }

    /// An argument of the command ended.
    fn argument(&mut self) {
        let next = std::mem::take(&mut self.next);
        let option = self.options && self.dash && self.value.is_none();
        match self.reads {
            Reads::Read if next == Next::OptionArgument => {}
            Reads::Read if option && self.word == "--" => self.options = false,
            Reads::Read if option => {
                let letters = self.word.get(1..).unwrap_or_default();
                if let Some((at, _)) = letters
                    .char_indices()
                    .find(|(_, letter)| READ_ARGUMENTS.contains(letter))
                    && at + 1 == letters.len()
                {
                    self.next = Next::OptionArgument;
                }
            }
            Reads::Read => self.options = false,
            Reads::NameOption(..) if matches!(next, Next::Name(_)) => {}
            Reads::NameOption(_, letter) if self.options => {
                if option && self.word == "--" {
                    self.options = false;
                } else if option && self.word.ends_with(letter) || self.value.is_some() {
                    // The option, or a value that may be it.
                    self.next = Next::Name(option_name(letter));
                } else if !option {
                    self.options = false;
                }
            }
            Reads::Test(_) if self.plain && self.word == "-v" || self.value.is_some() => {
                self.next = Next::Name("-v");
            }
            Reads::Declare(command) if option => {
                let letters = self.word.get(1..).unwrap_or_default();
                for option in ['i', 'n'] {
                    if letters.contains(option) && self.attribute.is_none() {
                        self.attribute = Some(Refusal::Attribute { command, option });
                    }
                }
            }
            _ => {}
        }
    }

    /// A word of `[[ ... ]]` ended.
    fn conditional_word(&mut self) {
        self.redirect_target = false;
        let previous = self.previous_value.take();
        self.next = Next::Word;
        if !self.plain {
            self.previous_value = self.value;
            return;
        }
        let word = self.word.as_str();
        if word == "]]" && !self.quoted {
            self.reads = Reads::Other;
        } else if let Some(operator) = COMPARISONS.iter().find(|operator| **operator == word) {
            if let Some(piece) = previous
                && self.refused.is_none()
            {
                self.refused = Some((
                    piece,
                    Refusal::Arithmetic(ArithmeticPlace::Comparison(operator)),
                ));
            }
            self.next = Next::Arithmetic(operator);
        } else if word == "-v" {
            self.next = Next::Name("-v");
        }
        self.previous_value = self.value;
    }

    /// A value stands in the current word (maybe inside an expansion in
    /// it): why not, where bash evaluates the word's text.
    fn value(&mut self, piece: usize) -> Option<Refusal> {
        self.start_word();
        self.value.get_or_insert(piece);
        if self.redirect_target {
            return None;
        }
        if self.compound || self.expect_name {
            // An element `[...]=x` of a compound assignment, or `a[...]=x`.
            let subscript = if self.compound {
                self.word.strip_prefix('[')
            } else {
                self.word
                    .split_once('[')
                    .filter(|(name, _)| is_name(name))
                    .map(|(_, subscript)| subscript)
            };
            let open = subscript.is_some_and(|subscript| {
                subscript.matches('[').count() >= subscript.matches(']').count()
            });
            return open.then_some(Refusal::Arithmetic(ArithmeticPlace::Subscript));
        }
        let option = self.options && self.dash;
        match (self.reads, self.next) {
            (Reads::Let, _) => Some(Refusal::Arithmetic(ArithmeticPlace::Let)),
            (Reads::Unset, _) => Some(Refusal::Name(NamePlace::Argument("unset"))),
            (Reads::Declare(command), _) if !self.equals => {
                Some(Refusal::Name(NamePlace::Declaration(command)))
            }
            (Reads::Read, Next::OptionArgument) => None,
            (Reads::Read, _)
                if option
                    && self
                        .word
                        .get(1..)
                        .is_some_and(|letters| letters.contains(READ_ARGUMENTS)) =>
            {
                None
            }
            (Reads::Read, _) => Some(Refusal::Name(NamePlace::Argument("read"))),
            (Reads::NameOption(command, letter), next)
                if matches!(next, Next::Name(_)) || option && self.word.contains(letter) =>
            {
                Some(Refusal::Name(NamePlace::Operand(
                    command,
                    option_name(letter),
                )))
            }
            (Reads::Test(command), Next::Name(option)) => {
                Some(Refusal::Name(NamePlace::Operand(command, option)))
            }
            (Reads::Conditional, Next::Name(option)) => {
                Some(Refusal::Name(NamePlace::Operand("[[", option)))
            }
            (Reads::Conditional, Next::Arithmetic(operator)) => {
                Some(Refusal::Arithmetic(ArithmeticPlace::Comparison(operator)))
            }
            _ => None,
        }
    }

    /// `(` in code: a compound assignment `NAME=(` opens here (also in an
    /// argument: `declare`, `export`, `readonly` take them, and elsewhere
    /// it is a syntax error), or the command ends.
    fn open_paren(&mut self) {
        let assignment = self.in_word
            && self.plain
            && self
                .word
                .strip_suffix('=')
                .map(|name| name.strip_suffix('+').unwrap_or(name))
                .is_some_and(is_name);
        if assignment && !self.compound {
            self.end_word(false);
            self.compound = true;
        } else {
            self.separate();
        }
    }

    /// `)` in code (not one closing `$(`): a compound assignment closes,
    /// or the command ends.
    fn close_paren(&mut self) {
        if self.compound {
            self.end_word(false);
            self.compound = false;
        } else {
            self.separate();
        }
    }

    /// A line break: the command ends, unless it goes on over lines
    /// (`[[ ... ]]`, a compound assignment).
    fn line_break(&mut self) {
        if self.compound {
            self.end_word(false);
        } else {
            self.separate();
        }
    }

    /// A command ends (`;`, `&`, `|`, `(`, `)`, a line break); inside
    /// `[[ ... ]]` an operator (`&&`, `||`, `(`, `)`) starts an operand.
    fn separate(&mut self) {
        self.end_word(false);
        if self.reads == Reads::Conditional {
            self.previous_value = None;
            self.next = Next::Word;
            return;
        }
        let refused = self.refused.take();
        let attribute = self.attribute.take();
        *self = Command::new();
        self.refused = refused;
        self.attribute = attribute;
    }
}

/// `-v` for `v`.
fn option_name(letter: char) -> &'static str {
    match letter {
        'p' => "-p",
        _ => "-v",
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| is_name(name))
}

/// What kind of code a code frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeKind {
    /// The command itself.
    Top,
    /// `$(...)`, with how many `(` are open inside it.
    Substitution(u32),
    /// `` `...` ``.
    Backticks,
}

/// A here-document waiting for its body (the line after its operator).
#[derive(Debug, Clone)]
struct HereDocument {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Where reading a here-document's body stopped.
enum BodyEnd {
    /// Its delimiter line was read; code goes on here.
    Ended(usize),
    /// The body goes on here, as text that expands.
    Open(usize),
}

/// A lexical context the scanner stands in.
#[derive(Debug, Clone)]
enum Frame {
    Code(CodeKind, Command),
    Single,
    Double,
    /// `${...}`, with how many `{` are open inside it.
    Brace(u32),
    /// Arithmetic: `$((...))` or `((...))`, with how many `(` are open
    /// inside it, or `$[...]`, with how many `[`.
    Arithmetic {
        depth: u32,
        place: ArithmeticPlace,
    },
    /// A here-document's body (the current line is not its delimiter).
    Body(HereDocument),
    /// From `#` to the end of the line.
    Comment,
}

struct Scanner<'v> {
    out: String,
    stack: Vec<Frame>,
    /// Here-documents whose bodies start after the current line.
    pending: Vec<HereDocument>,
    values: &'v mut Values,
    /// The command gives a variable an attribute (`declare -i`): every
    /// value is refused.
    attribute: Option<Refusal>,
    /// The first value, outside comments.
    first_value: Option<usize>,
}

/// Shell code for a command that asks for a shell: the text as written,
/// each value replaced by a reference to the environment variable that
/// carries it (numbered in `values`). See the module's documentation.
pub fn shell_text(pieces: &[Piece<'_>], values: &mut Values) -> Result<String, ShellError> {
    let mut tokens = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(text) => tokens.extend(text.chars().map(Token::Char)),
            Piece::Value(value) => tokens.push(Token::Value(index, value)),
        }
    }
    let mut scanner = Scanner {
        out: String::new(),
        stack: vec![Frame::Code(CodeKind::Top, Command::new())],
        pending: Vec::new(),
        values,
        attribute: None,
        first_value: None,
    };
    scanner.scan(&tokens)?;
    scanner.finish()
}

impl Scanner<'_> {
    /// Replaces the innermost frame (the command's own frame is never
    /// popped, so there is one).
    fn replace_top(&mut self, frame: Frame) {
        if let Some(top) = self.stack.last_mut() {
            *top = frame;
        }
    }

    /// The simple command of the nearest code frame.
    fn command(&mut self) -> Option<&mut Command> {
        self.stack.iter_mut().rev().find_map(|frame| match frame {
            Frame::Code(_, command) => Some(command),
            _ => None,
        })
    }

    /// A literal character of a word: in a code frame, or in quotes
    /// directly in one, it is part of that frame's word.
    fn literal(&mut self, ch: char) {
        let index = match self.stack.last() {
            Some(Frame::Code(..)) => self.stack.len() - 1,
            Some(Frame::Single | Frame::Double) if self.stack.len() >= 2 => self.stack.len() - 2,
            _ => return,
        };
        if let Some(Frame::Code(_, command)) = self.stack.get_mut(index) {
            command.push(ch);
        }
    }

    fn taint_word(&mut self) {
        if let Some(command) = self.command() {
            command.taint();
        }
    }

    fn scan(&mut self, tokens: &[Token<'_>]) -> Result<(), ShellError> {
        let mut at = 0;
        while let Some(token) = tokens.get(at) {
            at = match *token {
                Token::Value(piece, value) => {
                    self.value(piece, value)?;
                    at + 1
                }
                Token::Char(ch) => self.char(tokens, at, ch)?,
            };
            self.take_refusals()?;
        }
        Ok(())
    }

    /// Takes what the commands found when their words ended: a refused
    /// value, an attribute given to a variable (which refuses every value,
    /// also one before it).
    fn take_refusals(&mut self) -> Result<(), ShellError> {
        let mut found = Vec::new();
        for frame in &mut self.stack {
            if let Frame::Code(_, command) = frame {
                found.extend(command.refused.take().map(Ok));
                found.extend(command.attribute.take().map(Err));
            }
        }
        for found in found {
            match found {
                Ok((piece, refusal)) => return Err(ShellError::Refused { piece, refusal }),
                Err(attribute) => {
                    self.attribute.get_or_insert(attribute);
                    if let Some(piece) = self.first_value {
                        return Err(ShellError::Refused {
                            piece,
                            refusal: attribute,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Closes the innermost frame, a code frame: its last word ends.
    fn pop_code(&mut self) -> Result<(), ShellError> {
        if let Some(Frame::Code(_, command)) = self.stack.last_mut() {
            command.end_word(false);
        }
        self.take_refusals()?;
        self.stack.pop();
        Ok(())
    }

    /// Reads the character at `at`, writes what it consumed, and says where
    /// to go on.
    fn char(&mut self, tokens: &[Token<'_>], at: usize, ch: char) -> Result<usize, ShellError> {
        let next = char_at(tokens, at + 1);
        let Some(top) = self.stack.last().cloned() else {
            return Ok(at + 1);
        };
        match top {
            Frame::Single => {
                self.out.push(ch);
                if ch == '\'' {
                    self.stack.pop();
                } else {
                    self.literal(ch);
                }
                Ok(at + 1)
            }
            Frame::Comment => {
                self.out.push(ch);
                if ch == '\n' {
                    self.stack.pop();
                    return self.line_break(tokens, at + 1);
                }
                Ok(at + 1)
            }
            Frame::Double => match ch {
                '"' => {
                    self.out.push(ch);
                    self.stack.pop();
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |next| {
                    matches!(next, '$' | '`' | '"' | '\\' | '\n')
                }),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    self.literal(ch);
                    Ok(at + 1)
                }
            },
            Frame::Body(_) => match ch {
                '\\' => self.backslash(tokens, at, |next| matches!(next, '$' | '`' | '\\' | '\n')),
                '$' | '`' => self.expansion(tokens, at),
                '\n' => {
                    self.out.push(ch);
                    match self.body_lines(tokens, at + 1)? {
                        BodyEnd::Ended(next) => self.line_break(tokens, next),
                        BodyEnd::Open(next) => Ok(next),
                    }
                }
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Brace(depth) => match ch {
                '}' if depth == 0 => {
                    self.out.push(ch);
                    self.stack.pop();
                    Ok(at + 1)
                }
                '}' | '{' => {
                    self.out.push(ch);
                    self.replace_top(Frame::Brace(if ch == '{' { depth + 1 } else { depth - 1 }));
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |_| true),
                '\'' => self.open(ch, Frame::Single, at),
                '"' => self.open(ch, Frame::Double, at),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Arithmetic {
                depth: 0,
                place: ArithmeticPlace::OldExpansion,
            } if ch == ']' => {
                self.out.push(ch);
                self.stack.pop();
                Ok(at + 1)
            }
            Frame::Arithmetic {
                depth,
                place: place @ ArithmeticPlace::OldExpansion,
            } if matches!(ch, '[' | ']') => {
                self.out.push(ch);
                let depth = if ch == '[' { depth + 1 } else { depth - 1 };
                self.replace_top(Frame::Arithmetic { depth, place });
                Ok(at + 1)
            }
            Frame::Arithmetic { depth, place } => match ch {
                ')' if depth == 0
                    && next == Some(')')
                    && place != ArithmeticPlace::OldExpansion =>
                {
                    self.out.push_str("))");
                    self.stack.pop();
                    Ok(at + 2)
                }
                '(' | ')' => {
                    self.out.push(ch);
                    let depth = if ch == '(' {
                        depth + 1
                    } else {
                        depth.saturating_sub(1)
                    };
                    self.replace_top(Frame::Arithmetic { depth, place });
                    Ok(at + 1)
                }
                '\\' => self.backslash(tokens, at, |_| true),
                '\'' => self.open(ch, Frame::Single, at),
                '"' => self.open(ch, Frame::Double, at),
                '$' | '`' => self.expansion(tokens, at),
                _ => {
                    self.out.push(ch);
                    Ok(at + 1)
                }
            },
            Frame::Code(kind, _) => self.code_char(tokens, at, ch, kind),
        }
    }

    /// A character in code: the command, `$(...)` or backticks.
    fn code_char(
        &mut self,
        tokens: &[Token<'_>],
        at: usize,
        ch: char,
        kind: CodeKind,
    ) -> Result<usize, ShellError> {
        let next = char_at(tokens, at + 1);
        let word_start = self.command().is_none_or(|command| !command.in_word);
        match ch {
            '\\' => {
                // An escaped character is a literal part of the word; an
                // escaped line break joins the lines.
                if next != Some('\n')
                    && let Some(command) = self.command()
                {
                    command.start_word();
                }
                self.backslash(tokens, at, |_| true)
            }
            '\'' => self.open(ch, Frame::Single, at),
            '"' => self.open(ch, Frame::Double, at),
            '$' => self.expansion(tokens, at),
            '`' if kind == CodeKind::Backticks => {
                self.out.push(ch);
                self.pop_code()?;
                self.taint_word();
                Ok(at + 1)
            }
            '`' => self.expansion(tokens, at),
            '#' if word_start => {
                self.out.push(ch);
                self.stack.push(Frame::Comment);
                Ok(at + 1)
            }
            ' ' | '\t' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.end_word(false);
                }
                Ok(at + 1)
            }
            '\n' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.line_break();
                }
                self.line_break(tokens, at + 1)
            }
            // bash's arithmetic command, where a command starts or after
            // `for`.
            '(' if next == Some('(')
                && self.command().is_some_and(|command| {
                    !command.in_word
                        && !command.redirect_target
                        && !command.compound
                        && (command.expect_name || command.reads == Reads::For)
                }) =>
            {
                self.out.push_str("((");
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::Command,
                });
                Ok(at + 2)
            }
            '(' => {
                self.out.push(ch);
                if let Some(Frame::Code(CodeKind::Substitution(depth), _)) = self.stack.last_mut() {
                    *depth += 1;
                }
                if let Some(command) = self.command() {
                    command.open_paren();
                }
                Ok(at + 1)
            }
            ')' => {
                self.out.push(ch);
                match kind {
                    CodeKind::Substitution(0) => {
                        self.pop_code()?;
                        self.taint_word();
                    }
                    _ => {
                        if let Some(Frame::Code(CodeKind::Substitution(depth), _)) =
                            self.stack.last_mut()
                        {
                            *depth -= 1;
                        }
                        if let Some(command) = self.command() {
                            command.close_paren();
                        }
                    }
                }
                Ok(at + 1)
            }
            ';' | '&' | '|' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.separate();
                }
                Ok(at + 1)
            }
            // bash's here-string `<<<` is no here-document.
            '<' if next == Some('<') && char_at(tokens, at + 2) == Some('<') => {
                self.out.push_str("<<<");
                if let Some(command) = self.command() {
                    command.redirect();
                }
                Ok(at + 3)
            }
            '<' if next == Some('<') => self.here_document(tokens, at),
            '<' | '>' => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.redirect();
                }
                // `>&2`, `<&0`, `>|`: the operator goes on.
                let mut at = at + 1;
                while let Some(more @ ('&' | '|' | '>')) = char_at(tokens, at) {
                    self.out.push(more);
                    at += 1;
                }
                Ok(at)
            }
            _ => {
                self.out.push(ch);
                if let Some(command) = self.command() {
                    command.push(ch);
                }
                Ok(at + 1)
            }
        }
    }

    /// A backslash at `at`: it escapes the next character when `escapes`
    /// says so. Before a value it is written as an escaped backslash, so
    /// that it means itself and the reference stays whole.
    fn backslash(
        &mut self,
        tokens: &[Token<'_>],
        at: usize,
        escapes: impl Fn(char) -> bool,
    ) -> Result<usize, ShellError> {
        match tokens.get(at + 1) {
            Some(Token::Char(next)) if escapes(*next) => {
                self.out.push('\\');
                self.out.push(*next);
                if *next != '\n' {
                    self.literal(*next);
                }
                Ok(at + 2)
            }
            Some(Token::Value(..)) => {
                self.out.push_str("\\\\");
                Ok(at + 1)
            }
            None if matches!(self.stack.last(), Some(Frame::Code(..))) => {
                Err(ShellError::Words(WordsError::TrailingBackslash))
            }
            _ => {
                self.out.push('\\');
                Ok(at + 1)
            }
        }
    }

    fn open(&mut self, ch: char, frame: Frame, at: usize) -> Result<usize, ShellError> {
        self.out.push(ch);
        if let Some(Frame::Code(_, command)) = self.stack.last_mut() {
            command.quote();
        }
        self.stack.push(frame);
        Ok(at + 1)
    }

    /// `$` or a backtick at `at`, in a context where they expand.
    fn expansion(&mut self, tokens: &[Token<'_>], at: usize) -> Result<usize, ShellError> {
        self.taint_word();
        if char_at(tokens, at) == Some('`') {
            self.out.push('`');
            self.stack
                .push(Frame::Code(CodeKind::Backticks, Command::new()));
            return Ok(at + 1);
        }
        match (char_at(tokens, at + 1), char_at(tokens, at + 2)) {
            (Some('('), Some('(')) => {
                self.out.push_str("$((");
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::Expansion,
                });
                Ok(at + 3)
            }
            (Some('('), _) => {
                self.out.push_str("$(");
                self.stack
                    .push(Frame::Code(CodeKind::Substitution(0), Command::new()));
                Ok(at + 2)
            }
            (Some('['), _) => {
                self.out.push_str("$[");
                self.stack.push(Frame::Arithmetic {
                    depth: 0,
                    place: ArithmeticPlace::OldExpansion,
                });
                Ok(at + 2)
            }
            (Some('{'), _) => {
                self.out.push_str("${");
                self.stack.push(Frame::Brace(0));
                Ok(at + 2)
            }
            _ => {
                self.out.push('$');
                Ok(at + 1)
            }
        }
    }

    /// `<<` at `at`, in code: a here-document's operator and delimiter.
    fn here_document(&mut self, tokens: &[Token<'_>], at: usize) -> Result<usize, ShellError> {
        self.out.push_str("<<");
        if let Some(command) = self.command() {
            command.end_word(true);
        }
        let mut at = at + 2;
        let strip_tabs = char_at(tokens, at) == Some('-');
        if strip_tabs {
            self.out.push('-');
            at += 1;
        }
        while let Some(blank @ (' ' | '\t')) = char_at(tokens, at) {
            self.out.push(blank);
            at += 1;
        }
        let mut delimiter = String::new();
        let mut quoted = false;
        let mut quote: Option<char> = None;
        while let Some(token) = tokens.get(at) {
            let ch = match *token {
                Token::Value(piece, _) => {
                    return Err(ShellError::Refused {
                        piece,
                        refusal: Refusal::HereDocumentDelimiter,
                    });
                }
                Token::Char(ch) => ch,
            };
            match (quote, ch) {
                (None, ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')') => break,
                (None, '\'' | '"') => {
                    quoted = true;
                    quote = Some(ch);
                }
                (Some(open), _) if open == ch => quote = None,
                (None, '\\') | (Some('"'), '\\') => {
                    quoted = true;
                    if let Some(Token::Char(escaped)) = tokens.get(at + 1) {
                        self.out.push(ch);
                        self.out.push(*escaped);
                        delimiter.push(*escaped);
                        at += 2;
                        continue;
                    }
                }
                _ => delimiter.push(ch),
            }
            self.out.push(ch);
            at += 1;
        }
        if quote.is_some() {
            return Err(ShellError::Words(WordsError::UnclosedQuote(
                quote.unwrap_or('\''),
            )));
        }
        self.pending.push(HereDocument {
            delimiter,
            strip_tabs,
            quoted,
        });
        Ok(at)
    }

    /// After a line break in code, at `at`: the bodies of pending
    /// here-documents start, one after the other.
    fn line_break(&mut self, tokens: &[Token<'_>], mut at: usize) -> Result<usize, ShellError> {
        while !self.pending.is_empty() {
            let document = self.pending.remove(0);
            self.stack.push(Frame::Body(document));
            match self.body_lines(tokens, at)? {
                BodyEnd::Ended(next) => at = next,
                BodyEnd::Open(next) => return Ok(next),
            }
        }
        Ok(at)
    }

    /// At the start of a line of a here-document's body (at `at`): the
    /// delimiter line ends it; a quoted one is copied line by line, unless
    /// a line holds a value; an unquoted one is read on as text that
    /// expands.
    fn body_lines(&mut self, tokens: &[Token<'_>], mut at: usize) -> Result<BodyEnd, ShellError> {
        loop {
            let Some(Frame::Body(document)) = self.stack.last().cloned() else {
                return Ok(BodyEnd::Open(at));
            };
            if at >= tokens.len() {
                return Ok(BodyEnd::Open(at));
            }
            let end = (at..tokens.len())
                .find(|index| matches!(tokens.get(*index), Some(Token::Char('\n'))))
                .unwrap_or(tokens.len());
            let mut text = String::new();
            let mut value = None;
            for token in tokens.get(at..end).unwrap_or_default() {
                match *token {
                    Token::Char(ch) => text.push(ch),
                    Token::Value(piece, _) => {
                        value.get_or_insert(piece);
                    }
                }
            }
            let compared = if document.strip_tabs {
                text.trim_start_matches('\t')
            } else {
                text.as_str()
            };
            if value.is_none() && compared == document.delimiter {
                self.out.push_str(&text);
                self.stack.pop();
                // What the body held is no part of the next line's command.
                if let Some(command) = self.command() {
                    command.separate();
                }
                if end < tokens.len() {
                    self.out.push('\n');
                    return Ok(BodyEnd::Ended(end + 1));
                }
                return Ok(BodyEnd::Ended(end));
            }
            if !document.quoted {
                return Ok(BodyEnd::Open(at));
            }
            if let Some(piece) = value {
                return Err(ShellError::Refused {
                    piece,
                    refusal: Refusal::QuotedHereDocument,
                });
            }
            self.out.push_str(&text);
            if end >= tokens.len() {
                return Ok(BodyEnd::Open(end));
            }
            self.out.push('\n');
            at = end + 1;
        }
    }

    /// A value: a reference for where it stands, or a refusal.
    fn value(&mut self, piece: usize, value: &str) -> Result<(), ShellError> {
        let refused = |refusal| Err(ShellError::Refused { piece, refusal });
        for frame in &self.stack {
            match frame {
                Frame::Arithmetic { place, .. } => return refused(Refusal::Arithmetic(*place)),
                Frame::Code(_, command) => {
                    if let Some(name) = command.reevaluates {
                        return refused(Refusal::Reevaluated(name));
                    }
                }
                _ => {}
            }
        }
        // Where bash reads the word as arithmetic or as a name. A value in
        // a comment does nothing; one in `${...}` is refused below.
        let in_brace = self
            .stack
            .iter()
            .rev()
            .find(|frame| !matches!(frame, Frame::Single | Frame::Double))
            .is_some_and(|frame| matches!(frame, Frame::Brace(_)));
        let in_comment = self
            .stack
            .iter()
            .any(|frame| matches!(frame, Frame::Comment));
        if !in_brace && !in_comment {
            if let Some(attribute) = self.attribute {
                return refused(attribute);
            }
            for frame in &mut self.stack {
                if let Frame::Code(_, command) = frame
                    && let Some(refusal) = command.value(piece)
                {
                    return refused(refusal);
                }
            }
            self.first_value.get_or_insert(piece);
        }
        // The nearest frame that is not a quote decides, with the quote.
        let mut quote = None;
        let mut decides = None;
        for frame in self.stack.iter().rev() {
            match frame {
                Frame::Single | Frame::Double if quote.is_none() => quote = Some(frame),
                Frame::Single | Frame::Double => {}
                _ => {
                    decides = Some(frame);
                    break;
                }
            }
        }
        if let Some(Frame::Brace(_)) = decides {
            return refused(Refusal::ParameterExpansion);
        }
        let name = super::shell::variable(self.values.number(value));
        let reference = match (decides, quote) {
            (Some(Frame::Comment), _) => format!("${{{name}}}"),
            (_, Some(Frame::Double)) => format!("${{{name}}}"),
            (_, Some(Frame::Single)) => format!("'\"${{{name}}}\"'"),
            (Some(Frame::Body(_)), None) => format!("${{{name}}}"),
            _ => format!("\"${{{name}}}\""),
        };
        self.out.push_str(&reference);
        self.taint_word();
        Ok(())
    }

    fn finish(mut self) -> Result<String, ShellError> {
        for frame in &mut self.stack {
            if let Frame::Code(_, command) = frame {
                command.end_word(false);
            }
        }
        self.take_refusals()?;
        for frame in self.stack.iter().rev() {
            match frame {
                Frame::Single => return Err(ShellError::Words(WordsError::UnclosedQuote('\''))),
                Frame::Double => return Err(ShellError::Words(WordsError::UnclosedQuote('"'))),
                _ => {}
            }
        }
        if self.out.trim().is_empty() {
            return Err(ShellError::Words(WordsError::Empty));
        }
        Ok(self.out)
    }
}

fn char_at(tokens: &[Token<'_>], at: usize) -> Option<char> {
    match tokens.get(at) {
        Some(Token::Char(ch)) => Some(*ch),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The code for `text`, where `@` stands for the value `v`.
    fn code(text: &str) -> Result<String, ShellError> {
        let mut pieces = Vec::new();
        for (index, part) in text.split('@').enumerate() {
            if index > 0 {
                pieces.push(Piece::Value("v"));
            }
            pieces.push(Piece::Text(part));
        }
        shell_text(&pieces, &mut Values::default())
    }

    fn refusal(text: &str) -> Option<Refusal> {
        match code(text) {
            Err(ShellError::Refused { refusal, .. }) => Some(refusal),
            _ => None,
        }
    }

    #[test]
    fn references_fit_where_the_value_stands() {
        let cases = [
            ("echo @", "echo \"${PIPEC_VALUE_1}\""),
            ("echo '@'", "echo ''\"${PIPEC_VALUE_1}\"''"),
            ("echo \"@\"", "echo \"${PIPEC_VALUE_1}\""),
            (
                "echo \"$(echo @)\"",
                "echo \"$(echo \"${PIPEC_VALUE_1}\")\"",
            ),
            ("echo `echo @`", "echo `echo \"${PIPEC_VALUE_1}\"`"),
            (
                "echo \"$(a \"$(b '@')\")\"",
                "echo \"$(a \"$(b ''\"${PIPEC_VALUE_1}\"'')\")\"",
            ),
            (
                "cat <<EOF\n@ '@'\nEOF",
                "cat <<EOF\n${PIPEC_VALUE_1} '${PIPEC_VALUE_1}'\nEOF",
            ),
            (
                "cat <<-EOF\n\t$(x @)\n\tEOF\necho @",
                "cat <<-EOF\n\t$(x \"${PIPEC_VALUE_1}\")\n\tEOF\necho \"${PIPEC_VALUE_1}\"",
            ),
            (
                "true # it's @\necho '@'",
                "true # it's ${PIPEC_VALUE_1}\necho ''\"${PIPEC_VALUE_1}\"''",
            ),
            ("echo \\@", "echo \\\\\"${PIPEC_VALUE_1}\""),
            ("echo $#@", "echo $#\"${PIPEC_VALUE_1}\""),
        ];
        for (text, expected) in cases {
            assert_eq!(code(text).unwrap(), expected, "{text:?}");
        }
    }

    #[test]
    fn values_share_a_variable_by_text_and_are_numbered_in_order() {
        let mut values = Values::default();
        let first = shell_text(
            &[
                Piece::Value("a"),
                Piece::Text(" "),
                Piece::Value("b"),
                Piece::Value("a"),
            ],
            &mut values,
        )
        .unwrap();
        let second = shell_text(&[Piece::Text("x "), Piece::Value("b")], &mut values).unwrap();
        assert_eq!(
            first,
            "\"${PIPEC_VALUE_1}\" \"${PIPEC_VALUE_2}\"\"${PIPEC_VALUE_1}\""
        );
        assert_eq!(second, "x \"${PIPEC_VALUE_2}\"");
        assert_eq!(
            values.variables().collect::<Vec<_>>(),
            [
                ("PIPEC_VALUE_1".to_string(), "a"),
                ("PIPEC_VALUE_2".to_string(), "b")
            ]
        );
    }

    #[test]
    fn places_without_a_safe_reference_are_refused() {
        let cases = [
            (
                "echo $((@ + 1))",
                Refusal::Arithmetic(ArithmeticPlace::Expansion),
            ),
            (
                "echo \"$(( $(x @) ))\"",
                Refusal::Arithmetic(ArithmeticPlace::Expansion),
            ),
            ("cat <<'EOF'\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<\"EOF\"\nx\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<\\EOF\n@\nEOF", Refusal::QuotedHereDocument),
            ("cat <<@\nx\n", Refusal::HereDocumentDelimiter),
            ("echo \"${X:-@}\"", Refusal::ParameterExpansion),
            ("eval echo @", Refusal::Reevaluated("eval")),
            ("X=1 command eval \"@\"", Refusal::Reevaluated("eval")),
            (
                "true; if true; then eval \"$(echo @)\"; fi",
                Refusal::Reevaluated("eval"),
            ),
            ("trap 'echo @' EXIT", Refusal::Reevaluated("trap")),
            ("alias x=@", Refusal::Reevaluated("alias")),
        ];
        for (text, expected) in cases {
            assert_eq!(refusal(text), Some(expected), "{text:?}");
        }
        // Not a command named `eval`: an argument, a quoted body, after `;`.
        for text in [
            "echo eval @",
            "cat <<'EOF'\neval\nEOF\necho @",
            "eval true; echo @",
            "echo $((1 + 2)) @",
            "echo \"${X:-a}\" @",
        ] {
            assert!(code(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn places_where_bash_evaluates_a_value_as_arithmetic_are_refused() {
        use ArithmeticPlace::*;
        let cases = [
            ("let \"n=@\"", Let),
            ("let n=1 m=@", Let),
            ("true && command let n=$(echo @)", Let),
            ("(( m = @ ))", Command),
            ("if ((@ > 1)); then :; fi", Command),
            ("for ((i = @; i < 3; i++)); do :; done", Command),
            ("echo $[ @ + 1 ]", OldExpansion),
            ("echo \"$[a[1] + @]\"", OldExpansion),
            ("cat <<EOF\n$[@]\nEOF", OldExpansion),
            ("[[ @ -eq 1 ]]", Comparison("-eq")),
            ("[[ \"@\" -ne 1 ]]", Comparison("-ne")),
            ("[[ 1 -lt @ ]]", Comparison("-lt")),
            ("[[ 1 -le \"$(echo @)\" ]]", Comparison("-le")),
            ("[[ -n x && a@ -gt 1 ]]", Comparison("-gt")),
            ("[[ -z x ||\n 1 -ge @ ]]", Comparison("-ge")),
            ("[[ ( @ -eq 1 ) ]]", Comparison("-eq")),
            ("arr[@]=x", Subscript),
            ("arr[\"@\"]+=x", Subscript),
            ("X=1 arr[a[1]+@]=x", Subscript),
            ("arr=(x [@]=y)", Subscript),
            ("arr=(\n  [1]=a\n  [\"@\"]=b\n)", Subscript),
            ("declare -a arr=([@]=x)", Subscript),
            ("export arr=([\"@\"]=x)", Subscript),
            ("readonly arr+=([1]=a [@]=x)", Subscript),
        ];
        for (text, expected) in cases {
            assert_eq!(
                refusal(text),
                Some(Refusal::Arithmetic(expected)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn places_where_bash_reads_a_value_as_a_name_are_refused() {
        use NamePlace::*;
        let cases = [
            ("unset @", Argument("unset")),
            ("unset -v \"arr[@]\"", Argument("unset")),
            ("read -r @", Argument("read")),
            ("read -p x line @ < file", Argument("read")),
            ("read -- @", Argument("read")),
            ("read \"@\" x", Argument("read")),
            ("declare @=1", Declaration("declare")),
            ("f() { local \"x@\"=1; }", Declaration("local")),
            ("typeset -r @", Declaration("typeset")),
            ("declare \"@\" n=1", Declaration("declare")),
            ("printf -v @ '%s' x", Operand("printf", "-v")),
            ("printf -v\"@\" '%s' x", Operand("printf", "-v")),
            ("printf \"@\" \"@\" x", Operand("printf", "-v")),
            ("wait -n -p @", Operand("wait", "-p")),
            ("[ -v @ ]", Operand("[", "-v")),
            ("test ! -v \"@\"", Operand("test", "-v")),
            ("[ \"@\" \"@\" ]", Operand("[", "-v")),
            ("[[ -v @ ]]", Operand("[[", "-v")),
        ];
        for (text, expected) in cases {
            assert_eq!(refusal(text), Some(Refusal::Name(expected)), "{text:?}");
        }
    }

    #[test]
    fn a_command_that_gives_an_attribute_refuses_every_value() {
        let integer = Refusal::Attribute {
            command: "declare",
            option: 'i',
        };
        let cases = [
            ("declare -i n=@", integer),
            ("declare -gi n; n=@", integer),
            ("echo @; declare -i n", integer),
            ("declare -i n; read n <<< @", integer),
            ("declare -i n; printf -v n %s \"@\"", integer),
            (
                "f() { local -i n=\"$(echo @)\"; }",
                Refusal::Attribute {
                    command: "local",
                    option: 'i',
                },
            ),
            (
                "declare -n r=@",
                Refusal::Attribute {
                    command: "declare",
                    option: 'n',
                },
            ),
            (
                "typeset -n r; r=@",
                Refusal::Attribute {
                    command: "typeset",
                    option: 'n',
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(refusal(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn values_where_bash_evaluates_nothing_are_still_accepted() {
        for text in [
            // String tests of `[[ ... ]]`, and arithmetic beside no value.
            "[[ -n @ ]]",
            "[[ @ == y ]]",
            "[[ @ = \"-eq\" ]]",
            "[[ @ ]]",
            "[[ @ < b ]]",
            "[[ @ =~ ^a ]] && [[ 1 -eq 1 ]]",
            "[[ 1 -eq 1 ]] && echo @",
            "[[ 1 -eq 1 && -n @ ]]",
            "[[ -v x ]] && echo @",
            "[[ a == \"]]\" ]] || echo @",
            // `test` and `[` compare integers without evaluating them.
            "[ @ -eq 1 ]",
            "test 1 -lt \"@\"",
            "[ -n @ ]",
            "[ @ = x ]",
            // Values of assignments, and array elements.
            "x=@",
            "arr[1]=@",
            "arr=(@ \"@\")",
            "declare x=@",
            "local x=\"@\"",
            "declare -a arr=(@)",
            "declare -r x=@",
            "export X=@",
            "readonly X=@",
            // Arguments that are no names.
            "read -r -p @ line",
            "read -t @ line",
            "read -p@ line",
            "read line <<< @",
            "read line < @",
            "printf '%s\\n' @",
            "printf -v x '%s' @",
            "wait @",
            "echo let @",
            "echo unset @",
            "echo declare -i @",
            "echo arr[@]",
            "echo arr=(@)",
            "let n=1; echo @",
            "unset x; echo @",
            "declare +i n; echo @",
            "((n = 1)); echo @",
            "for x in @; do echo $((1 + 1)); done",
            "echo $[1] @",
            "( (echo @) )",
            "echo $(echo @) && (echo @)",
            "let n=1 # @",
            "declare -i n # @",
            "echo \"${X:-$(echo @)}\"",
            "cat <<EOF\n$(echo x)\nEOF\necho @",
        ] {
            assert!(code(text).is_ok(), "{text:?}: {:?}", code(text));
        }
    }

    #[test]
    fn a_command_after_a_here_document_is_read_afresh() {
        // An expansion in the body is no part of the next line's words.
        assert_eq!(
            refusal("cat <<EOF\n$(echo x)\nEOF\neval @"),
            Some(Refusal::Reevaluated("eval"))
        );
        assert_eq!(
            refusal("cat <<EOF\n$(echo x)\nEOF\nlet n=@"),
            Some(Refusal::Arithmetic(ArithmeticPlace::Let))
        );
    }

    #[test]
    fn no_value_is_ever_written_into_the_code() {
        // Every arrangement of three fragments of shell syntax around two
        // values: scanning ends without a panic, and the code holds
        // references only, never a value's text.
        let fragments = [
            "",
            " ",
            "'",
            "\"",
            "\\",
            "$(",
            ")",
            "`",
            "$((",
            "))",
            "${",
            "}",
            "#",
            "\n",
            "<<EOF\n",
            "<<'E'\n",
            "<<-",
            "EOF",
            "eval ",
            ";",
            "|",
            "(",
            "<",
            "\t",
            "$[",
            "]",
            "((",
            "let ",
            "[[ ",
            " -eq ",
            "]]",
            "a[",
            "x=(",
            "declare -i ",
            "read ",
            "-v ",
        ];
        let value = "CANARY\n'\"`$(x)";
        for a in fragments {
            for b in fragments {
                for c in fragments {
                    let pieces = [
                        Piece::Text(a),
                        Piece::Value(value),
                        Piece::Text(b),
                        Piece::Value(value),
                        Piece::Text(c),
                    ];
                    if let Ok(code) = shell_text(&pieces, &mut Values::default()) {
                        assert!(!code.contains("CANARY"), "{pieces:?}: {code}");
                    }
                }
            }
        }
    }

    #[test]
    fn broken_code_is_still_refused_as_before() {
        assert_eq!(
            code("echo '@"),
            Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
        );
        assert_eq!(
            code("echo \"$(echo '@)\""),
            Err(ShellError::Words(WordsError::UnclosedQuote('\'')))
        );
        assert_eq!(
            code("echo a\\"),
            Err(ShellError::Words(WordsError::TrailingBackslash))
        );
        assert_eq!(
            shell_text(&[Piece::Text("  ")], &mut Values::default()),
            Err(ShellError::Words(WordsError::Empty))
        );
    }
}
