"""The deck as a spreadsheet: TOML ↔ .xlsx round trips, .csv uploads, and cell-precise errors."""

from __future__ import annotations

import io
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SMALL_DECK, same_deck
from openpyxl import Workbook, load_workbook

from invider.decks.reading import DeckError, read_deck
from invider.decks.spreadsheet import read_any_deck, read_sheet
from invider.decks.toml_writer import data_from_db, dumps
from invider.decks.workbook import workbook_bytes
from invider.store.models import Hunt, Invider, db

# Every field the format has: unicode, a typed answer with a "|" inside one form, strict,
# a fact that looks like a formula and one on two lines, points overrides, the schedule,
# and the learning and privacy options (confidence off, the echo, discreet, retention).
RICH_DECK = """\
[hunt]
title = "La chasse aux Inviders 👾"
language = "fr"
teams = ["DSI", "Direction générale", "Ré|seau"]
opens_at = 2026-03-14T09:00:00+01:00
freeze_at = 2026-03-14T17:30:00+01:00
closes_at = 2026-03-14T18:00:00+01:00
points = 15
confidence = false
echo_opens_at = 2026-03-21T09:00:00+01:00
echo_closes_at = 2026-03-28T18:00:00+01:00
echo_questions = 4
standings = "discreet"
retention_days = 45

[[invider]]
key = "emploi-store-launch"
question = "Depuis quand l’Emploi Store est-il en ligne ?"
choices = ["Juillet 2015", "Février 2014", "Mars 2016", "12", "3,5", "TRUE"]
answer = "Février 2014"
fact = "=SOMME(A1) n'est pas une formule : c'est du texte."
topic = "Emploi Store"
location = "Hall, ascenseurs – côté œuvre"
points = 20

[[invider]]
key = "services"
question = "Combien de services l'Emploi Store rassemble-t-il ?"
accept = ["133", "cent trente-trois", "a | b"]
answer = "133"
fact = "133 services,\\nrangés en quatre centres d'intérêt."
strict = true

[[invider]]
key = "mooc"
question = "Combien d'inscrits au premier MOOC ?"
accept = ["30 000"]
fact = "30 000 personnes."
"""


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def small_workbook(tmp_path: Path, change=None) -> Path:
    """Return SMALL_DECK as a workbook, changed by ``change(inviders_sheet, book)``."""
    book = load_workbook(io.BytesIO(workbook_bytes(tomllib.loads(SMALL_DECK))))
    if change:
        change(book["Inviders"], book)
    out = io.BytesIO()
    book.save(out)
    return write(tmp_path / "deck.xlsx", out.getvalue())


def cell(sheet, row: int, heading: str):
    """Return the cell of ``row`` under ``heading`` in the first row."""
    column = next(c.column for c in sheet[1] if c.value == heading)
    return sheet.cell(row, column)


def test_toml_to_xlsx_to_toml_gives_the_same_deck(tmp_path):
    data = tomllib.loads(RICH_DECK)
    path = write(tmp_path / "rich.xlsx", workbook_bytes(data))
    again, deck = read_sheet(path)
    assert again == data
    assert tomllib.loads(dumps(again)) == data
    toml_deck = read_deck(write(tmp_path / "rich.toml", RICH_DECK.encode()))
    assert deck.inviders == toml_deck.inviders
    assert (deck.title, deck.teams, deck.opens_at, deck.points) == (
        toml_deck.title,
        toml_deck.teams,
        toml_deck.opens_at,
        toml_deck.points,
    )


def test_the_workbook_speaks_the_decks_language_and_keeps_text_as_text(tmp_path):
    book = load_workbook(io.BytesIO(workbook_bytes(tomllib.loads(RICH_DECK))))
    assert book.sheetnames == ["Inviders", "Chasse"]
    headings = [c.value for c in book["Inviders"][1]]
    assert headings[:4] == ["N°", "Clé", "Question", "Choix 1"]
    assert "Anecdote" in headings and "Réponses acceptées" in headings
    assert book["Inviders"]["A2"].value.startswith("N° d'affiche")  # the help row
    fact = cell(book["Inviders"], 3, "Anecdote")
    assert (fact.value, fact.data_type) == (
        "=SOMME(A1) n'est pas une formule : c'est du texte.",
        "s",
    )
    assert cell(book["Inviders"], 40, "Question").number_format == "@"  # rows to come too
    english = load_workbook(io.BytesIO(workbook_bytes(None, "en")))
    assert english.sheetnames == ["Inviders", "Hunt"]
    assert [c.value for c in english["Hunt"]["A"]][:3] == ["Setting", "Title", "Language"]


