//! Hand-written timelines: small pipelines whose every expected instant
//! was worked out from the semantics in docs/simulation.md (window edges,
//! a Friday merge, both DST changes, a holiday, bakes held by data points,
//! alarm blockers, artifact blockers, approvals, rollbacks, several
//! changes in flight).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim;

use pipec::sim::report::{EventKind, Outcome, RegionStatus};
use sim::{
    TINY, at, compile, compile_with_profile, events_of, first, first_of, simulate, simulate_with,
    timeline,
};

const ONEBOX_DEPLOY: &str = "production/first/lab-east-1/onebox/deploy";
const ONEBOX_BAKE: &str = "production/first/lab-east-1/onebox/bake";
const AZ1: &str = "production/first/lab-east-1/az/labe1-az1/deploy";
const AZ2: &str = "production/first/lab-east-1/az/labe1-az2/deploy";
const FIRST_BAKE: &str = "production/first/bake";
const REST_ONEBOX: &str = "production/rest/lab-west-1/onebox/deploy";
const REST_DEPLOY: &str = "production/rest/lab-west-1/deploy";
const REST_BAKE: &str = "production/rest/bake";

/// Source and build take no time, so the first production step is ready
/// at the start.
const INSTANT_BUILD: &str =
    r#"{"format_version": "1.0", "durations": {"kinds": {"source": 0, "build": 0}}}"#;

#[test]
fn a_monday_merge_reaches_every_region_on_tuesday() {
    let plan = compile(TINY);
    // Monday 2027-01-25 09:00 PST is 17:00Z.
    let simulation = simulate(&plan, None, "2027-01-25T09:00:00-08:00");
    let expected = [
        ("2027-01-25T17:00:00Z", "source/code", "started"),
        ("2027-01-25T17:01:00Z", "source/code", "finished"),
        ("2027-01-25T17:01:00Z", "build/bundle", "started"),
        ("2027-01-25T17:11:00Z", "build/bundle", "finished"),
        ("2027-01-25T17:11:00Z", ONEBOX_DEPLOY, "started"),
        ("2027-01-25T17:16:00Z", ONEBOX_DEPLOY, "finished"),
        ("2027-01-25T17:16:00Z", ONEBOX_BAKE, "started"),
        ("2027-01-25T18:16:00Z", ONEBOX_BAKE, "finished"),
        ("2027-01-25T18:16:00Z", AZ1, "started"),
        ("2027-01-25T18:26:00Z", AZ1, "finished"),
        ("2027-01-25T18:26:00Z", AZ2, "started"),
        ("2027-01-25T18:36:00Z", AZ2, "finished"),
        ("2027-01-25T18:36:00Z", FIRST_BAKE, "started"),
        // 12h later it is 22:36 in Los Angeles: the window is closed.
        ("2027-01-26T06:36:00Z", FIRST_BAKE, "finished"),
        ("2027-01-26T06:36:00Z", REST_ONEBOX, "waiting"),
        ("2027-01-26T17:00:00Z", REST_ONEBOX, "started"),
        ("2027-01-26T17:05:00Z", REST_ONEBOX, "finished"),
        (
            "2027-01-26T17:05:00Z",
            "production/rest/lab-west-1/onebox/bake",
            "started",
        ),
        (
            "2027-01-26T18:05:00Z",
            "production/rest/lab-west-1/onebox/bake",
            "finished",
        ),
        ("2027-01-26T18:05:00Z", REST_DEPLOY, "started"),
        ("2027-01-26T18:25:00Z", REST_DEPLOY, "finished"),
        ("2027-01-26T18:25:00Z", REST_BAKE, "started"),
        ("2027-01-26T20:25:00Z", REST_BAKE, "finished"),
    ];
    let expected: Vec<(String, String, &str)> = expected
        .iter()
        .map(|(at, step, kind)| (at.to_string(), step.to_string(), *kind))
        .collect();
    assert_eq!(timeline(&simulation), expected);
    assert_eq!(simulation.outcome, Outcome::Completed);
    let change = &simulation.changes[0];
    assert_eq!(change.last_region_at, Some(at("2027-01-26T18:25:00Z")));
    assert_eq!(change.lead_time_seconds(), Some(25 * 3600 + 25 * 60));
    let deployed: Vec<(&str, RegionStatus, Option<String>)> = simulation
        .regions
        .iter()
        .map(|region| {
            (
                region.region.as_str(),
                region.status,
                region.deployed_at.map(|at| at.to_string()),
            )
        })
        .collect();
    assert_eq!(
        deployed,
        [
            (
                "lab-east-1",
                RegionStatus::Deployed,
                Some("2027-01-25T18:36:00Z".to_string())
            ),
            (
                "lab-west-1",
                RegionStatus::Deployed,
                Some("2027-01-26T18:25:00Z".to_string())
            ),
        ]
    );
}

