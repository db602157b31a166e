"""Blueprint for players: home, scan, answer, join and the player's collection."""

from __future__ import annotations

import functools
import time
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
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from invider import page_language, ratelimit
from invider.decks import normalise_code
from invider.models import Answer, Invider, Player, begin_write, db, player_row, read
from invider.names import clean_display_name, generated_name, generated_names, name_key
from invider.pages import format_count, render_personal
from invider.resume import new_resume_token, player_by_token, qr_svg
from invider.scoring import AnswersClosed, StoredAnswer, player_rank, record_answer
from invider.snapshot import deck_snapshot
from invider.wordlist import check_allowed

bp = Blueprint("play", __name__)

# Guessing poster codes: 10 unknown codes in 5 minutes per player, and a
# generous ceiling per address since a whole office shares one public IP.
MISS_LIMIT, MISS_PERIOD = 10, 300
MISS_LIMIT_PER_IP = 300
# New players per address: a bot cannot flood the standings, while a whole office
# joining at the kick-off through one IP still fits (JOIN_LIMIT_PER_IP in config).
JOIN_PERIOD = 300
MAX_TYPED_ANSWER = 200

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


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


_player, _answer = Player.__table__, Answer.__table__


@functools.cache
def _visit_statement(with_counts: bool):
    """Return the one read a poster visit needs: the player, their answer, their counters.

    A scan is the busiest request of the day; one statement instead of three halves
    what it spends in the database layer.
    """
    columns = [
        _player,
        _answer.c.id.label("answer_id"),
        _answer.c.given.label("answer_given"),
        _answer.c.correct.label("answer_correct"),
        _answer.c.points.label("answer_points"),
        _answer.c.created_at.label("answer_created_at"),
    ]
    if with_counts:
        columns += [ratelimit.count_column(key, window).label(f"{key}_{window}")
                    for key in ("player_key", "ip_key") for window in ("current", "previous")]
    joined = _player.outerjoin(_answer, (_answer.c.player_id == _player.c.id)
                               & (_answer.c.invider_id == bindparam("invider_id")))
    return select(*columns).select_from(joined).where(_player.c.id == bindparam("player_id"))


def visit_poster(code: str) -> tuple[Invider, StoredAnswer | None]:
    """Return the invider printed with ``code`` and this player's stored answer, if any.

    Sets ``g.player``; the caller has checked that the session names a player.
    Refuses with 429 while this player, or their address, guessed too many codes,
    whether this code is known or not, so a player past the limit learns nothing;
    counts a miss and 404s an unknown code. A phone that has not joined never gets
    here: it is sent to the join form first, so it learns nothing about codes.
    """
    invider = deck_snapshot().by_code.get(normalise_code(code)[:20])
    now = time.time()
    current, previous = ratelimit.windows(MISS_PERIOD, now)
    player_key = f"miss:p:{session['player_id']}"
    ip_key = f"miss:ip:{request.remote_addr}"
    in_database = ratelimit.counted_in_database()
    row = read(_visit_statement(in_database), {
        "player_id": session["player_id"], "invider_id": invider.id if invider else None,
        "player_key": player_key, "ip_key": ip_key, "current": current, "previous": previous,
    }).first()  # fmt: skip
    if row is None:
        # The player was removed: start over as a new phone.
        session.pop("player_id", None)
        abort(redirect(url_for("play.join", next=url_for("play.scan", code=code[:20]))))
    g.player = row
    limits = [(player_key, MISS_LIMIT), (ip_key, MISS_LIMIT_PER_IP)]
    counts = None
    if in_database:
        counts = {(key, window): getattr(row, f"{name}_{column}")
                  for key, name in ((player_key, "player_key"), (ip_key, "ip_key"))
                  for window, column in ((current, "current"), (previous, "previous"))}  # fmt: skip
    wait = ratelimit.first_retry_after(limits, MISS_PERIOD, now, counts)
    if wait:
        abort(429, retry_after=wait)
    if invider is None:
        for key, _limit in limits:
            ratelimit.hit(key, MISS_PERIOD)
        abort(404)
    if row.answer_id is None:
        return invider, None
    return invider, StoredAnswer(
        id=row.answer_id, player_id=row.id, invider_id=invider.id, given=row.answer_given,
        correct=row.answer_correct, points=row.answer_points, created_at=row.answer_created_at,
    )  # fmt: skip


def player_required(view):
    """Send a phone that has not joined yet to the join form, then back here."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.player is None:
            return redirect(url_for("play.join", next=request.path))
        return view(**kwargs)

    return wrapped


@bp.get("/")
def home():
    """Show how to play, the hunt status and a field to type a poster code."""
    deck = deck_snapshot()
    return render_template("play/home.html", hunt=deck.hunt, total=deck.total)


@bp.get("/code")
def typed_code():
    """Open the poster whose code was typed on the home page."""
    code = normalise_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("play.home"))
    return redirect(url_for("play.scan", code=code[:20]))


@bp.get("/i/<code>")
def scan(code: str):
    """Show the poster's question, the join form first, or the stored result."""
    if not isinstance(session.get("player_id"), int):
        return redirect(url_for("play.join", next=url_for("play.scan", code=code[:20])))
    invider, stored = visit_poster(code)
    if stored is not None:
        return show_result(invider, stored, g.player)
    deck = deck_snapshot()
    if not deck.hunt.accepts_answers():
        return render_template("play/not_open.html", hunt=deck.hunt, invider=invider)
    return render_personal("play/question.html", (invider.code,), {}, hunt=deck.hunt,
                           invider=invider, total=deck.total)  # fmt: skip


