"""Invider: a gamified office treasure hunt with QR posters and a live leaderboard."""

from __future__ import annotations

import logging
import os
import secrets
import tomllib
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from invider.models import Hunt, Player, db

csrf = CSRFProtect()
babel = Babel()
log = logging.getLogger("invider")

LANGUAGES = ("fr", "en")

# Inline scripts and styles are never allowed; inline SVG sprites are markup, not script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


def instance_path_from_env() -> str:
    """Return the data folder: ``INVIDER_INSTANCE`` or ``./instance``."""
    return os.path.abspath(os.environ.get("INVIDER_INSTANCE", "instance"))


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, ``instance/config.toml``, ``INVIDER_*``, then ``test_config``."""
    instance = (test_config or {}).get("INSTANCE") or instance_path_from_env()
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    app.config.from_mapping(
        PUBLIC_URL=None,
        DATABASE_URL=None,
        SECRET_KEY=None,
        ADMIN_PASSWORD=None,
        REDIS_URL=None,
        # Prefix of the rate-limit keys in Redis.
        REDIS_PREFIX="invider:rl:",
        # Number of reverse proxies in front (X-Forwarded-* headers to trust); 0: none.
        PROXY_FIX=0,
        DECK_DIR="questions",
        PRINTABLES_DIR="printables",
        STANDINGS_CACHE_SECONDS=1.0,
        MAX_CONTENT_LENGTH=1024 * 1024,
        JOIN_LIMIT_PER_IP=300,
        SESSION_COOKIE_NAME="invider",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        # A phone page may stay open all day: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="fr",
        # Times on pages are shown in the office's time zone.
        TIMEZONE="Europe/Paris",
    )
    app.config.from_file("config.toml", load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env("INVIDER", loads=str)
    if test_config:
        app.config.from_mapping(test_config)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(app))
    public_url = app.config["PUBLIC_URL"] or ""
    app.config.setdefault("SESSION_COOKIE_SECURE", public_url.startswith("https://"))

    if app.config.get("PROXY_FIX"):
        # Behind a reverse proxy: trust its X-Forwarded-For/Proto/Host, so the client's
        # address keys the per-IP limits and HTTPS gives Secure cookies and HSTS.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.session_interface = SessionInterface()
    db.init_app(app)
    from invider.schema import migrate

    migrate.init_app(app, db)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from invider import admin, board, play

    app.register_blueprint(play.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(admin.bp)

    from invider.cli import register_commands

    register_commands(app)
    app.before_request(load_player)
    app.after_request(security_headers)
    register_error_pages(app)
    app.jinja_env.globals.update(sprite=sprite_markup, page_language=page_language)
    return app


def database_uri(app: Flask) -> str:
    """Return the SQLAlchemy URL: ``DATABASE_URL`` or a SQLite file in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(app.instance_path, "invider.db")
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(path: Path) -> str:
    """Read the secret key kept in ``path``, creating it once if missing.

    Every worker and every restart reads the same key, so sessions survive.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        key = secrets.token_hex(32)
        f.write(key)
    return key


def current_hunt() -> Hunt | None:
    """Return the hunt of this database, once per request."""
    if "hunt" not in g:
        g.hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    return g.hunt


def sprite_markup(key: str, **options) -> Markup:
    """Return the inline SVG sprite of an invider for templates."""
    from invider.sprites import sprite_svg

    return Markup(sprite_svg(key, **options))


def page_language() -> str:
    """Return the language of the page for ``<html lang>``, even on an error page."""
    try:
        return str(get_locale() or "fr")
    except Exception:  # the database may be the very thing that failed
        return "fr"


def select_locale() -> str:
    """Pick the UI language: the player's choice, else the deck's language."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    hunt = current_hunt()
    return hunt.language if hunt else "fr"


def load_player() -> None:
    """Set ``g.player`` from the session, which holds only the player id."""
    g.player = None
    if request.endpoint == "static":
        return  # stylesheets and scripts need no player: no query per file
    player_id = session.get("player_id")
    if isinstance(player_id, int):
        g.player = db.session.get(Player, player_id)
        if g.player is None:
            # The player was removed: start over as a new phone.
            session.pop("player_id", None)


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def security_headers(response):
    """Add the security headers every response carries."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # Not "no-referrer": Flask-WTF checks the Referer of forms over HTTPS.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def register_error_pages(app: Flask) -> None:
    """Answer every error with a friendly page, never a traceback."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", error=error, kind="csrf"), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        response = error.get_response()
        if request.path.endswith(".json"):
            return {"error": error.name}, error.code, dict(response.headers)
        headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")}
        return render_template("error.html", error=error, kind=error.code), error.code, headers

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        error_id = uuid.uuid4().hex[:12]
        log.error("database unavailable [error %s]: %s", error_id, error.orig)
        db.session.rollback()
        return render_template("error.html", kind=503, error_id=error_id), 503

    @app.errorhandler(Exception)
    def internal_error(error):
        error_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error [error %s]", error_id)
        return render_template("error.html", kind=500, error_id=error_id), 500
