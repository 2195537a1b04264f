//! One short example per diagnostic code: `.pipe` text that produces the
//! code when checked on its own (a test checks each one), for
//! `pipec explain` and SARIF rule help. The few that need more than one
//! file's text are comments describing the situation instead; the test
//! lists them.

use crate::diagnostics::Code;

/// Every code's example, in registry order.
pub(super) static CODE_EXAMPLES: &[(Code, &str)] = &[
    (
        Code::SYNTAX,
        r#"window business_hours {
  zone = = "UTC"
}
"#,
    ),
    (
        Code::UNCLOSED_DELIMITER,
        r#"template Service {
  stage beta {
    bake = 1h
  }
"#,
    ),
    (
        Code::UNEXPECTED_CLOSER,
        r#"template Service {
  stage beta { bake = 1h }
}
}
"#,
    ),
    (
        Code::UNTERMINATED_STRING,
        r#"template Service {
  build bundle {
    run = "make release
  }
}
"#,
    ),
    (
        Code::INVALID_ESCAPE,
        r#"template Service {
  build bundle { run = "grep -E \d+ VERSION" }
}
"#,
    ),
    (
        Code::INVALID_LITERAL,
        r#"template Service {
  stage beta { bake = 1.5h }
}
"#,
    ),
    (
        Code::NESTING_TOO_DEEP,
        r#"alarm calm = ALARM("Calm")
alarm paging = not not not not not not not not not not not not not
  not not not not not not not not not not not not not not not not
  not not not not not not not not not not not not not not not not
  not not not not not not not not not not not not not not not not
  not not not not calm
"#,
    ),
    (
        Code::FILE_TOO_LARGE,
        r#"// Any `.pipe` file larger than 8 MiB (8,388,608 bytes), such as a
// generated file listing every host of a fleet. Split it into files that
// import each other.
"#,
    ),
    (
        Code::NOT_UTF8,
        r#"// A file saved in Latin-1 rather than UTF-8: `café` written with the
// single byte 0xE9 for `é`. Re-save the file as UTF-8.
"#,
    ),
    (
        Code::YAML_HABIT,
        r#"window business_hours {
  zone: "America/Los_Angeles"
  allow = [mon..fri 09:00..17:00]
}
"#,
    ),
    (
        Code::NUL_IN_STRING,
        r#"// A string holding the byte 0x00, often left by a tool that wrote the
// file badly: `run = "make build"` with a NUL between `make` and ` build`.
// Editors rarely show it; delete the byte.
"#,
    ),
    (
        Code::MEMBER_NOT_ALLOWED,
        r#"template Service {
  stage gamma {
    wave first { bake = 12h }
  }
}
"#,
    ),
    (
        Code::INVALID_MODIFIER,
        r#"template Service {
  abstract service : string = "orders-api"
}
"#,
    ),
    (
        Code::DUPLICATE_DEFINITION,
        r#"template Service {
  stage beta { bake = 1h }
  stage beta { bake = 2h }
}
"#,
    ),
    (
        Code::UNKNOWN_FIELD,
        r#"template Service {
  stage gamma { bake = 1h; regoins = [us-east-1] }
}
"#,
    ),
    (
        Code::UNKNOWN_SCOPE,
        r#"template Service {
  production {
    wave first { regions = [us-east-1]; by zone }
  }
}
"#,
    ),
    (
        Code::IMPORT_NOT_FOUND,
        r#"import "./shared/alarms.pipe"
"#,
    ),
    (
        Code::IMPORT_ESCAPES_ROOT,
        r#"// In app/main.pipe, in a workspace whose `pipec.toml` is in app/,
// with a file outside.pipe two directories above app/:
import "../../outside.pipe"
"#,
    ),
    (
        Code::IMPORT_CYCLE,
        r#"// In a.pipe:
import "./a.pipe"
alarm errors = ALARM("Errors")
"#,
    ),
    (
        Code::UNKNOWN_NAME,
        r#"template Service { }
template Team extends Servise { }
"#,
    ),
    (
        Code::AMBIGUOUS_NAME,
        r#"// payments.pipe and shop.pipe both declare `template Service`.
import "./payments.pipe"
import "./shop.pipe"
template Checkout extends Service { }
"#,
    ),
    (
        Code::WRONG_KIND,
        r#"alarm high_severity = ALARM("High_Severity")
template Team extends high_severity { }
"#,
    ),
    (
        Code::INHERITANCE_CYCLE,
        r#"template A extends B { }
template B extends A { }
"#,
    ),
    (
        Code::INHERITANCE_TOO_DEEP,
        r#"template T0 { }
template T1 extends T0 { }
template T2 extends T1 { }
template T3 extends T2 { }
template T4 extends T3 { }
template T5 extends T4 { }
template T6 extends T5 { }
template T7 extends T6 { }
template T8 extends T7 { }
template T9 extends T8 { }
template T10 extends T9 { }
template T11 extends T10 { }
"#,
    ),
    (
        Code::OVERRIDE_OF_NOTHING,
        r#"template Service {
  stage gamma { bake = 1h }
}
template Team extends Service {
  stage gama { bake = 2h }
}
"#,
    ),
    (
        Code::NEW_SHADOWS_INHERITED,
        r#"template Service {
  stage gamma { bake = 1h }
}
template Team extends Service {
  new stage gamma { bake = 2h }
}
"#,
    ),
    (
        Code::OVERRIDE_OF_FINAL,
        r#"template Org {
  stage gamma { final bake = 1h }
}
template Team extends Org {
  stage gamma { bake = 30m }
}
"#,
    ),
    (
        Code::UNBOUND_ABSTRACT,
        r#"template Service {
  abstract service : string
}
pipeline orders_api extends Service { platform = ecs }
"#,
    ),
    (
        Code::REMOVAL_OF_NOTHING,
        r#"template Service {
  stage beta { }
}
template Team extends Service {
  remove stage betta
}
"#,
    ),
    (
        Code::DUPLICATE_LIST_ITEM,
        r#"template Service {
  stage gamma { regions = [us-east-1, eu-west-1] }
}
template Team extends Service {
  stage gamma { regions += [eu-west-1] }
}
"#,
    ),
    (
        Code::LIST_REMOVAL_OF_ABSENT,
        r#"template Service {
  stage gamma { regions = [us-east-1, eu-west-1] }
}
template Team extends Service {
  stage gamma { regions -= [us-west-2] }
}
"#,
    ),
    (
        Code::LIST_OPERATOR_WITHOUT_LIST,
        r#"template Service {
  stage gamma { }
}
template Team extends Service {
  stage gamma { regions += [us-east-1] }
}
"#,
    ),
    (
        Code::UNKNOWN_PROFILE,
        r#"// Checked with `pipec check --profile emergancy service.pipe`:
template Service {
  profile emergency { bake scale 25% }
}
pipeline orders_api extends Service { platform = ecs }
"#,
    ),
    (
        Code::ABSTRACT_REDECLARATION,
        r#"template Service {
  platform = ecs
}
template Team extends Service {
  abstract platform : platform
}
"#,
    ),
    (
        Code::UNKNOWN_TIME_ZONE,
        r#"window business_hours {
  zone  = "PST"
  allow = [mon..fri 09:00..17:00]
}
"#,
    ),
    (
        Code::INVALID_WINDOW_SLOT,
        r#"window business_hours {
  zone  = "UTC"
  allow = [mon..fri 17:00..09:00]
}
"#,
    ),
    (
        Code::EMPTY_WINDOW,
        r#"window never {
  zone  = "UTC"
  allow = []
}
"#,
    ),
    (
        Code::CALENDAR_INCLUDE_CYCLE,
        r#"calendar shop_holidays {
  include release_freezes
  holiday 2026-11-27 "Day after Thanksgiving"
}

