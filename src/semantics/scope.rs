//! Which declaration a name means. Every file sees its own top-level
//! declarations and, through each import, the declarations of the imported
//! file: unqualified when exactly one import provides the name, and always
//! as `module.name`. Imports are not transitive.

use crate::diagnostics::{Code, Diagnostic};
use crate::modules::{ModuleImport, Workspace};
use crate::names::closest;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Item, ItemKind, Path};
use std::collections::BTreeMap;

/// The kinds of top-level declaration a name can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeclKind {
    /// `registry`
    Registry,
    /// `calendar`
    Calendar,
    /// `window`
    Window,
    /// `alarm`
    Alarm,
    /// `template`
    Template,
    /// `pipeline`
    Pipeline,
    /// `policy`
    Policy,
}

impl DeclKind {
    /// "a template", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            DeclKind::Registry => "a registry",
            DeclKind::Calendar => "a calendar",
            DeclKind::Window => "a window",
            DeclKind::Alarm => "an alarm",
            DeclKind::Template => "a template",
            DeclKind::Pipeline => "a pipeline",
            DeclKind::Policy => "a policy",
        }
    }

    fn of(kind: &ItemKind) -> Option<DeclKind> {
        Some(match kind {
            ItemKind::Import(_) => return None,
            ItemKind::Registry(_) => DeclKind::Registry,
            ItemKind::Calendar(_) => DeclKind::Calendar,
            ItemKind::Window(_) => DeclKind::Window,
            ItemKind::Alarm(_) => DeclKind::Alarm,
            ItemKind::Template(_) => DeclKind::Template,
            ItemKind::Pipeline(_) => DeclKind::Pipeline,
            ItemKind::Policy(_) => DeclKind::Policy,
        })
    }
}

/// A top-level declaration: the file it is in and its index there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeclId {
    /// The file.
    pub file: FileId,
    /// The index of the item in the file's tree.
    pub item: usize,
}

/// Why a name did not resolve to what was wanted.
#[derive(Debug)]
pub struct Unresolved {
    /// The diagnostic to report.
    pub diagnostic: Box<Diagnostic>,
    /// The kind of declaration the name does mean, when it means one.
    pub found: Option<DeclKind>,
}

impl From<Diagnostic> for Unresolved {
    fn from(diagnostic: Diagnostic) -> Unresolved {
        Unresolved {
            diagnostic: Box::new(diagnostic),
            found: None,
        }
    }
}

/// The names every file can see.
pub struct Scopes<'w> {
    workspace: &'w Workspace,
    /// Per file: its own declarations by name (the first, if duplicated).
    locals: Vec<BTreeMap<&'w str, (DeclId, DeclKind)>>,
    /// The did-you-mean answer for an unknown name in a file, found once:
    /// the same unknown name used n times would otherwise cost n searches
    /// of every visible name.
    suggestions: std::sync::Mutex<std::collections::HashMap<(FileId, String), Option<String>>>,
    /// Per file, the names visible in it indexed for did-you-mean
    /// (owned: a borrowed name in a mutex would tie the scopes' lifetime).
    visible: VisibleIndex,
}

type VisibleIndex =
    std::sync::Mutex<std::collections::HashMap<FileId, std::sync::Arc<crate::names::NameIndex>>>;

impl<'w> Scopes<'w> {
    /// The did-you-mean for an unknown `name` in `file`: the closest name
    /// declared in the file or an import, found once per name and file, in
    /// an index of the visible names built once per file, so that n
    /// unknown names against n declarations stay near linear.
    fn suggestion(&self, file: FileId, name: &str, imports: &[ModuleImport]) -> Option<String> {
        let key = (file, name.to_string());
        if let Some(known) = self
            .suggestions
            .lock()
            .ok()
            .and_then(|memo| memo.get(&key).cloned())
        {
            return known;
        }
        let found = self
            .visible_names(file, imports)
            .closest(name)
            .map(str::to_string);
        if let Ok(mut memo) = self.suggestions.lock() {
            memo.insert(key, found.clone());
        }
        found
    }

