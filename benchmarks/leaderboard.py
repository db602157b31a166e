"""Load-test the busy pages against clean references served by the same gunicorn settings.

Run with ``python benchmarks/leaderboard.py`` (needs ``wrk``; about eight minutes).
It fills a SQLite database with 2,000 players, 30 inviders and 60,000 answers, starts
``invider serve`` with 4 workers, and two references that import nothing from the
product, in apps of their own: a bare Flask hello world and a *minimal* Flask page (one
primary-key read through Flask-SQLAlchemy and a small template, on the same database).
The references run before and after the product, and the ratios use their mean. Each
run is ``wrk -t2 -c50 -d10s``; each line gives requests/s, p50, p99, the ratio to its
reference and the server's CPU per request (all its processes, from ``/proc``):

- the scan page of a joined player and the phone ``/leaderboard`` page, with cookies
  rotating over 500 players, against the minimal page;
- an answer POST (a real insert each), ``/leaderboard.json`` (with and without
  ``?limit=``) and ``/screen.json`` against hello world;
- ``/leaderboard.json`` and ``/screen.json`` again at 20,000 players and 600,000 answers;
- the scans per second the server sustains with p99 under 100 ms;
- the answer POST again with ``INVIDER_SQLITE_SYNCHRONOUS=FULL`` (its cost);
- in-process, a scan and an answer profiled with cProfile: where their time goes.

``--database postgresql://USER@HOST/DB`` runs the answer POST against PostgreSQL instead
(in a schema of its own, dropped afterwards), with one and then two ``invider serve``
processes on the one database. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import benchdata  # noqa: E402
import references  # noqa: E402
from inprocess import profile_scan_and_answer  # noqa: E402
from loadgen import (  # noqa: E402
    LUA_ANSWER,
    LUA_ROTATE,
    answer_lines,
    finish_wrk,
    line,
    session_cpu,
    start_wrk,
    wrk,
)
from server import Phone, Server, csrf_token, free_port  # noqa: E402

WORKERS = 4
JOINED = 500  # players joined over HTTP: 15,000 distinct answers for the POST runs
# Ratios to the minimal page (pages that read and render) or to hello world (the rest).
PAGE_TARGETS = {"scan page": 0.75, "/leaderboard page": 0.5}
HELLO_TARGETS = {
    "answer POST": 0.12,
    "/leaderboard.json": 0.8,
    "/leaderboard.json?limit=10": 0.8,
    "/screen.json": 0.8,
}
CAPACITY_P99_MS = 100
CAPACITY_CONNECTIONS = (4, 8, 16, 32, 64)
# Every simulated phone joins from 127.0.0.1: lift the per-address ceiling on new players.
BENCH_ENV = {"INVIDER_JOIN_LIMIT_PER_IP": "1000000"}
MAX_SLOWDOWN = 2.0


def join_players(url: str, code: str, count: int, prefix: str = "Bench") -> list[tuple[str, str]]:
    """Join ``count`` players over HTTP; return each one's session cookie and CSRF token."""

    def one(i: int) -> tuple[str, str]:
        phone = Phone(url)
        page = phone.join(f"{prefix} {i:04d}", benchdata.TEAMS[i % 5], next=f"/i/{code}")
        if page.status_code != 200 or 'name="csrf_token"' not in page.text:
            words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
            raise RuntimeError(f"joining {i} answered {page.status_code}: {words[:400]}")
        return phone.http.cookies["invider"], csrf_token(page.text)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def reference_run(workdir: Path, which: str, database: Path, seconds: int) -> dict:
    """Serve one reference, run wrk against it, stop it; print and return the result."""
    port = free_port()
    if which == "hello":
        server, path = references.hello(workdir, port, WORKERS), "/"
    else:
        server, path = references.minimal(workdir, database, port, WORKERS), "/1"
    server.start()
    try:
        result = wrk(server.url + path, seconds, "", server_session=server.session)
    finally:
        server.stop()
    print(
        f"{which:<28} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:>7.1f} ms"
        f"  p99 {result['p99_ms']:>7.1f} ms  {result['cpu_us']:>6.0f} µs CPU"
    )
    return result


