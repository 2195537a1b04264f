//! The one conversion from the compiler's internal plan to the public plan
//! format 1.0: spans become file, line and column; internal enums become
//! the format's.

use super::plan_v1 as v1;
use crate::plan::{self, GateKind, Params, Trace};
use crate::semantics::merge::How;
use crate::source::SourceMap;

/// Converts a plan, resolving provenance through `sources`.
pub fn to_v1(plan: &plan::Plan, sources: &SourceMap) -> v1::PlanV1 {
    v1::PlanV1 {
        format_version: v1::FORMAT_VERSION.to_string(),
        pipeline: plan.pipeline.clone(),
        compiler: v1::Compiler::pipec(),
        profile: plan.profile.clone(),
        artifacts: plan
            .artifacts
            .iter()
            .map(|artifact| v1::Artifact {
                name: artifact.name.clone(),
                produced_by: artifact.produced_by.clone(),
                signed: artifact.signed,
                provenance: provenance(&artifact.trace, sources),
            })
            .collect(),
        steps: plan
            .steps
            .iter()
            .map(|step| convert_step(step, sources))
            .collect(),
    }
}

fn convert_step(step: &plan::Step, sources: &SourceMap) -> v1::Step {
    v1::Step {
        id: step.id.clone(),
        needs: step.needs.clone(),
        target: v1::Target {
            stage: step.target.stage.clone(),
            wave: step.target.wave.clone(),
            region: step.target.region.clone(),
            az: step.target.az.clone(),
            cell: step.target.cell.clone(),
            onebox: step.target.onebox,
        },
        params: params(&step.params),
        rollback_alarm: step.rollback_alarm.clone(),
        gates: step
            .gates
            .iter()
            .map(|gate| convert_gate(gate, sources))
            .collect(),
        provenance: provenance(&step.trace, sources),
    }
}

fn percent(hundredths: u32) -> v1::Percent {
    v1::Percent::from_hundredths(hundredths)
}

fn params(params: &Params) -> v1::Params {
    match params {
        Params::Source {
            name,
            origin,
            require_review,
        } => v1::Params::Source(v1::SourceParams {
            name: name.clone(),
            origin: match origin {
                plan::SourceOrigin::Git { url, branch } => v1::SourceOrigin::Git {
                    url: url.clone(),
                    branch: branch.clone(),
                },
                plan::SourceOrigin::ArtifactStore { url } => {
                    v1::SourceOrigin::ArtifactStore { url: url.clone() }
                }
            },
            require_review: *require_review,
        }),
        Params::Build {
            artifact,
            sources,
            command,
            sign,
        } => v1::Params::Build(v1::BuildParams {
            artifact: artifact.clone(),
            sources: sources.clone(),
            command: command.clone(),
            sign: *sign,
        }),
        Params::Test {
            name,
            command,
            timeout_seconds,
        } => v1::Params::Test(v1::TestParams {
            name: name.clone(),
            command: command.clone(),
            timeout_seconds: *timeout_seconds,
        }),
        Params::Deploy {
            artifacts,
            platform,
            strategy,
            traffic_hundredths,
        } => v1::Params::Deploy(v1::DeployParams {
            artifacts: artifacts.clone(),
            platform: match platform {
                plan::Platform::Ecs => v1::Platform::Ecs,
                plan::Platform::Lambda => v1::Platform::Lambda,
                plan::Platform::Ec2 => v1::Platform::Ec2,
                plan::Platform::OnPremises => v1::Platform::OnPremises,
            },
            strategy: match *strategy {
                plan::Strategy::InPlace => v1::Strategy::InPlace,
                plan::Strategy::Rolling {
                    batch,
                    min_healthy,
                    rollback_batch,
                } => v1::Strategy::Rolling {
                    batch_percent: percent(batch),
                    min_healthy_percent: percent(min_healthy),
                    rollback_batch_percent: percent(rollback_batch),
                },
                plan::Strategy::BlueGreen => v1::Strategy::BlueGreen,
                plan::Strategy::Canary {
                    percent: share,
                    wait_seconds,
                } => v1::Strategy::Canary {
                    canary_percent: percent(share),
                    wait_seconds,
                },
                plan::Strategy::Linear {
                    step,
                    interval_seconds,
                } => v1::Strategy::Linear {
                    step_percent: percent(step),
                    interval_seconds,
                },
                plan::Strategy::AllAtOnce => v1::Strategy::AllAtOnce,
            },
            traffic_percent: traffic_hundredths.map(percent),
        }),
        Params::Bake {
            duration_seconds,
            data_points,
        } => v1::Params::Bake(v1::BakeParams {
            duration_seconds: *duration_seconds,
            data_points: data_points
                .iter()
                .map(|points| v1::DataPoints {
                    count: points.count,
                    measure: if points.measure == "requests" {
                        v1::Measure::Requests
                    } else {
                        v1::Measure::Datapoints
                    },
                    name: points.name.clone(),
                })
                .collect(),
        }),
        Params::Approval { role } => {
            v1::Params::Approval(v1::ApprovalParams { role: role.clone() })
        }
        Params::Gate { reason } => v1::Params::Gate(v1::GateParams {
            reason: reason.clone(),
        }),
    }
}