    /// The names visible in a file, indexed. They go in shortest first,
    /// and of one length in the order the file's own declarations and then
    /// its imports list them: the order ties have always been broken in.
    fn visible_names(
        &self,
        file: FileId,
        imports: &[ModuleImport],
    ) -> std::sync::Arc<crate::names::NameIndex> {
        if let Some(index) = self
            .visible
            .lock()
            .ok()
            .and_then(|index| index.get(&file).cloned())
        {
            return index;
        }
        let mut by_length: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let own = self.locals.get(file.0 as usize).into_iter();
        let imported = imports
            .iter()
            .filter_map(|import| self.locals.get(import.target.0 as usize));
        for locals in own.chain(imported) {
            for name in locals.keys() {
                by_length
                    .entry(name.chars().count())
                    .or_default()
                    .push((*name).to_string());
            }
        }
        let index = std::sync::Arc::new(crate::names::NameIndex::new(
            by_length.values().flatten().map(String::as_str),
        ));
        if let Ok(mut visible) = self.visible.lock() {
            visible.insert(file, std::sync::Arc::clone(&index));
        }
        index
    }

    /// Builds the scopes of every file.
    pub fn new(workspace: &'w Workspace) -> Scopes<'w> {
        let locals = workspace
            .modules
            .iter()
            .map(|module| {
                let mut names = BTreeMap::new();
                for (idx, item) in module.tree.items.iter().enumerate() {
                    if let (Some(name), Some(kind)) = (item.kind.name(), DeclKind::of(&item.kind)) {
                        names.entry(name.name.as_str()).or_insert((
                            DeclId {
                                file: module.file,
                                item: idx,
                            },
                            kind,
                        ));
                    }
                }
                names
            })
            .collect();
        Scopes {
            workspace,
            locals,
            suggestions: std::sync::Mutex::default(),
            visible: std::sync::Mutex::default(),
        }
    }

    /// The workspace the scopes are of.
    pub fn workspace(&self) -> &'w Workspace {
        self.workspace
    }

