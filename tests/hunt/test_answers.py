"""Typed answers judged as a person would: the table of issue 14, then through a phone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from invider.hunt.answers import is_correct, normalise_answer
from invider.store.models import Player, db


def typed(*accept: str, answer: str | None = None, strict: bool = False) -> SimpleNamespace:
    """Return a typed-answer invider as the judge reads it (a row has the same fields)."""
    return SimpleNamespace(
        choices=[], accept=list(accept), answer=answer or accept[0], strict=strict
    )


SERVICES = typed("133")

JUDGED = [
    # The table: accepted for accept = ["133"].
    ("Cent trente trois", True),
    ("cent-trente-trois", True),
    ("133 services", True),
    ("CENT TRENTE-TROIS !", True),
    ("one hundred thirty-three", True),
    ("134", False),
    # More of the same rules.
    ("133", True),
    ("  133. ", True),
    ("one hundred and thirty-three", True),
    ("cent trente-trois services", True),
    ("Il y en a 133 !", True),
    ("environ cent trente trois", True),
    ("1 133", False),
    ("13 3", False),
    ("133 ou 134", False),
    ("pas 133", False),
    ("cent trente", False),
    ("1330", False),
    ("", False),
    ("?!", False),
    ("133\x00", True),
]


@pytest.mark.parametrize("given, right", JUDGED)
def test_numbers_in_digits_or_words_and_containing_answers(given, right):
    assert is_correct(SERVICES, given) is right


WORDS = [
    (typed("Emploi Store"), "l'Emploi-Store", True),
    (typed("Emploi Store"), "EMPLOISTORE", True),
    (typed("Emploi Store"), "Émploi store", True),
    (typed("Marseille"), "Marseile", True),  # one letter missing in a long word
    (typed("Marseille"), "Marzeille", True),  # one wrong letter
    (typed("Marseille"), "Marzeile", False),  # two
    (typed("Lyon"), "Lyan", False),  # a short word forgives nothing
    (typed("juillet 2015"), "Juillet-2015", True),
    (typed("juillet 2015"), "juillet deux mille quinze", True),
    (typed("juillet 2015"), "juillet 2016", False),
    (typed("2015"), "en juillet 2015", True),
    (typed("2015"), "février 2014 ou juillet 2015", False),
    (typed("juillet 2015"), "depuis juillet 2015", True),
    (typed("Lyon"), "C'est Lyon !", True),
    (typed("Lyon"), "à Lyon, bien sûr", True),
    (typed("Lyon"), "Paris Lyon Marseille", False),  # three guesses, not an answer
    (typed("Lyon"), "Lyon ou Paris", False),
    (typed("Aujourd'hui"), "aujourdhui", True),
    (typed("1,5"), "1.5", True),
    (typed("1 000"), "mille", True),
    (typed("1 000"), "1000", True),
    (typed("six cents"), "600", True),
    (typed("133", answer="133 services"), "133", True),
]


@pytest.mark.parametrize("invider, given, right", WORDS)
def test_case_accents_punctuation_spaces_and_one_wrong_letter(invider, given, right):
    assert is_correct(invider, given) is right


STRICT = [
    ("133", True),
    ("  133 ", True),
    ("133 services", False),
    ("cent trente trois", False),
]


@pytest.mark.parametrize("given, right", STRICT)
def test_strict_question_keeps_only_case_and_accent_folding(given, right):
    assert is_correct(typed("133", strict=True), given) is right
    assert is_correct(typed("133"), given, strict=True) is right


def test_strict_folds_case_and_accents_only():
    strict = typed("Émploi Store", strict=True)
    assert is_correct(strict, "emploi store") is True
    assert is_correct(strict, "emploi-store") is False
    assert is_correct(strict, "Emploi Stor") is False


def test_choices_still_need_the_exact_choice():
    question = SimpleNamespace(choices=["72", "12"], accept=[], answer="72")
    assert is_correct(question, "72") is True
    assert is_correct(question, "soixante-douze") is False


def test_normalise_answer_reads_as_words_and_digits():
    assert normalise_answer("CENT TRENTE-TROIS services !") == "133 services"
    assert normalise_answer("L'Émploi-Store") == "l emploi store"


def test_a_phone_gets_right_answer_for_a_number_in_words(app, play):
    play.join("Alice")
    page = play.answer("services", answer="Cent trente trois").get_data(as_text=True)
    assert "Right answer!" in page
    with app.app_context():
        player = db.session.execute(db.select(Player)).scalar_one()
        assert (player.score, player.correct) == (20, 1)


def test_a_phone_gets_wrong_answer_for_another_number(app, play):
    play.join("Alice")
    page = play.answer("services", answer="cent trente-quatre").get_data(as_text=True)
    assert "Right answer!" not in page
    with app.app_context():
        assert db.session.execute(db.select(Player.score)).scalar_one() == 0
