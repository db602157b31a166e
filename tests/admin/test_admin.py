"""The organisers' control room, action by action, through a logged-in test client."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from conftest import ADMIN_PASSWORD, SMALL_DECK, Actions, csrf_token

from invider.admin.report import poster_health
from invider.store.models import AdminSession, Answer, AuditEntry, Hunt, Invider, Player, db, utcnow


def rows(app, model):
    with app.app_context():
        return db.session.execute(db.select(model)).scalars().all()


def post(client, path: str, data: dict | None = None, page: str = "/admin/", **kwargs):
    """POST an organiser form with the CSRF token of ``page``."""
    return client.post(
        path, data={"csrf_token": csrf_token(client, page), **(data or {})}, **kwargs
    )


def add_players(app, specs):
    """Insert players directly: (name, team, score, found, correct, hidden)."""
    with app.app_context():
        for name, team, score, found, correct, hidden in specs:
            db.session.add(
                Player(
                    name=name,
                    name_key=name.casefold(),
                    team=team,
                    score=score,
                    found=found,
                    correct=correct,
                    hidden=hidden,
                )
            )
        db.session.commit()


# --- Access -----------------------------------------------------------------------------


def admin_urls(app):
    """Every organiser route but the login, as (method, url)."""
    values = {"player_id": 1, "key": "launch", "name": "posters.pdf", "message_id": 1, "number": 0}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/admin") or rule.endpoint == "admin.login":
                continue
            url = rule.build({a: values[a] for a in rule.arguments})[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


def test_there_are_many_organiser_routes_to_check(app):
    urls = list(admin_urls(app))
    assert len(urls) >= 20
    assert ("POST", "/admin/reset") in urls and ("GET", "/admin/results/players.csv") in urls


@pytest.mark.parametrize("who", ["anonymous", "player"])
def test_every_organiser_route_refuses_anonymous_visitors_and_players(app, client, who):
    if who == "player":
        Actions(app, client).join("Mallory", "Red")
    app.config["WTF_CSRF_ENABLED"] = False  # a missing token must not be why POSTs fail
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, url
            assert response.location.startswith("/admin/login"), url
        else:
            assert response.status_code == 403, (method, url)
    assert rows(app, AuditEntry) == []
    with app.app_context():
        assert db.session.get(Hunt, 1).status_override is None


def test_login_with_a_wrong_password_is_refused(app, client):
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    token = csrf_token(client, "/admin/login")
    response = client.post("/admin/login", data={"password": "nope", "csrf_token": token})
    assert response.status_code == 401 and "Wrong password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_is_limited_to_ten_tries_a_minute(app, client):
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    token = csrf_token(client, "/admin/login")
    codes = [
        client.post("/admin/login", data={"password": "x", "csrf_token": token}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    response = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def test_login_returns_to_the_page_asked_for(app, client):
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    assert client.get("/admin/players").location == "/admin/login?next=/admin/players"
    token = csrf_token(client, "/admin/login?next=/admin/players")
    response = client.post(
        "/admin/login",
        data={"password": ADMIN_PASSWORD, "csrf_token": token, "next": "/admin/players"},
    )
    assert response.location == "/admin/players"


def test_logout_ends_the_session_and_a_replayed_cookie_is_refused(app, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    old_cookie = admin_client.get_cookie("invider").value
    response = post(admin_client, "/admin/logout")
    assert response.status_code == 302
    assert rows(app, AdminSession) == []
    assert admin_client.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("invider", old_cookie)
    response = thief.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/admin/login")


def test_organiser_posts_without_a_csrf_token_are_refused(app, admin_client):
    response = admin_client.post("/admin/status", data={"action": "close"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Hunt, 1).status_override is None


def test_serve_refuses_a_short_admin_password(app, runner, monkeypatch):
    app.config["ADMIN_PASSWORD"] = "short"
    result = runner.invoke(args=["serve"])
    assert result.exit_code == 2
    assert "INVIDER_ADMIN_PASSWORD must be at least 12 characters long" in result.output


# --- The day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, status", [("open", "open"), ("freeze", "frozen"), ("close", "closed")]
)
def test_status_buttons_set_the_hunt_status(app, admin_client, client, action, status):
    response = post(admin_client, "/admin/status", {"action": action})
    assert response.status_code == 302
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert f"status-{status}" in page and "Hunt status updated." in page
    assert client.get("/leaderboard.json").get_json()["hunt"]["status"] == status
    (entry,) = rows(app, AuditEntry)
    assert entry.action == "hunt.status" and entry.detail.endswith(status)


def test_freeze_now_stops_the_public_standings(app, admin_client, client, play):
    play.join("Alice", "Red")
    post(admin_client, "/admin/status", {"action": "freeze"})
    play.answer("launch", choice="July 2015")
    (alice,) = client.get("/leaderboard.json").get_json()["players"]
    assert alice["score"] == 0
    post(admin_client, "/admin/status", {"action": "schedule"})
    with app.app_context():
        hunt = db.session.get(Hunt, 1)
        assert hunt.status_override is None and hunt.freeze_at is not None


def test_reopen_follows_the_schedule_again(app, admin_client):
    post(admin_client, "/admin/status", {"action": "close"})
    post(admin_client, "/admin/status", {"action": "schedule"})
    with app.app_context():
        assert db.session.get(Hunt, 1).status() == "open"
    assert "following the schedule" in admin_client.get("/admin/").get_data(as_text=True)


def test_schedule_times_are_edited_in_the_office_time_zone(app, admin_client):
    response = post(
        admin_client,
        "/admin/schedule",
        {
            "opens_at": "2030-03-14T09:00",
            "freeze_at": "2030-03-14T17:30",
            "closes_at": "2030-03-14T18:00",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        hunt = db.session.get(Hunt, 1)
        assert hunt.opens_at.isoformat() == "2030-03-14T08:00:00+00:00"  # Paris is UTC+1
        assert hunt.status() == "scheduled"
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert 'value="2030-03-14T09:00"' in page


@pytest.mark.parametrize(
    "times",
    [
        {"opens_at": "2030-03-14T18:00", "closes_at": "2030-03-14T09:00"},
        {"opens_at": "tomorrow"},
    ],
)
def test_bad_schedule_times_get_a_message(app, admin_client, times):
    post(admin_client, "/admin/schedule", times)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "in this order: opening, freeze, closing" in page
    with app.app_context():
        assert db.session.get(Hunt, 1).opens_at is None


def test_generated_names_mode_gives_players_invader_names(app, admin_client, client, play):
    post(admin_client, "/admin/names", {"mode": "generated"})
    with app.app_context():
        assert db.session.get(Hunt, 1).name_mode == "generated"
    play.join("Rude Name", "Red")
    (player,) = rows(app, Player)
    assert player.name != "Rude Name" and re.search(r"\d+$", player.name)


def test_join_refuses_a_name_from_the_word_list(app, play):
    response = play.join("Sh1t Happens", "Red")
    assert response.status_code == 400
    assert "That name is not allowed" in response.get_data(as_text=True)
    assert rows(app, Player) == []


def test_organisers_extend_the_word_list_in_the_instance_folder(app, play):
    (
        app.instance_path and __import__("pathlib").Path(app.instance_path) / "banned-names.txt"
    ).write_text("# ours\nbrocoli\n", encoding="utf-8")
    assert play.join("Brocoli Fan", "Red").status_code == 400
    assert play.join("Carrot Fan", "Red").status_code == 302


def test_dashboard_lists_posters_with_scans_share_and_last_scan(app, admin_client, play):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "launch" in page and "Hall" in page and "100 %" in page
    assert "1 player joined." in page


def test_a_poster_without_scans_goes_silent_while_others_are_scanned(app):
    now = utcnow()
    with app.app_context():
        hunt = db.session.get(Hunt, 1)
        hunt.loaded_at = now - timedelta(hours=3)
        p = Player(name="A", name_key="a")
        db.session.add(p)
        db.session.flush()
        ids = {i.key: i.id for i in db.session.execute(db.select(Invider)).scalars()}
        db.session.add_all(
            [
                Answer(
                    player_id=p.id,
                    invider_id=ids["launch"],
                    given="x",
                    correct=False,
                    points=0,
                    created_at=now - timedelta(minutes=5),
                ),
                Answer(
                    player_id=p.id,
                    invider_id=ids["services"],
                    given="x",
                    correct=False,
                    points=0,
                    created_at=now - timedelta(minutes=90),
                ),
            ]
        )
        db.session.commit()
        silent = {r.key: r.silent for r in poster_health(hunt, now, 60)}
        assert silent == {"launch": False, "services": True, "partners": True}
        # Nobody scanning anything: no alarm (lunch break, not vandalism).
        later = {r.key: r.silent for r in poster_health(hunt, now + timedelta(hours=2), 60)}
        assert not any(later.values())
        hunt.status_override = "closed"
        assert not any(r.silent for r in poster_health(hunt, now, 60))


def test_dashboard_warns_about_silent_posters(app, admin_client, play):
    # One poster scanned just now, the others not since the deck was loaded two hours ago:
    # with a 30-minute window they are silent, however long the test itself takes.
    app.config["SILENT_MINUTES"] = 30
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    with app.app_context():
        db.session.get(Hunt, 1).loaded_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "silent poster" in page and "may have been torn down or hidden" in page


# --- Deck -------------------------------------------------------------------------------


def upload(client, text: str, name: str = "new.toml"):
    return post(
        client,
        "/admin/deck/upload",
        {"deck": (io.BytesIO(text.encode()), name)},
        page="/admin/deck",
        content_type="multipart/form-data",
    )


def test_deck_upload_previews_then_applies_keeping_codes(app, admin_client):
    with app.app_context():
        before = {i.key: i.code for i in db.session.execute(db.select(Invider)).scalars()}
    edited = SMALL_DECK.replace("72 partners already joined.", "80 partners joined.")
    edited = edited.replace('key = "services"', 'key = "services-v2"')
    page = upload(admin_client, edited).get_data(as_text=True)
    assert "Added (1)" in page and "services-v2" in page
    assert "Changed (1)" in page and "Removed (1)" in page
    with app.app_context():  # nothing loaded yet
        assert (
            db.session.execute(db.select(Invider.key).where(Invider.key == "services-v2")).first()
            is None
        )
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = post(admin_client, "/admin/deck/apply", {"token": token}, page="/admin/deck")
    assert response.status_code == 302
    assert "1 added, 1 changed, 1 removed" in admin_client.get("/admin/deck").get_data(as_text=True)
    with app.app_context():
        after = {i.key: i.code for i in db.session.execute(db.select(Invider)).scalars()}
        assert after["launch"] == before["launch"] and after["partners"] == before["partners"]
        assert db.session.execute(db.select(AuditEntry.action)).scalars().all() == ["deck.load"]
    # The token is spent: applying twice does nothing.
    post(admin_client, "/admin/deck/apply", {"token": token}, page="/admin/deck")
    assert "That preview has expired" in admin_client.get("/admin/deck").get_data(as_text=True)


def test_deck_upload_shows_errors_with_line_numbers_and_changes_nothing(app, admin_client):
    broken = SMALL_DECK.replace('answer = "72"', 'answer = "73"').replace(
        'topic = "Store"\nlocation', 'topik = "Store"\nlocation'
    )
    response = upload(admin_client, broken, "mine.toml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "mine.toml:13: unknown key &#39;topik&#39; in [[invider]]" in page
    assert "mine.toml:29: answer &#39;73&#39; is not one of the choices" in page
    assert "instance" not in page.split("mine.toml")[0][-200:]  # no server path leaks
    assert 'name="token"' not in page


def test_deck_removal_of_an_answered_invider_is_refused_at_apply(app, admin_client, play):
    play.join("Alice", "Red")
    play.answer("partners", choice="72")
    trimmed = SMALL_DECK[: SMALL_DECK.index('[[invider]]\nkey = "partners"')]
    page = upload(admin_client, trimmed).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = post(admin_client, "/admin/deck/apply", {"token": token}, page="/admin/deck")
    assert response.status_code == 400
    assert "cannot remove invider &#39;partners&#39;" in response.get_data(as_text=True)
    assert len(rows(app, Invider)) == 3


def test_deck_reload_from_the_deck_folder(app, admin_client, deck_file):
    app.config["DECK_DIR"] = str(deck_file.parent)
    page = post(
        admin_client, "/admin/deck/reload", {"file": "deck.toml"}, page="/admin/deck"
    ).get_data(as_text=True)
    assert "Unchanged" in page and 'name="token"' in page
    response = post(
        admin_client, "/admin/deck/reload", {"file": "../etc/passwd"}, page="/admin/deck"
    )
    assert response.status_code == 302


# --- Posters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, start",
    [
        ("posters.pdf", b"%PDF"),
        ("stickers.pdf", b"%PDF"),
        ("placement.pdf", b"%PDF"),
        ("placement.csv", "\ufeffnumber".encode()),
    ],
)
def test_printables_download(admin_client, name, start):
    with admin_client.get(f"/admin/posters/{name}") as response:
        assert response.status_code == 200
        assert response.data.startswith(start)
        assert name in response.headers["Content-Disposition"]


def test_one_poster_downloads_as_png_and_unknown_names_404(admin_client):
    response = admin_client.get("/admin/posters/poster/launch.png")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert admin_client.get("/admin/posters/poster/nope.png").status_code == 404
    assert admin_client.get("/admin/posters/secret_key").status_code == 404


# --- Players ----------------------------------------------------------------------------


def test_players_search_by_name_or_team(app, admin_client):
    add_players(
        app,
        [
            ("Alice", "Red", 10, 1, 1, False),
            ("Bob", "Blue", 0, 0, 0, False),
            ("100%_sure", "Blue", 0, 0, 0, False),
        ],
    )
    page = admin_client.get("/admin/players?q=ali").get_data(as_text=True)
    assert "Alice" in page and "Bob" not in page
    page = admin_client.get("/admin/players?q=blue").get_data(as_text=True)
    assert "Bob" in page and "Alice" not in page
    page = admin_client.get("/admin/players?q=%25").get_data(as_text=True)
    assert "100%_sure" in page and "Alice" not in page


def test_display_names_are_rendered_as_text(app, admin_client):
    add_players(app, [("<b>bold</b>", "Red", 0, 0, 0, False)])
    page = admin_client.get("/admin/players").get_data(as_text=True)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_rename_a_player_is_audited_and_shown(app, admin_client, client, play):
    play.join("Rude", "Red")
    (player,) = rows(app, Player)
    post(
        admin_client, f"/admin/players/{player.id}/rename", {"name": "Nice"}, page="/admin/players"
    )
    assert client.get("/leaderboard.json").get_json()["players"][0]["name"] == "Nice"
    page = admin_client.get("/admin/players").get_data(as_text=True)
    assert "Renamed to Nice." in page and "<td>Player renamed</td>" in page
    assert "&#39;Rude&#39; → &#39;Nice&#39;" in page


def test_rename_to_a_taken_name_is_refused(app, admin_client):
    add_players(app, [("Alice", "Red", 0, 0, 0, False), ("Bob", "Red", 0, 0, 0, False)])
    bob = [p for p in rows(app, Player) if p.name == "Bob"][0]
    post(admin_client, f"/admin/players/{bob.id}/rename", {"name": "ALICE"}, page="/admin/players")
    assert "Someone already uses that name" in admin_client.get("/admin/players").get_data(
        as_text=True
    )
    assert sorted(p.name for p in rows(app, Player)) == ["Alice", "Bob"]


def test_hide_removes_a_player_from_public_standings_and_show_brings_back(
    app, admin_client, client, play
):
    play.join("Cheater", "Red")
    (player,) = rows(app, Player)
    post(admin_client, f"/admin/players/{player.id}/hide", {"hidden": "1"}, page="/admin/players")
    assert client.get("/leaderboard.json").get_json()["players"] == []
    assert rows(app, Player)[0].hidden
    post(admin_client, f"/admin/players/{player.id}/hide", {"hidden": "0"}, page="/admin/players")
    assert len(client.get("/leaderboard.json").get_json()["players"]) == 1
    actions = [e.action for e in rows(app, AuditEntry)]
    assert actions == ["player.hide", "player.show"]


def test_remove_asks_for_confirmation_then_deletes_answers(app, admin_client, client, play):
    play.join("Spammer", "Red")
    play.answer("launch", choice="July 2015")
    (player,) = rows(app, Player)
    page = admin_client.get(f"/admin/players/{player.id}/remove").get_data(as_text=True)
    assert "Remove Spammer?" in page and "This cannot be undone." in page
    post(admin_client, f"/admin/players/{player.id}/remove", page="/admin/players")
    assert len(rows(app, Player)) == 1  # no confirmation field: nothing happens
    post(
        admin_client,
        f"/admin/players/{player.id}/remove",
        {"confirm": "yes"},
        page="/admin/players",
    )
    assert rows(app, Player) == [] and rows(app, Answer) == []
    assert client.get("/leaderboard.json").get_json()["players"] == []
    page = admin_client.get("/admin/players").get_data(as_text=True)
    assert "Spammer was removed with 1 answer(s)." in page and "Player removed" in page
    # The removed phone starts over.
    assert client.get("/me").status_code == 302


# --- Results ----------------------------------------------------------------------------


def read_csv(response):
    assert response.headers["Content-Type"].startswith("text/csv")
    data = response.data
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_players_csv_holds_results_and_neutralises_formulas(app, admin_client):
    add_players(
        app,
        [
            ('=HYPERLINK("x")', "Red", 30, 2, 2, False),
            ("+33 Zoé", "Blue", 20, 2, 1, False),
            ("-1", None, 10, 1, 1, True),
            ("@SUM(A1)", "Red", 0, 0, 0, False),
        ],
    )
    table = read_csv(admin_client.get("/admin/results/players.csv"))
    assert table[0][:6] == ["rank", "name", "team", "score", "found", "correct"]
    assert [r[1] for r in table[1:]] == ['\'=HYPERLINK("x")', "'+33 Zoé", "'-1", "'@SUM(A1)"]
    assert table[1][3] == "30" and table[2][2] == "Blue"


def test_inviders_csv_counts_answers_per_poster(app, admin_client, play):
    with app.app_context():
        db.session.execute(
            db.update(Invider).where(Invider.key == "launch").values(topic="=cmd|' /C calc'!A0")
        )
        db.session.commit()
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    play.answer("partners", choice="12")
    table = read_csv(admin_client.get("/admin/results/inviders.csv"))
    assert table[0] == [
        "number",
        "key",
        "question",
        "topic",
        "location",
        "points",
        "answers",
        "correct",
        "share_correct",
        "last_answer",
    ]
    launch, services, partners = table[1:]
    assert launch[3] == "'=cmd|' /C calc'!A0"
    assert launch[6:9] == ["1", "1", "1.00"] and partners[6:9] == ["1", "0", "0.00"]
    assert services[6:9] == ["0", "0", ""]


def test_report_shows_podium_participation_and_respects_the_privacy_floor(app, admin_client):
    reds = [(f"Red {i}", "Red", 10 * i, 1, 1, False) for i in range(1, 6)]
    blues = [(f"Blue {i}", "Blue", 100, 1, 1, False) for i in range(1, 5)]
    add_players(app, reds + blues + [("Hidden", "Blue", 999, 1, 1, True)])
    page = admin_client.get("/admin/results/report").get_data(as_text=True)
    podium = page[page.index('class="podium"') : page.index("Participation")]
    assert podium.index("Blue 1") < podium.index("Blue 2") < podium.index("Blue 3")
    assert "Hidden" not in page
    teams = page[page.index("Team standings") :]
    # The team ranking is the game's public one, as on the big screen: every team shows,
    # even Blue with 4 visible players, below the floor of 5.
    assert "<td>1</td><td>Blue</td>" in teams and "<td>2</td><td>Red</td>" in teams
    assert "30.0" in teams and "Not shown" not in teams
    assert "<strong>9</strong> players joined" in page


def test_report_topic_figures_need_enough_players(app, admin_client):
    with app.app_context():
        ids = {i.key: i.id for i in db.session.execute(db.select(Invider)).scalars()}
        for n in range(5):
            p = Player(name=f"P{n}", name_key=f"p{n}", found=1)
            db.session.add(p)
            db.session.flush()
            db.session.add(
                Answer(
                    player_id=p.id,
                    invider_id=ids["launch"],
                    given="x",
                    correct=n < 4,
                    points=10 if n < 4 else 0,
                )
            )
            if n < 2:
                db.session.add(
                    Answer(
                        player_id=p.id,
                        invider_id=ids["partners"],
                        given="x",
                        correct=True,
                        points=10,
                    )
                )
        db.session.commit()
    page = admin_client.get("/admin/results/report").get_data(as_text=True)
    landed = page[page.index("Messages that landed") : page.index("Team standings")]
    assert "<td>Store</td>" in landed and "80%" in landed
    assert "<td>Partners</td>" not in landed and "fewer than 5 players: Partners" in landed
    with admin_client.get("/static/css/admin.css") as css:
        assert "@media print" in css.get_data(as_text=True)


def test_anonymise_replaces_names_and_keeps_figures(app, admin_client, client, play):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    (alice,) = rows(app, Player)
    post(
        admin_client, f"/admin/players/{alice.id}/rename", {"name": "Alicia"}, page="/admin/players"
    )
    before = client.get("/leaderboard.json").get_json()
    post(admin_client, "/admin/anonymise", {"confirm": "nope"}, page="/admin/results")
    assert rows(app, Player)[0].name == "Alicia"
    post(admin_client, "/admin/anonymise", {"confirm": "ANONYMISE"}, page="/admin/results")
    (player,) = rows(app, Player)
    assert player.name == f"Player {player.id}"
    assert (player.score, player.found, player.team) == (10, 1, "Red")
    after = client.get("/leaderboard.json").get_json()
    assert after["teams"] == before["teams"]
    assert after["players"][0]["score"] == before["players"][0]["score"]
    page = admin_client.get("/admin/players").get_data(as_text=True)
    assert "Alice" not in page and "Alicia" not in page and "Players anonymised" in page


def test_anonymise_command(app, runner):
    add_players(app, [("Player 2", "Red", 5, 1, 1, False), ("Bob", "Red", 0, 0, 0, False)])
    result = runner.invoke(args=["anonymise"])
    assert result.exit_code == 0, result.output
    assert "2 players anonymised" in result.output
    assert sorted(p.name for p in rows(app, Player)) == ["Player 1", "Player 2"]
    assert sorted(p.score for p in rows(app, Player)) == [0, 5]


def test_backup_download_is_a_sqlite_database(app, admin_client, tmp_path, play):
    play.join("Alice", "Red")
    response = post(admin_client, "/admin/backup", page="/admin/results")
    assert response.status_code == 200
    assert response.data.startswith(b"SQLite format 3\x00")
    copy = tmp_path / "download.db"
    copy.write_bytes(response.data)
    import sqlite3

    with sqlite3.connect(copy) as conn:
        assert conn.execute("select name from player").fetchall() == [("Alice",)]


def test_reset_needs_the_title_and_takes_a_backup_first(app, admin_client, play):
    from pathlib import Path

    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    post(admin_client, "/admin/reset", {"title": "Test"}, page="/admin/results")
    assert len(rows(app, Player)) == 1
    assert "Type the hunt title exactly" in admin_client.get("/admin/results").get_data(
        as_text=True
    )
    post(admin_client, "/admin/reset", {"title": " Test  hunt "}, page="/admin/results")
    assert rows(app, Player) == [] and rows(app, Answer) == [] and len(rows(app, Invider)) == 3
    (backup,) = (Path(app.instance_path) / "backups").glob("before-reset-*.db")
    import sqlite3

    with sqlite3.connect(backup) as conn:
        assert conn.execute("select count(*) from answer").fetchone() == (1,)
    page = admin_client.get("/admin/results").get_data(as_text=True)
    assert "The hunt was reset: 1 players removed." in page
    assert admin_client.get("/admin/").status_code == 200  # the organiser stays logged in
