"""Answer checking, recording, and the standings (with their tie-break)."""

from __future__ import annotations

import bisect
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Row, bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from invider.answers import is_correct, normalise_answer  # noqa: F401 (re-exported)
from invider.models import (
    ANSWERING,
    Answer,
    Hunt,
    Invider,
    Player,
    answer_row,
    db,
    read,
    schedule_status,
    utcnow,
    writing,
)
from invider.worker_cache import STANDINGS, cached


class AnswersClosed(Exception):
    """The hunt does not record answers right now (read inside the write transaction)."""


_answer, _hunt, _invider, _player = (Answer.__table__, Hunt.__table__, Invider.__table__,
                                     Player.__table__)  # fmt: skip
# What decides an answer, read afresh under the write lock: the pages' copy of the deck
# may be a second old, and an organiser may have just closed the hunt or edited a question.
_JUDGE = (
    select(_invider.c.choices, _invider.c.accept, _invider.c.answer, _invider.c.points,
           _hunt.c.status_override, _hunt.c.opens_at, _hunt.c.closes_at, _hunt.c.freeze_at)
    .select_from(_invider.join(_hunt, true()))
    .where(_invider.c.id == bindparam("invider_id"))
    .limit(1)
)  # fmt: skip
_INSERT_ANSWER = insert(_answer)
# Each returns the player's row as it stands after the answer, for the result page.
_SCORE_WRONG = (update(_player).where(_player.c.id == bindparam("player_id"))
                .values(found=_player.c.found + 1).returning(*_player.c))  # fmt: skip
_SCORE_RIGHT = _SCORE_WRONG.values(
    score=_player.c.score + bindparam("points"), correct=_player.c.correct + 1,
    score_at=bindparam("at", type_=_player.c.score_at.type),
)


class StoredAnswer(NamedTuple):
    """A player's attempt as the pages show it: an ORM Answer costs more to build."""

    id: int
    player_id: int
    invider_id: int
    given: str
    correct: bool
    points: int
    created_at: datetime


class Recorded(NamedTuple):
    """What recording an attempt gave: the stored answer, whether this request stored it,
    and the player's row just after it (None when another request stored it)."""

    answer: StoredAnswer | Row | None
    created: bool
    player: Row | None = None


def record_answer(player, invider, given: str) -> Recorded:
    """Store the one attempt of ``player`` at ``invider`` and update the score with it.

    A repeated or concurrent attempt is stopped by the unique constraint and gives the
    stored answer with ``created`` False. The answer is None only when the player was
    removed meanwhile. Raises AnswersClosed when the hunt stopped taking answers,
    LookupError when the invider left the deck.
    """
    player_id, invider_id = player.id, invider.id
    try:
        with writing() as conn:
            judge = conn.execute(_JUDGE, {"invider_id": invider_id}).first()
            if judge is None:
                raise LookupError(invider_id)
            if schedule_status(judge) not in ANSWERING:
                raise AnswersClosed()
            correct = is_correct(judge, given)
            values = {"player_id": player_id, "invider_id": invider_id, "given": given[:500],
                      "correct": correct, "points": judge.points if correct else 0,
                      "created_at": utcnow()}  # fmt: skip
            answer = StoredAnswer(
                id=conn.execute(_INSERT_ANSWER, values).inserted_primary_key[0], **values)
            if correct:
                after = conn.execute(_SCORE_RIGHT, {
                    "player_id": player_id, "points": answer.points, "at": answer.created_at,
                }).first()  # fmt: skip
            else:
                after = conn.execute(_SCORE_WRONG, {"player_id": player_id}).first()
    except IntegrityError:
        # Answered meanwhile (a double submit), or the player was removed.
        return Recorded(answer_row(player_id, invider_id), False)
    return Recorded(answer, True, after)


@dataclass
class Standings:
    """Public standings at one moment; shared by every request of a process."""

    hunt: dict
    players: list[dict]
    teams: list[dict]
    frozen: bool
    generated_at: str
    # Distinct scores of visible players, ascending, and how many players have each
    # score or a higher one (live standings only): ranks beyond the cached rows.
    scores: list[int] = field(default_factory=list, repr=False)
    at_or_above: list[int] = field(default_factory=list, repr=False)
    # When that tally was read (None when frozen).
    tallied_at: datetime | None = field(default=None, repr=False)
    _bodies: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rank_of(self, player_id: int) -> int | None:
        """Return the public rank of a player within the cached rows, if there."""
        if "ranks" not in self._bodies:
            # Built once per snapshot: every result page asks, so no scan of 1,000 rows.
            self._bodies["ranks"] = {row["id"]: row["rank"] for row in self.players}
        return self._bodies["ranks"].get(player_id)

    def count_above(self, score: int) -> int:
        """Return how many visible players had a higher score than ``score`` at this moment."""
        index = bisect.bisect_right(self.scores, score)
        return self.at_or_above[index] if index < len(self.scores) else 0

    def count_at(self, score: int) -> int:
        """Return how many visible players had exactly ``score`` at this moment."""
        index = bisect.bisect_left(self.scores, score)
        if index == len(self.scores) or self.scores[index] != score:
            return 0
        return self.at_or_above[index] - self.count_above(score)

    def json_body(self, limit: int) -> tuple[bytes, str]:
        """Return the ``/leaderboard.json`` body for ``limit`` rows and its digest (ETag)."""
        with self._lock:
            if limit not in self._bodies:
                rows = [{k: r[k] for k in ("rank", "name", "team", "score", "found")}
                        for r in self.players[:limit]]  # fmt: skip
                content = {"hunt": self.hunt, "players": rows, "teams": self.teams}
                digest = hashlib.sha256(
                    json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]  # fmt: skip
                content["generated_at"] = self.generated_at
                body = json.dumps(content, ensure_ascii=False).encode()
                self._bodies[limit] = (body, digest)
            return self._bodies[limit]


