//! Edits inside one pipeline of a large file: what the checker needs to
//! re-check that pipeline alone.
//!
//! A pipeline's diagnostics depend on its own text, on the declarations
//! that are not pipelines (templates, alarms, windows, registries,
//! policies, imports) and on the pipelines it names; nothing else in its
//! file. So when an edit stays inside one pipeline, the file is checked
//! with every other pipeline it does not name blanked out (each character
//! replaced by spaces of the same byte length, line breaks kept, so every
//! offset and position is unchanged), and only the diagnostics inside the
//! edited pipeline are taken from that check. The other declarations'
//! diagnostics are the previous ones, moved by the lines the edit added or
//! removed; the check of the whole workspace that follows a pause in
//! typing replaces them all.

use crate::syntax::scan;
use std::collections::BTreeSet;

/// An edit confined to one pipeline declaration.
#[derive(Debug, PartialEq, Eq)]
pub struct PipelineEdit {
    /// The file's text with the pipelines not needed blanked out.
    pub reduced: String,
    /// The edited pipeline's lines in the new text: `start..end`, zero
    /// based, `end` exclusive.
    pub new_lines: std::ops::Range<u32>,
    /// Its lines in the old text.
    pub old_lines: std::ops::Range<u32>,
}

/// The edit from `old` to `new`, when it changes the text of one pipeline
/// declaration only, keeps its name, and leaves every other declaration
/// as it was; `None` otherwise (the caller checks the file whole).
pub fn pipeline_edit(old: &str, new: &str) -> Option<PipelineEdit> {
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(old.get(prefix..)?, new.get(prefix..)?);
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let old_chunks = scan::scan(old).chunks;
    let new_chunks = scan::scan(new).chunks;
    if old_chunks.len() != new_chunks.len() {
        return None;
    }
    let edited = new_chunks
        .iter()
        .position(|chunk| chunk.span.start() <= prefix && new_end <= chunk.span.end())?;
    let (old_chunk, new_chunk) = (old_chunks.get(edited)?, new_chunks.get(edited)?);
    if old_chunk.span.start() != new_chunk.span.start() || old_end > old_chunk.span.end() {
        return None;
    }
    // Every other declaration is the same text (moved, after the edit).
    let delta = new.len() as isize - old.len() as isize;
    for (index, (before, after)) in old_chunks.iter().zip(&new_chunks).enumerate() {
        let moved = if index > edited { delta } else { 0 };
        if index != edited
            && (before.span.end() - before.span.start() != after.span.end() - after.span.start()
                || before.span.start() as isize + moved != after.span.start() as isize)
        {
            return None;
        }
    }
    let old_text = old.get(old_chunk.span.start()..old_chunk.span.end())?;
    let new_text = new.get(new_chunk.span.start()..new_chunk.span.end())?;
    let name = pipeline_name(new_text)?;
    let clean = |chunk: &scan::Chunk| chunk.problems.is_empty() && chunk.hash_comments.is_empty();
    if pipeline_name(old_text) != Some(name) || !clean(old_chunk) || !clean(new_chunk) {
        return None;
    }
    // The declaration ends where a line ends, so that what follows only
    // moves by whole lines.
    let ends_a_line = |text: &str, end: usize| {
        end == text.len() || text.get(..end).is_some_and(|before| before.ends_with('\n'))
    };
    if !ends_a_line(old, old_chunk.span.end()) || !ends_a_line(new, new_chunk.span.end()) {
        return None;
    }
    let named: BTreeSet<&str> = words(new_text).collect();
    let mut reduced = String::with_capacity(new.len());
    let mut at = 0;
    for (index, chunk) in new_chunks.iter().enumerate() {
        let text = new.get(chunk.span.start()..chunk.span.end())?;
        reduced.push_str(new.get(at..chunk.span.start())?);
        let needed = index == edited
            || pipeline_name(text).is_none_or(|other| named.contains(other) || other == name);
        if needed {
            reduced.push_str(text);
        } else {
            reduced.push_str(&super::value_context::blanked(text, 0..text.len()));
        }
        at = chunk.span.end();
    }
    reduced.push_str(new.get(at..)?);
    let line = |text: &str, offset: usize| {
        let before = text.get(..offset).unwrap_or(text);
        u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX)
    };
    Some(PipelineEdit {
        reduced,
        new_lines: line(new, new_chunk.span.start())..line(new, new_chunk.span.end()),
        old_lines: line(old, old_chunk.span.start())..line(old, old_chunk.span.end()),
    })
}

