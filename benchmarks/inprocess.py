"""Where a scan and an answer spend their time, measured inside one process with cProfile.

The app runs on the benchmark's database through Flask's test client: no server, no
network, so the figures are the product's own work per request. The breakdown lists
the product's functions and templates and Flask's steps around the view that take the
most time per request (cumulative: callees included, so the lines overlap).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import time
from pathlib import Path

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SHOWN = 16
# Flask's own steps around every view, shown beside the product's functions.
HOOKS = {
    "preprocess_request",
    "process_response",
    "open_session",
    "save_session",
    "render_template",
}


def joined_client(app, name: str, code: str):
    """Return a test client that joined as ``name``, and its form token on poster ``code``."""
    client = app.test_client()
    page = client.get("/join")
    token = TOKEN_RE.search(page.text).group(1)
    client.post("/join", data={"name": name, "team": "DSI", "csrf_token": token})
    page = client.get(f"/i/{code}")
    return client, TOKEN_RE.search(page.text).group(1)


def breakdown(profile: cProfile.Profile, per_request_us: float) -> list[str]:
    """Return where a request's time goes: the product's functions and Flask's hooks.

    cProfile slows every call down, so it gives the shares; the µs are those shares of
    the CPU time measured without it.
    """
    stats = pstats.Stats(profile)
    entries = stats.stats.items()
    total = sum(tottime for (_, _, _), (_, _, tottime, _, _) in entries)
    rows = []
    for (filename, line, function), (_, _, _, cumulative, _) in entries:
        ours = "/invider/" in filename
        if ours or (function in HOOKS and "/flask/" in filename):
            where = "/".join(Path(filename).parts[-2:])
            rows.append((cumulative / total, f"{where}:{line} {function}"))
    rows.sort(reverse=True)
    return [
        f"    {share * per_request_us:>6.0f} µs {share:>4.0%}  {name}"
        for share, name in rows[:SHOWN]
    ]


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
    print("\n".join(breakdown(profile, scan_us)))

    players = [joined_client(app, f"Answering {os.getpid()} {n}", scan_code) for n in range(40)]
    attempts = [(c, t, code, answer) for c, t in players for code, answer in codes[1:11]]
    half = len(attempts) // 2
    start = time.process_time()
    for client, token, code, answer in attempts[:half]:
        page = client.post(f"/i/{code}", data={"csrf_token": token, "choice": answer})
        assert page.status_code == 200, page.status_code
    answer_us = (time.process_time() - start) / half * 1e6
    profile = cProfile.Profile()
    profile.enable()
    for client, token, code, answer in attempts[half:]:
        client.post(f"/i/{code}", data={"csrf_token": token, "choice": answer})
    profile.disable()
    print(f"in-process answer: {answer_us:.0f} µs of CPU per request; where it goes (cProfile):")
    print("\n".join(breakdown(profile, answer_us)))
    return scan_us, answer_us
