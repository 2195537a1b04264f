//! Deployment windows: a `window` body read into a [`WindowSpec`], and the
//! exact instants it opens in its zone. Every top-level and inline window is
//! validated (P0501, P0502); one that never opens in the coming year is an
//! error (P0503), since it would block every deployment forever.

use super::scope::{DeclKind, Scopes};
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::names::closest;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, AssignOp, Block, Expr, ExprKind, ItemKind, LiteralValue};
use crate::syntax::ast::{Member, MemberKind, WindowUse};
use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

mod merged;

pub use merged::MergedWindows;

/// How many days from the compile date a window must open within: a year,
/// leap day included.
pub const HORIZON_DAYS: i64 = 366;

/// How many days [`next_opening`] looks at: the horizon and a week more.
pub const SEARCH_DAYS: usize = 366 + 7;

/// A validated window: when deployments may start.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    /// The IANA name, as written and as the database spells it.
    pub zone_name: String,
    /// The zone, from the tz database bundled with `pipec`.
    pub zone: TimeZone,
    /// The `allow` slots, in source order.
    pub slots: Vec<Slot>,
    /// Closed days (holidays of `except` calendars, `blackout` days) as
    /// sorted, disjoint, non-adjacent inclusive ranges: ranges rather than a
    /// set of days keep memory bounded whatever range is written.
    pub closed: Vec<(Date, Date)>,
}

impl WindowSpec {
    /// Whether a local date is a holiday or blacked out.
    pub fn is_closed(&self, date: Date) -> bool {
        let after = self.closed.partition_point(|&(first, _)| first <= date);
        let range = after.checked_sub(1).and_then(|idx| self.closed.get(idx));
        range.is_some_and(|&(_, last)| date <= last)
    }
}

/// One `allow` entry: days of the week and a range of local wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Bit `i` is set for the `i`th day from Monday (`fri..mon` sets four).
    pub days: u8,
    /// The first open minute of the day, 0..1440.
    pub start: u16,
    /// The first minute closed again, up to 1440 (`24:00`).
    pub end: u16,
}

impl Slot {
    fn covers(self, date: Date) -> bool {
        let day = u32::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.days & (1u8 << day) != 0
    }
}

/// Validates the body of a window written in `file`: a top-level
/// `window NAME { ... }` or an inline `window { ... }`. `anchor` is where a
/// missing `zone` or `allow` is reported: the name, or the inline `window`
/// keyword. `except` names resolve in `file`; list operators are refused.
pub fn window_spec(
    scopes: &Scopes<'_>,
    body: &Block,
    file: FileId,
    anchor: Span,
) -> Result<WindowSpec, Vec<Diagnostic>> {
    read(scopes, body, file, anchor, Mode::Declared)
}

/// Whether the window is open at `at`: its local date is not closed, and
/// its local wall time `t` is in a slot of that weekday, `start <= t < end`.
pub fn is_open(spec: &WindowSpec, at: Timestamp) -> bool {
    let wall = spec.zone.to_datetime(at);
    let (date, minute) = (
        wall.date(),
        i32::from(wall.hour()) * 60 + i32::from(wall.minute()),
    );
    !spec.is_closed(date)
        && spec.slots.iter().any(|slot| {
            slot.covers(date) && i32::from(slot.start) <= minute && minute < i32::from(slot.end)
        })
}

