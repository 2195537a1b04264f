//! Commands in the plan: `run` of builds, tests and deploys, a deploy's
//! `rollback`, `shell`, `env` with secrets, and production's
//! `alarm_command`. Interpolated values stay inside one argument, or reach
//! shell code in environment variables it refers to; secrets appear only
//! by name.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::export::{convert, plan_v1};
use serde_json::{Value, json};

/// A value no command should ever run: a shell would split it, end its
/// quotes, run `rm` and substitute `$(...)` and backticks.
const HOSTILE: &str = "x; rm -rf / $(touch pwned) `id` 'q\" \\ end";

fn plans(text: &str) -> Vec<Value> {
    let compiled = support::compile_main(text, true);
    assert!(
        !compiled.has_errors(),
        "{}",
        pipec::diagnostics::render::to_plain_string(&compiled.diagnostics, &compiled.sources)
    );
    compiled
        .plans
        .iter()
        .map(|plan| {
            support::plan_value(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
        })
        .collect()
}

fn step<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn pipeline(service: &str) -> String {
    // `.pipe` strings escape `"` and `\`.
    let service = service.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r#"registry lab {{
  region lab-east-1 {{ traffic = low; azs = [labe1-az1, labe1-az2] }}
  region lab-west-1 {{ traffic = high }}
}}

pipeline orders {{
  platform = ecs
  service : string = "{service}"
  source code = git("orders", branch: "main") {{ require review }}
  build bundle from code {{
    run = "./build.sh --name=${{service}} '${{service}}' \"${{service}}\" ${{service}}"
    env SIGNING_KEY = secret("RELEASE_SIGNING_KEY")
    env SERVICE = "svc-${{service}}"
  }}
  stage beta {{
    deploy bundle {{ run = "./beta-deploy.sh" }}
    test smoke {{ run = "echo ${{service}} | tee smoke.log"; shell = true }}
  }}
  production {{
    registry = lab
    alarm_command = "./check-alarm.sh ${{service}}"
    rollback on ALARM("Orders_High_Severity")
    onebox {{ bake = 1h }}
    deploy bundle {{
      run = "./deploy.sh ${{service}}"
      rollback = "./rollback.sh ${{service}}"
      env DEPLOY_TOKEN = secret("DEPLOY_TOKEN")
    }}
    wave first {{ regions = [lab-east-1]; by az; bake = 2h }}
    wave rest {{ regions = rest }}
  }}
}}
"#
    )
}

#[test]
fn interpolated_values_stay_inside_one_argument() {
    let plan = &plans(&pipeline(HOSTILE))[0];
    let build = &step(plan, "build/bundle")["build"];
    assert_eq!(
        build["argv"],
        json!([
            "./build.sh",
            format!("--name={HOSTILE}"),
            HOSTILE,
            HOSTILE,
            HOSTILE
        ])
    );
    assert!(build.get("shell").is_none());
    let deploy = &step(plan, "production/rest/lab-west-1/deploy")["deploy"];
    assert_eq!(deploy["argv"], json!(["./deploy.sh", HOSTILE]));
    assert_eq!(
        deploy["rollback"]["argv"],
        json!(["./rollback.sh", HOSTILE])
    );
    assert_eq!(
        plan["alarm_command"]["argv"],
        json!(["./check-alarm.sh", HOSTILE])
    );
}

