"""Deck problems are data: a place (line, cell or editor field), a message id and parameters."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from conftest import ROOT, SMALL_DECK

from invider.admin.deck_editor import EDITOR_WORDING
from invider.decks import edits
from invider.decks.problems import DeckError, Phrase, Problem, Where
from invider.decks.sheet_places import SHEET_WORDING
from invider.decks.spreadsheet import read_any_deck
from invider.decks.workbook import workbook_bytes


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def refused(path: Path) -> list[Problem]:
    with pytest.raises(DeckError) as error:
        read_any_deck(path)
    return error.value.problems


def test_a_toml_problem_is_a_line_a_message_id_and_its_parameters(tmp_path):
    text = SMALL_DECK.replace('key = "partners"', 'key = "launch"')
    text = text.replace('language = "en"', 'language = "de"')
    path = write(tmp_path / "deck.toml", text)
    language, duplicate = refused(path)
    assert language == Problem(Where(file=str(path), line=3), 'language must be "fr" or "en"')
    assert duplicate.where == Where(file=str(path), line=26)
    assert duplicate.message == "duplicate key %(key)r (first at %(first)s)"
    assert duplicate.params == {"key": "launch", "first": Where(file=str(path), line=8)}
    # The terminal's line, as DESIGN.md says: path:line: what is wrong.
    assert str(duplicate) == f"{path}:26: duplicate key 'launch' (first at line 8)"


def test_a_missing_key_is_placed_at_its_table_and_names_the_key(tmp_path):
    path = write(
        tmp_path / "deck.toml", SMALL_DECK.replace('fact = "72 partners already joined."\n', "")
    )
    [missing] = refused(path)
    assert (missing.where.line, missing.message, missing.params) == (
        25,
        "missing %(key)s",
        {"key": "fact"},
    )


def test_a_wrong_kind_of_value_is_a_phrase_to_translate(tmp_path):
    path = write(tmp_path / "deck.toml", SMALL_DECK.replace('topic = "Partners"', "topic = 12"))
    [problem] = refused(path)
    assert problem.params == {"key": "topic", "kind": "a number"}
    assert isinstance(problem.params["kind"], Phrase)
    french = {
        "%(key)s must be text in quotes, not %(kind)s": "%(key)s pas %(kind)s",
        "a number": "un nombre",
    }
    assert problem.text(lambda m: french.get(m, m)) == "topic pas un nombre"


def spreadsheet(tmp_path: Path, change) -> Path:
    data = tomllib.loads(SMALL_DECK)
    change(data)
    return write(tmp_path / "deck.xlsx", workbook_bytes(data))


def test_a_spreadsheet_problem_is_a_cell_worded_for_a_spreadsheet(tmp_path):
    path = spreadsheet(tmp_path, lambda data: data["invider"][2].update(accept=["72"]))
    [problem] = refused(path)
    assert problem.where == Where(sheet="Inviders", row=5, column="Accepted answers")
    assert (problem.message, problem.params) == (
        "give either choices or accepted answers, not both",
        {},
    )
    assert str(problem) == (
        'Inviders, row 5, column "Accepted answers": give either choices or accepted answers, '
        "not both"
    )


def test_a_missing_setting_is_placed_in_the_hunt_sheet(tmp_path):
    path = spreadsheet(tmp_path, lambda data: data["hunt"].update(title=" "))
    [problem] = refused(path)
    assert problem.where == Where(sheet="Hunt", row=2, column="Value")
    assert (problem.message, problem.params) == ("missing %(key)s", {"key": "title"})


def test_a_duplicate_key_in_a_spreadsheet_points_at_the_first_row(tmp_path):
    path = spreadsheet(tmp_path, lambda data: data["invider"][2].update(key="launch"))
    [problem] = refused(path)
    assert problem.params["first"] == Where(sheet="Inviders", row=3, column="Key")
    assert str(problem).endswith("duplicate key 'launch' (first at row 3)")


def test_an_editor_problem_is_a_form_field(tmp_path):
    data = tomllib.loads(SMALL_DECK)
    table = {**data["invider"][0], "fact": " ", "points": "ten"}
    with pytest.raises(edits.EditErrors) as error:
        edits.replace(data, "launch", table)
    assert [(p.where.field, p.message) for p in error.value.problems] == [
        ("fact", "%(key)s must not be empty"),
        ("points", "points must be a whole number from 1 to 1000"),
    ]
    assert error.value.general == []
    assert list(error.value.fields) == ["fact", "points"]


def test_the_pick_of_the_right_choice_is_placed_with_the_choices(tmp_path):
    data = tomllib.loads(SMALL_DECK)
    table = {k: v for k, v in data["invider"][0].items() if k != "answer"}
    with pytest.raises(edits.EditErrors) as error:
        edits.replace(data, "launch", table)
    [problem] = error.value.problems
    assert (problem.where.field, problem.message) == (
        "choices",
        "missing answer (one of the choices)",
    )


def test_a_problem_of_another_invider_is_the_whole_decks():
    data = tomllib.loads(SMALL_DECK)
    data["invider"][2]["answer"] = "73"  # as if the loaded deck had gone wrong
    with pytest.raises(edits.EditErrors) as error:
        edits.replace(data, "launch", dict(data["invider"][0]))
    [problem] = error.value.general
    assert problem.where == Where(file=edits.FORM)
    assert problem.params == {"answer": "73"}


def test_plain_text_still_makes_a_deck_error():
    error = DeckError(["deck.toml:4: something new"])
    assert error.messages == ["deck.toml:4: something new"]
    assert error.problems == [Problem(Where(), "deck.toml:4: something new")]


def validator_messages() -> set[str]:
    found = set()
    for module in ("reading.py", "loading.py"):
        path = ROOT / "invider" / "decks" / module
        found |= {message for _, message, _, _ in extract_from_file("python", str(path))}
    return found


@pytest.mark.parametrize("wording", [EDITOR_WORDING, SHEET_WORDING], ids=["editor", "sheet"])
def test_every_reworded_message_is_one_the_validator_says(wording):
    assert set(wording) - validator_messages() == set()
