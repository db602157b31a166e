"""The echo: a short quiz a week after the hunt, drawn from the posters each player found."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from invider.hunt.answers import is_correct
from invider.hunt.schedule import echo_status
from invider.store.database import begin_write
from invider.store.models import Answer, EchoAnswer, Hunt, Invider, Player, db, utcnow


class EchoClosed(Exception):
    """The echo takes no answers right now (read inside the write transaction)."""


@dataclass(frozen=True)
class EchoItem:
    """One echo question for one player: the invider, its choices in their new order."""

    invider: Invider
    control: bool
    choices: tuple[str, ...]


def _rng(player: Player, salt: str = "") -> random.Random:
    """A random draw that is the same for a player on every request, and differs between them."""
    seed = f"echo:{player.id}:{player.joined_at.isoformat()}:{salt}"
    return random.Random(hashlib.sha256(seed.encode()).digest())


def echo_plan(
    player: Player, inviders: list[Invider], found: set[int], size: int
) -> list[EchoItem]:
    """Draw ``size`` posters the player answered plus one control they never found.

    The questions come in a new order and each question's choices are shuffled, so the
    echo tests the message, not the memory of a position on a screen.
    """
    rng = _rng(player)
    ordered = sorted(inviders, key=lambda invider: invider.number)
    answered = [invider for invider in ordered if invider.id in found]
    unfound = [invider for invider in ordered if invider.id not in found]
    picked = [(invider, False) for invider in rng.sample(answered, min(size, len(answered)))]
    if picked and unfound:
        picked.append((rng.choice(unfound), True))
    rng.shuffle(picked)
    items = []
    for invider, control in picked:
        choices = list(invider.choices)
        _rng(player, invider.key).shuffle(choices)
        items.append(EchoItem(invider=invider, control=control, choices=tuple(choices)))
    return items


def player_plan(player: Player, hunt: Hunt) -> list[EchoItem]:
    """Return the echo of ``player``, from the answers they gave on the day."""
    inviders = db.session.execute(db.select(Invider)).scalars().all()
    found = set(
        db.session.execute(db.select(Answer.invider_id).where(Answer.player_id == player.id))
        .scalars()
        .all()
    )
    return echo_plan(player, list(inviders), found, hunt.echo_questions)


def echo_answers(player: Player) -> dict[int, EchoAnswer]:
    """Return the player's echo answers by invider id."""
    stored = db.session.execute(db.select(EchoAnswer).where(EchoAnswer.player_id == player.id))
    return {answer.invider_id: answer for answer in stored.scalars()}


def record_echo(
    player: Player, item: EchoItem, given: str, confidence: str | None = None
) -> tuple[EchoAnswer | None, bool]:
    """Store the one echo try of ``player`` at ``item``; return it and whether this call did.

    Scores, ``found`` and the standings are never touched: the echo is for learning.
    Raises EchoClosed when the echo window is over (checked under the write lock).
    """
    player_id, invider_id = player.id, item.invider.id
    begin_write()
    try:
        hunt = Hunt.current()
        if echo_status(hunt) != "open":
            raise EchoClosed()
        judged = db.session.get(Invider, invider_id)
        answer = EchoAnswer(
            player_id=player_id,
            invider_id=invider_id,
            given=given[:500],
            correct=is_correct(judged, given),
            control=item.control,
            confidence=confidence if hunt.confidence else None,
            created_at=utcnow(),
        )
        db.session.add(answer)
        db.session.commit()
    except IntegrityError:
        # A double submit (the first try stands), or the player was removed (None).
        db.session.rollback()
        stored = db.session.execute(
            db.select(EchoAnswer).filter_by(player_id=player_id, invider_id=invider_id)
        ).scalar_one_or_none()
        return stored, False
    except BaseException:
        db.session.rollback()
        raise
    return answer, True
