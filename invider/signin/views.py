"""The sign-in views: start, the provider's callback, the first-time profile, sign-out."""

from __future__ import annotations

import logging
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from invider.hunt.discretion import is_discreet, show_name
from invider.play.identity import log_in, safe_next
from invider.signin import settings
from invider.signin.accounts import account_of, choose_team, player_for, rename_once
from invider.signin.client import (
    ProviderUnavailable,
    SignInRefused,
    exchange_code,
    fresh_metadata,
    provider,
    verify_id_token,
)
from invider.signin.organisers import end_admin_login, start_organiser_login
from invider.store.snapshot import deck_snapshot
from invider.web.forms import name_error
from invider.web.links import public_link

bp = Blueprint("signin", __name__)
log = logging.getLogger("invider")

#: Session key telling that this browser signed in with the company account.
SIGNED_IN = "signed_in"


def problem(kind: str, status: int, reason: str = "", **values):
    """Render a sign-in problem page with an error id, logging the reason under that id."""
    error_id = uuid.uuid4().hex[:12]
    log.warning("sign-in %s [error %s]: %s", kind, error_id, reason)
    page = render_template(
        "signin/problem.html", kind=kind, error_id=error_id, hunt=deck_snapshot().hunt, **values
    )
    headers = {"Retry-After": "60"} if status == 503 else {}
    return page, status, headers


def callback_uri() -> str:
    """Return the exact redirect URI registered at the provider, built on PUBLIC_URL."""
    return public_link("signin.callback")


@bp.before_request
def only_when_configured():
    """Answer 404 on every sign-in route while company sign-in is not configured."""
    if not settings.enabled():
        abort(404)


@bp.get("/signin")
def start():
    """Send the browser to the company's provider, remembering where to come back."""
    organiser = request.args.get("as") == "organiser"
    fallback = "/admin/" if organiser else url_for("play.me")
    target = safe_next(request.args.get("next")) or fallback
    client = provider()
    try:
        fresh_metadata()
        found = client.create_authorization_url(callback_uri())
    except ProviderUnavailable as error:
        return problem("unavailable", 503, str(error), next=target)
    # One sign-in in flight per browser: abandoned ones must not pile up in the cookie
    # (past 4 kB a browser drops it, and the player with it).
    for key in [key for key in session if key.startswith(f"_state_{client.name}_")]:
        session.pop(key)
    client.save_authorize_data(
        redirect_uri=callback_uri(),
        next=target,
        purpose="organiser" if organiser else "player",
        **found,
    )
    return redirect(found["url"])


@bp.get("/signin/callback")
def callback():
    """Finish a sign-in: check the provider's answer, then play (or organise) as that person."""
    client = provider()
    state = request.args.get("state") or ""
    # The state is used once: a replayed or forged callback finds nothing here.
    data = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)
    if not data:
        return problem("expired", 400, "unknown or used state")
    target = safe_next(data.get("next")) or url_for("play.me")
    if request.args.get("error"):
        return problem("cancelled", 403, request.args.get("error", ""), next=target)
    answered_by = request.args.get("iss")
    if answered_by and answered_by.rstrip("/") != settings.issuer():
        return problem("refused", 403, f"answer from another issuer: {answered_by}")
    try:
        token = exchange_code(request.args.get("code", ""), data)
        claims = verify_id_token(token, data.get("nonce", ""))
    except ProviderUnavailable as error:
        return problem("unavailable", 503, str(error), next=target)
    except SignInRefused as error:
        return problem("refused", 403, str(error), next=target)
    return signed_in(claims, data.get("purpose"), target)


def signed_in(claims: dict, purpose: str | None, target: str):
    """Open the control room for organisers, and the player's game for players."""
    organiser = settings.is_organiser(claims)
    if purpose == "organiser":
        if not organiser:
            name = settings.name_from(claims) or claims.get("email") or ""
            return problem("not_organiser", 403, "signed in, not an organiser", who=name)
        start_organiser_login(settings.organiser_label(claims))
        session[SIGNED_IN] = True
        return redirect(target if target.startswith("/admin") else "/admin/")
    hunt = deck_snapshot().hunt
    if hunt is None:
        return redirect(url_for("play.home"))
    player, new = player_for(claims, hunt)
    log_in(player)
    session[SIGNED_IN] = True
    if organiser:  # the same sign-in opens the control room
        start_organiser_login(settings.organiser_label(claims))
    if new and (is_discreet(hunt) or (hunt.teams and not player.team)):
        return redirect(url_for("signin.profile", next=target))
    return redirect(target)


@bp.route("/signin/profile", methods=["GET", "POST"])
def profile():
    """Choose a team the directory did not give, and change the display name once."""
    hunt = deck_snapshot().hunt
    player = g.player
    account = account_of(player)
    if hunt is None or player is None or account is None:
        return redirect(url_for("play.join", next=request.values.get("next")))
    target = safe_next(request.values.get("next")) or url_for("play.me")
    error = None
    if request.method == "POST":
        team = request.form.get("team")
        name = (request.form.get("name") or "").strip()
        try:
            if hunt.teams and not player.team:
                if team not in hunt.teams:
                    raise ValueError("team")
                choose_team(player, team)
            if name and name != player.name:
                rename_once(player, account, name)
        except ValueError as e:
            error = (
                _("You already changed your name once.")
                if str(e) == "renamed"
                else name_error(str(e))
            )
        else:
            if is_discreet(hunt) and request.form.get("show_name"):
                show_name(player)
            return redirect(target)
    page = render_template(
        "signin/profile.html",
        hunt=hunt,
        player=player,
        account=account,
        error=error,
        next=target,
        generated=hunt.name_mode == "generated",
    )
    return page, (400 if error else 200)


@bp.post("/signout")
def signout():
    """End this browser's session here, then offer to end the provider's too."""
    import requests  # with Authlib, only where sign-in is set up

    lang = session.get("lang")
    end_admin_login()
    session.clear()
    if lang:
        session["lang"] = lang
    g.player = None
    logout_url = None
    try:
        metadata = provider().load_server_metadata()
    except (requests.RequestException, ValueError):  # the provider is down: end ours only
        metadata = {}
    if metadata.get("end_session_endpoint"):
        logout_url = provider().create_logout_url(
            post_logout_redirect_uri=public_link("play.home"),
            client_id=current_app.config["OIDC_CLIENT_ID"],
        )["url"]
    return render_template(
        "signin/signed_out.html", hunt=deck_snapshot().hunt, logout_url=logout_url
    )
