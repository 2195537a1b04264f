"""Incremental text sync and pull diagnostics, from a real client."""

import pytest_lsp
from conftest import BASE, PIPEC, SVC, initialize_params, open_doc, published, uri
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient


async def test_ranged_changes_are_applied_in_order(client: LanguageClient, workspace):
    assert (
        client.initialize_result.capabilities.text_document_sync.change
        == types.TextDocumentSyncKind.Incremental
    )
    svc = uri(workspace / "svc.pipe")
    open_doc(client, svc, SVC)
    await published(client, svc)
    client.diagnostics.pop(svc, None)
    # `bake = 30m` on line 4 becomes `bake = 12`: two ranged changes, the
    # second counted in the text the first left.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=svc, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=4, character=11),
                        end=types.Position(line=4, character=14),
                    ),
                    text="1",
                ),
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=4, character=12),
                        end=types.Position(line=4, character=12),
                    ),
                    text="2",
                ),
            ],
        )
    )
    found = await published(client, svc)
    mismatch = [d for d in found if d.code == "P0701"]
    assert len(mismatch) == 1
    assert (mismatch[0].range.start.character, mismatch[0].range.end.character) == (11, 13)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[PIPEC, "lsp"]))
async def pulling(lsp_client: LanguageClient):
    lsp_client.initialize_result = await lsp_client.initialize_session(
        initialize_params(
            text_document=types.TextDocumentClientCapabilities(
                diagnostic=types.DiagnosticClientCapabilities()
            )
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_pulling_client_asks_and_hears_unchanged(pulling: LanguageClient, workspace):
    client = pulling
    assert client.initialize_result.capabilities.diagnostic_provider is not None
    base = uri(workspace / "base.pipe")
    open_doc(client, base, BASE)
    params = types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=base)
    )
    report = await client.text_document_diagnostic_async(params)
    assert report.kind == "full"
    assert "P0405" in [d.code for d in report.items]
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=base),
            previous_result_id=report.result_id,
        )
    )
    assert again.kind == "unchanged"
    # Nothing is pushed to a client that pulls.
    assert base not in client.diagnostics
