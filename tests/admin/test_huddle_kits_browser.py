"""Huddle kits in a real Chromium against a real ``invider serve``: found, read, accessible."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser import FRENCH_DECK, PHONE, join, serious_violations, shoot
from playwright.sync_api import Browser, expect
from server import Server

pytest_plugins = ["browser_fixtures"]

PASSWORD = "organiser password for the kits"


@pytest.fixture(scope="module")
def hunt(tmp_path_factory) -> Iterator[Server]:
    """A real server with the French deck, a known password, and a floor of one player."""
    workdir = tmp_path_factory.mktemp("kits")
    (workdir / "questions").mkdir()
    (workdir / "questions" / "deck.toml").write_text(FRENCH_DECK, encoding="utf-8")
    env = {"INVIDER_ADMIN_PASSWORD": PASSWORD, "INVIDER_PRIVACY_FLOOR": "1"}
    server = Server(workdir, env=env).start()
    yield server
    server.stop()


def test_an_organiser_finds_a_teams_kit_and_it_has_no_serious_violation(hunt, browser: Browser):
    player = browser.new_context(**PHONE)
    phone = player.new_page()
    join(phone, hunt, "Axelle Kitmaker", key="emploi-store-launch")
    phone.get_by_label("Sûr·e").check()
    phone.get_by_role("button", name="Mars 2016").click()
    expect(phone.get_by_text("La réponse : Juillet 2015")).to_be_visible()
    player.close()

    laptop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = laptop.new_page()
    page.goto(hunt.url + "/admin/login")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/"))
    page.get_by_role("link", name="Résultats").click()
    page.get_by_role("link", name="Kits de réunion d'équipe").click()
    expect(page.get_by_role("heading", name="Kits de réunion d'équipe")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="DSI").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kit de réunion d'équipe : DSI")
    expect(page.get_by_role("heading", name=re.compile("Message 1 : Emploi Store"))).to_be_visible()
    shoot(page, "huddle-kit")
    assert serious_violations(page) == []
    assert "Axelle" not in page.content()
    laptop.close()