def answer_run(server: Server, workdir, joined, deck, seconds: int, url=None) -> tuple:
    """POST first attempts over the joined players; return wrk's summary and rows inserted."""
    pairs = answer_lines(joined, deck)
    before = benchdata.count_answers(workdir, url)
    post = wrk(f"{server.url}/", seconds, LUA_ANSWER, pairs, server_session=server.process.pid)
    os.unlink(pairs)
    return post, benchdata.count_answers(workdir, url) - before


def capacity(url: str, cookies: str, seconds: int, session: int) -> tuple[float, int]:
    """Return the most scans per second served with p99 under the bound, and at what load."""
    best = (0.0, 0)
    for connections in CAPACITY_CONNECTIONS:
        result = wrk(
            url, seconds, LUA_ROTATE, cookies, connections=connections, server_session=session
        )
        print(
            f"  scans at {connections:>2} connections: {result['rps']:>6.0f} req/s, "
            f"p99 {result['p99_ms']:.1f} ms, {result['cpu_us']:.0f} µs CPU, "
            f"non-2xx {result['non2xx']}"
        )
        if result["p99_ms"] < CAPACITY_P99_MS and not result["non2xx"]:
            best = max(best, (result["rps"], connections))
    return best


def shared_json_run(url: str, seconds: int, session: int) -> dict:
    """Run wrk against a shared JSON route once every worker has read its data.

    A worker's first read of the big screen's tally goes over every answer (seconds at
    600,000 answers): it happens once per worker, not in the steady state measured here,
    so the route is warmed until its p99 is under a second.
    """
    for _ in range(12):  # a minute at most
        warm = wrk(url, 5, "", connections=8)
        if warm["requests"] and warm["p99_ms"] < 1000:
            break
    return wrk(url, seconds, "", server_session=session)


def cookie_file(joined: list[tuple[str, str]]) -> str:
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as f:
        f.write("\n".join(cookie for cookie, _ in joined) + "\n")
    return f.name


def plain_scan_run(workdir: Path, instance: Path, code: str, cookies: str, seconds: int) -> dict:
    """Serve the scan done plainly, run wrk with the product's cookies against it, stop it."""
    server = references.plain_scan(workdir, instance, free_port(), WORKERS).start()
    try:
        return wrk(
            f"{server.url}/i/{code}", seconds, LUA_ROTATE, cookies, server_session=server.session
        )
    finally:
        server.stop()


def product_runs(small: Path, seconds: int) -> tuple[dict, int, tuple[float, int], list]:
    """Run every route of the product on the 2,000-player database.

    Right after the product's scan, while its server waits idle and before any player
    answers, the scan done plainly runs with the same cookies (``"scan page, done
    plainly"`` in the results).
    """
    results: dict[str, dict] = {}
    server = Server(small, workers=WORKERS, env=BENCH_ENV).start(timeout=120)
    session = server.process.pid  # invider serve becomes gunicorn's master: one session
    try:
        deck = benchdata.codes(small)
        joined = join_players(server.url, deck[0][0], JOINED)
        cookies = cookie_file(joined)
        scan_url = f"{server.url}/i/{deck[0][0]}"
        results["scan page"] = wrk(scan_url, seconds, LUA_ROTATE, cookies, server_session=session)
        results["scan page, done plainly"] = plain_scan_run(
            small / "plain", small / "instance", deck[0][0], cookies, seconds
        )
        results["/leaderboard page"] = wrk(
            f"{server.url}/leaderboard", seconds, LUA_ROTATE, cookies, server_session=session
        )
        results["answer POST"], inserted = answer_run(server, small, joined, deck, seconds)
        for route in ("/leaderboard.json", "/leaderboard.json?limit=10", "/screen.json"):
            results[route] = shared_json_run(f"{server.url}{route}", seconds, session)
        print(f"capacity: scans per second with p99 under {CAPACITY_P99_MS} ms")
        best = capacity(scan_url, cookies, seconds, session)
        os.unlink(cookies)
    finally:
        server.stop()
    return results, inserted, best, deck


