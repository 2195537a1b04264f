//! Hover on names that stand for values: a region (its registry entry's
//! attributes), an alarm (its CloudWatch rule, with the alarms it refers to
//! expanded, rendered by the same `AlarmRenderer` the plan uses) and a
//! window (its zone and next openings, found by `semantics::windows`, the
//! functions `check` validates windows with).

use super::locate::{self, At};
use super::places;
use super::resolve::Place;
use crate::semantics::alarms::AlarmRenderer;
use crate::semantics::merge::ResolvedBlock;
use crate::semantics::regions::Region;
use crate::semantics::scope::{DeclId, DeclKind};
use crate::semantics::windows::{self, WindowSpec};
use crate::syntax::ast::{Expr, ExprKind, ItemKind, MemberKind, Path};
use jiff::Timestamp;
use std::fmt::Write;

/// How many openings of a window hover lists.
const OPENINGS: usize = 3;

/// The Markdown for a region, alarm or window at `offset`, if one is there.
pub fn hover(place: &Place<'_, '_>, at: &At<'_>, offset: usize) -> Option<String> {
    let within = |span: crate::source::Span| span.start() <= offset && offset <= span.end();
    let empty = ResolvedBlock::default();
    let block = place.block(at).unwrap_or(&empty);
    let decl_here = DeclId {
        file: place.file,
        item: at.item_idx,
    };
    match &at.item.kind {
        ItemKind::Alarm(alarm) if at.members.is_empty() => {
            if within(alarm.name.span) {
                let value = alarm.value.as_ref()?;
                return alarm_text(place, &alarm.name.name, block, value);
            }
            let path = alarm
                .value
                .as_ref()
                .and_then(|value| locate::path_in_expr(value, offset))?;
            return named(place, at, block, path, true);
        }
        ItemKind::Window(window) if within(window.name.span) => {
            return window_text(place, decl_here);
        }
        _ => {}
    }
    let member = at.member()?;
    match &member.kind {
        MemberKind::Alarm(alarm) if within(alarm.name.span) => {
            return alarm_text(place, &alarm.name.name, block, alarm.value.as_ref()?);
        }
        MemberKind::Region { name, .. } if within(name.span) => {
            let registry = super::names::read_registry(place, decl_here)?;
            return Some(region_text(
                place,
                &registry.name,
                registry.region(&name.name)?,
            ));
        }
        _ => {}
    }
    let path = locate::path_in_member(member, offset)?;
    let is_alarm = matches!(
        member.kind,
        MemberKind::Rollback { .. } | MemberKind::BlockOn { .. } | MemberKind::Alarm(_)
    );
    named(place, at, block, path, is_alarm)
}

/// A name in a value: an alarm or window declaration, an alarm of the
/// pipeline (in an alarm expression), else a region.
fn named(
    place: &Place<'_, '_>,
    at: &At<'_>,
    block: &ResolvedBlock<'_>,
    path: &Path,
    is_alarm: bool,
) -> Option<String> {
    let resolved =
        place
            .analysis
            .scopes
            .resolve(place.file, path, &[DeclKind::Alarm, DeclKind::Window]);
    match resolved {
        Ok((decl, DeclKind::Window)) => return window_text(place, decl),
        Ok((_, DeclKind::Alarm)) => {}
        _ if is_alarm => {}
        _ => {
            let (decl, region) = places::region_named(place, at, path)?;
            let item = place.analysis.scopes.item(decl)?;
            return Some(region_text(place, &item.kind.name()?.name, &region));
        }
    }
    let expr = Expr {
        kind: ExprKind::Path(path.clone()),
        span: path.span,
    };
    alarm_text(place, &path.to_dotted(), block, &expr)
}

/// An alarm's CloudWatch rule; `None` when it does not render (the
/// problem is among the diagnostics).
fn alarm_text(
    place: &Place<'_, '_>,
    name: &str,
    block: &ResolvedBlock<'_>,
    value: &Expr,
) -> Option<String> {
    let mut problems = Vec::new();
    let rendered = AlarmRenderer {
        scopes: &place.analysis.scopes,
        pipeline: block,
        diagnostics: &mut problems,
        reported_cycles: Default::default(),
        reported_too_deep: false,
    }
    .render(value, place.file)?;
    Some(format!(
        "**alarm `{name}`**\n\nCloudWatch alarm rule, references expanded:\n\n```text\n{rendered}\n```"
    ))
}

/// A region's attributes as its registry gives them.
fn region_text(place: &Place<'_, '_>, registry: &str, region: &Region) -> String {
    let mut out = format!(
        "**region `{}`** in registry `{registry}` ({})\n\n| attribute | value |\n| --- | --- |\n",
        region.code,
        place.where_is(region.file, region.span)
    );
    for (attribute, value) in &region.attributes {
        if attribute != "code" {
            let _ = writeln!(out, "| `{attribute}` | {} |", cell(value));
        }
    }
    for (label, list) in [("azs", &region.azs), ("cells", &region.cells)] {
        if !list.is_empty() {
            let _ = writeln!(out, "| `{label}` | {} |", cell(&list.join(", ")));
        }
    }
    out
}

/// A value in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('`', "'")
}

/// A window's zone and its next openings from the start of `today` in its
/// zone, each with the time it closes again.
fn window_text(place: &Place<'_, '_>, decl: DeclId) -> Option<String> {
    let item = place.analysis.scopes.item(decl)?;
    let ItemKind::Window(window) = &item.kind else {
        return None;
    };
    let spec = windows::window_spec(
        &place.analysis.scopes,
        &window.body,
        decl.file,
        window.name.span,
    )
    .ok()?;
    let mut out = format!(
        "**window `{}`** in zone `{}`\n\nnext openings from {}:\n",
        window.name.name, spec.zone_name, place.today
    );
    let mut from = place.today.to_zoned(spec.zone.clone()).ok()?.timestamp();
    let mut listed = 0;
    while listed < OPENINGS {
        let Some(open) = windows::next_opening(&spec, from) else {
            if listed == 0 {
                out.push_str("- none within a year\n");
            }
            break;
        };
        let close = closing(&spec, open);
        let _ = writeln!(out, "- {}", span_text(&spec, open, close));
        listed += 1;
        match close {
            Some(close) => from = close,
            None => break,
        }
    }
    Some(out)
}

/// The first minute after `open` when the window is closed, looking a
/// week ahead (slots are whole minutes of wall time).
fn closing(spec: &WindowSpec, open: Timestamp) -> Option<Timestamp> {
    let minute = jiff::SignedDuration::from_secs(60);
    let mut at = open;
    for _ in 0..7 * 24 * 60 {
        at = at.checked_add(minute).ok()?;
        if !windows::is_open(spec, at) {
            return Some(at);
        }
    }
    None
}

/// `Tue 2026-12-01 09:00–17:00`, in the window's zone.
fn span_text(spec: &WindowSpec, open: Timestamp, close: Option<Timestamp>) -> String {
    let open = open.to_zoned(spec.zone.clone());
    let opened = open.strftime("%a %Y-%m-%d %H:%M").to_string();
    match close.map(|close| close.to_zoned(spec.zone.clone())) {
        Some(close) if close.date() == open.date() => {
            format!("{opened}–{}", close.strftime("%H:%M"))
        }
        Some(close) => format!("{opened} – {}", close.strftime("%a %Y-%m-%d %H:%M")),
        None => format!("{opened}, open for more than a week"),
    }
}
