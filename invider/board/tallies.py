"""Running tallies of the answers for the big screen, kept up to date from new answers only.

The public share of right answers and each topic's first-try rate are counted over whole
batches of answers from ``PRIVACY_FLOOR`` to twice as many different players (``Batches``;
each batch's size is drawn from the instance secret, so nobody can tell when one closes),
and published only in steps as coarse as a floor of players supports (``published_rate``):
no change can be traced to one person, even by someone who controls the rest of a batch.
Counting every answer again every two seconds cost each worker a second at 60,000
answers, during which it answered nothing else; a tally reads only the answers added
since its last read. It is data cached per worker and dropped with the rest
(``worker_cache.forget_caches``), so an organiser hiding a player or editing the deck
starts it over.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from datetime import datetime

from invider.store.models import Answer, Invider, Player, db

#: The steps a published rate may take (see ``published_rate``).
STEPS = (0.05, 0.1, 0.2, 0.25, 0.5)


@dataclass
class Batches:
    """Answers counted in whole batches of ``floor`` to ``2 * floor`` players, in order.

    With a ``key`` (the public screen) each batch's size is drawn from it, the same in
    every worker; without one (the report, a floor of 1) batches hold ``floor`` players.
    """

    floor: int
    key: bytes = b""
    answers: int = 0
    right: int = 0
    players: set[int] = field(default_factory=set)
    closed: int = 0
    _pending: list[tuple[int, bool]] = field(default_factory=list)
    _pending_players: set[int] = field(default_factory=set)

    def target(self) -> int:
        """Return how many distinct players close the batch now pending."""
        if not self.key or self.floor <= 1:
            return self.floor
        digest = hmac.new(self.key, str(self.closed).encode(), hashlib.sha256).digest()
        return self.floor + digest[0] % (self.floor + 1)

    def add(self, player_id: int, correct: bool) -> None:
        """Count one answer; a batch joins the counts once it holds enough players."""
        self._pending.append((player_id, correct))
        self._pending_players.add(player_id)
        if len(self._pending_players) >= self.target():
            self.answers += len(self._pending)
            self.right += sum(1 for _, ok in self._pending if ok)
            self.players |= self._pending_players
            self._pending, self._pending_players = [], set()
            self.closed += 1


def published_rate(batches: Batches) -> float | None:
    """Return the share of right answers as the big screen may show it, or None.

    None until four floors of answers count; then rounded half up to the finest step of
    ``STEPS`` at least ``2 * floor / answers``: 20 answers give halves, 100 tenths. One
    answer moves the exact share by 1/answers, a tenth of such a step or less, so it
    rarely moves the published one: someone who controls every other answer of a batch
    saw a change in about one attack out of ten in simulation (every time before).
    """
    if batches.answers == 0:
        return None
    if batches.floor <= 1:  # no privacy floor asked for: the plain share
        return round(batches.right / batches.answers, 3)
    if batches.answers < 4 * batches.floor:
        return None
    wanted = 2 * batches.floor / batches.answers
    step = next((s for s in STEPS if s >= wanted), STEPS[-1])
    return round(math.floor(batches.right / batches.answers / step + 0.5) * step, 3)


@dataclass
class Tally:
    """Finds, reach and batched rates, for the answers up to ``last_id``."""

    floor: int
    before: datetime | None
    #: Draws the batch sizes (see Batches); empty: fixed batches of ``floor``.
    key: bytes = b""
    last_id: int = 0
    finds: int = 0
    overall: Batches = field(init=False)
    topics: dict[str, Batches] = field(default_factory=dict)
    reached: dict[str, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.overall = Batches(self.floor, self.key)

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
                batches = self.topics.get(topic)
                if batches is None:
                    key = self.key and self.key + topic.encode()
                    batches = self.topics[topic] = Batches(self.floor, key)
                batches.add(player_id, correct)
        return self
