"""Consistent copies of the live database: SQLite's online backup API, or pg_dump.

Copying the file while workers write can catch a half-written page, and misses
whatever still sits in the ``-wal`` file; the backup API reads one consistent
snapshot instead, without stopping the writers (WAL readers do not block them).
On PostgreSQL, ``pg_dump`` takes the snapshot; without it, a reset still keeps
the rows it deletes, exported as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL, make_url


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


def timestamped_name(prefix: str, now: datetime | None = None, suffix: str = ".db") -> str:
    """Return a backup file name such as ``prefix-20260314-091500-000000.db`` (UTC)."""
    now = now or datetime.now(UTC)
    return f"{prefix}-{now.astimezone(UTC):%Y%m%d-%H%M%S-%f}{suffix}"


def backup_database(database_url: str, dest: Path) -> Path:
    """Back up the SQLite database at ``database_url`` into ``dest``.

    PostgreSQL has its own tools; a reset runs ``pg_dump`` itself (``backup_before_reset``).
    """
    return backup_sqlite(sqlite_path(database_url), dest)


def _pg_schema(url: URL) -> str | None:
    """Return the schema named in the URL's ``options=-csearch_path=...``, if any."""
    options = url.query.get("options") or ()
    for option in (options,) if isinstance(options, str) else options:
        for part in option.split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0].strip('"') or None
    return None


def pg_dump(database_url: str, dest: Path) -> Path:
    """Dump a PostgreSQL database (only the app's schema when the URL names one) as SQL.

    The password goes through the environment, never the command line (``ps`` shows it).
    Raises BackupError when ``pg_dump`` is missing or fails.
    """
    url = make_url(database_url)
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump is not installed")
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    args = [program, "--no-owner", "--no-privileges", "--file", str(partial)]
    schema = _pg_schema(url)
    if schema:
        args += ["--schema", schema]
    env = dict(
        os.environ,
        PGDATABASE=url.database or "",
        PGUSER=url.username or "",
        PGHOST=url.host or "",
        PGPORT=str(url.port or ""),
        PGCONNECT_TIMEOUT="10",
    )
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env = {k: v for k, v in env.items() if v != ""}
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {e}") from None
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
        raise BackupError(f"pg_dump failed: {message}")
    os.replace(partial, dest)
    return dest


def export_rows(engine: Engine, tables: list, dest: Path) -> Path:
    """Write every row of ``tables`` into ``dest`` as JSON: what a reset deletes, kept."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(select(table)).mappings().all()
            data[table.name] = [dict(row) for row in rows]
        conn.rollback()
    partial = dest.with_name(dest.name + ".partial")
    partial.write_text(
        json.dumps(data, default=str, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    os.replace(partial, dest)
    return dest


def backup_before_reset(database_url: str, folder: Path, engine: Engine, tables: list) -> Path:
    """Keep a copy of what a reset deletes, in ``folder``; return the file.

    SQLite: a full copy. PostgreSQL: ``pg_dump``, or when it is missing or fails (a
    client older than the server, say), the rows of ``tables`` as JSON.
    """
    folder = Path(folder)
    if make_url(database_url).get_backend_name() != "postgresql":
        return backup_sqlite(sqlite_path(database_url), folder / timestamped_name("before-reset"))
    try:
        return pg_dump(database_url, folder / timestamped_name("before-reset", suffix=".sql"))
    except BackupError:
        return export_rows(
            engine, tables, folder / timestamped_name("before-reset", suffix=".json")
        )


@dataclass(frozen=True)
class BackupFile:
    """A file in the backups folder, and whether it still holds players' names."""

    path: Path
    size: int
    taken_at: datetime
    holds_names: bool


def _sqlite_holds_names(path: Path) -> bool:
    """Tell whether a SQLite copy has a player named otherwise than "Player <id>"."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return True
    try:
        rows = conn.execute("SELECT id, name FROM player").fetchall()
    except sqlite3.Error:
        return True  # not a database we can read: assume the worst
    finally:
        conn.close()
    anonymous = {"Player {id}", "Joueur {id}"}
    return any(name not in {a.format(id=pid) for a in anonymous} for pid, name in rows)


def backup_files(folder: Path) -> list[BackupFile]:
    """List the backups in ``folder``, newest first, saying which still hold names.

    A SQLite copy is read to find out; a dump or export is assumed to hold names.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.endswith(".partial"):
            continue
        stat = path.stat()
        found.append(
            BackupFile(
                path=path,
                size=stat.st_size,
                taken_at=datetime.fromtimestamp(stat.st_mtime, UTC),
                holds_names=_sqlite_holds_names(path) if path.suffix == ".db" else True,
            )
        )
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def delete_backups(folder: Path) -> int:
    """Delete every backup in ``folder`` (at retention: they hold the names); return how many.

    A copy left by an interrupted backup (``.partial``) goes too.
    """
    folder, count = Path(folder), 0
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        if path.is_file():
            path.unlink(missing_ok=True)
            count += 1
    return count
