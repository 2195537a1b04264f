//! Secrets: read from the runner's environment when the run starts, given
//! to the commands that name them as environment variables, and masked
//! (`***`) in everything the run writes or prints.

use crate::export::plan_v1::{Env, EnvValue, Params, PlanV1};
use std::collections::BTreeMap;

/// What replaces a secret's value.
pub const MASK: &str = "***";

/// The secrets a plan names, with their values.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    values: BTreeMap<String, String>,
    /// What is masked, longest first, so that a secret containing another
    /// is masked whole.
    masked: Vec<String>,
}

impl Secrets {
    /// Reads every secret the plan names through `lookup` (the process
    /// environment, in a run); the names of those not set are the error.
    pub fn read(
        plan: &PlanV1,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Secrets, Vec<String>> {
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for name in secret_names(plan) {
            match lookup(&name) {
                Some(value) => {
                    values.insert(name, value);
                }
                None => missing.push(name),
            }
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut masked: Vec<String> = Vec::new();
        for value in values.values() {
            // A value over several lines is masked line by line too, since
            // output is masked a line at a time.
            for part in std::iter::once(value.as_str()).chain(value.lines()) {
                let part = part.trim_end_matches('\r');
                if !part.is_empty() && !masked.iter().any(|known| known == part) {
                    masked.push(part.to_string());
                }
            }
        }
        masked.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Ok(Secrets { values, masked })
    }

    /// The value of the secret `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The names of every secret of the plan (the runner's environment
    /// variables that hold them).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// `text` with every secret's value replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.masked {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

/// A secret shorter than this many characters is warned about: masking
/// every occurrence of a two-letter value garbles every log it appears in.
pub const SHORT_SECRET: usize = 4;

impl Secrets {
    /// The names of the secrets whose values are shorter than
    /// [`SHORT_SECRET`] characters (not bytes: `ééé` is as short as `abc`).
    pub fn short(&self) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(_, value)| value.chars().count() < SHORT_SECRET)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Secrets with these values, for tests of what masks them.
    #[cfg(test)]
    pub fn of_values(values: &[&str]) -> Secrets {
        let mut masked: Vec<String> = values.iter().map(|value| value.to_string()).collect();
        masked.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Secrets {
            values: BTreeMap::new(),
            masked,
        }
    }

    /// The length of the longest text masked, in bytes.
    pub fn longest(&self) -> usize {
        self.masked.iter().map(String::len).max().unwrap_or(0)
    }

    /// The start of a masked text in `bytes` that a cut at `cut` would
    /// split (begins before it and ends after it), if any: the earliest.
    pub fn straddling(&self, bytes: &[u8], cut: usize) -> Option<usize> {
        self.masked
            .iter()
            .filter_map(|secret| {
                let secret = secret.as_bytes();
                let first = cut.saturating_sub(secret.len().saturating_sub(1));
                (first..cut).find(|&start| {
                    start + secret.len() > cut
                        && bytes.get(start..start + secret.len()) == Some(secret)
                })
            })
            .min()
    }

    /// The end of the longest masked text that starts at `start`.
    pub fn occurrence_end(&self, bytes: &[u8], start: usize) -> Option<usize> {
        self.masked
            .iter()
            .map(String::as_bytes)
            .filter(|secret| bytes.get(start..start + secret.len()) == Some(*secret))
            .map(|secret| start + secret.len())
            .max()
    }
}

/// The names of the secrets a plan's commands use, sorted, each once.
pub fn secret_names(plan: &PlanV1) -> Vec<String> {
    let mut names: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|step| env_of(&step.params))
        .flat_map(|env| env.values())
        .filter_map(|value| match value {
            EnvValue::Secret(secret) => Some(secret.secret.clone()),
            EnvValue::Text(_) => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The environment of a step's command, if the step has one.
pub fn env_of(params: &Params) -> Option<&Env> {
    match params {
        Params::Build(build) => Some(&build.env),
        Params::Test(test) => Some(&test.env),
        Params::Deploy(deploy) => Some(&deploy.env),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_is_masked_longest_first() {
        let secrets = Secrets {
            values: BTreeMap::new(),
            masked: vec!["hunter22".to_string(), "hunter2".to_string()],
        };
        assert_eq!(
            secrets.mask("a hunter22 b hunter2 c hunter2hunter2"),
            "a *** b *** c ******"
        );
        assert_eq!(secrets.mask("nothing here"), "nothing here");
    }

    #[test]
    fn a_short_secret_is_counted_in_characters() {
        let values = [("A", "ééé"), ("B", "abc"), ("C", "abcd"), ("D", "éééé")];
        let secrets = Secrets {
            values: values
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            masked: Vec::new(),
        };
        assert_eq!(secrets.short(), ["A", "B"]);
    }
}
