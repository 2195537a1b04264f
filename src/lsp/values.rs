//! Completion of values and names: what may follow `field =`, `stage`,
//! `rollback on`, `window`, `import "`, `deny` and the like. Every
//! candidate comes from what the compiler checks against: the type of a
//! built-in field from `check::builtin_type` (platforms from
//! `plan::Platform::ALL`, duration units from the literal reader), names
//! from the scopes, regions and their attributes from the registry in use,
//! inherited members from the parent's resolved body, rules from the
//! policy catalogue. The body the statement is in comes from `around`.

use super::around::{Around, parse_around};
use super::convert::{self, Encoding};
use super::names::{self, Visible};
use super::resolve::Place;
use super::value_context::{self, Context, Spot};
use crate::check::Body;
use crate::plan::{Builtin, Platform};
use crate::semantics::merge::Key;
use crate::semantics::regions::Registry;
use crate::semantics::scope::DeclKind;
use crate::source::Span;
use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, TextEdit};
use std::collections::BTreeSet;

/// Strategies as they are written, with the parameters each needs; a test
/// checks that `check` accepts every one.
pub const STRATEGIES: &[(&str, &str)] = &[
    ("in_place", "in_place"),
    ("rolling", "rolling(batch: 25%, min_healthy: 75%)"),
    ("blue_green", "blue_green"),
    ("canary", "canary(10%, wait: 10m)"),
    ("linear", "linear(10%, every: 1m)"),
    ("all_at_once", "all_at_once"),
];

/// One thing to offer: the label, what is inserted, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Shown in the list.
    pub label: String,
    /// Written into the document.
    pub insert: String,
    /// Shown beside the label.
    pub detail: Option<String>,
    /// What kind of thing it is.
    pub kind: CompletionItemKind,
    /// The offset the insertion replaces from, up to the cursor.
    pub start: usize,
    /// What the client filters by, when not the label.
    pub filter: Option<String>,
}

/// The completion items for a value at `offset`, or `None` where no value
/// is being written there (a member's first word: see `completion`).
pub fn complete(
    place: &Place<'_, '_>,
    offset: usize,
    encoding: Encoding,
    pipelines: &WorkspacePipelines<'_>,
) -> Option<Vec<CompletionItem>> {
    let source = place.workspace.sources.get(place.file)?;
    let found = candidates(place, &source.text, offset, pipelines)?;
    Some(
        found
            .into_iter()
            .enumerate()
            .map(|(idx, candidate)| {
                let range = convert::range(source, Span::new(candidate.start, offset), encoding);
                CompletionItem {
                    label: candidate.label,
                    kind: Some(candidate.kind),
                    detail: candidate.detail,
                    sort_text: Some(format!("{idx:04}")),
                    filter_text: candidate.filter,
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range,
                        new_text: candidate.insert,
                    })),
                    ..CompletionItem::default()
                }
            })
            .collect(),
    )
}

/// The names of the pipelines of the whole workspace, which an exemption
/// may name: asked for only where one is written, since finding them
/// reads every file of the workspace, not only those a check loads.
pub type WorkspacePipelines<'a> = dyn Fn() -> BTreeSet<String> + 'a;

