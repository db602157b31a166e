"""A French reader finds no English sentence, and French figures read as French."""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po
from conftest import ROOT, Actions, csrf_token

from invider.store.models import Hunt, db

pytestmark = pytest.mark.cache_seconds(0)
FRENCH_PO = ROOT / "invider" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def english_sentences() -> set[str]:
    """The catalog's English messages of three words or more, placeholders cut out."""
    with FRENCH_PO.open("rb") as f:
        catalog = read_po(f, locale="fr")
    sentences = set()
    for message in catalog:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in re.split(r"%\(\w+\)[sd]|\{\w+\}", text or ""):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 3:
                    sentences.add(piece)
    return sentences


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    # Runs of white space, no-break spaces included, read as one space.
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def french(client):
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "fr", "next": "/", "csrf_token": token})


def play_in_french(app):
    players = []
    for name, team in (("Alice", "Red"), ("Bob", "Blue"), ("Chloé", "Red")):
        phone = Actions(app, app.test_client())
        french(phone.client)
        assert phone.join(name, team).status_code == 302
        phone.answer("launch", choice="July 2015")
        players.append(phone)
    players[1].answer("partners", choice="12")
    return players


def english_on(page: str, sentences: set[str]) -> list[str]:
    text = visible_text(page)
    return sorted(s for s in sentences if s in text)


def test_player_pages_and_screen_in_french_have_no_english_sentence(app):
    sentences = english_sentences()
    alice = play_in_french(app)[0]
    paths = ("/", "/me", "/leaderboard", "/screen", "/privacy", "/i/nope")
    pages = {path: alice.client.get(path).get_data(as_text=True) for path in paths}
    pages["question"] = alice.client.get(f"/i/{alice.code('services')}").get_data(as_text=True)
    assert {path: english_on(page, sentences) for path, page in pages.items()} == {
        path: [] for path in pages
    }
    # The test sees English when there is some.
    assert english_on("<p>Nobody has joined yet.</p>", sentences) == ["Nobody has joined yet"]


def test_closed_screen_and_organiser_pages_in_french(app, admin_client):
    sentences = english_sentences()
    play_in_french(app)
    french(admin_client)
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        hunt.status_override = "closed"
        db.session.commit()
    paths = ("/screen", "/admin/", "/admin/players", "/admin/results", "/admin/results/report")
    pages = {path: admin_client.get(path).get_data(as_text=True) for path in paths}
    assert {path: english_on(page, sentences) for path, page in pages.items()} == {
        path: [] for path in pages
    }


def test_first_place_and_french_figures(app, admin_client):
    play_in_french(app)
    app.config["PRIVACY_FLOOR"] = 1
    french(admin_client)
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        hunt.status_override = "closed"
        db.session.commit()
    screen = visible_text(admin_client.get("/screen").get_data(as_text=True))
    assert "1re" in screen and "2e" in screen and "1e " not in screen
    report = visible_text(admin_client.get("/admin/results/report").get_data(as_text=True))
    assert "1,3 affiche par joueur actif" in report or "1,3 affiches par joueur actif" in report
    assert "75 %" in report and "75%" not in report  # French puts a space before %
    assert not re.search(r"\d\.\d", report)


def test_french_audit_log_and_status(app, admin_client):
    french(admin_client)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post("/admin/status", data={"action": "freeze", "csrf_token": token})
    page = visible_text(admin_client.get("/admin/").get_data(as_text=True))
    assert "État : gelée" in page
    assert "organisateur #" in page and "État de la chasse modifié" in page
    assert "organiser #" not in page and "hunt.status" not in page
    assert "ouverte → gelée" in page


def test_heure_de_paris(app, admin_client):
    french(admin_client)
    page = visible_text(admin_client.get("/admin/").get_data(as_text=True))
    assert "Heures de" not in page and "Heure locale (Europe/Paris)" in page
