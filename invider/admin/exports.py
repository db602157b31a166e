"""Results for organisers as CSV and as an Excel workbook; neither ever runs a formula."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from invider.admin.report import poster_health
from invider.decks.cells import write_csv
from invider.hunt.discretion import is_discreet, privacy_floor
from invider.learning.topics import TOPIC_COLUMNS, topic_rows
from invider.store.models import RANKING, Hunt, Invider, Player, db, utcnow

if TYPE_CHECKING:  # openpyxl is imported by the workbook's functions: every command and
    from openpyxl import Workbook  # server start imports this module, few write a workbook

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


def result_rows() -> list[list]:
    """Return every player in rank order, as typed values of RESULT_COLUMNS."""
    players = db.session.execute(db.select(Player).order_by(*RANKING)).scalars()
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
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

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
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    if not is_discreet(Hunt.current()):  # works-council mode: no per-person rows leave
        _sheet(book, "players", RESULT_COLUMNS, result_rows())
    _sheet(book, "inviders", INVIDER_COLUMNS, invider_rows())
    _sheet(book, "topics", TOPIC_COLUMNS, topic_rows(privacy_floor()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
