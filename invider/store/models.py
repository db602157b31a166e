"""Typed Flask-SQLAlchemy models: the hunt, its waves and inviders, players and their answers."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store datetimes as naive UTC and hand them back aware.

    SQLite keeps no time zone, so every value is normalised to UTC on the
    way in and tagged as UTC on the way out; comparisons stay correct.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def new_secret() -> str:
    """Return a fresh 256-bit secret, URL-safe."""
    return secrets.token_urlsafe(32)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


#: A database holds one hunt, always with this id (a CHECK constraint says so).
HUNT_ID = 1


class Hunt(db.Model):
    """The one hunt this database runs: title, language, teams and schedule."""

    # One hunt per database, enforced by the database itself: two servers starting
    # together on an empty database cannot both insert one.
    __table_args__ = (CheckConstraint("id = 1", name="ck_hunt_single"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    teams: Mapped[list] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    points: Mapped[int] = mapped_column(default=10)
    # Set by an organiser ("open", "frozen", "closed"); beats the schedule.
    status_override: Mapped[str | None] = mapped_column(String(10))
    # "free": players type a display name; "generated": they get an invader name.
    name_mode: Mapped[str] = mapped_column(String(10), default="free")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Learning and privacy (see invider/echo.py and invider/privacy.py).
    confidence: Mapped[bool] = mapped_column(default=True)
    echo_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    echo_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    echo_questions: Mapped[int] = mapped_column(default=5)
    # "public", or "discreet": works-council mode, players named only if they opted in.
    standings: Mapped[str] = mapped_column(String(10), default="public")
    retention_days: Mapped[int | None]
    # When per-person data was anonymised and deleted; the topic figures kept then.
    retention_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retained_figures: Mapped[dict | None] = mapped_column(JSON)
    # Off by default: a right answer scores more when the player said they were sure,
    # less when they said they guessed (CONFIDENCE_POINTS).
    confidence_points: Mapped[bool] = mapped_column(default=False)
    # The day's programme (see hunt/programme.py): each player's own order of the choices,
    # and how many minutes before the freeze and the close the pages count down (0: never).
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    countdown_minutes: Mapped[int] = mapped_column(default=30)
    # Days after the close at which each echo round opens ([7, 28, 84]); None: one round.
    echo_rounds: Mapped[list | None] = mapped_column(JSON)

    @classmethod
    def current(cls) -> Hunt | None:
        """Return the hunt of this database, live and editable (organisers and loaders).

        Player pages read ``snapshot.deck_snapshot().hunt``, the worker's copy.
        """
        return db.session.get(cls, HUNT_ID)

    def status(self, now: datetime | None = None) -> str:
        """Return ``scheduled``, ``open``, ``frozen`` or ``closed`` at ``now``."""
        return schedule_status(self, now)

    def accepts_answers(self, now: datetime | None = None) -> bool:
        """Tell whether answers are recorded right now (open or frozen)."""
        return self.status(now) in ANSWERING


#: The statuses in which answers are recorded.
ANSWERING = ("open", "frozen")


def schedule_status(hunt, now: datetime | None = None) -> str:
    """Return the status of ``hunt`` (a Hunt, or a row with its override and times) at ``now``."""
    if hunt.status_override:
        return hunt.status_override
    now = now or utcnow()
    if hunt.opens_at and now < hunt.opens_at:
        return "scheduled"
    if hunt.closes_at and now >= hunt.closes_at:
        return "closed"
    if hunt.freeze_at and now >= hunt.freeze_at:
        return "frozen"
    return "open"


class Wave(db.Model):
    """A named time at which the posters of that wave wake up (the deck's, or an organiser's)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invider(db.Model):
    """One question on one poster; ``code`` is printed in its QR and never changes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    number: Mapped[int]
    question: Mapped[str] = mapped_column(Text)
    choices: Mapped[list] = mapped_column(JSON, default=list)
    accept: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    fact: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int]
    # Typed answers: only case and accent folding, no forgiving comparison.
    strict: Mapped[bool] = mapped_column(default=False)
    # The wave whose time wakes this poster (None: awake from the opening).
    wave: Mapped[str | None] = mapped_column(String(100))
    # This question's own choice of shuffling; None follows the hunt's.
    shuffle_choices: Mapped[bool | None]

    @property
    def typed(self) -> bool:
        """True when the player types the answer instead of picking a choice."""
        return not self.choices


class Player(db.Model):
    """A phone that joined: display name, team, and its running score.

    ``score``, ``found``, ``correct`` and ``score_at`` are kept up to date in
    the same transaction as each answer so standings are one indexed read.
    """

    # Ids are never reused (SQLite AUTOINCREMENT; a sequence on PostgreSQL), so an old
    # cookie never names a newer player.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    # Case-folded name: unique so "Alice" and "ALICE" cannot both join.
    name_key: Mapped[str] = mapped_column(String(160), unique=True)
    team: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(default=0)
    found: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    # When the current score was reached: the tie-break, earliest first.
    score_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Secret of the personal resume link; regenerating it revokes the old link.
    resume_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Checked against the session on every request: a new one (new resume link,
    # removal, reset) ends every other session of this player at once.
    session_secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # Fingerprint of the join form that created the player: a retried join lands here.
    join_key: Mapped[str | None] = mapped_column(String(64))
    # Discreet standings: the player chose to appear by name.
    show_name: Mapped[bool] = mapped_column(default=False)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="player", cascade="all, delete-orphan", passive_deletes=True
    )


# The ranking order itself (score descending, then earliest, then id): SQLite reads the
# standings straight from this index; with an ascending score it sorted in a temp B-tree.
#: The ranking order, everywhere: score, then who reached it first, then who joined first.
#: On the table's columns, so that a Core statement ordered by it stays a Core statement
#: (ORM attributes would send it through the ORM's steps); ORM queries take it as well.
_ranked = Player.__table__.c
RANKING = (_ranked.score.desc(), _ranked.score_at, _ranked.id)
#: The same order read backwards: the player just above another comes first.
RANKING_BACKWARDS = (_ranked.score, _ranked.score_at.desc(), _ranked.id.desc())
Index("ix_player_ranking", Player.hidden, *RANKING)


class Answer(db.Model):
    """The one attempt of a player at an invider."""

    __table_args__ = (
        UniqueConstraint("player_id", "invider_id", name="uq_answer_player_invider"),
        Index("ix_answer_invider", "invider_id"),
        Index("ix_answer_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id", ondelete="CASCADE"))
    invider_id: Mapped[int] = mapped_column(ForeignKey("invider.id", ondelete="RESTRICT"))
    given: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool]
    points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # How sure the player said they were before answering: sure, unsure, guess (or None).
    confidence: Mapped[str | None] = mapped_column(String(6))

    player: Mapped[Player] = relationship(back_populates="answers")
    invider: Mapped[Invider] = relationship()


#: Points for a right answer, as a share of the question's, when a deck rewards calibrated
#: confidence: claiming to be sure pays only when one is right.
CONFIDENCE_POINTS = {"sure": 1.5, "unsure": 1.0, "guess": 0.5}
#: The confidence a player may give before answering, surest first.
CONFIDENCE = ("sure", "unsure", "guess")


class EchoAnswer(db.Model):
    """One answer in the echo, the follow-up quiz; never counted in scores or standings."""

    __table_args__ = (
        UniqueConstraint("player_id", "invider_id", "round", name="uq_echo_player_invider_round"),
        Index("ix_echo_answer_invider", "invider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id", ondelete="CASCADE"))
    invider_id: Mapped[int] = mapped_column(ForeignKey("invider.id", ondelete="RESTRICT"))
    given: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool]
    # A control question: from a poster this player never found on the day.
    control: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The echo round (1, 2...): one try per player, invider and round.
    round: Mapped[int] = mapped_column(default=1)


class RateCount(db.Model):
    """A fixed-window counter shared by every worker (rate limits without Redis)."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class AuditEntry(db.Model):
    """One organiser action (moderation, status change, deck reload), for the audit log."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text, default="")


class Message(db.Model):
    """A message from the organisers, shown until ``ends_at`` or until withdrawn."""

    id: Mapped[int] = mapped_column(primary_key=True)
    text_fr: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminSession(db.Model):
    """An organiser login; logging out deletes it, so an old cookie is refused."""

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Derived from the organiser password at login: a new password ends the login.
    password_stamp: Mapped[str | None] = mapped_column(String(64))
    # Who signed in with the company account (name, and address for e-mail organisers);
    # None for the shared password. The audit log names them.
    organiser: Mapped[str | None] = mapped_column(String(100))


class Account(db.Model):
    """The link from a company account to its one player: issuer and keyed subject hash.

    The subject itself, the e-mail address and the token are never stored; retention
    and removing the player delete the link.
    """

    __table_args__ = (UniqueConstraint("issuer", "subject_hash", name="uq_account_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject_hash: Mapped[str] = mapped_column(String(64))
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id", ondelete="CASCADE"), unique=True)
    # The display name from the directory may be changed once.
    renamed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
