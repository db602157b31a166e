"""Result exports: CSV that no spreadsheet separator turns into a formula, and an .xlsx."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from invider.hunt.names import name_key
from invider.store.models import Player, db

FORMULA_SIGNS = ("=", "+", "-", "@")
# Hostile names as a French spreadsheet would meet them; the tab one comes from the
# database directly, since a join refuses control characters.
HOSTILE = [
    "x;=1+1",
    "x\t=1+1",
    'x;=HYPERLINK("http://evil.example/","clic")',
    "x, =1+1",
    "y; +33 6",
    "z;@SUM(A1)",
    "=1+1",
    "-2+3",
]
ORDINARY = ["Zoë", "O'Brien", "Nguyễn Thị Lan"]


@pytest.fixture
def hostile_players(app):
    """Insert the hostile and ordinary players, each a team that is hostile too."""
    with app.app_context():
        for n, name in enumerate(HOSTILE + ORDINARY):
            db.session.add(
                Player(
                    name=name,
                    name_key=name_key(name),
                    team="Red;=1+1",
                    score=100 - n,
                    found=1,
                    correct=1,
                )
            )
        db.session.commit()
    return HOSTILE + ORDINARY


def cells(text: str, delimiter: str) -> list[list[str]]:
    """Split CSV text the way a spreadsheet does with this separator and '"' quotes."""
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_players_csv_has_no_formula_cell_whatever_the_separator(
    admin_client, hostile_players, delimiter
):
    response = admin_client.get("/admin/results/players.csv")
    assert response.status_code == 200
    table = cells(response.get_data(as_text=True), delimiter)
    formulas = [c for row in table for c in row if c.lstrip(' "').startswith(FORMULA_SIGNS)]
    assert formulas == []


def test_players_csv_keeps_each_name_in_its_own_cell(admin_client, hostile_players):
    table = cells(admin_client.get("/admin/results/players.csv").get_data(as_text=True), ",")
    assert table[0][:6] == ["rank", "name", "team", "score", "found", "correct"]
    names = [row[1] for row in table[1:]]
    assert names[:4] == [
        "x;'=1+1",
        "x\t'=1+1",
        'x;\'=HYPERLINK("http://evil.example/","clic")',
        "x, '=1+1",
    ]
    assert names[-3:] == ORDINARY
    assert {row[2] for row in table[1:]} == {"Red;'=1+1"}
    assert all(len(row) == len(table[0]) for row in table)


def test_cli_export_picks_xlsx_from_the_suffix_and_names_stay_text(
    app, runner, hostile_players, tmp_path
):
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["players", "inviders"]
    sheet = book["players"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["rank", "name", "team", "score", "found", "correct"]
    names = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in names] == hostile_players
    assert {c.data_type for c in names} == {"s"}
    assert {row[2].data_type for row in sheet.iter_rows(min_row=2)} == {"s"}
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert first[:6] == (1, "x;=1+1", "Red;=1+1", 100, 1, 1)


def test_cli_export_to_csv_still_writes_csv(app, runner, hostile_players, tmp_path):
    out = tmp_path / "results.csv"
    assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrank,name,team,score,found,correct")


def test_cli_export_to_a_missing_folder_is_a_clear_error(app, runner, tmp_path):
    out = tmp_path / "nowhere" / "results.xlsx"
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 2
    assert f"cannot write {out}" in result.stderr
    assert "Traceback" not in result.output


def test_results_page_offers_the_workbook(admin_client, hostile_players):
    page = admin_client.get("/admin/results").get_data(as_text=True)
    assert 'href="/admin/results/players.xlsx"' in page
    response = admin_client.get("/admin/results/players.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="results-') and disposition.endswith(
        '.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.data))
    names = [row[1] for row in book["players"].iter_rows(min_row=2)]
    assert [c.value for c in names] == hostile_players
    assert {c.data_type for c in names} == {"s"}
    inviders = list(book["inviders"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in inviders] == ["launch", "services", "partners"]
