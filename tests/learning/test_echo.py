"""The echo: a week later, the posters a player found plus one control, one try each."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from conftest import SMALL_DECK, csrf_token
from qr_codes import decode_svg_qr

from invider.decks.reading import DeckError, read_deck
from invider.hunt.schedule import echo_window
from invider.store.models import EchoAnswer, Hunt, Player, db, utcnow


def schedule_echo(app, opens: timedelta, closes: timedelta, **options) -> None:
    """Close the hunt and set the echo window relative to now."""
    with app.app_context():
        hunt = Hunt.current()
        hunt.status_override = "closed"
        hunt.echo_opens_at, hunt.echo_closes_at = utcnow() + opens, utcnow() + closes
        for name, value in options.items():
            setattr(hunt, name, value)
        db.session.commit()


OPEN = (timedelta(hours=-1), timedelta(days=7))


def echo_question(client) -> tuple[str, list[str], str]:
    """Return the key, the choices and the page of the echo's current question."""
    page = client.get("/echo").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key, page
    return key.group(1), re.findall(r'name="choice" value="([^"]*)"', page), page


def post_echo(client, **fields):
    token = csrf_token(client, "/")
    return client.post("/echo", data={"csrf_token": token, **fields})


RIGHT = {
    "launch": {"choice": "July 2015"},
    "partners": {"choice": "72"},
    "services": {"answer": "133"},
}
WRONG = {
    "launch": {"choice": "March 2016"},
    "partners": {"choice": "300"},
    "services": {"answer": "12"},
}


def play_echo(client, answers: dict[str, dict]) -> list[str]:
    """Answer every echo question from ``answers`` by key; return the keys in order."""
    keys = []
    while True:
        page = client.get("/echo").get_data(as_text=True)
        found = re.search(r'name="key" value="([^"]+)"', page)
        if not found:
            return keys
        key = found.group(1)
        keys.append(key)
        response = post_echo(client, key=key, confidence="sure", **answers[key])
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(keys) < 10


@pytest.fixture
def alice(play):
    """Alice found two posters on the day (one right, one wrong), never the third."""
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015", confidence="sure")
    play.answer("partners", choice="300", confidence="sure")
    return play


def echo_rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            db.select(
                EchoAnswer.invider_id,
                EchoAnswer.given,
                EchoAnswer.correct,
                EchoAnswer.control,
                EchoAnswer.confidence,
            ).order_by(EchoAnswer.id)
        ).all()


def test_the_echo_offers_the_posters_found_plus_one_control(alice, app, client):
    schedule_echo(app, *OPEN)
    keys = play_echo(client, RIGHT)
    assert sorted(keys) == ["launch", "partners", "services"]
    controls = {row.invider_id: row.control for row in echo_rows(app)}
    with app.app_context():
        ids = dict(db.session.execute(db.text("select key, id from invider")).all())
    assert controls == {ids["launch"]: False, ids["partners"]: False, ids["services"]: True}
    summary = client.get("/echo").get_data(as_text=True)
    assert "You still remembered 2 messages out of 2." in summary


def test_the_echo_draws_at_most_echo_questions_and_still_adds_the_control(alice, app, client):
    schedule_echo(app, *OPEN, echo_questions=1)
    keys = play_echo(client, RIGHT)
    assert len(keys) == 2 and "services" in keys
    assert sum(row.control for row in echo_rows(app)) == 1


def test_the_question_shows_the_same_choices_shuffled_and_the_same_on_every_visit(
    alice, app, client
):
    schedule_echo(app, *OPEN)
    key, choices, page = echo_question(client)
    assert echo_question(client)[:2] == (key, choices)
    assert "No points and no leaderboard" in page
    expected = {
        "launch": {"July 2015", "February 2014", "March 2016"},
        "partners": {"72", "12", "300"},
        "services": set(),
    }
    assert set(choices) == expected[key]
    assert 'name="confidence"' in page


def test_one_try_each_a_second_answer_keeps_the_first(alice, app, client):
    schedule_echo(app, *OPEN)
    key, _choices, _page = echo_question(client)
    first = post_echo(client, key=key, **WRONG[key])
    again = post_echo(client, key=key, **RIGHT[key])
    assert "Not quite." in first.get_data(as_text=True)
    assert "Not quite." in again.get_data(as_text=True)
    rows = echo_rows(app)
    assert len(rows) == 1 and rows[0].correct is False


def test_a_question_outside_the_players_echo_is_refused(alice, app, client):
    schedule_echo(app, *OPEN)
    response = post_echo(client, key="nonexistent", choice="72")
    assert response.status_code == 400
    assert echo_rows(app) == []


@pytest.mark.cache_seconds(0)
def test_the_echo_never_changes_scores_or_the_public_standings(alice, app, client):
    schedule_echo(app, *OPEN)
    before = json.loads(client.get("/leaderboard.json").data)
    play_echo(client, RIGHT)
    after = json.loads(client.get("/leaderboard.json").data)
    assert after["players"] == before["players"] and after["teams"] == before["teams"]
    with app.app_context():
        alice_row = db.session.execute(db.select(Player)).scalar_one()
        assert (alice_row.score, alice_row.found, alice_row.correct) == (10, 2, 1)


