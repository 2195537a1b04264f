"""Hover, go to definition and the outline, as a client asks for them."""

from conftest import BASE, SVC, change_doc, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


def where(uri: str, line: int, character: int):
    return dict(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )


async def test_hover_on_an_overridden_bake_shows_both_values_and_places(
    client: LanguageClient, workspace
):
    svc = uri(workspace / "svc.pipe")
    open_doc(client, svc, SVC)
    await published(client, svc)
    hover = await client.text_document_hover_async(
        types.HoverParams(**where(svc, 4, 5))
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert "effective value: `bake = 30m`" in text and "svc.pipe:5" in text, text
    assert "`bake = 1h` at" in text and "base.pipe:11" in text, text
    # The built-in field's reference follows.
    assert "duration" in text, text


async def test_definitions_of_extends_alarm_and_deployed_build(
    client: LanguageClient, workspace
):
    svc, base = uri(workspace / "svc.pipe"), uri(workspace / "base.pipe")
    open_doc(client, svc, SVC)
    open_doc(client, base, BASE)
    await published(client, svc)

    async def definition(uri, line, character):
        found = await client.text_document_definition_async(
            types.DefinitionParams(**where(uri, line, character))
        )
        return found.uri, (found.range.start.line, found.range.start.character)

    # `extends Base`: the template's name.
    assert await definition(svc, 2, 23) == (base, (4, 9))
    # `rollback on errors`: the alarm's name.
    assert await definition(base, 14, 17) == (base, (2, 6))
    # `deploy bundle`: the build.
    assert await definition(base, 9, 12) == (base, (7, 2))
    # The overriding `bake`: the template's.
    assert await definition(svc, 4, 5) == (base, (10, 4))


async def test_document_symbols_outline_declarations_stages_and_waves(
    client: LanguageClient, workspace
):
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=base))
    )
    assert [s.name for s in symbols] == ["import std/aws", "errors", "Base"]
    template = symbols[2]
    assert [s.name for s in template.children] == ["app", "bundle", "beta", "production"]
    assert [s.name for s in template.children[3].children] == ["first"]
    assert template.range.start.line == 4 and template.range.end.line == 17


async def test_formatting_edits_a_messy_buffer_and_refuses_a_broken_one(
    client: LanguageClient, tmp_path
):
    file = uri(tmp_path / "fmt.pipe")
    open_doc(client, file, 'alarm   a=ALARM("A")\n')
    options = types.FormattingOptions(tab_size=2, insert_spaces=True)
    params = types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=file), options=options
    )
    edits = await client.text_document_formatting_async(params)
    assert [e.new_text for e in edits] == ['alarm a = ALARM("A")\n']

    change_doc(client, file, 2, "template T {\n")
    try:
        await client.text_document_formatting_async(params)
    except Exception as error:  # pygls raises the server's error answer
        assert "not formatted" in str(error)
    else:
        raise AssertionError("a broken buffer was formatted")
    # And the editor is told why.
    assert any("not formatted" in m.message for m in client.messages)


async def test_hover_on_a_wave_lists_regions_in_rollout_order(
    client: LanguageClient, workspace
):
    base_text = BASE.replace(
        "wave first { regions = [us-east-1]; bake = 2h }",
        "wave first { regions = [us-west-2, us-east-1]; by az; bake = 2h }\n"
        "    wave others { regions = rest; bake = 2h }",
    )
    (workspace / "base.pipe").write_text(base_text)
    base = uri(workspace / "base.pipe")
    open_doc(client, base, base_text)
    hover = await client.text_document_hover_async(
        types.HoverParams(**where(base, 15, 10))
    )
    text = hover.contents.value
    assert "in `Svc`: `us-west-2` → `us-east-1`, one availability zone at a time" in text, text
    assert "bake: `bake = 2h`" in text and "scope: `by az`" in text, text
