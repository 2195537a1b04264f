"""A real LSP client (pytest-lsp, over pygls) talking to `pipec lsp` over
stdio. The binary is $PIPEC_BIN; tests/lsp_clients.rs sets it to the one
`cargo test` built."""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

PIPEC = os.environ.get("PIPEC_BIN", "pipec")

# How long a test waits for the server to publish before failing: generous
# for a shared CI machine, finite so a silent server cannot hang the run.
TIMEOUT = 60.0

BASE = """import "std/aws"

alarm errors = ALARM("Errors")

template Base {
  platform = ecs
  source app = git("org/app")
  build bundle from app { run = "make" }
  stage beta {
    deploy bundle
    bake = 1h
  }
  production {
    registry = aws
    rollback on errors
    wave first { regions = [us-east-1]; bake = 2h }
  }
}
"""

SVC = """import "base.pipe"

pipeline Svc extends Base {
  stage beta {
    bake = 30m
  }
}
"""


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    """A workspace on disk: `pipec.toml`, a template and a pipeline."""
    root = tmp_path.resolve()
    (root / "pipec.toml").write_text("")
    (root / "base.pipe").write_text(BASE)
    (root / "svc.pipe").write_text(SVC)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[PIPEC, "lsp"]))
async def client(lsp_client: LanguageClient):
    # Kept for the tests of what the server advertises.
    lsp_client.initialize_result = await lsp_client.initialize_session(
        initialize_params()
    )
    yield
    # A test that ended the session itself has nothing left to shut down.
    server = lsp_client._server
    if server is not None and server.returncode is None:
        await lsp_client.shutdown_session()


def initialize_params(**capabilities) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=types.ClientCapabilities(**capabilities),
        initialization_options={"today": "2026-12-01"},
    )


def uri(path: pathlib.Path) -> str:
    return path.as_uri()


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="pipe", version=version, text=text
            )
        )
    )


def change_doc(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=uri, version=version
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def published(client: LanguageClient, uri: str):
    """The next list published for `uri`. The caller forgets the old list
    (`client.diagnostics.pop(uri, None)`) before the message that causes
    the next one, so a list seen here is never a stale one."""

    async def poll():
        while uri not in client.diagnostics:
            await asyncio.sleep(0.01)
        return client.diagnostics[uri]

    return await asyncio.wait_for(poll(), TIMEOUT)

