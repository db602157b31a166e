"""Never reuse player ids, per-player session secrets, one hunt, organiser login stamps

- ``player`` is rebuilt with AUTOINCREMENT on SQLite, which otherwise hands the highest
  freed id to the next player, so an old cookie could name someone else.
- ``player.session_secret``: checked against the session on every request.
- ``player.join_key``: a retried join from the same phone lands on the player it made.
- ``admin_session.password_stamp``: a login made under another password is refused.
- ``hunt.id = 1``: one hunt per database, whatever the start order of the servers.

Written by hand: autogenerate sees neither AUTOINCREMENT nor CHECK constraints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:50:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("player") as batch_op:
        batch_op.add_column(sa.Column("session_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("join_key", sa.String(length=64), nullable=True))
    player = sa.table("player", sa.column("id", sa.Integer), sa.column("session_secret", sa.String))
    for (player_id,) in bind.execute(sa.select(player.c.id)).all():
        bind.execute(
            player.update()
            .where(player.c.id == player_id)
            .values(session_secret=secrets.token_urlsafe(32))
        )
    # Only SQLite rebuilds tables: elsewhere the column is altered in place.
    rebuild = "always" if bind.dialect.name == "sqlite" else "auto"
    with op.batch_alter_table(
        "player", recreate=rebuild, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("session_secret", existing_type=sa.String(length=64), nullable=False)
    if rebuild == "always":
        # The rebuild reflects the ranking index without its descending score: put it back.
        op.drop_index("ix_player_ranking", table_name="player")
        op.create_index(
            "ix_player_ranking", "player", ["hidden", sa.text("score DESC"), "score_at", "id"]
        )

    with op.batch_alter_table("admin_session") as batch_op:
        batch_op.add_column(sa.Column("password_stamp", sa.String(length=64), nullable=True))

    # A database that already holds two hunts (the start race this fixes) keeps the first.
    hunt = sa.table("hunt", sa.column("id", sa.Integer))
    first = bind.execute(sa.select(sa.func.min(hunt.c.id))).scalar()
    if first is not None:
        bind.execute(hunt.delete().where(hunt.c.id != first))
        bind.execute(hunt.update().values(id=1))
    with op.batch_alter_table("hunt", recreate=rebuild) as batch_op:
        batch_op.create_check_constraint("ck_hunt_single", "id = 1")


def downgrade():
    with op.batch_alter_table("hunt") as batch_op:
        batch_op.drop_constraint("ck_hunt_single", type_="check")
    with op.batch_alter_table("admin_session") as batch_op:
        batch_op.drop_column("password_stamp")
    with op.batch_alter_table("player") as batch_op:
        batch_op.drop_column("join_key")
        batch_op.drop_column("session_secret")
