"""A hunt played by twelve test players in three teams, for the huddle kits' tests."""

from __future__ import annotations

from conftest import Actions

from invider.decks.loading import load_deck
from invider.decks.reading import read_deck

KIT_DECK = """\
[hunt]
title = "Kit hunt"
language = "en"
teams = ["Red", "Blue", "Green"]

[[invider]]
key = "store"
question = "When did the store open?"
choices = ["July 2015", "March 2016"]
answer = "July 2015"
fact = "The store has been online since July 2015."
topic = "Store"

[[invider]]
key = "partners"
question = "How many partners?"
choices = ["72", "300"]
answer = "72"
fact = "72 partners already joined."
topic = "Partners"

[[invider]]
key = "services"
question = "How many services?"
choices = ["133", "12"]
answer = "133"
fact = "133 services in four interest centres."
topic = "Services"

[[invider]]
key = "jobs"
question = "How many job offers a day?"
choices = ["600000", "1000"]
answer = "600000"
fact = "600,000 job offers every day."
topic = "Jobs"
"""
RIGHT = {"store": "July 2015", "partners": "72", "services": "133", "jobs": "600000"}
WRONG = {"store": "March 2016", "partners": "300", "services": "12", "jobs": "1000"}
#: Who answered what on the day: per team, per player, poster -> (right?, confidence).
#: Red: partners and store 1 in 5 right (partners' errors "sure": it comes first),
#: services 3 in 5, jobs all wrong but from 4 players only (below the floor of 5).
#: Blue: services 0 in 5, jobs 2 in 5, partners 3 in 5, store 4 in 5 (the fourth, cut).
#: Green: 2 players, below the floor: no page of its own.
PLAYS = {
    "Red": [
        {"store": (i == 0, "guess"), "partners": (i == 0, "sure"), "services": (i < 3, "sure")}
        | ({"jobs": (False, "sure")} if i < 4 else {})
        for i in range(5)
    ],
    "Blue": [
        {
            "store": (i < 4, "unsure"),
            "partners": (i < 3, "unsure"),
            "services": (False, "unsure"),
            "jobs": (i < 2, "unsure"),
        }
        for i in range(5)
    ],
    "Green": [{key: (False, "sure") for key in RIGHT} for _ in range(2)],
}
#: Names no page may ever show.
NAMES = [f"Zelda{team}{i}" for team, plays in PLAYS.items() for i in range(len(plays))]


def play_kit_hunt(app, tmp_path) -> dict[str, Actions]:
    """Load KIT_DECK and play it as PLAYS says; return each player's phone by team and index."""
    deck = tmp_path / "kits.toml"
    deck.write_text(KIT_DECK, encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(deck))
    phones = {}
    for team, plays in PLAYS.items():
        for i, answers in enumerate(plays):
            phone = Actions(app, app.test_client())
            assert phone.join(f"Zelda{team}{i}", team).status_code == 302
            for key, (right, confidence) in answers.items():
                choice = RIGHT[key] if right else WRONG[key]
                assert phone.answer(key, choice=choice, confidence=confidence).status_code == 200
            phones[f"{team}{i}"] = phone
    return phones
