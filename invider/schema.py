"""The database schema: Alembic revisions applied up to the latest one."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import Migrate

from invider.models import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
migrate = Migrate(directory=str(MIGRATIONS))


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
