//! Re-checking after edits, as little as is exact, and the rest in the
//! background.
//!
//! A file's diagnostics depend on the file, the files it imports
//! (transitively), the files that import it (whose uses of it may be
//! reported there, as a template's problem found through a pipeline is),
//! and the files that declare a pipeline of a name it declares too (a
//! pipeline's name is unique across the workspace, `P0103`): names resolve
//! only through imports, and policies govern only the files that reach them
//! by import. So after an edit to some files, the *subset* made of those
//! files and, over and over, every file that imports one of the subset or
//! shares a pipeline's name with one (by the names of the last check, and
//! by those the edited files declare now) is checked at once, with those
//! files as entries and their imports loaded as usual; the diagnostics of
//! every file in the subset are then exactly what a check of the whole
//! workspace gives them.
//!
//! The files the subset only imports (a template an edited pipeline
//! extends) may owe a finding to the edited file too, so the whole
//! workspace is checked again on a worker thread, once the client has
//! paused. Its result is used only if nothing was edited in the meantime
//! (its generation is still the scope's); otherwise it is dropped, and the
//! check stays owed until the next pause.
//!
//! Every check reads unchanged files' parses from a [`ParseCache`] shared
//! with the worker, so an edit costs the parse of the edited file.

use super::convert::Encoding;
use super::diagnostics;
use super::documents::{self, Documents, Overlay, Scope};
use crate::modules::{self, Entry, ParseCache, Workspace};
use crossbeam_channel::{Receiver, Sender};
use lsp_types::Uri;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The protocol's diagnostics of each file, by URI.
pub type Lists = BTreeMap<String, (Uri, Vec<lsp_types::Diagnostic>)>;

/// What changed in a scope since it was last checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Anything (settings, a closed document): check it all.
    Everything,
    /// These files, by the name the compiler knows them by.
    Files(BTreeSet<String>),
}

impl Changed {
    /// Adds another change to this one.
    pub fn add(&mut self, other: Changed) {
        match (&mut *self, other) {
            (Changed::Everything, _) => {}
            (_, Changed::Everything) => *self = Changed::Everything,
            (Changed::Files(files), Changed::Files(more)) => files.extend(more),
        }
    }
}

/// What a check is made with, besides the files.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date checks are made from.
    pub today: jiff::civil::Date,
    /// The profile applied to every pipeline.
    pub profile: Option<String>,
    /// How positions are counted.
    pub encoding: Encoding,
    /// Where codes are explained.
    pub docs_url: String,
}

/// A whole-workspace check finished on the worker thread.
pub struct Finished {
    scope: Scope,
    generation: u64,
    lists: Lists,
    imports: Imports,
    pipelines: Pipelines,
}

/// Per file name, the names of the files it imports.
type Imports = BTreeMap<String, BTreeSet<String>>;

/// Per file name, the names of the pipelines it declares.
type Pipelines = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug, Default)]
struct ScopeState {
    /// The import graph of the last check of everything, updated by each
    /// subset check for the files it checked.
    imports: Imports,
    /// The pipelines each file declared at the last check of it.
    pipelines: Pipelines,
    /// Whether the scope was ever checked whole (until then, the import
    /// graph is unknown and every check is whole).
    known: bool,
    /// The lists last published, non-empty ones only.
    lists: Lists,
    /// Bumped by every check, so that an older background result is known.
    generation: u64,
    /// Whether a background check is running.
    running: bool,
    /// Whether files outside the last subset may be out of date.
    behind: bool,
    /// The text each large open document had at its last check, to find
    /// what an edit changed (see [`super::incremental`]).
    texts: BTreeMap<String, String>,
}

/// Files at least this large have an edit inside one pipeline checked by
/// that pipeline alone; smaller ones are checked whole, which costs little.
const LARGE_FILE: usize = 32 * 1024;

/// The lists to publish after a check: every file whose list changed, and
/// every file that changed (a client wants an answer per version).
pub type Publish = Vec<(Uri, Vec<lsp_types::Diagnostic>)>;

