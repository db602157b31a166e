"""Abuse: guessing codes, bad names, bad cookies and requests, GETs that change nothing, headers."""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import time
from contextlib import nullcontext

import pytest
import redis
from conftest import csrf_token
from databases import codes_of, engine_for, postgres_schema
from requirements import REDIS, need_redis
from server import Phone, Server

from invider.admin.exports import results_csv

ADMIN_PASSWORD = "correct-horse-battery"


@pytest.mark.slow  # four real workers
@pytest.mark.parametrize("store", ["sqlite", "redis", "postgresql"])
def test_guessing_codes_is_limited_per_player_across_workers(workdir, store):
    if store == "redis":
        need_redis()
    prefix = f"invider-test:{secrets.token_hex(6)}:"
    env = {"INVIDER_REDIS_URL": REDIS, "INVIDER_REDIS_PREFIX": prefix} if store == "redis" else {}
    # Only the Redis case talks to Redis: the others must pass on a laptop without it.
    client = redis.Redis.from_url(REDIS) if store == "redis" else None
    with postgres_schema() if store == "postgresql" else nullcontext() as db_url:
        if db_url:
            env["INVIDER_DATABASE_URL"] = db_url
        server = Server(workdir, workers=4, env=env).start(timeout=90)
        engine = engine_for(workdir, db_url)
        try:
            code = codes_of(engine)["launch"]
            guesser, colleague = Phone(server.url), Phone(server.url)
            guesser.join("Guesser", "Red")
            colleague.join("Colleague", "Blue")
            # Ten guesses spread over four workers: the count is shared, so the 11th is refused.
            for n in range(10):
                miss = guesser.http.get(f"{server.url}/i/ZZZZ{n:04d}", timeout=10)
                assert miss.status_code == 404 and "This poster does not exist" in miss.text
            refused = guesser.http.get(f"{server.url}/i/ZZZZ9999", timeout=10)
            assert refused.status_code == 429
            assert "Slow down" in refused.text
            assert 1 <= int(refused.headers["Retry-After"]) <= 300
            assert guesser.http.get(f"{server.url}/i/{code}", timeout=10).status_code == 429
            # A colleague behind the same office IP still scans normally.
            page = colleague.http.get(f"{server.url}/i/{code}", timeout=10)
            assert page.status_code == 200 and "When did the store open?" in page.text
            with engine.connect() as conn:
                counted = conn.exec_driver_sql("select count(*) from rate_count").scalar()
            if store == "redis":
                assert counted == 0 and client.keys(prefix + "miss:p:*")
            else:
                assert counted >= 2
        finally:
            server.stop()
            engine.dispose()
            if client is not None:
                keys = client.keys(prefix + "*")  # only this test's keys
                if keys:
                    client.delete(*keys)
                client.close()


