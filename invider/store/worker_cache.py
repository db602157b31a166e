"""Data each worker computes at most once per cache period: the deck copy and the standings.

The deck copy the player pages read, the standings and the big screen's data and figures
are kept for ``STANDINGS_CACHE_SECONDS`` (1 s) or a multiple of it. They hold data, never
pages, sessions or tokens.

Every value lives in one store per worker (``cached``, ``kept``, ``keep``), and
``forget_caches`` empties that store whole, so no value can be left out of it. It runs
after any commit that changed the hunt, the deck (``invider``) or the audit log, the
tables in ``WATCHED``: every organiser action writes an audit entry in the transaction
that makes it (``hunt.moderation.audit``), so no view has to remember to drop anything.
Other workers follow within the cache period.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

DECK, STANDINGS, SCREEN, FIGURES, TALLY, MESSAGES = (
    "invider.deck",
    "invider.standings",
    "invider.screen",
    "invider.figures",
    "invider.tally",
    "invider.messages",
)
_CHANGED = "invider.cached_data_changed"
_STORE = "invider.worker_cache"

T = TypeVar("T")


def _store() -> dict:
    return current_app.extensions.setdefault(_STORE, {})


def cached(key: str, compute: Callable[[], T], periods: int = 1) -> T:
    """Return this worker's value for ``key``, computed again once ``periods`` are over."""
    store = _store()
    stored = store.get(key)
    now = time.monotonic()
    ttl = periods * current_app.config["STANDINGS_CACHE_SECONDS"]
    if stored is None or now - stored[0] >= ttl:
        stored = store[key] = (now, compute())
    return stored[1]


def kept(key: str):
    """Return the value kept for ``key`` (by ``cached`` or ``keep``), None if there is none."""
    stored = _store().get(key)
    return stored[1] if stored else None


def keep(key: str, value: T) -> T:
    """Keep ``value`` for ``key`` until the caches are forgotten (a running tally)."""
    _store()[key] = (time.monotonic(), value)
    return value


def forget_caches() -> None:
    """Drop every value this worker keeps."""
    current_app.extensions.pop(_STORE, None)


# Tables whose rows the cached data copies. Any organiser action is in the audit log.
WATCHED = frozenset({"hunt", "invider", "wave", "message", "audit_entry"})


def _watched(obj) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    return table in WATCHED


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances) -> None:
    if any(_watched(obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete or state.is_insert) and table is not None:
        if table.name in WATCHED:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        forget_caches()


@event.listens_for(Session, "after_rollback")
def _keep_after_rollback(session) -> None:
    session.info.pop(_CHANGED, None)
