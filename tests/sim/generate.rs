//! A seeded generator of plans and scenarios for the simulator's property
//! tests: small pipelines with pre-production stages, waves of regions
//! (whole, by AZ, with one-boxes), windows in several zones with closed
//! dates, alarm blockers, artifact blockers, approvals, rollback alarms,
//! data points; and scenarios with several changes, alarm spans in and out
//! of regions, durations and traffic. Plans are built as `PlanV1` values,
//! valid by construction (every id they name exists).

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use jiff::{SignedDuration, Timestamp};
use pipec::export::plan_v1::*;
use std::collections::BTreeMap;

/// SplitMix64: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Alarm names the generated expressions read.
pub const ALARM_NAMES: [&str; 4] = ["A1", "A2", "A3", "A4"];
/// The package a change may contain and a blocker may stop.
pub const BAD_PACKAGE: &str = "bad@1.0";
/// The role approval gates and steps ask.
pub const ROLE: &str = "approver";
const ZONES: [&str; 5] = [
    "America/Los_Angeles",
    "Europe/Berlin",
    "UTC",
    "Asia/Tokyo",
    "Australia/Sydney",
];
const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The first instant scenarios are built around.
pub fn base() -> Timestamp {
    "2027-03-01T00:00:00Z".parse().unwrap()
}

fn provenance() -> Provenance {
    Provenance {
        file: "generated.pipe".into(),
        line: 1,
        column: 1,
        how: How::Set,
        overrides: Vec::new(),
        not_scaled: None,
    }
}

fn target(stage: &str, wave: Option<&str>, region: Option<&str>) -> Target {
    Target {
        stage: stage.into(),
        wave: wave.map(Name::from),
        region: region.map(Name::from),
        az: None,
        cell: None,
        onebox: false,
    }
}

struct Builder {
    rng: Rng,
    steps: Vec<Step>,
    gates: Vec<GateEntry>,
    alarms: Vec<AlarmEntry>,
}

impl Builder {
    fn step(&mut self, id: String, needs: Vec<String>, target: Target, params: Params) -> String {
        self.steps.push(Step {
            id: id.as_str().into(),
            needs: needs.iter().map(|need| Name::from(need.as_str())).collect(),
            target,
            params,
            rollback_alarm: None,
            gates: Vec::new(),
            provenance: provenance(),
            field_provenance: Default::default(),
        });
        id
    }

    fn last(&mut self) -> &mut Step {
        self.steps.last_mut().unwrap()
    }

    fn expression(&mut self, depth: u32) -> String {
        let name = *self.rng.pick(&ALARM_NAMES);
        if depth >= 2 || self.rng.chance(50) {
            return format!("ALARM(\"{name}\")");
        }
        let left = self.expression(depth + 1);
        let right = self.expression(depth + 1);
        match self.rng.below(3) {
            0 => format!("{left} OR {right}"),
            1 => format!("({left}) AND NOT {right}"),
            _ => format!("{left} OR ({right} AND {left})"),
        }
    }

    /// A rollback alarm, new or one already in the table.
    fn rollback_alarm(&mut self) -> Name {
        if !self.alarms.is_empty() && self.rng.chance(60) {
            let idx = self.rng.below(self.alarms.len() as u64) as usize;
            return self.alarms[idx].id.clone();
        }
        let id = Name::from(format!("rollback{}", self.alarms.len() + 1));
        let alarm = self.expression(0);
        self.alarms.push(AlarmEntry {
            id: id.clone(),
            name: Some(id.to_string()),
            alarm,
            provenance: provenance(),
        });
        id
    }

