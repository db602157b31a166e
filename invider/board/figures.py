"""Figures for the big screen: progress, the feed of finds, and which messages landed.

Everything here reads the database but no request, so the admin pages, exports and
tests can call it directly; ``screen_snapshot`` adds the per-process cache and the
ETag used by ``/screen.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, true

from invider.art.sprites import sprite_colour, sprite_svg
from invider.board.tallies import Batches, Tally, published_rate
from invider.hunt.discretion import is_discreet, privacy_floor
from invider.hunt.programme import last_stretch, next_wave, wave_counts, woken_wave
from invider.hunt.scoring import Standings, compute_standings, public_standings
from invider.store.models import Answer, Hunt, Invider, Player, db, utcnow
from invider.store.snapshot import deck_snapshot
from invider.store.worker_cache import FIGURES, SCREEN, TALLY, cached, keep, kept

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
    for kind, at in (
        ("opens", hunt.opens_at),
        ("freezes", hunt.freeze_at),
        ("closes", hunt.closes_at),
    ):
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
        # Works-council mode: only players who opted in to appear by name.
        .where(Player.show_name.is_(True) if is_discreet(Hunt.current()) else true())
        .order_by(Answer.created_at.desc(), Answer.id.desc())
        .limit(limit)
    ).all()
    return [
        {"name": name, "number": number, "at": at.isoformat(timespec="seconds")}
        for name, number, at in rows
    ]


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
        width = next(
            (timedelta(minutes=m) for m in STEPS if timedelta(minutes=m) >= span),
            timedelta(minutes=STEPS[-1]),
        )
        # Slide whole slices so the last one holds now.
        start += width * max(0, int((now - start) / width) - buckets + 1)
    counts = []
    for i in range(buckets):
        low, high = start + width * i, start + width * (i + 1)
        n = db.session.execute(
            db.select(func.count())
            .select_from(Answer)
            .where(Answer.created_at >= low, Answer.created_at < high)
        ).scalar_one()
        counts.append({"at": low.isoformat(timespec="seconds"), "finds": n})
    return counts


def answer_rows() -> list:
    """Return visible players' answers: player, right, topic (the report's figures)."""
    return db.session.execute(
        db.select(Answer.player_id, Answer.correct, Invider.topic)
        .join(Invider, Answer.invider_id == Invider.id)
        .join(Player, Answer.player_id == Player.id)
        .where(Player.hidden.is_(False))
    ).all()


def visible_players() -> int:
    """Count the players shown in the public standings."""
    return db.session.execute(
        db.select(func.count(Player.id)).where(Player.hidden.is_(False))
    ).scalar_one()


def progress(hunt: Hunt | None, now: datetime, tally: Tally) -> dict:
    """Return players, finds, the share of right answers and finds over time.

    The share counts the answers of the tally's whole batches of ``PRIVACY_FLOOR``
    players, given before the freeze; the player count is left out below the floor.
    """
    players = visible_players()
    counted = tally.overall
    return {
        "players": players if players >= tally.floor else None,
        "finds": tally.finds,
        "correct_share": published_rate(counted),
        "over_time": finds_over_time(hunt, now),
    }


def topic_figures(floor: int = 1, tally: Tally | None = None) -> list[dict]:
    """Return, per deck topic, its reach and first-try correct rate, best landed first.

    Reach is the share of visible players who found at least one invider of the topic;
    the first-try correct rate is the share of its answers that were right (one attempt
    per poster, so every answer is a first try). A message "landed" as much as the
    product of the two: players met it, and knew it. Below ``floor`` players a topic
    keeps its reach but loses its rate and counts (``shown`` False), so nobody's answers
    can be singled out. With a ``tally`` (the public screen) the rate counts its whole
    batches of ``floor`` players only, given before the freeze; without one (the
    report), every answer.
    """
    players = visible_players()
    counts = dict(
        db.session.execute(
            db.select(Invider.topic, func.count(Invider.id))
            .where(Invider.topic.is_not(None))
            .group_by(Invider.topic)
        ).all()
    )
    public = tally is not None
    if tally is None:
        tally = Tally(floor=1, before=None)
        for row in answer_rows():
            if row.topic is not None:
                tally.reached.setdefault(row.topic, set()).add(row.player_id)
                tally.topics.setdefault(row.topic, Batches(1)).add(row.player_id, row.correct)
    result = []
    for topic, inviders in counts.items():
        counted = tally.topics.get(topic) or Batches(floor)
        shown = bool(counted.answers) and len(counted.players) >= floor
        reach = round(len(tally.reached.get(topic, ())) / players, 3) if players else 0.0
        if public:
            # The screen: rates in coarse steps, never the counts behind them.
            first_try = published_rate(counted) if shown else None
            shown = first_try is not None
        else:
            first_try = round(counted.right / counted.answers, 3) if shown else None
        result.append(
            {
                "topic": topic,
                "inviders": inviders,
                "players": len(counted.players) if shown and not public else None,
                "answers": counted.answers if shown and not public else None,
                "shown": shown,
                "reach": reach,
                "first_try": first_try,
                "landed": round(reach * (first_try or 0.0), 3),
            }
        )
    result.sort(key=lambda r: (not r["shown"], -r["landed"], -r["reach"], r["topic"]))
    for row in result:
        row["best"] = row["worst"] = False
    ranked = [row for row in result if row["shown"]]
    if len(ranked) >= 2:
        ranked[0]["best"] = ranked[-1]["worst"] = True
    return result


def reveal_topics(topics: list[dict], most: int = REVEAL_TOPICS) -> tuple[list, list]:
    """Split the ranked topics into best landed and to revisit: disjoint, each at most half."""
    ranked = [t for t in topics if t["shown"]]
    size = min(most, len(ranked) // 2)
    return ranked[:size], list(reversed(ranked))[:size]


def screen_content(standings: Standings, now: datetime | None = None) -> dict:
    """Build everything the big screen shows, from the public standings and the figures.

    While the standings are frozen, no figure counts an answer given after the freeze.
    """
    now = now or utcnow()
    hunt = Hunt.current()
    status = standings.hunt["status"]
    top = [
        {
            "rank": r["rank"],
            "name": r["name"],
            "team": r["team"],
            "score": r["score"],
            "found": r["found"],
            "colour": player_colour(r["id"]),
        }
        for r in standings.players[:SCREEN_TOP]
    ]
    before = hunt.freeze_at if hunt and standings.frozen else None
    progress_now, topics = slow_figures(hunt, now, before)
    reveal = None
    if status == "closed":
        best, revisit = reveal_topics(topics)
        teams = [t for t in standings.teams if t["players"]]
        reveal = {
            "podium": top[:3],
            "team": teams[0] if teams else None,
            "best": best,
            "revisit": revisit,
        }
    deck = deck_snapshot()
    inviders = list(deck.by_code.values())
    counts = wave_counts(inviders, deck.waves, now)
    return {
        "hunt": {
            **standings.hunt,
            "frozen": standings.frozen,
            "next_change": next_change(hunt, now),
            # The day's programme: what can be found now, the next wave, the last stretch.
            "awake": counts.awake,
            "asleep": counts.asleep,
            "next_wave": next_wave(deck.waves, inviders, now),
            "last_stretch": last_stretch(hunt, now),
            "countdown_minutes": hunt.countdown_minutes if hunt else 0,
        },
        "announcement": woken_wave(deck.waves, inviders, now),
        "players": top,
        "teams": standings.teams,
        "feed": latest_finds(),
        "progress": progress_now,
        "topics": topics,
        "reveal": reveal,
        "generated_at": now.isoformat(timespec="seconds"),
    }


def screen_standings(standings: Standings) -> Standings:
    """Return the standings the screen shows: after the close, the final ones (the reveal)."""
    if standings.hunt["status"] == "closed" and standings.frozen:
        return compute_standings(live=True)
    return standings


def podium_sprites(standings: Standings) -> list[str]:
    """Return the sprites of the first three players (ids stay on the server)."""
    return [sprite_svg(f"player-{r['id']}") for r in standings.players[:3]]


def tally_key() -> bytes:
    """Return the key that draws the batch sizes: from the instance secret, so that every
    worker draws the same and no player can predict them."""
    secret = str(current_app.secret_key or "").encode()
    return hmac.new(secret, b"invider.tallies.batches", hashlib.sha256).digest()


def slow_figures(
    hunt: Hunt | None, now: datetime, before: datetime | None = None
) -> tuple[dict, list[dict]]:
    """Return progress and topic figures, recomputed at most every two cache periods.

    Both come from this worker's running tally (``tallies.Tally``), which reads only
    the answers added since its last read, in whole batches of ``PRIVACY_FLOOR``
    players, up to ``before`` (the freeze).
    """

    def compute():
        floor = privacy_floor()
        stored = kept(TALLY)
        if stored is None or (stored.floor, stored.before) != (floor, before):
            stored = keep(TALLY, Tally(floor=floor, before=before, key=tally_key()))
        tally = stored.read_new_answers()
        return progress(hunt, now, tally), topic_figures(floor, tally)

    return cached(FIGURES, compute, periods=2)


@dataclass
class ScreenSnapshot:
    """The screen's data at one moment, encoded once and shared by every request."""

    content: dict
    #: The podium's sprites, for the page only: they derive from player ids.
    sprites: list[str] = field(default_factory=list)
    body: bytes = field(init=False)
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        # The digest leaves out the time of generation so an unchanged screen gets 304.
        stable = {k: v for k, v in self.content.items() if k != "generated_at"}
        self.digest = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:32]
        self.body = json.dumps(self.content, ensure_ascii=False).encode()


def screen_snapshot() -> ScreenSnapshot:
    """Return the screen's data, computed at most once per cache period per process."""

    def build() -> ScreenSnapshot:
        standings = screen_standings(public_standings())
        content = screen_content(standings)
        return ScreenSnapshot(content, podium_sprites(standings) if content["reveal"] else [])

    return cached(SCREEN, build)
