"""Blueprint for the standings: phone leaderboard, its JSON, and the big screen."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request

from invider import current_hunt
from invider.models import db
from invider.scoring import player_rank, public_standings

bp = Blueprint("board", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 50, 1000


@bp.get("/leaderboard")
def leaderboard():
    """Show the top 50 and the player's own row, even outside the top 50."""
    standings = public_standings()
    me = g.player
    rank = player_rank(me) if me is not None else None
    return render_template("board/leaderboard.html", hunt=current_hunt(), standings=standings,
                           rows=standings.players[:DEFAULT_LIMIT], me=me, my_rank=rank)


@bp.get("/leaderboard.json")
def leaderboard_json():
    """Return the public standings as JSON, with an ETag (304 when unchanged)."""
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        limit = DEFAULT_LIMIT
    limit = max(1, min(limit, MAX_LIMIT))
    body, digest = public_standings().json_body(limit)
    if request.if_none_match.contains_weak(digest):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(digest, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/screen")
def screen():
    """Show the big screen for leadership; its script keeps it up to date."""
    return render_template("board/screen.html", hunt=current_hunt(),
                           standings=public_standings())


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers."""
    db.session.execute(db.select(1))
    return {"status": "ok"}
