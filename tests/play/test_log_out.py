"""Forgetting the player on a phone keeps the phone's language and an organiser's login."""

from __future__ import annotations

from conftest import csrf_token
from flask import g, session

from invider.play.identity import log_out


def test_log_out_forgets_only_the_player(app):
    with app.test_request_context("/"):
        session.update(
            player_id=7, player_secret="s", lang="fr", admin="token", organiser_device="d"
        )
        g.player = object()
        log_out()
        assert dict(session) == {"lang": "fr", "admin": "token", "organiser_device": "d"}
        assert g.player is None


def test_a_stale_player_cookie_keeps_the_language(client, play):
    play.join("Alice")
    client.post("/lang", data={"lang": "fr", "csrf_token": csrf_token(client)})
    with client.session_transaction() as phone:
        phone["player_secret"] = "stale"
    page = client.get("/").get_data(as_text=True)
    assert 'lang="fr"' in page
    with client.session_transaction() as phone:
        assert "player_id" not in phone and phone.get("lang") == "fr"
