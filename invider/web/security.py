"""Security headers on every response, CSRF protection and the session cookie settings."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# Inline scripts and styles are never allowed; inline SVG sprites are markup, not script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not "no-referrer": Flask-WTF checks the Referer of forms over HTTPS.
    "Referrer-Policy": "same-origin",
}


HTTPS_HEADERS = {**HEADERS, "Strict-Transport-Security": "max-age=31536000"}
#: Endpoints whose pages are about one player: sent with ``Cache-Control: no-store``.
PERSONAL_PAGES = frozenset(
    {
        "play.me",
        "play.new_resume_link",
        "play.resume",
        "play.scan",
        "play.answer",
        "echo.echo",
    }
)


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def get_signing_serializer(self, app: Flask):
        """Return the cookie serializer, built once per secret key instead of per request.

        Building it (twice a request: to open and to save the session) cost a quarter of
        a JSON poll. It holds only the keys and settings, no session data.
        """
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        built = app.extensions.get("invider.session_serializer")
        if built is None or built[0] != keys:
            built = (keys, super().get_signing_serializer(app))
            app.extensions["invider.session_serializer"] = built
        return built[1]


def add_security_headers(response: Response) -> Response:
    """Give every response, error pages and static files included, the security headers."""
    headers = HTTPS_HEADERS if request.is_secure else HEADERS
    # No view sets these: add them without searching the headers for each first.
    response.headers.extend(headers.items())
    # These pages say who is playing (the collection, a resume link and its QR code, a
    # result, the echo): no browser or proxy may keep them.
    if request.endpoint in PERSONAL_PAGES:
        response.headers["Cache-Control"] = "no-store"
    return response


def check_csrf() -> None:
    """Check the form token of every request whose method changes something.

    Flask-WTF's own hook does the same, but looks up the view's exemptions before the
    method, on every GET too: about 6 µs of a JSON poll's 95 µs in-process, for nothing.
    """
    config = current_app.config
    if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Set up CSRF protection, the session cookie and the security headers."""
    # Flask's own default (False) is always present, so a setdefault would do nothing:
    # an https public address makes the cookie Secure even on a request seen as http
    # (a proxy ending HTTPS without INVIDER_PROXY_FIX).
    if (app.config["PUBLIC_URL"] or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # check_csrf runs the check instead
    csrf.init_app(app)
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
