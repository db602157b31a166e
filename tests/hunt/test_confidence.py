"""Confidence before the reveal: asked first, stored once with the answer, worded after."""

from __future__ import annotations

import re

import pytest
from conftest import SMALL_DECK, csrf_token

from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.store.models import Answer, Player, db


def visible_text(html: str) -> str:
    """Return the text of a page as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def answers(app) -> list[Answer]:
    with app.app_context():
        return db.session.execute(db.select(Answer)).scalars().all()


def test_the_question_asks_how_sure_first_with_three_radio_buttons(play, client):
    play.join("Alice", "Red")
    page = client.get(f"/i/{play.code('launch')}").get_data(as_text=True)
    radios = re.findall(r'<input type="radio" name="confidence" value="(\w+)"([^>]*)>', page)
    assert [value for value, _ in radios] == ["sure", "unsure", "guess"]
    assert "required" in radios[0][1]  # the browser asks for it first, without JavaScript
    assert page.index('name="confidence"') < page.index('name="choice"')
    text = visible_text(page)
    assert "First: how sure are you?" in text and "It does not change your points." in text


def test_confidence_is_stored_with_the_answer_and_only_once(play, app):
    play.join("Alice", "Red")
    first = play.answer("launch", choice="March 2016", confidence="sure")
    assert first.status_code == 200
    again = play.answer("launch", choice="July 2015", confidence="guess")
    assert "You were sure — this is the one to remember." in again.get_data(as_text=True)
    (answer,) = answers(app)
    assert (answer.given, answer.correct, answer.confidence) == ("March 2016", False, "sure")
    with app.app_context():
        player = db.session.execute(db.select(Player)).scalar_one()
        assert (player.found, player.score) == (1, 0)


def test_a_typed_answer_carries_its_confidence_too(play, app):
    play.join("Alice", "Red")
    page = play.answer("services", answer="133", confidence="unsure").get_data(as_text=True)
    assert "You hesitated, yet you were right: trust yourself." in page
    assert [(a.given, a.confidence) for a in answers(app)] == [("133", "unsure")]


CASES = [
    ("sure", "July 2015", "You were sure, and rightly so: this one is learned."),
    ("sure", "March 2016", "You were sure — this is the one to remember."),
    ("unsure", "July 2015", "You hesitated, yet you were right: trust yourself."),
    ("unsure", "March 2016", "You had a doubt, and rightly so: here is the answer."),
    ("guess", "July 2015", "A lucky guess! Read the fact, so next time it is not luck."),
    ("guess", "March 2016", "It was a guess: now you know."),
]


@pytest.mark.parametrize(("confidence", "choice", "wording"), CASES)
def test_the_result_page_words_each_of_the_six_cases(play, confidence, choice, wording):
    play.join("Alice", "Red")
    page = play.answer("launch", choice=choice, confidence=confidence).get_data(as_text=True)
    assert wording in page
    others = [w for _c, _ch, w in CASES if w != wording]
    assert not any(other in page for other in others)
    # A confident error puts the answer and its fact forward.
    remember = confidence == "sure" and choice != "July 2015"
    assert ("<strong>The answer: July 2015</strong>" in page) is remember
    assert ('class="card fact remember"' in page) is remember


def test_the_confident_error_reads_kindly_in_french(play, client):
    play.join("Alice", "Red")
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "fr", "csrf_token": token, "next": "/"})
    page = play.answer("launch", choice="March 2016", confidence="sure").get_data(as_text=True)
    assert "Vous étiez sûr·e — c'est celle-ci à retenir." in page
    page = client.get(f"/i/{play.code('launch')}").get_data(as_text=True)
    assert "Vous étiez sûr·e — c'est celle-ci à retenir." in page


def test_without_confidence_the_answer_still_counts_and_no_wording_is_shown(play, app):
    play.join("Alice", "Red")
    page = play.answer("launch", choice="July 2015").get_data(as_text=True)
    assert "Right answer!" in page and 'class="calibration"' not in page
    assert [(a.correct, a.confidence) for a in answers(app)] == [(True, None)]


@pytest.mark.parametrize("bad", ["certain", "SURE", "sure\n", "x" * 300])
def test_an_unknown_confidence_is_refused_and_nothing_is_stored(play, app, bad):
    play.join("Alice", "Red")
    response = play.answer("launch", choice="July 2015", confidence=bad)
    assert response.status_code == 400
    assert "Please say how sure you are" in response.get_data(as_text=True)
    assert answers(app) == []


def test_a_deck_may_turn_confidence_off(app, play, client, tmp_path):
    deck = tmp_path / "quiet.toml"
    deck.write_text(SMALL_DECK.replace("points = 10\n", "points = 10\nconfidence = false\n", 1))
    with app.app_context():
        load_deck(read_deck(deck))
    play.join("Alice", "Red")
    page = client.get(f"/i/{play.code('launch')}").get_data(as_text=True)
    assert 'name="confidence"' not in page
    page = play.answer("launch", choice="July 2015", confidence="sure").get_data(as_text=True)
    assert "Right answer!" in page and 'class="calibration"' not in page
    assert [a.confidence for a in answers(app)] == [None]


def load_with(app, tmp_path, options: str) -> None:
    deck = tmp_path / "options.toml"
    deck.write_text(SMALL_DECK.replace("points = 10\n", f"points = 10\n{options}\n", 1))
    with app.app_context():
        load_deck(read_deck(deck))


@pytest.mark.cache_seconds(0)  # the deck is reloaded just before the answers
@pytest.mark.parametrize(
    ("confidence", "points"), [("sure", 15), ("unsure", 10), ("guess", 5), (None, 10)]
)
def test_a_deck_may_reward_calibrated_confidence(app, play, tmp_path, confidence, points):
    load_with(app, tmp_path, "confidence_points = true")
    play.join("Alice", "Red")
    hint = play.client.get(f"/i/{play.code('launch')}").get_data(as_text=True)
    assert "Right and sure: half as many points again." in hint
    fields = {"choice": "July 2015", **({"confidence": confidence} if confidence else {})}
    page = play.answer("launch", **fields).get_data(as_text=True)
    assert f"+{points} points" in page
    wrong = play.answer("partners", choice="12", confidence="sure").get_data(as_text=True)
    assert "0 points this time" in wrong
    assert sorted(a.points for a in answers(app)) == [0, points]


def test_confidence_changes_no_points_by_default(app, play):
    play.join("Alice", "Red")
    assert "It does not change your points." in play.client.get(
        f"/i/{play.code('launch')}"
    ).get_data(as_text=True)
    page = play.answer("launch", choice="July 2015", confidence="sure").get_data(as_text=True)
    assert "+10 points" in page


def test_rewarding_confidence_needs_the_question_asked(tmp_path):
    from invider.decks.reading import DeckError

    deck = tmp_path / "odd.toml"
    deck.write_text(
        SMALL_DECK.replace(
            "points = 10\n", "points = 10\nconfidence = false\nconfidence_points = true\n", 1
        )
    )
    with pytest.raises(DeckError) as refused:
        read_deck(deck)
    line = deck.read_text().split("\n").index("confidence_points = true") + 1
    assert refused.value.messages == [f"{deck}:{line}: confidence_points needs confidence = true"]


@pytest.mark.cache_seconds(0)  # the deck is reloaded just before the answers
@pytest.mark.parametrize(
    ("points", "confidence", "earned"),
    [(1, "guess", 1), (3, "guess", 2), (5, "guess", 3), (3, "sure", 5), (1, "sure", 2)],
)
def test_confidence_points_round_half_up_and_a_right_answer_earns_one(
    app, play, tmp_path, points, confidence, earned
):
    deck = tmp_path / "points.toml"
    deck.write_text(
        SMALL_DECK.replace("points = 10\n", f"points = {points}\nconfidence_points = true\n", 1)
    )
    with app.app_context():
        load_deck(read_deck(deck))
    play.join("Alice", "Red")
    page = play.answer("launch", choice="July 2015", confidence=confidence)
    assert f"+{earned} point" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Player.score)).scalar_one() == earned
