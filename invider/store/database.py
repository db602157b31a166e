"""Database settings: SQLite pragmas and BEGIN IMMEDIATE as engine events, engine options."""

from __future__ import annotations

import sqlite3
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from invider.store.models import db

#: SQLite's ``synchronous`` settings an organiser may choose (INVIDER_SQLITE_SYNCHRONOUS).
SYNCHRONOUS = ("NORMAL", "FULL")
#: The WAL file is cut back to this size after each checkpoint, so a long day of answers
#: never fills a small disk; checkpoints run every 256 pages (1 MiB) written.
WAL_SIZE_LIMIT = 4 * 1024 * 1024
WAL_CHECKPOINT_PAGES = 256
#: How long a writer waits for SQLite's write lock before "database is locked".
BUSY_SECONDS = 5.0
#: Under an event loop (gevent workers), SQLite's own wait sleeps in C, holding every
#: greenlet of the worker, the lock's holder among them: it waits this long at most,
#: and BEGIN IMMEDIATE is retried with sleeps that let the other greenlets run.
COOPERATIVE_BUSY_MS = 20


def cooperative() -> bool:
    """Tell whether this process runs greenlets (gevent has patched its sockets)."""
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("socket")


#: The extra of ``pip install 'invider[...]'`` that brings each optional driver.
EXTRAS = {"psycopg": "postgres", "redis": "redis"}
#: How messages name the databases SQLAlchemy calls by their dialect.
DATABASES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mssql": "SQL Server"}


class MissingDriver(RuntimeError):
    """A configured database or Redis needs a driver that is not installed."""


def check_drivers(app: Flask) -> None:
    """Raise MissingDriver, saying what to install, when a configured URL lacks its driver.

    PostgreSQL and Redis are optional: without this check a missing one shows up as
    a traceback deep in SQLAlchemy at start-up, or in the first rate-limited request.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = url.get_backend_name()
    try:
        url.get_dialect().import_dbapi()
    except ImportError as error:
        raise MissingDriver(
            _missing("INVIDER_DATABASE_URL", DATABASES.get(backend, backend), error.name)
        ) from None
    if app.config.get("REDIS_URL"):
        try:
            import redis  # noqa: F401
        except ImportError:
            raise MissingDriver(_missing("INVIDER_REDIS_URL", "Redis", "redis")) from None


def _missing(setting: str, what: str, module: str | None) -> str:
    extra = EXTRAS.get(module or "")
    install = f"pip install 'invider[{extra}]'" if extra else f"pip install {module}"
    return f"{setting} asks for {what}, but its driver ({module}) is not installed: {install}"


def engine_options(app: Flask) -> dict:
    """Return the SQLAlchemy engine options for this app's database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {}
    # A connection left over from before a database restart is tested before use and
    # replaced, instead of failing the request that draws it.
    return {"pool_pre_ping": True}


def init_app(app: Flask) -> None:
    """Apply the SQLite settings to every connection of this app's engine."""
    synchronous = str(app.config.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"INVIDER_SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}")
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def sqlite_pragmas(dbapi_connection, connection_record) -> None:
        """Put every SQLite connection in WAL mode with a busy wait and foreign keys.

        The driver's own transaction handling is switched off so that the ``begin``
        listener below decides between BEGIN and BEGIN IMMEDIATE.
        """
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        busy = COOPERATIVE_BUSY_MS if cooperative() else int(BUSY_SECONDS * 1000)
        cursor.execute(f"PRAGMA busy_timeout = {busy}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        cursor.close()

    event.listen(engine, "begin", _sqlite_begin)


def _sqlite_begin(conn) -> None:
    """Start SQLite transactions ourselves; writers ask for IMMEDIATE.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another connection committed meanwhile; BEGIN IMMEDIATE waits for the
    write lock instead.
    """
    immediate = conn.get_execution_options().get("immediate")
    driver = conn.connection.driver_connection
    if immediate:
        _begin_immediate(driver)
    else:
        driver.execute("BEGIN")


def _begin_immediate(driver) -> None:
    """Take SQLite's write lock, waiting up to ``BUSY_SECONDS`` for it.

    Without greenlets SQLite's busy wait does the waiting. Under gevent it waits only
    ``COOPERATIVE_BUSY_MS``, so the lock is retried here with sleeps that let the
    greenlet holding it finish.
    """
    if not cooperative():
        driver.execute("BEGIN IMMEDIATE")
        return
    deadline = time.monotonic() + BUSY_SECONDS
    pause = 0.001
    while True:
        try:
            driver.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(pause)  # gevent's sleep: the other greenlets run meanwhile
        pause = min(pause * 2, 0.02)


def begin_write() -> None:
    """End any read transaction of the session and start one that may write.

    On SQLite this takes the write lock up front (BEGIN IMMEDIATE); on PostgreSQL it
    is an ordinary transaction.

    A session that holds no objects (the answer reads its rows with Core statements)
    keeps its connection: the read transaction ends and the write one begins on it, at
    a fraction of a rollback and a second checkout from the pool. On PostgreSQL each
    statement already sees every commit, so the read transaction simply goes on.
    """
    session = db.session()
    if session.in_transaction() and not session.identity_map and not session.new:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return
        driver = connection.connection.driver_connection
        if driver.in_transaction:
            driver.execute("COMMIT")  # a read transaction: nothing to write
        _begin_immediate(driver)
        return
    session.rollback()
    session.connection(execution_options={"immediate": True})