def test_a_deck_made_in_the_spreadsheet_loads_like_its_toml_twin(tmp_path):
    # As an organiser types it: French headings, no help row, numbers typed as numbers,
    # points as LibreOffice stores them, a row without a key.
    book = Workbook()
    sheet = book.active
    sheet.title = "Inviders"
    sheet.append(
        [
            "Clé",
            "Question",
            "Choix 1",
            "Choix 2",
            "Choix 3",
            "Bonne réponse",
            "Réponses acceptées",
            "Anecdote",
            "Thème",
            "Points",
        ]
    )
    sheet.append(
        [
            "partners",
            "Combien de partenaires ?",
            12,
            72,
            300,
            72,
            None,
            "72 partenaires.",
            "Partenaires",
            20.0,
        ]
    )
    sheet.append([])
    sheet.append(
        [
            None,
            "Combien de services ?",
            None,
            None,
            None,
            "133",
            "133 | cent trente-trois",
            "133 services.",
            None,
            None,
        ]
    )
    hunt = book.create_sheet("Chasse")
    hunt.append(["Réglage", "Valeur"])
    hunt.append(["Titre", "La chasse"])
    hunt.append(["Langue", "fr"])
    hunt.append(["Équipes", "DSI | RH"])
    hunt.append(["Ouverture", "2026-03-14T09:00:00+01:00"])
    out = io.BytesIO()
    book.save(out)
    sheet_deck = read_any_deck(write(tmp_path / "made.xlsx", out.getvalue()))
    twin = read_deck(
        write(
            tmp_path / "twin.toml",
            b"""\
[hunt]
title = "La chasse"
language = "fr"
teams = ["DSI", "RH"]
opens_at = 2026-03-14T09:00:00+01:00

[[invider]]
key = "partners"
question = "Combien de partenaires ?"
choices = ["12", "72", "300"]
answer = "72"
fact = "72 partenaires."
topic = "Partenaires"
points = 20

[[invider]]
key = "combien-de-services"
question = "Combien de services ?"
accept = ["133", "cent trente-trois"]
answer = "133"
fact = "133 services."
""",
        )
    )
    sheet_deck.path = twin.path
    assert sheet_deck == twin


def emptied(heading: str, row: int = 3):
    return lambda sheet, book: setattr(cell(sheet, row, heading), "value", None)


def typed(heading: str, value, row: int = 3):
    return lambda sheet, book: setattr(cell(sheet, row, heading), "value", value)


def extra_column(sheet, book):
    sheet.cell(1, sheet.max_column + 1, "Colour")
    sheet.cell(3, sheet.max_column, "red")


def no_title(sheet, book):
    book["Hunt"]["B2"] = None


BROKEN = [
    (
        "missing question",
        emptied("Question"),
        'Inviders, row 3, column "Question": missing question',
    ),
    (
        "answer not among the choices",
        typed("Answer", "August 2015"),
        "Inviders, row 3, column \"Answer\": answer 'August 2015' is not one of the choices",
    ),
    (
        "duplicate key",
        typed("Key", "launch", row=5),
        "Inviders, row 5, column \"Key\": duplicate key 'launch' (first at row 3)",
    ),
    (
        "a date in a text column",
        typed("Choice 1", datetime(2015, 7, 1)),
        'Inviders, row 3, column "Choice 1": the spreadsheet turned this cell into a date '
        "(2015-07-01); format the column as text and type it again",
    ),
    (
        "an extra unknown column",
        extra_column,
        'Inviders, row 1, column "Colour": unknown column (expected: No., Key, Question, Choice 1, '
        "Choice 2, Choice 3, Choice 4, Choice 5, Choice 6, Answer, Accepted answers, Fact, Topic, "
        "Location, Points, Strict, Wave, Shuffle choices)",
    ),
    (
        "points that are not a number",
        typed("Points", "lots"),
        'Inviders, row 3, column "Points": points must be a whole number from 1 to 1000',
    ),
    ("a hunt without a title", no_title, 'Hunt, row 2, column "Value": missing title'),
]