def full_sync_run(full: Path, seconds: int) -> tuple[dict, int]:
    """The answer POST with INVIDER_SQLITE_SYNCHRONOUS=FULL."""
    env = {**BENCH_ENV, "INVIDER_SQLITE_SYNCHRONOUS": "FULL"}
    server = Server(full, workers=WORKERS, env=env).start(timeout=120)
    try:
        deck = benchdata.codes(full)
        joined = join_players(server.url, deck[0][0], JOINED)
        return answer_run(server, full, joined, deck, seconds)
    finally:
        server.stop()


def large_runs(large: Path, seconds: int) -> dict:
    """The shared JSON at 20,000 players and 600,000 answers."""
    server = Server(large, workers=WORKERS, env=BENCH_ENV).start(timeout=120)
    try:
        return {
            route: shared_json_run(f"{server.url}{route}", seconds, server.process.pid)
            for route in ("/leaderboard.json", "/screen.json")
        }
    finally:
        server.stop()


def sqlite_benchmark(base: Path, secs: int) -> list[str]:
    """Run the SQLite benchmark; print every figure and return the targets missed."""
    small, large, full = base / "small", base / "large", base / "full"
    t0 = time.monotonic()
    benchdata.prepare(small, 2_000, 30)
    benchdata.prepare(large, 20_000, 30)
    benchdata.prepare(full, 2_000, 30)
    print(f"filled 2,000/60,000 and 20,000/600,000 in {time.monotonic() - t0:.1f} s")
    small_db = small / "instance" / "invider.db"
    refs = base / "references"
    refs.mkdir()

    hello = [reference_run(refs, "hello", small_db, secs)]
    minimal = [reference_run(refs, "minimal", small_db, secs)]
    results, inserted, (scans_per_second, at), deck = product_runs(small, secs)
    plain = results["scan page, done plainly"]
    full_post, full_inserted = full_sync_run(full, secs)
    big = large_runs(large, secs)
    # The machine is shared and noisy: the references again, and the ratios use the mean.
    minimal.append(reference_run(refs, "minimal", small_db, secs))
    hello.append(reference_run(refs, "hello", small_db, secs))
    hello_rps = sum(r["rps"] for r in hello) / 2
    minimal_rps = sum(r["rps"] for r in minimal) / 2
    cpu = {
        "hello": sum(r["cpu_us"] for r in hello) / 2,
        "minimal page": sum(r["cpu_us"] for r in minimal) / 2,
    }

    print()
    print(f"{'hello world, mean':<28} {hello_rps:>8.0f} req/s  {cpu['hello']:>6.0f} µs CPU")
    print(
        f"{'minimal page, mean':<28} {minimal_rps:>8.0f} req/s  "
        f"{minimal_rps / hello_rps:.2f}x hello  {cpu['minimal page']:>6.0f} µs CPU"
    )
    for label in PAGE_TARGETS:
        print(line(label, results[label], minimal_rps, "minimal page", cpu["minimal page"]))
    print(
        line("scan page, done plainly", plain, minimal_rps, "minimal page", cpu["minimal page"])
        + f"; the product's scan: {results['scan page']['rps'] / plain['rps']:.2f}x its rate, "
        f"{results['scan page']['cpu_us'] / plain['cpu_us']:.2f}x its CPU"
    )
    for label in HELLO_TARGETS:
        extra = f", {inserted} answers inserted" if label == "answer POST" else ""
        print(line(label, results[label], hello_rps, "hello", cpu["hello"]) + extra)
    print(
        line("answer POST, FULL sync", full_post, hello_rps, "hello", cpu["hello"])
        + f", {full_inserted} inserted; {full_post['rps'] / results['answer POST']['rps']:.2f}"
        "x the NORMAL rate"
    )
    slowdowns = {}
    for route, result in big.items():
        slowdowns[route] = results[route]["rps"] / max(result["rps"], 1e-9)
        print(
            line(f"{route} 20k", result, hello_rps, "hello", cpu["hello"])
            + f"; slowdown from 2k: {slowdowns[route]:.2f}x"
        )
    print(f"{'scans/s at p99 < 100 ms':<28} {scans_per_second:>8.0f} req/s (at {at} connections)")
    print()
    profile_scan_and_answer(small / "instance", deck)

    failed = []
    for label, target in PAGE_TARGETS.items():
        if results[label]["rps"] / minimal_rps < target:
            failed.append(f"{label} below {target}x the minimal page")
    for label, target in HELLO_TARGETS.items():
        if results[label]["rps"] / hello_rps < target:
            failed.append(f"{label} below {target}x hello")
    for label, result in [*results.items(), *big.items()]:
        if result["non2xx"] or result["socket_errors"]:
            failed.append(f"{label} had failures")
    if inserted < results["answer POST"]["requests"]:
        failed.append("answer POST repeated or lost answers")
    for route, slowdown in slowdowns.items():
        if slowdown > MAX_SLOWDOWN:
            failed.append(f"{route} slowed down {slowdown:.2f}x at 20,000 players")
    if scans_per_second < 100:
        failed.append("fewer than 100 scans/s with p99 under 100 ms")
    return failed


