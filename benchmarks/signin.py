"""Time the company sign-in at kick-off: a crowd of colleagues signing in at once.

Run with ``python benchmarks/signin.py [--people 200] [--concurrency 8]`` (needs Node.js
and ``npm ci`` in ``tests/oidc``; under a minute). It starts the test OpenID provider and
``invider serve`` (2 workers) on 127.0.0.1, signs in ``--people`` distinct colleagues, each
from a fresh browser session, ``--concurrency`` at a time, and prints sign-ins per second,
the p50/p99 of the whole round trip (Invider, the provider's login form, the callback) and
of Invider's own two steps (the start, which re-reads the discovery document, and the
callback, which trades the code and checks the ID token), and the session cookie's size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import FRENCH_DECK  # noqa: E402
from oidc_provider import Provider, log_in_at_provider, provider_installed  # noqa: E402
from server import Server, free_port  # noqa: E402


def one_sign_in(url: str, login: str) -> dict:
    """Sign one colleague in from a fresh session; return the timings in seconds."""
    http = requests.Session()
    began = time.perf_counter()
    start = http.get(f"{url}/signin", params={"next": "/me"}, allow_redirects=False, timeout=30)
    started = time.perf_counter()
    form = http.get(start.headers["Location"], timeout=30)
    hops = log_in_at_provider(http, form, login)
    ended = time.perf_counter()
    assert hops.url == url + "/me", hops.url
    callback = next(r for r in hops.history if "/signin/callback" in r.url)
    return {
        "total": ended - began,
        "start": started - began,
        "callback": callback.elapsed.total_seconds(),
        "cookie": len(http.cookies.get("invider", domain="127.0.0.1") or ""),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not provider_installed():
        print("needs Node.js and `npm ci` in tests/oidc", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "questions").mkdir()
        (workdir / "questions" / "deck.toml").write_text(FRENCH_DECK, encoding="utf-8")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        provider = Provider([url], anyone=True).start(workdir)
        server = Server(workdir, port=port, env=provider.app_env(INVIDER_PUBLIC_URL=url))
        try:
            server.start()
            one_sign_in(url, "warm-up")
            began = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                logins = [f"colleague-{n}" for n in range(args.people)]
                runs = list(pool.map(lambda login: one_sign_in(url, login), logins))
            elapsed = time.perf_counter() - began
        finally:
            server.stop()
            provider.stop()
    print(f"{args.people} sign-ins, {args.concurrency} at a time: {args.people / elapsed:.1f}/s")
    for step in ("total", "start", "callback"):
        values = [run[step] * 1000 for run in runs]
        print(
            f"  {step:9s} p50 {statistics.median(values):6.1f} ms"
            f"  p99 {percentile(values, 0.99):6.1f} ms"
        )
    print(f"  session cookie after sign-in: {max(run['cookie'] for run in runs)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