fn weekday(day: u8) -> v1::Weekday {
    match day {
        0 => v1::Weekday::Mon,
        1 => v1::Weekday::Tue,
        2 => v1::Weekday::Wed,
        3 => v1::Weekday::Thu,
        4 => v1::Weekday::Fri,
        5 => v1::Weekday::Sat,
        _ => v1::Weekday::Sun,
    }
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn convert_gate(gate: &plan::Gate, sources: &SourceMap) -> v1::Gate {
    let provenance = provenance(&gate.trace, sources);
    let overridable = gate.overridable;
    match &gate.kind {
        GateKind::Window {
            name,
            zone,
            allow,
            closed_dates,
        } => v1::Gate::Window(v1::WindowGate {
            window: name.clone(),
            zone: zone.clone(),
            allow: allow
                .iter()
                .map(|(days, start, end)| v1::WindowSlot {
                    days: days.iter().map(|day| weekday(*day)).collect(),
                    start: clock(*start),
                    end: clock(*end),
                })
                .collect(),
            closed_dates: closed_dates.clone(),
            overridable,
            provenance,
        }),
        GateKind::Alarm { name, alarm } => v1::Gate::Alarm(v1::AlarmGate {
            name: name.clone(),
            alarm: alarm.clone(),
            overridable,
            provenance,
        }),
        GateKind::Package(package) => v1::Gate::Artifact(v1::ArtifactGate {
            blocked: v1::Blocked::Package(package.clone()),
            overridable,
            provenance,
        }),
        GateKind::GitRef(git_ref) => v1::Gate::Artifact(v1::ArtifactGate {
            blocked: v1::Blocked::GitRef(git_ref.clone()),
            overridable,
            provenance,
        }),
        GateKind::Approval { role } => v1::Gate::Approval(v1::ApprovalGate {
            role: role.clone(),
            overridable,
            provenance,
        }),
    }
}

fn how(how: How) -> v1::How {
    match how {
        How::Set | How::Declared => v1::How::Set,
        How::Bind => v1::How::Bind,
        How::Append => v1::How::Append,
        How::Remove => v1::How::Remove,
    }
}

fn location(place: plan::Place, sources: &SourceMap) -> (String, u32, u32) {
    match sources.get(place.file) {
        Some(file) => {
            let (line, column) = file.line_col(place.span.start());
            (
                file.name.clone(),
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            )
        }
        None => (String::new(), 0, 0),
    }
}

fn provenance(trace: &Trace, sources: &SourceMap) -> v1::Provenance {
    let (file, line, column) = location(trace.at, sources);
    v1::Provenance {
        file,
        line,
        column,
        how: how(trace.how),
        overrides: trace
            .overrides
            .iter()
            .map(|(place, override_how, value)| {
                let (file, line, column) = location(*place, sources);
                v1::Override {
                    file,
                    line,
                    column,
                    how: how(*override_how),
                    value: value.clone(),
                }
            })
            .collect(),
    }
}
