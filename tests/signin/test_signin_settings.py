"""Sign-in settings in the app itself: off by default, privacy pages, break-glass, retention."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PASSWORD, csrf_token

from invider import create_app
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.learning.retention import apply_retention
from invider.signin import settings
from invider.signin.accounts import player_for
from invider.store.models import Account, Hunt, Player, db
from invider.store.schema import create_schema

SIGN_IN = {
    "OIDC_ISSUER": "https://login.example.com/tenant",
    "OIDC_CLIENT_ID": "invider",
    "OIDC_CLIENT_SECRET": "a-client-secret",
    "OIDC_NAME": "Acme",
    "OIDC_TEAM_CLAIM": "department",
    "OIDC_ADMIN_GROUP": "invider-organisers",
}


@pytest.fixture
def signin_app(tmp_path, deck_file, monkeypatch):
    """Build the app with sign-in settings, as ``make(**more)``; the database is set up."""
    monkeypatch.chdir(tmp_path)
    made = []

    def make(**more):
        app = create_app({"PUBLIC_URL": "http://192.168.1.20:8000", **SIGN_IN, **more})
        with app.app_context():
            create_schema()
            load_deck(read_deck(deck_file))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_without_the_settings_everything_works_as_today(app, client):
    join = client.get("/join").get_data(as_text=True)
    assert 'name="name"' in join and "Sign in with" not in join
    assert client.get("/signin").status_code == 404
    assert client.get("/signin/callback?state=x&code=y").status_code == 404
    assert "keyed fingerprint" not in client.get("/privacy").get_data(as_text=True)
    assert 'name="password"' in client.get("/admin/login").get_data(as_text=True)
    assert app.config["OIDC_ENABLED"] is False


def test_with_the_settings_the_join_form_becomes_the_sign_in_button(signin_app):
    client = signin_app().test_client()
    page = client.get("/join?next=/i/abc").get_data(as_text=True)
    assert "Sign in with Acme" in page and 'name="name"' not in page
    assert "/signin?next=/i/abc" in page


def test_the_privacy_pages_say_what_is_stored_from_the_settings(signin_app):
    app = signin_app(ADMIN_PASSWORD=ADMIN_PASSWORD)
    client = app.test_client()
    page = client.get("/privacy").get_data(as_text=True)
    assert "keyed fingerprint of your account number" in page
    assert "never stored" in page and "No e-mail address is stored" in page
    assert "directory field “department”" in page
    assert "deletes the link between company accounts and players" in page
    token = csrf_token(client, "/admin/login")
    client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    notice = client.get("/admin/privacy/notice").get_data(as_text=True)
    assert "keyed fingerprint of your account number" in notice
    cse = client.get("/admin/privacy/cse").get_data(as_text=True)
    assert "With the Acme account" in cse and "Organisers are named in the audit log" in cse


def test_e_mail_organisers_are_said_to_be_stored_with_their_address(signin_app):
    app = signin_app(OIDC_ADMIN_EMAILS="boss@example.com, Other@Example.com")
    page = app.test_client().get("/privacy").get_data(as_text=True)
    assert "Organisers named by e-mail address" in page
    with app.app_context():
        assert settings.is_organiser({"sub": "1", "email": "other@example.com"})
        assert not settings.is_organiser({"sub": "1", "email": "x@example.com"})
        assert not settings.is_organiser(
            {"sub": "1", "email": "boss@example.com", "email_verified": False}
        )
        label = settings.organiser_label({"name": "Boss", "email": "boss@example.com"})
        assert label == "Boss <boss@example.com>"


def test_group_organisers_are_named_without_their_address(signin_app):
    app = signin_app()
    with app.app_context():
        claims = {"sub": "1", "name": "Alice", "email": "a@example.com", "groups": ["x"]}
        assert not settings.is_organiser(claims)
        assert settings.is_organiser({**claims, "groups": ["invider-organisers"]})
        assert settings.organiser_label(claims) == "Alice"


def test_the_break_glass_password_still_opens_the_control_room(signin_app):
    client = signin_app(ADMIN_PASSWORD=ADMIN_PASSWORD).test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    assert "Sign in with Acme" in page and 'name="password"' in page
    token = csrf_token(client, "/admin/login")
    done = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    assert done.status_code == 302 and client.get("/admin/").status_code == 200


def test_a_setting_turns_the_password_off_and_ends_password_logins(signin_app):
    app = signin_app(ADMIN_PASSWORD=ADMIN_PASSWORD)
    client = app.test_client()
    token = csrf_token(client, "/admin/login")
    client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    assert client.get("/admin/").status_code == 200
    app.config["OIDC_PASSWORD_LOGIN"] = "false"  # as INVIDER_OIDC_PASSWORD_LOGIN=false
    assert client.get("/admin/").status_code == 302
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with Acme" in page
    refused = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    assert refused.status_code == 403


def test_the_subject_is_stored_only_as_a_keyed_hash(signin_app):
    app = signin_app()
    with app.app_context():
        hunt = Hunt.current()
        player, new = player_for({"sub": "emp-4242", "name": "Marie Curie"}, hunt)
        again, second = player_for({"sub": "emp-4242", "name": "Marie Curie"}, hunt)
        assert new and not second and again.id == player.id
        [account] = db.session.execute(db.select(Account)).scalars().all()
        assert account.issuer == SIGN_IN["OIDC_ISSUER"]
        assert "emp-4242" not in account.subject_hash and len(account.subject_hash) == 64
        assert account.subject_hash == settings.subject_hash(account.issuer, "emp-4242")
    # The key is the instance's own: another instance cannot tell who the hash is.
    other = signin_app(INSTANCE=str(app.instance_path) + "-other")
    with other.app_context():
        assert settings.subject_hash(SIGN_IN["OIDC_ISSUER"], "emp-4242") != account.subject_hash


def test_a_homonym_gets_a_numbered_name_and_the_team_is_mapped(signin_app):
    app = signin_app(OIDC_TEAM_MAP={"Direction rouge": "Red"})
    with app.app_context():
        hunt = Hunt.current()
        first, _ = player_for({"sub": "1", "name": "Jean Dupont", "department": "blue"}, hunt)
        second, _ = player_for(
            {"sub": "2", "name": "Jean Dupont", "department": "Direction rouge"}, hunt
        )
        third, _ = player_for({"sub": "3", "name": "Jean Dupont", "department": "Paie"}, hunt)
        assert (first.name, first.team) == ("Jean Dupont", "Blue")
        assert (second.name, second.team) == ("Jean Dupont 2", "Red")
        assert (third.name, third.team) == ("Jean Dupont 3", None)


def test_given_name_and_initial_as_the_display_name(signin_app):
    app = signin_app(OIDC_NAME_CLAIM="given_name+initial")
    with app.app_context():
        claims = {"sub": "9", "given_name": "Marie", "family_name": "Durand", "name": "x"}
        player, _ = player_for(claims, Hunt.current())
        assert player.name == "Marie D."


def test_in_discreet_mode_the_directory_name_is_not_stored(signin_app):
    app = signin_app()
    with app.app_context():
        hunt = Hunt.current()
        hunt.standings = "discreet"
        db.session.commit()
        player, _ = player_for({"sub": "7", "name": "Paul Verlaine"}, Hunt.current())
        names = db.session.execute(db.select(Player.name)).scalars().all()
        assert "Paul Verlaine" not in names and player.name in names


def test_retention_deletes_the_link_between_accounts_and_players(signin_app):
    app = signin_app()
    with app.app_context():
        player_for({"sub": "1", "name": "Jean Dupont"}, Hunt.current())
        assert db.session.execute(db.select(Account)).scalars().all()
        assert apply_retention(floor=5, force=True)
        assert db.session.execute(db.select(Account)).scalars().all() == []


def test_removing_a_player_deletes_their_account_link(signin_app):
    app = signin_app()
    with app.app_context():
        player, _ = player_for({"sub": "1", "name": "Jean Dupont"}, Hunt.current())
        db.session.execute(db.delete(Player).where(Player.id == player.id))
        db.session.commit()
        assert db.session.execute(db.select(Account)).scalars().all() == []


def test_a_hunt_of_invader_names_keeps_them_with_sign_in(signin_app):
    app = signin_app()
    with app.app_context():
        hunt = Hunt.current()
        hunt.name_mode = "generated"
        db.session.commit()
        player, _ = player_for({"sub": "8", "name": "Victor Hugo"}, Hunt.current())
        assert player.name != "Victor Hugo" and player.name


def signed_in_client(app, claims: dict):
    """Sign ``claims`` in (their player made as a first sign-in does); return a client and id."""
    with app.app_context():
        player, _ = player_for(claims, Hunt.current())
        player_id, secret = player.id, player.session_secret
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(player_id=player_id, player_secret=secret, signed_in=True)
    return client, player_id


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x" * 41, "That name is too long"),
        ("Ev\u202eil", "invisible or control characters"),
        ("MARIE CURIE", "Someone already uses that name"),
    ],
)
def test_the_one_name_change_goes_through_the_join_forms_checks(signin_app, raw, message):
    app = signin_app()
    signed_in_client(app, {"sub": "4", "name": "Marie Curie", "department": "Red"})
    client, player_id = signed_in_client(app, {"sub": "5", "name": "Jean", "department": "Red"})
    token = csrf_token(client, "/signin/profile")
    refused = client.post("/signin/profile", data={"csrf_token": token, "name": raw})
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Player, player_id).name == "Jean"
        renamed = db.session.execute(db.select(Account.renamed).filter_by(player_id=player_id))
        assert renamed.scalar_one() is False


def test_in_discreet_mode_a_player_may_show_a_name_of_their_choice(signin_app):
    app = signin_app()
    with app.app_context():
        Hunt.current().standings = "discreet"
        db.session.commit()
    client, player_id = signed_in_client(app, {"sub": "6", "name": "Paul Verlaine"})
    token = csrf_token(client, "/signin/profile")
    data = {"csrf_token": token, "name": "Paul V.", "show_name": "1", "team": "Red"}
    assert client.post("/signin/profile", data=data).status_code == 302
    with app.app_context():
        stored = db.session.get(Player, player_id)
        assert (stored.name, stored.show_name, stored.team) == ("Paul V.", True, "Red")
