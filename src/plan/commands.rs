//! Commands of the plan: `run` of builds, tests and deploys, a deploy's
//! `rollback`, production's `alarm_command`, with `shell` and `env`.
//! Values are put into commands so that they stay whole (see
//! [`super::words`]); type and shape errors are P0701, at the value.

use super::shell::{self, Refusal, ShellError, Values};
use super::values::string_literal;
use super::words::{self, Piece, WordsError};
use super::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::semantics::merge::{Key, Resolved, ResolvedBlock};
use crate::syntax::ast::{Expr, ExprKind};
use std::collections::BTreeMap;

/// The commands of one body's deployments.
#[derive(Debug, Clone, Default)]
pub(super) struct DeployCommands {
    /// Boxed as the deploy steps hold them, each a copy.
    pub(super) run: Option<Box<Run>>,
    pub(super) rollback: Option<Box<CommandLine>>,
    /// The environment of a `rollback` given without a `run` (with one,
    /// the rollback runs with the `run`'s), by name.
    pub(super) rollback_env: BTreeMap<String, EnvValue>,
    /// Where the command, its `shell` and `env`, and the rollback are set.
    pub(super) traces: Vec<(Field, Trace)>,
}

impl<'w> super::lower::Lowerer<'_, 'w> {
    /// The `run` of a build or test body, with its `shell` and `env`.
    pub(super) fn run(&mut self, body: &ResolvedBlock<'w>) -> Option<Run> {
        let shell = self.boolean(body, "shell").unwrap_or(false);
        let env = self.env(body);
        let mut values = Values::default();
        let mut line = self.command_line(body, "run", shell, &mut values)?;
        line.values = values
            .variables()
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        Some(Run { line, shell, env })
    }

    /// Where a command's fields are set: its `run` (when `run` is
    /// `Some`), `shell` and each of its environment variables.
    pub(super) fn run_traces(
        &self,
        body: &ResolvedBlock<'w>,
        run: Option<&Run>,
    ) -> Vec<(Field, Trace)> {
        let Some(run) = run else {
            return Vec::new();
        };
        let mut traces = Vec::new();
        if let Some(member) = self.field(body, "run") {
            traces.push((Field::Command, self.trace(member)));
        }
        // `shell` is written only when true: a `shell = false` leaves no
        // value in the plan to trace.
        if run.shell
            && let Some(member) = self.field(body, "shell")
        {
            traces.push((Field::Shell, self.trace(member)));
        }
        for name in run.env.keys() {
            if let Some(member) = body.get(&Key::Named("env", name)) {
                traces.push((Field::Env(name.clone()), self.trace(member)));
            }
        }
        traces
    }

    /// `P0709` at each `env` entry of `body`, a test's or a deploy's,
    /// which runs no command that the entry could reach; `why` says so.
    pub(super) fn env_without_command(&mut self, body: &ResolvedBlock<'w>, why: &str) {
        for (key, member) in &body.members {
            let Key::Named("env", name) = key else {
                continue;
            };
            let crate::syntax::ast::MemberKind::Env { name: ident, .. } = &member.member.kind
            else {
                continue;
            };
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::ENV_WITHOUT_COMMAND,
                    format!("`env {name}` reaches no command: {why}"),
                )
                .primary(member.origin.file, ident.span, "set for no command")
                .help("give the body its `run`, move the entry to the member whose command needs it, or delete it"),
            );
        }
    }

    /// The commands of the `deploy` members of a body (a stage or
    /// production). Several `deploy` members deploy together in one step,
    /// which runs one command: at most one of them may give `run`, and at
    /// most one `rollback`.
    pub(super) fn deploy_commands(&mut self, body: &ResolvedBlock<'w>) -> DeployCommands {
        let mut commands = DeployCommands::default();
        let mut run_from: Option<&Resolved<'w>> = None;
        let mut rollback_from: Option<&Resolved<'w>> = None;
        // The environment of the member giving `rollback`, for a rollback
        // without a `run`.
        let mut rollback_env = BTreeMap::new();
        // The run and the rollback share one environment, so one numbering.
        let mut values = Values::default();
        for (key, member) in &body.members {
            let (Key::Deploy(_), Some(deploy_body)) = (key, member.body.as_ref()) else {
                continue;
            };
            let shell = self.boolean(deploy_body, "shell").unwrap_or(false);
            // Read (and checked) even when the command is wrong.
            let env = self.env(deploy_body);
            if self.field(deploy_body, "rollback").is_some() && rollback_from.is_none() {
                rollback_env.clone_from(&env);
            }
            if self.field(deploy_body, "run").is_some() {
                if let Some(first) = run_from {
                    self.second_deploy_field(member, first, "run", "a `run` command");
                } else {
                    run_from = Some(member);
                    if let Some(line) = self.command_line(deploy_body, "run", shell, &mut values) {
                        let run = Run { line, shell, env };
                        commands
                            .traces
                            .extend(self.run_traces(deploy_body, Some(&run)));
                        commands.run = Some(Box::new(run));
                    }
                }
            }
            if self.field(deploy_body, "rollback").is_some() {
                if let Some(first) = rollback_from {
                    self.second_deploy_field(member, first, "rollback", "a `rollback` command");
                } else {
                    rollback_from = Some(member);
                    commands.rollback = self
                        .command_line(deploy_body, "rollback", shell, &mut values)
                        .map(Box::new);
                    if commands.rollback.is_some()
                        && let Some(field) = self.field(deploy_body, "rollback")
                    {
                        commands.traces.push((Field::Rollback, self.trace(field)));
                    }
                }
            }
        }
        // Without a `run`, the rollback runs with its own member's `env`.
        if run_from.is_none()
            && commands.rollback.is_some()
            && let Some(from) = rollback_from
            && let Some(from_body) = from.body.as_ref()
        {
            for name in rollback_env.keys() {
                if let Some(member) = from_body.get(&Key::Named("env", name)) {
                    commands
                        .traces
                        .push((Field::Env(name.clone()), self.trace(member)));
                }
            }
            commands.rollback_env = rollback_env;
        }
        // An entry of a member whose `run` is not the step's reaches no
        // command: a rollback runs with the `run`'s environment when there
        // is one, and with its own member's only when there is none.
        let key_of = |from: Option<&Resolved<'w>>| {
            body.members
                .iter()
                .find(|(_, member)| from.is_some_and(|from| std::ptr::eq(from, &**member)))
                .map(|(key, _)| key.describe())
        };
        let (run_key, rollback_key) = (key_of(run_from), key_of(rollback_from));
        for (key, member) in &body.members {
            let (Key::Deploy(_), Some(deploy_body)) = (key, member.body.as_ref()) else {
                continue;
            };
            let gives = |from: Option<&Resolved<'w>>| {
                from.is_some_and(|from| std::ptr::eq(from, &**member))
            };
            if gives(run_from) || (run_from.is_none() && gives(rollback_from)) {
                continue;
            }
            let why = match (&run_key, &rollback_key) {
                (Some(from), _) => {
                    format!("the step runs the `run` of {from}, with that member's `env` only")
                }
                (None, Some(from)) => format!(
                    "the step runs only the `rollback` of {from}, with that member's `env` only"
                ),
                (None, None) => format!("{} has no `run` or `rollback`", key.describe()),
            };
            self.env_without_command(deploy_body, &why);
        }
        let variables: Vec<(String, String)> = values
            .variables()
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        for line in commands
            .run
            .as_mut()
            .map(|run| &mut run.line)
            .into_iter()
            .chain(commands.rollback.as_deref_mut())
        {
            line.values.clone_from(&variables);
        }
        // One entry per field, in field order, whichever member gave it.
        commands.traces.sort_by(|(a, _), (b, _)| a.cmp(b));
        commands.traces.dedup_by(|(a, _), (b, _)| a == b);
        commands
    }

    /// `production { alarm_command = "..." }`: always run without a shell.
    pub(super) fn alarm_command(
        &mut self,
        production: &ResolvedBlock<'w>,
    ) -> Option<(CommandLine, Trace)> {
        let trace = self.trace(self.field(production, "alarm_command")?);
        let line = self.command_line(production, "alarm_command", false, &mut Values::default())?;
        Some((line, trace))
    }

    /// A command field of `body` as a command line; `shell` says whether
    /// it is shell code, whose values are numbered in `values`. Reports a
    /// value that is not a string, a string that is not a command, or a
    /// value that stands where shell code cannot take it.
    fn command_line(
        &mut self,
        body: &ResolvedBlock<'w>,
        name: &str,
        shell: bool,
        values: &mut Values,
    ) -> Option<CommandLine> {
        let member = self.field(body, name)?;
        let (expr, file) = self.value_of(member)?;
        let Some(string) = string_literal(expr) else {
            self.mismatch(file, expr, "a string");
            return None;
        };
        let parts = self.interpolated_parts(string, file);
        let pieces: Vec<Piece<'_>> = parts
            .iter()
            .map(|(text, value)| {
                if value.is_some() {
                    Piece::Value(text)
                } else {
                    Piece::Text(text)
                }
            })
            .collect();
        let line = if shell {
            shell::shell_text(&pieces, values).map(|command| CommandLine {
                command,
                argv: None,
                values: Vec::new(),
            })
        } else {
            words::split(&pieces)
                .map(|argv| CommandLine {
                    command: parts.iter().map(|(text, _)| text.as_str()).collect(),
                    argv: Some(argv),
                    values: Vec::new(),
                })
                .map_err(ShellError::Words)
        };
        match line {
            Ok(line) => Some(line),
            Err(ShellError::Words(error)) => {
                self.bad_command(file, expr, name, error);
                None
            }
            Err(ShellError::Refused { piece, refusal }) => {
                let span = parts
                    .get(piece)
                    .and_then(|(_, span)| *span)
                    .unwrap_or(expr.span);
                self.refused_value(file, span, name, refusal);
                None
            }
        }
    }

    /// A value stands where no reference to it is safe in shell code.
    fn refused_value(
        &mut self,
        file: FileId,
        span: crate::source::Span,
        field: &str,
        refusal: Refusal,
    ) {
        let help = match refusal {
            Refusal::Arithmetic(_) | Refusal::Name(_) | Refusal::Attribute { .. } => {
                "bash runs `cmd` from a text like `a[$(cmd)]` here, whatever variable \
                 holds it: set `env NAME = \"${...}\"` and check `$NAME` in the code \
                 before it stands here (a number: `case $NAME in ''|*[!0-9]*) exit 1;; \
                 esac`), or pass the value to a script that checks it"
            }
            Refusal::Reevaluated(_) => {
                "keep values out of code that is read again: pass the value as an argument \
                 of a script, or set `env NAME = \"${...}\"` and let the code that is \
                 read again write `\"$NAME\"`"
            }
            _ => {
                "pass it as an argument of a script, or set `env NAME = \"${...}\"` and \
                 write `$NAME` in the shell code where it is read as you mean"
            }
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::SHELL_VALUE_PLACE,
                format!("a value cannot stand here in the shell code of `{field}`: {refusal}"),
            )
            .primary(file, span, "this value")
            .help(help),
        );
    }

    /// The `env NAME = VALUE` entries of a body.
    fn env(&mut self, body: &ResolvedBlock<'w>) -> BTreeMap<String, EnvValue> {
        let mut env = BTreeMap::new();
        for (key, member) in &body.members {
            let Key::Named("env", name) = key else {
                continue;
            };
            let Some((expr, file)) = self.value_of(member) else {
                continue;
            };
            // Reported where it is written (`env_name_problem`), in every
            // file, whether or not a pipeline inherits it.
            if !is_env_name(name) {
                continue;
            }
            if let Some(value) = self.env_value(expr, file) {
                env.insert(name.to_string(), value);
            }
        }
        env
    }

    fn env_value(&mut self, expr: &Expr, file: FileId) -> Option<EnvValue> {
        if let Some(string) = string_literal(expr) {
            return Some(EnvValue::Text(self.interpolate(string, file)));
        }
        if let ExprKind::Call { callee, args } = &expr.kind
            && callee.is_dotted("secret")
        {
            let secret = match args.as_slice() {
                [arg] if arg.name.is_none() => string_literal(&arg.value)
                    .and_then(|string| string.as_plain())
                    .filter(|name| is_env_name(name)),
                _ => None,
            };
            if let Some(secret) = secret {
                return Some(EnvValue::Secret(secret));
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::TYPE_MISMATCH,
                    "`secret` takes the name of an environment variable",
                )
                .primary(file, expr.span, "not a secret's name")
                .help(
                    "write `secret(\"DEPLOY_TOKEN\")`: the runner reads the value from its \
                     environment variable `DEPLOY_TOKEN`; the plan holds only the name",
                ),
            );
            return None;
        }
        self.mismatch(file, expr, "a string or `secret(\"NAME\")`");
        None
    }

    fn bad_command(&mut self, file: FileId, expr: &Expr, field: &str, error: WordsError) {
        let help = match error {
            WordsError::UnclosedQuote(_) => {
                "close the quote; inside the string, a double quote is written `\\\"`".to_string()
            }
            WordsError::TrailingBackslash => {
                "remove the backslash, or write `\\\\\\\\` for a backslash argument".to_string()
            }
            // `alarm_command` has no `shell`: it always runs without one.
            WordsError::ShellOperator(_) if field == "alarm_command" => {
                "quote the character to pass it to the program; `alarm_command` always runs \
                 without a shell, so put shell code in a script and name the script here"
                    .to_string()
            }
            WordsError::ShellOperator(_) => "quote the character to pass it to the program, or \
                 write `shell = true` next to it to run the command with `sh -c`"
                .to_string(),
            WordsError::Empty => format!("give a command, or remove `{field}`"),
            WordsError::EmptyProgram => {
                "give the field inserted first a value that is not empty, or write the \
                 program's name first"
                    .to_string()
            }
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("`{field}` is not a command: {error}"),
            )
            .primary(file, expr.span, "this command")
            .help(help),
        );
    }

    /// `P0103` for a second `deploy` member of one body giving the field
    /// `field` ([`second_deploy_field`]).
    pub(super) fn second_deploy_field(
        &mut self,
        again: &Resolved<'w>,
        first: &Resolved<'w>,
        field: &str,
        what: &str,
    ) {
        self.diagnostics.push(second_deploy_field(
            (
                again.origin.file,
                crate::semantics::merge::head_span(again.member),
            ),
            (
                first.origin.file,
                crate::semantics::merge::head_span(first.member),
            ),
            field,
            what,
        ));
    }
}

