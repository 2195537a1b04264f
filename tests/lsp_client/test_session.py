"""The session: what the server advertises, and how it ends."""

from lsprotocol import types
from pytest_lsp import LanguageClient


async def test_initialize_advertises_what_is_implemented(client: LanguageClient):
    result = client.initialize_result
    caps = result.capabilities
    assert result.server_info.name == "pipec"
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    sync = caps.text_document_sync
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.hover_provider is True
    assert caps.definition_provider is True
    assert caps.document_symbol_provider is True
    assert caps.document_formatting_provider is True
    assert caps.references_provider is True
    assert caps.folding_range_provider is True
    assert caps.completion_provider is not None
    # Published, not pulled, for a client that did not offer to pull.
    assert caps.diagnostic_provider is None
    assert caps.rename_provider.prepare_provider is True
    assert list(caps.code_action_provider.code_action_kinds) == [
        types.CodeActionKind.QuickFix
    ]


async def test_shutdown_then_exit_is_status_zero(client: LanguageClient):
    await client.shutdown_session()
    assert client._server.returncode == 0


async def test_exit_without_shutdown_is_status_one(client: LanguageClient):
    client.exit(None)
    await client._server.wait()
    assert client._server.returncode == 1
