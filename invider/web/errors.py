"""Friendly error pages, in the page's language, that render without the database."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from invider.store.models import db
from invider.web.i18n import language_without_database

log = logging.getLogger("invider")

# Headers of an HTTP error worth keeping on the page that replaces its body.
KEPT_HEADERS = ("Retry-After", "Allow")


def error_page(kind, status: int, error=None, error_id: str | None = None, headers=None):
    """Render the error page without touching the database, or plain text if that fails."""
    g.language = language_without_database()
    g.player = None  # the player's name would be read again from the database
    try:
        body = render_template("error.html", error=error, kind=kind, error_id=error_id)
    except Exception:  # the page itself must never turn into a bare server error
        log.exception("error page failed [error %s]", error_id)
        body = Response(
            f"Error {status}" + (f" ({error_id})" if error_id else ""), mimetype="text/plain"
        )
    return body, status, headers or {}


def register_error_pages(app: Flask) -> None:
    """Answer every error with a friendly page (JSON for JSON routes), never a traceback."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page("csrf", 400, error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        headers = {k: v for k, v in error.get_response().headers.items() if k in KEPT_HEADERS}
        if request.path.endswith(".json"):
            return {"error": error.name}, error.code, headers
        return error_page(error.code, error.code, error, headers=headers)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        if isinstance(error, IntegrityError):
            return internal_error(error)
        error_id = uuid.uuid4().hex[:12]
        log.error(
            "database unavailable [error %s]: %s", error_id, getattr(error, "orig", None) or error
        )
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool replaces it
            log.warning("rollback failed after a database error [error %s]", error_id)
        return error_page(503, 503, error_id=error_id, headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def internal_error(error):
        error_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error [error %s]", error_id)
        return error_page(500, 500, error_id=error_id)
