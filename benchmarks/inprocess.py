"""Where a scan and an answer spend their time, measured inside one process with cProfile.

The app runs on the benchmark's database through Flask's test client: no server, no
network, so the figures are the product's own work per request. The breakdown lists
the functions that take the most time per request (cumulative, callees included),
leaving out the outer frames every request goes through.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import time
from pathlib import Path

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SHOWN = 14


def joined_client(app, name: str, code: str):
    """Return a test client that joined as ``name``, and its form token on poster ``code``."""
    client = app.test_client()
    page = client.get("/join")
    token = TOKEN_RE.search(page.text).group(1)
    client.post("/join", data={"name": name, "team": "DSI", "csrf_token": token})
    page = client.get(f"/i/{code}")
    return client, TOKEN_RE.search(page.text).group(1)


def breakdown(profile: cProfile.Profile, requests: int) -> list[str]:
    """Return the functions that take most of the time, in µs per request."""
    stats = pstats.Stats(profile)
    total = max(cumulative for _, _, _, cumulative, _ in stats.stats.values())
    rows = []
    for (filename, line, function), (_, _, _, cumulative, _) in stats.stats.items():
        share = cumulative / total
        if 0.03 <= share <= 0.9 and "<frozen" not in filename:
            where = "/".join(Path(filename).parts[-2:])
            rows.append((cumulative, f"{where}:{line} {function}"))
    rows.sort(reverse=True)
    return [f"    {t / requests * 1e6:>7.0f} µs  {name}" for t, name in rows[:SHOWN]]


def profile_scan_and_answer(instance: Path, codes: list[tuple[str, str]], scans: int = 500):
    """Print the in-process cost of a scan and of an answer, and where it goes."""
    os.environ["INVIDER_INSTANCE"] = str(instance)
    os.environ["INVIDER_JOIN_LIMIT_PER_IP"] = "1000000"
    from invider import create_app

    app = create_app()
    scan_code = codes[0][0]
    client, _ = joined_client(app, f"Profiled {os.getpid()}", scan_code)
    for _ in range(50):  # warm: templates compiled, caches filled
        client.get(f"/i/{scan_code}")
    start = time.process_time()
    for _ in range(scans):
        client.get(f"/i/{scan_code}")
    scan_us = (time.process_time() - start) / scans * 1e6
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(scans):
        client.get(f"/i/{scan_code}")
    profile.disable()
    print(f"in-process scan: {scan_us:.0f} µs of CPU per request; where it goes (cProfile):")
    print("\n".join(breakdown(profile, scans)))

    players = [joined_client(app, f"Answering {os.getpid()} {n}", scan_code) for n in range(40)]
    attempts = [(c, t, code, answer) for c, t in players for code, answer in codes[1:11]]
    half = len(attempts) // 2
    start = time.process_time()
    for client, token, code, answer in attempts[:half]:
        assert client.post(f"/i/{code}", data={"csrf_token": token, "choice": answer}).ok
    answer_us = (time.process_time() - start) / half * 1e6
    profile = cProfile.Profile()
    profile.enable()
    for client, token, code, answer in attempts[half:]:
        client.post(f"/i/{code}", data={"csrf_token": token, "choice": answer})
    profile.disable()
    print(f"in-process answer: {answer_us:.0f} µs of CPU per request; where it goes (cProfile):")
    print("\n".join(breakdown(profile, len(attempts) - half)))
    return scan_us, answer_us
