//! Hover: what a member resolves to after inheritance and where each value
//! came from (the provenance the plan carries), a built-in field's or a
//! keyword's reference, a policy rule's explanation; regions, alarms and
//! windows in `hover_values`.

use super::locate::{self, At};
use super::reference;
use super::resolve::{self, Place};
use crate::explain::{self, Topic};
use crate::semantics::merge::{How, Resolved};
use crate::syntax::ast::{ItemKind, Member, MemberKind};
use std::fmt::Write;

/// The Markdown of a hover at `offset` of the file, or `None` when there is
/// nothing to say.
pub fn hover(place: &Place<'_, '_>, offset: usize) -> Option<String> {
    let tree = &place.workspace.module(place.file)?.tree;
    let text = &place.workspace.sources.get(place.file)?.text;
    let at = locate::at(tree, offset);
    if let Some(rule) = at.as_ref().and_then(|at| rule_at(at, offset)) {
        return rule_text(rule);
    }
    let word = locate::word_at(text, offset).map(|(word, _)| word);
    let mut out = String::new();
    if let Some(at) = &at
        && let Some(member) = at.member()
        && on_member_head(member, offset)
    {
        if let Some(text) = super::wave::wave(place, at) {
            push_paragraph(&mut out, &text);
        } else if let Some(resolved) = resolve::member(place, at) {
            provenance(place, member, resolved, &mut out);
            merged_from(place, at, resolved, &mut out);
        }
        // `traffic <= N%` is a one-box's built-in field, written with `<=`.
        let field = match &member.kind {
            MemberKind::FieldAssign { name, .. } | MemberKind::FieldDecl { name, .. } => {
                Some(name.name.as_str())
            }
            MemberKind::TrafficLimit { .. } => Some("traffic"),
            _ => None,
        };
        if let Some(field) = field
            && let Some(text) = reference::field(&body_word(at), field)
        {
            push_paragraph(&mut out, &text);
        }
    }
    if let Some(at) = &at
        && let Some(text) = super::hover_values::hover(place, at, offset)
    {
        push_paragraph(&mut out, &text);
    }
    // A contextual keyword written as a name (`alarm onebox = ...`,
    // `rollback on onebox`) is that name, not the keyword.
    let within = |span: crate::source::Span| span.start() <= offset && offset <= span.end();
    let as_name = at.as_ref().is_some_and(|at| match at.member() {
        Some(member) => {
            member.kind.name().is_some_and(|name| within(name.span))
                || super::locate::path_in_member(member, offset).is_some()
        }
        None => at.item.kind.name().is_some_and(|name| within(name.span)),
    });
    if !as_name && let Some(text) = word.and_then(reference::keyword) {
        push_paragraph(&mut out, text);
    }
    (!out.is_empty()).then_some(out)
}

/// Appends `text` after a rule, one blank line either side of it however
/// the text before it ends.
fn push_paragraph(out: &mut String, text: &str) {
    if !out.is_empty() {
        out.truncate(out.trim_end_matches('\n').len());
        out.push_str("\n\n---\n\n");
    }
    out.push_str(text);
}

/// Whether the offset is on the member's first line: its keyword, name or
/// value, not inside its body.
fn on_member_head(member: &Member, offset: usize) -> bool {
    let head = crate::semantics::merge::head_span(member);
    head.start() <= offset && offset <= head.end()
}

/// The word naming the body a member is written in, as the built-in fields
/// table names bodies.
fn body_word(at: &At<'_>) -> String {
    let parent = at
        .members
        .len()
        .checked_sub(2)
        .and_then(|idx| at.members.get(idx));
    match parent {
        Some(member) => match &member.kind {
            MemberKind::Stage { .. } => "stage",
            MemberKind::Wave { .. } => "wave",
            MemberKind::Production { .. } => "production",
            MemberKind::Onebox { .. } => "onebox",
            MemberKind::Test { .. } => "test",
            MemberKind::Deploy { .. } => "deploy",
            MemberKind::Build { .. } => "build",
            MemberKind::Source { .. } => "source",
            MemberKind::Scope { .. } => "by",
            MemberKind::Region { .. } => "region",
            MemberKind::Exempt { .. } => "exempt",
            MemberKind::WindowUse(_) => "window",
            _ => "",
        }
        .to_string(),
        None => at.item.kind.keyword().to_string(),
    }
}

