"""Data each worker computes at most once per cache period: the deck copy and the standings.

The deck copy the player pages read, the standings and the big screen's data and figures
are kept for ``STANDINGS_CACHE_SECONDS`` (1 s) or a multiple of it. They hold data, never
pages, sessions or tokens. A commit that changes the deck or the hunt, or that an
organiser's action wrote to the audit log, drops them at once in the worker that made it:
no view has to remember to.
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

T = TypeVar("T")


def cached(key: str, compute: Callable[[], T], periods: int = 1) -> T:
    """Return this worker's value for ``key``, computed again once ``periods`` are over."""
    stored = current_app.extensions.get(key)
    now = time.monotonic()
    ttl = periods * current_app.config["STANDINGS_CACHE_SECONDS"]
    if stored is None or now - stored[0] >= ttl:
        stored = current_app.extensions[key] = (now, compute())
    return stored[1]


def forget_caches() -> None:
    """Drop this worker's cached values."""
    for key in (DECK, STANDINGS, SCREEN, FIGURES, TALLY, MESSAGES):
        current_app.extensions.pop(key, None)


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
