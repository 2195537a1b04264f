//! The pest parser generated from `grammar/pipe.pest`, and the translation
//! of its errors into diagnostics with human phrases. Nothing outside
//! `syntax` sees a pest type.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pairs;
use std::collections::BTreeSet;

/// The generated parser.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/pipe.pest"]
pub struct PipeParser;

/// Held while pest's process-wide error detail is on.
static DETAILED_PARSE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Why a text does not parse: the diagnostic, and when it is a YAML
/// `key: value`, where in the text its `:` is, so that the caller can read
/// the text again with `=` there.
pub struct ParseError {
    pub diagnostic: Box<Diagnostic>,
    /// The byte offset in the text parsed of a `:` written for `=`.
    pub colon: Option<usize>,
}

/// Parses `text` (which starts at byte `offset` of file `file`) with the
/// entry rule `rule`, or explains why it does not parse.
///
/// `more_follows` says whether more of the file comes after `text`, so that
/// running out of text reads as "the end of the declaration" rather than
/// "the end of the file".
pub fn parse(
    rule: Rule,
    text: &str,
    file: FileId,
    offset: usize,
    more_follows: bool,
) -> Result<Pairs<'_, Rule>, ParseError> {
    match PipeParser::parse(rule, text) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            // Parse again with pest's detailed tracking of what was tried;
            // it costs time, so only failing input pays for it. The switch
            // is one for the whole process: without the lock, another
            // thread's failing file could turn it off in the middle of this
            // parse, and the message would depend on timing. (A thread's
            // first parse meanwhile only runs slower with it on.)
            let detailed = {
                let _only_one = DETAILED_PARSE
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                pest::set_error_detail(true);
                let detailed = PipeParser::parse(rule, text);
                pest::set_error_detail(false);
                detailed
            };
            match detailed {
                Ok(pairs) => Ok(pairs),
                Err(error) => {
                    let (diagnostic, colon) = describe(&error, text, file, offset, more_follows);
                    Err(ParseError {
                        diagnostic: Box::new(diagnostic),
                        colon,
                    })
                }
            }
        }
    }
}

/// The diagnostic for `error`, and the offset in `text` of the `:` of a
/// YAML `key: value` it is about, if it is one.
fn describe(
    error: &pest::error::Error<Rule>,
    text: &str,
    file: FileId,
    offset: usize,
    more_follows: bool,
) -> (Diagnostic, Option<usize>) {
    let mut pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    // At the end of a declaration, point just after its last token rather
    // than at the next declaration.
    let at_end = text.get(pos..).is_none_or(|rest| rest.trim().is_empty());
    if at_end {
        pos = text.trim_end().len().min(pos);
    }
    let positives: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let literals: Vec<String> = error
        .parse_attempts()
        .map(|attempts| {
            attempts
                .expected_tokens()
                .into_iter()
                .map(|token| token.to_string())
                .collect()
        })
        .unwrap_or_default();
    let first_token = first_token_offset(text);
    let found = if at_end && more_follows {
        Found {
            description: "the end of the declaration".to_string(),
            len: 0,
        }
    } else {
        found_token(text, pos)
    };
    // A label on a token of the next line reads as blaming that line; when
    // the error is only "something is missing here", point just after the
    // previous token instead.
    let previous_end = text.get(..pos).map_or(0, |before| before.trim_end().len());
    // When the declaration was complete (the end could come), the token
    // found is the one to blame; otherwise something is missing.
    let something_missing = !positives.contains(&Rule::EOI)
        && text.get(pos..).is_none_or(|rest| {
            rest.is_empty()
                || rest.starts_with(|ch: char| ch.is_alphanumeric() || "})]\"".contains(ch))
        });
    let label_pos = if something_missing
        && pos > first_token
        && text
            .get(previous_end..pos)
            .is_some_and(|gap| gap.contains('\n'))
    {
        previous_end
    } else {
        pos
    };
    let label_len = if label_pos == pos { found.len } else { 0 };
    let found_span = Span::new(offset + label_pos, offset + label_pos + label_len);

    if let Some(habit) = yaml_habit(text, pos) {
        let span = Span::new(offset + habit.span.0, offset + habit.span.1);
        let diagnostic = Diagnostic::error(Code::YAML_HABIT, habit.title)
            .primary(file, span, habit.label)
            .help(habit.help);
        if !habit.colon {
            return (diagnostic, None);
        }
        // `key: value` becomes `key = value`.
        let spaced = text
            .get(..habit.span.0)
            .is_some_and(|before| before.ends_with([' ', '\t']));
        return (
            diagnostic.suggest(
                "Change `:` to `=`",
                file,
                span,
                if spaced { "=" } else { " =" },
            ),
            Some(habit.span.0),
        );
    }

    if let Some((start, end, short)) = full_weekday_near(text, pos) {
        let word = text.get(start..end).unwrap_or("");
        let diagnostic = Diagnostic::error(
            Code::SYNTAX,
            format!("`{word}` is not a day name in `.pipe`"),
        )
        .primary(
            file,
            Span::new(offset + start, offset + end),
            format!("write `{short}`"),
        )
        .help("days are written `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`: `allow = [mon..thu 09:00..16:00]`");
        return (diagnostic, None);
    }

    // Nothing of the declaration parsed: what was expected is a
    // declaration, whatever pest's bookkeeping says at offset zero.
    let expected = if pos == first_token {
        Some(DECLARATION_PHRASE.to_string())
    } else {
        expected_phrases(&positives, &literals)
    };
    let message = match &expected {
        Some(expected) => format!("expected {expected}, found {}", found.description),
        None => format!("unexpected {}", found.description),
    };
    let label = match &expected {
        Some(expected) => format!("expected {expected}"),
        None => "not expected here".to_string(),
    };
    let mut diagnostic = Diagnostic::error(Code::SYNTAX, message).primary(file, found_span, label);
    diagnostic = match hint(&positives, text, pos, pos == first_token) {
        Some(help) => diagnostic.help(help),
        None => diagnostic.help("see docs/language.md for the syntax of each construct"),
    };
    (diagnostic, None)
}

