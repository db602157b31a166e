"""Resume tokens never reach the server's log, and personal pages are never cached
(a real ``invider serve``, its real log)."""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests
from conftest import SMALL_DECK
from server import Phone, Server, csrf_token


@pytest.fixture
def server(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "deck.toml").write_text(SMALL_DECK, encoding="utf-8")
    server = Server(tmp_path).start()
    yield server
    server.stop()


def test_resume_tokens_stay_out_of_the_log_and_personal_pages_out_of_caches(server):
    phone = Phone(server.url)
    phone.join("Carol", "Red")
    me = phone.http.get(server.url + "/me", timeout=10)
    phone.http.post(server.url + "/me/resume", data={"csrf_token": csrf_token(me.text)}, timeout=10)
    me = phone.http.get(server.url + "/me", timeout=10)
    token = re.search(r"/resume/([A-Za-z0-9_-]{40,})", me.text).group(1)
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        code = conn.execute("select code from invider where key = 'launch'").fetchone()[0]
    result = phone.answer(code, choice="July 2015")

    other = Phone(server.url)
    link = f"{server.url}/resume/{token}"
    ask = other.http.get(link, headers={"Referer": link}, timeout=10)
    other.http.post(link, data={"csrf_token": csrf_token(ask.text)}, timeout=10)
    assert "Carol" in other.http.get(server.url + "/me", timeout=10).text
    echo = phone.http.get(server.url + "/echo", timeout=10)

    for response in (me, result, ask, echo):
        assert response.headers["Cache-Control"] == "no-store", response.url
    for path in ("/", "/leaderboard"):  # public pages keep their own rules
        public = requests.get(server.url + path, timeout=10)
        assert "no-store" not in public.headers.get("Cache-Control", ""), path

    log = server.output()
    assert "/resume/" in log  # the requests were logged...
    assert token not in log  # ...without the token, in the request line and the Referer
    assert token[:12] not in log
