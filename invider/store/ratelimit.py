"""Rate limits that hold across every worker: in the database, or in Redis at scale.

Flask-Limiter cannot count in SQLite, and its in-memory store counts per worker
(four workers let four times the limit through), so counts live where every
worker sees them. A sliding window is approximated from two fixed windows:
the previous window's count weighs by how much of it still overlaps.

Redis only holds counts, so losing it must never stop the hunt: each call waits
for it a fraction of a second at most, and while it is unreachable the counts
move to the database (with one warning in the log); it is tried again after a
few seconds, so counting returns to Redis by itself once it is back.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import current_app
from sqlalchemy import bindparam, func, select

from invider.store.models import RateCount, db

log = logging.getLogger(__name__)


def stored_key(key: str) -> str:
    """Return the key as stored: an address in it (``join:ip:…``) hashed with the secret.

    Counts need only tell addresses apart, so no IP address is ever written down.
    """
    head, sep, address = key.partition(":ip:")
    if not sep:
        return key
    secret = str(current_app.secret_key or "").encode()
    digest = hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{head}:ip:{digest}"


#: Seconds to wait for Redis to connect or answer: a phone must not notice an outage.
REDIS_TIMEOUT = 0.25
#: Seconds to count in the database after Redis failed, before trying Redis again.
REDIS_RETRY_AFTER = 5.0


def _windows(period: int, now: float) -> tuple[int, int, float]:
    window = int(now // period)
    elapsed = (now % period) / period
    return window, window - 1, 1.0 - elapsed


def _redis():
    client = current_app.extensions.get("invider.redis")
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries: redis-py's default retries ten times, which froze every request
        # for seconds when Redis stopped answering.
        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"],
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        current_app.extensions["invider.redis"] = client
    return client


def _redis_down_until() -> float:
    return current_app.extensions.get("invider.redis_down_until", 0.0)


def _redis_failed(error: Exception) -> None:
    """Count in the database for a while; warn once per outage and worker."""
    if _redis_down_until() == 0.0:
        log.warning(
            "Redis unreachable (%s): rate limits are counted in the database until it is back",
            error,
        )
    current_app.extensions["invider.redis_down_until"] = time.monotonic() + REDIS_RETRY_AFTER


def _redis_works() -> None:
    if current_app.extensions.get("invider.redis_down_until"):
        log.warning("Redis is back: rate limits are counted in Redis again")
        current_app.extensions["invider.redis_down_until"] = 0.0


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def _redis_key(key: str, window: int) -> str:
    # A prefix of its own lets several hunts (or a test run) share one Redis.
    return f"{current_app.config.get('REDIS_PREFIX') or 'invider:rl:'}{key}:{window}"


def counted_in_database() -> bool:
    """Tell whether the counts live in the database now (no Redis, or Redis is down)."""
    if not current_app.config.get("REDIS_URL"):
        return True
    down_until = _redis_down_until()
    return bool(down_until) and time.monotonic() < down_until


def count_column(key: str, window: str):
    """Return a column reading one counter, for a query that reads other things too.

    ``key`` and ``window`` name the bound parameters that select the counter.
    """
    counter = RateCount.__table__.c
    found = select(counter.count).where(
        counter.key == bindparam(key), counter.window == bindparam(window)
    )
    return func.coalesce(found.scalar_subquery(), 0)


def windows(period: int, now: float) -> tuple[int, int]:
    """Return the current and previous window numbers of ``period`` at ``now``."""
    current, previous, _ = _windows(period, now)
    return current, previous


# Built once: building the statement cost more than running it, on every scan.
_COUNTS = select(RateCount.key, RateCount.window, RateCount.count).where(
    RateCount.key.in_(bindparam("keys", expanding=True)),
    RateCount.window.in_(bindparam("windows", expanding=True)),
)


def _database_counts(keys: list[str], windows: tuple[int, int]) -> dict[tuple[str, int], int]:
    # The request's own session: no second connection for a read.
    rows = db.session.execute(_COUNTS, {"keys": keys, "windows": list(windows)})
    return {(key, window): count for key, window, count in rows}


def _counts(keys: list[str], windows: tuple[int, int]) -> dict[tuple[str, int], int]:
    """Return the counts of ``keys`` in ``windows``, in one round trip."""
    stored = {stored_key(key): key for key in keys}
    counts = _stored_counts(list(stored), windows)
    return {(stored[key], window): count for (key, window), count in counts.items()}


def _stored_counts(keys: list[str], windows: tuple[int, int]) -> dict[tuple[str, int], int]:
    if not counted_in_database():
        names = [(key, w) for key in keys for w in windows]
        try:
            values = _redis().mget([_redis_key(key, w) for key, w in names])
        except _redis_errors() as error:
            _redis_failed(error)
        else:
            _redis_works()
            return {name: int(v or 0) for name, v in zip(names, values, strict=True)}
    return _database_counts(keys, windows)


def _database_add(key: str, window: int, delta: int) -> int:
    """Add ``delta`` to a counter in the database and return its new value, atomically."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(RateCount).values(key=key, window=window, count=max(delta, 0))
    statement = statement.on_conflict_do_update(
        index_elements=[RateCount.key, RateCount.window],
        set_={"count": RateCount.count + delta},
    ).returning(RateCount.count)
    with db.engine.connect().execution_options(immediate=True) as conn:
        count = conn.execute(statement).scalar_one()
        # Old windows are dead weight: drop them now and then, not on every hit.
        if window % 16 == 0:
            conn.execute(
                RateCount.__table__.delete().where(
                    RateCount.key == key, RateCount.window < window - 1
                )
            )
        conn.commit()
    return count


