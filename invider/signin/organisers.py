"""Named organisers: a control-room login opened by the company sign-in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, session

from invider.signin import settings
from invider.store.database import begin_write
from invider.store.models import AdminSession, db, utcnow


def organiser_stamp() -> str:
    """Return the stamp of sign-in organiser logins: a keyed digest of who may organise.

    A new issuer, organiser group or address list changes it, which ends every
    organiser login made under the old settings, as a new password does.
    """
    config = current_app.config
    rule = "\x00".join(
        [
            "oidc",
            settings.issuer(),
            str(config.get("OIDC_ADMIN_GROUP") or ""),
            ",".join(sorted(settings.admin_emails())),
        ]
    )
    key = str(current_app.secret_key).encode()
    return hmac.new(key, rule.encode(), hashlib.sha256).hexdigest()


def start_organiser_login(label: str) -> None:
    """Record a control-room login for the organiser named ``label`` and put it in the session."""
    token = secrets.token_hex(32)
    lifetime = timedelta(hours=float(current_app.config.get("ADMIN_SESSION_HOURS") or 12))
    begin_write()
    # Expired logins of anyone are dead: clear them out.
    db.session.execute(db.delete(AdminSession).where(AdminSession.created_at < utcnow() - lifetime))
    db.session.add(AdminSession(token=token, password_stamp=organiser_stamp(), organiser=label))
    db.session.commit()
    session["admin"] = token
    session.setdefault("organiser_device", secrets.token_urlsafe(16))


def end_admin_login() -> None:
    """Delete this browser's control-room login, if any, so its cookie is refused."""
    token = session.pop("admin", None)
    if isinstance(token, str):
        begin_write()
        db.session.execute(db.delete(AdminSession).where(AdminSession.token == token))
        db.session.commit()
