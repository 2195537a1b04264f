//! Short reference texts for hover: the built-in fields (from the table in
//! docs/language.md, "Built-in fields") and the member keywords.

/// One row of the built-in fields table: the bodies, the field, its type,
/// meaning and default.
type Field = (
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const FIELDS: &[Field] = &[
    (
        &["template", "pipeline"],
        "platform",
        "platform",
        "`ecs`, `lambda`, `ec2` or `on_premises`",
        "required in a pipeline",
    ),
    (
        &["registry"],
        "partition",
        "string",
        "the cloud partition, e.g. `\"aws\"`",
        "none",
    ),
    (&["region"], "name", "string", "the display name", "none"),
    (&["region"], "azs", "[az]", "availability-zone ids", "`[]`"),
    (&["region"], "cells", "[cell]", "cell ids", "`[]`"),
    (
        &["calendar"],
        "covers_until",
        "date",
        "the last day its holidays are complete for",
        "none: no promise",
    ),
    (
        &["window"],
        "zone",
        "string",
        "an IANA time zone",
        "required",
    ),
    (
        &["window"],
        "allow",
        "list of weekday slots",
        "when a step may start",
        "required",
    ),
    (
        &["window"],
        "except",
        "calendar or [calendar]",
        "holidays when nothing starts",
        "none",
    ),
    (
        &["window"],
        "blackout",
        "date, date range, or a list of them",
        "ad-hoc days when nothing starts",
        "none",
    ),
    (&["build"], "run", "string", "the build command", "required"),
    (&["build"], "sign", "bool", "sign the artifact", "`false`"),
    (
        &["build", "test", "deploy"],
        "shell",
        "bool",
        "run the commands with `sh -c`",
        "`false`",
    ),
    (
        &["test"],
        "run",
        "string",
        "the test command",
        "the suite named by the test",
    ),
    (
        &["test"],
        "timeout",
        "duration",
        "longest run before the test fails",
        "`1h`",
    ),
    (
        &["test"],
        "kind",
        "symbol",
        "the kind of test (`integration`, `canary`, `load`, ...)",
        "the test's name",
    ),
    (
        &["deploy"],
        "strategy",
        "strategy",
        "how these artifacts deploy here",
        "the enclosing one",
    ),
    (
        &["deploy"],
        "run",
        "string",
        "the deploy command (local runs and the GitHub Actions export)",
        "none",
    ),
    (
        &["deploy"],
        "rollback",
        "string",
        "the command that undoes the deployment (local runs and the GitHub Actions export)",
        "none",
    ),
    (
        &["stage"],
        "regions",
        "[region]",
        "where the stage deploys",
        "the first region of the production registry",
    ),
    (
        &["stage"],
        "bake",
        "duration",
        "bake after the stage",
        "no bake",
    ),
    (
        &["stage"],
        "strategy",
        "strategy",
        "default for the stage's deploys",
        "production's",
    ),
    (
        &["stage"],
        "environment",
        "string",
        "the environment's name, if it differs from the stage's",
        "the stage's name",
    ),
    (
        &["source"],
        "branch",
        "string",
        "the branch, when not given to `git(...)`",
        "`main`",
    ),
    (
        &["onebox"],
        "traffic",
        "percent, 0% to 100%",
        "the one-box's share of traffic",
        "none",
    ),
    (
        &["production"],
        "registry",
        "registry",
        "the target registry",
        "required",
    ),
    (
        &["production"],
        "strategy",
        "strategy",
        "default for every wave",
        "`in_place`",
    ),
    (
        &["production"],
        "alarm_command",
        "string",
        "the command that tells local runs whether an alarm is in alarm; exports read the alarms' states from CloudWatch instead",
        "none",
    ),
    (
        &["wave"],
        "regions",
        "region set",
        "the regions of the wave",
        "required",
    ),
    (
        &["wave"],
        "bake",
        "duration",
        "bake after the wave",
        "no bake",
    ),
    (
        &["wave"],
        "parallel",
        "count",
        "regions deploying at once",
        "all",
    ),
    (
        &["wave"],
        "strategy",
        "strategy",
        "for this wave",
        "production's",
    ),
    (
        &["onebox"],
        "bake",
        "duration",
        "bake after the one-box",
        "no bake",
    ),
    (
        &["by"],
        "bake",
        "duration",
        "bake after each AZ or cell",
        "no bake",
    ),
    (&["exempt"], "reason", "string", "why", "required"),
    (
        &["exempt"],
        "expires",
        "date",
        "last day the exemption counts",
        "never expires",
    ),
];

/// The reference of a built-in field in a body (`stage`, `wave`, ...):
/// the row for that body. In a body the table knows, a field without a
/// row is not a built-in one (a region's `traffic` is an attribute, not
/// the one-box's share); in one it does not know (a profile), every row
/// for the field.
pub fn field(body: &str, name: &str) -> Option<String> {
    let rows: Vec<&Field> = FIELDS.iter().filter(|row| row.1 == name).collect();
    let known = FIELDS.iter().any(|row| row.0.contains(&body));
    let chosen: Vec<&&Field> = match rows.iter().find(|row| row.0.contains(&body)) {
        Some(row) => vec![row],
        None if known => Vec::new(),
        None => rows.iter().collect(),
    };
    if chosen.is_empty() {
        return None;
    }
    let lines: Vec<String> = chosen
        .iter()
        .map(|(bodies, field, ty, meaning, default)| {
            format!(
                "built-in field `{field}` of {}: **{ty}**, {meaning}; default: {default}",
                bodies.join(", ")
            )
        })
        .collect();
    Some(lines.join("\n\n"))
}

/// The reference of a keyword.
pub fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "template" => {
            "`template NAME [extends PARENT] { ... }`: a reusable pipeline body; pipelines and templates extend it."
        }
        "pipeline" => {
            "`pipeline NAME [extends TEMPLATE] { ... }`: a concrete pipeline; it is checked, planned and held to the policies."
        }
        "extends" => {
            "`extends PARENT`: inherit the parent's resolved body; members with the same key override it."
        }
        "registry" => {
            "`registry NAME { region ... }`: the regions (with AZs and cells) a production deploys to."
        }
        "calendar" => "`calendar NAME { holiday DATE \"name\" }`: days a window does not open.",
        "window" => "`window NAME { zone, allow, except, blackout }`: when a step may start.",
        "alarm" => {
            "`alarm NAME = EXPR`: an alarm expression of `ALARM(\"...\")` with `and`, `or`, `not`."
        }
        "policy" => {
            "`policy NAME { deny|warn|allow RULE, exempt PIPELINE from RULE { ... } }`: levels of the policy rules."
        }
        "import" => "`import \"path\" [as NAME]`: another file's declarations, as `NAME.decl`.",
        "stage" => {
            "`stage NAME { ... }`: a pre-production stage (beta, gamma) that deploys and tests."
        }
        "production" => {
            "`production { registry = ...; wave ... }`: the rollout to every production region, in waves."
        }
        "wave" => {
            "`wave NAME { regions = ...; bake = ... }`: a group of regions deploying together; waves roll out in order."
        }
        "onebox" => {
            "`onebox [{ traffic <= N%; bake = D }]`: a one-box host taking a share of traffic before the wave."
        }
        "test" => "`test NAME [{ run, timeout, kind }]`: a test run after the deploy of its stage.",
        "deploy" => {
            "`deploy ARTIFACT[, ...] [{ strategy, run, rollback }]`: deploys what a build produced."
        }
        "build" => "`build NAME [from INPUTS] { run = ...; sign = ... }`: builds an artifact.",
        "source" => "`source NAME = git(\"repo\", branch: \"main\")`: where the change comes from.",
        "profile" => {
            "`profile NAME { ... }`: overrides applied when the profile is selected (`--profile NAME`)."
        }
        "rollback" => "`rollback on EXPR`: the alarm expression that rolls a deployment back.",
        "block" => {
            "`block on ALARM [overridable]` / `block artifacts containing ...`: what stops a promotion."
        }
        "require" => "`require EXPR`, e.g. `require review`: a condition of the change.",
        "exclude" => "`exclude REGIONS because \"reason\"`: regions left out of production.",
        "abstract" => {
            "`abstract`: a member without a value; every pipeline extending the template must give one."
        }
        "final" => "`final`: a member no descendant may override.",
        "new" => "`new`: a member that does not override anything inherited.",
        "remove" => {
            "`remove KIND NAME`: drops an inherited named member (`stage`, `wave`, `test`, `alarm`, `source`, `build`, `profile` or `region`)."
        }
        "by" => {
            "`by az [{ ... }]`, `by cell [{ ... }]`, `by region`: a wave's regions one availability zone, one cell, or whole region at a time."
        }
        "wait" => {
            "`wait for N METRIC`: extends a bake until the metric has at least `N` data points."
        }
        "region" => "`region NAME { ... }`: a region of a registry, with its attributes.",
        "holiday" => "`holiday DATE \"name\"`: a day of a calendar.",
        "include" => "`include CALENDAR`: another calendar's days, added to this one.",
        "deny" | "warn" | "allow" => {
            "`deny RULE, ...` (or `warn`, `allow`): the level of policy rules for the pipelines the policy governs."
        }
        "exempt" => {
            "`exempt PIPELINE from RULE { reason = \"...\"; expires = DATE }`: one pipeline exempted from a policy rule."
        }
        "under" => {
            "`under PROFILE { LEVEL RULE, ...; reason = \"...\"; expires = DATE }`: rule levels that apply only under `--profile PROFILE`."
        }
        "floor" => {
            "`floor FIELD = VALUE`, e.g. `floor bake = 30m`: a policy's lower bound on a value."
        }
        "as" => {
            "`import \"path\" as NAME`: the name the file's declarations are reached by, `NAME.decl`."
        }
        "from" => {
            "`build NAME from INPUTS` / `exempt PIPELINE from RULE`: what a build is made from; the rule an exemption lifts."
        }
        "on" => {
            "`rollback on EXPR` / `block on ALARM`: the alarm expression a deployment rolls back or stops on."
        }
        "for" => {
            "`wait for N METRIC` / `window NAME for profile PROFILE`: what a bake waits for; the profile a window applies under."
        }
        "because" => "`exclude REGIONS because \"reason\"`: why the regions are left out.",
        "overridable" => "`block ... overridable`: a blocker a person may override.",
        // Not `git`: it is also the function of a `source`.
        "artifacts" | "containing" | "package" => {
            "`block artifacts containing package \"NAME@VERSION\"` / `git \"REF\"`: stops any artifact holding that package version, or built from that ref."
        }
        "scale" => "`bake scale N%`: in a profile, every bake scaled by `N%`.",
        "env" => "`env NAME = VALUE`: an environment variable of a build, test or deploy.",
        "and" | "or" | "not" => "`and`, `or`, `not`: combine alarms in an alarm expression.",
        "where" => "`REGIONS where CONDITION`: the regions whose attributes satisfy the condition.",
        "take" => "`REGIONS take N`: the first `N` regions of the set.",
        "union" | "intersect" | "minus" => {
            "`a union b`, `a intersect b`, `a minus b`: regions in either, in both, of `a` not in `b`."
        }
        "in" => "`ATTR in [VALUE, ...]`: a region whose attribute is one of the values.",
        "rest" => "`rest`: every region that no other wave places.",
        _ => return None,
    })
}

#[cfg(test)]
mod keyword_tests {
    use super::keyword;

    #[test]
    fn every_keyword_has_a_reference_but_fields_functions_and_values() {
        // `bake` and `traffic` are fields (their hover is the field's),
        // `git` a function of a `source`, `true` and `false` values.
        let elsewhere = ["bake", "traffic", "git", "true", "false"];
        let missing: Vec<&str> = crate::syntax::KEYWORDS
            .iter()
            .copied()
            .filter(|word| !elsewhere.contains(word) && keyword(word).is_none())
            .collect();
        assert!(missing.is_empty(), "no reference for {missing:?}");
    }
}
