"""Blueprint for players: home, scan, answer, join and the player's collection."""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from urllib.parse import urlsplit

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
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError

from invider import ratelimit
from invider.database import begin_write
from invider.decks import normalise_code
from invider.i18n import page_language
from invider.links import public_link
from invider.models import CONFIDENCE, Answer, Invider, Player, db
from invider.names import clean_display_name, generated_name, generated_names, name_key
from invider.privacy import is_discreet, show_name
from invider.resume import new_resume_token, player_by_token, qr_svg
from invider.scoring import STORED_ANSWER, AnswersClosed, player_rank, record_answer
from invider.snapshot import deck_snapshot
from invider.sprites import sprite_svg
from invider.wordlist import check_allowed

bp = Blueprint("play", __name__)

# Guessing poster codes: 10 unknown codes in 5 minutes per player. Codes carry 64 bits,
# so guessing is hopeless; the limit is per player, so that one person guessing never
# blocks the colleagues who share their office's address.
MISS_LIMIT, MISS_PERIOD = 10, 300
# New players per address are counted over 5 minutes (JOIN_LIMIT_PER_IP in config).
JOIN_PERIOD = 300
MAX_TYPED_ANSWER = 200
# Session keys that are not the player's and survive a change of player on this phone.
KEPT_ON_LOG_IN = ("lang", "admin", "organiser_device")

NAME_ERRORS = {
    "empty": lambda: _("Please choose a display name."),
    "too_long": lambda: _("That name is too long (40 characters at most)."),
    "invisible": lambda: _("That name contains invisible or control characters."),
    "reserved": lambda: _("That name is reserved; please choose another."),
    "refused": lambda: _("That name is not allowed; please choose another."),
    "marks": lambda: _("That name stacks too many accents on one letter."),
    "taken": lambda: _("Someone already uses that name; please choose another."),
    "team": lambda: _("Please choose your team."),
}


@bp.before_app_request
def load_player() -> None:
    """Set ``g.player`` to the player this session names, checking its secret, or None.

    The session holds the player's id and their session secret; a removed player, a
    reset hunt or a new resume link makes the secret stale, and the phone starts over.
    """
    g.player = None
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint == "static" or getattr(view, "shows_no_player", False):
        return
    player_id, secret = session.get("player_id"), session.get("player_secret")
    if not isinstance(player_id, int) or not isinstance(secret, str):
        session.pop("player_id", None)
        return
    player = db.session.get(Player, player_id)
    if player is None or not secrets.compare_digest(player.session_secret, secret):
        session.pop("player_id", None)
        session.pop("player_secret", None)
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


def visit_poster(code: str) -> tuple[Invider, Row | None]:
    """Return the invider printed with ``code`` and this player's stored answer, if any.

    Refuses with 429 while this player guessed too many codes, whether this code is
    known or not, so a player past the limit learns nothing; counts a miss and 404s
    an unknown code. A phone that has not joined never gets here: it is sent to the
    join form first, so it learns nothing about codes.
    """
    invider = deck_snapshot().by_code.get(normalise_code(code)[:20])
    miss_key = f"miss:p:{g.player.id}"
    wait = ratelimit.retry_after(miss_key, MISS_LIMIT, MISS_PERIOD)
    if wait:
        abort(429, retry_after=wait)
    if invider is None:
        ratelimit.hit(miss_key, MISS_PERIOD)
        abort(404)
    stored = db.session.execute(
        STORED_ANSWER, {"player_id": g.player.id, "invider_id": invider.id}
    ).first()
    return invider, stored


