"""The day's programme in a deck: waves, shuffle_choices and countdown_minutes.

In TOML, in the spreadsheet ("Afternoon @ 14:00" on the opening's day) and written back;
every mistake is one message naming its line or cell.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SMALL_DECK
from openpyxl import load_workbook

from invider.decks.loading import load_deck
from invider.decks.reading import DeckError, read_deck
from invider.decks.spreadsheet import read_sheet
from invider.decks.toml_writer import data_from_db, dumps
from invider.decks.workbook import workbook_bytes
from invider.store.models import Hunt, Invider, Wave, db

PROGRAMME = """\
[hunt]
title = "Programme"
language = "fr"
opens_at = 2026-03-14T09:00:00+01:00
closes_at = 2026-03-14T18:00:00+01:00
shuffle_choices = true
countdown_minutes = 20
waves = [
  { name = "Après-midi", at = 2026-03-14T14:00:00+01:00 },
  { name = "Fin de journée", at = 2026-03-14T16:30:00+01:00 },
]

[[invider]]
key = "morning"
question = "Q1?"
choices = ["a", "b"]
answer = "a"
fact = "F1."

[[invider]]
key = "afternoon"
question = "Combien d'habitants ?"
choices = ["1 million", "5 millions", "10 millions"]
answer = "5 millions"
fact = "F2."
wave = "Après-midi"
shuffle_choices = false
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deck_with_waves_reads_and_loads(app, tmp_path):
    deck = read_deck(write(tmp_path / "p.toml", PROGRAMME))
    assert [w["name"] for w in deck.programme["waves"]] == ["Après-midi", "Fin de journée"]
    assert deck.programme["countdown_minutes"] == 20
    assert [(i.wave, i.shuffle_choices) for i in deck.inviders] == [
        (None, None),
        ("Après-midi", False),
    ]
    with app.app_context():
        load_deck(deck)
        waves = dict(db.session.execute(db.select(Wave.name, Wave.at)).all())
        assert waves["Après-midi"] == datetime.fromisoformat("2026-03-14T14:00:00+01:00")
        assert db.session.get(Hunt, 1).countdown_minutes == 20
        stored = db.session.execute(db.select(Invider).filter_by(key="afternoon")).scalar_one()
        assert (stored.wave, stored.shuffle_choices) == ("Après-midi", False)


def test_reloading_without_a_wave_removes_it(app, tmp_path):
    with app.app_context():
        load_deck(read_deck(write(tmp_path / "p.toml", PROGRAMME)))
        fewer = PROGRAMME.replace(
            '  { name = "Fin de journée", at = 2026-03-14T16:30:00+01:00 },\n', ""
        )
        load_deck(read_deck(write(tmp_path / "q.toml", fewer)))
        assert db.session.execute(db.select(Wave.name)).scalars().all() == ["Après-midi"]


def test_the_toml_writer_and_the_workbook_keep_the_programme(app, tmp_path):
    original = read_deck(write(tmp_path / "p.toml", PROGRAMME))
    with app.app_context():
        load_deck(original)
        data = data_from_db()
    again = read_deck(write(tmp_path / "again.toml", dumps(data)))
    assert again.programme == original.programme
    assert again.inviders == original.inviders
    xlsx = tmp_path / "p.xlsx"
    xlsx.write_bytes(workbook_bytes(data))
    _, from_sheet = read_sheet(xlsx)
    assert from_sheet.programme == original.programme
    assert from_sheet.inviders == original.inviders


def test_a_spreadsheet_wave_at_14_00_is_on_the_opening_day(tmp_path):
    data = {
        "hunt": {"title": "T", "language": "en", "opens_at": "2026-03-14T09:00:00+01:00"},
        "invider": [],
    }
    book = load_workbook(io.BytesIO(workbook_bytes(data)))
    hunt = book["Hunt"]
    row = next(r for r in range(1, hunt.max_row + 1) if hunt.cell(r, 1).value == "Waves")
    hunt.cell(row, 2).value = "Afternoon @ 14:00 | Evening @ 17 h 30"
    sheet = book["Inviders"]
    headings = [c.value for c in sheet[1]]
    values = {"Question": "Q?", "Choice 1": "a", "Choice 2": "b", "Answer": "a", "Fact": "F."}
    values["Wave"] = "afternoon"
    for heading, value in values.items():
        sheet.cell(3, headings.index(heading) + 1).value = value
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "d.xlsx"
    path.write_bytes(out.getvalue())
    _, deck = read_sheet(path)
    assert deck.programme["waves"] == [
        {"name": "Afternoon", "at": datetime.fromisoformat("2026-03-14T14:00:00+01:00")},
        {"name": "Evening", "at": datetime.fromisoformat("2026-03-14T17:30:00+01:00")},
    ]
    assert deck.inviders[0].wave == "Afternoon"


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('wave = "Après-midi"', 'wave = "Soir"'),
            "p.toml:26: wave 'Soir' is not one of the waves in [hunt]",
        ),
        (
            ("at = 2026-03-14T16:30:00+01:00", "at = 2026-03-14T19:00:00+01:00"),
            "p.toml:8: wave 'Fin de journée' must wake before closes_at",
        ),
        (
            ("at = 2026-03-14T16:30:00+01:00", "at = 2026-03-14T16:30:00"),
            "p.toml:8: a wave's at needs a date, a time and a UTC offset, "
            "like 2026-03-14T14:00:00+01:00",
        ),
        (
            ('name = "Fin de journée"', 'name = "après-midi"'),
            "p.toml:8: two waves are named 'après-midi'",
        ),
        (
            ('name = "Fin de journée", ', 'nom = "Fin", '),
            "p.toml:8: unknown key 'nom' in a wave (a wave has a name and an at)",
        ),
        (
            ("shuffle_choices = true", 'shuffle_choices = "oui"'),
            "p.toml:6: shuffle_choices must be true or false, not text",
        ),
        (
            ("countdown_minutes = 20", "countdown_minutes = 300"),
            "p.toml:7: countdown_minutes must be a whole number from 0 to 240",
        ),
        (
            ("shuffle_choices = false", "shuffle_choices = 0"),
            "p.toml:27: shuffle_choices must be true or false, not a number",
        ),
        (
            ("waves = [", 'waves = "14:00"\nold = ['),
            "p.toml:8: waves must be a list of tables",
        ),
    ],
)
def test_a_programme_mistake_names_its_line(tmp_path, change, message):
    with pytest.raises(DeckError) as error:
        read_deck(write(tmp_path / "p.toml", PROGRAMME.replace(*change)))
    assert any(message in m for m in error.value.messages), error.value.messages


def test_an_invider_wave_without_waves_says_what_to_add(tmp_path):
    deck = SMALL_DECK.replace('topic = "Partners"', 'topic = "Partners"\nwave = "Afternoon"')
    with pytest.raises(DeckError) as error:
        read_deck(write(tmp_path / "s.toml", deck))
    assert error.value.messages == [
        f"{tmp_path / 's.toml'}:32: wave 'Afternoon' needs waves = [...] in [hunt]"
    ]
