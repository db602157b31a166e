"""A real Chromium on a phone-sized screen, driving a real ``invider serve``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from server import Server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}

# A French deck, like most hunts: the interface speaks French unless a player switches.
FRENCH_DECK = """\
[hunt]
title = "La chasse aux Inviders"
language = "fr"
teams = ["DSI", "Direction générale"]
points = 10

[[invider]]
key = "emploi-store-launch"
question = "Depuis quand l'Emploi Store est-il en ligne ?"
choices = ["Juillet 2015", "Février 2014", "Mars 2016"]
answer = "Juillet 2015"
fact = "Annoncé en février 2014, l'Emploi Store est en ligne depuis juillet 2015 : notre MVP."
topic = "Emploi Store"

[[invider]]
key = "partners"
question = "Combien de partenaires proposent leurs services sur l'Emploi Store ?"
choices = ["12", "72", "300"]
answer = "72"
fact = "72 partenaires publics et privés proposent déjà leurs services."
topic = "Partenaires"

[[invider]]
key = "services"
question = "Combien de services l'Emploi Store rassemble-t-il ?"
accept = ["133", "cent trente-trois"]
answer = "133"
fact = "133 services, rangés en quatre centres d'intérêt."
topic = "Emploi Store"
points = 20

[[invider]]
key = "mooc"
question = "Combien d'inscrits au premier MOOC de Pôle emploi ?"
choices = ["3 000", "30 000", "300 000"]
answer = "30 000"
fact = "30 000 personnes ont suivi le premier MOOC : apprendre en ligne marche."
topic = "Formation"
"""


def code_of(server: Server, key: str) -> str:
    """Return the poster code of ``key`` from the server's database."""
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        return conn.execute("select code from invider where key = ?", (key,)).fetchone()[0]


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def join(page: Page, server: Server, name: str, team: str = "DSI", key: str | None = None):
    """Join from a scanned poster (or from /join) through the form, as a player does."""
    target = f"/i/{code_of(server, key)}" if key else "/join"
    page.goto(server.url + target)
    page.get_by_label("Pseudo").fill(name)
    page.get_by_label("Équipe").select_option(team)
    page.get_by_role("button", name="C'est parti").click()


AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def serious_violations(page) -> list[str]:
    """Run axe-core on the page; return its serious and critical violations, readably."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
