//! The plan format's contract: what `pipec::export::plan_v1` writes is
//! valid against the committed schema (`schemas/plan-v1.schema.json`),
//! reads back through independent mirror types that reject unknown fields,
//! and is byte-for-byte deterministic; the schema rejects what the format
//! forbids; and the example in `docs/plan-format.md` is a valid plan in the
//! exact form `to_json` writes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::export::plan_v1::{
    AlarmCommand, AlarmEntry, AlarmGate, ApprovalGate, ApprovalParams, Artifact, ArtifactGate,
    BakeParams, Blocked, BuildParams, CommandLine, Compiler, DataPoints, DeployParams, Dropped,
    Env, EnvValue, FORMAT_VERSION, Gate, GateEntry, GateParams, How, Measure, NotScaled,
    NotScaledReason, Override, Params, Percent, PlanV1, Platform, Provenance, READ_VERSIONS,
    Region, SecretRef, SourceOrigin, SourceParams, Step, StepKind, Strategy, Target, TestParams,
    Weekday, WindowGate, WindowSlot, to_json,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------
// A realistic plan, built by hand: `orders_api` compiled with the
// `emergency` profile (bakes scaled to 25%, a floor of 30m, an approval).

const ORG: &str = "org.pipe";
const TEAM: &str = "team/service.pipe";
const SERVICE: &str = "services/orders_api.pipe";

const HIGH_SEVERITY: &str =
    r#"ALARM("OrdersApi_High_Fault_Rate") OR ALARM("OrdersApi_High_P99_Latency")"#;
const ONEBOX: &str = r#"ALARM("OrdersApi_High_Fault_Rate") OR ALARM("OrdersApi_High_P99_Latency") OR ALARM("OrdersApi_OneBox_High_Fault_Rate")"#;

fn at(file: &str, line: u32, column: u32) -> Provenance {
    Provenance {
        file: file.into(),
        line,
        column,
        how: How::Set,
        overrides: Vec::new(),
        not_scaled: None,
    }
}

fn replaced(file: &str, line: u32, column: u32, how: How, value: &str) -> Override {
    Override {
        file: file.to_string(),
        line,
        column,
        how,
        value: Some(value.to_string()),
    }
}

fn target(stage: &str) -> Target {
    Target {
        stage: stage.into(),
        wave: None,
        region: None,
        az: None,
        cell: None,
        onebox: false,
    }
}

fn in_region(stage: &str, region: &str) -> Target {
    Target {
        region: Some(region.into()),
        ..target(stage)
    }
}

fn in_wave(wave: &str, region: Option<&str>) -> Target {
    Target {
        wave: Some(wave.into()),
        region: region.map(Into::into),
        ..target("production")
    }
}

fn in_az(wave: &str, region: &str, az: &str) -> Target {
    Target {
        az: Some(az.into()),
        ..in_wave(wave, Some(region))
    }
}

/// A region's one-box in a wave: one per region, before its first AZ.
fn onebox_in(wave: &str, region: &str) -> Target {
    Target {
        onebox: true,
        ..in_wave(wave, Some(region))
    }
}

fn step(id: &str, needs: &[&str], target: Target, params: Params, provenance: Provenance) -> Step {
    Step {
        id: id.into(),
        needs: needs.iter().map(|need| (*need).into()).collect(),
        target,
        params,
        rollback_alarm: None,
        gates: Vec::new(),
        provenance,
        field_provenance: Default::default(),
    }
}

/// A step with the provenance of some of its values (format 1.1).
fn traced(mut step: Step, fields: &[(&str, Provenance)]) -> Step {
    step.field_provenance = fields
        .iter()
        .map(|(pointer, provenance)| (pointer.to_string(), provenance.clone()))
        .collect();
    step
}

/// Code, traffic tier and AZ ids of the regions the sample plan targets, in
/// the order its steps first target them.
const REGIONS: &[(&str, &str, &[&str])] = &[
    (
        "us-east-1",
        "high",
        &[
            "use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6",
        ],
    ),
    ("ap-east-1", "low", &["ape1-az1", "ape1-az2", "ape1-az3"]),
    ("us-east-2", "medium", &["use2-az1", "use2-az2", "use2-az3"]),
    ("eu-west-1", "high", &["euw1-az1", "euw1-az2", "euw1-az3"]),
];

/// The regions of the plan's steps, in the order steps first target them.
fn regions() -> Vec<Region> {
    let listed = |code: &str, traffic: &str, azs: &[&str]| Region {
        code: code.to_string(),
        registry: Some("aws".to_string()),
        attributes: [("partition", "aws"), ("traffic", traffic)]
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
        azs: azs.iter().map(|az| az.to_string()).collect(),
    };
    REGIONS
        .iter()
        .map(|(code, traffic, azs)| listed(code, traffic, azs))
        .collect()
}

fn watched(mut step: Step, alarm: &str) -> Step {
    step.rollback_alarm = Some(alarm.into());
    step
}

fn gated(mut step: Step, gates: &[&str]) -> Step {
    step.gates = gates.iter().map(|id| (*id).into()).collect();
    step
}

fn percent(hundredths: u32) -> Percent {
    Percent::from_hundredths(hundredths)
}

fn bake(duration_seconds: u64, data_points: Vec<DataPoints>) -> Params {
    Params::Bake(BakeParams {
        duration_seconds,
        data_points,
    })
}

fn requests(count: u64, api: &str) -> DataPoints {
    DataPoints {
        count,
        measure: Measure::Requests,
        name: api.to_string(),
    }
}

fn deploy(strategy: Strategy, traffic_percent: Option<Percent>) -> Params {
    Params::Deploy(DeployParams {
        artifacts: vec!["bundle".into()],
        platform: Platform::Ecs,
        strategy,
        traffic_percent,
        command: None,
        argv: None,
        shell: false,
        env: Env::new(),
        rollback: None,
    })
}

fn argv(words: &[&str]) -> Option<Vec<String>> {
    Some(words.iter().map(|word| word.to_string()).collect())
}

fn secret(name: &str) -> EnvValue {
    EnvValue::Secret(SecretRef {
        secret: name.to_string(),
    })
}

/// A deploy step that runs commands locally: a deploy script with a
/// secret token in its environment, and a rollback script.
fn with_commands(mut step: Step) -> Step {
    if let Params::Deploy(deploy) = &mut step.params {
        deploy.command = Some("./deploy.sh bundle".to_string());
        deploy.argv = argv(&["./deploy.sh", "bundle"]);
        deploy.env = [("DEPLOY_TOKEN".to_string(), secret("DEPLOY_TOKEN"))]
            .into_iter()
            .collect();
        deploy.rollback = Some(CommandLine {
            command: "./rollback.sh bundle".to_string(),
            argv: argv(&["./rollback.sh", "bundle"]),
        });
    }
    step
}

fn production_rolling() -> Strategy {
    Strategy::Rolling {
        batch_percent: percent(1_250),
        min_healthy_percent: percent(8_750),
        rollback_batch_percent: percent(3_300),
    }
}

fn window_gate(overridable: bool, provenance: Provenance) -> Gate {
    Gate::Window(WindowGate {
        window: Some("business_hours".to_string()),
        zone: "America/Los_Angeles".to_string(),
        allow: vec![
            WindowSlot {
                days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
                start: "09:00".to_string(),
                end: "16:00".to_string(),
            },
            WindowSlot {
                days: vec![Weekday::Fri],
                start: "09:00".to_string(),
                end: "12:00".to_string(),
            },
        ],
        closed_dates: vec![
            "2026-11-26".to_string(),
            "2026-12-25".to_string(),
            "2027-01-01".to_string(),
        ],
        overridable,
        provenance,
    })
}

fn entry(id: &str, gate: Gate) -> GateEntry {
    GateEntry {
        id: id.into(),
        gate,
    }
}

/// The plan's gate table, in the order steps first check the gates.
fn gates() -> Vec<GateEntry> {
    vec![
        entry(
            "approval:release-manager",
            Gate::Approval(ApprovalGate {
                role: "release-manager".to_string(),
                overridable: false,
                provenance: at(ORG, 30, 5),
            }),
        ),
        entry("window:business_hours", window_gate(true, at(ORG, 31, 5))),
        entry(
            "alarm:high_severity",
            Gate::Alarm(AlarmGate {
                name: Some("high_severity".to_string()),
                alarm: HIGH_SEVERITY.to_string(),
                overridable: false,
                provenance: at(ORG, 29, 5),
            }),
        ),
        entry(
            "alarm:aws.large_scale_event",
            Gate::Alarm(AlarmGate {
                name: Some("aws.large_scale_event".to_string()),
                alarm: r#"ALARM("AWS_Large_Scale_Event")"#.to_string(),
                overridable: true,
                provenance: at(ORG, 29, 24),
            }),
        ),
        entry(
            "package:libjson@2.3.1",
            Gate::Artifact(ArtifactGate {
                blocked: Blocked::Package("libjson@2.3.1".to_string()),
                overridable: false,
                provenance: at(SERVICE, 14, 5),
            }),
        ),
        entry(
            "git:refs/tags/v4.2.0",
            Gate::Artifact(ArtifactGate {
                blocked: Blocked::GitRef("refs/tags/v4.2.0".to_string()),
                overridable: true,
                provenance: at(TEAM, 22, 5),
            }),
        ),
        // The same window applied a second time, elsewhere and not
        // overridable: a different gate with the same name, so its id is
        // numbered.
        entry(
            "window:business_hours#2",
            window_gate(false, at(SERVICE, 18, 5)),
        ),
    ]
}

/// The production blockers, as deploy steps list them.
const BLOCKERS: &[&str] = &[
    "window:business_hours",
    "alarm:high_severity",
    "alarm:aws.large_scale_event",
    "package:libjson@2.3.1",
    "git:refs/tags/v4.2.0",
];

/// The blockers of the last deploy, checked against the second window (a
/// format-level example: any step may list any of the plan's gates).
const REST_BLOCKERS: &[&str] = &[
    "alarm:high_severity",
    "alarm:aws.large_scale_event",
    "package:libjson@2.3.1",
    "git:refs/tags/v4.2.0",
    "window:business_hours#2",
];

fn scaled_bake(file: &str, line: u32, column: u32, overrides: Vec<Override>) -> Provenance {
    Provenance {
        file: file.into(),
        line,
        column,
        how: How::BakeScale,
        overrides,
        not_scaled: None,
    }
}

