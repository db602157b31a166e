"""Load-test the hot paths against two references served by the same gunicorn settings.

Run with ``python benchmarks/leaderboard.py`` (needs ``wrk``; about six minutes).
It fills a SQLite database with 2,000 players, 30 inviders and 60,000 answers, starts
``invider serve`` with 4 workers, a bare Flask hello world and a *minimal* Flask page (one
primary-key read through Flask-SQLAlchemy and a small template, on the same database),
drives each with ``wrk -t2 -c50 -d10s`` and prints requests/s, p50, p99 and the ratios:

- the scan page of a joined player and the phone ``/leaderboard`` page, with cookies
  rotating over 500 players, against the minimal page (the ceiling of a page that reads
  and renders);
- an answer POST (a real insert each), ``/leaderboard.json`` (with and without
  ``?limit=``) and ``/screen.json`` against hello world;
- ``/leaderboard.json`` again at 20,000 players and 600,000 answers;
- the scans per second the server sustains with p99 under 100 ms;
- the answer POST again with ``INVIDER_SQLITE_SYNCHRONOUS=FULL`` (its cost).

Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server import Phone, Server, free_port  # noqa: E402

WORKERS = 4
INVIDERS = 30
TEAMS = ["DSI", "Direction générale", "Agences", "Communication", "RH"]
TOPICS = ["Emploi Store", "Données ouvertes", "Agilité", "Partenaires", "Mobile"]
JOINED = 500  # players joined over HTTP: 15,000 distinct answers for the POST run
# Ratios to the minimal page (pages that read and render) or to hello world (the rest).
PAGE_TARGETS = {"scan page": 0.75, "/leaderboard page": 0.5}
HELLO_TARGETS = {
    "answer POST": 0.2,
    "/leaderboard.json": 0.8,
    "/leaderboard.json?limit=10": 0.8,
    "/screen.json": 0.8,
}
CAPACITY_P99_MS = 100
CAPACITY_CONNECTIONS = (4, 8, 16, 32, 64)
# Every simulated phone joins from 127.0.0.1: lift the per-address ceiling on new players.
BENCH_ENV = {"INVIDER_JOIN_LIMIT_PER_IP": "1000000"}
MAX_SLOWDOWN = 2.0

HELLO_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""

# The minimal page: what any Flask page that reads one row and renders costs. Its
# template is a file, compiled once, as Flask's own templates are.
MINIMAL_APP = """\
import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Player(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    score: Mapped[int]


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.environ["BENCH_DB"]
db.init_app(app)


@app.get("/<int:player_id>")
def page(player_id):
    return render_template("minimal.html", player=db.get_or_404(Player, player_id))
"""
MINIMAL_TEMPLATE = """\
<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ player.name }}</title></head><body><main><h1>{{ player.name }}</h1>
<p>Score {{ player.score }}</p></main></body></html>
"""

# Each request sends the next player's cookie: pages are personal, as on the day.
LUA_ROTATE = """
local cookies = {}
local index = 0
function init(args)
  for line in io.lines(args[1]) do table.insert(cookies, line) end
  index = id
