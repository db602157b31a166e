"""Poster waves: a later wave's poster sleeps until its time, on every worker, then plays.

Asleep, it shows its sprite and when it wakes, never its question; nothing is recorded
and the guessing limit is not touched. An organiser moves a wave or wakes it now, and
the audit log says so; the counts on the phone, the screen and ``/screen.json`` follow.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import csrf_token
from server import Phone, Server
from server import csrf_token as page_token
from sqlalchemy import text as text_sql

from invider.store.models import Answer, AuditEntry, RateCount, Wave, db

LATER = datetime.now(UTC) + timedelta(hours=3)


def wave_deck(later: datetime) -> str:
    """The test deck with its "partners" poster in an afternoon wave at ``later``."""
    return f"""\
[hunt]
title = "Wave hunt"
language = "en"
teams = ["Red", "Blue"]
waves = [{{ name = "Afternoon", at = {later.isoformat(timespec="seconds")} }}]

[[invider]]
key = "launch"
question = "When did the store open?"
choices = ["July 2015", "February 2014", "March 2016"]
answer = "July 2015"
fact = "The store has been online since July 2015."

[[invider]]
key = "partners"
question = "How many partners?"
choices = ["72", "12", "300"]
answer = "72"
fact = "72 partners already joined."
wave = "Afternoon"
"""


@pytest.fixture
def db_url(any_db_url):
    """Each test on a SQLite file, then on PostgreSQL (where several servers share one)."""
    return any_db_url


@pytest.fixture
def deck_file(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(wave_deck(LATER), encoding="utf-8")
    return path


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def count(app, model) -> int:
    with app.app_context():
        return len(db.session.execute(db.select(model)).scalars().all())


def test_a_later_wave_sleeps_and_records_nothing(app, client, play):
    play.join("Alice")
    code = play.code("partners")
    page = client.get(f"/i/{code}")
    assert page.status_code == 200
    shown = text(page)
    # Three hours ahead is still today until the evening, then tomorrow: its date is shown.
    zone = ZoneInfo(app.config["TIMEZONE"])
    today = LATER.astimezone(zone).date() == datetime.now(UTC).astimezone(zone).date()
    assert ("This invider wakes up at" if today else "This invider wakes up on") in shown
    assert "How many partners?" not in shown
    assert 'class="choice"' not in page.get_data(as_text=True)
    assert 'class="sprite-head asleep"' in page.get_data(as_text=True)
    assert 'data-countdown-at="' in page.get_data(as_text=True)
    # A forged answer is refused and nothing is stored.
    response = client.post(f"/i/{code}", data={"csrf_token": csrf_token(client), "choice": "72"})
    assert response.status_code == 409
    assert "wakes up" in text(response)
    assert count(app, Answer) == 0
    # The code was real: the guessing counter never moved.
    with app.app_context():
        keys = db.session.execute(db.select(RateCount.key)).scalars().all()
    assert not [key for key in keys if key.startswith("miss:")]
    # The poster of the morning plays as before.
    assert play.answer("launch", choice="July 2015").status_code == 200
    assert count(app, Answer) == 1


def test_the_answer_is_refused_under_the_write_lock_while_asleep(app, play):
    """Even with a stale page copy, recording reads the wave's time from the database."""
    from invider.hunt.scoring import AnswersClosed, record_answer
    from invider.store.models import Invider, Player

    play.join("Alice")
    with app.app_context():
        player = db.session.execute(db.select(Player)).scalar_one()
        invider = db.session.execute(db.select(Invider).filter_by(key="partners")).scalar_one()
        with pytest.raises(AnswersClosed):
            record_answer(player, invider, "72")
    assert count(app, Answer) == 0


def test_counts_show_what_is_awake_and_what_sleeps(app, client, play):
    play.join("Alice", next="/")
    home = text(client.get("/"))
    assert "1 invider left to find." in home and "1 more wakes up later." in home
    me = text(client.get("/me"))
    assert "Found 0 / 1" in me and "(1 more asleep)" in me
    data = client.get("/screen.json").get_json()
    assert (data["hunt"]["awake"], data["hunt"]["asleep"]) == (1, 1)
    assert data["hunt"]["next_wave"]["name"] == "Afternoon"
    assert data["hunt"]["next_wave"]["count"] == 1
    assert data["announcement"] is None
    assert client.get("/leaderboard.json").get_json()["hunt"]["asleep"] == 1
    screen = text(client.get("/screen"))
    assert re.search(r"Next wave in [23] h \d\d ", screen)  # about three hours
    assert "1 / 2 inviders awake" in screen


def test_an_organiser_wakes_a_wave_now_and_it_plays_for_everyone(app, admin_client, client, play):
    play.join("Alice")
    code = play.code("partners")
    page = admin_client.get("/admin/programme")
    assert page.status_code == 200 and "Afternoon" in text(page) and "#2 partners" in text(page)
    token = csrf_token(admin_client, "/admin/programme")
    response = admin_client.post(
        "/admin/programme/wave", data={"csrf_token": token, "name": "Afternoon", "action": "wake"}
    )
    assert response.status_code == 302
    with app.app_context():
        at = db.session.execute(db.select(Wave.at)).scalar_one()
        actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert "wave.wake" in actions
    # One cache period ahead, so that every worker holds the new time before it comes.
    assert timedelta(0) < at - datetime.now(UTC) <= timedelta(seconds=1)
    assert "wakes up" in text(client.get(f"/i/{code}"))
    time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.05)
    page = client.get(f"/i/{code}")
    assert "How many partners?" in text(page)
    assert play.answer("partners", choice="72").status_code == 200
    assert count(app, Answer) == 1
    data = client.get("/screen.json").get_json()
    assert data["announcement"]["name"] == "Afternoon"
    assert data["announcement"]["numbers"] == [2]
    assert "New wave: 1 invider woke up!" in text(client.get("/screen"))