fn sample_plan() -> PlanV1 {
    let source = step(
        "source/code",
        &[],
        target("source"),
        Params::Source(SourceParams {
            name: "code".to_string(),
            origin: SourceOrigin::Git {
                url: "https://git.example.com/shop/orders-api.git".to_string(),
                branch: "mainline".to_string(),
            },
            require_review: true,
        }),
        Provenance {
            how: How::Bind,
            ..at(TEAM, 8, 3)
        },
    );
    let build = step(
        "build/bundle",
        &["source/code"],
        target("build"),
        Params::Build(BuildParams {
            artifact: "bundle".to_string(),
            sources: vec!["code".to_string()],
            command: "make release".to_string(),
            argv: argv(&["make", "release"]),
            shell: false,
            env: [
                ("SIGNING_KEY".to_string(), secret("RELEASE_SIGNING_KEY")),
                (
                    "SERVICE".to_string(),
                    EnvValue::Text("orders-api".to_string()),
                ),
            ]
            .into_iter()
            .collect(),
            sign: true,
        }),
        at(TEAM, 9, 3),
    );
    let gamma_onebox = watched(
        step(
            "gamma/us-east-1/onebox/deploy",
            &["build/bundle"],
            Target {
                onebox: true,
                ..in_region("gamma", "us-east-1")
            },
            deploy(Strategy::InPlace, None),
            at(TEAM, 13, 5),
        ),
        "onebox",
    );
    // 30m scaled to 25% is 7m30s; the policy floor raises it back to 30m.
    let gamma_onebox_bake = watched(
        step(
            "gamma/us-east-1/onebox/bake",
            &["gamma/us-east-1/onebox/deploy"],
            Target {
                onebox: true,
                ..in_region("gamma", "us-east-1")
            },
            bake(1_800, Vec::new()),
            Provenance {
                how: How::Floor,
                overrides: vec![
                    replaced(TEAM, 40, 3, How::BakeScale, "7m30s"),
                    replaced(TEAM, 13, 14, How::Set, "30m"),
                ],
                ..at("policies/release.pipe", 6, 3)
            },
        ),
        "onebox",
    );
    // The stage's strategy and regions, each where it is written.
    let gamma_deploy = watched(
        traced(
            step(
                "gamma/us-east-1/deploy",
                &["gamma/us-east-1/onebox/bake"],
                in_region("gamma", "us-east-1"),
                deploy(
                    Strategy::Canary {
                        canary_percent: percent(1_000),
                        wait_seconds: 600,
                    },
                    None,
                ),
                at(TEAM, 14, 5),
            ),
            &[
                ("/deploy/strategy", at(TEAM, 14, 16)),
                ("/target/region", at(TEAM, 14, 52)),
            ],
        ),
        "high_severity",
    );
    let canary = watched(
        step(
            "gamma/us-east-1/test/canary",
            &["gamma/us-east-1/deploy"],
            in_region("gamma", "us-east-1"),
            Params::Test(TestParams {
                name: "canary".to_string(),
                command: None,
                argv: None,
                shell: false,
                env: Env::new(),
                timeout_seconds: 3_600,
            }),
            Provenance {
                how: How::Default,
                ..at(TEAM, 15, 5)
            },
        ),
        "high_severity",
    );
    // The service overrides the template's timeout.
    let load = traced(
        step(
            "gamma/us-east-1/test/load",
            &["gamma/us-east-1/deploy"],
            in_region("gamma", "us-east-1"),
            Params::Test(TestParams {
                name: "load".to_string(),
                command: Some("make load-test RATE=2x-peak | tee load.log".to_string()),
                argv: None,
                shell: true,
                env: Env::new(),
                timeout_seconds: 1_800,
            }),
            at(TEAM, 16, 5),
        ),
        &[
            ("/test/command", at(TEAM, 16, 17)),
            ("/test/shell", at(TEAM, 16, 70)),
            (
                "/test/timeout_seconds",
                Provenance {
                    overrides: vec![replaced(TEAM, 16, 84, How::Set, "1h")],
                    ..at(SERVICE, 10, 20)
                },
            ),
        ],
    );
    let gamma_bake = watched(
        step(
            "gamma/bake",
            &["gamma/us-east-1/test/canary", "gamma/us-east-1/test/load"],
            target("gamma"),
            bake(
                900,
                vec![DataPoints {
                    count: 3_000,
                    measure: Measure::Datapoints,
                    name: "Canary_Success".to_string(),
                }],
            ),
            scaled_bake(TEAM, 40, 3, vec![replaced(TEAM, 17, 5, How::Set, "1h")]),
        ),
        "high_severity",
    );
    let approval = step(
        "production/approval/senior-engineer",
        &["gamma/bake"],
        target("production"),
        Params::Approval(ApprovalParams {
            role: "senior-engineer".to_string(),
        }),
        Provenance {
            how: How::Profile,
            ..at(TEAM, 41, 3)
        },
    );
    let entry = gated(
        step(
            "production/gate",
            &["production/approval/senior-engineer"],
            target("production"),
            Params::Gate(GateParams {
                reason: "production entry".to_string(),
            }),
            at(ORG, 24, 3),
        ),
        &["approval:release-manager"],
    );
    let region = "production/first/ap-east-1";
    let az1 = "production/first/ap-east-1/az/ape1-az1";
    let onebox_deploy = gated(
        watched(
            step(
                &format!("{region}/onebox/deploy"),
                &["production/gate"],
                onebox_in("first", "ap-east-1"),
                deploy(Strategy::InPlace, Some(percent(250))),
                at(ORG, 32, 5),
            ),
            "onebox",
        ),
        BLOCKERS,
    );
    // A final bake: the profile's `bake scale` leaves it at 1h, and says so.
    let final_bake = Provenance {
        not_scaled: Some(NotScaled {
            reason: NotScaledReason::Final,
            file: TEAM.to_string(),
            line: 40,
            column: 3,
        }),
        ..at(ORG, 32, 35)
    };
    let onebox_bake = watched(
        traced(
            step(
                &format!("{region}/onebox/bake"),
                &[&format!("{region}/onebox/deploy")],
                onebox_in("first", "ap-east-1"),
                bake(3_600, Vec::new()),
                final_bake.clone(),
            ),
            &[("/bake/duration_seconds", final_bake)],
        ),
        "onebox",
    );
    // The wave's regions: the org's list, then the service's `+=`.
    let az_deploy = watched(
        traced(
            with_commands(step(
                &format!("{az1}/deploy"),
                &[&format!("{region}/onebox/bake")],
                in_az("first", "ap-east-1", "ape1-az1"),
                deploy(production_rolling(), None),
                at(ORG, 34, 5),
            )),
            &[
                ("/deploy/command", at(ORG, 27, 14)),
                ("/deploy/env/DEPLOY_TOKEN", at(ORG, 27, 50)),
                ("/deploy/platform", at(SERVICE, 6, 3)),
                ("/deploy/rollback", at(ORG, 27, 80)),
                ("/deploy/strategy", at(ORG, 25, 5)),
                (
                    "/target/region",
                    Provenance {
                        how: How::Append,
                        overrides: vec![replaced(ORG, 34, 14, How::Set, "[us-east-1]")],
                        ..at(SERVICE, 13, 20)
                    },
                ),
            ],
        ),
        "high_severity",
    );
    let az_bake = watched(
        step(
            &format!("{az1}/bake"),
            &[&format!("{az1}/deploy")],
            in_az("first", "ap-east-1", "ape1-az1"),
            bake(900, vec![requests(50, "CreateOrder")]),
            scaled_bake(TEAM, 40, 3, vec![replaced(ORG, 34, 62, How::Set, "1h")]),
        ),
        "high_severity",
    );
    let az2_deploy = gated(
        watched(
            step(
                "production/first/ap-east-1/az/ape1-az2/deploy",
                &[&format!("{az1}/bake")],
                in_az("first", "ap-east-1", "ape1-az2"),
                deploy(production_rolling(), None),
                at(ORG, 34, 5),
            ),
            "high_severity",
        ),
        BLOCKERS,
    );
    // The wave's bake: 12h in the org template, 18h in the team's, 24h in
    // the service, then scaled to 25% by the emergency profile.
    let wave_bake = watched(
        step(
            "production/first/bake",
            &["production/first/ap-east-1/az/ape1-az2/deploy"],
            in_wave("first", None),
            bake(21_600, vec![requests(100, "CreateApi")]),
            scaled_bake(
                TEAM,
                40,
                3,
                vec![
                    replaced(SERVICE, 12, 24, How::Set, "24h"),
                    replaced(TEAM, 20, 18, How::Set, "18h"),
                    replaced(ORG, 34, 73, How::Set, "12h"),
                ],
            ),
        ),
        "high_severity",
    );
    let wave_bake = Step {
        field_provenance: [
            ("/bake/data_points/0", at(SERVICE, 12, 35)),
            ("/bake/duration_seconds", wave_bake.provenance.clone()),
        ]
        .into_iter()
        .map(|(pointer, provenance)| (pointer.to_string(), provenance))
        .collect(),
        ..wave_bake
    };
    let cell_deploy = gated(
        watched(
            step(
                "production/second/us-east-2/cell/use2-cell1/deploy",
                &["production/first/bake"],
                Target {
                    cell: Some("use2-cell1".into()),
                    ..in_wave("second", Some("us-east-2"))
                },
                deploy(
                    Strategy::Linear {
                        step_percent: percent(1_000),
                        interval_seconds: 60,
                    },
                    None,
                ),
                at(ORG, 36, 5),
            ),
            "high_severity",
        ),
        BLOCKERS,
    );
    let region_deploy = gated(
        watched(
            step(
                "production/rest/eu-west-1/deploy",
                &["production/second/us-east-2/cell/use2-cell1/deploy"],
                in_wave("rest", Some("eu-west-1")),
                deploy(Strategy::BlueGreen, None),
                at(ORG, 38, 5),
            ),
            "high_severity",
        ),
        REST_BLOCKERS,
    );
    PlanV1 {
        format_version: FORMAT_VERSION.to_string(),
        pipeline: "orders_api".to_string(),
        compiler: Compiler::pipec(),
        profile: Some("emergency".to_string()),
        artifacts: vec![Artifact {
            name: "bundle".to_string(),
            produced_by: "build/bundle".to_string(),
            signed: true,
            provenance: at(TEAM, 9, 3),
        }],
        regions: regions(),
        gates: gates(),
        alarms: vec![
            AlarmEntry {
                id: "onebox".into(),
                name: Some("onebox".to_string()),
                alarm: ONEBOX.to_string(),
                provenance: at(ORG, 33, 7),
            },
            AlarmEntry {
                id: "high_severity".into(),
                name: Some("high_severity".to_string()),
                alarm: HIGH_SEVERITY.to_string(),
                provenance: at(ORG, 28, 5),
            },
        ],
        alarm_command: Some(AlarmCommand {
            command: "./check-alarm.sh --service orders-api".to_string(),
            argv: argv(&["./check-alarm.sh", "--service", "orders-api"]).unwrap(),
            provenance: at(ORG, 26, 5),
        }),
        steps: vec![
            source,
            build,
            gamma_onebox,
            gamma_onebox_bake,
            gamma_deploy,
            canary,
            load,
            gamma_bake,
            approval,
            entry,
            onebox_deploy,
            onebox_bake,
            az_deploy,
            az_bake,
            az2_deploy,
            wave_bake,
            cell_deploy,
            region_deploy,
        ],
        // The rest wave is written `by cell`, but eu-west-1 lists no cells:
        // it deploys whole, and the `by cell` says why it is not in a step.
        dropped: vec![Dropped {
            target: in_wave("rest", Some("eu-west-1")),
            member: "by cell".to_string(),
            reason: "region eu-west-1 lists no cells".to_string(),
            provenance: at(ORG, 39, 5),
        }],
    }
}

