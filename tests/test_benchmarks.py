"""The benchmark's references run under the gunicorn settings ``invider serve`` ships, and
the scan done plainly serves the product's own page."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest
import requests
from conftest import SMALL_DECK
from server import Phone, Server, folder_with_deck, free_port

from invider import serving

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import references  # noqa: E402


def test_the_references_use_the_products_worker_and_logging_settings():
    copied: dict = {}
    exec(references.GUNICORN_SETTINGS, copied)
    for name in ("worker_class", "worker_connections", "keepalive", "access_log_format"):
        assert copied[name] == getattr(serving, name), name
    assert copied["logconfig_dict"]["formatters"] == serving.logconfig_dict["formatters"]


def poster_page(page: requests.Response) -> str:
    """The page as a player sees it, with the form tokens (signed per app) set aside."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', page.text)


@pytest.mark.slow  # two real servers
def test_the_scan_done_plainly_serves_the_products_page_for_the_same_player(tmp_path):
    # The benchmark compares the product's scan with this app: it is only a fair
    # comparison if the two send the same page to the same phone.
    workdir = folder_with_deck(tmp_path / "hunt", SMALL_DECK)
    server = Server(workdir).start()
    try:
        phone = Phone(server.url)
        phone.join("Alice", "Red")
        with sqlite3.connect(workdir / "instance" / "invider.db") as database:
            (code,) = database.execute("SELECT code FROM invider ORDER BY number").fetchone()
        product = phone.http.get(f"{server.url}/i/{code}", timeout=10)
    finally:
        server.stop()
    plain = references.plain_scan(tmp_path / "plain", workdir / "instance", free_port(), 1)
    plain.start()
    try:
        cookie = {"invider": phone.http.cookies["invider"]}
        page = requests.get(f"{plain.url}/i/{code}", cookies=cookie, timeout=10)
        stranger = requests.get(f"{plain.url}/i/{code}", timeout=10)
    finally:
        plain.stop()
    assert product.status_code == page.status_code == 200
    assert "Alice" in page.text and 'name="choice"' in page.text
    assert poster_page(page) == poster_page(product)
    for header in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control"):
        assert page.headers[header] == product.headers[header]
    assert "Set-Cookie" not in page.headers  # the product sends none on a scan either
    assert stranger.status_code == 404
