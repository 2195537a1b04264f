//! Values in `shell = true` commands, run for real: every hostile value in
//! every lexical context of `sh` (top level, quotes, command substitution
//! nested or in double quotes, backticks, here-documents, comments) is
//! compiled, then run by `pipec run` under the system's `sh`. No value may
//! run anything, and where a value is printed it comes back byte for byte.
//! Where no reference to a value is safe (`eval`, `$((...))` and the other
//! places where bash evaluates a variable's text as arithmetic or as a
//! name, a quoted here-document, ...) the compiler refuses the command with
//! P0708.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod run_support;
mod support;

use run_support::*;

/// Values that would run `touch CANARY...` (or print `CANARY`) if the shell
/// read them as code, and values whose text a shell changes (`\`, `$HOME`,
/// `*`, `-n`, empty, a trailing line break).
const HOSTILE: &[&str] = &[
    "$(touch CANARY1)",
    "`touch CANARY2`",
    "\"; touch CANARY3; \"",
    "'; touch CANARY4; '",
    "x\ntouch CANARY5",
    "EOF\ntouch CANARY6\nEOF",
    "END\n\tEND\ntouch CANARY7",
    "a[$(touch CANARY8)]",
    "$((1+1)) ${HOME} $HOME",
    "\\",
    "\\\\\"\\'",
    "*",
    "-n",
    "",
    "ünïcödé ✓ 日本語",
    "x # y\n# z",
    "${PIPEC_VALUE_1}\"${PIPEC_VALUE_2}\"",
    ") ; touch CANARY9 ; (",
    "} ; touch CANARY10 ; {",
    "trailing line break\n",
    "\t tabs \t and  spaces ",
];

/// A context: the build's name, its shell code with `@V@` where the value
/// stands, the file it writes, and what that file must hold for `value`.
struct Context {
    name: &'static str,
    code: &'static str,
    output: &'static str,
    expect: fn(&str) -> String,
}

fn same(value: &str) -> String {
    value.to_string()
}

/// Command substitution removes trailing line breaks, whatever they are.
fn substituted(value: &str) -> String {
    value.trim_end_matches('\n').to_string()
}

fn line(value: &str) -> String {
    format!("{value}\n")
}

const CONTEXTS: &[Context] = &[
    Context {
        name: "top",
        code: "printf '%s' @V@ > top.out",
        output: "top.out",
        expect: same,
    },
    Context {
        name: "single",
        code: "printf '%s' '@V@' > single.out",
        output: "single.out",
        expect: same,
    },
    Context {
        name: "double",
        code: "printf '%s' \"@V@\" > double.out",
        output: "double.out",
        expect: same,
    },
    Context {
        name: "joined",
        code: "printf '%s' a@V@'b'@V@\"c\"@V@ > joined.out",
        output: "joined.out",
        expect: |value| format!("a{value}b{value}c{value}"),
    },
    Context {
        name: "double-substitution",
        code: "printf '%s' \"$(printf '%s' @V@)\" > double-substitution.out",
        output: "double-substitution.out",
        expect: substituted,
    },
    Context {
        name: "substitution",
        code: "x=$(printf '%s' @V@); printf '%s' \"$x\" > substitution.out",
        output: "substitution.out",
        expect: substituted,
    },
    Context {
        name: "nested",
        code: "printf '%s' \"$(printf '%s' \"$(printf '%s' '@V@')\")\" > nested.out",
        output: "nested.out",
        expect: substituted,
    },
    Context {
        name: "backticks",
        code: "x=`printf '%s' @V@`; printf '%s' \"$x\" > backticks.out",
        output: "backticks.out",
        expect: substituted,
    },
    Context {
        name: "double-backticks",
        code: "printf '%s' \"`printf '%s' \"@V@\"`\" > double-backticks.out",
        output: "double-backticks.out",
        expect: substituted,
    },
    Context {
        name: "here-document",
        code: "cat > here-document.out <<EOF\n@V@\nEOF\ntrue",
        output: "here-document.out",
        expect: line,
    },
    Context {
        name: "here-document-tabs",
        code: "cat > here-document-tabs.out <<-END\n\t@V@ and $(printf '%s' @V@)\n\tEND\ntrue",
        output: "here-document-tabs.out",
        expect: |value| format!("{value} and {}\n", substituted(value)),
    },
    Context {
        name: "comment",
        code: "printf ok > comment.out # @V@ it's\nprintf '%s' '@V@' >> comment.out",
        output: "comment.out",
        expect: |value| format!("ok{value}"),
    },
];