/// The checker of every scope the server serves.
pub struct Checker {
    cache: Arc<ParseCache>,
    states: BTreeMap<Scope, ScopeState>,
    sender: Sender<Finished>,
    receiver: Receiver<Finished>,
}

impl Default for Checker {
    fn default() -> Checker {
        let (sender, receiver) = crossbeam_channel::unbounded();
        Checker {
            cache: Arc::default(),
            states: BTreeMap::new(),
            sender,
            receiver,
        }
    }
}

impl Checker {
    /// Where finished background checks arrive.
    pub fn finished_checks(&self) -> Receiver<Finished> {
        self.receiver.clone()
    }

    /// The parses the checks share.
    pub fn cache(&self) -> &ParseCache {
        &self.cache
    }

    /// The diagnostics last published for a file.
    pub fn list(&self, uri: &str) -> Vec<lsp_types::Diagnostic> {
        self.states
            .values()
            .find_map(|state| state.lists.get(uri))
            .map(|(_, list)| list.clone())
            .unwrap_or_default()
    }

    /// Of the entries `all` of a scope, those to load for a request about
    /// `name`: the file and every file that imports it (they are what its
    /// references and hovers can reach), or all of them while the scope's
    /// graph is unknown.
    pub fn request_entries(&self, scope: &Scope, name: &str, all: Vec<Entry>) -> Vec<Entry> {
        self.entries_importing(scope, [name.to_string()], all)
    }

    /// The files a rename from `name` may edit: those importing `name` or
    /// any file it imports, directly or not. A member declared in an
    /// imported template is renamed in every descendant of it, siblings of
    /// `name`'s own declarations included.
    pub fn rename_entries(&self, scope: &Scope, name: &str, all: Vec<Entry>) -> Vec<Entry> {
        let Some(state) = self.states.get(scope).filter(|state| state.known) else {
            return all;
        };
        let imported = closure([name.to_string()], |file| {
            state
                .imports
                .get(file)
                .map(|targets| targets.iter().map(String::as_str).collect())
                .unwrap_or_default()
        });
        self.entries_importing(scope, imported, all)
    }

    fn entries_importing(
        &self,
        scope: &Scope,
        names: impl IntoIterator<Item = String>,
        all: Vec<Entry>,
    ) -> Vec<Entry> {
        match self.states.get(scope) {
            Some(state) if state.known => {
                let wanted = importers_closure(&state.imports, names);
                all.into_iter()
                    .filter(|entry| wanted.contains(&entry_name(entry)))
                    .collect()
            }
            _ => all,
        }
    }

    /// Checks what `changed` makes necessary in `scope` and returns what to
    /// publish. Starts a background check of the rest when the subset was
    /// not all of it.
    pub fn recheck(
        &mut self,
        scope: &Scope,
        changed: Changed,
        documents: &Documents,
        options: &Options,
    ) -> Publish {
        let one = match &changed {
            Changed::Files(files) if files.len() == 1 => files.first().cloned(),
            _ => None,
        };
        let publish = one
            .and_then(|name| self.recheck_pipeline(scope, &name, documents, options))
            .unwrap_or_else(|| self.recheck_files(scope, changed.clone(), documents, options));
        if let (Changed::Files(files), Some(state)) = (&changed, self.states.get_mut(scope)) {
            for name in files {
                match documents.iter().find(|document| document.name() == *name) {
                    Some(document) if document.text.len() >= LARGE_FILE => {
                        state.texts.insert(name.clone(), document.text.clone());
                    }
                    _ => {
                        state.texts.remove(name);
                    }
                }
            }
        }
        publish
    }

