"""Results → Huddle kits: a web page per team and one PDF, in the deck's language, no names."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest
from kit_hunt import KIT_DECK, NAMES, play_kit_hunt
from requirements import require

from invider.decks.loading import load_deck
from invider.decks.reading import read_deck


@pytest.fixture
def kit_hunt(app, tmp_path):
    return play_kit_hunt(app, tmp_path)


def text_of(response) -> str:
    """Return a page's visible text, tags stripped and spaces folded."""
    body = re.sub(
        r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """Return the text of each page of ``pdf``, read back with pdftotext."""
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    path = tmp_path / "kits.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def test_results_link_to_the_kits_which_list_a_page_per_team(kit_hunt, admin_client):
    assert 'href="/admin/results/kits"' in admin_client.get("/admin/results").get_data(as_text=True)
    page = admin_client.get("/admin/results/kits")
    assert page.status_code == 200
    text = text_of(page)
    assert "The whole hunt — 12 players" in text
    assert "Red — 5 players" in text and "Blue — 5 players" in text
    assert "No page of their own, fewer than 5 players" in text and "Green" in text
    body = page.get_data(as_text=True)
    assert 'href="/admin/results/kits/1"' in body and 'href="/admin/results/kits/3"' not in body
    assert not any(name in body for name in NAMES)


def test_a_team_page_shows_its_messages_facts_question_and_figures(kit_hunt, admin_client):
    text = text_of(admin_client.get("/admin/results/kits/1"))
    assert "Team huddle kit: Red" in text
    order = [
        text.index(f"Message {n}: {name}")
        for n, name in enumerate(("Partners", "Store", "Services"), start=1)
    ]
    assert order == sorted(order)
    assert "Ask your team first: How many partners? Answer: 72" in text
    assert "Right first time: 20% for the team, 33% for the whole hunt." in text
    assert "Answers given as “sure” that were wrong: 80%." in text
    assert "72 partners already joined." in text
    assert "Players 5 12 Posters per player 3.8 3.9 Right first time 26% 30%" in text
    assert "Jobs" not in text  # Red's jobs: 4 players, below the floor
    assert not any(name in text for name in NAMES)


def test_the_whole_hunts_page_names_the_small_teams_it_stands_for(kit_hunt, admin_client):
    text = text_of(admin_client.get("/admin/results/kits/0"))
    assert "Team huddle kit: the whole hunt" in text
    assert "These teams have fewer than 5 players and no page of their own" in text
    assert "Green" in text and "Message 1: Jobs" in text


def test_no_page_beyond_the_kits_and_none_without_login(kit_hunt, admin_client, app):
    assert admin_client.get("/admin/results/kits/3").status_code == 404
    stranger = app.test_client()
    for path in ("/admin/results/kits", "/admin/results/kits/1", "/admin/results/kits.pdf"):
        response = stranger.get(path)
        assert response.status_code in (302, 401), path
        assert b"Partners" not in response.data


def test_the_pdf_has_a_page_per_kit_and_never_a_name(kit_hunt, admin_client, tmp_path):
    response = admin_client.get("/admin/results/kits.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="huddle-kits-')
    assert response.data.startswith(b"%PDF")
    pages = pdf_pages(response.data, tmp_path)
    assert len(pages) == 3
    assert "Team huddle kit — The whole hunt" in pages[0] and "Green" in pages[0]
    assert "Team huddle kit — Red" in pages[1] and "Team huddle kit — Blue" in pages[2]
    red = pages[1]
    assert red.index("Message 1: Partners") < red.index("Message 2: Store")
    assert red.index("Message 2: Store") < red.index("Message 3: Services")
    assert "Ask your team first: How many partners? Answer: 72" in red
    assert "72 partners already joined." in red and "133 services in four interest centres." in red
    blue = pages[2]
    assert blue.index("Services") < blue.index("Jobs") < blue.index("Message 3: Partners")
    text = " ".join(pages)
    assert not any(name in text for name in NAMES)
    assert "Zelda" not in text


def test_kits_speak_the_decks_language(kit_hunt, admin_client, app, tmp_path):
    french = tmp_path / "fr.toml"
    french.write_text(KIT_DECK.replace('language = "en"', 'language = "fr"'), encoding="utf-8")
    with app.app_context():
        load_deck(read_deck(french))
    text = text_of(admin_client.get("/admin/results/kits/1"))
    assert "Kit de réunion d'équipe : Red" in text
    assert "Demandez d'abord à l'équipe :" in text
    pages = pdf_pages(admin_client.get("/admin/results/kits.pdf").data, tmp_path)
    assert "Kit de réunion d'équipe — Red" in pages[1]
    assert "Juste du premier coup : 20 % pour l'équipe, 33 % pour toute la chasse." in pages[1]


def test_without_enough_players_there_is_no_kit_yet(admin_client, play):
    play.join("Alice", "Red")
    play.answer("launch", choice="March 2016")
    text = text_of(admin_client.get("/admin/results/kits"))
    assert "No kit yet: fewer than 5 players have answered." in text
    assert admin_client.get("/admin/results/kits.pdf").status_code == 404
    assert admin_client.get("/admin/results/kits/0").status_code == 404
