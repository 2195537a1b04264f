//! Which diagnostics a command reports, and in what order: `--quiet`,
//! `--deny-warnings`, `--select` and `--ignore`, and the findings of the
//! pipelines a command works on. Errors are always reported, first.

use miette::miette;
use pipec::diagnostics::render::{self, ColorChoice};
use pipec::diagnostics::{ALL_CODES, Code, Diagnostic};
use pipec::semantics::policies::RULES;
use pipec::source::SourceMap;

/// The flags that choose what is reported.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct ReportArgs {
    /// Report errors only: no warnings, no notes (`simulate`'s
    /// `simulating from ...`), and no closing count (`checked N files:
    /// ...`) when there are none; what the command produces is unchanged.
    #[arg(short, long)]
    pub quiet: bool,
    /// Fail (exit status 1; a command that writes a plan or an export
    /// writes nothing) when a warning is reported, as clippy's `-D
    /// warnings`.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Report only the warnings with these codes (`P0801`, `policy`) or
    /// policy rules (`onebox-first`); comma-separated or repeated. Errors
    /// are always reported.
    #[arg(long, value_name = "CODE|RULE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out the warnings with these codes or policy rules.
    #[arg(long, value_name = "CODE|RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// A code or a policy rule named by `--select` or `--ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selector {
    Code(Code),
    Rule(&'static str),
}

impl Selector {
    fn parse(text: &str, flag: &str) -> miette::Result<Selector> {
        let wanted = text.trim();
        if let Some(doc) = ALL_CODES
            .iter()
            .find(|doc| doc.code.as_str().eq_ignore_ascii_case(wanted) || doc.name == wanted)
        {
            if flag == "--ignore"
                && doc.code.default_severity() == pipec::diagnostics::Severity::Error
            {
                return Err(miette!(
                    code = "P1003",
                    help = "fix the error; `--ignore` leaves out warnings only",
                    "`{}` ({}) is an error, and errors are always reported",
                    doc.code.as_str(),
                    doc.name
                ));
            }
            return Ok(Selector::Code(doc.code));
        }
        if let Some(rule) = RULES.iter().find(|rule| rule.name == wanted) {
            return Ok(Selector::Rule(rule.name));
        }
        let names = ALL_CODES
            .iter()
            .map(|doc| doc.name)
            .chain(RULES.iter().map(|rule| rule.name));
        let help = match pipec::names::closest(wanted, names) {
            Some(name) => format!("did you mean `{name}`? `pipec explain --list` lists them all"),
            None => "`pipec explain --list` lists every code and policy rule".to_string(),
        };
        Err(miette!(
            code = "P1003",
            help = help,
            "{flag} {wanted}: not a diagnostic code or a policy rule"
        ))
    }

    fn matches(self, diagnostic: &Diagnostic) -> bool {
        match self {
            Selector::Code(code) => diagnostic.code == code,
            Selector::Rule(rule) => diagnostic
                .finding
                .as_ref()
                .is_some_and(|finding| finding.rule == rule),
        }
    }
}

/// The flags, checked: what to report.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    quiet: bool,
    deny_warnings: bool,
    select: Vec<Selector>,
    ignore: Vec<Selector>,
}

impl Filter {
    /// Checks the names `--select` and `--ignore` give.
    pub fn new(args: &ReportArgs) -> miette::Result<Filter> {
        let parse_all = |names: &[String], flag: &str| {
            names
                .iter()
                .filter(|name| !name.trim().is_empty())
                .map(|name| Selector::parse(name, flag))
                .collect::<miette::Result<Vec<_>>>()
        };
        Ok(Filter {
            quiet: args.quiet,
            deny_warnings: args.deny_warnings,
            select: parse_all(&args.select, "--select")?,
            ignore: parse_all(&args.ignore, "--ignore")?,
        })
    }

    /// Whether summaries and other progress are printed.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// The diagnostics to report, errors first (each group in place
    /// order). `pipelines`: the pipelines the command works on; a policy
    /// finding about none of them is left out.
    pub fn apply<'d>(
        &self,
        diagnostics: &'d [Diagnostic],
        pipelines: Option<&[&str]>,
    ) -> Reported<'d> {
        // A policy finding is about its pipelines: with some chosen, only
        // theirs are reported, errors included.
        let about_chosen = |diagnostic: &Diagnostic| match (pipelines, &diagnostic.finding) {
            (Some(chosen), Some(finding)) => finding
                .pipelines
                .iter()
                .any(|pipeline| chosen.contains(&pipeline.as_str())),
            _ => true,
        };
        let kept = |diagnostic: &&Diagnostic| {
            if diagnostic.is_error() {
                return about_chosen(diagnostic);
            }
            if self.quiet && !self.deny_warnings {
                return false;
            }
            if !self.select.is_empty() && !self.select.iter().any(|s| s.matches(diagnostic)) {
                return false;
            }
            if self.ignore.iter().any(|s| s.matches(diagnostic)) {
                return false;
            }
            about_chosen(diagnostic)
        };
        let shown = pipec::diagnostics::errors_first(diagnostics.iter().filter(kept));
        let errors = shown.iter().take_while(|d| d.is_error()).count();
        Reported {
            warnings: shown.len() - errors,
            errors,
            shown,
            deny_warnings: self.deny_warnings,
        }
    }
}

