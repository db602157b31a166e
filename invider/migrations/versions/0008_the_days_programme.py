"""The day's programme: waves, organisers' messages, the countdown and shuffled choices

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    # Plain columns added in place: no table rebuild on SQLite.
    op.add_column(
        "hunt",
        sa.Column("shuffle_choices", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "hunt",
        sa.Column("countdown_minutes", sa.Integer(), nullable=False, server_default="30"),
    )
    op.add_column("invider", sa.Column("wave", sa.String(length=100), nullable=True))
    op.add_column("invider", sa.Column("shuffle_choices", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("invider") as batch_op:
        batch_op.drop_column("shuffle_choices")
        batch_op.drop_column("wave")
    with op.batch_alter_table("hunt") as batch_op:
        batch_op.drop_column("countdown_minutes")
        batch_op.drop_column("shuffle_choices")
    op.drop_table("message")
    op.drop_table("wave")
