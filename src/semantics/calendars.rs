//! Calendars: `include` cycles (P0504), the `covers_until` date that says
//! how far a calendar's holidays are complete, and the warning when a window
//! is checked past it (P0505).

use super::scope::{DeclId, DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Block, Expr, ExprKind, ItemKind, LiteralValue, MemberKind};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// The field that says through which day a calendar's holidays are
/// complete.
pub const COVERS_UNTIL: &str = "covers_until";

/// One `include` of a calendar: where it is written and what it names.
struct Include {
    file: FileId,
    span: Span,
    target: DeclId,
}

/// Every calendar's includes that resolve, by calendar, in file order.
fn includes(scopes: &Scopes<'_>) -> BTreeMap<DeclId, Vec<Include>> {
    let mut graph = BTreeMap::new();
    for (decl, kind, item) in scopes.all() {
        let (DeclKind::Calendar, ItemKind::Calendar(calendar)) = (kind, &item.kind) else {
            continue;
        };
        let edges = calendar
            .body
            .members
            .iter()
            .filter_map(|member| match &member.kind {
                MemberKind::Include { calendar } => {
                    // Names that do not resolve are the reference pass's.
                    let (target, _) = scopes
                        .resolve(decl.file, calendar, &[DeclKind::Calendar])
                        .ok()?;
                    Some(Include {
                        file: decl.file,
                        span: member.span,
                        target,
                    })
                }
                _ => None,
            })
            .collect();
        graph.insert(decl, edges);
    }
    graph
}

/// The name of a calendar, for messages.
fn name(scopes: &Scopes<'_>, decl: DeclId) -> String {
    scopes
        .item(decl)
        .and_then(|item| item.kind.name())
        .map_or_else(|| "?".to_string(), |name| name.name.clone())
}

/// Reports the cycles of `include`s, one per group of calendars that
/// include each other: from the calendar of the group declared first, at
/// the `include` that leads back to it, with the other includes of the
/// cycle labelled and its path in a note. One walk of the whole graph
/// (strongly connected components), so a long chain of includes costs its
/// length, not its square. Windows still read such calendars (every day
/// once), so a cycle is only an error to fix, not a loop.
pub fn check_cycles(scopes: &Scopes<'_>, out: &mut Vec<Diagnostic>) {
    let graph = includes(scopes);
    let decls: Vec<DeclId> = graph.keys().copied().collect();
    let index: BTreeMap<DeclId, usize> = decls
        .iter()
        .enumerate()
        .map(|(idx, decl)| (*decl, idx))
        .collect();
    let all_includes: Vec<&Include> = graph.values().flatten().collect();
    let mut edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); decls.len()];
    let mut label = 0;
    for (from, includes) in graph.values().enumerate() {
        for include in includes {
            if let (Some(to), Some(slot)) = (index.get(&include.target), edges.get_mut(from)) {
                slot.push((*to, label));
            }
            label += 1;
        }
    }
    for cycle in crate::names::cycles(&edges) {
        let Some(&start) = cycle.first().and_then(|(first, _)| decls.get(*first)) else {
            continue;
        };
        let mut taken: Vec<&Include> = cycle
            .iter()
            .filter_map(|(_, label)| all_includes.get(*label).copied())
            .collect();
        let Some(closing) = taken.pop() else {
            continue;
        };
        out.push(cycle_diagnostic(scopes, start, &taken, closing));
    }
}

fn cycle_diagnostic(
    scopes: &Scopes<'_>,
    start: DeclId,
    path: &[&Include],
    closing: &Include,
) -> Diagnostic {
    let mut names = vec![name(scopes, start)];
    names.extend(path.iter().map(|include| name(scopes, include.target)));
    names.push(name(scopes, start));
    let cycle = names.join(" → ");
    let message = if path.is_empty() {
        format!("calendar `{}` includes itself", name(scopes, start))
    } else {
        format!("calendars include each other in a cycle: {cycle}")
    };
    let mut diagnostic = Diagnostic::error(Code::CALENDAR_INCLUDE_CYCLE, message).primary(
        closing.file,
        closing.span,
        format!("closes the cycle back to `{}`", name(scopes, start)),
    );
    for include in path {
        diagnostic = diagnostic.secondary(include.file, include.span, "part of the cycle");
    }
    diagnostic
        .note(format!("the cycle: {cycle}"))
        .help("remove one of these includes: a calendar already has every day it includes")
}

