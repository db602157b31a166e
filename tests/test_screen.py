"""The big screen: its data contract, ETag, feed, topic figures, freeze and final reveal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Actions

from invider.figures import topic_figures
from invider.models import Hunt, db


def player(app, name, team="Red"):
    """Join a new phone and return its actions."""
    actions = Actions(app, app.test_client())
    assert actions.join(name, team).status_code == 302
    return actions


def set_hunt(app, **values) -> None:
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        for key, value in values.items():
            setattr(hunt, key, value)
        db.session.commit()


@pytest.fixture
def played(app):
    """Four players; figures worked out by hand in the tests below.

    Store (launch, services): Alice right, Bob wrong -> reach 2/4, right first time 1/2.
    Partners (partners): Alice wrong, Carol right, Dave right -> reach 3/4, 2/3.
    """
    alice, bob, carol, dave = (player(app, n, t) for n, t in
                               (("Alice", "Red"), ("Bob", "Red"), ("Carol", "Blue"),
                                ("Dave", "Blue")))  # fmt: skip
    alice.answer("launch", choice="July 2015")
    alice.answer("partners", choice="12")
    bob.answer("services", answer="zebra secret")
    carol.answer("partners", choice="72")
    dave.answer("partners", choice="72")
    return alice, bob, carol, dave


def test_screen_json_contract(app, client, played):
    data = client.get("/screen.json").get_json()
    assert set(data) == {"hunt", "players", "teams", "feed", "progress", "topics", "reveal",
                         "generated_at"}  # fmt: skip
    assert data["hunt"] == {"title": "Test hunt", "status": "open", "inviders": 3,
                            "frozen": False, "next_change": None}  # fmt: skip
    top = data["players"][0]
    assert set(top) == {"rank", "name", "team", "score", "found", "colour"}
    assert (top["rank"], top["name"], top["score"]) == (1, "Alice", 10)
    assert re.fullmatch(r"#[0-9a-f]{6}", top["colour"])
    assert [(t["name"], t["score"], t["players"]) for t in data["teams"]] == [
        ("Blue", 20, 2), ("Red", 10, 2)]  # fmt: skip
    assert data["feed"][0] == {"name": "Dave", "number": 3, "at": data["feed"][0]["at"]}
    assert data["reveal"] is None
    datetime.fromisoformat(data["generated_at"])


def test_screen_json_top_ten_only(app, client):
    for i in range(12):
        player(app, f"P{i:02}")
    assert [p["rank"] for p in client.get("/screen.json").get_json()["players"]] == list(
        range(1, 11))


def test_progress_figures(app, client, played):
    progress = client.get("/screen.json").get_json()["progress"]
    assert (progress["players"], progress["finds"], progress["correct_share"]) == (4, 5, 0.6)
    assert len(progress["over_time"]) == 12
    assert sum(b["finds"] for b in progress["over_time"]) == 5


def test_topic_figures_against_a_hand_computed_fixture(app, played):
    with app.app_context():
        topics = topic_figures()
    assert [(t["topic"], t["inviders"], t["answers"], t["reach"], t["first_try"], t["best"],
             t["worst"]) for t in topics] == [
        ("Partners", 1, 3, 0.75, 0.667, True, False),
        ("Store", 2, 2, 0.5, 0.5, False, True),
    ]  # fmt: skip
    assert [t["landed"] for t in topics] == [0.5, 0.25]


def test_topic_without_answers_has_no_rate(app):
    player(app, "Alone")
    with app.app_context():
        topics = {t["topic"]: t for t in topic_figures()}
    assert topics["Store"]["reach"] == 0.0 and topics["Store"]["first_try"] is None


def test_feed_never_contains_an_answer(app, client, played):
    body = client.get("/screen.json").get_data(as_text=True)
    page = client.get("/screen").get_data(as_text=True)
    feed = client.get("/screen.json").get_json()["feed"]
    assert [(f["name"], f["number"]) for f in feed] == [
        ("Dave", 3), ("Carol", 3), ("Bob", 2), ("Alice", 3), ("Alice", 1)]
    assert all(set(f) == {"name", "number", "at"} for f in feed)
    for secret in ("July 2015", "zebra secret", "133", "How many partners", "72 partners"):
        assert secret not in body and secret not in page
    assert "Dave found #3" in page


def test_screen_etag_and_304(app, client, played):
    first = client.get("/screen.json")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/screen.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    played[1].answer("launch", choice="July 2015")
    changed = client.get("/screen.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["feed"][0]["name"] == "Bob"


def test_screen_is_cached_per_process(app, client, played):
    app.config["STANDINGS_CACHE_SECONDS"] = 3600
    before = client.get("/screen.json").data
    played[1].answer("launch", choice="July 2015")
    assert client.get("/screen.json").data == before


def test_screen_page_renders_everything_without_javascript(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    page = client.get("/screen").get_data(as_text=True)
    assert "Top players" in page and "Messages that landed" in page
    assert '<td class="name">Alice</td>' in page
    assert page.count('<li class="best" data-topic="Partners">') == 1
    assert '<li class="worst" data-topic="Store">' in page
    assert 'href="/static/css/screen.css"' in page and 'src="/static/js/screen.js"' in page
    assert "<script>" not in page


def test_screen_shows_names_as_text(app, client):
    player(app, "<b>Bold</b>")
    page = client.get("/screen").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page
    assert client.get("/screen.json").get_json()["players"][0]["name"] == "<b>Bold</b>"


def test_countdown_to_the_next_change(app, client):
    closes = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    set_hunt(app, closes_at=closes)
    data = client.get("/screen.json").get_json()
    assert data["hunt"]["next_change"] == {"kind": "closes", "at": closes.isoformat()}
    page = client.get("/screen").get_data(as_text=True)
    assert f'data-at="{closes.isoformat()}" data-kind="closes"' in page
    assert "Closes at" in page


def test_screen_standings_freeze_but_say_so(app, client, played):
    set_hunt(app, freeze_at=datetime.now(UTC) - timedelta(microseconds=1))
    played[1].answer("launch", choice="July 2015")  # Bob: 10 after the freeze
    data = client.get("/screen.json").get_json()
    assert data["hunt"]["status"] == "frozen" and data["hunt"]["frozen"] is True
    assert {p["name"]: p["score"] for p in data["players"]}["Bob"] == 0
    page = client.get("/screen").get_data(as_text=True)
    assert "Standings frozen" in page and '<span class="frozen-tag">frozen</span>' in page


def test_final_reveal_after_closing(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    set_hunt(app, status_override="closed")
    data = client.get("/screen.json").get_json()
    reveal = data["reveal"]
    assert [p["name"] for p in reveal["podium"]] == ["Alice", "Carol", "Dave"]
    assert [t["topic"] for t in reveal["best"]] == ["Partners", "Store"]
    assert [t["topic"] for t in reveal["revisit"]] == ["Store", "Partners"]
    page = client.get("/screen").get_data(as_text=True)
    # Without JavaScript everything shows, the podium in reveal order: 3rd, 2nd, 1st.
    places = [page.index(f'class="step place-{n}"') for n in (3, 2, 1)]
    assert places == sorted(places)
    assert page.index("Messages that landed best") < page.index("Messages to revisit")
    assert '<button type="button" id="reveal-next" hidden>' in page


def test_screen_hides_topic_rates_below_the_privacy_floor(app, client, played):
    # Four players reached Partners (3) and Store (2): below a floor of 3, Store keeps its
    # reach but not its rate, and is neither best nor worst.
    app.config["PRIVACY_FLOOR"] = 3
    topics = {t["topic"]: t for t in client.get("/screen.json").get_json()["topics"]}
    assert topics["Partners"]["shown"] and topics["Partners"]["first_try"] == 0.667
    assert not topics["Store"]["shown"] and topics["Store"]["first_try"] is None
    assert topics["Store"]["reach"] == 0.5
    assert not topics["Store"]["worst"] and not topics["Partners"]["best"]
