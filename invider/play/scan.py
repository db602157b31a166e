"""The poster views: home, a typed code, the scan, the one answer and its result."""

from __future__ import annotations

import time

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import Row, and_, bindparam, select

from invider.decks.reading import normalise_code
from invider.hunt.programme import choice_order, shuffles, wakes_at, wave_counts
from invider.hunt.scoring import (
    PLAYER_ROW,
    STORED_ANSWER,
    AnswersClosed,
    player_rank,
    record_answer,
)
from invider.play.identity import bp, log_out, player_required
from invider.play.programme import asleep
from invider.store import ratelimit
from invider.store.models import Answer, Invider, Player, db, utcnow
from invider.store.snapshot import deck_snapshot
from invider.web.forms import answer_form

# Guessing poster codes: 10 unknown codes in 5 minutes per player. Codes carry 64 bits,
# so guessing is hopeless; the limit is per player, so that one person guessing never
# blocks the colleagues who share their office's address.
MISS_LIMIT, MISS_PERIOD = 10, 300

# Every scan reads this player's guessing counter and their stored answer at this poster:
# one statement, built once, because building a statement and each round trip through
# the session cost more than the SQL itself. The outer join keeps the counters' row when
# there is no answer yet (its columns are then None).
_answer, _player = Answer.__table__, Player.__table__
VISIT = (
    select(
        ratelimit.count_column("miss_key", "miss_window").label("misses"),
        ratelimit.count_column("miss_key", "miss_window_before").label("misses_before"),
        *_answer.c,
    )
    .select_from(
        _player.outerjoin(
            _answer,
            and_(
                _answer.c.player_id == _player.c.id,
                _answer.c.invider_id == bindparam("invider_id"),
            ),
        )
    )
    .where(_player.c.id == bindparam("player_id"))
)


def visit_poster(code: str) -> tuple[Invider, Row | None]:
    """Return the invider printed with ``code`` and this player's stored answer, if any.

    Refuses with 429 while this player guessed too many codes, whether this code is
    known or not, so a player past the limit learns nothing; counts a miss and 404s
    an unknown code. A phone that has not joined never gets here: it is sent to the
    join form first, so it learns nothing about codes.
    """
    invider = deck_snapshot().by_code.get(normalise_code(code)[:20])
    miss_key, now = f"miss:p:{g.player.id}", time.time()
    stored, counts = None, None
    if ratelimit.counted_in_database():
        window, before = ratelimit.windows(MISS_PERIOD, now)
        row = db.session.execute(
            VISIT,
            {
                "player_id": g.player.id,
                "invider_id": invider.id if invider else None,
                "miss_key": miss_key,
                "miss_window": window,
                "miss_window_before": before,
            },
        ).first()
        if row is not None:  # None only if the player was removed since the page began
            counts = {(miss_key, window): row.misses, (miss_key, before): row.misses_before}
            stored = row if row.id is not None else None
    elif invider is not None:  # the counters are in Redis
        stored = db.session.execute(
            STORED_ANSWER, {"player_id": g.player.id, "invider_id": invider.id}
        ).first()
    wait = ratelimit.first_retry_after([(miss_key, MISS_LIMIT)], MISS_PERIOD, now, counts)
    if wait:
        abort(429, retry_after=wait)
    if invider is None:
        ratelimit.hit(miss_key, MISS_PERIOD)
        abort(404)
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
    counts = wave_counts(deck.by_code.values(), deck.waves, utcnow())
    return render_template(
        "play/home.html",
        hunt=deck.hunt,
        total=counts.awake,
        asleep=counts.asleep,
        progress=progress,
    )


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
        return show_result(invider, stored, player_with(stored))
    deck = deck_snapshot()
    if wakes_at(invider, deck.waves, utcnow()):
        return asleep(invider)
    if not deck.hunt.accepts_answers():
        return render_template("play/not_open.html", hunt=deck.hunt, invider=invider)
    # Not answered yet: the scan is a find, celebrated before the question.
    choices = choice_order(invider.choices, g.player.id, invider.code, shuffles(deck.hunt, invider))
    return render_template(
        "play/question.html",
        hunt=deck.hunt,
        invider=invider,
        choices=choices,
        total=deck.total,
        found=True,
    )


@bp.post("/i/<code>")
@player_required
def answer(code: str):
    """Record the one attempt at this poster and show the result with its fact."""
    invider, stored = visit_poster(code)
    if stored is not None:  # a repeated POST shows the one attempt
        return show_result(invider, stored, player_with(stored))
    if wakes_at(invider, deck_snapshot().waves, utcnow()):
        return asleep(invider, 409)
    if not deck_snapshot().hunt.accepts_answers():
        return closed(invider)
    given, confidence = answer_form(invider.choices)
    try:
        # A concurrent double submit is caught inside, under the write lock.
        stored, _created, player = record_answer(g.player, invider, given, confidence)
    except AnswersClosed:
        return closed(invider)
    except LookupError:
        abort(404)
    if stored is None:
        log_out()  # removed meanwhile
        return redirect(url_for("play.join", next=url_for("play.scan", code=invider.code)))
    return show_result(invider, stored, player)


def player_with(stored: Row) -> Row:
    """Return the player's row with ``stored`` counted in their score.

    The answer may have been stored by another request after this one read the player
    (a double submit; on PostgreSQL each statement sees the latest commits), so the row
    is read again.
    """
    return db.session.execute(PLAYER_ROW, {"player_id": stored.player_id}).first() or g.player


def closed(invider: Invider):
    """Answer a POST that came while the hunt (or this poster's wave) takes no answers."""
    deck = deck_snapshot()
    if wakes_at(invider, deck.waves, utcnow()):
        return asleep(invider, 409)
    return render_template("play/not_open.html", hunt=deck.hunt, invider=invider), 409


def show_result(invider: Invider, stored: Row, player: Row):
    """Render the result of a stored answer: right or wrong, the answer, the fact.

    The verdict's wording follows the confidence the player gave: a confident error is
    the one best corrected, so it is named and its fact stands out.

    ``player`` is the player's row read with the answer or written with it, so the
    score and rank shown include this answer.
    """
    deck = deck_snapshot()
    return render_template(
        "play/result.html",
        hunt=deck.hunt,
        invider=invider,
        answer=stored,
        total=deck.total,
        player=player,
        rank=player_rank(player),
    )
