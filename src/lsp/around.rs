//! The body around the statement being typed, for completion: the tree of
//! the text without that statement (and without any other unfinished line
//! of the declaration), the members around the cursor and what the
//! declaration inherits. The statement is usually incomplete, so the tree
//! of the text as it is has nothing for it.

use super::names;
use super::resolve::Place;
use super::value_context;
use crate::check::Body;
use crate::semantics::merge::{Key, ResolvedBlock, key_of};
use crate::semantics::regions::Registry;
use crate::semantics::scope::{DeclId, DeclKind};
use crate::source::Span;
use crate::syntax::ast::{File, Item, ItemKind, Member, MemberKind};
use std::collections::BTreeSet;

/// The tree of the text without the statement being typed. When the
/// declaration around it still does not parse (another line is being
/// written too), the line of each syntax error is blanked as well (its
/// braces kept unless they balance), a few times at most, so one
/// unfinished line elsewhere does not take completion away.
pub fn parse_around(
    text: &str,
    offset: usize,
    file: crate::source::FileId,
) -> crate::syntax::Parsed {
    let mut blanked = value_context::blank_statement(text, offset);
    let cursor_line = line_bounds(text, offset);
    let mut parsed = crate::syntax::parse_file(&blanked, file);
    for _ in 0..8 {
        let holds = |item: &Item| item.span.start() <= offset && offset <= item.span.end();
        if parsed.file.items.iter().any(holds) {
            break;
        }
        let error_at = parsed
            .diagnostics
            .iter()
            .find_map(|diagnostic| diagnostic.labels.first().map(|label| label.span.start()));
        let Some(error_at) = error_at else { break };
        let (start, end) = line_bounds(&blanked, error_at);
        if (start, end) == cursor_line {
            break;
        }
        let line = blanked.get(start..end).unwrap_or("");
        let balanced = line.matches('{').count() == line.matches('}').count();
        // Byte for byte: a cleared character becomes as many spaces.
        let cleared: String = line
            .chars()
            .map(|ch| {
                if matches!(ch, '{' | '}') && !balanced {
                    ch.to_string()
                } else {
                    " ".repeat(ch.len_utf8())
                }
            })
            .collect();
        if cleared == line {
            break;
        }
        blanked.replace_range(start..end, &cleared);
        parsed = crate::syntax::parse_file(&blanked, file);
    }
    parsed
}

/// The start and end of the line holding `offset`, without its break.
pub(super) fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |idx| idx + 1);
    let end = text
        .get(offset..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |idx| offset + idx);
    (start, end)
}

/// The body around the statement being typed, in the tree of the text
/// without it.
pub struct Around<'f> {
    item: &'f Item,
    /// Members around the cursor, outermost first.
    members: Vec<&'f Member>,
    /// The innermost body's kind.
    pub body: Body,
}

impl<'f> Around<'f> {
    /// The innermost body holding `offset`; `None` at the top level or in
    /// a declaration's header.
    pub fn find(file: &'f File, offset: usize) -> Option<Around<'f>> {
        let inside = |span: Span| span.start() < offset && offset < span.end();
        let item = file
            .items
            .iter()
            .find(|item| item.span.start() <= offset && offset <= item.span.end())?;
        let (mut body, mut block) = Body::of_item(&item.kind)?;
        if !inside(block.span) {
            return None;
        }
        let mut members = Vec::new();
        while let Some((member, child, child_block)) = block.members.iter().find_map(|member| {
            let child_block = member.kind.body().filter(|b| inside(b.span))?;
            Some((member, Body::child(&member.kind)?, child_block))
        }) {
            members.push(member);
            body = child;
            block = child_block;
        }
        Some(Around {
            item,
            members,
            body,
        })
    }

    /// The innermost block's members.
    fn block_members(&self) -> &'f [Member] {
        let block = match self.members.last() {
            Some(member) => member.kind.body(),
            None => self.item.kind.body(),
        };
        block.map_or(&[], |block| block.members.as_slice())
    }

    /// Names of members of this kind written in the innermost block.
    pub fn written_names(&self, keyword: &str) -> BTreeSet<&'f str> {
        self.block_members()
            .iter()
            .filter_map(|member| match key_of(&member.kind) {
                Some(Key::Named(kind, _)) if kind == keyword => {
                    member.kind.name().map(|name| name.name.as_str())
                }
                _ => None,
            })
            .collect()
    }

    /// The resolved body of the declaration's parent (`extends`), followed
    /// down the members around the cursor.
    pub fn parent_body<'p>(&self, place: &'p Place<'_, '_>) -> Option<&'p ResolvedBlock<'p>> {
        let decl = self.parent(place)?;
        let mut block = place.analysis.resolved.get(&decl)?;
        for member in &self.members {
            block = block.get(&key_of(&member.kind)?)?.body.as_ref()?;
        }
        Some(block)
    }

    pub fn parent(&self, place: &Place<'_, '_>) -> Option<DeclId> {
        let parent = match &self.item.kind {
            ItemKind::Template(decl) | ItemKind::Pipeline(decl) | ItemKind::Registry(decl) => {
                decl.extends.as_ref()?
            }
            _ => return None,
        };
        let kinds = [DeclKind::Template, DeclKind::Pipeline, DeclKind::Registry];
        let (decl, _) = place
            .analysis
            .scopes
            .resolve(place.file, parent, &kinds)
            .ok()?;
        Some(decl)
    }

    /// Names of the declaration's members of a kind (`alarm`, `profile`),
    /// written in it or inherited, sorted.
    pub fn member_names(&self, place: &Place<'_, '_>, keyword: &str) -> Vec<String> {
        let mut found = BTreeSet::new();
        if let Some(block) = self.item.kind.body() {
            for member in &block.members {
                if let Some(Key::Named(kind, name)) = key_of(&member.kind)
                    && kind == keyword
                {
                    found.insert(name);
                }
            }
        }
        if let Some(parent) = self
            .parent(place)
            .and_then(|decl| place.analysis.resolved.get(&decl))
        {
            for (key, _) in &parent.members {
                if let Key::Named(kind, name) = key
                    && *kind == keyword
                {
                    found.insert(*name);
                }
            }
        }
        found.into_iter().map(str::to_string).collect()
    }

    /// The registry the declaration's production names: written here, or
    /// inherited from the parent.
    pub fn registry(&self, place: &Place<'_, '_>) -> Option<(DeclId, Registry)> {
        let own = self.item.kind.body().and_then(|block| {
            block.members.iter().find_map(|member| match &member.kind {
                MemberKind::Production { body } => {
                    body.members.iter().find_map(|field| match &field.kind {
                        MemberKind::FieldAssign { name, value, .. } if name.name == "registry" => {
                            match &value.kind {
                                crate::syntax::ast::ExprKind::Path(path) => Some(path),
                                _ => None,
                            }
                        }
                        _ => None,
                    })
                }
                _ => None,
            })
        });
        if let Some(path) = own {
            return names::registry_named(place, place.file, path);
        }
        let parent = place.analysis.resolved.get(&self.parent(place)?)?;
        names::production_registry(place, parent)
    }
}
