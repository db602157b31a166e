"""Organiser access: no-store pages, logins that end with the password or the day, and a
login limit that one office address cannot turn against the organiser."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
from conftest import csrf_token
from server import Server, folder_with_deck
from werkzeug.security import generate_password_hash

from invider.store.models import AdminSession, db, utcnow

PASSWORD = "correct horse battery"


def log_in(client, password: str = PASSWORD):
    token = csrf_token(client, "/admin/login")
    return client.post("/admin/login", data={"password": password, "csrf_token": token})


@pytest.fixture
def organiser(app):
    app.config["ADMIN_PASSWORD"] = PASSWORD
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/players",
        "/admin/results",
        "/admin/newcomers",
        "/admin/backups",
        "/admin/nope",
    ],
)
def test_every_organiser_page_is_no_store(organiser, path):
    response = organiser.get(path)
    assert response.status_code in (200, 404)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_page_and_its_refusals_are_no_store(client):
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"  # the redirect
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_a_new_configured_password_ends_every_organiser_session(app, organiser):
    assert organiser.get("/admin/").status_code == 200
    app.config["ADMIN_PASSWORD"] = "another long password"
    response = organiser.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert organiser.post("/admin/status", data={"action": "close"}).status_code in (400, 403)
    assert log_in(organiser, "another long password").status_code == 302
    assert organiser.get("/admin/").status_code == 200


def test_a_regenerated_password_file_ends_every_organiser_session(app, tmp_path):
    app.config["ADMIN_PASSWORD"] = None
    hash_file = tmp_path / "instance" / "admin_password.hash"
    hash_file.write_text(generate_password_hash("first-generated-password"))
    client = app.test_client()
    assert log_in(client, "first-generated-password").status_code == 302
    assert client.get("/admin/").status_code == 200
    hash_file.write_text(generate_password_hash("second-generated-password"))
    assert client.get("/admin/").status_code == 302


def test_an_organiser_login_expires_after_the_configured_hours(app, organiser):
    with app.app_context():
        db.session.execute(
            db.update(AdminSession).values(created_at=utcnow() - timedelta(hours=13))
        )
        db.session.commit()
    assert organiser.get("/admin/").status_code == 302
    log_in(organiser)
    app.config["ADMIN_SESSION_HOURS"] = "24"
    with app.app_context():
        db.session.execute(
            db.update(AdminSession).values(created_at=utcnow() - timedelta(hours=13))
        )
        db.session.commit()
    assert organiser.get("/admin/").status_code == 200


def test_right_passwords_are_never_counted(app):
    app.config["ADMIN_PASSWORD"] = PASSWORD
    client = app.test_client()
    assert [log_in(client).status_code for _ in range(15)] == [302] * 15


def test_colleagues_wrong_passwords_do_not_lock_the_organiser_out(app):
    app.config["ADMIN_PASSWORD"] = PASSWORD
    organiser = app.test_client()
    assert log_in(organiser).status_code == 302
    organiser.post("/admin/logout", data={"csrf_token": csrf_token(organiser, "/admin/")})
    assert organiser.get("/admin/").status_code == 302  # logged out
    colleague = app.test_client()  # same office address: 127.0.0.1
    statuses = [log_in(colleague, "guess").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    # The browser the organiser used before counts on its own.
    assert log_in(organiser).status_code == 302
    assert organiser.get("/admin/").status_code == 200


def wrong_logins_at_once(url: str, count: int) -> Counter:
    """Send ``count`` wrong passwords at the same moment, each from its own browser."""
    sessions, tokens = [], []
    for _ in range(count):
        http = requests.Session()
        page = http.get(f"{url}/admin/login", timeout=10)
        tokens.append(csrf_token_of(page.text))
        sessions.append(http)
    barrier, statuses, lock = threading.Barrier(count), Counter(), threading.Lock()

    def attempt(http, token):
        barrier.wait()
        response = http.post(
            f"{url}/admin/login",
            data={"password": "wrong guess", "csrf_token": token},
            timeout=60,
            allow_redirects=False,
        )
        with lock:
            statuses[response.status_code] += 1

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(sessions, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def csrf_token_of(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.slow  # a real server
@pytest.mark.parametrize("store", ["database", "redis"])
def test_thirty_wrong_logins_at_once_check_at_most_ten_passwords(tmp_path, store):
    env = {"INVIDER_ADMIN_PASSWORD": PASSWORD}
    if store == "redis":
        from requirements import REDIS, need_redis

        need_redis()
        env |= {
            "INVIDER_REDIS_URL": REDIS,
            "INVIDER_REDIS_PREFIX": f"test:{secrets.token_hex(6)}:",  # not shared with other runs
        }
    from conftest import SMALL_DECK

    server = Server(folder_with_deck(tmp_path, SMALL_DECK), workers=2, env=env).start()
    try:
        organiser = requests.Session()
        page = organiser.get(f"{server.url}/admin/login", timeout=10)
        first = organiser.post(
            f"{server.url}/admin/login",
            allow_redirects=False,
            timeout=10,
            data={"password": PASSWORD, "csrf_token": csrf_token_of(page.text)},
        )
        assert first.status_code == 302
        statuses = wrong_logins_at_once(server.url, 30)
        # A 401 is a password checked and refused; the limit is 10 a minute.
        assert statuses[401] <= 10 and statuses[401] + statuses[429] == 30, statuses
        assert statuses[429] >= 20
        # The organiser's own browser still logs in, from the same address.
        page = organiser.get(f"{server.url}/admin/login", timeout=10)
        again = organiser.post(
            f"{server.url}/admin/login",
            allow_redirects=False,
            timeout=10,
            data={"password": PASSWORD, "csrf_token": csrf_token_of(page.text)},
        )
        assert again.status_code == 302
        assert organiser.get(f"{server.url}/admin/", timeout=10).status_code == 200
    finally:
        server.stop()
