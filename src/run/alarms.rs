//! Asking the alarm command whether alarms are in alarm.
//!
//! The plan's alarm expressions combine named CloudWatch-style alarms
//! (`ALARM("A") OR NOT ALARM("B")`). The runner evaluates the expression
//! itself and asks the alarm command about each named alarm, in each
//! region concerned, once per check: exit status 0 is OK, 1 is ALARM,
//! anything else INSUFFICIENT_DATA (not in alarm, and logged). The command
//! runs without a shell, with the question in its environment:
//!
//! | variable | value |
//! | --- | --- |
//! | `PIPEC_ALARM` | the alarm asked about, e.g. `OrdersApi_High_Fault_Rate` |
//! | `PIPEC_ALARM_ID` | the plan's id of the whole alarm or blocker |
//! | `PIPEC_ALARM_EXPRESSION` | the whole expression |
//! | `PIPEC_ALARM_PURPOSE` | `rollback` (watching a step) or `blocker` (before one) |
//! | `PIPEC_REGION` | the region asked about (unset when none) |
//!
//! plus the watched step's context (`PIPEC_STEP_ID`, `PIPEC_STAGE`, ...).

use super::process::{self, Ended, Invocation, Log, Spec};
use crate::sim::alarm_expr::{self, AlarmState};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long one answer may take, in real time.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The alarm command and what every call of it shares.
#[derive(Debug, Clone)]
pub struct AlarmCommand {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Where it runs.
    pub dir: PathBuf,
    /// The runner's variables it must not see (the plan's secrets).
    pub remove: Vec<String>,
}

/// One question: an alarm expression, for a step, in some regions.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    /// The plan's id of the alarm or blocker.
    pub id: &'a str,
    /// The expression.
    pub expression: &'a str,
    /// `rollback` or `blocker`.
    pub purpose: &'a str,
    /// The regions to ask about (`None`: no region in particular).
    pub regions: &'a [Option<String>],
    /// The step's context variables.
    pub context: &'a [(String, String)],
}

/// The answer: in alarm or not, and why, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Whether the expression is in alarm in at least one region.
    pub in_alarm: bool,
    /// The regions where it is.
    pub regions: Vec<String>,
    /// What is in alarm where: `OrdersApi_Faults in us-east-1`.
    pub detail: String,
}

impl AlarmCommand {
    /// Evaluates a question, logging each call's answer (and the command's
    /// output) into `log`. An expression that cannot be read, or a command
    /// that cannot be started, is an error: a step that cannot be watched
    /// must not go on.
    pub fn ask(&self, question: &Question<'_>, log: &Log) -> Result<Answer, String> {
        let expression = alarm_expr::parse(question.expression).map_err(|error| {
            format!(
                "alarm `{}` cannot be read ({error}): `{}`",
                question.id, question.expression
            )
        })?;
        let mut in_alarm_regions = Vec::new();
        let mut firing: Vec<String> = Vec::new();
        for region in question.regions {
            let mut states: BTreeMap<String, AlarmState> = BTreeMap::new();
            for name in expression.names() {
                let state = self.state(question, name, region.as_deref(), log)?;
                states.insert(name.to_string(), state);
            }
            let in_alarm = expression
                .evaluate(&mut |name| states.get(name).copied().unwrap_or(AlarmState::Ok));
            if in_alarm {
                let where_ = region.as_deref().unwrap_or("(no region)");
                in_alarm_regions.extend(region.clone());
                let names: Vec<&str> = states
                    .iter()
                    .filter(|(_, state)| **state == AlarmState::Alarm)
                    .map(|(name, _)| name.as_str())
                    .collect();
                firing.push(if names.is_empty() {
                    format!("`{}` in {where_}", question.id)
                } else {
                    format!("{} in {where_}", names.join(", "))
                });
            }
        }
        Ok(Answer {
            in_alarm: !firing.is_empty(),
            regions: in_alarm_regions,
            detail: firing.join("; "),
        })
    }

    fn state(
        &self,
        question: &Question<'_>,
        name: &str,
        region: Option<&str>,
        log: &Log,
    ) -> Result<AlarmState, String> {
        let mut set: Vec<(String, String)> = question
            .context
            .iter()
            .filter(|(variable, _)| variable != "PIPEC_REGION")
            .cloned()
            .collect();
        set.push(("PIPEC_ALARM".to_string(), name.to_string()));
        set.push(("PIPEC_ALARM_ID".to_string(), question.id.to_string()));
        set.push((
            "PIPEC_ALARM_EXPRESSION".to_string(),
            question.expression.to_string(),
        ));
        set.push((
            "PIPEC_ALARM_PURPOSE".to_string(),
            question.purpose.to_string(),
        ));
        let mut remove = self.remove.clone();
        match region {
            Some(region) => set.push(("PIPEC_REGION".to_string(), region.to_string())),
            None => remove.push("PIPEC_REGION".to_string()),
        }
        let spec = Spec {
            invocation: Invocation::Argv(self.argv.clone()),
            dir: self.dir.clone(),
            set,
            remove,
            timeout: Some(ANSWER_TIMEOUT),
        };
        let where_ = region.unwrap_or("(no region)");
        let state = match process::run(&spec, log, || None) {
            Ended::Exited(Some(0)) => AlarmState::Ok,
            Ended::Exited(Some(1)) => AlarmState::Alarm,
            Ended::Exited(code) => {
                log.line(&format!(
                    "alarm check: {name} in {where_}: exit {} means INSUFFICIENT_DATA (not in alarm)",
                    code.map_or_else(|| "by signal".to_string(), |code| code.to_string())
                ));
                return Ok(AlarmState::InsufficientData);
            }
            Ended::TimedOut | Ended::Stopped(_) => {
                log.line(&format!(
                    "alarm check: {name} in {where_}: no answer within {}s: INSUFFICIENT_DATA (not in alarm)",
                    ANSWER_TIMEOUT.as_secs()
                ));
                return Ok(AlarmState::InsufficientData);
            }
            Ended::NotStarted(error) => {
                return Err(format!(
                    "the alarm command `{}` could not start: {error}",
                    spec.invocation.describe()
                ));
            }
        };
        log.line(&format!(
            "alarm check: {name} in {where_}: {}",
            if state == AlarmState::Alarm {
                "ALARM"
            } else {
                "OK"
            }
        ));
        Ok(state)
    }
}