end
function request()
  index = index + 2
  return wrk.format("GET", nil, {["Cookie"] = "invider=" .. cookies[index % #cookies + 1]})
end
"""

# Shared by every run: per-thread counts of responses that are not 2xx, and a JSON summary.
LUA_COMMON = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = (bad or 0) + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "non2xx": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
"""

# Each thread walks its own share of pre-joined (cookie, token, code, choice) lines, so
# every POST is a first attempt: a real INSERT and a score update.
LUA_ANSWER = """
local lines = {}
local index = 0
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  index = id
end
function request()
  local cookie, token, code, choice = lines[index % #lines + 1]:match(
    "([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)")
  index = index + 2
  return wrk.format("POST", "/i/" .. code, {
    ["Cookie"] = "invider=" .. cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "csrf_token=" .. token .. "&choice=" .. choice)
end
"""


def deck_text() -> str:
    """Return a 30-invider English deck with teams and topics."""
    lines = [
        "[hunt]",
        'title = "Benchmark hunt"',
        'language = "en"',
        f"teams = {json.dumps(TEAMS, ensure_ascii=False)}",
        "points = 10",
        "",
    ]
    for n in range(1, INVIDERS + 1):
        lines += [
            "[[invider]]",
            f'key = "message-{n}"',
            f'question = "Question {n}?"',
            f'choices = ["A{n}", "B{n}", "C{n}"]',
            f'answer = "A{n}"',
            f'fact = "Fact {n}."',
            f'topic = "{TOPICS[n % len(TOPICS)]}"',
            "",
        ]
    return "\n".join(lines)


def prepare(workdir: Path, players: int, answers_each: int) -> None:
    """Create the instance with the deck loaded, then bulk-insert players and answers."""
    (workdir / "questions").mkdir(parents=True)
    (workdir / "questions" / "bench.toml").write_text(deck_text(), encoding="utf-8")
    env = dict(os.environ, INVIDER_INSTANCE=str(workdir / "instance"))
    subprocess.run(
        [shutil.which("invider"), "load", "questions/bench.toml"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )
    rng = random.Random(players)
    start = datetime.now(UTC) - timedelta(hours=6)
    conn = sqlite3.connect(workdir / "instance" / "invider.db")
    inviders = conn.execute("select id, points from invider order by id").fetchall()
    player_rows, answer_rows = [], []
    answer_id = 0
    for pid in range(1, players + 1):
        joined = start + timedelta(seconds=rng.randrange(3600))
        score = found = correct = 0
        score_at = joined
        at = joined
        for invider_id, points in rng.sample(inviders, answers_each):
            at += timedelta(seconds=rng.randrange(1, 600))
            right = rng.random() < 0.7
            answer_id += 1
            answer_rows.append(
                (
                    answer_id,
                    pid,
                    invider_id,
                    "A" if right else "B",
                    right,
                    points if right else 0,
                    naive(at),
                )
            )
            found += 1
            if right:
                score, correct, score_at = score + points, correct + 1, at
        name = f"Player {pid:05d}"
        player_rows.append(
            (
                pid,
                name,
                name.casefold(),
                TEAMS[pid % len(TEAMS)],
                score,
                found,
                correct,
                naive(score_at),
                naive(joined),
                False,
                f"bench-secret-{pid}",
            )
        )
    conn.executemany(
        "insert into player (id, name, name_key, team, score, found, correct, "
        "score_at, joined_at, hidden, session_secret) "
        "values (?,?,?,?,?,?,?,?,?,?,?)",
        player_rows,
    )
    conn.executemany(
        "insert into answer (id, player_id, invider_id, given, correct, points, "
        "created_at) values (?,?,?,?,?,?,?)",
        answer_rows,
    )
    conn.commit()
    conn.execute("analyze")
    conn.close()


def naive(at: datetime) -> str:
    """Format an aware time as the naive UTC text the UTCDateTime column stores."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


class Reference:
    """A small Flask app (``source``) under the same gunicorn settings as ``invider serve``."""

    def __init__(
        self, workdir: Path, name: str, source: str, env: dict | None = None, probe: str = "/"
    ):
        self.workdir, self.port, self.name, self.probe = workdir, free_port(), name, probe
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / f"{name}.py").write_text(source)
        self.env = dict(os.environ, **(env or {}))
        self.process: subprocess.Popen | None = None

    def start(self) -> Reference:
        # invider serve's own gunicorn settings (logging with timestamps included).
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:invider.serving",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--access-logfile",
            "-",
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
            "--no-control-socket",
            f"{self.name}:app",
        ]
        log = (self.workdir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            stdout=log,
            env=self.env,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                if requests.get(self.url + self.probe, timeout=5).ok:
                    return self
            except requests.RequestException:  # still starting
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def wrk(
    url: str,
    seconds: int,
    script: str,
    *args: str,
    cookie: str | None = None,
    connections: int = 50,
) -> dict:
    """Run wrk against ``url`` and return its summary (req/s, p50, p99, failures)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + LUA_COMMON)
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f.name,
    ]
    if cookie:
        command += ["-H", f"Cookie: invider={cookie}"]
    command += [url, *(["--", *args] if args else [])]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure_hello(base: Path, seconds: int) -> dict:
    """Run wrk against the hello world and print its line."""
    server = Reference(base, "hello", HELLO_APP).start()
    try:
        result = wrk(server.url + "/", seconds, "")
    finally:
        server.stop()
    print(
        f"{'hello world':<28} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:>7.1f} ms"
        f"  p99 {result['p99_ms']:>7.1f} ms"
    )
    return result


def measure_minimal(base: Path, database: Path, seconds: int) -> dict:
    """Run wrk against the minimal page (one primary-key read and a template)."""
    (base / "templates").mkdir(exist_ok=True)
    (base / "templates" / "minimal.html").write_text(MINIMAL_TEMPLATE)
    server = Reference(base, "minimal", MINIMAL_APP, {"BENCH_DB": str(database)}, "/1").start()
    try:
        result = wrk(server.url + "/1", seconds, "")
    finally:
        server.stop()
    print(
        f"{'minimal Flask page':<28} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:>7.1f} ms"
        f"  p99 {result['p99_ms']:>7.1f} ms"
    )
    return result


def join_players(url: str, code: str, count: int) -> list[tuple[str, str]]:
    """Join ``count`` players over HTTP; return each one's session cookie and CSRF token."""

    def one(i: int) -> tuple[str, str]:
        phone = Phone(url)
        page = phone.join(f"Bench {i:04d}", TEAMS[i % len(TEAMS)], next=f"/i/{code}")
        assert page.status_code == 200 and 'name="csrf_token"' in page.text, page.text[:300]
        from server import csrf_token

        return phone.http.cookies["invider"], csrf_token(page.text)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def codes(workdir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        return conn.execute("select code, answer from invider order by number").fetchall()


def count_answers(workdir: Path) -> int:
    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        return conn.execute("select count(*) from answer").fetchone()[0]


def line(label: str, result: dict, reference: float, against: str = "hello") -> str:
    ratio = result["rps"] / reference
    extra = f"  non-2xx {result['non2xx']}, socket errors {result['socket_errors']}"
    return (
        f"{label:<28} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:>7.1f} ms  "
        f"p99 {result['p99_ms']:>7.1f} ms  {ratio:>5.2f}x {against}{extra}"
    )


def answer_run(server: Server, workdir: Path, joined, deck, seconds: int) -> tuple[dict, int]:
    """POST first attempts over the joined players; return wrk's summary and rows inserted."""
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".tsv") as pairs:
        # Interleave players so concurrent POSTs rarely wait on the same rows.
        for code, answer in deck:
            for cookie, token in joined:
                pairs.write(f"{cookie}\t{token}\t{code}\t{answer}\n")
    before = count_answers(workdir)
    post = wrk(f"{server.url}/", seconds, LUA_ANSWER, pairs.name)
    os.unlink(pairs.name)
    return post, count_answers(workdir) - before


def capacity(url: str, cookies: str, seconds: int) -> tuple[float, int]:
    """Return the most scans per second served with p99 under the bound, and at what load."""
    best = (0.0, 0)
    for connections in CAPACITY_CONNECTIONS:
        result = wrk(url, seconds, LUA_ROTATE, cookies, connections=connections)
        print(
            f"  scans at {connections:>2} connections: {result['rps']:>6.0f} req/s, "
            f"p99 {result['p99_ms']:.1f} ms, non-2xx {result['non2xx']}"
        )
        if result["p99_ms"] < CAPACITY_P99_MS and not result["non2xx"]:
            best = max(best, (result["rps"], connections))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    secs = options.seconds
    failed = []
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="invider-bench-") as tmp:
        base = Path(tmp)
        small, large, full = base / "small", base / "large", base / "full"
        t0 = time.monotonic()
        prepare(small, 2_000, 30)
        prepare(large, 20_000, 30)
        prepare(full, 2_000, 30)
        print(f"filled 2,000/60,000 and 20,000/600,000 in {time.monotonic() - t0:.1f} s")

        hello = measure_hello(base, secs)
        minimal = measure_minimal(base, small / "instance" / "invider.db", secs)

        server = Server(small, workers=WORKERS, env=BENCH_ENV).start(timeout=120)
        try:
            deck = codes(small)
            joined = join_players(server.url, deck[0][0], JOINED)
            with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as f:
                f.write("\n".join(cookie for cookie, _ in joined) + "\n")
                cookies = f.name
            scan_url = f"{server.url}/i/{deck[0][0]}"
            results["scan page"] = wrk(scan_url, secs, LUA_ROTATE, cookies)
            results["/leaderboard page"] = wrk(
                f"{server.url}/leaderboard", secs, LUA_ROTATE, cookies
            )
            results["answer POST"], inserted = answer_run(server, small, joined, deck, secs)
            results["/leaderboard.json"] = wrk(f"{server.url}/leaderboard.json", secs, "")
            results["/leaderboard.json?limit=10"] = wrk(
                f"{server.url}/leaderboard.json?limit=10", secs, ""
            )
            results["/screen.json"] = wrk(f"{server.url}/screen.json", secs, "")
            print(f"capacity: scans per second with p99 under {CAPACITY_P99_MS} ms")
            scans_per_second, at = capacity(scan_url, cookies, secs)
        finally:
            server.stop()

        server = Server(
            full, workers=WORKERS, env={**BENCH_ENV, "INVIDER_SQLITE_SYNCHRONOUS": "FULL"}
        ).start(timeout=120)
        try:
            deck_full = codes(full)
            joined_full = join_players(server.url, deck_full[0][0], JOINED)
            full_post, full_inserted = answer_run(server, full, joined_full, deck_full, secs)
        finally:
            server.stop()

        # The machine is shared and noisy: hello world again, and the ratios use the mean.
        hello["rps"] = (hello["rps"] + measure_hello(base, secs)["rps"]) / 2
        print(f"{'hello world, mean':<28} {hello['rps']:>8.0f} req/s")
        print(
            f"{'minimal Flask page':<28} {minimal['rps']:>8.0f} req/s  "
            f"{minimal['rps'] / hello['rps']:.2f}x hello"
        )
        for label in PAGE_TARGETS:
            print(line(label, results[label], minimal["rps"], "minimal page"))
        for label in HELLO_TARGETS:
            extra = f", {inserted} answers inserted" if label == "answer POST" else ""
            print(line(label, results[label], hello["rps"]) + extra)
        print(
            line("answer POST, FULL sync", full_post, hello["rps"])
            + f", {full_inserted} inserted; {full_post['rps'] / results['answer POST']['rps']:.2f}"
            "x the NORMAL rate"
        )
        print(
            f"{'scans/s at p99 < 100 ms':<28} {scans_per_second:>8.0f} req/s (at {at} connections)"
        )

        server = Server(large, workers=WORKERS, env=BENCH_ENV).start(timeout=120)
        try:
            big = wrk(f"{server.url}/leaderboard.json", secs, "")
        finally:
            server.stop()
        slowdown = results["/leaderboard.json"]["rps"] / big["rps"]
        print(
            line("/leaderboard.json 20k", big, hello["rps"])
            + f"; slowdown from 2k: {slowdown:.2f}x"
        )

    for label, target in PAGE_TARGETS.items():
        if results[label]["rps"] / minimal["rps"] < target:
            failed.append(f"{label} below {target}x the minimal page")
    for label, target in HELLO_TARGETS.items():
        if results[label]["rps"] / hello["rps"] < target:
            failed.append(f"{label} below {target}x hello")
    for label, result in results.items():
        if result["non2xx"] or result["socket_errors"]:
            failed.append(f"{label} had failures")
    if inserted < results["answer POST"]["requests"]:
        failed.append("answer POST repeated or lost answers")
    if slowdown > MAX_SLOWDOWN:
        failed.append(f"leaderboard slowed down {slowdown:.2f}x at 20,000 players")
    if scans_per_second < 100:
        failed.append("fewer than 100 scans/s with p99 under 100 ms")
    print("targets: " + ("all met" if not failed else "MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
