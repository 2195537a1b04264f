//! The rule catalogue's checks of one plan: which rule finds what, and
//! where it points ([`evaluate`]); the levels, exemptions and reporting
//! are the policies' (`super`).

use crate::plan::{Field, Gate, GateKind, Params, Plan, Step, Strategy};
use crate::source::{FileId, Span};

/// The gates a step must pass.
fn gates<'p>(plan: &'p Plan, step: &'p Step) -> impl Iterator<Item = &'p Gate> {
    plan.gates_of(step)
}

fn at(step: &Step) -> (FileId, Span) {
    (step.trace.at.file, step.trace.at.span)
}

fn bake_seconds(step: &Step) -> Option<u64> {
    match step.params {
        Params::Bake {
            duration_seconds, ..
        } => Some(duration_seconds),
        _ => None,
    }
}

/// What [`evaluate`] finds: (rule, message, place), only for the rules
/// `keep` wants, so that no message is written for a finding nobody sees
/// (a rule allowed, or only warning where only errors count).
pub(super) struct Found<'k> {
    pub(super) keep: &'k mut dyn FnMut(&'static str) -> bool,
    pub(super) list: Vec<(&'static str, String, (FileId, Span))>,
}

impl Found<'_> {
    fn push(&mut self, rule: &'static str, message: impl FnOnce() -> String, at: (FileId, Span)) {
        if (self.keep)(rule) {
            self.list.push((rule, message(), at));
        }
    }
}

/// A one-box that bakes too little: where the bake (or, without one, the
/// one-box) is, how long it bakes (`None`: not at all), and the waves it is
/// in.
type ShortBake<'p> = ((FileId, Span), Option<u64>, Vec<&'p str>);

