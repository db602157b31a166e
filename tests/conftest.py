"""Fixtures: an app on a real SQLite file in tmp_path, its clients, and play actions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from server import folder_with_deck

from invider import create_app
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.store.models import Invider, db
from invider.store.schema import create_schema

ROOT = Path(__file__).resolve().parent.parent
DEMO_DECK = ROOT / "questions" / "strategie-digitale.toml"

# The one small deck the tests play (three inviders, two teams); tests that need
# another deck say how it differs from this one (``SMALL_DECK.replace(...)``).
SMALL_DECK_FILE = ROOT / "tests" / "data" / "small-deck.toml"
SMALL_DECK = SMALL_DECK_FILE.read_text(encoding="utf-8")


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    """The small deck as a file of its own, ``tmp_path/deck.toml``."""
    path = tmp_path / "deck.toml"
    path.write_text(SMALL_DECK, encoding="utf-8")
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder holding only ``questions/deck.toml`` (the small deck), to serve from."""
    return folder_with_deck(tmp_path, SMALL_DECK)


@pytest.fixture
def db_url() -> str | None:
    """The database the app fixture uses: None for a SQLite file in tmp_path.

    A test module overrides it with ``any_db_url`` to run on PostgreSQL too.
    """
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request):
    """A SQLite file, then a fresh PostgreSQL schema dropped after the test."""
    if request.param == "sqlite":
        yield None
        return
    from databases import postgres_schema

    with postgres_schema() as url:
        yield url


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "cache_seconds(n): run the app with a cache period other than the shipped 1 s",
    )


@pytest.fixture
def app(request, tmp_path: Path, deck_file: Path, db_url: str | None, monkeypatch):
    """The app as ``invider serve`` builds it, started in an empty folder (``tmp_path``).

    Settings are the shipped ones: ``instance/``, ``questions/`` and ``printables/``
    are relative to the working folder, the secret key is generated into the instance
    folder and data is cached for the shipped period. A test that needs another cache
    period says so with ``@pytest.mark.cache_seconds(n)``.
    """
    monkeypatch.chdir(tmp_path)
    for name in ("INVIDER_INSTANCE", "INVIDER_STANDINGS_CACHE_SECONDS", "INVIDER_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = {"PUBLIC_URL": "http://192.168.1.20:8000"}
    if db_url:
        config["DATABASE_URL"] = db_url
    marker = request.node.get_closest_marker("cache_seconds")
    if marker:
        config["STANDINGS_CACHE_SECONDS"] = marker.args[0]
    app = create_app(config)
    with app.app_context():
        create_schema()
        load_deck(read_deck(deck_file))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/") -> str:
    """Fetch a page and return the CSRF token of its first form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Actions:
    """Play the hunt through a test client, the way a phone does."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def code(self, key: str) -> str:
        with self.app.app_context():
            return db.session.execute(
                db.select(Invider.code).where(Invider.key == key)
            ).scalar_one()

    def join(self, name: str = "Alice", team: str | None = "Red", next: str = "/me"):
        token = csrf_token(self.client, f"/join?next={next}")
        data = {"name": name, "csrf_token": token, "next": next}
        if team:
            data["team"] = team
        return self.client.post("/join", data=data)

    def answer(self, key: str, **fields):
        code = self.code(key)
        token = csrf_token(self.client, f"/i/{code}")
        return self.client.post(f"/i/{code}", data={"csrf_token": token, **fields})


@pytest.fixture
def play(app, client) -> Actions:
    return Actions(app, client)


ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture
def admin_client(app):
    """A test client logged in as an organiser (with the test admin password)."""
    app.config["ADMIN_PASSWORD"] = ADMIN_PASSWORD
    client = app.test_client()
    token = csrf_token(client, "/admin/login")
    response = client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def same_deck(one, other) -> bool:
    """Tell whether two validated decks are the same deck, wherever they were read from."""
    return {**vars(one), "path": ""} == {**vars(other), "path": ""}
