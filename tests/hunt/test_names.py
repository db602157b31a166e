"""Display names at join: hostile names refused with a clear message, real names welcome."""

from __future__ import annotations

import pytest
from conftest import Actions

from invider.hunt.names import clean_display_name, name_key, skeleton
from invider.hunt.wordlist import banned_words, is_banned
from invider.store.models import Player, db

NOT_ALLOWED = "That name is not allowed; please choose another."
RESERVED = "That name is reserved; please choose another."
MARKS = "That name stacks too many accents on one letter."
TAKEN = "Someone already uses that name; please choose another."
ZALGO = "Z\u0337\u0322\u035da\u0335\u0321\u035dlgo"

HOSTILE = [
    pytest.param("\u0455hit", NOT_ALLOWED, id="cyrillic-s"),
    pytest.param("Fuuuck", NOT_ALLOWED, id="repeated-letters"),
    pytest.param("Fuuck", NOT_ALLOWED, id="doubled-letter"),
    pytest.param("fuckface", NOT_ALLOWED, id="compound"),
    pytest.param("Super Motherfuuuckerz", NOT_ALLOWED, id="compound-repeated"),
    pytest.param("F.u-c_k", NOT_ALLOWED, id="separators"),
    pytest.param("Bob le Connard", NOT_ALLOWED, id="french-word"),
    pytest.param("Adm1n", RESERVED, id="digit-one"),
    pytest.param("Admin Team", RESERVED, id="admin-team"),
    pytest.param("\u0410dmin", RESERVED, id="cyrillic-a-admin"),
    pytest.param("Organisateur", RESERVED, id="organisateur"),
    pytest.param("Modérateur", RESERVED, id="moderateur"),
    pytest.param("L'administratrice", RESERVED, id="administratrice"),
    pytest.param("Staff", RESERVED, id="staff"),
    pytest.param(ZALGO, MARKS, id="stacked-marks"),
    pytest.param("e" + "\u0301" * 3, MARKS, id="three-marks"),
]


def join(app, name: str, team: str = "Red"):
    """Join from a phone of its own; return the response."""
    return Actions(app, app.test_client()).join(name, team)


def players(app) -> list[str]:
    with app.app_context():
        return db.session.execute(db.select(Player.name).order_by(Player.id)).scalars().all()


@pytest.mark.parametrize("name, message", HOSTILE)
def test_hostile_name_is_refused_with_a_clear_message(app, name, message):
    response = join(app, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert players(app) == []


WELCOME = [
    "Zoë",
    "José-María",
    "Nguyễn Thị Lan",
    "O'Brien",
    "Ülkü",
    "Léa 🚀",
    "Scunthorpe",
    "Badminton Bob",
    "Dominique",
    "Véronique",
    "Nigel",
    "Hassan",
    "Anna-Lisa",
    "Ἀλέξανδρος",
    "Дмитрий",
    "王小明",
    "Ngô Bảo Châu",
]


@pytest.mark.parametrize("name", WELCOME)
def test_ordinary_names_still_join(app, name):
    response = join(app, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert players(app) == [name]


def test_look_alike_of_an_existing_player_is_taken(app):
    assert join(app, "Alice Test").status_code == 302
    for twin in [
        "\u0410lice Test",
        "ALICE TEST",
        "Al\u0456ce Test",
        "\u0391lice Test",
        "Alice Te\u0455t",
    ]:
        response = join(app, twin)
        assert response.status_code == 400, twin
        assert TAKEN in response.get_data(as_text=True)
    assert players(app) == ["Alice Test"]


def test_look_alike_rename_is_taken(app, admin_client):
    join(app, "Alice Test")
    join(app, "Bob")
    with app.app_context():
        bob = db.session.execute(db.select(Player).where(Player.name == "Bob")).scalar_one()
    page = admin_client.get("/admin/players").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = admin_client.post(
        f"/admin/players/{bob.id}/rename",
        data={"csrf_token": token, "name": "\u0410lice Test"},
        follow_redirects=True,
    )
    assert TAKEN in response.get_data(as_text=True)
    assert players(app) == ["Alice Test", "Bob"]


def test_players_search_finds_names_and_teams_with_look_alike_letters(app, admin_client):
    join(app, "Sam Martin", team="Blue")
    for query in ("sam", "MARTIN", "blue"):
        page = admin_client.get(f"/admin/players?q={query}").get_data(as_text=True)
        assert "Sam Martin" in page, query


def test_skeleton_folds_other_scripts_onto_latin():
    assert skeleton("p\u0430ypal") == "paypal"  # Cyrillic а
    assert name_key("\u0410lice Test") == name_key("alice test") == name_key("ALICE TEST")
    assert name_key("B0b") == name_key("Bob")
    assert name_key("Zoë") != name_key("Zoe")


@pytest.mark.parametrize("name", ["Nguyễn", "Ngô Bảo Châu", "Ǘ"])
def test_two_marks_on_a_letter_are_fine(name):
    assert clean_display_name(name) == name


def test_organiser_can_add_a_strong_word_that_matches_inside_words(app, tmp_path):
    (tmp_path / "instance").mkdir(exist_ok=True)
    path = tmp_path / "instance" / "banned-names.txt"
    path.write_text("*brocoli\n!pute\n", encoding="utf-8")
    words = banned_words(tmp_path / "instance")
    assert is_banned("Superbrocoli", words)
    assert not is_banned("Putte", words)  # allowed again by "!pute"
    assert is_banned("Putte", banned_words(None))
