"""Write deck data as an .xlsx workbook organisers fill in with the spreadsheet they know.

The layout is the one ``spreadsheet`` reads back: an Inviders sheet (headings,
a help row, one row per invider) and a Hunt sheet (setting, value, help).
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from invider.decks.columns import (
    BOOL,
    CHOICES,
    HUNT_HEADER,
    INT,
    LIST,
    NUMBER,
    SHEETS,
    WAVES,
    WHEN,
    Column,
    hunt_rows,
    invider_columns,
    waves_cell,
)

BLANK_ROWS = 200  # formatted as text below the deck, so new rows keep "July 2015" as text
WIDTHS = {NUMBER: 6, INT: 8, BOOL: 9}
HEADING, HELP = Font(bold=True), Font(italic=True, color="555555")


def workbook_bytes(data: dict | None, language: str = "fr") -> bytes:
    """Return the deck (or, for None, an empty template) as the bytes of an .xlsx file."""
    hunt = (data or {}).get("hunt", {"language": language})
    language = hunt.get("language", language) if hunt.get("language") in ("fr", "en") else language
    book = Workbook()
    inviders = book.active
    inviders.title = SHEETS["inviders"][language]
    write_inviders(inviders, (data or {}).get("invider", []), language)
    write_hunt(book.create_sheet(SHEETS["hunt"][language]), hunt, language)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_inviders(sheet, tables: list[dict], language: str) -> None:
    """Fill the Inviders sheet: headings, help, one row per invider."""
    columns = invider_columns()
    for index, column in enumerate(columns, start=1):
        heading = sheet.cell(1, index, column.label(language))
        heading.font = HEADING
        help_cell = sheet.cell(2, index, column.help(language) or None)
        help_cell.font, help_cell.alignment = HELP, Alignment(wrap_text=True, vertical="top")
        width = WIDTHS.get(column.kind, 40 if column.key in ("question", "fact") else 18)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"
    for number, table in enumerate(tables, start=1):
        row = number + 2
        for index, column in enumerate(columns, start=1):
            put(sheet.cell(row, index), cell_value(column, table, number), column.kind)
    for row in range(len(tables) + 3, len(tables) + 3 + BLANK_ROWS):
        for index, column in enumerate(columns, start=1):
            if column.kind not in (NUMBER, INT, BOOL):
                sheet.cell(row, index).number_format = "@"


def cell_value(column: Column, table: dict, number: int):
    """Return what the cell of ``column`` shows for one invider."""
    if column.kind == NUMBER:
        return number
    if column.key.startswith("choice"):
        choices = table.get("choices", [])
        n = int(column.key.removeprefix("choice"))
        return choices[n - 1] if n <= min(len(choices), CHOICES) else None
    return table.get(column.key)


def write_hunt(sheet, hunt: dict, language: str) -> None:
    """Fill the Hunt sheet: one row per setting, its value and a short help."""
    for index, heading in enumerate(HUNT_HEADER[language], start=1):
        sheet.cell(1, index, heading).font = HEADING
    for row, column in enumerate(hunt_rows(), start=2):
        sheet.cell(row, 1, column.label(language))
        put(sheet.cell(row, 2), hunt.get(column.key), column.kind)
        sheet.cell(row, 3, column.help(language)).font = HELP
        if column.key == "language":
            choice = DataValidation(type="list", formula1='"fr,en"', allow_blank=True)
            sheet.add_data_validation(choice)
            choice.add(sheet.cell(row, 2))
    for letter, width in zip("ABC", (24, 34, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def put(cell, value, kind: str) -> None:
    """Write ``value`` so that it reads back as the same deck value."""
    if kind not in (NUMBER, INT, BOOL):
        cell.number_format = "@"  # text: the spreadsheet must not make dates of it
    if value is None:
        return
    if kind == WAVES:
        value = waves_cell(value) if value else None
        if value is None:
            return
    elif kind == LIST or isinstance(value, list):
        parts = [str(v) for v in value]
        value = ("\n" if any("|" in p for p in parts) else " | ").join(parts)
    elif kind == WHEN and isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, str) and "\n" in value:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
