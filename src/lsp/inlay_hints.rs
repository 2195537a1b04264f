//! Inlay hints (`textDocument/inlayHint`): what the text does not say
//! where it is written.
//!
//! - After a wave's `regions = ...`, the regions it resolves to, in rollout
//!   order, from the lowered plan (as hover on a wave reads them,
//!   [`super::wave`]); past three, the rest are counted (`+9`) and listed in
//!   the tooltip. In a pipeline, that pipeline's regions. In a template the
//!   regions depend on the pipeline (its registry, its profile), so the
//!   hint is shown only when every pipeline extending the template
//!   resolves the wave to the same regions; with none, or when they differ,
//!   there is no hint.
//! - After a member that replaces an inherited value (`bake = 30m`), the
//!   value it replaces and where that is (`overrides 1h (base.pipe:9)`),
//!   from the merge provenance hover shows; a field edited twice in one
//!   body (`-=` then `+=`) shows, after each edit, the inherited value.
//!   Members with a body (a stage merged into) get none: what they change is said by their members.
//!
//! Only hints placed inside the requested range are returned.

use super::convert::{self, Encoding};
use super::resolve::Place;
use super::wave;
use crate::semantics::merge::{How, Origin, ResolvedBlock, key_of};
use crate::semantics::scope::DeclId;
use crate::semantics::source_text;
use crate::source::SourceFile;
use crate::syntax::ast::{Block, ItemKind, Member, MemberKind};
use lsp_types::{InlayHint, InlayHintLabel, InlayHintTooltip, Range};

/// How many regions a hint names before counting the rest.
const SHOWN_REGIONS: usize = 3;

/// The longest value shown as replaced, in characters.
const SHOWN_VALUE: usize = 40;

/// The hints of the document inside `range`, in source order.
pub fn hints(place: &Place<'_, '_>, range: Range, encoding: Encoding) -> Vec<InlayHint> {
    let (Some(module), Some(source)) = (
        place.workspace.module(place.file),
        place.workspace.sources.get(place.file),
    ) else {
        return Vec::new();
    };
    // By offset, then regions before what a member replaces.
    let mut found: Vec<((usize, u8), InlayHint)> = Vec::new();
    for (idx, item) in module.tree.items.iter().enumerate() {
        let (ItemKind::Template(decl) | ItemKind::Pipeline(decl)) = &item.kind else {
            continue;
        };
        let here = DeclId {
            file: place.file,
            item: idx,
        };
        let mut hinter = Hinter {
            place,
            source,
            encoding,
            found: &mut found,
        };
        if let Some(block) = place.analysis.resolved.get(&here) {
            hinter.overrides(&decl.body, block);
        }
        hinter.waves(here, &item.kind, &decl.body);
    }
    found.sort_by_key(|(place, _)| *place);
    found
        .into_iter()
        .map(|(_, hint)| hint)
        .filter(|hint| range.start <= hint.position && hint.position <= range.end)
        .collect()
}

struct Hinter<'h, 'p, 'w, 'a> {
    place: &'p Place<'w, 'a>,
    source: &'p SourceFile,
    encoding: Encoding,
    found: &'h mut Vec<((usize, u8), InlayHint)>,
}

impl Hinter<'_, '_, '_, '_> {
    fn push(&mut self, (offset, rank): (usize, u8), label: String, tooltip: Option<String>) {
        self.found.push((
            (offset, rank),
            InlayHint {
                position: convert::position(self.source, offset, self.encoding),
                label: InlayHintLabel::String(label),
                kind: None,
                text_edits: None,
                tooltip: tooltip.map(InlayHintTooltip::String),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            },
        ));
    }

    /// Every member written here that replaces an inherited value. Profiles
    /// are skipped: they replace values only when selected.
    fn overrides(&mut self, block: &Block, resolved: &ResolvedBlock<'_>) {
        for member in &block.members {
            let Some(key) = key_of(&member.kind) else {
                continue;
            };
            if matches!(member.kind, MemberKind::Profile { .. }) {
                continue;
            }
            let Some(found) = resolved.get(&key) else {
                continue;
            };
            match (member.kind.body(), &found.body) {
                (Some(body), Some(inner)) => self.overrides(body, inner),
                (None, _) => {
                    // Newest first: the member's own write, then what it
                    // replaced. A field edited more than once in one body
                    // (`-=` then `+=`) has each write in the list; each is
                    // shown against the value inherited from outside this
                    // body, the one a reader sees written elsewhere.
                    let mut writes = std::iter::once(&found.origin).chain(&found.history);
                    let in_this_body = |origin: &Origin| {
                        origin.file == self.place.file
                            && block.members.iter().any(|other| other.span == origin.span)
                    };
                    let Some(own) = writes.by_ref().find(|origin| {
                        origin.file == self.place.file && origin.span == member.span
                    }) else {
                        continue;
                    };
                    if let Some(previous) = writes.find(|origin| !in_this_body(origin)) {
                        self.replaced(member, own.how, previous);
                    }
                }
                (Some(_), None) => {}
            }
        }
    }

