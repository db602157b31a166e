"""The deck editor in a real Chromium against a real ``invider serve``: edit, scan, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser import FRENCH_DECK, PHONE, code_of, join, shoot
from playwright.sync_api import Browser, expect
from server import Server, folder_with_deck

# Slow (Chromium against a real server): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

pytest_plugins = ["browser_fixtures"]

PASSWORD = "organiser password for the editor"
LAPTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def hunt(tmp_path_factory) -> Iterator[Server]:
    """A real server with the French deck and a known organiser password."""
    workdir = tmp_path_factory.mktemp("editor")
    folder_with_deck(workdir, FRENCH_DECK)
    server = Server(workdir, env={"INVIDER_ADMIN_PASSWORD": PASSWORD}).start()
    yield server
    server.stop()


@pytest.fixture
def organiser(browser: Browser, hunt: Server):
    """A logged-in organiser's laptop page."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    page.goto(hunt.url + "/admin/login")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/"))
    yield page
    context.close()


def test_an_edited_question_reaches_the_phone_and_the_audit_log(hunt, organiser, browser):
    page = organiser
    page.goto(hunt.url + "/admin/deck")
    page.get_by_role("link", name=re.compile(r"^partners")).click()
    expect(page).to_have_url(f"{hunt.url}/admin/deck/edit/partners")
    question = page.get_by_label("Question", exact=True)
    question.fill("Combien de partenaires l'Emploi Store compte-t-il en 2016 ?")
    # The phone preview follows as the organiser types.
    preview = page.locator("[data-preview-question]")
    expect(preview).to_have_text("Combien de partenaires l'Emploi Store compte-t-il en 2016 ?")
    # Validation as the organiser types: an emptied fact is pointed at before saving.
    fact = page.locator("#fact")
    fact.fill("")
    expect(page.locator("#fact-error")).to_have_text("Ce champ est obligatoire.")
    expect(fact).to_have_attribute("aria-invalid", "true")
    shoot(page, "deck-editor-error")
    fact.fill("72 partenaires publics et privés proposent déjà leurs services.")
    expect(page.locator("#fact-error")).to_have_text("")
    expect(fact).not_to_have_attribute("aria-invalid", "true")
    shoot(page, "deck-editor")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Invider partners enregistré")).to_be_visible()

    phone = browser.new_context(**PHONE)
    try:
        scan = phone.new_page()
        join(scan, hunt, "Grace Hopper", key="partners")
        expect(scan).to_have_url(f"{hunt.url}/i/{code_of(hunt, 'partners')}")
        expect(scan.get_by_role("heading", level=1)).to_have_text(
            "Combien de partenaires l'Emploi Store compte-t-il en 2016 ?"
        )
    finally:
        phone.close()

    page.goto(hunt.url + "/admin/deck")
    log = page.locator("table.audit")
    expect(log).to_contain_text("Invider modifié")  # deck.edit, in the organiser's language
    expect(log).to_contain_text("partners: question changed")


def test_the_editor_saves_without_javascript_and_links_errors_to_fields(hunt, browser):
    context = browser.new_context(java_script_enabled=False, **LAPTOP)
    try:
        page = context.new_page()
        page.goto(hunt.url + "/admin/login")
        page.locator("#password").fill(PASSWORD)
        page.locator("#password").press("Enter")
        page.goto(hunt.url + "/admin/deck/edit/mooc")
        page.locator("#choice2").fill("")
        page.locator("#choice3").fill("")
        page.get_by_role("button", name="Enregistrer").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_visible()
        link = summary.get_by_role("link", name="Choix : Donnez de 2 à 6 choix.")
        expect(link).to_have_attribute("href", "#choice1")
        expect(page.locator("#choices")).to_have_attribute("aria-invalid", "true")
    finally:
        context.close()
