//! The simple command being read in one code frame: its name, how it
//! reads its arguments, and whether bash evaluates the word being read as
//! arithmetic or as a variable's name.

use super::{ArithmeticPlace, NamePlace, Refusal};

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
pub(super) enum Reads {
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
pub(super) struct Command {
    /// Reading a word.
    pub(super) in_word: bool,
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
    pub(super) expect_name: bool,
    /// The next word is a redirection's target.
    pub(super) redirect_target: bool,
    /// The command's name reevaluates its arguments.
    pub(super) reevaluates: Option<&'static str>,
    /// How the command reads its arguments.
    pub(super) reads: Reads,
    /// Still reading options.
    options: bool,
    /// What the next word is.
    next: Next,
    /// In `[[ ... ]]`: the first value in the word before.
    previous_value: Option<usize>,
    /// Inside a compound assignment `NAME=(...)`.
    pub(super) compound: bool,
    /// A value found refused when its word ended (the scanner takes it).
    pub(super) refused: Option<(usize, Refusal)>,
    /// The command gives a variable an attribute (the scanner takes it).
    pub(super) attribute: Option<Refusal>,
}

impl Command {
    pub(super) fn new() -> Command {
        Command {
            plain: true,
            expect_name: true,
            ..Command::default()
        }
    }

    pub(super) fn start_word(&mut self) {
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

    pub(super) fn push(&mut self, ch: char) {
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
    pub(super) fn quote(&mut self) {
        self.start_word();
        self.quoted = true;
    }

    /// Something other than literal text (a value, an expansion) is part
    /// of the word.
    pub(super) fn taint(&mut self) {
        self.start_word();
        self.plain = false;
    }

    /// A redirection operator: the word before ends, the next is its
    /// target (in `[[ ... ]]`, `<` and `>` compare strings).
    pub(super) fn redirect(&mut self) {
        self.end_word(true);
        if self.reads != Reads::Conditional {
            self.redirect_target = true;
        }
    }

    /// The word ends; `before_redirect` when a `<` or `>` ends it (then a
    /// word of digits is the redirection's file descriptor).
    pub(super) fn end_word(&mut self, before_redirect: bool) {
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
                .is_some_and(|(name, _)| super::is_variable_name(name))
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
    pub(super) fn value(&mut self, piece: usize) -> Option<Refusal> {
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
                    .filter(|(name, _)| super::is_variable_name(name))
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
    pub(super) fn open_paren(&mut self) {
        let assignment = self.in_word
            && self.plain
            && self
                .word
                .strip_suffix('=')
                .map(|name| name.strip_suffix('+').unwrap_or(name))
                .is_some_and(super::is_variable_name);
        if assignment && !self.compound {
            self.end_word(false);
            self.compound = true;
        } else {
            self.separate();
        }
    }

    /// `)` in code (not one closing `$(`): a compound assignment closes,
    /// or the command ends.
    pub(super) fn close_paren(&mut self) {
        if self.compound {
            self.end_word(false);
            self.compound = false;
        } else {
            self.separate();
        }
    }

    /// A line break: the command ends, unless it goes on over lines
    /// (`[[ ... ]]`, a compound assignment).
    pub(super) fn line_break(&mut self) {
        if self.compound {
            self.end_word(false);
        } else {
            self.separate();
        }
    }

    /// A command ends (`;`, `&`, `|`, `(`, `)`, a line break); inside
    /// `[[ ... ]]` an operator (`&&`, `||`, `(`, `)`) starts an operand.
    pub(super) fn separate(&mut self) {
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

fn is_assignment(word: &str) -> bool {
    word.split_once('=')
        .is_some_and(|(name, _)| super::is_variable_name(name))
}
