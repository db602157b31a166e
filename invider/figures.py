"""Figures for the big screen: progress, the feed of finds, and which messages landed.

Everything here reads the database but no request, so the admin pages, exports and
tests can call it directly; ``screen_snapshot`` adds the per-process cache and the
ETag used by ``/screen.json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import distinct, func

from invider.models import Answer, Hunt, Invider, Player, db, utcnow
from invider.scoring import Standings, public_standings
from invider.sprites import sprite_colour
from invider.worker_cache import FIGURES, SCREEN, cached

FEED_LENGTH = 8
SCREEN_TOP = 10
BUCKETS = 12
REVEAL_TOPICS = 3
#: Widths of a time slice, in minutes, from which the finds chart picks.
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440)


def next_change(hunt: Hunt | None, now: datetime) -> dict | None:
    """Return the next scheduled change of status (``opens``, ``freezes``, ``closes``)."""
    if hunt is None or hunt.status_override:
        return None
    for kind, at in (("opens", hunt.opens_at), ("freezes", hunt.freeze_at),
                     ("closes", hunt.closes_at)):  # fmt: skip
        if at is not None and at > now:
            return {"kind": kind, "at": at.isoformat(timespec="seconds")}
    return None


def player_colour(player_id: int) -> str:
    """Return the sprite colour of a player's rank badge (stable for the whole hunt)."""
    return sprite_colour(f"player-{player_id}")


def latest_finds(limit: int = FEED_LENGTH) -> list[dict]:
    """Return the latest finds, newest first: who found which poster number, and when.

    Only the name, the poster number and the time leave this function: never the
    question, the answer given, or whether it was right.
    """
    rows = db.session.execute(
        db.select(Player.name, Invider.number, Answer.created_at)
        .join(Player, Answer.player_id == Player.id)
        .join(Invider, Answer.invider_id == Invider.id)
        .where(Player.hidden.is_(False))
        .order_by(Answer.created_at.desc(), Answer.id.desc())
        .limit(limit)
    ).all()  # fmt: skip
    return [{"name": name, "number": number, "at": at.isoformat(timespec="seconds")}
            for name, number, at in rows]  # fmt: skip


def finds_over_time(hunt: Hunt | None, now: datetime, buckets: int = BUCKETS) -> list[dict]:
    """Count finds in equal time slices: the whole hunt when its times are known.

    Slices stay fixed as time passes (the opening-to-closing window, or a rounded
    width anchored at the first find), so the figures and the ETag only change
    when someone finds something. Each slice is one range count on the
    ``created_at`` index, the same on SQLite and PostgreSQL.
    """
    if hunt and hunt.opens_at and hunt.closes_at and hunt.opens_at < now:
        start, width = hunt.opens_at, (hunt.closes_at - hunt.opens_at) / buckets
    else:
        first = db.session.execute(db.select(func.min(Answer.created_at))).scalar_one()
        if first is None:
            return []
        start = first.replace(second=0, microsecond=0)
        span = (now - start) / buckets
        width = next((timedelta(minutes=m) for m in STEPS if timedelta(minutes=m) >= span),
                     timedelta(minutes=STEPS[-1]))  # fmt: skip
        # Slide whole slices so the last one holds now.
        start += width * max(0, int((now - start) / width) - buckets + 1)
    counts = []
    for i in range(buckets):
        low, high = start + width * i, start + width * (i + 1)
        n = db.session.execute(db.select(func.count()).select_from(Answer).where(
            Answer.created_at >= low, Answer.created_at < high)).scalar_one()  # fmt: skip
        counts.append({"at": low.isoformat(timespec="seconds"), "finds": n})
    return counts


def progress(hunt: Hunt | None, now: datetime) -> dict:
    """Return players, finds, the share of correct answers and finds over time."""
    players, finds, correct = db.session.execute(
        db.select(func.count(Player.id), func.coalesce(func.sum(Player.found), 0),
                  func.coalesce(func.sum(Player.correct), 0))
        .where(Player.hidden.is_(False))
    ).one()  # fmt: skip
    return {
        "players": players,
        "finds": int(finds),
        "correct_share": round(correct / finds, 3) if finds else None,
        "over_time": finds_over_time(hunt, now),
    }


def privacy_floor() -> int:
    """Return the smallest group of players whose topic or team figures may be shown."""
    return max(1, int(current_app.config.get("PRIVACY_FLOOR", 5)))


