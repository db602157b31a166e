"""Values each worker computes at most once per cache period and shares with its requests.

The standings, the big screen's data and figures, and the deck copy the player pages
read are all kept this way, for ``STANDINGS_CACHE_SECONDS`` (1 s) or a multiple of it;
an organiser change drops them at once in the worker that made it (``forget_caches``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app

DECK, STANDINGS, SCREEN, FIGURES = "invider.deck", "invider.standings", "invider.screen", \
    "invider.figures"  # fmt: skip

T = TypeVar("T")


def cached(key: str, compute: Callable[[], T], periods: int = 1) -> T:
    """Return this worker's value for ``key``, computed again once ``periods`` are over."""
    stored = current_app.extensions.get(key)
    now = time.monotonic()
    ttl = periods * current_app.config["STANDINGS_CACHE_SECONDS"]
    if stored is None or now - stored[0] >= ttl:
        stored = current_app.extensions[key] = (now, compute())
    return stored[1]


def fresh(app: Flask, key: str):
    """Return this worker's value for ``key`` if it is still fresh, else None (no context)."""
    stored = app.extensions.get(key)
    if stored is None or time.monotonic() - stored[0] >= app.config["STANDINGS_CACHE_SECONDS"]:
        return None
    return stored[1]


def forget_caches() -> None:
    """Drop this worker's cached values (after an organiser change)."""
    for key in (DECK, STANDINGS, SCREEN, FIGURES):
        current_app.extensions.pop(key, None)
