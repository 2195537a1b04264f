//! The language server (`pipec lsp`): LSP 3.17 over standard input and
//! output, through the same library entry points as the command line.
//!
//! The server keeps the open documents and gives the compiler a loader that
//! overlays them on the files on disk ([`documents::Overlay`]). Every change
//! re-checks the workspace of the changed document (the nearest directory
//! holding `pipec.toml`, or the document alone) and publishes diagnostics for
//! every file of it, so an edit to a template re-publishes the pipelines
//! that extend it. Like the runner, this module does I/O by design (it reads
//! the workspace's files and talks on stdio); the core it calls does none.

/// Writes a line to standard error, the server's log, as `eprintln!`
/// does but without panicking when the client has closed it: a log line
/// no one reads is no reason to stop serving.
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod around;
mod checking;
mod client_watch;
mod code_actions;
mod completion;
pub mod convert;
mod definition;
pub mod diagnostics;
pub mod documents;
mod folding;
mod formatting;
mod hover;
mod hover_values;
mod incremental;
mod inlay_hints;
mod locate;
mod names;
mod overrides;
mod places;
mod reference;
mod references;
mod rename;
#[cfg(test)]
mod requests_robustness;
mod resolve;
mod semantic_tokens;
mod server;
mod std_copy;
mod symbols;
mod transport;
pub mod uri;
mod uses;
mod value_context;
mod values;
mod wave;
mod workspace_symbols;

pub use server::run;

/// What the client can set, in `initializationOptions` or with
/// `workspace/didChangeConfiguration` (either at the top level or under a
/// `pipec` key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The date checks are made from; the real date (UTC) when unset, as
    /// the command line does.
    pub today: Option<jiff::civil::Date>,
    /// The profile applied to every pipeline.
    pub profile: Option<String>,
    /// Where `docs/language.md` is, for links from diagnostic codes.
    pub docs_url: Option<String>,
    /// What `null` restores `today` and `profile` to: the `--today` and
    /// `--profile` the server was started with.
    started_with: (Option<jiff::civil::Date>, Option<String>),
}

impl Settings {
    /// The settings of a server started with `--today` and `--profile`,
    /// which are also what `null` restores.
    pub fn started_with(today: Option<jiff::civil::Date>, profile: Option<String>) -> Settings {
        Settings {
            today,
            profile: profile.clone(),
            docs_url: None,
            started_with: (today, profile),
        }
    }

    /// Reads settings from JSON, keeping the current value of any setting
    /// the JSON does not mention; `null` restores the one the server was
    /// started with (`--today`, `--profile`), or unsets it. A malformed
    /// date is ignored, with a message on standard error.
    pub fn update(&mut self, value: &serde_json::Value) {
        let value = value.get("pipec").unwrap_or(value);
        if let Some(today) = value.get("today") {
            match today.as_str().map(str::parse::<jiff::civil::Date>) {
                Some(Ok(date)) => self.today = Some(date),
                Some(Err(error)) => log_line!("pipec lsp: ignoring `today`: {error}"),
                None => self.today = self.started_with.0,
            }
        }
        if let Some(profile) = value.get("profile") {
            self.profile = match profile.as_str() {
                Some(name) => Some(name.to_string()),
                None => self.started_with.1.clone(),
            };
        }
        if let Some(url) = value.get("docsUrl") {
            self.docs_url = url.as_str().map(str::to_string);
        }
    }

    /// The date to check from.
    pub fn today(&self) -> jiff::civil::Date {
        self.today.unwrap_or_else(|| {
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
        })
    }

    /// The base of links to the documentation of codes.
    pub fn docs_url(&self) -> String {
        self.docs_url
            .clone()
            .unwrap_or_else(diagnostics::default_docs_url)
    }
}

/// Serves on standard input and output until the client exits. The exit
/// status is 0 after `shutdown` then `exit`, 1 otherwise, as the protocol
/// asks.
pub fn serve_stdio(settings: Settings) -> u8 {
    let (connection, io_threads) = match transport::stdio() {
        Ok(started) => started,
        Err(error) => {
            log_line!("pipec lsp: {error}");
            return 1;
        }
    };
    let status = server::run_for_client(&connection, settings, true);
    drop(connection);
    if let Err(error) = io_threads.join() {
        log_line!("pipec lsp: {error}");
    }
    status
}
