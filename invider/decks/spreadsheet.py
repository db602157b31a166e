"""The deck as a spreadsheet: deck data to an .xlsx workbook, and .xlsx or .csv back.

A workbook has an *Inviders* sheet (one row per invider, poster order) and a
*Hunt* sheet (one row per setting). Reading builds the same dict a TOML deck
gives and validates it with ``reading.validate_deck``; each problem is placed in
its cell and worded in a spreadsheet's terms:
``Inviders, row 4, column "Fact": fact must not be empty``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from invider.decks import reading
from invider.decks.columns import (
    BOOL,
    DAYS,
    HUNT_HEADER,
    INT,
    LIST,
    NUMBER,
    SHEETS,
    TEXT,
    WAVES,
    WHEN,
    Column,
    hunt_rows,
    invider_columns,
    waves_from_cell,
)
from invider.decks.problems import N_, DeckError, Problem, Where, problem
from invider.decks.reading import Deck
from invider.decks.sheet_places import Cells, in_sheet_terms

MAX_UNZIPPED = 30 * 1024 * 1024  # a deck is kilobytes; more is a zip bomb, not a deck
#: Characters of a CSV file the sniffer reads to tell its delimiter: the first rows.
CSV_SAMPLE = 16 * 1024
#: How far a sheet is read: a deck has at most reading.MAX_INVIDERS rows of inviders
#: (plus headings, a help row and some blank ones) and a few dozen columns. Anything
#: beyond is refused, named, and never built: openpyxl builds every cell up to the
#: farthest one, and one stray cell at A1000000 took a worker to 2.9 GB.
MAX_SHEET_ROWS = 1000
MAX_SHEET_COLUMNS = 50
#: The longest CSV field read (csv's own limit, 131,072, raised an uncaught error).
MAX_CSV_FIELD = 100_000


def _names(column: Column) -> set[str]:
    return {_fold(column.en), _fold(column.fr), _fold(column.key)}


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


# ---- reading ---------------------------------------------------------------------------


@dataclass
class Grid:
    """A grid of cell values with its name, as read from a workbook or a CSV file."""

    name: str
    rows: list[tuple]


SHEET_SUFFIXES = (".xlsx", ".csv")


def read_any_deck(path: str | Path, hunt: dict | None = None) -> Deck:
    """Read and validate a deck file of any form: .toml, .xlsx or .csv."""
    if Path(path).suffix.lower() in SHEET_SUFFIXES:
        return read_sheet(path, hunt)[1]
    return reading.read_deck(path)


def read_sheet(path: str | Path, hunt: dict | None = None) -> tuple[dict, Deck]:
    """Read and validate an .xlsx or .csv deck; raise DeckError naming every cell at fault.

    Returns the deck data (the dict a TOML file would give) and the validated Deck. A
    .csv holds only inviders: ``hunt`` (the loaded hunt's table) supplies the rest.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise _refused(
            path.name, N_("cannot read the file: %(reason)s"), reason=e.strerror
        ) from None
    if path.suffix.lower() == ".csv":
        return deck_from_sheets([csv_sheet(raw, path.name)], hunt, path.name)
    return deck_from_sheets(xlsx_sheets(raw, path.name), hunt, path.name)