    fn replaced(&mut self, member: &Member, how: How, previous: &Origin) {
        let verb = match how {
            How::Append => "appends to",
            How::Remove => "removes from",
            How::Bind => "binds",
            _ => "overrides",
        };
        // The whole member on one line: a list written over several lines
        // reads as one value.
        let written = source_text(self.place.workspace, previous.file, previous.span);
        let snippet = written.split_whitespace().collect::<Vec<_>>().join(" ");
        // `bake = 1h` shows as `1h`; a member without `=` as written.
        let value = match snippet.split_once("= ") {
            Some((_, value)) if !matches!(previous.how, How::Declared) => value.trim().to_string(),
            _ => snippet.clone(),
        };
        let where_is = self.place.where_is(previous.file, previous.span);
        let label = format!("{verb} {} ({where_is})", shorten(&value));
        let tooltip = (value.chars().count() > SHOWN_VALUE).then(|| snippet.clone());
        self.push((member.span.end(), 1), label, tooltip);
    }

    /// The regions of each wave whose `regions` is written here.
    fn waves(&mut self, here: DeclId, kind: &ItemKind, body: &Block) {
        let Some(pipelines) = wave::pipelines_of(self.place, here, kind) else {
            return;
        };
        let production = body.members.iter().filter_map(|member| match &member.kind {
            MemberKind::Production { body } => Some(body),
            _ => None,
        });
        for production in production {
            for member in &production.members {
                let MemberKind::Wave { name, body } = &member.kind else {
                    continue;
                };
                let Some(regions_at) = body.members.iter().find(|member| {
                    matches!(&member.kind, MemberKind::FieldAssign { name, .. } if name.name == "regions")
                }) else {
                    continue;
                };
                let mut resolved: Option<Vec<String>> = None;
                let mut agree = !pipelines.is_empty();
                for decl in &pipelines {
                    let Some(plan) = self.place.analysis.plans.get(decl) else {
                        agree = false;
                        break;
                    };
                    let (regions, _) = wave::regions_of(plan, &name.name);
                    match &resolved {
                        Some(seen) if *seen != regions => {
                            agree = false;
                            break;
                        }
                        Some(_) => {}
                        None => resolved = Some(regions),
                    }
                }
                if let (true, Some(regions)) = (agree, resolved) {
                    let (label, tooltip) = regions_label(&regions);
                    self.push((regions_at.span.end(), 0), label, tooltip);
                }
            }
        }
    }
}

/// `→ a, b, c +2`, with every region in the tooltip when some are counted.
fn regions_label(regions: &[String]) -> (String, Option<String>) {
    if regions.is_empty() {
        return ("→ no regions".to_string(), None);
    }
    let shown: Vec<&str> = regions
        .iter()
        .take(SHOWN_REGIONS)
        .map(String::as_str)
        .collect();
    let mut label = format!("→ {}", shown.join(", "));
    let rest = regions.len().saturating_sub(SHOWN_REGIONS);
    if rest == 0 {
        return (label, None);
    }
    label.push_str(&format!(" +{rest}"));
    (label, Some(regions.join(" → ")))
}

/// A value cut to [`SHOWN_VALUE`] characters.
fn shorten(value: &str) -> String {
    if value.chars().count() <= SHOWN_VALUE {
        return value.to_string();
    }
    let cut: String = value.chars().take(SHOWN_VALUE - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_past_three_are_counted_and_listed_in_the_tooltip() {
        let regions: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let (label, tooltip) = regions_label(&regions);
        assert_eq!(label, "→ a, b, c +2");
        assert_eq!(tooltip.as_deref(), Some("a → b → c → d → e"));
        let (label, tooltip) = regions_label(regions.get(..3).unwrap_or_default());
        assert_eq!((label.as_str(), tooltip), ("→ a, b, c", None));
        assert_eq!(regions_label(&[]).0, "→ no regions");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(50);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), SHOWN_VALUE);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("1h"), "1h");
    }
}
