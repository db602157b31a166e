"""Consistent copies of a live SQLite database, through SQLite's online backup API.

Copying the file while workers write can catch a half-written page, and misses
whatever still sits in the ``-wal`` file; the backup API reads one consistent
snapshot instead, without stopping the writers (WAL readers do not block them).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup that cannot be taken, with a message saying why."""


def sqlite_path(database_url: str) -> Path:
    """Return the file behind a SQLite URL, or raise BackupError for anything else."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"backups here copy SQLite databases; for {url.get_backend_name()} use its own "
            "tools (pg_dump for PostgreSQL)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def backup_sqlite(source: Path, dest: Path) -> Path:
    """Copy the SQLite database ``source`` into the new file ``dest`` and check the copy.

    The copy is one snapshot: every transaction committed before the backup
    started is in it. It is written next to ``dest`` first and renamed into
    place only once ``PRAGMA integrity_check`` passes.
    """
    source, dest = Path(source), Path(dest)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    # Read-only URI: a backup must never create or modify the live database.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        # pages=-1 copies everything in one step under one read transaction: a
        # snapshot, where smaller steps would restart whenever a writer commits.
        src.backup(dst, pages=-1)
        # A copy is a plain file: no -wal next to it that could be lost on the way.
        dst.execute("PRAGMA journal_mode = DELETE")
        problems = check_integrity(dst)
    finally:
        dst.close()
        src.close()
    if problems:
        partial.unlink(missing_ok=True)
        raise BackupError("the copy failed its integrity check: " + "; ".join(problems))
    os.replace(partial, dest)
    return dest


def check_integrity(conn: sqlite3.Connection) -> list[str]:
    """Return the problems ``PRAGMA integrity_check`` finds, or an empty list."""
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def timestamped_name(prefix: str, now: datetime | None = None) -> str:
    """Return a backup file name such as ``prefix-20260314-091500.db`` (UTC)."""
    now = now or datetime.now(UTC)
    return f"{prefix}-{now.astimezone(UTC):%Y%m%d-%H%M%S}.db"


def backup_database(database_url: str, dest: Path) -> Path:
    """Back up the database at ``database_url`` into ``dest``."""
    return backup_sqlite(sqlite_path(database_url), dest)
