//! Loading a workspace: the entry files, then every file they import,
//! transitively, through a [`Loader`]. Each file is parsed and shape-checked
//! once, however many files import it. Import problems (missing files,
//! escapes from the workspace root, cycles) are diagnostics here.

use crate::diagnostics::{Code, Diagnostic};
use crate::loader::{Loader, normalize};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::stdlib;
use crate::syntax::ast::{self, ItemKind};
use crate::workspace::{FileResult, Input, parse_and_shape};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file that marks a workspace root.
pub const ROOT_MARKER: &str = "pipec.toml";

/// An entry file: what to call it, where it is (for its imports), and its
/// bytes when they do not come from the loader (standard input).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path as the user named it; imports resolve from its directory.
    pub path: PathBuf,
    /// The bytes, or `None` to read `path` through the loader.
    pub bytes: Option<Vec<u8>>,
    /// The name shown in messages, when not `path` itself (`<stdin>`).
    pub name: Option<String>,
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct Module {
    /// Its id in the source map.
    pub file: FileId,
    /// Its syntax tree (empty if it could not be read).
    pub tree: ast::File,
    /// Its imports that resolved, in source order.
    pub imports: Vec<ModuleImport>,
    /// Whether it was named on the command line (rather than imported).
    pub is_entry: bool,
    /// Whether it is part of the embedded standard library.
    pub is_std: bool,
    /// The root of the workspace it belongs to: the directory of its
    /// `pipec.toml`, else its entry file's directory (`None` for the
    /// standard library, and when no root could be found).
    pub root: Option<PathBuf>,
}

/// A resolved `import`.
#[derive(Debug, Clone)]
pub struct ModuleImport {
    /// The name the module is bound to: the `as` alias, else the file stem.
    pub alias: String,
    /// The imported file.
    pub target: FileId,
    /// The import declaration.
    pub span: Span,
}

/// Every file of a workspace, parsed, with the diagnostics of loading.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Every file read, entries first.
    pub sources: SourceMap,
    /// One module per file, indexed like the source map.
    pub modules: Vec<Module>,
    /// Syntax, shape and import diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// The module of a file.
    pub fn module(&self, file: FileId) -> Option<&Module> {
        self.modules.get(file.0 as usize)
    }
}

/// Where a file sits: its display path and the root its imports must stay in.
#[derive(Debug, Clone)]
struct Place {
    display: PathBuf,
    /// `None` for the standard library (which imports only `std/`
    /// modules), or when no root could be found: then relative imports
    /// are refused.
    root: Option<PathBuf>,
}

/// Files already parsed and shape-checked, by name and bytes, so that a
/// caller who checks the same workspace again and again (the language
/// server, after every edit) parses only the files that changed. A file's
/// parse depends on nothing but its name and bytes, so a hit is exactly
/// what parsing again would give. One entry is kept per name; shared
/// between threads.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: std::sync::Mutex<std::collections::HashMap<String, (Vec<u8>, FileResult)>>,
}

impl ParseCache {
    /// The parse of an input, when it was cached with the same bytes.
    fn get(&self, input: &Input) -> Option<FileResult> {
        let files = self.files.lock().ok()?;
        let (bytes, result) = files.get(&input.name)?;
        (*bytes == input.bytes).then(|| result.clone())
    }

    fn put(&self, bytes: Vec<u8>, result: &FileResult) {
        if let Ok(mut files) = self.files.lock() {
            files.insert(result.source.name.clone(), (bytes, result.clone()));
        }
    }

    /// Forgets every file whose name `keep` refuses (files deleted or no
    /// longer part of any workspace), so the cache stays as large as the
    /// workspaces it serves.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        if let Ok(mut files) = self.files.lock() {
            files.retain(|name, _| keep(name));
        }
    }
}

struct Load<'l> {
    loader: &'l dyn Loader,
    cache: Option<&'l ParseCache>,
    workspace: Workspace,
    places: Vec<Place>,
    /// Hashed, not sorted: a sorted map compares paths component by
    /// component, and is only ever asked for one.
    by_canonical: crate::hashing::FastHashMap<PathBuf, FileId>,
    by_std: BTreeMap<&'static str, FileId>,
    /// Relative imports already found, by the importing file's directory
    /// as shown: the same path from the same directory, under the same
    /// root, is the same file, so a thousand services that import their
    /// template from one directory resolve it once.
    found_imports: crate::hashing::FastHashMap<PathBuf, Vec<(Option<PathBuf>, String, FileId)>>,
}

