"""The loaded deck as the plain data the printables are drawn from."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from invider.hunt.schedule import echo_rounds, echo_window
from invider.printing.posters import PosterDeck, PosterItem
from invider.store.models import Hunt, Invider, db


def poster_deck():
    """Return the loaded deck as plain poster data, or None when no deck is loaded."""

    hunt = Hunt.current()
    if hunt is None:
        return None
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars()
    opens = echo_window(hunt)[0]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return PosterDeck(
        title=hunt.title,
        language=hunt.language,
        echo_opens=opens.astimezone(zone) if opens else None,
        echo_rounds=tuple(r.opens.astimezone(zone) for r in echo_rounds(hunt)),
        items=tuple(
            PosterItem(number=i.number, key=i.key, code=i.code, location=i.location, topic=i.topic)
            for i in inviders
        ),
    )
