//! Machine-readable forms of diagnostics, for editors, problem matchers and
//! code review systems. Every format is computed from the same
//! [`Diagnostic`] values as the human report, through one resolution of
//! labels to paths and positions ([`located`]), so that the formats cannot
//! disagree about where a problem is.
//!
//! Columns: `short`, `json` and `github` count characters (Unicode scalar
//! values) from 1; `sarif` counts UTF-16 code units from 1, as its
//! `columnKind` says. Lines count from 1 everywhere.

pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod json;
mod located;
pub mod paths;
pub mod sarif;
pub mod short;

use super::Diagnostic;
use crate::source::SourceMap;
use std::path::Path;

/// A machine-readable output format of `pipec check --format`. (The human
/// report is rendered by [`super::render`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[CODE]: message`, one line per diagnostic.
    Short,
    /// A versioned JSON document with every label, note and help.
    Json,
    /// SARIF 2.1.0, as code scanning services take it.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
}

/// What every format needs: the diagnostics, the files they point into,
/// and the directory paths are shown relative to.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The diagnostics, in the order to report them.
    pub diagnostics: &'a [Diagnostic],
    /// The files the labels point into.
    pub sources: &'a SourceMap,
    /// The directory that file paths are made relative to (the current
    /// directory of the command). `None` keeps names as the compiler
    /// recorded them; the core never asks the system for it.
    pub base_dir: Option<&'a Path>,
}

/// The report in the given format. The text is the same, byte for byte,
/// for the same diagnostics and sources.
pub fn render(format: Format, report: &Report<'_>) -> String {
    match format {
        Format::Short => short::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Gitlab => gitlab::render(report),
    }
}