/// The candidates at `offset` of `text` (the document's text), in the
/// order they are offered.
pub fn candidates(
    place: &Place<'_, '_>,
    text: &str,
    offset: usize,
    pipelines: &WorkspacePipelines<'_>,
) -> Option<Vec<Candidate>> {
    let (context, start) = value_context::context(text, offset)?;
    let parsed = parse_around(text, offset, place.file);
    let around = Around::find(&parsed.file, offset);
    let typed = text.get(start..offset).unwrap_or("");
    let simple = |label: &str, kind| Candidate {
        label: label.to_string(),
        insert: label.to_string(),
        detail: None,
        kind,
        start,
        filter: None,
    };
    let mut out = Vec::new();
    match (context, around.as_ref()) {
        (Context::ImportPath, None) => {
            for path in import_paths(place) {
                out.push(simple(&path, CompletionItemKind::FILE));
            }
        }
        (Context::ImportPath, Some(_)) => {}
        (
            Context::MemberName {
                keyword,
                member_start,
                has_new,
            },
            Some(around),
        ) => {
            if has_new || !around.body.member_keywords().contains(&keyword) {
                return Some(out);
            }
            let Some(parent) = around.parent_body(place) else {
                return Some(out);
            };
            let written = around.written_names(keyword);
            let inherited: Vec<&str> = parent
                .members
                .iter()
                .filter_map(|(key, _)| match key {
                    Key::Named(kind, name) if *kind == keyword => Some(*name),
                    _ => None,
                })
                .collect();
            for name in &inherited {
                if !written.contains(*name) {
                    let mut candidate = simple(name, CompletionItemKind::FIELD);
                    candidate.detail = Some(format!("overrides the inherited {keyword}"));
                    out.push(candidate);
                }
            }
            let is_name = typed
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            if !typed.is_empty() && is_name && !inherited.contains(&typed) {
                out.push(Candidate {
                    label: format!("new {keyword} {typed}"),
                    insert: format!("new {keyword} {typed}"),
                    detail: Some(format!("a {keyword} the parent does not have")),
                    kind: CompletionItemKind::KEYWORD,
                    start: member_start,
                    filter: text.get(member_start..offset).map(str::to_string),
                });
            }
        }
        (Context::FieldValue { field, spot }, Some(around)) => {
            field_value(place, around, &field, &spot, typed, &simple, &mut out);
        }
        (Context::Exclude(spot), Some(around)) if around.body == Body::Production => {
            regions(place, around, &spot, false, &simple, &mut out);
        }
        (Context::Alarm, around) => {
            let mut labels: BTreeSet<String> = BTreeSet::new();
            if let Some(around) = around {
                labels.extend(around.member_names(place, "alarm"));
            }
            for visible in names::visible(place, &[DeclKind::Alarm]) {
                labels.insert(visible.name);
            }
            for label in labels {
                out.push(simple(&label, CompletionItemKind::VARIABLE));
            }
        }
        (Context::Window, Some(around)) if around.body.member_keywords().contains(&"window") => {
            declarations(place, DeclKind::Window, &simple, &mut out);
        }
        (Context::Calendar, Some(around)) if around.body == Body::Calendar => {
            declarations(place, DeclKind::Calendar, &simple, &mut out);
        }
        (Context::Profile, Some(around)) => {
            let labels = if around.body == Body::Policy {
                all_profiles(place)
            } else {
                around.member_names(place, "profile")
            };
            for label in labels {
                out.push(simple(&label, CompletionItemKind::MODULE));
            }
        }
        (Context::Rule, Some(around)) if matches!(around.body, Body::Policy | Body::Under) => {
            for rule in crate::semantics::policies::RULES {
                let mut candidate = simple(rule.name, CompletionItemKind::ENUM_MEMBER);
                candidate.detail = Some(rule.summary.to_string());
                out.push(candidate);
            }
        }
        (Context::Artifact, Some(around)) => {
            for label in around.member_names(place, "build") {
                out.push(simple(&label, CompletionItemKind::REFERENCE));
            }
        }
        (Context::BuildInput, Some(around)) => {
            let mut labels = around.member_names(place, "source");
            labels.extend(around.member_names(place, "build"));
            for label in labels {
                out.push(simple(&label, CompletionItemKind::REFERENCE));
            }
        }
        (Context::KeywordRest(word), Some(around)) => {
            let prefix = format!("{word} ");
            for keyword in around.body.member_keywords() {
                if let Some(rest) = keyword.strip_prefix(&prefix) {
                    out.push(simple(rest, CompletionItemKind::KEYWORD));
                }
            }
        }
        (Context::Pipeline, Some(around)) if around.body == Body::Policy => {
            // An exemption names a pipeline by its bare name, unique in the
            // workspace, wherever it is declared: the pipelines the policy
            // governs are in files that import it, which it cannot name,
            // and a check of the policy's file loads only those that do.
            let mut names: BTreeSet<String> = pipelines();
            names.extend(
                place
                    .analysis
                    .scopes
                    .all()
                    .filter(|(decl, kind, _)| {
                        *kind == DeclKind::Pipeline
                            && place
                                .workspace
                                .module(decl.file)
                                .is_some_and(|module| !module.is_std)
                    })
                    .filter_map(|(_, _, item)| item.kind.name().map(|name| name.name.clone())),
            );
            for name in &names {
                out.push(simple(name, CompletionItemKind::REFERENCE));
            }
        }
        _ => {}
    }
    Some(out)
}