/// A weekday written in full (`monday`) just before or at `pos`, where the
/// parser gave up: the place and the day's `.pipe` name.
fn full_weekday_near(text: &str, pos: usize) -> Option<(usize, usize, &'static str)> {
    const DAYS: [(&str, &str); 7] = [
        ("monday", "mon"),
        ("tuesday", "tue"),
        ("wednesday", "wed"),
        ("thursday", "thu"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    ];
    let is_word = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    // `monday..thu` stops the parser at a dot after the word.
    let before = text.get(..pos)?.trim_end_matches(['.', ' ']);
    let end_before = before.len();
    let start_before = before.trim_end_matches(is_word).len();
    let after = text.get(pos..)?;
    let end_after = pos + (after.len() - after.trim_start_matches(is_word).len());
    let candidates = [(start_before, end_before), (pos, end_after)];
    candidates.into_iter().find_map(|(start, end)| {
        // Only where a day is written: in a range (`monday..thu`,
        // `mon..thursday`) or first in a slot list (`[friday 09:00..`);
        // `wave sunday` is a name, not a day.
        let after = text.get(end..)?.trim_start_matches(' ');
        let before = text.get(..start)?.trim_end_matches(' ');
        let in_a_day_range = after.starts_with("..")
            || before.ends_with("..")
            || ((before.ends_with('[') || before.ends_with(','))
                && after.starts_with(|ch: char| ch.is_ascii_digit()));
        if !in_a_day_range {
            return None;
        }
        let word = text.get(start..end)?.to_ascii_lowercase();
        DAYS.iter()
            .find(|(full, _)| *full == word)
            .map(|(_, short)| (start, end, *short))
    })
}

const DECLARATION_PHRASE: &str = "a declaration (`import`, `registry`, `calendar`, `window`, `alarm`, `template`, `pipeline` or `policy`)";

/// The offset of the first token, after whitespace and comments.
fn first_token_offset(text: &str) -> usize {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start_matches(|ch: char| ch.is_whitespace() || ch == '\u{FEFF}');
        match trimmed.strip_prefix("//") {
            Some(comment) => {
                rest = comment
                    .find('\n')
                    .map_or("", |idx| comment.get(idx..).unwrap_or(""))
            }
            None => return text.len() - trimmed.len(),
        }
    }
}

