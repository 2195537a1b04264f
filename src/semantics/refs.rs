//! References to top-level declarations written as members: `window NAME`,
//! `include CALENDAR`, `exempt PIPELINE` and production's `registry = NAME`.
//! Each is resolved where it is written (an inherited member keeps the
//! meaning it had in its file).

use super::scope::{DeclKind, Scopes};
use crate::check::Body;
use crate::diagnostics::{Code, Diagnostic};
use crate::modules::Workspace;
use crate::names::closest;
use crate::source::FileId;
use crate::syntax::ast::{Block, ExprKind, MemberKind, WindowUse};

/// Resolves every member reference of the workspace.
pub fn check(workspace: &Workspace, scopes: &Scopes<'_>, diagnostics: &mut Vec<Diagnostic>) {
    let pipelines: Vec<&str> = scopes
        .all()
        .filter(|(_, kind, _)| *kind == DeclKind::Pipeline)
        .filter_map(|(_, _, item)| item.kind.name().map(|name| name.name.as_str()))
        .collect();
    let profiles = super::policies::profile_names(scopes);
    // Files are checked on their own, so they are spread over the cores;
    // their diagnostics keep the files' order.
    let modules: Vec<_> = workspace.modules.iter().collect();
    let per_file = crate::parallel::map_in_order(modules, |module| {
        let mut found = Vec::new();
        for item in &module.tree.items {
            let Some((kind, body)) = Body::of_item(&item.kind) else {
                continue;
            };
            // An imported policy file's siblings (the services it governs)
            // are not loaded, so its exemptions cannot be checked from here.
            let known = if module.is_entry {
                Some(pipelines.as_slice())
            } else {
                None
            };
            walk(body, kind, module.file, scopes, known, &mut found);
            approved_profiles(body, module.file, &profiles, &mut found);
        }
        found
    });
    diagnostics.extend(per_file.into_iter().flatten());
}

fn walk(
    block: &Block,
    kind: Body,
    file: FileId,
    scopes: &Scopes<'_>,
    pipelines: Option<&[&str]>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Explicit stack: blocks nest at most 64 deep, but no recursion is needed.
    let mut pending = vec![(block, kind)];
    while let Some((block, kind)) = pending.pop() {
        for member in &block.members {
            // A member its body cannot hold is that one error: what it
            // names is not looked up (as merging skips it).
            if crate::check::reported_as_out_of_place(kind, member) {
                continue;
            }
            // A descendant may set another registry, but none can change
            // what this name means in this file (`registry = NAME`, or
            // `registry : registry = NAME`).
            if kind == Body::Production
                && let Some((name, value)) = crate::check::whole_builtin_value(kind, member)
                && name.name == "registry"
            {
                if let ExprKind::Path(path) = &value.kind
                    && let Err(unresolved) = scopes.resolve(file, path, &[DeclKind::Registry])
                {
                    diagnostics.push(*unresolved.diagnostic);
                }
                continue;
            }
            match &member.kind {
                MemberKind::WindowUse(WindowUse::Named { window, .. })
                | MemberKind::ProfileWindow { window, .. } => {
                    if let Err(unresolved) = scopes.resolve(file, window, &[DeclKind::Window]) {
                        diagnostics.push(*unresolved.diagnostic);
                    }
                }
                MemberKind::Include { calendar } => {
                    if let Err(unresolved) = scopes.resolve(file, calendar, &[DeclKind::Calendar]) {
                        diagnostics.push(*unresolved.diagnostic);
                    }
                }
                MemberKind::Exempt { pipeline, .. } => {
                    // Policies apply to the whole workspace, and a policy's
                    // file cannot import the services that extend it, so an
                    // exemption names any pipeline of the workspace. Only the
                    // files being checked are known here (compiling one
                    // service does not read its siblings), so an unknown
                    // name is a warning: the exemption exempts nothing.
                    let name = pipeline.to_dotted();
                    let Some(pipelines) = pipelines else { continue };
                    if !pipelines.contains(&name.as_str()) {
                        let mut diagnostic = Diagnostic::warning(
                            Code::UNKNOWN_NAME,
                            format!("no pipeline `{name}` among the files checked"),
                        )
                        .primary(file, pipeline.span, "exempts nothing");
                        diagnostic = match closest(&name, pipelines.iter().copied()) {
                            Some(suggestion) => diagnostic
                                .help(format!("did you mean `{suggestion}`?"))
                                .suggest(
                                    format!("Change to `{suggestion}`"),
                                    file,
                                    pipeline.span,
                                    suggestion,
                                ),
                            None => diagnostic
                                .help("name a pipeline declared in one of the files checked"),
                        };
                        diagnostics.push(diagnostic);
                    }
                }
                _ => {}
            }
            if let (Some(body), Some(kind)) = (member.kind.body(), Body::child(&member.kind)) {
                pending.push((body, kind));
            }
        }
    }
}

/// Every `window NAME for profile PROFILE` names a profile some template or
/// pipeline declares; a misspelt one would never apply.
fn approved_profiles(
    block: &Block,
    file: FileId,
    profiles: &std::collections::BTreeSet<String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut pending = vec![block];
    while let Some(block) = pending.pop() {
        for member in &block.members {
            if let MemberKind::ProfileWindow { profile, .. } = &member.kind
                && !profiles.contains(&profile.name)
            {
                diagnostics.push(super::policies::unknown_profile(
                    Code::UNKNOWN_WINDOW_PROFILE,
                    profile,
                    file,
                    profiles,
                ));
            }
            pending.extend(member.kind.body());
        }
    }
}