def test_before_its_opening_the_echo_says_when_it_opens_and_refuses_answers(alice, app, client):
    schedule_echo(app, timedelta(days=2), timedelta(days=9))
    page = client.get("/echo").get_data(as_text=True)
    assert "The echo opens on" in page and 'name="key"' not in page
    assert post_echo(client, key="launch", choice="July 2015").status_code == 409
    assert echo_rows(app) == []
    assert "The echo opens on" in client.get("/me").get_data(as_text=True)


def test_after_its_close_the_echo_says_it_closed_and_refuses_answers(alice, app, client):
    schedule_echo(app, timedelta(days=-9), timedelta(days=-2))
    page = client.get("/echo").get_data(as_text=True)
    assert "The echo closed on" in page and 'name="key"' not in page
    assert post_echo(client, key="launch", choice="July 2015").status_code == 409
    assert echo_rows(app) == []


def test_by_default_the_echo_opens_a_week_after_the_close(app):
    from invider.hunt.schedule import echo_status, echo_window

    with app.app_context():
        hunt = Hunt.current()
        hunt.closes_at = utcnow() - timedelta(days=3)
        opens, closes = echo_window(hunt)
        assert opens == hunt.closes_at + timedelta(days=7)
        assert closes == opens + timedelta(days=7)
        assert echo_status(hunt) == "scheduled"
        assert echo_status(hunt, opens + timedelta(minutes=1)) == "open"
        assert echo_status(hunt, closes) == "closed"


def test_home_and_recap_invite_to_the_open_echo(alice, app, client):
    schedule_echo(app, *OPEN)
    for path in ("/", "/me"):
        page = client.get(path).get_data(as_text=True)
        assert "The echo: 5 questions, 2 minutes" in page, path
        assert 'href="/echo"' in page


def test_a_phone_that_never_played_is_told_where_to_open_the_echo(alice, app):
    schedule_echo(app, *OPEN)
    page = app.test_client().get("/echo").get_data(as_text=True)
    assert "Open the echo on the phone you played with" in page


def test_the_echo_reads_in_french(alice, app, client):
    schedule_echo(app, *OPEN)
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client), "next": "/"})
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "L'écho : 5 questions, 2 minutes" in page
    key, _choices, page = echo_question(client)
    assert "L'écho : question 1 sur 3" in html.unescape(page)


MIXED = {
    "launch": {"choice": "July 2015"},
    "partners": {"choice": "12"},
    "services": {"answer": "133"},
}


def test_the_report_shows_what_the_echo_measured_per_message(alice, app, client, admin_client):
    app.config["PRIVACY_FLOOR"] = 1
    schedule_echo(app, *OPEN)
    play_echo(client, MIXED)
    text = " ".join(
        re.sub(
            r"<[^>]+>", " ", admin_client.get("/admin/results/report").get_data(as_text=True)
        ).split()
    )
    assert "What was learned, message by message" in text
    # Partners: 300 given "sure" on the day (wrong), 12 in the echo (wrong); no control.
    assert "Partners 100% 0% 100% 0% –" in text
    # Store: launch right on the day and in the echo; services (never found) right as control.
    assert "Store 100% 100% 0% 100% 100%" in text
    csv = admin_client.get("/admin/results/topics.csv").get_data(as_text=True)
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "topic,inviders,players,reach,first_try,confident_wrong,echo_players,"
        "still_remembered,control"
    )
    assert lines[1:] == [
        "Partners,1,1,1.00,0.00,1.00,1,0.00,",
        "Store,2,1,1.00,1.00,0.00,1,1.00,1.00",
    ]
    assert "Alice" not in csv


def test_learning_figures_below_the_privacy_floor_are_not_shown(alice, app, client, admin_client):
    schedule_echo(app, *OPEN)  # the shipped floor: 5 players; only Alice played
    play_echo(client, MIXED)
    text = " ".join(
        re.sub(
            r"<[^>]+>", " ", admin_client.get("/admin/results/report").get_data(as_text=True)
        ).split()
    )
    assert "No message has answers from 5 players yet." in text
    assert "Not shown, fewer than 5 players: Partners, Store" in text
    csv = admin_client.get("/admin/results/topics.csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").splitlines()[1:] == ["Partners,1,,,,,,,", "Store,2,,,,,,,"]


def close_at(app, when: datetime) -> None:
    with app.app_context():
        Hunt.current().closes_at = when
        db.session.commit()