type Simple<'a> = dyn Fn(&str, CompletionItemKind) -> Candidate + 'a;

fn declarations(
    place: &Place<'_, '_>,
    kind: DeclKind,
    simple: &Simple<'_>,
    out: &mut Vec<Candidate>,
) {
    for Visible { name, .. } in names::visible(place, &[kind]) {
        out.push(simple(&name, CompletionItemKind::REFERENCE));
    }
}

/// The values of a field, by the type `check` gives it in this body.
fn field_value(
    place: &Place<'_, '_>,
    around: &Around<'_>,
    field: &str,
    spot: &Spot,
    typed: &str,
    simple: &Simple<'_>,
    out: &mut Vec<Candidate>,
) {
    let operand = matches!(spot, Spot::Operand { first: true });
    match crate::check::builtin_type(around.body, field) {
        Some(Builtin::Platform) if operand => {
            for platform in Platform::ALL {
                out.push(simple(platform.name(), CompletionItemKind::ENUM_MEMBER));
            }
        }
        Some(Builtin::Bool) if operand => {
            for value in ["true", "false"] {
                out.push(simple(value, CompletionItemKind::VALUE));
            }
        }
        Some(Builtin::Strategy) if operand => {
            for (name, written) in STRATEGIES {
                let mut candidate = simple(name, CompletionItemKind::ENUM_MEMBER);
                candidate.insert = (*written).to_string();
                if name != written {
                    candidate.detail = Some((*written).to_string());
                }
                out.push(candidate);
            }
        }
        Some(Builtin::Duration) if *spot == Spot::AfterNumber => {
            // Units after the last one written, largest first: `1h3` goes
            // on with minutes or seconds.
            let written_rank = typed.char_indices().rev().find_map(|(_, ch)| {
                crate::syntax::DURATION_UNITS
                    .iter()
                    .position(|(unit, _)| unit.starts_with(ch))
            });
            for (rank, (unit, _)) in crate::syntax::DURATION_UNITS.iter().enumerate() {
                if written_rank.is_none_or(|written| rank > written) {
                    let mut candidate = simple(&format!("{typed}{unit}"), CompletionItemKind::UNIT);
                    candidate.detail = Some(unit_word(unit).to_string());
                    out.push(candidate);
                }
            }
        }
        Some(_) => {}
        None => match (around.body, field) {
            (Body::Production, "registry") if operand => {
                declarations(place, DeclKind::Registry, simple, out);
            }
            // A stage's regions are a list (`[us-east-1]`), not a set: no
            // registry, `rest` or region stands alone there.
            (Body::Stage, "regions") if !matches!(spot, Spot::Operand { .. }) => {
                regions(place, around, spot, false, simple, out);
            }
            (Body::Wave, "regions") => regions(place, around, spot, true, simple, out),
            (Body::Window, "except") if operand || matches!(spot, Spot::ListItem(_)) => {
                declarations(place, DeclKind::Calendar, simple, out);
            }
            _ => {}
        },
    }
}

fn unit_word(unit: &str) -> &'static str {
    match unit {
        "w" => "weeks",
        "d" => "days",
        "h" => "hours",
        "m" => "minutes",
        _ => "seconds",
    }
}