#[test]
fn a_step_ready_at_15_59_59_starts_and_one_ready_at_16_00_waits() {
    let plan = compile(TINY);
    let simulation = simulate(&plan, Some(INSTANT_BUILD), "2027-01-25T15:59:59-08:00");
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-25T23:59:59Z")
    );
    assert!(
        events_of(&simulation, ONEBOX_DEPLOY)
            .iter()
            .all(|event| event.kind != EventKind::Waiting)
    );

    let simulation = simulate(&plan, Some(INSTANT_BUILD), "2027-01-25T16:00:00-08:00");
    let events = events_of(&simulation, ONEBOX_DEPLOY);
    assert_eq!(events[0].kind, EventKind::Waiting);
    assert_eq!(events[0].at, at("2027-01-26T00:00:00Z"));
    assert_eq!(
        events[0].reason,
        "window:office closed until 2027-01-26T17:00:00Z"
    );
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-26T17:00:00Z")
    );
}

#[test]
fn a_friday_merge_waits_for_monday_after_the_noon_close() {
    let plan = compile(TINY);
    // Friday 2027-01-29 11:00 PST: the one-box starts before noon, and its
    // bake ends at 12:16, after the Friday window closed.
    let simulation = simulate(&plan, None, "2027-01-29T11:00:00-08:00");
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-29T19:11:00Z")
    );
    assert_eq!(
        first(&simulation, ONEBOX_BAKE, EventKind::Finished),
        at("2027-01-29T20:16:00Z")
    );
    assert_eq!(
        first(&simulation, AZ1, EventKind::Waiting),
        at("2027-01-29T20:16:00Z")
    );
    // Monday 2027-02-01 09:00 PST.
    assert_eq!(
        first(&simulation, AZ1, EventKind::Started),
        at("2027-02-01T17:00:00Z")
    );
}

#[test]
fn window_openings_follow_both_dst_changes() {
    let plan = compile(TINY);
    let cases = [
        // Spring forward on Sunday 2027-03-14: Monday 09:00 is PDT, 16:00Z.
        ("2027-03-12T13:00:00-08:00", "2027-03-15T16:00:00Z"),
        // The week before, still PST: 17:00Z.
        ("2027-03-05T13:00:00-08:00", "2027-03-08T17:00:00Z"),
        // Fall back on Sunday 2026-11-01: Monday 09:00 is PST, 17:00Z...
        ("2026-10-30T13:00:00-07:00", "2026-11-02T17:00:00Z"),
        // ...and the Monday before is PDT, 16:00Z.
        ("2026-10-23T13:00:00-07:00", "2026-10-26T16:00:00Z"),
    ];
    for (start, opens) in cases {
        let simulation = simulate(&plan, Some(INSTANT_BUILD), start);
        assert_eq!(
            first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
            at(opens),
            "from {start}"
        );
    }
}

#[test]
fn a_holiday_is_skipped() {
    let plan = compile(TINY);
    // Friday 2027-01-15 after noon; Monday 2027-01-18 is Martin Luther King
    // Jr. Day in std/calendars: the window opens on Tuesday.
    let simulation = simulate(&plan, Some(INSTANT_BUILD), "2027-01-15T13:00:00-08:00");
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-19T17:00:00Z")
    );
}

