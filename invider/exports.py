"""Results as CSV for organisers: opens in Excel, never runs a formula."""

from __future__ import annotations

import csv
import io

from invider.models import Invider, Player, db, utcnow
from invider.report import poster_health

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RESULT_COLUMNS = ["rank", "name", "team", "score", "found", "correct", "hidden", "joined_at"]


def neutralise(value) -> str:
    """Return ``value`` as text that a spreadsheet shows as-is, never as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(rows: list[list], columns: list[str]) -> str:
    """Return CSV text with a BOM so Excel reads it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return out.getvalue()


def results_csv() -> str:
    """Return every player with live rank, score, finds and right answers."""
    players = db.session.execute(
        db.select(Player).order_by(Player.score.desc(), Player.score_at, Player.id)
    ).scalars()
    rows = [
        [rank, p.name, p.team, p.score, p.found, p.correct, int(p.hidden),
         p.joined_at.isoformat(timespec="seconds")]
        for rank, p in enumerate(players, start=1)
    ]  # fmt: skip
    return write_csv(rows, RESULT_COLUMNS)


INVIDER_COLUMNS = ["number", "key", "question", "topic", "location", "points", "answers",
                   "correct", "share_correct", "last_answer"]  # fmt: skip


def inviders_csv() -> str:
    """Return every invider with its answers, right answers and last answer time."""
    questions = dict(db.session.execute(db.select(Invider.key, Invider.question)).all())
    points = dict(db.session.execute(db.select(Invider.key, Invider.points)).all())
    rows = [
        [r.number, r.key, questions[r.key], r.topic, r.location, points[r.key], r.answers,
         r.correct, f"{r.share:.2f}" if r.share is not None else "",
         r.last.isoformat(timespec="seconds") if r.last else ""]
        for r in poster_health(None, utcnow(), 0)
    ]  # fmt: skip
    return write_csv(rows, INVIDER_COLUMNS)
