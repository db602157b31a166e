"""Recompute player.name_key as the look-alike skeleton of the name

Names are now unique up to Unicode look-alikes ("Аlice" with a Cyrillic А is "Alice").
Existing keys were only case-folded: compute them again with the app's own function, so
the unique constraint holds for players who joined before. Two players whose names now
look alike keep both rows: the later one's key gets its id appended.

This data revision calls the app's ``name_key`` on purpose: the keys must be exactly what
the app compares against when the next player joins.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    from invider.hunt.names import MAX_KEY, name_key

    bind = op.get_bind()
    player = sa.table(
        "player",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = bind.execute(sa.select(player.c.id, player.c.name).order_by(player.c.id)).all()
    keys, taken = {}, set()
    for player_id, name in rows:
        key = name_key(name)[:MAX_KEY]
        if key in taken:
            suffix = f":{player_id}"
            key = key[: MAX_KEY - len(suffix)] + suffix
        taken.add(key)
        keys[player_id] = key
    # Two passes: a new key may equal another row's old key until that row is updated.
    for player_id in keys:
        bind.execute(
            player.update()
            .where(player.c.id == player_id)
            .values(name_key=f"#migrating:{player_id}")
        )
    for player_id, key in keys.items():
        bind.execute(player.update().where(player.c.id == player_id).values(name_key=key))


def downgrade():
    bind = op.get_bind()
    player = sa.table(
        "player",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
    )
    for player_id, name in bind.execute(sa.select(player.c.id, player.c.name)).all():
        bind.execute(
            player.update()
            .where(player.c.id == player_id)
            .values(name_key=f"{name.casefold()}:{player_id}")
        )
