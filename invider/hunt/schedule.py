"""When the echo (the follow-up quiz) opens and closes, and the organisers changing it."""

from __future__ import annotations

from datetime import datetime, timedelta

from invider.hunt.moderation import audit
from invider.store.database import begin_write
from invider.store.models import Hunt, db, schedule_status, utcnow

#: Without dates in the deck, the echo opens a week after the close, for a week
#: (a review a few days to a week later suits a one-week horizon: Cepeda et al. 2008).
ECHO_DELAY = timedelta(days=7)


ECHO_LENGTH = timedelta(days=7)


def echo_window(hunt: Hunt | None) -> tuple[datetime | None, datetime | None]:
    """Return when the echo opens and closes; None when the hunt has no date to go by."""
    if hunt is None:
        return None, None
    opens = hunt.echo_opens_at
    if opens is None and hunt.closes_at is not None:
        opens = hunt.closes_at + ECHO_DELAY
    closes = hunt.echo_closes_at
    if closes is None and opens is not None:
        closes = opens + ECHO_LENGTH
    return opens, closes


def echo_status(hunt: Hunt | None, now: datetime | None = None) -> str:
    """Return ``unscheduled``, ``scheduled``, ``open`` or ``closed`` at ``now``."""
    opens, closes = echo_window(hunt)
    if opens is None:
        return "unscheduled"
    now = now or utcnow()
    if now < opens:
        return "scheduled"
    if closes is not None and now >= closes:
        return "closed"
    # The echo asks about every poster, with its right answer after: while the hunt
    # still takes answers (a close moved later, a hunt reopened), it waits.
    if schedule_status(hunt, now) != "closed":
        return "scheduled"
    return "open"


def set_echo_window(
    hunt_id: int, opens_at: datetime | None, closes_at: datetime | None, actor: str
) -> Hunt:
    """Change when the echo opens and closes (None: the default); raise ValueError if reversed.

    ``ValueError("before close")`` when the echo would open (or close) before the hunt
    closes, or the hunt has no closing time to come after. The change is in the audit
    log; reloading the deck puts the deck's own dates back.
    """
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise ValueError("order")
    begin_write()
    hunt = db.session.get(Hunt, hunt_id)
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