calendar release_freezes {
  include shop_holidays
  holiday 2026-12-21..2027-01-04 "Year-end freeze"
}
"#,
    ),
    (
        Code::CALENDAR_COVERAGE_ENDS,
        r#"// Checked with `--today 2026-11-22`: the window's year runs to 2027-11-22.
calendar release_freezes {
  covers_until = 2027-06-30
  holiday 2026-11-27 "Black Friday"
}

window business_hours {
  zone   = "UTC"
  allow  = [mon..fri 09:00..17:00]
  except = [release_freezes]
}
"#,
    ),
    (
        Code::PROFILE_WINDOW_IN_PROFILE,
        r#"window on_call {
  zone  = "UTC"
  allow = [mon..sun]
}
template Service {
  production { window on_call }
  profile emergency {
    production { new window on_call for profile emergency }
  }
}
"#,
    ),
    (
        Code::UNKNOWN_WINDOW_PROFILE,
        r#"window on_call {
  zone  = "UTC"
  allow = [mon..sun]
}
template Service {
  production { window on_call for profile emergncy }
  profile emergency { bake scale 25% }
}
"#,
    ),
    (
        Code::UNKNOWN_REGION,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = [us-esat-1, us-east-1] }
    wave rest  { regions = rest }
  }
}
"#,
    ),
    (
        Code::REGION_PLACED_TWICE,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first  { regions = [us-east-1] }
    wave second { regions = [us-east-1, eu-west-1] }
    wave rest   { regions = rest }
  }
}
"#,
    ),
    (
        Code::EMPTY_WAVE,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first  { regions = aws where traffic == low }
    wave second { regions = aws where traffic == low }
    wave rest   { regions = rest }
  }
}
"#,
    ),
    (
        Code::EXCLUDED_REGION_PLACED,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    exclude [me-south-1] because "not launched in the Middle East"
    wave first { regions = [me-south-1] }
    wave rest  { regions = rest }
  }
}
"#,
    ),
    (
        Code::REGION_NOT_DEPLOYED,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = [us-east-1] }
  }
}
"#,
    ),
    (
        Code::UNKNOWN_REGION_ATTRIBUTE,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = aws where tier == high }
    wave rest  { regions = rest }
  }
}
"#,
    ),
    (
        Code::REGISTRY_REQUIRED,
        r#"pipeline orders_api {
  platform = ecs
  production {
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = [us-east-1] }
  }
}
"#,
    ),
    (
        Code::INVALID_REGION_EXPRESSION,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = 33% }
    wave rest  { regions = rest }
  }
}
"#,
    ),
    (
        Code::AZ_OF_ANOTHER_REGION,
        r#"registry shop {
  region us-east-1 { azs = [use1-az1, use1-az2] }
  region us-west-2 { azs = [usw2-az1, use1-az1] }
}
"#,
    ),
    (
        Code::DUPLICATE_AZ,
        r#"registry datacenters {
  region dc-paris { azs = [par-hall1, par-hall2] }
  region dc-lyon  { azs = [lyo-hall1, par-hall2] }
}
"#,
    ),
    (
        Code::INVALID_ALARM_EXPRESSION,
        r#"pipeline orders_api {
  platform = ecs
  alarm high_severity = ALARM(42)
}
"#,
    ),
    (
        Code::ALARM_RECURSION,
        r#"pipeline orders_api {
  platform = ecs
  alarm paging = ALARM("Faults") or escalated
  alarm escalated = ALARM("Latency") or paging
}
"#,
    ),
    (
        Code::ALARM_RULE_TOO_LONG,
        r#"alarm a0 = ALARM("OrdersApi_High_Fault_Rate")
alarm a1 = a0 or a0
alarm a2 = a1 or a1
alarm a3 = a2 or a2
alarm a4 = a3 or a3
alarm a5 = a4 or a4
alarm a6 = a5 or a5
alarm a7 = a6 or a6
alarm a8 = a7 or a7
alarm a9 = a8 or a8

pipeline orders_api {
  platform = ecs
  stage beta { rollback on a9 }
}
"#,
    ),
    (
        Code::TYPE_MISMATCH,
        r#"pipeline orders_api {
  platform = ecs
  stage beta { bake = 33% }
}
"#,
    ),
    (
        Code::INVALID_STRATEGY,
        r#"import "std/aws"
pipeline orders_api {
  build bundle { run = "make release" }
  platform = ecs
  production {
    registry = aws
    strategy = rolling(batch: 50%, min_healthy: 66%)
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        Code::UNKNOWN_ARTIFACT,
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make release" }
  stage beta { deploy bundel }
}
"#,
    ),
    (
        Code::NOTHING_TO_DEPLOY,
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        Code::BUILD_WITHOUT_COMMAND,
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { sign = true }
}
"#,
    ),
    (
        Code::SHELL_VALUE_PLACE,
        r#"pipeline orders_api {
  platform = ecs
  service : string = "orders"
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code {
    run = "eval \"make release NAME=${service}\""
    shell = true
    sign = true
  }
}
"#,
    ),
    (
        Code::ENV_WITHOUT_COMMAND,
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make release"; sign = true }
  stage gamma {
    test canary { env LOG_LEVEL = "debug" }
  }
}
"#,
    ),
    (
        Code::STRATEGY_PLATFORM,
        r#"import "std/aws"
pipeline orders_api {
  build bundle { run = "make release" }
  platform = lambda
  production {
    registry = aws
    strategy = rolling(batch: 33%, min_healthy: 66%)
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        Code::REQUIRED_FIELD,
        r#"template Service {
  build bundle { run = "make release" }
  stage beta { deploy bundle }
}

pipeline orders_api extends Service {
}
"#,
    ),
    (
        Code::POLICY,
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
  build bundle from code { run = "make release" }
}
"#,
    ),
    (
        Code::UNKNOWN_POLICY_RULE,
        r#"policy org {
  deny onebox-frist
}
"#,
    ),
    (
        Code::EXEMPTION_WITHOUT_REASON,
        r#"policy org {
  exempt orders_api from signed-artifacts { expires = 2027-01-01 }
}
pipeline orders_api { platform = ecs }
"#,
    ),
    (
        Code::EXEMPTION_EXPIRED,
        r#"policy org {
  exempt orders_api from signed-artifacts {
    reason  = "vendor binary, verified on import"
    expires = 2020-03-31
  }
}
pipeline orders_api { platform = ecs }
"#,
    ),
    (
        Code::UNSUPPORTED_FLOOR,
        r#"policy org {
  floor traffic = 10%
}
"#,
    ),
    (
        Code::UNKNOWN_POLICY_PROFILE,
        r#"policy org {
  deny first-wave-bake
  under emergncy {
    warn first-wave-bake
    reason = "security fixes ship after review (SEC-12)"
  }
}
template Service {
  profile emergency { bake scale 25% }
}
"#,
    ),
    (
        Code::CODEPIPELINE_SETTING_MISSING,
        r#"// `pipec compile FILE --target codepipeline` in a workspace whose pipec.toml
// has no `[codepipeline]` table (or lacks `role_arn`, `region`, ...):
// the export needs the service role, buckets and deploy target names.
"#,
    ),
    (
        Code::CODEPIPELINE_WINDOW_APPROXIMATED,
        r#"// `--target codepipeline` of a pipeline whose production window is
//   window business_hours {
//     zone   = "America/New_York"
//     allow  = [mon..thu 09:00..16:00, fri 09:00..12:00]
//     except = us_holidays
//   }
// The holidays are dropped and the slots narrowed to 09:00-12:00 Mon-Fri.
"#,
    ),
    (
        Code::CODEPIPELINE_BAKE_APPROXIMATED,
        r#"// `--target codepipeline` of a pipeline with
//   wave first { bake = 24h; wait for 100 requests("CreateOrder") }
// CodePipeline keeps the 24h wait on the rollback alarm, not the count.
"#,
    ),
    (
        Code::CODEPIPELINE_BLOCKER_DROPPED,
        r#"// `--target codepipeline` of a pipeline whose production has
//   block artifacts containing package "libjson@2.3.1"
// No CodePipeline rule inspects artifacts: the blocker is dropped.
"#,
    ),
    (
        Code::CODEPIPELINE_ALARM_APPROXIMATED,
        r#"// `--target codepipeline` of a wave deploying to several regions:
// condition rules check alarms in the pipeline's region only. Or of an
// alarm such as `ALARM("A") and ALARM("B")`: a rule checks one alarm, and
// only a plain OR splits into rules, so this alarm is not watched at all.
"#,
    ),
    (
        Code::CODEPIPELINE_QUOTA,
        r#"// `--target codepipeline` of a pipeline with a wave of more than 50
// regions: the wave's stage would exceed 50 actions per stage.
"#,
    ),
    (
        Code::CODEPIPELINE_DEPLOY_APPROXIMATED,
        r#"// `--target codepipeline` of a step that deploys two artifacts:
//   stage beta { deploy api, bundle }
// Deploy actions take one input artifact, so only `api` is deployed.
// Likewise a deploy with commands:
//   deploy bundle { run = "./deploy.sh"; rollback = "./undo.sh" }
// The ECS or CodeDeploy action deploys; neither command runs.
"#,
    ),
    (
        Code::CODEPIPELINE_ENV_DROPPED,
        r#"// `--target codepipeline` of a pipeline with
//   build bundle from code {
//     run = "make release"
//     env SIGNING_KEY = secret("RELEASE_SIGNING_KEY")
//   }
// The CodeBuild action cannot read the runner's `RELEASE_SIGNING_KEY`:
// give the CodeBuild project the variable (type SECRETS_MANAGER).
"#,
    ),
    (
        Code::CLI_NO_SUCH_FILE,
        r#"// `pipec check services/ordres_api.pipe`: no such file.
"#,
    ),
    (
        Code::CLI_CANNOT_READ_OR_WRITE,
        r#"// `pipec compile orders.pipe -o /read-only/plan.json`: permission denied.
"#,
    ),
    (
        Code::CLI_USAGE,
        r#"// `pipec compile services.pipe --pipeline ordres_api`: no such pipeline.
"#,
    ),
    (
        Code::CLI_SETTINGS_INVALID,
        r#"// pipec.toml holding `[check]` with `extend_exclude = ["tests"]`
// (the key is `extend-exclude`).
"#,
    ),
    (
        Code::CLI_GIT_FAILED,
        r#"// `pipec diff --git origin/mian`: no such revision.
"#,
    ),
    (
        Code::CLI_INPUT_INVALID,
        r#"// `pipec simulate plan.json` where plan.json is not a plan.
"#,
    ),
    (
        Code::CLI_OUTSIDE_WORKSPACE,
        r#"// `pipec check link.pipe` where link.pipe -> /proc/self/environ.
"#,
    ),
    (
        Code::CLI_WOULD_OVERWRITE,
        r#"// `pipec init` in a directory that has a pipec.toml already.
"#,
    ),
    (
        Code::CLI_RUN_REFUSED,
        r#"// `pipec run pipeline.pipe` while another run holds the same state's lock.
"#,
    ),
    (
        Code::GHA_DATA_POINTS_DROPPED,
        r#"// `pipec compile --target github-actions` on a pipeline whose bake
// waits for data points:
//   wave first { bake = 24h  wait for 100 requests("CreateOrder") }
// The workflow bakes 24 hours, watching the rollback alarm, then goes on
// whether or not 100 requests came.
"#,
    ),
    (
        Code::GHA_ALARM_APPROXIMATED,
        r#"// Not from a `.pipe` file, whose alarms pipec always writes in the
// CloudWatch composite syntax: the GitHub Actions exporter, used as a
// library, given a plan (written by another tool) whose alarm blocker is
// not in that syntax:
//   "alarm": "ANOMALY(\"Orders_Latency\") > 3"
// The workflow waits while `Orders_Latency` is in ALARM.
"#,
    ),
    (
        Code::GHA_TIMEOUT_SHORTENED,
        r#"// `pipec compile --target github-actions` on a pipeline with a long test:
//   test soak { run = "make soak"  timeout = 8h }
// A job on a GitHub-hosted runner stops after 6 hours: the test gets 350
// minutes.
"#,
    ),
    (
        Code::GHA_REVIEW_NOT_ENFORCED,
        r#"// `pipec compile --target github-actions` on a pipeline whose source
// requires reviews:
//   source code = git("https://git.example.com/shop/orders.git", branch: "main") {
//     require review
//   }
// Require pull-request reviews with branch protection on `main`.
"#,
    ),
    (
        Code::GHA_ENV_DROPPED,
        r#"// `pipec compile --target github-actions` on a pipeline with
//   build bundle from code {
//     run = "make release"
//     env GITHUB_SHA = "pinned"
//     env TOKEN = secret("GITHUB_PAT")
//   }
// GitHub sets `GITHUB_SHA` itself, and stores no secret named `GITHUB_...`:
// the build runs without both.
"#,
    ),
];
