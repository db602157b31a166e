"""Company sign-in over plain HTTP against a real OpenID provider and real servers."""

from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest
import requests
from browser import FRENCH_DECK, code_of
from oidc_provider import Provider, log_in_at_provider, sign_in
from requirements import need_oidc_provider
from server import Server, csrf_token, free_port

PASSWORD = "break-glass password 42"


@pytest.fixture(scope="module")
def hunt(tmp_path_factory):
    """A provider and two servers on one instance folder (two servers behind one address)."""
    need_oidc_provider()
    workdir = tmp_path_factory.mktemp("signin")
    (workdir / "questions").mkdir()
    (workdir / "questions" / "deck.toml").write_text(FRENCH_DECK, encoding="utf-8")
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    provider = Provider(urls).start(workdir)
    # Both servers print the first address: the one the provider sends browsers back to.
    env = provider.app_env(INVIDER_PUBLIC_URL=urls[0], INVIDER_ADMIN_PASSWORD=PASSWORD)
    first = Server(workdir, port=ports[0], env=env)
    second = Server(workdir, port=ports[1], env=env)
    try:
        first.start()
        second.start()
        yield provider, first, second
    finally:
        second.stop()
        first.stop()
        provider.stop()


def rows(server: Server, query: str, *args) -> list[tuple]:
    with sqlite3.connect(server.workdir / "instance" / "invider.db") as conn:
        return conn.execute(query, args).fetchall()


def test_serve_prints_the_redirect_uri_to_register(hunt):
    provider, first, _second = hunt
    line = f"Sign-in:     {provider.issuer} (redirect URI {first.url}/signin/callback"
    assert line in first.output()


def test_signing_in_makes_one_player_named_from_the_directory(hunt):
    provider, first, _second = hunt
    http = requests.Session()
    landed = sign_in(http, first.url, "bob")
    assert landed.status_code == 200, landed.text[:500]
    assert landed.url == first.url + "/me"
    assert "Bob Durand" in landed.text
    players = rows(first, "select name, team from player where name = 'Bob Durand'")
    assert players == [("Bob Durand", "Direction générale")]
    links = rows(first, "select issuer, subject_hash from account")
    assert links and all(issuer == provider.issuer for issuer, _ in links)
    # The subject itself and the e-mail address are nowhere in the database.
    dump = "\n".join(sqlite3.connect(first.workdir / "instance" / "invider.db").iterdump())
    assert "bob@example.com" not in dump and "'bob'" not in dump


def answer(http: requests.Session, server: Server, code: str, choice: str) -> requests.Response:
    page = http.get(f"{server.url}/i/{code}", timeout=10)
    assert page.status_code == 200, page.text[:300]
    return http.post(
        f"{server.url}/i/{code}",
        data={"csrf_token": csrf_token(page.text), "choice": choice},
        timeout=10,
    )


def test_a_second_device_continues_the_same_player_with_its_score(hunt):
    _provider, first, _second = hunt
    phone = requests.Session()
    sign_in(phone, first.url, "bob")
    code = code_of(first, "emploi-store-launch")
    assert answer(phone, first, code, "Juillet 2015").status_code == 200
    [(player_id, score)] = rows(first, "select id, score from player where name = 'Bob Durand'")
    assert score == 10
    laptop = requests.Session()
    landed = sign_in(laptop, first.url, "bob")
    assert "Bob Durand" in landed.text
    assert rows(first, "select id, score from player where name like 'Bob%'") == [(player_id, 10)]
    # The poster is already answered on the second device: the stored result, no new try.
    result = laptop.get(f"{first.url}/i/{code}", timeout=10)
    assert "Juillet 2015" in result.text and 'name="choice"' not in result.text


