"""Rank players by score descending in ix_player_ranking

The standings read players in (score DESC, score_at, id) order; with the index
on an ascending score SQLite sorted them in a temporary B-tree on every read.
Autogenerate does not see a column's sort order, so this revision is written by hand.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:38:23.825659

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_player_ranking", table_name="player")
    op.create_index(
        "ix_player_ranking", "player", ["hidden", sa.text("score DESC"), "score_at", "id"]
    )


def downgrade():
    op.drop_index("ix_player_ranking", table_name="player")
    op.create_index("ix_player_ranking", "player", ["hidden", "score", "score_at", "id"])