    /// The item of a declaration.
    pub fn item(&self, decl: DeclId) -> Option<&'w Item> {
        self.workspace.module(decl.file)?.tree.items.get(decl.item)
    }

    /// Every declaration of the workspace, in file order.
    pub fn all(&self) -> impl Iterator<Item = (DeclId, DeclKind, &'w Item)> + '_ {
        self.workspace.modules.iter().flat_map(|module| {
            module
                .tree
                .items
                .iter()
                .enumerate()
                .filter_map(move |(idx, item)| {
                    DeclKind::of(&item.kind)
                        .map(|kind| {
                            (
                                DeclId {
                                    file: module.file,
                                    item: idx,
                                },
                                kind,
                            )
                        })
                        .map(|(decl, kind)| (decl, kind, item))
                })
        })
    }

    /// Resolves `path`, written in `file`, to a declaration of one of the
    /// `wanted` kinds, or explains why it does not resolve.
    pub fn resolve(
        &self,
        file: FileId,
        path: &Path,
        wanted: &[DeclKind],
    ) -> Result<(DeclId, DeclKind), Unresolved> {
        // Described only when something is reported: a name that resolves
        // (nearly every one) costs no text.
        let wanted_text = || describe_kinds(wanted);
        let found = match path.segments.as_slice() {
            [name] => self
                .resolve_unqualified(file, &name.name, path.span, wanted)
                .map_err(|diagnostic| self.suggest_unqualified(*diagnostic, file, path, wanted))?,
            [module, name] => self
                .resolve_qualified(file, &module.name, &name.name, path, wanted)
                .map_err(|diagnostic| {
                    self.suggest_qualified(
                        *diagnostic,
                        file,
                        (&module.name, &name.name),
                        path,
                        wanted,
                    )
                })?,
            _ => {
                return Err(Diagnostic::error(
                    Code::UNKNOWN_NAME,
                    format!("`{}` is not a name", path.to_dotted()),
                )
                .primary(file, path.span, format!("expected {}", wanted_text()))
                .help("names are `name` or `module.name`")
                .into());
            }
        };
        if wanted.contains(&found.1) {
            return Ok(found);
        }
        let wanted_text = wanted_text();
        let mut diagnostic = Diagnostic::error(
            Code::WRONG_KIND,
            format!(
                "`{}` is {}, not {wanted_text}",
                path.to_dotted(),
                found.1.describe()
            ),
        )
        .primary(file, path.span, format!("expected {wanted_text}"));
        if let Some(item) = self.item(found.0)
            && let Some(name) = item.kind.name()
        {
            diagnostic = diagnostic.secondary(
                found.0.file,
                name.span,
                format!("{} declared here", found.1.describe()),
            );
        }
        Err(Unresolved {
            diagnostic: Box::new(diagnostic.help(format!("name {wanted_text} here"))),
            found: Some(found.1),
        })
    }

    fn resolve_unqualified(
        &self,
        file: FileId,
        name: &str,
        span: Span,
        wanted: &[DeclKind],
    ) -> Result<(DeclId, DeclKind), Box<Diagnostic>> {
        if let Some(&found) = self
            .locals
            .get(file.0 as usize)
            .and_then(|locals| locals.get(name))
        {
            return Ok(found);
        }
        let module = self.workspace.module(file);
        let imports = module.map_or(&[][..], |module| module.imports.as_slice());
        let mut providers = imports.iter().filter_map(|import| {
            self.locals
                .get(import.target.0 as usize)
                .and_then(|locals| locals.get(name))
                .map(|&found| (import.alias.as_str(), found))
        });
        match (providers.next(), providers.next()) {
            (Some((_, found)), None) => Ok(found),
            (None, _) => {
                let mut diagnostic =
                    Diagnostic::error(Code::UNKNOWN_NAME, format!("cannot find `{name}`")).primary(
                        file,
                        span,
                        format!(
                            "expected {}; nothing of this name is in scope",
                            describe_kinds(wanted)
                        ),
                    );
                let suggestion = self.suggestion(file, name, imports);
                diagnostic = match suggestion {
                    Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                    None => diagnostic
                        .help("declare it in this file, or import the file that declares it"),
                };
                Err(Box::new(diagnostic))
            }
            (Some(first), Some(second)) => {
                let aliases: Vec<&str> = [first, second]
                    .into_iter()
                    .chain(providers)
                    .map(|(alias, _)| alias)
                    .collect();
                let mut distinct = aliases.clone();
                distinct.sort_unstable();
                distinct.dedup();
                // Imports of one name (already `P0103`) cannot be told
                // apart by a qualified name: `a.hs` would mean the first.
                let help = if distinct.len() < aliases.len() {
                    "import the modules under different names (`import \"...\" as NAME`), \
                     then write it qualified"
                        .to_string()
                } else {
                    let modules: Vec<String> = aliases
                        .iter()
                        .map(|alias| format!("`{alias}.{name}`"))
                        .collect();
                    format!("write it qualified: {}", modules.join(" or "))
                };
                Err(Box::new(
                    Diagnostic::error(
                        Code::AMBIGUOUS_NAME,
                        format!("`{name}` is declared by several imports"),
                    )
                    .primary(file, span, "could mean either")
                    .help(help),
                ))
            }
        }
    }

    fn resolve_qualified(
        &self,
        file: FileId,
        module_name: &str,
        name: &str,
        path: &Path,
        wanted: &[DeclKind],
    ) -> Result<(DeclId, DeclKind), Box<Diagnostic>> {
        let imports = self
            .workspace
            .module(file)
            .map_or(&[][..], |module| module.imports.as_slice());
        let Some(import) = imports.iter().find(|import| import.alias == module_name) else {
            // Only a module that declares the name makes `alias.name` mean
            // something: a close alias without it would be another error.
            let aliases: Vec<&str> = imports
                .iter()
                .filter(|import| {
                    self.locals
                        .get(import.target.0 as usize)
                        .is_some_and(|locals| locals.contains_key(name))
                })
                .map(|import| import.alias.as_str())
                .collect();
            let mut diagnostic = Diagnostic::error(
                Code::UNKNOWN_NAME,
                format!("no imported module `{module_name}`"),
            )
            .primary(
                file,
                path.span,
                format!("expected {}", describe_kinds(wanted)),
            );
            diagnostic = match closest(module_name, aliases.iter().copied()) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}.{name}`?")),
                None => diagnostic.help(format!(
                    "import the module first, e.g. `import \"std/{module_name}\"`"
                )),
            };
            return Err(Box::new(diagnostic));
        };
        let locals = self.locals.get(import.target.0 as usize);
        if let Some(&found) = locals.and_then(|locals| locals.get(name)) {
            return Ok(found);
        }
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_NAME,
            format!("`{module_name}` has no `{name}`"),
        )
        .primary(
            file,
            path.span,
            format!("expected {}", describe_kinds(wanted)),
        );
        diagnostic = match closest(
            name,
            locals.into_iter().flat_map(|locals| locals.keys().copied()),
        ) {
            Some(suggestion) => {
                diagnostic.help(format!("did you mean `{module_name}.{suggestion}`?"))
            }
            None => diagnostic.help(format!("`{module_name}` declares no such name")),
        };
        Err(Box::new(diagnostic))
    }
}

