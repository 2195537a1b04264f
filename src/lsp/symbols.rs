//! The outline of a document: its declarations and, inside them, the named
//! members (stages, waves, profiles, builds...), nested as written.

use super::convert::{self, Encoding};
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Block, File, ItemKind, Member, MemberKind};
use lsp_types::{DocumentSymbol, SymbolKind};

/// The document's symbols, in source order.
pub fn symbols(tree: &File, source: &SourceFile, encoding: Encoding) -> Vec<DocumentSymbol> {
    tree.items
        .iter()
        .map(|item| {
            let (kind, name, name_span, body) = match &item.kind {
                ItemKind::Import(import) => (
                    SymbolKind::FILE,
                    format!("import {}", import.path.as_plain().unwrap_or_default()),
                    import.path.span,
                    None,
                ),
                ItemKind::Alarm(alarm) => (
                    SymbolKind::CONSTANT,
                    alarm.name.name.clone(),
                    alarm.name.span,
                    None,
                ),
                ItemKind::Registry(decl)
                | ItemKind::Calendar(decl)
                | ItemKind::Window(decl)
                | ItemKind::Template(decl)
                | ItemKind::Pipeline(decl)
                | ItemKind::Policy(decl) => (
                    item_kind(&item.kind),
                    decl.name.name.clone(),
                    decl.name.span,
                    Some(&decl.body),
                ),
            };
            symbol(
                name,
                Some(item.kind.keyword().to_string()),
                kind,
                item.span,
                name_span,
                body.map(|body| members(body, source, encoding)),
                source,
                encoding,
            )
        })
        .collect()
}

/// The symbol kind of a declaration, shared with workspace symbols.
pub fn item_kind(kind: &ItemKind) -> SymbolKind {
    match kind {
        ItemKind::Template(_) => SymbolKind::CLASS,
        ItemKind::Pipeline(_) => SymbolKind::MODULE,
        ItemKind::Registry(_) => SymbolKind::NAMESPACE,
        ItemKind::Calendar(_) => SymbolKind::STRUCT,
        ItemKind::Window(_) => SymbolKind::EVENT,
        ItemKind::Policy(_) => SymbolKind::INTERFACE,
        ItemKind::Alarm(_) => SymbolKind::CONSTANT,
        ItemKind::Import(_) => SymbolKind::FILE,
    }
}

fn members(block: &Block, source: &SourceFile, encoding: Encoding) -> Vec<DocumentSymbol> {
    block
        .members
        .iter()
        .filter_map(|member| member_symbol(member, source, encoding))
        .collect()
}

fn member_symbol(
    member: &Member,
    source: &SourceFile,
    encoding: Encoding,
) -> Option<DocumentSymbol> {
    let (kind, detail) = match &member.kind {
        MemberKind::Stage { .. } => (SymbolKind::NAMESPACE, "stage"),
        MemberKind::Production { .. } => (SymbolKind::NAMESPACE, "production"),
        MemberKind::Wave { .. } => (SymbolKind::ARRAY, "wave"),
        MemberKind::Profile { .. } => (SymbolKind::OBJECT, "profile"),
        MemberKind::Build { .. } => (SymbolKind::FUNCTION, "build"),
        MemberKind::Test { .. } => (SymbolKind::METHOD, "test"),
        MemberKind::Source { .. } => (SymbolKind::PACKAGE, "source"),
        MemberKind::Alarm(_) => (SymbolKind::CONSTANT, "alarm"),
        MemberKind::Region { .. } => (SymbolKind::ENUM_MEMBER, "region"),
        MemberKind::Onebox { .. } => (SymbolKind::OBJECT, "onebox"),
        MemberKind::Deploy { .. } => (SymbolKind::EVENT, "deploy"),
        MemberKind::FieldDecl { .. } => (SymbolKind::FIELD, "field"),
        _ => return None,
    };
    let head = crate::semantics::merge::head_span(member);
    let (name, name_span) = match (&member.kind, member.kind.name()) {
        (_, Some(name)) => (name.name.clone(), name.span),
        (MemberKind::Deploy { artifacts, .. }, None) => (
            artifacts
                .iter()
                .map(|path| path.to_dotted())
                .collect::<Vec<_>>()
                .join(", "),
            head,
        ),
        _ => (detail.to_string(), head),
    };
    let children = member
        .kind
        .body()
        .map(|body| members(body, source, encoding))
        .filter(|children| !children.is_empty());
    Some(symbol(
        name,
        Some(detail.to_string()),
        kind,
        member.span,
        name_span,
        children,
        source,
        encoding,
    ))
}

#[allow(clippy::too_many_arguments)]
#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Option<Vec<DocumentSymbol>>,
    source: &SourceFile,
    encoding: Encoding,
) -> DocumentSymbol {
    // The protocol wants the selection inside the range.
    let selection = if name_span.start() >= span.start() && name_span.end() <= span.end() {
        name_span
    } else {
        span
    };
    DocumentSymbol {
        name: if name.is_empty() {
            "?".to_string()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: convert::range(source, span, encoding),
        selection_range: convert::range(source, selection, encoding),
        children,
    }
}