/// The first instant at or after `after` when the window is open (`after`
/// itself if it is), looking 373 days ahead at most.
///
/// Slots are in local wall time, so across DST changes: a slot start that
/// does not exist on a spring-forward day (02:30 in Los Angeles) opens at
/// the first instant after the gap (03:00 PDT), the same instant as if the
/// clocks had run on; and on a fall-back day a slot is open during both
/// passes through the repeated hour. Nothing is polled: day by day, only
/// the instants where the window can open are tried (each slot's start, in
/// both passes of a repeated hour, and each transition of the zone).
pub fn next_opening(spec: &WindowSpec, after: Timestamp) -> Option<Timestamp> {
    if is_open(spec, after) {
        return Some(after);
    }
    let local = spec.zone.to_datetime(after).date();
    // A transition back across midnight gives later instants an earlier
    // local date, so start a day early.
    let mut day = local.yesterday().unwrap_or(local);
    let mut best: Option<Timestamp> = None;
    for _ in 0..SEARCH_DAYS + 2 {
        // Nothing on this day or a later one comes before this day starts.
        let starts = entries(&spec.zone, day, 0).first().copied();
        if best.zip(starts).is_some_and(|(best, starts)| starts > best) {
            break;
        }
        for at in candidates(spec, day) {
            if at >= after && best.is_none_or(|best| at < best) && is_open(spec, at) {
                best = Some(at);
            }
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    best
}

/// Validates every top-level and inline window of the workspace, and the
/// holiday ranges of every calendar. A window that does not open within
/// [`HORIZON_DAYS`] from the start of `today` in its zone is P0503.
pub fn check(workspace: &Workspace, scopes: &Scopes<'_>, today: Date, out: &mut Vec<Diagnostic>) {
    super::calendars::check_cycles(scopes, out);
    // The last day of the year a window is checked for, and the plan lists
    // closed days for: calendars must cover it.
    let last_checked = today
        .checked_add(jiff::Span::new().days(HORIZON_DAYS - 1))
        .unwrap_or(today);
    // Files are checked on their own, so they are spread over the cores;
    // their diagnostics keep the files' order.
    let modules: Vec<_> = workspace.modules.iter().collect();
    let per_file = crate::parallel::map_in_order(modules, |module| {
        let mut out = Vec::new();
        check_file(workspace, scopes, module, (today, last_checked), &mut out);
        out
    });
    out.extend(per_file.into_iter().flatten());
}

/// The windows of one file: each declared or inline window opens within
/// the horizon, and the calendars it excepts cover it.
fn check_file(
    workspace: &Workspace,
    scopes: &Scopes<'_>,
    module: &crate::modules::Module,
    (today, last_checked): (Date, Date),
    out: &mut Vec<Diagnostic>,
) {
    let file = module.file;
    for item in &module.tree.items {
        let decl = match &item.kind {
            ItemKind::Window(decl) if !unreadable(workspace, file, item.span, &decl.body) => {
                let result = window_spec(scopes, &decl.body, file, decl.name.span);
                report(result, file, decl.name.span, today, out);
                coverage(scopes, &decl.body, file, last_checked, out);
                continue;
            }
            ItemKind::Calendar(decl) => {
                super::calendars::check_covers_until(&decl.body, file, out);
                super::calendars::check_repeated_holidays(&decl.body, file, out);
                for member in &decl.body.members {
                    if let MemberKind::Holiday { date, .. } = &member.kind
                        && let LiteralValue::DateRange(first, last) = date.value
                        && first > last
                    {
                        out.push(reversed_range(file, date.span, first, last));
                    }
                }
                continue;
            }
            ItemKind::Template(decl) | ItemKind::Pipeline(decl) => decl,
            _ => continue,
        };
        // Under `extends`, and in a profile, an inline window may set some
        // fields and inherit the others: only what it writes is checked.
        let mut pending = vec![(&decl.body, decl.extends.is_some())];
        while let Some((block, partial)) = pending.pop() {
            for member in &block.members {
                let partial = partial || matches!(member.kind, MemberKind::Profile { .. });
                let MemberKind::WindowUse(WindowUse::Inline(body)) = &member.kind else {
                    pending.extend(member.kind.body().map(|body| (body, partial)));
                    continue;
                };
                if !unreadable(workspace, file, member.span, body) {
                    let anchor = keyword_span(workspace, file, member);
                    let mode = if partial { Mode::Partial } else { Mode::Inline };
                    report(
                        read(scopes, body, file, anchor, mode),
                        file,
                        anchor,
                        today,
                        out,
                    );
                    coverage(scopes, body, file, last_checked, out);
                }
            }
        }
    }
}

fn report(
    result: Result<WindowSpec, Vec<Diagnostic>>,
    file: FileId,
    anchor: Span,
    today: Date,
    out: &mut Vec<Diagnostic>,
) {
    match result {
        Ok(spec) => out.extend(never_opens(&spec, file, anchor, today)),
        Err(found) => out.extend(found),
    }
}

/// `P0503` at `anchor` if the window `spec` does not open within
/// [`HORIZON_DAYS`] from the start of `today` in its zone.
fn never_opens(spec: &WindowSpec, file: FileId, anchor: Span, today: Date) -> Option<Diagnostic> {
    let start = entries(&spec.zone, today, 0).first().copied();
    let opens = start.and_then(|start| next_opening(spec, start));
    let horizon = today.checked_add(jiff::Span::new().days(HORIZON_DAYS)).ok();
    let local = opens.map(|at| spec.zone.to_datetime(at).date());
    if local.is_some_and(|opens| horizon.is_none_or(|horizon| opens < horizon)) {
        return None;
    }
    let last = horizon.and_then(|date| date.yesterday().ok());
    let last = last.map_or_else(|| "the end of time".to_string(), |date| date.to_string());
    let reason = if spec.slots.is_empty() {
        "`allow` is empty".to_string()
    } else {
        format!(
            "in `{}`, every day of its `allow` slots is a holiday or blacked out",
            spec.zone_name
        )
    };
    Some(
        Diagnostic::error(Code::EMPTY_WINDOW, "this window never opens")
            .primary(file, anchor, format!("closed from {today} through {last}"))
            .note(reason)
            .help("allow more days or hours, or shorten the blackouts and excepted calendars"),
    )
}

/// Warns about the calendars a window's `except` reaches whose holidays
/// end before `last_checked` (P0505).
fn coverage(
    scopes: &Scopes<'_>,
    body: &Block,
    file: FileId,
    last_checked: Date,
    out: &mut Vec<Diagnostic>,
) {
    for member in &body.members {
        if let MemberKind::FieldAssign { name, value, .. } = &member.kind
            && name.name == "except"
        {
            super::calendars::check_coverage(scopes, value, file, last_checked, out);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// On its own: complete, and `+=`/`-=` have nothing to change.
    Declared,
    /// Inline and complete; merging reports list operators.
    Inline,
    /// Inline, inheriting what it does not set: only what it sets is checked.
    Partial,
}

/// The fields of a window, in the order [`read`] unpacks them.
const FIELDS: [&str; 4] = ["zone", "allow", "except", "blackout"];

/// Reads a window body; `Err` holds every problem found.
fn read(
    scopes: &Scopes<'_>,
    body: &Block,
    file: FileId,
    anchor: Span,
    mode: Mode,
) -> Result<WindowSpec, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut fields: [Option<&Expr>; 4] = [None; 4];
    for member in &body.members {
        let (name, value, op) = match &member.kind {
            MemberKind::FieldAssign { name, op, value } => (name, value, *op),
            MemberKind::FieldDecl {
                name,
                value: Some(value),
                ..
            } => (name, value, AssignOp::Replace),
            _ => continue,
        };
        let Some(idx) = FIELDS.iter().position(|field| *field == name.name) else {
            continue;
        };
        // `zone` holds one value: `+=` on it is refused where it is
        // written (P0701, RFC 0001 R38), and means nothing here.
        if op != AssignOp::Replace
            && crate::check::builtin_single_value(crate::check::Body::Window, &name.name).is_some()
        {
            continue;
        }
        if op != AssignOp::Replace && mode == Mode::Declared {
            let message = format!(
                "a list operator on `{}`, which has no inherited value",
                name.name
            );
            errors.push(
                Diagnostic::error(Code::LIST_OPERATOR_WITHOUT_LIST, message)
                    .primary(file, member.span, "a top-level window inherits nothing")
                    .help(format!("assign the whole value with `{} = ...`", name.name)),
            );
        }
        // The shape check reports a duplicate; the first one counts.
        if let Some(field) = fields.get_mut(idx) {
            field.get_or_insert(value);
        }
    }
    let [zone_expr, allow, except, blackout] = fields;
    // A value that could not be read leaves the window unknown, silently.
    let unread = fields.iter().flatten().any(|expr| is_invalid(expr));
    let zone = zone_expr
        .filter(|expr| !is_invalid(expr))
        .and_then(|expr| read_zone(expr, file, &mut errors));
    let slots = allow.map(|expr| read_slots(expr, file, &mut errors));
    let mut closed = Vec::new();
    for item in except.into_iter().flat_map(items) {
        read_calendar(scopes, item, file, &mut closed, &mut errors);
    }
    for item in blackout.into_iter().flat_map(items) {
        match literal(item) {
            Some(&LiteralValue::Date(day)) => push_range(&mut closed, day, day),
            Some(&LiteralValue::DateRange(first, last)) if first > last => {
                errors.push(reversed_range(file, item.span, first, last));
            }
            Some(&LiteralValue::DateRange(first, last)) => push_range(&mut closed, first, last),
            _ => errors.push(shape(
                file,
                item,
                "`blackout` takes dates and date ranges",
                "write e.g. `blackout = [2026-12-24, 2026-12-28..2027-01-01]`",
            )),
        }
    }
    if mode != Mode::Partial {
        for (field, expr, example) in [
            ("zone", zone_expr, "zone = \"America/Los_Angeles\""),
            ("allow", allow, "allow = [mon..fri 09:00..17:00]"),
        ] {
            if expr.is_none() {
                errors.push(
                    Diagnostic::error(
                        Code::INVALID_WINDOW_SLOT,
                        format!("this window has no `{field}`"),
                    )
                    .primary(file, anchor, format!("`{field}` is required"))
                    .help(format!("add `{example}`")),
                );
            }
        }
    }
    match (zone, slots) {
        (Some((zone_name, zone)), Some(slots))
            if errors.is_empty() && !unread && mode != Mode::Partial =>
        {
            let closed = merge_ranges(closed);
            Ok(WindowSpec {
                zone_name,
                zone,
                slots,
                closed,
            })
        }
        _ => Err(errors),
    }
}

/// Abbreviations people write for a zone, and the zone usually meant.
const ABBREVIATIONS: &[(&[&str], &str)] = &[
    (&["PST", "PDT", "PT", "PST8PDT"], "America/Los_Angeles"),
    (&["MST", "MDT", "MT", "MST7MDT"], "America/Denver"),
    (&["CST", "CDT", "CT", "CST6CDT"], "America/Chicago"),
    (&["EST", "EDT", "ET", "EST5EDT"], "America/New_York"),
    (&["AKST", "AKDT"], "America/Anchorage"),
    (&["HST"], "Pacific/Honolulu"),
    (
        &["GMT", "UCT", "UT", "Z", "ZULU", "UNIVERSAL", "GREENWICH"],
        "UTC",
    ),
];

/// `Area/Location`, or `UTC`. The database's bare legacy names (`EST`,
/// `GMT`, `Japan`) are refused: abbreviations are ambiguous, and `EST` there
/// is a fixed UTC-5 that ignores daylight saving time.
fn is_iana_form(name: &str) -> bool {
    name == "UTC" || (name.contains('/') && !name.eq_ignore_ascii_case("Etc/Unknown"))
}

fn read_zone(
    expr: &Expr,
    file: FileId,
    errors: &mut Vec<Diagnostic>,
) -> Option<(String, TimeZone)> {
    let Some(name) = literal(expr).and_then(|value| match value {
        LiteralValue::String(text) => text.as_plain(),
        _ => None,
    }) else {
        let help = "write a zone name in quotes, e.g. `zone = \"Europe/Dublin\"`";
        errors.push(shape(file, expr, "`zone` takes a time zone name", help));
        return None;
    };
    let found = TimeZone::get(&name).ok();
    // The database ignores case; one spelling keeps plans byte-identical.
    let spelt = found
        .as_ref()
        .and_then(TimeZone::iana_name)
        .map(str::to_string);
    if is_iana_form(&name) && spelt.as_deref() == Some(name.as_str()) {
        return found.map(|zone| (name, zone));
    }
    let upper = name.to_ascii_uppercase();
    let abbreviation = ABBREVIATIONS
        .iter()
        .find(|(short, _)| short.contains(&upper.as_str()));
    let (message, label) = if abbreviation.is_some() || (found.is_some() && !name.contains('/')) {
        (
            format!("`{name}` is an abbreviation, not an IANA time zone"),
            "zones are named `Area/City`",
        )
    } else if found.is_some() {
        (
            format!("`{name}` is spelt differently in the IANA database"),
            "check the capitals",
        )
    } else {
        (
            format!("unknown time zone `{name}`"),
            "not in the IANA time zone database",
        )
    };
    let known: Vec<String> = jiff::tz::db()
        .available()
        .map(|zone| zone.to_string())
        .collect();
    let suggestion = abbreviation
        .map(|(_, zone)| (*zone).to_string())
        .or_else(|| {
            spelt.filter(|spelt| is_iana_form(spelt)).or_else(|| {
                let zones = known
                    .iter()
                    .map(String::as_str)
                    .filter(|zone| is_iana_form(zone));
                closest(&name, zones).map(str::to_string)
            })
        });
    let help = suggestion.map_or_else(
        || "write an IANA zone such as `America/Los_Angeles` or `Europe/Dublin`, or `UTC`".into(),
        |zone| format!("did you mean `{zone}`?"),
    );
    errors.push(
        Diagnostic::error(Code::UNKNOWN_TIME_ZONE, message)
            .primary(file, expr.span, label)
            .help(help),
    );
    None
}

fn read_slots(expr: &Expr, file: FileId, errors: &mut Vec<Diagnostic>) -> Vec<Slot> {
    let mut slots = Vec::new();
    for item in items(expr) {
        let Some(&LiteralValue::WeekdaySlot { first, last, hours }) = literal(item) else {
            let help =
                "write weekday slots, e.g. `allow = [mon..thu 09:00..16:00, fri 09:00..12:00]`";
            errors.push(shape(file, item, "`allow` takes weekday slots", help));
            continue;
        };
        let (start, end) = hours.map_or((0, 1440), |(start, end)| (start.minutes, end.minutes));
        if start >= end {
            let clock = |minutes: u16| format!("{:02}:{:02}", minutes / 60, minutes % 60);
            errors.push(
                Diagnostic::error(
                    Code::INVALID_WINDOW_SLOT,
                    format!("empty time range `{}..{}`", clock(start), clock(end)),
                )
                .primary(file, item.span, "the range must end after it starts")
                .help(
                    "write `24:00` for the end of the day; for hours across midnight use two \
                     slots, e.g. `fri 22:00..24:00, sat 00:00..06:00`",
                ),
            );
            continue;
        }
        // Forward through the week, wrapping: `fri..mon` is four days.
        let (mut day, last) = (first as u8, last.unwrap_or(first) as u8);
        let mut days = 1u8 << day;
        while day != last {
            day = (day + 1) % 7;
            days |= 1 << day;
        }
        slots.push(Slot { days, start, end });
    }
    slots
}

/// Adds the days of the calendar `item` names, and of those it includes.
fn read_calendar(
    scopes: &Scopes<'_>,
    item: &Expr,
    file: FileId,
    closed: &mut Vec<(Date, Date)>,
    errors: &mut Vec<Diagnostic>,
) {
    let ExprKind::Path(path) = &item.kind else {
        let help = "name calendars, e.g. `except = [calendars.us_holidays, release_freezes]`";
        return errors.push(shape(file, item, "`except` names calendars", help));
    };
    let mut pending = match scopes.resolve(file, path, &[DeclKind::Calendar]) {
        Ok((decl, _)) => vec![decl],
        Err(unresolved) => return errors.push(*unresolved.diagnostic),
    };
    // Includes resolve in their calendar's file; the reference pass reports
    // those that do not. `seen` stops include cycles.
    let mut seen = std::collections::BTreeSet::new();
    while let Some(decl) = pending.pop() {
        let Some(ItemKind::Calendar(calendar)) = scopes.item(decl).map(|item| &item.kind) else {
            continue;
        };
        if !seen.insert(decl) {
            continue;
        }
        for member in &calendar.body.members {
            match &member.kind {
                MemberKind::Holiday { date, .. } => match date.value {
                    LiteralValue::Date(day) => push_range(closed, day, day),
                    // A reversed range is reported with its calendar.
                    LiteralValue::DateRange(first, last) => push_range(closed, first, last),
                    _ => {}
                },
                MemberKind::Include { calendar } => {
                    let included = scopes.resolve(decl.file, calendar, &[DeclKind::Calendar]);
                    pending.extend(included.ok().map(|(included, _)| included));
                }
                _ => {}
            }
        }
    }
}

/// The elements of a list, or the value itself: `allow = sat` is one slot.
/// Values that could not be read are left out: they are reported already.
fn items(expr: &Expr) -> impl Iterator<Item = &Expr> {
    let items = match &expr.kind {
        ExprKind::List(items) => items.as_slice(),
        _ => std::slice::from_ref(expr),
    };
    items.iter().filter(|item| !is_invalid(item))
}

/// Whether a value, or an element of it, could not be read.
fn is_invalid(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Invalid => true,
        ExprKind::List(items) => items.iter().any(is_invalid),
        _ => false,
    }
}

fn literal(expr: &Expr) -> Option<&LiteralValue> {
    match &expr.kind {
        ExprKind::Literal(literal) => Some(&literal.value),
        _ => None,
    }
}

/// P0502 for a value of the wrong shape, saying what it is instead.
fn shape(file: FileId, expr: &Expr, message: &str, help: &str) -> Diagnostic {
    let what = match literal(expr) {
        Some(LiteralValue::String(text)) if text.as_plain().is_none() => "an interpolated string",
        Some(LiteralValue::String(_)) => "a string",
        Some(LiteralValue::Count(_)) => "a count",
        Some(LiteralValue::Percent(_)) => "a percent",
        Some(LiteralValue::Duration(_)) => "a duration",
        Some(LiteralValue::Bool(_)) => "a boolean",
        Some(LiteralValue::Time(_)) => "a time",
        Some(LiteralValue::TimeRange(..)) => "a time range",
        Some(LiteralValue::Date(_)) => "a date",
        Some(LiteralValue::DateRange(..)) => "a date range",
        Some(LiteralValue::WeekdaySlot { .. }) => "a weekday slot",
        None if matches!(expr.kind, ExprKind::Path(_)) => "a name",
        None if matches!(expr.kind, ExprKind::List(_)) => "a list",
        None => "an expression",
    };
    Diagnostic::error(Code::INVALID_WINDOW_SLOT, message)
        .primary(file, expr.span, format!("this is {what}"))
        .help(help)
}

fn reversed_range(file: FileId, span: Span, first: ast::Date, last: ast::Date) -> Diagnostic {
    let text = |date: ast::Date| format!("{:04}-{:02}-{:02}", date.year, date.month, date.day);
    let (first, last) = (text(first), text(last));
    Diagnostic::error(
        Code::INVALID_WINDOW_SLOT,
        "date range ends before it starts",
    )
    .primary(file, span, format!("{last} is before {first}"))
    .help(format!("write the earlier day first: `{last}..{first}`"))
}

fn push_range(closed: &mut Vec<(Date, Date)>, first: ast::Date, last: ast::Date) {
    let convert = |date: ast::Date| {
        let year = i16::try_from(date.year).ok()?;
        Date::new(
            year,
            i8::try_from(date.month).ok()?,
            i8::try_from(date.day).ok()?,
        )
        .ok()
    };
    if let (Some(first), Some(last)) = (convert(first), convert(last)) {
        closed.push((first, last));
    }
}

/// Sorts ranges and joins those that overlap or touch.
fn merge_ranges(mut ranges: Vec<(Date, Date)>) -> Vec<(Date, Date)> {
    ranges.sort();
    let mut merged: Vec<(Date, Date)> = Vec::new();
    for (first, last) in ranges {
        match merged.last_mut() {
            Some((_, end)) if end.tomorrow().map_or(true, |next| first <= next) => {
                *end = (*end).max(last);
            }
            _ => merged.push((first, last)),
        }
    }
    merged
}

/// The instants at which the wall clock reaches `minutes` on `day`, earliest
/// first: usually one, two in a repeated hour, and in a skipped hour the end
/// of the gap.
fn entries(zone: &TimeZone, day: Date, minutes: u16) -> Vec<Timestamp> {
    let hour = i8::try_from(minutes / 60).unwrap_or(i8::MAX);
    let Ok(time) = Time::new(hour, i8::try_from(minutes % 60).unwrap_or(0), 0, 0) else {
        return Vec::new();
    };
    let wall = day.to_datetime(time);
    match zone.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(wall).into_iter().collect(),
        AmbiguousOffset::Gap { before, after } => {
            let (earliest, latest) = (
                after.to_timestamp(wall).ok(),
                before.to_timestamp(wall).ok(),
            );
            let gap_end = earliest.and_then(|at| zone.following(at).next());
            let gap_end = gap_end.map(|transition| transition.timestamp());
            let gap_end = gap_end.filter(|end| latest.is_none_or(|latest| *end <= latest));
            gap_end.or(latest).into_iter().collect()
        }
        AmbiguousOffset::Fold { before, after } => [before, after]
            .iter()
            .filter_map(|offset| offset.to_timestamp(wall).ok())
            .collect(),
    }
}

/// The instants of `day` at which the window may open: slot starts, and
/// transitions that set the wall clock into a slot.
fn candidates(spec: &WindowSpec, day: Date) -> Vec<Timestamp> {
    if spec.is_closed(day) {
        return Vec::new();
    }
    let slots = spec.slots.iter().filter(|slot| slot.covers(day));
    let mut found: Vec<Timestamp> = slots
        .flat_map(|slot| entries(&spec.zone, day, slot.start))
        .collect();
    let margin = SignedDuration::from_hours(26);
    let starts = entries(&spec.zone, day, 0).first().copied();
    let range =
        starts.and_then(|at| Some((at.checked_sub(margin).ok()?, at.checked_add(margin).ok()?)));
    if let Some((low, high)) = range.filter(|_| !found.is_empty()) {
        let transitions = spec
            .zone
            .following(low)
            .map(|transition| transition.timestamp());
        let transitions = transitions.take_while(|at| *at <= high);
        found.extend(transitions.filter(|at| spec.zone.to_datetime(*at).date() == day));
    }
    found
}

/// Whether the window at `span`, whose fields are `body`, cannot be
/// checked as written: parsing or the shape check reported an error inside
/// it, so that the tree may lack what the error was about (an invalid
/// literal is left out of its list) or hold a duplicate nobody reads, and
/// checking the window would only add noise. A YAML habit (`P0010`:
/// a `#` line read as a comment, `key: "value"` as `key = "value"`) does
/// not count: it leaves the tree as its writer meant it, so that the
/// window is still checked (as docs/language.md promises of the declaration around it).
/// `zone: UTC`, though, reads as a declaration of a field of type `UTC`
/// with no value (its `P0010` says so): a body holding one lacks what its
/// writer meant. A field windows do not have (`P0105`) is most often a
/// misspelt one (`alow`), whose absence the check would report again.
fn unreadable(workspace: &Workspace, file: FileId, span: Span, body: &Block) -> bool {
    let declared_without_value = body
        .members
        .iter()
        .any(|member| matches!(member.kind, MemberKind::FieldDecl { value: None, .. }));
    declared_without_value || broken_beyond_habit(workspace, file, span)
}

/// [`unreadable`], of an inline window written as `member`.
fn unreadable_inline(workspace: &Workspace, file: FileId, member: &Member) -> bool {
    match member.kind.body() {
        Some(body) => unreadable(workspace, file, member.span, body),
        None => broken_beyond_habit(workspace, file, member.span),
    }
}

/// Whether an error other than a YAML habit (`P0010`) was reported inside
/// `span`.
fn broken_beyond_habit(workspace: &Workspace, file: FileId, span: Span) -> bool {
    broken_by(workspace, file, span, |code| code != Code::YAML_HABIT)
}

/// Whether an error whose code `counts` was reported inside `span`.
fn broken_by(
    workspace: &Workspace,
    file: FileId,
    span: Span,
    counts: impl Fn(Code) -> bool,
) -> bool {
    let errors = workspace
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error() && counts(diagnostic.code));
    errors.filter_map(Diagnostic::primary_label).any(|label| {
        label.file == file && span.start <= label.span.start && label.span.start < span.end
    })
}