impl Scopes<'_> {
    /// The declaration an unqualified name means in `file`, if it means
    /// exactly one.
    fn lookup(&self, file: FileId, name: &str) -> Option<(DeclId, DeclKind)> {
        if let Some(&found) = self.locals.get(file.0 as usize)?.get(name) {
            return Some(found);
        }
        let imports = self.workspace.module(file)?.imports.as_slice();
        let mut providers = imports.iter().filter_map(|import| {
            self.locals
                .get(import.target.0 as usize)
                .and_then(|locals| locals.get(name))
        });
        match (providers.next(), providers.next()) {
            (Some(&found), None) => Some(found),
            _ => None,
        }
    }

    /// Adds the fix of an unknown unqualified name: the name the help line
    /// proposes, when it resolves to a wanted kind; else, when a module of
    /// the standard library declares the name with a wanted kind, its
    /// import.
    fn suggest_unqualified(
        &self,
        diagnostic: Diagnostic,
        file: FileId,
        path: &Path,
        wanted: &[DeclKind],
    ) -> Diagnostic {
        if diagnostic.code != Code::UNKNOWN_NAME {
            return diagnostic;
        }
        if let Some(suggestion) = proposed(&diagnostic)
            && let Some((_, kind)) = self.lookup(file, &suggestion)
            && wanted.contains(&kind)
        {
            return diagnostic.suggest(
                format!("Change to `{suggestion}`"),
                file,
                path.span,
                suggestion,
            );
        }
        let Some(name) = path.segments.first() else {
            return diagnostic;
        };
        let Some(std_module) = std_module_declaring(&name.name, wanted) else {
            return diagnostic;
        };
        self.suggest_std_import(diagnostic, file, std_module)
    }

    /// Adds `import "STD_MODULE"` as the fix, unless the file imports that
    /// module already: under another name, the fix is that name, not a
    /// second import.
    fn suggest_std_import(
        &self,
        diagnostic: Diagnostic,
        file: FileId,
        std_module: &str,
    ) -> Diagnostic {
        let Some(module) = self.workspace.module(file) else {
            return diagnostic;
        };
        let imported = module.imports.iter().any(|import| {
            self.workspace
                .sources
                .get(import.target)
                .is_some_and(|source| source.name == std_module)
        });
        if imported {
            return diagnostic;
        }
        let (span, text) = match module.imports.iter().map(|import| import.span.end()).max() {
            Some(end) => (Span::new(end, end), format!("\nimport \"{std_module}\"")),
            None => (Span::new(0, 0), format!("import \"{std_module}\"\n\n")),
        };
        diagnostic.suggest(format!("Add `import \"{std_module}\"`"), file, span, text)
    }

    /// Adds the fix of an unknown qualified name: `module.name` as the help
    /// line proposes it, when it resolves to a wanted kind.
    fn suggest_qualified(
        &self,
        diagnostic: Diagnostic,
        file: FileId,
        (module_name, name): (&str, &str),
        path: &Path,
        wanted: &[DeclKind],
    ) -> Diagnostic {
        if diagnostic.code != Code::UNKNOWN_NAME {
            return diagnostic;
        }
        let Some(suggestion) = proposed(&diagnostic) else {
            // `calendars.us_holidays` without the import: the module of the
            // standard library that the alias names, when it declares the
            // name with a wanted kind, imported under its own name.
            let std_module = format!("std/{module_name}");
            let declares = std_module_declares(&std_module, name, wanted);
            let no_such_alias = self
                .workspace
                .module(file)
                .is_some_and(|module| module.imports.iter().all(|i| i.alias != module_name));
            if declares && no_such_alias && path.segments.len() == 2 {
                return self.suggest_std_import(diagnostic, file, &std_module);
            }
            return diagnostic;
        };
        let Some((alias, suggested_name)) = suggestion.split_once('.') else {
            return diagnostic;
        };
        let Some(module) = self.workspace.module(file) else {
            return diagnostic;
        };
        let resolves = module
            .imports
            .iter()
            .find(|import| import.alias == alias)
            .and_then(|import| {
                self.locals
                    .get(import.target.0 as usize)?
                    .get(suggested_name)
            })
            .is_some_and(|(_, kind)| wanted.contains(kind));
        if !resolves || (suggested_name != name && path.segments.len() != 2) {
            return diagnostic;
        }
        diagnostic.suggest(
            format!("Change to `{suggestion}`"),
            file,
            path.span,
            suggestion,
        )
    }
}

