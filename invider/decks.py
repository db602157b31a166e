"""Read and validate TOML decks, then upsert them into the database.

Validation is complete before anything is written: every problem is reported
as ``path:line: message`` and a deck with any problem changes nothing.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func

from invider.answers import answer_matches
from invider.database import begin_write
from invider.models import Answer, Hunt, Invider, db

KEY_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to type
CODE_LENGTH = 13  # 31**13 > 2**64

HUNT_KEYS = {"title", "language", "teams", "opens_at", "closes_at", "freeze_at", "points"}
# Learning and privacy options (see invider/echo.py and invider/privacy.py).
LEARNING_KEYS = {
    "confidence",
    "echo_opens_at",
    "echo_closes_at",
    "echo_questions",
    "standings",
    "retention_days",
}
HUNT_KEYS |= LEARNING_KEYS
INVIDER_KEYS = {
    "key",
    "question",
    "choices",
    "answer",
    "accept",
    "strict",
    "fact",
    "topic",
    "location",
    "points",
}
TOP_KEYS = {"hunt", "invider"}
# Arrays and inline tables nested deeper than this are refused before parsing: no deck
# needs them, and Python's TOML parser recurses once per level (900 levels crash it).
MAX_NESTING = 16


class DeckError(Exception):
    """A deck that cannot be loaded; ``messages`` are ``path:line: message`` lines."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class DeckInvider:
    key: str
    question: str
    fact: str
    answer: str
    points: int
    choices: list[str] = field(default_factory=list)
    accept: list[str] = field(default_factory=list)
    topic: str | None = None
    location: str | None = None
    strict: bool = False


@dataclass
class Deck:
    path: str
    title: str
    language: str
    teams: list[str]
    points: int
    opens_at: datetime | None
    closes_at: datetime | None
    freeze_at: datetime | None
    inviders: list[DeckInvider]
    learning: dict = field(default_factory=dict)


@dataclass
class DeckPlan:
    """What loading a deck would change, by invider key."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Describe the plan in one line."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged"
        )


def new_code() -> str:
    """Return a fresh poster code with more than 64 bits of randomness."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Turn a typed poster code ("ABCD-efgh jk...") into its stored form."""
    return re.sub(r"[\s-]", "", text).lower()