def topic_figures(floor: int = 1) -> list[dict]:
    """Return, per deck topic, its reach and first-try correct rate, best landed first.

    Reach is the share of visible players who found at least one invider of the topic;
    the first-try correct rate is the share of its answers that were right (one attempt
    per poster, so every answer is a first try). A message "landed" as much as the
    product of the two: players met it, and knew it. Below ``floor`` players a topic
    keeps its reach but loses its rate (``shown`` False), so nobody's answers can be
    singled out.
    """
    players = db.session.execute(
        db.select(func.count(Player.id)).where(Player.hidden.is_(False))).scalar_one()
    counts = dict(db.session.execute(
        db.select(Invider.topic, func.count(Invider.id)).where(Invider.topic.is_not(None))
        .group_by(Invider.topic)).all())  # fmt: skip
    stats = {topic: (answers, int(right or 0), reached) for topic, answers, right, reached in
             db.session.execute(
                 db.select(Invider.topic, func.count(Answer.id),
                           func.sum(db.case((Answer.correct, 1), else_=0)),
                           func.count(distinct(Answer.player_id)))
                 .join(Invider, Answer.invider_id == Invider.id)
                 .join(Player, Answer.player_id == Player.id)
                 .where(Invider.topic.is_not(None), Player.hidden.is_(False))
                 .group_by(Invider.topic))}  # fmt: skip
    rows = []
    for topic, inviders in counts.items():
        answers, right, reached = stats.get(topic, (0, 0, 0))
        shown = reached >= floor
        reach = round(reached / players, 3) if players else 0.0
        first_try = round(right / answers, 3) if answers and shown else None
        rows.append({"topic": topic, "inviders": inviders, "players": reached,
                     "answers": answers, "shown": shown, "reach": reach,
                     "first_try": first_try,
                     "landed": round(reach * (first_try or 0.0), 3)})  # fmt: skip
    rows.sort(key=lambda r: (not r["shown"], -r["landed"], -r["reach"], r["topic"]))
    for row in rows:
        row["best"] = row["worst"] = False
    ranked = [row for row in rows if row["shown"]]
    if len(ranked) >= 2:
        ranked[0]["best"] = ranked[-1]["worst"] = True
    return rows


def screen_content(standings: Standings, now: datetime | None = None) -> dict:
    """Build everything the big screen shows, from the public standings and the figures."""
    now = now or utcnow()
    hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    top = [{"rank": r["rank"], "name": r["name"], "team": r["team"], "score": r["score"],
            "found": r["found"], "colour": player_colour(r["id"])}
           for r in standings.players[:SCREEN_TOP]]  # fmt: skip
    progress_now, topics = slow_figures(hunt, now)
    status = standings.hunt["status"]
    reveal = None
    if status == "closed":
        landed = [t for t in topics if t["shown"] and t["answers"]]
        reveal = {"podium": top[:3], "best": landed[:REVEAL_TOPICS],
                  "revisit": list(reversed(landed))[:REVEAL_TOPICS]}  # fmt: skip
    return {
        "hunt": {**standings.hunt, "frozen": standings.frozen,
                 "next_change": next_change(hunt, now)},
        "players": top,
        "teams": standings.teams,
        "feed": latest_finds(),
        "progress": progress_now,
        "topics": topics,
        "reveal": reveal,
        "generated_at": now.isoformat(timespec="seconds"),
    }


def slow_figures(hunt: Hunt | None, now: datetime) -> tuple[dict, list[dict]]:
    """Return progress and topic figures, recomputed at most every two cache periods.

    They scan every answer (about 50 ms at 60,000 answers), so each worker refreshes
    them half as often as the standings; the screen still moves within 3 s.
    """
    return cached(FIGURES, lambda: (progress(hunt, now), topic_figures(privacy_floor())),
                  periods=2)


@dataclass
class ScreenSnapshot:
    """The screen's data at one moment, encoded once and shared by every request."""

    content: dict
    body: bytes = field(init=False)
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        # The digest leaves out the time of generation so an unchanged screen gets 304.
        stable = {k: v for k, v in self.content.items() if k != "generated_at"}
        self.digest = hashlib.sha256(
            json.dumps(stable, sort_keys=True).encode()).hexdigest()[:32]  # fmt: skip
        self.body = json.dumps(self.content, ensure_ascii=False).encode()


def screen_snapshot() -> ScreenSnapshot:
    """Return the screen's data, computed at most once per cache period per process."""
    return cached(SCREEN, lambda: ScreenSnapshot(screen_content(public_standings())))
