"""Results for organisers as CSV and as an Excel workbook; neither ever runs a formula."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from invider.figures import privacy_floor
from invider.learning import TOPIC_COLUMNS, topic_rows
from invider.models import Hunt, Invider, Player, db, utcnow
from invider.privacy import is_discreet
from invider.report import poster_health

# What makes a spreadsheet read a cell as a formula (tab and CR too, for some).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Every separator a spreadsheet may split a CSV line on: "," in English, ";" in French
# (Excel and LibreOffice), tab. A formula sign right after one would start a cell there.
_SPLIT_FORMULA = re.compile(r"([,;\t\r\n][ \"']*)(?=[=+\-@])")
# Fields holding any of these are quoted, so a spreadsheet keeps them in one cell.
_NEEDS_QUOTES = re.compile(r"[,;\t\r\n\"]|^\s|\s$")

RESULT_COLUMNS = ["rank", "name", "team", "score", "found", "correct", "hidden", "joined_at"]
INVIDER_COLUMNS = [
    "number",
    "key",
    "question",
    "topic",
    "location",
    "points",
    "answers",
    "correct",
    "share_correct",
    "last_answer",
]
# Columns that hold what people typed: always text cells in the workbook.
TEXT_COLUMNS = {"name", "team", "key", "question", "topic", "location"}
# Excel has no time zones: the workbook gives these in UTC, and says so in the header.
TIME_COLUMNS = {"joined_at", "last_answer"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def result_rows() -> list[list]:
    """Return every player in rank order, as typed values of RESULT_COLUMNS."""
    players = db.session.execute(
        db.select(Player).order_by(Player.score.desc(), Player.score_at, Player.id)
    ).scalars()
    return [
        [rank, p.name, p.team, p.score, p.found, p.correct, int(p.hidden), p.joined_at]
        for rank, p in enumerate(players, start=1)
    ]


def invider_rows() -> list[list]:
    """Return every invider with its answers and right answers, as values of INVIDER_COLUMNS."""
    questions = dict(db.session.execute(db.select(Invider.key, Invider.question)).all())
    points = dict(db.session.execute(db.select(Invider.key, Invider.points)).all())
    return [
        [
            r.number,
            r.key,
            questions[r.key],
            r.topic,
            r.location,
            points[r.key],
            r.answers,
            r.correct,
            r.share,
            r.last,
        ]
        for r in poster_health(None, utcnow(), 0)
    ]


def _csv_value(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def results_csv() -> str:
    """Return every player with live rank, score, finds and right answers."""
    rows = [[_csv_value(v) for v in row] for row in result_rows()]
    return write_csv(rows, RESULT_COLUMNS)


def inviders_csv() -> str:
    """Return every invider with its answers, right answers and last answer time."""
    rows = [[_csv_value(v) for v in row] for row in invider_rows()]
    return write_csv(rows, INVIDER_COLUMNS)


def topics_csv(floor: int) -> str:
    """Return the learning figures per topic (groups of at least ``floor`` players)."""
    rows = [[_csv_value(v) for v in row] for row in topic_rows(floor)]
    return write_csv(rows, TOPIC_COLUMNS)


def _sheet(book: Workbook, title: str, columns: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for letter, column in zip("ABCDEFGHIJ", columns, strict=False):
        sheet.column_dimensions[letter].width = 40 if column in TEXT_COLUMNS else 14
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=f"{column} (UTC)" if column in TIME_COLUMNS else column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            if column in TEXT_COLUMNS:
                text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
                cell = WriteOnlyCell(sheet, value=text)
                # Set after the value: openpyxl reads a text starting with "=" as a formula.
                cell.data_type = "s"
            elif isinstance(value, datetime):
                if value.tzinfo is not None:
                    value = value.astimezone(UTC).replace(tzinfo=None)
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, float):
                    cell.number_format = "0%"
            cells.append(cell)
        sheet.append(cells)


def results_xlsx() -> bytes:
    """Return the results as an Excel workbook: players, inviders and topics sheets.

    Every name and every text is a text cell, so no spreadsheet runs it as a formula.
    """
    book = Workbook(write_only=True)
    if not is_discreet(Hunt.current()):  # works-council mode: no per-person rows leave
        _sheet(book, "players", RESULT_COLUMNS, result_rows())
    _sheet(book, "inviders", INVIDER_COLUMNS, invider_rows())
    _sheet(book, "topics", TOPIC_COLUMNS, topic_rows(privacy_floor()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