#[test]
fn a_one_box_alarm_rolls_the_region_back_and_stops_the_rollout() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "alarms": [
        {"alarm": "Tiny_OneBox_Faults", "region": "lab-east-1", "from": "2027-01-25T17:30:00Z", "to": "2027-01-25T17:45:00Z"}
      ]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    let tail: Vec<_> = timeline(&simulation).into_iter().skip(7).collect();
    assert_eq!(
        tail,
        [
            (
                "2027-01-25T17:30:00Z".to_string(),
                ONEBOX_BAKE.to_string(),
                "rolled_back"
            ),
            (
                "2027-01-25T17:30:00Z".to_string(),
                ONEBOX_DEPLOY.to_string(),
                "rolled_back"
            ),
            (
                "2027-01-25T17:30:00Z".to_string(),
                ONEBOX_BAKE.to_string(),
                "halted"
            ),
        ]
    );
    assert_eq!(
        events_of(&simulation, ONEBOX_BAKE)[1].reason,
        "rollback alarm inline fires in lab-east-1: Tiny_OneBox_Faults"
    );
    assert_eq!(simulation.outcome, Outcome::RolledBack);
    let statuses: Vec<(&str, RegionStatus)> = simulation
        .regions
        .iter()
        .map(|region| (region.region.as_str(), region.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("lab-east-1", RegionStatus::RolledBack),
            ("lab-west-1", RegionStatus::NotReached)
        ]
    );
    assert_eq!(simulation.rolled_back.len(), 1);
    assert_eq!(simulation.rolled_back[0].stage, "production/first");
    assert_eq!(simulation.changes[0].last_region_at, None);

    // The same alarm in the other region changes nothing here.
    let elsewhere = scenario.replace("\"region\": \"lab-east-1\"", "\"region\": \"lab-west-1\"");
    let simulation = simulate(&plan, Some(&elsewhere), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Completed);
}

#[test]
fn an_alarm_in_a_wave_bake_rolls_back_every_deployment_of_the_wave() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "alarms": [{"alarm": "Tiny_High_Severity", "region": "lab-east-1", "from": "2027-01-26T00:00:00Z"}]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    let rolled: Vec<(String, &str)> = simulation
        .events
        .iter()
        .filter(|event| event.kind == EventKind::RolledBack)
        .map(|event| (event.at.to_string(), event.reason.as_str()))
        .collect();
    assert_eq!(
        rolled,
        [
            (
                "2027-01-26T00:00:00Z".to_string(),
                "rollback alarm high_severity fires in lab-east-1: Tiny_High_Severity"
            ),
            (
                "2027-01-26T00:00:00Z".to_string(),
                "lab-east-1 back on the previous version: 3 finished deployment(s) undone"
            ),
        ]
    );
    assert_eq!(simulation.outcome, Outcome::RolledBack);
    assert!(events_of(&simulation, REST_ONEBOX).is_empty());
}

#[test]
fn an_alarm_blocker_holds_a_step_until_it_clears_unless_overridden() {
    let plan = compile(TINY);
    // Lab_Event fires everywhere from 18:20Z to 19:00Z: AZ 2 is ready at
    // 18:26Z and starts when it clears.
    let scenario = r#"{
      "format_version": "1.0",
      "alarms": [{"alarm": "Lab_Event", "from": "2027-01-25T18:20:00Z", "to": "2027-01-25T19:00:00Z"}]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    let events: Vec<(String, EventKind, &str)> = events_of(&simulation, AZ2)
        .iter()
        .map(|event| (event.at.to_string(), event.kind, event.reason.as_str()))
        .collect();
    assert_eq!(
        events[..3],
        [
            (
                "2027-01-25T18:26:00Z".to_string(),
                EventKind::Blocked,
                "blocker alarm:lab_event fires (Lab_Event) until 2027-01-25T19:00:00Z"
            ),
            (
                "2027-01-25T19:00:00Z".to_string(),
                EventKind::Unblocked,
                "the alarm blocker cleared"
            ),
            (
                "2027-01-25T19:00:00Z".to_string(),
                EventKind::Started,
                "needs finished, 4 gate(s) pass"
            ),
        ]
    );
    // The alarm is not a rollback alarm: the running AZ 1 is untouched.
    assert_eq!(
        first(&simulation, AZ1, EventKind::Finished),
        at("2027-01-25T18:26:00Z")
    );

    // An operator overrides the (overridable) blocker for this step.
    let overridden = scenario.replace(
        "\"alarms\"",
        "\"overrides\": [{\"gate\": \"alarm:lab_event\", \"step\": \"production/first/lab-east-1/az/labe1-az2/deploy\"}], \"alarms\"",
    );
    let simulation = simulate(&plan, Some(&overridden), "2027-01-25T09:00:00-08:00");
    let started = events_of(&simulation, AZ2)[0];
    assert_eq!(started.kind, EventKind::Started);
    assert_eq!(started.at, at("2027-01-25T18:26:00Z"));
    assert_eq!(
        started.reason,
        "needs finished, 3 gate(s) pass, alarm:lab_event overridden"
    );
}

