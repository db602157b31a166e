"""Running tallies of the answers for the big screen, kept up to date from new answers only.

The public share of right answers and each topic's first-try rate are counted over whole
batches of answers from at least ``PRIVACY_FLOOR`` different players (``Batches``), so
no change can be traced to one person. Counting every answer
again every two seconds cost each worker a second at 60,000 answers, during which it
answered nothing else; a tally reads only the answers added since its last read. It is
data cached per worker and dropped with the rest (``worker_cache.forget_caches``), so
an organiser hiding a player or editing the deck starts it over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from invider.store.models import Answer, Invider, Player, db


@dataclass
class Batches:
    """Answers counted in whole batches of ``floor`` distinct players, in arrival order."""

    floor: int
    answers: int = 0
    right: int = 0
    players: set[int] = field(default_factory=set)
    _pending: list[tuple[int, bool]] = field(default_factory=list)
    _pending_players: set[int] = field(default_factory=set)

    def add(self, player_id: int, correct: bool) -> None:
        """Count one answer; a batch joins the counts once it holds ``floor`` players."""
        self._pending.append((player_id, correct))
        self._pending_players.add(player_id)
        if len(self._pending_players) >= self.floor:
            self.answers += len(self._pending)
            self.right += sum(1 for _, ok in self._pending if ok)
            self.players |= self._pending_players
            self._pending, self._pending_players = [], set()


@dataclass
class Tally:
    """Finds, reach and batched rates, for the answers up to ``last_id``."""

    floor: int
    before: datetime | None
    last_id: int = 0
    finds: int = 0
    overall: Batches = field(init=False)
    topics: dict[str, Batches] = field(default_factory=dict)
    reached: dict[str, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.overall = Batches(self.floor)

    def read_new_answers(self) -> Tally:
        """Count the answers of visible players added since the last read; return self."""
        answer, invider, player = Answer.__table__.c, Invider.__table__.c, Player.__table__.c
        # Plain columns, and the time only when a freeze cuts the count: the first read
        # of a worker takes every answer of the day.
        columns = [answer.id, answer.player_id, answer.correct, invider.topic]
        if self.before is not None:
            columns.append(answer.created_at)
        rows = db.session.execute(
            db.select(*columns)
            .join_from(Answer.__table__, Invider.__table__, answer.invider_id == invider.id)
            .join(Player.__table__, answer.player_id == player.id)
            .where(player.hidden.is_(False), answer.id > self.last_id)
            .order_by(answer.id)
        ).all()
        before = self.before
        for answer_id, player_id, correct, topic, *at in rows:
            self.finds += 1
            self.last_id = answer_id
            counted = before is None or at[0] < before
            if counted:
                self.overall.add(player_id, correct)
            if topic is None:
                continue
            self.reached.setdefault(topic, set()).add(player_id)
            if counted:
                self.topics.setdefault(topic, Batches(self.floor)).add(player_id, correct)
        return self
