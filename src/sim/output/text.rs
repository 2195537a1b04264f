//! The simulation as a readable timeline: one line per event (time in UTC,
//! local time in the plan's window zone, event, step, reason), then a
//! summary.

use crate::sim::durations::human;
use crate::sim::report::{RegionStatus, Simulation};
use jiff::Timestamp;
use std::fmt::Write;

/// Renders the timeline and the summary.
pub fn render(simulation: &Simulation) -> String {
    let mut out = String::new();
    let local = |at: Timestamp| local_time(simulation, at, "%a %m-%d %H:%M");
    let zone_note = simulation
        .local_zone
        .as_ref()
        .map_or(String::new(), |(name, _)| {
            format!("; local times in {name}")
        });
    let _ = writeln!(
        out,
        "Simulation of {} from {}{zone_note}",
        simulation.pipeline, simulation.started_at
    );
    let _ = writeln!(out);
    let several = simulation.several_changes();
    let change_width = simulation
        .changes
        .iter()
        .map(|change| change.id.len())
        .max()
        .unwrap_or(0);
    for event in &simulation.events {
        let change = if several {
            format!("{:<change_width$}  ", event.change)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}  {}  {change}{:<11} {}  {}",
            event.at,
            local(event.at),
            event.kind.as_str(),
            event.step,
            event.reason
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Summary");
    let _ = writeln!(out, "  outcome    {}", simulation.outcome.as_str());
    let _ = writeln!(
        out,
        "  started    {}  {}",
        simulation.started_at,
        local_time(simulation, simulation.started_at, "%a %Y-%m-%d %H:%M %Z")
    );
    let _ = writeln!(
        out,
        "  finished   {}  {}",
        simulation.finished_at,
        local_time(simulation, simulation.finished_at, "%a %Y-%m-%d %H:%M %Z")
    );
    let total = simulation.finished_at.as_second() - simulation.started_at.as_second();
    let _ = writeln!(
        out,
        "  total      {}",
        human(u64::try_from(total).unwrap_or(0))
    );
    for change in &simulation.changes {
        let _ = write!(
            out,
            "  change {}: merged {}, {}",
            change.id,
            change.merged_at,
            change.outcome.as_str()
        );
        if let (Some(last), Some(lead)) = (change.last_region_at, change.lead_time_seconds()) {
            let _ = write!(
                out,
                "; last region {last} ({}), lead time {}",
                local_time(simulation, last, "%a %Y-%m-%d %H:%M %Z"),
                human(u64::try_from(lead).unwrap_or(0))
            );
        }
        if let Some(reason) = &change.reason {
            let _ = write!(out, "; {reason}");
        }
        let _ = writeln!(out);
    }
    if several && let Some(per_day) = simulation.deployments_per_day() {
        let _ = writeln!(
            out,
            "  deployment frequency  {per_day} completed change(s) per day"
        );
    }
    let count = |status: RegionStatus| {
        simulation
            .regions
            .iter()
            .filter(|region| region.status == status)
            .count()
    };
    if !simulation.regions.is_empty() {
        let _ = writeln!(
            out,
            "  regions    {} deployed, {} partial, {} rolled back, {} not reached",
            count(RegionStatus::Deployed),
            count(RegionStatus::Partial),
            count(RegionStatus::RolledBack),
            count(RegionStatus::NotReached)
        );
        let width = simulation
            .regions
            .iter()
            .map(|region| region.region.len())
            .max()
            .unwrap_or(0);
        for region in &simulation.regions {
            let mut line = format!(
                "    {:<width$}  {:<8}  {:<11}",
                region.region,
                region.wave.as_deref().unwrap_or(""),
                region.status.as_str()
            );
            if let Some(at) = region.deployed_at.or(region.rolled_back_at) {
                let _ = write!(line, "  {at}");
            }
            if several && let Some(change) = &region.change {
                let _ = write!(line, "  {change}");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    for rollback in &simulation.rolled_back {
        let change = if several {
            format!("change {} ", rollback.change)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  rolled back: {change}in {} ({}) at {}",
            rollback.region, rollback.stage, rollback.at
        );
    }
    out
}

/// `at` in the local zone, formatted; UTC when the plan has no window.
fn local_time(simulation: &Simulation, at: Timestamp, format: &str) -> String {
    let zone = simulation
        .local_zone
        .as_ref()
        .map_or(jiff::tz::TimeZone::UTC, |(_, zone)| zone.clone());
    at.to_zoned(zone).strftime(format).to_string()
}