def _add(key: str, window: int, period: int, delta: int) -> int:
    """Add ``delta`` to the counter of ``key`` in ``window``; return its new value."""
    key = stored_key(key)
    if not counted_in_database():
        name = _redis_key(key, window)
        try:
            pipe = _redis().pipeline()
            pipe.incrby(name, delta)
            pipe.expire(name, period * 2 + 5)
            count, _ = pipe.execute()
        except _redis_errors() as error:
            _redis_failed(error)
        else:
            _redis_works()
            return int(count)
    return _database_add(key, window, delta)


def retry_after(key: str, limit: int, period: int, now: float | None = None) -> int | None:
    """Return seconds to wait if ``key`` used up ``limit`` events per ``period``, else None."""
    return first_retry_after([(key, limit)], period, now)


def _wait(period: int, now: float) -> int:
    # Until the previous window's share has decayed enough, or the window ends.
    return max(1, math.ceil(period - (now % period)))


def first_retry_after(
    limits: list[tuple[str, int]],
    period: int,
    now: float | None = None,
    counts: dict[tuple[str, int], int] | None = None,
) -> int | None:
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
            return _wait(period, now)
    return None


def hit(key: str, period: int) -> None:
    """Count one event for ``key``."""
    current, _, _ = _windows(period, time.time())
    _add(key, current, period, 1)


def take(key: str, limit: int, period: int) -> tuple[int | None, int]:
    """Count one event for ``key`` unless it goes past ``limit``, atomically.

    Returns ``(wait, window)``: ``wait`` is None when the event fits (it is counted;
    ``give_back`` with ``window`` uncounts it), else the seconds to wait (it is not
    counted). Counting first and checking after means that concurrent requests can
    never let more than ``limit`` through, which reading then writing would.
    """
    now = time.time()
    current, previous, weight = _windows(period, now)
    count = _add(key, current, period, 1)
    earlier = _counts([key], (previous,)).get((key, previous), 0)
    if count + earlier * weight > limit:
        _add(key, current, period, -1)
        return _wait(period, now), current
    return None, current


def give_back(key: str, window: int, period: int) -> None:
    """Uncount an event counted by ``take`` (an attempt that turned out not to count)."""
    _add(key, window, period, -1)
