"""Works-council mode: named only by choice, the retention job, the privacy page."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import SMALL_DECK, Actions, csrf_token

from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.store.models import Answer, EchoAnswer, Hunt, Player, db, utcnow

DISCREET = SMALL_DECK.replace("points = 10\n", 'points = 10\nstandings = "discreet"\n', 1)


@pytest.fixture
def discreet(app, tmp_path):
    deck = tmp_path / "discreet.toml"
    deck.write_text(DISCREET, encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(deck))
    return app


def join(app, name: str, show: bool) -> Actions:
    """Join on a phone of its own, opting in to the public names or not."""
    phone = Actions(app, app.test_client())
    token = csrf_token(phone.client, "/join?next=/me")
    data = {"name": name, "team": "Red", "csrf_token": token, "next": "/me"}
    if show:
        data["show_name"] = "1"
    assert phone.client.post("/join", data=data).status_code == 302
    return phone


@pytest.mark.cache_seconds(0)
def test_public_standings_name_only_players_who_opted_in(discreet):
    alice, bob = join(discreet, "Alice", True), join(discreet, "Bobbie", False)
    join(discreet, "Chloe", False).answer("partners", choice="12")
    alice.answer("launch", choice="July 2015")
    bob.answer("services", answer="133")  # Bob leads, unnamed
    viewer = discreet.test_client()
    body = json.loads(viewer.get("/leaderboard.json").data)
    assert [(p["rank"], p["name"]) for p in body["players"]] == [(2, "Alice")]
    assert body["hunt"]["unnamed"] == 2
    assert body["teams"] == []  # a team of three, below the floor of five: no score
    for path in ("/leaderboard.json", "/leaderboard", "/screen", "/screen.json"):
        assert "Bobbie" not in viewer.get(path).get_data(as_text=True), path
    page = html.unescape(viewer.get("/leaderboard").get_data(as_text=True))
    assert "And 2 players not shown by name" in page
    # Bob still sees his own rank.
    assert "You: 1st place, 20 points" in html.unescape(
        bob.client.get("/leaderboard").get_data(as_text=True)
    )


def around_me(client) -> list[tuple[str, str, str]]:
    """Read the "Around you" table of a phone's leaderboard: (rank, name, score) rows."""
    page = client.get("/leaderboard").get_data(as_text=True)
    table = re.search(r'<table[^>]*id="around-me".*?</table>', page, re.S)
    if table is None:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    text = [[html.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in row] for row in cells]
    return [(rank[0], " ".join(who), score[0]) for rank, who, score in text]


def five_players(app) -> dict[str, Actions]:
    """Ana 40, Ben 30 (not named), Cleo 20, Dan 10, Eve 0 (one wrong answer): all but Ben
    opted in."""
    phones = {name: join(app, name, name != "Ben") for name in ("Ana", "Ben", "Cleo", "Dan", "Eve")}
    plays = {
        "Ana": ["launch", "services", "partners"],
        "Ben": ["launch", "services"],
        "Cleo": ["services"],
        "Dan": ["launch"],
    }
    right = {"launch": {"choice": "July 2015"}, "services": {"answer": "133"}}
    right["partners"] = {"choice": "72"}
    for name, keys in plays.items():
        for key in keys:
            phones[name].answer(key, **right[key])
    phones["Eve"].answer("partners", choice="12")
    return phones


@pytest.mark.cache_seconds(0)
@pytest.mark.parametrize("frozen", [False, True], ids=["live", "frozen"])
def test_each_player_sees_the_players_just_around_them_never_the_bottom(discreet, frozen):
    phones = five_players(discreet)
    if frozen:
        with discreet.app_context():
            hunt = Hunt.current()
            hunt.freeze_at = utcnow()
            hunt.closes_at = utcnow() + timedelta(hours=1)
            db.session.commit()
        assert (
            json.loads(discreet.test_client().get("/leaderboard.json").data)["hunt"]["status"]
            == "frozen"
        )
    # Above Cleo, Ben did not opt in; below her, Dan did, but he is in the bottom half.
    assert around_me(phones["Cleo"].client) == [
        ("2", "a player", "30"),
        ("3", "Cleo Red", "20"),
        ("4", "a player", "10"),
    ]
    assert around_me(phones["Ben"].client) == [
        ("1", "Ana Red", "40"),
        ("2", "Ben Red", "30"),
        ("3", "Cleo Red", "20"),
    ]
    assert around_me(phones["Ana"].client) == [("1", "Ana Red", "40"), ("2", "a player", "30")]
    assert around_me(phones["Eve"].client) == [("4", "a player", "10"), ("5", "Eve Red", "0")]
    # The public table names only opted-in players of the top half: never Dan or Eve.
    viewer = discreet.test_client()
    body = json.loads(viewer.get("/leaderboard.json").data)
    assert [(p["rank"], p["name"]) for p in body["players"]] == [(1, "Ana"), (3, "Cleo")]
    for path in ("/leaderboard.json", "/leaderboard"):
        page = viewer.get(path).get_data(as_text=True)
        assert "Dan" not in page and "Eve" not in page and "Ben" not in page, path
    # The big screen's table too (its feed of finds names who opted in, never a rank).
    screen = json.loads(viewer.get("/screen.json").data)
    assert [p["name"] for p in screen["players"]] == ["Ana", "Cleo"]
    assert around_me(viewer) == []  # no player, no neighbours
    # In French, an unnamed neighbour is "un joueur".
    client = phones["Cleo"].client
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client), "next": "/"})
    assert around_me(client)[0] == ("2", "un joueur", "30")


