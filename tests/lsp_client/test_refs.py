"""References of members and alarms, workspace symbols, inlay hints and
semantic tokens, as a client asks for them."""

from conftest import BASE, SVC, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


def doc(file: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=file)


async def references(client, file, line, character, include_declaration):
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(file),
            position=types.Position(line=line, character=character),
            context=types.ReferenceContext(include_declaration=include_declaration),
        )
    )
    return sorted(
        (loc.uri.rsplit("/", 1)[-1], loc.range.start.line, loc.range.start.character)
        for loc in found
    )


async def test_references_of_a_member_and_of_an_alarm(
    client: LanguageClient, workspace
):
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)
    # The template's `bake` of stage beta: Svc overrides it; the wave's
    # `bake` is another member.
    assert await references(client, base, 10, 5, False) == [("svc.pipe", 4, 4)]
    assert await references(client, base, 10, 5, True) == [
        ("base.pipe", 10, 4),
        ("svc.pipe", 4, 4),
    ]
    # The alarm `errors`: its declaration and `rollback on errors`.
    assert await references(client, base, 2, 8, True) == [
        ("base.pipe", 2, 6),
        ("base.pipe", 14, 16),
    ]


async def test_workspace_symbols_match_a_subsequence_of_the_name(
    client: LanguageClient, workspace
):
    svc = uri(workspace / "svc.pipe")
    open_doc(client, svc, SVC)
    await published(client, svc)
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="ers"))
    # `errors` (e-r-s as one piece); `Base` and `Svc` do not match.
    assert [(s.name, s.container_name) for s in found] == [("errors", "base.pipe")]
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="sc"))
    assert [(s.name, s.kind) for s in found] == [("Svc", types.SymbolKind.Module)]


async def test_inlay_hints_show_replaced_values_and_wave_regions(
    client: LanguageClient, workspace
):
    svc, base = uri(workspace / "svc.pipe"), uri(workspace / "base.pipe")
    open_doc(client, svc, SVC)
    open_doc(client, base, BASE)
    await published(client, svc)
    whole = types.Range(
        start=types.Position(line=0, character=0),
        end=types.Position(line=100, character=0),
    )

    async def hints(file):
        found = await client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=doc(file), range=whole)
        )
        return [(h.position.line, h.position.character, h.label) for h in found]

    assert await hints(svc) == [(4, 14, "overrides 1h (base.pipe:11)")]
    # The only pipeline extending Base rolls its first wave out to one region.
    assert (15, 38, "→ us-east-1") in await hints(base)


async def test_semantic_tokens_decode_with_the_announced_legend(
    client: LanguageClient, workspace
):
    svc = uri(workspace / "svc.pipe")
    open_doc(client, svc, SVC)
    await published(client, svc)
    provider = client.initialize_result.capabilities.semantic_tokens_provider
    legend = provider.legend
    found = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(svc))
    )
    data = found.data
    assert len(data) % 5 == 0
    line = character = 0
    tokens = {}
    for at in range(0, len(data), 5):
        delta_line, delta_start, length, kind, bits = data[at : at + 5]
        character = delta_start if delta_line else character + delta_start
        line += delta_line
        modifiers = {
            name for bit, name in enumerate(legend.token_modifiers) if bits & (1 << bit)
        }
        tokens[(line, character)] = (length, legend.token_types[kind], modifiers)
    assert tokens[(2, 0)] == (8, "keyword", set())
    assert tokens[(2, 9)] == (3, "type", {"declaration", "definition"})
    assert tokens[(2, 21)] == (4, "type", set())
    # `bake` overrides the template's.
    assert tokens[(4, 4)] == (4, "property", {"modification"})
    assert tokens[(4, 11)] == (3, "number", set())
