"""Alembic environment: migrate the app's database with the app's own engine."""

from __future__ import annotations

from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import TypeDecorator, inspect

config = context.config
target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata
# Any constant: every app server upgrading at start takes the same lock.
PG_MIGRATION_LOCK = 0x1D1DE5


def render_item(kind, obj, autogen_context):
    """Render app column types (UTCDateTime) as their plain SQL type.

    Revisions then never import app code, which changes under them.
    """
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def skip_empty(context, revision, directives):
    """Write no revision file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def adopt_legacy(connection) -> None:
    """Stamp a database made before migrations (release 0.1) at the first revision.

    Release 0.1 created its tables with ``create_all`` and kept no version; the
    first revision is exactly that schema, so the later ones apply on top of it.
    """
    tables = set(inspect(connection).get_table_names())
    if "hunt" in tables and "alembic_version" not in tables:
        script = ScriptDirectory.from_config(config)
        context.get_context().stamp(script, script.get_base())


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``invider db upgrade --sql``)."""
    context.configure(
        url=target_db.engine.url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations in one transaction, one server at a time."""
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", skip_empty)
    args.setdefault("render_item", render_item)
    engine = target_db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it (batch mode): with foreign keys on,
            # dropping the old "player" table would cascade-delete every answer.
            # The pragma is ignored inside a transaction, so set it before BEGIN.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            # BEGIN IMMEDIATE: two servers starting at once migrate one after the other.
            connection = connection.execution_options(immediate=True)
        context.configure(
            connection=connection, target_metadata=target_metadata, transactional_ddl=True, **args
        )
        try:
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
                if config.attributes.get("adopt_legacy"):
                    adopt_legacy(connection)
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
