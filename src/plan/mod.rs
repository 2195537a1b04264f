//! The execution plan, as the compiler builds it: every step spelled out,
//! with explicit dependencies, gates, rollback alarms and provenance. It is
//! not serializable: `export::plan_v1` converts it, once, to the versioned
//! public format (turning spans into file, line and column).
//!
//! Gates live once in [`Plan::gates`] and steps refer to them by
//! [`GateRef`]: a production gate (a window with a year of closed dates,
//! alarm expressions) applies to every deploy step of a scope, and copying
//! it into each step made plans and compile times grow with the number of
//! steps times the size of the gates. Read a step's gates with
//! [`Plan::gates_of`].

mod commands;
mod gates;
pub mod lower;
mod origins;
pub mod profile_view;
pub mod shell;
mod steps;
mod values;
pub mod words;

pub use commands::{ONE_PER_DEPLOYMENT, env_name_problem, second_deploy_field};
pub use gates::{artifact_blocker_problem, requirement_problem};
pub use origins::{branch_given_twice, source_origin_problems};
pub use values::{
    Builtin, builtin_value_problem, describe_value, format_seconds, interpolated_where_plain,
    mismatch, not_a_date, parse_strategy, region_ids_problems, repeated_names,
    stage_regions_problems, wait_for_problem,
};

use crate::semantics::merge::How;
use crate::source::{FileId, Span};
use std::sync::Arc;

/// One pipeline's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The pipeline's name.
    pub pipeline: String,
    /// The profile applied, if any.
    pub profile: Option<String>,
    /// Artifacts the builds produce.
    pub artifacts: Vec<Artifact>,
    /// Every gate some step checks, each once (equal gates are one entry),
    /// in first-use order: the order in which they first appear when
    /// walking `steps` in order and each step's `gates` in order. Every
    /// entry is used by at least one step. [`GateRef`]s index this list.
    pub gates: Vec<Gate>,
    /// Every rollback alarm some step watches, each once, in first-use
    /// order. [`AlarmRef`]s index this list.
    pub alarms: Vec<RollbackAlarm>,
    /// Every region some step targets, each once, in first-use order, with
    /// what its registry says of it.
    /// Those a registry lists are the registry's, shared by every plan.
    pub regions: Vec<Arc<PlanRegion>>,
    /// The command that evaluates alarms in local runs
    /// (`production { alarm_command = "..." }`), with where it is set.
    pub alarm_command: Option<(CommandLine, Trace)>,
    /// The `production` block that resolved last, so that findings about
    /// production as a whole point at it rather than at its first step.
    pub production: Option<Place>,
    /// Every step, in a stable order: dependencies before dependents.
    pub steps: Vec<Step>,
    /// Values written in source that no step carries, with why: a `by az`
    /// wave's AZ steps and bake on a platform without AZs. Recorded so that
    /// a value that vanished still says where it was and what became of it.
    pub dropped: Vec<Dropped>,
    /// Whether a `rollback on` expression failed to resolve (reported
    /// where it is written): checks of rollback coverage stay silent, since
    /// the missing alarm is that mistake's consequence.
    pub rollback_unresolved: bool,
}

/// A command line: what people read, and what runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// Without a shell, the command as written with its values put in, for
    /// people; with one, the shell code that runs, each value replaced by
    /// a reference to the variable that carries it (see [`shell`]).
    pub command: String,
    /// The program and its arguments, each value inside one argument
    /// (see [`words`]); `None` for a command run by a shell.
    pub argv: Option<Vec<String>>,
    /// For shell code, the variables that carry its values
    /// (`PIPEC_VALUE_1`, ...) and their values, to be set in the command's
    /// environment; empty without a shell. A deploy's `run` and `rollback`
    /// share one numbering, so each carries the variables of both.
    pub values: Vec<(String, String)>,
}

/// A command a step runs, with its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The command.
    pub line: CommandLine,
    /// Whether it runs as `sh -c COMMAND` (`shell = true`).
    pub shell: bool,
    /// Environment variables set for it, by name.
    pub env: std::collections::BTreeMap<String, EnvValue>,
}

/// The value of an environment variable of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A plain value, interpolated.
    Text(String),
    /// `secret("NAME")`: read from the runner's environment variable
    /// `NAME` when the command runs; the plan holds only the name.
    Secret(String),
}

