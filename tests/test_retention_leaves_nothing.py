"""After ``invider retention --now``, nothing personal is left in any file of the instance
folder: a real ``invider serve`` played on, reset once, then every file searched."""

from __future__ import annotations

import re
import shutil
import subprocess

import requests
from conftest import SMALL_DECK
from server import Phone, Server, csrf_token

PASSWORD = "correct horse battery"


def organiser(url: str) -> requests.Session:
    http = requests.Session()
    page = http.get(url + "/admin/login", timeout=10)
    http.post(
        url + "/admin/login",
        data={"password": PASSWORD, "csrf_token": csrf_token(page.text)},
        timeout=10,
    )
    return http


def every_file(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_retention_leaves_no_name_address_typed_text_or_token_under_instance(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "deck.toml").write_text(SMALL_DECK, encoding="utf-8")
    server = Server(tmp_path, env={"INVIDER_ADMIN_PASSWORD": PASSWORD}).start()
    import sqlite3

    with sqlite3.connect(tmp_path / "instance" / "invider.db") as conn:
        codes = dict(conn.execute("select key, code from invider").fetchall())
    secrets = []
    try:
        for name, typed in (("Carol Private", "Carol Private says 133"),):
            phone = Phone(server.url)
            phone.join(name, "Red")
            phone.answer(codes["services"], answer=typed)
            phone.answer(codes["launch"], choice="July 2015")
            me = phone.http.get(server.url + "/me", timeout=10)
            phone.http.post(
                server.url + "/me/resume", data={"csrf_token": csrf_token(me.text)}, timeout=10
            )
            me = phone.http.get(server.url + "/me", timeout=10)
            secrets.append(re.search(r"/resume/([A-Za-z0-9_-]{40,})", me.text).group(1))
        admin = organiser(server.url)
        page = admin.get(server.url + "/admin/results", timeout=10)
        reset = admin.post(
            server.url + "/admin/reset",
            data={"csrf_token": csrf_token(page.text), "title": "Test hunt"},
            timeout=30,
        )
        assert "The hunt was reset" in reset.text
        assert any((tmp_path / "instance" / "backups").iterdir())  # it holds Carol
        erin = Phone(server.url)
        erin.join("Erin Hidden", "Blue")
        erin.answer(codes["services"], answer="Erin Hidden says 133")
        me = erin.http.get(server.url + "/me", timeout=10)
        erin.http.post(
            server.url + "/me/resume", data={"csrf_token": csrf_token(me.text)}, timeout=10
        )
        me = erin.http.get(server.url + "/me", timeout=10)
        secrets.append(re.search(r"/resume/([A-Za-z0-9_-]{40,})", me.text).group(1))
    finally:
        server.stop()

    done = subprocess.run(
        [shutil.which("invider"), "retention", "--now"],
        cwd=tmp_path,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "names anonymised" in done.stdout

    wanted = ["Carol Private", "Erin Hidden", "Carol", "Erin", "says 133", "127.0.0.1"]
    files = every_file(tmp_path / "instance")
    assert files  # the database is there, and searched
    for path in files:
        data = path.read_bytes()
        for text in wanted + secrets:
            for form in (text.encode(), text.encode("utf-16-le")):
                assert form not in data, f"{text!r} is still in {path.relative_to(tmp_path)}"
    # The figures are still there: the answers count, anonymised.
    with sqlite3.connect(tmp_path / "instance" / "invider.db") as conn:
        assert conn.execute("select count(*) from answer").fetchone()[0] == 1
        assert conn.execute("select name from player").fetchall() != [("Erin Hidden",)]
