"""What the day's programme adds to the phone pages: a sleeping poster's page, and at the
top of every page the organisers' messages and the last-stretch countdown.

The news is a template global, so each page shows the state when it was loaded, without
JavaScript. It reads the worker's copies of the messages and of the hunt (at most a cache
period old) and never fails a page: an error page shown while the database is away has no
news.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy.exc import SQLAlchemyError

from invider.hunt.messages import message_text, showing_messages
from invider.hunt.programme import last_stretch, time_left, wakes_at
from invider.play.identity import bp
from invider.store.models import Invider, utcnow
from invider.store.snapshot import deck_snapshot
from invider.web.i18n import page_language


@dataclass
class News:
    """The messages showing now, in the page's language, and the countdown if it runs."""

    messages: list[dict] = field(default_factory=list)
    stretch: dict | None = None
    #: The server's time, for the page's countdown to follow the server's clock.
    now: str = ""


@bp.app_template_global()
def programme_news() -> News:
    """Return the organisers' messages and the last-stretch countdown for this page."""
    try:
        hunt = deck_snapshot().hunt
        messages = showing_messages()
    except SQLAlchemyError:
        return News()
    language, now = page_language(), utcnow()
    return News(
        messages=[{"id": m["id"], "text": message_text(m, language)} for m in messages],
        stretch=last_stretch(hunt, now),
        now=now.isoformat(timespec="milliseconds"),
    )


def asleep(invider: Invider, status: int = 200):
    """Show a poster of a later wave asleep: when it wakes, and nothing of its question."""
    deck, now = deck_snapshot(), utcnow()
    wakes = wakes_at(invider, deck.waves, now)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    page = render_template(
        "play/asleep.html",
        hunt=deck.hunt,
        invider=invider,
        wakes=wakes,
        now=now,
        left=time_left((wakes - now).total_seconds()) if wakes else None,
        same_day=bool(wakes) and wakes.astimezone(zone).date() == now.astimezone(zone).date(),
    )
    return page, status