// ---------------------------------------------------------------------------
// Mirror types: written from the documented format, not from the producer,
// and strict: an unknown field, kind or enum value fails to deserialize.

mod mirror {
    use serde::{Deserialize, Serialize};
    use serde_json::Number;

    /// A plan: its steps whole (`Step`), as every version may write
    /// them, or as written (`WrittenStep`), which from 1.3 on name their
    /// parameters, gates and field provenance by number in the tables.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Plan<S = Step> {
        pub format_version: String,
        pub pipeline: String,
        pub compiler: Compiler,
        pub profile: Option<String>,
        pub artifacts: Vec<Artifact>,
        pub regions: Vec<Region>,
        pub gates: Vec<GateEntry>,
        pub alarms: Vec<AlarmEntry>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub alarm_command: Option<AlarmCommand>,
        pub steps: Vec<S>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub dropped: Option<Vec<Dropped>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub parameters: Option<Parameters>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub gate_lists: Option<Vec<Vec<String>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub field_provenances: Option<Vec<std::collections::BTreeMap<String, ProvenanceRef>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub provenances: Option<Vec<Provenance>>,
    }

    /// A value a 1.3 step names by its number in a table, or the value
    /// itself.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(untagged)]
    pub enum Ref<T> {
        Number(u32),
        Whole(T),
    }

    /// The `parameters` table (1.3): each kind's parameter objects.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Parameters {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub source: Option<Vec<Source>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub build: Option<Vec<Build>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub test: Option<Vec<Test>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub deploy: Option<Vec<Deploy>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub bake: Option<Vec<Bake>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub approval: Option<Vec<Approval>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub gate: Option<Vec<GateStep>>,
    }

    /// A step as written: from 1.3 on its parameters, gates and field
    /// provenance are numbers in the plan's tables.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct WrittenStep {
        pub id: String,
        pub kind: Kind,
        pub needs: Vec<String>,
        pub target: Target,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub source: Option<Ref<Source>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub build: Option<Ref<Build>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub test: Option<Ref<Test>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub deploy: Option<Ref<Deploy>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub bake: Option<Ref<Bake>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub approval: Option<Ref<Approval>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub gate: Option<Ref<GateStep>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub rollback_alarm: Option<String>,
        pub gates: Ref<Vec<String>>,
        pub provenance: ProvenanceRef,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub field_provenance: Option<Ref<std::collections::BTreeMap<String, ProvenanceRef>>>,
    }

    impl WrittenStep {
        /// The step's parameters as written: its number in its kind's
        /// table, or `None` when written whole (or absent).
        pub fn params_number(&self) -> Option<u32> {
            fn number<T>(written: &Option<Ref<T>>) -> Option<u32> {
                match written {
                    Some(Ref::Number(number)) => Some(*number),
                    _ => None,
                }
            }
            number(&self.source)
                .or(number(&self.build))
                .or(number(&self.test))
                .or(number(&self.deploy))
                .or(number(&self.bake))
                .or(number(&self.approval))
                .or(number(&self.gate))
        }
    }

    /// A provenance where it applies: its number in `provenances` (1.2),
    /// or the provenance itself (1.0, 1.1).
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(untagged)]
    pub enum ProvenanceRef {
        Number(u32),
        Whole(Provenance),
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Dropped {
        pub target: Target,
        pub member: String,
        pub reason: String,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct AlarmCommand {
        pub command: String,
        pub argv: Vec<String>,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct CommandLine {
        pub command: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub argv: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(untagged)]
    pub enum EnvValue {
        Text(String),
        Secret(Secret),
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Secret {
        pub secret: String,
    }

    pub type Env = std::collections::BTreeMap<String, EnvValue>;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Region {
        pub code: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub registry: Option<String>,
        pub attributes: std::collections::BTreeMap<String, String>,
        pub azs: Vec<String>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct AlarmEntry {
        pub id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
        pub alarm: String,
        pub provenance: ProvenanceRef,
    }

    /// A gate of the table: `id`, then the gate's fields. Read by hand
    /// because serde cannot combine `flatten` with `deny_unknown_fields`:
    /// `id` is taken out and the rest must read as a strict [`Gate`].
    #[derive(Debug, Serialize)]
    pub struct GateEntry {
        pub id: String,
        #[serde(flatten)]
        pub gate: Gate,
    }

    impl<'de> Deserialize<'de> for GateEntry {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            use serde::de::Error;
            let mut fields = serde_json::Map::deserialize(deserializer)?;
            let id = match fields.remove("id") {
                Some(serde_json::Value::String(id)) => id,
                Some(_) => return Err(D::Error::custom("a gate's `id` is not a string")),
                None => return Err(D::Error::missing_field("id")),
            };
            let gate =
                Gate::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)?;
            Ok(GateEntry { id, gate })
        }
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Compiler {
        pub name: String,
        pub version: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Artifact {
        pub name: String,
        pub produced_by: String,
        pub signed: bool,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Kind {
        Source,
        Build,
        Test,
        Deploy,
        Bake,
        Approval,
        Gate,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Step {
        pub id: String,
        pub kind: Kind,
        pub needs: Vec<String>,
        pub target: Target,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub source: Option<Source>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub build: Option<Build>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub test: Option<Test>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub deploy: Option<Deploy>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub bake: Option<Bake>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub approval: Option<Approval>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub gate: Option<GateStep>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub rollback_alarm: Option<String>,
        pub gates: Vec<String>,
        pub provenance: ProvenanceRef,
        // A map keeps the keys sorted, as the format writes them.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub field_provenance: Option<std::collections::BTreeMap<String, ProvenanceRef>>,
    }

    impl Step {
        /// The kinds whose parameter objects the step holds.
        pub fn param_kinds(&self) -> Vec<Kind> {
            [
                (self.source.is_some(), Kind::Source),
                (self.build.is_some(), Kind::Build),
                (self.test.is_some(), Kind::Test),
                (self.deploy.is_some(), Kind::Deploy),
                (self.bake.is_some(), Kind::Bake),
                (self.approval.is_some(), Kind::Approval),
                (self.gate.is_some(), Kind::Gate),
            ]
            .into_iter()
            .filter(|(present, _)| *present)
            .map(|(_, kind)| kind)
            .collect()
        }
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Target {
        pub stage: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub wave: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub region: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub az: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub cell: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub onebox: Option<bool>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Source {
        pub name: String,
        #[serde(rename = "type")]
        pub origin: SourceType,
        pub url: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub branch: Option<String>,
        pub require_review: bool,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SourceType {
        Git,
        ArtifactStore,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Build {
        pub artifact: String,
        pub sources: Vec<String>,
        pub command: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub argv: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shell: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub env: Option<Env>,
        pub sign: bool,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Test {
        pub name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub command: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub argv: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shell: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub env: Option<Env>,
        pub timeout_seconds: u64,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Deploy {
        pub artifacts: Vec<String>,
        pub platform: Platform,
        pub strategy: Strategy,
        // Percents are numbers that keep their written form: `33` stays an
        // integer and `2.5` a decimal, so re-serializing gives the same text.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub traffic_percent: Option<Number>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub command: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub argv: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shell: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub env: Option<Env>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub rollback: Option<CommandLine>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Platform {
        Ecs,
        Lambda,
        Ec2,
        OnPremises,
    }

    // Struct variants, even empty ones, so that unknown fields are refused.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Strategy {
        InPlace {},
        Rolling {
            batch_percent: Number,
            min_healthy_percent: Number,
            rollback_batch_percent: Number,
        },
        BlueGreen {},
        Canary {
            canary_percent: Number,
            wait_seconds: u64,
        },
        Linear {
            step_percent: Number,
            interval_seconds: u64,
        },
        AllAtOnce {},
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Bake {
        pub duration_seconds: u64,
        pub data_points: Vec<DataPoints>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct DataPoints {
        pub count: u64,
        #[serde(rename = "type")]
        pub measure: Measure,
        pub name: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Measure {
        Requests,
        Datapoints,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Approval {
        pub role: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct GateStep {
        pub reason: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Gate {
        Window(WindowGate),
        Alarm(AlarmGate),
        Artifact(ArtifactGate),
        Approval(ApprovalGate),
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct WindowGate {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub window: Option<String>,
        pub zone: String,
        pub allow: Vec<WindowSlot>,
        pub closed_dates: Vec<String>,
        pub overridable: bool,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct WindowSlot {
        pub days: Vec<Weekday>,
        pub start: String,
        pub end: String,
    }

    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Weekday {
        Mon,
        Tue,
        Wed,
        Thu,
        Fri,
        Sat,
        Sun,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct AlarmGate {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
        pub alarm: String,
        pub overridable: bool,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct ArtifactGate {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub package: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub git_ref: Option<String>,
        pub overridable: bool,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct ApprovalGate {
        pub role: String,
        pub overridable: bool,
        pub provenance: ProvenanceRef,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Provenance {
        pub file: String,
        pub line: u32,
        pub column: u32,
        pub how: How,
        pub overrides: Vec<Override>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub not_scaled: Option<NotScaled>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct NotScaled {
        pub reason: NotScaledReason,
        pub file: String,
        pub line: u32,
        pub column: u32,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NotScaledReason {
        Final,
        Profile,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Override {
        pub file: String,
        pub line: u32,
        pub column: u32,
        pub how: How,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub value: Option<String>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum How {
        Set,
        Bind,
        Append,
        Remove,
        Profile,
        BakeScale,
        Floor,
        Default,
    }
}

// ---------------------------------------------------------------------------
// Helpers.

fn schema() -> Value {
    let text = std::fs::read_to_string("schemas/plan-v1.schema.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, plan: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(plan)
        .map(|error| format!("{}: {error}", error.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} should be valid:\n{}",
        errors.join("\n")
    );
}

/// Parses through the mirror types and writes the result as `to_json`
/// does; the text must come back unchanged, and its step tables hold
/// what the format says. The plan, its steps put back whole.
fn assert_mirror_round_trip(json: &str, what: &str) -> mirror::Plan {
    let plan: mirror::Plan<mirror::WrittenStep> = match serde_json::from_str(json) {
        Ok(plan) => plan,
        Err(error) => panic!("{what} does not read through the mirror types: {error}"),
    };
    let again = serde_json::to_string_pretty(&plan).unwrap() + "\n";
    assert_eq!(again, json, "{what} changed through the mirror types");
    let errors = step_table_inconsistencies(&plan);
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
    whole_steps(&serde_json::to_value(&plan).unwrap())
}

/// A plan's JSON read through the mirror types with every step whole.
fn whole_steps(plan: &Value) -> mirror::Plan {
    let mut plan = plan.clone();
    support::step_tables_inline(&mut plan);
    serde_json::from_value(plan).unwrap()
}

/// The step tables (1.3): every step's parameters, gates and field
/// provenance are numbers, each in its table, and each table holds
/// exactly the entries steps name, each once, in the order steps first
/// name them.
fn step_table_inconsistencies(plan: &mirror::Plan<mirror::WrittenStep>) -> Vec<String> {
    use mirror::Ref;
    let mut errors = Vec::new();
    let mut params_used: std::collections::BTreeMap<mirror::Kind, Vec<u32>> = Default::default();
    let mut gates_used: Vec<u32> = Vec::new();
    let mut fields_used: Vec<u32> = Vec::new();
    let first_use = |used: &mut Vec<u32>, number: u32| {
        if !used.contains(&number) {
            used.push(number);
        }
    };
    for step in &plan.steps {
        match step.params_number() {
            Some(number) => first_use(params_used.entry(step.kind).or_default(), number),
            None => errors.push(format!(
                "{}: parameters written whole in a 1.3 plan",
                step.id
            )),
        }
        match &step.gates {
            Ref::Number(number) => first_use(&mut gates_used, *number),
            Ref::Whole(_) => errors.push(format!("{}: gates written whole in a 1.3 plan", step.id)),
        }
        match &step.field_provenance {
            Some(Ref::Number(number)) => first_use(&mut fields_used, *number),
            Some(Ref::Whole(_)) => errors.push(format!(
                "{}: field provenance written whole in a 1.3 plan",
                step.id
            )),
            None => {}
        }
    }
    let parameters = serde_json::to_value(&plan.parameters).unwrap();
    let tables: Vec<(String, Vec<Value>, Vec<u32>)> = params_used
        .into_iter()
        .map(|(kind, used)| {
            let name = serde_json::to_value(kind).unwrap();
            let name = name.as_str().unwrap();
            let table = parameters[name].as_array().cloned().unwrap_or_default();
            (format!("parameters.{name}"), table, used)
        })
        .chain([
            (
                "gate_lists".to_string(),
                serde_json::to_value(&plan.gate_lists)
                    .unwrap()
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                gates_used,
            ),
            (
                "field_provenances".to_string(),
                serde_json::to_value(&plan.field_provenances)
                    .unwrap()
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                fields_used,
            ),
        ])
        .collect();
    for (name, table, used) in tables {
        let in_order: Vec<u32> = (0..u32::try_from(table.len()).unwrap()).collect();
        if used != in_order {
            errors.push(format!(
                "`{name}` is not the entries in order of first use: first uses {used:?} of {}",
                table.len()
            ));
        }
        let distinct: BTreeSet<String> = table.iter().map(Value::to_string).collect();
        if distinct.len() != table.len() {
            errors.push(format!("`{name}` holds an entry twice"));
        }
    }
    let kinds_written = parameters.as_object().map_or(0, serde_json::Map::len);
    let kinds_used = plan
        .steps
        .iter()
        .map(|step| step.kind)
        .collect::<BTreeSet<_>>()
        .len();
    if kinds_written != kinds_used {
        errors.push(format!(
            "`parameters` has {kinds_written} kinds; the steps are of {kinds_used}"
        ));
    }
    errors
}

/// What the schema cannot say, as a list of violations (empty for a
/// consistent plan): step ids are unique, every step comes after the steps
/// it needs, the parameter object matches the kind, artifacts are produced
/// by the build steps that say so and exist where deployed; gate ids are
/// unique, every gate id a step lists is in `gates`, and `gates` lists
/// exactly the gates steps use, in the order they are first used; windows
/// list their days and dates in order and their slots forward.
fn inconsistencies(plan: &mirror::Plan) -> Vec<String> {
    let mut errors = Vec::new();
    if plan.format_version != FORMAT_VERSION {
        errors.push(format!("format_version {}", plan.format_version));
    }
    errors.extend(provenance_inconsistencies(plan));
    let mut seen = BTreeSet::new();
    for step in &plan.steps {
        for need in &step.needs {
            if !seen.contains(need.as_str()) {
                errors.push(format!(
                    "{} needs {need}, which is not an earlier step",
                    step.id
                ));
            }
        }
        if !seen.insert(step.id.as_str()) {
            errors.push(format!("step {} twice", step.id));
        }
        if step.param_kinds() != vec![step.kind] {
            errors.push(format!("{}: parameters do not match its kind", step.id));
        }
        // Every field provenance is of a value the step holds.
        let written = serde_json::to_value(step).unwrap();
        for (field, value) in percents(&written) {
            let hundredths = value * 100.0;
            if (hundredths - hundredths.round()).abs() > 1e-6 {
                errors.push(format!(
                    "{}: {field} {value} has more than two decimals",
                    step.id
                ));
            }
        }
        for pointer in step.field_provenance.iter().flatten().map(|(key, _)| key) {
            if written.pointer(pointer).is_none() {
                errors.push(format!(
                    "{}: field provenance of {pointer}, which the step lacks",
                    step.id
                ));
            }
        }
        errors.extend(command_inconsistencies(step));
    }
    let artifacts: BTreeSet<&str> = plan.artifacts.iter().map(|a| a.name.as_str()).collect();
    for artifact in &plan.artifacts {
        let build = plan
            .steps
            .iter()
            .find(|step| step.id == artifact.produced_by)
            .and_then(|step| step.build.as_ref());
        match build {
            Some(build) if build.artifact == artifact.name && build.sign == artifact.signed => {}
            _ => errors.push(format!(
                "{} is not a build of {} as listed",
                artifact.produced_by, artifact.name
            )),
        }
    }
    let mut gate_ids = BTreeSet::new();
    for gate in &plan.gates {
        if !gate_ids.insert(gate.id.as_str()) {
            errors.push(format!("gate {} twice", gate.id));
        }
    }
    // The gate ids in the order steps first use them.
    let mut first_used: Vec<&str> = Vec::new();
    for step in &plan.steps {
        if let Some(deploy) = &step.deploy {
            for name in &deploy.artifacts {
                if !artifacts.contains(name.as_str()) {
                    errors.push(format!("{}: artifact {name} unknown", step.id));
                }
            }
        }
        for id in &step.gates {
            if !gate_ids.contains(id.as_str()) {
                errors.push(format!("{}: gate {id} is not in `gates`", step.id));
            } else if !first_used.contains(&id.as_str()) {
                first_used.push(id);
            }
        }
    }
    let listed: Vec<&str> = plan.gates.iter().map(|gate| gate.id.as_str()).collect();
    if first_used != listed {
        errors.push(format!(
            "`gates` is {listed:?}, but steps first use {first_used:?}"
        ));
    }
    // The same for rollback alarms and regions.
    let alarm_ids: Vec<&str> = plan.alarms.iter().map(|alarm| alarm.id.as_str()).collect();
    let mut first_watched: Vec<&str> = Vec::new();
    let mut first_targeted: Vec<&str> = Vec::new();
    for step in &plan.steps {
        if let Some(id) = &step.rollback_alarm {
            if !alarm_ids.contains(&id.as_str()) {
                errors.push(format!("{}: alarm {id} is not in `alarms`", step.id));
            } else if !first_watched.contains(&id.as_str()) {
                first_watched.push(id);
            }
        }
        if let Some(region) = &step.target.region
            && !first_targeted.contains(&region.as_str())
        {
            first_targeted.push(region);
        }
    }
    if first_watched != alarm_ids {
        errors.push(format!(
            "`alarms` is {alarm_ids:?}, but steps first watch {first_watched:?}"
        ));
    }
    let region_codes: Vec<&str> = plan
        .regions
        .iter()
        .map(|region| region.code.as_str())
        .collect();
    if first_targeted != region_codes {
        errors.push(format!(
            "`regions` is {region_codes:?}, but steps first target {first_targeted:?}"
        ));
    }
    for gate in &plan.gates {
        if let mirror::Gate::Window(window) = &gate.gate {
            if !window.closed_dates.is_sorted_by(|a, b| a < b) {
                errors.push(format!("{}: closed dates out of order", gate.id));
            }
            for slot in &window.allow {
                if !slot.days.is_sorted_by(|a, b| a < b) {
                    errors.push(format!("{}: days not Monday first", gate.id));
                }
                if slot.start >= slot.end {
                    errors.push(format!("{}: empty slot", gate.id));
                }
            }
        }
    }
    errors
}

/// A command runs in a shell or from its `argv`, never both; `argv` and
/// `env` go with a command; a rollback follows its step's `shell`; every
/// environment variable and secret has a variable's name.
fn command_inconsistencies(step: &mirror::Step) -> Vec<String> {
    let mut errors = Vec::new();
    let commands = [
        step.build
            .as_ref()
            .map(|build| (Some(&build.command), &build.argv, build.shell, &build.env)),
        step.test
            .as_ref()
            .map(|test| (test.command.as_ref(), &test.argv, test.shell, &test.env)),
        step.deploy.as_ref().map(|deploy| {
            (
                deploy.command.as_ref(),
                &deploy.argv,
                deploy.shell,
                &deploy.env,
            )
        }),
    ];
    let is_name = |name: &str| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("PIPEC_")
    };
    for (command, argv, shell, env) in commands.into_iter().flatten() {
        let shell = shell == Some(true);
        if shell && argv.is_some() {
            errors.push(format!("{}: both `shell` and `argv`", step.id));
        }
        if command.is_none() && argv.is_some() {
            errors.push(format!("{}: `argv` without a command", step.id));
        }
        if argv.as_ref().is_some_and(|argv| argv.is_empty()) {
            errors.push(format!("{}: an empty `argv`", step.id));
        }
        for (name, value) in env.iter().flatten() {
            let secret_ok = match value {
                mirror::EnvValue::Secret(secret) => is_name(&secret.secret),
                mirror::EnvValue::Text(_) => true,
            };
            if !is_name(name) || !secret_ok {
                errors.push(format!("{}: environment variable {name}", step.id));
            }
        }
    }
    if let Some(deploy) = &step.deploy
        && let Some(rollback) = &deploy.rollback
        && deploy.shell == Some(true)
        && rollback.argv.is_some()
    {
        errors.push(format!("{}: a shell rollback with `argv`", step.id));
    }
    errors
}

/// The provenance table (1.2): every provenance is a number, each number
/// is in `provenances`, and `provenances` holds exactly the provenances
/// the document refers to, each once, in the order the document first
/// refers to them (artifacts, gates, alarms, `alarm_command`, steps with
/// each step's `provenance` before its `field_provenance`, `dropped`).
fn provenance_inconsistencies(plan: &mirror::Plan) -> Vec<String> {
    use mirror::ProvenanceRef;
    let gate_refs: Vec<ProvenanceRef> = plan
        .gates
        .iter()
        .map(|entry| {
            let gate = serde_json::to_value(&entry.gate).unwrap();
            serde_json::from_value(gate["provenance"].clone()).unwrap()
        })
        .collect();
    let mut refs: Vec<&ProvenanceRef> = Vec::new();
    refs.extend(plan.artifacts.iter().map(|artifact| &artifact.provenance));
    refs.extend(&gate_refs);
    refs.extend(plan.alarms.iter().map(|alarm| &alarm.provenance));
    refs.extend(plan.alarm_command.iter().map(|command| &command.provenance));
    for step in &plan.steps {
        refs.push(&step.provenance);
        refs.extend(step.field_provenance.iter().flat_map(|map| map.values()));
    }
    refs.extend(
        plan.dropped
            .iter()
            .flatten()
            .map(|dropped| &dropped.provenance),
    );
    let table = plan.provenances.as_deref().unwrap_or_default();
    let mut errors = Vec::new();
    let mut first_seen: Vec<u32> = Vec::new();
    for reference in refs {
        match reference {
            ProvenanceRef::Whole(_) => {
                errors.push("a provenance written whole in a 1.2 plan".into())
            }
            ProvenanceRef::Number(number) => {
                if *number as usize >= table.len() {
                    errors.push(format!("provenance {number} is not in `provenances`"));
                } else if !first_seen.contains(number) {
                    first_seen.push(*number);
                }
            }
        }
    }
    let in_order: Vec<u32> = (0..u32::try_from(table.len()).unwrap()).collect();
    if first_seen != in_order {
        errors.push(format!(
            "`provenances` is not the provenances in order of first use: first uses {first_seen:?}"
        ));
    }
    let distinct: BTreeSet<String> = table
        .iter()
        .map(|entry| serde_json::to_string(entry).unwrap())
        .collect();
    if distinct.len() != table.len() {
        errors.push("`provenances` holds a provenance twice".into());
    }
    errors
}

/// Every `*_percent` field below `value`, with its number.
fn percents(value: &Value) -> Vec<(String, f64)> {
    let mut found = Vec::new();
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match field.as_f64() {
                    Some(number) if key.ends_with("_percent") => found.push((key.clone(), number)),
                    _ => found.extend(percents(field)),
                }
            }
        }
        Value::Array(items) => found.extend(items.iter().flat_map(percents)),
        _ => {}
    }
    found
}

fn assert_consistent(plan: &mirror::Plan, what: &str) {
    let errors = inconsistencies(plan);
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

fn gate_index(plan: &Value, id: &str) -> usize {
    plan["gates"]
        .as_array()
        .unwrap()
        .iter()
        .position(|gate| gate["id"] == id)
        .unwrap_or_else(|| panic!("no gate {id}"))
}

fn step_index(plan: &Value, id: &str) -> usize {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .position(|step| step["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

/// The schema must refuse `plan`, with an error at `pointer`.
fn assert_rejected(validator: &jsonschema::Validator, plan: &Value, pointer: &str, what: &str) {
    let errors: Vec<(String, String)> = validator
        .iter_errors(plan)
        .map(|error| {
            (
                error.instance_path().as_str().to_string(),
                error.to_string(),
            )
        })
        .collect();
    assert!(!errors.is_empty(), "the schema accepts {what}");
    assert!(
        errors.iter().any(|(path, _)| path == pointer),
        "{what}: expected an error at `{pointer}`, got:\n{errors:#?}"
    );
}

fn docs_json_blocks() -> Vec<String> {
    let text = std::fs::read_to_string("docs/plan-format.md").unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_end() == "```json" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```json block");
    blocks
}

/// The ```` ```pipe file=PATH ```` blocks of docs/plan-format.md, each
/// as its path and text, in the order the page shows them: the source of
/// the example.
fn docs_pipe_files() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("docs/plan-format.md").unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match &mut current {
            None => {
                if let Some(path) = line.trim_end().strip_prefix("```pipe file=") {
                    current = Some((path.to_string(), String::new()));
                }
            }
            Some(_) if line.trim_end() == "```" => files.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```pipe block");
    files
}

// ---------------------------------------------------------------------------
// The contract.

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("the schema is not a valid JSON Schema: {error}");
    }
}

#[test]
fn a_plan_is_valid_against_the_schema() {
    let json = to_json(&sample_plan());
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_valid(&validator(), &value, "the sample plan");
}

#[test]
fn a_plan_round_trips_through_strict_mirror_types() {
    let json = to_json(&sample_plan());
    let plan = assert_mirror_round_trip(&json, "the sample plan");
    assert_consistent(&plan, "the sample plan");
    assert_eq!(plan.compiler.name, "pipec");
    assert_eq!(plan.compiler.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn serializing_is_deterministic() {
    let plan = sample_plan();
    let first = to_json(&plan);
    assert_eq!(first, to_json(&plan));
    assert_eq!(first, to_json(&sample_plan()));
    assert!(first.ends_with("}\n"), "one trailing newline");
    assert!(!first.contains('\t') && !first.contains("\r"));
    // Two-space indent, fields in struct order.
    assert!(first.starts_with(
        "{\n  \"format_version\": \"1.3\",\n  \"pipeline\": \"orders_api\",\n  \"compiler\": {\n"
    ));
}

#[test]
fn steps_are_written_in_the_documented_shape() {
    let plan = sample_plan();
    let json = to_json(&plan);
    let value: Value = support::plan_value(&json);

    // The keys of one step, in the order written (a `Value` would sort them).
    let lines: Vec<&str> = json.lines().collect();
    let first = lines
        .iter()
        .position(|line| *line == "      \"id\": \"production/first/bake\",")
        .unwrap();
    let keys: Vec<&str> = lines[first..]
        .iter()
        .take_while(|line| !line.starts_with("    }"))
        .filter_map(|line| line.strip_prefix("      \""))
        .filter_map(|line| line.split('"').next())
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "kind",
            "needs",
            "target",
            "bake",
            "rollback_alarm",
            "gates",
            "provenance",
            "field_provenance"
        ]
    );

    let wave_bake = &value["steps"][step_index(&value, "production/first/bake")];
    assert_eq!(
        wave_bake["bake"],
        json!({
            "duration_seconds": 21600,
            "data_points": [{ "count": 100, "type": "requests", "name": "CreateApi" }]
        })
    );
    assert_eq!(
        wave_bake["target"],
        json!({ "stage": "production", "wave": "first" })
    );
    assert_eq!(wave_bake["provenance"]["how"], "bake_scale");
    assert_eq!(wave_bake["provenance"]["overrides"][0]["value"], "24h");

    // No rollback alarm on a build; `onebox` only when true.
    let build = &value["steps"][step_index(&value, "build/bundle")];
    assert!(build.get("rollback_alarm").is_none());
    assert_eq!(build["target"], json!({ "stage": "build" }));
    let onebox = "production/first/ap-east-1/onebox/deploy";
    let onebox = &value["steps"][step_index(&value, onebox)];
    assert_eq!(onebox["target"]["onebox"], true);
    assert_eq!(onebox["deploy"]["traffic_percent"], json!(2.5));

    // Steps name their gates by id; each gate is written once, at the top.
    assert_eq!(onebox["gates"], json!(BLOCKERS));
    assert_eq!(
        value["gates"][gate_index(&value, "package:libjson@2.3.1")],
        json!({
            "id": "package:libjson@2.3.1",
            "type": "artifact",
            "package": "libjson@2.3.1",
            "overridable": false,
            "provenance": { "file": "services/orders_api.pipe", "line": 14, "column": 5, "how": "set", "overrides": [] }
        })
    );
    assert_eq!(
        json.matches("\"closed_dates\"").count(),
        2,
        "each window once"
    );
    // The top level's keys, and a gate's, in the order written: the
    // tables between `artifacts` and `steps`, the provenance table last, a
    // gate's `id` before its `type`.
    let top: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("  \""))
        .filter_map(|line| line.split('"').next())
        .collect();
    assert_eq!(
        top,
        [
            "format_version",
            "pipeline",
            "compiler",
            "profile",
            "artifacts",
            "regions",
            "gates",
            "alarms",
            "alarm_command",
            "steps",
            "dropped",
            "parameters",
            "gate_lists",
            "field_provenances",
            "provenances"
        ]
    );
    // As written, a step names its parameters, gates and field provenance
    // by number in the tables after the steps, which hold each once.
    let written: Value = serde_json::from_str(&json).unwrap();
    let written_bake = &written["steps"][step_index(&written, "production/first/bake")];
    for field in ["bake", "gates", "field_provenance"] {
        assert!(
            written_bake[field].is_u64(),
            "{field}: {}",
            written_bake[field]
        );
    }
    assert_eq!(
        written["parameters"]["bake"][written_bake["bake"].as_u64().unwrap() as usize],
        wave_bake["bake"]
    );
    let distinct_deploys = plan
        .steps
        .iter()
        .filter_map(|step| match &step.params {
            Params::Deploy(deploy) => Some(serde_json::to_string(deploy).unwrap()),
            _ => None,
        })
        .collect::<BTreeSet<_>>();
    assert_eq!(
        written["parameters"]["deploy"].as_array().unwrap().len(),
        distinct_deploys.len()
    );
    let window = lines
        .iter()
        .position(|line| *line == "      \"id\": \"window:business_hours\",")
        .unwrap();
    assert_eq!(lines[window + 1], "      \"type\": \"window\",");

    assert_eq!(value["profile"], "emergency");
    let no_profile = PlanV1 {
        profile: None,
        ..plan.clone()
    };
    assert!(to_json(&no_profile).contains("\n  \"profile\": null,\n"));

    for step in &plan.steps {
        assert_eq!(
            value["steps"][step_index(&value, &step.id)]["kind"],
            serde_json::to_value(step.kind()).unwrap()
        );
    }
    assert_eq!(plan.steps[0].kind(), StepKind::Source);
}

#[test]
fn percents_are_numbers_with_at_most_two_decimals() {
    let written = |hundredths: u32| serde_json::to_string(&percent(hundredths)).unwrap();
    assert_eq!(written(3_300), "33");
    assert_eq!(written(250), "2.5");
    assert_eq!(written(25), "0.25");
    assert_eq!(written(7), "0.07");
    assert_eq!(written(0), "0");
    assert_eq!(written(10_000), "100");
    assert_eq!(written(100_000_000), "1000000");
    assert_eq!(written(99_999_999), "999999.99");
    // Every value of the two-decimal grid prints as its exact decimal.
    for hundredths in (0..=20_000).chain(99_990_000..=100_000_000) {
        let whole = hundredths / 100;
        let fraction = hundredths % 100;
        let expected = match fraction {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        };
        assert_eq!(written(hundredths), expected);
    }
}

#[test]
fn the_schema_rejects_what_the_format_forbids() {
    let validator = validator();
    let valid: Value = support::plan_value(&to_json(&sample_plan()));
    let bake = step_index(&valid, "production/first/bake");
    let entry = step_index(&valid, "production/gate");
    let onebox = step_index(&valid, "production/first/ap-east-1/onebox/deploy");
    let az = step_index(&valid, "production/first/ap-east-1/az/ape1-az1/deploy");
    let steps = |index: usize, rest: &str| format!("/steps/{index}{rest}");

    let mut plan = valid.clone();
    plan["generated_at"] = json!("2026-05-01T10:00:00Z");
    assert_rejected(&validator, &plan, "", "an unknown top-level field");

    let mut plan = valid.clone();
    plan["format_version"] = json!("2.0");
    assert_rejected(&validator, &plan, "/format_version", "format_version 2.0");

    // A region's code and its AZ ids are names, as steps' targets write them.
    let mut plan = valid.clone();
    plan["regions"][0]["code"] = json!("us east 1");
    assert_rejected(
        &validator,
        &plan,
        "/regions/0/code",
        "a region code that is no name",
    );
    let mut plan = valid.clone();
    plan["regions"][0]["azs"][0] = json!("use1 az1");
    assert_rejected(
        &validator,
        &plan,
        "/regions/0/azs/0",
        "an AZ id that is no name",
    );

    let mut plan = valid.clone();
    plan["steps"][bake]["kind"] = json!("soak");
    assert_rejected(&validator, &plan, &steps(bake, "/kind"), "an unknown kind");

    let mut plan = valid.clone();
    plan["steps"][bake].as_object_mut().unwrap().remove("bake");
    assert_rejected(&validator, &plan, &steps(bake, ""), "a bake without `bake`");

    let mut plan = valid.clone();
    plan["steps"][bake]["deploy"] = valid["steps"][az]["deploy"].clone();
    assert_rejected(
        &validator,
        &plan,
        &steps(bake, "/kind"),
        "a bake holding `deploy`",
    );

    // Commands: `argv` or `shell`, never both; `shell` only as `true`;
    // environment variables and secrets by a variable's name; secrets by
    // name only; an alarm command always with its `argv`.
    let build = step_index(&valid, "build/bundle");
    let load = step_index(&valid, "gamma/us-east-1/test/load");
    let mut plan = valid.clone();
    plan["steps"][build]["build"]["shell"] = json!(true);
    assert_rejected(
        &validator,
        &plan,
        &steps(build, "/build"),
        "a build with both `shell` and `argv`",
    );
    let mut plan = valid.clone();
    plan["steps"][load]["test"]["shell"] = json!(false);
    assert_rejected(
        &validator,
        &plan,
        &steps(load, "/test/shell"),
        "`shell: false`",
    );
    let mut plan = valid.clone();
    plan["steps"][build]["build"]["env"]["SIGNING_KEY"] =
        json!({ "secret": "RELEASE_SIGNING_KEY", "value": "hunter2" });
    assert_rejected(
        &validator,
        &plan,
        &steps(build, "/build/env/SIGNING_KEY"),
        "a secret with its value",
    );
    let mut plan = valid.clone();
    plan["steps"][build]["build"]["env"]["PIPEC_STEP_ID"] = json!("x");
    assert_rejected(
        &validator,
        &plan,
        &steps(build, "/build/env"),
        "an environment variable of the runner's own",
    );
    let mut plan = valid.clone();
    plan["steps"][az]["deploy"]["shell"] = json!(true);
    plan["steps"][az]["deploy"]
        .as_object_mut()
        .unwrap()
        .remove("argv");
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/deploy/rollback"),
        "a shell deploy whose rollback has `argv`",
    );
    let mut plan = valid.clone();
    plan["alarm_command"]
        .as_object_mut()
        .unwrap()
        .remove("argv");
    assert_rejected(
        &validator,
        &plan,
        "/alarm_command",
        "an alarm command without `argv`",
    );

    let mut plan = valid.clone();
    plan["gates"][0]["type"] = json!("weather");
    assert_rejected(&validator, &plan, "/gates/0", "a gate of an unknown type");

    let mut plan = valid.clone();
    plan.as_object_mut().unwrap().remove("gates");
    assert_rejected(&validator, &plan, "", "a plan without `gates`");

    let mut plan = valid.clone();
    plan["gates"][0].as_object_mut().unwrap().remove("id");
    assert_rejected(&validator, &plan, "/gates/0", "a gate without an id");

    for bad in [
        "weather:storm",
        "alarm:high severity",
        "window:",
        "alarm:x#1",
        "git",
    ] {
        let mut plan = valid.clone();
        plan["gates"][0]["id"] = json!(bad);
        assert_rejected(
            &validator,
            &plan,
            "/gates/0/id",
            &format!("the gate id {bad:?}"),
        );
    }

    // An id's kind is the gate's.
    let window = gate_index(&valid, "window:business_hours");
    let mut plan = valid.clone();
    plan["gates"][window]["id"] = json!("alarm:business_hours");
    assert_rejected(
        &validator,
        &plan,
        &format!("/gates/{window}"),
        "a window with an alarm's id",
    );

    // A step lists gate ids, not gates.
    let mut plan = valid.clone();
    plan["steps"][entry]["gates"][0] = valid["gates"][0].clone();
    assert_rejected(
        &validator,
        &plan,
        &steps(entry, "/gates/0"),
        "a gate written into a step",
    );

    let mut plan = valid.clone();
    plan["steps"][bake]["priority"] = json!(1);
    assert_rejected(&validator, &plan, &steps(bake, ""), "an unknown step field");

    let mut plan = valid.clone();
    plan["steps"][bake]["bake"]["jitter_seconds"] = json!(5);
    assert_rejected(
        &validator,
        &plan,
        &steps(bake, "/bake"),
        "an unknown bake field",
    );

    let mut plan = valid.clone();
    plan["steps"][0]["rollback_alarm"] = json!("high_severity");
    assert_rejected(
        &validator,
        &plan,
        "/steps/0/kind",
        "a rollback alarm on a source",
    );

    let mut plan = valid.clone();
    plan["steps"][az]["rollback_alarm"] = json!("ALARM(\"X\") OR ALARM(\"Y\")");
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/rollback_alarm"),
        "an expression where an alarm id belongs",
    );

    // A region's one-box comes before its first AZ or cell, never in one.
    for unit in ["az", "cell"] {
        let mut plan = valid.clone();
        plan["steps"][onebox]["target"][unit] = json!("ape1-az1");
        assert_rejected(
            &validator,
            &plan,
            &steps(onebox, "/target"),
            &format!("a one-box step with `{unit}`"),
        );
    }

    let mut plan = valid.clone();
    plan["steps"][az]["target"]["onebox"] = json!(false);
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/target/onebox"),
        "`onebox: false` written out",
    );

    let mut plan = valid.clone();
    plan["steps"][az]["target"]
        .as_object_mut()
        .unwrap()
        .remove("region");
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/target"),
        "an AZ without a region",
    );

    let mut plan = valid.clone();
    plan["steps"][az]["deploy"]["strategy"]["batch_percent"] = json!("33%");
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/deploy/strategy"),
        "a percent written as a string",
    );

    let package = gate_index(&valid, "package:libjson@2.3.1");
    let mut plan = valid.clone();
    plan["gates"][package]["git_ref"] = json!("refs/heads/main");
    assert_rejected(
        &validator,
        &plan,
        &format!("/gates/{package}"),
        "an artifact blocker with a package and a git ref",
    );
    assert_eq!(valid["steps"][onebox]["gates"][3], "package:libjson@2.3.1");

    let mut plan = valid.clone();
    plan["steps"][0]["source"]
        .as_object_mut()
        .unwrap()
        .remove("branch");
    assert_rejected(
        &validator,
        &plan,
        "/steps/0/source",
        "a git source without a branch",
    );

    let mut plan = valid.clone();
    plan["steps"][bake]["provenance"]["file"] = json!("/home/ci/shop/org.pipe");
    assert_rejected(
        &validator,
        &plan,
        &steps(bake, "/provenance/file"),
        "an absolute path",
    );

    let mut plan = valid.clone();
    plan["steps"][bake]["provenance"]["overrides"][0]["file"] = json!("../org.pipe");
    assert_rejected(
        &validator,
        &plan,
        &steps(bake, "/provenance/overrides/0/file"),
        "a path leaving the workspace",
    );

    let mut plan = valid.clone();
    plan["steps"][bake]["provenance"]["how"] = json!("guess");
    assert_rejected(
        &validator,
        &plan,
        &steps(bake, "/provenance/how"),
        "an unknown `how`",
    );

    // The marker for a file the compiler lost track of is a valid file.
    let mut plan = valid.clone();
    plan["steps"][bake]["provenance"]["file"] = json!(pipec::export::plan_v1::UNKNOWN_FILE);
    assert_valid(&validator, &plan, "a provenance in an unknown file");

    let mut plan = valid;
    plan["steps"][bake]["id"] = json!("production/first bake");
    assert_rejected(&validator, &plan, &steps(bake, "/id"), "an id with a space");
}

/// Format 1.1's additions: field provenance by JSON Pointer, a bake's
/// `not_scaled`, the plan's `dropped`; and a 1.0 plan, without them, still
/// valid and read.
#[test]
fn the_schema_checks_the_provenance_added_in_1_1() {
    let validator = validator();
    let valid: Value = support::plan_value(&to_json(&sample_plan()));
    let az = step_index(&valid, "production/first/ap-east-1/az/ape1-az1/deploy");
    let onebox_bake = step_index(&valid, "production/first/ap-east-1/onebox/bake");
    let steps = |index: usize, rest: &str| format!("/steps/{index}{rest}");
    assert_eq!(
        valid["steps"][az]["field_provenance"]["/target/region"]["how"],
        "append"
    );
    assert_eq!(
        valid["steps"][onebox_bake]["provenance"]["not_scaled"],
        json!({ "reason": "final", "file": TEAM, "line": 40, "column": 3 })
    );

    for key in [
        "strategy",
        "/deploy/strategy/type",
        "/deploy/colour",
        "/target/az",
        "/bake/data_points/01",
    ] {
        let mut plan = valid.clone();
        plan["steps"][az]["field_provenance"][key] = json!(valid["steps"][az]["provenance"]);
        assert_rejected(
            &validator,
            &plan,
            &steps(az, "/field_provenance"),
            &format!("a field provenance keyed {key:?}"),
        );
    }
    let mut plan = valid.clone();
    plan["steps"][az]["field_provenance"]["/deploy/strategy"]
        .as_object_mut()
        .unwrap()
        .remove("how");
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/field_provenance/~1deploy~1strategy"),
        "a field provenance without `how`",
    );
    let mut plan = valid.clone();
    plan["steps"][az]["field_provenance"] = json!({});
    assert_rejected(
        &validator,
        &plan,
        &steps(az, "/field_provenance"),
        "an empty field provenance written out",
    );
    let mut plan = valid.clone();
    plan["steps"][onebox_bake]["provenance"]["not_scaled"]["reason"] = json!("forgot");
    assert_rejected(
        &validator,
        &plan,
        &steps(onebox_bake, "/provenance/not_scaled/reason"),
        "an unknown reason not to scale",
    );
    let mut plan = valid.clone();
    plan["steps"][onebox_bake]["provenance"]["not_scaled"]
        .as_object_mut()
        .unwrap()
        .remove("line");
    assert_rejected(
        &validator,
        &plan,
        &steps(onebox_bake, "/provenance/not_scaled"),
        "a skip without the `bake scale`'s line",
    );
    let mut plan = valid.clone();
    plan["dropped"][0]["member"] = json!("regions");
    assert_rejected(
        &validator,
        &plan,
        "/dropped/0/member",
        "an unknown dropped member",
    );
    let mut plan = valid.clone();
    plan["dropped"][0].as_object_mut().unwrap().remove("reason");
    assert_rejected(&validator, &plan, "/dropped/0", "a drop without a reason");
    let mut plan = valid.clone();
    plan["dropped"] = json!([]);
    assert_rejected(
        &validator,
        &plan,
        "/dropped",
        "an empty `dropped` written out",
    );
    let mut plan = valid.clone();
    plan["format_version"] = json!("1.4");
    assert_rejected(&validator, &plan, "/format_version", "format_version 1.4");

    // A key naming a value the step does not hold is beyond the schema;
    // the consistency check catches it.
    let mut plan: Value = serde_json::from_str(&to_json(&sample_plan())).unwrap();
    support::step_tables_inline(&mut plan);
    plan["steps"][az]["field_provenance"]["/deploy/traffic_percent"] =
        plan["steps"][az]["provenance"].clone();
    assert_valid(&validator, &plan, "a field provenance of an absent value");
    let read = whole_steps(&plan);
    assert_eq!(
        inconsistencies(&read),
        [format!(
            "{}: field provenance of /deploy/traffic_percent, which the step lacks",
            valid["steps"][az]["id"].as_str().unwrap()
        )]
    );

    // A 1.0 plan: the same without 1.1's fields. Valid, and read back.
    let mut old = valid;
    old["format_version"] = json!("1.0");
    old.as_object_mut().unwrap().remove("dropped");
    for step in old["steps"].as_array_mut().unwrap() {
        let step = step.as_object_mut().unwrap();
        step.remove("field_provenance");
        step["provenance"]
            .as_object_mut()
            .unwrap()
            .remove("not_scaled");
    }
    assert_valid(&validator, &old, "a plan of format 1.0");
    assert_eq!(READ_VERSIONS, ["1.0", "1.1", "1.2", "1.3"]);
    let read = pipec::export::plan_v1::from_json(&old.to_string()).unwrap();
    assert_eq!(read.format_version, "1.0");
    assert!(read.dropped.is_empty());
    assert!(
        read.steps
            .iter()
            .all(|step| step.field_provenance.is_empty())
    );
}

/// The step tables' consistency check reports what the schema cannot
/// see: an entry no step names or one written twice, entries out of
/// their order of first use, and a value written whole in a 1.3 plan.
#[test]
fn the_step_table_check_catches_stray_repeated_and_whole_entries() {
    let written: Value = serde_json::from_str(&to_json(&sample_plan())).unwrap();
    let check = |plan: &Value| {
        let read: mirror::Plan<mirror::WrittenStep> = serde_json::from_value(plan.clone()).unwrap();
        step_table_inconsistencies(&read)
    };
    assert_eq!(check(&written), Vec::<String>::new());

    // An entry again, at the end: no step names it.
    let mut plan = written.clone();
    let first = plan["gate_lists"][0].clone();
    plan["gate_lists"].as_array_mut().unwrap().push(first);
    let errors = check(&plan);
    assert!(
        errors.iter().any(|error| error.starts_with("`gate_lists` is not the entries in order of first use")),
        "{errors:?}"
    );
    assert!(
        errors.contains(&"`gate_lists` holds an entry twice".to_string()),
        "{errors:?}"
    );

    // The first two entries swapped, and every step's number with them.
    let mut plan = written.clone();
    plan["gate_lists"].as_array_mut().unwrap().swap(0, 1);
    for step in plan["steps"].as_array_mut().unwrap() {
        let number = step["gates"].as_u64().unwrap();
        step["gates"] = json!(match number {
            0 => 1,
            1 => 0,
            other => other,
        });
    }
    assert_eq!(
        check(&plan),
        ["`gate_lists` is not the entries in order of first use: first uses [1, 0, 2, 3] of 4"]
    );

    // A step's gates written whole.
    let mut plan = written.clone();
    plan["steps"][0]["gates"] = json!([]);
    let errors = check(&plan);
    assert_eq!(
        errors.first().map(String::as_str),
        Some("source/code: gates written whole in a 1.3 plan"),
        "{errors:?}"
    );
}

/// `whole`, called `version`: valid against the schema, read as `plan`
/// of that version, and written back as it is. The plan read.
fn reads_as_written_in(plan: &PlanV1, whole: &mut Value, version: &str) -> PlanV1 {
    use pipec::export::plan_v1::from_json;
    whole["format_version"] = json!(version);
    assert_valid(
        &validator(),
        whole,
        &format!("the plan written as {version}"),
    );
    let read = from_json(&whole.to_string()).unwrap();
    let mut expected = plan.clone();
    expected.format_version = version.to_string();
    assert_eq!(read, expected);
    let again: Value = serde_json::from_str(&to_json(&read)).unwrap();
    assert_eq!(&again, whole);
    read
}

/// A 1.3 plan written with every step whole and called 1.2 is a valid
/// 1.2 plan that reads as the same plan, and writes back the same way; a
/// step's number in a 1.2 plan, a table in one, a number past its table
/// and a table written empty are refused.
#[test]
fn a_plan_of_1_2_writes_steps_whole_and_reads_as_the_same_plan() {
    use pipec::export::plan_v1::{from_json, to_json_compact};
    let plan = sample_plan();
    let numbered = to_json(&plan);
    let mut whole: Value = serde_json::from_str(&numbered).unwrap();
    support::step_tables_inline(&mut whole);
    // Steps whole are as valid in 1.3 as in 1.2, and mean the same.
    assert_valid(&validator(), &whole, "the plan with its steps whole");
    assert_eq!(from_json(&whole.to_string()).unwrap(), plan);
    let read = reads_as_written_in(&plan, &mut whole, "1.2");
    // With the tables, the plan is smaller (this one has few steps alike).
    let (tabled, untabled) = (to_json_compact(&plan).len(), to_json_compact(&read).len());
    assert!(tabled < untabled, "{tabled} against {untabled}");

    let refused = |plan: &Value| from_json(&plan.to_string()).unwrap_err().to_string();
    let mut old_with_numbers: Value = serde_json::from_str(&numbered).unwrap();
    old_with_numbers["format_version"] = json!("1.2");
    let error = refused(&old_with_numbers);
    assert!(
        error.contains("`parameters` is a field of format 1.3 and later; the plan is 1.2"),
        "{error}"
    );
    for table in ["parameters", "gate_lists", "field_provenances"] {
        old_with_numbers.as_object_mut().unwrap().remove(table);
    }
    let error = refused(&old_with_numbers);
    assert!(
        error.contains("step `source/code`'s `source` is a number, which is a form of format 1.3 and later; the plan is 1.2"),
        "{error}"
    );

    // Each of a step's three number forms is refused in a 1.2 plan.
    let bake = step_index(&whole, "production/first/bake");
    for field in ["bake", "gates", "field_provenance"] {
        let mut plan = whole.clone();
        plan["steps"][bake][field] = json!(0);
        let error = refused(&plan);
        assert!(
            error.contains(&format!(
                "step `production/first/bake`'s `{field}` is a number, which is a form of format 1.3 and later; the plan is 1.2"
            )),
            "{field}: {error}"
        );
    }

    let written: Value = serde_json::from_str(&numbered).unwrap();
    let mut plan = written.clone();
    plan["parameters"]["colour"] = json!([]);
    let error = refused(&plan);
    assert!(error.contains("unknown field `colour`"), "{error}");
    let bake = step_index(&written, "production/first/bake");
    let cases = [
        (
            "/steps/BAKE/bake",
            json!(99),
            "step `production/first/bake`'s `bake` is 99, which is not in the plan's `parameters.bake`",
        ),
        (
            "/steps/BAKE/gates",
            json!(99),
            "step `production/first/bake`'s `gates` is 99, which is not in the plan's `gate_lists`",
        ),
        (
            "/steps/BAKE/field_provenance",
            json!(99),
            "step `production/first/bake`'s `field_provenance` is 99, which is not in the plan's `field_provenances`",
        ),
        ("/steps/BAKE/bake", json!(-1), "table number -1 is negative"),
        ("/parameters/bake", json!([]), "`parameters.bake` is empty"),
        ("/parameters", json!({}), "`parameters` is empty"),
        ("/gate_lists", json!([]), "`gate_lists` is empty"),
        (
            "/field_provenances/0",
            json!({}),
            "`field_provenances` entry 0 is empty",
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut plan = written.clone();
        *plan
            .pointer_mut(&pointer.replace("BAKE", &bake.to_string()))
            .unwrap() = value;
        let error = refused(&plan);
        assert!(error.contains(expected), "{pointer}: {error}");
    }
    // Entries no step names are held to what the schema says too.
    let mut plan = written.clone();
    plan["parameters"]["gate"] = json!([{ "reason": "" }]);
    let error = refused(&plan);
    assert!(error.contains("`parameters.gate[0]`"), "{error}");
    let unused = written["gate_lists"].as_array().unwrap().len();
    let mut plan = written.clone();
    plan["gate_lists"]
        .as_array_mut()
        .unwrap()
        .push(json!(["bad id"]));
    let error = refused(&plan);
    assert!(
        error.contains(&format!("`gate_lists[{unused}]`: a gate id")),
        "{error}"
    );
    let unused = written["field_provenances"].as_array().unwrap().len();
    for (entry, expected) in [
        (
            json!({ "/nope": 0 }),
            format!("`field_provenances[{unused}]`: `field_provenance` has the key `/nope`"),
        ),
        (
            json!({ "/build/command": 9999 }),
            format!(
                "`field_provenances[{unused}]`: provenance 9999 is not in the plan's `provenances`"
            ),
        ),
    ] {
        let mut plan = written.clone();
        plan["field_provenances"]
            .as_array_mut()
            .unwrap()
            .push(entry);
        let error = refused(&plan);
        assert!(error.contains(&expected), "{error}");
    }
    // A bake step naming a deploy object is refused for its kind.
    let mut plan = written.clone();
    let step = plan["steps"][bake].as_object_mut().unwrap();
    let number = step.remove("bake").unwrap();
    step.insert("deploy".to_string(), number);
    let error = refused(&plan);
    assert!(
        error.contains("is a bake step but holds `deploy` parameters"),
        "{error}"
    );
}

/// A 1.2 plan written with every provenance whole and called 1.1 is a
/// valid 1.1 plan that reads as the same plan, and writes back the same
/// way; a number in a 1.1 plan, or one past the table, is refused.
#[test]
fn a_plan_of_1_1_writes_provenances_whole_and_reads_as_the_same_plan() {
    use pipec::export::plan_v1::from_json;
    let plan = sample_plan();
    let numbered = to_json(&plan);
    let mut whole = support::plan_value(&numbered);
    let read = reads_as_written_in(&plan, &mut whole, "1.1");
    // Numbered, the plan is smaller.
    let compact = pipec::export::plan_v1::to_json_compact;
    assert!(compact(&plan).len() < compact(&read).len());
    // Called 1.0, with 1.1's optional fields anyway, it reads as 1.1 does.
    let mut called_1_0 = whole.clone();
    called_1_0["format_version"] = json!("1.0");
    let read = from_json(&called_1_0.to_string()).unwrap();
    let mut expected = plan.clone();
    expected.format_version = "1.0".to_string();
    assert_eq!(read, expected);

    let mut old_with_numbers: Value = serde_json::from_str(&numbered).unwrap();
    support::step_tables_inline(&mut old_with_numbers);
    old_with_numbers["format_version"] = json!("1.1");
    let error = from_json(&old_with_numbers.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`provenances` is a field of format 1.2 and later"),
        "{error}"
    );
    old_with_numbers
        .as_object_mut()
        .unwrap()
        .remove("provenances");
    let error = from_json(&old_with_numbers.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("plans of format 1.1 write provenances whole"),
        "{error}"
    );

    let mut dangling: Value = serde_json::from_str(&numbered).unwrap();
    let len = dangling["provenances"].as_array().unwrap().len();
    dangling["steps"][0]["provenance"] = json!(len);
    let error = from_json(&dangling.to_string()).unwrap_err().to_string();
    assert!(
        error.contains(&format!(
            "provenance {len} is not in the plan's `provenances`"
        )),
        "{error}"
    );
}

/// Whether a step's gate ids name gates of the plan is beyond JSON Schema;
/// the consistency check catches what it lets through.
#[test]
fn the_consistency_check_catches_dangling_and_stray_table_entries() {
    let validator = validator();
    // Steps whole, so that their values can be changed where they apply.
    let mut valid: Value = serde_json::from_str(&to_json(&sample_plan())).unwrap();
    support::step_tables_inline(&mut valid);
    let read = whole_steps;
    assert_eq!(inconsistencies(&read(&valid)), Vec::<String>::new());
    let az = step_index(&valid, "production/first/ap-east-1/az/ape1-az2/deploy");

    // A third decimal is beyond the schema, which takes any number.
    let mut plan = valid.clone();
    plan["steps"][az]["deploy"]["strategy"]["batch_percent"] = json!(33.125);
    assert_valid(&validator, &plan, "a percent with three decimals");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error.contains("batch_percent 33.125 has more than two decimals")),
        "{errors:#?}"
    );

    let mut plan = valid.clone();
    plan["steps"][az]["gates"][1] = json!("alarm:no_such_alarm");
    assert_valid(&validator, &plan, "a step naming an unknown gate");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error.contains("gate alarm:no_such_alarm is not in `gates`")),
        "{errors:#?}"
    );

    let mut plan = valid.clone();
    let gates = plan["gates"].as_array_mut().unwrap();
    let first = gates[0].clone();
    gates.push(first);
    assert_valid(&validator, &plan, "a gate listed twice");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error == "gate approval:release-manager twice"),
        "{errors:#?}"
    );

    // A gate no step uses, and gates out of first-use order.
    let mut plan = valid.clone();
    let mut stray = valid["gates"][0].clone();
    stray["id"] = json!("approval:nobody");
    stray["role"] = json!("nobody");
    plan["gates"].as_array_mut().unwrap().push(stray);
    assert_valid(&validator, &plan, "a gate no step uses");
    assert_eq!(inconsistencies(&read(&plan)).len(), 1);

    // (The gates' provenances, numbered in the order of first use, are
    // then out of order too.)
    let mut plan = valid.clone();
    plan["gates"].as_array_mut().unwrap().swap(0, 1);
    assert_valid(&validator, &plan, "gates out of order");
    let errors = inconsistencies(&read(&plan));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|error| error.starts_with("`provenances` is not the provenances in order")),
        "{errors:#?}"
    );

    // The same for rollback alarms and regions.
    let mut plan = valid.clone();
    plan["steps"][az]["rollback_alarm"] = json!("no_such_alarm");
    assert_valid(&validator, &plan, "a step watching an unknown alarm");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error.contains("alarm no_such_alarm is not in `alarms`")),
        "{errors:#?}"
    );

    // (Their provenances are then out of order too.)
    let mut plan = valid.clone();
    plan["alarms"].as_array_mut().unwrap().swap(0, 1);
    assert_valid(&validator, &plan, "alarms out of order");
    assert_eq!(inconsistencies(&read(&plan)).len(), 2);

    // The provenance table: a number past its end, an entry no one
    // refers to, an entry twice, and a provenance written whole in a 1.2
    // plan.
    let table_len = valid["provenances"].as_array().unwrap().len();
    let mut plan = valid.clone();
    plan["steps"][az]["provenance"] = json!(table_len);
    assert_valid(&validator, &plan, "a provenance number past the table");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error == &format!("provenance {table_len} is not in `provenances`")),
        "{errors:#?}"
    );
    let mut plan = valid.clone();
    let first = plan["provenances"][0].clone();
    plan["provenances"].as_array_mut().unwrap().push(first);
    assert_valid(&validator, &plan, "a provenance no one refers to");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error == "`provenances` holds a provenance twice")
            && errors
                .iter()
                .any(|error| error.starts_with("`provenances` is not the provenances in order")),
        "{errors:#?}"
    );
    let mut plan = valid.clone();
    plan["steps"][az]["provenance"] = valid["provenances"][0].clone();
    assert_valid(&validator, &plan, "a provenance written whole");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors
            .iter()
            .any(|error| error == "a provenance written whole in a 1.2 plan"),
        "{errors:#?}"
    );
    let mut plan = valid.clone();
    plan["steps"][az]["provenance"] = json!(-1);
    assert_rejected(
        &validator,
        &plan,
        &format!("/steps/{az}/provenance"),
        "a negative provenance number",
    );

    let mut plan = valid.clone();
    plan["regions"].as_array_mut().unwrap().pop();
    assert_valid(&validator, &plan, "a targeted region missing");
    let errors = inconsistencies(&read(&plan));
    assert!(
        errors.iter().any(|error| error.starts_with("`regions` is")),
        "{errors:#?}"
    );
}

/// The example is no illustration: its source is on the page too, and
/// the plan shown is what `pipec` compiles from it (`compile --pretty`
/// writes `to_json`), so an edit to either, or a change to what the
/// compiler writes, fails here. Only `compiler.version` is taken from the
/// page, so that a release need not edit it.
#[test]
fn the_documented_example_is_what_pipec_compiles_from_the_source_shown() {
    let files = docs_pipe_files();
    let paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        ["templates/service.pipe", "services/orders_api.pipe"],
        "the files of the example in docs/plan-format.md"
    );
    let fixture: String = files
        .iter()
        .map(|(path, text)| format!("//- {path}\n{text}"))
        .collect();
    let compiled = support::compile_fixture("example.pipe", &fixture);
    assert!(
        !compiled.has_errors(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    assert_eq!(compiled.plans.len(), 1, "the example has one pipeline");
    let mut plan = pipec::export::convert::to_v1(&compiled.plans[0], &compiled.sources);
    let blocks = docs_json_blocks();
    let shown = &blocks[0];
    let documented: Value = serde_json::from_str(shown).unwrap();
    plan.compiler.version = documented["compiler"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let written = to_json(&plan);
    if written != *shown {
        let line = written
            .lines()
            .zip(shown.lines())
            .position(|(written, shown)| written != shown)
            .unwrap_or_else(|| written.lines().count().min(shown.lines().count()));
        panic!(
            "the example's plan in docs/plan-format.md is not what pipec compiles from the \
             source shown there: line {} of the ```json block differs (shown {:?}, compiled \
             {:?}). The whole plan pipec compiles:\n{written}",
            line + 1,
            shown.lines().nth(line),
            written.lines().nth(line),
        );
    }
}

#[test]
fn the_documented_example_is_a_valid_plan_in_canonical_form() {
    let blocks = docs_json_blocks();
    assert_eq!(
        blocks.len(),
        1,
        "docs/plan-format.md has one ```json example"
    );
    let validator = validator();
    for block in &blocks {
        let value: Value = serde_json::from_str(block).unwrap();
        assert_valid(&validator, &value, "the example in docs/plan-format.md");
        let plan = assert_mirror_round_trip(block, "the example in docs/plan-format.md");
        assert_consistent(&plan, "the example in docs/plan-format.md");
    }
}
