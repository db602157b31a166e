"""Answer checking, recording, and the standings (with their tie-break)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import Row, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from invider.hunt.answers import is_correct
from invider.hunt.discretion import discreet_players, discreet_teams, is_discreet, privacy_floor
from invider.hunt.messages import active_messages
from invider.store.database import begin_write
from invider.store.models import (
    ANSWERING,
    CONFIDENCE_POINTS,
    HUNT_ID,
    RANKING,
    Answer,
    Hunt,
    Invider,
    Player,
    Wave,
    db,
    schedule_status,
    utcnow,
)
from invider.store.snapshot import deck_snapshot
from invider.store.worker_cache import STANDINGS, cached

#: The ranking: score, then who reached it first, then who joined first. The index
#: ``ix_player_ranking`` holds players in this order, so the standings need no sort.


class AnswersClosed(Exception):
    """The hunt does not record answers right now (read inside the write transaction)."""


# What decides an answer, read in one statement under the write lock: the pages' copy of
# the deck may be a second old, and an organiser may have just closed the hunt or edited
# the question. Built once: statement building cost more than running it.
_invider, _hunt, _answer, _player, _wave = (
    Invider.__table__,
    Hunt.__table__,
    Answer.__table__,
    Player.__table__,
    Wave.__table__,
)
_JUDGE = (
    select(
        _invider.c.choices,
        _invider.c.accept,
        _invider.c.answer,
        _invider.c.points,
        _invider.c.strict,
        _hunt.c.status_override,
        _hunt.c.opens_at,
        _hunt.c.closes_at,
        _hunt.c.freeze_at,
        _hunt.c.confidence,
        _hunt.c.confidence_points,
        _wave.c.at.label("wakes_at"),
    )
    .select_from(
        _invider.join(_hunt, _hunt.c.id == HUNT_ID).outerjoin(
            _wave, _wave.c.name == _invider.c.wave
        )
    )
    .where(_invider.c.id == bindparam("invider_id"))
)
# The score is updated and read back in one statement: the result page shows it.
_ADD_WRONG = (
    update(_player)
    .where(_player.c.id == bindparam("player_id"))
    .values(found=_player.c.found + 1)
    .returning(*_player.c)
)
_ADD_RIGHT = _ADD_WRONG.values(
    score=_player.c.score + bindparam("points"),
    correct=_player.c.correct + 1,
    score_at=bindparam("at", type_=_player.c.score_at.type),
)
_INSERT_ANSWER = insert(_answer).returning(*_answer.c)
STORED_ANSWER = select(_answer).where(
    _answer.c.player_id == bindparam("player_id"), _answer.c.invider_id == bindparam("invider_id")
)
#: A player's row: pages read it, statements change it.
PLAYER_ROW = select(_player).where(_player.c.id == bindparam("player_id"))


class Recorded(NamedTuple):
    """An attempt at an invider: the stored answer, whether this call stored it, and the
    player's row as it stands with it (both None when the player was removed)."""

    answer: Row | None
    created: bool
    player: Row | None


def answer_points(judged, correct: bool, confidence: str | None) -> int:
    """Return the points an answer earns: the question's when right, or, when the deck
    rewards calibrated confidence, that share of them the player's confidence gives.

    The share is rounded half up (5 x 0.5 gives 3, 3 x 1.5 gives 5), and a right answer
    is worth at least one point: it always moves the player up, never only their time.
    """
    if not correct:
        return 0
    if judged.confidence_points and confidence in CONFIDENCE_POINTS:
        return max(1, math.floor(judged.points * CONFIDENCE_POINTS[confidence] + 0.5))
    return judged.points


def record_answer(
    player: Player | Row, invider: Invider, given: str, confidence: str | None = None
) -> Recorded:
    """Store the one attempt of ``player`` at ``invider`` and update the score with it.

    Returns the stored answer, whether this call stored it and the player's row with
    it. A repeated or concurrent attempt is stopped by the unique constraint and gives
    the stored answer; the answer is None when the player was removed meanwhile. The
    hunt's status and the question are read again under the write lock. Raises
    AnswersClosed when the hunt stopped taking answers, LookupError when the invider
    left the deck.

    The transaction holds SQLite's write lock from its first statement: it runs three
    prepared statements and nothing else (the insert and the update return what they
    wrote), so the lock is held as briefly as possible.
    """
    player_id, invider_id = player.id, invider.id
    # Prepared before the write lock is taken: under it, only the statements run.
    values = {
        "player_id": player_id,
        "invider_id": invider_id,
        "given": given[:500],
        "created_at": utcnow(),
    }
    begin_write()
    try:
        judged = db.session.execute(_JUDGE, {"invider_id": invider_id}).first()
        if judged is None:
            raise LookupError(invider_id)
        if schedule_status(judged) not in ANSWERING:
            raise AnswersClosed()
        if judged.wakes_at is not None and utcnow() < judged.wakes_at:
            raise AnswersClosed()  # its wave is still asleep
        correct = is_correct(judged, given)
        confidence = confidence if judged.confidence else None
        values["correct"], values["confidence"] = correct, confidence
        values["points"] = answer_points(judged, correct, confidence)
        answer = db.session.execute(_INSERT_ANSWER, values).one()
        if correct:
            score = {"player_id": player_id, "points": answer.points, "at": answer.created_at}
            updated = db.session.execute(_ADD_RIGHT, score).first()
        else:
            updated = db.session.execute(_ADD_WRONG, {"player_id": player_id}).first()
        if updated is None:
            db.session.rollback()
            return Recorded(None, False, None)
        db.session.commit()
    except IntegrityError:
        # Answered meanwhile (a double submit), or the player was removed.
        db.session.rollback()
        ids = {"player_id": player_id, "invider_id": invider_id}
        stored = db.session.execute(STORED_ANSWER, ids).first()
        now = db.session.execute(PLAYER_ROW, ids).first() if stored else None
        return Recorded(stored, False, now)
    except BaseException:
        db.session.rollback()
        raise
    return Recorded(answer, True, updated)


