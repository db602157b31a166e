"""The control room's front page: status, schedule, echo, retention, names, poster health."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func

from invider.admin.access import actor, admin_required, bp
from invider.admin.report import poster_health
from invider.hunt.moderation import NAME_MODES, set_name_mode, set_schedule, set_status
from invider.hunt.schedule import echo_rounds, echo_status, echo_window, set_echo_window
from invider.learning.retention import retention_date, retention_due, retention_preview
from invider.store.models import AuditEntry, Hunt, Player, db, utcnow

STATUS_ACTIONS = {"open": "open", "freeze": "frozen", "close": "closed", "schedule": None}
SCHEDULE_FIELDS = ("opens_at", "freeze_at", "closes_at")
ECHO_FIELDS = ("echo_opens_at", "echo_closes_at")


def office_zone() -> ZoneInfo:
    """Return the office's time zone, in which organisers type times."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_input(value: datetime | None) -> str:
    """Format an aware datetime for an ``<input type="datetime-local">``."""
    return value.astimezone(office_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(text: str) -> datetime | None:
    """Read a ``datetime-local`` value typed in the office's time zone; raise ValueError."""
    text = text.strip()
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=office_zone())


def recent_audit(limit: int = 15) -> list[AuditEntry]:
    """Return the latest audit entries, newest first."""
    return (
        db.session.execute(
            db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        )
        .scalars()
        .all()
    )


@bp.get("/")
@admin_required
def dashboard():
    """Show the hunt status, its controls, the echo and retention dates, and poster health."""
    hunt = Hunt.current()
    now = utcnow()
    minutes = float(current_app.config.get("SILENT_MINUTES", 60))
    rows = poster_health(hunt, now, minutes)
    players = db.session.execute(db.select(func.count(Player.id))).scalar_one()
    return render_template(
        "admin/dashboard.html",
        hunt=hunt,
        rows=rows,
        players=players,
        minutes=minutes,
        silent=[r for r in rows if r.silent],
        audit=recent_audit(),
        times={f: local_input(getattr(hunt, f)) for f in SCHEDULE_FIELDS + ECHO_FIELDS}
        if hunt
        else {},
        zone=current_app.config["TIMEZONE"],
        echo=dict(
            zip(("opens", "closes"), echo_window(hunt), strict=True),
            status=echo_status(hunt),
            rounds=echo_rounds(hunt),
        ),
        retention={
            "date": retention_date(hunt),
            "due": retention_due(hunt, now),
            "check_minutes": current_app.config["RETENTION_CHECK_MINUTES"],
            "deletes": retention_preview(),
        },
    )


@bp.post("/status")
@admin_required
def status():
    """Open, freeze or close the hunt now, or hand it back to the schedule."""
    hunt = Hunt.current()
    action = request.form.get("action", "")
    if hunt is None or action not in STATUS_ACTIONS:
        flash(_("Unknown action."), "error")
        return redirect(url_for("admin.dashboard"))
    set_status(hunt.id, STATUS_ACTIONS[action], actor(), utcnow())
    flash(_("Hunt status updated."), "ok")
    return redirect(url_for("admin.dashboard"))


@bp.post("/schedule")
@admin_required
def schedule():
    """Change the scheduled opening, freeze and closing times."""
    hunt = Hunt.current()
    try:
        times = [parse_local(request.form.get(f, "")) for f in SCHEDULE_FIELDS]
        if hunt is None:
            raise ValueError("no hunt")
        set_schedule(hunt.id, *times, actor=actor())
    except ValueError:
        flash(
            _(
                "Times must be dates like 2026-03-14 09:00, in this order: opening, "
                "freeze, closing."
            ),
            "error",
        )
        return redirect(url_for("admin.dashboard"))
    flash(_("Schedule saved."), "ok")
    return redirect(url_for("admin.dashboard"))


@bp.post("/echo")
@admin_required
def echo_dates():
    """Change when the echo opens and closes (empty: the default dates)."""
    hunt = Hunt.current()
    try:
        times = [parse_local(request.form.get(f, "")) for f in ECHO_FIELDS]
        if hunt is None:
            raise ValueError("no hunt")
        set_echo_window(hunt.id, *times, actor=actor())
    except ValueError as e:
        if e.args == ("rounds",):
            flash(
                _("The echo rounds come from echo_rounds in the deck: change them there."), "error"
            )
            return redirect(url_for("admin.dashboard"))
        if str(e) == "before close":
            flash(
                _(
                    "The echo asks the hunt's questions with their answers: it may only "
                    "open after the hunt closes. Set the closing time first."
                ),
                "error",
            )
            return redirect(url_for("admin.dashboard"))
        flash(
            _("Echo dates must be like 2026-03-21 09:00, the opening before the closing."),
            "error",
        )
        return redirect(url_for("admin.dashboard"))
    flash(_("Echo dates saved."), "ok")
    return redirect(url_for("admin.dashboard"))


@bp.post("/names")
@admin_required
def name_mode():
    """Let players type their display names, or give them generated invader names."""
    hunt = Hunt.current()
    mode = request.form.get("mode", "")
    if hunt is None or mode not in NAME_MODES:
        flash(_("Unknown action."), "error")
    else:
        set_name_mode(hunt.id, mode, actor())
        flash(
            _("Joining now gives generated names.")
            if mode == "generated"
            else _("Players now choose their names."),
            "ok",
        )
    return redirect(url_for("admin.dashboard"))
