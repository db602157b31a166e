"""The game loop: a find is celebrated, a returning player sees their progress, the end a recap."""

from __future__ import annotations

import re

from invider.store.models import Hunt, db


def text(response) -> str:
    """The page's text as a person reads it."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def close_hunt(app) -> None:
    with app.app_context():
        Hunt.current().status_override = "closed"
        db.session.commit()


def test_the_first_scan_of_a_poster_celebrates_the_find(play):
    play.join()
    page = text(play.client.get(f"/i/{play.code('services')}"))
    assert "Invider no. 2 found!" in page
    assert page.index("Invider no. 2 found!") < page.index("How many services?")
    play.answer("services", answer="133")
    again = text(play.client.get(f"/i/{play.code('services')}"))
    assert "found!" not in again and "Right answer!" in again


def test_a_returning_player_sees_their_progress_at_home(play, client):
    rules = "Find the invader posters on the walls"
    assert rules in text(client.get("/"))  # a new phone: the rules
    play.join()
    play.answer("services", answer="133")
    home = text(play.client.get("/"))
    assert "Your hunt so far, Alice" in home and rules not in home
    assert "Found 1 / 3" in home and "Score 20" in home and "Rank 1" in home
    assert "133 services in four interest centres." in home  # the latest fact
    assert "2 inviders left to find." in home


def test_after_the_close_home_and_me_give_a_recap(app, play):
    play.join()
    play.answer("launch", choice="July 2015")
    play.answer("partners", choice="12")
    close_hunt(app)
    home = text(play.client.get("/"))
    assert "inviders to find" not in home and "left to find" not in home
    assert "Your hunt is over, Alice: well played!" in home and "See my recap" in home
    recap = text(play.client.get("/me"))
    assert "The hunt is over: here is your recap." in recap
    assert "Score 10" in recap and "Found 2 / 3" in recap and "Right first time 1" in recap
    assert "online since July 2015" in recap and "72 partners already joined." in recap


def test_the_recap_is_in_french_for_a_french_phone(app, play):
    play.join()
    play.client.post("/lang", data={"lang": "fr", "next": "/", "csrf_token": _token(play)})
    assert "Invider n°1 trouvé !" in text(play.client.get(f"/i/{play.code('launch')}"))
    play.answer("launch", choice="July 2015")
    close_hunt(app)
    assert "La chasse est terminée : voici votre bilan." in text(play.client.get("/me"))


def _token(play) -> str:
    from conftest import csrf_token

    return csrf_token(play.client, "/")
