"""Invider: a gamified office treasure hunt with QR posters and a live leaderboard."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # Flask is imported by the factory: the console script lists its
    from flask import Flask  # commands without it


def instance_path_from_env() -> str:
    """Return the data folder: ``INVIDER_INSTANCE`` or ``./instance``."""
    return os.path.abspath(os.environ.get("INVIDER_INSTANCE", "instance"))


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, ``instance/config.toml``, ``INVIDER_*``, then ``test_config``."""
    from flask import Flask

    instance = (test_config or {}).get("INSTANCE") or instance_path_from_env()
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    app.config.from_mapping(
        PUBLIC_URL=None,
        DATABASE_URL=None,
        SECRET_KEY=None,
        ADMIN_PASSWORD=None,
        # An organiser login lasts a working day.
        ADMIN_SESSION_HOURS=12,
        REDIS_URL=None,
        # Prefix of the rate-limit keys in Redis.
        REDIS_PREFIX="invider:rl:",
        # Number of reverse proxies in front (X-Forwarded-* headers to trust); 0: none.
        PROXY_FIX=0,
        # Relative folders are resolved from the working directory, as commands are.
        DECK_DIR="questions",
        PRINTABLES_DIR="printables",
        STANDINGS_CACHE_SECONDS=1.0,
        # How often a running `invider serve` checks whether the retention date has passed.
        RETENTION_CHECK_MINUTES=60,
        # "NORMAL" survives a process kill; "FULL" also a power cut, for a cost.
        SQLITE_SYNCHRONOUS="NORMAL",
        MAX_CONTENT_LENGTH=1024 * 1024,
        # New players per address in 5 minutes: a whole office joining at the kick-off
        # through one address fits; a bot flooding the standings does not.
        JOIN_LIMIT_PER_IP=2000,
        SESSION_COOKIE_NAME="invider",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        # The cookie is set when it changes (joining, the language), not re-signed and
        # sent again with every page: 14 days outlast any hunt.
        SESSION_REFRESH_EACH_REQUEST=False,
        # A phone page may stay open for hours: a form token lasts a working day.
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        BABEL_DEFAULT_LOCALE="fr",
        # Times on pages are shown in the office's time zone.
        TIMEZONE="Europe/Paris",
    )
    from invider.signin import settings as signin_settings

    app.config.from_mapping(signin_settings.defaults())
    app.config.from_file("config.toml", load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env("INVIDER", loads=str)
    if test_config:
        app.config.from_mapping(test_config)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    # Environment variables arrive as text.
    app.config["STANDINGS_CACHE_SECONDS"] = float(app.config["STANDINGS_CACHE_SECONDS"])
    app.config["JOIN_LIMIT_PER_IP"] = int(app.config["JOIN_LIMIT_PER_IP"])

    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(app))
    from invider.store import database

    # Before anything is written: a missing driver leaves the folder as it was.
    database.check_drivers(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")
    configure_sign_in(app)

    from invider.store import schema
    from invider.store.models import db
    from invider.web import errors, i18n, security

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(app))
    db.init_app(app)
    database.init_app(app)
    schema.init_app(app)
    security.init_app(app)
    i18n.init_app(app)

    from invider import admin, board, play

    app.register_blueprint(play.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(admin.bp)
    from invider import signin

    app.register_blueprint(signin.bp)
    signin.init_app(app)
    from invider.learning import echo_pages, privacy_pages

    app.register_blueprint(echo_pages.bp)
    app.register_blueprint(privacy_pages.bp)
    errors.register_error_pages(app)
    if app.config.get("PROXY_FIX"):
        # Behind a reverse proxy: trust its X-Forwarded-For/Proto/Host, so the client's
        # address keys the per-IP limits and HTTPS gives Secure cookies and HSTS.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from invider.cli import register_commands

    register_commands(app)
    return app


def configure_sign_in(app: Flask) -> None:
    """Settle the company sign-in settings: the flag players' pages read, the hash key."""
    from invider.signin.settings import enabled

    team_map = app.config.get("OIDC_TEAM_MAP")
    if isinstance(team_map, str):  # from the environment: a JSON object
        app.config["OIDC_TEAM_MAP"] = json.loads(team_map) if team_map.strip() else {}
    app.config["OIDC_ENABLED"] = enabled(app.config)
    if app.config["OIDC_ENABLED"] and not app.config.get("OIDC_NAME"):
        app.config["OIDC_NAME"] = urlsplit(app.config["OIDC_ISSUER"]).hostname
    if app.config["OIDC_ENABLED"] and not app.config.get("OIDC_SUBJECT_KEY"):
        path = Path(app.instance_path) / "oidc_subject_key"
        app.config["OIDC_SUBJECT_KEY"] = instance_secret(path)


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