def database_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            tuple(r)
            for r in db.session.execute(
                db.select(
                    Invider.key, Invider.code, Invider.number, Invider.question, Invider.answer
                ).order_by(Invider.number)
            )
        ]


@pytest.mark.parametrize(("case", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_spreadsheet_names_its_cell_and_writes_nothing(
    app, runner, tmp_path, case, change, message
):
    before = database_rows(app)
    path = small_workbook(tmp_path, change)
    with pytest.raises(DeckError) as error:
        read_any_deck(path)
    assert message in error.value.messages
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr.splitlines()
    assert "Traceback" not in result.output
    assert database_rows(app) == before


CSV_1252 = (
    "Clé;Question;Choix 1;Choix 2;Bonne réponse;Anecdote\r\n"
    "launch;Depuis quand ?;Juillet 2015;Février 2014;Février 2015;En ligne depuis juillet.\r\n"
)


def test_a_windows_1252_csv_with_a_mistake_names_its_cell_and_writes_nothing(app, runner, tmp_path):
    before = database_rows(app)
    path = write(tmp_path / "deck.csv", CSV_1252.encode("cp1252"))
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "deck.csv, row 2, column \"Bonne réponse\": answer 'Février 2015' is not one of the choices"
    ]
    assert database_rows(app) == before


def test_a_windows_1252_csv_loads_with_its_accents_and_keeps_the_hunt(app, runner, tmp_path):
    codes = {key: code for key, code, *_ in database_rows(app)}
    text = CSV_1252.replace("Février 2015;", "Février 2014;") + (
        "services;Combien de services ?;;;133;133 services rangés.\r\n"
    )
    text = text.replace("Anecdote\r\n", "Anecdote;Réponses acceptées\r\n", 1)
    text = text.replace("juillet.\r\n", "juillet.;\r\n").replace("rangés.\r\n", "rangés.;133\r\n")
    path = write(tmp_path / "deck.csv", text.encode("cp1252"))
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 added, 2 changed, 1 removed" in result.output
    rows = database_rows(app)
    assert [(k, q, a) for k, _, _, q, a in rows] == [
        ("launch", "Depuis quand ?", "Février 2014"),
        ("services", "Combien de services ?", "133"),
    ]
    assert rows[0][1] == codes["launch"] and rows[1][1] == codes["services"]
    with app.app_context():
        assert data_from_db()["hunt"]["title"] == "Test hunt"  # the hunt was kept


def test_load_and_export_deck_round_trip_from_the_command_line(app, runner, tmp_path, deck_file):
    before = database_rows(app)
    for name in ("deck.xlsx", "deck.toml"):
        result = runner.invoke(args=["export-deck", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"Wrote {tmp_path / name}: 3 inviders"
        result = runner.invoke(args=["load", str(tmp_path / name)])
        assert "0 added, 0 changed, 0 removed, 3 unchanged" in result.output
    assert database_rows(app) == before
    assert same_deck(read_deck(tmp_path / "deck.toml"), read_deck(deck_file))
    result = runner.invoke(args=["export-deck", str(tmp_path / "deck.pdf")])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        f"Error: {tmp_path / 'deck.pdf'}: name a .xlsx or a .toml file",
    )


def learning_options(app) -> tuple:
    with app.app_context():
        hunt = Hunt.current()
        return (
            hunt.confidence,
            hunt.echo_opens_at,
            hunt.echo_closes_at,
            hunt.echo_questions,
            hunt.standings,
            hunt.retention_days,
        )


def test_the_learning_and_privacy_options_survive_both_exports(app, runner, tmp_path):
    rich = write(tmp_path / "rich.toml", RICH_DECK.encode())
    assert runner.invoke(args=["load", str(rich)]).exit_code == 0
    options = learning_options(app)
    assert options == (
        False,
        datetime.fromisoformat("2026-03-21T09:00:00+01:00"),
        datetime.fromisoformat("2026-03-28T18:00:00+01:00"),
        4,
        "discreet",
        45,
    )
    before = database_rows(app)
    for name in ("deck.xlsx", "deck.toml"):
        result = runner.invoke(args=["export-deck", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    for name in ("deck.xlsx", "deck.toml"):
        with app.app_context():  # as if an organiser had changed them since
            hunt = Hunt.current()
            hunt.confidence, hunt.standings, hunt.retention_days = True, "public", None
            hunt.echo_opens_at = hunt.echo_closes_at = None
            hunt.echo_questions = 5
            db.session.commit()
        result = runner.invoke(args=["load", str(tmp_path / name)])
        assert "0 added, 0 changed, 0 removed, 3 unchanged" in result.output, name
        assert learning_options(app) == options, name
    assert database_rows(app) == before
    assert same_deck(read_deck(tmp_path / "deck.toml"), read_deck(rich))
    # Written in the order docs/deck-format.md shows them.
    text = (tmp_path / "deck.toml").read_text(encoding="utf-8")
    keys = ["points =", "confidence", "echo_opens_at", "echo_closes_at", "echo_questions"]
    keys += ["standings", "retention_days"]
    assert sorted(keys, key=text.index) == keys


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "old.xlsx",
            b"\xd0\xcf\x11\xe0 an .xls",
            "old.xlsx: not an Excel workbook (.xlsx); save it as .xlsx or .csv and upload it again",
        ),
        (
            "bytes.csv",
            b"\x81\x8d\x8f\x90\x9d",
            "bytes.csv: not text in UTF-8 or Windows-1252; save it as CSV UTF-8",
        ),
    ],
)
def test_files_that_are_not_spreadsheets_get_one_clear_message(tmp_path, name, data, message):
    with pytest.raises(DeckError) as error:
        read_any_deck(write(tmp_path / name, data), {"title": "t"})
    assert error.value.messages == [message]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_a_csv_is_read_with_its_own_delimiter_whatever_its_cells_hold(tmp_path, delimiter):
    fact = "Online since July; 133 services,\tfour centres."
    header = ["Key", "Question", "Choice 1", "Choice 2", "Answer", "Fact"]
    row = ["launch", "When, then?", "July 2015", "May; 2014", "July 2015", fact]
    text = "".join(
        delimiter.join(f'"{cell}"' if any(d in cell for d in ",;\t") else cell for cell in line)
        + "\r\n"
        for line in (header, row)
    )
    path = write(tmp_path / "deck.csv", text.encode("utf-8"))
    _data, deck = read_sheet(path, {"title": "Test hunt", "language": "en"})
    (invider,) = deck.inviders
    assert (invider.question, invider.choices, invider.fact) == (
        "When, then?",
        ["July 2015", "May; 2014"],
        fact,
    )


def stray(cell: str):
    def change(sheet, book):
        sheet[cell] = "x"

    return change


@pytest.mark.parametrize("cell", ["A1000000", "XFD3", "AY2", "B1001"])
def test_invider_load_refuses_a_sheet_past_the_deck_limits_naming_the_cell(
    app, runner, tmp_path, cell
):
    before = database_rows(app)
    path = small_workbook(tmp_path, stray(cell))
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2
    assert f"deck.xlsx: sheet 'Inviders' has a cell at {cell}, beyond what a deck may use" in (
        result.stderr
    )
    assert database_rows(app) == before


def test_a_sheet_filled_up_to_the_limits_is_read(tmp_path):
    """The limits cut nothing a deck may hold: a cell in the last row and column is fine."""
    path = small_workbook(tmp_path, stray("AX1000"))
    assert [i.key for i in read_any_deck(path).inviders] == ["launch", "services", "partners"]
