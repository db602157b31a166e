"""Organiser actions on players and on the hunt, each written to the audit log.

Every function owns its transaction: it starts the write, records the audit
entry in the same transaction, and commits. No request code here.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import String, cast, update
from sqlalchemy.exc import IntegrityError

from invider.hunt.names import clean_display_name, name_key
from invider.store.database import begin_write
from invider.store.models import Answer, AuditEntry, Hunt, Player, RateCount, db

STATUSES = ("open", "frozen", "closed")
NAME_MODES = ("free", "generated")
ANONYMOUS = {"fr": "Joueur {id}", "en": "Player {id}"}


def audit(actor: str, action: str, detail: str = "") -> None:
    """Add an audit entry to the current transaction; the caller commits."""
    db.session.add(AuditEntry(actor=actor, action=action, detail=detail))


def _player(player_id: int) -> Player:
    player = db.session.get(Player, player_id)
    if player is None:
        db.session.rollback()
        raise LookupError(player_id)
    return player


def rename_player(player_id: int, new_name: str, actor: str) -> Player:
    """Rename a player; raise ValueError with a name error id, LookupError if gone."""
    name = clean_display_name(new_name)
    begin_write()
    player = _player(player_id)
    old = player.name
    player.name, player.name_key = name, name_key(name)
    audit(actor, "player.rename", f"#{player_id}: {old!r} → {name!r}")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValueError("taken") from None
    return player


def set_hidden(player_id: int, hidden: bool, actor: str) -> Player:
    """Hide a player from the public standings, or show them again."""
    begin_write()
    player = _player(player_id)
    player.hidden = hidden
    audit(actor, "player.hide" if hidden else "player.show", f"#{player_id}: {player.name!r}")
    db.session.commit()
    return player


def remove_player(player_id: int, actor: str) -> int:
    """Delete a player and their answers; return how many answers went with them."""
    begin_write()
    player = _player(player_id)
    answers = db.session.execute(db.delete(Answer).where(Answer.player_id == player_id)).rowcount
    audit(
        actor,
        "player.remove",
        f"#{player_id}: {player.name!r}, score {player.score}, {answers} answer(s)",
    )
    db.session.execute(db.delete(Player).where(Player.id == player_id))
    db.session.commit()
    return answers


def anonymise_players(actor: str, language: str = "en") -> int:
    """Replace every display name with "Player 123", keeping scores, teams and answers.

    Names in earlier audit entries are scrubbed too; the entries themselves stay.
    """
    begin_write()
    pattern = ANONYMOUS.get(language, ANONYMOUS["en"])
    ids = db.session.execute(db.select(Player.id)).scalars().all()
    # Two passes: a player already called "Player 7" must not block player 7.
    db.session.execute(update(Player).values(name_key="anonymised:" + cast(Player.id, String)))
    for player_id in ids:
        name = pattern.format(id=player_id)
        db.session.execute(
            update(Player).where(Player.id == player_id).values(name=name, name_key=name_key(name))
        )
    for entry in db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action.like("player.%"))
    ).scalars():
        entry.detail = entry.detail.split(":", 1)[0] + ": (anonymised)"
    audit(actor, "hunt.anonymise", f"{len(ids)} player(s)")
    db.session.commit()
    scrub_free_space()
    return len(ids)


def scrub_free_space() -> None:
    """Leave no overwritten value readable in the SQLite file or its WAL.

    An UPDATE leaves the old row in free pages and in the WAL until they are reused:
    VACUUM rewrites the file without free pages, then a TRUNCATE checkpoint copies the
    WAL back into it and cuts the WAL to nothing. Nothing to do on PostgreSQL, whose
    files the organiser never handles.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    db.session.remove()
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        driver.execute("VACUUM")
        # A reader in the middle of a page keeps the WAL alive: wait for it a little.
        for _ in range(50):
            busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)


def remove_idle_newcomers(since: datetime, actor: str) -> int:
    """Remove every player who joined at ``since`` or later and answered nothing.

    The one action against a flood of throwaway players; returns how many went.
    """
    begin_write()
    idle = (
        db.select(Player.id)
        .where(Player.joined_at >= since, Player.found == 0)
        .where(~db.select(Answer.id).where(Answer.player_id == Player.id).exists())
    )
    ids = db.session.execute(idle).scalars().all()
    if ids:
        db.session.execute(db.delete(Player).where(Player.id.in_(ids)))
    audit(
        actor,
        "players.remove_idle",
        f"{len(ids)} player(s) joined since {since.isoformat(timespec='minutes')} with no answer",
    )
    db.session.commit()
    return len(ids)


def set_status(hunt_id: int, status: str | None, actor: str, now: datetime) -> Hunt:
    """Force the hunt ``open``, ``frozen`` or ``closed`` now, or follow the schedule again.

    Freezing now moves the freeze time to now and follows the schedule, since the
    public standings freeze from the scheduled freeze time; an organiser's status
    only wins when the schedule cannot say "frozen" (before the opening or after
    the close).
    """
    if status is not None and status not in STATUSES:
        raise ValueError(status)
    begin_write()
    hunt = db.session.get(Hunt, hunt_id)
    before = hunt.status(now)
    if status == "frozen":
        if hunt.freeze_at is None or hunt.freeze_at > now:
            hunt.freeze_at = now
        hunt.status_override = None
        if hunt.status(now) != "frozen":
            hunt.status_override = "frozen"
    else:
        hunt.status_override = status
    audit(
        actor,
        "hunt.status",
        f"{before} → {hunt.status(now)}" + ("" if status else " (following the schedule)"),
    )
    db.session.commit()
    return hunt


def set_schedule(
    hunt_id: int,
    opens_at: datetime | None,
    freeze_at: datetime | None,
    closes_at: datetime | None,
    actor: str,
) -> Hunt:
    """Change the scheduled times; raise ValueError when they are out of order."""
    present = [t for t in (opens_at, freeze_at, closes_at) if t is not None]
    if any(a >= b for a, b in zip(present, present[1:], strict=False)):
        raise ValueError("order")
    begin_write()
    hunt = db.session.get(Hunt, hunt_id)
    hunt.opens_at, hunt.freeze_at, hunt.closes_at = opens_at, freeze_at, closes_at
    audit(
        actor,
        "hunt.schedule",
        ", ".join(
            f"{label} {t.isoformat(timespec='minutes') if t else '-'}"
            for label, t in (("opens", opens_at), ("freezes", freeze_at), ("closes", closes_at))
        ),
    )
    db.session.commit()
    return hunt


def set_name_mode(hunt_id: int, mode: str, actor: str) -> Hunt:
    """Let players type their names ("free") or give them invader names ("generated")."""
    if mode not in NAME_MODES:
        raise ValueError(mode)
    begin_write()
    hunt = db.session.get(Hunt, hunt_id)
    hunt.name_mode = mode
    audit(actor, "hunt.names", mode)
    db.session.commit()
    return hunt


def reset_hunt(actor: str, backup: str) -> int:
    """Delete every player, answer and rate count, keeping the deck and poster codes.

    Returns how many players were deleted. Organiser logins and the audit log stay.
    The caller takes a backup first.
    """
    begin_write()
    answers = db.session.execute(db.delete(Answer)).rowcount
    players = db.session.execute(db.delete(Player)).rowcount
    # Guessing counters belong to the deleted players; login counters stay.
    db.session.execute(db.delete(RateCount).where(RateCount.key.like("miss:%")))
    audit(actor, "hunt.reset", f"{players} player(s), {answers} answer(s); backup {backup}")
    db.session.commit()
    return players
