"""Organisers' messages, the last-stretch countdown, and one rule for the end of the day.

A message reaches the big screen, its JSON, the leaderboard's refresh and every phone
page, as text; it ends at its end time and can be withdrawn. In the last minutes before
the freeze and the close the phones and the screen say how long is left, and not before.
Closing by the schedule or by "Close now" gives the same public standings.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token

from invider.hunt.messages import post_message
from invider.hunt.moderation import set_status
from invider.store.models import AuditEntry, Hunt, Message, db

HOSTILE = '<script>alert("x")</script> Podium à 17 h 30 & "hall"'


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def post(admin_client, **fields):
    token = csrf_token(admin_client, "/admin/programme")
    return admin_client.post(
        "/admin/programme/message", data={"csrf_token": token, **fields}, follow_redirects=True
    )


def test_a_message_reaches_the_screen_and_the_phones_as_text(app, admin_client, client, play):
    response = post(admin_client, text_en=HOSTILE)
    assert "The message is showing." in text(response)
    play.join("Alice")
    for path in ("/", "/me", "/leaderboard", f"/i/{play.code('launch')}", "/screen"):
        html = client.get(path).get_data(as_text=True)
        escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Podium à 17 h 30 &amp;"
        assert escaped in html, path
        assert '<script>alert("x")' not in html, path
    for path in ("/screen.json", "/leaderboard.json"):
        messages = client.get(path).get_json()["hunt"]["messages"]
        assert [m["en"] for m in messages] == [HOSTILE], path
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).filter_by(action="message.post")
        ).scalar_one()
    assert "Podium" in entry.detail


def test_a_message_in_both_languages_shows_each_page_its_own(admin_client, client):
    post(admin_client, text_fr="Podium à 17 h 30 dans le hall !", text_en="Podium at 5:30 pm!")
    assert "Podium at 5:30 pm!" in text(client.get("/"))
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client), "next": "/"})
    page = text(client.get("/"))
    assert "Podium à 17 h 30 dans le hall !" in page and "5:30 pm" not in page


def test_a_message_ends_at_its_end_time(app, client):
    with app.app_context():
        ends = datetime.now(UTC) + timedelta(seconds=1.5)
        post_message(None, "Coffee in the hall now", ends, "organiser")
    assert "Coffee in the hall now" in text(client.get("/"))
    assert client.get("/screen.json").get_json()["hunt"]["messages"]
    time.sleep(1.6)
    assert "Coffee in the hall now" not in text(client.get("/"))
    time.sleep(1.05)  # the shared standings and screen data are kept for a cache period
    assert client.get("/leaderboard.json").get_json()["hunt"]["messages"] == []
    assert client.get("/screen.json").get_json()["hunt"]["messages"] == []


def test_an_organiser_withdraws_a_message(app, admin_client, client):
    post(admin_client, text_en="Lunch is served")
    assert "Lunch is served" in text(client.get("/"))
    with app.app_context():
        message_id = db.session.execute(db.select(Message.id)).scalar_one()
    token = csrf_token(admin_client, "/admin/programme")
    response = admin_client.post(
        f"/admin/programme/message/{message_id}/withdraw",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "The message was withdrawn." in text(response)
    assert "Message withdrawn" in text(response)  # the audit log on the page
    time.sleep(1.05)
    assert "Lunch is served" not in text(client.get("/"))
    assert client.get("/screen.json").get_json()["hunt"]["messages"] == []


@pytest.mark.parametrize(
    "fields, says",
    [
        ({}, "Write the message in French, in English or both."),
        ({"text_en": "x" * 201}, "A message holds at most 200 characters."),
        ({"text_en": "Hi", "ends_at": "2020-01-01T10:00"}, "The end time must be later than now."),
        ({"text_en": "Hi", "ends_at": "soon"}, "The end time must be a date like"),
    ],
)
def test_a_bad_message_says_why_and_shows_nothing(app, admin_client, fields, says):
    assert says in text(post(admin_client, **fields))
    with app.app_context():
        assert db.session.execute(db.select(Message)).first() is None


def test_a_missing_message_cannot_be_withdrawn(admin_client):
    token = csrf_token(admin_client, "/admin/programme")
    response = admin_client.post(
        "/admin/programme/message/99/withdraw", data={"csrf_token": token}, follow_redirects=True
    )
    assert "There is no such message." in text(response)


def schedule(app, **times) -> None:
    """Set the hunt's times relative to now (minutes), and drop the cached copies."""
    now = datetime.now(UTC)
    with app.app_context():
        hunt = db.session.get(Hunt, 1)
        hunt.opens_at = now - timedelta(hours=2)
        for key in ("freeze_at", "closes_at"):
            setattr(hunt, key, now + timedelta(minutes=times[key]) if key in times else None)
        db.session.commit()


