"""Figures for organisers and leadership: poster health and the results report.

The team standings are the game's public ranking, shown as the big screen showed
them. Learning figures (first-try rates per topic, per team and topic) describe
groups: a group smaller than the privacy floor is named but never given figures,
so nobody's answers can be singled out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import distinct, func

from invider.board import figures
from invider.hunt.scoring import compute_standings
from invider.store.models import RANKING, Answer, Hunt, Invider, Player, db


@dataclass
class PosterRow:
    """One poster on the organisers' table."""

    number: int
    key: str
    location: str | None
    topic: str | None
    answers: int
    correct: int
    last: datetime | None
    silent: bool = False

    @property
    def share(self) -> float | None:
        """Share of right answers, or None before the first answer."""
        return self.correct / self.answers if self.answers else None


def poster_health(hunt: Hunt | None, now: datetime, silent_minutes: float) -> list[PosterRow]:
    """Return every poster with its answers, right answers and last scan, flagging silent ones.

    A scan is counted when it ends in an answer (a scan itself records nothing, since
    a GET never changes state). A poster is silent when the hunt takes answers, other
    posters were scanned within ``silent_minutes``, and this one was not scanned for
    that long: it was probably torn down or hidden.
    """
    stats = {
        row.invider_id: row
        for row in db.session.execute(
            db.select(
                Answer.invider_id,
                func.count(Answer.id).label("answers"),
                func.sum(db.case((Answer.correct, 1), else_=0)).label("correct"),
                func.max(Answer.created_at).label("last"),
            ).group_by(Answer.invider_id)
        )
    }
    rows = []
    for invider in db.session.execute(db.select(Invider).order_by(Invider.number)).scalars():
        s = stats.get(invider.id)
        rows.append(
            PosterRow(
                number=invider.number,
                key=invider.key,
                location=invider.location,
                topic=invider.topic,
                answers=s.answers if s else 0,
                correct=int(s.correct or 0) if s else 0,
                last=s.last if s else None,
            )
        )
    if hunt is None or not hunt.accepts_answers(now):
        return rows
    window = timedelta(minutes=silent_minutes)
    started = hunt.opens_at if hunt.opens_at and hunt.opens_at <= now else hunt.loaded_at
    for row in rows:
        recent_elsewhere = any(o.last and now - o.last < window for o in rows if o is not row)
        quiet_since = max(t for t in (row.last, started) if t is not None)
        row.silent = recent_elsewhere and now - quiet_since >= window
    return rows


@dataclass
class GroupFigures:
    """Figures for one team or topic; ``shown`` is False below the privacy floor."""

    name: str
    players: int | None
    shown: bool
    score: int = 0
    average: float = 0.0
    answers: int = 0
    share: float | None = None
    rank: int | None = None
    reach: float = 0.0
    best: bool = False
    worst: bool = False


@dataclass
class TeamTopics:
    """First-try rates per team and topic; a cell below the privacy floor is None."""

    topics: list[str]
    rows: list[tuple[str, list[float | None]]]


@dataclass
class Report:
    """Everything the one-page results report shows."""

    title: str
    floor: int
    podium: list[Player]
    teams: list[GroupFigures]
    topics: list[GroupFigures]
    participation: dict = field(default_factory=dict)
    team_topics: TeamTopics | None = None


def team_figures() -> list[GroupFigures]:
    """The team standings as the big screen showed them: the game's ranking is public."""
    teams = [t for t in compute_standings(live=True).teams if t["players"]]
    return [
        GroupFigures(
            name=t["name"],
            players=t["players"],
            shown=True,
            score=t["score"],
            average=t["average"],
            rank=rank,
        )
        for rank, t in enumerate(teams, start=1)
    ]


def topic_figures(floor: int) -> list[GroupFigures]:
    """The messages that landed (as on the big screen), for topics that have answers."""
    return [
        GroupFigures(
            name=t["topic"],
            players=t["players"],
            shown=t["shown"],
            answers=t["answers"] or 0,
            share=t["first_try"],
            reach=t["reach"],
            best=t["best"],
            worst=t["worst"],
        )
        for t in figures.topic_figures(floor)
        if t["answers"] or t["reach"]
    ]


def team_topic_rates(floor: int) -> TeamTopics:
    """Return each team's first-try rate per topic, where enough of its players answered.

    Learning figures describe a group: a team's rate on a topic is shown only when at
    least ``floor`` of its players answered that topic.
    """
    rows = db.session.execute(
        db.select(
            Player.team,
            Invider.topic,
            func.count(Answer.id),
            func.sum(db.case((Answer.correct, 1), else_=0)),
            func.count(distinct(Answer.player_id)),
        )
        .join(Player, Answer.player_id == Player.id)
        .join(Invider, Answer.invider_id == Invider.id)
        .where(Player.hidden.is_(False), Player.team.is_not(None), Invider.topic.is_not(None))
        .group_by(Player.team, Invider.topic)
    ).all()
    topics = sorted({topic for _, topic, *_ in rows})
    rates: dict[str, dict[str, float | None]] = {}
    for team, topic, answers, right, players in rows:
        shown = players >= floor and answers
        rates.setdefault(team, {})[topic] = int(right or 0) / answers if shown else None
    return TeamTopics(
        topics=topics,
        rows=[(team, [rates[team].get(t) for t in topics]) for team in sorted(rates)],
    )


def participation() -> dict:
    """Count players, active players, answers and completion (hidden players left out)."""
    visible = Player.hidden.is_(False)
    total = db.session.execute(db.select(func.count(Invider.id))).scalar_one()
    joined, active, complete, answers, correct = db.session.execute(
        db.select(
            func.count(Player.id),
            func.sum(db.case((Player.found > 0, 1), else_=0)),
            func.sum(db.case((Player.found >= max(total, 1), 1), else_=0)),
            func.sum(Player.found),
            func.sum(Player.correct),
        ).where(visible)
    ).one()
    active, answers, correct = int(active or 0), int(answers or 0), int(correct or 0)
    return {
        "joined": joined,
        "active": active,
        "complete": int(complete or 0),
        "answers": answers,
        "inviders": total,
        "average_found": round(answers / active, 1) if active else 0.0,
        "share_correct": correct / answers if answers else None,
    }


def results_report(floor: int, podium_size: int = 3) -> Report:
    """Build the results report: podium, teams, topics and participation."""
    hunt = Hunt.current()
    podium = (
        db.session.execute(
            db.select(Player)
            .where(Player.hidden.is_(False), Player.found > 0)
            .order_by(*RANKING)
            .limit(podium_size)
        )
        .scalars()
        .all()
    )
    return Report(
        title=hunt.title if hunt else "",
        floor=floor,
        podium=list(podium),
        teams=team_figures(),
        topics=topic_figures(floor),
        participation=participation(),
        team_topics=team_topic_rates(floor),
    )
