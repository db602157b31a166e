"""Newcomers from the control room: a burst of players who joined and answered nothing.

One person can join hundreds of throwaway players in a minute; the organiser sees
them here, joins per minute, and removes them all in one audited action.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func

from invider.admin.access import actor, admin_required, bp
from invider.hunt.moderation import remove_idle_newcomers
from invider.store.models import Answer, Hunt, Player, db, utcnow

#: The windows an organiser can look back over, in minutes.
WINDOWS = (10, 30, 60, 180, 1440)
SHOWN = 100


def idle_since(since: datetime):
    """Return the condition selecting players who joined since ``since`` and answered nothing."""
    answered = db.select(Answer.id).where(Answer.player_id == Player.id).exists()
    return (Player.joined_at >= since) & (Player.found == 0) & ~answered


def idle_count(minutes: int = 60) -> int:
    """Count the players who joined in the last ``minutes`` and answered nothing."""
    since = utcnow() - timedelta(minutes=minutes)
    return db.session.execute(
        db.select(func.count(Player.id)).where(idle_since(since))
    ).scalar_one()


def window_minutes() -> int:
    """Return the window asked for in the query string, or an hour."""
    minutes = request.values.get("minutes", type=int)
    return minutes if minutes in WINDOWS else 60


@bp.get("/newcomers")
@admin_required
def newcomers():
    """Show who joined lately without answering, joins per minute, and the remove button."""
    minutes = window_minutes()
    now = utcnow()
    since = now - timedelta(minutes=minutes)
    idle = (
        db.session.execute(
            db.select(Player).where(idle_since(since)).order_by(Player.joined_at.desc(), Player.id)
        )
        .scalars()
        .all()
    )
    per_minute: dict[datetime, int] = {}
    for player in idle:
        minute = player.joined_at.replace(second=0, microsecond=0)
        per_minute[minute] = per_minute.get(minute, 0) + 1
    busiest = sorted(per_minute.items(), key=lambda item: (-item[1], item[0]))[:10]
    return render_template(
        "admin/newcomers.html",
        hunt=Hunt.current(),
        minutes=minutes,
        windows=WINDOWS,
        since=since,
        idle=idle[:SHOWN],
        count=len(idle),
        shown=SHOWN,
        busiest=busiest,
    )


@bp.post("/newcomers/remove")
@admin_required
def remove_newcomers():
    """Remove, in one action, every player who joined in the window and answered nothing."""
    minutes = window_minutes()
    try:
        since = datetime.fromisoformat(request.form.get("since", ""))
    except ValueError:
        since = None
    if since is None or since.tzinfo is None or request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("admin.newcomers", minutes=minutes))
    count = remove_idle_newcomers(since, actor())
    flash(_("%(count)d player(s) who had answered nothing were removed.", count=count), "ok")
    return redirect(url_for("admin.newcomers", minutes=minutes))
