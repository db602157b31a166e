"""Schema migrations: a fresh database, a release 0.1 database, and no drift from the models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import deck_file as deck_file  # noqa: F401  (the app fixture needs it)
from sqlalchemy import create_engine, inspect, text

from invider import create_app
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.hunt.scoring import record_answer
from invider.store.models import Answer, Invider, Player, db
from invider.store.schema import alembic_config, create_schema

RELEASE_01 = Path(__file__).parent.parent / "data" / "release-0.1.sql"


@pytest.fixture
def db_url(any_db_url):
    return any_db_url


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_of(engine) -> dict:
    """Describe tables, columns, indexes (with their sort order) and foreign keys."""
    found = {}
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
            indexes = []
            for index in inspector.get_indexes(table):
                sorting = index.get("column_sorting", {})
                indexes.append(
                    (
                        index["name"],
                        tuple(index["column_names"]),
                        index["unique"],
                        tuple(sorted((k, tuple(v)) for k, v in sorting.items())),
                    )
                )
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "indexes": sorted(indexes),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
                "foreign_keys": sorted(
                    (
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        f["options"].get("ondelete"),
                    )
                    for f in inspector.get_foreign_keys(table)
                ),
            }
    return found


def test_a_fresh_database_is_at_the_latest_revision(app):
    with app.app_context():
        version = db.session.execute(text("select version_num from alembic_version")).all()
        assert version == [(head(),)]


def test_migrations_match_the_models(app, tmp_path):
    """Fails when a model changes without a revision (or a revision without the model)."""
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        migrated = schema_of(db.engine)
    # Autogenerate misses some details (an index column's DESC): compare the catalogue too.
    reference = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    db.metadata.create_all(reference)
    if app.config.get("DATABASE_URL"):
        assert migrated.keys() == schema_of(reference).keys()
    else:
        assert migrated == schema_of(reference)
    reference.dispose()


def test_starting_again_changes_nothing(app):
    with app.app_context():
        before = schema_of(db.engine)
        create_schema()
        assert schema_of(db.engine) == before


def test_every_revision_downgrades_and_upgrades_again(app):
    with app.app_context():
        command.downgrade(alembic_config(), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(alembic_config(), "head")
        assert (
            db.session.execute(text("select version_num from alembic_version")).scalar() == head()
        )


def release_01_app(tmp_path: Path):
    """Return an app on a database file made by release 0.1 (no ``alembic_version``)."""
    instance = tmp_path / "instance"
    instance.mkdir(parents=True)
    with sqlite3.connect(instance / "invider.db") as conn:
        conn.executescript(RELEASE_01.read_text(encoding="utf-8"))
    conn.close()
    return create_app(
        {
            "TESTING": True,
            "INSTANCE": str(instance),
            "SECRET_KEY": "t",
            "STANDINGS_CACHE_SECONDS": 0,
        }
    )


def answers_of(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            db.select(
                Player.name,
                Invider.key,
                Answer.given,
                Answer.correct,
                Answer.points,
                Answer.created_at,
            )
            .join(Answer.player)
            .join(Answer.invider)
            .order_by(Answer.id)
        ).all()


def test_a_release_01_database_upgrades_in_place_keeping_every_answer(tmp_path, deck_file):  # noqa: F811
    app = release_01_app(tmp_path)
    with app.app_context():
        assert "alembic_version" not in inspect(db.engine).get_table_names()
    before = answers_of(app)
    assert len(before) == 6
    with app.app_context():
        scores = dict(db.session.execute(db.select(Player.name, Player.score)).all())
        db.session.remove()  # end the read: its snapshot predates the upgrade
        create_schema()
        assert db.session.execute(text("select version_num from alembic_version")).all() == [
            (head(),)
        ]
        assert db.session.execute(text("pragma integrity_check")).scalar() == "ok"
        assert db.session.execute(text("pragma foreign_key_check")).all() == []
        assert dict(db.session.execute(db.select(Player.name, Player.score)).all()) == scores
        assert scores == {"Alice": 30, "Bob": 0, "Chloé": 0, "Dan": 30}
    assert answers_of(app) == before
    with app.app_context():
        # The upgraded database plays on: a deck reload keeps codes, a new answer counts.
        codes = dict(db.session.execute(db.select(Invider.key, Invider.code)).all())
        load_deck(read_deck(deck_file))
        assert dict(db.session.execute(db.select(Invider.key, Invider.code)).all()) == codes
        chloe = db.session.execute(db.select(Player).where(Player.name == "Chloé")).scalar_one()
        launch = db.session.execute(db.select(Invider).where(Invider.key == "launch")).scalar_one()
        stored, created, _player = record_answer(chloe, launch, "July 2015")
        assert created and stored.points == 10
        assert db.session.get(Player, chloe.id).score == 10
        assert len(inspect(db.engine).get_indexes("player")) == 1
        db.engine.dispose()


def test_the_upgraded_release_01_database_matches_a_fresh_one(tmp_path, app):
    legacy = release_01_app(tmp_path / "legacy")
    with legacy.app_context():
        create_schema()
        upgraded = schema_of(db.engine)
        db.engine.dispose()
    with app.app_context():
        fresh = schema_of(db.engine)
    if app.config.get("DATABASE_URL"):
        assert upgraded.keys() == fresh.keys()
    else:
        assert upgraded == fresh


def test_invider_db_command_reports_the_revision(app, runner):
    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            head() in result.output
            or db.session.execute(text("select version_num from alembic_version")).scalar()
            == head()
        )