    fn window(&mut self) -> Gate {
        let zone = self.rng.pick(&ZONES).to_string();
        let mut allow = Vec::new();
        for _ in 0..=self.rng.below(2) {
            let mut days: Vec<Weekday> = DAYS
                .iter()
                .copied()
                .filter(|_| self.rng.chance(60))
                .collect();
            if days.is_empty() {
                days.push(*self.rng.pick(&DAYS));
            }
            let start = self.rng.below(46) * 30;
            let end = (start + 30 + self.rng.below(1440 - start - 30 + 1) / 30 * 30).min(1440);
            allow.push(WindowSlot {
                days,
                start: format!("{:02}:{:02}", start / 60, start % 60),
                end: format!("{:02}:{:02}", end / 60, end % 60),
            });
        }
        let mut closed_dates: Vec<String> = (0..self.rng.below(4))
            .map(|_| {
                let day = base().to_zoned(jiff::tz::TimeZone::UTC).date();
                day.checked_add(jiff::Span::new().days(self.rng.below(40) as i64))
                    .unwrap()
                    .to_string()
            })
            .collect();
        closed_dates.sort();
        closed_dates.dedup();
        Gate::Window(WindowGate {
            window: None,
            zone,
            allow,
            closed_dates,
            overridable: self.rng.chance(50),
            provenance: provenance(),
        })
    }

    fn gate(&mut self, gate: Gate, base_id: &str) -> Name {
        if let Some(known) = self.gates.iter().find(|entry| entry.gate == gate) {
            return known.id.clone();
        }
        // Unique by its number; `#N` is for a later gate with an earlier
        // one's id, and `#1` is no id at all.
        let id = Name::from(format!("{base_id}{}", self.gates.len() + 1));
        self.gates.push(GateEntry {
            id: id.clone(),
            gate,
        });
        id
    }

    /// Gates for a production deploy (or a gate step).
    fn production_gates(&mut self, windows: &[Gate], approvals: bool) -> Vec<Name> {
        let mut ids = Vec::new();
        if !windows.is_empty() && self.rng.chance(80) {
            let window = self.rng.pick(windows).clone();
            ids.push(self.gate(window, "window:w"));
        }
        if self.rng.chance(40) {
            let alarm = self.expression(1);
            let overridable = self.rng.chance(50);
            ids.push(self.gate(
                Gate::Alarm(AlarmGate {
                    name: None,
                    alarm,
                    overridable,
                    provenance: provenance(),
                }),
                "alarm:expr",
            ));
        }
        if self.rng.chance(20) {
            ids.push(self.gate(
                Gate::Artifact(ArtifactGate {
                    blocked: Blocked::Package(BAD_PACKAGE.to_string()),
                    overridable: false,
                    provenance: provenance(),
                }),
                "package:bad",
            ));
        }
        if approvals && self.rng.chance(15) {
            ids.push(self.gate(
                Gate::Approval(ApprovalGate {
                    role: ROLE.to_string(),
                    overridable: false,
                    provenance: provenance(),
                }),
                "approval:approver",
            ));
        }
        ids
    }

    fn strategy(&mut self) -> Strategy {
        let percent = |rng: &mut Rng| Percent::from_hundredths((1 + rng.below(100) as u32) * 100);
        match self.rng.below(6) {
            0 => Strategy::InPlace,
            1 => Strategy::Rolling {
                batch_percent: percent(&mut self.rng),
                min_healthy_percent: Percent::from_hundredths(5_000),
                rollback_batch_percent: Percent::from_hundredths(3_300),
            },
            2 => Strategy::BlueGreen,
            3 => Strategy::Canary {
                canary_percent: percent(&mut self.rng),
                wait_seconds: self.rng.below(3_600),
            },
            4 => Strategy::Linear {
                step_percent: percent(&mut self.rng),
                interval_seconds: self.rng.below(600),
            },
            _ => Strategy::AllAtOnce,
        }
    }

    fn deploy(&mut self, traffic_percent: Option<Percent>) -> Params {
        Params::Deploy(DeployParams {
            artifacts: vec!["bundle".into()],
            platform: Platform::Ecs,
            strategy: self.strategy(),
            traffic_percent,
            command: None,
            argv: None,
            shell: false,
            env: Env::new(),
            rollback: None,
        })
    }

    fn bake(&mut self, max_hours: u64) -> Params {
        let data_points = if self.rng.chance(40) {
            vec![DataPoints {
                count: self.rng.below(20_000),
                measure: Measure::Requests,
                name: "Api".to_string(),
            }]
        } else {
            Vec::new()
        };
        Params::Bake(BakeParams {
            duration_seconds: self.rng.below(max_hours * 3_600 + 1),
            data_points,
        })
    }
}