struct Found {
    description: String,
    len: usize,
}

fn found_token(text: &str, pos: usize) -> Found {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return Found {
            description: "the end of the file".to_string(),
            len: 0,
        };
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let len = rest
            .find(|ch: char| {
                !(ch.is_ascii_alphanumeric()
                    || ch == '_'
                    || ch == '-'
                    || ch == '.'
                    || ch == ':'
                    || ch == '%')
            })
            .unwrap_or(rest.len());
        let word = rest.get(..len).unwrap_or("");
        let word = word.trim_end_matches([':', '.', '-']);
        return Found {
            description: format!("`{word}`"),
            len: word.len(),
        };
    }
    if first == '"' {
        let len = rest
            .get(1..)
            .and_then(|s| s.find(['"', '\n']))
            .map_or(rest.len(), |idx| idx + 2);
        return Found {
            description: "a string".to_string(),
            len: len.min(rest.len()),
        };
    }
    if first == '\n' || first == '\r' {
        return Found {
            description: "the end of the line".to_string(),
            len: 0,
        };
    }
    // A character that shows as nothing, or as a blank, is named by its
    // code point: "found ` `" would not say what to delete.
    let invisible = first.is_control()
        || first.is_whitespace()
        || matches!(first, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}');
    Found {
        description: if first == ' ' {
            "a space".to_string()
        } else if first == '\t' {
            "a tab".to_string()
        } else if invisible {
            format!("the invisible character U+{:04X}", u32::from(first))
        } else {
            format!("`{first}`")
        },
        len: first.len_utf8(),
    }
}

/// Turns what pest tried into one phrase, such as "a member or `}`".
fn expected_phrases(positives: &[Rule], literals: &[String]) -> Option<String> {
    let mut phrases: BTreeSet<(u8, String)> = BTreeSet::new();
    let has_member = positives.iter().any(|rule| is_member_rule(*rule));
    let has_item = positives.iter().any(|rule| is_item_rule(*rule));
    if has_item {
        phrases.insert((0, DECLARATION_PHRASE.to_string()));
    }
    if has_member {
        phrases.insert((1, "a member".to_string()));
    }
    for rule in positives {
        if is_member_rule(*rule) || is_item_rule(*rule) {
            continue;
        }
        if *rule == Rule::EOI {
            // A declaration is parsed on its own, so its "end of input" is
            // the end of the file only if nothing follows.
            // The scanner splits the file before every declaration, so the
            // end of this text is where the next declaration may start.
            phrases.insert((2, "the end of the declaration".to_string()));
        } else if let Some(phrase) = rule_phrase(*rule) {
            phrases.insert((2, phrase.to_string()));
        }
    }
    for literal in literals {
        // Keywords are described by their rules; only punctuation is
        // listed as a token.
        // Punctuation only: keywords are described by their rules, and
        // whitespace, comments and the insides of tokens are noise.
        let punctuation = matches!(
            literal.as_str(),
            "{" | "}"
                | "("
                | ")"
                | "["
                | "]"
                | ","
                | ";"
                | "="
                | "+="
                | "-="
                | ":"
                | "=="
                | "!="
                | "<="
        );
        let phrase = format!("`{literal}`");
        if punctuation && !phrases.iter().any(|(_, existing)| *existing == phrase) {
            phrases.insert((3, phrase));
        }
    }
    let has_value = phrases.iter().any(|(_, phrase)| phrase == "a value");
    let phrases: Vec<String> = phrases
        .into_iter()
        .map(|(_, phrase)| phrase)
        // A value can start with `(` or `[`; saying both is noise.
        .filter(|phrase| !(has_value && (phrase == "`(`" || phrase == "`[`")))
        .collect();
    match phrases.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

fn is_item_rule(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::import_decl
            | Rule::registry_decl
            | Rule::calendar_decl
            | Rule::window_decl
            | Rule::template_decl
            | Rule::pipeline_decl
            | Rule::policy_decl
            | Rule::kw_import
            | Rule::kw_registry
            | Rule::kw_calendar
            | Rule::kw_template
            | Rule::kw_pipeline
            | Rule::kw_policy
    )
}