/// Shell code as the text of a `.pipe` string, `@V@` becoming `${v}`.
fn pipe_string(code: &str) -> String {
    code.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
        .replace("@V@", "${v}")
}

/// A pipeline of one source and a shell build per command.
fn pipeline(value: &str, commands: &[(&str, &str)]) -> String {
    let mut text = format!(
        "pipeline shell {{\n  platform = ecs\n  v : string = \"{}\"\n  \
         source code = git(\"code\", branch: \"main\") {{ require review }}\n",
        pipe_string(value)
    );
    for (name, code) in commands {
        text.push_str(&format!(
            "  build {name} from code {{ run = \"{}\"; shell = true }}\n",
            pipe_string(code)
        ));
    }
    text.push_str("}\n");
    text
}

/// Files anywhere in the workspace whose name says a value ran, and the
/// step logs' lines that mention a canary.
fn canaries(workspace: &Workspace) -> Vec<String> {
    let mut found = Vec::new();
    for path in files_under(&workspace.dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("CANARY") {
            found.push(name);
        } else if name.ends_with(".log") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            found.extend(
                text.lines()
                    .filter(|line| line.contains("CANARY"))
                    .map(|line| format!("{}: {line}", path.display())),
            );
        }
    }
    found
}

#[test]
fn no_value_runs_and_every_value_comes_back_exactly() {
    let commands: Vec<(&str, &str)> = CONTEXTS
        .iter()
        .map(|context| (context.name, context.code))
        .collect();
    for value in HOSTILE {
        let workspace = Workspace::new("shell-values");
        workspace.file("pipeline.pipe", &pipeline(value, &commands));
        let output = workspace.run(&["run", "pipeline.pipe"]);
        assert_exit(&output, 0);
        assert_eq!(
            canaries(&workspace),
            Vec::<String>::new(),
            "value {value:?}"
        );
        for context in CONTEXTS {
            let written = std::fs::read(workspace.dir.join(context.output))
                .unwrap_or_else(|error| panic!("{} for {value:?}: {error}", context.name));
            assert_eq!(
                String::from_utf8(written).unwrap(),
                (context.expect)(value),
                "context {} with value {value:?}",
                context.name
            );
        }
        // The plan carries the value, not code made of it.
        let plan = support::plan_value(
            &std::fs::read_to_string(workspace.state("shell").join("plan.json")).unwrap(),
        );
        let json = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["id"] == "build/top")
            .unwrap();
        assert_eq!(
            json["build"]["command"],
            "printf '%s' \"${PIPEC_VALUE_1}\" > top.out"
        );
        assert_eq!(json["build"]["env"]["PIPEC_VALUE_1"], *value);
    }
}

/// Places where no reference to a value is safe.
const REFUSED: &[(&str, &str)] = &[
    ("eval", "eval \"printf '%s' @V@\""),
    ("eval-substitution", "eval \"$(printf '%s' @V@)\""),
    ("command-eval", "true && command eval x @V@"),
    ("trap", "trap \"echo @V@\" EXIT"),
    ("alias", "alias x='@V@'"),
    ("arithmetic", "echo $(( @V@ + 1 ))"),
    ("arithmetic-quoted", "echo \"$((@V@))\""),
    ("arithmetic-substitution", "echo $(( $(printf '%s' @V@) ))"),
    ("single-quoted-here-document", "cat <<'EOF'\n@V@\nEOF"),
    ("double-quoted-here-document", "cat <<\"EOF\"\n@V@\nEOF"),
    ("escaped-here-document", "cat <<\\EOF\nx\n@V@\nEOF"),
    ("here-document-delimiter", "cat <<@V@\nx\n"),
    ("parameter-expansion", "echo \"${X:-@V@}\""),
    // bash evaluates these as arithmetic, and runs `cmd` from `a[$(cmd)]`:
    // also `bash --posix`, which is `sh` on some systems.
    ("let", "let \"n=@V@\""),
    ("arithmetic-command", "(( n = @V@ ))"),
    ("for-arithmetic", "for ((i = @V@; i < 1; i++)); do :; done"),
    ("old-arithmetic", "echo $[ @V@ + 1 ]"),
    ("conditional-eq", "[[ @V@ -eq 1 ]]"),
    ("conditional-ge", "[[ 1 -ge \"@V@\" ]]"),
    ("subscript", "arr[@V@]=x"),
    ("compound-subscript", "arr=([@V@]=x)"),
    ("subscript-expansion", "echo \"${arr[@V@]}\""),
    ("declare-integer", "declare -i n=@V@"),
    ("typeset-integer", "typeset -i n; n=@V@"),
    ("local-integer", "f() { local -i n=\"@V@\"; }; f"),
    // bash reads these as a variable's name, and evaluates its subscript.
    ("declare-nameref", "declare -n r=@V@; r=1"),
    ("declare-name", "declare @V@=1"),
    ("unset", "unset @V@"),
    ("read", "read -r @V@ < /dev/null"),
    ("printf-v", "printf -v @V@ x"),
    ("test-v", "[ -v @V@ ]"),
    ("conditional-v", "[[ -v @V@ ]]"),
];