    /// An edit inside one pipeline of a large file that nothing imports:
    /// that pipeline checked alone, the rest of the file's diagnostics
    /// moved with the text, and the whole workspace owed (see
    /// [`super::incremental`]). `None` when the edit is not of that kind.
    fn recheck_pipeline(
        &mut self,
        scope: &Scope,
        name: &str,
        documents: &Documents,
        options: &Options,
    ) -> Option<Publish> {
        let state = self.states.get(scope)?;
        // The edit keeps the file's pipelines' names, so a file that shares
        // none with another file and that nothing imports still stands alone.
        if !state.known
            || related_closure(&state.imports, &state.pipelines, [name.to_string()]).len() != 1
        {
            return None;
        }
        let document = documents.iter().find(|document| document.name() == name)?;
        let path = document.path.clone()?;
        let old = state.texts.get(name)?;
        if document.text.len() < LARGE_FILE {
            return None;
        }
        let edit = super::incremental::pipeline_edit(old, &document.text)?;
        let entries = vec![Entry {
            path: path.clone(),
            bytes: None,
            name: None,
        }];
        let overlay = documents
            .overlay()
            .with_file(&path, edit.reduced.into_bytes());
        let workspace = modules::load_cached(entries, &overlay, &self.cache);
        let mut lists = check(workspace, options);
        let uri = document.uri.clone();
        let key = uri.as_str().to_string();
        let fresh = lists.remove(&key).map(|(_, list)| list).unwrap_or_default();
        let state = self.states.get_mut(scope)?;
        state.generation += 1;
        state.behind = true;
        let old_list = state
            .lists
            .remove(&key)
            .map(|(_, list)| list)
            .unwrap_or_default();
        let moved = i64::from(edit.new_lines.end) - i64::from(edit.old_lines.end);
        let mut list: Vec<lsp_types::Diagnostic> = old_list
            .iter()
            .filter(|diagnostic| diagnostic.range.start.line < edit.old_lines.start)
            .cloned()
            .collect();
        list.extend(
            fresh
                .into_iter()
                .filter(|diagnostic| edit.new_lines.contains(&diagnostic.range.start.line)),
        );
        list.extend(
            old_list
                .into_iter()
                .filter(|diagnostic| diagnostic.range.start.line >= edit.old_lines.end)
                .map(|diagnostic| moved_by(diagnostic, &uri, edit.old_lines.end, moved)),
        );
        if !list.is_empty() {
            state.lists.insert(key, (uri.clone(), list.clone()));
        }
        Some(vec![(uri, list)])
    }

    fn recheck_files(
        &mut self,
        scope: &Scope,
        changed: Changed,
        documents: &Documents,
        options: &Options,
    ) -> Publish {
        let all = documents::entries(scope, documents);
        let state = self.states.entry(scope.clone()).or_default();
        state.generation += 1;
        let touched = match &changed {
            Changed::Files(files) => files.clone(),
            Changed::Everything => BTreeSet::new(),
        };
        let subset = match changed {
            Changed::Files(files) if state.known => {
                Some(related_closure(&state.imports, &state.pipelines, files))
            }
            _ => None,
        };
        let in_subset = |names: &BTreeSet<String>| -> Vec<Entry> {
            all.iter()
                .filter(|entry| names.contains(&entry_name(entry)))
                .cloned()
                .collect()
        };
        let mut entries: Vec<Entry> = match &subset {
            Some(names) => in_subset(names),
            None => all.clone(),
        };
        let overlay = documents.overlay();
        let mut workspace = modules::load_cached(entries.clone(), &overlay, &self.cache);
        // The edited files may now declare a pipeline another file
        // declares: that file's list changes too, so it joins the subset
        // (its parse is cached; only the check is done again).
        if let Some(names) = &subset {
            let mut now = state.pipelines.clone();
            for name in names {
                now.remove(name);
            }
            now.extend(pipeline_names(&workspace));
            let wider = related_closure(&state.imports, &now, names.iter().cloned());
            if wider.len() > names.len() {
                entries = in_subset(&wider);
                workspace = modules::load_cached(entries.clone(), &overlay, &self.cache);
            }
        }
        // The names the subset gives exact lists for: its entries, and a
        // changed file that is not one (an untitled buffer, named by URI).
        let mut exact: BTreeSet<String> = entries.iter().map(entry_name).collect();
        exact.extend(touched.iter().cloned());
        let whole = entries.len() == all.len();
        let imports = import_graph(&workspace);
        let pipelines = pipeline_names(&workspace);
        let lists = check(workspace, options);
        let touched_uris = uris(&touched);
        let state = self.states.entry(scope.clone()).or_default();
        if whole {
            state.imports = imports;
            state.pipelines = pipelines;
            state.known = true;
            state.behind = false;
            let publish = replace(state, lists, None, &touched_uris);
            self.forget_unused();
            return publish;
        }
        for name in &exact {
            state.imports.remove(name);
            state.pipelines.remove(name);
        }
        for (name, targets) in imports {
            if exact.contains(&name) {
                state.imports.insert(name, targets);
            }
        }
        for (name, declared) in pipelines {
            if exact.contains(&name) {
                state.pipelines.insert(name, declared);
            }
        }
        let publish = replace(state, lists, Some(&uris(&exact)), &touched_uris);
        // Owed, and started once the client pauses ([`Self::start_owed`]).
        state.behind = true;
        publish
    }

