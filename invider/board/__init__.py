"""Blueprint for the standings: the phone leaderboard, the big screen, and their figures."""

from __future__ import annotations

from invider.board.views import bp

__all__ = ["bp"]