#[test]
fn a_blocker_that_never_clears_and_a_blocked_artifact_halt_the_change() {
    let plan = compile(TINY);
    let forever = r#"{
      "format_version": "1.0",
      "alarms": [{"alarm": "Lab_Event", "from": "2027-01-25T18:00:00Z"}]
    }"#;
    let simulation = simulate(&plan, Some(forever), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Halted);
    let halted = events_of(&simulation, AZ1);
    assert_eq!(
        halted.iter().map(|event| event.kind).collect::<Vec<_>>(),
        [EventKind::Blocked, EventKind::Halted]
    );
    assert_eq!(halted[0].at, at("2027-01-25T18:16:00Z"));

    let bad_artifact = r#"{
      "format_version": "1.0",
      "changes": [{"id": "c1", "packages": ["libjson@2.3.1", "zlib@1.3"]}]
    }"#;
    let simulation = simulate(&plan, Some(bad_artifact), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Halted);
    assert_eq!(
        simulation.changes[0].reason.as_deref(),
        Some(
            "blocker package:libjson@2.3.1: the artifact contains libjson@2.3.1, which waiting cannot change"
        )
    );
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Halted),
        at("2027-01-25T17:11:00Z")
    );
    assert!(
        simulation.runs.iter().all(|run| run.step < 2),
        "only source and build ran"
    );
}

#[test]
fn bakes_last_until_their_data_points_at_each_steps_share_of_traffic() {
    // lab-east-1 serves 10 requests a minute (low). Its one-box sees 10%:
    // 120 requests take 120 minutes, past the 1h bake. Each of its two AZs
    // sees half: 300 requests take 60 minutes, past the 10m AZ bake.
    let source = TINY
        .replace(
            "rollback on high_severity or ALARM(\"Tiny_OneBox_Faults\") }",
            "rollback on high_severity or ALARM(\"Tiny_OneBox_Faults\"); wait for 120 requests(\"Ping\") }",
        )
        .replace("by az;", "by az { bake = 10m; wait for 300 requests(\"Ping\") };");
    let plan = compile(&source);
    let simulation = simulate(&plan, None, "2027-01-25T09:00:00-08:00");
    let bake = events_of(&simulation, ONEBOX_BAKE);
    let kinds: Vec<(String, EventKind)> = bake.iter().map(|e| (e.at.to_string(), e.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("2027-01-25T17:16:00Z".to_string(), EventKind::Started),
            ("2027-01-25T18:16:00Z".to_string(), EventKind::Waiting),
            ("2027-01-25T19:16:00Z".to_string(), EventKind::Finished),
        ]
    );
    assert_eq!(
        bake[1].reason,
        "bake duration over; waiting for 120 requests(\"Ping\") in lab-east-1"
    );
    let az_bake = "production/first/lab-east-1/az/labe1-az1/bake";
    assert_eq!(
        first(&simulation, az_bake, EventKind::Started),
        at("2027-01-25T19:26:00Z")
    );
    assert_eq!(
        first(&simulation, az_bake, EventKind::Finished),
        at("2027-01-25T20:26:00Z")
    );

    // A scenario's traffic for the region shortens both to their duration.
    let busy = r#"{"format_version": "1.0", "traffic": {"regions": {"lab-east-1": 10000}}}"#;
    let simulation = simulate(&plan, Some(busy), "2027-01-25T09:00:00-08:00");
    assert_eq!(
        first(&simulation, ONEBOX_BAKE, EventKind::Finished),
        at("2027-01-25T18:16:00Z")
    );
    assert_eq!(
        first(&simulation, az_bake, EventKind::Started),
        at("2027-01-25T18:26:00Z")
    );
    assert_eq!(
        first(&simulation, az_bake, EventKind::Finished),
        at("2027-01-25T18:36:00Z")
    );

    // No traffic at all: the data points never arrive, and the change halts
    // when the bake's duration is over.
    let silent = r#"{"format_version": "1.0", "traffic": {"regions": {"lab-east-1": 0}}}"#;
    let simulation = simulate(&plan, Some(silent), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Halted);
    assert_eq!(
        first(&simulation, ONEBOX_BAKE, EventKind::Halted),
        at("2027-01-25T18:16:00Z")
    );
}

