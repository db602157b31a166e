"""Players from the control room: search, rename, hide, remove, and the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func

from invider.admin.access import actor, admin_required, bp
from invider.admin.newcomers import idle_count
from invider.hunt.moderation import remove_player, rename_player, set_hidden
from invider.hunt.names import name_key
from invider.store.models import RANKING, AuditEntry, Hunt, Player, db
from invider.web.forms import name_error

PAGE_SIZE = 200


def back_to_players():
    """Redirect to the players page, keeping the search."""
    query = request.form.get("q") or None
    return redirect(url_for("admin.players", q=query))


def get_player(player_id: int) -> Player:
    """Return a player or 404."""
    return db.get_or_404(Player, player_id)


@bp.get("/players")
@admin_required
def players():
    """List players (search by name or team) with their moderation buttons and the log."""
    q = " ".join(request.args.get("q", "").split())[:40]
    query = db.select(Player).order_by(*RANKING)
    if q:

        def like(text: str) -> str:
            return "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"

        # Names by their look-alike key ("m" is "rn" there) or as typed, teams as typed.
        query = query.where(
            Player.name_key.like(like(name_key(q)), escape="\\")
            | func.lower(Player.name).like(like(q.lower()), escape="\\")
            | func.lower(Player.team).like(like(q.lower()), escape="\\")
        )
    rows = db.session.execute(query.limit(PAGE_SIZE)).scalars().all()
    total = db.session.execute(db.select(func.count(Player.id))).scalar_one()
    audit_log = (
        db.session.execute(
            db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(100)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/players.html",
        hunt=Hunt.current(),
        players=rows,
        q=q,
        total=total,
        audit=audit_log,
        page_size=PAGE_SIZE,
        newcomers=idle_count(60),
    )


@bp.post("/players/<int:player_id>/rename")
@admin_required
def rename(player_id: int):
    """Give a player another display name."""
    get_player(player_id)
    try:
        player = rename_player(player_id, request.form.get("name", ""), actor())
    except ValueError as e:
        flash(name_error(str(e)), "error")
    except LookupError:
        abort(404)
    else:
        flash(_("Renamed to %(name)s.", name=player.name), "ok")
    return back_to_players()


@bp.post("/players/<int:player_id>/hide")
@admin_required
def hide(player_id: int):
    """Hide a player from the public standings, or show them again."""
    get_player(player_id)
    hidden = request.form.get("hidden") == "1"
    try:
        player = set_hidden(player_id, hidden, actor())
    except LookupError:
        abort(404)
    flash(
        _("%(name)s is hidden from the public standings.", name=player.name)
        if hidden
        else _("%(name)s is shown in the public standings again.", name=player.name),
        "ok",
    )
    return back_to_players()


@bp.get("/players/<int:player_id>/remove")
@admin_required
def remove_confirm(player_id: int):
    """Ask for confirmation before removing a player and their answers."""
    return render_template("admin/remove.html", hunt=Hunt.current(), player=get_player(player_id))


@bp.post("/players/<int:player_id>/remove")
@admin_required
def remove(player_id: int):
    """Remove a player with all their answers (after the confirmation page)."""
    player = get_player(player_id)
    name = player.name
    if request.form.get("confirm") != "yes":
        return redirect(url_for("admin.remove_confirm", player_id=player_id))
    try:
        count = remove_player(player_id, actor())
    except LookupError:
        abort(404)
    flash(_("%(name)s was removed with %(count)d answer(s).", name=name, count=count), "ok")
    return redirect(url_for("admin.players"))
