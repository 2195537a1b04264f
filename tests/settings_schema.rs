//! `pipec.toml`: the JSON Schema editors use (`schemas/pipec-toml.schema.json`),
//! the keys `pipec` accepts, and the table in `docs/language.md` all name
//! the same keys; every `pipec.toml` in the repository is valid against the
//! schema, and what the schema refuses `pipec` refuses too.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::Value;
use std::collections::BTreeSet;

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string("schemas/pipec-toml.schema.json").unwrap())
        .unwrap()
}

fn schema_keys(schema: &Value, table: Option<&str>) -> BTreeSet<String> {
    let properties = match table {
        None => &schema["properties"],
        Some(table) => &schema["properties"][table]["properties"],
    };
    properties.as_object().unwrap().keys().cloned().collect()
}

/// The keys `pipec` accepts in a table, as its own error for an unknown
/// key lists them (`expected one of `a`, `b``).
fn accepted_keys(table: Option<&str>) -> BTreeSet<String> {
    let text = match table {
        None => "no_such_key = 1\n".to_string(),
        Some(table) => format!("[{table}]\nno_such_key = 1\n"),
    };
    let error = pipec::settings::parse(&text).unwrap_err();
    let expected = &error[error.find("expected").unwrap()..];
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_schema_names_every_key_pipec_accepts_and_no_other() {
    let schema = schema();
    assert_eq!(schema_keys(&schema, None), accepted_keys(None));
    for table in schema_keys(&schema, None) {
        assert_eq!(
            schema_keys(&schema, Some(&table)),
            accepted_keys(Some(&table)),
            "[{table}]"
        );
    }
}

/// `docs/language.md` documents every key in one table: its rows are the
/// schema's keys, as `[table]` then `key`.
#[test]
fn the_language_reference_documents_every_key() {
    let schema = schema();
    let docs = std::fs::read_to_string("docs/language.md").unwrap();
    let section = docs
        .split("\n## ")
        .find(|section| section.starts_with("`pipec.toml`"))
        .expect("a `pipec.toml` section in docs/language.md");
    let documented: BTreeSet<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `["))
        .filter_map(|rest| {
            let (table, rest) = rest.split_once("]` | `")?;
            let (key, _) = rest.split_once('`')?;
            Some(format!("{table}.{key}"))
        })
        .collect();
    let mut wanted = BTreeSet::new();
    for table in schema_keys(&schema, None) {
        for key in schema_keys(&schema, Some(&table)) {
            wanted.insert(format!("{table}.{key}"));
        }
    }
    assert_eq!(documented, wanted);
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).unwrap()
}

fn as_json(toml_text: &str) -> Value {
    toml::from_str(toml_text).unwrap()
}

#[test]
fn every_settings_file_in_the_repository_is_valid_and_read() {
    let validator = validator();
    for path in [
        "pipec.toml",
        "examples/sample/pipec.toml",
        "examples/run/pipec.toml",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
        assert!(pipec::settings::parse(&text).is_ok(), "{path}");
    }
}

#[test]
fn what_the_schema_refuses_pipec_refuses() {
    let validator = validator();
    for text in [
        "[check]\nextend_exclude = [\"a\"]\n",
        "[check]\nexclude = \"a\"\n",
        "[codepipeline]\nregion = 1\n",
        "[codepipeline]\nrole = \"x\"\n",
        "[checks]\n",
    ] {
        assert!(
            !validator.is_valid(&as_json(text)),
            "schema accepts {text:?}"
        );
        assert!(
            pipec::settings::parse(text).is_err(),
            "pipec accepts {text:?}"
        );
    }
}
