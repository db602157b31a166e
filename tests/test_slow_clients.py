"""``invider serve`` under slow connections: hundreds of sockets trickling their headers or
their POST body from one address while phones play (a real server, real sockets)."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import SMALL_DECK
from server import Server
from slow_load import percentile, play_under_trickle

SLOW, PHONES, SECONDS = 300, 8, 12


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "deck.toml").write_text(SMALL_DECK, encoding="utf-8")
    return tmp_path


def answers_of(workdir) -> dict[str, dict]:
    right = {"launch": {"choice": "July 2015"}, "services": {"answer": "133"}}
    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        rows = conn.execute("select key, code from invider").fetchall()
    return {code: right[key] for key, code in rows if key in right}


def test_slow_connections_leave_every_phone_served(workdir):
    server = Server(workdir, workers=2).start()
    try:
        workers = sorted(server.worker_pids())
        play, trickle = play_under_trickle(
            server.url, server.port, answers_of(workdir), SLOW, PHONES, SECONDS
        )
        p99 = percentile(play.latencies, 0.99)
        figures = (
            f"{len(play.latencies)} phone requests, p99 {p99 * 1000:.0f} ms, "
            f"{len(play.failures)} failed, while {SLOW} connections trickled "
            f"({trickle.reconnects} reopened after the server closed them)"
        )
        # Every phone request was answered (each waits at most 10 s; under sync workers
        # they waited until the slow clients let go, up to 45 s).
        assert not play.failures, f"{figures}: {play.failures[:5]}"
        assert p99 < 2.0, figures
        assert len(play.acknowledged) == PHONES * 2, figures
        # No worker was killed because of a client, and the slow ones were cut off.
        assert sorted(server.worker_pids()) == workers, server.output()[-2000:]
        assert "WORKER TIMEOUT" not in server.output()
        assert trickle.reconnects >= SLOW // 2, figures
    finally:
        server.stop()
    # Every acknowledged answer is in the database.
    with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
        stored = set(
            conn.execute(
                "select player.name, invider.code from answer"
                " join player on player.id = answer.player_id"
                " join invider on invider.id = answer.invider_id"
            ).fetchall()
        )
    assert set(play.acknowledged) <= stored
    print(figures)
