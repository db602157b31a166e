"""Joining: a display name (or a generated one) and a team, once, then back to the poster."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from invider.hunt.discretion import is_discreet, show_name
from invider.hunt.names import clean_display_name, generated_name, generated_names, name_key
from invider.hunt.wordlist import check_allowed
from invider.play.identity import bp, log_in, safe_next
from invider.store import ratelimit
from invider.store.database import begin_write
from invider.store.models import Player, db
from invider.store.snapshot import deck_snapshot
from invider.web.forms import name_error
from invider.web.i18n import page_language

# New players per address are counted over 5 minutes (JOIN_LIMIT_PER_IP in config).
JOIN_PERIOD = 300


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Pick a display name (and a team) once, then go back to the scanned poster."""
    hunt = deck_snapshot().hunt
    target = safe_next(request.values.get("next")) or url_for("play.me")
    if g.player is not None:
        return redirect(target)
    if hunt is None:
        return render_template("play/home.html", hunt=None, total=0)
    if current_app.config.get("OIDC_ENABLED"):
        # One person, one player: with company sign-in nobody joins with a typed name.
        page = render_template("play/join_signin.html", hunt=hunt, next=target)
        return page, (403 if request.method == "POST" else 200)
    generated = hunt.name_mode == "generated"
    language = page_language()
    suggestions = generated_names(language)
    error, name = None, request.form.get("name", "")
    team = request.values.get("team") or None
    if request.method == "GET" and request.args.get("suggest"):
        # The "suggest a name" button without JavaScript: reload with a name filled in.
        name = suggestions[0]
    if request.method == "POST":
        join_limit()
        try:
            if generated:
                name = read_proposal(request.form.get("proposal")) or suggestions[0]
            else:
                name = clean_display_name(name)
                check_allowed(name)
            if hunt.teams and team not in hunt.teams:
                raise ValueError("team")
            if not hunt.teams:
                team = None
            if generated:
                player = create_generated_player(name, team, language)
            else:
                player = create_player(name, team)
        except ValueError as e:
            error = name_error(str(e))
        else:
            if is_discreet(hunt) and request.form.get("show_name"):
                show_name(player)
            log_in(player)
            return redirect(target)
    proposal = name if generated and name else suggestions[0]
    page = render_template(
        "play/join.html",
        hunt=hunt,
        error=error,
        name=name,
        team=team,
        next=target,
        suggestions=suggestions,
        generated=generated,
        proposal=proposal,
        signed_proposal=sign_proposal(proposal),
    )
    return page, (400 if error else 200)


def join_limit() -> None:
    """Refuse with 429 once this address made the configured number of new players.

    Only players actually created count (see ``create_player``): a refused name or
    an empty form costs nothing, so nobody can use up the office's allowance.
    """
    key = f"join:ip:{request.remote_addr}"
    wait = ratelimit.retry_after(key, int(current_app.config["JOIN_LIMIT_PER_IP"]), JOIN_PERIOD)
    if wait:
        abort(429, retry_after=wait)


def proposal_signer() -> URLSafeSerializer:
    """Return the signer of generated names, so a player cannot swap in a name of their own."""
    return URLSafeSerializer(current_app.secret_key, salt="invider.generated-name")


def sign_proposal(name: str) -> str:
    """Return ``name`` signed for the hidden field of the join form."""
    return proposal_signer().dumps(name)


def read_proposal(signed: str | None) -> str | None:
    """Return the generated name carried by ``signed``, or None if it was tampered with."""
    try:
        name = proposal_signer().loads(signed or "")
    except BadSignature:
        return None
    return name if isinstance(name, str) else None


def create_generated_player(name: str, team: str | None, language: str) -> Player:
    """Insert a player under the proposed generated name, or a fresh one if it was taken."""
    for attempt in range(20):
        try:
            return create_player(name if attempt == 0 else generated_name(language), team)
        except ValueError:
            continue
    raise ValueError("taken")


def join_key() -> str | None:
    """Return a fingerprint of this phone's join form: its session's form token.

    A join whose response was lost is sent again with the same session and token; the
    fingerprint lets it land on the player it created instead of "name already used".
    """
    raw = session.get("csrf_token")
    return hashlib.sha256(raw.encode()).hexdigest() if isinstance(raw, str) else None


def create_player(name: str, team: str | None) -> Player:
    """Insert a player; raise ValueError("taken") if the name is in use ignoring look-alikes.

    A retried join from the same phone gets the player its first attempt created.
    """
    fingerprint = join_key()
    begin_write()
    player = Player(name=name, name_key=name_key(name), team=team, join_key=fingerprint)
    db.session.add(player)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = db.session.execute(
            db.select(Player).filter_by(name_key=name_key(name))
        ).scalar_one_or_none()
        if fingerprint and earlier is not None and earlier.join_key == fingerprint:
            return earlier
        raise ValueError("taken") from None
    ratelimit.hit(f"join:ip:{request.remote_addr}", JOIN_PERIOD)
    return player
