"""Echo rounds: the echo comes back on its dates and asks again only what did not stay."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from conftest import SMALL_DECK, Actions, csrf_token
from requirements import require

from invider.decks.loading import load_deck
from invider.decks.reading import DeckError, read_deck
from invider.decks.spreadsheet import read_sheet
from invider.decks.toml_writer import data_from_db, dumps
from invider.decks.workbook import workbook_bytes
from invider.hunt.schedule import echo_rounds, echo_status, open_round
from invider.learning.retention import apply_retention, retention_date, retention_due
from invider.printing.deck import poster_deck
from invider.printing.posters import render_printables
from invider.store.models import EchoAnswer, Hunt, Invider, db, utcnow

ROUNDS = [7, 28, 84]
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


def in_round(app, number: int | None, rounds=ROUNDS, **options) -> None:
    """Close the hunt with echo ``rounds``, dated so that round ``number`` is open now.

    ``None``: between the first and the second round.
    """
    day = rounds[number - 1] + 1 if number else rounds[0] + 10
    with app.app_context():
        hunt = Hunt.current()
        hunt.status_override = "closed"
        hunt.echo_rounds = rounds
        hunt.closes_at = utcnow() - timedelta(days=day)
        for name, value in options.items():
            setattr(hunt, name, value)
        db.session.commit()


def post_echo(client, **fields):
    return client.post("/echo", data={"csrf_token": csrf_token(client, "/"), **fields})


def play_round(client, answers: dict[str, dict]) -> list[str]:
    """Answer every question of the open round from ``answers``; return the keys asked."""
    keys = []
    while True:
        page = client.get("/echo").get_data(as_text=True)
        found = re.search(r'name="key" value="([^"]+)"', page)
        if not found:
            return keys
        keys.append(found.group(1))
        response = post_echo(client, key=found.group(1), **answers[found.group(1)])
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(keys) < 10


def rows(app) -> list[tuple]:
    """Return every echo answer as (round, key, right, control), in order."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                db.select(EchoAnswer.round, Invider.key, EchoAnswer.correct, EchoAnswer.control)
                .join(Invider, EchoAnswer.invider_id == Invider.id)
                .order_by(EchoAnswer.round, Invider.key)
            )
        ]


@pytest.fixture
def alice(play):
    """Alice found two posters on the day (launch right, partners wrong), never services."""
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015", confidence="sure")
    play.answer("partners", choice="300", confidence="sure")
    return play


def test_rounds_open_and_close_on_their_dates(app):
    with app.app_context():
        hunt = Hunt.current()
        hunt.echo_rounds = ROUNDS
        hunt.closes_at = close = utcnow().replace(microsecond=0)
        rounds = echo_rounds(hunt)
        assert [(r.number, r.opens - close, r.closes - close) for r in rounds] == [
            (n, timedelta(days=d), timedelta(days=d + 7))
            for n, d in zip((1, 2, 3), ROUNDS, strict=True)
        ]
        day = timedelta(days=1)
        assert echo_status(hunt, close + 6 * day) == "scheduled"
        assert open_round(hunt, close + 7 * day).number == 1
        assert open_round(hunt, close + 14 * day) is None
        assert echo_status(hunt, close + 20 * day) == "scheduled"  # round 2 to come
        assert open_round(hunt, close + 34 * day).number == 2
        assert open_round(hunt, close + 90 * day).number == 3
        assert echo_status(hunt, close + 91 * day) == "closed"
        # Rounds closer than a week apart: a round closes when the next one opens.
        hunt.echo_rounds = [7, 10]
        assert [r.closes - close for r in echo_rounds(hunt)] == [10 * day, 17 * day]


def test_a_later_round_asks_again_only_what_the_player_had_not_retained(alice, app, client):
    in_round(app, 1)
    assert sorted(play_round(client, {**RIGHT, "partners": WRONG["partners"]})) == [
        "launch",
        "partners",
        "services",
    ]
    in_round(app, 2)
    # Launch stayed; partners did not. Services was the control: it is not asked again.
    assert play_round(client, RIGHT) == ["partners"]
    in_round(app, 3)
    assert play_round(client, RIGHT) == []
    page = client.get("/echo").get_data(as_text=True)
    assert "Everything you were asked before has stayed" in html.unescape(page)
    assert rows(app) == [
        (1, "launch", True, False),
        (1, "partners", False, False),
        (1, "services", True, True),
        (2, "partners", True, False),
    ]


def test_a_poster_never_asked_yet_comes_in_the_next_round(alice, app, client):
    in_round(app, 1, echo_questions=1)
    first = play_round(client, RIGHT)
    asked = [key for key in first if key != "services"]
    assert len(asked) == 1 and "services" in first  # one poster, plus the control
    in_round(app, 2, echo_questions=1)
    assert play_round(client, RIGHT) == [({"launch", "partners"} - set(asked)).pop()]


