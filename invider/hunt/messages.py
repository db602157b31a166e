"""Messages from the organisers: a banner on the big screen and on every phone page.

A message is text in French, in English or both; it shows until its end time or until
an organiser withdraws it. Posting and withdrawing are audited. Texts are plain: every
page and script shows them as text, never as HTML.
"""

from __future__ import annotations

from datetime import datetime

from invider.store.database import begin_write
from invider.store.models import AuditEntry, Message, db, utcnow
from invider.store.worker_cache import MESSAGES, cached

MAX_MESSAGE = 200


def active_messages(now: datetime | None = None) -> list[dict]:
    """Return the messages showing at ``now``, newest first, as plain data."""
    now = now or utcnow()
    rows = db.session.execute(
        db.select(Message)
        .where(Message.withdrawn_at.is_(None))
        .where((Message.ends_at.is_(None)) | (Message.ends_at > now))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(3)
    ).scalars()
    return [message_data(m) for m in rows]


def message_data(message: Message) -> dict:
    """Return one message as the pages and the JSON show it."""
    return {
        "id": message.id,
        "fr": message.text_fr,
        "en": message.text_en,
        "ends_at": message.ends_at.isoformat(timespec="seconds") if message.ends_at else None,
    }


def showing_messages() -> list[dict]:
    """Return this worker's copy of the messages showing now (read again each cache period).

    The copy keeps each message's end time, so a message stops showing at its end time on
    every worker, whatever the age of the copy.
    """
    now = utcnow()
    return [
        m
        for m in cached(MESSAGES, lambda: active_messages(now))
        if m["ends_at"] is None or datetime.fromisoformat(m["ends_at"]) > now
    ]


def message_text(message: dict, language: str) -> str:
    """Return the message in ``language``, or in the other one when it has only that."""
    return message.get(language) or message.get("en" if language == "fr" else "fr") or ""


def clean_message(text: str | None) -> str | None:
    """Return a message text trimmed to one paragraph, or None when empty; ValueError if long."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) > MAX_MESSAGE:
        raise ValueError("long")
    return text


def post_message(
    text_fr: str | None, text_en: str | None, ends_at: datetime | None, actor: str
) -> Message:
    """Show a new message from now on (until ``ends_at``); ValueError when it has no text."""
    text_fr, text_en = clean_message(text_fr), clean_message(text_en)
    if not (text_fr or text_en):
        raise ValueError("empty")
    now = utcnow()
    if ends_at is not None and ends_at <= now:
        raise ValueError("ended")
    begin_write()
    message = Message(text_fr=text_fr, text_en=text_en, ends_at=ends_at, created_at=now)
    db.session.add(message)
    db.session.flush()
    until = ends_at.isoformat(timespec="minutes") if ends_at else "withdrawn"
    db.session.add(
        AuditEntry(
            actor=actor,
            action="message.post",
            detail=f"#{message.id} until {until}: {text_fr or text_en!r}",
        )
    )
    db.session.commit()
    return message


def withdraw_message(message_id: int, actor: str) -> Message:
    """Stop showing a message now; LookupError when there is no such message."""
    begin_write()
    message = db.session.get(Message, message_id)
    if message is None:
        db.session.rollback()
        raise LookupError(message_id)
    if message.withdrawn_at is None:
        message.withdrawn_at = utcnow()
        db.session.add(
            AuditEntry(
                actor=actor,
                action="message.withdraw",
                detail=f"#{message.id}: {message.text_fr or message.text_en!r}",
            )
        )
    db.session.commit()
    return message