def postgres_benchmark(base: Path, server_url: str, secs: int) -> list[str]:
    """Answer POSTs on PostgreSQL: one ``invider serve``, then two on the one database."""
    failed = []
    with benchdata.postgres_schema(server_url) as url:
        work = base / "pg"
        benchdata.prepare(work, 2_000, 30, url)
        print("PostgreSQL: filled 2,000 players and 60,000 answers")
        env = {**BENCH_ENV, "INVIDER_DATABASE_URL": url}
        deck = benchdata.codes(work, url)
        for count in (1, 2):
            servers = [Server(work, workers=WORKERS, env=env) for _ in range(count)]
            for server in servers:
                server.start(timeout=120)
            try:
                # Players of their own for each run: every POST is a first attempt.
                joined = [
                    join_players(s.url, deck[0][0], JOINED // count, f"Bench {count}-{n}")
                    for n, s in enumerate(servers)
                ]
                before = benchdata.count_answers(work, url)
                runs, cpu = [], [session_cpu(s.process.pid) for s in servers]
                for server, players in zip(servers, joined, strict=True):
                    pairs = answer_lines(players, deck)
                    runs.append(
                        (
                            *start_wrk(
                                f"{server.url}/", secs, LUA_ANSWER, pairs, connections=50 // count
                            ),
                            pairs,
                        )
                    )
                results = [finish_wrk(process, script, secs) for process, script, _ in runs]
                for server, result, used in zip(servers, results, cpu, strict=True):
                    used = session_cpu(server.process.pid) - used
                    result["cpu_us"] = used / max(1, result["requests"]) * 1e6
                for *_, pairs in runs:
                    os.unlink(pairs)
                inserted = benchdata.count_answers(work, url) - before
            finally:
                for server in servers:
                    server.stop()
            for n, result in enumerate(results, 1):
                print(
                    f"  {count} server(s), server {n}: answer POST {result['rps']:>6.0f} req/s, "
                    f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
                    f"{result['cpu_us']:.0f} µs CPU, non-2xx {result['non2xx']}"
                )
            total = sum(r["rps"] for r in results)
            requests = sum(r["requests"] for r in results)
            print(
                f"PostgreSQL, {count} invider serve: {total:.0f} answers/s in all, "
                f"p99 {max(r['p99_ms'] for r in results):.1f} ms, {inserted} inserted"
            )
            if inserted < requests or any(r["non2xx"] or r["socket_errors"] for r in results):
                failed.append(f"PostgreSQL answer POST with {count} server(s) had failures")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument(
        "--database", help="a PostgreSQL server URL: run the answer POST there instead"
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="invider-bench-") as tmp:
        if options.database:
            failed = postgres_benchmark(Path(tmp), options.database, options.seconds)
        else:
            failed = sqlite_benchmark(Path(tmp), options.seconds)
    print("targets: " + ("all met" if not failed else "MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
