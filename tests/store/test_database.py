"""SQLite settings as shipped: a bounded WAL, the durability setting, one hunt per database."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError

from invider import create_app
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.hunt.scoring import record_answer
from invider.store.database import WAL_SIZE_LIMIT, begin_write
from invider.store.models import Hunt, Invider, Player, db
from invider.store.schema import create_schema

INVIDERS, PLAYERS = 100, 100


def big_deck(path):
    lines = ["[hunt]", 'title = "WAL"', 'language = "en"', ""]
    for n in range(INVIDERS):
        lines += [
            "[[invider]]",
            f'key = "q{n:03d}"',
            f'question = "Question {n}?"',
            f'choices = ["A{n}", "B{n}"]',
            f'answer = "A{n}"',
            f'fact = "Fact {n}."',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.slow  # 10,000 answers: minutes
def test_the_wal_stays_bounded_over_10000_answers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"PUBLIC_URL": "http://192.168.1.20:8000"})
    wal = tmp_path / "instance" / "invider.db-wal"
    largest = 0
    with app.app_context():
        create_schema()
        load_deck(read_deck(big_deck(tmp_path / "deck.toml")))
        db.session.add_all(Player(name=f"P{n}", name_key=f"p{n}") for n in range(PLAYERS))
        db.session.commit()
        players = db.session.execute(db.select(Player)).scalars().all()
        inviders = db.session.execute(db.select(Invider)).scalars().all()
        recorded = 0
        for invider in inviders:
            for player in players:
                _answer, created, _player = record_answer(player, invider, f"A{invider.number - 1}")
                recorded += created
                if recorded % 250 == 0:
                    largest = max(largest, wal.stat().st_size)
        assert recorded == INVIDERS * PLAYERS == 10_000
        assert db.session.execute(db.select(db.func.sum(Player.score))).scalar() == 100_000
    db_size = (tmp_path / "instance" / "invider.db").stat().st_size
    # Without a limit the WAL grew with every answer; now it is cut back after checkpoints.
    assert 0 < largest <= WAL_SIZE_LIMIT + 1024 * 1024, (largest, db_size)


@pytest.mark.parametrize(("setting", "expected"), [(None, 1), ("NORMAL", 1), ("full", 2)])
def test_the_durability_setting_reaches_every_connection(tmp_path, monkeypatch, setting, expected):
    monkeypatch.chdir(tmp_path)
    if setting:
        monkeypatch.setenv("INVIDER_SQLITE_SYNCHRONOUS", setting)
    app = create_app({})
    with app.app_context():
        assert db.session.execute(db.text("pragma synchronous")).scalar() == expected
        assert db.session.execute(db.text("pragma journal_mode")).scalar() == "wal"


def test_an_unknown_durability_setting_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INVIDER_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(ValueError, match="INVIDER_SQLITE_SYNCHRONOUS must be one of NORMAL, FULL"):
        create_app({})


def test_the_database_holds_one_hunt(app):
    with app.app_context():
        db.session.add(Hunt(id=2, title="Another hunt"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(db.select(db.func.count(Hunt.id))).scalar() == 1


def test_a_write_after_a_read_overtaken_by_another_writer_succeeds(app, tmp_path):
    # An answer reads (the player, the stored answer), then writes. When another worker
    # committed in between, SQLite refuses to turn that read into a write ("database is
    # locked", at once): begin_write ends the read and takes the write lock on the same
    # connection.
    with app.app_context():
        read = db.session.execute(db.select(db.func.count(Player.id))).scalar_one()
        with sqlite3.connect(tmp_path / "instance" / "invider.db") as other:
            other.execute(
                "insert into player (name, name_key, team, score, found, correct,"
                " score_at, joined_at, hidden, session_secret, show_name) values"
                " ('Other', 'other', null, 0, 0, 0, '2026-03-14 09:00:00',"
                " '2026-03-14 09:00:00', 0, 's', 0)"
            )
        begin_write()
        db.session.execute(db.insert(Player).values(name="Mine", name_key="mine"))
        db.session.commit()
        names = db.session.execute(db.select(Player.name).order_by(Player.id)).scalars().all()
    assert read == 0
    assert names == ["Other", "Mine"]
