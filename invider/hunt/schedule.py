"""When the echo (the follow-up quiz) opens and closes, round by round, and the organisers
changing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from invider.hunt.moderation import audit
from invider.store.database import begin_write
from invider.store.models import Hunt, db, schedule_status, utcnow

#: Without dates in the deck, the echo opens a week after the close, for a week
#: (a review a few days to a week later suits a one-week horizon: Cepeda et al. 2008).
ECHO_DELAY = timedelta(days=7)


ECHO_LENGTH = timedelta(days=7)


@dataclass(frozen=True)
class EchoRound:
    """One round of the echo: its number (from 1) and when it opens and closes."""

    number: int
    opens: datetime
    closes: datetime


def echo_rounds(hunt: Hunt | None) -> list[EchoRound]:
    """Return the echo's rounds in order; empty when the hunt has no date to go by.

    With ``echo_rounds`` (days after the close) each round stays open a week, or until
    the next one opens; without it, the single round of ``echo_opens_at`` and
    ``echo_closes_at`` (by default a week after the close, for a week).
    """
    if hunt is None:
        return []
    days = list(hunt.echo_rounds or [])
    if days and hunt.closes_at is not None:
        starts = [hunt.closes_at + timedelta(days=d) for d in days]
        ends = [
            min(start + ECHO_LENGTH, later)
            for start, later in zip(starts, starts[1:], strict=False)
        ]
        ends.append(starts[-1] + ECHO_LENGTH)
        return [
            EchoRound(number, start, end)
            for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1)
        ]
    opens = hunt.echo_opens_at
    if opens is None and hunt.closes_at is not None:
        opens = hunt.closes_at + ECHO_DELAY
    if opens is None:
        return []
    return [EchoRound(1, opens, hunt.echo_closes_at or opens + ECHO_LENGTH)]


def echo_window(hunt: Hunt | None) -> tuple[datetime | None, datetime | None]:
    """Return when the echo's first round opens and its last closes; None: no date yet."""
    rounds = echo_rounds(hunt)
    if not rounds:
        return None, None
    return rounds[0].opens, rounds[-1].closes


def open_round(hunt: Hunt | None, now: datetime | None = None) -> EchoRound | None:
    """Return the round open at ``now``, if any."""
    now = now or utcnow()
    return next((r for r in echo_rounds(hunt) if r.opens <= now < r.closes), None)


def next_round(hunt: Hunt | None, now: datetime | None = None) -> EchoRound | None:
    """Return the next round to open after ``now``, if any."""
    now = now or utcnow()
    return next((r for r in echo_rounds(hunt) if now < r.opens), None)


def opened_rounds(hunt: Hunt | None, now: datetime | None = None) -> int:
    """Count the rounds that have opened by ``now`` (the report's curve goes that far)."""
    now = now or utcnow()
    return sum(1 for r in echo_rounds(hunt) if r.opens <= now)


def echo_status(hunt: Hunt | None, now: datetime | None = None) -> str:
    """Return ``unscheduled``, ``scheduled``, ``open`` or ``closed`` at ``now``.

    Between two rounds the echo is ``scheduled`` again: its next round is still to come.
    """
    if not echo_rounds(hunt):
        return "unscheduled"
    now = now or utcnow()
    # The echo asks about every poster, with its right answer after: while the hunt
    # still takes answers (a close moved later, a hunt reopened), it waits.
    if schedule_status(hunt, now) != "closed":
        return "scheduled"
    if open_round(hunt, now) is not None:
        return "open"
    if next_round(hunt, now) is not None:
        return "scheduled"
    return "closed"


def set_echo_window(
    hunt_id: int, opens_at: datetime | None, closes_at: datetime | None, actor: str
) -> Hunt:
    """Change when the echo opens and closes (None: the default); raise ValueError if reversed.

    ``ValueError("before close")`` when the echo would open (or close) before the hunt
    closes, or the hunt has no closing time to come after; a deck with ``echo_rounds``
    keeps its rounds: ``ValueError("rounds")``. The change is in the audit log; reloading
    the deck puts the deck's own dates back.
    """
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise ValueError("order")
    begin_write()
    hunt = db.session.get(Hunt, hunt_id)
    if hunt.echo_rounds:
        db.session.rollback()
        raise ValueError("rounds")
    closed = hunt.status_override == "closed"
    for when in (opens_at, closes_at):
        if when is not None and not closed and (hunt.closes_at is None or when < hunt.closes_at):
            db.session.rollback()
            raise ValueError("before close")
    hunt.echo_opens_at, hunt.echo_closes_at = opens_at, closes_at
    audit(
        actor,
        "hunt.echo",
        ", ".join(
            f"{label} {t.isoformat(timespec='minutes') if t else '-'}"
            for label, t in (("opens", opens_at), ("closes", closes_at))
        ),
    )
    db.session.commit()
    return hunt
