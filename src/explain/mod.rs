//! `pipec explain`: the registry's explanation of a diagnostic code or a
//! policy rule, with an example, as text. Codes come from
//! [`crate::diagnostics::ALL_CODES`], rules from
//! [`crate::semantics::policies::RULES`]; the examples live beside this
//! module, one per code and per rule, and a test checks that each produces
//! what it illustrates.

mod code_examples;
mod rule_examples;

use crate::diagnostics::{ALL_CODES, Code, CodeDoc};
use crate::semantics::policies::{RULES, Rule};
use crate::syntax::ast::PolicyLevel;

/// The width explanations are wrapped to: readable in any terminal.
const WRAP_WIDTH: usize = 76;

/// What `explain` can explain.
#[derive(Debug, Clone, Copy)]
pub enum Topic {
    /// A diagnostic code.
    Code(&'static CodeDoc),
    /// A policy rule, whose findings have code `P0801`.
    Rule(&'static Rule),
}

/// A query that names no code or rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTopic {
    /// The closest code, code name or rule name, if one is close.
    pub suggestion: Option<&'static str>,
}

/// The example of a code: `.pipe` text that produces it.
pub fn code_example(code: Code) -> Option<&'static str> {
    code_examples::CODE_EXAMPLES
        .iter()
        .find(|(example_code, _)| *example_code == code)
        .map(|(_, source)| *source)
}

/// The example of a policy rule: a pipeline that breaks it.
pub fn rule_example(rule: &str) -> Option<&'static str> {
    rule_examples::RULE_EXAMPLES
        .iter()
        .find(|(name, _)| *name == rule)
        .map(|(_, source)| *source)
}

/// Finds a code (`P0401`, any case), a code's name (`unknown-region`) or a
/// rule's name (`onebox-first`).
pub fn lookup(query: &str) -> Result<Topic, UnknownTopic> {
    let query = query.trim();
    if let Some(doc) = ALL_CODES
        .iter()
        .find(|doc| doc.code.as_str().eq_ignore_ascii_case(query) || doc.name == query)
    {
        return Ok(Topic::Code(doc));
    }
    if let Some(rule) = RULES.iter().find(|rule| rule.name == query) {
        return Ok(Topic::Rule(rule));
    }
    let candidates = ALL_CODES
        .iter()
        .flat_map(|doc| [doc.code.as_str(), doc.name])
        .chain(RULES.iter().map(|rule| rule.name));
    Err(UnknownTopic {
        suggestion: crate::names::closest(query, candidates),
    })
}

/// The full explanation of a topic: title, wrapped paragraphs, example.
pub fn explain(topic: Topic) -> String {
    let mut out = String::new();
    let example = match topic {
        Topic::Code(doc) => {
            out.push_str(&format!("{} {}: {}\n\n", doc.code, doc.name, doc.summary));
            out.push_str(&wrap(doc.explanation));
            code_example(doc.code)
        }
        Topic::Rule(rule) => {
            out.push_str(&format!("{}: {}\n\n", rule.name, rule.summary));
            out.push_str(&wrap(&format!(
                "A policy rule; its findings are {} ({}). Its level is `{}` unless a \
                 policy sets it with `deny`, `warn` or `allow`; a pipeline can be \
                 exempted with `exempt PIPELINE from {} {{ reason = \"...\" }}`.",
                Code::POLICY,
                Code::POLICY.doc().map_or("policy", |doc| doc.name),
                level_word(rule.default),
                rule.name
            )));
            out.push('\n');
            out.push_str(&wrap(rule.explanation));
            rule_example(rule.name)
        }
    };
    if let Some(example) = example {
        out.push_str("\nExample:\n\n");
        for line in example.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Every code and every rule, one per line: the code or rule name, the
/// code's name or the rule's default level, and the one-line summary.
pub fn list() -> String {
    let rows: Vec<(String, String, &str)> = ALL_CODES
        .iter()
        .map(|doc| (doc.code.to_string(), doc.name.to_string(), doc.summary))
        .chain(RULES.iter().map(|rule| {
            (
                rule.name.to_string(),
                format!("{} rule, {}", Code::POLICY, level_word(rule.default)),
                rule.summary,
            )
        }))
        .collect();
    let key_width = rows.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
    let kind_width = rows
        .iter()
        .map(|(_, kind, _)| kind.len())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(key, kind, summary)| format!("{key:<key_width$}  {kind:<kind_width$}  {summary}\n"))
        .collect()
}

fn level_word(level: PolicyLevel) -> &'static str {
    match level {
        PolicyLevel::Deny => "deny",
        PolicyLevel::Warn => "warn",
        PolicyLevel::Allow => "allow",
    }
}

/// Greedy word wrapping of one paragraph, ending with a line break.
fn wrap(paragraph: &str) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in paragraph.split_whitespace() {
        let word_len = word.chars().count();
        if line_len > 0 && line_len + 1 + word_len > WRAP_WIDTH {
            out.push('\n');
            line_len = 0;
        }
        if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word_len;
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole_and_lines_short() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&text);
        assert!(wrapped.lines().all(|line| line.len() <= WRAP_WIDTH));
        assert_eq!(wrapped.split_whitespace().count(), 40);
        assert_eq!(wrap("a  b\n c"), "a b c\n");
    }
}