/// A generated plan and the facts tests need about it.
pub struct Generated {
    pub plan: PlanV1,
    /// The production waves in order, each with its bake's step id.
    pub waves: Vec<(String, String)>,
}

/// A plan from a seed.
pub fn plan(seed: u64) -> Generated {
    let mut b = Builder {
        rng: Rng::new(seed),
        steps: Vec::new(),
        gates: Vec::new(),
        alarms: Vec::new(),
    };
    let tiers = ["high", "medium", "low", ""];
    let region_count = 2 + b.rng.below(4) as usize;
    let regions: Vec<Region> = (0..region_count)
        .map(|idx| {
            let tier = *b.rng.pick(&tiers);
            let mut attributes = BTreeMap::new();
            if !tier.is_empty() {
                attributes.insert("traffic".to_string(), tier.to_string());
            }
            Region {
                code: format!("lab-{}", idx + 1),
                registry: Some("lab".to_string()),
                attributes,
                azs: (0..1 + b.rng.below(3))
                    .map(|az| format!("lab{}-az{}", idx + 1, az + 1))
                    .collect(),
            }
        })
        .collect();
    let windows: Vec<Gate> = (0..b.rng.below(3)).map(|_| b.window()).collect();
    let approvals = b.rng.chance(30);

    let source = b.step(
        "source/code".to_string(),
        Vec::new(),
        target("source", None, None),
        Params::Source(SourceParams {
            name: "code".to_string(),
            origin: SourceOrigin::Git {
                url: "https://git.example.com/x.git".to_string(),
                branch: "main".to_string(),
            },
            require_review: true,
        }),
    );
    let build = b.step(
        "build/bundle".to_string(),
        vec![source],
        target("build", None, None),
        Params::Build(BuildParams {
            artifact: "bundle".to_string(),
            sources: vec!["code".to_string()],
            command: "make".to_string(),
            argv: Some(vec!["make".to_string()]),
            shell: false,
            env: Env::new(),
            sign: true,
        }),
    );
    let mut tail = vec![build];

    if b.rng.chance(60) {
        let gamma_regions: Vec<String> = regions
            .iter()
            .take(1 + b.rng.below(2) as usize)
            .map(|region| region.code.clone())
            .collect();
        let mut ends = Vec::new();
        for region in &gamma_regions {
            let mut needs = tail.clone();
            if b.rng.chance(50) {
                let mut onebox = target("gamma", None, Some(region));
                onebox.onebox = true;
                let params = b.deploy(None);
                let deploy = b.step(
                    format!("gamma/{region}/onebox/deploy"),
                    needs,
                    onebox.clone(),
                    params,
                );
                let params = b.bake(1);
                let bake = b.step(
                    format!("gamma/{region}/onebox/bake"),
                    vec![deploy],
                    onebox,
                    params,
                );
                needs = vec![bake];
            }
            let params = b.deploy(None);
            ends.push(b.step(
                format!("gamma/{region}/deploy"),
                needs,
                target("gamma", None, Some(region)),
                params,
            ));
        }
        let timeout = 60 + b.rng.below(3_600);
        let test = b.step(
            "gamma/test/canary".to_string(),
            ends,
            target("gamma", None, None),
            Params::Test(TestParams {
                name: "canary".to_string(),
                command: None,
                argv: None,
                shell: false,
                env: Env::new(),
                timeout_seconds: timeout,
            }),
        );
        tail = vec![test];
        if b.rng.chance(50) {
            let params = b.bake(2);
            tail = vec![b.step(
                "gamma/bake".to_string(),
                tail,
                target("gamma", None, None),
                params,
            )];
        }
    }

    if approvals && b.rng.chance(50) {
        tail = vec![b.step(
            format!("production/approval/{ROLE}"),
            tail,
            target("production", None, None),
            Params::Approval(ApprovalParams {
                role: ROLE.to_string(),
            }),
        )];
    }
    if b.rng.chance(40) {
        let gates = b.production_gates(&windows, approvals);
        tail = vec![b.step(
            "production/gate".to_string(),
            tail,
            target("production", None, None),
            Params::Gate(GateParams {
                reason: "production entry".to_string(),
            }),
        )];
        b.last().gates = gates;
    }

    let mut waves = Vec::new();
    let mut unplaced: Vec<&Region> = regions.iter().collect();
    let wave_names = ["first", "second", "third"];
    for wave in wave_names.iter().take(1 + b.rng.below(3) as usize) {
        if unplaced.is_empty() {
            break;
        }
        let take = (1 + b.rng.below(2) as usize).min(unplaced.len());
        let wave_regions: Vec<&Region> = unplaced.drain(..take).collect();
        let mut ends = Vec::new();
        for region in wave_regions {
            let code = region.code.as_str();
            let mut needs = tail.clone();
            if b.rng.chance(60) {
                let mut onebox = target("production", Some(wave), Some(code));
                onebox.onebox = true;
                let share = Percent::from_hundredths((1 + b.rng.below(20) as u32) * 50);
                let params = b.deploy(Some(share));
                let deploy = b.step(
                    format!("production/{wave}/{code}/onebox/deploy"),
                    needs,
                    onebox.clone(),
                    params,
                );
                b.last().gates = b.production_gates(&windows, approvals);
                if b.rng.chance(70) {
                    b.last().rollback_alarm = Some(b.rollback_alarm());
                }
                let params = b.bake(2);
                let bake = b.step(
                    format!("production/{wave}/{code}/onebox/bake"),
                    vec![deploy],
                    onebox,
                    params,
                );
                if b.rng.chance(70) {
                    b.last().rollback_alarm = Some(b.rollback_alarm());
                }
                needs = vec![bake];
            }
            if b.rng.chance(50) {
                for az in &region.azs {
                    let mut at_az = target("production", Some(wave), Some(code));
                    at_az.az = Some(az.as_str().into());
                    let params = b.deploy(None);
                    let deploy = b.step(
                        format!("production/{wave}/{code}/az/{az}/deploy"),
                        needs,
                        at_az.clone(),
                        params,
                    );
                    b.last().gates = b.production_gates(&windows, approvals);
                    if b.rng.chance(70) {
                        b.last().rollback_alarm = Some(b.rollback_alarm());
                    }
                    needs = vec![deploy];
                    if b.rng.chance(40) {
                        let params = b.bake(1);
                        needs = vec![b.step(
                            format!("production/{wave}/{code}/az/{az}/bake"),
                            needs,
                            at_az,
                            params,
                        )];
                    }
                }
                ends.extend(needs);
            } else {
                let params = b.deploy(None);
                ends.push(b.step(
                    format!("production/{wave}/{code}/deploy"),
                    needs,
                    target("production", Some(wave), Some(code)),
                    params,
                ));
                b.last().gates = b.production_gates(&windows, approvals);
                if b.rng.chance(70) {
                    b.last().rollback_alarm = Some(b.rollback_alarm());
                }
            }
        }
        let params = b.bake(12);
        let bake = b.step(
            format!("production/{wave}/bake"),
            ends,
            target("production", Some(wave), None),
            params,
        );
        if b.rng.chance(80) {
            b.last().rollback_alarm = Some(b.rollback_alarm());
        }
        waves.push((wave.to_string(), bake.clone()));
        tail = vec![bake];
    }

    // The tables hold what steps use, in first-use order, as the format
    // says (the simulator does not need it, but a valid plan has it).
    let used_regions: Vec<Region> = regions
        .into_iter()
        .filter(|region| {
            b.steps
                .iter()
                .any(|step| step.target.region.as_deref() == Some(region.code.as_str()))
        })
        .collect();
    let plan = PlanV1 {
        format_version: FORMAT_VERSION.to_string(),
        pipeline: format!("generated_{seed}"),
        compiler: Compiler::pipec(),
        profile: None,
        artifacts: vec![Artifact {
            name: "bundle".to_string(),
            produced_by: "build/bundle".to_string(),
            signed: true,
            provenance: provenance(),
        }],
        regions: used_regions,
        gates: b.gates,
        alarms: b.alarms,
        alarm_command: None,
        steps: b.steps,
        dropped: Vec::new(),
    };
    Generated { plan, waves }
}

