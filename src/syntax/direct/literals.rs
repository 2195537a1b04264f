//! Literals: strings, dates, times, weekdays, quantities and booleans,
//! read by the same functions as the pest path reads them with.

use super::{Reader, is_ident_char};
use crate::syntax::ast::*;
use crate::syntax::literal;

impl Reader<'_> {
    /// `string | date_range | date | time_range | time | weekday_slot |
    /// quantity | boolean`.
    pub(super) fn literal(&mut self) -> Option<Literal> {
        let start = self.pos;
        match self.byte(start)? {
            b'"' => {
                let string = self.string()?;
                let span = string.span;
                Some(Literal {
                    value: LiteralValue::String(string),
                    span,
                })
            }
            b'0'..=b'9' => self
                .attempt(Self::date_range)
                .or_else(|| self.attempt(Self::date_literal))
                .or_else(|| self.attempt(Self::time_range))
                .or_else(|| self.attempt(Self::time_literal))
                .or_else(|| self.quantity()),
            _ => {
                if let Some(slot) = self.attempt(Self::weekday_slot) {
                    return Some(slot);
                }
                let value = match self.word() {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                };
                self.pos += self.word().len();
                Some(Literal {
                    value: LiteralValue::Bool(value),
                    span: self.span(start, self.pos),
                })
            }
        }
    }

    /// Gives up on a literal the pest path would report.
    pub(super) fn valid<T, E>(&mut self, read: Result<T, E>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(_) => {
                self.gave_up = true;
                None
            }
        }
    }

    /// Counts `count` ASCII digits; false where fewer are there.
    pub(super) fn digits_exactly(&mut self, count: usize) -> bool {
        let all = (0..count).all(|index| {
            self.byte(self.pos + index)
                .is_some_and(|byte| byte.is_ascii_digit())
        });
        if all {
            self.pos += count;
        }
        all
    }

    /// `date = @{ ASCII_DIGIT{4} ~ "-" ~ ASCII_DIGIT{2} ~ "-" ~
    /// ASCII_DIGIT{2} ~ !ident_char }`, read.
    pub(super) fn date(&mut self) -> Option<(Date, usize)> {
        let start = self.pos;
        let matched = self.digits_exactly(4)
            && self.eat("-")
            && self.digits_exactly(2)
            && self.eat("-")
            && self.digits_exactly(2)
            && !self.byte(self.pos).is_some_and(is_ident_char);
        if !matched {
            return None;
        }
        let date = literal::date(self.slice(start, self.pos));
        Some((self.valid(date)?, start))
    }

    pub(super) fn date_literal(&mut self) -> Option<Literal> {
        let (date, start) = self.date()?;
        Some(Literal {
            value: LiteralValue::Date(date),
            span: self.span(start, self.pos),
        })
    }

    /// `date ~ ".." ~ date`.
    pub(super) fn date_range(&mut self) -> Option<Literal> {
        let (first, start) = self.date()?;
        self.then("..")?;
        let (last, _) = self.date()?;
        Some(Literal {
            value: LiteralValue::DateRange(first, last),
            span: self.span(start, self.pos),
        })
    }

    /// `time = @{ ASCII_DIGIT{1,2} ~ ":" ~ ASCII_DIGIT{2} ~ !ident_char }`,
    /// read.
    pub(super) fn time(&mut self) -> Option<TimeOfDay> {
        let start = self.pos;
        if !self.digits_exactly(1) {
            return None;
        }
        self.digits_exactly(1);
        let matched = self.eat(":")
            && self.digits_exactly(2)
            && !self.byte(self.pos).is_some_and(is_ident_char);
        if !matched {
            return None;
        }
        let time = literal::time(self.slice(start, self.pos));
        self.valid(time)
    }

    pub(super) fn time_literal(&mut self) -> Option<Literal> {
        let start = self.pos;
        let time = self.time()?;
        Some(Literal {
            value: LiteralValue::Time(time),
            span: self.span(start, self.pos),
        })
    }

    /// `time ~ ".." ~ time`.
    pub(super) fn hours(&mut self) -> Option<(TimeOfDay, TimeOfDay)> {
        let first = self.time()?;
        self.then("..")?;
        Some((first, self.time()?))
    }

    pub(super) fn time_range(&mut self) -> Option<Literal> {
        let start = self.pos;
        let (first, last) = self.hours()?;
        Some(Literal {
            value: LiteralValue::TimeRange(first, last),
            span: self.span(start, self.pos),
        })
    }

    pub(super) fn weekday(&mut self) -> Option<Weekday> {
        let day = literal::weekday(self.word())?;
        self.pos += 3;
        Some(day)
    }

    /// `weekday ~ (".." ~ weekday)? ~ time_range?`.
    pub(super) fn weekday_slot(&mut self) -> Option<Literal> {
        let start = self.pos;
        let first = self.weekday()?;
        let last = self.optional(|this| {
            this.then("..")?;
            this.weekday()
        });
        let hours = self.optional(Self::hours);
        Some(Literal {
            value: LiteralValue::WeekdaySlot { first, last, hours },
            span: self.span(start, self.pos),
        })
    }

    /// `quantity`, read: a count, a percent or a duration.
    pub(super) fn quantity(&mut self) -> Option<Literal> {
        let start = self.pos;
        let end = self.quantity_end(start)?;
        self.pos = end;
        let value = literal::quantity(self.slice(start, end));
        Some(Literal {
            value: self.valid(value)?,
            span: self.span(start, end),
        })
    }

    /// `digits = _{ ASCII_DIGIT ~ (ASCII_DIGIT | "_")* }` from `at`; where
    /// the underscores may stand is the literal's to check.
    pub(super) fn digits_end(&self, at: usize) -> Option<usize> {
        if !self.byte(at).is_some_and(|byte| byte.is_ascii_digit()) {
            return None;
        }
        let mut end = at + 1;
        while self
            .byte(end)
            .is_some_and(|byte| byte.is_ascii_digit() || byte == b'_')
        {
            end += 1;
        }
        Some(end)
    }

    /// `digits ~ ("." ~ digits)?` from `at`.
    pub(super) fn decimal_end(&self, at: usize) -> Option<usize> {
        let end = self.digits_end(at)?;
        if self.byte(end) == Some(b'.')
            && let Some(fraction) = self.digits_end(end + 1)
        {
            return Some(fraction);
        }
        Some(end)
    }

    pub(super) fn alphas_end(&self, at: usize) -> usize {
        let mut end = at;
        while self
            .byte(end)
            .is_some_and(|byte| byte.is_ascii_alphabetic())
        {
            end += 1;
        }
        end
    }

    /// The end of `quantity = @{ decimal ~ "%" | decimal ~ (ASCII_ALPHA+ ~
    /// decimal)* ~ ASCII_ALPHA* }`.
    pub(super) fn quantity_end(&self, at: usize) -> Option<usize> {
        let number = self.decimal_end(at)?;
        if self.byte(number) == Some(b'%') {
            return Some(number + 1);
        }
        let mut end = number;
        loop {
            let letters = self.alphas_end(end);
            if letters == end {
                break;
            }
            match self.decimal_end(letters) {
                Some(next) => end = next,
                None => break,
            }
        }
        Some(self.alphas_end(end))
    }

    /// `string = ${ "\"" ~ (interpolation | escape | text)* ~ "\"" }`.
    pub(super) fn string(&mut self) -> Option<StringLit> {
        let start = self.pos;
        if !self.eat("\"") {
            return None;
        }
        let mut parts: Vec<StringPart> = Vec::new();
        let mut text = String::new();
        loop {
            match self.byte(self.pos) {
                None | Some(b'\n') => return None,
                Some(b'"') => break,
                Some(b'\\') => {
                    let after = self.text.get(self.pos + 1..)?.chars().next()?;
                    if after == '\n' {
                        return None;
                    }
                    let Some(ch) = literal::escape(after) else {
                        self.gave_up = true;
                        return None;
                    };
                    text.push(ch);
                    self.pos += 1 + after.len_utf8();
                }
                Some(b'$') if self.byte(self.pos + 1) == Some(b'{') => {
                    self.pos += 2;
                    let path = self.interpolated_path()?;
                    if !self.eat("}") {
                        return None;
                    }
                    if !text.is_empty() {
                        parts.push(StringPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(StringPart::Interpolation(path));
                }
                Some(_) => {
                    let from = self.pos;
                    let rest = self.bytes.get(from..).unwrap_or(&[]);
                    let mut len = 0;
                    while let Some(&byte) = rest.get(len) {
                        let stops = matches!(byte, b'"' | b'\\' | b'\n')
                            || (byte == b'$' && rest.get(len + 1) == Some(&b'{'));
                        if stops {
                            break;
                        }
                        len += 1;
                    }
                    let piece = self.slice(from, from + len);
                    if piece.contains('\0') {
                        self.gave_up = true;
                        return None;
                    }
                    text.push_str(piece);
                    self.pos += len;
                }
            }
        }
        self.pos += 1;
        if !text.is_empty() {
            parts.push(StringPart::Text(text));
        }
        Some(StringLit {
            parts: super::exact(parts),
            span: self.span(start, self.pos),
        })
    }

    /// `interp_path = @{ ident ~ ("." ~ ident)* }`.
    pub(super) fn interpolated_path(&mut self) -> Option<Path> {
        self.path()
    }
}