/// Every rule's findings for one plan.
pub(super) fn evaluate(plan: &Plan, pipeline_at: (FileId, Span), findings: &mut Found<'_>) {
    // One pass sorts out the steps the rules read: production's, the tests
    // before production and gamma's deploys.
    let mut production: Vec<&Step> = Vec::with_capacity(plan.steps.len());
    let mut preproduction_tests: Vec<&str> = Vec::new();
    let mut gamma: Vec<&Step> = Vec::new();
    for step in &plan.steps {
        match &step.params {
            Params::Source {
                name,
                require_review: false,
                ..
            } => {
                findings.push(
                    "code-review",
                    || format!("source `{name}` does not require review"),
                    at(step),
                );
            }
            Params::Build {
                artifact,
                sign: false,
                ..
            } => {
                findings.push(
                    "signed-artifacts",
                    || format!("build `{artifact}` does not sign its artifact"),
                    at(step),
                );
            }
            _ => {}
        }
        let stage = &*step.target.stage;
        if stage == "production" {
            production.push(step);
            continue;
        }
        match &step.params {
            Params::Test { kind, .. } => preproduction_tests.push(kind.as_str()),
            Params::Deploy { .. } if stage == "gamma" => gamma.push(step),
            _ => {}
        }
    }
    // Waves in order, with their steps. A wave's steps come one after
    // another and share its name: the last wave is looked at first, by
    // address before by letters. Each wave's steps are a run of one list:
    // counted first, then placed, so that no wave grows a list of its own
    // (those were a third of the allocations of checking a plan).
    let wave_at = |waves: &[(&str, usize)], wave: &str| {
        waves
            .iter()
            .rposition(|(name, _)| std::ptr::eq(*name, wave) || *name == wave)
    };
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for step in &production {
        let Some(wave) = step.target.wave.as_deref() else {
            continue;
        };
        match wave_at(&counts, wave).and_then(|at| counts.get_mut(at)) {
            Some((_, count)) => *count += 1,
            None => counts.push((wave, 1)),
        }
    }
    // Where each wave's next step goes.
    let mut next: Vec<(&str, usize)> = Vec::with_capacity(counts.len());
    let mut placed = 0;
    for &(wave, count) in &counts {
        next.push((wave, placed));
        placed += count;
    }
    let mut in_waves: Vec<&Step> = production
        .first()
        .map_or_else(Vec::new, |&first| vec![first; placed]);
    for step in &production {
        let Some(wave) = step.target.wave.as_deref() else {
            continue;
        };
        if let Some((_, at)) = wave_at(&next, wave).and_then(|at| next.get_mut(at))
            && let Some(slot) = in_waves.get_mut(*at)
        {
            *slot = step;
            *at += 1;
        }
    }
    let mut rest: &[&Step] = &in_waves;
    let waves: Vec<(&str, &[&Step])> = counts
        .iter()
        .map(|&(wave, count)| {
            let (steps, after) = rest.split_at_checked(count).unwrap_or((rest, &[]));
            rest = after;
            (wave, steps)
        })
        .collect();
    // The regions of a wave, counted: a set kept from wave to wave.
    let mut regions: crate::hashing::FastHashSet<&str> = Default::default();
    let is_lambda = production.iter().any(|step| {
        matches!(
            step.params,
            Params::Deploy {
                platform: crate::plan::Platform::Lambda,
                ..
            }
        )
    });
    let mut previous_size = 0;
    let mut onebox_bakes: Vec<ShortBake<'_>> = Vec::new();
    for (idx, (wave, steps)) in waves.iter().enumerate() {
        // A finding about the wave points at the wave: its first step may
        // be a one-box deploy, whose place is the one-box it inherits
        // (often production's), which says nothing about this wave. Its
        // deploys (outside the one-box) carry the wave member's place. A
        // wave with no deploy deploys nothing: its regions did not resolve
        // (reported where they are written), so the rules about what it
        // deploys stay silent, and none of its steps is the wave to point
        // at; only a bake it has is held to the bake rules, at the bake.
        let deploys = steps
            .iter()
            .any(|step| matches!(step.params, Params::Deploy { .. }));
        let first = steps
            .iter()
            .find(|step| !step.target.onebox && matches!(step.params, Params::Deploy { .. }))
            .or_else(|| steps.first().filter(|_| deploys));
        // A region's steps are consecutive and share its name: most
        // repeats are passed over by address, before hashing.
        regions.clear();
        let mut last: Option<&str> = None;
        for region in steps
            .iter()
            .filter_map(|step| step.target.region.as_deref())
        {
            if last.is_some_and(|last| std::ptr::eq(last, region) || last == region) {
                continue;
            }
            last = Some(region);
            regions.insert(region);
        }
        if let Some(first) = first
            && !steps.iter().any(|step| step.target.onebox)
        {
            findings.push(
                "onebox-first",
                || format!("wave `{wave}` does not start with a one-box"),
                at(first),
            );
        }
        // The wave's first one-box speaks for the wave: one finding is enough.
        if let Some(step) = steps
            .iter()
            .find(|step| step.target.onebox && matches!(step.params, Params::Deploy { .. }))
        {
            let bake = steps.iter().find(|other| {
                other.target.onebox
                    && other.target.region == step.target.region
                    && bake_seconds(other).is_some()
            });
            let short =
                match bake.and_then(|bake| bake_seconds(bake).map(|seconds| (bake, seconds))) {
                    Some((_, seconds)) if seconds >= 3_600 => None,
                    Some((bake, seconds)) => Some((at(bake), Some(seconds))),
                    None => Some((at(step), None)),
                };
            // A one-box every wave inherits (production's) is one mistake
            // in one place: one finding, naming the waves.
            if let Some((place, seconds)) = short {
                match onebox_bakes
                    .iter_mut()
                    .find(|(at, bake, _)| *at == place && *bake == seconds)
                {
                    Some((_, _, waves)) => waves.push(wave),
                    None => onebox_bakes.push((place, seconds, vec![wave])),
                }
            }
        }
        let wave_bake = steps
            .iter()
            .find(|step| step.target.region.is_none() && bake_seconds(step).is_some());
        let (rule, minimum) = if idx == 0 {
            ("first-wave-bake", 43_200)
        } else {
            ("later-wave-bake", 7_200)
        };
        match wave_bake.and_then(|bake| bake_seconds(bake).map(|seconds| (bake, seconds))) {
            Some((_, seconds)) if seconds >= minimum => {}
            Some((bake, seconds)) => findings.push(
                rule,
                || {
                    format!(
                        "wave `{wave}` bakes {}, less than {}",
                        human(seconds),
                        human(minimum)
                    )
                },
                at(bake),
            ),
            None => {
                if let Some(first) = first {
                    findings.push(rule, || format!("wave `{wave}` does not bake"), at(first));
                }
            }
        }
        let Some(first) = first else {
            // Nothing deployed: the next wave has no size to grow from.
            previous_size = 0;
            continue;
        };
        if idx < 2 && regions.len() > 1 {
            findings.push(
                "small-first-waves",
                || {
                    format!(
                        "wave `{wave}` deploys {} at once",
                        crate::diagnostics::counted(regions.len(), "region")
                    )
                },
                at(first),
            );
        }
        let whole_region = steps.iter().any(|step| {
            matches!(step.params, Params::Deploy { .. })
                && !step.target.onebox
                && step.target.az.is_none()
                && step.target.cell.is_none()
        });
        if idx < 2 && whole_region && !is_lambda {
            findings.push(
                "first-wave-by-az",
                || format!("wave `{wave}` deploys whole regions, not one AZ or cell at a time"),
                at(first),
            );
        }
        if regions.len() < previous_size {
            findings.push(
                "growing-waves",
                || {
                    format!(
                        "wave `{wave}` has {}, fewer than the wave before ({previous_size})",
                        crate::diagnostics::counted(regions.len(), "region")
                    )
                },
                at(first),
            );
        }
        previous_size = regions.len();
    }
    for (place, seconds, waves) in onebox_bakes {
        findings.push(
            "onebox-bake",
            || {
                let (one_box, bakes, does) = match waves.as_slice() {
                    [_] => ("the one-box of wave", "bakes", "does"),
                    _ => ("the one-boxes of waves", "bake", "do"),
                };
                let waves = and_list(&waves);
                match seconds {
                    Some(seconds) => {
                        format!("{one_box} {waves} {bakes} {}, less than 1h", human(seconds))
                    }
                    None => format!("{one_box} {waves} {does} not bake"),
                }
            },
            place,
        );
    }
    for step in &production {
        let rolls = matches!(step.params, Params::Deploy { .. } | Params::Bake { .. });
        if rolls && step.rollback_alarm.is_none() && !plan.rollback_unresolved {
            findings.push(
                "rollback-alarm",
                || format!("`{}` has no rollback alarm", step.id),
                at(step),
            );
            break;
        }
    }
    for step in &production {
        if let Params::Deploy {
            strategy: Strategy::Rolling { min_healthy, .. },
            ..
        } = step.params
            && min_healthy < 6_600
        {
            findings.push(
                "rolling-healthy",
                || {
                    format!(
                        "the rolling deployment keeps only {}% healthy",
                        min_healthy / 100
                    )
                },
                step.fields
                    .iter()
                    .find(|(field, _)| *field == Field::Strategy)
                    .map_or_else(|| at(step), |(_, trace)| (trace.at.file, trace.at.span)),
            );
            break;
        }
    }
    let production_deploys: Vec<&&Step> = production
        .iter()
        .filter(|step| matches!(step.params, Params::Deploy { .. }))
        .collect();
    if let Some(first_deploy) = production_deploys.first() {
        // Findings about production as a whole point at its block (or its
        // window), not at its first deploy, which is often the one-box.
        let production_at = plan
            .production
            .map_or_else(|| at(first_deploy), |place| (place.file, place.span));
        let window = gates(plan, first_deploy).find_map(|gate| match &gate.kind {
            GateKind::Window { allow, .. } => Some((allow.clone(), gate)),
            _ => None,
        });
        match window {
            None => findings.push(
                "weekend-window",
                || "production deploys start at any time: no window".to_string(),
                production_at,
            ),
            Some((allow, gate))
                if allow
                    .iter()
                    .any(|(days, _, _)| days.iter().any(|day| *day >= 5)) =>
            {
                findings.push(
                    "weekend-window",
                    || "the production window opens on weekends".to_string(),
                    (gate.trace.at.file, gate.trace.at.span),
                );
            }
            Some(_) => {}
        }
        // Production's approval step (its own or a profile's, which comes
        // after the last pre-production stage), or a gate on its first
        // deploys: a stage's approval opens only that stage.
        let approved = production
            .iter()
            .any(|step| matches!(step.params, Params::Approval { .. }))
            || gates(plan, first_deploy).any(|gate| matches!(gate.kind, GateKind::Approval { .. }));
        if !approved {
            findings.push(
                "manual-approval",
                || "production starts without a manual approval".to_string(),
                production_at,
            );
        }
    }
    if !production.is_empty() {
        if !preproduction_tests
            .iter()
            .any(|kind| kind.contains("integration"))
        {
            findings.push(
                "integration-tests",
                || "no integration test runs before production".to_string(),
                pipeline_at,
            );
        }
        if !preproduction_tests.iter().any(|kind| kind.contains("load")) {
            findings.push(
                "load-test",
                || "no load test runs before production".to_string(),
                pipeline_at,
            );
        }
    }
    if let Some(first) = gamma.first() {
        let mut regions: Vec<&str> = gamma
            .iter()
            .filter_map(|step| step.target.region.as_deref())
            .collect();
        regions.sort_unstable();
        regions.dedup();
        if regions.len() < 2 {
            findings.push(
                "gamma-multi-region",
                || match regions.len() {
                    0 => "gamma deploys to no region".to_string(),
                    count => format!("gamma deploys to {count} region"),
                },
                at(first),
            );
        }
    }
}

/// Names in backquotes, the last two joined by "and": `` `a`, `b` and `c` ``.
fn and_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => format!("`{last}`"),
        Some((last, rest)) => {
            let rest: Vec<String> = rest.iter().map(|name| format!("`{name}`")).collect();
            format!("{} and `{last}`", rest.join(", "))
        }
        None => String::new(),
    }
}

fn human(seconds: u64) -> String {
    if seconds.is_multiple_of(3_600) {
        format!("{}h", seconds / 3_600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}