BAD_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Eve\u202egnp.exe",
    "Zero\u200bWidth",
    "Nul\x00Byte",
    "Line\r\nBreak",
    "x" * 10_000,
    "Rocket 🚀 Fan",
    "ＡＤＭＩＮ",
    '=HYPERLINK("http://evil.example","click")',
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n[:20]))
def test_a_bad_display_name_is_refused_or_shown_as_plain_text(app, client, play, name, caplog):
    caplog.set_level(logging.INFO)
    response = play.join(name=name)
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        assert re.search(r"too long|invisible or control|reserved|choose", page)
        assert "<script>alert" not in page and "<img src=x" not in page
        return
    assert response.status_code == 302
    with app.app_context():
        from invider.store.models import Player, db

        stored = db.session.execute(db.select(Player.name)).scalar_one()
    assert "<" not in stored or "&lt;" not in stored
    for path in ("/leaderboard", "/screen", "/me"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        if "<" in stored or '"' in stored:
            assert stored.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in page
    board = client.get("/leaderboard.json").get_json()
    assert [p["name"] for p in board["players"]] == [stored]
    with app.app_context():
        csv_text = results_csv()
    row = csv_text.splitlines()[1]
    assert not re.search(r"(^|,)[=+\-@]", row)
    if stored.startswith("="):
        assert "'=HYPERLINK" in row
    assert not [r for r in caplog.records if "<script>" in r.getMessage()]


def test_reserved_lookalike_and_invisible_names_are_refused(play):
    assert "reserved" in play.join(name="ＡＤＭＩＮ").get_data(as_text=True)
    assert "invisible" in play.join(name="Zero\u200bWidth").get_data(as_text=True)


def signed_session(app, data: dict, secret: str | None = None, at: float | None = None) -> str:
    """Return a session cookie value signed with ``secret`` (the app's by default) at ``at``."""
    from itsdangerous import URLSafeTimedSerializer
    from itsdangerous.timed import TimestampSigner

    interface = app.session_interface
    serializer = URLSafeTimedSerializer(
        secret or app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={
            "key_derivation": interface.key_derivation,
            "digest_method": interface.digest_method,
        },
    )
    if at is not None:
        original = TimestampSigner.get_timestamp
        TimestampSigner.get_timestamp = lambda self: int(at)
        try:
            return serializer.dumps(data)
        finally:
            TimestampSigner.get_timestamp = original
    return serializer.dumps(data)


@pytest.mark.parametrize("kind", ["tampered", "forged", "expired", "garbage"])
def test_a_bad_cookie_starts_a_new_anonymous_session(app, client, play, kind):
    play.join(name="Alice")
    player_id = 1
    if kind == "tampered":
        good = client.get_cookie("invider").value
        value = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    elif kind == "forged":
        value = signed_session(app, {"player_id": player_id}, secret="not-the-key")
    elif kind == "expired":
        value = signed_session(
            app, {"player_id": player_id, "_permanent": True}, at=time.time() - 400 * 86400
        )
    else:
        value = "\x00\xff{{not a cookie"
    client.set_cookie("invider", value)
    me = client.get("/me")
    assert me.status_code == 302 and "/join" in me.headers["Location"]
    assert client.get("/").status_code == 200


def test_a_post_without_csrf_token_gets_a_friendly_400(play, client):
    play.join()
    code = play.code("launch")
    response = client.post(f"/i/{code}", data={"choice": "July 2015"})
    assert response.status_code == 400
    assert "This page expired" in response.get_data(as_text=True)


def test_a_choice_not_in_the_list_gets_400(play):
    play.join()
    response = play.answer("launch", choice="1999")
    assert response.status_code == 400
    assert "Please pick one of the answers shown." in response.get_data(as_text=True)


def test_an_oversized_body_gets_413(play, client):
    play.join()
    code = play.code("launch")
    response = client.post(f"/i/{code}", data={"choice": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)


def database_rows(app) -> dict:
    """Every row of every table but the rate counters (see test_no_get_changes_state)."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        tables = [t for (t,) in conn.execute("select name from sqlite_master where type='table'")]
        found = {
            t: sorted(map(repr, conn.execute(f'select * from "{t}"')))
            for t in tables
            if t != "rate_count"
        }
    conn.close()
    return found


def sample_url(rule, code: str) -> str:
    values = {arg: code if arg == "code" else "1" for arg in rule.arguments}
    if rule.endpoint == "static":
        values = {"filename": "css/app.css"}
    return rule.build(values, append_unknown=False)[1]


def test_no_get_changes_state(app, client, play):
    """Walk every GET route as a player and as an organiser; the tables stay identical.

    Rate counters are exempt on purpose: counting an unknown code is the one write a
    scan must make (GET /i/<code> is what a phone's camera opens), and it is bookkeeping
    that changes nothing a player or organiser sees besides the 429 it guards.
    """
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    play.join()
    play.answer("launch", choice="July 2015")
    code = play.code("services")
    organiser = app.test_client()
    token = csrf_token(organiser, "/admin/login")
    organiser.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    before = database_rows(app)
    visited = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = sample_url(rule, code)
        for who in (client, organiser):
            response = who.get(url)
            status = response.status_code
            response.close()  # static files are streamed from an open file
            assert status < 500, url
            visited.append((url, status))
        client.get("/i/unknown-code")
    assert database_rows(app) == before
    assert len(visited) >= 2 * 8


SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_secure_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "frame-ancestors 'none'" in csp
    for header, value in SECURITY.items():
        assert response.headers[header] == value


def test_every_response_carries_the_security_headers(app, client, play, caplog):
    @app.get("/test-boom")
    def boom():
        raise RuntimeError("secret detail")

    responses = [
        client.get("/"),
        client.get("/leaderboard.json"),
        client.get("/join"),
        client.get("/static/css/app.css"),
        client.get("/i/nope"),
    ]
    play.join()
    code = play.code("launch")
    responses += [
        client.get("/i/nope"),
        client.post(f"/i/{code}", data={"choice": "x"}),
        client.post(f"/i/{code}", data={"choice": "x" * 2_000_000}),
    ]
    caplog.set_level(logging.ERROR)
    crashed = client.get("/test-boom")
    responses.append(crashed)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 302, 404, 400, 413, 500]
    for response in responses:
        assert_secure_headers(response)
        response.close()
    page = crashed.get_data(as_text=True)
    assert "Traceback" not in page and "secret detail" not in page
    error_id = re.search(r"<code>([0-9a-f]{12})</code>", page).group(1)
    assert any(error_id in r.getMessage() for r in caplog.records)


def test_cookies_are_httponly_lax_and_secure_behind_an_https_proxy(app, client, play):
    cookie = play.join().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in client.get("/").headers

    app.config["PROXY_FIX"] = 1
    from invider import create_app

    proxied = create_app({**app.config, "INSTANCE": app.instance_path, "PROXY_FIX": 1})
    phone = proxied.test_client()
    https = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Host": "hunt.example.org",
    }
    page = phone.get("/join?next=/me", headers=https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    joined = phone.post(
        "/join",
        data={"name": "Bea", "team": "Red", "csrf_token": token, "next": "/me"},
        headers={**https, "Referer": "https://hunt.example.org/join"},
    )
    assert joined.status_code == 302
    assert "Secure" in joined.headers["Set-Cookie"]
    assert "HttpOnly" in joined.headers["Set-Cookie"]
    with proxied.app_context():
        from invider.store.models import db

        db.engine.dispose()