/// A step's reference to one of its plan's rollback alarms: the index in
/// [`Plan::alarms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlarmRef(pub usize);

/// An alarm that rolls steps back while they run.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackAlarm {
    /// The alarm's name when `rollback on` names one.
    pub name: Option<String>,
    /// The expression, CloudWatch composite syntax, names expanded.
    pub alarm: String,
    /// The `rollback on` member.
    pub trace: Trace,
}

/// A region a plan deploys to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRegion {
    /// Its code, e.g. `us-east-1`.
    pub code: String,
    /// The registry that lists it, when one does.
    pub registry: Option<String>,
    /// The registry's attributes for it (`traffic`, `geo`, ...), as text.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Its availability-zone ids, from the registry.
    pub azs: Vec<String>,
}

/// A step's reference to one of its plan's gates: the index of the gate in
/// [`Plan::gates`]. It means nothing without that plan; read the gate with
/// [`Plan::gate`] or all of a step's gates with [`Plan::gates_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GateRef(pub usize);

impl Plan {
    /// The gate `gate` refers to; `None` only for a reference that is not
    /// from this plan.
    pub fn gate(&self, gate: GateRef) -> Option<&Gate> {
        self.gates.get(gate.0)
    }

    /// The rollback alarm `step` (a step of this plan) watches.
    pub fn rollback_of(&self, step: &Step) -> Option<&RollbackAlarm> {
        step.rollback_alarm
            .and_then(|alarm| self.alarms.get(alarm.0))
    }

    /// The gates `step` (a step of this plan) must pass before it starts,
    /// in the order they are checked.
    pub fn gates_of(&self, step: &Step) -> impl Iterator<Item = &Gate> {
        // Lowering only hands out references into `gates`, so none is
        // skipped here; `filter_map` just keeps a foreign step from
        // panicking.
        step.gates.iter().filter_map(|gate| self.gate(*gate))
    }
}

/// Where a value came from and what it replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The member that set it.
    pub at: Place,
    /// How it was set.
    pub how: How,
    /// Values it replaced, newest first.
    pub overrides: Vec<(Place, How, Option<String>)>,
    /// For a bake the selected profile's `bake scale` left as it was: why,
    /// and the `bake scale` (R41 records the skip, so that an unscaled
    /// final bake does not read like a bake nothing tried to scale).
    pub not_scaled: Option<(NotScaled, Place)>,
}

impl Trace {
    /// A value set at `at`, replacing nothing.
    pub fn at(at: Place, how: How) -> Trace {
        Trace {
            at,
            how,
            overrides: Vec::new(),
            not_scaled: None,
        }
    }
}

/// Why `bake scale` left a bake as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotScaled {
    /// The bake is `final`.
    Final,
    /// The profile sets the bake itself.
    Profile,
}

/// A step field whose value was set in source, besides the step itself:
/// the key of one of [`Step::fields`]. The public format spells each as a
/// path into the step (`export::convert`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// A deploy's `platform`, the pipeline's.
    Platform,
    /// A deploy's strategy, from the stage, wave or production.
    Strategy,
    /// A one-box deploy's share of traffic.
    Traffic,
    /// The command of a build, test or deploy (`run`).
    Command,
    /// Whether the command is shell code (`shell`).
    Shell,
    /// One environment variable of the command, by name.
    Env(String),
    /// A deploy's rollback command.
    Rollback,
    /// Whether a build signs its artifact.
    Sign,
    /// A test's `timeout`.
    Timeout,
    /// A bake's duration.
    Duration,
    /// A bake's data-point requirement, by position.
    DataPoints(usize),
    /// The `regions` that placed the step's region in its stage or wave.
    Region,
    /// The wave's `parallel`, which decides what the region's first step
    /// waits for besides the wave's entry.
    Parallel,
}

/// A value written in source that no step carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// The scope it was written for: stage and wave (and region, when only
    /// one region lacks what it needs).
    pub target: Target,
    /// The member, as written: `by az`, `bake`, `wait for`.
    pub member: String,
    /// Why it was dropped, for people: `platform lambda has no AZs`.
    pub reason: String,
    /// Where it was set.
    pub trace: Trace,
}

/// A place in the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The file.
    pub file: FileId,
    /// The span.
    pub span: Span,
}

/// A built artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Its name.
    pub name: String,
    /// The build step that produces it.
    pub produced_by: String,
    /// Whether it is signed.
    pub signed: bool,
    /// Where the build is declared.
    pub trace: Trace,
}

