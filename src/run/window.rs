//! Time windows of the plan, evaluated at an instant: is the window open,
//! and when does it next open. Slots are local times in the window's IANA
//! zone, so a slot follows the zone across daylight-saving changes.
//!
//! Kept apart from the rest of the runner so that one shared
//! implementation can replace it.

use crate::export::plan_v1::{WindowGate, WindowSlot};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use std::collections::BTreeSet;

/// How far ahead [`Window::next_opening`] looks: a window the compiler
/// accepted opens within a year, so a longer search finds nothing more.
const HORIZON_DAYS: i32 = 400;

/// A window, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Window {
    zone: TimeZone,
    zone_name: String,
    slots: Vec<Slot>,
    closed: BTreeSet<Date>,
}

#[derive(Debug, Clone)]
struct Slot {
    /// Monday first.
    days: [bool; 7],
    start_minute: i32,
    end_minute: i32,
}

impl Window {
    /// The window of a plan's gate; an error names what is wrong (an
    /// unknown zone, an unreadable time or date).
    pub fn from_gate(gate: &WindowGate) -> Result<Window, String> {
        let zone = TimeZone::get(&gate.zone)
            .map_err(|error| format!("unknown time zone `{}`: {error}", gate.zone))?;
        let slots = gate
            .allow
            .iter()
            .map(slot)
            .collect::<Result<Vec<_>, String>>()?;
        let closed = gate
            .closed_dates
            .iter()
            .map(|date| {
                date.parse::<Date>()
                    .map_err(|error| format!("bad closed date `{date}`: {error}"))
            })
            .collect::<Result<BTreeSet<_>, String>>()?;
        Ok(Window {
            zone,
            zone_name: gate.zone.clone(),
            slots,
            closed,
        })
    }

    /// The zone's name, as the plan gives it.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// Whether a step may start at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.zone.clone());
        if self.closed.contains(&local.date()) {
            return false;
        }
        let day = usize::from(local.weekday().to_monday_zero_offset().unsigned_abs());
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        self.slots.iter().any(|slot| {
            slot.days.get(day).copied().unwrap_or(false)
                && slot.start_minute <= minute
                && minute < slot.end_minute
        })
    }

    /// The first instant at or after `at` when the window is open; `None`
    /// when it stays closed for the next 400 days.
    pub fn next_opening(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_open(at) {
            return Some(at);
        }
        let today = at.to_zoned(self.zone.clone()).date();
        for offset in 0..=HORIZON_DAYS {
            let date = today.checked_add(jiff::Span::new().days(offset)).ok()?;
            if self.closed.contains(&date) {
                continue;
            }
            let day = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
            let opening = self
                .slots
                .iter()
                .filter(|slot| slot.days.get(day).copied().unwrap_or(false))
                .filter_map(|slot| {
                    let hour = i8::try_from(slot.start_minute / 60).ok()?;
                    let minute = i8::try_from(slot.start_minute % 60).ok()?;
                    let local = date.to_datetime(Time::new(hour, minute, 0, 0).ok()?);
                    // A start inside a daylight-saving gap moves forward to
                    // the first instant that exists.
                    let instant = local.to_zoned(self.zone.clone()).ok()?.timestamp();
                    (instant > at && self.is_open(instant)).then_some(instant)
                })
                .min();
            if opening.is_some() {
                return opening;
            }
        }
        None
    }
}

fn slot(slot: &WindowSlot) -> Result<Slot, String> {
    let mut days = [false; 7];
    for day in &slot.days {
        if let Some(flag) = days.get_mut(*day as usize) {
            *flag = true;
        }
    }
    Ok(Slot {
        days,
        start_minute: minutes(&slot.start)?,
        end_minute: minutes(&slot.end)?,
    })
}

/// `HH:MM` as minutes of the day; `24:00` is 1440.
fn minutes(text: &str) -> Result<i32, String> {
    let bad = || format!("bad time `{text}` in a window slot");
    let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    if !(0..=24).contains(&hours) || !(0..60).contains(&minutes) || hours * 60 + minutes > 1440 {
        return Err(bad());
    }
    Ok(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::export::plan_v1::{How, Provenance, Weekday};

    fn gate(zone: &str, slots: &[(&[Weekday], &str, &str)], closed: &[&str]) -> WindowGate {
        WindowGate {
            window: None,
            zone: zone.to_string(),
            allow: slots
                .iter()
                .map(|(days, start, end)| WindowSlot {
                    days: days.to_vec(),
                    start: start.to_string(),
                    end: end.to_string(),
                })
                .collect(),
            closed_dates: closed.iter().map(|date| date.to_string()).collect(),
            overridable: false,
            provenance: Provenance {
                file: "w.pipe".to_string(),
                line: 1,
                column: 1,
                how: How::Set,
                overrides: Vec::new(),
            },
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const WEEKDAYS: &[Weekday] = &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    #[test]
    fn business_hours_in_a_zone() {
        let window = Window::from_gate(&gate(
            "America/Los_Angeles",
            &[(WEEKDAYS, "09:00", "16:00")],
            &["2027-01-01"],
        ))
        .unwrap();
        // Monday 2027-01-25 10:00 in Los Angeles is 18:00 UTC.
        assert!(window.is_open(at("2027-01-25T18:00:00Z")));
        assert!(!window.is_open(at("2027-01-25T16:59:00Z")));
        // Saturday evening: the next opening is Monday 09:00 local.
        assert_eq!(
            window.next_opening(at("2027-01-23T20:00:00Z")),
            Some(at("2027-01-25T17:00:00Z"))
        );
        // A closed Friday pushes the opening to Monday.
        assert_eq!(
            window.next_opening(at("2027-01-01T01:00:00Z")),
            Some(at("2027-01-04T17:00:00Z"))
        );
    }

    #[test]
    fn openings_follow_daylight_saving_time() {
        let window =
            Window::from_gate(&gate("Europe/Berlin", &[(WEEKDAYS, "09:00", "17:00")], &[]))
                .unwrap();
        // Friday 2027-03-26 09:00 is 08:00 UTC (CET); after the change on
        // Sunday, Monday 09:00 is 07:00 UTC (CEST).
        assert_eq!(
            window.next_opening(at("2027-03-26T07:00:00Z")),
            Some(at("2027-03-26T08:00:00Z"))
        );
        assert_eq!(
            window.next_opening(at("2027-03-26T20:00:00Z")),
            Some(at("2027-03-29T07:00:00Z"))
        );
    }

    #[test]
    fn a_window_that_never_opens_and_bad_gates() {
        let every_day_closed: Vec<String> = (0..500)
            .map(|offset| {
                let date: Date = "2027-01-01".parse().unwrap();
                date.checked_add(jiff::Span::new().days(offset))
                    .unwrap()
                    .to_string()
            })
            .collect();
        let closed: Vec<&str> = every_day_closed.iter().map(String::as_str).collect();
        let window =
            Window::from_gate(&gate("UTC", &[(WEEKDAYS, "00:00", "24:00")], &closed)).unwrap();
        assert_eq!(window.next_opening(at("2027-01-01T00:00:00Z")), None);
        assert!(Window::from_gate(&gate("Mars/Olympus", &[], &[])).is_err());
        assert!(Window::from_gate(&gate("UTC", &[(WEEKDAYS, "9", "10:00")], &[])).is_err());
        assert!(Window::from_gate(&gate("UTC", &[], &["someday"])).is_err());
    }
}