@dataclass
class Standings:
    """Public standings at one moment; shared by every request of a process."""

    hunt: dict
    players: list[dict]
    teams: list[dict]
    frozen: bool
    generated_at: str
    _bodies: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rank_of(self, player_id: int) -> int | None:
        """Return the public rank of a player within these rows, if there."""
        with self._lock:
            if "ranks" not in self._bodies:
                self._bodies["ranks"] = {row["id"]: row["rank"] for row in self.players}
        return self._bodies["ranks"].get(player_id)

    def json_body(self, limit: int) -> tuple[bytes, str]:
        """Return the ``/leaderboard.json`` body for ``limit`` rows and its digest (ETag)."""
        with self._lock:
            if limit not in self._bodies:
                rows = [
                    {k: r[k] for k in ("rank", "name", "team", "score", "found")}
                    for r in self.players[:limit]
                ]
                content = {"hunt": self.hunt, "players": rows, "teams": self.teams}
                digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode())
                content["generated_at"] = self.generated_at
                body = json.dumps(content, ensure_ascii=False).encode()
                self._bodies[limit] = (body, digest.hexdigest()[:32])
            return self._bodies[limit]


MAX_ROWS = 1000


def standings_frozen(hunt: Hunt | None, now: datetime) -> bool:
    """Tell whether the public standings stand as they were at the freeze time."""
    return bool(
        hunt
        and hunt.status(now) in ("frozen", "closed")
        and hunt.freeze_at
        and now >= hunt.freeze_at
        # One rule for the end of the day: closed by the schedule or by "Close now", the
        # public standings stay as at the freeze (the screen's reveal shows the final ones).
        and hunt.status_override in (None, "closed")
    )


# Every worker reads the top of the standings each second: a Core statement, built
# once (through the ORM, reading and building the rows took twice as long).
_STANDING_ROWS = (
    select(_player.c.id, _player.c.name, _player.c.team, _player.c.score, _player.c.found)
    .where(_player.c.hidden.is_(False))
    .order_by(*RANKING)
    .limit(MAX_ROWS)
)


def public_standings() -> Standings:
    """Return the public standings, computed at most once per cache period per process."""
    return cached(STANDINGS, compute_standings)


def compute_standings(now: datetime | None = None, live: bool = False) -> Standings:
    """Rank visible players by score, then by who reached that score first.

    After the freeze time, scores are rebuilt from the answers given before it,
    so the public standings stay as they were at the freeze. Organisers pass
    ``live=True`` to see the current scores whatever the freeze.
    """
    now = now or utcnow()
    hunt = Hunt.current()
    status = hunt.status(now) if hunt else "closed"
    frozen = not live and standings_frozen(hunt, now)
    total = db.session.execute(db.select(func.count(Invider.id))).scalar_one()
    rows = _frozen_rows(hunt.freeze_at) if frozen else db.session.execute(_STANDING_ROWS)
    # A thousand rows: unpacked as tuples, since each attribute of a Row is a lookup.
    players = [
        {"rank": rank, "id": id_, "name": name, "team": team, "score": score, "found": found}
        for rank, (id_, name, team, score, found) in enumerate(rows, start=1)
    ]
    asleep = db.session.execute(
        db.select(func.count(Invider.id)).join(Wave, Wave.name == Invider.wave).where(Wave.at > now)
    ).scalar_one()
    summary = {
        "title": hunt.title if hunt else "",
        "status": status,
        "inviders": total,
        # The day's programme: posters of later waves, and the organisers' messages.
        "asleep": asleep,
        "messages": active_messages(now),
    }
    bodies = {}
    teams = _team_rows(hunt, frozen)
    if is_discreet(hunt):
        # Works-council mode: only players who opted in are named; the rest are a count.
        players, bodies["ranks"], summary["unnamed"] = discreet_players(players, total)
        teams = discreet_teams(teams, privacy_floor())
    return Standings(
        hunt=summary,
        players=players,
        teams=teams,
        frozen=frozen,
        generated_at=now.isoformat(timespec="seconds"),
        _bodies=bodies,
    )


