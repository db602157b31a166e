"""The day's programme: poster waves, the last-stretch countdown and each player's choice order.

Request-free: the views pass the deck copy, the player and the time. A wave wakes at its
stored time, compared with the clock of whoever asks; every worker and server holds the
same time (from the deck or the organiser's move), so they all wake it at the same instant.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from invider.store.database import begin_write
from invider.store.models import AuditEntry, Wave, db, utcnow

#: How long the big screen announces a wave that just woke.
WAVE_NEWS = timedelta(minutes=5)


def wakes_at(invider, waves: dict[str, datetime], now: datetime) -> datetime | None:
    """Return when ``invider`` wakes if its wave is still asleep at ``now``, else None."""
    at = waves.get(invider.wave) if invider.wave else None
    return at if at is not None and now < at else None


@dataclass(frozen=True)
class WaveCounts:
    """How many inviders can be found now, and how many are still asleep."""

    awake: int
    asleep: int

    @property
    def total(self) -> int:
        """Return the size of the whole deck."""
        return self.awake + self.asleep


def wave_counts(inviders, waves: dict[str, datetime], now: datetime) -> WaveCounts:
    """Count the inviders awake and asleep at ``now``."""
    asleep = sum(1 for invider in inviders if wakes_at(invider, waves, now))
    return WaveCounts(awake=len(inviders) - asleep, asleep=asleep)


def deck_waves(waves: dict[str, datetime], inviders) -> list[dict]:
    """Return the waves in time order with the numbers of their posters."""
    numbers: dict[str, list[int]] = {}
    for invider in inviders:
        if invider.wave:
            numbers.setdefault(invider.wave, []).append(invider.number)
    return [
        {"name": name, "at": at, "numbers": sorted(numbers.get(name, []))}
        for name, at in sorted(waves.items(), key=lambda item: (item[1], item[0]))
    ]


def next_wave(waves: dict[str, datetime], inviders, now: datetime) -> dict | None:
    """Return the next wave to wake that holds posters: its name, time and poster count."""
    for wave in deck_waves(waves, inviders):
        if wave["at"] > now and wave["numbers"]:
            return {
                "name": wave["name"],
                "at": wave["at"].isoformat(timespec="seconds"),
                "count": len(wave["numbers"]),
            }
    return None


def woken_wave(waves: dict[str, datetime], inviders, now: datetime) -> dict | None:
    """Return the wave that woke within ``WAVE_NEWS`` before ``now`` (the latest), if any."""
    woken = [w for w in deck_waves(waves, inviders) if w["numbers"] and w["at"] <= now]
    if not woken or now - woken[-1]["at"] >= WAVE_NEWS:
        return None
    wave = woken[-1]
    return {
        "name": wave["name"],
        "at": wave["at"].isoformat(timespec="seconds"),
        "count": len(wave["numbers"]),
        "numbers": wave["numbers"],
    }


def last_stretch(hunt, now: datetime) -> dict | None:
    """Return the freeze or close coming within the hunt's countdown minutes, if any.

    ``kind`` is ``freezes`` or ``closes``; ``minutes`` is what is left, rounded up, so
    that a page never says "0 minutes" while there is still time.
    """
    minutes = getattr(hunt, "countdown_minutes", 30) if hunt else 0
    # An organiser's status beats the schedule: no scheduled freeze or close is coming.
    if not hunt or not minutes or hunt.status_override:
        return None
    if hunt.opens_at and now < hunt.opens_at:
        return None
    for kind, at in (("freezes", hunt.freeze_at), ("closes", hunt.closes_at)):
        if at is not None and now < at <= now + timedelta(minutes=minutes):
            left = math.ceil((at - now).total_seconds() / 60)
            return {"kind": kind, "at": at.isoformat(timespec="seconds"), "minutes": left}
    return None


def choice_order(choices: list[str], player_id: int, code: str, shuffled: bool) -> list[str]:
    """Return a poster's choices in this player's own order: the same at every visit.

    The order comes from a digest of the player, the poster's secret code and each
    choice, so neighbours see different orders and nobody can work out another's.
    """
    if not shuffled or len(choices) < 2:
        return list(choices)

    def rank(choice: str) -> bytes:
        return hashlib.sha256(f"{player_id}\0{code}\0{choice}".encode()).digest()

    return sorted(choices, key=rank)


def shuffles(hunt, invider) -> bool:
    """Tell whether this invider's choices are shuffled: its own setting, else the hunt's."""
    own = getattr(invider, "shuffle_choices", None)
    return bool(hunt.shuffle_choices if own is None else own)


def settle_time(at: datetime, now: datetime, period: float) -> datetime:
    """Return ``at``, or one cache period from now when that is sooner.

    Every worker reads the deck again within one cache period: a wave moved to a time
    that soon (or woken now) wakes at the same instant on all of them.
    """
    soonest = now + timedelta(seconds=math.ceil(period))
    return max(at, soonest)


def move_wave(
    name: str,
    at: datetime,
    actor: str,
    period: float,
    now: datetime | None = None,
    action: str = "wave.move",
):
    """Move the wave ``name`` to ``at`` (at the soonest one cache period away); audited.

    Raises LookupError when the deck has no such wave.
    """
    now = now or utcnow()
    begin_write()
    wave = db.session.execute(db.select(Wave).where(Wave.name == name)).scalar_one_or_none()
    if wave is None:
        db.session.rollback()
        raise LookupError(name)
    before = wave.at
    wave.at = settle_time(at, now, period)
    db.session.add(
        AuditEntry(
            actor=actor,
            action=action,
            detail=f"{name!r}: {before.astimezone(UTC).isoformat(timespec='minutes')} → "
            f"{wave.at.astimezone(UTC).isoformat(timespec='seconds')}",
        )
    )
    db.session.commit()
    return wave


def wake_wave_now(name: str, actor: str, period: float, now: datetime | None = None):
    """Wake the wave ``name`` now: at the same instant, one cache period away, everywhere."""
    now = now or utcnow()
    return move_wave(name, now, actor, period, now, action="wave.wake")


def time_left(seconds: float) -> str:
    """Say a duration the way the countdowns show it: "2 h 05", "12 min" or "40 s"."""
    seconds = max(0, math.ceil(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds} s"