@pytest.mark.cache_seconds(0)
def test_public_mode_keeps_the_whole_table_and_no_neighbours(app):
    phones = five_players(app)
    assert around_me(phones["Cleo"].client) == []
    body = json.loads(app.test_client().get("/leaderboard.json").data)
    assert [p["name"] for p in body["players"]] == ["Ana", "Ben", "Cleo", "Dan", "Eve"]


def test_the_join_form_asks_to_appear_by_name_only_in_discreet_mode(app, discreet):
    page = discreet.test_client().get("/join").get_data(as_text=True)
    assert 'name="show_name"' in page and "Show my name on the public leaderboard" in page
    with discreet.app_context():
        assert db.session.execute(db.select(Player)).first() is None


def test_no_per_person_results_leave_the_server_in_discreet_mode(discreet, admin_client):
    join(discreet, "Alice", False).answer("launch", choice="July 2015")
    assert admin_client.get("/admin/results/players.csv").status_code == 403
    workbook = admin_client.get("/admin/results/players.xlsx")
    assert workbook.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(workbook.data))
    assert "players" not in book.sheetnames and "topics" in book.sheetnames


def test_the_retention_job_anonymises_and_deletes_what_it_says(discreet, runner, admin_client):
    discreet.config["PRIVACY_FLOOR"] = 1
    alice = join(discreet, "Alice Martin", True)
    alice.answer("launch", choice="March 2016", confidence="sure")
    alice.client.post("/me/resume", data={"csrf_token": csrf_token(alice.client, "/me")})
    with discreet.app_context():
        hunt = Hunt.current()
        hunt.status_override = "closed"
        hunt.echo_opens_at, hunt.echo_closes_at = utcnow() - timedelta(hours=1), utcnow()
        hunt.echo_closes_at += timedelta(days=1)
        db.session.commit()
        player = db.session.execute(db.select(Player)).scalar_one()
        secrets = [player.session_secret, player.resume_token]
        assert all(secrets)
    alice.client.post(
        "/echo",
        data={
            "csrf_token": csrf_token(alice.client, "/"),
            "key": "launch",
            "choice": "July 2015",
            "confidence": "unsure",
        },
    )
    with discreet.app_context():
        assert db.session.execute(db.select(EchoAnswer)).scalars().all()
        hunt = Hunt.current()
        assert "no retention date" in runner.invoke(args=["retention"]).output  # no close yet
        hunt.closes_at = utcnow() - timedelta(days=31)
        db.session.commit()
    # Retention waits until the echo has closed.
    assert "not yet due" in runner.invoke(args=["retention"]).output
    with discreet.app_context():
        Hunt.current().echo_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["retention"])
    assert "anonymised" in result.output, result.output
    with discreet.app_context():
        player = db.session.execute(db.select(Player)).scalar_one()
        assert player.name.startswith("Player ") and player.resume_token is None
        assert db.session.execute(db.select(Answer.confidence)).scalars().all() == [None]
        assert db.session.execute(db.select(EchoAnswer)).scalars().all() == []
        database = Path(db.engine.url.database)
        db.engine.dispose()
    with sqlite3.connect(database) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    raw = database.read_bytes()
    for secret in ("Alice Martin", *secrets):
        assert secret not in dump and secret.encode() not in raw
    assert "'sure'" not in dump and "'unsure'" not in dump
    # The session ended; the figures per message are kept for the report.
    assert alice.client.get("/me").status_code == 302
    page = " ".join(
        html.unescape(admin_client.get("/admin/results/report").get_data(as_text=True)).split()
    )
    assert "Store" in page and "What was learned, message by message" in page
    assert "100%" in page  # Store: sure and wrong on the day, still remembered in the echo
    assert "nothing to do" in runner.invoke(args=["retention"]).output  # it runs once


