"""Oversized spreadsheets and odd CSV files against ``invider serve``: a clear message, the
worker's memory bounded (measured), and nothing left in the instance folder."""

from __future__ import annotations

import html
import io
import re
import tomllib

import pytest
from conftest import SMALL_DECK
from openpyxl import load_workbook
from server import Server, csrf_token

from invider.decks.workbook import workbook_bytes

PASSWORD = "correct horse battery"
#: A worker's peak resident memory after the worst upload; the stray cell at A1000000
#: took one to 2.9 GB before.
MEMORY_CEILING = 400 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("serve")
    (workdir / "questions").mkdir()
    (workdir / "questions" / "deck.toml").write_text(SMALL_DECK, encoding="utf-8")
    server = Server(workdir, env={"INVIDER_ADMIN_PASSWORD": PASSWORD}).start()
    yield server
    server.stop()


@pytest.fixture
def organiser(server):
    import requests

    http = requests.Session()
    page = http.get(server.url + "/admin/login", timeout=10)
    http.post(
        server.url + "/admin/login",
        data={"password": PASSWORD, "csrf_token": csrf_token(page.text)},
        timeout=10,
    )
    return http


def stray_workbook(cell: str) -> bytes:
    """The test deck as a workbook with one stray cell far away (a 12 kB file)."""
    book = load_workbook(io.BytesIO(workbook_bytes(tomllib.loads(SMALL_DECK), "en")))
    book["Inviders"][cell] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_memory(pid: int) -> int:
    """Return the peak resident memory of a process, in bytes (VmHWM)."""
    with open(f"/proc/{pid}/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return kb * 1024


def upload(server, organiser, name: str, data: bytes):
    page = organiser.get(server.url + "/admin/deck", timeout=10)
    return organiser.post(
        server.url + "/admin/deck/upload",
        data={"csrf_token": csrf_token(page.text)},
        files={"deck": (name, data)},
        timeout=60,
    )


@pytest.mark.parametrize(("cell", "shown"), [("A1000000", "A1000000"), ("XFD3", "XFD3")])
def test_a_stray_far_cell_gets_a_message_naming_it_and_memory_stays_bounded(
    server, organiser, cell, shown
):
    data = stray_workbook(cell)
    assert len(data) < 20_000
    response = upload(server, organiser, "deck.xlsx", data)
    assert response.status_code == 400
    text = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.text)).split())
    assert f"sheet 'Inviders' has a cell at {shown}, beyond what a deck may use" in text
    assert "rows 1 to 1000, columns A to AX" in text
    peaks = [peak_memory(pid) for pid in server.worker_pids()]
    assert max(peaks) < MEMORY_CEILING, f"worker peaks {[p >> 20 for p in peaks]} MB"
    print(f"{cell}: worker peak memory {max(peaks) >> 20} MB")
    assert not any((server.workdir / "instance" / "deck-uploads").glob("*/*"))


CSV_HEADER = "Question;Choice 1;Choice 2;Answer;Fact\r\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            (CSV_HEADER + "Q?;a;b;a;" + "x" * 140_000 + "\r\n").encode(),
            "deck.csv, row 2: a field is longer than 100,000 characters",
        ),
        (
            (CSV_HEADER + "Q?;a;b;a;fact\x00\r\n").encode(),
            "deck.csv: the file holds NUL characters, so it is not CSV text",
        ),
    ],
)
def test_a_bad_csv_gets_a_clear_message_and_is_deleted_at_once(server, organiser, data, message):
    response = upload(server, organiser, "deck.csv", data)
    assert response.status_code == 400
    assert message in " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.text)).split())
    assert not any((server.workdir / "instance" / "deck-uploads").glob("*/*"))


def test_a_utf16_csv_from_excel_reads_with_its_accents(server, organiser):
    text = CSV_HEADER + "Où est le café ?;Là;Ici;Là;Le café est là.\r\n"
    response = upload(server, organiser, "deck.csv", text.encode("utf-16"))
    assert response.status_code == 200
    assert "ou-est-le-cafe" in response.text  # its key, made from the accented question
    assert 'name="token"' in response.text  # the preview offers to apply it
