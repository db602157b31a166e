"""Spreadsheet cells that are never run as a formula, and CSV text Excel opens as UTF-8.

Request-free and database-free: the posters' placement list and the exports both use it.
"""

from __future__ import annotations

import re

# What makes a spreadsheet read a cell as a formula (tab and CR too, for some).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Every separator a spreadsheet may split a CSV line on: "," in English, ";" in French
# (Excel and LibreOffice), tab. A formula sign right after one would start a cell there.
_SPLIT_FORMULA = re.compile(r"([,;\t\r\n][ \"']*)(?=[=+\-@])")
# Fields holding any of these are quoted, so a spreadsheet keeps them in one cell.
_NEEDS_QUOTES = re.compile(r"[,;\t\r\n\"]|^\s|\s$")


def neutralise(value) -> str:
    """Return ``value`` as CSV text that a spreadsheet shows as-is, never as a formula.

    A leading formula sign gets an apostrophe, and so does one right after a
    separator, for a spreadsheet that splits the line on ";" or tab instead of ",".
    """
    text = "" if value is None else str(value)
    text = _SPLIT_FORMULA.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _field(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(rows: list[list], columns: list[str]) -> str:
    """Return CSV text with a BOM so Excel reads it as UTF-8."""
    lines = [columns, *([neutralise(v) for v in row] for row in rows)]
    return "\ufeff" + "".join(",".join(map(_field, line)) + "\r\n" for line in lines)