#[test]
fn values_where_no_reference_is_safe_are_refused() {
    for (name, code) in REFUSED {
        let workspace = Workspace::new("shell-values-refused");
        workspace.file(
            "pipeline.pipe",
            &pipeline("$(touch CANARY)", &[("refused", code)]),
        );
        let output = workspace.run(&["run", "pipeline.pipe"]);
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert!(err.contains("error[P0708]"), "{name}: {err}");
        // The label is on the `${v}` of the build's `run` (line 5).
        let column = pipe_string(code).find("${v}").unwrap()
            + "  build refused from code { run = \"".len()
            + 1;
        assert!(
            err.contains(&format!("pipeline.pipe:5:{column}")),
            "{name}: {err}"
        );
        assert_eq!(canaries(&workspace), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn a_deploy_and_its_rollback_share_one_numbering() {
    let workspace = Workspace::new("shell-values-rollback");
    workspace.file(
        "pipeline.pipe",
        &format!(
            r#"{LAB}
pipeline shell {{
  platform = ecs
  a : string = "$(touch CANARY1)"
  b : string = "'; touch CANARY2"
  source code = git("code", branch: "main") {{ require review }}
  build bundle from code {{ run = "true" }}
  production {{
    registry = lab
    rollback on ALARM("Shell_High_Severity")
    deploy bundle {{
      run = "printf '%s|%s' ${{a}} \"${{b}}\" > deploy.out"
      rollback = "printf '%s|%s' '${{b}}' ${{a}} > rollback.out"
      shell = true
    }}
    wave all {{ regions = rest }}
  }}
}}
"#
        ),
    );
    let output = workspace.run(&["compile", "pipeline.pipe", "-o", "plan.json"]);
    assert_exit(&output, 0);
    let plan =
        support::plan_value(&std::fs::read_to_string(workspace.dir.join("plan.json")).unwrap());
    let deploy = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["kind"] == "deploy")
        .unwrap();
    let deploy = &deploy["deploy"];
    assert_eq!(
        deploy["env"],
        serde_json::json!({
            "PIPEC_VALUE_1": "$(touch CANARY1)",
            "PIPEC_VALUE_2": "'; touch CANARY2",
        })
    );
    assert_eq!(
        deploy["command"],
        "printf '%s|%s' \"${PIPEC_VALUE_1}\" \"${PIPEC_VALUE_2}\" > deploy.out"
    );
    assert_eq!(
        deploy["rollback"]["command"],
        "printf '%s|%s' ''\"${PIPEC_VALUE_2}\"'' \"${PIPEC_VALUE_1}\" > rollback.out"
    );
    // The rollback runs with the step's environment: run it as the runner
    // would, with that environment.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(deploy["rollback"]["command"].as_str().unwrap())
        .current_dir(&workspace.dir)
        .env("PIPEC_VALUE_1", "$(touch CANARY1)")
        .env("PIPEC_VALUE_2", "'; touch CANARY2")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(workspace.dir.join("rollback.out")).unwrap(),
        "'; touch CANARY2|$(touch CANARY1)"
    );
    assert_eq!(canaries(&workspace), Vec::<String>::new());
}