def test_between_rounds_the_echo_says_when_the_next_opens_and_refuses_answers(alice, app, client):
    in_round(app, None)
    page = html.unescape(client.get("/echo").get_data(as_text=True))
    assert "Round 2 of the echo opens on" in page and 'name="key"' not in page
    assert "The echo comes back in 3 rounds:" in page
    assert post_echo(client, key="launch", choice="July 2015").status_code == 409
    assert rows(app) == []


def test_an_answer_from_a_round_that_closed_meanwhile_is_refused(alice, app, client):
    in_round(app, 1)
    page = client.get("/echo").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    in_round(app, None)
    assert post_echo(client, key=key, **RIGHT[key]).status_code == 409
    assert rows(app) == []


def test_home_and_recap_invite_to_the_open_round_and_list_the_dates(alice, app, client):
    in_round(app, 2)
    for path in ("/", "/me"):
        page = " ".join(html.unescape(client.get(path).get_data(as_text=True)).split())
        assert "The echo: 5 questions, 2 minutes" in page, path
        assert "Round 2 of 3, open until" in page, path
        assert "The echo comes back in 3 rounds:" in page, path
        assert len(re.findall(r"round \d, from ", page)) == 3, path


def test_the_echo_rounds_read_in_french(alice, app, client):
    in_round(app, 2)
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client), "next": "/"})
    page = " ".join(html.unescape(client.get("/").get_data(as_text=True)).split())
    assert "Tour 2 sur 3, ouvert jusqu'au" in page
    assert "L'écho revient en 3 tours :" in page


def report_curve(admin_client) -> dict[str, list[str]]:
    """Read the report's curve table: per topic, its cells as text."""
    page = admin_client.get("/admin/results/report").get_data(as_text=True)
    table = re.search(r"<table[^>]*report-curve.*?</table>", page, re.S)
    assert table, "no curve on the report"
    curve = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        text = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]
        curve[text[0]] = text[1:]
    return curve


def test_the_report_curve_is_what_the_players_answered_round_by_round(app, admin_client):
    app.config["PRIVACY_FLOOR"] = 1
    alice, bob = Actions(app, app.test_client()), Actions(app, app.test_client())
    alice.join("Alice", "Red")
    alice.answer("launch", **RIGHT["launch"])
    alice.answer("partners", **WRONG["partners"])
    bob.join("Bob", "Blue")
    bob.answer("launch", **WRONG["launch"])
    bob.answer("partners", **RIGHT["partners"])
    bob.answer("services", **RIGHT["services"])
    in_round(app, 1)
    # Round 1: Alice keeps launch, misses partners, knows services (her control);
    # Bob misses launch again, keeps partners and services (no control: he found all).
    play_round(alice.client, {**RIGHT, "partners": WRONG["partners"]})
    play_round(bob.client, {**RIGHT, "launch": WRONG["launch"]})
    in_round(app, 2)
    # Round 2 asks Alice partners only (right now), Bob launch only (wrong again).
    assert play_round(alice.client, RIGHT) == ["partners"]
    assert play_round(bob.client, WRONG) == ["launch"]
    assert report_curve(admin_client) == {
        # Day: launch 1 of 2 right, services 1 of 1: 2 of 3. Round 1: the same 2 of 3
        # (plus Alice's control, right); round 2: Bob's launch still wrong.
        "Store": ["67%", "67% (control 100%)", "67%", "–"],
        # Day 1 of 2; round 1: 1 of 2; round 2: Alice caught up, 2 of 2.
        "Partners": ["50%", "50%", "100%", "–"],
    }


def test_the_report_curve_keeps_below_the_floor_out(alice, app, client, admin_client):
    in_round(app, 1)  # the shipped floor: 5 players; only Alice played
    play_round(client, RIGHT)
    app.config["PRIVACY_FLOOR"] = 1
    assert report_curve(admin_client)["Store"][1] == "100% (control 100%)"
    app.config["PRIVACY_FLOOR"] = 2
    page = admin_client.get("/admin/results/report").get_data(as_text=True)
    assert "report-curve" not in page  # no message has 2 players: no row, no curve


def test_retention_waits_until_the_last_round_has_closed(alice, app, client, admin_client):
    in_round(app, 2, retention_days=30)
    play_round(client, RIGHT)
    with app.app_context():
        hunt = Hunt.current()
        assert retention_date(hunt) == hunt.closes_at + timedelta(days=84 + 7)
        assert not retention_due(hunt)
        assert apply_retention(1) is False
        assert db.session.execute(db.select(EchoAnswer)).scalars().all()
    for path in ("/privacy", "/admin/privacy", "/admin/privacy/cse", "/admin/privacy/notice"):
        browser = client if path == "/privacy" else admin_client
        page = " ".join(html.unescape(browser.get(path).get_data(as_text=True)).split())
        assert "Retention waits until the echo's last round has closed, on" in page, path
    in_round(app, 3, retention_days=30)
    with app.app_context():
        assert not retention_due(Hunt.current())
        Hunt.current().closes_at = utcnow() - timedelta(days=92)
        db.session.commit()
        assert retention_due(Hunt.current())
        assert apply_retention(1) is True
        assert db.session.execute(db.select(EchoAnswer)).scalars().all() == []
        kept = Hunt.current().retained_figures
        assert [p["round"] for p in kept["topics"][1]["curve"]] == [1, 2, 3]