/// A step's id, or a name in its target: shared, not copied, by the
/// many steps that hold it (a region's name is in every step of the
/// region, a step's id in the `needs` of every step after it), so that a
/// plan of a hundred steps does not allocate each name again per step.
pub type Name = std::sync::Arc<str>;

/// The ids a step needs. Most steps need one (the step before them), a
/// wave's first steps the last of the wave before: up to two are held in
/// the step, without an allocation of their own.
pub type Needs = smallvec::SmallVec<[Name; 2]>;

/// A step's gates, as references into [`Plan::gates`]: a deploy step has a
/// few (its scope's blockers and window), held in the step up to four.
pub type GateRefs = smallvec::SmallVec<[GateRef; 4]>;

/// The artifacts a deploy step deploys: usually one, held in the step.
pub type Artifacts = smallvec::SmallVec<[Name; 1]>;

/// One step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// A stable path, e.g. `production/first/ap-east-1/az/ape1-az1/deploy`.
    pub id: Name,
    /// Steps that must finish first.
    pub needs: Needs,
    /// Where it acts: shared by the steps that act in the same place (a
    /// region's or an AZ's deploy and bake), so that building and dropping
    /// a step counts one reference, not one per name in its target.
    pub target: Arc<Target>,
    /// What it does.
    pub params: Params,
    /// The alarm that rolls it back: a reference into [`Plan::alarms`].
    pub rollback_alarm: Option<AlarmRef>,
    /// What must hold before it starts, in the order checked: references
    /// into [`Plan::gates`].
    pub gates: GateRefs,
    /// Where it comes from.
    pub trace: Trace,
    /// Where each of its values set in source was set, when that is not
    /// simply the step's own member: by field, in [`Field`] order. A plan
    /// only checked keeps just a rolling deploy's `strategy`, where the
    /// policies point a finding about it.
    pub fields: Vec<(Field, Trace)>,
}

/// Where a step acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `source`, `build`, a stage's name or `production`.
    pub stage: Name,
    /// The production wave.
    pub wave: Option<Name>,
    /// The region.
    pub region: Option<Name>,
    /// The availability zone.
    pub az: Option<Name>,
    /// The cell.
    pub cell: Option<Name>,
    /// Whether this is a one-box step.
    pub onebox: bool,
}

impl Target {
    /// A step of `stage` with no wave, region, AZ or cell (yet).
    ///
    /// `Target` has no `Default`: an empty `Arc<str>` is one static
    /// allocation whose count every thread would increment and decrement
    /// for each step built, a cache line the cores pass back and forth.
    pub fn in_stage(stage: Name) -> Target {
        Target {
            stage,
            wave: None,
            region: None,
            az: None,
            cell: None,
            onebox: false,
        }
    }
}

/// A step's kind and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Params {
    /// A change enters: a repository and branch.
    Source {
        /// The source's name.
        name: String,
        /// `git` or `artifact_store`.
        origin: SourceOrigin,
        /// Whether unreviewed commits are refused.
        require_review: bool,
    },
    /// A build producing one artifact.
    Build {
        /// The artifact.
        artifact: String,
        /// The sources or artifacts it reads.
        sources: Vec<String>,
        /// Its command (`None` when the build has no `run`).
        run: Option<Box<Run>>,
        /// Whether the artifact is signed.
        sign: bool,
    },
    /// A test run.
    Test {
        /// The test's name.
        name: String,
        /// Its kind (`integration`, `load`, ...): its `kind`, else its
        /// name. The policies go by it; the plan format does not carry it.
        kind: String,
        /// Its command, if it has one.
        run: Option<Box<Run>>,
        /// How long it may run.
        timeout_seconds: u64,
    },
    /// A deployment.
    Deploy {
        /// Artifacts deployed: the same names in every deploy step.
        artifacts: Artifacts,
        /// The compute platform.
        platform: Platform,
        /// How the new version replaces the old.
        strategy: Strategy,
        /// A one-box's share of traffic, in hundredths of a percent.
        traffic_hundredths: Option<u32>,
        /// The deploy command, for local runs (`deploy A { run = "..." }`).
        run: Option<Box<Run>>,
        /// The command that undoes the deployment (`rollback = "..."`),
        /// run with the deploy command's shell setting and environment.
        rollback: Option<Box<CommandLine>>,
        /// The environment of a `rollback` given without a deploy
        /// command (with one, the rollback has the command's), by name.
        rollback_env: std::collections::BTreeMap<String, EnvValue>,
    },
    /// Waiting while watching alarms.
    Bake {
        /// At least this long.
        duration_seconds: u64,
        /// And until these data points were seen.
        data_points: Vec<DataPoints>,
    },
    /// A person approves.
    Approval {
        /// Who.
        role: String,
    },
    /// A step that only waits for its gates.
    Gate {
        /// Why it exists.
        reason: String,
    },
}