#[test]
fn a_wave_bake_waits_for_its_data_points_in_every_region_of_the_wave() {
    // Both regions in one wave, 6,000 requests: lab-west-1 (high, 1,000 a
    // minute) has them in 6 minutes, lab-east-1 (low, 10 a minute) in
    // 600 minutes: the wave bake lasts 10h, not 1h.
    let source = TINY
        .replace(
            "wave first { regions = [lab-east-1]; by az; bake = 12h; wait for 100 requests(\"Ping\") }\n    wave rest { regions = rest; bake = 2h }",
            "wave only { regions = lab; bake = 1h; wait for 6000 requests(\"Ping\") }",
        );
    let plan = compile(&source);
    let simulation = simulate(&plan, None, "2027-01-25T09:00:00-08:00");
    let started = first(&simulation, "production/only/bake", EventKind::Started);
    let finished = first(&simulation, "production/only/bake", EventKind::Finished);
    assert_eq!(finished.as_second() - started.as_second(), 600 * 60);
}

#[test]
fn approvals_wait_for_the_scenario_or_auto_approve_or_end_the_run_waiting() {
    let source = TINY.replace(
        "    window office\n",
        "    window office\n    require approval(\"release-manager\")\n",
    );
    let plan = compile(&source);
    let approval_step = plan
        .steps
        .iter()
        .find(|step| step.kind() == pipec::export::plan_v1::StepKind::Approval)
        .map(|step| step.id.clone())
        .unwrap();
    assert_eq!(&*approval_step, "production/approval/release-manager");

    // No approval given: the run ends waiting, with nothing in production.
    let simulation = simulate(&plan, None, "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Waiting);
    assert_eq!(
        simulation.changes[0].reason.as_deref(),
        Some("waiting for approval at production/approval/release-manager")
    );
    assert!(events_of(&simulation, ONEBOX_DEPLOY).is_empty());

    // --auto-approve: at once, as if there were no approval.
    let auto = simulate_with(&plan, None, Some("2027-01-25T09:00:00-08:00"), true);
    assert_eq!(
        first(&auto, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-25T17:11:00Z")
    );

    // Approved 45 minutes after it is asked (17:11Z), by role.
    let later = r#"{"format_version": "1.0", "approvals": [{"role": "release-manager", "after_seconds": 2700}]}"#;
    let simulation = simulate(&plan, Some(later), "2027-01-25T09:00:00-08:00");
    assert_eq!(
        first(&simulation, &approval_step, EventKind::Finished),
        at("2027-01-25T17:56:00Z")
    );
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-25T17:56:00Z")
    );

    // Approved at a time, for the step: after the window closes, so the
    // one-box waits for Tuesday morning.
    let evening = r#"{"format_version": "1.0", "approvals": [{"step": "production/approval/release-manager", "at": "2027-01-25T17:30:00-08:00"}]}"#;
    let simulation = simulate(&plan, Some(evening), "2027-01-25T09:00:00-08:00");
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Waiting),
        at("2027-01-26T01:30:00Z")
    );
    assert_eq!(
        first(&simulation, ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-26T17:00:00Z")
    );
}

/// A change queued behind one that waits for an approval never given is
/// waiting too, not halted: nothing stopped it (there is no `halted`
/// event), and the approval would let both go on.
#[test]
fn a_change_behind_an_approval_never_given_is_waiting_too() {
    let source = TINY.replace(
        "    window office\n",
        "    window office\n    require approval(\"release-manager\")\n",
    );
    let plan = compile(&source);
    let scenario = r#"{
      "format_version": "1.0",
      "changes": [
        { "id": "c1", "merged_at": "2027-01-25T09:00:00-08:00" },
        { "id": "c2", "merged_at": "2027-01-25T09:30:00-08:00" }
      ],
      "approvals": [{ "role": "release-manager", "change": "c2", "after_seconds": 60 }]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Waiting);
    assert_eq!(simulation.changes[1].id, "c2");
    assert_eq!(simulation.changes[1].outcome, Outcome::Waiting);
    assert_eq!(
        simulation.changes[1].reason.as_deref(),
        Some("waiting at production/approval/release-manager: production holds change c1")
    );
    assert!(
        simulation
            .events
            .iter()
            .all(|event| event.kind != EventKind::Halted),
        "nothing halted"
    );
}

