"""Quick fixes and rename as a real client asks for them and applies them."""

from conftest import BASE, SVC, change_doc, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import LanguageClient


def apply(text: str, edits) -> str:
    """Applies text edits (positions in UTF-16 units; these texts are
    ASCII, so units are characters) from the last to the first."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda edit: offset(edit.range.start), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_a_quick_fix_corrects_a_misspelt_template(client: LanguageClient, workspace):
    svc = uri(workspace / "svc.pipe")
    typo = SVC.replace("extends Base", "extends Bsae")
    open_doc(client, svc, typo)
    unknown = next(d for d in await published(client, svc) if d.code == "P0204")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=svc),
            range=unknown.range,
            context=types.CodeActionContext(diagnostics=[unknown]),
        )
    )
    assert [action.title for action in actions] == ["Change to `Base`"]
    action = actions[0]
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.is_preferred
    assert action.diagnostics[0].code == "P0204"
    fixed = apply(typo, action.edit.changes[svc])
    assert fixed == SVC
    client.diagnostics.pop(svc, None)
    change_doc(client, svc, 2, fixed)
    assert "P0204" not in [d.code for d in await published(client, svc)]


async def test_renaming_a_stage_renames_its_override_in_another_file(
    client: LanguageClient, workspace
):
    svc, base = uri(workspace / "svc.pipe"), uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)
    # On `beta` in `stage beta` of the template (line 8).
    at = types.Position(line=8, character=9)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=base), position=at
        )
    )
    assert prepared.placeholder == "beta"
    assert prepared.range.start == types.Position(line=8, character=8)
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=base),
            position=at,
            new_name="preprod",
        )
    )
    assert sorted(edit.changes) == sorted([base, svc])
    assert "stage preprod {" in apply(BASE, edit.changes[base])
    assert "stage preprod {" in apply(SVC, edit.changes[svc])
    assert "beta" not in apply(SVC, edit.changes[svc])


async def test_a_rename_to_a_keyword_is_refused_with_the_reason(
    client: LanguageClient, workspace
):
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    await published(client, base)
    try:
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=base),
                position=types.Position(line=4, character=10),
                new_name="extends",
            )
        )
    except Exception as error:  # the server's error response
        assert "keyword" in str(error)
    else:
        raise AssertionError("a rename to `extends` was accepted")
