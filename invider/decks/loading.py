"""Write a validated deck into the database, keeping every poster code and every answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func

from invider.decks.problems import N_, DeckError, Problem, at_line
from invider.decks.reading import Deck, new_code
from invider.store.database import begin_write
from invider.store.models import Answer, Hunt, Invider, Wave, db


@dataclass
class DeckPlan:
    """What loading a deck would change, by invider key."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Describe the plan in one line."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged"
        )


def plan_deck(deck: Deck) -> DeckPlan:
    """Compare ``deck`` with the database and say what loading it would change."""
    existing = {i.key: i for i in db.session.execute(db.select(Invider)).scalars()}
    plan = DeckPlan()
    for number, item in enumerate(deck.inviders, start=1):
        current = existing.get(item.key)
        if current is None:
            plan.added.append(item.key)
        elif _fields(item, number) != _fields(current, current.number):
            plan.changed.append(item.key)
        else:
            plan.unchanged.append(item.key)
    keys = {item.key for item in deck.inviders}
    plan.removed = [key for key in existing if key not in keys]
    return plan


def _fields(item, number: int) -> tuple:
    return (
        number,
        item.question,
        list(item.choices),
        list(item.accept),
        item.answer,
        item.fact,
        item.topic,
        item.location,
        item.points,
        bool(getattr(item, "strict", False)),
        getattr(item, "wave", None),
        getattr(item, "shuffle_choices", None),
    )


def load_deck(deck: Deck) -> DeckPlan:
    """Upsert ``deck`` in one transaction, keeping every poster code and answer.

    Removing an invider that players already answered is refused.
    """
    begin_write()
    plan = plan_deck(deck)
    if plan.removed:
        answered = dict(
            db.session.execute(
                db.select(Invider.key, func.count(Answer.id))
                .join(Answer, Answer.invider_id == Invider.id)
                .where(Invider.key.in_(plan.removed))
                .group_by(Invider.key)
            ).all()
        )
        if answered:
            db.session.rollback()
            raise DeckError(
                Problem(
                    at_line(deck.path, 1),
                    N_(
                        "cannot remove invider %(key)r: %(count)d answer(s) already "
                        "recorded; keep it in the deck"
                    ),
                    {"key": key, "count": count},
                )
                for key, count in sorted(answered.items())
            )
    hunt = Hunt.current() or Hunt()
    hunt.title, hunt.language, hunt.teams, hunt.points = (
        deck.title,
        deck.language,
        deck.teams,
        deck.points,
    )
    hunt.opens_at, hunt.closes_at, hunt.freeze_at = deck.opens_at, deck.closes_at, deck.freeze_at
    for option, value in deck.learning.items():
        setattr(hunt, option, value)
    hunt.shuffle_choices = deck.programme.get("shuffle_choices", True)
    hunt.countdown_minutes = deck.programme.get("countdown_minutes", 30)
    db.session.add(hunt)
    _load_waves(deck.programme.get("waves", []))
    existing = {i.key: i for i in db.session.execute(db.select(Invider)).scalars()}
    for key in plan.removed:
        db.session.delete(existing.pop(key))
    for number, item in enumerate(deck.inviders, start=1):
        invider = existing.get(item.key) or Invider(key=item.key, code=new_code())
        invider.number = number
        invider.question, invider.choices, invider.accept = item.question, item.choices, item.accept
        invider.answer, invider.fact, invider.points = item.answer, item.fact, item.points
        invider.topic, invider.location = item.topic, item.location
        invider.strict = item.strict
        invider.wave, invider.shuffle_choices = item.wave, item.shuffle_choices
        db.session.add(invider)
    db.session.commit()
    return plan


def _load_waves(waves: list[dict]) -> None:
    """Make the stored waves the deck's: its times put back, the waves it dropped removed."""
    stored = {w.name: w for w in db.session.execute(db.select(Wave)).scalars()}
    for wave in waves:
        row = stored.pop(wave["name"], None) or Wave(name=wave["name"])
        row.at = wave["at"]
        db.session.add(row)
    for row in stored.values():
        db.session.delete(row)
