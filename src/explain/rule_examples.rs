//! One short example per policy rule: a pipeline that breaks the rule
//! (and, being short, often others too). A test checks that each one draws
//! a finding of its rule.

/// Every rule's example, in catalogue order.
pub(super) static RULE_EXAMPLES: &[(&str, &str)] = &[
    (
        "code-review",
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline")
}
"#,
    ),
    (
        "signed-artifacts",
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make release" }
}
"#,
    ),
    (
        "onebox-first",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "onebox-bake",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    onebox { bake = 10m }
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "first-wave-bake",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = aws where traffic == low take 1; bake = 1h }
    wave rest  { regions = rest; bake = 2h }
  }
}
"#,
    ),
    (
        "later-wave-bake",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = aws where traffic == low take 1; bake = 12h }
    wave rest  { regions = rest; bake = 15m }
  }
}
"#,
    ),
    (
        "small-first-waves",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = [us-east-1, eu-west-1]; bake = 12h }
    wave rest  { regions = rest; bake = 2h }
  }
}
"#,
    ),
    (
        "first-wave-by-az",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first { regions = aws where traffic == low take 1; bake = 12h }
    wave rest  { regions = rest; bake = 2h }
  }
}
"#,
    ),
    (
        "growing-waves",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave first  { regions = aws where traffic == low take 1; bake = 12h }
    wave second { regions = aws where traffic != low; bake = 2h }
    wave rest   { regions = rest; bake = 2h }
  }
}
"#,
    ),
    (
        "rollback-alarm",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "weekend-window",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    window { zone = "UTC"; allow = [mon..sun 08:00..18:00] }
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "gamma-multi-region",
        r#"pipeline orders_api {
  platform = ecs
  source code = git("orders-api", branch: "mainline") { require review }
  build bundle from code { run = "make release"; sign = true }
  stage gamma { regions = [us-east-1]; deploy bundle }
}
"#,
    ),
    (
        "integration-tests",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  stage beta { test load }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "load-test",
        r#"import "std/aws"
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  stage beta { test integration }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "rolling-healthy",
        r#"import "std/aws"
pipeline orders_api {
  build bundle { run = "make release" }
  platform = ecs
  production {
    registry = aws
    strategy = rolling(batch: 50%, min_healthy: 50%)
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
    (
        "manual-approval",
        r#"// `manual-approval` is off unless a policy turns it on.
import "std/aws"
policy release_rules {
  deny manual-approval
}
pipeline orders_api {
  platform = ecs
  build bundle { run = "make release" }
  production {
    registry = aws
    rollback on ALARM("OrdersApi_High_Severity")
    wave all { regions = rest }
  }
}
"#,
    ),
];
