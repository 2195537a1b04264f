//! Alarm states over time, from a scenario's alarm spans: which alarm is
//! in `ALARM` where and when, and when an expression next changes.
//!
//! States change only at the spans' edges, so an expression's value is
//! constant between two consecutive edges: nothing here samples time.

use super::alarm_expr::{AlarmState, Expr};
use super::scenario::AlarmSpan;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Where an expression is evaluated: in one region (spans of that region
/// and region-less spans count), or globally (only region-less spans).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// One region.
    Region(&'a str),
    /// No region: a step that targets none.
    Global,
}

/// The alarm spans of a scenario, indexed by alarm name.
#[derive(Debug, Clone, Default)]
pub struct AlarmTimeline {
    spans: BTreeMap<String, Vec<Interval>>,
    /// Every instant at which some alarm changes state, ascending, once.
    edges: Vec<Timestamp>,
}

#[derive(Debug, Clone)]
struct Interval {
    region: Option<String>,
    from: Timestamp,
    to: Option<Timestamp>,
}

impl AlarmTimeline {
    /// The timeline of the given spans.
    pub fn new(spans: &[AlarmSpan]) -> AlarmTimeline {
        let mut by_name: BTreeMap<String, Vec<Interval>> = BTreeMap::new();
        let mut edges = Vec::new();
        for span in spans {
            by_name
                .entry(span.alarm.clone())
                .or_default()
                .push(Interval {
                    region: span.region.clone(),
                    from: span.from.0,
                    to: span.to.map(|to| to.0),
                });
            edges.push(span.from.0);
            edges.extend(span.to.map(|to| to.0));
        }
        edges.sort();
        edges.dedup();
        AlarmTimeline {
            spans: by_name,
            edges,
        }
    }

    /// The state of an alarm at an instant and place: `ALARM` inside one of
    /// its spans that applies there, `OK` otherwise. The simulator never
    /// produces `INSUFFICIENT_DATA`.
    pub fn state(&self, alarm: &str, place: Place<'_>, at: Timestamp) -> AlarmState {
        let firing = self.spans.get(alarm).is_some_and(|intervals| {
            intervals.iter().any(|interval| {
                let applies = match (&interval.region, place) {
                    (None, _) => true,
                    (Some(region), Place::Region(here)) => region == here,
                    (Some(_), Place::Global) => false,
                };
                applies && interval.from <= at && interval.to.is_none_or(|to| at < to)
            })
        });
        if firing {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        }
    }

    /// Whether the expression is true (in alarm) at an instant and place.
    pub fn is_true(&self, expr: &Expr, place: Place<'_>, at: Timestamp) -> bool {
        expr.evaluate(&mut |name| self.state(name, place, at))
    }

    /// The first instant at or after `at` when the expression is false, or
    /// `None` if it stays true for the rest of the scenario.
    pub fn clears_at(&self, expr: &Expr, place: Place<'_>, at: Timestamp) -> Option<Timestamp> {
        if !self.is_true(expr, place, at) {
            return Some(at);
        }
        self.edges_after(at)
            .iter()
            .copied()
            .find(|edge| !self.is_true(expr, place, *edge))
    }

    /// Every edge strictly after `at`, ascending.
    pub fn edges_after(&self, at: Timestamp) -> &[Timestamp] {
        let first = self.edges.partition_point(|edge| *edge <= at);
        self.edges.get(first..).unwrap_or_default()
    }

    /// Every edge, ascending.
    pub fn edges(&self) -> &[Timestamp] {
        &self.edges
    }

    /// Every alarm name some span sets, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.spans.keys().map(String::as_str)
    }

    /// Every region some span names, sorted, once.
    pub fn regions(&self) -> std::collections::BTreeSet<&str> {
        self.spans
            .values()
            .flatten()
            .filter_map(|interval| interval.region.as_deref())
            .collect()
    }
}
