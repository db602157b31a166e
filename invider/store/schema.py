"""The database schema: Alembic revisions applied up to the latest one, one server at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import Migrate

from invider.store.models import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
migrate = Migrate(directory=str(MIGRATIONS))

# Taken by every server while it starts (migrations, then the first deck). The migrations
# take their own transaction-level lock (PG_MIGRATION_LOCK in migrations/env.py) on another
# connection, so this one must be a different number or a starting server would wait for
# itself.
PG_STARTUP_LOCK = 0x1D1DE6


def alembic_config() -> Config:
    """Return the Alembic configuration of this app's database."""
    return current_app.extensions["migrate"].migrate.get_config()


def current_revisions() -> set[str]:
    """Return the revisions the database is at (empty before the first migration)."""
    with db.engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
        conn.rollback()
    return heads


def upgrade_schema() -> None:
    """Apply every migration the database lacks, in one transaction.

    A database already at the latest revision is only read, so a server whose
    disk turned read-only still starts and serves pages. A database made by
    release 0.1 (tables but no ``alembic_version``) is adopted at the first
    revision, which is that release's schema, then upgraded.
    """
    config = alembic_config()
    if current_revisions() == set(ScriptDirectory.from_config(config).get_heads()):
        return
    config.attributes["adopt_legacy"] = True
    command.upgrade(config, "head")


@contextlib.contextmanager
def startup_lock() -> Iterator[None]:
    """Let one starting server at a time migrate the database and load the first deck.

    Servers started together on an empty database would otherwise each see no hunt
    and each load the deck. On PostgreSQL this is a session-level advisory lock, held
    on a connection of its own and released when it closes (even if the process dies);
    on SQLite, an exclusive lock on a file next to the database.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({PG_STARTUP_LOCK})")
            conn.commit()  # the lock outlives the transaction; no transaction stays open
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_STARTUP_LOCK})")
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        import fcntl
    except ImportError:  # Windows: one server per machine anyway
        fcntl = None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".startup-lock")
    try:
        lock_file = open(lock_path, "a")  # noqa: SIM115  (closed below)
    except OSError:
        # A read-only disk: nothing can be migrated or loaded there anyway.
        yield
        return
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def create_schema() -> None:
    """Bring the schema up to date: Alembic migrations up to the latest revision."""
    upgrade_schema()
