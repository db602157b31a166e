"""Confidence, answer, result and the echo in a real Chromium on a 390 px phone."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from browser import code_of, join, shoot
from playwright.sync_api import expect

# Slow (Chromium against a real server): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

pytest_plugins = ["browser_fixtures"]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_echo(server) -> None:
    """Close the hunt and open the echo, straight in the server's database."""
    stamp = lambda delta: (datetime.now(UTC) + delta).replace(tzinfo=None).isoformat(" ")  # noqa: E731
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        conn.execute(
            "update hunt set status_override = 'closed', echo_opens_at = ?, echo_closes_at = ?",
            (stamp(timedelta(hours=-1)), stamp(timedelta(days=7))),
        )
    conn.close()


def test_confidence_then_answer_then_result_then_the_echo(served, browser, phone):
    page = phone.new_page()
    join(page, served, "Ada Lovelace", key="emploi-store-launch")
    question = f"{served.url}/i/{code_of(served, 'emploi-store-launch')}"
    expect(page).to_have_url(question)
    expect(page.get_by_role("group", name="D'abord : êtes-vous sûr·e ?")).to_be_visible()
    # Without a confidence the browser asks for it first: nothing is sent.
    page.get_by_role("button", name="Mars 2016").click()
    expect(page).to_have_url(question)
    expect(
        page.get_by_role("heading", name="Depuis quand l'Emploi Store est-il en ligne ?")
    ).to_be_visible()
    page.get_by_label("Sûr·e").check()
    page.get_by_role("button", name="Mars 2016").click()
    expect(page.get_by_text("Vous étiez sûr·e — c'est celle-ci à retenir.")).to_be_visible()
    expect(page.get_by_text("La réponse : Juillet 2015")).to_be_visible()
    assert no_sideways_scroll(page)
    shoot(page, "learning-result-confident-error")

    open_echo(served)
    # The server's copy of the hunt is at most a second old: reload until the echo opens.
    for _ in range(20):
        page.goto(f"{served.url}/echo")
        if page.locator("input[name=key]").count():
            break
        page.wait_for_timeout(250)
    expect(page.get_by_text("L'écho : question 1 sur 2")).to_be_visible()
    assert no_sideways_scroll(page)
    shoot(page, "learning-echo-question")
    for _ in range(2):
        key = page.locator("input[name=key]").get_attribute("value")
        page.get_by_label("J'hésite").check()
        if key == "services":
            page.get_by_label("Un seul essai : tapez votre réponse").fill("133")
            page.get_by_role("button", name="Répondre").click()
        else:
            right = {"emploi-store-launch": "Juillet 2015", "partners": "72", "mooc": "30 000"}
            page.get_by_role("button", name=right[key], exact=True).click()
        expect(page.get_by_role("heading", name="Toujours là !")).to_be_visible()
        page.locator("a.button.primary").click()
    expect(page.get_by_text("Vous vous souveniez encore de 1 message sur 1.")).to_be_visible()
    assert no_sideways_scroll(page)
    shoot(page, "learning-echo-summary")
