"""Works-council mode: who may be named, and the floor below which no figure is shown."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from invider.store.database import begin_write
from invider.store.models import Hunt, Player, db


def is_discreet(hunt: Hunt | None) -> bool:
    """Tell whether the hunt runs in works-council ("discreet") mode."""
    return hunt is not None and hunt.standings == "discreet"


#: Finds a player needs to count towards "top half": a phone that joins throwaway players
#: who do little cannot stretch the half that is named.
GENUINE_FINDS = 3


def genuine_finds(inviders: int) -> int:
    """Return the finds that make a player count for "top half": one per five posters,
    from one to GENUINE_FINDS (a small deck asks less)."""
    return min(GENUINE_FINDS, max(1, inviders // 5))


def counts_for_top_half(found: int, inviders: int) -> bool:
    """Tell whether a player with ``found`` finds counts in the "top half" total."""
    return found >= genuine_finds(inviders)


def top_half(rank: int, total: int) -> bool:
    """Tell whether ``rank`` is in the top half of ``total`` players (the middle one included).

    Discreet standings never name anyone below it: the bottom of the table stays unseen.
    """
    return rank <= (total + 1) // 2


def discreet_players(players: list[dict], inviders: int) -> tuple[list[dict], dict[int, int], int]:
    """Keep the ranked rows of players who chose to appear by name, in the top half.

    The half is counted over the players who found at least GENUINE_FINDS posters.
    Returns those rows (each keeps its rank among everyone), every player's rank by id
    (for their own page, never published) and how many players are left unnamed.
    """
    named = set(
        db.session.execute(db.select(Player.id).where(Player.show_name.is_(True))).scalars()
    )
    ranks = {row["id"]: row["rank"] for row in players}
    total = sum(1 for row in players if counts_for_top_half(row["found"], inviders))
    shown = [row for row in players if row["id"] in named and top_half(row["rank"], total)]
    return shown, ranks, len(players) - len(shown)


def discreet_teams(teams: list[dict], floor: int) -> list[dict]:
    """Keep the teams of at least ``floor`` players, ranked anew: a smaller team's score
    would be its few members' scores."""
    kept = [team for team in teams if team["players"] >= floor]
    return [{**team, "rank": rank} for rank, team in enumerate(kept, start=1)]


def show_name(player: Player) -> None:
    """Record that ``player`` chose to appear by name in discreet standings."""
    begin_write()
    db.session.execute(update(Player).where(Player.id == player.id).values(show_name=True))
    db.session.commit()


def privacy_floor() -> int:
    """Return the smallest group of players whose topic or team figures may be shown."""
    return max(1, int(current_app.config.get("PRIVACY_FLOOR", 5)))