/// One change completed over most of a year is a small frequency, not 0:
/// three significant digits, in the summary and in JSON.
#[test]
fn a_small_deployment_frequency_is_not_written_as_zero() {
    let plan = compile(TINY);
    // `late` merges 301 days after `early` (a Monday too) and is rolled
    // back by its one-box alarm: one completed change over 301 days and
    // 30 minutes.
    let scenario = r#"{
      "format_version": "1.0",
      "changes": [
        {"id": "early", "merged_at": "2027-01-25T09:00:00-08:00"},
        {"id": "late", "merged_at": "2027-11-22T09:00:00-08:00"}
      ],
      "alarms": [
        {"alarm": "Tiny_OneBox_Faults", "region": "lab-east-1", "from": "2027-11-22T09:30:00-08:00", "to": "2027-11-22T09:45:00-08:00"}
      ]
    }"#;
    let simulation = simulate_with(&plan, Some(scenario), None, false);
    let outcomes: Vec<Outcome> = simulation.changes.iter().map(|c| c.outcome).collect();
    assert_eq!(outcomes, [Outcome::Completed, Outcome::RolledBack]);
    assert_eq!(simulation.finished_at, at("2027-11-22T17:30:00Z"));
    // 86400 / (301 days + 30 minutes) = 0.0033220...
    assert_eq!(simulation.deployments_per_day(), Some(0.00332));
    let text = pipec::sim::output::text::render(&simulation);
    assert!(
        text.contains("  deployment frequency  0.00332 completed change(s) per day\n"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&pipec::sim::output::json::render(&simulation)).unwrap();
    assert_eq!(json["summary"]["deployments_per_day"], 0.00332);
}

#[test]
fn two_changes_share_each_wave_one_at_a_time() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "changes": [
        {"id": "second", "merged_at": "2027-01-25T10:00:00-08:00"},
        {"id": "first", "merged_at": "2027-01-25T09:00:00-08:00"}
      ]
    }"#;
    let simulation = simulate_with(&plan, Some(scenario), None, false);
    assert_eq!(simulation.started_at, at("2027-01-25T17:00:00Z"));
    let ids: Vec<&str> = simulation.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["first", "second"], "merge order");
    // `second` is built at 18:11Z while `first` bakes in wave `first`.
    let waiting = simulation
        .events
        .iter()
        .find(|event| event.change == "second" && event.kind == EventKind::Waiting)
        .unwrap();
    assert_eq!(waiting.at, at("2027-01-25T18:11:00Z"));
    assert_eq!(waiting.step, ONEBOX_DEPLOY);
    assert_eq!(waiting.reason, "production/first holds change first");
    // `first` leaves the wave at 06:36Z, when the window is closed; both
    // start at Tuesday's opening, in different waves.
    assert_eq!(
        first_of(&simulation, "second", ONEBOX_DEPLOY, EventKind::Started),
        at("2027-01-26T17:00:00Z")
    );
    assert_eq!(
        first_of(&simulation, "first", REST_ONEBOX, EventKind::Started),
        at("2027-01-26T17:00:00Z")
    );
    // `second`: wave first until Wednesday 06:25Z, then rest on Wednesday.
    assert_eq!(
        first_of(&simulation, "second", REST_DEPLOY, EventKind::Finished),
        at("2027-01-27T18:25:00Z")
    );
    let lead: Vec<Option<i64>> = simulation
        .changes
        .iter()
        .map(|c| c.lead_time_seconds())
        .collect();
    assert_eq!(lead, [Some(91_500), Some(174_300)]);
    // Two changes over 51h25m.
    assert_eq!(simulation.deployments_per_day(), Some(0.934));
    assert_eq!(simulation.outcome, Outcome::Completed);
    let newest: Vec<Option<&str>> = simulation
        .regions
        .iter()
        .map(|r| r.change.as_deref())
        .collect();
    assert_eq!(newest, [Some("second"), Some("second")]);
}

