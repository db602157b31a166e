"""Retention: when per-person data is anonymised and deleted, and the job that does it."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, update

from invider.hunt.discretion import is_discreet
from invider.hunt.moderation import anonymise_players, scrub_free_space
from invider.hunt.schedule import echo_window
from invider.learning.kits import compute_kits
from invider.learning.topics import compute_learning
from invider.store.backup import delete_backups
from invider.store.database import begin_write
from invider.store.models import (
    Account,
    Answer,
    AuditEntry,
    EchoAnswer,
    Hunt,
    Invider,
    Player,
    RateCount,
    db,
    utcnow,
)

#: In discreet mode without ``retention_days``, per-person data is kept this long.
DISCREET_RETENTION_DAYS = 30


def retention_days(hunt: Hunt | None) -> int | None:
    """Return how many days after the close per-person data is kept (None: no limit set)."""
    if hunt is None:
        return None
    if hunt.retention_days:
        return hunt.retention_days
    return DISCREET_RETENTION_DAYS if is_discreet(hunt) else None


def retention_date(hunt: Hunt | None) -> datetime | None:
    """Return when per-person data is anonymised and deleted, if a date applies.

    It waits until the echo's last round has closed, since each round builds on the
    player's earlier answers.
    """
    days = retention_days(hunt)
    if days is None or hunt.closes_at is None:
        return None
    when = hunt.closes_at + timedelta(days=days)
    last = echo_window(hunt)[1]
    return max(when, last) if last is not None else when


def retention_waits_for_echo(hunt: Hunt | None) -> bool:
    """Tell whether the retention date was put back to the close of the echo's last round."""
    days = retention_days(hunt)
    last = echo_window(hunt)[1]
    if days is None or hunt.closes_at is None or last is None:
        return False
    return last > hunt.closes_at + timedelta(days=days)


def retention_due(hunt: Hunt | None, now: datetime | None = None) -> bool:
    """Tell whether the retention date has passed and its job has not run yet."""
    when = retention_date(hunt)
    return when is not None and hunt.retention_done_at is None and (now or utcnow()) >= when


def retention_preview() -> dict[str, int]:
    """Count what the retention job would anonymise and delete if it ran now."""

    def count(*where, model=Player) -> int:
        return db.session.execute(
            db.select(func.count()).select_from(model).where(*where)
        ).scalar_one()

    return {
        "names": count(),
        "resume_links": count(Player.resume_token.is_not(None)),
        "confidences": count(Answer.confidence.is_not(None), model=Answer),
        "echo_answers": count(model=EchoAnswer),
        "accounts": count(model=Account),
    }


def apply_retention(floor: int, actor: str = "retention", force: bool = False) -> bool:
    """Anonymise names; delete per-person secrets, confidence, echo answers, account links.

    Runs once, on or after the retention date (``force`` runs it now). The per-topic
    learning figures and the huddle kits (floor applied) are computed first and kept on
    the hunt, so the report and the kits still say what was learned. Returns whether it
    ran.
    """
    hunt = Hunt.current()
    if hunt is None or hunt.retention_done_at is not None:
        return False
    if not force and not retention_due(hunt):
        return False
    kept = {"topics": compute_learning(floor), "kits": compute_kits(floor), "floor": floor}
    db.session.rollback()
    anonymise_players(actor, hunt.language)
    begin_write()
    hunt = Hunt.current()
    if hunt.retention_done_at is not None:  # another worker ran it meanwhile
        db.session.rollback()
        return False
    # An empty secret matches no session cookie: every phone starts over.
    db.session.execute(
        update(Player).values(resume_token=None, session_secret="", join_key=None, show_name=False)
    )
    db.session.execute(update(Answer).values(confidence=None))
    # A typed answer is free text ("Carol says 133"): only whether it was right stays.
    typed = [i.id for i in db.session.execute(db.select(Invider)).scalars() if i.typed]
    db.session.execute(update(Answer).where(Answer.invider_id.in_(typed)).values(given=""))
    db.session.execute(db.delete(EchoAnswer))
    # The link from company accounts to players: afterwards nobody can be traced back.
    db.session.execute(db.delete(Account))
    # Rate-limit counts name addresses (hashed) and devices; none is needed any more.
    db.session.execute(db.delete(RateCount))
    # The audit log names players in renames and hidings: keep what was done, not to whom.
    db.session.execute(
        update(AuditEntry).where(AuditEntry.action.like("player.%")).values(detail="")
    )
    # ...and organisers by their device, not by their address ("organiser #ab12 (10.0.0.7)").
    for entry in db.session.execute(db.select(AuditEntry)).scalars():
        entry.actor = re.sub(r" \([^()]*\)$", "", entry.actor)
    hunt.retained_figures = kept
    hunt.retention_done_at = utcnow()
    db.session.commit()
    scrub_free_space()
    # The copies kept before a reset hold every earlier name; uploads wait for nobody now.
    instance = Path(current_app.instance_path)
    delete_backups(instance / "backups")
    shutil.rmtree(instance / "deck-uploads", ignore_errors=True)
    return True
