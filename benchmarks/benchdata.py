"""The benchmark's data: a 30-invider deck, players and answers, in SQLite or PostgreSQL.

The deck is loaded with ``invider load`` (so the schema is the product's own), then
players and answers are bulk-inserted with the driver, bypassing the app: filling
600,000 answers through HTTP would take longer than the benchmark.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

INVIDERS = 30
TEAMS = ["DSI", "Direction générale", "Agences", "Communication", "RH"]
TOPICS = ["Emploi Store", "Données ouvertes", "Agilité", "Partenaires", "Mobile"]
PLAYER_COLUMNS = (
    "id, name, name_key, team, score, found, correct, score_at, joined_at, hidden, session_secret"
)
ANSWER_COLUMNS = "id, player_id, invider_id, given, correct, points, created_at"


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


def database_url(workdir: Path, url: str | None) -> str:
    """Return the SQLAlchemy URL of the instance in ``workdir``: ``url`` or its SQLite file."""
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{workdir / 'instance' / 'invider.db'}"


def rows(workdir: Path, players: int, answers_each: int, inviders: list) -> tuple[list, list]:
    """Return generated player and answer rows (naive UTC times, as the columns store)."""
    rng = random.Random(players)
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=6)
    player_rows, answer_rows = [], []
    answer_id = 0
    for pid in range(1, players + 1):
        joined = start + timedelta(seconds=rng.randrange(3600))
        score = found = correct = 0
        score_at = at = joined
        for invider_id, points in rng.sample(inviders, answers_each):
            at += timedelta(seconds=rng.randrange(1, 600))
            right = rng.random() < 0.7
            answer_id += 1
            answer_rows.append(
                (answer_id, pid, invider_id, "A" if right else "B", right, points * right, at)
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
                score_at,
                joined,
                False,
                f"bench-secret-{pid}",
            )
        )
    return player_rows, answer_rows


def prepare(workdir: Path, players: int, answers_each: int, url: str | None = None) -> None:
    """Create the instance with the deck loaded, then bulk-insert players and answers."""
    (workdir / "questions").mkdir(parents=True)
    (workdir / "questions" / "bench.toml").write_text(deck_text(), encoding="utf-8")
    env = dict(os.environ, INVIDER_INSTANCE=str(workdir / "instance"))
    if url:
        env["INVIDER_DATABASE_URL"] = url
    subprocess.run(
        [shutil.which("invider"), "load", "questions/bench.toml"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )
    engine = create_engine(database_url(workdir, url))
    with engine.begin() as conn:
        inviders = conn.execute(text("select id, points from invider order by id")).all()
        player_rows, answer_rows = rows(workdir, players, answers_each, inviders)
        postgres = conn.dialect.name == "postgresql"
        mark, stored = ("%s", tuple) if postgres else ("?", _stored)
        with _cursor(conn.connection.driver_connection) as cursor:
            cursor.executemany(
                f"insert into player ({PLAYER_COLUMNS}) values ({', '.join([mark] * 11)})",
                [stored(r) for r in player_rows],
            )
            cursor.executemany(
                f"insert into answer ({ANSWER_COLUMNS}) values ({', '.join([mark] * 7)})",
                [stored(r) for r in answer_rows],
            )
        if conn.dialect.name == "postgresql":
            # Rows came with their ids: the sequences continue after them.
            for table in ("player", "answer"):
                conn.execute(
                    text(
                        f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(select max(id) from {table}))"
                    )
                )
    with engine.begin() as conn:
        conn.execute(text("analyze"))
    engine.dispose()


@contextmanager
def _cursor(connection) -> Iterator:
    cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _stored(row: tuple) -> tuple:
    """SQLite stores the UTCDateTime columns as naive ISO text."""
    return tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row)


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """Create a schema of its own on ``server_url``, yield a URL that uses it, drop it."""
    import psycopg

    name = f"invider_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        separator = "&" if "?" in server_url else "?"
        yield f"{server_url}{separator}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def codes(workdir: Path, url: str | None = None) -> list[tuple[str, str]]:
    """Return each invider's poster code and right answer, in deck order."""
    engine = create_engine(database_url(workdir, url))
    with engine.connect() as conn:
        found = [
            tuple(r) for r in conn.execute(text("select code, answer from invider order by number"))
        ]
    engine.dispose()
    return found


def count_answers(workdir: Path, url: str | None = None) -> int:
    """Return how many answers the database holds."""
    engine = create_engine(database_url(workdir, url))
    with engine.connect() as conn:
        count = conn.execute(text("select count(*) from answer")).scalar_one()
    engine.dispose()
    return count