/// The `window` keyword of an inline window, after any modifiers.
pub(crate) fn keyword_span(workspace: &Workspace, file: FileId, member: &Member) -> Span {
    let modifiers = member.modifiers.last().map(|modifier| modifier.span.end());
    let from = modifiers.unwrap_or(member.span.start());
    let text = workspace
        .sources
        .get(file)
        .and_then(|source| source.text.get(from..member.span.end()));
    let at = text
        .and_then(|text| text.find("window"))
        .map(|idx| from + idx);
    at.map_or(member.span, |at| Span::new(at, at + "window".len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use jiff::civil::{DateTime, date};

    const MON: u8 = 1;
    const FRI: u8 = 1 << 4;
    const SAT: u8 = 1 << 5;
    const SUN: u8 = 1 << 6;

    fn spec(zone: &str, slots: &[(u8, u16, u16)], closed: &[(Date, Date)]) -> WindowSpec {
        let slots = slots
            .iter()
            .map(|&(days, start, end)| Slot { days, start, end });
        WindowSpec {
            zone_name: zone.to_string(),
            zone: TimeZone::get(zone).unwrap(),
            slots: slots.collect(),
            closed: merge_ranges(closed.to_vec()),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// The next opening after a local wall time, as a local time and offset.
    fn next(spec: &WindowSpec, local: &str) -> String {
        let after = local
            .parse::<DateTime>()
            .unwrap()
            .to_zoned(spec.zone.clone());
        let opens = next_opening(spec, after.unwrap().timestamp()).unwrap();
        let opens = opens.to_zoned(spec.zone.clone());
        opens.strftime("%Y-%m-%dT%H:%M%:z").to_string()
    }

    #[test]
    fn spring_forward_opens_after_the_gap() {
        // 2026-03-08: Los Angeles skips 02:00..03:00.
        let window = spec("America/Los_Angeles", &[(SUN, 150, 240)], &[]);
        assert_eq!(next(&window, "2026-03-08T00:00"), "2026-03-08T03:00-07:00");
        assert!(is_open(&window, at("2026-03-08T10:00Z")));
        assert_eq!(next(&window, "2026-03-01T00:00"), "2026-03-01T02:30-08:00");
    }

    #[test]
    fn fall_back_opens_in_both_passes_of_the_repeated_hour() {
        // 2026-11-01: Los Angeles repeats 01:00..02:00, in PDT then in PST.
        let window = spec("America/Los_Angeles", &[(SUN, 90, 120)], &[]);
        assert_eq!(next(&window, "2026-11-01T00:00"), "2026-11-01T01:30-07:00");
        // 01:10 PST comes between the passes.
        assert!(!is_open(&window, at("2026-11-01T09:10Z")));
        let opens = next_opening(&window, at("2026-11-01T09:10Z"));
        assert_eq!(opens, Some(at("2026-11-01T09:30Z")));
        // A whole-day slot is open for all 25 hours.
        let sunday = spec("America/Los_Angeles", &[(SUN, 0, 1440)], &[]);
        assert!(is_open(&sunday, at("2026-11-01T07:00Z")));
        assert!(is_open(&sunday, at("2026-11-02T07:59Z")));
        assert!(!is_open(&sunday, at("2026-11-02T08:00Z")));
    }

    #[test]
    fn transitions_at_midnight() {
        // 2026-09-06: Santiago skips 00:00..01:00, so Sunday starts at 01:00.
        let sunday = spec("America/Santiago", &[(SUN, 0, 1440)], &[]);
        assert_eq!(next(&sunday, "2026-09-05T12:00"), "2026-09-06T01:00-03:00");
        // 2026-04-05: at 03:00Z Santiago turns Sunday 00:00 back to Saturday
        // 23:00, so Saturday 23:00..23:30 comes twice, half an hour apart.
        let saturday = spec("America/Santiago", &[(SAT, 1380, 1410)], &[]);
        let opens = |after| next_opening(&saturday, at(after));
        assert_eq!(opens("2026-04-04T12:00Z"), Some(at("2026-04-05T02:00Z")));
        assert!(!is_open(&saturday, at("2026-04-05T02:45Z")));
        assert_eq!(opens("2026-04-05T02:45Z"), Some(at("2026-04-05T03:00Z")));
        assert_eq!(opens("2026-04-05T03:30Z"), Some(at("2026-04-12T03:00Z")));
    }

    #[test]
    fn friday_afternoon_waits_for_the_next_friday_morning() {
        let window = spec("America/Los_Angeles", &[(FRI, 540, 720)], &[]);
        assert_eq!(next(&window, "2026-11-20T16:00"), "2026-11-27T09:00-08:00");
        assert_eq!(next(&window, "2026-11-20T12:00"), "2026-11-27T09:00-08:00");
        assert_eq!(next(&window, "2026-11-20T11:59"), "2026-11-20T11:59-08:00");
        assert_eq!(next(&window, "2026-11-20T08:00"), "2026-11-20T09:00-08:00");
    }

    #[test]
    fn holidays_are_skipped() {
        let thanksgiving = date(2026, 11, 26);
        let weekdays = spec(
            "America/Los_Angeles",
            &[(0b1_1111, 540, 960)],
            &[(thanksgiving, thanksgiving)],
        );
        assert_eq!(
            next(&weekdays, "2026-11-25T16:00"),
            "2026-11-27T09:00-08:00"
        );
        assert!(!is_open(&weekdays, at("2026-11-26T18:00Z")));
    }

    #[test]
    fn weekday_ranges_wrap_over_the_weekend() {
        let days = |first, last| {
            let value = LiteralValue::WeekdaySlot {
                first,
                last: Some(last),
                hours: None,
            };
            let literal = ast::Literal {
                value,
                span: Span::at(0),
            };
            let expr = Expr {
                kind: ExprKind::Literal(literal),
                span: Span::at(0),
            };
            read_slots(&expr, FileId(0), &mut Vec::new())[0].days
        };
        // A value that could not be read is skipped without a word.
        let unread = Expr {
            kind: ExprKind::Invalid,
            span: Span::at(0),
        };
        let list = Expr {
            kind: ExprKind::List(vec![unread]),
            span: Span::at(0),
        };
        let mut errors = Vec::new();
        assert!(read_slots(&list, FileId(0), &mut errors).is_empty() && errors.is_empty());
        let long_weekend = FRI | SAT | SUN | MON;
        assert_eq!(days(ast::Weekday::Fri, ast::Weekday::Mon), long_weekend);
        assert_eq!(days(ast::Weekday::Mon, ast::Weekday::Mon), MON);
        let window = spec("Europe/Dublin", &[(long_weekend, 1320, 1440)], &[]);
        assert_eq!(next(&window, "2026-11-24T23:00"), "2026-11-27T22:00+00:00");
        assert_eq!(next(&window, "2026-11-30T23:59"), "2026-11-30T23:59+00:00");
        assert_eq!(next(&window, "2026-12-01T00:00"), "2026-12-04T22:00+00:00");
    }

    #[test]
    fn blackout_ranges_merge_and_close_every_day_in_them() {
        let (first, last) = (date(2026, 12, 20), date(2026, 12, 27));
        let ranges = [
            (date(2026, 12, 24), date(2026, 12, 26)),
            (last, last),
            (first, date(2026, 12, 25)),
        ];
        let window = spec("UTC", &[(0b111_1111, 0, 1440)], &ranges);
        assert_eq!(window.closed, vec![(first, last)]);
        assert!(window.is_closed(first) && window.is_closed(last));
        assert!(!window.is_closed(date(2026, 12, 19)) && !window.is_closed(date(2026, 12, 28)));
        assert_eq!(next(&window, "2026-12-21T12:00"), "2026-12-28T00:00+00:00");
        // Closed for longer than the search: no opening, and no panic at the
        // ends of time.
        let closed = spec(
            "UTC",
            &[(MON, 540, 600)],
            &[(date(2026, 1, 1), date(2028, 1, 1))],
        );
        assert_eq!(next_opening(&closed, at("2026-06-01T00:00Z")), None);
        assert_eq!(next_opening(&window, Timestamp::MAX), Some(Timestamp::MAX));
        let monday = spec("America/Los_Angeles", &[(MON, 540, 600)], &[]);
        assert_eq!(next_opening(&monday, Timestamp::MAX), None);
        assert!(next_opening(&monday, Timestamp::MIN).is_some());
    }
}
