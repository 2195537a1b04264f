//! Reading the text of literals (`1h30m`, `2.5%`, `2026-02-29`, `24:00`)
//! into values, with a message for every way they can be wrong. Pure
//! functions of text; the lowering turns errors into diagnostics.

use super::ast::{Date, LiteralValue, TimeOfDay, Weekday};

/// The largest count: integers up to 2^53 survive a trip through JSON.
pub const MAX_COUNT: u64 = 1 << 53;
/// The longest duration: 100 years of 365.25 days.
pub const MAX_DURATION_SECONDS: u64 = 3_155_760_000;
/// The largest percent, in hundredths: `1000000%`. The limit is on the
/// value, decimals included, like every other literal's (`1000000.01%` is
/// over it); what a field accepts is narrower and checked where it is read.
pub const MAX_PERCENT_HUNDREDTHS: u64 = 100_000_000;

/// Duration units, largest first, with their length in seconds.
pub const UNITS: &[(&str, u64)] = &[
    ("w", 604_800),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
];

/// Why a literal could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralError {
    /// What is wrong.
    pub message: String,
    /// What is wrong at the literal, in a few words.
    pub label: &'static str,
    /// What to write instead.
    pub help: String,
}

fn error(message: impl Into<String>, label: &'static str, help: impl Into<String>) -> LiteralError {
    LiteralError {
        message: message.into(),
        label,
        help: help.into(),
    }
}

/// Reads a number with an optional unit: a count, a percent or a duration.
pub fn quantity(text: &str) -> Result<LiteralValue, LiteralError> {
    // One `_` at a time, between two digits: `3_000`.
    let bytes = text.as_bytes();
    let misplaced = bytes.iter().enumerate().any(|(at, &byte)| {
        byte == b'_'
            && !(at
                .checked_sub(1)
                .and_then(|before| bytes.get(before))
                .is_some_and(u8::is_ascii_digit)
                && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
    });
    if misplaced {
        return Err(error(
            format!("`{text}` has a misplaced `_`"),
            "an `_` not between two digits",
            "`_` may separate digits, one at a time: `3_000`",
        ));
    }
    let digits_only: String = text.chars().filter(|&ch| ch != '_').collect();
    if let Some(number) = digits_only.strip_suffix('%') {
        return percent(number, text);
    }
    if digits_only.contains('.') {
        return Err(error(
            format!("`{text}` has a decimal point"),
            "not a whole number",
            "only percents have decimals; write durations in smaller units (`1h30m`, not `1.5h`) \
             and counts as whole numbers",
        ));
    }
    let pieces = split_pieces(&digits_only);
    match pieces.as_slice() {
        [(number, "")] => {
            let value = parse_u64(number)
                .filter(|&value| value <= MAX_COUNT)
                .ok_or_else(|| {
                    error(
                        format!("the number `{text}` is too large"),
                        "too large",
                        "counts go up to 9007199254740992 (2^53)",
                    )
                })?;
            Ok(LiteralValue::Count(value))
        }
        _ => duration(&pieces, text),
    }
}

/// Splits `1h30m` into `[("1", "h"), ("30", "m")]`.
fn split_pieces(text: &str) -> Vec<(&str, &str)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|ch: char| !ch.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(digits_end);
        let unit_end = after
            .find(|ch: char| ch.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        pieces.push((digits, unit));
        rest = next;
    }
    pieces
}

fn parse_u64(digits: &str) -> Option<u64> {
    digits.parse::<u64>().ok()
}

