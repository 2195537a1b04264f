"""Fixtures of the playground's browser tests: the built site served on
the loopback interface, and headless Chromium (the system's, named by
PIPEC_CHROMIUM) driven by Playwright."""

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import sync_playwright


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="session")
def site():
    handler = functools.partial(_Handler, directory=os.environ["PIPEC_WEB_DIST"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ["PIPEC_CHROMIUM"],
            headless=True,
            args=["--no-sandbox"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(f"console {message.type}: {message.text}")
        if message.type == "error"
        else None,
    )
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    yield page
    context.close()


@pytest.fixture()
def artifacts():
    path = os.environ["PIPEC_WEB_ARTIFACTS"]
    os.makedirs(path, exist_ok=True)
    return path
