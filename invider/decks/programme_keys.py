"""Validate the day's programme options of ``[hunt]``: waves, shuffled choices, the countdown.

Called by ``reading.validate_deck`` with its per-problem reporting function, so each
problem is one ``path:line: message`` like every other deck error.
"""

from __future__ import annotations

from datetime import datetime

#: A wave's keys: ``waves = [{ name = "Afternoon", at = 2026-03-14T14:00:00+01:00 }]``.
WAVE_KEYS = frozenset({"name", "at"})
MAX_WAVE_NAME = 100
DEFAULT_COUNTDOWN = 30


def programme_options(hunt: dict, times: dict, lines, hline, err) -> dict:
    """Return ``waves``, ``shuffle_choices`` and ``countdown_minutes``, reporting each problem."""
    return {
        "waves": _waves(hunt, times, lines, hline, err),
        "shuffle_choices": _flag(hunt, "shuffle_choices", True, hline, err),
        "countdown_minutes": _countdown(hunt, hline, err),
    }


def _waves(hunt: dict, times: dict, lines, hline, err) -> list[dict]:
    raw = hunt.get("waves", [])
    if not isinstance(raw, list) or not all(isinstance(w, dict) for w in raw):
        err(
            hline("waves"),
            'waves must be a list of tables, like [{ name = "Afternoon", '
            "at = 2026-03-14T14:00:00+01:00 }]",
        )
        return []
    waves, seen = [], set()
    for index, wave in enumerate(raw):
        # An inline table sits on the waves line; a [[hunt.waves]] table has lines of its own.
        if ("hunt.waves", index) in lines.tables:

            def line(key=None, i=index):
                return lines.of("hunt.waves", i, key)
        else:

            def line(key=None):
                return hline("waves")

        for key in sorted(wave.keys() - WAVE_KEYS):
            err(line(key), f"unknown key {key!r} in a wave (a wave has a name and an at)")
        name = wave.get("name")
        if not isinstance(name, str) or not name.strip():
            err(line("name"), "each wave needs a name, as text in quotes")
            name = None
        else:
            name = " ".join(name.split())
            if len(name) > MAX_WAVE_NAME:
                err(line("name"), f"a wave's name must be at most {MAX_WAVE_NAME} characters")
                name = None
            elif name.casefold() in seen:
                err(line("name"), f"two waves are named {name!r}")
                name = None
        at = wave.get("at")
        if not (isinstance(at, datetime) and at.tzinfo is not None):
            err(
                line("at"),
                "a wave's at needs a date, a time and a UTC offset, like 2026-03-14T14:00:00+01:00",
            )
            at = None
        elif times.get("closes_at") and at >= times["closes_at"]:
            err(line("at"), f"wave {name or index + 1!r} must wake before closes_at")
        if name and at:
            seen.add(name.casefold())
            waves.append({"name": name, "at": at})
    return waves


def _flag(table: dict, key: str, default: bool, line, err) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        kind = {str: "text", int: "a number", float: "a number", list: "a list", dict: "a table"}
        err(line(key), f"{key} must be true or false, not {kind.get(type(value), 'that')}")
        return default
    return value


def _countdown(hunt: dict, hline, err) -> int:
    minutes = hunt.get("countdown_minutes", DEFAULT_COUNTDOWN)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 240:
        err(hline("countdown_minutes"), "countdown_minutes must be a whole number from 0 to 240")
        return DEFAULT_COUNTDOWN
    return minutes
