"""The database schema: Alembic revisions applied up to the latest one, one server at a time.

Alembic and Flask-Migrate are imported only when the database lacks a revision, or when a
``db`` command runs: every command and every server start checks the schema, and a current
database needs one read of its ``alembic_version``, not Alembic's own tenth of a second.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from sqlalchemy import inspect, text

from invider.store.models import db

if TYPE_CHECKING:
    from alembic.config import Config
    from flask_migrate import Migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: The latest revision in migrations/versions: a new revision sets it (a test checks it).
HEAD = "0009"

# Taken by every server while it starts (migrations, then the first deck). The migrations
# take their own transaction-level lock (PG_MIGRATION_LOCK in migrations/env.py) on another
# connection, so this one must be a different number or a starting server would wait for
# itself.
PG_STARTUP_LOCK = 0x1D1DE6


def migrations(app: Flask) -> Migrate:
    """Return Flask-Migrate's extension on ``app``, setting it up the first time."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS))  # also registers its `db` commands
    return app.extensions["migrate"].migrate


class MigrationCommands(click.Group):
    """Flask-Migrate's ``db`` commands, set up when one is named (``invider db upgrade``)."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # Flask-Migrate's own group (its options, its commands) takes over from here.
        migrations(current_app)
        group = current_app.cli.commands["db"]
        return group.make_context(info_name, args, parent=parent, **extra)


def init_app(app: Flask) -> None:
    """Offer the ``db`` commands without importing Alembic until one runs."""
    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))


def alembic_config() -> Config:
    """Return the Alembic configuration of this app's database."""
    return migrations(current_app).get_config()


def current_revisions() -> set[str]:
    """Return the revisions the database is at (empty before the first migration)."""
    with db.engine.connect() as conn:
        heads: set[str] = set()
        if inspect(conn).has_table("alembic_version"):
            heads = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        conn.rollback()
    return heads


def upgrade_schema() -> None:
    """Apply every migration the database lacks, in one transaction.

    A database already at the latest revision is only read, so a server whose
    disk turned read-only still starts and serves pages. A database made by
    release 0.1 (tables but no ``alembic_version``) is adopted at the first
    revision, which is that release's schema, then upgraded.
    """
    if current_revisions() == {HEAD}:
        return
    from alembic import command

    config = alembic_config()
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
