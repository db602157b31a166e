"""Migration 0009: echo answers given before the rounds stay, as round 1; later rounds fit."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from invider.store.models import db
from invider.store.schema import alembic_config


@pytest.fixture
def db_url(any_db_url):
    return any_db_url


def insert(conn, round_number: int | None) -> None:
    columns = "player_id, invider_id, given, correct, control, created_at"
    values = "1, 1, '72', true, false, '2030-03-21 09:00:00'"
    if round_number is not None:
        columns, values = f"{columns}, round", f"{values}, {round_number}"
    conn.execute(text(f"insert into echo_answer ({columns}) values ({values})"))


def test_an_echo_answer_from_before_the_rounds_is_round_1_and_round_2_fits(app, play):
    play.join("Alice", "Red")
    with app.app_context():
        command.downgrade(alembic_config(), "0006")
        with db.engine.begin() as conn:
            insert(conn, None)
        command.upgrade(alembic_config(), "head")
        with db.engine.begin() as conn:
            assert conn.execute(text("select round from echo_answer")).scalars().all() == [1]
            assert conn.execute(text("select echo_rounds from hunt")).scalar() is None
            insert(conn, 2)  # the same player and poster in a later round
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            insert(conn, 2)  # but one try per round
        command.downgrade(alembic_config(), "0006")
        with db.engine.begin() as conn:
            # Going back keeps round 1 only: the older schema has one try per poster.
            assert conn.execute(text("select count(*) from echo_answer")).scalar() == 1
        command.upgrade(alembic_config(), "head")
