"""Blueprint for organisers: the control room behind the admin password.

``access`` holds the blueprint, the password and the guard; each other module
adds the views of one part of the day: the hunt, the deck and posters, the
players, and the results.
"""

from __future__ import annotations

from flask import request

from invider.admin import (  # noqa: F401  (they register views)
    backups,
    deck,
    hunt,
    kits,
    newcomers,
    players,
    privacy,
    programme,
    results,
)
from invider.admin.access import (
    admin_required,
    bp,
    check_password,
    ensure_admin_password,
    load_admin,
)

__all__ = ["admin_required", "bp", "check_password", "ensure_admin_password", "load_admin"]


@bp.after_app_request
def no_store(response):
    """Keep every organiser page out of browser and proxy caches (a shared laptop's too)."""
    if request.path == "/admin" or request.path.startswith("/admin/"):
        response.headers["Cache-Control"] = "no-store"
    return response
