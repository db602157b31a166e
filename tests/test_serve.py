"""``invider serve`` from a fresh folder: a real gunicorn, a real SQLite file, a restart."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
import requests
from conftest import SMALL_DECK
from server import Phone, Server

# Slow (real gunicorn processes): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow


def code_of(workdir, key):
    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        return conn.execute("select code from invider where key = ?", (key,)).fetchone()[0]


def test_serve_plays_and_survives_a_restart(workdir):
    server = Server(workdir).start()
    try:
        output = server.output()
        assert f"Players:     http://192.168.1.20:{server.port}/" in output
        assert f"Leaderboard: http://192.168.1.20:{server.port}/leaderboard" in output
        assert "Admin password (shown once, keep it): " in output
        assert (workdir / "printables" / "posters.pdf").stat().st_size > 1000
        assert (workdir / "instance" / "secret_key").exists()

        phone = Phone(server.url)
        code = code_of(workdir, "launch")
        assert phone.join("Alice", "Red", next=f"/i/{code}").url.endswith(f"/i/{code}")
        result = phone.answer(code, choice="July 2015")
        assert result.status_code == 200 and "Right answer!" in result.text
        assert "Content-Security-Policy" in result.headers
    finally:
        server.stop()

    restarted = Server(workdir, port=server.port).start()
    try:
        assert "Admin password: unchanged since the first start" in restarted.output()
        board = requests.get(restarted.url + "/leaderboard.json", timeout=5).json()
        assert board["players"] == [
            {"rank": 1, "name": "Alice", "team": "Red", "score": 10, "found": 1}
        ]
        # The session cookie signed before the restart is still valid: same secret key.
        page = phone.http.get(f"{restarted.url}/i/{code}", timeout=5)
        assert "Right answer!" in page.text
    finally:
        restarted.stop()


def test_serve_refuses_a_broken_deck(workdir):
    (workdir / "questions" / "deck.toml").write_text("[hunt]\ntitle = 3\n", encoding="utf-8")
    import subprocess

    result = subprocess.run(
        [shutil.which("invider"), "serve", "--host", "127.0.0.1"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        env=Server(workdir).env,
    )
    assert result.returncode == 2
    assert "questions/deck.toml:2: title must be text" in result.stderr


def test_a_running_server_applies_the_retention_when_its_date_passes(workdir):
    """No page view runs the retention job: the server's own schedule does, on the date."""
    deck = workdir / "questions" / "deck.toml"
    deck.write_text(SMALL_DECK.replace("points = 10", "points = 10\nretention_days = 1"))
    # Checked every 3 seconds instead of every hour, so the test sees the date pass.
    server = Server(workdir, env={"INVIDER_RETENTION_CHECK_MINUTES": "0.05"}).start()
    try:
        Phone(server.url).join("Alice Martin", "Red")
        database = workdir / "instance" / "invider.db"
        with sqlite3.connect(database) as conn:
            stored = conn.execute("select joined_at from player").fetchone()[0]
            # Closed a day ago, less five seconds, and its echo over a second later: the
            # retention date is five seconds away.
            conn.execute(
                "update hunt set closes_at = datetime(?, '-1 day', '+5 seconds'),"
                " echo_opens_at = datetime(?, '-1 day', '+6 seconds'),"
                " echo_closes_at = datetime(?, '-1 day', '+7 seconds')",
                (stored, stored, stored),
            )
        names = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            with sqlite3.connect(database) as conn:
                names = [row[0] for row in conn.execute("select name from player")]
            if names and names != ["Alice Martin"]:
                break
            time.sleep(0.5)
        assert names and names[0].startswith("Player "), server.output()
        while "retention: names anonymised" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.2)  # the master logs it once the command has exited
        assert "retention: names anonymised" in server.output()
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    finally:
        server.stop()


def test_a_fresh_install_has_everything_invider_serve_loads(tmp_path):
    """``pip install .`` alone (no test extras) brings every module the server imports.

    The test extras install more than users get: gunicorn's gevent worker once needed
    ``packaging``, which only the test tools brought, and ``invider serve`` failed.
    """
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    # What gunicorn loads from invider.serving's settings, in the fresh environment.
    check = (
        "from gunicorn.util import load_class; import invider.serving as s; "
        "load_class(s.worker_class, section='gunicorn.workers'); "
        "from invider import create_app; print('ok')"
    )
    done = subprocess.run(
        [str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
