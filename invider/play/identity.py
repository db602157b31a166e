"""The player blueprint, who a phone plays as, and the guards on the player views.

The session holds the player's id and a per-player secret checked on every request;
``log_in`` makes a phone play as a player, the resume link and the language switch
change who or how a phone plays.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from invider.art.sprites import sprite_svg
from invider.hunt.resume import player_by_token
from invider.hunt.scoring import PLAYER_ROW
from invider.store.models import Player, db
from invider.store.snapshot import deck_snapshot

bp = Blueprint("play", __name__)

# Session keys that are not the player's and survive a change of player on this phone.
KEPT_ON_LOG_IN = ("lang", "admin", "organiser_device")
#: What names the player in the session: the only keys a log-out forgets.
PLAYER_KEYS = ("player_id", "player_secret")


@bp.before_app_request
def load_player() -> None:
    """Set ``g.player`` to the player this session names, checking its secret, or None.

    The session holds the player's id and their session secret; a removed player, a
    reset hunt or a new resume link makes the secret stale, and the phone starts over.
    ``g.player`` is the player's row as read now: views read it, and change a player
    through statements of their own.
    """
    g.player = None
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint == "static" or getattr(view, "shows_no_player", False):
        return
    player_id, secret = session.get("player_id"), session.get("player_secret")
    if not isinstance(player_id, int) or not isinstance(secret, str):
        log_out()
        return
    # A Core statement built once: the ORM's ``get`` and its object cost several times
    # more, on every page, and pages only read the player.
    player = db.session.execute(PLAYER_ROW, {"player_id": player_id}).first()
    if player is None or not secrets.compare_digest(player.session_secret, secret):
        log_out()
        return
    g.player = player


@bp.app_context_processor
def page_context() -> dict:
    """Give every page the player's name and the path the language switch returns to."""
    player = g.get("player")
    here = request.full_path if request.method == "GET" else request.path
    return {"player_name": player.name if player else None, "return_path": here.rstrip("?")}


@bp.app_template_global()
def sprite(key: str, **options) -> Markup:
    """Return the inline SVG sprite of an invider for templates."""
    return Markup(sprite_svg(key, **options))


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(unicodedata.category(ch) == "Cc" for ch in target):
        return None  # CR, LF and other controls have no place in a Location header
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


def shows_no_player(view):
    """Mark a view that shows nothing of the player (shared JSON, health): no player read."""
    view.shows_no_player = True
    return view


def player_required(view):
    """Send a phone that has not joined yet to the join form, then back here."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.player is None:
            return redirect(url_for("play.join", next=request.path))
        return view(**kwargs)

    return wrapped


def log_out() -> None:
    """Forget the player this phone plays as; its language and an organiser's login stay."""
    for key in PLAYER_KEYS:
        session.pop(key, None)
    g.player = None


def log_in(player: Player) -> None:
    """Make this phone play as ``player``; the session holds the player's id and secret and
    the language this phone chose, nothing of whoever played on it before."""
    # The phone's language and an organiser's login on the same browser are not the
    # previous player's: they stay.
    kept = {key: session[key] for key in KEPT_ON_LOG_IN if key in session}
    session.clear()
    session.update(kept)
    session["player_id"] = player.id
    session["player_secret"] = player.session_secret
    session.permanent = True
    g.player = player


@bp.route("/resume/<token>", methods=["GET", "POST"])
def resume(token: str):
    """Ask before continuing as the player of a resume link; only the POST logs in."""
    hunt = deck_snapshot().hunt
    player = player_by_token(token)
    if player is None:
        return render_template("play/resume.html", hunt=hunt, player=None), 404
    if request.method == "POST":
        log_in(player)
        return redirect(url_for("play.me"))
    return render_template(
        "play/resume.html", hunt=hunt, player=player, token=token, current=g.player
    )


@bp.post("/lang")
def set_language():
    """Switch the interface language for this phone."""
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("play.home"))
