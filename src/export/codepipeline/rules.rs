//! Rules of stage conditions: deployment windows and CloudWatch alarms.

use super::model::RuleDeclaration;
use super::model::RuleTypeId;
use crate::export::plan_v1::{Weekday, WindowSlot};
use std::collections::BTreeMap;

/// A `DeploymentWindow` cron (Quartz: seconds, minutes, hours, day of
/// month, month, day of week, year; seconds must be `*`) for a window's
/// slots, and whether it is exact.
///
/// One cron holds one set of hours for a set of days, and the rules of a
/// condition must all pass, so slots with different hours cannot be
/// joined. The approximation is always inside the window: the hours every
/// slot shares, on all the slots' days, or else the first slot alone;
/// times off the hour are narrowed to whole hours. `None` when not even
/// one whole hour remains.
pub fn window_cron(slots: &[WindowSlot]) -> Option<(String, bool)> {
    let hours: Vec<(u32, u32, bool)> = slots.iter().filter_map(whole_hours).collect();
    if hours.len() != slots.len() || hours.is_empty() {
        return None;
    }
    let start = hours.iter().map(|(start, _, _)| *start).max()?;
    let end = hours.iter().map(|(_, end, _)| *end).min()?;
    let all_exact = hours.iter().all(|(_, _, exact)| *exact);
    let same_hours = hours
        .iter()
        .all(|(slot_start, slot_end, _)| (*slot_start, *slot_end) == (start, end));
    let (days, start, end, exact) = if start < end {
        let mut days: Vec<Weekday> = slots.iter().flat_map(|slot| slot.days.clone()).collect();
        days.sort();
        days.dedup();
        (days, start, end, all_exact && same_hours)
    } else {
        let (first_start, first_end, _) = *hours.first()?;
        let days = slots.first()?.days.clone();
        (days, first_start, first_end, false)
    };
    if start >= end || days.is_empty() {
        return None;
    }
    let hour_field = if end - start == 24 {
        "*".to_string()
    } else if end - 1 == start {
        start.to_string()
    } else {
        format!("{start}-{}", end - 1)
    };
    let day_field: Vec<&str> = days.iter().map(|day| quartz_day(*day)).collect();
    Some((
        format!("* * {hour_field} ? * {} *", day_field.join(",")),
        exact,
    ))
}

/// A slot's whole hours `[start, end)` and whether they are the slot
/// exactly.
fn whole_hours(slot: &WindowSlot) -> Option<(u32, u32, bool)> {
    let (start_hour, start_minute) = hour_minute(&slot.start)?;
    let (end_hour, end_minute) = hour_minute(&slot.end)?;
    let start = start_hour + u32::from(start_minute > 0);
    Some((start, end_hour, start_minute == 0 && end_minute == 0))
}

fn hour_minute(text: &str) -> Option<(u32, u32)> {
    let (hour, minute) = text.split_once(':')?;
    Some((hour.parse().ok()?, minute.parse().ok()?))
}

fn quartz_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MON",
        Weekday::Tue => "TUE",
        Weekday::Wed => "WED",
        Weekday::Thu => "THU",
        Weekday::Fri => "FRI",
        Weekday::Sat => "SAT",
        Weekday::Sun => "SUN",
    }
}

/// The CloudWatch alarm names of an expression that is a plain
/// disjunction, `ALARM("A") OR ALARM("B")`: the rules of a condition all
/// pass exactly when none of those alarms fires. `None` for any other
/// expression (`AND`, `NOT`, parentheses), which needs a composite alarm.
pub fn disjunction_names(expression: &str) -> Option<Vec<String>> {
    expression
        .split(" OR ")
        .map(|term| {
            let name = term.trim().strip_prefix("ALARM(\"")?.strip_suffix("\")")?;
            (!name.is_empty() && !name.contains('"')).then(|| name.to_string())
        })
        .collect()
}

/// A `DeploymentWindow` rule.
pub fn window_rule(name: String, cron: String, zone: &str) -> RuleDeclaration {
    RuleDeclaration {
        name,
        rule_type_id: RuleTypeId::aws("DeploymentWindow"),
        configuration: BTreeMap::from([
            ("Cron".to_string(), cron),
            ("TimeZone".to_string(), zone.to_string()),
        ]),
        region: None,
    }
}

/// A `CloudWatchAlarm` rule, failing when the alarm is in `ALARM`; with a
/// wait, in minutes, the rule watches that long (a bake).
pub fn alarm_rule(
    name: String,
    alarm: &str,
    wait_minutes: Option<u64>,
    region: Option<String>,
) -> RuleDeclaration {
    let mut configuration = BTreeMap::from([
        ("AlarmName".to_string(), alarm.to_string()),
        ("AlarmStates".to_string(), "ALARM".to_string()),
    ]);
    if let Some(wait) = wait_minutes {
        configuration.insert("WaitTime".to_string(), wait.to_string());
    }
    RuleDeclaration {
        name,
        rule_type_id: RuleTypeId::aws("CloudWatchAlarm"),
        configuration,
        region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(days: &[Weekday], start: &str, end: &str) -> WindowSlot {
        WindowSlot {
            days: days.to_vec(),
            start: start.to_string(),
            end: end.to_string(),
        }
    }

    #[test]
    fn one_set_of_whole_hours_is_exact() {
        let cron = window_cron(&[slot(&[Weekday::Mon, Weekday::Tue], "09:00", "17:00")]);
        assert_eq!(cron, Some(("* * 9-16 ? * MON,TUE *".to_string(), true)));
    }

    #[test]
    fn different_hours_keep_the_shared_hours_on_every_day() {
        let cron = window_cron(&[
            slot(&[Weekday::Mon], "09:00", "16:00"),
            slot(&[Weekday::Fri], "09:00", "12:00"),
        ]);
        assert_eq!(cron, Some(("* * 9-11 ? * MON,FRI *".to_string(), false)));
    }

    #[test]
    fn disjoint_hours_keep_the_first_slot() {
        let cron = window_cron(&[
            slot(&[Weekday::Mon], "09:00", "10:00"),
            slot(&[Weekday::Fri], "14:30", "18:00"),
        ]);
        assert_eq!(cron, Some(("* * 9 ? * MON *".to_string(), false)));
    }

    #[test]
    fn only_plain_disjunctions_are_split() {
        assert_eq!(
            disjunction_names(r#"ALARM("A") OR ALARM("B")"#),
            Some(vec!["A".to_string(), "B".to_string()])
        );
        assert_eq!(disjunction_names(r#"ALARM("A") AND ALARM("B")"#), None);
        assert_eq!(disjunction_names(r#"NOT ALARM("A")"#), None);
    }
}
