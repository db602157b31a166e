"""Write a deck back as TOML: the live deck as deck data, and deck data as a file.

"Deck data" is the dict a TOML deck file gives once parsed (``{"hunt": {...},
"invider": [{...}, ...]}``); the spreadsheet and the editor build the same dict,
so every form of the deck goes through ``reading.validate_deck``.
"""

from __future__ import annotations

from datetime import datetime

import tomli_w

from invider.decks import reading
from invider.store.models import Hunt, Invider, Wave, db


def data_from_db() -> dict | None:
    """Return the loaded deck as deck data, or None when no deck is loaded."""
    hunt = Hunt.current()
    if hunt is None:
        return None
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars()
    return {"hunt": hunt_data(hunt), "invider": [invider_data(i, hunt.points) for i in inviders]}


def hunt_data(hunt: Hunt) -> dict:
    """Return the ``[hunt]`` table of the loaded hunt, without empty values."""
    table = {}
    for key in ordered(reading.HUNT_KEYS, reading.HUNT_FIELDS):
        value = stored_waves() if key == "waves" else getattr(hunt, key, None)
        if isinstance(value, datetime):
            # Stored in UTC; written in this machine's zone, which organisers read more easily.
            value = value.astimezone()
        if value is None or value == [] or value == "":
            continue
        table[key] = list(value) if isinstance(value, list) else value
    return table


def invider_data(invider: Invider, default_points: int) -> dict:
    """Return one ``[[invider]]`` table; points only when they differ from the hunt's."""
    table = {}
    for key in ordered(reading.INVIDER_KEYS, reading.INVIDER_FIELDS):
        value = getattr(invider, key, None)
        # False is worth writing only where it turns off a default that is true.
        if (
            value is None
            or value == []
            or value == ""
            or (value is False and key != "shuffle_choices")
        ):
            continue
        table[key] = list(value) if isinstance(value, list) else value
    if table.get("points") == default_points:
        del table["points"]
    if invider.choices:
        table.pop("accept", None)
    return table


def stored_waves() -> list[dict]:
    """Return the stored waves as ``[hunt].waves`` tables, in time order."""
    waves = db.session.execute(db.select(Wave).order_by(Wave.at, Wave.name)).scalars()
    return [{"name": w.name, "at": w.at.astimezone()} for w in waves]


def ordered(keys, order: tuple[str, ...]) -> list[str]:
    """Return ``keys`` in the documented order, unknown ones last and sorted."""
    return [k for k in order if k in keys] + sorted(set(keys) - set(order))


def dumps(data: dict) -> str:
    """Return deck data as the text of a TOML deck file."""
    header = "# Written by Invider; the format is described in docs/deck-format.md.\n\n"
    return header + tomli_w.dumps(data)
