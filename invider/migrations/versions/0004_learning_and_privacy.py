"""Confidence, the echo, discreet standings and retention; strict typed answers

- ``answer.confidence``: how sure the player said they were (sure, unsure, guess).
- ``echo_answer``: the follow-up quiz a week later, one try per player and invider.
- ``hunt``: confidence on/off, the echo window and size, ``standings`` ("public" or
  "discreet"), ``retention_days`` and what the retention job did and kept.
- ``player.show_name``: in discreet standings, the player chose to appear by name.
- ``invider.strict``: typed answers compared after case and accent folding only.

Written by hand like 0002 and 0003. Columns are only added (SQLite's ALTER TABLE ADD
COLUMN), so no table is rebuilt: ``player`` keeps AUTOINCREMENT and ``ix_player_ranking``
its descending score.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ADD COLUMN: a batch operation would rebuild ``player`` on SQLite,
    # losing AUTOINCREMENT and the descending score of ``ix_player_ranking``.
    for column in (
        sa.Column("confidence", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("echo_opens_at", sa.DateTime(), nullable=True),
        sa.Column("echo_closes_at", sa.DateTime(), nullable=True),
        sa.Column("echo_questions", sa.Integer(), nullable=False, server_default="5"),
        sa.Column("standings", sa.String(length=10), nullable=False, server_default="public"),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("retention_done_at", sa.DateTime(), nullable=True),
        sa.Column("retained_figures", sa.JSON(), nullable=True),
    ):
        op.add_column("hunt", column)
    op.add_column(
        "invider", sa.Column("strict", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "player", sa.Column("show_name", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("answer", sa.Column("confidence", sa.String(length=6), nullable=True))
    op.create_table(
        "echo_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("invider_id", sa.Integer(), nullable=False),
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("control", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.String(length=6), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invider_id"], ["invider.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["player_id"], ["player.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("player_id", "invider_id", name="uq_echo_player_invider"),
    )
    op.create_index("ix_echo_answer_invider", "echo_answer", ["invider_id"])


def downgrade():
    op.drop_index("ix_echo_answer_invider", table_name="echo_answer")
    op.drop_table("echo_answer")
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_column("confidence")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("player", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("show_name")
    if sqlite:
        # A rebuilt table reflects the ranking index without its descending score.
        op.drop_index("ix_player_ranking", table_name="player")
        op.create_index(
            "ix_player_ranking", "player", ["hidden", sa.text("score DESC"), "score_at", "id"]
        )
    with op.batch_alter_table("invider") as batch_op:
        batch_op.drop_column("strict")
    with op.batch_alter_table("hunt") as batch_op:
        for column in (
            "retained_figures",
            "retention_done_at",
            "retention_days",
            "standings",
            "echo_questions",
            "echo_closes_at",
            "echo_opens_at",
            "confidence",
        ):
            batch_op.drop_column(column)
