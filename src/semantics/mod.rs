//! Checks across files: names, inheritance, and (as they land) types,
//! regions and policies. Runs on a loaded [`Workspace`] after every file
//! parsed; reports every independent problem.

pub mod chains;
pub mod merge;
pub mod refs;
pub mod scope;

use crate::diagnostics::Diagnostic;
use crate::modules::Workspace;

/// Runs every cross-file check and returns what it found.
pub fn analyze(workspace: &Workspace) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let scopes = scope::Scopes::new(workspace);
    refs::check(workspace, &scopes, &mut diagnostics);
    let chains = chains::resolve(&scopes, &mut diagnostics);
    let _resolved = merge::Merger::new(workspace, &mut diagnostics).run(&scopes, &chains);
    diagnostics
}
