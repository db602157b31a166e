"""The big screen as a show, in a real Chromium against a real server with the demo deck.

Every state (lobby, live, frozen, each step of the reveal) at 1920×1080 and 1280×720: the
page never scrolls, nothing is cut or outside the screen, no text is smaller than 24 px
at 1080p, axe-core finds nothing serious; a screenshot of each is kept in tests/artifacts/.
Then the phone leaderboard and the organisers' tables at 360 px: no word split in two.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from browser import ARTIFACTS
from requirements import need_chromium
from server import Phone, Server

from invider.decks.reading import read_deck

# Slow (Chromium against a served hunt): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

pytest_plugins = ["browser_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
DEMO_DECK = ROOT / "questions" / "strategie-digitale.toml"
PASSWORD = "a long organiser password"
SIZES = {"1080p": (1920, 1080), "720p": (1280, 720)}
NAMES = [
    ("Marie-Charlotte Delacroix-Fontaine", "Direction générale"),
    ("Thomas", "DSI"),
    ("Élodie Martin", "Digital"),
    ("Jean-Baptiste Moreau", "RH"),
    ("Sophie", "Agences"),
    ("Karim Benali", "Direction générale"),
    ("Lucie Fernandez", "DSI"),
    ("Nathan", "Digital"),
    ("Chloé Rousseau", "RH"),
    ("Hugo Lefebvre", "Agences"),
    ("Inès", "Direction générale"),
    ("Maximilien Dubois-Lagarde", "DSI"),
    ("Camille", "Digital"),
]

# Everything wrong with the page as it stands, as readable strings.
PROBLEMS = """(minFont) => {
  const vw = innerWidth, vh = innerHeight, problems = [];
  const page = document.scrollingElement;
  if (page.scrollHeight > vh || page.scrollWidth > vw)
    problems.push(`page scrolls: ${page.scrollWidth}x${page.scrollHeight}`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "");
  const skip = (el) => el.closest(".visually-hidden, .skip, .kiosk-toggle, svg");
  const shown = (el) => { const s = getComputedStyle(el);
    return s.display !== "none" && s.visibility !== "hidden" && s.opacity !== "0"; };
  for (const el of document.querySelectorAll("body *")) {
    if (skip(el) || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (r.right > vw + 1 || r.bottom > vh + 1 || r.left < -1 || r.top < -1)
      problems.push(`outside: ${name(el)} ${Math.round(r.right)}x${Math.round(r.bottom)}`);
    const s = getComputedStyle(el);
    if (s.overflowY !== "visible" && el.scrollHeight > el.clientHeight + 2)
      problems.push(`cut at the bottom: ${name(el)} ${el.scrollHeight} > ${el.clientHeight}`);
    if (s.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 2)
      problems.push(`cut at the side: ${name(el)} ${el.scrollWidth} > ${el.clientWidth}`);
    for (const node of el.childNodes) {
      if (node.nodeType === 3 && node.data.trim() && parseFloat(s.fontSize) < minFont - 0.01)
        problems.push(`text smaller than ${minFont} px: "${node.data.trim()}" ${s.fontSize}`);
    }
  }
  return problems;
}"""

# Words (between spaces, hyphens and slashes) whose letters sit on more than one line.
SPLIT_WORDS = """() => {
  const split = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(".visually-hidden, script, style, svg, .skip")) continue;
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    const words = /[^\\s\\-\\u2010\\u2011\\u2013\\u2014\\/]+/g;
    for (let m = words.exec(node.data); m; m = words.exec(node.data)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects())
        .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split;
}"""


def answer_fields(invider, right: bool) -> dict:
    """The form fields of a right or a wrong answer to ``invider``."""
    if invider.choices:
        wrong = next(c for c in invider.choices if c != invider.answer)
        return {"choice": invider.answer if right else wrong}
    return {"answer": invider.answer if right else "quarante-deux"}


@pytest.fixture(scope="module")
def show(tmp_path_factory) -> Iterator[Server]:
    """A real server with the demo deck and thirteen colleagues who played part of it."""
    need_chromium()
    workdir = tmp_path_factory.mktemp("show")
    (workdir / "questions").mkdir()
    shutil.copy(DEMO_DECK, workdir / "questions" / DEMO_DECK.name)
    server = Server(workdir, env={"INVIDER_ADMIN_PASSWORD": PASSWORD}).start()
    try:
        inviders = read_deck(DEMO_DECK).inviders
        with sqlite3.connect(workdir / "instance" / "invider.db") as conn:
            codes = dict(conn.execute("select key, code from invider"))
        for i, (name, team) in enumerate(NAMES):
            phone = Phone(server.url)
            assert phone.join(name, team).status_code in (200, 302)
            for j, invider in enumerate(inviders):
                if (i + j) % 3 and j < 4 + i:
                    response = phone.answer(
                        codes[invider.key], **answer_fields(invider, right=(i * j + j) % 5 != 1)
                    )
                    assert response.status_code in (200, 302), response.text[:200]
        yield server
    finally:
        server.stop()


def set_state(server: Server, status: str) -> None:
    """Put the hunt in ``status`` by its schedule and wait until the screen's data says so."""
    now = datetime.now(UTC).replace(tzinfo=None)
    times = {
        "scheduled": (now + timedelta(minutes=42, seconds=30), None, None),
        "open": (now - timedelta(hours=2), None, now + timedelta(hours=3)),
        "frozen": (now - timedelta(hours=2), now - timedelta(seconds=1), now + timedelta(hours=1)),
        "closed": (now - timedelta(hours=8), None, now - timedelta(seconds=1)),
    }[status]
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        conn.execute(
            "update hunt set status_override = null, opens_at = ?, freeze_at = ?, closes_at = ?",
            [t.isoformat(sep=" ") if t else None for t in times],
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        data = requests.get(server.url + "/screen.json", timeout=10).json()
        if data["hunt"]["status"] == status:
            time.sleep(2.2)  # the slower figures are kept for two cache periods
            return
        time.sleep(0.3)
    raise AssertionError(f"the screen never said {status}")


def check(page, label: str, width: int, height: int) -> list[str]:
    """Return what is wrong on the page, after saving its screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"show-{label}-{width}x{height}.png"))
    return page.evaluate(PROBLEMS, height / 45)


def axe_problems(page) -> list[str]:
    from browser import serious_violations

    return serious_violations(page)


@pytest.fixture(scope="module")
def screens(show, browser):
    """Visit every state of the screen at both sizes; keep what was wrong with each."""
    found = {}
    contexts = {
        size: browser.new_context(viewport={"width": w, "height": h})
        for size, (w, h) in SIZES.items()
    }
    try:
        for status in ("scheduled", "open", "frozen", "closed"):
            set_state(show, status)
            for size, (w, h) in SIZES.items():
                page = contexts[size].new_page()
                page.goto(show.url + "/screen")
                page.wait_for_load_state("networkidle")
                if status in ("open", "frozen"):
                    found[("top", status, size)] = [
                        n for n in page.locator("#top .name").all() if n.is_visible()
                    ]
                if status != "closed":
                    found[(status, size)] = check(page, status, w, h) + axe_problems(page)
                    page.close()
                    continue
                found[("reveal-0", size)] = check(page, "reveal-0", w, h) + axe_problems(page)
                hint = page.locator("#reveal-hint")
                found[("hint", size)] = [hint.inner_text()] if hint.is_visible() else []
                order = []
                for step in range(1, 7):
                    page.keyboard.press("Space" if step % 2 else "ArrowRight")
                    page.wait_for_timeout(800)  # let the step fade in before the picture
                    order.append(
                        page.evaluate(
                            "() => Array.from(document.querySelectorAll('[data-step]'))"
                            ".filter(e => !e.classList.contains('pending'))"
                            ".map(e => e.getAttribute('data-step')).sort().join('')"
                        )
                    )
                    problems = check(page, f"reveal-{step}", w, h)
                    if step in (3, 6):
                        problems += axe_problems(page)
                    found[(f"reveal-{step}", size)] = problems
                found[("order", size)] = order
                found[("hint-after", size)] = hint.is_visible()
                page.close()
    finally:
        for context in contexts.values():
            context.close()
    return found


STATES = ["scheduled", "open", "frozen"] + [f"reveal-{n}" for n in range(7)]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", STATES)
def test_every_screen_state_fits_reads_from_afar_and_passes_axe(screens, state, size):
    assert screens[(state, size)] == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("status", ["open", "frozen"])
def test_the_top_ten_is_on_the_wall(screens, status, size):
    assert len(screens[("top", status, size)]) == 10


@pytest.mark.parametrize("size", list(SIZES))
def test_the_presenter_reveals_third_second_first_team_then_messages(screens, size):
    assert screens[("order", size)] == ["1", "12", "123", "1234", "12345", "123456"]
    assert "Espace" in screens[("hint", size)][0]
    assert screens[("hint-after", size)] is False


def test_without_javascript_the_reveal_shows_everything_and_fits(show, browser):
    set_state(show, "closed")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1920, "height": 1080}
    )
    try:
        page = context.new_page()
        page.goto(show.url + "/screen")
        assert page.locator("[data-step]").count() == 6
        assert page.locator("[data-step].pending").count() == 0
        assert check(page, "reveal-nojs", 1920, 1080) == []
        names = page.locator(".podium .podium-name").all_inner_texts()
        assert len(names) == 3  # in podium order: 2nd, 1st, 3rd
        boxes = [page.locator(f".place-{n} .pedestal").bounding_box() for n in (1, 2, 3)]
        assert boxes[0]["height"] > boxes[1]["height"] > boxes[2]["height"]
        assert boxes[1]["x"] < boxes[0]["x"] < boxes[2]["x"]
        colours = {
            page.locator(f".place-{n} .pedestal").evaluate(
                "e => getComputedStyle(e).backgroundImage"
            )
            for n in (1, 2, 3)
        }
        assert len(colours) == 3  # gold, silver and bronze differ
    finally:
        context.close()


def test_kiosk_mode_hides_links_until_asked(show, browser):
    set_state(show, "open")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(show.url + "/screen")
        assert not page.get_by_role("button", name="English").is_visible()
        page.keyboard.press("m")
        assert page.get_by_role("button", name="English").is_visible()
        page.keyboard.press("m")
        page.get_by_text("Menu", exact=True).click()
        assert page.get_by_role("link", name="Classement").is_visible()
    finally:
        context.close()


def test_feed_names_with_replacement_patterns_stay_as_typed(show, browser):
    set_state(show, "open")
    odd = "$' $& {number} $$"
    phone = Phone(show.url)
    phone.join(odd, "DSI")
    with sqlite3.connect(show.workdir / "instance" / "invider.db") as conn:
        code = conn.execute("select code from invider where key = 'roadmap'").fetchone()[0]
    phone.answer(code, choice="4 ans")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        with page.expect_response(lambda r: r.url.endswith("/screen.json") and r.ok):
            page.goto(show.url + "/screen")
        page.wait_for_timeout(500)  # the first update rewrites the feed from JSON
        assert page.locator("#feed li").first.inner_text() == f"{odd} a trouvé le n°14"
    finally:
        context.close()


def login(page, server: Server) -> None:
    page.goto(server.url + "/admin/login")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/admin/**")


@pytest.mark.parametrize("width", [360, 390])
def test_no_word_is_split_on_the_phone_leaderboard_and_the_admin_tables(show, browser, width):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = context.new_page()
        phone = Phone(show.url)
        page.goto(show.url + "/leaderboard")
        split = {"leaderboard": page.evaluate(SPLIT_WORDS)}
        page.screenshot(path=str(ARTIFACTS / f"words-leaderboard-{width}.png"), full_page=True)
        login(page, show)
        for path in ("/admin/", "/admin/players", "/admin/results/report"):
            page.goto(show.url + path)
            split[path] = page.evaluate(SPLIT_WORDS)
            page.screenshot(
                path=str(ARTIFACTS / f"words-{path.strip('/').replace('/', '-')}-{width}.png"),
                full_page=True,
            )
        del phone
        assert split == {k: [] for k in split}
    finally:
        context.close()