def test_the_privacy_page_says_what_is_kept_in_both_languages(discreet):
    client = discreet.test_client()
    page = html.unescape(client.get("/privacy").get_data(as_text=True))
    assert "What is stored" in page and "only the players who chose to appear by name" in page
    assert "30 days after the hunt" not in page  # no close date: no retention date yet
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client), "next": "/"})
    page = html.unescape(client.get("/privacy").get_data(as_text=True))
    assert "Ce qui est conservé" in page and 'lang="fr"' in page


def test_the_control_room_writes_the_staff_notice_and_the_cse_summary(discreet, admin_client):
    notice = html.unescape(admin_client.get("/admin/privacy/notice").get_data(as_text=True))
    assert "L1222-4" in notice and "What is stored" in notice
    summary = html.unescape(admin_client.get("/admin/privacy/cse").get_data(as_text=True))
    assert "L2312-38" in summary and "Discreet: teams" in summary
    assert admin_client.get("/admin/privacy").status_code == 200


def test_the_dashboard_shows_the_retention_date_and_never_runs_it(discreet, admin_client):
    alice = join(discreet, "Alice Martin", True)
    alice.answer("launch", choice="March 2016", confidence="sure")
    alice.client.post("/me/resume", data={"csrf_token": csrf_token(alice.client, "/me")})
    join(discreet, "Bobbie", False)
    with discreet.app_context():
        hunt = Hunt.current()
        hunt.closes_at = utcnow() - timedelta(days=10)
        db.session.commit()
    page = " ".join(html.unescape(admin_client.get("/admin/").get_data(as_text=True)).split())
    assert "Retention date:" in page
    for line in (
        "2 display names anonymised",
        "1 resume link deleted",
        "1 confidence answer deleted",
        "0 echo answers deleted",
    ):
        assert line in page, line
    assert 'href="/admin/privacy"' in page
    with discreet.app_context():
        assert db.session.execute(db.select(Player.name).order_by(Player.id)).scalars().all() == [
            "Alice Martin",
            "Bobbie",
        ]
        hunt = Hunt.current()
        hunt.closes_at = utcnow() - timedelta(days=31)
        db.session.commit()
    # Past the date, a page view changes nothing: it says what the server will do.
    for path in ("/admin/privacy", "/privacy", "/admin/"):
        page = " ".join(html.unescape(admin_client.get(path).get_data(as_text=True)).split())
        assert "Retention applied on" not in page, path
    assert "The retention date has passed: the running server applies it within 60 minutes" in page
    with discreet.app_context():
        names = db.session.execute(db.select(Player.name).order_by(Player.id)).scalars().all()
        assert names == ["Alice Martin", "Bobbie"]
        assert db.session.execute(db.select(Answer.confidence)).scalars().all() == ["sure"]
    # The button on the Privacy page (a POST) applies it.
    token = csrf_token(admin_client, "/admin/privacy")
    admin_client.post("/admin/privacy/retention", data={"csrf_token": token, "confirm": "DELETE"})
    page = " ".join(html.unescape(admin_client.get("/admin/").get_data(as_text=True)).split())
    assert "Retention applied on" in page
    with discreet.app_context():
        names = db.session.execute(db.select(Player.name)).scalars().all()
        assert "Alice Martin" not in names and all(n.startswith("Player ") for n in names)
        assert db.session.execute(db.select(Answer.confidence)).scalars().all() == [None]


def test_the_dashboard_says_when_there_is_no_retention_date(app, admin_client):
    page = html.unescape(admin_client.get("/admin/").get_data(as_text=True))
    assert "No retention date: set retention_days in the deck" in page


@pytest.mark.cache_seconds(0)
def test_throwaway_players_stretch_neither_the_named_half_nor_the_team_table(discreet):
    """One phone joins eight players who do nothing: the named half stays where it was."""
    phones = five_players(discreet)
    before = json.loads(discreet.test_client().get("/leaderboard.json").data)
    for n in range(8):
        join(discreet, f"Throwaway {n}", True)
    after = json.loads(discreet.test_client().get("/leaderboard.json").data)
    assert [(p["rank"], p["name"]) for p in after["players"]] == [(1, "Ana"), (3, "Cleo")]
    assert after["players"] == before["players"]
    assert ("4", "a player", "10") in around_me(phones["Cleo"].client)  # Dan still unnamed
    # Thirteen players in Red now, above the floor: the team shows, and its score.
    assert [(t["name"], t["players"]) for t in after["teams"]] == [("Red", 13)]