/// `P0103` for a second `deploy` member of one body, at `again`, giving
/// the field `field` (`what`: "a `run` command") that the one at `first`
/// gives: the body's artifacts deploy in one step, which has one of each.
/// Reported where a body is written and where a pipeline's merged body is
/// lowered, as one diagnostic.
pub fn second_deploy_field(
    again: (FileId, Span),
    first: (FileId, Span),
    field: &str,
    what: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::DUPLICATE_DEFINITION,
        format!("two `deploy` members give {what} for one deployment"),
    )
    .primary(again.0, again.1, format!("a second `{field}`"))
    .secondary(first.0, first.1, "the first")
    .help(format!(
        "the artifacts a body deploys go out in one step, with one `{field}`: write \
         them in one member, `deploy a, b {{ {field} = ... }}`"
    ))
}

/// The fields of which the `deploy` members of one body give at most one,
/// with how a second is described.
pub const ONE_PER_DEPLOYMENT: [(&str, &str); 3] = [
    ("run", "a `run` command"),
    ("rollback", "a `rollback` command"),
    ("strategy", "a `strategy`"),
];

/// `P0701` for an `env` entry whose name cannot name an environment
/// variable the plan sets (see [`is_env_name`]), at the name.
pub fn env_name_problem(name: &crate::syntax::ast::Ident, file: FileId) -> Option<Diagnostic> {
    (!is_env_name(&name.name)).then(|| {
        Diagnostic::error(
            Code::TYPE_MISMATCH,
            format!("`{}` is not a name for an environment variable", name.name),
        )
        .primary(file, name.span, "not a variable name")
        .help(
            "environment variables are named with letters, digits and `_`, \
             not starting with a digit, and not starting with `PIPEC_` \
             (the runner's own)",
        )
    })
}

/// Whether `name` can name an environment variable the plan sets: a C
/// identifier that is not one of the runner's own (`PIPEC_...`).
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    starts_well
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !name.starts_with("PIPEC_")
}
