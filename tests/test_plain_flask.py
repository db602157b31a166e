"""The app is plain Flask: the threaded development server and gunicorn serve the same pages,
Flask-WTF's own tokens and Flask's own session behave as documented."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import SMALL_DECK, csrf_token
from server import Phone, Server, folder_with_deck, free_port

# Slow (real servers, threaded and gunicorn): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

PAGES_TO_COMPARE = (
    "/",
    "/leaderboard",
    "/leaderboard.json",
    "/screen.json",
    "/join",
    "/static/css/app.css",
    "/no-such-page",
)
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


@pytest.fixture
def threaded_server(tmp_path):
    """``flask --app invider run`` (threaded), started in an empty folder like a developer."""
    workdir = folder_with_deck(tmp_path / "dev", SMALL_DECK)
    env = dict(os.environ, INVIDER_PUBLIC_URL="http://192.168.1.20:8000")
    env.pop("INVIDER_INSTANCE", None)
    flask = shutil.which("flask")
    subprocess.run(
        [flask, "--app", "invider", "load", "questions/deck.toml"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (workdir / "flask.log").open("wb")
    process = subprocess.Popen(
        [
            flask,
            "--app",
            "invider",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--with-threads",
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield url, workdir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def codes(workdir) -> list[str]:
    import sqlite3

    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        return [row[0] for row in conn.execute("select code from invider order by number")]


def test_200_concurrent_scans_on_the_threaded_server_never_fail_or_stall(threaded_server):
    url, workdir = threaded_server
    phones = [Phone(url) for _ in range(40)]
    for n, phone in enumerate(phones):
        assert phone.join(f"Dev {n}", "Red").status_code == 200
    poster_codes = codes(workdir)

    def scan(n: int) -> int:
        phone = phones[n % len(phones)]
        # A stall shows as a timeout here: the old per-thread connections waited 30 s.
        return phone.http.get(f"{url}/i/{poster_codes[n % 3]}", timeout=20).status_code

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(scan, range(200)))
    assert statuses == [200] * 200
    assert b"Traceback" not in (workdir / "flask.log").read_bytes()


def test_flask_run_and_invider_serve_answer_with_the_same_headers(threaded_server, tmp_path):
    url, _ = threaded_server
    served = Server(folder_with_deck(tmp_path / "prod", SMALL_DECK)).start(timeout=90)
    try:
        for path in PAGES_TO_COMPARE:
            dev, prod = (
                requests.get(url + path, timeout=10),
                requests.get(served.url + path, timeout=10),
            )
            assert dev.status_code == prod.status_code, path
            for header in (*SECURITY_HEADERS, "Content-Type", "Cache-Control"):
                assert dev.headers.get(header) == prod.headers.get(header), (path, header)
    finally:
        served.stop()


def test_a_form_token_works_with_flask_wtfs_time_limit_after_hours(app, play, monkeypatch):
    """Tokens come from Flask-WTF on every page, so a page made hours later carries a
    fresh one (a per-worker token cache gave expired tokens once the limit was set)."""
    assert app.config["WTF_CSRF_TIME_LIMIT"]  # the shipped setting has a limit
    play.join()
    code = play.code("launch")
    assert csrf_token(play.client, f"/i/{code}")
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    token = csrf_token(play.client, f"/i/{code}")
    answered = play.client.post(f"/i/{code}", data={"csrf_token": token, "choice": "July 2015"})
    assert answered.status_code == 200 and "Right answer!" in answered.get_data(as_text=True)


def test_one_flash_message_is_shown_once(admin_client):
    token = csrf_token(admin_client, "/admin/")
    done = admin_client.post(
        "/admin/status", data={"csrf_token": token, "action": "freeze"}, follow_redirects=True
    )
    assert done.get_data(as_text=True).count("Hunt status updated.") == 1
    for _ in range(3):
        assert "Hunt status updated." not in admin_client.get("/admin/").get_data(as_text=True)