#[test]
fn a_test_past_its_timeout_fails_and_halts_the_change() {
    let source = TINY.replace(
        "  production {\n",
        "  stage beta { regions = [lab-east-1]; deploy bundle; test integration { run = \"make it\"; timeout = 20m } }\n  production {\n",
    );
    let plan = compile(&source);
    let slow =
        r#"{"format_version": "1.0", "durations": {"steps": {"beta/test/integration": 3600}}}"#;
    let simulation = simulate(&plan, Some(slow), "2027-01-25T09:00:00-08:00");
    let started = first(&simulation, "beta/test/integration", EventKind::Started);
    let halted = first(&simulation, "beta/test/integration", EventKind::Halted);
    assert_eq!(halted.as_second() - started.as_second(), 20 * 60);
    assert_eq!(simulation.outcome, Outcome::Halted);
    assert_eq!(
        simulation.changes[0].reason.as_deref(),
        Some("the test ran past its timeout of 20m")
    );
}

#[test]
fn absurd_durations_stop_at_the_horizon() {
    let plan = compile(TINY);
    let absurd = r#"{"format_version": "1.0", "durations": {"steps": {"production/first/bake": 18446744073709551615}}}"#;
    let simulation = simulate(&plan, Some(absurd), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Halted);
    // 366 days after the start.
    assert_eq!(simulation.finished_at, at("2028-01-26T17:00:00Z"));
    assert_eq!(
        simulation.changes[0].reason.as_deref(),
        Some("the simulation stops at its horizon, 366 days after the start")
    );
}

/// The org's template keeps its final office window and approves a wider
/// one for the emergency profile. The same Saturday merge waits for Monday
/// without the profile and starts production at once with it: the plan's
/// window gate is the approved window, and the simulator follows the plan.
#[test]
fn an_approved_emergency_window_starts_production_when_the_normal_one_is_closed() {
    let source = r#"registry lab {
  region lab-east-1 { traffic = low; azs = [labe1-az1] }
}

window office {
  zone  = "America/Los_Angeles"
  allow = [mon..thu 09:00..16:00, fri 09:00..12:00]
}

window on_call {
  zone  = "America/Los_Angeles"
  allow = [mon..sun 06:00..22:00]
}

template Org {
  production {
    registry = lab
    rollback on ALARM("High_Severity")
    final window office
    window on_call for profile emergency
  }
  profile emergency { bake scale 25% }
}

pipeline tiny extends Org {
  platform = ecs
  new source code = git("https://git.example.com/tiny.git", branch: "main") { require review }
  new build bundle from code { run = "make"; sign = true }
  production {
    new wave first { regions = [lab-east-1]; bake = 4h }
  }
}
"#;
    const DEPLOY: &str = "production/first/lab-east-1/deploy";
    // Saturday 2027-01-30 10:00 PST is 18:00Z; source and build take 11m.
    let saturday = "2027-01-30T10:00:00-08:00";
    let normal = compile_with_profile(source, None);
    let emergency = compile_with_profile(source, Some("emergency"));
    // Monday 2027-02-01 09:00 PST, when the office opens.
    assert_eq!(
        first(
            &simulate(&normal, None, saturday),
            DEPLOY,
            EventKind::Started
        ),
        at("2027-02-01T17:00:00Z")
    );
    assert_eq!(
        first(
            &simulate(&emergency, None, saturday),
            DEPLOY,
            EventKind::Started
        ),
        at("2027-01-30T18:11:00Z")
    );
    // The plan says why: the gate is `on_call`, set for the profile, in
    // place of the final `office` window.
    let window = |plan: &pipec::export::plan_v1::PlanV1| -> serde_json::Value {
        let mut json: serde_json::Value =
            serde_json::from_str(&pipec::export::plan_v1::to_json(plan)).unwrap();
        // The gate's provenance is its number in the plan's table.
        let table = json["provenances"].clone();
        for gate in json["gates"].as_array_mut().unwrap() {
            let number = usize::try_from(gate["provenance"].as_u64().unwrap()).unwrap();
            gate["provenance"] = table[number].clone();
        }
        json["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|gate| gate["type"] == "window")
            .cloned()
            .unwrap()
    };
    let (usual, approved) = (window(&normal), window(&emergency));
    assert_eq!(usual["window"], "office");
    assert_eq!(usual["provenance"]["how"], "set");
    assert_eq!(approved["window"], "on_call");
    assert_eq!(approved["provenance"]["how"], "profile");
    assert_eq!(approved["provenance"]["line"], 20);
    let replaced = &approved["provenance"]["overrides"][0];
    assert_eq!(replaced["line"], 19);
    assert_eq!(replaced["value"], "final window office");
}