/// The diagnostics a command reports.
pub(crate) struct Reported<'d> {
    /// Errors, then warnings.
    pub shown: Vec<&'d Diagnostic>,
    /// How many of them are errors.
    pub errors: usize,
    /// How many are warnings.
    pub warnings: usize,
    deny_warnings: bool,
}

impl Reported<'_> {
    /// Whether the command fails: an error, or a warning under
    /// `--deny-warnings`.
    pub fn failed(&self) -> bool {
        self.errors > 0 || (self.deny_warnings && self.warnings > 0)
    }

    /// The reported diagnostics, owned, for the machine formats.
    pub fn owned(&self) -> Vec<Diagnostic> {
        self.shown.iter().map(|d| (*d).clone()).collect()
    }

    /// Renders them for people on standard error.
    pub fn to_stderr(&self, sources: &SourceMap, color: ColorChoice) {
        render::to_stderr(&self.owned(), sources, color);
    }

    /// The counts, as the closing line says them.
    pub fn counts(&self) -> String {
        pipec::diagnostics::counts(self.errors, self.warnings, self.deny_warnings)
    }

    /// The line `pipec check` closes with.
    pub fn check_closing_line(&self, file_count: usize) -> String {
        pipec::diagnostics::check_closing_line(
            file_count,
            self.errors,
            self.warnings,
            self.deny_warnings,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pipec::diagnostics::Finding;

    fn finding(rule: &'static str, pipelines: &[&str]) -> Diagnostic {
        let mut diagnostic = Diagnostic::warning(Code::POLICY, format!("[{rule}] x"));
        diagnostic.finding = Some(Box::new(Finding {
            rule,
            pipelines: pipelines.iter().map(|p| p.to_string()).collect(),
        }));
        diagnostic
    }

    fn args(select: &[&str], ignore: &[&str]) -> ReportArgs {
        ReportArgs {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
            ..ReportArgs::default()
        }
    }

    #[test]
    fn errors_come_first_and_are_never_filtered() {
        let diagnostics = vec![
            finding("onebox-first", &["a"]),
            Diagnostic::error(Code::SYNTAX, "broken"),
            finding("load-test", &["b"]),
        ];
        let filter = Filter::new(&ReportArgs {
            quiet: true,
            ..args(&["load-test"], &[])
        })
        .unwrap();
        let reported = filter.apply(&diagnostics, None);
        assert_eq!(reported.errors, 1);
        assert_eq!(reported.warnings, 0);
        let filter = Filter::new(&args(&[], &[])).unwrap();
        let reported = filter.apply(&diagnostics, None);
        assert!(reported.shown.first().is_some_and(|first| first.is_error()));
        assert_eq!(reported.warnings, 2);
    }

    #[test]
    fn select_and_ignore_take_codes_names_and_rules() {
        let diagnostics = vec![
            finding("onebox-first", &["a"]),
            finding("load-test", &["b"]),
            Diagnostic::warning(Code::EXEMPTION_EXPIRED, "expired"),
        ];
        let count = |select: &[&str], ignore: &[&str]| {
            Filter::new(&args(select, ignore))
                .unwrap()
                .apply(&diagnostics, None)
                .warnings
        };
        assert_eq!(count(&["load-test"], &[]), 1);
        assert_eq!(count(&["P0801"], &[]), 2);
        assert_eq!(count(&["policy"], &["onebox-first"]), 1);
        assert_eq!(count(&[], &["P0801"]), 1);
    }

    #[test]
    fn findings_about_other_pipelines_are_left_out() {
        let diagnostics = vec![
            finding("onebox-first", &["a", "b"]),
            finding("load-test", &["c"]),
        ];
        let filter = Filter::new(&ReportArgs::default()).unwrap();
        assert_eq!(filter.apply(&diagnostics, Some(&["b"])).warnings, 1);
        assert_eq!(filter.apply(&diagnostics, Some(&["c"])).warnings, 1);
        assert_eq!(filter.apply(&diagnostics, None).warnings, 2);
    }

    #[test]
    fn unknown_names_and_ignored_errors_are_refused() {
        assert!(Filter::new(&args(&["onebox-frist"], &[])).is_err());
        assert!(Filter::new(&args(&[], &["P0001"])).is_err());
        assert!(Filter::new(&args(&["P0001"], &[])).is_ok());
    }

    #[test]
    fn deny_warnings_fails_on_a_reported_warning_only() {
        let diagnostics = vec![finding("onebox-first", &["a"])];
        let deny = ReportArgs {
            deny_warnings: true,
            ..ReportArgs::default()
        };
        let filter = Filter::new(&deny).unwrap();
        assert!(filter.apply(&diagnostics, None).failed());
        assert!(!filter.apply(&diagnostics, Some(&["z"])).failed());
    }
}
