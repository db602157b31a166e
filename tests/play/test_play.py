"""The whole flow of a phone: join, scan, answer once, read the fact, see progress."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Actions

from invider.store.models import Answer, Hunt, Player, db


def visible_text(html: str) -> str:
    """Return the text of a page without tags, spaces collapsed, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rows(app, model):
    with app.app_context():
        return db.session.execute(db.select(model)).scalars().all()


def test_new_phone_is_sent_to_join_then_back_to_the_poster(play, client):
    code = play.code("launch")
    response = client.get(f"/i/{code}")
    assert response.status_code == 302
    assert response.location == f"/join?next=/i/{code}"
    join_page = client.get(response.location).get_data(as_text=True)
    assert 'name="name"' in join_page and 'name="team"' in join_page
    response = play.join("Alice", "Red", next=f"/i/{code}")
    assert response.location == f"/i/{code}"
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert "When did the store open?" in page
    for choice in ("July 2015", "February 2014", "March 2016"):
        assert f'value="{choice}"' in page


def test_right_answer_shows_fact_points_progress_and_links(play, app):
    play.join("Alice", "Red")
    page = play.answer("launch", choice="July 2015").get_data(as_text=True)
    assert "Right answer!" in page
    assert "+10 points" in page
    assert "The store has been online since July 2015." in page
    assert "Found 1 / 3" in visible_text(page)
    assert 'href="/me"' in page and 'href="/leaderboard"' in page
    (player,) = rows(app, Player)
    assert (player.score, player.found, player.correct) == (10, 1, 1)


def test_wrong_answer_still_shows_the_fact_and_the_right_answer(play, app):
    play.join("Bob", "Blue")
    page = play.answer("partners", choice="300").get_data(as_text=True)
    assert "Not quite." in page
    assert "The answer: 72" in page
    assert "72 partners already joined." in page
    assert "0 points this time" in page
    (player,) = rows(app, Player)
    assert (player.score, player.found, player.correct) == (0, 1, 0)


@pytest.mark.parametrize(
    "typed", ["133", "  Cent   TRENTE-trois ", "cent trente-trôis", "CENT TRENTE-TROIS"]
)
def test_typed_answer_ignores_case_accents_and_spaces(play, typed):
    play.join()
    page = play.answer("services", answer=typed).get_data(as_text=True)
    assert "Right answer!" in page and "+20 points" in page


def test_typed_wrong_answer_is_wrong(play):
    play.join()
    assert "Not quite." in play.answer("services", answer="134").get_data(as_text=True)


def test_rescan_shows_the_stored_result(play, client):
    play.join()
    play.answer("partners", choice="12")
    page = client.get(f"/i/{play.code('partners')}").get_data(as_text=True)
    assert "Not quite." in page and "You answered: 12" in page
    assert 'name="choice"' not in page


def test_second_post_gives_one_row_and_the_stored_result(play, app):
    play.join()
    play.answer("launch", choice="February 2014")
    page = play.answer("launch", choice="July 2015").get_data(as_text=True)
    assert "Not quite." in page and "You answered: February 2014" in page
    assert len(rows(app, Answer)) == 1
    assert rows(app, Player)[0].score == 0


def test_one_attempt_is_a_database_constraint(app, play):
    play.join()
    play.answer("launch", choice="July 2015")
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        first = db.session.execute(db.select(Answer)).scalar_one()
        db.session.add(
            Answer(
                player_id=first.player_id,
                invider_id=first.invider_id,
                given="x",
                correct=False,
                points=0,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_choice_not_in_the_list_is_refused(play, app):
    play.join()
    response = play.answer("launch", choice="1999")
    assert response.status_code == 400
    assert "Please pick one of the answers shown." in response.get_data(as_text=True)
    assert rows(app, Answer) == []


def test_unknown_code_gets_the_friendly_404(play, client):
    play.join()
    response = client.get("/i/notarealcode")
    assert response.status_code == 404
    assert "This poster does not exist" in response.get_data(as_text=True)


def test_typed_code_on_the_home_page_opens_the_poster(play, client):
    play.join()
    code = play.code("launch")
    spaced = f"{code[:4].upper()}-{code[4:8]} {code[8:]}"
    response = client.get("/code", query_string={"code": spaced})
    assert response.location == f"/i/{code}"


def set_times(app, **times):
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        for name, value in times.items():
            setattr(hunt, name, value)
        db.session.commit()


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ({"opens_at": datetime.now(UTC) + timedelta(hours=1)}, "The hunt opens on"),
        (
            {
                "opens_at": datetime.now(UTC) - timedelta(hours=2),
                "closes_at": datetime.now(UTC) - timedelta(hours=1),
            },
            "The hunt is over.",
        ),
    ],
)
def test_scan_outside_the_hunt_records_nothing(play, app, times, message):
    play.join()
    code = play.code("launch")
    set_times(app, **times)
    page = play.client.get(f"/i/{code}").get_data(as_text=True)
    assert message in page and "Nothing was recorded" in page
    response = play.client.post(
        f"/i/{code}", data={"choice": "July 2015", "csrf_token": csrf(play, "/")}
    )
    assert response.status_code == 409
    assert rows(app, Answer) == []


