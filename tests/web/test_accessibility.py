"""WCAG 2.2 AA in a real Chromium: axe-core finds nothing serious; focus shows; motion calms."""

from __future__ import annotations

import re

import pytest
from browser import PHONE, code_of, join, serious_violations, shoot
from playwright.sync_api import expect

# Slow (Chromium and axe-core against a real server): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

pytest_plugins = ["browser_fixtures"]


@pytest.fixture(scope="module")
def pages(served, browser):
    """Visit every page once as a player who answered wrong, then right; keep them open."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    visited = {}

    def keep(name: str):
        shoot(page, f"a11y-{name}")
        visited[name] = serious_violations(page)

    page.goto(served.url + "/")
    keep("home")
    page.goto(f"{served.url}/i/{code_of(served, 'emploi-store-launch')}")
    keep("join")
    join(page, served, "Axe Tester", key="emploi-store-launch")
    keep("question")
    page.get_by_role("button", name="Mars 2016").click()
    keep("result-wrong")
    page.goto(f"{served.url}/i/{code_of(served, 'services')}")
    keep("question-typed")
    page.get_by_label(re.compile("tapez votre réponse")).fill("133")
    page.get_by_role("button", name="Répondre").click()
    keep("result-right")
    page.goto(served.url + "/me")
    page.get_by_role("button", name="Créer mon lien de reprise").click()
    keep("me")
    page.goto(served.url + "/leaderboard")
    keep("leaderboard")
    page.get_by_role("button", name="English").click()
    keep("leaderboard-english")
    page.goto(f"{served.url}/join?next=/me")  # a joined phone is sent on to /me
    page.goto(served.url + "/screen")
    page.set_viewport_size({"width": 1920, "height": 1080})
    keep("screen")
    context.close()
    return visited


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "join",
        "question",
        "question-typed",
        "result-wrong",
        "result-right",
        "me",
        "leaderboard",
        "leaderboard-english",
        "screen",
    ],
)
def test_no_serious_or_critical_axe_violations(pages, name):
    assert pages[name] == []


def test_the_join_form_in_english_has_no_serious_violations(served, browser):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(served.url + "/join")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # An error message is shown and tied to the field it is about.
        page.get_by_label("Display name").fill("admin")
        page.get_by_label("Team").select_option("DSI")
        page.get_by_role("button", name="Let's play").click()
        expect(page.get_by_role("alert")).to_contain_text("reserved")
        expect(page.get_by_label("Display name")).to_have_attribute("aria-invalid", "true")
        shoot(page, "a11y-join-error-english")
        assert serious_violations(page) == []
    finally:
        context.close()


def test_keyboard_focus_is_visible(served, browser):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(served.url + "/join")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Aller au contenu")
        for _ in range(3):
            page.keyboard.press("Tab")
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
            )
            assert outline[0] != "none" and outline[1] >= 2, outline
    finally:
        context.close()


def test_reduced_motion_stops_animations_and_transitions(served, browser):
    context = browser.new_context(reduced_motion="reduce", viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        moving = []
        for path in ("/", "/join", "/leaderboard", "/screen"):
            page.goto(served.url + path)
            moving += page.evaluate(
                """() => [...document.querySelectorAll('*')].filter(el => {
                     const s = getComputedStyle(el);
                     const long = v => v.split(',').some(d => parseFloat(d) > 0.01);
                     return (s.animationName !== 'none' && long(s.animationDuration))
                         || long(s.transitionDuration);
                   }).map(el => location.pathname + ' ' + el.tagName + '.' + el.className)"""
            )
        assert moving == []
    finally:
        context.close()
