"""Company sign-in in a real Chromium: scan, the provider's login form, back on the poster."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from browser import FRENCH_DECK, code_of, serious_violations, shoot
from oidc_provider import Provider
from playwright.sync_api import Page, expect
from requirements import need_oidc_provider
from server import Server, free_port

pytest_plugins = ["browser_fixtures"]


@pytest.fixture(scope="module")
def hunt(tmp_path_factory):
    """A real provider and a real server with the French deck and sign-in on."""
    need_oidc_provider()
    workdir = tmp_path_factory.mktemp("signin-browser")
    (workdir / "questions").mkdir()
    (workdir / "questions" / "deck.toml").write_text(FRENCH_DECK, encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = Provider([url]).start(workdir)
    server = Server(workdir, port=port, env=provider.app_env(INVIDER_PUBLIC_URL=url))
    try:
        server.start()
        yield provider, server
    finally:
        server.stop()
        provider.stop()


def provider_login(page: Page, provider: Provider, login: str) -> None:
    """Fill the provider's own login form, as a colleague does."""
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("their own password")
    page.locator('button[type="submit"]').click()


def score_of(server: Server, name: str) -> list[tuple]:
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        return conn.execute("select id, score from player where name = ?", (name,)).fetchall()


def test_scan_sign_in_back_on_the_poster_answer_then_a_second_browser_is_the_same_player(
    hunt, browser
):
    provider, server = hunt
    code = code_of(server, "emploi-store-launch")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{server.url}/i/{code}")
    expect(page).to_have_url(re.compile(r"/join\?next=/i/"))
    shoot(page, "signin-01-join")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Se connecter avec Acme").click()
    provider_login(page, provider, "bob")
    # Back on the poster that was scanned, playing as the person the directory names.
    expect(page).to_have_url(f"{server.url}/i/{code}")
    expect(page.get_by_text("Affiche n°1 sur 4")).to_be_visible()
    shoot(page, "signin-02-question")
    page.get_by_label("Sûr·e").check()
    page.get_by_role("button", name="Juillet 2015").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Bonne réponse"))
    [(player_id, score)] = score_of(server, "Bob Durand")
    assert score == 10
    phone.close()

    laptop = browser.new_context()
    page = laptop.new_page()
    page.goto(f"{server.url}/me")
    page.get_by_role("link", name="Se connecter avec Acme").click()
    provider_login(page, provider, "bob")
    expect(page).to_have_url(f"{server.url}/me")
    expect(page.locator(".stats")).to_contain_text("10")
    expect(page.get_by_text("Bob Durand").first).to_be_visible()
    page.goto(f"{server.url}/i/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Bonne réponse"))
    assert score_of(server, "Bob Durand") == [(player_id, 10)]
    laptop.close()


def test_an_organiser_opens_the_control_room_and_the_audit_log_names_them(hunt, browser):
    provider, server = hunt
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    page.get_by_role("link", name="Se connecter avec Acme").click()
    provider_login(page, provider, "alice")
    expect(page).to_have_url(f"{server.url}/admin/")
    page.locator('button[name="action"][value="freeze"]').click()
    expect(page.locator("body")).to_contain_text("Alice Martin")
    shoot(page, "signin-03-control-room")
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        actors = conn.execute("select actor from audit_entry where action = 'hunt.status'")
        assert actors.fetchall() == [("Alice Martin",)]
    context.close()


def test_another_user_gets_a_clear_refusal(hunt, browser):
    provider, server = hunt
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/admin/login")
    page.get_by_role("link", name="Se connecter avec Acme").click()
    provider_login(page, provider, "chloe")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce compte n'est pas organisateur")
    expect(page.get_by_text("Chloé Bernard")).to_be_visible()
    expect(page.get_by_text("Identifiant de l'erreur")).to_be_visible()
    shoot(page, "signin-04-refused")
    assert serious_violations(page) == []
    page.goto(f"{server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    context.close()


def test_the_echo_a_week_later_from_a_fresh_browser_after_signing_in(hunt, browser):
    provider, server = hunt
    # A week later: the hunt closed seven days ago and the echo is open.
    now = datetime.now(UTC).replace(tzinfo=None)
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        conn.execute(
            "update hunt set status_override = null, closes_at = ?, echo_opens_at = ?,"
            " echo_closes_at = ?",
            (
                str(now - timedelta(days=7)),
                str(now - timedelta(hours=1)),
                str(now + timedelta(days=7)),
            ),
        )
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.wait_for_timeout(1500)  # the workers' copy of the hunt is at most a second old
    page.goto(f"{server.url}/echo")
    page.get_by_role("link", name="Se connecter avec Acme").click()
    provider_login(page, provider, "bob")
    expect(page).to_have_url(f"{server.url}/echo")
    shoot(page, "signin-05-echo")
    expect(page.locator("form button.choice, form input[name=answer]").first).to_be_visible()
    context.close()