/// `P0103` for a pipeline whose name another file of the workspace also
/// gives a pipeline: plans, `compile -o`'s files and policies' exemptions
/// name pipelines, so the name is unique across the workspace, not only
/// within a file (files of two workspaces checked together are apart).
/// Files are taken in the order of their names (as reports
/// are), declarations in source order: the first file to declare the name
/// keeps it, and each other file is told once, at its first declaration
/// of it (a second in the same file is the shape check's, against that
/// file's first).
pub fn check_pipeline_names(workspace: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    // Files of different workspaces, checked by one command, are compiled
    // apart: their pipelines may share a name.
    type Key<'a> = (Option<&'a std::path::Path>, &'a str);
    type Place<'a> = (&'a str, FileId, Span);
    // Hashed, then the names declared twice sorted: a sorted map of every
    // pipeline compared workspace roots component by component, some
    // fourteen times per pipeline of a workspace of 10,000.
    let mut by_name: crate::hashing::FastHashMap<Key<'_>, Vec<Place<'_>>> = Default::default();
    for module in workspace.modules.iter().filter(|module| !module.is_std) {
        let Some(source) = workspace.sources.get(module.file) else {
            continue;
        };
        for item in &module.tree.items {
            if let ItemKind::Pipeline(decl) = &item.kind {
                let key = (module.root.as_deref(), decl.name.name.as_str());
                by_name.entry(key).or_default().push((
                    source.name.as_str(),
                    module.file,
                    decl.name.span,
                ));
            }
        }
    }
    let mut repeated: Vec<_> = by_name
        .into_iter()
        .filter(|(_, places)| places.len() > 1)
        .collect();
    repeated.sort_unstable_by_key(|(key, _)| *key);
    for ((_, name), mut places) in repeated {
        places.sort_by_key(|(file_name, file, span)| (*file_name, *file, span.start()));
        let Some(&(_, first_file, first_span)) = places.first() else {
            continue;
        };
        let mut told = std::collections::BTreeSet::from([first_file]);
        for &(_, file, span) in places.iter().skip(1) {
            if !told.insert(file) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    Code::DUPLICATE_DEFINITION,
                    format!("pipeline `{name}` is declared in two files"),
                )
                .primary(
                    file,
                    span,
                    format!("second pipeline named `{name}` in the workspace"),
                )
                .secondary(first_file, first_span, "first declared here")
                .note(
                    "pipeline names are unique across the workspace: a plan, the file \
                     `compile -o` writes it to and a policy's `exempt` name the pipeline",
                )
                .help("rename one of them"),
            );
        }
    }
}

/// The name a "did you mean `NAME`?" help line proposes.
fn proposed(diagnostic: &Diagnostic) -> Option<String> {
    let help = diagnostic.help.as_deref()?;
    let rest = help.strip_prefix("did you mean `")?;
    let (name, _) = rest.split_once("`?")?;
    Some(name.to_string())
}

/// The module of the standard library (`std/aws`) that declares `name`
/// as one of the `wanted` kinds, if one does. The library is parsed once,
/// the first time a name is not found.
fn std_module_declaring(name: &str, wanted: &[DeclKind]) -> Option<&'static str> {
    std_declarations()
        .iter()
        .find(|(_, declared, kind)| declared == name && wanted.contains(kind))
        .map(|(module, _, _)| *module)
}

/// Whether the module of the standard library `module` (`std/calendars`)
/// declares `name` with one of the `wanted` kinds.
fn std_module_declares(module: &str, name: &str, wanted: &[DeclKind]) -> bool {
    std_declarations()
        .iter()
        .any(|(declaring, declared, kind)| {
            *declaring == module && declared == name && wanted.contains(kind)
        })
}

/// Every declaration of the standard library: its module, name and kind.
fn std_declarations() -> &'static [(&'static str, String, DeclKind)] {
    static DECLARED: std::sync::OnceLock<Vec<(&'static str, String, DeclKind)>> =
        std::sync::OnceLock::new();
    DECLARED.get_or_init(|| {
        crate::stdlib::MODULES
            .iter()
            .flat_map(|(module, text)| {
                crate::syntax::parse_file(text, FileId(0))
                    .file
                    .items
                    .into_iter()
                    .filter_map(move |item| {
                        let kind = DeclKind::of(&item.kind)?;
                        Some((*module, item.kind.name()?.name.clone(), kind))
                    })
            })
            .collect()
    })
}

fn describe_kinds(kinds: &[DeclKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|kind| kind.describe()).collect();
    match names.as_slice() {
        [] => "a declaration".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
