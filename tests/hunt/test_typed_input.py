"""Typed answers with characters no database or person expects, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from invider.store.models import Answer, db


@pytest.fixture
def db_url(any_db_url):
    return any_db_url


@pytest.mark.parametrize("typed", ["133\x00", "\x00", "1\x003\x003", "133\x1b[31m"])
def test_a_control_character_in_a_typed_answer_is_refused_clearly(app, play, typed):
    play.join()
    response = play.answer("services", answer=typed)
    assert response.status_code == 400
    assert "plain text" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Answer)).all() == []
    # The one try is still there.
    assert "Right answer!" in play.answer("services", answer="133").get_data(as_text=True)