    /// Whether a scope owes a check of the whole workspace that is not
    /// running.
    pub fn owes_background(&self) -> bool {
        self.states
            .values()
            .any(|state| state.behind && !state.running)
    }

    /// Starts the owed checks of whole workspaces. The server calls this
    /// once no message came for a while: started during a burst of typing,
    /// a check would be dropped at the next keystroke and would only take
    /// the edits' processor time.
    pub fn start_owed(&mut self, documents: &Documents, options: &Options) {
        let owed: Vec<Scope> = self
            .states
            .iter()
            .filter(|(_, state)| state.behind && !state.running)
            .map(|(scope, _)| scope.clone())
            .collect();
        for scope in owed {
            let all = documents::entries(&scope, documents);
            self.start_background(&scope, all, documents.overlay(), options);
        }
    }

    /// Applies a background check's result, when it is still the newest
    /// state of its scope; a stale one is dropped, and the check stays
    /// owed.
    pub fn finish(&mut self, finished: Finished) -> Publish {
        let Some(state) = self.states.get_mut(&finished.scope) else {
            return Vec::new();
        };
        state.running = false;
        if finished.generation != state.generation {
            return Vec::new();
        }
        state.imports = finished.imports;
        state.pipelines = finished.pipelines;
        state.behind = false;
        let publish = replace(state, finished.lists, None, &BTreeSet::new());
        self.forget_unused();
        publish
    }

    /// Forgets a scope (its last document closed); the URIs it had
    /// published, to clear.
    pub fn forget(&mut self, scope: &Scope) -> Vec<Uri> {
        self.states
            .remove(scope)
            .map(|state| state.lists.into_values().map(|(uri, _)| uri).collect())
            .unwrap_or_default()
    }

    fn start_background(
        &mut self,
        scope: &Scope,
        entries: Vec<Entry>,
        overlay: Overlay,
        options: &Options,
    ) {
        let Some(state) = self.states.get_mut(scope) else {
            return;
        };
        state.running = true;
        let generation = state.generation;
        let for_thread = scope.clone();
        let cache = Arc::clone(&self.cache);
        let sender = self.sender.clone();
        let options = options.clone();
        let spawned = std::thread::Builder::new()
            .name("pipec-check".to_string())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let workspace = modules::load_cached(entries, &overlay, &cache);
                    let imports = import_graph(&workspace);
                    let pipelines = pipeline_names(&workspace);
                    (check(workspace, &options), imports, pipelines)
                }));
                let (lists, imports, pipelines) = outcome.unwrap_or_else(|_| {
                    log_line!("pipec lsp: internal error while checking in the background");
                    Default::default()
                });
                // A server that has ended no longer listens; nothing to do.
                let _ = sender.send(Finished {
                    scope: for_thread,
                    generation,
                    lists,
                    imports,
                    pipelines,
                });
            });
        if spawned.is_err()
            && let Some(state) = self.states.get_mut(scope)
        {
            // No thread: the next edit tries again.
            state.running = false;
        }
    }

    /// After a whole check of a scope: forget parses of files that no scope
    /// holds any more (deleted, renamed), keeping every scope's files.
    fn forget_unused(&self) {
        let known: BTreeSet<&String> = self
            .states
            .values()
            .flat_map(|state| {
                state
                    .imports
                    .iter()
                    .flat_map(|(name, targets)| std::iter::once(name).chain(targets))
            })
            .collect();
        self.cache.retain(|name| known.contains(&name.to_string()));
    }
}

