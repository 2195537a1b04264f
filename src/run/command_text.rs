//! Whether a plan's commands say what they run.
//!
//! A command without a shell has two forms in a plan: `command`, the text
//! people read, and `argv`, the words that run. `pipec compile` writes
//! both from one `run` string, so they agree; a plan file edited by hand
//! (or written by another tool) can show `deploy v2` and run `rm -rf ~`.
//! What runs is always `argv`. This finds the commands whose text does not
//! say what runs, for a warning before anything runs.
//!
//! The text holds interpolated values as they are, unquoted, so a value
//! with a blank or a quote makes the text split into other words than
//! `argv` (which keeps each value whole): the two are taken to agree when
//! the text splits into `argv` (`plan::words::split`), or differs from
//! `argv`'s words only in blanks and quoting characters.

use crate::export::plan_v1::{Params, PlanV1};
use crate::plan::words::{self, Piece};

/// A command whose text does not split into the words that run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The step (or `alarm_command`).
    pub what: String,
    /// The text people read.
    pub command: String,
    /// The words that run.
    pub argv: Vec<String>,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: its command does not say what runs\n  command: {}\n  argv:    {:?}",
            self.what, self.command, self.argv
        )
    }
}

/// The commands of `plan` (each step's, each rollback, the alarm command)
/// whose text and argv disagree; commands in a shell have no argv.
pub fn disagreements(plan: &PlanV1) -> Vec<Disagreement> {
    let mut found = Vec::new();
    let mut check = |what: String, command: &str, argv: &[String]| {
        if !agree(command, argv) {
            found.push(Disagreement {
                what,
                command: command.to_string(),
                argv: argv.to_vec(),
            });
        }
    };
    for step in &plan.steps {
        let step_id = format!("step `{}`", step.id);
        match &step.params {
            Params::Build(build) if !build.shell => {
                if let Some(argv) = &build.argv {
                    check(step_id, &build.command, argv);
                }
            }
            Params::Test(test) if !test.shell => {
                if let (Some(command), Some(argv)) = (&test.command, &test.argv) {
                    check(step_id, command, argv);
                }
            }
            Params::Deploy(deploy) if !deploy.shell => {
                if let (Some(command), Some(argv)) = (&deploy.command, &deploy.argv) {
                    check(step_id.clone(), command, argv);
                }
                if let Some(rollback) = &deploy.rollback
                    && let Some(argv) = &rollback.argv
                {
                    check(
                        format!("the rollback of {step_id}"),
                        &rollback.command,
                        argv,
                    );
                }
            }
            _ => {}
        }
    }
    if let Some(alarm) = &plan.alarm_command {
        check("`alarm_command`".to_string(), &alarm.command, &alarm.argv);
    }
    found
}

fn agree(command: &str, argv: &[String]) -> bool {
    if words::split(&[Piece::Text(command)]).is_ok_and(|split| split == argv) {
        return true;
    }
    let bare = |text: &str| -> String {
        text.chars()
            .filter(|ch| !ch.is_whitespace() && !matches!(ch, '\'' | '"' | '\\'))
            .collect()
    };
    bare(command) == bare(&argv.concat())
}

#[cfg(test)]
mod tests {
    use super::agree;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn text_agrees_with_its_words_and_with_values_put_in_whole() {
        assert!(agree(
            "./deploy.sh --tag 'v 2'",
            &words(&["./deploy.sh", "--tag", "v 2"])
        ));
        // `run = "echo ${note}"` with a note holding a blank, or a quote.
        assert!(agree("echo a b", &words(&["echo", "a b"])));
        assert!(agree("echo it's", &words(&["echo", "it's"])));
    }

    #[test]
    fn text_that_names_other_words_disagrees() {
        assert!(!agree("./deploy.sh v2", &words(&["rm", "-rf", "/"])));
        assert!(!agree("./deploy.sh v2", &words(&["./deploy.sh", "v3"])));
        assert!(!agree("./deploy.sh", &words(&["./deploy.sh", "--force"])));
    }
}