MAX_ROWS = 1000


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
    hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    status = hunt.status(now) if hunt else "closed"
    frozen = bool(not live and hunt and status in ("frozen", "closed") and hunt.freeze_at
                  and now >= hunt.freeze_at and not hunt.status_override)  # fmt: skip
    total = db.session.execute(db.select(func.count(Invider.id))).scalar_one()
    if frozen:
        rows = _frozen_rows(hunt.freeze_at)
    else:
        rows = db.session.execute(
            db.select(Player.id, Player.name, Player.team, Player.score, Player.found)
            .where(Player.hidden.is_(False))
            .order_by(Player.score.desc(), Player.score_at, Player.id)
            .limit(MAX_ROWS)
        ).all()
    players = [
        {"rank": rank, "id": r.id, "name": r.name, "team": r.team, "score": r.score,
         "found": r.found}
        for rank, r in enumerate(rows, start=1)
    ]  # fmt: skip
    teams = _team_rows(hunt, frozen)
    tallied_at = None if frozen else utcnow()
    scores, at_or_above = ([], []) if frozen else _score_ladder()
    return Standings(
        hunt={"title": hunt.title if hunt else "", "status": status, "inviders": total},
        players=players, teams=teams, frozen=frozen,
        generated_at=now.isoformat(timespec="seconds"),
        scores=scores, at_or_above=at_or_above, tallied_at=tallied_at,
    )  # fmt: skip


def _score_ladder() -> tuple[list[int], list[int]]:
    """Return the distinct scores of visible players, ascending, and the players at each
    score or above (one pass over the ranking index)."""
    counts = db.session.execute(
        select(Player.score, func.count()).where(Player.hidden.is_(False))
        .group_by(Player.score).order_by(Player.score.desc())
    ).all()  # fmt: skip
    scores, at_or_above, running = [], [], 0
    for score, count in counts:
        running += count
        scores.append(score)
        at_or_above.append(running)
    return scores[::-1], at_or_above[::-1]


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
        db.select(Player.id, Player.name, Player.team, score.label("score"),
                  func.coalesce(totals.c.found, 0).label("found"))
        .outerjoin(totals, totals.c.pid == Player.id)
        .where(Player.hidden.is_(False), Player.joined_at < freeze_at)
        .order_by(score.desc(), reached, Player.id)
        .limit(MAX_ROWS)
    ).all()  # fmt: skip


def _team_rows(hunt: Hunt | None, frozen: bool) -> list[dict]:
    """Teams ranked by average score per participant, then by total."""
    if frozen:
        answered = db.select(Answer.player_id, func.sum(Answer.points).label("points")).where(
            Answer.created_at < hunt.freeze_at).group_by(Answer.player_id).subquery()
        score = func.coalesce(func.sum(answered.c.points), 0)
        query = (db.select(Player.team, score, func.count(Player.id))
                 .outerjoin(answered, answered.c.player_id == Player.id)
                 .where(Player.joined_at < hunt.freeze_at))  # fmt: skip
    else:
        query = db.select(Player.team, func.sum(Player.score), func.count(Player.id))
    query = query.where(Player.hidden.is_(False), Player.team.is_not(None)).group_by(Player.team)
    totals = {team: (int(score or 0), count) for team, score, count in db.session.execute(query)}
    for team in hunt.teams if hunt else []:
        totals.setdefault(team, (0, 0))
    ordered = sorted(totals.items(),
                     key=lambda t: (-(t[1][0] / t[1][1] if t[1][1] else 0), -t[1][0], t[0]))
    return [
        {"rank": rank, "name": team, "score": score, "players": count,
         "average": round(score / count, 1) if count else 0.0}
        for rank, (team, (score, count)) in enumerate(ordered, start=1)
    ]  # fmt: skip


def _ahead(*conditions):
    return (select(func.count()).select_from(_player)
            .where(_player.c.hidden.is_(False), _player.c.score == bindparam("score"),
                   *conditions).scalar_subquery())  # fmt: skip


# Players with the same score who reached it first: two range counts on the ranking index,
# summed (as one OR, SQLite gathered the rows into a temporary set first).
_TIED_AHEAD = select(
    _ahead(_player.c.score_at < bindparam("score_at"))
    + _ahead(_player.c.score_at == bindparam("score_at"), _player.c.id < bindparam("id"))
)


def live_rank(player, standings: Standings | None = None) -> int:
    """Return the rank of ``player`` among visible players (1 is first), with their live score.

    Players with a higher score are counted from the cached standings (at most a cache
    period old): counting them in the database read every one of them, on every answer.
    A player who reached their score after that tally comes after everyone it shows at
    that score, as after a right answer; otherwise the tied players are counted live.
    """
    standings = standings or public_standings()
    if standings.tallied_at is not None and player.score_at > standings.tallied_at:
        tied = standings.count_at(player.score)
    else:
        tied = read(_TIED_AHEAD, {"score": player.score, "score_at": player.score_at,
                                  "id": player.id}).scalar_one()  # fmt: skip
    return standings.count_above(player.score) + tied + 1


def player_rank(player) -> int | None:
    """Return the rank a player is shown: the public one, else the live one."""
    if player.hidden:
        return None
    standings = public_standings()
    rank = standings.rank_of(player.id)
    if rank is None and not standings.frozen:
        rank = live_rank(player, standings)
    return rank