fn duration(pieces: &[(&str, &str)], text: &str) -> Result<LiteralValue, LiteralError> {
    let mut total: u64 = 0;
    let mut previous_rank: Option<usize> = None;
    for &(digits, unit) in pieces {
        let Some(rank) = UNITS.iter().position(|&(name, _)| name == unit) else {
            let help = if unit.is_empty() {
                "write a unit after every number of a duration, e.g. `1h30m`".to_string()
            } else {
                format!(
                    "durations use the units `w`, `d`, `h`, `m` and `s`, e.g. `30m`, `12h`, `2d`{}",
                    unit_hint(unit)
                )
            };
            return Err(if unit.is_empty() {
                error(
                    format!("`{text}` ends in a number without a unit"),
                    "a number without a unit",
                    help,
                )
            } else {
                error(
                    format!("unknown unit `{unit}` in `{text}`"),
                    "not a duration unit",
                    help,
                )
            });
        };
        if previous_rank.is_some_and(|previous| previous >= rank) {
            return Err(error(
                format!("the units of `{text}` are out of order"),
                "units out of order",
                "write each unit once, from the largest to the smallest, e.g. `1h30m`",
            ));
        }
        previous_rank = Some(rank);
        let seconds_per_unit = UNITS.get(rank).map_or(1, |&(_, seconds)| seconds);
        let amount = parse_u64(digits)
            .and_then(|value| value.checked_mul(seconds_per_unit))
            .and_then(|value| total.checked_add(value))
            .filter(|&value| value <= MAX_DURATION_SECONDS);
        total = amount.ok_or_else(|| {
            error(
                format!("the duration `{text}` is too long"),
                "too long",
                "durations go up to 100 years",
            )
        })?;
    }
    Ok(LiteralValue::Duration(total))
}

fn unit_hint(unit: &str) -> String {
    let meant = match unit {
        "ms" => Some("durations are whole seconds at least"),
        "min" | "mins" | "minute" | "minutes" => Some("minutes are `m`"),
        "hr" | "hrs" | "hour" | "hours" => Some("hours are `h`"),
        "sec" | "secs" | "second" | "seconds" => Some("seconds are `s`"),
        "day" | "days" => Some("days are `d`"),
        "y" | "yr" | "year" | "years" | "mo" | "month" | "months" => {
            Some("months and years vary in length; write days, e.g. `30d`")
        }
        _ => None,
    };
    meant.map_or(String::new(), |hint| format!(" ({hint})"))
}

fn percent(number: &str, text: &str) -> Result<LiteralValue, LiteralError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.len() > 2 {
        return Err(error(
            format!("`{text}` has more than two decimals"),
            "too many decimals",
            "percents are written with at most two decimals, e.g. `2.5%` or `0.25%`",
        ));
    }
    let too_large = || {
        error(
            format!("the percent `{text}` is too large"),
            "too large",
            "percents go up to 1000000%",
        )
    };
    let fraction_hundredths = match fraction.len() {
        0 => 0,
        1 => parse_u64(fraction).unwrap_or(0) * 10,
        _ => parse_u64(fraction).unwrap_or(0),
    };
    // The limit applies to the whole value, as for counts and durations,
    // so that decimals cannot carry a percent past it.
    let hundredths = parse_u64(whole)
        .and_then(|whole| whole.checked_mul(100))
        .and_then(|value| value.checked_add(fraction_hundredths))
        .filter(|&value| value <= MAX_PERCENT_HUNDREDTHS)
        .and_then(|value| u32::try_from(value).ok())
        .ok_or_else(too_large)?;
    Ok(LiteralValue::Percent(hundredths))
}

/// Reads `HH:MM`, `00:00` to `24:00`.
pub fn time(text: &str) -> Result<TimeOfDay, LiteralError> {
    let bad = || {
        error(
            format!("`{text}` is not a time of day"),
            "not a time of day",
            "times are `HH:MM` on a 24-hour clock, from `00:00` to `24:00`",
        )
    };
    let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
    let hours = hours.parse::<u16>().map_err(|_| bad())?;
    let minutes = minutes.parse::<u16>().map_err(|_| bad())?;
    if minutes > 59 || hours > 24 || (hours == 24 && minutes != 0) {
        return Err(bad());
    }
    Ok(TimeOfDay {
        minutes: hours * 60 + minutes,
    })
}