/// Region codes, registries, attributes and attribute values of a region
/// set, from the registry the production deploys to (else every registry
/// the document can name).
fn regions(
    place: &Place<'_, '_>,
    around: &Around<'_>,
    spot: &Spot,
    in_wave: bool,
    simple: &Simple<'_>,
    out: &mut Vec<Candidate>,
) {
    let registries: Vec<(String, Registry)> = match around.registry(place) {
        Some((decl, registry)) => {
            let name = names::visible(place, &[DeclKind::Registry])
                .into_iter()
                .find(|visible| visible.decl == decl)
                .map_or_else(|| registry.name.clone(), |visible| visible.name);
            vec![(name, registry)]
        }
        None => names::visible_registries(place)
            .into_iter()
            .map(|(visible, registry)| (visible.name, registry))
            .collect(),
    };
    match spot {
        Spot::Operand { first } => {
            if *first && in_wave {
                let mut candidate = simple("rest", CompletionItemKind::KEYWORD);
                candidate.detail = Some("every region no other wave places".to_string());
                out.push(candidate);
            }
            for (name, _) in &registries {
                out.push(simple(name, CompletionItemKind::MODULE));
            }
            region_codes(&registries, &[], simple, out);
        }
        Spot::ListItem(written) => region_codes(&registries, written, simple, out),
        Spot::Attribute => {
            let attributes: BTreeSet<&String> = registries
                .iter()
                .flat_map(|(_, registry)| &registry.regions)
                .flat_map(|region| region.attributes.keys())
                .collect();
            for attribute in attributes {
                out.push(simple(attribute, CompletionItemKind::PROPERTY));
            }
        }
        Spot::AttributeValue(attribute) => {
            let values: BTreeSet<&String> = registries
                .iter()
                .flat_map(|(_, registry)| &registry.regions)
                .filter_map(|region| region.attributes.get(attribute))
                .collect();
            for value in values {
                // Strings and names with spaces are not symbols to write.
                if value
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
                {
                    out.push(simple(value, CompletionItemKind::ENUM_MEMBER));
                }
            }
        }
        Spot::AfterNumber | Spot::Other => {}
    }
}

/// Every region code of the registries, in registry order, each once,
/// but those already `written` in the list.
fn region_codes(
    registries: &[(String, Registry)],
    written: &[String],
    simple: &Simple<'_>,
    out: &mut Vec<Candidate>,
) {
    let mut seen: BTreeSet<String> = written.iter().cloned().collect();
    for (_, registry) in registries {
        for region in &registry.regions {
            if seen.insert(region.code.clone()) {
                let mut candidate = simple(&region.code, CompletionItemKind::ENUM_MEMBER);
                candidate.detail = region.attributes.get("name").cloned();
                out.push(candidate);
            }
        }
    }
}

/// Every profile declared in the workspace's templates and pipelines, for
/// `under` in a policy (which governs any pipeline).
fn all_profiles(place: &Place<'_, '_>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for block in place.analysis.resolved.values() {
        for (key, _) in &block.members {
            if let Key::Named("profile", name) = key {
                found.insert(name.to_string());
            }
        }
    }
    found.into_iter().collect()
}

/// Import paths: the workspace's other `.pipe` files relative to the
/// document's directory, then the standard modules.
fn import_paths(place: &Place<'_, '_>) -> Vec<String> {
    let mut files = BTreeSet::new();
    if let Some(dir) = place.base_dir {
        let own = place
            .workspace
            .sources
            .get(place.file)
            .map(|source| source.name.as_str());
        let loaded = place
            .workspace
            .sources
            .iter()
            .filter(|(file, _)| {
                !place
                    .workspace
                    .module(*file)
                    .is_some_and(|module| module.is_std)
            })
            .map(|(_, source)| std::path::PathBuf::from(&source.name));
        for path in loaded.chain(place.scope_files.iter().cloned()) {
            if Some(path.to_string_lossy().as_ref()) == own {
                continue;
            }
            if let Some(relative) = relative_path(dir, &path) {
                files.insert(relative);
            }
        }
    }
    let mut out: Vec<String> = files.into_iter().collect();
    out.extend(
        crate::stdlib::MODULES
            .iter()
            .map(|(name, _)| (*name).to_string()),
    );
    out
}