@bp.post("/i/<code>")
def answer(code: str):
    """Record the one attempt at this poster and show the result with its fact."""
    if not isinstance(session.get("player_id"), int):
        return redirect(url_for("play.join", next=url_for("play.scan", code=code[:20])))
    invider, stored = visit_poster(code)
    if stored is not None:
        return show_result(invider, stored)  # a repeated POST shows the one attempt
    if not deck_snapshot().hunt.accepts_answers():
        return closed(invider)
    if invider.choices:
        given = request.form.get("choice", "")
        if given not in invider.choices:
            abort(400, description=_("Please pick one of the answers shown."))
    else:
        given = " ".join(request.form.get("answer", "").split())
        if not given or len(given) > MAX_TYPED_ANSWER:
            abort(400, description=_("Please type an answer (200 characters at most)."))
    try:
        # A concurrent double submit is caught inside, under the write lock.
        stored, _created, player = record_answer(g.player, invider, given)
    except AnswersClosed:
        return closed(invider)
    except LookupError:
        abort(404)
    if stored is None:
        session.pop("player_id", None)
        return redirect(url_for("play.join", next=url_for("play.scan", code=invider.code)))
    return show_result(invider, stored, player)


def closed(invider: Invider):
    """Answer a POST that came while the hunt takes no answers."""
    hunt = deck_snapshot().hunt
    return render_template("play/not_open.html", hunt=hunt, invider=invider), 409


def show_result(invider: Invider, stored, player=None):
    """Render the result of a stored answer: right or wrong, the answer, the fact.

    ``player`` is given when it was read with the answer; otherwise it is read again,
    since a player read before this answer was stored holds the old score.
    """
    player = player or player_row(stored.player_id)
    deck = deck_snapshot()
    rank = player_rank(player)
    holes = {"given": stored.given, "found": format_count(player.found),
             "score": format_count(player.score)}  # fmt: skip
    if rank is not None:
        holes["rank"] = format_count(rank)
    return render_personal(
        "play/result.html", (invider.code, stored.correct, stored.points, rank is None), holes,
        hunt=deck.hunt, invider=invider, answer=stored, total=deck.total, rank=None,
    )  # fmt: skip


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
                g.player = create_generated_player(name, team, language)
            else:
                g.player = create_player(name, team)
        except ValueError as e:
            error = NAME_ERRORS.get(str(e), NAME_ERRORS["empty"])()
        else:
            log_in(g.player)
            return redirect(target)
    proposal = name if generated and name else suggestions[0]
    return render_template(
        "play/join.html", hunt=hunt, error=error, name=name, team=team, next=target,
        suggestions=suggestions, generated=generated, proposal=proposal,
        signed_proposal=sign_proposal(proposal),
    ), (400 if error else 200)  # fmt: skip


def join_limit() -> None:
    """Count a join attempt for this address; refuse with 429 past the configured ceiling."""
    key = f"join:ip:{request.remote_addr}"
    wait = ratelimit.retry_after(key, int(current_app.config["JOIN_LIMIT_PER_IP"]), JOIN_PERIOD)
    if wait:
        abort(429, retry_after=wait)
    ratelimit.hit(key, JOIN_PERIOD)


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


def log_in(player: Player) -> None:
    """Make this phone play as ``player``; the session holds the player id and the language
    this phone chose, nothing of whoever played on it before."""
    language = session.get("lang")
    session.clear()
    session["player_id"] = player.id
    if language:
        session["lang"] = language
    session.permanent = True


def create_player(name: str, team: str | None) -> Player:
    """Insert a player; raise ValueError("taken") if the name is in use ignoring case."""
    begin_write()
    player = Player(name=name, name_key=name_key(name), team=team)
    db.session.add(player)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValueError("taken") from None
    return player


@bp.get("/me")
@player_required
def me():
    """Show the player's collection, facts learned, score, rank and resume link."""
    found = db.session.execute(
        db.select(Answer, Invider).join(Invider, Answer.invider_id == Invider.id)
        .where(Answer.player_id == g.player.id).order_by(Invider.number)
    ).all()  # fmt: skip
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars().all()
    resume_url = qr = None
    if g.player.resume_token:
        resume_url = url_for("play.resume", token=g.player.resume_token, _external=True)
        qr = Markup(qr_svg(resume_url, _("QR code of your resume link")))
    return render_template("play/me.html", hunt=deck_snapshot().hunt, player=g.player, found=found,
                           inviders=inviders, rank=player_rank(g.player),
                           resume_url=resume_url, qr=qr)  # fmt: skip


@bp.post("/me/resume")
@player_required
def new_resume_link():
    """Create the player's resume link, or replace it, which revokes the old one."""
    new_resume_token(g.player.id)
    return redirect(url_for("play.me") + "#resume")


@bp.route("/resume/<token>", methods=["GET", "POST"])
def resume(token: str):
    """Ask before continuing as the player of a resume link; only the POST logs in."""
    player = player_by_token(token)
    if player is None:
        return render_template("play/resume.html", hunt=deck_snapshot().hunt, player=None), 404
    if request.method == "POST":
        log_in(player)
        return redirect(url_for("play.me"))
    return render_template("play/resume.html", hunt=deck_snapshot().hunt, player=player,
                           token=token, current=g.player)  # fmt: skip


@bp.post("/lang")
def set_language():
    """Switch the interface language for this phone."""
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("play.home"))
