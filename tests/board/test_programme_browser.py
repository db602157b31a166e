"""The day's programme in a real Chromium against a real ``invider serve`` (two workers).

The big screen at 1920×1080 announces a wave that just woke, with its sprites, shows the
organisers' banner, the next wave and the last stretch, and nothing overflows; a 390 px
phone shows a sleeping poster and the banner without scrolling sideways.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from browser import ARTIFACTS, PHONE, join, serious_violations
from requirements import need_chromium
from server import Server, csrf_token

pytest_plugins = ["browser_fixtures"]

PASSWORD = "a long organiser password"
MESSAGE = "Podium à 17 h 30 dans le hall : venez nombreux, la direction remet les prix !"

# Everything that sticks out of the viewport or scrolls the page, as readable strings.
OVERFLOW = """() => {
  const vw = innerWidth, vh = innerHeight, problems = [];
  const page = document.scrollingElement;
  if (page.scrollWidth > vw) problems.push(`page scrolls sideways: ${page.scrollWidth}`);
  if (document.body.classList.contains("screen") && page.scrollHeight > vh)
    problems.push(`screen scrolls: ${page.scrollHeight}`);
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".visually-hidden, .skip, .kiosk-toggle, svg")) continue;
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (r.right > vw + 1 || r.left < -1) problems.push(`outside: ${el.tagName} ${el.className}`);
    if (document.body.classList.contains("screen") && r.bottom > vh + 1)
      problems.push(`below the screen: ${el.tagName} ${el.className}`);
  }
  return problems;
}"""


def programme_deck(now: datetime) -> str:
    """A French deck open since two hours, closing in 20 minutes, with two waves."""
    stamp = lambda delta: (now + delta).isoformat(timespec="seconds")  # noqa: E731
    lines = [
        "[hunt]",
        'title = "La chasse aux Inviders"',
        'language = "fr"',
        'teams = ["DSI", "Direction générale"]',
        f"opens_at = {stamp(timedelta(hours=-2))}",
        f"closes_at = {stamp(timedelta(minutes=20))}",
        "waves = [",
        f'  {{ name = "Après-midi", at = {stamp(timedelta(seconds=-30))} }},',
        f'  {{ name = "Le soir", at = {stamp(timedelta(minutes=12))} }},',
        "]",
    ]
    for n in range(1, 8):
        wave = {1: None, 7: "Le soir"}.get(n, "Après-midi")
        lines += [
            "",
            "[[invider]]",
            f'key = "poster-{n}"',
            f'question = "Question numéro {n} ?"',
            'choices = ["Un", "Deux", "Trois"]',
            'answer = "Un"',
            f'fact = "Le fait numéro {n}."',
        ]
        if wave:
            lines.append(f'wave = "{wave}"')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def programme_server(tmp_path_factory) -> Iterator[Server]:
    """A real server with the deck above and a message posted from the control room."""
    need_chromium()
    workdir = tmp_path_factory.mktemp("programme")
    (workdir / "questions").mkdir()
    deck = programme_deck(datetime.now(UTC))
    (workdir / "questions" / "deck.toml").write_text(deck, encoding="utf-8")
    server = Server(workdir, env={"INVIDER_ADMIN_PASSWORD": PASSWORD}).start()
    try:
        admin = requests.Session()
        login = admin.get(server.url + "/admin/login", timeout=10)
        admin.post(
            server.url + "/admin/login",
            data={"password": PASSWORD, "csrf_token": csrf_token(login.text)},
            timeout=10,
        )
        page = admin.get(server.url + "/admin/programme", timeout=10)
        assert page.status_code == 200
        posted = admin.post(
            server.url + "/admin/programme/message",
            data={"csrf_token": csrf_token(page.text), "text_fr": MESSAGE},
            timeout=10,
        )
        assert posted.status_code == 200 and "Le message est affiché" in posted.text
        time.sleep(1.2)  # every worker's copy of the messages renews within a second
        server.admin = admin
        yield server
    finally:
        server.stop()


def code_of(server: Server, key: str) -> str:
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        return conn.execute("select code from invider where key = ?", (key,)).fetchone()[0]


def test_the_screen_announces_the_wave_with_the_banner_at_1080p(programme_server, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(programme_server.url + "/screen")
    news = page.locator("#wave-news")
    assert news.is_visible()
    assert "Nouvelle vague : 5 Inviders se sont réveillés !" in news.inner_text()
    assert news.locator(".wave-sprites svg").count() == 5
    banner = page.locator("#banner .banner")
    assert banner.inner_text() == MESSAGE
    assert banner.evaluate("el => el.scrollWidth <= el.clientWidth"), "the message is cut"
    assert page.locator("#next-wave").inner_text().startswith("Prochaine vague dans ")
    assert "min" in page.locator("#next-wave").inner_text()
    stretch = page.locator("#last-stretch")
    assert stretch.is_visible()
    assert "pour trouver des Inviders" in stretch.inner_text()
    assert stretch.inner_text().startswith("Plus que ")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "programme-screen-1920x1080.png"))
    assert page.evaluate(OVERFLOW) == []
    assert serious_violations(page) == []
    # The script keeps it up to date: the banner follows the data, never as HTML.
    page.wait_for_timeout(2500)
    assert page.locator("#banner .banner").inner_text() == MESSAGE
    context.close()


def test_a_phone_shows_a_sleeping_poster_and_the_banner_at_390px(programme_server, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    join(page, programme_server, "Lucie", key="poster-7")
    assert page.url.endswith("/i/" + code_of(programme_server, "poster-7"))
    heading = page.locator("h1")
    assert heading.inner_text().startswith("Cet Invider se réveille à ")
    assert " h " in heading.inner_text()
    assert page.locator(".sprite-head.asleep svg").is_visible()
    assert page.locator(".wake-countdown").inner_text().startswith("Dans ")
    assert page.locator("form button.choice").count() == 0
    assert "Question numéro 7" not in page.content()
    banner = page.locator(".programme .banner")
    assert banner.is_visible() and MESSAGE in banner.inner_text()
    assert "Plus que" in page.locator(".programme .stretch").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "programme-asleep-390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    assert serious_violations(page) == []
    # A poster of the wave that woke plays as any other.
    page.goto(programme_server.url + "/i/" + code_of(programme_server, "poster-3"))
    assert page.locator("form button.choice").count() == 3
    context.close()


def test_an_open_leaderboard_picks_up_a_new_message(programme_server, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    join(page, programme_server, "Hugo")
    page.goto(programme_server.url + "/leaderboard")
    assert page.locator(".programme .banner").count() == 1
    admin = programme_server.admin
    form = admin.get(programme_server.url + "/admin/programme", timeout=10)
    admin.post(
        programme_server.url + "/admin/programme/message",
        data={"csrf_token": csrf_token(form.text), "text_fr": "<b>Goûter</b> au 3e étage"},
        timeout=10,
    )
    # No reload: the page's own refresh (every 4 s) brings it, as text.
    banner = page.locator(".programme .banner", has_text="Goûter")
    banner.wait_for(timeout=12000)
    assert banner.inner_text() == "<b>Goûter</b> au 3e étage"
    assert page.locator(".programme .banner").count() == 2
    context.close()
