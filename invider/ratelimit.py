"""Rate limits that hold across every worker: in the database, or in Redis at scale.

Flask-Limiter cannot count in SQLite, and its in-memory store counts per worker
(four workers let four times the limit through), so counts live where every
worker sees them. A sliding window is approximated from two fixed windows:
the previous window's count weighs by how much of it still overlaps.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from sqlalchemy import bindparam, func, select

from invider.models import RateCount, db, read


def _windows(period: int, now: float) -> tuple[int, int, float]:
    window = int(now // period)
    elapsed = (now % period) / period
    return window, window - 1, 1.0 - elapsed


def _redis():
    client = current_app.extensions.get("invider.redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2)
        current_app.extensions["invider.redis"] = client
    return client


def _redis_key(key: str, window: int) -> str:
    # A prefix of its own lets several hunts (or a test run) share one Redis.
    return f"{current_app.config.get('REDIS_PREFIX') or 'invider:rl:'}{key}:{window}"


def counted_in_database() -> bool:
    """Tell whether the counts live in the database (no Redis configured)."""
    return not current_app.config.get("REDIS_URL")


def count_column(key: str, window: str):
    """Return a column reading one counter, for a query that reads other things too.

    ``key`` and ``window`` name the bound parameters that select the counter.
    """
    counter = RateCount.__table__.c
    found = select(counter.count).where(counter.key == bindparam(key),
                                        counter.window == bindparam(window))  # fmt: skip
    return func.coalesce(found.scalar_subquery(), 0)


def windows(period: int, now: float) -> tuple[int, int]:
    """Return the current and previous window numbers of ``period`` at ``now``."""
    current, previous, _ = _windows(period, now)
    return current, previous


def _counts(keys: list[str], windows: tuple[int, int]) -> dict[tuple[str, int], int]:
    """Return the counts of ``keys`` in ``windows``, in one round trip."""
    if not counted_in_database():
        names = [(key, w) for key in keys for w in windows]
        values = _redis().mget([_redis_key(key, w) for key, w in names])
        return {name: int(v or 0) for name, v in zip(names, values, strict=True)}
    rows = read(select(RateCount.key, RateCount.window, RateCount.count)
                .where(RateCount.key.in_(keys), RateCount.window.in_(windows)), {})  # fmt: skip
    return {(key, window): count for key, window, count in rows}


def _increment(key: str, window: int, period: int) -> None:
    if not counted_in_database():
        name = _redis_key(key, window)
        pipe = _redis().pipeline()
        pipe.incr(name)
        pipe.expire(name, period * 2 + 5)
        pipe.execute()
        return
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(RateCount).values(key=key, window=window, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateCount.key, RateCount.window],
        set_={"count": RateCount.count + 1},
    )
    with db.engine.connect().execution_options(immediate=True) as conn:
        conn.execute(statement)
        # Old windows are dead weight: drop them now and then, not on every hit.
        if window % 16 == 0:
            conn.execute(RateCount.__table__.delete().where(
                RateCount.key == key, RateCount.window < window - 1))  # fmt: skip
        conn.commit()


def retry_after(key: str, limit: int, period: int, now: float | None = None) -> int | None:
    """Return seconds to wait if ``key`` used up ``limit`` events per ``period``, else None."""
    return first_retry_after([(key, limit)], period, now)


def first_retry_after(limits: list[tuple[str, int]], period: int, now: float | None = None,
                      counts: dict[tuple[str, int], int] | None = None) -> int | None:  # fmt: skip
    """Return seconds to wait if any ``(key, limit)`` is used up for ``period``, else None.

    ``counts`` are the counts already read with ``count_column`` (see below); without
    them they are read here.
    """
    now = time.time() if now is None else now
    current, previous, weight = _windows(period, now)
    if counts is None:
        counts = _counts([key for key, _ in limits], (current, previous))
    for key, limit in limits:
        if counts.get((key, current), 0) + counts.get((key, previous), 0) * weight >= limit:
            # Wait until the previous window's share has decayed enough, or the window ends.
            return max(1, math.ceil(period - (now % period)))
    return None


def hit(key: str, period: int) -> None:
    """Count one event for ``key``."""
    current, _, _ = _windows(period, time.time())
    _increment(key, current, period)