def test_the_control_room_edits_the_echo_dates_in_the_office_time_zone(app, admin_client):
    close_at(app, datetime(2030, 3, 14, 17, tzinfo=UTC))
    token = csrf_token(admin_client, "/admin/")
    dates = {"echo_opens_at": "2030-03-21T09:00", "echo_closes_at": "2030-03-28T18:00"}
    response = admin_client.post("/admin/echo", data={"csrf_token": token, **dates})
    assert response.status_code == 302
    with app.app_context():
        hunt = Hunt.current()
        assert hunt.echo_opens_at.isoformat() == "2030-03-21T08:00:00+00:00"  # Paris, UTC+1
        assert hunt.echo_closes_at.isoformat() == "2030-03-28T17:00:00+00:00"
    page = html.unescape(admin_client.get("/admin/").get_data(as_text=True))
    assert 'value="2030-03-21T09:00"' in page and 'value="2030-03-28T18:00"' in page
    assert "The echo opens on" in page and "Echo dates saved." in page
    assert "Echo dates changed" in page and "opens 2030-03-21T09:00+01:00" in page  # audit log
    # The echo on the phones follows the new dates.
    phone = app.test_client()
    assert "The echo opens on 3/21/30, 9:00" in html.unescape(
        phone.get("/echo").get_data(as_text=True)
    )


@pytest.mark.parametrize(
    "dates",
    [
        {"echo_opens_at": "2030-03-28T18:00", "echo_closes_at": "2030-03-21T09:00"},
        {"echo_opens_at": "next week"},
    ],
)
def test_bad_echo_dates_get_a_message_and_change_nothing(app, admin_client, dates):
    token = csrf_token(admin_client, "/admin/")
    admin_client.post("/admin/echo", data={"csrf_token": token, **dates})
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "the opening before the closing" in page
    with app.app_context():
        assert Hunt.current().echo_opens_at is None


@pytest.mark.parametrize("closes", [None, datetime(2030, 3, 22, 17, tzinfo=UTC)])
def test_echo_dates_before_the_close_are_refused_on_the_dashboard(app, admin_client, closes):
    close_at(app, closes)
    token = csrf_token(admin_client, "/admin/")
    dates = {"echo_opens_at": "2030-03-21T09:00", "echo_closes_at": "2030-03-28T18:00"}
    admin_client.post("/admin/echo", data={"csrf_token": token, **dates})
    page = html.unescape(admin_client.get("/admin/").get_data(as_text=True))
    assert "it may only open after the hunt closes" in page
    with app.app_context():
        assert Hunt.current().echo_opens_at is None


def test_the_echo_waits_while_the_hunt_still_takes_answers(app, alice):
    """A close moved later than the echo's opening: the echo waits for the close."""
    schedule_echo(app, *OPEN, status_override=None)
    page = alice.client.get("/echo").get_data(as_text=True)
    assert "The echo opens on" in page and 'name="choice"' not in page


@pytest.mark.parametrize("key", ["echo_opens_at", "echo_closes_at"])
def test_a_deck_with_echo_dates_but_no_close_is_refused(tmp_path, key):
    deck = tmp_path / "deck.toml"
    deck.write_text(
        SMALL_DECK.replace("points = 10\n", f"points = 10\n{key} = 2030-03-21T09:00:00+01:00\n")
    )
    with pytest.raises(DeckError) as e:
        read_deck(deck)
    assert e.value.messages == [
        f"{deck}:6: {key} needs closes_at: the echo opens only after the hunt closes"
    ]


def test_empty_echo_dates_go_back_to_a_week_after_the_close(app, admin_client):
    schedule_echo(app, *OPEN)
    with app.app_context():
        hunt = Hunt.current()
        hunt.closes_at = utcnow().replace(microsecond=0) - timedelta(days=1)
        db.session.commit()
        closes = hunt.closes_at
    token = csrf_token(admin_client, "/admin/")
    admin_client.post("/admin/echo", data={"csrf_token": token, "echo_opens_at": ""})
    with app.app_context():
        hunt = Hunt.current()
        assert hunt.echo_opens_at is None and hunt.echo_closes_at is None
        assert echo_window(hunt) == (closes + timedelta(days=7), closes + timedelta(days=14))
    page = html.unescape(admin_client.get("/admin/").get_data(as_text=True))
    assert "by default, a week after the close" in page


def test_the_recap_says_when_the_echo_opens_with_its_qr_code(alice, app, client):
    schedule_echo(app, timedelta(days=2), timedelta(days=9))
    with app.app_context():
        opens = Hunt.current().echo_opens_at
    page = html.unescape(client.get("/me").get_data(as_text=True))
    assert "The hunt is over: here is your recap." in page
    when = format_datetime(opens, "short", tzinfo=ZoneInfo("Europe/Paris"), locale="en")
    assert f"The echo opens on {when}." in page
    svg = re.search(r'id="echo-soon".*?(<svg.*?</svg>)', page, re.S).group(1)
    assert 'aria-label="QR code of the echo"' in svg
    assert decode_svg_qr(svg) == "http://192.168.1.20:8000/echo"
    assert 'href="http://192.168.1.20:8000/echo"' in page
    # While the hunt runs, the recap does not talk about the echo yet.
    with app.app_context():
        Hunt.current().status_override = None
        db.session.commit()
    assert 'id="echo-soon"' not in client.get("/me").get_data(as_text=True)
