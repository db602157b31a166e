"""Each player sees a poster's choices in their own stable order, unless the deck says not.

Judging goes by the choice's text, so a shuffled order changes no verdict, no stored
answer and no figure.
"""

from __future__ import annotations

import re

import pytest
from conftest import SMALL_DECK, Actions

from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.hunt.programme import choice_order
from invider.store.models import Answer, db

CHOICES = ["July 2015", "February 2014", "March 2016"]


def shown_order(client, code: str) -> list[str]:
    html = client.get(f"/i/{code}").get_data(as_text=True)
    return re.findall(r'name="choice" value="([^"]+)" class="choice"', html)


def phones(app, count: int) -> list[Actions]:
    players = []
    for n in range(count):
        play = Actions(app, app.test_client())
        play.join(f"Player {n}")
        players.append(play)
    return players


def reload(app, tmp_path, deck: str) -> None:
    path = tmp_path / "changed.toml"
    path.write_text(deck, encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(path))


def test_the_order_is_stable_for_one_player(play, client):
    play.join("Alice")
    first = shown_order(client, play.code("launch"))
    assert sorted(first) == sorted(CHOICES)
    assert all(shown_order(client, play.code("launch")) == first for _ in range(3))


def test_neighbours_see_different_orders(app):
    players = phones(app, 12)
    code = players[0].code("launch")
    orders = {tuple(shown_order(p.client, code)) for p in players}
    assert all(sorted(order) == sorted(CHOICES) for order in orders)
    assert len(orders) >= 3


@pytest.mark.parametrize(
    "change",
    [
        ("points = 10\n", "points = 10\nshuffle_choices = false\n"),
        ('location = "Hall"\n', 'location = "Hall"\nshuffle_choices = false\n'),
    ],
    ids=["the hunt", "one invider"],
)
def test_the_option_keeps_the_decks_order(app, tmp_path, change):
    reload(app, tmp_path, SMALL_DECK.replace(*change))
    players = phones(app, 8)
    code = players[0].code("launch")
    assert {tuple(shown_order(p.client, code)) for p in players} == {tuple(CHOICES)}


def test_one_invider_off_leaves_the_others_shuffled(app, tmp_path):
    reload(
        app,
        tmp_path,
        SMALL_DECK.replace('location = "Hall"\n', 'location = "Hall"\nshuffle_choices = false\n'),
    )
    players = phones(app, 12)
    code = players[0].code("partners")
    assert len({tuple(shown_order(p.client, code)) for p in players}) >= 2


def test_judging_is_unchanged_by_the_order(app):
    players = phones(app, 6)
    code = players[0].code("launch")
    for n, play in enumerate(players):
        order = shown_order(play.client, code)
        pick = "July 2015" if n % 2 == 0 else order[-1] if order[-1] != "July 2015" else order[0]
        response = play.answer("launch", choice=pick)
        assert response.status_code == 200
    with app.app_context():
        stored = db.session.execute(db.select(Answer.given, Answer.correct)).all()
    assert len(stored) == 6
    assert all(correct == (given == "July 2015") for given, correct in stored)
    assert sum(correct for _, correct in stored) == 3


def test_the_order_is_a_permutation_and_keeps_short_lists():
    assert sorted(choice_order(CHOICES, 7, "abc", True)) == sorted(CHOICES)
    assert choice_order(CHOICES, 7, "abc", False) == CHOICES
    assert choice_order(["only"], 7, "abc", True) == ["only"]