def test_an_organiser_moves_a_wave_and_the_audit_log_keeps_it(app, admin_client, client, play):
    play.join("Alice")
    token = csrf_token(admin_client, "/admin/programme")
    response = admin_client.post(
        "/admin/programme/wave",
        data={"csrf_token": token, "name": "Afternoon", "action": "move", "at": "2099-01-01T10:00"},
        follow_redirects=True,
    )
    assert "Wave Afternoon wakes at 2099-01-01T10:00." in text(response)
    with app.app_context():
        at = db.session.execute(db.select(Wave.at)).scalar_one()
        detail = db.session.execute(
            db.select(AuditEntry.detail).filter_by(action="wave.move")
        ).scalar_one()
    assert at == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert "'Afternoon'" in detail and "2099-01-01T09:00" in detail
    assert "Wave moved" in text(admin_client.get("/admin/programme"))
    # Moving it into the past wakes it (one cache period from now).
    admin_client.post(
        "/admin/programme/wave",
        data={"csrf_token": token, "name": "Afternoon", "action": "move", "at": "2020-01-01T10:00"},
    )
    time.sleep(1.1)
    assert "How many partners?" in text(client.get(f"/i/{play.code('partners')}"))


@pytest.mark.parametrize(
    "form",
    [
        {"name": "Evening", "action": "wake"},
        {"name": "Afternoon", "action": "move", "at": "tomorrow"},
        {"name": "Afternoon", "action": "move", "at": ""},
    ],
)
def test_a_bad_wave_change_says_so_and_changes_nothing(app, admin_client, form):
    token = csrf_token(admin_client, "/admin/programme")
    response = admin_client.post(
        "/admin/programme/wave", data={"csrf_token": token, **form}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Wave.at)).scalar_one() == LATER.replace(microsecond=0)


def wave_time(engine) -> datetime:
    with engine.connect() as conn:
        at = conn.execute(text_sql("select at from wave")).scalar_one()
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return at.replace(tzinfo=UTC)


@pytest.mark.parametrize("where", ["sqlite, 4 workers", "postgresql, 2 servers"])
def test_a_wave_wakes_at_the_same_instant_on_every_worker(tmp_path, where):
    """Each worker keeps its own deck copy: woken now, the poster sleeps on every worker of
    every server until the new time, then plays on all of them."""
    from contextlib import ExitStack

    from databases import postgres_schema
    from sqlalchemy import create_engine

    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "deck.toml").write_text(wave_deck(LATER), encoding="utf-8")
    password = "a long organiser password"
    with ExitStack() as stack:
        env = {"INVIDER_ADMIN_PASSWORD": password}
        if where.startswith("postgresql"):
            env["INVIDER_DATABASE_URL"] = stack.enter_context(postgres_schema())
            servers = [Server(tmp_path, workers=2, env=env).start(timeout=60) for _ in range(2)]
        else:
            servers = [Server(tmp_path, workers=4, env=env).start()]
        for server in servers:
            stack.callback(server.stop)
        url = env.get("INVIDER_DATABASE_URL") or f"sqlite:///{tmp_path / 'instance/invider.db'}"
        engine = create_engine(url)
        stack.callback(engine.dispose)
        with engine.connect() as conn:
            code = conn.execute(
                text_sql("select code from invider where key = 'partners'")
            ).scalar_one()
        phones = [Phone(servers[n % len(servers)].url) for n in range(8)]
        for n, phone in enumerate(phones):
            phone.join(f"Player {n}", "Red")
        # Every worker reads the deck now and keeps its copy for a cache period.
        for phone in phones * 2:
            assert "wakes up" in phone.http.get(f"{phone.url}/i/{code}", timeout=10).text
        admin = requests.Session()
        login = admin.get(servers[0].url + "/admin/login", timeout=10)
        admin.post(
            servers[0].url + "/admin/login",
            data={"password": password, "csrf_token": page_token(login.text)},
            timeout=10,
        )
        page = admin.get(servers[0].url + "/admin/programme", timeout=10)
        admin.post(
            servers[0].url + "/admin/programme/wave",
            data={"csrf_token": page_token(page.text), "name": "Afternoon", "action": "wake"},
            timeout=10,
        )
        at = wave_time(engine)
        seen_before, seen_after = [], []
        while datetime.now(UTC) < at - timedelta(milliseconds=100):
            for phone in phones:
                page = phone.http.get(f"{phone.url}/i/{code}", timeout=10).text
                if datetime.now(UTC) < at:  # answered before the wave's time, on any worker
                    seen_before.append("wakes up" in page)
        time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.05)
        for phone in phones * 3:
            page = phone.http.get(f"{phone.url}/i/{code}", timeout=10).text
            seen_after.append("How many partners?" in page)
        assert sum(len(server.worker_pids()) for server in servers) == 4
        answered = phones[-1].answer(code, choice="72")
        assert answered.status_code == 200 and "72 partners already joined." in answered.text
    assert seen_before and all(seen_before)
    assert len(seen_after) == 24 and all(seen_after)
