"""Huddle kits: per team, the messages it missed most on the day, for its manager.

A kit describes a group, never a person: a team with fewer players than the privacy
floor gets no kit of its own (its manager uses the whole hunt's), a message enters a
kit only when at least that many of the team's players answered it, and no name is
ever read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, func

from invider.hunt.schedule import opened_rounds
from invider.learning.topics import echo_curves, echo_tries
from invider.store.models import Answer, Hunt, Invider, Player, db

#: A kit holds the two or three messages its team missed most.
MOST_MISSED = 3
#: A message "stayed" when at least this share of the group still knew it at the last round.
STAYED = 0.8


@dataclass
class Tally:
    """Answers of one group on the day: players, right ones, confident errors."""

    players: set = field(default_factory=set)
    answers: int = 0
    right: int = 0
    rated: int = 0
    sure_wrong: int = 0

    def add(self, row) -> None:
        self.players.add(row.player_id)
        self.answers += 1
        self.right += bool(row.correct)
        if row.confidence is not None:
            self.rated += 1
            self.sure_wrong += row.confidence == "sure" and not row.correct

    def figures(self) -> dict:
        """Return the group's players, posters per player, right first time, sure and wrong."""
        players = len(self.players)
        return {
            "players": players,
            "average_found": round(self.answers / players, 1) if players else 0.0,
            "first_try": round(self.right / self.answers, 3) if self.answers else None,
            "confident_wrong": round(self.sure_wrong / self.rated, 3) if self.rated else None,
        }


def day_rows() -> list:
    """Return visible players' answers on the day: team, message, poster, right, confidence."""
    return db.session.execute(
        db.select(
            Player.team,
            Answer.player_id,
            Answer.invider_id,
            Answer.correct,
            Answer.confidence,
            func.coalesce(Invider.topic, "#" + cast(Invider.number, String)).label("message"),
        )
        .join(Invider, Answer.invider_id == Invider.id)
        .join(Player, Answer.player_id == Player.id)
        .where(Player.hidden.is_(False))
    ).all()


def _missed(rows: list, floor: int, inviders: dict, whole: dict) -> list[dict]:
    """Rank a group's messages by right first time, lowest first, confident errors first."""
    by_message: dict[str, Tally] = {}
    wrong_by_poster: dict[str, dict[int, int]] = {}
    for row in rows:
        by_message.setdefault(row.message, Tally()).add(row)
        posters = wrong_by_poster.setdefault(row.message, {})
        posters[row.invider_id] = posters.get(row.invider_id, 0) + (not row.correct)
    ranked = []
    for message, tally in by_message.items():
        if len(tally.players) < floor or tally.right == tally.answers:
            continue
        figures = tally.figures()
        # The poster of the message this group got wrong most often: its fact and question.
        posters = wrong_by_poster[message]
        poster = inviders[min(posters, key=lambda i: (-posters[i], inviders[i].number))]
        ranked.append(
            {
                "message": message,
                "players": figures["players"],
                "first_try": figures["first_try"],
                "confident_wrong": figures["confident_wrong"],
                "hunt_first_try": whole.get(message),
                "number": poster.number,
                "question": poster.question,
                "answer": poster.answer,
                "fact": poster.fact,
                "remembered": None,
                "round": None,
                "stayed": None,
            }
        )
    ranked.sort(key=lambda m: (m["first_try"], -(m["confident_wrong"] or 0.0), m["message"]))
    return ranked[:MOST_MISSED]


def _echo(kit: dict, team: str | None, rounds: int, floor: int) -> None:
    """Say, for each message of ``kit``, whether it stayed at the latest round it can tell."""
    if not rounds:
        return
    curves = echo_curves(echo_tries(team), rounds, floor)
    for message in kit["messages"]:
        known = [p for p in curves.get(message["message"], []) if p["remembered"] is not None]
        if known:
            message["remembered"], message["round"] = known[-1]["remembered"], known[-1]["round"]
            message["stayed"] = known[-1]["remembered"] >= STAYED


def compute_kits(floor: int) -> dict:
    """Return the whole hunt's kit, a kit per team at or above the floor, the teams below.

    ``{"hunt": kit | None, "teams": [kit, ...], "small": [team name, ...]}``; a kit is
    ``{"team", "players", "average_found", "first_try", "confident_wrong", "messages"}``
    and each message says its fact, question and answer, the group's and the whole
    hunt's right-first-time, and after the echo whether it stayed.
    """
    hunt = Hunt.current()
    inviders = {i.id: i for i in db.session.execute(db.select(Invider)).scalars()}
    rows = day_rows()
    rounds = opened_rounds(hunt)
    whole_tally, whole_messages = Tally(), {}
    for row in rows:
        whole_tally.add(row)
        whole_messages.setdefault(row.message, Tally()).add(row)
    whole_rates = {
        message: tally.figures()["first_try"]
        for message, tally in whole_messages.items()
        if len(tally.players) >= floor
    }
    whole = whole_tally.figures()

    def kit(team: str | None, group: list) -> dict:
        tally = Tally()
        for row in group:
            tally.add(row)
        made = {"team": team, **tally.figures(), "hunt": whole}
        made["messages"] = _missed(group, floor, inviders, whole_rates)
        _echo(made, team, rounds, floor)
        return made

    result = {"hunt": kit(None, rows) if whole["players"] >= floor else None, "teams": []}
    result["small"] = []
    names = list(hunt.teams or []) if hunt else []
    names += sorted({row.team for row in rows if row.team and row.team not in names})
    by_team: dict[str, list] = {}
    for row in rows:
        by_team.setdefault(row.team, []).append(row)
    for team in names:
        group = by_team.get(team, [])
        if len({row.player_id for row in group}) >= floor:
            result["teams"].append(kit(team, group))
        else:
            result["small"].append(team)
    return result


def huddle_kits(floor: int) -> dict:
    """Return the kits: the ones kept at the retention date, else computed now."""
    hunt = Hunt.current()
    if hunt is not None and hunt.retained_figures and "kits" in hunt.retained_figures:
        return hunt.retained_figures["kits"]
    return compute_kits(floor)