fn is_member_rule(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::member
            | Rule::modifier
            | Rule::source_decl
            | Rule::build_decl
            | Rule::stage_decl
            | Rule::production_decl
            | Rule::wave_decl
            | Rule::onebox_decl
            | Rule::test_decl
            | Rule::deploy_decl
            | Rule::profile_decl
            | Rule::rollback_stmt
            | Rule::block_stmt
            | Rule::window_member
            | Rule::require_stmt
            | Rule::wait_stmt
            | Rule::scope_stmt
            | Rule::exclude_stmt
            | Rule::bake_scale_stmt
            | Rule::traffic_stmt
            | Rule::region_decl
            | Rule::holiday_stmt
            | Rule::include_stmt
            | Rule::level_stmt
            | Rule::exempt_stmt
            | Rule::floor_stmt
            | Rule::remove_stmt
            | Rule::env_stmt
            | Rule::field_decl
            | Rule::field_assign
            | Rule::level
            | Rule::kw_deny
            | Rule::kw_warn
            | Rule::kw_allow
    )
}

fn rule_phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::path | Rule::interp_path => "a name",
        Rule::string => "a string",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::set_expr
        | Rule::postfix_expr
        | Rule::list
        | Rule::call
        | Rule::paren
        | Rule::boolean
        | Rule::weekday_slot
        | Rule::weekday
        | Rule::time_range
        | Rule::date_range
        | Rule::kw_rest
        | Rule::arg => "a value",
        Rule::quantity => "a number",
        Rule::date => "a date",
        Rule::time => "a time",
        Rule::condition | Rule::cond_and | Rule::cond_not | Rule::comparison => "a condition",
        Rule::compare_op => "`==`, `!=` or `in`",
        Rule::type_expr | Rule::list_type => "a type",
        Rule::block => "`{`",
        Rule::assign_op => "`=`",
        Rule::artifact_kind => "`package` or `git`",
        Rule::member_keyword => "a member kind (`stage`, `wave`, `test`, `alarm`, ...)",
        Rule::extends_clause | Rule::kw_extends => "`extends`",
        Rule::kw_as => "`as`",
        Rule::kw_on => "`on`",
        Rule::kw_for => "`for`",
        Rule::kw_from => "`from`",
        Rule::kw_because => "`because`",
        Rule::kw_containing => "`containing`",
        Rule::kw_artifacts => "`artifacts`",
        Rule::kw_scale => "`scale`",
        Rule::kw_overridable => "`overridable`",
        // Operators that could continue a complete expression are left
        // out: listing them after every value would drown the message.
        _ => return None,
    })
}

/// A targeted suggestion for common mistakes.
fn hint(positives: &[Rule], text: &str, pos: usize, at_first_token: bool) -> Option<String> {
    let before = text.get(..pos).unwrap_or("").trim_end();
    let rest = text.get(pos..).unwrap_or("");
    let word_len = rest
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .unwrap_or(rest.len());
    let word = rest.get(..word_len).unwrap_or("");
    if positives.contains(&Rule::ident) && RESERVED.contains(&word) {
        return Some(format!(
            "`{word}` is a reserved word and cannot be used as a name"
        ));
    }
    if at_first_token && matches!(word, "abstract" | "final" | "new") {
        let declares_alarm = rest
            .split_whitespace()
            .find(|next| !matches!(*next, "abstract" | "final" | "new"))
            == Some("alarm");
        return Some(if word == "abstract" && declares_alarm {
            "`abstract alarm` belongs in a template; a top-level alarm is written with its value, \
             `alarm NAME = ALARM(\"...\")`"
                .to_string()
        } else {
            format!(
                "a top-level declaration takes no modifier: `{word}` marks a member of a template \
                 or pipeline"
            )
        });
    }
    if (at_first_token || positives.contains(&Rule::EOI)) && MEMBER_WORDS.contains(&word) {
        return Some(format!(
            "`{word}` is a member: it goes inside a `template` or `pipeline` (or, for `region` and \
             `holiday`, inside a `registry` or `calendar`)"
        ));
    }
    if rest.starts_with("||") || rest.starts_with("&&") {
        return Some("alarm and filter logic is written with `or`, `and` and `not`".to_string());
    }
    if rest.starts_with('#') {
        return Some("comments start with `//`".to_string());
    }
    if rest.starts_with('\'') {
        return Some("strings use double quotes: \"...\"".to_string());
    }
    if rest.starts_with('=') && !rest.starts_with("==") && positives.contains(&Rule::compare_op) {
        return Some("comparisons are written `==`, `!=` or `in`".to_string());
    }
    if rest.starts_with("==") && positives.contains(&Rule::assign_op) {
        return Some("fields are assigned with a single `=`".to_string());
    }
    if positives.contains(&Rule::assign_op) && rest.starts_with(':') {
        return Some("fields are assigned with `=`, e.g. `bake = 1h`".to_string());
    }
    if before.ends_with("traffic") && rest.starts_with('<') {
        return Some("a one-box's share of traffic is written `traffic <= 10%`".to_string());
    }
    if rest.starts_with(',') && positives.iter().any(|rule| is_member_rule(*rule)) {
        return Some("members are separated by new lines or `;`, not commas".to_string());
    }
    None
}

