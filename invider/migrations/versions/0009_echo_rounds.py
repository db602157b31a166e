"""Echo rounds: hunt.echo_rounds, and echo_answer.round in its one-try constraint

- ``hunt.echo_rounds``: days after the close at which each echo round opens (None: the
  single round of ``echo_opens_at`` and ``echo_closes_at``).
- ``echo_answer.round``: the round an answer belongs to (1 for every answer so far); one
  try per player, invider and round instead of per player and invider.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("hunt", sa.Column("echo_rounds", sa.JSON(), nullable=True))
    op.add_column(
        "echo_answer", sa.Column("round", sa.Integer(), nullable=False, server_default="1")
    )
    # Only echo_answer is rebuilt on SQLite (it has no AUTOINCREMENT to lose).
    with op.batch_alter_table("echo_answer") as batch_op:
        batch_op.drop_constraint("uq_echo_player_invider", type_="unique")
        batch_op.create_unique_constraint(
            "uq_echo_player_invider_round", ["player_id", "invider_id", "round"]
        )


def downgrade():
    # Later rounds have no place in the older schema: only round 1 is kept.
    op.execute(sa.text("DELETE FROM echo_answer WHERE round > 1"))
    with op.batch_alter_table("echo_answer") as batch_op:
        batch_op.drop_constraint("uq_echo_player_invider_round", type_="unique")
        batch_op.create_unique_constraint("uq_echo_player_invider", ["player_id", "invider_id"])
        batch_op.drop_column("round")
    with op.batch_alter_table("hunt") as batch_op:
        batch_op.drop_column("echo_rounds")
