//! `pipec explain`: prints what the library's registry says about a code or
//! a policy rule.

use super::output::write_stdout;

/// `pipec explain TOPIC` and `pipec explain --list`: the explanation on
/// standard output, or a usage error with a suggestion.
pub fn run(topic: Option<&str>, list: bool) -> miette::Result<u8> {
    if list {
        write_stdout(&pipec::explain::list())?;
        return Ok(0);
    }
    let query = topic.unwrap_or_default();
    match pipec::explain::lookup(query) {
        Ok(topic) => {
            write_stdout(&pipec::explain::explain(topic))?;
            Ok(0)
        }
        Err(unknown) => {
            let help = match unknown.suggestion {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => "`pipec explain --list` lists every code and rule".to_string(),
            };
            Err(miette::miette!(
                code = "P1003",
                help = help,
                "no diagnostic code or policy rule `{query}`"
            ))
        }
    }
}
