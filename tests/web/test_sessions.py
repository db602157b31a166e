"""Who a session names: ids never reused, per-player secrets, joins and guessing from one office."""

from __future__ import annotations

import re

import pytest
from conftest import Actions, csrf_token

from invider import create_app
from invider.store.models import Player, db


def joined(app, name: str, team: str = "Red") -> Actions:
    """A new phone that joined as ``name``."""
    phone = Actions(app, app.test_client())
    assert phone.join(name, team).status_code == 302
    return phone


def player_id(app, name: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(Player.id).filter_by(name=name)).scalar_one()


def remove(app, name: str) -> None:
    with app.app_context():
        db.session.execute(db.delete(Player).filter_by(name=name))
        db.session.commit()


def me_page(phone: Actions):
    return phone.client.get("/me")


def test_an_old_cookie_never_names_a_newer_player(app):
    """Removed player's id is not handed out again, and the old cookie is refused."""
    alice = joined(app, "Alice")
    old_id = player_id(app, "Alice")
    remove(app, "Alice")
    bob = joined(app, "Bob")
    assert player_id(app, "Bob") != old_id
    assert "Bob" in me_page(bob).get_data(as_text=True)
    stale = me_page(alice)
    assert stale.status_code == 302 and stale.location.startswith("/join")


def test_a_cookie_with_a_reused_id_but_the_wrong_secret_is_refused(app):
    """Even an id that matches (a restored database) needs the player's own secret."""
    joined(app, "Alice")
    thief = app.test_client()
    with thief.session_transaction() as session:
        session["player_id"] = player_id(app, "Alice")
        session["player_secret"] = "guessed"
    refused = thief.get("/me")
    assert refused.status_code == 302 and refused.location.startswith("/join")


def test_a_reset_hunt_ends_every_rehearsal_session(app):
    rehearsal = joined(app, "Rehearsal")
    with app.app_context():
        db.session.execute(db.delete(Player))
        db.session.commit()
    real = joined(app, "Real day")
    assert "Real day" in me_page(real).get_data(as_text=True)
    assert me_page(rehearsal).status_code == 302


def resume_link(phone: Actions) -> str:
    phone.client.post("/me/resume", data={"csrf_token": csrf_token(phone.client, "/me")})
    page = me_page(phone).get_data(as_text=True)
    return re.search(r'class="resume-link"><a href="http://[^/]+([^"]+)"', page).group(1)


def test_a_new_resume_link_logs_out_whoever_holds_the_old_one(app):
    owner = joined(app, "Alice")
    old_link = resume_link(owner)
    thief = Actions(app, app.test_client())
    token = csrf_token(thief.client, old_link)
    assert thief.client.post(old_link, data={"csrf_token": token}).status_code == 302
    assert "Alice" in me_page(thief).get_data(as_text=True)

    new_link = resume_link(owner)  # the owner notices and makes a new link
    assert new_link != old_link
    evicted = me_page(thief)
    assert evicted.status_code == 302 and evicted.location.startswith("/join")
    # The owner's own phone keeps playing, with the new link on its page.
    page = me_page(owner).get_data(as_text=True)
    assert me_page(owner).status_code == 200 and new_link in page
    assert thief.client.get(old_link).status_code == 404


def test_refused_joins_do_not_use_up_the_offices_allowance(app):
    app.config["JOIN_LIMIT_PER_IP"] = 3
    for _ in range(20):  # empty names from one address: nothing created, nothing counted
        assert Actions(app, app.test_client()).join("", "Red").status_code == 400
    for n in range(3):
        joined(app, f"Colleague {n}")
    assert Actions(app, app.test_client()).join("One too many", "Red").status_code == 429


