"""Fixtures for browser tests: a served French hunt, Debian's Chromium, a fresh phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import CHROMIUM_ARGS, FRENCH_DECK, PHONE
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from requirements import need_chromium
from server import Server, folder_with_deck


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Server]:
    """A real server with the French deck loaded, shared by the tests of one module."""
    workdir = tmp_path_factory.mktemp("served")
    folder_with_deck(workdir, FRENCH_DECK)
    server = Server(workdir).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own download does not work here)."""
    chromium = need_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone: its own cookies, 390×844, touch."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()