/// Loads the entries and everything they import.
pub fn load(entries: Vec<Entry>, loader: &dyn Loader) -> Workspace {
    load_with(entries, loader, None)
}

/// [`load`], taking unchanged files' parses from `cache` and keeping the
/// new ones there.
pub fn load_cached(entries: Vec<Entry>, loader: &dyn Loader, cache: &ParseCache) -> Workspace {
    load_with(entries, loader, Some(cache))
}

fn load_with(entries: Vec<Entry>, loader: &dyn Loader, cache: Option<&ParseCache>) -> Workspace {
    let remembering;
    let loader: &dyn Loader = if loader.remembers() {
        loader
    } else {
        remembering = crate::loader::Remembering::new(loader);
        &remembering
    };
    let mut load = Load {
        loader,
        cache,
        workspace: Workspace::default(),
        places: Vec::new(),
        by_canonical: Default::default(),
        by_std: BTreeMap::new(),
        found_imports: Default::default(),
    };
    // Entries are parsed together, on all cores.
    let mut inputs = Vec::new();
    let mut entry_places = Vec::new();
    // Entries of one directory share its root, found once.
    let mut roots: crate::hashing::FastHashMap<PathBuf, Option<PathBuf>> = Default::default();
    for entry in entries {
        let display = normalize(&entry.path);
        let name = entry
            .name
            .clone()
            .unwrap_or_else(|| display_string(&display));
        let canonical = loader.canonicalize(&entry.path).ok();
        if let Some(canonical) = &canonical
            && load.by_canonical.contains_key(canonical)
        {
            continue;
        }
        // An unreadable entry is checked as an empty file and reported on
        // it, so that a caller of the library cannot mistake it for a
        // clean one. (The command line reads its files itself first.)
        let (bytes, unreadable) = match entry.bytes {
            Some(bytes) => (bytes, None),
            None => match loader.read(&entry.path) {
                Ok(bytes) => (bytes, None),
                Err(error) => (Vec::new(), Some(error)),
            },
        };
        let dir = entry.path.parent().unwrap_or(Path::new(""));
        let root = match roots.get(dir) {
            Some(root) => root.clone(),
            None => {
                let root = find_root(loader, &entry.path);
                roots.insert(dir.to_path_buf(), root.clone());
                root
            }
        };
        inputs.push(Input { name, bytes });
        entry_places.push((Place { display, root }, canonical, unreadable));
    }
    let parsed = load.parse(inputs);
    for (result, (place, canonical, unreadable)) in parsed.into_iter().zip(entry_places) {
        let mut diagnostics = result.diagnostics;
        if let Some(error) = unreadable {
            diagnostics.push(
                Diagnostic::error(
                    Code::IMPORT_NOT_FOUND,
                    format!("cannot read `{}`: {error}", result.source.name),
                )
                .primary(FileId(u32::MAX), Span::new(0, 0), "this file")
                .help("check the path given to pipec"),
            );
        }
        let file = load.add(result.source, result.tree, diagnostics, place, true, false);
        if let Some(canonical) = canonical {
            load.by_canonical.insert(canonical, file);
        }
    }
    // Then imports, breadth first; new files are appended to the queue.
    let mut next = 0;
    while next < load.workspace.modules.len() {
        load.resolve_imports(FileId(next as u32));
        next += 1;
    }
    load.report_cycles();
    load.workspace
}

/// How a path is shown and names its file: `/` between its parts.
pub(crate) fn display_string(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The workspace root of an entry file: the nearest ancestor directory
/// holding `pipec.toml`, else the file's own directory. Exporters read
/// their settings from the `pipec.toml` there.
pub fn workspace_root(loader: &dyn Loader, path: &Path) -> Option<PathBuf> {
    find_root(loader, path)
}

/// The nearest ancestor directory of `path` holding `pipec.toml`, else the
/// file's own directory; canonical. A directory the loader does not know
/// (standard input named after a file in a directory that does not exist)
/// counts as the current directory, so that confinement never lapses.
/// `None` only when not even the current directory can be resolved; then
/// every relative import is refused.
fn find_root(loader: &dyn Loader, path: &Path) -> Option<PathBuf> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let start = loader
        .canonicalize(dir)
        .or_else(|_| loader.canonicalize(Path::new(".")))
        .ok()?;
    let mut candidate = Some(start.as_path());
    while let Some(dir) = candidate {
        if loader.is_file(&dir.join(ROOT_MARKER)) {
            return Some(dir.to_path_buf());
        }
        candidate = dir.parent();
    }
    Some(start)
}