/// Reads `YYYY-MM-DD` and checks that the day exists.
pub fn date(text: &str) -> Result<Date, LiteralError> {
    let bad = |why: &str| {
        error(
            format!("`{text}` is not a calendar date{why}"),
            "not a calendar date",
            "dates are `YYYY-MM-DD`, e.g. `2026-12-25`",
        )
    };
    let mut parts = text.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(""));
    };
    let year = year.parse::<u16>().map_err(|_| bad(""))?;
    let month = month.parse::<u8>().map_err(|_| bad(""))?;
    let day = day.parse::<u8>().map_err(|_| bad(""))?;
    if !(1..=12).contains(&month) {
        return Err(bad(": the month must be 01 to 12"));
    }
    let days_in_month = days_in_month(year, month);
    if day == 0 {
        return Err(bad(": days are numbered from 01"));
    }
    if day > days_in_month {
        return Err(bad(&format!(": that month has {days_in_month} days")));
    }
    Ok(Date { year, month, day })
}

/// The number of days of a month in the proleptic Gregorian calendar.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 31,
    }
}

fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Reads a weekday abbreviation such as `mon`.
pub fn weekday(text: &str) -> Option<Weekday> {
    Some(match text {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// Resolves one escape sequence (the character after the backslash).
pub fn escape(after_backslash: char) -> Option<char> {
    Some(match after_backslash {
        '"' => '"',
        '\\' => '\\',
        'n' => '\n',
        't' => '\t',
        '$' => '$',
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn durations_add_up_their_units() {
        assert_eq!(quantity("1h30m"), Ok(LiteralValue::Duration(5_400)));
        assert_eq!(quantity("2d"), Ok(LiteralValue::Duration(172_800)));
        assert_eq!(quantity("1w2d3h4m5s"), Ok(LiteralValue::Duration(788_645)));
    }

    #[test]
    fn durations_reject_unknown_and_unordered_units() {
        let unknown = quantity("5y").unwrap_err();
        assert!(unknown.message.contains("unknown unit `y`"), "{unknown:?}");
        assert!(unknown.help.contains("write days"), "{unknown:?}");
        assert!(
            quantity("30m1h")
                .unwrap_err()
                .message
                .contains("out of order")
        );
        assert!(
            quantity("1h1h")
                .unwrap_err()
                .message
                .contains("out of order")
        );
        assert!(
            quantity("200000w")
                .unwrap_err()
                .message
                .contains("too long")
        );
    }

    #[test]
    fn counts_and_percents() {
        assert_eq!(quantity("3_000"), Ok(LiteralValue::Count(3_000)));
        assert_eq!(quantity("33%"), Ok(LiteralValue::Percent(3_300)));
        assert_eq!(quantity("2.5%"), Ok(LiteralValue::Percent(250)));
        assert_eq!(quantity("0.25%"), Ok(LiteralValue::Percent(25)));
        assert!(quantity("0.125%").is_err_and(|e| e.message.contains("two decimals")));
        assert!(quantity("99999999999999999999").is_err_and(|e| e.message.contains("too large")));
        // One limit for the value, whatever its decimals.
        assert_eq!(quantity("1000000%"), Ok(LiteralValue::Percent(100_000_000)));
        assert_eq!(
            quantity("1000000.00%"),
            Ok(LiteralValue::Percent(100_000_000))
        );
        assert!(quantity("1000000.01%").is_err_and(|e| e.message.contains("too large")));
        assert!(quantity("2000000%").is_err_and(|e| e.message.contains("too large")));
        assert!(quantity("99999999999999999999%").is_err_and(|e| e.message.contains("too large")));
    }

    #[test]
    fn times_and_dates_are_checked() {
        assert_eq!(time("24:00"), Ok(TimeOfDay { minutes: 1_440 }));
        assert_eq!(time("9:05"), Ok(TimeOfDay { minutes: 545 }));
        assert!(time("24:01").is_err());
        assert!(time("12:60").is_err());
        assert_eq!(date("2028-02-29").map(|d| d.day), Ok(29));
        assert!(date("2026-02-29").is_err_and(|e| e.message.contains("28 days")));
        assert!(date("2026-13-01").is_err_and(|e| e.message.contains("01 to 12")));
        assert!(date("2100-02-29").is_err());
        assert!(date("2000-02-29").is_ok());
    }
}
