"""The hunt and its deck as the player pages see them: one read-only copy per worker.

Every scan needs the hunt and the invider behind a code. Each worker keeps a copy for
at most ``STANDINGS_CACHE_SECONDS``, like the standings; a commit that changes the deck
drops it at once in the worker that made it. A copy a second old only delays what a
page shows: recording an answer reads the hunt and the invider again inside its own
write transaction.

Waves are copied as times, not as "asleep" or "awake": each request compares them with
its own clock, so a wave wakes at its time on every worker whatever the copy's age. An
organiser moving a wave does so at least one cache period ahead (``hunt.programme``),
so every worker's copy holds the new time before it comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from invider.store.models import HUNT_ID, Hunt, Invider, Wave, db
from invider.store.worker_cache import DECK, cached


@dataclass(frozen=True)
class DeckSnapshot:
    """The hunt (None before a deck is loaded), its inviders by poster code, detached, and
    the time of each wave by name."""

    hunt: Hunt | None
    by_code: dict[str, Invider]
    waves: dict[str, datetime] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return how many inviders the deck holds."""
        return len(self.by_code)


def deck_snapshot() -> DeckSnapshot:
    """Return this worker's copy of the hunt and deck, read again once it is too old."""
    return cached(DECK, read_snapshot)


def read_snapshot() -> DeckSnapshot:
    """Read the hunt and every invider into detached objects no request can change."""
    # A session of its own: the request's session may hold an organiser's pending edits.
    with Session(db.engine, expire_on_commit=False) as session:
        hunt = session.get(Hunt, HUNT_ID)
        inviders = session.execute(select(Invider)).scalars().all()
        waves = {name: at for name, at in session.execute(select(Wave.name, Wave.at))}
    return DeckSnapshot(
        hunt=hunt, by_code={invider.code: invider for invider in inviders}, waves=waves
    )
