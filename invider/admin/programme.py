"""The control room's programme page: the waves with their posters, and the messages.

An organiser moves a wave's time or wakes it now, writes a message for the big screen
and every phone, and withdraws it; each action is in the audit log.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from invider.admin.access import actor, admin_required, bp
from invider.admin.hunt import local_input, parse_local, recent_audit
from invider.hunt.messages import MAX_MESSAGE, post_message, withdraw_message
from invider.hunt.programme import deck_waves, move_wave, wake_wave_now, wakes_at
from invider.store.models import Hunt, Invider, Message, Wave, db, utcnow


def cache_period() -> float:
    """Return the cache period: how long other workers may keep their copy of the deck."""
    return float(current_app.config["STANDINGS_CACHE_SECONDS"])


@bp.get("/programme")
@admin_required
def programme():
    """List the waves with their posters, and the messages showing or ended."""
    now = utcnow()
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars().all()
    waves = {w.name: w.at for w in db.session.execute(db.select(Wave)).scalars()}
    by_number = {i.number: i for i in inviders}
    rows = [
        {
            **wave,
            "posters": [by_number[n] for n in wave["numbers"]],
            "asleep": wave["at"] > now,
            "input": local_input(wave["at"]),
        }
        for wave in deck_waves(waves, inviders)
    ]
    messages = db.session.execute(
        db.select(Message).order_by(Message.created_at.desc(), Message.id.desc()).limit(20)
    ).scalars()
    asleep = sum(1 for i in inviders if wakes_at(i, waves, now))
    return render_template(
        "admin/programme.html",
        hunt=Hunt.current(),
        waves=rows,
        awake=len(inviders) - asleep,
        asleep=asleep,
        messages=[(m, showing(m, now)) for m in messages],
        zone=current_app.config["TIMEZONE"],
        max_message=MAX_MESSAGE,
        audit=[e for e in recent_audit(40) if e.action.startswith(("wave.", "message."))],
    )


def showing(message: Message, now) -> bool:
    """Tell whether a message shows now: not withdrawn, and not past its end time."""
    return message.withdrawn_at is None and (message.ends_at is None or message.ends_at > now)


@bp.post("/programme/wave")
@admin_required
def wave_time():
    """Move a wave to another time, or wake it now."""
    name = request.form.get("name", "")
    try:
        if request.form.get("action") == "wake":
            wave = wake_wave_now(name, actor(), cache_period())
        else:
            at = parse_local(request.form.get("at", ""))
            if at is None:
                raise ValueError("empty")
            wave = move_wave(name, at, actor(), cache_period())
    except LookupError:
        flash(_("There is no such wave."), "error")
    except ValueError:
        flash(_("The time must be a date like 2026-03-14 14:00."), "error")
    else:
        flash(
            _("Wave %(name)s wakes at %(when)s.", name=wave.name, when=local_input(wave.at)),
            "ok",
        )
    return redirect(url_for("admin.programme"))


@bp.post("/programme/message")
@admin_required
def message_post():
    """Show a message from the organisers on the big screen and every phone page."""
    try:
        ends_at = parse_local(request.form.get("ends_at", ""))
        post_message(request.form.get("text_fr"), request.form.get("text_en"), ends_at, actor())
    except ValueError as e:
        reason = str(e)
        flash(
            {
                "empty": _("Write the message in French, in English or both."),
                "long": _("A message holds at most %(num)d characters.", num=MAX_MESSAGE),
                "ended": _("The end time must be later than now."),
            }.get(reason, _("The end time must be a date like 2026-03-14 17:30.")),
            "error",
        )
    else:
        flash(_("The message is showing."), "ok")
    return redirect(url_for("admin.programme"))


@bp.post("/programme/message/<int:message_id>/withdraw")
@admin_required
def message_withdraw(message_id: int):
    """Stop showing a message now."""
    try:
        withdraw_message(message_id, actor())
    except LookupError:
        flash(_("There is no such message."), "error")
    else:
        flash(_("The message was withdrawn."), "ok")
    return redirect(url_for("admin.programme"))