impl Load<'_> {
    /// Parses and shape-checks inputs, through the cache when there is one.
    fn parse(&self, inputs: Vec<Input>) -> Vec<FileResult> {
        let Some(cache) = self.cache else {
            return parse_and_shape(inputs);
        };
        let mut results: Vec<Option<FileResult>> = Vec::with_capacity(inputs.len());
        let mut misses = Vec::new();
        let mut miss_bytes = Vec::new();
        for input in inputs {
            let hit = cache.get(&input);
            if hit.is_none() {
                miss_bytes.push(input.bytes.clone());
                misses.push(input);
            }
            results.push(hit);
        }
        let mut parsed = parse_and_shape(misses).into_iter().zip(miss_bytes);
        results
            .into_iter()
            .filter_map(|hit| {
                hit.or_else(|| {
                    let (result, bytes) = parsed.next()?;
                    cache.put(bytes, &result);
                    Some(result)
                })
            })
            .collect()
    }

    fn add(
        &mut self,
        source: SourceFile,
        tree: Option<ast::File>,
        diagnostics: Vec<Diagnostic>,
        place: Place,
        is_entry: bool,
        is_std: bool,
    ) -> FileId {
        let file = self.workspace.sources.add(source);
        self.workspace.diagnostics.extend(
            diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.in_file(file)),
        );
        self.workspace.modules.push(Module {
            file,
            tree: tree.unwrap_or_default(),
            imports: Vec::new(),
            is_entry,
            is_std,
            root: place.root.clone(),
        });
        self.places.push(place);
        file
    }

    fn resolve_imports(&mut self, file: FileId) {
        let Some(module) = self.workspace.module(file) else {
            return;
        };
        let imports: Vec<(ast::Import, Span)> = module
            .tree
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Import(import) => Some((import.clone(), item.span)),
                _ => None,
            })
            .collect();
        let is_std = module.is_std;
        let mut resolved = Vec::new();
        for (import, span) in imports {
            let Some(path) = import.path.as_plain() else {
                self.error(
                    Diagnostic::error(Code::IMPORT_NOT_FOUND, "an import path cannot interpolate")
                        .primary(file, import.path.span, "`${...}` in an import")
                        .help("write the path literally"),
                );
                continue;
            };
            let target = if let Some(name) = path.strip_prefix("std/") {
                self.load_std(file, name, &import)
            } else if is_std {
                None
            } else {
                self.load_relative(file, &path, &import)
            };
            if let Some(target) = target {
                let alias = import
                    .alias
                    .as_ref()
                    .map_or_else(|| ast::module_stem(&path), |alias| alias.name.clone());
                resolved.push(ModuleImport {
                    alias,
                    target,
                    span,
                });
            }
        }
        if let Some(module) = self.workspace.modules.get_mut(file.0 as usize) {
            module.imports = resolved;
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.workspace.diagnostics.push(diagnostic);
    }

    fn load_std(&mut self, importer: FileId, name: &str, import: &ast::Import) -> Option<FileId> {
        let full = format!("std/{name}");
        let Some((std_name, text)) = stdlib::MODULES.iter().find(|(module, _)| *module == full)
        else {
            let known: Vec<&str> = stdlib::MODULES.iter().map(|(module, _)| *module).collect();
            let mut diagnostic = Diagnostic::error(
                Code::IMPORT_NOT_FOUND,
                format!("no standard module `{full}`"),
            )
            .primary(importer, import.path.span, "not in the standard library");
            diagnostic = match crate::names::closest(&full, known.iter().copied()) {
                Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.help(format!("the standard library has {}", known.join(", "))),
            };
            self.error(diagnostic);
            return None;
        };
        if let Some(&file) = self.by_std.get(std_name) {
            return Some(file);
        }
        let mut results = self.parse(vec![Input {
            name: (*std_name).to_string(),
            bytes: text.as_bytes().to_vec(),
        }]);
        let result = results.pop()?;
        let place = Place {
            display: PathBuf::from(std_name),
            root: None,
        };
        let file = self.add(
            result.source,
            result.tree,
            result.diagnostics,
            place,
            false,
            true,
        );
        self.by_std.insert(std_name, file);
        Some(file)
    }

    fn load_relative(
        &mut self,
        importer: FileId,
        path: &str,
        import: &ast::Import,
    ) -> Option<FileId> {
        let place = self.places.get(importer.0 as usize)?;
        let base = place.display.parent().unwrap_or(Path::new(""));
        if let Some(&(_, _, file)) = self.found_imports.get(base).and_then(|found| {
            found
                .iter()
                .find(|(root, found_path, _)| found_path == path && *root == place.root)
        }) {
            return Some(file);
        }
        let (dir, place) = (base.to_path_buf(), place.clone());
        let file = self.find_relative(importer, path, import, &place)?;
        self.found_imports
            .entry(dir)
            .or_default()
            .push((place.root, path.to_string(), file));
        Some(file)
    }

    /// [`Self::load_relative`] for an import not found before.
    fn find_relative(
        &mut self,
        importer: FileId,
        path: &str,
        import: &ast::Import,
        place: &Place,
    ) -> Option<FileId> {
        let base = place.display.parent().unwrap_or(Path::new(""));
        let display = normalize(&base.join(path));
        let not_found = |detail: &str| {
            Diagnostic::error(Code::IMPORT_NOT_FOUND, format!("cannot find `{path}`"))
                .primary(importer, import.path.span, detail.to_string())
                .note(format!(
                    "imports resolve from the importing file's directory: this is {}",
                    display_string(&display)
                ))
                .help("check the path; standard modules are imported as `std/NAME`")
        };
        if !self.loader.is_file(&display) {
            self.error(not_found("no such file"));
            return None;
        }
        let Ok(canonical) = self.loader.canonicalize(&display) else {
            self.error(not_found("cannot be resolved"));
            return None;
        };
        // A file without a known root (only when not even the current
        // directory resolves) imports nothing: confinement fails closed.
        if place
            .root
            .as_ref()
            .is_none_or(|root| !canonical.starts_with(root))
        {
            self.error(
                Diagnostic::error(Code::IMPORT_ESCAPES_ROOT, format!("`{path}` is outside the workspace"))
                    .primary(importer, import.path.span, "leads outside the workspace root")
                    .note(format!(
                        "the workspace root is the nearest directory above with a `{ROOT_MARKER}`, else the entry file's directory"
                    ))
                    .help(format!("move the file into the workspace, or put `{ROOT_MARKER}` in a directory that holds both")),
            );
            return None;
        }
        if let Some(&file) = self.by_canonical.get(&canonical) {
            return Some(file);
        }
        let bytes = match self.loader.read(&display) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.error(not_found(&format!("cannot be read: {error}")));
                return None;
            }
        };
        let mut results = self.parse(vec![Input {
            name: display_string(&display),
            bytes,
        }]);
        let result = results.pop()?;
        let file = self.add(
            result.source,
            result.tree,
            result.diagnostics,
            Place {
                display,
                root: place.root.clone(),
            },
            false,
            false,
        );
        self.by_canonical.insert(canonical, file);
        Some(file)
    }

    /// Reports each import cycle once, at the import that closes it in the
    /// file that comes first.
    fn report_cycles(&mut self) {
        let graph: Vec<Vec<(FileId, Span)>> = self
            .workspace
            .modules
            .iter()
            .map(|module| {
                module
                    .imports
                    .iter()
                    .map(|import| (import.target, import.span))
                    .collect()
            })
            .collect();
        for cycle in crate::names::cycles(&graph) {
            let Some(&(first_file, first_span)) = cycle.first() else {
                continue;
            };
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|(file, _)| {
                    self.workspace
                        .sources
                        .get(*file)
                        .map_or_else(String::new, |source| source.name.clone())
                })
                .collect();
            let mut diagnostic = Diagnostic::error(Code::IMPORT_CYCLE, "import cycle")
                .primary(first_file, first_span, "this import starts the cycle")
                .note(format!("the cycle: {}", names.join(" → ")))
                .help("move what both files need into a third file that both import");
            for &(file, span) in cycle.iter().skip(1) {
                diagnostic = diagnostic.secondary(file, span, "imports the next file of the cycle");
            }
            self.error(diagnostic);
        }
    }
}
