//! `compile` never writes a plan that breaks its own schema: for every
//! example and every case that compiles without errors, the plan of every
//! pipeline validates against `schemas/plan-v1.schema.json`, with no profile
//! and under every profile the files declare. A value the schema refuses is
//! a diagnostic at its source, never a plan out of range.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use pipec::diagnostics::Code;
use pipec::export::{convert, plan_v1};
use pipec::loader::{Loader, MemoryLoader};
use pipec::modules::Entry;
use pipec::syntax::ast::{ItemKind, MemberKind};
use pipec::workspace::{self, Compiled};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("schemas/plan-v1.schema.json").unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// One workspace to compile: its entries and the loader that reads them.
struct Workspace {
    name: String,
    entries: Vec<PathBuf>,
    loader: Box<dyn Loader>,
}

impl Workspace {
    fn entries(&self) -> Vec<Entry> {
        self.entries
            .iter()
            .map(|path| Entry {
                path: path.clone(),
                bytes: None,
                name: None,
            })
            .collect()
    }

    /// The names of the profiles declared in the workspace's files, its
    /// imports included (templates declare most of them).
    fn profiles(&self) -> BTreeSet<String> {
        let checked = workspace::check_workspace(self.entries(), &*self.loader, support::TODAY);
        let mut names = BTreeSet::new();
        for (_, tree) in &checked.trees {
            for item in &tree.items {
                let (ItemKind::Template(decl) | ItemKind::Pipeline(decl)) = &item.kind else {
                    continue;
                };
                for member in &decl.body.members {
                    if let MemberKind::Profile { name, .. } = &member.kind {
                        names.insert(name.name.clone());
                    }
                }
            }
        }
        names
    }

    fn compile(&self, profile: Option<&str>) -> Compiled {
        workspace::compile_workspace_with(self.entries(), &*self.loader, support::TODAY, profile)
    }
}

fn examples() -> Vec<Workspace> {
    support::pipe_files_below(Path::new("examples"))
        .into_iter()
        .map(|path| Workspace {
            name: path.display().to_string(),
            entries: vec![path],
            loader: Box::new(support::FsLoader),
        })
        .collect()
}

fn cases() -> Vec<Workspace> {
    support::pipe_files_below(Path::new("tests/cases"))
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let files = support::split_fixture(&name, &text);
            let mut loader = MemoryLoader::in_dir("/workspace");
            loader.add("pipec.toml", "");
            for (file, body) in &files {
                loader.add(file, body.as_bytes());
            }
            Workspace {
                name: path.display().to_string(),
                entries: files.into_iter().map(|(file, _)| file.into()).collect(),
                loader: Box::new(loader),
            }
        })
        .collect()
}

/// Whether `compile` would write the plans: no error besides policy
/// findings (which are about the plan, not its form) and, under a profile,
/// pipelines that do not have it (whose plans are left out below).
fn writes_plans(compiled: &Compiled) -> bool {
    compiled.diagnostics.iter().all(|diagnostic| {
        !diagnostic.is_error()
            || diagnostic.code == Code::POLICY
            || diagnostic.code == Code::UNKNOWN_PROFILE
    })
}

/// Validates every plan of `workspace` with no profile and under each of
/// its profiles; returns how many plans were validated.
fn validate(
    workspace: &Workspace,
    validator: &jsonschema::Validator,
    problems: &mut Vec<String>,
) -> usize {
    let mut validated = 0;
    let profiles = workspace.profiles();
    let selections = std::iter::once(None).chain(profiles.iter().map(|name| Some(name.as_str())));
    for profile in selections {
        let compiled = workspace.compile(profile);
        if !writes_plans(&compiled) {
            continue;
        }
        for plan in &compiled.plans {
            // A pipeline without the selected profile is refused (P0312).
            if profile.is_some() && plan.profile.as_deref() != profile {
                continue;
            }
            let json: Value =
                serde_json::from_str(&plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)))
                    .unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|error| format!("{error} at {}", error.instance_path()))
                .collect();
            if !errors.is_empty() {
                problems.push(format!(
                    "{} ({}, profile {profile:?}): {errors:#?}",
                    workspace.name, plan.pipeline
                ));
            }
            validated += 1;
        }
    }
    validated
}

#[test]
fn every_example_plan_validates_under_every_profile() {
    let validator = validator();
    let mut problems = Vec::new();
    let validated: usize = examples()
        .iter()
        .map(|workspace| validate(workspace, &validator, &mut problems))
        .sum();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(validated >= 10, "only {validated} example plans validated");
}

#[test]
fn every_case_that_compiles_has_plans_that_validate_under_every_profile() {
    let validator = validator();
    let mut problems = Vec::new();
    let validated: usize = cases()
        .iter()
        .map(|workspace| validate(workspace, &validator, &mut problems))
        .sum();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(validated >= 10, "only {validated} case plans validated");
}

/// The plans the schema would refuse are refused at their source instead:
/// each of these compiles with an error, so no plan is written.
#[test]
fn values_the_schema_refuses_are_errors_at_their_source() {
    let pipeline = |body: &str| {
        format!(
            "import \"std/aws\"\n\
             pipeline orders_api {{\n\
             \x20 platform = ecs\n\
             \x20 source code = git(\"orders-api\", branch: \"mainline\") {{ require review }}\n\
             \x20 {body}\n\
             }}\n"
        )
    };
    let production = "production { registry = aws; rollback on ALARM(\"X\"); \
                      wave all { regions = rest; bake = 1w } }";
    let build = "build bundle from code { run = \"make release\" }";
    let scenarios = [
        (
            pipeline(&format!(
                "{build}\n  {production}\n  profile big {{ bake scale 1000000% }}"
            )),
            Some("big"),
            Code::TYPE_MISMATCH,
        ),
        (
            pipeline(&format!(
                "{build}\n  {}\n  profile big {{ bake scale 10000% }}",
                production.replace("1w", "2000w")
            )),
            None,
            Code::TYPE_MISMATCH,
        ),
        (
            pipeline(&format!(
                "{build}\n  production {{ registry = aws; rollback on ALARM(\"X\"); onebox {{ traffic <= 150% }}; wave all {{ regions = rest }} }}"
            )),
            None,
            Code::TYPE_MISMATCH,
        ),
        (pipeline(production), None, Code::NOTHING_TO_DEPLOY),
    ];
    for (text, profile, code) in scenarios {
        let mut loader = MemoryLoader::in_dir("/workspace");
        loader.add("pipec.toml", "");
        loader.add("main.pipe", text.as_bytes());
        let entries = vec![Entry {
            path: "main.pipe".into(),
            bytes: None,
            name: None,
        }];
        let compiled = workspace::compile_workspace_with(entries, &loader, support::TODAY, profile);
        let codes: Vec<Code> = compiled
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error() && diagnostic.code != Code::POLICY)
            .map(|diagnostic| diagnostic.code)
            .collect();
        assert_eq!(codes, vec![code], "{text}");
    }
}
