"""Diagnostics as a client receives them: on open, and again after an
unsaved edit to the template a pipeline extends."""

from conftest import BASE, SVC, change_doc, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


def codes(diagnostics) -> list:
    return [d.code for d in diagnostics]


async def test_opening_a_pipeline_reports_its_template_with_code_range_and_link(
    client: LanguageClient, workspace
):
    svc, base = uri(workspace / "svc.pipe"), uri(workspace / "base.pipe")
    open_doc(client, svc, SVC)
    # The template's file is not open, yet its mistake is published there:
    # production places one region of the registry and no wave takes the rest.
    missing = next(d for d in await published(client, base) if d.code == "P0405")
    assert missing.range == types.Range(
        start=types.Position(line=12, character=2),
        end=types.Position(line=12, character=13),
    )
    assert missing.severity == types.DiagnosticSeverity.Error
    assert missing.code_description.href.endswith("language.md#diagnostics")
    assert "help: add a wave" in missing.message
    # The pipeline itself only breaks default policies.
    assert all(code == "P0801" for code in codes(await published(client, svc)))


async def test_an_unsaved_edit_to_the_template_republishes_and_clears(
    client: LanguageClient, workspace
):
    svc, base = uri(workspace / "svc.pipe"), uri(workspace / "base.pipe")
    open_doc(client, svc, SVC)
    await published(client, svc)
    client.diagnostics.pop(base, None)
    open_doc(client, base, BASE)
    assert "P0405" in codes(await published(client, base))

    # The fix, not saved: a wave for every other region.
    fixed = BASE.replace(
        "bake = 2h }\n", "bake = 2h }\n    wave others { regions = rest; bake = 2h }\n"
    )
    client.diagnostics.pop(base, None)
    change_doc(client, base, 2, fixed)
    assert "P0405" not in codes(await published(client, base))

    # Broken again: a bake that is not a duration, reported at its place.
    client.diagnostics.pop(base, None)
    change_doc(client, base, 3, fixed.replace("bake = 1h", "bake = 12"))
    broken = [d for d in await published(client, base) if d.code != "P0801"]
    assert broken, "the broken template was not reported"
    assert broken[0].range.start.line == 10


async def test_columns_count_utf16_code_units(client: LanguageClient, tmp_path):
    # Outside any workspace: the file is checked alone. "é" is one UTF-16
    # unit and two bytes, "🚀" two units and four bytes; the bad bake
    # after them must start at its UTF-16 column.
    text = 'template T { source s = git("é🚀"); stage b { bake = 12 } }\n'
    alone = uri(tmp_path / "alone.pipe")
    open_doc(client, alone, text)
    diagnostics = await published(client, alone)
    prefix = text.split("12")[0]
    column = len(prefix.encode("utf-16-le")) // 2
    assert column != len(prefix.encode("utf-8"))
    bad = next(d for d in diagnostics if d.range.start.character == column)
    assert bad.range.end.character == column + 2