def xlsx_sheets(raw: bytes, name: str) -> list[Grid]:
    """Return the sheets of an .xlsx workbook as grids of values."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED:
                raise _refused(name, N_("the workbook is too large to be a deck"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel features it skips
            # Read-only mode streams rows instead of building the whole grid.
            book = load_workbook(io.BytesIO(raw), data_only=True, read_only=True)
            try:
                return [_bounded(ws.title, ws.iter_rows(values_only=True), name) for ws in book]
            finally:
                book.close()
    except DeckError:
        raise
    except Exception:  # a broken zip, an .xls or .ods renamed: all mean the same to organisers
        raise _refused(
            name,
            N_("not an Excel workbook (.xlsx); save it as .xlsx or .csv and upload it again"),
        ) from None


def _bounded(title: str, rows, name: str) -> Grid:
    """Keep at most MAX_SHEET_ROWS rows of MAX_SHEET_COLUMNS cells; refuse a sheet with more.

    Rows arrive one at a time (a stray far cell costs one row, not the rectangle),
    and reading stops at the first filled cell beyond the limits, whatever the sheet
    declares its size to be.
    """
    from openpyxl.utils import get_column_letter

    kept = []
    for number, row in enumerate(rows, start=1):
        beyond = next((i for i in range(MAX_SHEET_COLUMNS, len(row)) if _filled(row[i])), None)
        if number > MAX_SHEET_ROWS and any(_filled(v) for v in row[:MAX_SHEET_COLUMNS]):
            beyond = next(i for i, v in enumerate(row) if _filled(v))
        if beyond is not None:
            cell = f"{get_column_letter(beyond + 1)}{number}"
            raise DeckError(
                [
                    f"{name}: sheet {title!r} has a cell at {cell}, beyond what a deck may "
                    f"use (rows 1 to {MAX_SHEET_ROWS}, columns A to "
                    f"{get_column_letter(MAX_SHEET_COLUMNS)}); delete the rows and columns "
                    "past the deck and upload it again"
                ]
            )
        if number <= MAX_SHEET_ROWS:
            kept.append(tuple(row[:MAX_SHEET_COLUMNS]))
    while kept and not any(_filled(v) for v in kept[-1]):
        kept.pop()  # trailing blank rows, as a sheet declared larger than it is gives
    return Grid(title, kept)


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def csv_sheet(raw: bytes, name: str) -> Grid:
    """Return a CSV file as one sheet: UTF-8 (with or without BOM), UTF-16 with its BOM
    (Excel's "Unicode text") or Windows-1252."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refused(name, N_("not text in UTF-8 or Windows-1252; save it as CSV UTF-8"))
    if "\x00" in text:
        raise DeckError(
            [f"{name}: the file holds NUL characters, so it is not CSV text; save it as CSV UTF-8"]
        )
    # French spreadsheets write ";", others ",", some tabs: the sniffer tells from the
    # first rows. Only its delimiter is kept: its guesses about quoting, from a sample
    # without doubled quotes, would misread a later row that has some.
    try:
        delimiter = csv.Sniffer().sniff(text[:CSV_SAMPLE], delimiters=";,\t").delimiter
    except csv.Error:  # one column, or no row it can tell from: any delimiter reads it
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_CSV_FIELD)
        rows = _bounded(name, reader, name).rows
    except csv.Error:
        raise DeckError(
            [
                f"{name}, row {reader.line_num}: a field is longer than {MAX_CSV_FIELD:,} "
                "characters, far more than any deck text; check the quotes in that row"
            ]
        ) from None
    finally:
        csv.field_size_limit(limit)
    return Grid(name, rows)


def deck_from_sheets(sheets: list[Grid], hunt: dict | None, name: str) -> tuple[dict, Deck]:
    """Build deck data from the sheets, validate it, and return the data and the Deck."""
    by_name = {_fold(s.name): s for s in sheets}
    inviders = next(
        (by_name[_fold(n)] for n in SHEETS["inviders"].values() if _fold(n) in by_name), None
    )
    hunt_sheet = next(
        (by_name[_fold(n)] for n in SHEETS["hunt"].values() if _fold(n) in by_name), None
    )
    if inviders is None and len(sheets) == 1:
        inviders = sheets[0]  # a CSV file, or a workbook whose one sheet was renamed
    if inviders is None:
        raise _refused(name, N_("no sheet named Inviders"))
    language = "fr" if hunt_sheet and hunt_sheet.name == SHEETS["hunt"]["fr"] else "en"
    if hunt_sheet is None and hunt and hunt.get("language") == "fr":
        language = "fr"
    cells, errors = Cells(language), []
    cells.invider_sheet = inviders.name
    if hunt_sheet is not None:
        cells.hunt_sheet = hunt_sheet.name
        table = read_hunt(hunt_sheet, cells, errors)
    elif hunt is not None:
        table = dict(hunt)
    else:
        raise _refused(
            name,
            N_(
                "no Hunt sheet; a .csv file holds only the inviders, so load "
                "a deck first or use the .xlsx template"
            ),
        )
    data = {"hunt": table, "invider": read_inviders(inviders, cells, errors)}
    try:
        deck = reading.validate_deck(data, name, cells)
    except DeckError as e:
        # A cell whose value could not be read already has its problem: say it once.
        flagged = {found.where for found in errors}
        errors += [in_sheet_terms(p) for p in e.problems if p.where not in flagged]
    if errors:
        raise DeckError(_sorted(errors))
    return data, deck