fn provenance(place: &Place<'_, '_>, member: &Member, resolved: &Resolved<'_>, out: &mut String) {
    let key = crate::semantics::merge::key_of(&member.kind)
        .map(|key| key.describe())
        .unwrap_or_default();
    let _ = writeln!(out, "**{key}**\n");
    let _ = writeln!(
        out,
        "effective value: `{}`  \nset at {} ({})",
        effective_value(place, resolved),
        place.where_is(resolved.origin.file, resolved.origin.span),
        how_word(resolved.origin.how)
    );
    if !resolved.history.is_empty() {
        out.push_str("\noverrides:\n");
        for origin in &resolved.history {
            let _ = writeln!(
                out,
                "- `{}` at {} ({})",
                place.snippet(origin.file, origin.span),
                place.where_is(origin.file, origin.span),
                how_word(origin.how)
            );
        }
    }
}

/// The member's value as inheritance leaves it: the text that set it, or,
/// for a literal list last edited with `+=` or `-=`, the list those edits
/// made (`regions = [us-east-1, us-west-2]`), not the edit alone.
fn effective_value(place: &Place<'_, '_>, resolved: &Resolved<'_>) -> String {
    if let (Some(items), How::Append | How::Remove, MemberKind::FieldAssign { name, .. }) =
        (&resolved.items, resolved.origin.how, &resolved.member.kind)
    {
        let items: Vec<&str> = items.iter().map(|(item, _, _)| item.as_str()).collect();
        return format!("{} = [{}]", name.name, items.join(", "));
    }
    place.snippet(resolved.origin.file, resolved.origin.span)
}

/// For a member with a body, every place along the chain that writes it,
/// newest first, when there is more than one: a block is merged member by
/// member, so each of them gives some of its effective body. Inside a
/// profile the body is the profile's, and not listed.
fn merged_from(place: &Place<'_, '_>, at: &At<'_>, resolved: &Resolved<'_>, out: &mut String) {
    if resolved.body.is_none() {
        return;
    }
    let Some(keys) = at
        .members
        .iter()
        .map(|member| crate::semantics::merge::key_of(&member.kind))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    if matches!(
        keys.first(),
        Some(crate::semantics::merge::Key::Named("profile", _))
    ) {
        return;
    }
    let here = crate::semantics::scope::DeclId {
        file: place.file,
        item: at.item_idx,
    };
    let written = super::overrides::written_along(place, here, &keys);
    if written.len() < 2 {
        return;
    }
    out.push_str("\nmerged from, newest first:\n");
    for (file, span) in written.iter().rev() {
        let _ = writeln!(out, "- {}", place.where_is(*file, *span));
    }
}

fn how_word(how: How) -> &'static str {
    match how {
        How::Set => "set",
        How::Bind => "bound",
        How::Append => "appended",
        How::Remove => "removed",
        How::Declared => "declared",
        How::Profile => "by the selected profile",
        How::BakeScale => "scaled by the profile's bake scale",
        How::Floor => "raised to a policy floor",
    }
}

/// The policy rule named at the offset, in a policy's levels or exemptions.
fn rule_at<'a>(at: &At<'a>, offset: usize) -> Option<&'a str> {
    if !matches!(at.item.kind, ItemKind::Policy(_)) {
        return None;
    }
    let within = |span: crate::source::Span| span.start() <= offset && offset <= span.end();
    at.members.iter().find_map(|member| match &member.kind {
        MemberKind::Level { rules, .. } => rules
            .iter()
            .find(|rule| within(rule.span))
            .map(|rule| rule.name.as_str()),
        MemberKind::Exempt { rule, .. } if within(rule.span) => Some(rule.name.as_str()),
        _ => None,
    })
}

fn rule_text(rule: &str) -> Option<String> {
    match explain::lookup(rule) {
        Ok(topic @ Topic::Rule(_)) => Some(format!("```text\n{}```", explain::explain(topic))),
        _ => None,
    }
}
