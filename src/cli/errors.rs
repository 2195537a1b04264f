//! How the command line's own errors (a missing file, a flag that does
//! not fit, a `pipec.toml` that cannot be read) are printed: as the same
//! kind of diagnostic as a source error, `error[P1003]: message` with
//! `= help:` lines and the same colours, so that everything `pipec`
//! prints reads as one family. The errors themselves are miette reports
//! (or clap's); only their rendering happens here.

use pipec::diagnostics::render::{self, ColorChoice};
use pipec::diagnostics::{ALL_CODES, Code, Diagnostic};
use pipec::source::SourceMap;

/// Prints a command's error on standard error.
pub(crate) fn print_report(report: &miette::Report, color: ColorChoice) {
    render::to_stderr(&[report_diagnostic(report)], &SourceMap::new(), color);
}

/// Prints an error with a code, a message and a help line.
pub(crate) fn print_error(code: Code, message: &str, help: Option<&str>, color: ColorChoice) {
    let mut diagnostic = Diagnostic::error(code, message);
    if let Some(help) = help {
        diagnostic = diagnostic.help(help.to_string());
    }
    render::to_stderr(&[diagnostic], &SourceMap::new(), color);
}

/// Prints a usage error found by the flag parser.
pub(crate) fn print_clap_error(error: &clap::Error, color: ColorChoice) {
    let text = error.to_string();
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let message = lines
        .next()
        .map(|line| line.trim_start_matches("error: ").to_string())
        .unwrap_or_else(|| "invalid arguments".to_string());
    let mut diagnostic = Diagnostic::error(Code::CLI_USAGE, message);
    for line in lines {
        let line = line.trim();
        diagnostic = match line.strip_prefix("tip: ") {
            Some(tip) => diagnostic.help(tip.to_string()),
            None => diagnostic.note(line.to_string()),
        };
    }
    render::to_stderr(&[diagnostic], &SourceMap::new(), color);
}

/// The diagnostic a report stands for: its code (from the report, or, for
/// an operating-system error without one, from the error's kind), its
/// message, each cause as a note, and its help.
fn report_diagnostic(report: &miette::Report) -> Diagnostic {
    let code = report
        .code()
        .and_then(|code| {
            let code = code.to_string();
            ALL_CODES
                .iter()
                .find(|doc| doc.code.as_str() == code)
                .map(|doc| doc.code)
        })
        .unwrap_or_else(|| io_code(report));
    let mut diagnostic = Diagnostic::error(code, report.to_string());
    for cause in report.chain().skip(1) {
        diagnostic = diagnostic.note(cause.to_string());
    }
    if let Some(help) = report.help() {
        diagnostic = diagnostic.help(help.to_string());
    } else if code == Code::CLI_NO_SUCH_FILE {
        // Every diagnostic ends with a help line, the operating system's
        // refusals too.
        diagnostic = diagnostic.help("check the spelling and the current directory");
    } else if code == Code::CLI_CANNOT_READ_OR_WRITE {
        diagnostic = diagnostic
            .help("the reason is above: check the path's permissions, what it names, and the disk");
    }
    diagnostic
}

/// The code of a report without one: `P1001` for a file that is not
/// there, else `P1002`, the operating system's refusal.
fn io_code(report: &miette::Report) -> Code {
    // miette's `into_diagnostic` wraps the `io::Error` in a type of its
    // own that cannot be downcast, so the kind is read from the text the
    // operating system gives it (ENOENT).
    let not_found_text = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
    let not_found = report.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
            || cause.to_string().contains("(os error 2)")
            || cause.to_string() == not_found_text
    });
    if not_found {
        Code::CLI_NO_SUCH_FILE
    } else {
        Code::CLI_CANNOT_READ_OR_WRITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::{IntoDiagnostic, WrapErr, miette};

    #[test]
    fn a_report_keeps_its_code_help_and_causes() {
        let report = miette!(code = "P1003", help = "try this", "cannot do that");
        let diagnostic = report_diagnostic(&report);
        assert_eq!(diagnostic.code, Code::CLI_USAGE);
        assert_eq!(diagnostic.message, "cannot do that");
        assert_eq!(diagnostic.help.as_deref(), Some("try this"));
    }

    #[test]
    fn operating_system_errors_get_a_code_from_their_kind() {
        let missing: miette::Result<Vec<u8>> = std::fs::read("/no/such/file")
            .into_diagnostic()
            .wrap_err("could not read /no/such/file");
        let Err(report) = missing else {
            panic!("a missing file was read");
        };
        let diagnostic = report_diagnostic(&report);
        assert_eq!(diagnostic.code, Code::CLI_NO_SUCH_FILE);
        assert_eq!(diagnostic.message, "could not read /no/such/file");
        assert_eq!(diagnostic.notes.len(), 1, "{:?}", diagnostic.notes);
        let denied = report_diagnostic(&miette!("x").wrap_err("y"));
        assert_eq!(denied.code, Code::CLI_CANNOT_READ_OR_WRITE);
    }
}