/// The name a `pipeline` declaration's text declares (after any comments
/// before it); `None` for any other declaration.
fn pipeline_name(text: &str) -> Option<&str> {
    let mut rest = text.trim_start();
    while let Some(comment) = rest.strip_prefix("//") {
        rest = comment
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    let rest = rest.strip_prefix("pipeline")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    words(rest).next()
}

/// The identifiers of a text, roughly: the runs of letters, digits, `_`
/// and `-`. Enough to know which pipelines a declaration may name; a word
/// too many only keeps a pipeline that was not needed.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
        .filter(|word| !word.is_empty())
}

fn common_prefix(a: &str, b: &str) -> usize {
    let mut length = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(length) || !b.is_char_boundary(length) {
        length -= 1;
    }
    length
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut length = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while !a.is_char_boundary(a.len() - length) || !b.is_char_boundary(b.len() - length) {
        length -= 1;
    }
    length
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "import \"std/aws\"\n\ntemplate T {\n  platform = ecs\n}\n\n// First.\npipeline a extends T {\n  stage s { bake = 1h }\n}\n\npipeline b extends T {\n  stage s { bake = 2h }\n}\n\npipeline c extends a {\n}\n";

    #[test]
    fn an_edit_inside_one_pipeline_keeps_it_and_what_it_names() {
        let new = FILE.replace("bake = 2h", "bake = 12");
        let Some(edit) = pipeline_edit(FILE, &new) else {
            panic!("an edit inside `b` is a pipeline edit");
        };
        assert_eq!(edit.new_lines, 11..15);
        assert_eq!(edit.old_lines, 11..15);
        // `a` and `c` are blanked, `b` and the rest kept, every offset the
        // same.
        assert_eq!(edit.reduced.len(), new.len());
        assert!(!edit.reduced.contains("pipeline a"));
        assert!(!edit.reduced.contains("pipeline c"));
        assert!(
            edit.reduced
                .contains("pipeline b extends T {\n  stage s { bake = 12 }")
        );
        assert!(edit.reduced.contains("template T {"));
        assert_eq!(edit.reduced.lines().count(), new.lines().count());
        // `c` names `a`: editing `c` keeps `a`.
        let new = FILE.replace(
            "pipeline c extends a {\n",
            "pipeline c extends a {\n  x = 1\n",
        );
        let Some(edit) = pipeline_edit(FILE, &new) else {
            panic!("an edit inside `c` is a pipeline edit");
        };
        assert!(edit.reduced.contains("pipeline a extends T"));
        assert!(!edit.reduced.contains("pipeline b"));
        assert_eq!((edit.old_lines, edit.new_lines), (15..17, 15..18));
    }

    #[test]
    fn other_edits_are_checked_whole() {
        // In a template, across two declarations, renaming the pipeline,
        // or breaking its brackets.
        assert!(pipeline_edit(FILE, &FILE.replace("platform = ecs", "platform = k8s")).is_none());
        let two = FILE
            .replace("bake = 1h", "bake = 3h")
            .replace("bake = 2h", "bake = 4h");
        assert!(pipeline_edit(FILE, &two).is_none());
        assert!(pipeline_edit(FILE, &FILE.replace("pipeline b", "pipeline bb")).is_none());
        assert!(pipeline_edit(FILE, &FILE.replace("bake = 2h }", "bake = 2h")).is_none());
        assert!(pipeline_edit(FILE, &FILE.replace("bake = 2h", "\"open")).is_none());
    }
}