/// A scenario (as JSON, so that it goes through the reader) for a plan,
/// and the start and `--auto-approve` to run it with.
pub fn scenario(seed: u64, plan: &PlanV1) -> (String, Timestamp, bool) {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let start = base()
        .checked_add(SignedDuration::from_mins(rng.below(7 * 24 * 60) as i64))
        .unwrap();
    let after = |rng: &mut Rng, max_minutes: u64| {
        start
            .checked_add(SignedDuration::from_mins(rng.below(max_minutes) as i64))
            .unwrap()
    };
    let changes: Vec<serde_json::Value> = (0..1 + rng.below(3))
        .map(|idx| {
            let merged = after(&mut rng, 2 * 24 * 60);
            let packages: Vec<&str> = if rng.chance(15) { vec![BAD_PACKAGE] } else { Vec::new() };
            serde_json::json!({"id": format!("c{idx}"), "merged_at": merged.to_string(), "packages": packages})
        })
        .collect();
    let regions: Vec<String> = plan
        .regions
        .iter()
        .map(|region| region.code.clone())
        .collect();
    let mut names: Vec<String> = Vec::new();
    let expressions =
        plan.alarms
            .iter()
            .map(|alarm| alarm.alarm.as_str())
            .chain(plan.gates.iter().filter_map(|gate| match &gate.gate {
                Gate::Alarm(alarm) => Some(alarm.alarm.as_str()),
                _ => None,
            }));
    for expression in expressions {
        let parsed = pipec::sim::alarm_expr::parse(expression).unwrap();
        names.extend(parsed.names().into_iter().map(str::to_string));
    }
    names.sort();
    names.dedup();
    let span_count = if names.is_empty() { 0 } else { rng.below(5) };
    let alarms: Vec<serde_json::Value> = (0..span_count)
        .map(|_| {
            let from = after(&mut rng, 10 * 24 * 60);
            let mut span = serde_json::json!({
                "alarm": rng.pick(&names).clone(),
                "from": from.to_string(),
            });
            if !regions.is_empty() && rng.chance(70) {
                span["region"] = rng.pick(&regions).clone().into();
            }
            if rng.chance(85) {
                let to = from
                    .checked_add(SignedDuration::from_mins(1 + rng.below(2 * 24 * 60) as i64))
                    .unwrap();
                span["to"] = to.to_string().into();
            }
            span
        })
        .collect();
    let mut kinds = serde_json::Map::new();
    if rng.chance(30) {
        kinds.insert("deploy".to_string(), rng.below(7_200).into());
    }
    if rng.chance(20) {
        kinds.insert("test".to_string(), rng.below(7_200).into());
    }
    let mut steps = serde_json::Map::new();
    if rng.chance(30) {
        let step = rng.pick(&plan.steps);
        steps.insert(step.id.to_string(), rng.below(36_000).into());
    }
    let mut tiers = serde_json::Map::new();
    if rng.chance(30) {
        tiers.insert("low".to_string(), rng.below(50).into());
    }
    let mut approvals = Vec::new();
    if rng.chance(50) {
        approvals.push(serde_json::json!({"role": ROLE, "after_seconds": rng.below(20_000)}));
    }
    let uses_approvals = plan
        .steps
        .iter()
        .any(|step| matches!(step.params, Params::Approval(_)))
        || plan
            .gates
            .iter()
            .any(|gate| matches!(gate.gate, Gate::Approval(_)));
    if !uses_approvals {
        approvals.clear();
    }
    let scenario = serde_json::json!({
        "format_version": "1.0",
        "changes": changes,
        "alarms": alarms,
        "approvals": approvals,
        "durations": {"kinds": kinds, "steps": steps},
        "traffic": {"tiers": tiers},
    });
    (scenario.to_string(), start, rng.chance(60))
}
