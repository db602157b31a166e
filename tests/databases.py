"""Throwaway databases for tests: a PostgreSQL schema per test, dropped afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

# The server every test run may use; each test works in its own schema of it.
POSTGRES = os.environ.get("INVIDER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Create a schema of its own, yield a URL whose search_path is that schema, drop it."""
    from requirements import need_postgres

    need_postgres()
    name = f"invider_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        url = POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{url}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            # Only this schema: other tests and other people's data stay.
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def engine_for(workdir, db_url: str | None) -> Engine:
    """Return an engine on the database a served instance in ``workdir`` uses."""
    return create_engine(db_url or f"sqlite:///{workdir / 'instance' / 'invider.db'}")


def scalar(engine: Engine, sql: str, **params):
    """Run one query and return its single value."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params) -> list:
    """Run one query and return its rows as tuples."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def codes_of(engine) -> dict[str, str]:
    return dict(rows(engine, "select key, code from invider order by number"))


def assert_scores_add_up(engine) -> None:
    """Every score, found and correct count equals the sums over that player's answers."""
    drift = rows(
        engine,
        """
        select p.name, p.score, coalesce(sum(a.points), 0), p.found, count(a.id),
               p.correct, coalesce(sum(case when a.correct then 1 else 0 end), 0)
        from player p left join answer a on a.player_id = p.id
        group by p.id, p.name, p.score, p.found, p.correct
        having p.score != coalesce(sum(a.points), 0) or p.found != count(a.id)
            or p.correct != coalesce(sum(case when a.correct then 1 else 0 end), 0)""",
    )
    assert drift == []
