//! The request every function takes, and the workspace it describes.

use pipec::loader::MemoryLoader;
use pipec::modules::Entry;
use std::path::PathBuf;

/// Where the playground's files live in memory: relative names resolve
/// from here, and `pipec.toml` here is the workspace root's marker, as
/// on disk.
const ROOT: &str = "/workspace";

/// What the page sends: the workspace and the choices of its controls.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Every file, named relative to the workspace root (`org.pipe`,
    /// `services/orders_api.pipe`, `pipec.toml`).
    pub files: Vec<File>,
    /// `--today`, `YYYY-MM-DD`: the page knows the date; the module has no
    /// clock.
    pub today: String,
    /// `--profile`.
    #[serde(default)]
    pub profile: Option<String>,
    /// The file declaring the chosen pipeline (compile, simulate).
    #[serde(default)]
    pub file: Option<String>,
    /// The chosen pipeline (compile, simulate).
    #[serde(default)]
    pub pipeline: Option<String>,
    /// `simulate --start`: an instant with an offset, or a local date and
    /// time (`2026-12-07T09:00`) read in the zone of the plan's first
    /// window. Absent: the default start of `pipec simulate`.
    #[serde(default)]
    pub start: Option<String>,
}

/// One file of the workspace.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Its name relative to the workspace root, `/`-separated.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// The answer to a request that cannot be served: `ok` is false and
/// `text` says why, in the words the command line would use.
#[derive(Debug, serde::Serialize)]
pub struct Refusal {
    ok: bool,
    text: String,
}

impl Refusal {
    /// A refusal saying `text`.
    pub fn new(text: impl Into<String>) -> Refusal {
        Refusal {
            ok: false,
            text: text.into(),
        }
    }
}

impl Request {
    /// `today` as a date.
    pub fn today(&self) -> Result<jiff::civil::Date, Refusal> {
        self.today.parse().map_err(|error| {
            Refusal::new(format!(
                "today `{}` is not a date such as 2026-11-22: {error}",
                self.today
            ))
        })
    }

    /// The profile, when one is chosen.
    pub fn profile(&self) -> Option<&str> {
        self.profile
            .as_deref()
            .filter(|profile| !profile.is_empty())
    }

    /// The files held in memory, as a loader reads them.
    pub fn loader(&self) -> MemoryLoader {
        let mut loader = MemoryLoader::in_dir(ROOT);
        for file in &self.files {
            loader.add(file.name.as_str(), file.text.as_bytes());
        }
        loader
    }

    /// The `.pipe` files, in the order `pipec check` finds them in a
    /// directory: by path.
    pub fn pipe_files(&self) -> Vec<&File> {
        let mut files: Vec<&File> = self
            .files
            .iter()
            .filter(|file| file.name.ends_with(".pipe"))
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files.dedup_by(|a, b| a.name == b.name);
        files
    }

    /// Entries for the files named, read through [`Request::loader`].
    pub fn entries<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Entry> {
        names
            .into_iter()
            .map(|name| Entry {
                path: PathBuf::from(name),
                bytes: None,
                name: None,
            })
            .collect()
    }

    /// `[codepipeline]` and the rest of `pipec.toml` at the root, as
    /// `compile --target codepipeline` reads them.
    pub fn settings(&self) -> Result<pipec::settings::Settings, String> {
        match self.files.iter().find(|file| file.name == "pipec.toml") {
            Some(file) => {
                pipec::settings::parse(&file.text).map_err(|error| format!("pipec.toml: {error}"))
            }
            None => Ok(pipec::settings::Settings::default()),
        }
    }
}
