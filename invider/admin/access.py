"""Organiser access: the password, login and logout, and the guard on every view."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from invider.signin import settings as signin
from invider.signin.organisers import organiser_stamp
from invider.store import ratelimit
from invider.store.database import begin_write
from invider.store.models import AdminSession, db, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOGIN_LIMIT, LOGIN_PERIOD = 10, 60
MIN_PASSWORD = 12
HASH_FILE = "admin_password.hash"
#: How long an organiser login lasts unless INVIDER_ADMIN_SESSION_HOURS says otherwise.
DEFAULT_SESSION_HOURS = 12


def password_hash_path() -> Path:
    """Return where the generated admin password's hash is kept."""
    return Path(current_app.instance_path) / HASH_FILE


def ensure_admin_password() -> str | None:
    """Make sure organisers have a password; return it only when generated just now.

    A configured ``ADMIN_PASSWORD`` must be at least 12 characters long. Two servers
    starting together in one folder generate it once: the file is created exclusively.
    """
    configured = current_app.config.get("ADMIN_PASSWORD")
    if configured:
        if len(configured) < MIN_PASSWORD:
            raise ValueError(
                f"INVIDER_ADMIN_PASSWORD must be at least {MIN_PASSWORD} characters long"
            )
        return None
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    try:
        fd = os.open(password_hash_path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w") as file:
        file.write(generate_password_hash(password))
    return password


def _password_source() -> str:
    configured = current_app.config.get("ADMIN_PASSWORD")
    if configured:
        return "configured:" + configured
    try:
        return "hash:" + password_hash_path().read_text().strip()
    except OSError:
        return ""


def check_password(given: str) -> bool:
    """Tell whether ``given`` is the organisers' password."""
    configured = current_app.config.get("ADMIN_PASSWORD")
    if configured:
        return hmac.compare_digest(given.encode(), configured.encode())
    path = password_hash_path()
    return path.exists() and check_password_hash(path.read_text().strip(), given)


def password_stamp() -> str:
    """Return a stamp of the current organiser password, kept with each login.

    A keyed digest of the configured password or of its hash file: it reveals nothing,
    and any new password (a new INVIDER_ADMIN_PASSWORD, a regenerated hash file)
    changes it, which ends every login made under the old one.
    """
    key = str(current_app.secret_key).encode()
    return hmac.new(key, _password_source().encode(), hashlib.sha256).hexdigest()


def session_lifetime() -> timedelta:
    """Return how long an organiser login lasts (INVIDER_ADMIN_SESSION_HOURS, default 12)."""
    hours = current_app.config.get("ADMIN_SESSION_HOURS") or DEFAULT_SESSION_HOURS
    return timedelta(hours=float(hours))


def live_login(login: AdminSession | None) -> bool:
    """Tell whether an organiser login is still valid: not expired, same password or rule.

    A password login needs the current password (and the password still allowed); a
    named organiser's login needs sign-in on and the same organiser settings.
    """
    if login is None or login.created_at + session_lifetime() <= utcnow():
        return False
    if login.organiser is not None:
        return signin.enabled() and hmac.compare_digest(
            login.password_stamp or "", organiser_stamp()
        )
    return signin.password_login_allowed() and hmac.compare_digest(
        login.password_stamp or "", password_stamp()
    )


def load_admin() -> None:
    """Set ``g.admin`` when the session holds a live organiser login."""
    token = session.get("admin")
    g.admin = isinstance(token, str) and live_login(db.session.get(AdminSession, token))


def admin_required(view):
    """Refuse the view to anyone but a logged-in organiser."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        load_admin()
        if not g.admin:
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("admin.login", next=request.path))
            abort(403)
        return view(**kwargs)

    return wrapped


def actor() -> str:
    """Name the organiser behind this request, for the audit log.

    An organiser who signed in with the company account is named; the shared password
    is only a login number and an address.
    """
    token = session.get("admin") or "?"
    login = db.session.get(AdminSession, token) if token != "?" else None
    if login is not None and login.organiser:
        return login.organiser
    return f"organiser #{token[:6]} ({request.remote_addr})"


def safe_admin_next(target: str | None) -> str:
    """Return ``target`` if it is an organiser page, else the dashboard."""
    if target and target.startswith("/admin/") and not target.startswith("//"):
        if "\\" not in target and "://" not in target and not any(c in target for c in "\r\n"):
            return target
    return url_for("admin.dashboard")


def login_limit_key() -> str:
    """Return the key whose wrong passwords are counted for this login attempt.

    A browser where an organiser logged in before carries a device id in its signed
    session and counts on its own, so colleagues typing wrong passwords from the same
    office address never lock the organiser out; anyone else counts per address.
    """
    device = session.get("organiser_device")
    if isinstance(device, str) and device:
        return f"login:device:{device}"
    return f"login:ip:{request.remote_addr}"


def start_login() -> None:
    """Record a new organiser login under the current password and put it in the session."""
    token = secrets.token_hex(32)
    stamp = password_stamp()
    begin_write()
    # Logins made under an older password, or expired, are dead: clear them out. Named
    # organisers' logins carry no password stamp and stay.
    db.session.execute(
        db.delete(AdminSession).where(
            (
                AdminSession.organiser.is_(None)
                & (AdminSession.password_stamp.is_(None) | (AdminSession.password_stamp != stamp))
            )
            | (AdminSession.created_at < utcnow() - session_lifetime())
        )
    )
    db.session.add(AdminSession(token=token, password_stamp=stamp))
    db.session.commit()
    session["admin"] = token
    session.setdefault("organiser_device", secrets.token_urlsafe(16))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log an organiser in with the password (10 wrong ones a minute, per address or device)."""
    error = None
    password_allowed = signin.password_login_allowed()
    if request.method == "POST" and not password_allowed:
        abort(403)  # the break-glass password was turned off: only the company sign-in
    if request.method == "POST":
        key = login_limit_key()
        # The attempt is counted before the password is checked, so that thirty wrong
        # passwords sent at once cannot all be checked; a right one is uncounted.
        wait, window = ratelimit.take(key, LOGIN_LIMIT, LOGIN_PERIOD)
        if wait:
            abort(429, retry_after=wait)
        if check_password(request.form.get("password", "")):
            ratelimit.give_back(key, window, LOGIN_PERIOD)
            start_login()
            return redirect(safe_admin_next(request.form.get("next")))
        error = _("Wrong password.")
    next_page = request.values.get("next", "")
    page = render_template(
        "admin/login.html", error=error, next=next_page, password_allowed=password_allowed
    )
    return page, (401 if error else 200)


@bp.post("/logout")
@admin_required
def logout():
    """End the organiser session for good: the old cookie is refused afterwards."""
    begin_write()
    db.session.execute(db.delete(AdminSession).where(AdminSession.token == session["admin"]))
    db.session.commit()
    session.pop("admin", None)
    return redirect(url_for("play.home"))
