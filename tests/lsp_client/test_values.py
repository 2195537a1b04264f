"""Completion of values and names, hover on regions, alarms and windows,
and definitions of regions, profiles and standard-library declarations,
as a real client asks for them."""

import os
import stat
import pathlib
import re

from conftest import BASE, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


def where(uri: str, line: int, character: int):
    return dict(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )


def position_of(text: str, marker: str, after: int = 0):
    """The (line, UTF-16 character) of `marker` in `text`, plus `after`."""
    offset = text.index(marker) + after
    before = text[:offset]
    line = before.count("\n")
    column = before[before.rfind("\n") + 1 :]
    return line, len(column.encode("utf-16-le")) // 2


async def complete(client, doc_uri, text, marker, after):
    line, character = position_of(text, marker, after)
    result = await client.text_document_completion_async(
        types.CompletionParams(**where(doc_uri, line, character))
    )
    items = result.items if hasattr(result, "items") else result
    return [item.label for item in items]


# The space after `stage` is written out: the name comes after it.
SVC_VALUES = (
    'import "base.pipe"\n'
    "\n"
    "pipeline Svc extends Base {\n"
    "  platform = la\n"
    "  stage \n"
    "}\n"
)


async def test_completion_offers_values_of_the_field_and_inherited_names(
    client: LanguageClient, workspace
):
    svc = uri(workspace / "svc.pipe")
    open_doc(client, svc, SVC_VALUES)
    await published(client, svc)
    platforms = await complete(client, svc, SVC_VALUES, "= la", 4)
    assert platforms == ["ecs", "lambda", "ec2", "on_premises"], platforms
    # `stage ` under `extends Base`: the stages Base has.
    stages = await complete(client, svc, SVC_VALUES, "stage \n", 6)
    assert stages == ["beta"], stages


WINDOWED = """import "base.pipe"

window business {
  zone = "Europe/Paris"
  allow = [mon..fri 10:00..12:00]
}

template Windowed {
  stage beta { window business }
}
"""


async def test_hover_on_a_region_an_alarm_and_a_window(
    client: LanguageClient, workspace
):
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)

    async def hover(doc_uri, text, marker, after=1):
        line, character = position_of(text, marker, after)
        found = await client.text_document_hover_async(
            types.HoverParams(**where(doc_uri, line, character))
        )
        return found.contents.value

    region = await hover(base, BASE, "us-east-1]")
    assert "**region `us-east-1`** in registry `aws`" in region, region
    assert "| `traffic` | high |" in region and "use1-az1" in region, region
    alarm = await hover(base, BASE, "on errors", 4)
    assert 'ALARM("Errors")' in alarm, alarm

    windowed = uri(workspace / "windowed.pipe")
    open_doc(client, windowed, WINDOWED)
    await published(client, windowed)
    window = await hover(windowed, WINDOWED, "window business }", 8)
    assert "zone `Europe/Paris`" in window, window
    # 2026-12-01 is a Tuesday.
    assert "- Tue 2026-12-01 10:00–12:00" in window, window
    assert "- Thu 2026-12-03 10:00–12:00" in window, window


async def test_definition_of_a_region_opens_a_read_only_copy_of_std(
    client: LanguageClient, workspace
):
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)
    line, character = position_of(BASE, "us-east-1]", 2)
    found = await client.text_document_definition_async(
        types.DefinitionParams(**where(base, line, character))
    )
    assert found.uri.startswith("file://"), found.uri
    path = pathlib.Path(found.uri[len("file://") :])
    text = path.read_text().splitlines()
    entry = text[found.range.start.line]
    start, end = found.range.start.character, found.range.end.character
    assert entry[start:end] == "us-east-1", entry
    # The standard library is formatted: names line up, so the brace may
    # follow the name after several spaces.
    assert re.match(r"region us-east-1 +\{", entry.lstrip()), entry
    # Nobody may write to it: an edit could never reach the compiler.
    mode = path.stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), oct(mode)


PROFILED = """window business { zone = "UTC"; allow = [mon..fri 09:00..17:00] }
window on_call { zone = "UTC"; allow = [mon..sun 00:00..24:00] }

template Profiled {
  stage beta {
    final window business
    window on_call for profile emergency
  }
  profile emergency {}
}
"""


async def test_definition_of_a_profile(client: LanguageClient, workspace):
    profiled = uri(workspace / "profiled.pipe")
    open_doc(client, profiled, PROFILED)
    await published(client, profiled)
    line, character = position_of(PROFILED, "profile emergency\n", 10)
    found = await client.text_document_definition_async(
        types.DefinitionParams(**where(profiled, line, character))
    )
    assert found.uri == profiled
    assert (found.range.start.line, found.range.start.character) == (8, 10)
