"""Company sign-in: the account link table and the organiser's name on admin logins

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("renamed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["player_id"], ["player.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject_hash", name="uq_account_issuer_subject"),
        sa.UniqueConstraint("player_id"),
    )
    # A plain nullable column added in place: no table rebuild on SQLite.
    op.add_column("admin_session", sa.Column("organiser", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("admin_session") as batch_op:
        batch_op.drop_column("organiser")
    op.drop_table("account")
