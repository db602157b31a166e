"""Huddle kits in the control room: a page per team for its manager, and one PDF of all."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import force_locale

from invider.admin.access import admin_required, bp
from invider.admin.results import download
from invider.hunt.discretion import privacy_floor
from invider.learning.kits import STAYED, huddle_kits
from invider.printing.huddle import huddle_pdf, kit_pages
from invider.store.models import Hunt, utcnow


@bp.get("/results/kits")
@admin_required
def kits():
    """List the huddle kits: the whole hunt's, each team's, and the teams too small for one."""
    floor = privacy_floor()
    return render_template(
        "admin/kits.html", hunt=Hunt.current(), kits=huddle_kits(floor), floor=floor, stayed=STAYED
    )


@bp.get("/results/kits/<int:number>")
@admin_required
def kit(number: int):
    """Show one huddle kit (0: the whole hunt), in the deck's language, ready to print."""
    hunt = Hunt.current()
    floor = privacy_floor()
    made = huddle_kits(floor)
    pages = kit_pages(made)
    if hunt is None or not 0 <= number < len(pages):
        abort(404)
    small = made.get("small", []) if number == 0 else []
    # For the team's manager: the deck's language, whatever the organiser's browser says.
    with force_locale(hunt.language):
        return render_template(
            "admin/kit.html", hunt=hunt, kit=pages[number], floor=floor, small=small
        )


@bp.get("/results/kits.pdf")
@admin_required
def kits_pdf():
    """Download every huddle kit as one PDF, a page per kit, in the deck's language."""
    hunt = Hunt.current()
    floor = privacy_floor()
    made = huddle_kits(floor)
    if hunt is None or not kit_pages(made):
        abort(404)
    data = huddle_pdf(made, hunt.title, hunt.language, floor, utcnow())
    return download(data, "huddle-kits", "pdf", "application/pdf")
