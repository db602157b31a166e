"""Privacy in the control room: the retention date, the staff notice and the CSE summary."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from invider.admin.access import actor, admin_required, bp
from invider.hunt.discretion import privacy_floor
from invider.learning.privacy_pages import privacy_facts
from invider.learning.retention import apply_retention
from invider.store.models import Hunt, utcnow


@bp.get("/privacy")
@admin_required
def privacy():
    """Show the privacy settings, the retention date and what it will delete."""
    hunt = Hunt.current()
    return render_template("admin/privacy.html", hunt=hunt, facts=privacy_facts(hunt))


@bp.post("/privacy/retention")
@admin_required
def retention_now():
    """Apply the retention job now, before its date."""
    if request.form.get("confirm", "").strip().casefold() != "delete":
        flash(_("Type DELETE to confirm."), "error")
    elif apply_retention(privacy_floor(), actor(), force=True):
        flash(_("Names anonymised; resume secrets, confidence and echo answers deleted."), "ok")
    return redirect(url_for("admin.privacy"))


@bp.get("/privacy/notice")
@admin_required
def staff_notice():
    """Show the notice to staff, from the hunt's actual settings, ready to print."""
    hunt = Hunt.current()
    return render_template(
        "admin/privacy_notice.html", hunt=hunt, facts=privacy_facts(hunt), now=utcnow()
    )


@bp.get("/privacy/cse")
@admin_required
def cse_summary():
    """Show the one-page summary for the works council (CSE), ready to print."""
    hunt = Hunt.current()
    return render_template(
        "admin/privacy_cse.html", hunt=hunt, facts=privacy_facts(hunt), now=utcnow()
    )
