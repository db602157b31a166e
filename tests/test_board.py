"""Standings: the JSON contract, the tie-break, team standings and the ETag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import Actions

from invider.models import Answer, Hunt, Player, db


def player(app, name, team="Red"):
    """Join a new phone and return its actions."""
    actions = Actions(app, app.test_client())
    assert actions.join(name, team).status_code == 302
    return actions


def test_json_contract(app, client):
    player(app, "Alice").answer("launch", choice="July 2015")
    data = client.get("/leaderboard.json").get_json()
    assert set(data) == {"hunt", "players", "teams", "generated_at"}
    assert data["hunt"] == {"title": "Test hunt", "status": "open", "inviders": 3}
    assert data["players"] == [{"rank": 1, "name": "Alice", "team": "Red", "score": 10,
                                "found": 1}]  # fmt: skip
    assert {"rank", "name", "score", "players"} <= set(data["teams"][0])
    datetime.fromisoformat(data["generated_at"])


def test_ranking_by_score_then_who_reached_it_first(app, client):
    alice, bob, carol, dave = (player(app, n) for n in ("Alice", "Bob", "Carol", "Dave"))
    bob.answer("launch", choice="July 2015")      # Bob reaches 10 first
    alice.answer("launch", choice="July 2015")    # Alice reaches 10 second
    carol.answer("services", answer="133")        # Carol has 20
    bob.answer("partners", choice="12")           # a later wrong answer does not move Bob
    names = [(p["rank"], p["name"], p["score"]) for p in client.get("/leaderboard.json").get_json()["players"]]
    assert names == [(1, "Carol", 20), (2, "Bob", 10), (3, "Alice", 10), (4, "Dave", 0)]


def test_found_counts_right_and_wrong_answers(app, client):
    p = player(app, "Alice")
    p.answer("launch", choice="March 2016")
    p.answer("partners", choice="72")
    row = client.get("/leaderboard.json").get_json()["players"][0]
    assert (row["score"], row["found"]) == (10, 2)


def test_team_standings_rank_by_average_score(app, client):
    player(app, "A1", "Red").answer("launch", choice="July 2015")  # Red: 10 + 10 over 2
    player(app, "A2", "Red").answer("launch", choice="July 2015")
    player(app, "B1", "Blue").answer("services", answer="133")  # Blue: 20 over 1
    teams = client.get("/leaderboard.json").get_json()["teams"]
    assert [(t["rank"], t["name"], t["score"], t["players"], t["average"]) for t in teams] == [
        (1, "Blue", 20, 1, 20.0), (2, "Red", 20, 2, 10.0)]  # fmt: skip


def test_limit_parameter(app, client):
    for i in range(5):
        player(app, f"P{i}")
    assert len(client.get("/leaderboard.json?limit=2").get_json()["players"]) == 2
    assert len(client.get("/leaderboard.json?limit=5000").get_json()["players"]) == 5
    assert len(client.get("/leaderboard.json?limit=abc").get_json()["players"]) == 5


def test_etag_and_304(app, client):
    player(app, "Alice")
    first = client.get("/leaderboard.json")
    etag = first.headers["ETag"]
    again = client.get("/leaderboard.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    player(app, "Bob")
    changed = client.get("/leaderboard.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_leaderboard_page_highlights_my_row(app):
    me = player(app, "Alice")
    player(app, "Bob")
    page = me.client.get("/leaderboard").get_data(as_text=True)
    assert '<tr class="me" aria-current="true"><td>1</td><td>Alice</td>' in page
    assert "<td>Bob</td>" in page


def test_every_joined_player_appears_with_zero_points(app, client):
    player(app, "Zero")
    assert client.get("/leaderboard.json").get_json()["players"][0]["score"] == 0


def test_frozen_standings_stay_as_at_the_freeze(app, client):
    alice = player(app, "Alice")
    alice.answer("launch", choice="July 2015")
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        hunt.freeze_at = datetime.now(UTC) + timedelta(milliseconds=50)
        db.session.commit()
    import time

    time.sleep(0.1)
    alice.answer("services", answer="133")
    data = client.get("/leaderboard.json").get_json()
    assert data["hunt"]["status"] == "frozen"
    assert data["players"][0]["score"] == 10
    with app.app_context():
        assert db.session.execute(db.select(Player.score)).scalar_one() == 30
        assert len(db.session.execute(db.select(Answer)).all()) == 2
    assert "Score: 30" in alice.client.get("/me").get_data(as_text=True)
