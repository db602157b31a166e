"""Deck problems on the organiser's pages, in the organiser's language."""

from __future__ import annotations

import html
import io
import re
import tomllib

from conftest import SMALL_DECK, csrf_token

from invider.decks.workbook import workbook_bytes


def in_french(client) -> None:
    with client.session_transaction() as session:
        session["lang"] = "fr"


def post(client, path: str, data: dict, page: str = "/admin/deck", **kwargs):
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def upload(client, data: bytes, name: str):
    files = {"deck": (io.BytesIO(data), name)}
    return post(client, "/admin/deck/upload", files, content_type="multipart/form-data")


def shown_errors(response) -> list[str]:
    """Return the problems the deck page lists, as the organiser reads them."""
    return [
        html.unescape(m)
        for m in re.findall(r"<li><code>(.*?)</code></li>", response.get_data(as_text=True))
    ]


def test_a_spreadsheet_problem_in_french_names_its_cell_in_french(admin_client):
    data = tomllib.loads(SMALL_DECK)
    data["invider"][1]["question"] = ""
    data["invider"][2]["answer"] = "73"
    in_french(admin_client)
    response = upload(admin_client, workbook_bytes(data), "deck.xlsx")
    assert response.status_code == 400
    assert shown_errors(response) == [
        "Inviders, ligne 4, colonne « Question » : il manque question",
        "Inviders, ligne 5, colonne « Answer » : la réponse '73' n'est pas l'un des choix",
    ]


def test_the_same_spreadsheet_problem_in_english_is_as_before(admin_client):
    data = tomllib.loads(SMALL_DECK)
    data["invider"][1]["question"] = ""
    response = upload(admin_client, workbook_bytes(data), "deck.xlsx")
    assert shown_errors(response) == ['Inviders, row 4, column "Question": missing question']


def test_a_toml_problem_in_french_keeps_the_file_and_line(admin_client):
    text = SMALL_DECK.replace('key = "partners"', 'key = "launch"').replace(
        "points = 20", "points = 0"
    )
    in_french(admin_client)
    response = upload(admin_client, text.encode(), "mon deck.toml")
    assert response.status_code == 400
    # The file as the organiser named it, never the folder the upload waited in.
    assert shown_errors(response) == [
        "mon_deck.toml:23: points doit être un nombre entier de 1 à 1000",
        "mon_deck.toml:26: clé 'launch' en double (déjà en ligne 8)",
    ]


def test_editor_problems_in_french_are_worded_for_the_form(admin_client):
    in_french(admin_client)
    fields = {
        "mode": "choices",
        "key": "launch",
        "question": "Combien ?",
        "choice1": "1",
        "choice2": "1",
        "correct": "1",
        "fact": "",
        "points": "mille",
    }
    response = post(admin_client, "/admin/deck/check", fields, page="/admin/deck/new")
    assert response.get_json() == {
        "fields": {
            "key": ["Un autre invider porte déjà cette clé."],
            "choices": ["Les choix doivent tous être différents."],
            "fact": ["Ce champ est obligatoire."],
            "points": ["Points : un nombre entier de 1 à 1 000."],
        },
        "general": [],
    }
    page = html.unescape(
        post(admin_client, "/admin/deck/new", fields, page="/admin/deck/new").get_data(as_text=True)
    )
    assert "Anecdote : Ce champ est obligatoire." in page
    assert "Clé : Un autre invider porte déjà cette clé." in page