class _Lines:
    """Find the line of each table header and key, since tomllib gives no positions."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-\"' .]+?)\s*\]\]?")
    ASSIGN = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table: tuple[str, int] = ("", 0)
        # Inside a multi-line array or string, lines are values, not keys.
        depth, quote = 0, ""
        # TOML counts lines by "\n" only; str.splitlines() also splits on U+2028 and others.
        for number, line in enumerate(text.split("\n"), start=1):
            free = depth == 0 and not quote
            if free and (m := self.HEADER.match(line)):
                name = m.group(2).strip().strip("\"'")
                index = counts.get(name, -1) + 1 if m.group(1) == "[[" else 0
                counts[name] = index
                table = (name, index)
                self.tables.setdefault(table, number)
                continue
            if free and (m := self.ASSIGN.match(line)):
                self.keys.setdefault((*table, m.group(1).strip("\"'")), number)
            balance, quote, _ = _bracket_balance(line, quote)
            depth = max(0, depth + balance)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int:
        """Return the line of ``key`` in a table, else the table header, else 1."""
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.tables.get((table, index), 1)


def _bracket_balance(line: str, quote: str = "", depth: int = 0) -> tuple[int, str, int]:
    """Count ``[`` and ``{`` minus ``]`` and ``}`` outside strings and comments.

    ``quote`` is the multi-line string (\"\"\" or ''') still open from the line
    before; the one still open at the end of this line is returned with the count,
    and with the deepest nesting reached on the line, counting from ``depth``.
    """
    balance, peak, i = 0, depth, 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote[0] == '"':  # basic strings have escapes
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif line.startswith(('"""', "'''"), i):
            quote = line[i : i + 3]
            i += 3
            continue
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            balance += 1
            peak = max(peak, depth + balance)
        elif ch in "]}":
            balance -= 1
        i += 1
    return balance, quote if len(quote) == 3 else "", peak


def _too_deep(text: str, limit: int = MAX_NESTING) -> int | None:
    """Return the first line where arrays or inline tables nest deeper than ``limit``.

    A table header such as ``[[invider]]`` counts as two levels, closed on its line.
    """
    depth, quote = 0, ""
    for number, line in enumerate(text.split("\n"), start=1):
        balance, quote, peak = _bracket_balance(line, quote, depth)
        if peak > limit:
            return number
        depth = max(0, depth + balance)
    return None


def read_deck(path: str | Path) -> Deck:
    """Read and validate the deck at ``path``; raise DeckError listing every problem."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DeckError([f"{name}:1: cannot read the file: {e.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DeckError([f"{name}:{line}: not UTF-8 text; save the file as UTF-8"]) from None
    text = text.removeprefix("\ufeff")
    deep = _too_deep(text)
    if deep is not None:
        raise DeckError(
            [
                f"{name}:{deep}: lists or tables nested more than {MAX_NESTING} "
                "levels deep; a deck needs at most 2"
            ]
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # Only if the scan above missed a way of nesting: never a traceback.
        raise DeckError([f"{name}:1: lists or tables nested too deeply"]) from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = m.group(1) if m else "1"
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        raise DeckError([f"{name}:{line}: invalid TOML: {message}"]) from None
    return validate_deck(data, name, _Lines(text))


def validate_deck(data: dict, name: str, lines: _Lines) -> Deck:
    """Check parsed TOML against the deck format; raise DeckError with every problem."""
    errors: list[str] = []

    def err(line: int, message: str) -> None:
        errors.append(f"{name}:{line}: {message}")

    for key in data.keys() - TOP_KEYS:
        err(
            lines.of(key) if (key, 0) in lines.tables else lines.of("", 0, key),
            f"unknown table or key {key!r} (expected [hunt] and [[invider]])",
        )

    hunt = data.get("hunt")
    if not isinstance(hunt, dict):
        err(1, "missing [hunt] table with at least a title")
        hunt = {}
    hline = lambda key=None: lines.of("hunt", 0, key)  # noqa: E731
    for key in sorted(hunt.keys() - HUNT_KEYS):
        err(hline(key), f"unknown key {key!r} in [hunt]")
    title = _text(hunt, "title", hline, err, required="hunt" in data)
    language = hunt.get("language", "fr")
    if language not in ("fr", "en"):
        err(hline("language"), 'language must be "fr" or "en"')
    teams = _text_list(hunt, "teams", hline, err) or []
    if len({t.casefold() for t in teams}) != len(teams):
        err(hline("teams"), "teams must be distinct")
    points = _points(hunt, hline, err, default=10)
    times = {}
    for key in ("opens_at", "freeze_at", "closes_at", "echo_opens_at", "echo_closes_at"):
        value = hunt.get(key)
        if value is None:
            times[key] = None
        elif isinstance(value, datetime) and value.tzinfo is not None:
            times[key] = value
        elif isinstance(value, datetime | date):
            err(
                hline(key),
                f"{key} needs a date, a time and a UTC offset, like 2026-03-14T09:00:00+01:00",
            )
            times[key] = None
        else:
            err(hline(key), f"{key} must be a date-time like 2026-03-14T09:00:00+01:00")
            times[key] = None
    present = [(k, v) for k, v in times.items() if v is not None]
    for (k1, v1), (k2, v2) in zip(present, present[1:], strict=False):
        if v1 >= v2:
            err(hline(k2), f"{k2} must come after {k1}")
    learning = _learning_options(hunt, times, hline, err)

    raw_inviders = data.get("invider", [])
    if not isinstance(raw_inviders, list) or not raw_inviders:
        err(lines.of("invider"), "the deck has no [[invider]]")
        raw_inviders = []
    elif not all(isinstance(item, dict) for item in raw_inviders):
        err(lines.of("", 0, "invider"), "invider must be [[invider]] tables, not values")
        raw_inviders = []
    inviders, seen = [], {}
    for index, item in enumerate(raw_inviders):
        line = lambda key=None, i=index: lines.of("invider", i, key)  # noqa: E731
        for key in sorted(item.keys() - INVIDER_KEYS):
            err(line(key), f"unknown key {key!r} in [[invider]]")
        key = _text(item, "key", line, err, required=True)
        if key and not KEY_RE.match(key):
            err(line("key"), f"key {key!r} may only use a-z, 0-9 and '-' (at most 60)")
        elif key in seen:
            err(line("key"), f"duplicate key {key!r} (first at line {seen[key]})")
        elif key:
            seen[key] = line("key")
        question = _text(item, "question", line, err, required=True)
        fact = _text(item, "fact", line, err, required=True)
        topic = _text(item, "topic", line, err)
        location = _text(item, "location", line, err)
        choices = _text_list(item, "choices", line, err)
        accept = _text_list(item, "accept", line, err)
        answer = _text(item, "answer", line, err)
        if choices is not None and accept is not None:
            err(line("accept"), "give either choices or accept, not both")
        elif choices is None and accept is None:
            err(line(), "missing choices (or accept, for a typed answer)")
        elif choices is not None and not (choices == [] and item["choices"] != []):
            # (a mistyped choices list was reported above; its details would be noise)
            if not 2 <= len(choices) <= 6:
                err(line("choices"), "choices must list 2 to 6 answers")
            if len(set(choices)) != len(choices):
                err(line("choices"), "choices must be distinct")
            if answer is None and "answer" not in item:
                err(line(), "missing answer (one of the choices)")
            elif answer is not None and answer not in choices:
                err(line("answer"), f"answer {answer!r} is not one of the choices")
        elif accept is not None and not accept:
            err(line("accept"), "accept must list at least one answer")
        strict = item.get("strict", False)
        if not isinstance(strict, bool):
            err(line("strict"), f"strict must be true or false, not {_kind(strict)}")
            strict = False
        elif strict and choices is not None:
            err(line("strict"), "strict applies to typed answers (accept), not to choices")
        if accept and answer is not None and not _accepted(answer, accept, strict):
            err(
                line("answer"),
                f"answer {answer!r} would not be accepted: add it to accept, or fix the typo",
            )
        item_points = _points(item, line, err, default=points)
        inviders.append(
            DeckInvider(
                key=key or "",
                question=question or "",
                fact=fact or "",
                answer=answer or (accept[0] if accept else ""),
                points=item_points,
                choices=choices or [],
                accept=accept or [],
                topic=topic,
                location=location,
                strict=strict,
            )
        )

    if errors:
        raise DeckError(sorted(errors, key=_line_number))
    return Deck(
        path=name,
        title=title or "",
        language=language,
        teams=teams,
        points=points,
        inviders=inviders,
        learning=learning,
        **times,
    )


def _learning_options(hunt: dict, times: dict, hline, err) -> dict:
    """Validate the learning and privacy options of ``[hunt]``; pop the echo dates."""
    options = {
        "echo_opens_at": times.pop("echo_opens_at"),
        "echo_closes_at": times.pop("echo_closes_at"),
    }
    confidence = hunt.get("confidence", True)
    if not isinstance(confidence, bool):
        err(hline("confidence"), f"confidence must be true or false, not {_kind(confidence)}")
        confidence = True
    options["confidence"] = confidence
    questions = hunt.get("echo_questions", 5)
    if isinstance(questions, bool) or not isinstance(questions, int) or not 1 <= questions <= 20:
        err(hline("echo_questions"), "echo_questions must be a whole number from 1 to 20")
        questions = 5
    options["echo_questions"] = questions
    standings = hunt.get("standings", "public")
    if standings not in ("public", "discreet"):
        err(hline("standings"), 'standings must be "public" or "discreet"')
        standings = "public"
    options["standings"] = standings
    days = hunt.get("retention_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650
    ):
        err(hline("retention_days"), "retention_days must be a whole number from 1 to 3650")
        days = None
    options["retention_days"] = days
    return options


def _accepted(answer: str, accept: list[str], strict: bool) -> bool:
    """Tell whether the typed answer shown to players is judged right by ``accept``."""
    return any(answer_matches(a, answer, strict) for a in accept)


def _line_number(message: str) -> int:
    m = re.search(r":(\d+): ", message)
    return int(m.group(1)) if m else 0


def _text(table, key, line, err, required=False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            err(line(), f"missing {key}")
        return None
    if not isinstance(value, str):
        err(line(key), f"{key} must be text in quotes, not {_kind(value)}")
        return None
    if not value.strip():
        err(line(key), f"{key} must not be empty")
        return None
    return value.strip()


def _text_list(table, key, line, err) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        err(line(key), f'{key} must be a list of non-empty texts, like ["a", "b"]')
        return []
    return [v.strip() for v in value]


def _points(table, line, err, default: int) -> int:
    value = table.get("points", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1000:
        err(line("points"), "points must be a whole number from 1 to 1000")
        return default
    return value


def _kind(value) -> str:
    return {
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        str: "text",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def plan_deck(deck: Deck) -> DeckPlan:
    """Compare ``deck`` with the database and say what loading it would change."""
    existing = {i.key: i for i in db.session.execute(db.select(Invider)).scalars()}
    plan = DeckPlan()
    for number, item in enumerate(deck.inviders, start=1):
        current = existing.get(item.key)
        if current is None:
            plan.added.append(item.key)
        elif _fields(item, number) != _fields(current, current.number):
            plan.changed.append(item.key)
        else:
            plan.unchanged.append(item.key)
    keys = {item.key for item in deck.inviders}
    plan.removed = [key for key in existing if key not in keys]
    return plan


def _fields(item, number: int) -> tuple:
    return (
        number,
        item.question,
        list(item.choices),
        list(item.accept),
        item.answer,
        item.fact,
        item.topic,
        item.location,
        item.points,
        bool(getattr(item, "strict", False)),
    )


def load_deck(deck: Deck) -> DeckPlan:
    """Upsert ``deck`` in one transaction, keeping every poster code and answer.

    Removing an invider that players already answered is refused.
    """
    begin_write()
    plan = plan_deck(deck)
    if plan.removed:
        answered = dict(
            db.session.execute(
                db.select(Invider.key, func.count(Answer.id))
                .join(Answer, Answer.invider_id == Invider.id)
                .where(Invider.key.in_(plan.removed))
                .group_by(Invider.key)
            ).all()
        )
        if answered:
            db.session.rollback()
            raise DeckError(
                [
                    f"{deck.path}:1: cannot remove invider {key!r}: {count} answer(s) "
                    "already recorded; keep it in the deck"
                    for key, count in sorted(answered.items())
                ]
            )
    hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none() or Hunt()
    hunt.title, hunt.language, hunt.teams, hunt.points = (
        deck.title,
        deck.language,
        deck.teams,
        deck.points,
    )
    hunt.opens_at, hunt.closes_at, hunt.freeze_at = deck.opens_at, deck.closes_at, deck.freeze_at
    for option, value in deck.learning.items():
        setattr(hunt, option, value)
    db.session.add(hunt)
    existing = {i.key: i for i in db.session.execute(db.select(Invider)).scalars()}
    for key in plan.removed:
        db.session.delete(existing.pop(key))
    for number, item in enumerate(deck.inviders, start=1):
        invider = existing.get(item.key) or Invider(key=item.key, code=new_code())
        invider.number = number
        invider.question, invider.choices, invider.accept = item.question, item.choices, item.accept
        invider.answer, invider.fact, invider.points = item.answer, item.fact, item.points
        invider.topic, invider.location = item.topic, item.location
        invider.strict = item.strict
        db.session.add(invider)
    db.session.commit()
    return plan


def poster_deck():
    """Return the loaded deck as plain poster data, or None when no deck is loaded."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    from invider.echo import echo_window
    from invider.posters import PosterDeck, PosterItem

    hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    if hunt is None:
        return None
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars()
    opens = echo_window(hunt)[0]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return PosterDeck(
        title=hunt.title,
        language=hunt.language,
        echo_opens=opens.astimezone(zone) if opens else None,
        items=tuple(
            PosterItem(number=i.number, key=i.key, code=i.code, location=i.location, topic=i.topic)
            for i in inviders
        ),
    )
