"""Absolute links, always built on the public address printed in the QR codes."""

from __future__ import annotations

from flask import current_app, url_for


def public_link(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint`` on ``PUBLIC_URL``, never on the Host header.

    A forged Host header must not turn a player's resume link into a link to another
    site. Without a public address (a development server), the request's own is used.
    """
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)