/// The name the compiler gives an entry's file.
fn entry_name(entry: &Entry) -> String {
    entry
        .name
        .clone()
        .unwrap_or_else(|| modules::display_string(&crate::loader::normalize(&entry.path)))
}

/// A diagnostic of `uri` with every place in `uri` from line `from` on
/// moved by `lines`.
fn moved_by(
    mut diagnostic: lsp_types::Diagnostic,
    uri: &Uri,
    from: u32,
    lines: i64,
) -> lsp_types::Diagnostic {
    let shift = |range: &mut lsp_types::Range| {
        for position in [&mut range.start, &mut range.end] {
            if position.line >= from {
                position.line = u32::try_from(i64::from(position.line) + lines).unwrap_or(0);
            }
        }
    };
    shift(&mut diagnostic.range);
    for related in diagnostic.related_information.iter_mut().flatten() {
        if related.location.uri == *uri {
            shift(&mut related.location.range);
        }
    }
    diagnostic
}

/// For each value of `map`, the keys that list it: who imports a file,
/// or which files declare a pipeline name.
fn inverted(map: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<&str, Vec<&str>> {
    let mut inverse: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, values) in map {
        for value in values {
            inverse
                .entry(value.as_str())
                .or_default()
                .push(key.as_str());
        }
    }
    inverse
}

/// `names` and every file reached from them by `next`, until nothing
/// more joins.
fn closure<'a>(
    names: impl IntoIterator<Item = String>,
    next: impl Fn(&str) -> Vec<&'a str>,
) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = names.into_iter().collect();
    let mut pending: Vec<String> = found.iter().cloned().collect();
    while let Some(name) = pending.pop() {
        for joined in next(&name) {
            if found.insert(joined.to_string()) {
                pending.push(joined.to_string());
            }
        }
    }
    found
}

/// `names` and every file that imports one of them, directly or not.
fn importers_closure(
    imports: &Imports,
    names: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    let importers = inverted(imports);
    closure(names, |name| {
        importers.get(name).cloned().unwrap_or_default()
    })
}

/// `names` and, until nothing more joins, every file that imports one of
/// them, directly or not, or declares a pipeline of a name one of them
/// declares: the files whose diagnostics a change to `names` may change.
fn related_closure(
    imports: &Imports,
    pipelines: &Pipelines,
    names: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    let importers = inverted(imports);
    let declaring = inverted(pipelines);
    closure(names, |name| {
        let sharing = pipelines
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|pipeline| declaring.get(pipeline.as_str()))
            .flatten();
        importers
            .get(name)
            .into_iter()
            .flatten()
            .chain(sharing)
            .copied()
            .collect()
    })
}

/// The pipelines each file of a loaded workspace declares, by file name.
fn pipeline_names(workspace: &Workspace) -> Pipelines {
    workspace
        .modules
        .iter()
        .filter(|module| !module.is_std)
        .filter_map(|module| {
            let name = workspace.sources.get(module.file)?.name.clone();
            let declared = module
                .tree
                .items
                .iter()
                .filter_map(|item| match &item.kind {
                    crate::syntax::ast::ItemKind::Pipeline(decl) => Some(decl.name.name.clone()),
                    _ => None,
                })
                .collect();
            Some((name, declared))
        })
        .collect()
}

fn import_graph(workspace: &Workspace) -> Imports {
    let name = |file: crate::source::FileId| {
        workspace
            .sources
            .get(file)
            .map(|source| source.name.clone())
    };
    workspace
        .modules
        .iter()
        .filter(|module| !module.is_std)
        .filter_map(|module| {
            let targets = module
                .imports
                .iter()
                .filter_map(|import| name(import.target))
                .collect();
            Some((name(module.file)?, targets))
        })
        .collect()
}

fn check(workspace: Workspace, options: &Options) -> Lists {
    let checked =
        crate::workspace::check_loaded(workspace, options.today, options.profile.as_deref());
    diagnostics::by_uri(
        &checked.diagnostics,
        &checked.sources,
        options.encoding,
        &options.docs_url,
    )
}