def _refused(name: str, message: str, **params) -> DeckError:
    return DeckError([problem(Where(file=name), message, **params)])


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Order problems by sheet and row, each said once."""
    once = {str(p): p for p in problems}.values()
    return sorted(once, key=lambda p: (p.where.sheet or "", p.where.row or 0))


def read_hunt(sheet: Grid, cells: Cells, errors: list) -> dict:
    """Read the Hunt sheet's setting rows into a ``[hunt]`` table."""
    known = hunt_rows()
    table: dict = {}
    for row, values in enumerate(sheet.rows, start=1):
        setting = values[0] if values else None
        value = values[1] if len(values) > 1 else None
        if row == 1 or setting is None or not str(setting).strip():
            continue
        column = next((c for c in known if _fold(setting) in _names(c)), None)
        if column is None:
            at = cells.cell(sheet.name, row, HUNT_HEADER[cells.language][0], 1)
            errors.append(
                problem(at, N_("unknown setting %(setting)r"), setting=str(setting).strip())
            )
            continue
        cells.hunt_rows[column.key] = row
        at = cells.of("hunt", 0, column.key)
        converted = convert(value, column.kind, at, errors)
        if converted is not None:
            table[column.key] = converted
    if isinstance(table.get("waves"), str):  # bare times need the opening's day
        table["waves"] = waves_from_cell(table["waves"], table.get("opens_at"))
    return table


def read_inviders(sheet: Grid, cells: Cells, errors: list) -> list[dict]:
    """Read the Inviders sheet, one ``[[invider]]`` table per non-empty row."""
    if not sheet.rows:
        return []
    columns: dict[int, Column] = {}
    known = invider_columns()
    for index, heading in enumerate(sheet.rows[0]):
        if heading is None or not str(heading).strip():
            continue
        column = next((c for c in known if _fold(heading) in _names(c)), None)
        at = cells.cell(sheet.name, 1, str(heading).strip(), index + 1)
        if column is None:
            expected = ", ".join(c.label(cells.language) for c in known)
            errors.append(
                problem(at, N_("unknown column (expected: %(expected)s)"), expected=expected)
            )
        elif column in columns.values():
            errors.append(problem(at, N_("this column appears twice")))
        else:
            columns[index] = column
            cells.labels[column.key] = str(heading).strip()
    helps = {_fold(c.help(lang)) for c in known for lang in ("en", "fr") if c.help(lang)}
    tables, keys = [], set()
    for row, values in enumerate(sheet.rows[1:], start=2):
        filled = {
            i: v for i, v in enumerate(values) if i in columns and v is not None and str(v).strip()
        }
        if not filled or (row == 2 and all(_fold(v) in helps for v in filled.values())):
            continue  # an empty row, or the help row under the headings
        cells.invider_rows.append(row)
        table, choices = {}, []
        for i, value in sorted(filled.items()):
            column = columns[i]
            at = cells.cell(sheet.name, row, cells.labels[column.key], i + 1)
            converted = convert(value, column.kind, at, errors)
            if converted is None or column.kind == NUMBER:
                continue
            if column.key.startswith("choice"):
                choices.append(converted)
            else:
                table[column.key] = converted
        if choices:
            table["choices"] = choices
        if "key" not in table:
            table["key"] = key_from(table.get("question") or f"row {row}", keys)
        keys.add(table["key"])
        tables.append(table)
    return tables


def key_from(question: str, taken: set[str]) -> str:
    """Make a key from a question: its first words, folded to a-z, 0-9 and '-'."""
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    key = ""
    for word in words:
        if len(key) + len(word) + 1 > 40:
            break
        key = f"{key}-{word}" if key else word
    key = key or "invider"
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}-{n}", n + 1
    return candidate


def convert(value, kind: str, at: Where, errors: list[Problem]):
    """Turn a cell value into the deck value ``kind`` expects; None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime | date | time) and kind in (TEXT, LIST):
        if isinstance(value, datetime) and value.time() == time(0):
            value = value.date()  # what the organiser typed was a day, not midnight
        shown = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        errors.append(
            problem(
                at,
                N_(
                    "the spreadsheet turned this cell into a date (%(shown)s); format "
                    "the column as text and type it again"
                ),
                shown=shown,
            )
        )
        return shown
    if kind in (TEXT, WAVES):
        return _text(value)
    if kind == LIST:
        # One form a line when any form holds a "|", else "a | b" on one line.
        text = _text(value)
        parts = text.split("\n") if "\n" in text else text.split("|")
        return [part.strip() for part in parts if part.strip()]
    if kind == DAYS:
        # Whole numbers of days ("7 | 28 | 84"); anything else is left for the deck check.
        parts = convert(value, LIST, at, errors)
        if not isinstance(parts, list):
            return parts
        return [int(p) if p.isdigit() else p for p in parts]
    if kind in (INT, NUMBER):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            return int(value)
        return value
    if kind == BOOL:
        words = {
            "true": True,
            "vrai": True,
            "yes": True,
            "oui": True,
            "1": True,
            "false": False,
            "faux": False,
            "no": False,
            "non": False,
            "0": False,
        }
        return words.get(_fold(value), value) if not isinstance(value, bool) else value
    if kind == WHEN and isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return value.strip()
    return value


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()
