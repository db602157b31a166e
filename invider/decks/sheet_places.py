"""Where a spreadsheet deck's values sit, and the validator's messages in a spreadsheet's terms.

``spreadsheet`` reads the sheets into deck data; ``Cells`` then answers the validator's
``of(table, index, key)`` with the cell a value came from.
"""

from __future__ import annotations

from invider.decks.columns import HUNT_HEADER, INVIDER_COLUMNS, SHEETS
from invider.decks.problems import N_, Problem, Where


class Cells:
    """Stand in for the TOML line finder: the place of each deck value is a cell.

    ``reading.validate_deck`` asks ``of(table, index, key)`` where a value came from;
    a key left out is placed in its column (the Hunt sheet's value, if its row is there).
    """

    def __init__(self, language: str):
        self.language = language
        self.tables: dict = {}  # no TOML tables here: nothing to look up by header
        self.sheet_order: dict[str, int] = {}
        self.hunt_sheet, self.hunt_rows = SHEETS["hunt"][language], {}
        self.invider_sheet, self.invider_rows, self.labels = "", [], {}

    def cell(self, sheet: str, row: int, column: str | None, index: int = 99) -> Where:
        """Return the place of a cell (or of a whole row when ``column`` is None)."""
        order = self.sheet_order.setdefault(sheet, len(self.sheet_order) + 1)
        rank = (order, row, index if column else 0)
        return Where(sheet=sheet, row=row, column=column, rank=rank)

    def label(self, key: str) -> str:
        """Return the column heading that holds ``key`` in the Inviders sheet."""
        key = "choice1" if key == "choices" else key
        found = self.labels.get(key)
        if found:
            return found
        column = next((c for c in INVIDER_COLUMNS if c.key == key), None)
        return column.label(self.language) if column else key

    def of(self, table: str, index: int = 0, key: str | None = None) -> Where:
        """Return the cell holding ``key`` of a deck table (like KeyLines.of)."""
        if table == "invider" and index < len(self.invider_rows):
            row = self.invider_rows[index]
            if key is None:
                return self.cell(self.invider_sheet, row, None)
            return self.cell(self.invider_sheet, row, self.label(key), self._index(key))
        if table == "hunt" and key in self.hunt_rows:
            return self.cell(self.hunt_sheet, self.hunt_rows[key], HUNT_HEADER[self.language][1], 2)
        return self.cell(self.hunt_sheet if table == "hunt" else self.invider_sheet, 1, None)

    def _index(self, key: str) -> int:
        keys = [c.key for c in INVIDER_COLUMNS]
        key = "choice1" if key == "choices" else key
        return keys.index(key) + 1 if key in keys else 99


#: The validator's messages that speak of TOML, and what the spreadsheet says instead.
SHEET_WORDING = {
    N_("%(key)s must be text in quotes, not %(kind)s"): N_("%(key)s must be text, not %(kind)s"),
    N_('%(key)s must be a list of non-empty texts, like ["a", "b"]'): N_(
        "%(key)s must be a list of non-empty texts, separated by |"
    ),
    N_("missing choices (or accept, for a typed answer)"): N_(
        "missing choices (or accepted answers, for a typed answer)"
    ),
    N_("give either choices or accept, not both"): N_(
        "give either choices or accepted answers, not both"
    ),
    N_("the deck has no [[invider]]"): N_("the sheet has no invider row"),
    N_("%(key)s needs a date, a time and a UTC offset, like 2026-03-14T09:00:00+01:00"): N_(
        "%(key)s needs a date, a time and a UTC offset, as text like 2026-03-14T09:00:00+01:00"
    ),
}


def in_sheet_terms(found: Problem) -> Problem:
    """Return a validator's problem worded for a spreadsheet."""
    wording = SHEET_WORDING.get(found.message)
    return Problem(found.where, wording, found.params) if wording else found
