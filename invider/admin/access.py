"""Organiser access: the password, login and logout, and the guard on every view."""

from __future__ import annotations

import functools
import hmac
import secrets
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

from invider import ratelimit
from invider.models import AdminSession, AuditEntry, begin_write, db

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOGIN_LIMIT, LOGIN_PERIOD = 10, 60
MIN_PASSWORD = 12
HASH_FILE = "admin_password.hash"


def password_hash_path() -> Path:
    """Return where the generated admin password's hash is kept."""
    return Path(current_app.instance_path) / HASH_FILE


def ensure_admin_password() -> str | None:
    """Make sure organisers have a password; return it only when generated just now.

    A configured ``ADMIN_PASSWORD`` must be at least 12 characters long.
    """
    configured = current_app.config.get("ADMIN_PASSWORD")
    if configured:
        if len(configured) < MIN_PASSWORD:
            raise ValueError(f"INVIDER_ADMIN_PASSWORD must be at least {MIN_PASSWORD} "
                             "characters long")  # fmt: skip
        return None
    path = password_hash_path()
    if path.exists():
        return None
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    path.write_text(generate_password_hash(password))
    path.chmod(0o600)
    return password


def check_password(given: str) -> bool:
    """Tell whether ``given`` is the organisers' password."""
    configured = current_app.config.get("ADMIN_PASSWORD")
    if configured:
        return hmac.compare_digest(given.encode(), configured.encode())
    path = password_hash_path()
    return path.exists() and check_password_hash(path.read_text().strip(), given)


def load_admin() -> None:
    """Set ``g.admin`` when the session holds a live organiser login."""
    token = session.get("admin")
    g.admin = isinstance(token, str) and db.session.get(AdminSession, token) is not None


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
    """Name the organiser login behind this request, for the audit log."""
    token = session.get("admin") or "?"
    return f"organiser #{token[:6]} ({request.remote_addr})"


def audit(action: str, detail: str = "") -> None:
    """Add an audit entry to the current transaction; the caller commits."""
    db.session.add(AuditEntry(actor=actor(), action=action, detail=detail))


def safe_admin_next(target: str | None) -> str:
    """Return ``target`` if it is an organiser page, else the dashboard."""
    if target and target.startswith("/admin/") and not target.startswith("//"):
        if "\\" not in target and "://" not in target:
            return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log an organiser in with the password (10 tries a minute across workers)."""
    error = None
    if request.method == "POST":
        key = f"login:ip:{request.remote_addr}"
        wait = ratelimit.retry_after(key, LOGIN_LIMIT, LOGIN_PERIOD)
        if wait:
            abort(429, retry_after=wait)
        ratelimit.hit(key, LOGIN_PERIOD)
        if check_password(request.form.get("password", "")):
            token = secrets.token_hex(32)
            begin_write()
            db.session.add(AdminSession(token=token))
            db.session.commit()
            session["admin"] = token
            return redirect(safe_admin_next(request.form.get("next")))
        error = _("Wrong password.")
    next_page = request.values.get("next", "")
    return render_template("admin/login.html", error=error, next=next_page), (
        401 if error else 200)  # fmt: skip


@bp.post("/logout")
@admin_required
def logout():
    """End the organiser session for good: the old cookie is refused afterwards."""
    begin_write()
    db.session.execute(db.delete(AdminSession).where(AdminSession.token == session["admin"]))
    db.session.commit()
    session.pop("admin", None)
    return redirect(url_for("play.home"))