def test_answers_still_count_while_frozen(play, app):
    play.join()
    set_times(app, freeze_at=datetime.now(UTC) - timedelta(minutes=1))
    assert "Right answer!" in play.answer("launch", choice="July 2015").get_data(as_text=True)


def csrf(play, path):
    from conftest import csrf_token

    return csrf_token(play.client, path)


def test_me_lists_found_inviders_facts_and_score(play, client):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    page = client.get("/me").get_data(as_text=True)
    assert "Alice" in page and "Red" in page
    assert "Score 10" in visible_text(page) and "Found 1 / 3" in visible_text(page)
    assert "The store has been online since July 2015." in page
    assert "72 partners" not in page


def test_join_refuses_a_name_taken_ignoring_case(app, play):
    play.join("Alice", "Red")
    other = app.test_client()
    from conftest import Actions

    response = Actions(app, other).join("ALICE", "Blue")
    assert response.status_code == 400
    assert "Someone already uses that name" in response.get_data(as_text=True)
    assert len(rows(app, Player)) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Please choose a display name."),
        ("   ", "Please choose a display name."),
        ("x" * 41, "too long"),
        ("Eve\u202egnp.exe", "invisible or control characters"),
        ("Zero\u200bWidth", "invisible or control characters"),
        ("Nul\x00", "invisible or control characters"),
        ("Line\r\nBreak", "invisible or control characters"),
        ("ＡＤＭＩＮ", "reserved"),
    ],
)
def test_join_rejects_bad_names_with_a_clear_message(play, app, name, message):
    response = play.join(name, "Red")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(app, Player) == []


def test_join_normalises_the_name(play, app):
    play.join("  Ｃａｍｉｌｌｅ   Dupont ", "Red")
    assert rows(app, Player)[0].name == "Camille Dupont"


def test_join_requires_a_team_of_the_deck(play, app):
    response = play.join("Alice", "Purple")
    assert response.status_code == 400
    assert "Please choose your team." in response.get_data(as_text=True)


