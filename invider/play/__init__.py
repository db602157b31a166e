"""Blueprint for players: home, scan, answer, join and the player's collection.

``identity`` holds the blueprint, the player loader and the guards; each other module
adds the views of one part of the game: the posters, joining, and the collection.
"""

from __future__ import annotations

from invider.play import join, me, programme, scan  # noqa: F401  (they register views)
from invider.play.identity import bp, player_required, shows_no_player

__all__ = ["bp", "player_required", "shows_no_player"]