/// At the horizon, a change queued in a slot behind a change that halted
/// there (its build runs on past the horizon) halts too, with the same
/// reason: it was still rolling out, not waiting for an approval.
#[test]
fn a_change_queued_behind_one_halted_at_the_horizon_halts_too() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "changes": [
        { "id": "a", "merged_at": "2027-01-25T09:00:00-08:00" },
        { "id": "b", "merged_at": "2027-01-25T09:00:00-08:00" }
      ],
      "durations": { "steps": { "build/bundle": 40000000 } }
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    let horizon = "the simulation stops at its horizon, 366 days after the start";
    assert_eq!(simulation.outcome, Outcome::Halted);
    for change in &simulation.changes {
        assert_eq!(change.outcome, Outcome::Halted, "{}", change.id);
        assert_eq!(change.reason.as_deref(), Some(horizon), "{}", change.id);
    }
    assert_eq!(
        first_of(&simulation, "b", "build/bundle", EventKind::Halted),
        at("2028-01-26T17:00:00Z")
    );
}

/// Reaching the horizon does not turn a change waiting behind an approval
/// never given into a halted one: an alarm span past the horizon takes
/// the simulation there, and both changes still wait.
#[test]
fn changes_waiting_for_an_approval_still_wait_when_the_horizon_is_reached() {
    let source = TINY.replace(
        "    window office\n",
        "    window office\n    require approval(\"release-manager\")\n",
    );
    let plan = compile(&source);
    let scenario = r#"{
      "format_version": "1.0",
      "changes": [
        { "id": "c1", "merged_at": "2027-01-25T09:00:00-08:00" },
        { "id": "c2", "merged_at": "2027-01-25T09:30:00-08:00" }
      ],
      "alarms": [{ "alarm": "Lab_Event", "from": "2029-01-01T00:00:00Z" }]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    assert_eq!(simulation.outcome, Outcome::Waiting);
    assert_eq!(
        simulation.changes[1].reason.as_deref(),
        Some("waiting at production/approval/release-manager: production holds change c1")
    );
    assert!(
        simulation
            .events
            .iter()
            .all(|event| event.kind != EventKind::Halted)
    );
}

/// A change rolled back in its last wave's bake, after every production
/// deploy of it finished, was not deployed everywhere: it has no last
/// region and no lead time.
#[test]
fn a_change_rolled_back_after_its_last_deploy_has_no_lead_time() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "alarms": [{ "alarm": "Tiny_High_Severity", "region": "lab-west-1",
                   "from": "2027-01-26T19:00:00Z", "to": "2027-01-26T19:30:00Z" }]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    assert_eq!(
        first(&simulation, REST_DEPLOY, EventKind::Finished),
        at("2027-01-26T18:25:00Z")
    );
    assert_eq!(
        first(&simulation, REST_BAKE, EventKind::RolledBack),
        at("2027-01-26T19:00:00Z")
    );
    let change = &simulation.changes[0];
    assert_eq!(change.outcome, Outcome::RolledBack);
    assert_eq!(change.last_region_at, None);
    assert_eq!(change.lead_time_seconds(), None);
}

/// In the Gantt chart, a region whose deployments a wave's bake undid is
/// a rolled-back bar (`crit`), as the bake is, though each of the
/// region's own steps had finished.
#[test]
fn a_region_undone_by_its_waves_bake_is_a_crit_bar() {
    let plan = compile(TINY);
    let scenario = r#"{
      "format_version": "1.0",
      "alarms": [{"alarm": "Tiny_High_Severity", "region": "lab-east-1", "from": "2027-01-26T00:00:00Z"}]
    }"#;
    let simulation = simulate(&plan, Some(scenario), "2027-01-25T09:00:00-08:00");
    let chart = pipec::sim::output::mermaid::render(&simulation);
    let section: Vec<&str> = chart
        .lines()
        .skip_while(|line| *line != "    section production/first")
        .collect();
    assert_eq!(
        section,
        [
            "    section production/first",
            "    lab-east-1 :crit, t3, 2027-01-25 17:11:00, 2027-01-25 18:36:00",
            "    bake :crit, t4, 2027-01-25 18:36:00, 2027-01-26 00:00:00",
        ]
    );
}