/// Words that start members, for "this belongs inside a declaration".
const MEMBER_WORDS: &[&str] = &[
    "stage",
    "production",
    "wave",
    "source",
    "build",
    "test",
    "deploy",
    "onebox",
    "profile",
    "region",
    "holiday",
    "rollback",
    "block",
    "require",
    "exclude",
];

/// The words `ident` refuses (see `reserved` in the grammar).
pub(super) const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "where",
    "take",
    "union",
    "intersect",
    "minus",
    "in",
    "true",
    "false",
    "overridable",
    "because",
    "extends",
];

struct Habit {
    title: &'static str,
    label: &'static str,
    help: &'static str,
    span: (usize, usize),
    /// Whether `span` is a `:` written for `=`.
    colon: bool,
}

/// Recognises YAML and CI-workflow habits at the error position.
fn yaml_habit(text: &str, pos: usize) -> Option<Habit> {
    let line_start = text
        .get(..pos)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |idx| idx + 1);
    let line_end = text
        .get(pos..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |idx| pos + idx);
    let line = text.get(line_start..line_end).unwrap_or("");
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if trimmed.starts_with("- ") || trimmed == "-" {
        return Some(Habit {
            title: "YAML list bullets are not `.pipe` syntax",
            label: "a `-` bullet",
            help: "write lists in brackets, e.g. `regions = [us-east-1, eu-west-1]`",
            span: (line_start + indent, line_start + indent + 1),
            colon: false,
        });
    }
    let key_len = trimmed
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
        .unwrap_or(trimmed.len());
    let after_key = trimmed.get(key_len..).unwrap_or("");
    let is_key_colon = key_len > 0
        && after_key.starts_with(':')
        && !after_key.starts_with("::")
        && after_key.get(1..).is_none_or(|value| {
            let value = value.trim_start();
            value.is_empty()
                || value.starts_with(['"', '\'', '[', '-'])
                || value.starts_with(|ch: char| ch.is_ascii_digit())
        });
    let key = trimmed.get(..key_len).unwrap_or("");
    let workflow_key = matches!(
        key,
        "on" | "jobs" | "steps" | "runs-on" | "uses" | "with" | "env" | "name"
    );
    let is_key_colon = is_key_colon || (workflow_key && indent == 0 && after_key.starts_with(':'));
    let error_on_key_line =
        pos >= line_start + indent && pos <= line_start + indent + key_len + 2 + after_key.len();
    if is_key_colon && error_on_key_line {
        let colon = line_start + indent + key_len;
        return Some(if workflow_key && indent == 0 {
            Habit {
                title: "this looks like a CI workflow file, not a `.pipe` file",
                label: "a YAML key",
                help: "a `.pipe` file declares `template` and `pipeline` blocks; see docs/language.md",
                span: (line_start + indent, colon + 1),
                colon: false,
            }
        } else {
            colon_for_equals(colon)
        });
    }
    colon_before(text, pos).or_else(|| colon_of_member(text, pos))
}