/// Where a source's changes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceOrigin {
    /// A git repository and branch.
    Git {
        /// Repository URL or name.
        url: String,
        /// Branch.
        branch: String,
    },
    /// An artifact store location.
    ArtifactStore {
        /// The location.
        url: String,
    },
}

/// A compute platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    /// Amazon ECS.
    Ecs,
    /// AWS Lambda.
    Lambda,
    /// EC2 instances.
    Ec2,
    /// On-premises servers.
    OnPremises,
}

impl Platform {
    /// Every platform, in the order the language reference lists them.
    pub const ALL: [Platform; 4] = [
        Platform::Ecs,
        Platform::Lambda,
        Platform::Ec2,
        Platform::OnPremises,
    ];

    /// The platform named by a symbol.
    pub fn from_name(name: &str) -> Option<Platform> {
        Some(match name {
            "ecs" => Platform::Ecs,
            "lambda" => Platform::Lambda,
            "ec2" => Platform::Ec2,
            "on_premises" => Platform::OnPremises,
            _ => return None,
        })
    }

    /// Its symbol.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Ecs => "ecs",
            Platform::Lambda => "lambda",
            Platform::Ec2 => "ec2",
            Platform::OnPremises => "on_premises",
        }
    }
}

/// A deployment strategy; percents in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Stop, install, start, validate.
    InPlace,
    /// In place, a batch at a time.
    Rolling {
        /// Share replaced at once.
        batch: u32,
        /// Share that must stay healthy.
        min_healthy: u32,
        /// Share rolled back at once.
        rollback_batch: u32,
    },
    /// A second environment, traffic shifted at once.
    BlueGreen,
    /// A slice of traffic, then the rest.
    Canary {
        /// The slice.
        percent: u32,
        /// Wait before the rest.
        wait_seconds: u64,
    },
    /// Equal increments at intervals.
    Linear {
        /// Each increment.
        step: u32,
        /// Between increments.
        interval_seconds: u64,
    },
    /// Everything at once.
    AllAtOnce,
}

impl Strategy {
    /// The strategy's name as written.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::InPlace => "in_place",
            Strategy::Rolling { .. } => "rolling",
            Strategy::BlueGreen => "blue_green",
            Strategy::Canary { .. } => "canary",
            Strategy::Linear { .. } => "linear",
            Strategy::AllAtOnce => "all_at_once",
        }
    }
}

/// A data-point requirement of a bake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPoints {
    /// How many.
    pub count: u64,
    /// `requests` or `datapoints`.
    pub measure: String,
    /// Of what (an API, a metric).
    pub name: String,
}

/// A condition checked before a step starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// What is checked.
    pub kind: GateKind,
    /// Whether a person may override it.
    pub overridable: bool,
    /// Where it is declared.
    pub trace: Trace,
}

/// The kinds of gate.
#[derive(Debug, Clone, PartialEq)]
pub enum GateKind {
    /// A time window.
    Window {
        /// The window's name, if it has one.
        name: Option<String>,
        /// Its IANA zone.
        zone: String,
        /// Open slots: days (0 = Monday) and minutes of the day.
        allow: Arc<[(Vec<u8>, u16, u16)]>,
        /// Days it stays closed, `YYYY-MM-DD`, sorted: a calendar of
        /// holidays is dozens, shared by every plan the window gates.
        closed_dates: Arc<[String]>,
    },
    /// An alarm that must not be firing.
    Alarm {
        /// The alarm's name, when it is a named alarm.
        name: Option<String>,
        /// The expression.
        alarm: String,
    },
    /// A package version that must not be in the artifact.
    Package(String),
    /// A git ref that must not be in the artifact.
    GitRef(String),
    /// A person must approve.
    Approval {
        /// Who.
        role: String,
    },
}
