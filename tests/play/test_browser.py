"""The phone experience in a real Chromium (390×844, touch) against a real ``invider serve``."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from browser import code_of, join, shoot
from PIL import Image
from playwright.sync_api import expect

# Slow (Chromium against a real server): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

pytest_plugins = ["browser_fixtures"]


def test_full_path_from_scan_to_the_big_screen(served, browser, phone):
    page = phone.new_page()
    code = code_of(served, "emploi-store-launch")
    page.goto(f"{served.url}/i/{code}")
    # A new phone lands on the join form, which will send it back to the poster.
    expect(page).to_have_url(re.compile(r"/join\?next=/i/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shoot(page, "01-join")
    name = page.get_by_label("Pseudo")
    page.get_by_role("button", name="Proposer un nom d'envahisseur").click()
    expect(name).to_have_value(re.compile(r"^\S+ \S+ \d\d$"))
    shoot(page, "02-join-suggested")
    name.fill("Ada Lovelace")
    page.get_by_label("Équipe").select_option("DSI")
    page.get_by_role("button", name="C'est parti").click()

    expect(page).to_have_url(f"{served.url}/i/{code}")
    expect(page.get_by_text("Affiche n°1 sur 4")).to_be_visible()
    choices = page.locator("button.choice")
    expect(choices).to_have_count(3)
    for box in [choices.nth(i).bounding_box() for i in range(3)]:
        assert box["height"] >= 44 and box["width"] >= 44
    shoot(page, "03-question")

    page.get_by_label("Sûr·e").check()  # how sure, asked first (one tap)
    page.get_by_role("button", name="Février 2014").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Raté"))
    expect(page.get_by_text("La réponse\u00a0: Juillet 2015")).to_be_visible()
    expect(page.get_by_text("l'Emploi Store est en ligne depuis juillet 2015")).to_be_visible()
    shoot(page, "04-result-wrong")

    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{served.url}/screen")
    row = screen.locator("#top li", has_text="Ada Lovelace")
    expect(row.locator(".score")).to_have_text("0")

    page.goto(f"{served.url}/i/{code_of(served, 'partners')}")
    page.get_by_label("J'hésite").check()
    page.get_by_role("button", name="72", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Bonne réponse"))
    expect(page.get_by_text("+10 points")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("2 / 4")
    shoot(page, "05-result-right")

    # The big screen picks the new score up by itself, without a reload.
    expect(row.locator(".score")).to_have_text("10", timeout=3000)
    shoot(screen, "06-screen")
    screen.close()

    page.get_by_role("link", name="Mes inviders").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    facts = page.locator(".fact-item")
    expect(facts).to_have_count(2)
    expect(facts.nth(0)).to_contain_text("juillet 2015")
    expect(facts.nth(1)).to_contain_text("72 partenaires")
    expect(page.locator(".collection li.got")).to_have_count(2)
    expect(page.locator(".collection li.missing")).to_have_count(2)
    shoot(page, "07-me")


def test_resume_link_opens_the_same_player_in_a_fresh_browser(served, browser, phone):
    page = phone.new_page()
    join(page, served, "Grace Hopper", key="partners")
    page.get_by_label("Sûr·e").check()
    page.get_by_role("button", name="72", exact=True).click()
    page.goto(f"{served.url}/me")
    page.get_by_role("button", name="Créer mon lien de reprise").click()
    link = page.locator(".resume-link a")
    expect(page.locator("#resume svg.qr")).to_be_visible()
    shoot(page, "08-me-resume-link")
    url = link.get_attribute("href")
    # The link carries the public address printed on the posters, never the Host header.
    assert url.startswith(served.env["INVIDER_PUBLIC_URL"] + "/resume/")
    assert re.search(r"/resume/[\w-]{40,}$", url)
    # The QR code on the screen reads back as the same link (another phone's camera would).
    shot = Image.open(io.BytesIO(page.locator("#resume svg.qr").screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [url]

    other = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        second = other.new_page()
        # The test's phones reach that public address at the server's own port.
        second.goto(url.replace(served.env["INVIDER_PUBLIC_URL"], served.url))
        expect(second.get_by_role("heading", level=1)).to_contain_text("Grace Hopper")
        shoot(second, "09-resume-confirm")
        second.get_by_role("button", name="Continuer").click()
        expect(second).to_have_url(f"{served.url}/me")
        expect(second.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
        expect(second.locator(".fact-item")).to_have_count(1)
    finally:
        other.close()

    # A new link revokes the old one.
    page.get_by_role("button", name=re.compile("Créer un nouveau lien")).click()
    assert page.locator(".resume-link a").get_attribute("href") != url
    third = browser.new_context()
    try:
        stale = third.new_page()
        response = stale.goto(url.replace(served.env["INVIDER_PUBLIC_URL"], served.url))
        assert response.status == 404
        expect(stale.get_by_role("heading", level=1)).to_have_text("Ce lien ne marche plus")
    finally:
        third.close()


def test_a_display_name_made_of_html_shows_as_text_and_runs_nothing(served, browser, phone):
    dialogs = []
    hostile = "<img src=x onerror=alert(1)><b>x</b>"
    page = phone.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    join(page, served, hostile)
    expect(page.locator(".me-link")).to_contain_text(hostile)
    expect(page.get_by_role("heading", level=1)).to_have_text(hostile)
    page.goto(f"{served.url}/leaderboard")
    expect(page.locator("#players")).to_contain_text(hostile)
    shoot(page, "10-leaderboard-html-name")
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # Wait for the screen's first live update, which rewrites the table from JSON:
    # names must stay text there too, not only in the server-rendered page.
    with screen.expect_response(
        lambda r: r.request.resource_type == "fetch" and r.ok, timeout=10_000
    ):
        screen.goto(f"{served.url}/screen")
    expect(screen.locator("#top")).to_contain_text(hostile)
    for p in (page, screen):
        assert p.locator("main img, main b").count() == 0
    screen.close()
    assert dialogs == []


def test_every_page_works_without_javascript(served, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{served.url}/join")
        page.get_by_role("link", name="Proposer un nom d'envahisseur").click()
        expect(page.get_by_label("Pseudo")).to_have_value(re.compile(r"^\S+ \S+ \d\d$"))
        join(page, served, "Sans JS", key="mooc")
        page.get_by_label("Sûr·e").check()
        page.get_by_role("button", name="30 000").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Bonne réponse"))
        page.goto(f"{served.url}/")
        page.get_by_label(re.compile("Tapez le code")).fill(code_of(served, "services"))
        page.get_by_role("button", name="Ouvrir").click()
        page.get_by_label("Je devine").check()
        page.get_by_label(re.compile("tapez votre réponse")).fill("Cent trente-trois")
        page.get_by_role("button", name="Répondre").click()
        expect(page.get_by_text("+20 points")).to_be_visible()
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Right answer"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        shoot(page, "11-result-english-no-js")
        response = page.goto(f"{served.url}/i/no-such-code")
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("This poster does not exist")
        shoot(page, "12-unknown-poster")
    finally:
        context.close()


def weigh(page, navigate) -> int:
    """Return the bytes of every response (HTML, CSS, JS, images) a navigation loads."""
    bodies: list[int] = []

    def count(response):
        if not 300 <= response.status < 400:
            bodies.append(len(response.body()))

    page.on("response", count)
    navigate()
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", count)
    return sum(bodies)


def test_player_pages_weigh_under_100_kb(served, phone):
    page = phone.new_page()
    page.route(
        "**/*",
        lambda route: route.continue_(
            headers={**route.request.headers, "cache-control": "no-cache"}
        ),
    )
    sizes = {"join": weigh(page, lambda: page.goto(served.url + "/join"))}
    join(page, served, "Poids Plume")
    question = f"{served.url}/i/{code_of(served, 'partners')}"
    for name, url in [
        ("home", "/"),
        ("me", "/me"),
        ("leaderboard", "/leaderboard"),
        ("question", question),
    ]:
        sizes[name] = weigh(
            page, lambda url=url: page.goto(served.url + url if url[0] == "/" else url)
        )
    page.get_by_label("Sûr·e").check()
    sizes["result"] = weigh(page, lambda: page.get_by_role("button", name="12", exact=True).click())
    print("page weights (bytes):", sizes)
    assert all(1_000 < size < 100_000 for size in sizes.values()), sizes