def _frozen_rows(freeze_at: datetime) -> list:
    """Players as they stood at ``freeze_at``, ranked, from the answers before it."""
    totals = (
        db.select(
            Answer.player_id.label("pid"),
            func.coalesce(func.sum(Answer.points), 0).label("score"),
            func.count(Answer.id).label("found"),
            func.max(db.case((Answer.points > 0, Answer.created_at))).label("reached"),
        )
        .where(Answer.created_at < freeze_at)
        .group_by(Answer.player_id)
        .subquery()
    )
    score = func.coalesce(totals.c.score, 0)
    reached = func.coalesce(totals.c.reached, Player.joined_at)
    return db.session.execute(
        db.select(
            Player.id,
            Player.name,
            Player.team,
            score.label("score"),
            func.coalesce(totals.c.found, 0).label("found"),
        )
        .outerjoin(totals, totals.c.pid == Player.id)
        # Every joined player appears, those who joined after the freeze with nothing.
        .where(Player.hidden.is_(False))
        # RANKING's order, on the scores as they stood at the freeze.
        .order_by(score.desc(), reached, Player.id)
        .limit(MAX_ROWS)
    ).all()


def _team_rows(hunt: Hunt | None, frozen: bool) -> list[dict]:
    """Teams ranked by average score per participant, then by total."""
    if frozen:
        answered = (
            db.select(Answer.player_id, func.sum(Answer.points).label("points"))
            .where(Answer.created_at < hunt.freeze_at)
            .group_by(Answer.player_id)
            .subquery()
        )
        score = func.coalesce(func.sum(answered.c.points), 0)
        # A team's average stays as at the freeze: a late colleague joins it at the end.
        query = (
            db.select(Player.team, score, func.count(Player.id))
            .outerjoin(answered, answered.c.player_id == Player.id)
            .where(Player.joined_at < hunt.freeze_at)
        )
    else:
        query = db.select(Player.team, func.sum(Player.score), func.count(Player.id))
    query = query.where(Player.hidden.is_(False), Player.team.is_not(None)).group_by(Player.team)
    totals = {team: (int(score or 0), count) for team, score, count in db.session.execute(query)}
    for team in hunt.teams if hunt else []:
        totals.setdefault(team, (0, 0))
    ordered = sorted(
        totals.items(), key=lambda t: (-(t[1][0] / t[1][1] if t[1][1] else 0), -t[1][0], t[0])
    )
    return [
        {
            "rank": rank,
            "name": team,
            "score": score,
            "players": count,
            "average": round(score / count, 1) if count else 0.0,
        }
        for rank, (team, (score, count)) in enumerate(ordered, start=1)
    ]


def ranked_ahead(player, players=Player) -> tuple:
    """Return the three disjoint conditions of the players ``RANKING`` puts ahead of ``player``.

    A higher score; the same score reached earlier; the same score at the same moment
    with a smaller id (the order of ``RANKING``, written as conditions). ``player`` may
    hold bound parameters instead of values, for a statement built once; ``players`` is
    the ORM class or, for a Core statement, the table's columns.
    """
    return (
        players.score > player.score,
        and_(players.score == player.score, players.score_at < player.score_at),
        and_(
            players.score == player.score,
            players.score_at == player.score_at,
            players.id < player.id,
        ),
    )


def _ranked_before(*conditions):
    return select(func.count()).where(_player.c.hidden.is_(False), *conditions).scalar_subquery()


# Every result page shows the live rank: its three counts are built once, with the
# player's values as parameters, since building them cost more than running them. On
# the table's columns, not the ORM's attributes: an ORM statement is run through the
# ORM's own steps, which cost a quarter of the rank again.
_SCORE, _AT = bindparam("score"), bindparam("at", type_=_player.c.score_at.type)
_HIGHER, _EARLIER, _SAME_MOMENT = ranked_ahead(
    SimpleNamespace(score=_SCORE, score_at=_AT, id=bindparam("id")), _player.c
)
_LIVE_RANK = select(
    _ranked_before(_HIGHER) + _ranked_before(_EARLIER) + _ranked_before(_SAME_MOMENT)
)


def live_rank(player: Player | Row) -> int:
    """Return the rank of ``player`` among visible players (1 is first), as it is now.

    Three range counts on the ranking index: players with a higher score, players who
    reached the same score earlier, and players who reached it at the same moment with
    a smaller id (as one OR, SQLite gathered the rows into a temporary set first).
    """
    values = {"score": player.score, "at": player.score_at, "id": player.id}
    return db.session.execute(_LIVE_RANK, values).scalar_one() + 1


def player_rank(player: Player | Row) -> int | None:
    """Return the rank a player is shown: live, or the public one while standings are frozen."""
    if player.hidden:
        return None
    # The worker's copy of the hunt tells whether the standings are frozen; the public
    # standings are read only then.
    if standings_frozen(deck_snapshot().hunt, utcnow()):
        return public_standings().rank_of(player.id)
    return live_rank(player)
