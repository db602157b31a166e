"""A worker's cached data: every value is dropped by any organiser action, at once."""

from __future__ import annotations

import pytest
from conftest import csrf_token

from invider.hunt.moderation import audit
from invider.store.models import Player, db
from invider.store.worker_cache import cached, keep, kept


def test_an_audited_commit_drops_every_kept_value_whatever_its_key(app):
    with app.app_context():
        cached("invider.anything", lambda: "computed", periods=1000)
        keep("invider.running", ["tally"])
        audit("organiser", "test.action")
        db.session.commit()
        assert kept("invider.anything") is None and kept("invider.running") is None


def test_a_commit_of_players_and_answers_keeps_the_cached_values(app, play):
    play.join("Alice")
    with app.app_context():
        cached("invider.anything", lambda: "computed", periods=1000)
        player = db.session.execute(db.select(Player)).scalar_one()
        player.team = "Blue"
        db.session.commit()
        assert kept("invider.anything") == "computed"


def player_id(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(Player.id)).scalar_one()


# Organiser actions and what the public standings show right after them, in the same
# worker, with the shipped one-second cache (read once before, so it is warm).
ACTIONS = {
    "rename": (
        lambda app: f"/admin/players/{player_id(app)}/rename",
        {"name": "Alicia"},
        lambda board: board["players"][0]["name"] == "Alicia",
    ),
    "hide": (
        lambda app: f"/admin/players/{player_id(app)}/hide",
        {"hidden": "1"},
        lambda board: board["players"] == [],
    ),
    "freeze": (
        lambda app: "/admin/status",
        {"action": "freeze"},
        lambda board: board["hunt"]["status"] == "frozen",
    ),
    "close": (
        lambda app: "/admin/status",
        {"action": "close"},
        lambda board: board["hunt"]["status"] == "closed",
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_the_standings_show_an_organiser_action_at_once(app, client, play, admin_client, action):
    path, form, shows = ACTIONS[action]
    play.join("Alice")
    before = client.get("/leaderboard.json").get_json()
    assert not shows(before)
    token = csrf_token(admin_client, "/admin/players")
    response = admin_client.post(path(app), data={"csrf_token": token, **form})
    assert response.status_code == 302
    assert shows(client.get("/leaderboard.json").get_json())
