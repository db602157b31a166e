"""The p99 of normal phones while N slow clients trickle, on a real ``invider serve``.

Run with ``python benchmarks/slow_clients.py [--slow 0 100 300] [--seconds 15]`` (about
a minute per row). For each N it starts ``invider serve`` (2 workers) in a fresh folder,
opens N connections from 127.0.0.1 that send their request one byte a second (half the
headers, half a POST body), reopening each one the server closes, and meanwhile runs 8
phones that join, scan, answer both posters and poll ``/leaderboard``. It prints the
phones' request count, p50 and p99, the failed requests and whether any worker was
killed, for the shipped worker class and, with ``--compare-sync``, for gunicorn's sync
workers (the release before: every phone waits until the slow clients let go).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import SMALL_DECK  # noqa: E402
from server import Server  # noqa: E402
from slow_load import percentile, play_under_trickle  # noqa: E402

RIGHT = {"launch": {"choice": "July 2015"}, "services": {"answer": "133"}}


def one_run(slow: int, seconds: float, worker_class: str | None) -> str:
    """Serve from a fresh folder, play under ``slow`` trickling connections, describe it."""
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "questions").mkdir()
        (workdir / "questions" / "deck.toml").write_text(SMALL_DECK, encoding="utf-8")
        env = {"GUNICORN_CMD_ARGS": f"--worker-class {worker_class}"} if worker_class else {}
        server = Server(workdir, workers=2, env=env).start()
        try:
            workers = sorted(server.worker_pids())
            with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
                rows = conn.execute("select key, code from invider").fetchall()
            answers = {code: RIGHT[key] for key, code in rows if key in RIGHT}
            play, trickle = play_under_trickle(server.url, server.port, answers, slow, 8, seconds)
            killed = sorted(server.worker_pids()) != workers or "WORKER TIMEOUT" in server.output()
        finally:
            server.stop()
    return (
        f"{worker_class or 'shipped':>8} {slow:>5} slow: {len(play.latencies):>5} requests, "
        f"p50 {percentile(play.latencies, 0.5) * 1000:>6.0f} ms, "
        f"p99 {percentile(play.latencies, 0.99) * 1000:>6.0f} ms, "
        f"{len(play.failures):>3} failed, {len(play.acknowledged):>2}/16 answers, "
        f"workers killed: {'yes' if killed else 'no'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, nargs="+", default=[0, 100, 300])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--compare-sync", action="store_true")
    args = parser.parse_args()
    for slow in args.slow:
        print(one_run(slow, args.seconds, None), flush=True)
        if args.compare_sync:
            print(one_run(slow, args.seconds, "sync"), flush=True)


if __name__ == "__main__":
    main()
