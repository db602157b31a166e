"""Backups of a live SQLite database: consistent, complete, and taken while answers arrive."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from invider.hunt.scoring import record_answer
from invider.store.backup import BackupError, backup_database, backup_sqlite, sqlite_path
from invider.store.models import Invider, Player, db


def database_file(app) -> Path:
    return sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])


def answer_ids(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("select id from answer")}


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_backup_while_answers_are_written_holds_every_acknowledged_answer(app, tmp_path):
    with app.app_context():
        db.session.add_all(Player(name=f"P{i}", name_key=f"p{i}") for i in range(400))
        db.session.commit()
        player_ids = db.session.execute(db.select(Player.id)).scalars().all()
        invider_ids = db.session.execute(db.select(Invider.id)).scalars().all()
    acknowledged: list[int] = []
    lock, stop, started = threading.Lock(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer():
        # Answers go through the app's own write path, as a worker records them.
        try:
            with app.app_context():
                for pid in player_ids:
                    for iid in invider_ids:
                        if stop.is_set():
                            return
                        answer, created, _player = record_answer(
                            db.session.get(Player, pid), db.session.get(Invider, iid), "x"
                        )
                        assert created
                        with lock:
                            acknowledged.append(answer.id)
                        if len(acknowledged) >= 50:
                            started.set()
        except BaseException as e:  # the test fails on it below
            errors.append(e)
            started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(60)
    copies = []
    for n in range(3):
        with lock:
            before = set(acknowledged)
        copy = backup_sqlite(database_file(app), tmp_path / f"copy-{n}.db")
        copies.append((before, copy))
    with lock:
        written_after = len(acknowledged)
    stop.set()
    thread.join(60)
    assert errors == []
    for before, copy in copies:
        assert integrity(copy) == "ok"
        in_copy = answer_ids(copy)
        assert before <= in_copy, f"{len(before - in_copy)} acknowledged answers missing"
        # A snapshot holds whole transactions: every answer counted on its player row.
        with sqlite3.connect(copy) as conn:
            found = conn.execute("select coalesce(sum(found), 0) from player").fetchone()[0]
        assert found == len(in_copy)
    assert written_after >= len(copies[0][0])


def test_backup_command_writes_a_checked_copy(app, runner, tmp_path, play):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    target = tmp_path / "saved" / "hunt.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Backed up the database into {target}" in result.output
    assert integrity(target) == "ok"
    with sqlite3.connect(target) as conn:
        assert conn.execute("select name from player").fetchall() == [("Alice",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert len(answer_ids(target)) == 1


def test_backup_command_never_overwrites_a_file(app, runner, tmp_path):
    target = tmp_path / "existing.db"
    target.write_bytes(b"precious")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 2
    assert "already exists; choose a new file name" in result.output
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql+psycopg://u@localhost/db", "use its own tools (pg_dump for PostgreSQL)"),
        ("sqlite://", "an in-memory database cannot be backed up"),
    ],
)
def test_backup_refuses_what_it_cannot_copy(tmp_path, url, message):
    with pytest.raises(BackupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        backup_database(url, tmp_path / "x.db")


def test_backup_of_a_missing_database_says_so(tmp_path):
    with pytest.raises(BackupError, match="no database at"):
        backup_sqlite(tmp_path / "none.db", tmp_path / "copy.db")
    assert not (tmp_path / "none.db").exists()
