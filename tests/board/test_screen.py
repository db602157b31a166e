"""The big screen: its data contract, ETag, feed, topic figures, privacy, freeze and reveal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Actions
from qr_codes import decode_svg_qr

from invider.board.figures import reveal_topics, topic_figures
from invider.board.tallies import Batches
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.store.models import Hunt, db

# The screen's figures must be read fresh after each answer; one test checks the cache.
pytestmark = pytest.mark.cache_seconds(0)


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
    alice, bob, carol, dave = (
        player(app, n, t)
        for n, t in (("Alice", "Red"), ("Bob", "Red"), ("Carol", "Blue"), ("Dave", "Blue"))
    )
    alice.answer("launch", choice="July 2015")
    alice.answer("partners", choice="12")
    bob.answer("services", answer="zebra secret")
    carol.answer("partners", choice="72")
    dave.answer("partners", choice="72")
    return alice, bob, carol, dave


def test_screen_json_contract(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    data = client.get("/screen.json").get_json()
    assert set(data) == {
        "hunt",
        "players",
        "teams",
        "feed",
        "progress",
        "topics",
        "reveal",
        "announcement",
        "generated_at",
    }
    assert data["hunt"] == {
        "title": "Test hunt",
        "status": "open",
        "inviders": 3,
        "frozen": False,
        "next_change": None,
        "awake": 3,
        "asleep": 0,
        "messages": [],
        "next_wave": None,
        "last_stretch": None,
        "countdown_minutes": 30,
    }
    assert data["announcement"] is None
    top = data["players"][0]
    assert set(top) == {"rank", "name", "team", "score", "found", "colour"}
    assert (top["rank"], top["name"], top["score"]) == (1, "Alice", 10)
    assert re.fullmatch(r"#[0-9a-f]{6}", top["colour"])
    teams = [(t["name"], t["score"], t["players"]) for t in data["teams"]]
    assert teams == [("Blue", 20, 2), ("Red", 10, 2)]
    assert data["feed"][0] == {"name": "Dave", "number": 3, "at": data["feed"][0]["at"]}
    assert set(data["topics"][0]) == {
        "topic",
        "inviders",
        "players",
        "answers",
        "shown",
        "reach",
        "first_try",
        "landed",
        "best",
        "worst",
    }
    assert data["reveal"] is None
    datetime.fromisoformat(data["generated_at"])


def test_screen_json_top_ten_only(app, client):
    for i in range(12):
        player(app, f"P{i:02}")
    ranks = [p["rank"] for p in client.get("/screen.json").get_json()["players"]]
    assert ranks == list(range(1, 11))


def test_progress_figures(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    progress = client.get("/screen.json").get_json()["progress"]
    assert (progress["players"], progress["finds"], progress["correct_share"]) == (4, 5, 0.6)
    assert len(progress["over_time"]) == 12
    assert sum(b["finds"] for b in progress["over_time"]) == 5


def test_topic_figures_against_a_hand_computed_fixture(app, played):
    with app.app_context():
        topics = topic_figures()
    assert [
        (t["topic"], t["inviders"], t["answers"], t["reach"], t["first_try"], t["best"], t["worst"])
        for t in topics
    ] == [
        ("Partners", 1, 3, 0.75, 0.667, True, False),
        ("Store", 2, 2, 0.5, 0.5, False, True),
    ]
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
        ("Dave", 3),
        ("Carol", 3),
        ("Bob", 2),
        ("Alice", 3),
        ("Alice", 1),
    ]
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


@pytest.mark.cache_seconds(3600)
def test_screen_is_cached_per_process(app, client, played):
    before = client.get("/screen.json").data
    played[1].answer("launch", choice="July 2015")
    assert client.get("/screen.json").data == before


def test_screen_page_renders_everything_without_javascript(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    page = client.get("/screen").get_data(as_text=True)
    assert "Top 10" in page and "Messages that landed" in page
    assert '<span class="name">Alice</span>' in page
    assert page.count('<li class="best" data-topic="Partners">') == 1
    assert '<li class="worst" data-topic="Store">' in page
    # Best and worst say so in words, with the figures in words too.
    assert "landed best" in page and "to revisit" in page
    assert "found it" in page and "right first time" in page
    assert 'href="/static/css/screen.css"' in page and 'src="/static/js/screen.js"' in page
    assert "<script>" not in page


@pytest.mark.parametrize("status", [None, "frozen"])
def test_join_panel_leads_to_the_home_page_at_the_public_address(app, client, status):
    set_hunt(app, status_override=status)
    page = client.get("/screen").get_data(as_text=True)
    svg = re.search(r'<div class="join-qr">(<svg.*?</svg>)', page, re.S).group(1)
    assert decode_svg_qr(svg) == "http://192.168.1.20:8000/"
    assert '<p class="join-address">192.168.1.20:8000</p>' in page
    assert "Scan a poster to play" in page


def test_lobby_counts_down_to_the_opening_with_the_join_panel(app, client):
    opens = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    set_hunt(app, opens_at=opens, status_override=None)
    page = client.get("/screen").get_data(as_text=True)
    assert "The hunt starts in" in page
    assert f'data-at="{opens.isoformat()}" data-kind="opens" data-bare="true"' in page
    assert '<div class="join-qr"><svg' in page and "Scan a poster to play" in page
    assert 'id="top"' not in page  # no empty standings before the start


def test_kiosk_mode_has_a_control_for_the_links_and_languages(app, client):
    page = client.get("/screen").get_data(as_text=True)
    assert '<input type="checkbox" id="kiosk-menu"' in page
    assert '<label for="kiosk-menu"' in page
    assert 'name="lang" value="fr"' in page  # still there, shown on demand


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
    assert "Standings frozen" in page and '<span class="frozen-tag">standings frozen</span>' in page


# Privacy: public figures move one batch of PRIVACY_FLOOR players at a time.


def counted(player_ids: list[int], floor: int) -> int:
    """How many of these answers (all right) the public figures count."""
    batches = Batches(floor)
    for player_id in player_ids:
        batches.add(player_id, True)
    return batches.answers


def test_batches_need_distinct_players():
    assert counted([1, 2, 3], 3) == 3
    assert counted([1, 1, 1, 1, 2], 3) == 0  # one person's many answers are no batch
    assert counted([1, 1, 2, 3, 4, 4], 3) == 4
    assert counted([1, 2, 3, 4, 5, 1, 2], 1) == 7


def test_the_public_share_waits_for_two_floors_and_moves_in_coarse_steps(app, client):
    """Read the share after every answer: never a value one answer could explain."""
    app.config["PRIVACY_FLOOR"] = 3
    phones = [player(app, f"P{i}") for i in range(24)]
    share = lambda: client.get("/screen.json").get_json()["progress"]["correct_share"]  # noqa: E731
    seen = []
    for n, phone in enumerate(phones):
        phone.answer("launch", choice="July 2015" if n % 3 else "March 2016")
        seen.append(share())
    assert seen[:11] == [None] * 11, seen  # fewer than four floors of answers: nothing
    # 24 players close batches (of three to six each) of at least 12 answers in all.
    shown = [s for s in seen if s is not None]
    assert shown, seen
    # At most 24 answers: 2 x floor 3 / 24 gives steps of a quarter at the finest.
    assert all(s * 4 == int(s * 4) for s in shown), seen
    data = client.get("/screen.json").get_json()
    assert all(t["answers"] is None and t["players"] is None for t in data["topics"])


def test_below_the_floor_topics_and_players_publish_no_counts(app, client, played):
    # The default floor is 5; four players answered.
    data = client.get("/screen.json").get_json()
    assert data["progress"]["players"] is None and data["progress"]["correct_share"] is None
    for topic in data["topics"]:
        assert (topic["shown"], topic["answers"], topic["players"], topic["first_try"]) == (
            False,
            None,
            None,
            None,
        )
        assert not topic["best"] and not topic["worst"]
    assert {t["topic"]: t["reach"] for t in data["topics"]} == {"Partners": 0.75, "Store": 0.5}


def test_screen_hides_topic_rates_below_the_privacy_floor(app, client, played):
    # Three players answered Partners, two answered Store: below a floor of 3, Store keeps
    # its reach but not its rate, and is neither best nor worst.
    app.config["PRIVACY_FLOOR"] = 3
    topics = {t["topic"]: t for t in client.get("/screen.json").get_json()["topics"]}
    # A rate needs two floors of answers (six): three answers of Partners are too few.
    assert not topics["Partners"]["shown"] and topics["Partners"]["first_try"] is None
    assert not topics["Store"]["shown"] and topics["Store"]["first_try"] is None
    assert topics["Store"]["reach"] == 0.5
    assert not topics["Store"]["worst"] and not topics["Partners"]["best"]


def test_during_the_freeze_no_public_figure_counts_a_later_answer(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    before = client.get("/screen.json").get_json()
    set_hunt(app, freeze_at=datetime.now(UTC) - timedelta(microseconds=1))
    for name in ("Eve", "Finn", "Gus"):
        player(app, name).answer("launch", choice="July 2015")
    played[1].answer("launch", choice="July 2015")
    after = client.get("/screen.json").get_json()
    assert after["hunt"]["status"] == "frozen"
    assert after["progress"]["correct_share"] == before["progress"]["correct_share"] == 0.6
    rates = lambda data: {t["topic"]: t["first_try"] for t in data["topics"]}  # noqa: E731
    assert rates(after) == rates(before)
    assert after["teams"] == before["teams"]
    assert after["progress"]["finds"] == 9  # finds are public (the feed shows them)


# The final reveal.


def test_final_reveal_after_closing(app, client, played):
    app.config["PRIVACY_FLOOR"] = 1
    set_hunt(app, status_override="closed")
    data = client.get("/screen.json").get_json()
    reveal = data["reveal"]
    assert [p["name"] for p in reveal["podium"]] == ["Alice", "Carol", "Dave"]
    assert reveal["team"]["name"] == "Blue"
    # Two topics: one best, one to revisit, never the same.
    assert [t["topic"] for t in reveal["best"]] == ["Partners"]
    assert [t["topic"] for t in reveal["revisit"]] == ["Store"]
    page = client.get("/screen").get_data(as_text=True)
    # Without JavaScript everything shows, the podium as on a real one: 2nd, 1st, 3rd.
    places = [page.index(f'class="step place-{n}"') for n in (2, 1, 3)]
    assert places == sorted(places)
    steps = [int(s) for s in re.findall(r'data-step="(\d)"', page)]
    assert sorted(steps) == [1, 2, 3, 4, 5, 6]
    assert page.count('class="podium-sprite"') == 3 and page.count("invider-sprite") == 3
    assert "1st" in page and "2nd" in page and "3rd" in page
    assert "Winning team" in page
    assert page.index("Messages that landed best") < page.index("Messages to revisit")
    assert 'id="reveal-hint" hidden' in page and "reveal the next result" in page


def test_the_reveal_shows_the_final_scores_not_the_frozen_ones(app, client, played):
    set_hunt(app, freeze_at=datetime.now(UTC) - timedelta(microseconds=1))
    played[1].answer("launch", choice="July 2015")
    played[1].answer("partners", choice="72")  # Bob: 20 after the freeze, 1st at the end
    set_hunt(app, status_override="closed")
    podium = client.get("/screen.json").get_json()["reveal"]["podium"]
    assert (podium[0]["name"], podium[0]["score"]) == ("Bob", 20)


def deck_with_topics(count: int) -> str:
    lines = ['[hunt]\ntitle = "Topics"\nlanguage = "en"\npoints = 10\n']
    for i in range(count):
        lines.append(
            f'[[invider]]\nkey = "k{i}"\nquestion = "Q{i}?"\nchoices = ["yes", "no"]\n'
            f'answer = "yes"\nfact = "F{i}."\ntopic = "Topic {i}"\n'
        )
    return "\n".join(lines)


@pytest.mark.parametrize("count", [2, 3, 5, 8])
def test_best_and_to_revisit_never_share_a_topic(app, client, tmp_path, count):
    app.config["PRIVACY_FLOOR"] = 1
    deck = tmp_path / "topics.toml"
    deck.write_text(deck_with_topics(count), encoding="utf-8")
    with app.app_context():  # the test deck's posters have no answers: they go
        load_deck(read_deck(deck))
    phones = [player(app, f"P{i}", None) for i in range(count)]
    for i in range(count):  # topic i: i+1 players, the first i of them right
        for j in range(i + 1):
            phones[j].answer(f"k{i}", choice="yes" if j < i else "no")
    set_hunt(app, status_override="closed")
    reveal = client.get("/screen.json").get_json()["reveal"]
    best = [t["topic"] for t in reveal["best"]]
    revisit = [t["topic"] for t in reveal["revisit"]]
    assert best and revisit
    assert not set(best) & set(revisit)
    assert len(best) <= count // 2 and len(revisit) <= count // 2
    assert best[0] == f"Topic {count - 1}" and revisit[0] == "Topic 0"


def test_reveal_topics_split_any_ranking():
    for n in range(0, 10):
        topics = [{"topic": str(i), "shown": True} for i in range(n)]
        best, revisit = reveal_topics(topics)
        assert not {t["topic"] for t in best} & {t["topic"] for t in revisit}
        assert len(best) == len(revisit) == min(3, n // 2)


def test_the_running_tally_counts_as_a_fresh_count_would(app, client):
    """The screen reads only new answers each time; the figures equal a count from scratch."""
    from invider.board.figures import tally_key
    from invider.board.tallies import Tally
    from invider.hunt.discretion import privacy_floor

    app.config["PRIVACY_FLOOR"] = 2
    phones = [player(app, f"T{i}") for i in range(6)]
    rounds = [("launch", "July 2015"), ("partners", "12"), ("services", "133")]
    for key, given in rounds:
        for n, phone in enumerate(phones):
            field = "answer" if key == "services" else "choice"
            phone.answer(key, **{field: given if n % 3 else "nope" if key == "services" else given})
        shown = client.get("/screen.json").get_json()
        with app.app_context():
            fresh = Tally(privacy_floor(), None, tally_key()).read_new_answers()
            expected = {t["topic"]: t for t in topic_figures(privacy_floor(), fresh)}
        assert shown["progress"]["finds"] == fresh.finds
        for topic in shown["topics"]:
            want = expected[topic["topic"]]
            assert (topic["reach"], topic["first_try"], topic["answers"]) == (
                want["reach"],
                want["first_try"],
                want["answers"],
            )