def test_the_start_poster_lists_the_round_dates(app, tmp_path):
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    with app.app_context():
        hunt = Hunt.current()
        hunt.closes_at = utcnow().replace(year=2030, month=3, day=14, hour=17)
        hunt.echo_rounds = ROUNDS
        db.session.commit()
        deck = poster_deck()
    printed = render_printables(deck, tmp_path, "http://192.168.1.20:8000")
    text = subprocess.run(
        ["pdftotext", printed.start_here_pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Open on 21 March 2030, 11 April 2030 and 6 June 2030" in " ".join(text.split())


ROUNDS_DECK = SMALL_DECK.replace(
    "points = 10\n",
    "points = 10\ncloses_at = 2030-03-14T18:00:00+01:00\necho_rounds = [7, 28, 84]\n",
)


def test_a_deck_schedules_rounds_and_writes_them_back(app, tmp_path):
    deck = tmp_path / "rounds.toml"
    deck.write_text(ROUNDS_DECK, encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(deck))
        assert Hunt.current().echo_rounds == ROUNDS
        written = tmp_path / "written.toml"
        written.write_text(dumps(data_from_db()), encoding="utf-8")
    assert read_deck(written).learning["echo_rounds"] == ROUNDS


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "echo_rounds = [28, 7]",
            "echo_rounds must grow from one round to the next, like [7, 28, 84]",
        ),
        ("echo_rounds = []", "echo_rounds must list at least one round, like [7, 28, 84]"),
        (
            "echo_rounds = [0, 7]",
            "echo_rounds must list days after closes_at from 1 to 3650, like [7, 28, 84]",
        ),
        (
            'echo_rounds = ["7"]',
            "echo_rounds must list days after closes_at from 1 to 3650, like [7, 28, 84]",
        ),
        (
            "echo_rounds = 7",
            "echo_rounds must list days after closes_at from 1 to 3650, like [7, 28, 84]",
        ),
        ("echo_rounds = [1,2,3,4,5,6,7,8,9,10,11]", "echo_rounds may list at most 10 rounds"),
    ],
)
def test_bad_echo_rounds_are_refused_with_their_line(tmp_path, line, message):
    deck = tmp_path / "bad.toml"
    text = ROUNDS_DECK.replace("echo_rounds = [7, 28, 84]", line)
    deck.write_text(text, encoding="utf-8")
    with pytest.raises(DeckError) as raised:
        read_deck(deck)
    number = text.splitlines().index(line) + 1
    assert raised.value.messages == [f"{deck}:{number}: {message}"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("closes_at = 2030-03-14T18:00:00+01:00\n", ""),
            "echo_rounds needs closes_at: each round opens that many days after it",
        ),
        (
            ("echo_rounds", "echo_opens_at = 2030-03-21T09:00:00+01:00\necho_rounds"),
            "give either echo_rounds or echo_opens_at and echo_closes_at, not both",
        ),
    ],
)
def test_echo_rounds_need_a_close_and_no_echo_dates(tmp_path, edit, message):
    deck = tmp_path / "bad.toml"
    text = ROUNDS_DECK.replace(*edit)
    deck.write_text(text, encoding="utf-8")
    with pytest.raises(DeckError) as raised:
        read_deck(deck)
    number = text.splitlines().index("echo_rounds = [7, 28, 84]") + 1
    assert raised.value.messages == [f"{deck}:{number}: {message}"]


def test_the_control_room_lists_the_rounds_and_keeps_them(app, admin_client):
    in_round(app, 2)
    page = " ".join(html.unescape(admin_client.get("/admin/").get_data(as_text=True)).split())
    assert len(re.findall(r"round \d, from ", page)) == 3
    assert 'action="/admin/echo"' not in page  # the rounds come from the deck
    token = csrf_token(admin_client, "/admin/")
    dates = {"echo_opens_at": "2030-03-21T09:00", "echo_closes_at": "2030-03-28T18:00"}
    admin_client.post("/admin/echo", data={"csrf_token": token, **dates})
    with app.app_context():
        assert Hunt.current().echo_opens_at is None
        assert Hunt.current().echo_rounds == ROUNDS


def test_the_rounds_survive_a_round_trip_through_the_workbook(app, tmp_path):
    deck = tmp_path / "rounds.toml"
    deck.write_text(ROUNDS_DECK, encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(deck))
        book = tmp_path / "deck.xlsx"
        book.write_bytes(workbook_bytes(data_from_db(), "en"))
    _data, again = read_sheet(book)
    assert again.learning["echo_rounds"] == ROUNDS
