"""What leadership learns per topic: reach, first try, confidently wrong, still remembered."""

from __future__ import annotations

from sqlalchemy import String, case, cast, func

from invider.hunt.schedule import opened_rounds
from invider.store.models import Answer, EchoAnswer, Hunt, Invider, Player, db

#: The columns of the per-topic export (CSV and workbook): groups, never persons.
TOPIC_COLUMNS = [
    "topic",
    "inviders",
    "players",
    "reach",
    "first_try",
    "confident_wrong",
    "echo_players",
    "still_remembered",
    "control",
]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def compute_learning(floor: int) -> list[dict]:
    """Return the learning figures of each deck topic, from the answers as they are now.

    - reach: share of visible players who answered at least one poster of the topic;
    - first_try: share of its answers that were right (one try per poster);
    - confident_wrong: share of its answers given "sure" that were wrong, among the
      answers that carry a confidence (hypercorrection: these are the ones to revisit);
    - still_remembered: share of posters the players had found whose latest echo answer
      was right, at the latest round with enough players (see ``echo_curves``);
    - control: the share of right echo answers on posters they had never found, the
      baseline to beat;
    - curve: the echo's figures round by round, for the rounds opened so far.

    A figure describes a group: below ``floor`` players it is None, so no one's answers
    can be singled out.
    """
    visible = Player.hidden.is_(False)
    players = db.session.execute(db.select(func.count(Player.id)).where(visible)).scalar_one()
    topics = dict(
        db.session.execute(
            db.select(Invider.topic, func.count(Invider.id))
            .where(Invider.topic.is_not(None))
            .group_by(Invider.topic)
        ).all()
    )
    day = {
        row.topic: row
        for row in db.session.execute(
            db.select(
                Invider.topic,
                func.count(func.distinct(Answer.player_id)).label("players"),
                func.count(Answer.id).label("answers"),
                func.sum(case((Answer.correct, 1), else_=0)).label("right"),
                func.count(Answer.confidence).label("rated"),
                func.sum(case(((Answer.confidence == "sure") & ~Answer.correct, 1), else_=0)).label(
                    "sure_wrong"
                ),
            )
            .join(Invider, Answer.invider_id == Invider.id)
            .join(Player, Answer.player_id == Player.id)
            .where(visible, Invider.topic.is_not(None))
            .group_by(Invider.topic)
        )
    }
    echo = {
        (row.topic, row.control): row
        for row in db.session.execute(
            db.select(
                Invider.topic,
                EchoAnswer.control,
                func.count(func.distinct(EchoAnswer.player_id)).label("players"),
                func.count(EchoAnswer.id).label("answers"),
                func.sum(case((EchoAnswer.correct, 1), else_=0)).label("right"),
            )
            .join(Invider, EchoAnswer.invider_id == Invider.id)
            .join(Player, EchoAnswer.player_id == Player.id)
            .where(visible, Invider.topic.is_not(None))
            .group_by(Invider.topic, EchoAnswer.control)
        )
    }
    curves = echo_curves(echo_tries(), opened_rounds(Hunt.current()), floor)
    result = []
    for topic, inviders in sorted(topics.items()):
        found = day.get(topic)
        shown = found is not None and found.players >= floor
        kept = echo.get((topic, False))
        echo_shown = kept is not None and kept.players >= floor
        control = echo.get((topic, True))
        control_shown = control is not None and control.players >= floor
        curve = curves.get(topic, [])
        known = [point["remembered"] for point in curve if point["remembered"] is not None]
        result.append(
            {
                "topic": topic,
                "inviders": inviders,
                "players": found.players if shown else None,
                "reach": _rate(found.players, players) if shown else None,
                "first_try": _rate(int(found.right or 0), found.answers) if shown else None,
                "confident_wrong": (
                    _rate(int(found.sure_wrong or 0), found.rated) if shown else None
                ),
                "echo_players": kept.players if echo_shown else None,
                "still_remembered": known[-1] if echo_shown and known else None,
                "control": _rate(int(control.right or 0), control.answers)
                if control_shown
                else None,
                "shown": shown,
                "curve": curve,
            }
        )
    return result


def echo_tries(team: str | None = None) -> list:
    """Return visible players' echo answers: message, poster, player, round, right, control."""
    query = (
        db.select(
            func.coalesce(Invider.topic, "#" + cast(Invider.number, String)).label("message"),
            EchoAnswer.invider_id,
            EchoAnswer.player_id,
            EchoAnswer.round,
            EchoAnswer.correct,
            EchoAnswer.control,
        )
        .join(Invider, EchoAnswer.invider_id == Invider.id)
        .join(Player, EchoAnswer.player_id == Player.id)
        .where(Player.hidden.is_(False))
    )
    if team is not None:
        query = query.where(Player.team == team)
    return db.session.execute(query).all()


def echo_curves(tries: list, rounds: int, floor: int) -> dict[str, list[dict]]:
    """Return, per message, what the echo found at the end of each round, floor applied.

    ``remembered`` at round n: among the posters players found and were asked in rounds
    1 to n, the share whose latest answer was right (a later round asks again only what
    was not retained, so a right answer stands until a later one says otherwise);
    ``control``: the share of right answers in round n on posters the players had never
    found. A point counts only when at least ``floor`` players gave its answers.
    """
    # Answers outlive a round moved later by the organisers: the curve still shows them.
    rounds = max(rounds, max((t.round for t in tries), default=0))
    curves: dict[str, list[dict]] = {}
    for message in sorted({t.message for t in tries}):
        own = sorted((t for t in tries if t.message == message), key=lambda t: t.round)
        points = []
        for number in range(1, rounds + 1):
            latest = {
                (t.player_id, t.invider_id): t.correct
                for t in own
                if not t.control and t.round <= number
            }
            players = {player for player, _ in latest}
            control = [t for t in own if t.control and t.round == number]
            control_players = {t.player_id for t in control}
            points.append(
                {
                    "round": number,
                    "players": len(players) if len(players) >= floor else None,
                    "remembered": _rate(sum(latest.values()), len(latest))
                    if latest and len(players) >= floor
                    else None,
                    "control": _rate(sum(t.correct for t in control), len(control))
                    if control and len(control_players) >= floor
                    else None,
                }
            )
        curves[message] = points
    return curves


def learning_figures(floor: int) -> list[dict]:
    """Return the per-topic learning figures: kept ones after the retention date, else live."""
    hunt = Hunt.current()
    if hunt is not None and hunt.retained_figures:
        return list(hunt.retained_figures.get("topics", []))
    return compute_learning(floor)


def topic_rows(floor: int) -> list[list]:
    """Return the learning figures as rows of TOPIC_COLUMNS, for the exports."""
    return [[row[column] for column in TOPIC_COLUMNS] for row in learning_figures(floor)]
