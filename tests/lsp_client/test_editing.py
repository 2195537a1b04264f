"""Completion, folding and references, as a client asks for them."""

from conftest import BASE, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


async def test_completion_in_a_wave_offers_only_what_a_wave_holds(
    client: LanguageClient, tmp_path
):
    file = uri(tmp_path / "complete.pipe")
    text = "template T {\n  production {\n    wave w {\n      ba\n    }\n  }\n}\n"
    open_doc(client, file, text)
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=file),
            position=types.Position(line=3, character=8),
        )
    )
    items = found.items if hasattr(found, "items") else found
    labels = [item.label for item in items]
    assert "bake" in labels and "by az" in labels and "parallel" in labels
    # `check` rejects these in a wave.
    assert "stage" not in labels and "test" not in labels and "deploy" not in labels


async def test_folding_ranges_of_declarations_and_blocks(client: LanguageClient, tmp_path):
    file = uri(tmp_path / "fold.pipe")
    open_doc(client, file, BASE)
    found = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=file))
    )
    assert [(r.start_line, r.end_line) for r in found] == [(4, 17), (8, 11), (12, 16)]


async def test_references_of_a_template_list_its_extenders(
    client: LanguageClient, workspace
):
    (workspace / "mid.pipe").write_text(
        'import "base.pipe"\n\ntemplate Mid extends Base {\n}\n\npipeline Deep extends Mid {\n}\n'
    )
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=base),
            position=types.Position(line=4, character=10),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    places = sorted(
        (loc.uri.rsplit("/", 1)[-1], loc.range.start.line, loc.range.start.character)
        for loc in found
    )
    # Mid and Svc extend Base; Deep extends Mid, so Base too.
    assert places == [("mid.pipe", 2, 21), ("mid.pipe", 5, 9), ("svc.pipe", 2, 21)]
