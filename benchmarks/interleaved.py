"""Serve the busy routes and their references in turn, round after round.

Run with ``python benchmarks/interleaved.py`` (needs ``wrk``; about four minutes). On a
machine shared with others, the speed of the CPU itself moves within one run of
``benchmarks/leaderboard.py``, and a route measured once can land on a slow minute while
its reference did not. Here the references (the same clean minimal page and hello world)
and the product run side by side, each server started once, and are driven in turn for
``--seconds`` each, ``--rounds`` times: the minimal page, the scan and the phone
leaderboard, then hello world, the JSON routes and the answer POST. Each round gives
ratios taken within a few seconds of their reference, and the medians are the steadier
figure. The same 2,000 players and 60,000 answers, the same 500 rotating cookies and the
same gunicorn settings as the main benchmark; each round's answers are first attempts, by
1,000 joined players at posters of their own, and a round that ran out of them says so.
Exits non-zero when a median misses its target.
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
    HELLO_TARGETS,
    JOINED,
    PAGE_TARGETS,
    WORKERS,
    cookie_file,
    join_players,
)
from loadgen import LUA_ANSWER, LUA_ROTATE, answer_lines, wrk  # noqa: E402
from server import Server, free_port  # noqa: E402

PAGES = {"scan page": "/i/{code}", "/leaderboard page": "/leaderboard"}
SHARED_JSON = ("/leaderboard.json", "/leaderboard.json?limit=10", "/screen.json")
REFERENCE_OF = {
    **dict.fromkeys(PAGE_TARGETS, "minimal page"),
    **dict.fromkeys(HELLO_TARGETS, "hello world"),
}


def rounds_of(base: Path, rounds: int, seconds: int) -> dict[str, list[dict]]:
    """Serve every route and its reference in turn ``rounds`` times; return wrk's results.

    An answer POST result also gives how many answers it inserted.
    """
    benchdata.prepare(base, 2_000, 30)
    database = base / "instance" / "invider.db"
    (base / "references").mkdir()
    minimal = references.minimal(base / "references", database, free_port(), WORKERS)
    hello = references.hello(base / "references", free_port(), WORKERS)
    product = Server(base, workers=WORKERS, env=BENCH_ENV)
    names = ["minimal page", *PAGES, "hello world", *SHARED_JSON, "answer POST"]
    results: dict[str, list[dict]] = {name: [] for name in names}
    minimal.start()
    hello.start()
    try:
        product.start(timeout=120)
        deck = benchdata.codes(base)
        code = deck[0][0]  # the scanned poster: never answered, so the scan stays a question
        # The scans rotate over the main benchmark's 500 cookies; the answers need twice
        # as many players: each wrk thread walks its own half of a round's lines, and when
        # the server serves one thread's connections far more than the other's (it does,
        # under this load), that thread must not run out and post repeats.
        joined = join_players(product.url, code, 2 * JOINED)
        cookies = cookie_file(joined[:JOINED])
        # Each round answers posters of its own: every POST is a first attempt.
        posters = deck[1:]
        share = len(posters) // rounds
        answers = [
            answer_lines(joined, posters[n * share : (n + 1) * share]) for n in range(rounds)
        ]
        for route in SHARED_JSON:  # every worker has read its data once
            wrk(product.url + route, 2, "", connections=8)
        try:
            for number in range(1, rounds + 1):
                runs = {
                    "minimal page": wrk(
                        minimal.url + "/1", seconds, "", server_session=minimal.session
                    )
                }
                for page, path in PAGES.items():
                    runs[page] = wrk(
                        product.url + path.format(code=code),
                        seconds,
                        LUA_ROTATE,
                        cookies,
                        server_session=product.process.pid,
                    )
                runs["hello world"] = wrk(
                    hello.url + "/", seconds, "", server_session=hello.session
                )
                for route in SHARED_JSON:
                    runs[route] = wrk(
                        product.url + route, seconds, "", server_session=product.process.pid
                    )
                before = benchdata.count_answers(base)
                runs["answer POST"] = wrk(
                    product.url + "/",
                    seconds,
                    LUA_ANSWER,
                    answers[number - 1],
                    server_session=product.process.pid,
                )
                runs["answer POST"]["inserted"] = benchdata.count_answers(base) - before
                for name, result in runs.items():
                    results[name].append(result)
                print(
                    f"round {number}: "
                    + ", ".join(
                        f"{name} {result['rps']:.0f} req/s" for name, result in runs.items()
                    )
                    + f" ({runs['answer POST']['inserted']} answers inserted)",
                    flush=True,
                )
        finally:
            for path in (cookies, *answers):
                os.unlink(path)
    finally:
        product.stop()
        hello.stop()
        minimal.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="how many turns of every route")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="invider-interleaved-") as tmp:
        results = rounds_of(Path(tmp), options.rounds, options.seconds)
    for reference in ("minimal page", "hello world"):
        runs = results[reference]
        print(
            f"{reference}: median {statistics.median(r['rps'] for r in runs):.0f} req/s,"
            f" {statistics.median(r['cpu_us'] for r in runs):.0f} µs of CPU"
        )
    failed = []
    for route, target in {**PAGE_TARGETS, **HELLO_TARGETS}.items():
        runs, reference = results[route], results[REFERENCE_OF[route]]
        # Each round's ratio is taken against the reference of the same round.
        by_rate = [r["rps"] / m["rps"] for r, m in zip(runs, reference, strict=True)]
        by_cpu = [m["cpu_us"] / r["cpu_us"] for r, m in zip(runs, reference, strict=True)]
        rate, cpu = statistics.median(by_rate), statistics.median(by_cpu)
        errors = sum(r["non2xx"] + r["socket_errors"] for r in runs)
        # An answer round that ran out of first attempts measured repeats, not inserts.
        repeats = sum(max(0, r["requests"] - r.get("inserted", r["requests"])) for r in runs)
        met = rate >= target and not errors and not repeats
        print(
            f"{route}: median {rate:.2f}x {REFERENCE_OF[route]} ({cpu:.2f}x by CPU), rounds "
            f"{' '.join(f'{x:.2f}' for x in by_rate)}; non-2xx or socket errors {errors}"
            + (f"; {repeats} requests were not first attempts" if "inserted" in runs[0] else "")
            + f"; target >= {target}x: {'met' if met else 'MISSED'}"
        )
        if not met:
            failed.append(f"{route} below {target}x {REFERENCE_OF[route]}")
    print("targets: " + ("all met" if not failed else "MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