@pytest.mark.parametrize(
    "times, phone, screen_kind",
    [
        ({"freeze_at": 25, "closes_at": 60}, "The standings freeze in 25 minutes", "freezes"),
        ({"freeze_at": -5, "closes_at": 25}, "Only 25 minutes left to find inviders", "closes"),
        ({"closes_at": 1}, "Only 1 minute left to find inviders", "closes"),
    ],
)
def test_the_last_stretch_counts_down(app, client, times, phone, screen_kind):
    schedule(app, **times)
    assert phone in text(client.get("/"))
    stretch = client.get("/screen.json").get_json()["hunt"]["last_stretch"]
    assert stretch["kind"] == screen_kind
    assert phone in text(client.get("/screen"))


@pytest.mark.parametrize(
    "times, override",
    [
        ({"freeze_at": 31, "closes_at": 90}, None),
        ({"closes_at": 45}, None),
        ({}, None),
        ({"closes_at": 10}, "open"),  # an organiser's status beats the schedule
    ],
)
def test_no_countdown_before_the_last_stretch(app, client, times, override):
    schedule(app, **times)
    if override:
        with app.app_context():
            set_status(1, override, "organiser", datetime.now(UTC))
    assert "minute" not in text(client.get("/"))
    assert client.get("/screen.json").get_json()["hunt"]["last_stretch"] is None
    assert 'id="last-stretch" role="timer" hidden' in client.get("/screen").get_data(as_text=True)


def test_the_countdown_length_follows_the_deck(app, client, tmp_path):
    from conftest import SMALL_DECK

    from invider.decks.loading import load_deck
    from invider.decks.reading import read_deck

    deck = tmp_path / "short.toml"
    deck.write_text(SMALL_DECK.replace("points = 10", "points = 10\ncountdown_minutes = 10"))
    with app.app_context():
        load_deck(read_deck(deck))
    schedule(app, closes_at=25)
    assert "left to find" not in text(client.get("/"))
    schedule(app, closes_at=9)
    assert "Only 9 minutes left to find inviders" in text(client.get("/"))


@pytest.mark.parametrize("closing", ["schedule", "close now"])
def test_both_ways_of_closing_give_the_same_public_standings(app, client, play, closing):
    now = datetime.now(UTC)
    play.join("Alice")
    play.answer("launch", choice="July 2015")  # 10 before the freeze
    with app.app_context():
        hunt = db.session.get(Hunt, 1)
        hunt.freeze_at, hunt.closes_at = now + timedelta(seconds=1), now + timedelta(hours=1)
        db.session.commit()
    time.sleep(1.1)
    play.answer("partners", choice="72")  # 10 more after the freeze
    late = type(play)(app, app.test_client())
    late.join("Zoe", team="Blue")  # joined after the freeze
    with app.app_context():
        if closing == "close now":
            set_status(1, "closed", "test", datetime.now(UTC))
        else:
            hunt = db.session.get(Hunt, 1)
            hunt.closes_at = datetime.now(UTC)
            db.session.commit()
    time.sleep(1.05)
    data = client.get("/leaderboard.json").get_json()
    assert data["hunt"]["status"] == "closed"
    assert [(p["name"], p["score"]) for p in data["players"]] == [("Alice", 10), ("Zoe", 0)]
    # The big screen's reveal shows the final standings, whichever way it closed.
    reveal = client.get("/screen.json").get_json()["reveal"]
    assert [(p["name"], p["score"]) for p in reveal["podium"]] == [("Alice", 20), ("Zoe", 0)]
