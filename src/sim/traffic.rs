//! Traffic: how fast a bake's data-point requirements are met.
//!
//! Each region serves a steady number of data points per minute for every
//! API and metric a bake names: the scenario's rate for the region, else
//! its rate for the region's `traffic` tier, else the default for the tier
//! (see [`default_tier_rate`]). A step on one AZ or cell sees its share of
//! the region, and a one-box its `traffic_percent` of that.

use super::scenario::Traffic;
use std::collections::BTreeMap;

/// Data points per minute of a `high` region.
pub const HIGH_PER_MINUTE: u64 = 1_000;
/// Data points per minute of a `medium` region.
pub const MEDIUM_PER_MINUTE: u64 = 100;
/// Data points per minute of a `low` region, and of a region whose tier is
/// unknown or absent: a region nothing is known about is assumed quiet, so
/// that a bake is never shorter than it could be.
pub const LOW_PER_MINUTE: u64 = 10;

/// The built-in rate of a tier, by the registry's `traffic` attribute.
pub fn default_tier_rate(tier: Option<&str>) -> u64 {
    match tier {
        Some("high") => HIGH_PER_MINUTE,
        Some("medium") => MEDIUM_PER_MINUTE,
        _ => LOW_PER_MINUTE,
    }
}

/// The rate of every region, from the plan's region tiers and the
/// scenario.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    by_region: BTreeMap<String, u64>,
    untiered: u64,
}

impl Rates {
    /// Rates for regions with the given tiers (`None`: no `traffic`
    /// attribute).
    pub fn new<'a>(
        tiers: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        traffic: &Traffic,
    ) -> Rates {
        let untiered = traffic.untiered.unwrap_or(LOW_PER_MINUTE);
        // The scenario's rate for a region wins, whether or not the plan's
        // region table lists the region.
        let mut by_region: BTreeMap<String, u64> = traffic
            .regions
            .iter()
            .map(|(region, rate)| (region.clone(), *rate))
            .collect();
        for (region, tier) in tiers {
            let rate = tier.map_or(untiered, |tier| {
                traffic
                    .tiers
                    .get(tier)
                    .copied()
                    .unwrap_or_else(|| default_tier_rate(Some(tier)))
            });
            by_region.entry(region.to_string()).or_insert(rate);
        }
        Rates {
            by_region,
            untiered,
        }
    }

    /// Data points per minute in a region (for one the plan's region
    /// table does not list, the scenario's rate for it, else the untiered
    /// rate).
    pub fn per_minute(&self, region: &str) -> u64 {
        self.by_region.get(region).copied().unwrap_or(self.untiered)
    }

    /// The rate used where no region applies (a stage without regions).
    pub fn untiered(&self) -> u64 {
        self.untiered
    }
}

/// What part of a region's traffic a step sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// One of this many AZs or cells (1 for the whole region).
    pub parts: u64,
    /// The one-box's share in hundredths of a percent (10,000 for all).
    pub hundredths: u64,
}

impl Share {
    /// The whole region.
    pub const WHOLE: Share = Share {
        parts: 1,
        hundredths: 10_000,
    };
}

/// Seconds until `count` data points have arrived at `per_minute` seen
/// through `share`, rounded up; `None` if they never arrive (no traffic
/// reaches the step). Exact integer arithmetic.
pub fn seconds_for(count: u64, per_minute: u64, share: Share) -> Option<u64> {
    if count == 0 {
        return Some(0);
    }
    let numerator = u128::from(count) * 60 * 10_000 * u128::from(share.parts.max(1));
    let denominator = u128::from(per_minute) * u128::from(share.hundredths);
    if denominator == 0 {
        return None;
    }
    Some(u64::try_from(numerator.div_ceil(denominator)).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_points_take_count_over_rate() {
        // 100 requests at 10 a minute: 10 minutes.
        assert_eq!(seconds_for(100, 10, Share::WHOLE), Some(600));
        // A 10% one-box of the same region: 100 minutes.
        let onebox = Share {
            parts: 1,
            hundredths: 1_000,
        };
        assert_eq!(seconds_for(100, 10, onebox), Some(6_000));
        // One of three AZs: 30 minutes.
        let az = Share {
            parts: 3,
            hundredths: 10_000,
        };
        assert_eq!(seconds_for(100, 10, az), Some(1_800));
        // Rounded up to the second.
        assert_eq!(seconds_for(1, 7, Share::WHOLE), Some(9));
        assert_eq!(seconds_for(5, 0, Share::WHOLE), None);
        assert_eq!(seconds_for(0, 0, Share::WHOLE), Some(0));
        assert_eq!(seconds_for(u64::MAX, 1, onebox), Some(u64::MAX));
    }

    #[test]
    fn the_scenario_wins_over_tiers_and_defaults() {
        let traffic = Traffic {
            tiers: [("low".to_string(), 2), ("quiet".to_string(), 1)]
                .into_iter()
                .collect(),
            regions: [("us-east-1".to_string(), 7)].into_iter().collect(),
            untiered: Some(3),
        };
        let rates = Rates::new(
            [
                ("us-east-1", Some("high")),
                ("eu-west-1", Some("high")),
                ("ap-east-1", Some("low")),
                ("lab-1", None),
                ("odd-1", Some("tiny")),
                ("odd-2", Some("quiet")),
            ],
            &traffic,
        );
        assert_eq!(rates.per_minute("us-east-1"), 7);
        assert_eq!(rates.per_minute("eu-west-1"), HIGH_PER_MINUTE);
        assert_eq!(rates.per_minute("ap-east-1"), 2);
        assert_eq!(rates.per_minute("lab-1"), 3);
        // Another value is a tier of its own: neither `low`'s rate nor the
        // untiered one applies to it, only its own.
        assert_eq!(rates.per_minute("odd-1"), LOW_PER_MINUTE);
        assert_eq!(rates.per_minute("odd-2"), 1);
        assert_eq!(rates.per_minute("nowhere-1"), 3);
    }

    #[test]
    fn a_scenario_rate_applies_to_a_region_the_plan_does_not_list() {
        let traffic = Traffic {
            regions: [("lab-east-1".to_string(), 0)].into_iter().collect(),
            ..Traffic::default()
        };
        let rates = Rates::new([("lab-west-1", Some("high"))], &traffic);
        assert_eq!(rates.per_minute("lab-east-1"), 0);
        assert_eq!(rates.per_minute("lab-west-1"), HIGH_PER_MINUTE);
    }
}
