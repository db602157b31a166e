"""Simulated phones for HTTP tests and benchmarks: a generated deck, walkers and pollers."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests
from server import Phone

CHOICES = ["Right", "Wrong", "Other"]


def generated_deck(inviders: int, title: str = "Load hunt") -> str:
    """Return an English deck of ``inviders`` multiple-choice posters worth 1 to 5 points."""
    parts = [f'[hunt]\ntitle = "{title}"\nlanguage = "en"\nteams = ["Red", "Blue"]\n']
    for n in range(1, inviders + 1):
        parts.append(
            f'[[invider]]\nkey = "q{n:03d}"\nquestion = "Question {n}?"\n'
            f'choices = {CHOICES!r}\nanswer = "Right"\nfact = "Fact {n}."\n'
            f"points = {n % 5 + 1}\n".replace("'", '"')
        )
    return "\n".join(parts)


def verdict(html: str) -> str | None:
    """Return what a result page says: "right", "wrong: <given>", or None if not a result."""
    if "Right answer!" in html:
        return "right"
    match = re.search(r"You answered: ([^<]*)</p>", html)
    return f"wrong: {match.group(1)}" if match else None


@dataclass
class Tally:
    """What clients saw, shared by every thread of a run."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    acknowledged: dict = field(default_factory=dict)  # (player, key) -> verdict
    in_flight: list = field(default_factory=list)  # (phone, code, key, choice, token)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, call, *args, **kwargs) -> requests.Response:
        start = time.perf_counter()
        response = call(*args, **kwargs)
        with self.lock:
            self.latencies.append(time.perf_counter() - start)
            self.statuses[response.status_code] += 1
        return response

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def walk(
    url: str,
    name: str,
    codes: dict[str, str],
    tally: Tally,
    deadline: float,
    think: tuple[float, float],
    rng: random.Random,
) -> None:
    """Join, then scan and answer every poster in a random order, thinking in between."""
    phone = Phone(url)
    try:
        tally.timed(phone.join, name, rng.choice(["Red", "Blue"]))
    except requests.RequestException as e:
        with tally.lock:
            tally.errors.append(f"{name} join: {e!r}")
        return
    keys = list(codes)
    rng.shuffle(keys)
    for key in keys:
        if time.monotonic() > deadline:
            return
        code, choice = codes[key], rng.choice(CHOICES)
        token = None
        try:
            page = tally.timed(phone.http.get, f"{url}/i/{code}", timeout=30)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            time.sleep(rng.uniform(*think))
            result = tally.timed(phone.answer, code, token, choice=choice)
        except (requests.RequestException, AttributeError) as e:
            with tally.lock:
                tally.errors.append(f"{name} {key}: {e!r}")
                if token:
                    tally.in_flight.append((phone, code, key, choice, token, name))
            if isinstance(e, requests.ConnectionError):
                return  # the server went away
            continue
        said = verdict(result.text) if result.status_code == 200 else None
        if said:
            with tally.lock:
                tally.acknowledged[(name, key)] = said
        time.sleep(rng.uniform(*think))


def poll(url: str, tally: Tally, stop: threading.Event, every: float) -> None:
    """Poll /leaderboard.json the way the big screen and phones do, with the ETag."""
    http, etag = requests.Session(), None
    while not stop.is_set():
        try:
            headers = {"If-None-Match": etag} if etag else {}
            response = tally.timed(http.get, f"{url}/leaderboard.json", headers=headers, timeout=30)
            etag = response.headers.get("ETag", etag)
        except requests.RequestException as e:
            with tally.lock:
                tally.errors.append(f"poll: {e!r}")
        stop.wait(every)


def run(
    url: str,
    codes: dict[str, str],
    players: int,
    pollers: int,
    seconds: float,
    think: tuple[float, float] = (0.5, 2.0),
    prefix: str = "Player",
    ramp: float = 5.0,
) -> tuple[Tally, float]:
    """Run ``players`` walkers (arriving over ``ramp`` seconds) and ``pollers`` pollers.

    Returns the tally and the elapsed time; nothing runs past ``seconds``.
    """
    tally, stop = Tally(), threading.Event()
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    pollers_ = [threading.Thread(target=poll, args=(url, tally, stop, 1.0)) for _ in range(pollers)]
    for thread in pollers_:
        thread.start()

    def arrive(i: int) -> None:
        time.sleep(ramp * i / max(1, players))
        walk(url, f"{prefix} {i}", codes, tally, deadline, think, random.Random(i))

    walkers = [threading.Thread(target=arrive, args=(i,)) for i in range(players)]
    for thread in walkers:
        thread.start()
    for thread in walkers:
        thread.join()
    stop.set()
    for thread in pollers_:
        thread.join()
    return tally, time.monotonic() - start
