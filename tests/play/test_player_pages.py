"""Resume links, generated names and the name suggestion, through the test client."""

from __future__ import annotations

import re

from conftest import Actions, csrf_token

from invider.store.models import Hunt, Player, db


def players(app) -> list[Player]:
    with app.app_context():
        return db.session.execute(db.select(Player).order_by(Player.id)).scalars().all()


def make_resume_link(client) -> str:
    client.post("/me/resume", data={"csrf_token": csrf_token(client, "/me")})
    match = re.search(r'class="resume-link"><a href="([^"]+)"', client.get("/me").get_data(True))
    assert match, "no resume link on /me"
    # The link is built on the public address printed in the QR codes, never on Host.
    assert match.group(1).startswith("http://192.168.1.20:8000/resume/")
    return match.group(1).replace("http://192.168.1.20:8000", "")


def test_me_offers_to_make_a_resume_link(play, client):
    play.join()
    page = client.get("/me").get_data(as_text=True)
    assert "Make my resume link" in page and "/resume/" not in page


def test_making_a_resume_link_shows_it_with_its_qr_code(play, client, app):
    play.join("Alice", "Red")
    link = make_resume_link(client)
    (alice,) = players(app)
    assert link == f"/resume/{alice.resume_token}" and len(alice.resume_token) >= 43
    page = client.get("/me").get_data(as_text=True)
    assert '<svg class="qr" role="img" aria-label="QR code of your resume link"' in page


def test_resume_get_only_asks_and_post_logs_in(play, client, app):
    play.join("Alice", "Red")
    link = make_resume_link(client)
    other = app.test_client()
    page = other.get(link).get_data(as_text=True)
    assert "Continue as Alice?" in page
    assert "Alice" not in other.get("/").get_data(as_text=True)  # GET changed nothing
    response = other.post(link, data={"csrf_token": csrf_token(other, link)})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert "<h1>Alice</h1>" in other.get("/me").get_data(as_text=True)
    assert len(players(app)) == 1


def test_resuming_keeps_the_language_this_phone_chose(play, client, app):
    play.join("Alice", "Red")
    link = make_resume_link(client)
    other = app.test_client()
    other.post("/lang", data={"lang": "fr", "next": "/", "csrf_token": csrf_token(other, "/")})
    assert '<html lang="fr">' in other.get(link).get_data(as_text=True)
    other.post(link, data={"csrf_token": csrf_token(other, link)})
    page = other.get("/me").get_data(as_text=True)
    assert "<h1>Alice</h1>" in page and '<html lang="fr">' in page
    assert '<html lang="en">' in client.get("/me").get_data(as_text=True)  # Alice's own phone


def test_resume_post_needs_a_csrf_token(play, client, app):
    play.join("Alice", "Red")
    link = make_resume_link(client)
    other = app.test_client()
    assert other.post(link).status_code == 400
    assert other.get("/me").status_code == 302  # still not logged in


def test_a_new_resume_link_revokes_the_old_one(play, client, app):
    play.join("Alice", "Red")
    old = make_resume_link(client)
    new = make_resume_link(client)
    assert new != old
    other = app.test_client()
    response = other.get(old)
    assert response.status_code == 404 and "This link no longer works" in response.get_data(True)
    token = csrf_token(other, new)
    assert other.post(old, data={"csrf_token": token}).status_code == 404
    assert other.get(new).status_code == 200


def test_an_unknown_resume_token_gets_a_clear_404(client):
    response = client.get("/resume/" + "x" * 43)
    assert response.status_code == 404 and "This link no longer works" in response.get_data(True)


def test_making_a_resume_link_needs_a_player(client):
    response = client.post("/me/resume", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and "/join" in response.headers["Location"]


def test_suggest_without_javascript_fills_the_name(client):
    page = client.get("/join?suggest=1&next=/me").get_data(as_text=True)
    value = re.search(r'id="name" name="name" value="([^"]*)"', page).group(1)
    assert re.fullmatch(r"\w+ \w+ \d\d", value)
    assert "data-names=" in page and "Suggest an invader name" in page


def set_generated(app) -> None:
    with app.app_context():
        db.session.execute(db.update(Hunt).values(name_mode="generated"))
        db.session.commit()


def join_generated(client, proposal: str | None = None, team: str = "Red"):
    page = client.get("/join?next=/me").get_data(as_text=True)
    signed = re.search(r'name="proposal" value="([^"]+)"', page).group(1)
    shown = re.search(r'class="proposal"><strong>([^<]+)</strong>', page).group(1)
    data = {
        "csrf_token": csrf_token(client, "/join"),
        "next": "/me",
        "team": team,
        "proposal": proposal if proposal is not None else signed,
        "name": "Free Name",
    }
    return shown, client.post("/join", data=data)


def test_generated_mode_has_no_free_name_field_and_gives_the_shown_name(app, client):
    set_generated(app)
    page = client.get("/join").get_data(as_text=True)
    assert 'name="name"' not in page and "everyone plays under an invader name" in page
    shown, response = join_generated(client)
    assert response.status_code == 302
    assert [p.name for p in players(app)] == [shown]


def test_generated_mode_refuses_a_forged_name(app, client):
    set_generated(app)
    _shown, response = join_generated(client, proposal="Forged Name")
    assert response.status_code == 302
    (player,) = players(app)
    assert player.name not in ("Forged Name", "Free Name")
    assert re.fullmatch(r"\w+ \w+ \d\d", player.name)


def test_generated_mode_gives_a_fresh_name_when_the_shown_one_was_taken(app):
    set_generated(app)
    first, second = app.test_client(), app.test_client()
    page = first.get("/join").get_data(as_text=True)
    signed = re.search(r'name="proposal" value="([^"]+)"', page).group(1)
    for phone in (first, second):
        phone.post(
            "/join",
            data={"csrf_token": csrf_token(phone, "/join"), "team": "Red", "proposal": signed},
        )
    names = [p.name for p in players(app)]
    assert len(names) == 2 and len({n.casefold() for n in names}) == 2


def test_free_mode_still_takes_the_typed_name(app, client):
    Actions(app, client).join("Typed Name", "Blue")
    assert [p.name for p in players(app)] == ["Typed Name"]
