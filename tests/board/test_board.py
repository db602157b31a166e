"""Standings: the JSON contract, the tie-break, team standings and the ETag."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Actions

from invider.hunt.scoring import compute_standings
from invider.store.models import Answer, Hunt, Player, db


def player(app, name, team="Red"):
    """Join a new phone and return its actions."""
    actions = Actions(app, app.test_client())
    assert actions.join(name, team).status_code == 302
    return actions


def test_json_contract(app, client):
    player(app, "Alice").answer("launch", choice="July 2015")
    data = client.get("/leaderboard.json").get_json()
    assert set(data) == {"hunt", "players", "teams", "generated_at"}
    assert data["hunt"] == {
        "title": "Test hunt",
        "status": "open",
        "inviders": 3,
        "asleep": 0,
        "messages": [],
    }
    assert data["players"] == [{"rank": 1, "name": "Alice", "team": "Red", "score": 10, "found": 1}]
    assert {"rank", "name", "score", "players"} <= set(data["teams"][0])
    datetime.fromisoformat(data["generated_at"])


@pytest.mark.cache_seconds(0)  # reads the standings right after each answer
def test_ranking_by_score_then_who_reached_it_first(app, client):
    alice, bob, carol, dave = (player(app, n) for n in ("Alice", "Bob", "Carol", "Dave"))
    bob.answer("launch", choice="July 2015")  # Bob reaches 10 first
    alice.answer("launch", choice="July 2015")  # Alice reaches 10 second
    carol.answer("services", answer="133")  # Carol has 20
    bob.answer("partners", choice="12")  # a later wrong answer does not move Bob
    rows = client.get("/leaderboard.json").get_json()["players"]
    names = [(p["rank"], p["name"], p["score"]) for p in rows]
    assert names == [(1, "Carol", 20), (2, "Bob", 10), (3, "Alice", 10), (4, "Dave", 0)]


@pytest.mark.cache_seconds(0)  # reads the standings right after each answer
def test_found_counts_right_and_wrong_answers(app, client):
    p = player(app, "Alice")
    p.answer("launch", choice="March 2016")
    p.answer("partners", choice="72")
    row = client.get("/leaderboard.json").get_json()["players"][0]
    assert (row["score"], row["found"]) == (10, 2)


@pytest.mark.cache_seconds(0)  # reads the standings right after each answer
def test_team_standings_rank_by_average_score(app, client):
    player(app, "A1", "Red").answer("launch", choice="July 2015")  # Red: 10 + 10 over 2
    player(app, "A2", "Red").answer("launch", choice="July 2015")
    player(app, "B1", "Blue").answer("services", answer="133")  # Blue: 20 over 1
    teams = client.get("/leaderboard.json").get_json()["teams"]
    assert [(t["rank"], t["name"], t["score"], t["players"], t["average"]) for t in teams] == [
        (1, "Blue", 20, 1, 20.0),
        (2, "Red", 20, 2, 10.0),
    ]


@pytest.mark.cache_seconds(0)  # reads the standings right after each answer
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
    time.sleep(app.config["STANDINGS_CACHE_SECONDS"])  # the shipped cache period
    changed = client.get("/leaderboard.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_leaderboard_page_highlights_my_row(app):
    me = player(app, "Alice")
    player(app, "Bob")
    page = me.client.get("/leaderboard").get_data(as_text=True)
    assert (
        '<tr class="me" aria-current="true"><td class="rank">1</td>'
        '<td class="who"><span class="name">Alice</span>' in page
    )
    assert '<span class="name">Bob</span>' in page


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
    me = alice.client.get("/me").get_data(as_text=True)
    assert '<span class="stat-label">Score</span> <strong>30</strong>' in me


def freeze_now(app) -> None:
    """Set the freeze time to a moment ago: the standings freeze with what is there now."""
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        hunt.freeze_at = datetime.now(UTC) - timedelta(microseconds=1)
        db.session.commit()


def test_frozen_leaderboard_shows_my_own_row_live(app, client):
    alice, bob = player(app, "Alice"), player(app, "Bob")
    alice.answer("launch", choice="July 2015")
    freeze_now(app)
    bob.answer("services", answer="133")  # after the freeze: Bob has 20, publicly 0
    public = client.get("/leaderboard.json").get_json()["players"]
    assert [(p["name"], p["score"]) for p in public] == [("Alice", 10), ("Bob", 0)]
    page = bob.client.get("/leaderboard").get_data(as_text=True)
    assert (
        '<tr class="me" aria-current="true"><td class="rank">2</td><td class="who">'
        '<span class="name">Bob</span><span class="team">Red</span></td>'
        '<td class="num">20</td><td class="num">1</td></tr>' in page
    )
    assert (
        '<tr><td class="rank">1</td><td class="who"><span class="name">Alice</span>'
        '<span class="team">Red</span></td><td class="num">10</td>' in page
    )
    assert "The standings are frozen" in page


def test_organiser_standings_stay_live_after_the_freeze(app):
    alice, bob = player(app, "Alice"), player(app, "Bob")
    alice.answer("launch", choice="July 2015")
    freeze_now(app)
    bob.answer("services", answer="133")
    with app.app_context():
        public, live = compute_standings(), compute_standings(live=True)
    assert public.frozen and not live.frozen
    assert [(p["name"], p["score"]) for p in public.players] == [("Alice", 10), ("Bob", 0)]
    assert [(p["name"], p["score"]) for p in live.players] == [("Bob", 20), ("Alice", 10)]
    assert [(t["name"], t["score"]) for t in live.teams][:1] == [("Red", 30)]


@pytest.mark.cache_seconds(0)  # reads the standings right after each answer
def test_my_row_outside_the_top_50_is_shown(app):
    for i in range(50):
        player(app, f"P{i:02}").answer("launch", choice="July 2015")
    last = player(app, "Last")
    page = last.client.get("/leaderboard").get_data(as_text=True)
    assert "You: rank 51, 0 points" in page
    assert '<tr><td class="rank">50</td>' in page and '<span class="name">Last</span>' not in page


@pytest.mark.cache_seconds(3600)  # every request below shares one cache
def test_shared_cache_never_serves_one_players_row_to_another(app):
    alice, bob = player(app, "Alice"), player(app, "Bob")
    alice_page = alice.client.get("/leaderboard")
    bob_page = bob.client.get("/leaderboard").get_data(as_text=True)
    anonymous = app.test_client().get("/leaderboard").get_data(as_text=True)
    assert (
        '<tr class="me" aria-current="true"><td class="rank">1</td>'
        '<td class="who"><span class="name">Alice</span>' in alice_page.text
    )
    assert (
        '<tr class="me" aria-current="true"><td class="rank">2</td>'
        '<td class="who"><span class="name">Bob</span>' in bob_page
    )
    assert bob_page.count('class="me"') == 1 and 'data-me="Bob"' in bob_page
    assert "Alice" in bob_page and 'data-me="Alice"' not in bob_page
    assert 'class="me"' not in anonymous and "data-me=" not in anonymous
    assert alice_page.headers["Cache-Control"] == "private, no-cache"
    # The shared JSON is the same bytes whoever asks: nothing personal in it.
    bodies = {c.get("/leaderboard.json").data for c in (alice.client, bob.client)}
    assert len(bodies) == 1 and b"aria-current" not in bodies.pop()


def test_cached_json_answers_the_same_headers_fresh_or_stale(app, client):
    """The shared JSON goes through Flask whether its cache is fresh or just recomputed."""
    player(app, "Alice").answer("launch", choice="July 2015")
    for path in ("/leaderboard.json", "/screen.json"):
        stale = client.get(path)  # computed now
        fresh = client.get(path)  # from the cache
        assert fresh.data == stale.data
        for header in (
            "ETag",
            "Cache-Control",
            "Content-Type",
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Vary",
            "Referrer-Policy",
        ):
            assert fresh.headers.get(header) == stale.headers.get(header), header
        unchanged = client.get(path, headers={"If-None-Match": stale.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.data == b""
        assert unchanged.headers["ETag"] == stale.headers["ETag"]
        assert (
            unchanged.headers["Content-Security-Policy"] == stale.headers["Content-Security-Policy"]
        )


def test_ranking_query_reads_the_index_without_sorting(app):
    from sqlalchemy.dialects import sqlite

    from invider.hunt.scoring import _STANDING_ROWS  # the standings' own statement
    from invider.store.models import RANKING

    with app.app_context():
        # The statement is written on the table's columns: its order is RANKING's.
        ranking = db.select(Player.id).order_by(*RANKING)
        assert str(ranking).split("ORDER BY")[1] in str(_STANDING_ROWS)
        sql = str(
            _STANDING_ROWS.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        )
        plan = " ".join(r[-1] for r in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_player_ranking" in plan and "TEMP B-TREE" not in plan


def test_cache_period_can_be_set_from_the_environment(tmp_path, monkeypatch):
    from invider import create_app

    monkeypatch.setenv("INVIDER_STANDINGS_CACHE_SECONDS", "2.5")
    app = create_app({"INSTANCE": str(tmp_path / "instance")})
    assert app.config["STANDINGS_CACHE_SECONDS"] == 2.5


def test_live_rank_matches_the_full_ranking_with_ties(app):
    """A player's own rank, counted live, agrees with the full standings, ties included."""
    from invider.hunt.scoring import live_rank

    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with app.app_context():
        for n, score in enumerate([30, 10, 20, 10, 0, 10, 30, 0, 20, 10]):
            db.session.add(
                Player(
                    name=f"P{n}",
                    name_key=f"p{n}",
                    score=score,
                    score_at=start + timedelta(minutes=n % 3),
                )
            )
        db.session.add(Player(name="Hidden", name_key="hidden", score=50, hidden=True))
        db.session.commit()
        expected = {row["id"]: row["rank"] for row in compute_standings(live=True).players}
        visible = db.session.execute(db.select(Player).where(Player.hidden.is_(False)))
        ranks = {p.id: live_rank(p) for p in visible.scalars()}
    assert ranks == expected and sorted(ranks.values()) == list(range(1, 11))


def test_taking_first_place_shows_rank_1_at_once(app):
    """With the shipped cache, the result page shows the rank after this very answer."""
    leader, me = player(app, "Leader"), player(app, "Me")
    leader.answer("launch", choice="July 2015")  # Leader: 10, first
    assert "Rank 2" in visible_text(me.client.get("/me").get_data(as_text=True))
    page = me.answer("services", answer="133").get_data(as_text=True)  # Me: 20
    assert "Score 20" in visible_text(page) and "Rank 1" in visible_text(page)
    # The leader's own pages say so at once too, though the public table is cached.
    assert "Rank 2" in visible_text(leader.client.get("/me").get_data(as_text=True))


def visible_text(html: str) -> str:
    """Return the page's text as a person reads it (tags dropped, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
