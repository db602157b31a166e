"""The programme's rules without an app: wave times, the announcement, the last stretch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from invider.hunt.programme import (
    WAVE_NEWS,
    last_stretch,
    next_wave,
    settle_time,
    time_left,
    wakes_at,
    wave_counts,
    woken_wave,
)

NOW = datetime(2026, 3, 14, 13, 0, tzinfo=UTC)


@dataclass
class Poster:
    number: int
    wave: str | None = None


@dataclass
class Schedule:
    opens_at: datetime | None = NOW - timedelta(hours=4)
    freeze_at: datetime | None = None
    closes_at: datetime | None = None
    status_override: str | None = None
    countdown_minutes: int = 30


POSTERS = [Poster(1), Poster(2, "Afternoon"), Poster(3, "Afternoon"), Poster(4, "Empty?")]
WAVES = {"Afternoon": NOW + timedelta(minutes=12), "Evening": NOW + timedelta(hours=2)}


def test_a_poster_sleeps_until_its_waves_time_and_not_a_moment_longer():
    assert wakes_at(POSTERS[1], WAVES, NOW) == WAVES["Afternoon"]
    assert wakes_at(POSTERS[1], WAVES, WAVES["Afternoon"]) is None
    assert wakes_at(POSTERS[0], WAVES, NOW) is None
    # A wave the hunt does not have (a deck edited meanwhile) wakes nothing late.
    assert wakes_at(POSTERS[3], WAVES, NOW) is None


def test_counts_awake_and_asleep():
    counts = wave_counts(POSTERS[:3], WAVES, NOW)
    assert (counts.awake, counts.asleep, counts.total) == (1, 2, 3)
    assert wave_counts(POSTERS[:3], WAVES, WAVES["Afternoon"]).asleep == 0


def test_the_next_wave_is_one_with_posters():
    assert next_wave(WAVES, POSTERS, NOW) == {
        "name": "Afternoon",
        "at": WAVES["Afternoon"].isoformat(timespec="seconds"),
        "count": 2,
    }
    # Evening holds no poster: the screen has nothing to announce.
    assert next_wave(WAVES, POSTERS, WAVES["Afternoon"]) is None


def test_a_woken_wave_is_announced_for_a_while():
    at = WAVES["Afternoon"]
    assert woken_wave(WAVES, POSTERS, at - timedelta(seconds=1)) is None
    assert woken_wave(WAVES, POSTERS, at)["numbers"] == [2, 3]
    assert woken_wave(WAVES, POSTERS, at + WAVE_NEWS - timedelta(seconds=1))["count"] == 2
    assert woken_wave(WAVES, POSTERS, at + WAVE_NEWS) is None


@pytest.mark.parametrize(
    "schedule, expected",
    [
        (Schedule(freeze_at=NOW + timedelta(minutes=25)), ("freezes", 25)),
        (Schedule(freeze_at=NOW + timedelta(minutes=24, seconds=1)), ("freezes", 25)),
        (Schedule(closes_at=NOW + timedelta(seconds=30)), ("closes", 1)),
        (Schedule(closes_at=NOW + timedelta(minutes=30)), ("closes", 30)),
        (
            Schedule(freeze_at=NOW - timedelta(minutes=1), closes_at=NOW + timedelta(minutes=5)),
            ("closes", 5),
        ),
        (Schedule(closes_at=NOW + timedelta(minutes=30, seconds=1)), None),
        (Schedule(closes_at=NOW), None),
        (Schedule(closes_at=NOW + timedelta(minutes=5), countdown_minutes=0), None),
        (Schedule(closes_at=NOW + timedelta(minutes=5), status_override="closed"), None),
        (
            Schedule(opens_at=NOW + timedelta(minutes=5), closes_at=NOW + timedelta(minutes=20)),
            None,
        ),
    ],
)
def test_the_last_stretch_window(schedule, expected):
    stretch = last_stretch(schedule, NOW)
    assert (None if stretch is None else (stretch["kind"], stretch["minutes"])) == expected


def test_a_moved_wave_is_never_sooner_than_a_cache_period():
    assert settle_time(NOW - timedelta(hours=1), NOW, 1.0) == NOW + timedelta(seconds=1)
    assert settle_time(NOW, NOW, 2.5) == NOW + timedelta(seconds=3)
    later = NOW + timedelta(minutes=5)
    assert settle_time(later, NOW, 1.0) == later


@pytest.mark.parametrize(
    "seconds, words",
    [(0, "0 s"), (40.2, "41 s"), (60, "1 min"), (61, "2 min"), (3600, "1 h 00"), (7380, "2 h 03")],
)
def test_time_left_in_words(seconds, words):
    assert time_left(seconds) == words
