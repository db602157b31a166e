"""A writer waits for SQLite's write lock under the shipped gevent workers, never a 500."""

from __future__ import annotations

import sqlite3
import threading
import time

from databases import codes_of, engine_for
from server import Phone, Server

HELD_SECONDS = 0.5  # far past the 20 ms SQLite waits by itself under gevent


def hold_write_lock(database, started: threading.Event) -> None:
    """Take the write lock from another process's connection, as a slow commit would."""
    with sqlite3.connect(database, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(HELD_SECONDS)
        other.execute("COMMIT")


def test_joining_and_answering_wait_for_a_held_write_lock(workdir):
    server = Server(workdir, workers=2).start(timeout=60)
    try:
        engine = engine_for(workdir, None)
        code = codes_of(engine)["launch"]
        engine.dispose()
        early = Phone(server.url)
        assert early.join("Early", "Red").status_code == 200
        token = early.token_for(code)
        database = workdir / "instance" / "invider.db"

        started = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(database, started))
        holder.start()
        started.wait(5)
        t0 = time.monotonic()
        joined = Phone(server.url).join("Waiting", "Blue")
        answered = early.answer(code, token, choice="July 2015")
        waited = time.monotonic() - t0
        holder.join()
    finally:
        server.stop()
    assert joined.status_code == 200 and "Waiting" in joined.text
    assert answered.status_code == 200 and "Right answer!" in answered.text
    assert waited >= HELD_SECONDS * 0.8  # they did wait for the lock, and then wrote
    assert "database is locked" not in server.output()
