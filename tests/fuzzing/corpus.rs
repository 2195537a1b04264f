//! Seeds: the `.pipe` files of `examples/`, `stdlib/` and `tests/cases/`,
//! the plans those examples compile to (compiled here, not committed), and
//! the scenarios of `examples/scenarios/`; and the in-memory workspace the
//! targets check and compile one source in.

use pipec::export::{convert, plan_v1};
use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use pipec::workspace::{self, Checked, Compiled};
use std::path::{Path, PathBuf};

/// The day every check runs on, so that date-dependent diagnostics repeat.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 22)
}

fn files(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, extension, out);
        } else if path.extension().is_some_and(|ext| ext == extension) {
            out.push(path);
        }
    }
}

fn read_all(dirs: &[&str], extension: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut paths = Vec::new();
    for dir in dirs {
        files(Path::new(dir), extension, &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| Some((path.clone(), std::fs::read(&path).ok()?)))
        .collect()
}

/// Every `.pipe` file of the repository's examples, standard library and
/// case files.
pub fn sources() -> Vec<Vec<u8>> {
    read_all(&["examples", "stdlib", "tests/cases"], "pipe")
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect()
}

/// The sources that parse without a diagnostic: the formatter's seeds.
pub fn parsing_sources() -> Vec<Vec<u8>> {
    sources()
        .into_iter()
        .filter(|bytes| {
            std::str::from_utf8(bytes).is_ok_and(|text| {
                pipec::syntax::parse_file(text, pipec::source::FileId(0))
                    .diagnostics
                    .is_empty()
            })
        })
        .collect()
}

/// One source as the only entry of a workspace with a `pipec.toml`, as
/// `pipec check FILE` sees it (imports of the standard library resolve).
fn loader(bytes: &[u8]) -> (MemoryLoader, Vec<Entry>) {
    let mut loader = MemoryLoader::in_dir("/fuzz");
    loader.add("pipec.toml", "");
    loader.add("input.pipe", bytes.to_vec());
    let entries = vec![Entry {
        path: "input.pipe".into(),
        bytes: None,
        name: None,
    }];
    (loader, entries)
}

pub fn check(bytes: &[u8]) -> Checked {
    let (loader, entries) = loader(bytes);
    workspace::check_workspace(entries, &loader, today())
}

pub fn compile(bytes: &[u8]) -> Compiled {
    let (loader, entries) = loader(bytes);
    workspace::compile_workspace_with(entries, &loader, today(), None)
}

/// The plans of every example, each compiled as `pipec compile FILE` does
/// among the other files of `examples/` (so that the sample's services
/// find the templates they import), as JSON, and the plan of the
/// simulator tests' small pipeline.
pub fn plans() -> Vec<Vec<u8>> {
    let mut tree = MemoryLoader::in_dir("/fuzz");
    for (path, bytes) in read_all(&["examples"], "pipe")
        .into_iter()
        .chain(read_all(&["examples"], "toml"))
    {
        tree.add(path, bytes);
    }
    let mut compiled: Vec<Compiled> = read_all(&["examples"], "pipe")
        .into_iter()
        .map(|(path, _)| {
            let entries = vec![Entry {
                path,
                bytes: None,
                name: None,
            }];
            workspace::compile_workspace_with(entries, &tree, today(), None)
        })
        .collect();
    compiled.push(compile(crate::sim::TINY.as_bytes()));
    compiled
        .iter()
        .filter(|compiled| !compiled.diagnostics.iter().any(|d| d.is_error()))
        .flat_map(|compiled| {
            compiled
                .plans
                .iter()
                .map(|plan| plan_v1::to_json(&convert::to_v1(plan, &compiled.sources)).into_bytes())
        })
        .collect()
}

/// The example scenarios.
pub fn scenarios() -> Vec<Vec<u8>> {
    read_all(&["examples/scenarios"], "json")
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect()
}