def test_nobody_joins_with_a_typed_name_when_sign_in_is_on(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    form = http.get(f"{first.url}/join", params={"next": "/me"}, timeout=10)
    assert "Se connecter avec Acme" in form.text and 'name="name"' not in form.text
    # A hand-made join form (the footer's form token is a valid one) is refused.
    data = {"name": "Sneaky", "csrf_token": csrf_token(form.text)}
    sent = http.post(f"{first.url}/join", data=data, timeout=10)
    assert sent.status_code == 403 and "Se connecter avec Acme" in sent.text
    assert rows(first, "select count(*) from player where name = 'Sneaky'") == [(0,)]


def test_two_servers_behind_one_address_share_logins(hunt):
    _provider, first, second = hunt
    http = requests.Session()
    # The sign-in starts on the second server; the provider sends the browser back to
    # the public address, served by the first; the second knows the player afterwards.
    landed = sign_in(http, second.url, "chloe", next="/me")
    assert landed.url.startswith(first.url)
    me = http.get(f"{second.url}/me", timeout=10)
    assert me.status_code == 200 and "Chloé Bernard" in me.text


def test_a_department_no_team_matches_asks_for_the_team_then_a_name_change_once(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    landed = sign_in(http, first.url, "chloe", next="/me")
    if "/signin/profile" not in landed.url:  # chloé signed in already in another test
        landed = http.get(f"{first.url}/signin/profile", params={"next": "/me"}, timeout=10)
    # Logistique is no team of the deck: the player is asked, not put in a wrong team.
    assert rows(first, "select team from player where name like 'Chlo%'") == [(None,)]
    assert 'name="team"' in landed.text
    token = csrf_token(landed.text)
    form = {"csrf_token": token, "next": "/me", "team": "DSI", "name": "Chloé B."}
    done = http.post(f"{first.url}/signin/profile", data=form, timeout=10)
    assert done.url == first.url + "/me", done.text[:400]
    assert rows(first, "select name, team from player where name like 'Chlo%'") == [
        ("Chloé B.", "DSI")
    ]
    again = http.get(f"{first.url}/signin/profile", timeout=10)
    form = {"csrf_token": csrf_token(again.text), "next": "/me", "name": "Chloé Again"}
    refused = http.post(f"{first.url}/signin/profile", data=form, timeout=10)
    assert rows(first, "select name from player where name like 'Chlo%'") == [("Chloé B.",)]
    assert 'name="name"' not in again.text and refused.status_code == 400


def test_next_never_leaves_the_site(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    landed = sign_in(http, first.url, "bob", next="https://evil.example/steal")
    assert landed.url == first.url + "/me"
    landed = sign_in(http, first.url, "bob", next="//evil.example/steal")
    assert landed.url == first.url + "/me"


def test_cancelling_at_the_provider_gives_a_clear_page(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    page = http.get(f"{first.url}/signin", params={"next": "/me"}, timeout=20)
    uid = re.search(r"/interaction/([^/?#]+)", page.url).group(1)
    back = http.get(page.url.split("/interaction/")[0] + f"/interaction/{uid}/abort", timeout=20)
    assert "/signin/callback" in back.url and "error=access_denied" in back.url
    assert back.status_code == 403 and "La connexion a été annulée" in back.text


def test_a_replayed_callback_is_refused(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    page = http.get(f"{first.url}/signin", params={"next": "/me"}, timeout=20)
    # Stop at the callback, to send it twice.
    hops = log_in_at_provider(http, page, "bob")
    callback = next(r for r in [*hops.history, hops] if "/signin/callback" in r.url).url
    again = http.get(callback, timeout=20)
    assert again.status_code == 400
    assert "Error id" in again.text or "Identifiant" in again.text


def test_an_organiser_in_the_group_opens_the_control_room_and_is_named_in_the_audit(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    landed = sign_in(http, first.url, "alice", next="/admin/", **{"as": "organiser"})
    assert landed.status_code == 200 and landed.url == first.url + "/admin/"
    token = csrf_token(landed.text)
    done = http.post(f"{first.url}/admin/status", data={"csrf_token": token, "action": "open"})
    assert done.status_code == 200
    assert rows(first, "select actor from audit_entry where action = 'hunt.status'") == [
        ("Alice Martin",)
    ]
    assert "Alice Martin" in done.text
    # An organiser login made with the company account is no player: nobody joined.
    assert rows(first, "select count(*) from player where name like 'Alice%'") == [(0,)]


def test_the_break_glass_password_leaves_named_organisers_signed_in(hunt):
    _provider, first, _second = hunt
    alice = requests.Session()
    sign_in(alice, first.url, "alice", next="/admin/", **{"as": "organiser"})
    assert alice.get(f"{first.url}/admin/", allow_redirects=False).status_code == 200
    glass = requests.Session()
    form = glass.get(f"{first.url}/admin/login", timeout=10)
    data = {"password": PASSWORD, "csrf_token": csrf_token(form.text)}
    assert glass.post(f"{first.url}/admin/login", data=data, timeout=10).url.endswith("/admin/")
    assert alice.get(f"{first.url}/admin/", allow_redirects=False).status_code == 200


def test_another_user_gets_a_clear_refusal_from_the_control_room(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    landed = sign_in(http, first.url, "bob", next="/admin/", **{"as": "organiser"})
    assert landed.status_code == 403
    assert "Bob Durand" in landed.text and "organisat" in landed.text
    assert http.get(f"{first.url}/admin/", allow_redirects=False).status_code == 302


def test_signing_out_ends_the_session_and_offers_the_providers_logout(hunt):
    provider, first, _second = hunt
    http = requests.Session()
    me = sign_in(http, first.url, "bob")
    out = http.post(f"{first.url}/signout", data={"csrf_token": csrf_token(me.text)})
    assert out.status_code == 200
    assert http.get(f"{first.url}/me", allow_redirects=False).status_code == 302
    # The link ends the provider's session too: the next sign-in asks for the login again.
    link = re.search(r'id="provider-logout" href="([^"]+)"', out.text)
    assert link and link.group(1).startswith(provider.issuer + "/session/end")
    confirm = http.get(unescape(link.group(1)), timeout=20)
    action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    done = http.post(
        requests.compat.urljoin(confirm.url, unescape(action)),
        data={**fields, "logout": "yes"},
        timeout=20,
    )
    assert done.status_code == 200 and done.url.split("?")[0] == first.url + "/"
    again = http.get(f"{first.url}/signin", params={"next": "/me"}, timeout=20)
    assert "/interaction/" in again.url


def log_in_at_provider_without_callback(http: requests.Session, page, login: str) -> str:
    """Log in at the provider but stop before the callback; return the callback's URL."""
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    url = requests.compat.urljoin(page.url, unescape(action))
    response = http.post(
        url,
        data={"prompt": "login", "login": login, "password": "any"},
        allow_redirects=False,
        timeout=20,
    )
    while "/signin/callback" not in response.headers.get("Location", ""):
        target = requests.compat.urljoin(response.url, response.headers["Location"])
        response = http.get(target, allow_redirects=False, timeout=20)
    return requests.compat.urljoin(response.url, response.headers["Location"])


def test_the_provider_stopped_mid_day_gives_the_clear_page_while_players_go_on(hunt):
    provider, first, _second = hunt
    playing = requests.Session()
    sign_in(playing, first.url, "bob")
    [(before,)] = rows(first, "select score from player where name = 'Bob Durand'")
    # A colleague whose provider login succeeded a moment before the provider went down.
    late = requests.Session()
    page = late.get(f"{first.url}/signin", params={"next": "/me"}, timeout=20)
    hop = log_in_at_provider_without_callback(late, page, "chloe")
    provider.stop()
    try:
        pending = late.get(hop, timeout=30)
        assert pending.status_code == 503
        assert "La connexion est indisponible, réessayez dans une minute" in pending.text
        code = code_of(first, "partners")
        assert answer(playing, first, code, "72").status_code == 200
        assert rows(first, "select score from player where name = 'Bob Durand'") == [(before + 10,)]
        newcomer = requests.Session()
        page = newcomer.get(f"{first.url}/signin", params={"next": "/me"}, timeout=30)
        assert page.status_code == 503
        assert "La connexion est indisponible, réessayez dans une minute" in page.text
        assert "Identifiant de l'erreur" in page.text or "Error id" in page.text
        assert "Traceback" not in page.text
    finally:
        provider.start(first.workdir)


def test_abandoned_sign_ins_do_not_pile_up_in_the_cookie(hunt):
    _provider, first, _second = hunt
    http = requests.Session()
    for _ in range(15):  # a colleague who taps the button and comes back, again and again
        http.get(f"{first.url}/signin", params={"next": "/me"}, timeout=20)
    assert len(http.cookies.get("invider", domain="127.0.0.1")) < 1500
    assert sign_in(http, first.url, "bob").url == first.url + "/me"