def test_html_name_is_shown_as_text(play, client):
    play.join("<script>alert(1)</script>", "Red")
    for path in ("/me", "/leaderboard", "/screen"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = client.get("/leaderboard.json").get_json()
    assert data["players"][0]["name"] == "<script>alert(1)</script>"


def test_post_without_csrf_token_gets_a_friendly_400(play, app):
    play.join()
    code = play.code("launch")
    response = play.client.post(f"/i/{code}", data={"choice": "July 2015"})
    assert response.status_code == 400
    assert "This page expired" in response.get_data(as_text=True)
    assert rows(app, Answer) == []


def test_session_cookie_holds_only_the_player_id(app, play, client):
    play.join()
    cookie = client.get_cookie("invider")
    # Read as Flask reads it (the payload is zlib-compressed whenever that is shorter).
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    # The player's id and the secret the server checks it against; nothing else of theirs.
    assert set(data) <= {"player_id", "player_secret", "csrf_token", "_permanent"}
    assert cookie.http_only and cookie.same_site == "Lax"


def test_forged_cookie_starts_a_new_anonymous_session(app, play):
    play.join()
    forged = app.test_client()
    forged.set_cookie("invider", "eyJwbGF5ZXJfaWQiOjF9.forged.signature")
    response = forged.get("/me")
    assert response.status_code == 302 and response.location.startswith("/join")


def test_an_expired_cookie_and_a_changed_one_are_refused(app, play):
    """A cookie's signature and age are checked on every request."""
    play.join()
    cookie = play.client.get_cookie("invider").value
    assert play.client.get("/me").status_code == 200  # verified and remembered
    payload, timestamp, signature = cookie.rsplit(".", 2)
    tampered = app.test_client()
    tampered.set_cookie("invider", f"{payload}.{timestamp}.{signature[:-2]}AA")
    assert tampered.get("/me").status_code == 302
    app.permanent_session_lifetime = timedelta(seconds=-1)
    expired = play.client.get("/me")
    assert expired.status_code == 302 and expired.location.startswith("/join")


def test_security_headers_on_every_response(client):
    for path in ("/", "/leaderboard", "/leaderboard.json", "/i/nope", "/join"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_joins_from_one_address_have_a_ceiling(app):
    from conftest import Actions

    app.config["JOIN_LIMIT_PER_IP"] = 3
    for n in range(3):
        assert Actions(app, app.test_client()).join(f"Colleague {n}", "Red").status_code == 302
    refused = Actions(app, app.test_client()).join("Bot 4", "Red")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many tries" in refused.get_data(as_text=True)
    assert [p.name for p in rows(app, Player)] == ["Colleague 0", "Colleague 1", "Colleague 2"]


def test_two_players_on_one_poster_each_see_only_their_own_page(app):
    """Interleaved on one poster, with the shipped caches, each player sees their own parts."""
    alice, bob = Actions(app, app.test_client()), Actions(app, app.test_client())
    alice.join('<i>Alice</i> & "co"', "Red")
    bob.join("Bob", "Blue")
    code = alice.code("services")
    questions = {
        name: who.client.get(f"/i/{code}").get_data(as_text=True)
        for name, who in (("alice", alice), ("bob", bob))
    }
    assert "</span>&lt;i&gt;Alice&lt;/i&gt; &amp; &#34;co&#34;</a>" in questions["alice"]
    assert "</span>Bob</a>" in questions["bob"] and "Alice" not in questions["bob"]
    tokens = {
        name: re.findall(r'name="csrf_token" value="([^"]+)"', page)
        for name, page in questions.items()
    }
    assert len(set(tokens["alice"])) == 1 and set(tokens["alice"]) != set(tokens["bob"])
    assert f'name="next" value="/i/{code}"' in questions["bob"]

    # Each token is the player's own: both answers count, each page shows its own figures.
    wrong = alice.client.post(
        f"/i/{code}", data={"csrf_token": tokens["alice"][0], "answer": "<b>12</b>"}
    )
    right = bob.client.post(f"/i/{code}", data={"csrf_token": tokens["bob"][0], "answer": "133"})
    wrong, right = wrong.get_data(as_text=True), right.get_data(as_text=True)
    assert "Not quite." in wrong and "You answered: &lt;b&gt;12&lt;/b&gt;" in wrong
    assert "Right answer!" in right and "You answered" not in right
    assert "Score 0" in visible_text(wrong) and "Score 20" in visible_text(right)
    assert "Rank " in visible_text(wrong) and "Rank " in visible_text(right)
    assert "Found 1 / 3" in visible_text(wrong) and "Found 1 / 3" in visible_text(right)

    # A player who switched language gets the page in theirs; the other keeps English.
    bob.client.post("/lang", data={"lang": "fr", "next": "/", "csrf_token": csrf(bob, "/")})
    french = bob.client.get(f"/i/{code}").get_data(as_text=True)
    english = alice.client.get(f"/i/{code}").get_data(as_text=True)
    assert "Affiche n°" in french and "Bob" in french
    assert "Poster 2 of 3" in english and "Not quite." in english
    for page in (*questions.values(), wrong, right, french, english):
        assert "\ue000" not in page and "\ue001" not in page


def test_a_removed_player_scanning_starts_over_as_a_new_phone(app, play):
    play.join("Alice", "Red")
    code = play.code("launch")
    token = csrf(play, f"/i/{code}")
    with app.app_context():
        db.session.execute(db.delete(Player))
        db.session.commit()
    for response in (
        play.client.post(f"/i/{code}", data={"csrf_token": token, "choice": "July 2015"}),
        play.client.get(f"/i/{code}"),
    ):
        assert response.status_code == 302
        assert response.location == f"/join?next=/i/{code}"
    assert rows(app, Answer) == []
