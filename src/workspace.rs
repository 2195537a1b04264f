//! Checking a set of sources. The caller supplies the bytes (the CLI reads
//! files, tests build them in memory); this module does no I/O.

use crate::check;
use crate::diagnostics::{self, Diagnostic};
use crate::semantics::Want;
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::{self, ast};

/// One input: the name to show in messages and the raw bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// Displayed name, e.g. `examples/orders.pipe`.
    pub name: String,
    /// The file's bytes, not yet known to be UTF-8.
    pub bytes: Vec<u8>,
}

/// The result of checking: the sources (for rendering), the trees and the
/// diagnostics, sorted by place.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every file read.
    pub sources: SourceMap,
    /// Each file's tree, by file id.
    pub trees: Vec<(FileId, ast::File)>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads the entries and everything they import, and runs every check.
///
/// `today` is the date checks that depend on the calendar are made from.
pub fn check_workspace(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
) -> Checked {
    check_workspace_with(entries, loader, today, None)
}

/// [`check_workspace`] with a profile applied to every pipeline.
pub fn check_workspace_with(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> Checked {
    check_loaded(crate::modules::load(entries, loader), today, profile)
}

/// [`check_workspace_with`] for a process that ends once it has reported:
/// the analysis (every pipeline merged, with its templates) is left to the
/// operating system, which takes a process's memory back at once, instead
/// of being freed node by node on one thread before the report.
pub fn check_workspace_before_exit(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> Checked {
    let workspace = crate::modules::load(entries, loader);
    check_loaded_then(workspace, today, profile, Afterwards::Leave)
}

/// What becomes of the analysis (every pipeline merged, with its
/// templates) once its diagnostics are taken, and, for `compile`, of the
/// parsed files once the plans are written.
#[derive(Clone, Copy)]
pub enum Afterwards {
    /// Freed, as a long-lived caller (the language server) needs.
    Free,
    /// Left to the operating system by a process about to end.
    Leave,
}

impl Afterwards {
    /// Frees `value` or leaves it, as `self` says.
    fn dispose<T>(self, value: T) {
        match self {
            Afterwards::Free => drop(value),
            Afterwards::Leave => std::mem::forget(value),
        }
    }
}

/// Runs every check on a workspace already loaded (by
/// [`crate::modules::load_cached`], say).
pub fn check_loaded(
    workspace: crate::modules::Workspace,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> Checked {
    check_loaded_then(workspace, today, profile, Afterwards::Free)
}

/// [`check_loaded`], with the analysis disposed of as `afterwards` says.
fn check_loaded_then(
    mut workspace: crate::modules::Workspace,
    today: jiff::civil::Date,
    profile: Option<&str>,
    afterwards: Afterwards,
) -> Checked {
    let mut analysis = crate::semantics::analyze(&workspace, today, profile, Want::Diagnostics);
    let semantic = std::mem::take(&mut analysis.diagnostics);
    afterwards.dispose(analysis);
    workspace.diagnostics.extend(semantic);
    let mut diagnostics = workspace.diagnostics;
    diagnostics::sort_by_name(&mut diagnostics, &workspace.sources);
    dedup(&mut diagnostics);
    diagnostics::shorten(&mut diagnostics);
    Checked {
        sources: workspace.sources,
        trees: workspace
            .modules
            .into_iter()
            .map(|module| (module.file, module.tree))
            .collect(),
        diagnostics,
    }
}

/// Parses and checks each input on its own, without following imports.
pub fn check_inputs(inputs: Vec<Input>) -> Checked {
    let mut checked = Checked::default();
    for result in parse_and_shape(inputs) {
        let file = checked.sources.add(result.source);
        checked.diagnostics.extend(
            result
                .diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.in_file(file)),
        );
        if let Some(tree) = result.tree {
            checked.trees.push((file, tree));
        }
    }
    diagnostics::sort_by_name(&mut checked.diagnostics, &checked.sources);
    diagnostics::shorten(&mut checked.diagnostics);
    checked
}

/// One parsed file, before it has its final id: its diagnostics carry a
/// placeholder file that [`Diagnostic::in_file`] replaces.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file's name and text.
    pub source: SourceFile,
    /// Its tree, unless it could not be decoded.
    pub tree: Option<ast::File>,
    /// Syntax and shape diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and shape-checks inputs. Files are independent at this stage, so
/// they are spread over the machine's cores; results keep the input order.
pub fn parse_and_shape(inputs: Vec<Input>) -> Vec<FileResult> {
    crate::parallel::map_in_order(inputs, check_one)
}

fn check_one(input: Input) -> FileResult {
    let placeholder = FileId(u32::MAX);
    let (text, decode_error) = syntax::decode(input.bytes);
    let source = SourceFile::new(input.name, text);
    if let Some(error) = decode_error {
        return FileResult {
            source,
            tree: None,
            diagnostics: vec![error.to_diagnostic(placeholder)],
        };
    }
    let parsed = syntax::parse_file(&source.text, placeholder);
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(check::check_shape(&parsed.file, placeholder));
    FileResult {
        source,
        tree: Some(parsed.file),
        diagnostics,
    }
}

/// Checks one source text: a convenience for tests and editors.
pub fn check_text(name: &str, text: &str) -> Checked {
    check_inputs(vec![Input {
        name: name.to_string(),
        bytes: text.as_bytes().to_vec(),
    }])
}

/// The plans of a workspace's entry pipelines, with everything needed to
/// report problems.
#[derive(Debug, Default)]
pub struct Compiled {
    /// Every file read.
    pub sources: SourceMap,
    /// Every problem found, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The plans of the pipelines declared in the entry files, in
    /// declaration order (empty from [`compile_workspace_into`]).
    pub plans: Vec<crate::plan::Plan>,
    /// The names of those pipelines, in the same order: with
    /// [`compile_workspace_into`], the pipelines whose plans went to the
    /// sink, by rank.
    pub pipelines: Vec<String>,
}

impl Compiled {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks a workspace and builds the plans of the pipelines its entry
/// files declare.
pub fn compile_workspace(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
) -> Compiled {
    compile_workspace_with(entries, loader, today, None)
}

/// [`compile_workspace`] with a profile applied to every pipeline.
pub fn compile_workspace_with(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
    profile: Option<&str>,
) -> Compiled {
    let workspace = crate::modules::load(entries, loader);
    let entry_pipelines = entry_pipelines(&workspace);
    let mut analysis = crate::semantics::analyze(&workspace, today, profile, Want::Plans);
    let plans: Vec<crate::plan::Plan> = entry_pipelines
        .iter()
        .filter_map(|(decl, _)| analysis.plans.remove(decl))
        .collect();
    let pipelines = plans.iter().map(|plan| plan.pipeline.clone()).collect();
    let diagnostics = std::mem::take(&mut analysis.diagnostics);
    drop(analysis);
    finish(workspace, diagnostics, plans, pipelines, Afterwards::Free)
}

/// Receives the plans of a workspace's entry pipelines one at a time, as
/// [`compile_workspace_into`] builds them, on the threads that build them.
pub trait PlanSink: Sync {
    /// Called once, before any plan, with the names of the entry
    /// pipelines in order ([`Compiled::pipelines`]), so that the sink
    /// knows how many plans may come.
    fn expect(&self, pipelines: &[String]);

    /// The plan of the entry pipeline at `rank` (its place in
    /// [`Compiled::pipelines`]), with the sources its provenance points
    /// into.
    fn accept(&self, rank: usize, plan: crate::plan::Plan, sources: &SourceMap);
}

/// [`compile_workspace_with`] that hands each entry pipeline's plan to
/// `sink` as soon as it is built and keeps none: the returned
/// [`Compiled::plans`] is empty, and memory holds the workspace and the
/// few plans being built, however many pipelines there are. The sink
/// sees every plan before the diagnostics are known, so it must be ready
/// to throw them away. A process that ends once the plans are written
/// passes [`Afterwards::Leave`].
pub fn compile_workspace_into(
    entries: Vec<crate::modules::Entry>,
    loader: &dyn crate::loader::Loader,
    today: jiff::civil::Date,
    profile: Option<&str>,
    sink: &dyn PlanSink,
    afterwards: Afterwards,
) -> Compiled {
    let workspace = crate::modules::load(entries, loader);
    let entry_pipelines = entry_pipelines(&workspace);
    let ranks: std::collections::BTreeMap<crate::semantics::scope::DeclId, usize> = entry_pipelines
        .iter()
        .enumerate()
        .map(|(rank, (decl, _))| (*decl, rank))
        .collect();
    let names: Vec<String> = entry_pipelines
        .iter()
        .map(|(_, name)| name.clone())
        .collect();
    sink.expect(&names);
    let hand_over = |decl, plan| {
        if let Some(&rank) = ranks.get(&decl) {
            sink.accept(rank, plan, &workspace.sources);
        }
    };
    let mut analysis =
        crate::semantics::analyze(&workspace, today, profile, Want::Stream(&hand_over));
    let diagnostics = std::mem::take(&mut analysis.diagnostics);
    afterwards.dispose(analysis);
    finish(workspace, diagnostics, Vec::new(), names, afterwards)
}

/// The pipelines the entry files declare, in file and declaration order.
fn entry_pipelines(
    workspace: &crate::modules::Workspace,
) -> Vec<(crate::semantics::scope::DeclId, String)> {
    let mut pipelines = Vec::new();
    for module in workspace.modules.iter().filter(|module| module.is_entry) {
        for (idx, item) in module.tree.items.iter().enumerate() {
            if let (ast::ItemKind::Pipeline(_), Some(name)) = (&item.kind, item.kind.name()) {
                let decl = crate::semantics::scope::DeclId {
                    file: module.file,
                    item: idx,
                };
                pipelines.push((decl, name.name.clone()));
            }
        }
    }
    pipelines
}

/// The workspace's and the analysis's diagnostics, sorted, with the plans.
/// The parsed files are disposed of as `afterwards` says: freeing a
/// thousand syntax trees was a twentieth of `compile`'s wall time, on one
/// thread, at its very end.
fn finish(
    workspace: crate::modules::Workspace,
    semantic: Vec<Diagnostic>,
    plans: Vec<crate::plan::Plan>,
    pipelines: Vec<String>,
    afterwards: Afterwards,
) -> Compiled {
    let crate::modules::Workspace {
        sources,
        modules,
        mut diagnostics,
    } = workspace;
    afterwards.dispose(modules);
    diagnostics.extend(semantic);
    diagnostics::sort_by_name(&mut diagnostics, &sources);
    dedup(&mut diagnostics);
    diagnostics::shorten(&mut diagnostics);
    Compiled {
        sources,
        diagnostics,
        plans,
        pipelines,
    }
}

/// A template's problem found through each pipeline that extends it is
/// reported once (RFC 0001, R14); and one mistake is one diagnostic (R13).
fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.dedup_by(|later, earlier| {
        later.code == earlier.code
            && later.message == earlier.message
            && later.primary_label() == earlier.primary_label()
    });
    drop_untyped_new_of_inherited(diagnostics);
}

/// `new owner = "b"` over an inherited `owner`: the shape check, which
/// sees one file, reports a new field without a type (`P0105`), and the
/// merge that the field is inherited (`P0304`), the one mistake. The
/// `P0105` inside the `P0304`'s label goes: its help (declare a type)
/// would lead to the `P0304` again.
fn drop_untyped_new_of_inherited(diagnostics: &mut Vec<Diagnostic>) {
    let inherited: Vec<_> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == crate::diagnostics::Code::NEW_SHADOWS_INHERITED)
        .filter_map(Diagnostic::primary_label)
        .map(|label| (label.file, label.span))
        .collect();
    if inherited.is_empty() {
        return;
    }
    diagnostics.retain(|diagnostic| {
        if diagnostic.code != crate::diagnostics::Code::UNKNOWN_FIELD
            || !diagnostic.message.starts_with("`new ")
        {
            return true;
        }
        let Some(label) = diagnostic.primary_label() else {
            return true;
        };
        !inherited.iter().any(|(file, span)| {
            *file == label.file && span.start <= label.span.start && label.span.end <= span.end
        })
    });
}
