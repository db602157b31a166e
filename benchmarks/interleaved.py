"""Serve the minimal page, the scan and the phone leaderboard in turn, round after round.

Run with ``python benchmarks/interleaved.py`` (needs ``wrk``; about two minutes). On a
machine shared with others, the speed of the CPU itself moves within one run of
``benchmarks/leaderboard.py``, and a page measured once can land on a slow minute while its
reference did not. Here the minimal page (the same clean reference) and the product's
two pages run side by side, each server started once, and are driven in turn for
``--seconds`` each, ``--rounds`` times: each round gives a ratio taken within a few
seconds, and the medians are the steadier figure. The same 2,000 players and 60,000
answers, the same 500 rotating cookies and the same gunicorn settings as the main
benchmark. Exits non-zero when a median misses its target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import benchdata  # noqa: E402
import references  # noqa: E402
from leaderboard import (  # noqa: E402
    BENCH_ENV,
    JOINED,
    PAGE_TARGETS,
    WORKERS,
    cookie_file,
    join_players,
)
from loadgen import LUA_ROTATE, wrk  # noqa: E402
from server import Server, free_port  # noqa: E402

PAGES = {"scan page": "/i/{code}", "/leaderboard page": "/leaderboard"}


def rounds_of(base: Path, rounds: int, seconds: int) -> dict[str, list[dict]]:
    """Serve the three pages in turn ``rounds`` times; return each one's wrk results."""
    benchdata.prepare(base, 2_000, 30)
    database = base / "instance" / "invider.db"
    (base / "references").mkdir()
    minimal = references.minimal(base / "references", database, free_port(), WORKERS)
    product = Server(base, workers=WORKERS, env=BENCH_ENV)
    results: dict[str, list[dict]] = {"minimal page": [], **{page: [] for page in PAGES}}
    minimal.start()
    try:
        product.start(timeout=120)
        code = benchdata.codes(base)[0][0]
        cookies = cookie_file(join_players(product.url, code, JOINED))
        try:
            for number in range(1, rounds + 1):
                result = wrk(minimal.url + "/1", seconds, "", server_session=minimal.session)
                results["minimal page"].append(result)
                report = [f"round {number}: minimal page {result['rps']:.0f} req/s"]
                for page, path in PAGES.items():
                    url = product.url + path.format(code=code)
                    result = wrk(
                        url, seconds, LUA_ROTATE, cookies, server_session=product.process.pid
                    )
                    results[page].append(result)
                    report.append(f"{page} {result['rps']:.0f} req/s")
                print(", ".join(report), flush=True)
        finally:
            os.unlink(cookies)
    finally:
        product.stop()
        minimal.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="how many turns of the three")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="invider-interleaved-") as tmp:
        results = rounds_of(Path(tmp), options.rounds, options.seconds)
    minimal = results["minimal page"]
    print(
        f"minimal page: median {statistics.median(r['rps'] for r in minimal):.0f} req/s,"
        f" {statistics.median(r['cpu_us'] for r in minimal):.0f} µs of CPU"
    )
    failed = []
    for page, target in PAGE_TARGETS.items():
        runs = results[page]
        # Each round's ratio is taken against the minimal page of the same round.
        by_rate = [r["rps"] / m["rps"] for r, m in zip(runs, minimal, strict=True)]
        by_cpu = [m["cpu_us"] / r["cpu_us"] for r, m in zip(runs, minimal, strict=True)]
        rate, cpu = statistics.median(by_rate), statistics.median(by_cpu)
        errors = sum(r["non2xx"] for r in runs)
        met = rate >= target and not errors
        print(
            f"{page}: median {rate:.2f}x the minimal page ({cpu:.2f}x by CPU), rounds "
            f"{' '.join(f'{x:.2f}' for x in by_rate)}; non-2xx {errors}; target >= "
            f"{target}x: {'met' if met else 'MISSED'}"
        )
        if not met:
            failed.append(f"{page} below {target}x the minimal page")
    print("targets: " + ("all met" if not failed else "MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