def test_a_whole_office_joins_through_one_address_at_the_kick_off(app):
    """The shipped allowance lets 1,000 colleagues join from one address in minutes."""
    assert app.config["JOIN_LIMIT_PER_IP"] >= 1000
    client = app.test_client()
    token = csrf_token(client, "/join")
    with app.app_context():
        from invider.play.join import JOIN_PERIOD
        from invider.store import ratelimit

        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            for _ in range(999):
                ratelimit.hit("join:ip:127.0.0.1", JOIN_PERIOD)
    response = client.post(
        "/join", data={"name": "The thousandth", "team": "Red", "csrf_token": token, "next": "/me"}
    )
    assert response.status_code == 302


def test_a_retried_join_lands_on_the_player_it_created(app):
    """The phone lost the answer to its join and sends the same form again."""
    client = app.test_client()
    token = csrf_token(client, "/join?next=/me")
    form = {"name": "Alice", "team": "Red", "csrf_token": token, "next": "/me"}
    with client.session_transaction() as before:
        saved = dict(before)
    assert client.post("/join", data=form).status_code == 302
    with client.session_transaction() as session:  # the response never arrived
        session.clear()
        session.update(saved)
    retried = client.post("/join", data=form)
    assert retried.status_code == 302 and retried.location == "/me"
    assert "Alice" in client.get("/me").get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Player.id))).scalar() == 1
    # Another phone with the same name is still refused.
    other = Actions(app, app.test_client()).join("Alice", "Red")
    assert other.status_code == 400 and "already uses that name" in other.get_data(as_text=True)


def test_one_guesser_never_blocks_the_office(app, play):
    """31 throwaway players × 10 unknown codes from one address: real posters still open."""
    for n in range(31):
        guesser = joined(app, f"Throwaway {n}")
        for k in range(10):
            assert guesser.client.get(f"/i/zzzz{n:02d}{k:02d}").status_code == 404
        assert guesser.client.get("/i/zzzzlast").status_code == 429
    play.join("Colleague", "Blue")
    page = play.client.get(f"/i/{play.code('launch')}")
    assert page.status_code == 200 and "When did the store open?" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/join", "/lang", "/admin/login"])
@pytest.mark.parametrize("target", ["/me\r\nSet-Cookie: x=1", "/me\nX: y", "/%0d%0aX: y"])
def test_a_return_path_with_a_line_break_is_ignored(app, path, target):
    client = app.test_client()
    token = csrf_token(client, "/join" if path != "/admin/login" else "/admin/login")
    form = {
        "csrf_token": token,
        "next": target,
        "lang": "en",
        "name": "Alice",
        "team": "Red",
        "password": "wrong password!",
    }
    response = client.post(path, data=form)
    assert response.status_code in (302, 401), response.status_code
    location = response.headers.get("Location", "")
    assert "\r" not in location and "\n" not in location
    assert (
        response.headers.get("X") is None and response.headers.get("Set-Cookie", "").find("x=1") < 0
    )


def test_links_use_the_public_address_never_the_host_header(app, play):
    play.join()
    play.client.post("/me/resume", data={"csrf_token": csrf_token(play.client, "/me")})
    forged = app.test_client()  # the same phone, asking with a forged Host header
    forged.set_cookie("invider", play.client.get_cookie("invider").value, domain="evil.example")
    page = forged.get("/me", base_url="http://evil.example").get_data(as_text=True)
    assert "evil.example" not in page
    assert "http://192.168.1.20:8000/resume/" in page


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/nope.json", "/leaderboard.json", "/screen.json"])
def test_json_errors_are_whole_json_answers(client, method, path):
    response = getattr(client, method)(path)
    if response.status_code == 200:
        return  # a GET of a real JSON route
    assert response.mimetype == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [("https://hunt.example.org", True), ("http://192.168.1.20:8000", False)],
)
def test_an_https_public_address_makes_the_cookie_secure(tmp_path, public_url, secure):
    app = create_app(
        {"TESTING": True, "INSTANCE": str(tmp_path / "instance"), "PUBLIC_URL": public_url}
    )
    response = app.test_client().get("/join")  # the form's token goes into the session
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("invider=")
    assert ("Secure" in cookie) is secure