/// `key: [a, b]` after other members on its line (`stage s { regions: [a,
/// b] }`): the error sits inside the value, after a member that starts
/// with `name:` and a value, since the member's start (the line's, or the
/// last `{`, `}` or `;` before the error).
fn colon_of_member(text: &str, pos: usize) -> Option<Habit> {
    let before = text.get(..pos)?;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let start = before
        .get(line_start..)?
        .rfind(['{', '}', ';'])
        .map_or(line_start, |idx| line_start + idx + 1);
    let member = text.get(start..pos)?;
    let trimmed = member.trim_start();
    let key_start = start + (member.len() - trimmed.len());
    let key_len = trimmed
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
        .unwrap_or(trimmed.len());
    let after_key = trimmed.get(key_len..)?;
    let spaces = after_key.len() - after_key.trim_start_matches([' ', '\t']).len();
    let colon = key_start + key_len + spaces;
    let value = text.get(colon + 1..pos)?.trim_start_matches([' ', '\t']);
    let value_follows =
        value.starts_with(['"', '[', '-']) || value.starts_with(|ch: char| ch.is_ascii_digit());
    (key_len > 0
        && text.get(colon..)?.starts_with(':')
        && !text.get(colon..)?.starts_with("::")
        && value_follows)
        .then(|| colon_for_equals(colon))
}

/// The `:` at `colon`, written for `=` (`key: value`).
fn colon_for_equals(colon: usize) -> Habit {
    Habit {
        title: "`key: value` is YAML; `.pipe` assigns with `=`",
        label: "a YAML-style key",
        help: "write `name = value`; `name : type` declares a field's type",
        span: (colon, colon + 1),
        colon: true,
    }
}

/// `key: "value"` in the middle of a line: the error sits on a value right
/// after `name:`.
fn colon_before(text: &str, pos: usize) -> Option<Habit> {
    let before = text.get(..pos)?.trim_end_matches([' ', '\t']);
    let colon = before.len().checked_sub(1)?;
    let name_char_before = before.get(..colon)?.chars().next_back()?;
    let value_follows = text
        .get(pos..)?
        .starts_with(|ch: char| ch == '"' || ch == '[' || ch.is_ascii_digit());
    (before.ends_with(':')
        && (name_char_before.is_ascii_alphanumeric() || name_char_before == '_')
        && value_follows)
        .then(|| colon_for_equals(colon))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parses_whole(rule: Rule, text: &str) -> bool {
        PipeParser::parse(rule, text).is_ok()
    }

    #[test]
    fn each_construct_parses_alone_through_its_entry_rule() {
        assert!(parses_whole(
            Rule::expr_entry,
            "aws where traffic == low take 1"
        ));
        assert!(parses_whole(
            Rule::expr_entry,
            "(aws where geo in [eu, na]) minus [eu-west-1] union rest"
        ));
        assert!(parses_whole(
            Rule::expr_entry,
            "ALARM(\"A\") or not (b and c)"
        ));
        assert!(parses_whole(
            Rule::expr_entry,
            "[mon..thu 09:00..16:00, fri 09:00..12:00]"
        ));
        assert!(parses_whole(
            Rule::expr_entry,
            "rolling(batch: 33%, min_healthy: 66%)"
        ));
        assert!(parses_whole(Rule::type_entry, "[region]"));
        assert!(parses_whole(
            Rule::member_entry,
            "wave first { regions = rest; by az { bake = 1h }; bake = 12h }"
        ));
        assert!(parses_whole(
            Rule::member_entry,
            "block artifacts containing package \"libjson@2.3.1\" overridable"
        ));
        assert!(parses_whole(
            Rule::member_entry,
            "exempt orders_api from onebox-first { reason = \"x\" }"
        ));
        assert!(parses_whole(
            Rule::item_entry,
            "policy org { deny onebox-first, signed-artifacts }"
        ));
    }

    #[test]
    fn entry_rules_reject_what_their_construct_does_not_allow() {
        // `take` belongs to the region set, not to the filter's value.
        assert!(!parses_whole(
            Rule::expr_entry,
            "aws where traffic == take 1"
        ));
        assert!(!parses_whole(Rule::member_entry, "wave { bake = 1h }"));
        assert!(!parses_whole(Rule::type_entry, "[region"));
        assert!(!parses_whole(Rule::item_entry, "stage beta { }"));
        // Reserved words are not names.
        assert!(!parses_whole(Rule::member_entry, "stage and { }"));
    }
}
