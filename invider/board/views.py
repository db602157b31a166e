"""Blueprint for the standings: phone leaderboard, its JSON, the big screen and its data."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from invider.art.sprites import PALETTE, sprite_svg
from invider.board.discreet import around_me
from invider.board.figures import screen_snapshot
from invider.hunt.programme import time_left
from invider.hunt.resume import qr_svg
from invider.hunt.scoring import player_rank, public_standings
from invider.play import shows_no_player
from invider.store.models import db, utcnow
from invider.store.snapshot import deck_snapshot

bp = Blueprint("board", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
WAVE_SPRITES = 12  # as many as the announcement shows in a row at 1080p


def shared_json(body: bytes, digest: str) -> Response:
    """Answer with a shared JSON body and its ETag, or 304 when the client has it."""
    if request.if_none_match.contains_weak(digest):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(digest, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/leaderboard")
def leaderboard():
    """Show the top 50 and the player's own row, even outside the top 50.

    The rows come from the shared cache; the player's own row is looked up for this
    request only (their live score, even while the public standings are frozen).
    """
    standings = public_standings()
    me = g.player
    mine = None
    if me is not None and not me.hidden:
        mine = {"id": me.id, "rank": player_rank(me), "score": me.score, "found": me.found}
    page = render_template(
        "board/leaderboard.html",
        hunt=deck_snapshot().hunt,
        standings=standings,
        rows=standings.players[:DEFAULT_LIMIT],
        mine=mine,
        around=around_me(me),
    )
    response = Response(page)
    # The page holds the player's own row: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/leaderboard.json")
@shows_no_player
def leaderboard_json():
    """Return the public standings as JSON, with an ETag (304 when unchanged)."""
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        limit = DEFAULT_LIMIT
    limit = max(1, min(limit, MAX_LIMIT))
    return shared_json(*public_standings().json_body(limit))


@lru_cache(maxsize=8)
def join_qr(url: str, label: str) -> Markup:
    """Return the join panel's QR code, drawn once per address and language."""
    return Markup(qr_svg(url, label))


@bp.get("/screen")
def screen():
    """Show the big screen for leadership; its script keeps it up to date.

    The join panel's QR code leads to the home page at the public address (the one on
    the posters), so a colleague in the room can start from the wall.
    """
    snapshot = screen_snapshot()
    data = snapshot.content
    change = data["hunt"]["next_change"]
    change_at = datetime.fromisoformat(change["at"]) if change else None
    public = current_app.config.get("PUBLIC_URL") or request.host_url
    home = public.rstrip("/") + url_for("play.home")
    address = home.split("://", 1)[-1].rstrip("/")
    deck, now = deck_snapshot(), utcnow()
    wave = data["hunt"]["next_wave"]
    news = data["announcement"]
    # The woken posters' sprites, for the page only (like the podium's).
    woken = sorted(
        (i for i in deck.by_code.values() if news and i.number in news["numbers"]),
        key=lambda i: i.number,
    )
    return render_template(
        "board/screen.html",
        hunt=deck.hunt,
        wave_left=time_left((datetime.fromisoformat(wave["at"]) - now).total_seconds())
        if wave
        else None,
        wave_sprites=[sprite_svg(i.key) for i in woken[:WAVE_SPRITES]],
        data=data,
        change_at=change_at,
        palette=PALETTE,
        sprites=snapshot.sprites,
        join_address=address,
        join_qr=join_qr(home, _("QR code of the hunt's home page")),
    )


@bp.get("/screen.json")
@shows_no_player
def screen_json():
    """Return the big screen's data (standings, feed, progress, topics), with an ETag."""
    snapshot = screen_snapshot()
    return shared_json(snapshot.body, snapshot.digest)


@bp.get("/healthz")
@shows_no_player
def healthz():
    """Answer 200 when the database answers."""
    db.session.execute(db.select(1))
    return {"status": "ok"}
