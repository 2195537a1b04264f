//! Deployment windows of a plan: whether a window gate is open at an
//! instant, and exactly when it next opens.
//!
//! A plan's [`WindowGate`] is read into the compiler's own window
//! ([`crate::semantics::windows::WindowSpec`]), so the compiler's check
//! that a window opens within a year and the simulator agree on every
//! instant: one implementation of wall-clock slots, closed dates and DST.
//! The functions are pure: no clock, no state.

use crate::export::plan_v1::{Weekday, WindowGate, WindowSlot};
use crate::semantics::windows::{self, Slot, WindowSpec};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// A window gate, ready to be asked.
#[derive(Debug, Clone)]
pub struct Window {
    spec: WindowSpec,
}

impl Window {
    /// Reads a plan's window gate. Refuses what the format forbids and an
    /// engine could not use: an unknown zone, a time that is not `HH:MM`
    /// (`24:00` only as an end), a date that is not `YYYY-MM-DD`.
    pub fn from_gate(gate: &WindowGate) -> Result<Window, String> {
        let zone =
            TimeZone::get(&gate.zone).map_err(|_| format!("unknown time zone `{}`", gate.zone))?;
        let slots = gate
            .allow
            .iter()
            .map(read_slot)
            .collect::<Result<Vec<Slot>, String>>()?;
        let mut days = gate
            .closed_dates
            .iter()
            .map(|text| {
                text.parse::<Date>()
                    .map_err(|_| format!("closed date `{text}` is not a date such as 2026-12-25"))
            })
            .collect::<Result<Vec<Date>, String>>()?;
        days.sort();
        days.dedup();
        Ok(Window {
            spec: WindowSpec {
                zone_name: gate.zone.clone(),
                zone,
                slots,
                closed: ranges(&days),
            },
        })
    }

    /// Whether a step may start at `at`: the local date is not closed and
    /// the local wall time is in a slot of that weekday (`start <= t < end`,
    /// to the minute).
    pub fn is_open(&self, at: Timestamp) -> bool {
        windows::is_open(&self.spec, at)
    }

    /// The first instant at or after `at` when the window is open; `None`
    /// if it does not open within a year and a week.
    pub fn next_opening(&self, at: Timestamp) -> Option<Timestamp> {
        windows::next_opening(&self.spec, at)
    }

    /// The window's time zone.
    pub fn zone(&self) -> &TimeZone {
        &self.spec.zone
    }

    /// The zone's IANA name.
    pub fn zone_name(&self) -> &str {
        &self.spec.zone_name
    }
}

fn read_slot(slot: &WindowSlot) -> Result<Slot, String> {
    let start = minutes(&slot.start).filter(|minutes| *minutes < 1440);
    let end = minutes(&slot.end);
    let (Some(start), Some(end)) = (start, end) else {
        return Err(format!(
            "slot `{}..{}` is not two times HH:MM, 00:00 to 24:00",
            slot.start, slot.end
        ));
    };
    let days = slot.days.iter().fold(0u8, |days, day| days | day_bit(*day));
    Ok(Slot { days, start, end })
}

/// Minutes since midnight of `HH:MM`, up to `24:00`.
fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (minutes < 60 && total <= 1440).then_some(total)
}

/// The bit of a weekday in [`Slot::days`], Monday first.
fn day_bit(day: Weekday) -> u8 {
    let index = match day {
        Weekday::Mon => 0,
        Weekday::Tue => 1,
        Weekday::Wed => 2,
        Weekday::Thu => 3,
        Weekday::Fri => 4,
        Weekday::Sat => 5,
        Weekday::Sun => 6,
    };
    1 << index
}

/// Sorted distinct days as inclusive ranges of consecutive days.
fn ranges(days: &[Date]) -> Vec<(Date, Date)> {
    let mut ranges: Vec<(Date, Date)> = Vec::new();
    for &day in days {
        match ranges.last_mut() {
            Some((_, last)) if last.tomorrow().ok() == Some(day) => *last = day,
            _ => ranges.push((day, day)),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::export::plan_v1::{How, Provenance};

    fn business_hours(closed: &[&str]) -> Window {
        let slot = |days: Vec<Weekday>, start: &str, end: &str| WindowSlot {
            days,
            start: start.to_string(),
            end: end.to_string(),
        };
        Window::from_gate(&WindowGate {
            window: Some("business_hours".to_string()),
            zone: "America/Los_Angeles".to_string(),
            allow: vec![
                slot(
                    vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
                    "09:00",
                    "16:00",
                ),
                slot(vec![Weekday::Fri], "09:00", "12:00"),
            ],
            closed_dates: closed.iter().map(|day| day.to_string()).collect(),
            overridable: true,
            provenance: Provenance {
                file: "org.pipe".into(),
                line: 1,
                column: 1,
                how: How::Set,
                overrides: Vec::new(),
                not_scaled: None,
            },
        })
        .unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_end_of_a_slot_is_excluded_to_the_minute() {
        let window = business_hours(&[]);
        assert!(window.is_open(at("2027-01-26T15:59:59-08:00")));
        assert!(!window.is_open(at("2027-01-26T16:00:00-08:00")));
        assert_eq!(
            window.next_opening(at("2027-01-26T16:00:00-08:00")),
            Some(at("2027-01-27T09:00:00-08:00"))
        );
    }

    #[test]
    fn openings_follow_daylight_saving_time() {
        let window = business_hours(&[]);
        // Friday afternoon before the 2027-03-14 change: Monday is PDT.
        assert_eq!(
            window.next_opening(at("2027-03-12T13:00:00-08:00")),
            Some(at("2027-03-15T16:00:00Z"))
        );
        // A week earlier, still PST.
        assert_eq!(
            window.next_opening(at("2027-03-05T13:00:00-08:00")),
            Some(at("2027-03-08T17:00:00Z"))
        );
    }

    #[test]
    fn closed_dates_are_skipped_and_merged() {
        let window = business_hours(&["2027-01-18", "2027-01-19", "2027-01-19"]);
        assert_eq!(
            window.next_opening(at("2027-01-15T13:00:00-08:00")),
            Some(at("2027-01-20T09:00:00-08:00"))
        );
    }

    #[test]
    fn malformed_gates_are_refused_with_a_reason() {
        let mut gate = WindowGate {
            window: None,
            zone: "Mars/Olympus".to_string(),
            allow: Vec::new(),
            closed_dates: Vec::new(),
            overridable: false,
            provenance: Provenance {
                file: "x.pipe".into(),
                line: 1,
                column: 1,
                how: How::Set,
                overrides: Vec::new(),
                not_scaled: None,
            },
        };
        assert!(
            Window::from_gate(&gate)
                .unwrap_err()
                .contains("unknown time zone")
        );
        gate.zone = "UTC".to_string();
        gate.allow.push(WindowSlot {
            days: vec![Weekday::Mon],
            start: "24:00".to_string(),
            end: "24:00".to_string(),
        });
        assert!(Window::from_gate(&gate).unwrap_err().contains("HH:MM"));
        gate.allow.clear();
        gate.closed_dates.push("2027-02-30".to_string());
        assert!(Window::from_gate(&gate).unwrap_err().contains("not a date"));
        gate.closed_dates.clear();
        let never = Window::from_gate(&gate).unwrap();
        assert_eq!(never.next_opening(at("2027-01-01T00:00:00Z")), None);
    }
}
