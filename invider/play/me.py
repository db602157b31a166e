"""The player's collection: found inviders, facts learned, score, rank and resume link."""

from __future__ import annotations

from flask import g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from invider.hunt.programme import wakes_at
from invider.hunt.resume import new_resume_token, qr_svg
from invider.hunt.scoring import player_rank
from invider.play.identity import bp, player_required
from invider.store.models import Answer, Invider, db, utcnow
from invider.store.snapshot import deck_snapshot
from invider.web.links import public_link


@bp.get("/me")
@player_required
def me():
    """Show the player's collection, facts learned, score, rank and resume link."""
    found = db.session.execute(
        db.select(Answer, Invider)
        .join(Invider, Answer.invider_id == Invider.id)
        .where(Answer.player_id == g.player.id)
        .order_by(Invider.number)
    ).all()
    deck, now = deck_snapshot(), utcnow()
    inviders = sorted(deck.by_code.values(), key=lambda invider: invider.number)
    asleep = {i.key for i in inviders if wakes_at(i, deck.waves, now)}
    resume_url = qr = None
    if g.player.resume_token:
        resume_url = public_link("play.resume", token=g.player.resume_token)
        qr = Markup(qr_svg(resume_url, _("QR code of your resume link")))
    return render_template(
        "play/me.html",
        hunt=deck_snapshot().hunt,
        player=g.player,
        found=found,
        inviders=inviders,
        asleep=asleep,
        rank=player_rank(g.player),
        resume_url=resume_url,
        qr=qr,
    )


@bp.post("/me/resume")
@player_required
def new_resume_link():
    """Make the player's resume link anew: the old link and every other device stop working."""
    player = new_resume_token(g.player.id)
    session["player_secret"] = player.session_secret
    return redirect(url_for("play.me") + "#resume")
