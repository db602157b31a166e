"""Huddle kits: per team, the messages it missed most on the day, and whether they stayed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import csrf_token
from kit_hunt import RIGHT, WRONG, play_kit_hunt

from invider.learning.kits import compute_kits, huddle_kits
from invider.learning.retention import apply_retention
from invider.store.models import Hunt, db, utcnow


@pytest.fixture
def kit_hunt(app, tmp_path):
    """A hunt played by twelve test players in three teams (see kit_hunt.PLAYS)."""
    return play_kit_hunt(app, tmp_path)


def messages(kit: dict) -> list[str]:
    return [m["message"] for m in kit["messages"]]


def test_each_team_gets_the_messages_it_missed_most_in_order(app, kit_hunt):
    with app.app_context():
        kits = compute_kits(5)
    teams = {kit["team"]: kit for kit in kits["teams"]}
    assert list(teams) == ["Red", "Blue"]
    # Lowest right-first-time first; at 20% each, Red's confident errors (partners) first.
    assert messages(teams["Red"]) == ["Partners", "Store", "Services"]
    assert messages(teams["Blue"]) == ["Services", "Jobs", "Partners"]
    red = teams["Red"]["messages"]
    assert [(m["first_try"], m["confident_wrong"]) for m in red] == [
        (0.2, 0.8),
        (0.2, 0.0),
        (0.6, 0.4),
    ]
    # The fact as the poster told it, and the whole hunt's figure beside the team's.
    assert red[0]["fact"] == "72 partners already joined."
    assert red[0]["question"] == "How many partners?" and red[0]["answer"] == "72"
    assert red[0]["hunt_first_try"] == round(4 / 12, 3)
    assert teams["Red"]["players"] == 5 and teams["Red"]["hunt"]["players"] == 12
    assert teams["Red"]["first_try"] == round(5 / 19, 3)


def test_nothing_below_the_floor_enters_a_kit(app, kit_hunt):
    with app.app_context():
        kits = compute_kits(5)
    # Green has 2 players: no page, only the whole hunt's.
    assert kits["small"] == ["Green"]
    assert "Green" not in [kit["team"] for kit in kits["teams"]]
    # Red's jobs (4 players, all wrong) would come first, but 4 is below the floor.
    red = next(kit for kit in kits["teams"] if kit["team"] == "Red")
    assert "Jobs" not in messages(red)
    # The whole hunt: jobs 2 of 11 right, services 3 of 12, partners 4 of 12.
    assert messages(kits["hunt"]) == ["Jobs", "Services", "Partners"]
    with app.app_context():
        assert compute_kits(13)["hunt"] is None  # fewer players than the floor: no kit at all
        assert compute_kits(13)["teams"] == []


def test_a_kit_holds_at_most_three_messages(app, kit_hunt):
    with app.app_context():
        blue = next(kit for kit in compute_kits(5)["teams"] if kit["team"] == "Blue")
    # Blue missed four messages: the kit keeps the three it missed most (store, 80%, is out).
    assert "Store" not in messages(blue)
    assert len(blue["messages"]) == 3


def echo_round(app, client, answers: dict[str, str]) -> None:
    """Open the echo and answer each of this phone's questions from ``answers``."""
    for _ in range(10):
        page = client.get("/echo").get_data(as_text=True)
        found = re.search(r'name="key" value="([^"]+)"', page)
        if not found:
            return
        token = csrf_token(client, "/")
        response = client.post(
            "/echo",
            data={"csrf_token": token, "key": found.group(1), "choice": answers[found.group(1)]},
        )
        assert response.status_code == 200


def test_after_the_echo_a_kit_says_which_messages_stayed(app, kit_hunt, admin_client):
    with app.app_context():
        hunt = Hunt.current()
        hunt.status_override = "closed"
        hunt.echo_opens_at, hunt.echo_closes_at = utcnow() - timedelta(hours=1), None
        db.session.commit()
    # Red now knows partners and store, still misses services.
    for i in range(5):
        echo_round(app, kit_hunt[f"Red{i}"].client, {**RIGHT, "services": WRONG["services"]})
    with app.app_context():
        red = next(kit for kit in compute_kits(5)["teams"] if kit["team"] == "Red")
    stayed = {m["message"]: (m["stayed"], m["remembered"], m["round"]) for m in red["messages"]}
    assert stayed == {
        "Partners": (True, 1.0, 1),
        "Store": (True, 1.0, 1),
        "Services": (False, 0.0, 1),
    }
    page = " ".join(admin_client.get("/admin/results/kits/1").get_data(as_text=True).split())
    assert "Stayed: 100% still knew it in the echo (round 1)." in page
    assert "Not yet stayed: 0% still knew it in the echo (round 1)." in page


def test_the_kits_are_kept_at_the_retention_date(app, kit_hunt):
    with app.app_context():
        before = compute_kits(5)
        assert apply_retention(5, force=True)
        assert Hunt.current().retained_figures["kits"] == before
        assert huddle_kits(5) == before
        # The day's confidence is gone from the database; the kept kits still say it.
        assert compute_kits(5)["teams"][0]["messages"][0]["confident_wrong"] is None
        assert huddle_kits(5)["teams"][0]["messages"][0]["confident_wrong"] == 0.8
