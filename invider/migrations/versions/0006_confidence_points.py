"""A deck option rewarding calibrated confidence: hunt.confidence_points (off by default)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # A plain column added in place: no table rebuild on SQLite.
    op.add_column(
        "hunt",
        sa.Column("confidence_points", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    with op.batch_alter_table("hunt") as batch_op:
        batch_op.drop_column("confidence_points")
