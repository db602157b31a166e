"""Discreet standings on one phone: the player's own rank and the players just around it."""

from __future__ import annotations

from sqlalchemy import and_, or_

from invider.hunt.discretion import counts_for_top_half, genuine_finds, is_discreet, top_half
from invider.hunt.scoring import _frozen_rows, live_rank, public_standings, ranked_ahead
from invider.store.models import RANKING, RANKING_BACKWARDS, Player, db
from invider.store.snapshot import deck_snapshot
from invider.store.worker_cache import cached

_FROZEN_ORDER = "invider.board.discreet.frozen_order"


def _live_neighbours(player: Player) -> tuple[Player | None, Player | None]:
    """The players just above and just below ``player`` in the live ranking."""
    visible = Player.hidden.is_(False)
    before = or_(*ranked_ahead(player))
    after = and_(visible, ~before, Player.id != player.id)
    above = db.session.execute(
        db.select(Player).where(visible, before).order_by(*RANKING_BACKWARDS).limit(1)
    ).scalar_one_or_none()
    below = db.session.execute(
        db.select(Player).where(after).order_by(*RANKING).limit(1)
    ).scalar_one_or_none()
    return above, below


def around_me(player: Player | None) -> list[dict] | None:
    """Return the rows just above, at and just below ``player`` in discreet mode.

    Each row has ``rank``, ``name`` (None when the player is not to be named: they did
    not opt in, or they stand in the bottom half, which nobody sees named), ``team``,
    ``score`` and ``me``. Returns None outside discreet mode or for a hidden player.
    """
    # The worker's copy of the hunt: outside discreet mode this costs no query.
    hunt = deck_snapshot().hunt
    if player is None or player.hidden or not is_discreet(hunt):
        return None
    standings = public_standings()
    inviders = standings.hunt["inviders"]
    genuine = genuine_finds(inviders)
    total = db.session.execute(
        db.select(db.func.count(Player.id)).where(Player.hidden.is_(False), Player.found >= genuine)
    ).scalar_one()
    if standings.frozen:
        rank = standings.rank_of(player.id)
        if rank is None:
            return None
        order = cached(_FROZEN_ORDER, lambda: _frozen_rows(hunt.freeze_at))
        total = sum(1 for row in order if counts_for_top_half(row.found, inviders))
        picked = [(r, order[r - 1]) for r in (rank - 1, rank, rank + 1) if 1 <= r <= len(order)]
        named = set(
            db.session.execute(
                db.select(Player.id).where(
                    Player.id.in_([row.id for _, row in picked]), Player.show_name.is_(True)
                )
            ).scalars()
        )
        rows = [(r, row.id, row.name, row.team, row.score, row.id in named) for r, row in picked]
    else:
        rank = live_rank(player)
        above, below = _live_neighbours(player)
        rows = [(rank, player.id, player.name, player.team, player.score, player.show_name)]
        if above is not None:
            rows.insert(
                0, (rank - 1, above.id, above.name, above.team, above.score, above.show_name)
            )
        if below is not None:
            rows.append((rank + 1, below.id, below.name, below.team, below.score, below.show_name))
    result = []
    for r, player_id, name, team, score, opted_in in rows:
        me = player_id == player.id
        shown = me or (opted_in and top_half(r, total))
        result.append(
            {
                "rank": r,
                "name": name if shown else None,
                "team": team if shown else None,
                "score": score,
                "me": me,
            }
        )
    return result