#[test]
fn shell_commands_refer_to_values_in_their_environment() {
    let plan = &plans(&pipeline(HOSTILE))[0];
    let test = &step(plan, "beta/test/smoke")["test"];
    assert_eq!(test["shell"], true);
    assert!(test.get("argv").is_none());
    let code = test["command"].as_str().unwrap();
    assert_eq!(code, "echo \"${PIPEC_VALUE_1}\" | tee smoke.log");
    assert_eq!(test["env"], json!({ "PIPEC_VALUE_1": HOSTILE }));
    // Run the shell code with `tee` swapped for `cat`, in a scratch
    // directory: the shell must print the value, and run nothing of it.
    let dir = std::env::temp_dir().join(format!("pipec-shell-quoting-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(code.replace("| tee smoke.log", "| cat"))
        .env("PIPEC_VALUE_1", HOSTILE)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("{HOSTILE}\n")
    );
    assert!(!dir.join("pwned").exists(), "the value ran a command");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn secrets_are_recorded_by_name_and_plain_values_are_interpolated() {
    let plan = &plans(&pipeline("orders-api"))[0];
    let build = &step(plan, "build/bundle")["build"];
    assert_eq!(
        build["env"],
        json!({
            "SERVICE": "svc-orders-api",
            "SIGNING_KEY": { "secret": "RELEASE_SIGNING_KEY" }
        })
    );
    assert_eq!(
        build["command"],
        "./build.sh --name=orders-api 'orders-api' \"orders-api\" orders-api"
    );
}

#[test]
fn every_deploy_of_a_scope_runs_its_commands() {
    let plan = &plans(&pipeline("orders-api"))[0];
    let production_steps: Vec<&Value> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|step| step["kind"] == "deploy" && step["target"]["stage"] == "production")
        .collect();
    // Each region's one-box, then each AZ of the first region, then the
    // second region whole.
    assert_eq!(production_steps.len(), 5);
    for step in production_steps {
        let deploy = &step["deploy"];
        assert_eq!(
            deploy["argv"],
            json!(["./deploy.sh", "orders-api"]),
            "{}",
            step["id"]
        );
        assert_eq!(
            deploy["rollback"]["argv"],
            json!(["./rollback.sh", "orders-api"])
        );
        assert_eq!(
            deploy["env"],
            json!({ "DEPLOY_TOKEN": { "secret": "DEPLOY_TOKEN" } })
        );
    }
    // A stage's deploys run the stage's own command.
    let beta = &step(plan, "beta/lab-east-1/deploy")["deploy"];
    assert_eq!(beta["argv"], json!(["./beta-deploy.sh"]));
    assert!(beta.get("rollback").is_none() && beta.get("env").is_none());
    assert_eq!(plan["alarm_command"]["provenance"]["line"], 21);
}

#[test]
fn a_pipeline_overrides_inherited_commands_and_adds_variables() {
    let text = r#"registry lab { region lab-east-1 { traffic = low } }

template Service {
  source code = git("orders", branch: "main") { require review }
  build bundle from code { run = "make"; env MODE = "release" }
  production {
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    deploy bundle { run = "./deploy.sh"; rollback = "./undo.sh" }
    wave all { regions = rest }
  }
}

pipeline orders extends Service {
  platform = ecs
  build bundle { env MODE = "debug"; new env EXTRA = "1"; shell = true }
  production { deploy bundle { run = "./deploy.sh --fast" } }
}
"#;
    let plan = &plans(text)[0];
    let build = &step(plan, "build/bundle")["build"];
    assert_eq!(build["env"], json!({ "EXTRA": "1", "MODE": "debug" }));
    assert_eq!(build["shell"], true);
    assert_eq!(build["command"], "make");
    let deploy = &step(plan, "production/all/lab-east-1/deploy")["deploy"];
    assert_eq!(deploy["argv"], json!(["./deploy.sh", "--fast"]));
    assert_eq!(deploy["rollback"]["argv"], json!(["./undo.sh"]));
}

/// A deploy that gives a `rollback` but no `run` (the platform deploys)
/// runs its rollback with its own `env`, which the plan keeps, with where
/// each entry is set.
#[test]
fn a_rollback_without_a_run_keeps_its_environment() {
    let text = r#"registry lab { region lab-east-1 { traffic = low } }

pipeline orders {
  platform = ecs
  source code = git("orders", branch: "main") { require review }
  build bundle from code { run = "make" }
  production {
    registry = lab
    rollback on ALARM("Orders_High_Severity")
    deploy bundle { rollback = "./undo.sh"; env TOKEN = secret("UNDO_TOKEN"); env MODE = "fast" }
    wave all { regions = rest }
  }
}
"#;
    let plan = &plans(text)[0];
    let deploy_step = step(plan, "production/all/lab-east-1/deploy");
    let deploy = &deploy_step["deploy"];
    assert!(deploy.get("command").is_none());
    assert_eq!(deploy["rollback"]["argv"], json!(["./undo.sh"]));
    assert_eq!(
        deploy["env"],
        json!({ "MODE": "fast", "TOKEN": { "secret": "UNDO_TOKEN" } })
    );
    let provenance = deploy_step["field_provenance"].as_object().unwrap();
    assert!(
        provenance.contains_key("/deploy/env/TOKEN") && provenance.contains_key("/deploy/env/MODE"),
        "{provenance:?}"
    );
}