@bp.get("/")
def home():
    """Show how to play, or a returning player's progress, and a field to type a code."""
    deck = deck_snapshot()
    progress = None
    if g.player is not None:
        latest = db.session.execute(
            db.select(Answer.invider_id)
            .filter_by(player_id=g.player.id)
            .order_by(Answer.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        by_id = {invider.id: invider for invider in deck.by_code.values()}
        progress = {"rank": player_rank(g.player), "latest": by_id.get(latest)}
    return render_template("play/home.html", hunt=deck.hunt, total=deck.total, progress=progress)


@bp.get("/code")
def typed_code():
    """Open the poster whose code was typed on the home page."""
    code = normalise_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("play.home"))
    return redirect(url_for("play.scan", code=code[:20]))


@bp.get("/i/<code>")
@player_required
def scan(code: str):
    """Show the poster's question, the join form first, or the stored result."""
    invider, stored = visit_poster(code)
    if stored is not None:
        return show_result(invider, stored, read_again=True)
    deck = deck_snapshot()
    if not deck.hunt.accepts_answers():
        return render_template("play/not_open.html", hunt=deck.hunt, invider=invider)
    # Not answered yet: the scan is a find, celebrated before the question.
    return render_template(
        "play/question.html", hunt=deck.hunt, invider=invider, total=deck.total, found=True
    )


@bp.post("/i/<code>")
@player_required
def answer(code: str):
    """Record the one attempt at this poster and show the result with its fact."""
    invider, stored = visit_poster(code)
    if stored is not None:  # a repeated POST shows the one attempt
        return show_result(invider, stored, read_again=True)
    if not deck_snapshot().hunt.accepts_answers():
        return closed(invider)
    if invider.choices:
        given = request.form.get("choice", "")
        if given not in invider.choices:
            abort(400, description=_("Please pick one of the answers shown."))
    else:
        given = " ".join(request.form.get("answer", "").split())
        if any(unicodedata.category(ch) == "Cc" for ch in given):
            abort(400, description=_("Please type your answer as plain text."))
        if not given or len(given) > MAX_TYPED_ANSWER:
            abort(400, description=_("Please type an answer (200 characters at most)."))
    # Optional (a phone without the radio buttons still answers); never a free text.
    confidence = request.form.get("confidence") or None
    if confidence is not None and confidence not in CONFIDENCE:
        abort(400, description=_("Please say how sure you are with one of the options shown."))
    try:
        # A concurrent double submit is caught inside, under the write lock.
        stored, created = record_answer(g.player, invider, given, confidence)
    except AnswersClosed:
        return closed(invider)
    except LookupError:
        abort(404)
    if stored is None:
        session.clear()
        return redirect(url_for("play.join", next=url_for("play.scan", code=invider.code)))
    return show_result(invider, stored, read_again=not created)


def closed(invider: Invider):
    """Answer a POST that came while the hunt takes no answers."""
    hunt = deck_snapshot().hunt
    return render_template("play/not_open.html", hunt=hunt, invider=invider), 409


def show_result(invider: Invider, stored: Answer | Row, read_again: bool = False):
    """Render the result of a stored answer: right or wrong, the answer, the fact.

    The verdict's wording follows the confidence the player gave: a confident error is
    the one best corrected, so it is named and its fact stands out.

    The score and rank are the player's as they stand now, this answer included.
    ``read_again`` when the answer may have been stored by another request after this
    one read the player (a double submit): their row is read afresh.
    """
    if read_again:
        db.session.expire(g.player)
    deck = deck_snapshot()
    return render_template(
        "play/result.html",
        hunt=deck.hunt,
        invider=invider,
        answer=stored,
        total=deck.total,
        player=g.player,
        rank=player_rank(g.player),
    )


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Pick a display name (and a team) once, then go back to the scanned poster."""
    hunt = deck_snapshot().hunt
    target = safe_next(request.values.get("next")) or url_for("play.me")
    if g.player is not None:
        return redirect(target)
    if hunt is None:
        return render_template("play/home.html", hunt=None, total=0)
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
            error = NAME_ERRORS.get(str(e), NAME_ERRORS["empty"])()
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
    inviders = sorted(deck_snapshot().by_code.values(), key=lambda invider: invider.number)
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