/// `to` relative to the directory `from`, with `/` and `..`; `None` when
/// either is not absolute.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> Option<String> {
    use std::path::Component;
    if !from.is_absolute() || !to.is_absolute() {
        return None;
    }
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(left, right)| left == right)
        .count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), from.len().saturating_sub(common)).collect();
    parts.extend(
        to.iter()
            .skip(common)
            .map(|part| part.as_os_str().to_string_lossy().to_string()),
    );
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::MemoryLoader;
    use crate::modules::Entry;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    const BASE: &str = "import \"std/aws\"\n\nalarm errors = ALARM(\"Errors\")\nwindow weekdays { zone = \"UTC\"; allow = [mon..fri 09:00..17:00] }\n\ntemplate T {\n  platform = ecs\n  source app = git(\"org/app\")\n  build bundle from app { run = \"make\" }\n  stage beta { deploy bundle }\n  production {\n    registry = aws\n    wave first { regions = [us-east-1] }\n  }\n}\n";

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 12, 1)
    }

    fn loader(files: &[(&str, &str)]) -> (MemoryLoader, Vec<Entry>) {
        let mut loader = MemoryLoader::in_dir("/w");
        let mut entries = Vec::new();
        for (name, text) in files {
            loader.add(*name, text.as_bytes().to_vec());
            entries.push(Entry {
                path: PathBuf::from(format!("/w/{name}")),
                bytes: None,
                name: None,
            });
        }
        (loader, entries)
    }

    /// Error codes of a workspace where `svc.pipe` holds `text`.
    fn errors(text: &str) -> BTreeSet<String> {
        let (loader, entries) = loader(&[("base.pipe", BASE), ("svc.pipe", text)]);
        crate::workspace::check_workspace(entries, &loader, today())
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| diagnostic.code.as_str().to_string())
            .collect()
    }

    /// The candidates at `|` in `svc.pipe`.
    fn offered(marked: &str) -> (String, usize, Vec<Candidate>) {
        let offset = marked.find('|').unwrap_or(0);
        let text = marked.replacen('|', "", 1);
        let (loader, entries) = loader(&[("base.pipe", BASE), ("svc.pipe", &text)]);
        let workspace = crate::modules::load(entries, &loader);
        let analysis =
            crate::semantics::analyze(&workspace, today(), None, crate::semantics::Want::Plans);
        let file = workspace
            .sources
            .iter()
            .find(|(_, source)| source.name.ends_with("svc.pipe"))
            .map(|(file, _)| file)
            .unwrap_or(crate::source::FileId(0));
        let dir = std::path::Path::new("/w");
        let place = Place {
            workspace: &workspace,
            analysis: &analysis,
            file,
            base_dir: Some(dir),
            root: None,
            today: today(),
            scope_files: &[],
        };
        let found = candidates(&place, &text, offset, &BTreeSet::new).unwrap_or_default();
        (text, offset, found)
    }

    fn labels(marked: &str) -> Vec<String> {
        offered(marked).2.into_iter().map(|c| c.label).collect()
    }

    /// Every candidate, inserted, adds no error to the text without the
    /// statement being typed.
    fn all_accepted(marked: &str) -> usize {
        let (text, offset, found) = offered(marked);
        assert!(!found.is_empty(), "nothing offered in {marked}");
        let baseline = errors(&value_context::blank_statement(&text, offset));
        for candidate in &found {
            let mut written = text.clone();
            written.replace_range(candidate.start..offset, &candidate.insert);
            let new: Vec<String> = errors(&written).difference(&baseline).cloned().collect();
            assert!(new.is_empty(), "{written}\nadds {new:?}");
        }
        found.len()
    }

    #[test]
    fn every_offered_value_is_accepted_by_check() {
        let pipeline =
            |body: &str| format!("import \"base.pipe\"\n\npipeline Svc extends T {{\n{body}\n}}\n");
        let samples = [
            pipeline("  platform = |"),
            pipeline("  build bundle { sign = | }"),
            pipeline("  production { strategy = | }"),
            pipeline("  stage beta { bake = 30| }"),
            // Not under `extends`, where these would need `new`.
            "import \"base.pipe\"\n\ntemplate U {\n  stage s { rollback on | }\n}\n".to_string(),
            "import \"base.pipe\"\n\ntemplate U {\n  stage s { window | }\n}\n".to_string(),
            pipeline("  production {\n    wave first { regions = aws where traffic == | }\n  }"),
            pipeline("  production {\n    wave first { regions = [|] }\n  }"),
            pipeline("  production {\n    wave first { regions = | }\n  }"),
            pipeline("  stage | {}"),
            pipeline("  stage beta { deploy | }"),
            pipeline("  production {\n    wave first { new by | }\n  }"),
            pipeline("  production {\n    wave | {}\n  }"),
            "import \"|\"\n".to_string(),
            "policy p {\n  deny |\n}\n".to_string(),
        ];
        for sample in &samples {
            assert!(all_accepted(sample) > 0);
        }
        // The comparison sees what check rejects: a platform that is none,
        // an unknown region, an unknown alarm.
        let baseline = errors(&pipeline(""));
        for wrong in [
            "  platform = nope",
            "  production {\n    wave first { regions = [nowhere-1] }\n  }",
            "  stage beta { rollback on nothing }",
        ] {
            assert!(
                errors(&pipeline(wrong))
                    .difference(&baseline)
                    .next()
                    .is_some(),
                "{wrong}"
            );
        }
    }

    /// A whole member beginning with `word`, to insert where completion
    /// offered the word.
    fn member_from(word: &str) -> String {
        let tail = match word {
            "alarm" => " a1 = ALARM(\"x\")",
            "source" => " s1 = git(\"o/r\")",
            "build" => " b1 { run = \"x\" }",
            "stage" => " s1 {}",
            "production" => " {}",
            "wave" => " w1 {}",
            "onebox" | "by az" | "by cell" | "by region" => "",
            "test" => " t1",
            "deploy" => " x",
            "profile" => " p1 {}",
            "rollback on" => " a",
            "block" => " on a",
            "window" => " w",
            "require" => " review",
            "wait for" => " 10 requests(\"x\")",
            "exclude" => " [x] because \"y\"",
            "bake scale" => " 50%",
            "traffic <=" => " 10%",
            "region" => " r1",
            "holiday" => " 2026-12-25 \"x\"",
            "include" => " c",
            "deny" | "warn" | "allow" => " code-review",
            "exempt" => " P from code-review { reason = \"x\" }",
            "under" => " p { deny code-review }",
            "floor" => " bake = 1h",
            "remove" => " stage x",
            "env" => " X = \"y\"",
            _ => " = 1",
        };
        format!("{word}{tail}")
    }

    #[test]
    fn every_offered_member_keyword_is_accepted_where_offered() {
        let samples = [
            "registry r {\n  |\n  region a { |\n  }\n}\n",
            "calendar c {\n  |\n}\n",
            "window w {\n  |\n}\n",
            "policy q {\n  |\n  exempt P from code-review {\n    |\n  }\n  under p {\n    |\n  }\n}\n",
            "template T {\n  |\n  source s = git(\"o/r\") {\n    |\n  }\n  build b {\n    |\n  }\n  stage beta {\n    |\n    test t {\n      |\n    }\n    deploy b {\n      |\n    }\n  }\n  production {\n    |\n    onebox {\n      |\n    }\n    wave w {\n      |\n      by az {\n        |\n      }\n    }\n  }\n  profile p {\n    |\n  }\n}\n",
        ];
        let codes = |text: &str| -> Vec<String> {
            let input = crate::workspace::Input {
                name: "t.pipe".to_string(),
                bytes: text.as_bytes().to_vec(),
            };
            crate::workspace::check_inputs(vec![input])
                .diagnostics
                .iter()
                .map(|diagnostic| diagnostic.code.as_str().to_string())
                .collect()
        };
        let mut tried = 0;
        for sample in samples {
            let text = sample.replace('|', "");
            for (removed, (marker, _)) in sample.match_indices('|').enumerate() {
                let offset = marker - removed;
                let Some(super::super::completion::Offer::Members(words)) =
                    super::super::completion::offer(&text, offset)
                else {
                    panic!("no members offered at {offset} of {text}");
                };
                for word in words {
                    // `allow` is a window's field and a policy's level: the
                    // word is accepted if either member it begins is.
                    let refused = ["P0001", "P0101", "P0105"];
                    let outcomes: Vec<(String, Vec<String>)> =
                        [member_from(word), format!("{word} = 1")]
                            .into_iter()
                            .map(|member| {
                                let mut written = text.clone();
                                written.insert_str(offset, &member);
                                let found = codes(&written);
                                (written, found)
                            })
                            .collect();
                    let accepted = outcomes.iter().any(|(_, found)| {
                        !found.iter().any(|code| refused.contains(&code.as_str()))
                    });
                    assert!(accepted, "{outcomes:?}");
                    tried += 1;
                }
            }
        }
        assert!(tried > 90, "{tried}");
        // What a misplaced member would show.
        let misplaced =
            codes("template T {\n  production {\n    wave w {\n      stage s1 {}\n    }\n  }\n}\n");
        assert!(misplaced.contains(&"P0101".to_string()), "{misplaced:?}");
    }

    #[test]
    fn any_offset_of_any_statement_answers_without_panicking() {
        let text = "import \"base.pipe\"\nimport \"std/\n\npipeline Svc extends T {\n  platform = é🚀 la\n  stage beta { bake = 1h3; rollback on errors or \"x }\n  production { wave first { regions = aws where traffic in [low, } }\n  profile p { window w for profile }\n}\npolicy q { deny a-, ; exempt Svc from\n  under \n}\n";
        let (loader, entries) = loader(&[("base.pipe", BASE), ("svc.pipe", text)]);
        let workspace = crate::modules::load(entries, &loader);
        let analysis =
            crate::semantics::analyze(&workspace, today(), None, crate::semantics::Want::Plans);
        let place = Place {
            workspace: &workspace,
            analysis: &analysis,
            file: crate::source::FileId(1),
            base_dir: Some(std::path::Path::new("/w")),
            root: None,
            today: today(),
            scope_files: &[],
        };
        for offset in 0..=text.len() + 2 {
            let _ = candidates(&place, text, offset, &BTreeSet::new);
            let _ = value_context::blank_statement(text, offset);
        }
    }

    #[test]
    fn offers_what_each_context_expects() {
        let pipeline = |body: &str| {
            format!(
                "import \"base.pipe\"\nimport \"std/aws\"\n\npipeline Svc extends T {{\n{body}\n}}\n"
            )
        };
        assert_eq!(
            labels(&pipeline("  platform = |")),
            ["ecs", "lambda", "ec2", "on_premises"]
        );
        assert_eq!(labels(&pipeline("  stage | {}")), ["beta"]);
        // The name the parent lacks is offered as `new`.
        assert_eq!(
            labels(&pipeline("  stage gamma|")),
            ["beta", "new stage gamma"]
        );
        assert_eq!(
            labels(&pipeline("  stage beta { bake = 1h3| }")),
            ["1h3m", "1h3s"]
        );
        assert_eq!(
            labels(&pipeline("  stage beta { rollback on | }")),
            ["errors", "large_scale_event"]
        );
        let regions = labels(&pipeline("  production { wave w { regions = [|] } }"));
        // In a list, regions only: a registry is no list item.
        assert_eq!(regions.first().map(String::as_str), Some("us-east-1"));
        assert_eq!(regions.len(), 34);
        let operands = labels(&pipeline("  production { wave w { regions = | } }"));
        assert_eq!(
            operands.get(..2),
            Some(&["rest".to_string(), "aws".to_string()][..])
        );
        let attributes = labels(&pipeline(
            "  production { wave w { regions = aws where | } }",
        ));
        assert!(
            attributes.contains(&"traffic".to_string()) && attributes.contains(&"geo".to_string())
        );
        let imports = labels("import \"|\"\n");
        assert_eq!(imports, ["base.pipe", "std/aws", "std/calendars"]);
        // Another unfinished line in the declaration takes nothing away.
        assert_eq!(
            labels(&pipeline(
                "  platform = |\n  stage\n  stage beta { bake = }"
            )),
            ["ecs", "lambda", "ec2", "on_premises"]
        );
        assert_eq!(
            labels(&pipeline("  production { wave w { by | } }")),
            ["az", "cell", "region"]
        );
        // A stage's regions are a list: nothing stands alone there, and
        // inside the list, regions only.
        assert!(labels(&pipeline("  stage beta { regions = | }")).is_empty());
        let listed = labels(&pipeline("  stage beta { regions = [|] }"));
        assert!(listed.contains(&"us-east-1".to_string()), "{listed:?}");
        assert!(!listed.contains(&"aws".to_string()), "{listed:?}");
        assert_eq!(labels(&pipeline("  stage beta { deploy | }")), ["bundle"]);
        // A value where none is typed: no member keywords, nothing.
        assert_eq!(
            labels(&pipeline("  stage beta { environment = | }")),
            Vec::<String>::new()
        );
    }
}
