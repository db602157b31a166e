"""Invider: a gamified office treasure hunt with QR posters and a live leaderboard."""

from __future__ import annotations

import logging
import os
import secrets
import time
import tomllib
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale, get_translations
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import BadSignature
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from invider.models import Hunt, db, player_row
from invider.snapshot import deck_snapshot

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
        # The cookie is set when it changes (joining, the language), not re-signed and
        # sent again with every page: 14 days outlast any hunt.
        SESSION_REFRESH_EACH_REQUEST=False,
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
    # Environment variables arrive as text.
    app.config["STANDINGS_CACHE_SECONDS"] = float(app.config["STANDINGS_CACHE_SECONDS"])

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(app))
    public_url = app.config["PUBLIC_URL"] or ""
    app.config.setdefault("SESSION_COOKIE_SECURE", public_url.startswith("https://"))

    app.session_interface = SessionInterface()
    db.init_app(app)
    from invider.schema import migrate

    migrate.init_app(app, db)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel looks the catalog up through several layers on every message; a page
    # has a dozen messages, so templates take it from the request once.
    app.jinja_env.install_gettext_callables(
        lambda text: page_translations().ugettext(text),
        lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        newstyle=True,
    )

    from invider import admin, board, play

    app.register_blueprint(play.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(admin.bp)
    app.wsgi_app = SecurityHeaders(board.SharedJsonFastPath(app, app.wsgi_app))
    if app.config.get("PROXY_FIX"):
        # Behind a reverse proxy: trust its X-Forwarded-For/Proto/Host, so the client's
        # address keys the per-IP limits and HTTPS gives Secure cookies and HSTS.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from invider.cli import register_commands

    register_commands(app)
    app.before_request(load_player)
    register_error_pages(app)
    from invider.pages import format_count

    app.jinja_env.globals.update(sprite=sprite_markup, page_language=page_language)
    app.jinja_env.filters["numberformat"] = format_count
    app.context_processor(page_context)
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
    """Return the hunt of this database, live and editable, once per request (organisers).

    Player pages read ``snapshot.deck_snapshot().hunt``, a copy shared by the worker.
    """
    if "hunt" not in g:
        g.hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    return g.hunt


def sprite_markup(key: str, **options) -> Markup:
    """Return the inline SVG sprite of an invider for templates."""
    from invider.sprites import sprite_svg

    return Markup(sprite_svg(key, **options))


def page_language() -> str:
    """Return the language of the page for ``<html lang>``, even on an error page.

    The same choice Flask-Babel makes with ``select_locale``, without parsing a locale:
    shared pages ask for it on every request.
    """
    try:
        if not has_request_context():
            return str(get_locale() or "fr")
        if "language" not in g:
            g.language = select_locale()
        return g.language
    except Exception:  # the database may be the very thing that failed
        return "fr"


def select_locale() -> str:
    """Pick the UI language: the player's choice, else the deck's language."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    hunt = deck_snapshot().hunt
    return hunt.language if hunt else "fr"


# No player to load for static files; the poster views read the player in the same query
# as the rest of what they need (play.visit_poster).
VIEWS_READING_THEIR_PLAYER = frozenset({"static", "play.scan", "play.answer"})


def load_player() -> None:
    """Set ``g.player`` from the session, which holds only the player id."""
    g.player = None
    if request.endpoint in VIEWS_READING_THEIR_PLAYER:
        return
    player_id = session.get("player_id")
    if isinstance(player_id, int):
        g.player = player_row(player_id)
        if g.player is None:
            # The player was removed: start over as a new phone.
            session.pop("player_id", None)


def page_context() -> dict:
    """Give every page the player's name, the path the language switch returns to and
    the form token."""
    if not has_request_context():
        return {}
    from invider.pages import form_token

    player = g.get("player")
    here = request.full_path if request.method == "GET" else request.path
    # Registered after Flask-WTF's, whose csrf_token signs the token again for every page.
    return {"player_name": player.name if player else None, "return_path": here,
            "csrf_token": form_token}


def page_translations():
    """Return the catalog of this request's language, looked up once per request."""
    try:
        return g.translations
    except AttributeError:
        g.translations = get_translations()
        return g.translations


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions, marked Secure whenever the request came over HTTPS."""

    def __init__(self) -> None:
        # Cookie text -> (serializer, data, time signed), for cookies already verified.
        self._verified: dict[str, tuple] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    MAX_VERIFIED = 20_000

    def open_session(self, app: Flask, request):
        """Open the cookie's session, checking its signature once per worker and cookie.

        Verifying the signature was a sixth of a scan's cost, and a phone sends the same
        cookie all day. Its age is still checked on every request.
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        verified = self._verified.get(cookie)
        if verified is None or verified[0] is not serializer:
            try:
                data, signed_at = serializer.loads(cookie, max_age=max_age,
                                                   return_timestamp=True)  # fmt: skip
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= self.MAX_VERIFIED:
                self._verified.clear()
            verified = self._verified[cookie] = (serializer, data, signed_at.timestamp())
        if time.time() - verified[2] > max_age:
            return self.session_class()
        return self.session_class(verified[1])

    def get_signing_serializer(self, app: Flask):
        # Flask builds a serializer for every request; the key is the same all day.
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


class SecurityHeaders:
    """WSGI middleware adding the security headers to every response, errors included."""

    HEADERS = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # Not "no-referrer": Flask-WTF checks the Referer of forms over HTTPS.
        ("Referrer-Policy", "same-origin"),
    ]
    HTTPS_HEADERS = [*HEADERS, ("Strict-Transport-Security", "max-age=31536000")]

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        secure = environ.get("wsgi.url_scheme") == "https"
        extra = self.HTTPS_HEADERS if secure else self.HEADERS

        def start(status, headers, exc_info=None):
            return start_response(status, headers + extra, exc_info)

        return self.app(environ, start)


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