/// A calendar's `covers_until` date, when it declares one that is a date.
pub fn covers_until(block: &Block) -> Option<Date> {
    block.members.iter().find_map(|member| match &member.kind {
        MemberKind::FieldAssign { name, value, .. } if name.name == COVERS_UNTIL => {
            match &value.kind {
                ExprKind::Literal(literal) => match literal.value {
                    LiteralValue::Date(date) => to_date(date),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    })
}

fn to_date(date: crate::syntax::ast::Date) -> Option<Date> {
    Date::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
    )
    .ok()
}

/// A calendar's `covers_until` is a date (P0701 otherwise).
pub fn check_covers_until(block: &Block, file: FileId, out: &mut Vec<Diagnostic>) {
    for member in &block.members {
        let MemberKind::FieldAssign { name, value, .. } = &member.kind else {
            continue;
        };
        if name.name != COVERS_UNTIL {
            continue;
        }
        let is_date = matches!(&value.kind, ExprKind::Literal(literal)
            if matches!(literal.value, LiteralValue::Date(_)));
        if !is_date && !matches!(value.kind, ExprKind::Invalid) {
            out.push(crate::plan::not_a_date(
                value,
                file,
                "expected a date",
                "write the last day the holidays are complete, e.g. `covers_until = 2028-12-31`",
            ));
        }
    }
}

/// A calendar names each holiday once: a date (or range) written twice in
/// one calendar is `P0308` at the second, the first labelled. The second
/// would change nothing, and is most often a year's line copied and not
/// edited, which leaves the day that was meant out.
pub fn check_repeated_holidays(block: &Block, file: FileId, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(&LiteralValue, crate::source::Span)> = Vec::new();
    for member in &block.members {
        let MemberKind::Holiday { date, .. } = &member.kind else {
            continue;
        };
        if !matches!(
            date.value,
            LiteralValue::Date(_) | LiteralValue::DateRange(..)
        ) {
            continue;
        }
        // The whole line, which can be deleted (an editor fades it): the
        // date alone would leave a holiday without one.
        match seen.iter().find(|(earlier, _)| **earlier == date.value) {
            Some((_, earlier)) => out.push(
                Diagnostic::error(Code::DUPLICATE_LIST_ITEM, "this holiday is listed twice")
                    .primary(file, member.span, "listed again")
                    .secondary(file, *earlier, "first listed here")
                    .help("remove the repeated line, or correct its date"),
            ),
            None => seen.push((&date.value, member.span)),
        }
    }
}

/// Warns, at each `except` entry of a window, about every calendar it
/// reaches (itself or through `include`) whose `covers_until` comes before
/// `last_checked`, the last day of the year the window is checked for from
/// `--today`: past it the calendar's holidays are missing, so the window
/// (and the plan's list of closed days) would open on them.
pub fn check_coverage(
    scopes: &Scopes<'_>,
    except: &Expr,
    file: FileId,
    last_checked: Date,
    out: &mut Vec<Diagnostic>,
) {
    let items = match &except.kind {
        ExprKind::List(items) => items.as_slice(),
        _ => std::slice::from_ref(except),
    };
    for item in items {
        let ExprKind::Path(path) = &item.kind else {
            continue;
        };
        let Ok((named, _)) = scopes.resolve(file, path, &[DeclKind::Calendar]) else {
            continue;
        };
        let mut pending = vec![named];
        let mut seen = BTreeSet::new();
        while let Some(decl) = pending.pop() {
            if !seen.insert(decl) {
                continue;
            }
            let Some(ItemKind::Calendar(calendar)) = scopes.item(decl).map(|item| &item.kind)
            else {
                continue;
            };
            for member in &calendar.body.members {
                if let MemberKind::Include { calendar } = &member.kind
                    && let Ok((included, _)) =
                        scopes.resolve(decl.file, calendar, &[DeclKind::Calendar])
                {
                    pending.push(included);
                }
            }
            let Some(until) = covers_until(&calendar.body).filter(|until| *until < last_checked)
            else {
                continue;
            };
            let calendar_name = name(scopes, decl);
            let through = if decl == named {
                String::new()
            } else {
                format!(", which `{}` includes,", path.to_dotted())
            };
            out.push(
                Diagnostic::warning(
                    Code::CALENDAR_COVERAGE_ENDS,
                    format!(
                        "calendar `{calendar_name}`{through} lists holidays only through {until}"
                    ),
                )
                .primary(
                    file,
                    item.span,
                    format!("this window is checked through {last_checked}"),
                )
                .note(format!(
                    "a window is checked for the year from `--today`; after {until} \
                     `{calendar_name}` closes no day, so the window would open on that year's \
                     holidays"
                ))
                .help(format!(
                    "add the next year's holidays to `{calendar_name}` and move its \
                     `covers_until`, or for a standard calendar use a newer `pipec`"
                )),
            );
        }
    }
}