fn uris(names: &BTreeSet<String>) -> BTreeSet<String> {
    names
        .iter()
        .filter_map(|name| diagnostics::uri_of(name))
        .map(|uri| uri.as_str().to_string())
        .collect()
}

/// Puts new lists in place: of the files in `only` (every file when
/// `None`), and returns what changed, plus every `touched` file.
fn replace(
    state: &mut ScopeState,
    lists: Lists,
    only: Option<&BTreeSet<String>>,
    touched: &BTreeSet<String>,
) -> Publish {
    let covered = |uri: &str| only.is_none_or(|only| only.contains(uri));
    let mut publish = Vec::new();
    let before: Vec<String> = state
        .lists
        .keys()
        .filter(|uri| covered(uri))
        .cloned()
        .collect();
    for uri in before {
        if !lists.contains_key(&uri)
            && let Some((uri, _)) = state.lists.remove(&uri)
        {
            publish.push((uri, Vec::new()));
        }
    }
    let mut answered = BTreeSet::new();
    for (key, (uri, list)) in lists {
        if !covered(&key) || list.is_empty() {
            continue;
        }
        let changed = state.lists.get(&key).is_none_or(|(_, old)| *old != list);
        if changed || touched.contains(&key) {
            publish.push((uri.clone(), list.clone()));
            answered.insert(key.clone());
        }
        state.lists.insert(key, (uri, list));
    }
    for key in touched {
        let already = answered.contains(key) || publish.iter().any(|(uri, _)| uri.as_str() == key);
        if !already && let Ok(uri) = key.parse::<Uri>() {
            publish.push((uri, Vec::new()));
        }
    }
    publish
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_the_changed_files_and_their_importers() {
        let mut imports = Imports::new();
        let set = |names: &[&str]| names.iter().map(|name| name.to_string()).collect();
        imports.insert("svc1".into(), set(&["team"]));
        imports.insert("svc2".into(), set(&["team"]));
        imports.insert("team".into(), set(&["org"]));
        imports.insert("org".into(), set(&[]));
        imports.insert("other".into(), set(&["org"]));
        assert_eq!(
            importers_closure(&imports, ["svc1".to_string()]),
            set(&["svc1"])
        );
        assert_eq!(
            importers_closure(&imports, ["team".to_string()]),
            set(&["team", "svc1", "svc2"])
        );
        assert_eq!(
            importers_closure(&imports, ["org".to_string()]),
            set(&["org", "team", "svc1", "svc2", "other"])
        );
    }

    #[test]
    fn files_sharing_a_pipeline_name_join_the_subset_with_their_importers() {
        let set = |names: &[&str]| -> BTreeSet<String> {
            names.iter().map(|name| name.to_string()).collect()
        };
        let mut imports = Imports::new();
        imports.insert("x".into(), set(&["t"]));
        imports.insert("y".into(), set(&["t"]));
        imports.insert("z".into(), set(&[]));
        imports.insert("t".into(), set(&[]));
        imports.insert("w".into(), set(&["y"]));
        let mut pipelines = Pipelines::new();
        pipelines.insert("x".into(), set(&["orders"]));
        pipelines.insert("y".into(), set(&["orders", "refunds"]));
        pipelines.insert("z".into(), set(&["refunds"]));
        pipelines.insert("w".into(), set(&["payments"]));
        // x shares `orders` with y, which w imports and which shares
        // `refunds` with z; t, imported only, is not among them.
        assert_eq!(
            related_closure(&imports, &pipelines, ["x".to_string()]),
            set(&["x", "y", "w", "z"])
        );
        assert_eq!(
            related_closure(&imports, &pipelines, ["w".to_string()]),
            set(&["w"])
        );
    }

    #[test]
    fn changes_add_up_and_everything_absorbs_them() {
        let mut changed = Changed::Files(["a".to_string()].into());
        changed.add(Changed::Files(["b".to_string()].into()));
        assert_eq!(
            changed,
            Changed::Files(["a".to_string(), "b".to_string()].into())
        );
        changed.add(Changed::Everything);
        changed.add(Changed::Files(["c".to_string()].into()));
        assert_eq!(changed, Changed::Everything);
    }
}
