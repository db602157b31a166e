"""The echo: short quizzes after the hunt, drawn from the posters each player found.

One round by default, a week after the close; a deck's ``echo_rounds`` schedules more
(see ``hunt.schedule``). A later round asks again only what the player had not yet
retained, plus one control from a poster they never found.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from invider.hunt.answers import is_correct
from invider.hunt.schedule import open_round
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
    round: int = 1


@dataclass(frozen=True)
class Tried:
    """An earlier echo answer of a player, as a later round's plan needs it."""

    round: int
    invider_id: int
    correct: bool
    control: bool


def _rng(player: Player, salt: str = "") -> random.Random:
    """A random draw that is the same for a player on every request, and differs between them."""
    seed = f"echo:{player.id}:{player.joined_at.isoformat()}:{salt}"
    return random.Random(hashlib.sha256(seed.encode()).digest())


def echo_plan(
    player: Player,
    inviders: list[Invider],
    found: dict[int, bool] | set[int],
    size: int,
    round_number: int = 1,
    earlier: list[Tried] = (),
) -> list[EchoItem]:
    """Draw at most ``size`` posters the player still has to retain, plus one control.

    ``found`` holds the posters answered on the day (by id, with whether the answer was
    right); ``earlier`` the answers of the earlier rounds. A poster is retained once its
    latest echo answer was right: a later round asks again only the others, those last
    answered wrong first. The control is a poster the player never found nor had as a
    control before. Questions come in a new order and each question's choices are
    shuffled, so the echo tests the message, not the memory of a position on a screen.
    """
    found = found if isinstance(found, dict) else dict.fromkeys(found, True)
    salt = "" if round_number == 1 else f"round-{round_number}"
    rng = _rng(player, salt)
    ordered = sorted(inviders, key=lambda invider: invider.number)
    latest = {t.invider_id: t.correct for t in sorted(earlier, key=lambda t: t.round)}
    used = {t.invider_id for t in earlier if t.control}
    answered = [i for i in ordered if i.id in found and not latest.get(i.id, False)]
    unfound = [i for i in ordered if i.id not in found and i.id not in used]
    if round_number == 1:
        chosen = rng.sample(answered, min(size, len(answered)))
    else:
        # Wrong at the last try (in the echo, or on the day if never asked since) first.
        wrong = [i for i in answered if not latest.get(i.id, found[i.id])]
        untested = [i for i in answered if i not in wrong]
        rng.shuffle(wrong)
        rng.shuffle(untested)
        chosen = (wrong + untested)[:size]
    picked = [(invider, False) for invider in chosen]
    if picked and unfound:
        picked.append((rng.choice(unfound), True))
    rng.shuffle(picked)
    items = []
    for invider, control in picked:
        choices = list(invider.choices)
        _rng(player, invider.key).shuffle(choices)
        items.append(
            EchoItem(invider=invider, control=control, choices=tuple(choices), round=round_number)
        )
    return items


def player_plan(player: Player, hunt: Hunt, round_number: int = 1) -> list[EchoItem]:
    """Return the echo of ``player`` in ``round_number``, from the day and earlier rounds."""
    inviders = db.session.execute(db.select(Invider)).scalars().all()
    found = dict(
        db.session.execute(
            db.select(Answer.invider_id, Answer.correct).where(Answer.player_id == player.id)
        ).all()
    )
    earlier = [
        Tried(row.round, row.invider_id, row.correct, row.control)
        for row in db.session.execute(
            db.select(
                EchoAnswer.round, EchoAnswer.invider_id, EchoAnswer.correct, EchoAnswer.control
            ).where(EchoAnswer.player_id == player.id, EchoAnswer.round < round_number)
        )
    ]
    return echo_plan(player, list(inviders), found, hunt.echo_questions, round_number, earlier)


def echo_answers(player: Player, round_number: int = 1) -> dict[int, EchoAnswer]:
    """Return the player's echo answers of one round by invider id."""
    stored = db.session.execute(
        db.select(EchoAnswer).where(
            EchoAnswer.player_id == player.id, EchoAnswer.round == round_number
        )
    )
    return {answer.invider_id: answer for answer in stored.scalars()}


def record_echo(
    player: Player, item: EchoItem, given: str, confidence: str | None = None
) -> tuple[EchoAnswer | None, bool]:
    """Store the one try of ``player`` at ``item`` in its round; return it and whether it was new.

    Scores, ``found`` and the standings are never touched: the echo is for learning.
    Raises EchoClosed when the item's round is not open (checked under the write lock).
    """
    player_id, invider_id = player.id, item.invider.id
    begin_write()
    try:
        hunt = Hunt.current()
        current = open_round(hunt)
        if current is None or current.number != item.round:
            raise EchoClosed()
        judged = db.session.get(Invider, invider_id)
        answer = EchoAnswer(
            player_id=player_id,
            invider_id=invider_id,
            round=item.round,
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
            db.select(EchoAnswer).filter_by(
                player_id=player_id, invider_id=invider_id, round=item.round
            )
        ).scalar_one_or_none()
        return stored, False
    except BaseException:
        db.session.rollback()
        raise
    return answer, True
