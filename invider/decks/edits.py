"""Edits of the live deck, one invider at a time, through the same path as a TOML reload.

Each edit takes the loaded deck as deck data (``toml_writer.data_from_db``), changes
one ``[[invider]]`` table, validates the whole with ``reading.validate_deck`` and loads
it with ``loading.load_deck``: answers are kept, codes never change, numbers follow
the order, and removing an answered invider is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from invider.decks import reading
from invider.decks.columns import CHOICES
from invider.decks.problems import DeckError, Problem, Where
from invider.decks.reading import INVIDER_FIELDS, Deck
from invider.decks.spreadsheet import key_from

FORM = "the editor"  # the "file" the problems of the deck as a whole are placed in


class EditErrors(Exception):
    """Validation problems of an edit, each placed in a form field or in the whole deck."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    @property
    def fields(self) -> dict[str, list[Problem]]:
        """Return the problems of the edited invider by form field, in the form's order."""
        found: dict[str, list[Problem]] = {}
        for problem in self.problems:
            if problem.where.field:
                found.setdefault(problem.where.field, []).append(problem)
        return found

    @property
    def general(self) -> list[Problem]:
        """Return the problems of the deck as a whole (another invider, the hunt)."""
        return [p for p in self.problems if not p.where.field]


class FormCells:
    """Stand in for the TOML line finder: positions in the edited invider are form fields."""

    tables: dict = {}

    def __init__(self, target: int | None, typed: bool):
        self.target, self.typed = target, typed

    def of(self, table: str, index: int = 0, key: str | None = None) -> Where:
        """Return the form field of ``key`` for the edited invider, else the whole deck."""
        if table != "invider" or index != self.target:
            return Where(file=FORM, rank=(0,))
        rank = (1, INVIDER_FIELDS.index(key) if key in INVIDER_FIELDS else len(INVIDER_FIELDS))
        if key in ("choices", "answer") and not self.typed:
            key = "choices"  # the choices and the pick of the right one are one fieldset
        return Where(file=FORM, field=key or "question", rank=rank)


def form_table(form: Mapping, key: str) -> dict:
    """Build the ``[[invider]]`` table an edit form describes (the way a TOML file would)."""
    table: dict = {"key": key}
    for name in ("question", "fact", "topic", "location"):
        if (form.get(name) or "").strip():
            table[name] = form[name]
    if form.get("mode") == "typed":
        table["accept"] = [line for line in (form.get("accept") or "").splitlines() if line.strip()]
        if (form.get("answer") or "").strip():
            table["answer"] = form["answer"]
        if form.get("strict"):
            table["strict"] = True
    else:
        typed = {n: (form.get(f"choice{n}") or "").strip() for n in range(1, CHOICES + 1)}
        table["choices"] = [text for text in typed.values() if text]
        correct = form.get("correct", "")
        if correct.isdigit() and typed.get(int(correct)):
            table["answer"] = typed[int(correct)]
    points = (form.get("points") or "").strip()
    if points:
        table["points"] = int(points) if points.isdigit() else points
    if (form.get("wave") or "").strip():
        table["wave"] = form["wave"]
    if form.get("keep_order") and not table.get("accept"):
        table["shuffle_choices"] = False
    return table


def table_form(table: dict) -> dict:
    """Return the edit form's fields for an ``[[invider]]`` table (its inverse)."""
    form = {name: table.get(name, "") for name in ("key", "question", "fact", "topic", "location")}
    choices = table.get("choices", [])
    form["mode"] = "typed" if table.get("accept") else "choices"
    for n in range(1, CHOICES + 1):
        form[f"choice{n}"] = choices[n - 1] if n <= len(choices) else ""
    answer = table.get("answer", "")
    form["correct"] = str(choices.index(answer) + 1) if answer in choices else ""
    form["accept"] = "\n".join(table.get("accept", []))
    form["answer"] = answer if form["mode"] == "typed" else ""
    form["strict"] = bool(table.get("strict"))
    form["points"] = str(table.get("points", ""))
    form["wave"] = table.get("wave", "")
    form["keep_order"] = table.get("shuffle_choices") is False
    return form


def fingerprint(table: dict) -> str:
    """Return a short digest of an invider's fields: an edit of a stale form is refused."""
    return hashlib.sha256(json.dumps(table, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check(data: dict, target: int | None = None, typed: bool = False) -> Deck:
    """Validate edited deck data; raise EditErrors by field of the invider at ``target``."""
    try:
        return reading.validate_deck(data, FORM, FormCells(target, typed))
    except DeckError as e:
        raise EditErrors(e.problems) from None


def index_of(data: dict, key: str) -> int | None:
    """Return the place of the invider ``key`` in deck data, or None."""
    return next((i for i, t in enumerate(data["invider"]) if t.get("key") == key), None)


def replace(data: dict, key: str, table: dict) -> Deck:
    """Put ``table`` in place of the invider ``key`` and validate."""
    index = index_of(data, key)
    data["invider"][index] = table
    return check(data, index, "accept" in table)


def add(data: dict, table: dict) -> Deck:
    """Append a new invider (its key made from the question when left empty) and validate."""
    if not table.get("key"):
        taken = {t.get("key") for t in data["invider"]}
        table["key"] = key_from(table.get("question") or "invider", taken)
    data["invider"].append(table)
    return check(data, len(data["invider"]) - 1, "accept" in table)


def move(data: dict, key: str, step: int) -> Deck | None:
    """Move the invider ``key`` one place up (-1) or down (+1); None when it cannot move."""
    index = index_of(data, key)
    other = index + step
    if not 0 <= other < len(data["invider"]):
        return None
    items = data["invider"]
    items[index], items[other] = items[other], items[index]
    return check(data)


def remove(data: dict, key: str) -> Deck:
    """Take the invider ``key`` out of the deck and validate what is left."""
    data["invider"].pop(index_of(data, key))
    return check(data)


def changed_fields(before: dict, after: dict) -> list[str]:
    """Name the fields an edit changed, for the audit log."""
    return [name for name in INVIDER_FIELDS if before.get(name) != after.get(name)]
